//! AWS AccessDenied messages decoded: who was refused which action on which
//! resource, and why. The reason decides the fix: a missing Allow is added, an
//! explicit Deny is narrowed (adding Allows never beats it).

use serde_json::{Value, json};
use std::fmt;

/// One decoded "… is not authorized to perform: …" message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Denial {
    /// The caller's ARN (`User: …`); `None` for "You are not authorized…".
    pub principal: Option<String>,
    pub action: String,
    /// The resource, as AWS wrote it: an ARN, or IAM's `role name` form.
    pub resource: Option<String>,
    pub reason: Reason,
}

/// Why the request was refused, as far as the message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// `because no <kind> allows the <action> action`.
    NoAllow(PolicyType),
    /// `with an explicit deny in a <kind>[: <policy ARN>]`.
    ExplicitDeny(PolicyType, Option<String>),
    /// No reason given (older messages, and services that do not add one).
    Unstated,
}

/// The kinds of policy AWS names in its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PolicyType {
    Identity,
    Resource,
    ServiceControl,
    ResourceControl,
    Boundary,
    Session,
    VpcEndpoint,
}

impl PolicyType {
    /// The phrases AWS uses, longest first where one contains another.
    const PHRASES: &'static [(&'static str, PolicyType)] = &[
        ("identity-based policy", PolicyType::Identity),
        ("resource-based policy", PolicyType::Resource),
        ("service control policy", PolicyType::ServiceControl),
        ("resource control policy", PolicyType::ResourceControl),
        ("permissions boundary", PolicyType::Boundary),
        ("session policy", PolicyType::Session),
        ("vpc endpoint policy", PolicyType::VpcEndpoint),
    ];

    fn find(text: &str) -> Option<PolicyType> {
        let lower = text.to_ascii_lowercase();
        Self::PHRASES
            .iter()
            .find(|(phrase, _)| lower.starts_with(phrase))
            .map(|(_, kind)| *kind)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::ServiceControl => "service control policy (AWS Organizations)",
            PolicyType::ResourceControl => "resource control policy (AWS Organizations)",
            PolicyType::Boundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::VpcEndpoint => "VPC endpoint policy",
        }
    }
}

const PERFORM: &str = " not authorized to perform: ";
const ON_RESOURCE: &str = " on resource: ";
const BECAUSE_NO: &str = " because no ";
const EXPLICIT_DENY: &str = " with an explicit deny in ";

impl Denial {
    /// Decode a message, wherever it sits in the text (SDK prefixes such as
    /// `AccessDeniedException: ` and trailers such as `(Service: …)` are ignored).
    pub(crate) fn parse(message: &str) -> Option<Denial> {
        let at = message.find(PERFORM)?;
        let before = &message[..at];
        let principal = before
            .rfind("User: ")
            .map(|u| {
                before[u + "User: ".len()..]
                    .trim_end_matches(" is")
                    .trim()
                    .to_string()
            })
            .filter(|p| !p.is_empty());
        let rest = &message[at + PERFORM.len()..];
        let action_end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let action = rest[..action_end].trim_end_matches(['.', ',']).to_string();
        if !action.contains(':') {
            return None;
        }
        let rest = &rest[action_end..];
        let (resource, tail) = match rest.strip_prefix(ON_RESOURCE.trim_end()).map(str::trim_start) {
            Some(r) => {
                let end = [BECAUSE_NO, EXPLICIT_DENY, " (Service:", "\n"]
                    .iter()
                    .filter_map(|stop| r.find(stop))
                    .min()
                    .unwrap_or(r.len());
                let resource = r[..end]
                    .trim()
                    .trim_end_matches('.')
                    .trim_matches('"')
                    .to_string();
                (Some(resource).filter(|r| !r.is_empty()), &r[end..])
            }
            None => (None, rest),
        };
        let reason = if let Some(i) = tail.find(BECAUSE_NO) {
            PolicyType::find(&tail[i + BECAUSE_NO.len()..]).map_or(Reason::Unstated, Reason::NoAllow)
        } else if let Some(i) = tail.find(EXPLICIT_DENY) {
            let what = tail[i + EXPLICIT_DENY.len()..]
                .trim_start_matches("an ")
                .trim_start_matches("a ");
            match PolicyType::find(what) {
                Some(kind) => {
                    let arn = what.find(": ").map(|c| {
                        what[c + 2..]
                            .split(|ch: char| ch.is_whitespace() || ch == '"')
                            .next()
                            .unwrap_or_default()
                            .trim_end_matches(['.', ','])
                            .to_string()
                    });
                    Reason::ExplicitDeny(kind, arn.filter(|a| a.starts_with("arn:")))
                }
                None => Reason::Unstated,
            }
        } else {
            Reason::Unstated
        };
        Some(Denial {
            principal,
            action,
            resource,
            reason,
        })
    }

    /// The resource as an ARN usable in a policy (`*` when AWS named none, or named
    /// it in IAM's `role name` form, which a policy cannot use as is).
    pub(crate) fn resource_arn(&self) -> &str {
        match &self.resource {
            Some(r) if r.starts_with("arn:") || r == "*" => r,
            _ => "*",
        }
    }

    /// The statement that allows the refused request.
    pub(crate) fn allow_statement(&self) -> Value {
        json!({
            "Sid": sid_for(&self.action),
            "Effect": "Allow",
            "Action": self.action,
            "Resource": self.resource_arn(),
        })
    }

    /// What to change, in words a support engineer can paste to the customer.
    pub(crate) fn advice(&self) -> String {
        let action = &self.action;
        match &self.reason {
            Reason::NoAllow(PolicyType::Identity) | Reason::Unstated => {
                let unstated = if self.reason == Reason::Unstated {
                    " (AWS did not say which policy refused it; a missing Allow is the usual cause — if the \
                     statement is already there, look for a Deny in a bucket policy, boundary or SCP)"
                } else {
                    ""
                };
                format!("add an Allow for {action} to the principal's identity policy{unstated}")
            }
            Reason::NoAllow(PolicyType::Resource) => format!(
                "the resource's own policy (bucket policy, KMS key policy, Glue catalog policy) must allow \
                 {action} to this principal: it is in another account, or the key policy does not delegate to IAM"
            ),
            Reason::NoAllow(PolicyType::Boundary) => {
                format!(
                    "add {action} to the principal's permissions boundary, which caps its identity policies"
                )
            }
            Reason::NoAllow(PolicyType::Session) => format!(
                "the session policy passed with AssumeRole does not allow {action}: widen the session policy the \
                 BI tool passes"
            ),
            Reason::NoAllow(kind @ (PolicyType::ServiceControl | PolicyType::ResourceControl)) => format!(
                "a {} does not allow {action}: it is changed in the organisation's management account, not in \
                 this account",
                kind.describe()
            ),
            Reason::NoAllow(PolicyType::VpcEndpoint) => {
                format!("the VPC endpoint's policy must allow {action}")
            }
            Reason::ExplicitDeny(kind, arn) => {
                let which = arn.as_ref().map(|a| format!(" {a}")).unwrap_or_default();
                let where_ = if matches!(kind, PolicyType::ServiceControl | PolicyType::ResourceControl) {
                    ", in the organisation's management account"
                } else {
                    ""
                };
                format!(
                    "an explicit Deny in a {}{which} matches: narrow that Deny so that it no longer covers this \
                     request{where_} (adding an Allow does not help: a Deny always wins)",
                    kind.describe()
                )
            }
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.principal.as_deref().unwrap_or("the caller");
        write!(f, "{who} may not call {}", self.action)?;
        if let Some(r) = &self.resource {
            write!(f, " on {r}")?;
        }
        match &self.reason {
            Reason::NoAllow(kind) => write!(f, ": no {} allows it", kind.describe()),
            Reason::ExplicitDeny(kind, _) => {
                write!(f, ": an explicit Deny in a {} refuses it", kind.describe())
            }
            Reason::Unstated => write!(f, ": AWS did not say which policy refused it"),
        }
    }
}

/// `athena:StartQueryExecution` → `AllowAthenaStartQueryExecution`.
fn sid_for(action: &str) -> String {
    let mut sid = String::from("Allow");
    for part in action.split(':') {
        let mut chars = part.chars().filter(char::is_ascii_alphanumeric);
        if let Some(first) = chars.next() {
            sid.push(first.to_ascii_uppercase());
            sid.extend(chars);
        }
    }
    sid
}

/// The role ARN behind an assumed-role session ARN
/// (`arn:aws:sts::1:assumed-role/r/s` → `arn:aws:iam::1:role/r`, path unknown).
pub(crate) fn role_of_session(arn: &str) -> Option<String> {
    let (head, rest) = arn.split_once(":assumed-role/")?;
    let role = rest.split('/').next()?;
    let head = head.replacen(":sts:", ":iam:", 1);
    Some(format!("{head}:role/{role}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:sts::111122223333:assumed-role/bi-athena/omni";
    const USER: &str = "arn:aws:iam::111122223333:user/omni-athena";

    fn parse(m: &str) -> Denial {
        Denial::parse(m).unwrap_or_else(|| panic!("did not parse: {m}"))
    }

    /// Real message shapes, as AWS services return them (IAM user guide
    /// "Access denied error messages", and messages quoted in the reference).
    #[test]
    fn decodes_every_known_suffix() {
        use PolicyType::*;
        let cases: &[(&str, &str, Option<&str>, Reason)] = &[
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary because no identity-based policy allows the athena:StartQueryExecution action",
                "athena:StartQueryExecution",
                Some("arn:aws:athena:us-east-1:111122223333:workgroup/primary"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::acme-athena-results/q/1.csv\" because no resource-based policy allows the s3:GetObject action",
                "s3:GetObject",
                Some("arn:aws:s3:::acme-athena-results/q/1.csv"),
                Reason::NoAllow(Resource),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: glue:GetDatabases on resource: arn:aws:glue:us-east-1:111122223333:catalog because no identity-based policy allows the glue:GetDatabases action (Service: AWSGlue; Status Code: 400; Error Code: AccessDeniedException; Request ID: 0c9f)",
                "glue:GetDatabases",
                Some("arn:aws:glue:us-east-1:111122223333:catalog"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/analytics with an explicit deny in an identity-based policy",
                "athena:GetWorkGroup",
                Some("arn:aws:athena:us-east-1:111122223333:workgroup/analytics"),
                Reason::ExplicitDeny(Identity, None),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/analytics with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/DenyAthena",
                "athena:GetWorkGroup",
                Some("arn:aws:athena:us-east-1:111122223333:workgroup/analytics"),
                Reason::ExplicitDeny(Identity, Some("arn:aws:iam::111122223333:policy/DenyAthena".into())),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::acme-athena-results/Unsaved/2026/11/28/abc.csv\" with an explicit deny in a resource-based policy",
                "s3:PutObject",
                Some("arn:aws:s3:::acme-athena-results/Unsaved/2026/11/28/abc.csv"),
                Reason::ExplicitDeny(Resource, None),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:eu-west-1:111122223333:workgroup/primary with an explicit deny in a service control policy",
                "athena:StartQueryExecution",
                Some("arn:aws:athena:eu-west-1:111122223333:workgroup/primary"),
                Reason::ExplicitDeny(ServiceControl, None),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:eu-west-1:111122223333:workgroup/primary with an explicit deny in a service control policy: arn:aws:organizations::444455556666:policy/o-a1b2c3d4e5/service_control_policy/p-a1b2c3d4",
                "athena:StartQueryExecution",
                Some("arn:aws:athena:eu-west-1:111122223333:workgroup/primary"),
                Reason::ExplicitDeny(
                    ServiceControl,
                    Some("arn:aws:organizations::444455556666:policy/o-a1b2c3d4e5/service_control_policy/p-a1b2c3d4".into()),
                ),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::acme-athena-results\" with an explicit deny in a permissions boundary",
                "s3:ListBucket",
                Some("arn:aws:s3:::acme-athena-results"),
                Reason::ExplicitDeny(Boundary, None),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::acme-athena-results\" with an explicit deny in a permissions boundary: arn:aws:iam::111122223333:policy/DataBoundary",
                "s3:ListBucket",
                Some("arn:aws:s3:::acme-athena-results"),
                Reason::ExplicitDeny(Boundary, Some("arn:aws:iam::111122223333:policy/DataBoundary".into())),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: glue:GetTables on resource: arn:aws:glue:us-east-1:111122223333:database/sales with an explicit deny in a session policy",
                "glue:GetTables",
                Some("arn:aws:glue:us-east-1:111122223333:database/sales"),
                Reason::ExplicitDeny(Session, None),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: glue:GetTables on resource: arn:aws:glue:us-east-1:111122223333:database/sales because no session policy allows the glue:GetTables action",
                "glue:GetTables",
                Some("arn:aws:glue:us-east-1:111122223333:database/sales"),
                Reason::NoAllow(Session),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: athena:GetQueryResults on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary because no permissions boundary allows the athena:GetQueryResults action",
                "athena:GetQueryResults",
                Some("arn:aws:athena:us-east-1:111122223333:workgroup/primary"),
                Reason::NoAllow(Boundary),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: athena:ListDataCatalogs on resource: arn:aws:athena:us-east-1:111122223333:datacatalog/* because no service control policy allows the athena:ListDataCatalogs action",
                "athena:ListDataCatalogs",
                Some("arn:aws:athena:us-east-1:111122223333:datacatalog/*"),
                Reason::NoAllow(ServiceControl),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::acme-data/sales/part-0.parquet\" because no VPC endpoint policy allows the s3:GetObject action",
                "s3:GetObject",
                Some("arn:aws:s3:::acme-data/sales/part-0.parquet"),
                Reason::NoAllow(VpcEndpoint),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::acme-data/sales/part-0.parquet\" with an explicit deny in a VPC endpoint policy",
                "s3:GetObject",
                Some("arn:aws:s3:::acme-data/sales/part-0.parquet"),
                Reason::ExplicitDeny(VpcEndpoint, None),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::acme-data/x\" with an explicit deny in a resource control policy",
                "s3:GetObject",
                Some("arn:aws:s3:::acme-data/x"),
                Reason::ExplicitDeny(ResourceControl, None),
            ),
            (
                "User: arn:aws:sts::999988887777:assumed-role/omni-vendor/omni is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/bi-athena",
                "sts:AssumeRole",
                Some("arn:aws:iam::111122223333:role/bi-athena"),
                Reason::Unstated,
            ),
            (
                "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::999988887777:user/omni is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/bi-athena",
                "sts:AssumeRole",
                Some("arn:aws:iam::111122223333:role/bi-athena"),
                Reason::Unstated,
            ),
            (
                "User: arn:aws:sts::999988887777:assumed-role/omni-vendor/omni is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/bi-athena because no identity-based policy allows the sts:AssumeRole action",
                "sts:AssumeRole",
                Some("arn:aws:iam::111122223333:role/bi-athena"),
                Reason::NoAllow(Identity),
            ),
            (
                "AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:GenerateDataKey action",
                "kms:GenerateDataKey",
                Some("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                Reason::NoAllow(Resource),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action",
                "kms:Decrypt",
                Some("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: iam:GetRole on resource: role bi-athena because no identity-based policy allows the iam:GetRole action",
                "iam:GetRole",
                Some("role bi-athena"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: iam:ListRoles",
                "iam:ListRoles",
                None,
                Reason::Unstated,
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: lakeformation:GetDataAccess on resource: * because no identity-based policy allows the lakeformation:GetDataAccess action",
                "lakeformation:GetDataAccess",
                Some("*"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:athena-ddb-connector because no identity-based policy allows the lambda:InvokeFunction action",
                "lambda:InvokeFunction",
                Some("arn:aws:lambda:us-east-1:111122223333:function:athena-ddb-connector"),
                Reason::NoAllow(Identity),
            ),
            (
                "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: glue:GetDatabases on resource: arn:aws:glue:us-east-2:444455556666:catalog because no resource-based policy allows the glue:GetDatabases action",
                "glue:GetDatabases",
                Some("arn:aws:glue:us-east-2:444455556666:catalog"),
                Reason::NoAllow(Resource),
            ),
            (
                "User: arn:aws:iam::111122223333:user/omni-athena is not authorized to perform: athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary",
                "athena:GetWorkGroup",
                Some("arn:aws:athena:us-east-1:111122223333:workgroup/primary"),
                Reason::Unstated,
            ),
        ];
        assert!(cases.len() >= 25, "the issue asks for at least 25 real messages");
        for (message, action, resource, reason) in cases {
            let d = parse(message);
            assert_eq!(&d.action, action, "{message}");
            assert_eq!(d.resource.as_deref(), *resource, "{message}");
            assert_eq!(&d.reason, reason, "{message}");
            assert!(d.principal.is_some(), "{message}");
        }
        assert_eq!(parse(cases[0].0).principal.as_deref(), Some(ROLE));
        assert_eq!(parse(cases[1].0).principal.as_deref(), Some(USER));
    }

    #[test]
    fn you_are_not_authorized_has_no_principal() {
        let d = parse(
            "You are not authorized to perform: athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        );
        assert_eq!(d.principal, None);
        assert_eq!(d.action, "athena:GetWorkGroup");
    }

    #[test]
    fn other_messages_do_not_parse() {
        for m in [
            "Access Denied",
            "The security token included in the request is invalid.",
            "Unable to verify/create output bucket acme-athena-results",
            "Encoded authorization failure message: 4Yr5cL…",
            "User is not authorized to perform: nothing",
        ] {
            assert_eq!(Denial::parse(m), None, "{m}");
        }
    }

    #[test]
    fn statements_and_advice_follow_the_reason() {
        let d = parse(
            "User: arn:aws:sts::111122223333:assumed-role/bi-athena/omni is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary because no identity-based policy allows the athena:StartQueryExecution action",
        );
        assert_eq!(
            d.allow_statement(),
            json!({"Sid": "AllowAthenaStartQueryExecution", "Effect": "Allow",
                   "Action": "athena:StartQueryExecution",
                   "Resource": "arn:aws:athena:us-east-1:111122223333:workgroup/primary"})
        );
        assert!(d.advice().starts_with("add an Allow"));
        let deny = parse(
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::b\" with an explicit deny in a service control policy: arn:aws:organizations::444455556666:policy/o-a/service_control_policy/p-b",
        );
        let advice = deny.advice();
        assert!(advice.contains("narrow that Deny"), "{advice}");
        assert!(advice.contains("p-b"), "{advice}");
        assert!(advice.contains("management account"), "{advice}");
        let iam = parse(
            "User: arn:aws:iam::1:user/u is not authorized to perform: iam:GetRole on resource: role r because no identity-based policy allows the iam:GetRole action",
        );
        assert_eq!(iam.resource_arn(), "*", "IAM's `role r` is not an ARN");
    }

    use proptest::prelude::*;

    const KINDS: [PolicyType; 7] = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::ServiceControl,
        PolicyType::ResourceControl,
        PolicyType::Boundary,
        PolicyType::Session,
        PolicyType::VpcEndpoint,
    ];

    /// The phrase AWS writes for a kind, with its article.
    fn written(kind: PolicyType) -> &'static str {
        match kind {
            PolicyType::Identity => "an identity-based policy",
            PolicyType::Resource => "a resource-based policy",
            PolicyType::ServiceControl => "a service control policy",
            PolicyType::ResourceControl => "a resource control policy",
            PolicyType::Boundary => "a permissions boundary",
            PolicyType::Session => "a session policy",
            PolicyType::VpcEndpoint => "a VPC endpoint policy",
        }
    }

    fn reason() -> impl Strategy<Value = Reason> {
        let kind = (0..KINDS.len()).prop_map(|i| KINDS[i]);
        prop_oneof![
            Just(Reason::Unstated),
            kind.clone().prop_map(Reason::NoAllow),
            (
                kind,
                proptest::option::of("arn:aws:(iam|organizations)::[0-9]{12}:policy/[A-Za-z0-9/_-]{1,30}")
            )
                .prop_map(|(k, arn)| Reason::ExplicitDeny(k, arn)),
        ]
    }

    proptest! {
        /// Messages written the way AWS writes them decode to what they were made of.
        #[test]
        fn messages_round_trip(
            principal in "arn:aws:(iam::[0-9]{12}:user|sts::[0-9]{12}:assumed-role)/[a-z0-9-]{1,20}(/[a-z0-9-]{1,12})?",
            action in "[a-z0-9]{2,12}:[A-Z][A-Za-z]{1,30}",
            // A final `.` would end the sentence: AWS's resources never end with one.
            resource in proptest::option::of("arn:aws:[a-z0-9]{2,10}:[a-z0-9-]{0,12}:([0-9]{12})?:[A-Za-z0-9/*._:-]{0,39}[A-Za-z0-9/*_:-]"),
            quoted in any::<bool>(),
            reason in reason(),
            prefix in prop_oneof![Just(""), Just("AccessDeniedException: "), Just("An error occurred (AccessDenied) when calling the X operation: ")],
        ) {
            let mut message = format!("{prefix}User: {principal} is not authorized to perform: {action}");
            if let Some(r) = &resource {
                if quoted {
                    message.push_str(&format!(" on resource: \"{r}\""));
                } else {
                    message.push_str(&format!(" on resource: {r}"));
                }
            }
            match &reason {
                Reason::Unstated => {}
                Reason::NoAllow(k) => message.push_str(&format!(
                    " because no {} allows the {action} action",
                    written(*k).trim_start_matches("an ").trim_start_matches("a ")
                )),
                Reason::ExplicitDeny(k, arn) => {
                    message.push_str(&format!(" with an explicit deny in {}", written(*k)));
                    if let Some(arn) = arn {
                        message.push_str(&format!(": {arn}"));
                    }
                }
            }
            let d = Denial::parse(&message).expect("parses");
            prop_assert_eq!(d.principal.as_deref(), Some(principal.as_str()));
            prop_assert_eq!(&d.action, &action);
            prop_assert_eq!(d.resource.as_deref(), resource.as_deref());
            prop_assert_eq!(&d.reason, &reason);
        }

        /// Anything else never panics.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = Denial::parse(&text);
            let _ = Denial::parse(&format!("User: x is not authorized to perform: {text}"));
        }
    }

    #[test]
    fn session_arns_name_their_role() {
        assert_eq!(
            role_of_session(ROLE).as_deref(),
            Some("arn:aws:iam::111122223333:role/bi-athena")
        );
        assert_eq!(role_of_session(USER), None);
    }
}
