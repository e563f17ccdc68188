//! PROBE rules: what the connection's own credentials got when the doctor tried
//! them as the BI tool does, explained. A probe says *that* something fails; the
//! static rule it points to (run on the same facts) says *why*, with its fix.

use super::athena::{
    AthenaAccess, GlueAccess, LakeFormationAccess, LakeFormationFiltered, LambdaCatalogInvoke,
    NoOutputLocation, WorkgroupOverridesOutput, WorkgroupUnusable,
};
use super::catalog::{
    CatalogNotFound, CatalogNotLowercase, CrossAccountCatalog, PolicyResourceCase, SchemaNotFound,
};
use super::conn::OutputLocationMalformed;
use super::net::{EndpointUnreachable, StreamingPortBlocked, TlsUntrusted};
use super::region::{BucketRegionMismatch, RegionDefaulted};
use super::role::RoleNotFound;
use super::s3::{
    BucketLocationConditioned, BucketPolicyDenies, DataBucketAccess, KmsAccessMissing, OutputBucketAccess,
    OutputBucketNotFound,
};
use super::trust::{
    ExternalIdMismatch, ExternalIdMissing, TrustDeniesVendor, TrustPolicyInvalid, TrustTooBroad,
    VendorNotTrusted,
};
use crate::aws::access_key::{self, KeyKind};
use crate::aws::arn::Arn;
use crate::aws::denial::{Denial, PolicyType, Reason, role_of_session};
use crate::connection::{AuthType, FieldId};
use crate::engine::{Check, Outcome, Rule, RuleMeta, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed, ProbeFacts, QueryProbe};
use crate::fix::{Applicability, Fix};
use crate::messages;
use serde_json::json;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &CredentialsRejected,
    &AssumeRoleDenied,
    &AssumeRoleWithoutExternalId,
    &QueryProbeFailed,
    &AccessDenied,
    &EndpointOverrideActive,
];

/// The probe facts, or the skip saying why there are none.
fn probes(facts: &Facts) -> Result<&ProbeFacts, Skip> {
    facts.live.require("connection")?.probes.require("connection")
}

/// The skip of a rule about the other kind of connection.
fn only_for(facts: &Facts, kind: AuthType) -> Result<(), Skip> {
    if facts.connection.auth.auth_type == Some(kind) {
        return Ok(());
    }
    Err(Skip::new(
        "connection",
        format!("not applicable: not an {} connection", kind.label()),
    ))
}

/// Is the caller `caller` the principal a trust policy names as `admitted`? A
/// session of a role is that role (whose ARN in the policy may carry a path).
fn same_principal(admitted: &str, caller: &str) -> bool {
    if admitted == caller {
        return true;
    }
    let Some(role) = role_of_session(caller) else {
        return false;
    };
    let (head, name) = role.split_once(":role/").unwrap_or((&role, ""));
    admitted.starts_with(head) && admitted.rsplit('/').next() == Some(name) && admitted.contains(":role/")
}

/// The fix for a decoded denial: a statement where the missing Allow belongs. A
/// Deny is never "fixed" by adding: the message names the Deny to narrow instead.
fn denial_fix(facts: &Facts, denial: &Denial) -> Option<Fix> {
    let statement = denial.allow_statement();
    match &denial.reason {
        Reason::NoAllow(PolicyType::Identity) | Reason::Unstated => Some(Fix::add_statements(
            facts,
            facts
                .identity_policies
                .known()
                .ok()
                .and_then(|p| super::access::fix_target(p)),
            None,
            vec![statement],
            Applicability::Unsafe,
        )),
        Reason::NoAllow(PolicyType::Boundary) => {
            let boundary = facts.permissions_boundary.known().ok().and_then(Option::as_ref);
            Some(Fix::add_statements(
                facts,
                boundary,
                None,
                vec![statement],
                Applicability::Unsafe,
            ))
        }
        Reason::NoAllow(PolicyType::Resource) => {
            let principal = denial
                .principal
                .as_deref()
                .map(|p| role_of_session(p).unwrap_or_else(|| p.to_string()))?;
            let mut statement = statement;
            statement["Principal"] = json!({ "AWS": principal });
            let bucket = Arn::parse(denial.resource_arn())
                .ok()
                .filter(|a| a.service == "s3")
                .and_then(|a| a.resource.split('/').next().map(str::to_string));
            let policy = bucket.as_deref().and_then(|b| facts.bucket_policies.get(b));
            Some(Fix::add_statements(
                facts,
                policy,
                bucket.as_deref(),
                vec![statement],
                Applicability::DisplayOnly,
            ))
        }
        _ => None,
    }
}

/// A failed check for a decoded denial, with its fix.
fn denial_check(meta: &'static RuleMeta, facts: &Facts, subject: &str, lead: &str, denial: &Denial) -> Check {
    meta.fail(subject, format!("{lead}{denial}: {}", denial.advice()))
        .with_fix_if(denial_fix(facts, denial))
}

declare_rule! {
    pub(crate) struct CredentialsRejected {
        code: "PROBE001",
        name: "credentials-rejected",
        severity: Error,
        summary: "The connection's own credentials are rejected",
        fixes: [DisplayOnly],
    }
}

impl Rule for CredentialsRejected {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::AccessKey)?;
        let p = probes(facts)?;
        let conn = &facts.connection;
        let key = conn.value(FieldId::AccessKeyId).unwrap_or_default().trim();
        let at = conn.location(FieldId::AccessKeyId);
        let subject = "auth.access_key_id";
        let f = match &p.credentials {
            Observed::Known(arn) => {
                return Ok(vec![
                    meta.pass(
                        subject,
                        format!("AWS accepts the access key {key}: it signs as {arn}"),
                    )
                    .at(at),
                ]);
            }
            Observed::Failed(f) if f.kind == FailureKind::Denied => f,
            other => return Err(Skip::new(subject, other.known().err().unwrap_or_default())),
        };
        let temporary = access_key::kind(key) == Some(KeyKind::Temporary);
        let (cause, field) = match f.code.as_str() {
            "InvalidClientTokenId" | "UnrecognizedClientException" if temporary => (
                format!(
                    "AWS does not accept the key {key} ({}): it is a temporary ASIA… key, which only works with \
                     the session token it was issued with, and the connection cannot hold one. Create a long-lived \
                     access key (AKIA…) for an IAM user and paste its ID and secret",
                    f.code
                ),
                FieldId::AccessKeyId,
            ),
            "InvalidClientTokenId" | "UnrecognizedClientException" => (
                format!(
                    "AWS does not know the access key {key} ({}): it was deleted or deactivated (after a rotation?), \
                     or belongs to another partition. Create a new access key for the IAM user and paste its ID \
                     and secret into the connection",
                    f.code
                ),
                FieldId::AccessKeyId,
            ),
            "SignatureDoesNotMatch" => (
                format!(
                    "the access key {key} exists, but the secret does not belong to it (SignatureDoesNotMatch): it \
                     was mistyped, truncated, or is another key's secret. Paste the secret shown when {key} was \
                     created; AWS cannot show it again, so if it is lost create a new key"
                ),
                FieldId::SecretAccessKey,
            ),
            "ExpiredToken" => (
                format!(
                    "the access key {key} is a temporary session key whose session has expired (ExpiredToken): \
                     use a long-lived access key (AKIA…) of an IAM user instead"
                ),
                FieldId::AccessKeyId,
            ),
            _ => (
                format!("AWS refuses the access key {key}: {}", f.message),
                FieldId::AccessKeyId,
            ),
        };
        let placeholder = match field {
            FieldId::SecretAccessKey => format!("<the secret access key of {key}>"),
            _ => "<a new access key ID (AKIA…)>".to_string(),
        };
        Ok(vec![meta.fail(subject, cause).at(at).with_fix(Fix::field(
            conn,
            field,
            placeholder,
            Applicability::DisplayOnly,
        ))])
    }
}

/// Why the doctor's own AssumeRole tells nothing about the vendor's: it ran as a
/// principal outside the vendor's account.
fn not_the_vendor(facts: &Facts) -> Option<String> {
    let vendor = facts.connection.value(FieldId::TrustedAccountId)?.trim();
    let Observed::Known(live) = &facts.live else {
        return None;
    };
    let caller = live.caller.known().ok()?;
    let account = Arn::parse(caller).ok()?.account;
    (account != vendor).then(|| {
        format!(
            "the doctor ran as {caller}, which is not in the vendor's account {vendor}: the answer says nothing \
             about the vendor's. Probe with the vendor's credentials (--profile) to try the connection as the BI \
             tool does"
        )
    })
}

declare_rule! {
    pub(crate) struct AssumeRoleDenied {
        code: "PROBE002",
        name: "assume-role-denied",
        severity: Error,
        summary: "AssumeRole with the external ID is denied",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            RoleNotFound,
            VendorNotTrusted,
            ExternalIdMismatch,
            ExternalIdMissing,
            TrustDeniesVendor,
            TrustPolicyInvalid,
        ],
    }
}

impl Rule for AssumeRoleDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::CrossAccountRole)?;
        let p = probes(facts)?;
        let conn = &facts.connection;
        let role = conn.value(FieldId::RoleArn).unwrap_or_default().trim();
        let at = conn.location(FieldId::RoleArn);
        let subject = "auth.role_arn";
        if let Some(why) = not_the_vendor(facts) {
            let outcome = match &p.assume_with_id {
                Observed::Known(_) => "succeeded".to_string(),
                Observed::Failed(f) if f.kind == FailureKind::Denied => "was refused".to_string(),
                // A timeout or an unreachable endpoint is no answer at all.
                Observed::Failed(f) => format!("got no answer ({f})"),
                Observed::NotCollected(_) => "was not tried".to_string(),
            };
            return Err(Skip::new(
                subject,
                format!("AssumeRole with the External ID {outcome}, but {why}"),
            ));
        }
        let f = match &p.assume_with_id {
            Observed::Known(arn) => {
                return Ok(vec![
                    meta.pass(
                        subject,
                        format!("AssumeRole with the External ID succeeds: the session is {arn}"),
                    )
                    .at(at),
                ]);
            }
            Observed::Failed(f) => f,
            other => return Err(Skip::new(subject, other.known().err().unwrap_or_default())),
        };
        // AWS's own answer (a ValidationError naming the limit), not any text that
        // mentions it: a proxy's dump of the request carries DurationSeconds too.
        if f.code == "ValidationError" && f.message.contains("MaxSessionDuration") {
            let found = facts.live.as_ref().and_then(|l| l.role.as_ref());
            let allowed = found.known().ok().and_then(|r| r.max_session_duration);
            let allowed = allowed.map(|s| format!(" ({s} s)")).unwrap_or_default();
            let name = role.rsplit('/').next().unwrap_or(role);
            return Ok(vec![
                meta.fail(
                    subject,
                    format!(
                        "AssumeRole asks for {} s sessions, longer than the role's MaxSessionDuration{allowed}: \
                         {}. Raise it: `{}` (at most 43200), or have the BI tool ask for a shorter session",
                        p.session_duration,
                        f.message,
                        crate::shell::join([
                            "aws",
                            "iam",
                            "update-role",
                            "--role-name",
                            name,
                            "--max-session-duration",
                            &p.session_duration.to_string(),
                        ])
                    ),
                )
                .at(at),
            ]);
        }
        if f.kind != FailureKind::Denied {
            return Err(Skip::new(subject, f.to_string()));
        }
        let trust_known = matches!(facts.trust_policy, Observed::Known(_));
        let denial = Denial::parse(&f.message);
        let caller = denial.as_ref().and_then(|d| d.principal.clone()).or_else(|| {
            let caller = facts.live.as_ref().and_then(|l| l.caller.as_ref());
            caller.known().ok().map(|c| c.to_string())
        });
        let wrong_principal = caller.as_deref().and_then(|caller| {
            let admitted = super::trust::specific_principals(facts)?;
            (!admitted.iter().any(|a| same_principal(a, caller))).then(|| {
                format!(
                    "wrong principal: the trust policy admits only {} of the vendor's account, and the call came \
                     from {caller}. The vendor must call from an admitted principal, or the trust policy must name \
                     this one",
                    admitted.join(", ")
                )
            })
        });
        let cause = if let Some(wrong) = wrong_principal {
            wrong
        } else if trust_known {
            format!(
                "the trust policy admits the vendor with this External ID, so the refusal comes from the vendor's \
                 side: {}'s own policies must allow sts:AssumeRole on {role}",
                caller.as_deref().unwrap_or("the vendor's principal")
            )
        } else {
            "AWS does not say why: the role may not exist (or its ARN lacks its path), the trust policy may not \
             admit the vendor's account, or may require another External ID. Give --trust-policy, or run with \
             iam:GetRole allowed, to narrow it"
                .to_string()
        };
        let mut check = meta
            .fail(
                subject,
                format!(
                    "AssumeRole with the External ID is denied ({}); {cause}",
                    f.message
                ),
            )
            .at(at)
            .explainable(
                Self::META.explained_by,
                format!(
                    "AssumeRole with the External ID is denied ({}); the cause:",
                    f.message
                ),
            );
        if trust_known {
            // The vendor's policy is not the customer's to change: shown, not applied.
            let statement = json!({"Sid": "AllowAssumeCustomerRole", "Effect": "Allow",
                                   "Action": "sts:AssumeRole", "Resource": role});
            check = check.with_fix(Fix::statements_for(
                "the vendor-side principal's identity policy",
                vec![statement],
            ));
        }
        Ok(vec![check])
    }
}

declare_rule! {
    pub(crate) struct AssumeRoleWithoutExternalId {
        code: "PROBE003",
        name: "assume-role-without-external-id",
        severity: Error,
        summary: "AssumeRole without the external ID succeeds",
        fixes: [Safe, Unsafe, DisplayOnly],
        tags: ["security"],
        explained_by: [
            ExternalIdMissing,
            TrustTooBroad,
        ],
    }
}

impl Rule for AssumeRoleWithoutExternalId {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::CrossAccountRole)?;
        let p = probes(facts)?;
        let subject = "trust policy";
        if let Some(why) = not_the_vendor(facts) {
            return Err(Skip::new(subject, why));
        }
        match (&p.assume_with_id, &p.assume_without_id) {
            (_, Observed::Known(arn)) => {
                let message = format!(
                    "AssumeRole WITHOUT any External ID succeeds (session {arn}): the role does not require the ID, \
                     so anyone its trust policy admits can use it without one — the confused-deputy protection is \
                     missing. Add the sts:ExternalId condition"
                );
                Ok(vec![
                    meta.fail(subject, &message)
                        .explainable(Self::META.explained_by, message),
                ])
            }
            (Observed::Known(_), Observed::Failed(f)) if f.kind == FailureKind::Denied => Ok(vec![meta.pass(
                subject,
                "AssumeRole without the External ID is refused while it succeeds with it: the role requires the ID",
            )]),
            (Observed::Known(_), other) => Ok(vec![meta.skip(subject, other.known().err().unwrap_or_default())]),
            (_, _) => Ok(vec![meta.skip(
                subject,
                "AssumeRole with the External ID did not succeed (PROBE002): a refusal without it proves nothing yet",
            )]),
        }
    }
}

/// The rules among `by` (a rule's `explained_by`) that `rules/errors.toml` lists
/// for a message, in the table's order, with the pattern that recognised it.
fn causes_among(
    message: &str,
    by: &'static [&'static RuleMeta],
) -> Option<(&'static messages::Pattern, Vec<&'static RuleMeta>)> {
    let pattern = messages::recognise(message).0?;
    let rules = pattern
        .causes
        .iter()
        .filter_map(|c| by.iter().copied().find(|m| m.code == c.code))
        .collect();
    Some((pattern, rules))
}

declare_rule! {
    pub(crate) struct QueryProbeFailed {
        code: "PROBE004",
        name: "query-probe-failed",
        severity: Error,
        summary: "The opt-in SELECT 1 failed",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            OutputBucketNotFound,
            OutputBucketAccess,
            DataBucketAccess,
            BucketPolicyDenies,
            KmsAccessMissing,
            BucketLocationConditioned,
            WorkgroupUnusable,
            WorkgroupOverridesOutput,
            NoOutputLocation,
            LakeFormationAccess,
            RegionDefaulted,
            BucketRegionMismatch,
            OutputLocationMalformed,
            CatalogNotLowercase,
            CatalogNotFound,
            SchemaNotFound,
            LakeFormationFiltered,
            LambdaCatalogInvoke,
            CrossAccountCatalog,
            EndpointUnreachable,
            TlsUntrusted,
            StreamingPortBlocked,
        ],
    }
}

impl QueryProbeFailed {
    fn explain(&self, facts: &Facts, subject: &str, lead: String, reason: &str) -> Check {
        let meta = Self::META;
        if let Some(denial) = Denial::parse(reason) {
            return denial_check(meta, facts, subject, &format!("{lead}: "), &denial);
        }
        let Some((pattern, by)) = causes_among(reason, Self::META.explained_by) else {
            return meta.fail(
                subject,
                format!("{lead}: {reason} — not a cause the doctor knows; the message is Athena's own"),
            );
        };
        if pattern.kind == messages::Kind::Query {
            return meta.fail(subject, format!("{lead}: {reason} — {}", pattern.meaning));
        }
        let explained = format!("{lead}: {reason} — {}", pattern.meaning);
        let codes: Vec<&str> = by.iter().map(|r| r.code).collect();
        meta.fail(
            subject,
            format!(
                "{explained}; the static checks ({}) found nothing, so look at what they could not see (their \
                 skips, with -v)",
                codes.join(", ")
            ),
        )
        .explainable(&by, explained)
    }
}

impl Rule for QueryProbeFailed {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let p = probes(facts)?;
        let subject = "SELECT 1";
        match &p.query {
            Observed::Known(QueryProbe {
                state,
                reason,
                output_location,
                query_id,
            }) => match state.as_str() {
                "SUCCEEDED" => Ok(vec![meta.pass(
                    subject,
                    format!(
                        "SELECT 1 succeeded (query {query_id}); its result is in {}",
                        output_location.as_deref().unwrap_or("the workgroup's location")
                    ),
                )]),
                "FAILED" | "CANCELLED" => {
                    let reason = reason.as_deref().unwrap_or("Athena gave no reason");
                    Ok(vec![self.explain(
                        facts,
                        subject,
                        format!("SELECT 1 {}", state.to_lowercase()),
                        reason,
                    )])
                }
                other => Ok(vec![meta.skip(
                    subject,
                    format!("SELECT 1 (query {query_id}) was still {other} when the deadline came"),
                )]),
            },
            Observed::Failed(f)
                if matches!(
                    f.kind,
                    FailureKind::Denied | FailureKind::Other | FailureKind::NotFound
                ) =>
            {
                Ok(vec![self.explain(
                    facts,
                    subject,
                    format!("{} refused SELECT 1", f.action),
                    &f.message,
                )])
            }
            other => Ok(vec![meta.skip(subject, other.known().err().unwrap_or_default())]),
        }
    }
}

declare_rule! {
    pub(crate) struct AccessDenied {
        code: "PROBE005",
        name: "access-denied",
        severity: Error,
        summary: "An AccessDenied message decoded into principal, action, resource and reason",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            AthenaAccess,
            WorkgroupUnusable,
            GlueAccess,
            CrossAccountCatalog,
            PolicyResourceCase,
            OutputBucketAccess,
            DataBucketAccess,
            BucketPolicyDenies,
            BucketLocationConditioned,
            KmsAccessMissing,
            LakeFormationAccess,
            LakeFormationFiltered,
            LambdaCatalogInvoke,
        ],
    }
}

impl Rule for AccessDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let p = probes(facts)?;
        if p.calls.is_empty() {
            // Only an answer from AWS is a refusal: a call that timed out or
            // never reached AWS says nothing about the credentials.
            let refused =
                |f: &crate::facts::Failure| matches!(f.kind, FailureKind::Denied | FailureKind::Other);
            let why = match (&p.credentials, &p.assume_with_id) {
                (Observed::Failed(f), _) if refused(f) => {
                    "the connection's credentials were rejected (PROBE001)".to_string()
                }
                (Observed::Failed(f), _) => format!("the connection's credentials could not be tried: {f}"),
                (_, Observed::Failed(f)) if refused(f) => {
                    "the role could not be assumed (PROBE002)".to_string()
                }
                (_, Observed::Failed(f)) => format!("AssumeRole did not answer: {f}"),
                _ => "the connection's credentials were not obtained".to_string(),
            };
            return Err(Skip::new(
                "connection",
                format!("no call was made as the connection: {why}"),
            ));
        }
        // Whose credentials the calls were made with: the key's identity, or the
        // assumed role's session.
        let who = p
            .credentials
            .known()
            .or_else(|_| p.assume_with_id.known())
            .map(|arn| format!(" (as {arn})"))
            .unwrap_or_default();
        Ok(p.calls
            .iter()
            .map(|call| {
                let subject = format!("{} on {}", call.action, call.resource);
                match &call.outcome {
                    Observed::Known(what) => meta.pass(
                        &subject,
                        format!("the connection may call {}{who}: {what}", call.action),
                    ),
                    Observed::Failed(f) if f.kind == FailureKind::Denied => explained(
                        &f.message,
                        match Denial::parse(&f.message) {
                            Some(denial) => denial_check(meta, facts, &subject, "", &denial),
                            // S3 answers HEAD with a bare 403: the action and resource are ours.
                            None => {
                                let denial = Denial {
                                    principal: None,
                                    action: call.action.clone(),
                                    resource: Some(call.resource.clone()),
                                    reason: Reason::Unstated,
                                };
                                denial_check(
                                    meta,
                                    facts,
                                    &subject,
                                    &format!("refused without a reason ({}); ", f.message),
                                    &denial,
                                )
                            }
                        },
                    ),
                    other => meta.skip(&subject, other.known().err().unwrap_or_default()),
                }
            })
            .collect())
    }
}

/// A denial's finding, explainable by the static rules `rules/errors.toml` names
/// for its message: when one of them fails too, it says why, with its fix.
fn explained(message: &str, check: Check) -> Check {
    match causes_among(message, AccessDenied::META.explained_by) {
        Some((_, by)) if !by.is_empty() => {
            let said = check.message.clone();
            check.explainable(&by, said)
        }
        _ => check,
    }
}

declare_rule! {
    pub(crate) struct EndpointOverrideActive {
        code: "PROBE006",
        name: "endpoint-override-active",
        severity: Info,
        summary: "AWS_ENDPOINT_URL* is set: results may not reflect AWS",
        fixes: [DisplayOnly],
    }
}

impl Rule for EndpointOverrideActive {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        super::live(facts)?;
        if facts.endpoint_overrides.is_empty() {
            return Ok(vec![meta.pass(
                "environment",
                "no AWS_ENDPOINT_URL* variable is set: the answers came from AWS",
            )]);
        }
        let list: Vec<String> = facts
            .endpoint_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Ok(vec![meta.fail(
            "environment",
            format!(
                "{} is set: the answers came from there, not from AWS",
                list.join(", ")
            ),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::facts::{FACTS_VERSION, Failure, LiveFacts, ProbeCall, RoleFacts, TrustPolicy};
    use crate::policy::{Policy, PolicyKind};
    use std::collections::BTreeMap;

    const ROLE_CONN: &str = r#"
display_name = "t"
s3_output_bucket = "s3://acme-athena-results/omni/"
data_catalog = "awsdatacatalog"
database_timezone = "UTC"
region = "us-east-1"
[auth]
type = "cross_account_role"
role_arn = "arn:aws:iam::111122223333:role/bi-athena"
external_id = "omni-4f2a9c"
trusted_account_id = "999988887777"
"#;
    const VENDOR_CALLER: &str = "arn:aws:iam::999988887777:user/omni";
    const DENIED: &str = "User: arn:aws:iam::999988887777:user/omni is not authorized to perform: \
                          sts:AssumeRole on resource: arn:aws:iam::111122223333:role/bi-athena";

    fn trust(external_id: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {{"AWS": "arn:aws:iam::999988887777:root"}}, "Action": "sts:AssumeRole",
                "Condition": {{"StringEquals": {{"sts:ExternalId": "{external_id}"}}}}}}]}}"#
        )
    }

    fn denied(action: &str, code: &str, message: &str) -> Failure {
        Failure {
            kind: FailureKind::Denied,
            action: action.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    fn probes() -> ProbeFacts {
        ProbeFacts {
            credentials: Observed::NotCollected("-".into()),
            assume_with_id: Observed::Known("arn:aws:sts::111122223333:assumed-role/bi-athena/p".into()),
            assume_without_id: Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)),
            session_duration: 3600,
            calls: Vec::new(),
            query: Observed::NotCollected("opt-in".into()),
            tables: Default::default(),
        }
    }

    /// A role connection's facts as the vendor would see them: `trust` is the trust
    /// policy (None: not read), `policy` the role's identity policy.
    fn facts(trust_policy: Option<&str>, policy: &str, probes: ProbeFacts) -> Facts {
        let loaded = crate::connection::from_text(std::path::Path::new("c.toml"), ROLE_CONN).unwrap();
        Facts {
            version: FACTS_VERSION,
            connection: loaded.connection,
            secret: None,
            identity_policies: Observed::Known(vec![
                Policy::from_text(
                    "role-policy",
                    Some("role-policy.json"),
                    policy,
                    PolicyKind::Identity,
                )
                .unwrap(),
            ]),
            permissions_boundary: Observed::Known(None),
            bucket_policies: BTreeMap::new(),
            trust_policy: match trust_policy {
                Some(t) => Observed::Known(TrustPolicy::Valid(Box::new(
                    Policy::from_text("trust policy", Some("trust.json"), t, PolicyKind::Trust).unwrap(),
                ))),
                None => Observed::NotCollected("-".into()),
            },
            live: Observed::Known(Box::new(LiveFacts {
                keys: BTreeMap::new(),
                catalog_key: Observed::NotCollected("-".into()),
                caller: Observed::Known(VENDOR_CALLER.into()),
                role: Observed::Known(RoleFacts {
                    arn: "arn:aws:iam::111122223333:role/bi-athena".into(),
                    path: "/".into(),
                    max_session_duration: Some(3600),
                    boundary_arn: None,
                }),
                buckets: BTreeMap::new(),
                workgroup: Observed::NotCollected("-".into()),
                catalogs: Observed::NotCollected("-".into()),
                databases: BTreeMap::new(),
                tables: BTreeMap::new(),
                probes: Observed::Known(probes),
                network: Observed::NotCollected("-".into()),
            })),
            endpoint_overrides: Vec::new(),
            blank_environment: Vec::new(),
            principal_site: None,
            declared: Default::default(),
            guardrails: Default::default(),
        }
    }

    const ALL_S3_READ: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], "Resource": "*"}]}"#;

    /// The one check of `rule`, as a report holds it: every rule run, then
    /// linked to the findings that explain it.
    fn one(rule: &dyn Rule, facts: &Facts) -> Check {
        let checks: Vec<Check> = crate::engine::link(crate::engine::run(&crate::rules::REGISTRY, facts))
            .into_iter()
            .filter(|c| c.rule == rule.meta())
            .collect();
        assert_eq!(checks.len(), 1, "{checks:#?}");
        checks.into_iter().next().unwrap()
    }

    fn with_assume(outcome: Observed<String>) -> ProbeFacts {
        ProbeFacts {
            assume_with_id: outcome,
            ..probes()
        }
    }

    /// A finding the gate ignored (or left out) explains nothing: the probe keeps
    /// its own words, and quotes no fix the user chose to ignore.
    #[test]
    fn an_ignored_finding_explains_nothing() {
        use crate::connection::{Connection, DoctorConfig, Ignore};
        use crate::gate::Gate;
        let refused = with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
        let placeholder = trust("we-will-add-this-later");
        let facts = facts(Some(&placeholder), ALL_S3_READ, refused);
        let run = |ignore: &[String], doctor: DoctorConfig| {
            let conn = Connection {
                doctor,
                ..facts.connection.clone()
            };
            let gate = Gate::new(&[], ignore, &conn).unwrap();
            let checks = gate.apply(crate::engine::run(&crate::rules::REGISTRY, &facts));
            let checks = crate::engine::link(checks);
            checks.into_iter().find(|c| c.code() == "PROBE002").unwrap()
        };
        let explained = run(&[], DoctorConfig::default());
        assert!(explained.message.contains("TRUST002"), "{}", explained.message);
        let ignored = DoctorConfig {
            ignore: vec![Ignore {
                code: "TRUST002".into(),
                reason: "rotating the ID".into(),
                location: None,
            }],
            severity: Vec::new(),
        };
        for (flags, doctor) in [
            (Vec::new(), ignored),
            (vec!["TRUST002".to_string()], DoctorConfig::default()),
        ] {
            let probe = run(&flags, doctor);
            assert_eq!(probe.status, Status::Fail);
            assert!(!probe.message.contains("TRUST002"), "{}", probe.message);
            assert!(
                probe
                    .fix
                    .as_ref()
                    .is_none_or(|f| !f.payload().to_string().contains("omni-4f2a9c")),
                "the ignored finding's fix is not quoted"
            );
        }
    }

    #[test]
    fn assume_role_denial_is_narrowed_by_the_trust_policy() {
        let refused = || with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
        // A placeholder in the trust policy: TRUST002 explains it and fixes it.
        let placeholder = trust("we-will-add-this-later");
        let check = one(
            &AssumeRoleDenied,
            &facts(Some(&placeholder), ALL_S3_READ, refused()),
        );
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.message.contains("TRUST002") && check.message.contains("placeholder"),
            "{}",
            check.message
        );
        let fix = check.fix.expect("TRUST002's fix");
        assert!(
            fix.payload().to_string().contains("omni-4f2a9c"),
            "{}",
            fix.payload()
        );
        // The trust policy admits the vendor with this ID: the vendor side refuses.
        let right = trust("omni-4f2a9c");
        let check = one(&AssumeRoleDenied, &facts(Some(&right), ALL_S3_READ, refused()));
        assert!(check.message.contains("vendor's side"), "{}", check.message);
        let fix = check.fix.expect("the vendor-side statement");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert!(fix.payload().to_string().contains("sts:AssumeRole"));
        // The trust policy names one role of the vendor's, and another called.
        let specific = right.replace(
            "arn:aws:iam::999988887777:root",
            "arn:aws:iam::999988887777:role/omni/connector",
        );
        let check = one(&AssumeRoleDenied, &facts(Some(&specific), ALL_S3_READ, refused()));
        assert!(check.message.contains("wrong principal"), "{}", check.message);
        assert!(check.message.contains("role/omni/connector"), "{}", check.message);
        // … which a session of the admitted role is not.
        assert!(same_principal(
            "arn:aws:iam::999988887777:role/omni/connector",
            "arn:aws:sts::999988887777:assumed-role/connector/s"
        ));
        assert!(!same_principal(
            "arn:aws:iam::999988887777:role/omni/connector",
            "arn:aws:sts::999988887777:assumed-role/other/s"
        ));
        // Nothing known about the trust policy: the candidates are listed.
        let check = one(&AssumeRoleDenied, &facts(None, ALL_S3_READ, refused()));
        assert!(
            check.message.contains("AWS does not say why"),
            "{}",
            check.message
        );
        // The role does not exist.
        let mut f = facts(None, ALL_S3_READ, refused());
        if let Observed::Known(l) = &mut f.live {
            l.role = Observed::Failed(Failure {
                kind: FailureKind::NotFound,
                action: "iam:GetRole".into(),
                code: "NoSuchEntity".into(),
                message: "The role with name bi-athena cannot be found.".into(),
            });
        }
        let check = one(&AssumeRoleDenied, &f);
        assert!(check.message.contains("ROLE003"), "{}", check.message);
    }

    #[test]
    fn a_caller_outside_the_vendor_account_proves_nothing() {
        let mut f = facts(None, ALL_S3_READ, probes());
        if let Observed::Known(l) = &mut f.live {
            l.caller = Observed::Known("arn:aws:iam::111122223333:user/admin".into());
        }
        for rule in [&AssumeRoleDenied as &dyn Rule, &AssumeRoleWithoutExternalId] {
            let check = one(rule, &f);
            assert_eq!(check.status, Status::Skip);
            assert!(
                check.message.contains("not in the vendor's account 999988887777"),
                "{}",
                check.message
            );
        }
    }

    #[test]
    fn without_the_external_id_success_is_a_security_finding() {
        let right = trust("omni-4f2a9c");
        let check = one(
            &AssumeRoleWithoutExternalId,
            &facts(Some(&right), ALL_S3_READ, probes()),
        );
        assert_eq!(check.status, Status::Pass);
        let open = ProbeFacts {
            assume_without_id: Observed::Known("arn:aws:sts::111122223333:assumed-role/bi-athena/p".into()),
            ..probes()
        };
        let check = one(&AssumeRoleWithoutExternalId, &facts(None, ALL_S3_READ, open));
        assert_eq!(check.status, Status::Fail);
        assert_eq!(check.rule.tags, &["security"]);
        // With the ID refused too, a refusal without it proves nothing.
        let both_refused = with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
        let check = one(
            &AssumeRoleWithoutExternalId,
            &facts(None, ALL_S3_READ, both_refused),
        );
        assert_eq!(check.status, Status::Skip);
    }

    #[test]
    fn a_failed_query_carries_the_fix_of_the_rule_that_explains_it() {
        let failed = ProbeFacts {
            query: Observed::Known(QueryProbe {
                query_id: "q-1".into(),
                state: "FAILED".into(),
                reason: Some(
                    "Access denied when writing output to url: s3://acme-athena-results/omni/q-1.csv".into(),
                ),
                output_location: None,
            }),
            ..probes()
        };
        let check = one(&QueryProbeFailed, &facts(None, ALL_S3_READ, failed));
        assert_eq!(check.status, Status::Fail);
        assert!(check.message.contains("S3002"), "{}", check.message);
        let fix = check.fix.expect("S3002's fix");
        assert!(
            fix.payload().to_string().contains("s3:PutObject"),
            "{}",
            fix.payload()
        );
    }

    #[test]
    fn denials_become_allows_and_denies_are_named() {
        let deny = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: \
                    glue:GetDatabases on resource: arn:aws:glue:us-east-1:111122223333:catalog with an explicit \
                    deny in an identity-based policy: arn:aws:iam::111122223333:policy/NoGlue";
        let calls = ProbeFacts {
            calls: vec![
                ProbeCall {
                    action: "glue:GetDatabases".into(),
                    resource: "arn:aws:glue:us-east-1:111122223333:catalog".into(),
                    outcome: Observed::Failed(denied("glue:GetDatabases", "AccessDeniedException", deny)),
                },
                ProbeCall {
                    action: "s3:ListBucket".into(),
                    resource: "arn:aws:s3:::acme-athena-results".into(),
                    outcome: Observed::Failed(denied(
                        "s3:ListBucket",
                        "",
                        "Forbidden (HTTP 403, no reason given)",
                    )),
                },
                ProbeCall {
                    action: "athena:GetWorkGroup".into(),
                    resource: "arn:aws:athena:us-east-1:111122223333:workgroup/primary".into(),
                    outcome: Observed::Known("allowed".into()),
                },
            ],
            ..probes()
        };
        let checks = AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap();
        let [glue, head, workgroup] = checks.as_slice() else {
            panic!("{checks:#?}")
        };
        assert_eq!(glue.status, Status::Fail);
        assert!(glue.message.contains("narrow that Deny") && glue.message.contains("policy/NoGlue"));
        assert!(glue.fix.is_none(), "adding an Allow never beats a Deny");
        assert_eq!(head.status, Status::Fail);
        let statement = &head.fix.as_ref().expect("an Allow").to_json()["statements"][0];
        assert_eq!(statement["Action"], "s3:ListBucket");
        assert_eq!(statement["Resource"], "arn:aws:s3:::acme-athena-results");
        assert_eq!(workgroup.status, Status::Pass);
    }

    /// A refusal cites the static finding `rules/errors.toml` names for its
    /// message, with that finding's fix; a rule the table does not name for it
    /// is not cited.
    #[test]
    fn a_refusal_is_explained_by_the_rule_the_table_names() {
        let refused = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: \
                       athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary \
                       because no identity-based policy allows the athena:GetWorkGroup action";
        let calls = ProbeFacts {
            calls: vec![ProbeCall {
                action: "athena:GetWorkGroup".into(),
                resource: "arn:aws:athena:us-east-1:111122223333:workgroup/primary".into(),
                outcome: Observed::Failed(denied("athena:GetWorkGroup", "AccessDeniedException", refused)),
            }],
            ..probes()
        };
        let mut checks = AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap();
        checks.push(AthenaAccess::META.fail(
            "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
            "no Allow",
        ));
        checks.push(GlueAccess::META.fail("catalog", "unrelated"));
        let linked = crate::engine::link(checks);
        assert!(
            linked[0]
                .message
                .contains("ATHENA001 athena-access-missing: no Allow"),
            "{}",
            linked[0].message
        );
        assert!(!linked[0].message.contains("ATHENA002"), "{}", linked[0].message);
    }

    /// A call that timed out is not a refusal: PROBE005 says the credentials or
    /// the role could not be tried, not that they were rejected.
    #[test]
    fn a_timeout_is_not_a_rejection() {
        let timed_out = |action: &str| Failure {
            kind: FailureKind::Timeout,
            action: action.into(),
            code: String::new(),
            message: "the call timed out".into(),
        };
        let cases = [
            (
                ProbeFacts {
                    assume_with_id: Observed::Failed(timed_out("sts:AssumeRole")),
                    ..probes()
                },
                "AssumeRole did not answer",
            ),
            (
                ProbeFacts {
                    assume_with_id: Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)),
                    ..probes()
                },
                "the role could not be assumed",
            ),
        ];
        for (probes, says) in cases {
            let check = one(&AccessDenied, &facts(None, ALL_S3_READ, probes));
            assert_eq!(check.status, Status::Skip);
            assert!(check.message.contains(says), "{}", check.message);
        }
    }

    /// An access-key connection without `account_id`: the account the key's own
    /// GetCallerIdentity named is used for Athena and Glue ARNs, instead of a skip
    /// saying "needs the account" beside PROBE001's answer.
    #[test]
    fn the_keys_own_identity_gives_the_account() {
        let conn = ROLE_CONN
            .replace("type = \"cross_account_role\"", "type = \"access_key\"")
            .replace(
                "role_arn = \"arn:aws:iam::111122223333:role/bi-athena\"",
                "access_key_id = \"AKIAIOSFODNN7EXAMPLE\"",
            )
            .replace("external_id = \"omni-4f2a9c\"\n", "")
            .replace("trusted_account_id = \"999988887777\"\n", "");
        const ATHENA_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["athena:*", "glue:*", "s3:*"], "Resource": "*"}]}"#;
        let athena = |credentials: Observed<String>| {
            let mut f = facts(
                None,
                ATHENA_ALL,
                ProbeFacts {
                    credentials,
                    ..probes()
                },
            );
            f.connection = crate::connection::from_text(std::path::Path::new("c.toml"), &conn)
                .unwrap()
                .connection;
            crate::engine::run(&crate::rules::REGISTRY, &f)
                .into_iter()
                .filter(|c| c.code() == "ATHENA001")
                .collect::<Vec<_>>()
        };
        let unknown = athena(Observed::NotCollected("-".into()));
        assert!(
            unknown
                .iter()
                .any(|c| c.status == Status::Skip && c.message.contains("needs the account")),
            "{unknown:#?}"
        );
        let known = athena(Observed::Known("arn:aws:iam::123456789012:user/bi".into()));
        assert!(known.iter().all(|c| c.status == Status::Pass), "{known:#?}");
        assert!(
            known.iter().any(|c| c.subject.contains(":123456789012:")),
            "{known:#?}"
        );
    }

    /// A server error on StartQueryExecution says nothing about the connection:
    /// PROBE004 skips naming it; a refusal from Athena is a finding.
    #[test]
    fn a_server_error_on_the_query_is_not_a_finding() {
        let query = |kind: FailureKind, code: &str, message: &str| ProbeFacts {
            query: Observed::Failed(Failure {
                kind,
                action: "athena:StartQueryExecution".into(),
                code: code.into(),
                message: message.into(),
            }),
            ..probes()
        };
        let server = one(
            &QueryProbeFailed,
            &facts(
                None,
                ALL_S3_READ,
                query(
                    FailureKind::ServerError,
                    "",
                    "HTTP 500 with no AWS error code or message",
                ),
            ),
        );
        assert_eq!(server.status, Status::Skip, "{server:#?}");
        assert!(
            server.message.contains("failed on AWS's side"),
            "{}",
            server.message
        );
        let refused = one(
            &QueryProbeFailed,
            &facts(
                None,
                ALL_S3_READ,
                query(
                    FailureKind::Other,
                    "InvalidRequestException",
                    "No output location provided.",
                ),
            ),
        );
        assert_eq!(refused.status, Status::Fail, "{refused:#?}");
    }

    /// Only AWS's ValidationError is the session limit: a proxy's error page that
    /// dumps the request (with its DurationSeconds) is not diagnosed as one.
    #[test]
    fn a_request_dump_is_not_a_session_limit() {
        let refused = |code: &str, message: &str| {
            with_assume(Observed::Failed(Failure {
                kind: FailureKind::Other,
                action: "sts:AssumeRole".into(),
                code: code.into(),
                message: message.into(),
            }))
        };
        let limit = one(
            &AssumeRoleDenied,
            &facts(
                None,
                ALL_S3_READ,
                refused(
                    "ValidationError",
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ),
            ),
        );
        assert!(
            limit
                .message
                .contains("longer than the role's MaxSessionDuration"),
            "{}",
            limit.message
        );
        let dump = one(
            &AssumeRoleDenied,
            &facts(
                None,
                ALL_S3_READ,
                refused(
                    "",
                    "Bad Gateway: Action=AssumeRole&DurationSeconds=3600 (MaxSessionDuration?)",
                ),
            ),
        );
        assert!(!dump.message.contains("longer than"), "{}", dump.message);
        assert_eq!(dump.status, Status::Skip);
    }

    /// Run as someone outside the vendor's account, a timed-out AssumeRole is "no
    /// answer", not "refused".
    #[test]
    fn a_timed_out_assume_role_is_not_refused() {
        let timed_out = with_assume(Observed::Failed(Failure {
            kind: FailureKind::Timeout,
            action: "sts:AssumeRole".into(),
            code: String::new(),
            message: "the call timed out".into(),
        }));
        let mut f = facts(None, ALL_S3_READ, timed_out);
        if let Observed::Known(l) = &mut f.live {
            l.caller = Observed::Known("arn:aws:iam::444455556666:user/support".into());
        }
        let check = one(&AssumeRoleDenied, &f);
        assert_eq!(check.status, Status::Skip);
        assert!(check.message.contains("got no answer"), "{}", check.message);
        assert!(!check.message.contains("refused"), "{}", check.message);
    }

    #[test]
    fn rejected_keys_are_told_apart() {
        let conn = ROLE_CONN
            .replace("type = \"cross_account_role\"", "type = \"access_key\"")
            .replace(
                "role_arn = \"arn:aws:iam::111122223333:role/bi-athena\"",
                "access_key_id = \"ASIAIOSFODNN7EXAMPLE\"",
            )
            .replace("external_id = \"omni-4f2a9c\"\n", "")
            .replace("trusted_account_id = \"999988887777\"\n", "");
        let mut f = facts(None, ALL_S3_READ, probes());
        f.connection = crate::connection::from_text(std::path::Path::new("c.toml"), &conn)
            .unwrap()
            .connection;
        let cases = [
            ("InvalidClientTokenId", "temporary ASIA… key"),
            ("SignatureDoesNotMatch", "secret does not belong to it"),
            ("ExpiredToken", "session has expired"),
        ];
        for (code, words) in cases {
            let p = ProbeFacts {
                credentials: Observed::Failed(denied("sts:GetCallerIdentity", code, "AWS's message")),
                ..probes()
            };
            if let Observed::Known(l) = &mut f.live {
                l.probes = Observed::Known(p);
            }
            let check = one(&CredentialsRejected, &f);
            assert_eq!(check.status, Status::Fail, "{code}");
            assert!(check.message.contains(words), "{code}: {}", check.message);
        }
    }

    #[test]
    fn every_listed_athena_failure_is_classified() {
        let cases = [
            (
                "Unable to verify/create output bucket acme-athena-results",
                "S3001",
            ),
            (
                "Access denied when writing output to url: s3://acme-athena-results/q/1.csv . Please ensure you are \
                 allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you \
                 are allowed to access your KMS key",
                "S3002",
            ),
            (
                "The S3 location provided to save your query results is invalid. Please check your S3 location is \
                 correct and is in the same region and try again. If you continue to see the issue, contact \
                 customer support for further assistance.",
                "REGION003",
            ),
            (
                "No output location provided. An output location is required either through the Workgroup result \
                 configuration setting or as an API input.",
                "ATHENA005",
            ),
            ("WorkGroup analytics is disabled.", "ATHENA003"),
            ("WorkGroup analytcs is not found.", "ATHENA003"),
            (
                "Insufficient permissions to execute the query. Insufficient Lake Formation permission(s) on sales",
                "ATHENA006",
            ),
            (
                "CATALOG_NOT_FOUND: line 1:22: Catalog 'AwsDataCatalog2' does not exist",
                "CATALOG002",
            ),
            (
                "SYNTAX_ERROR: line 1:8: Catalog mycatalogname does not exist",
                "CATALOG002",
            ),
            (
                "SCHEMA_NOT_FOUND: line 1:15: Schema 'slaes' does not exist",
                "CATALOG003",
            ),
            (
                "Error opening Hive split s3://acme-data/x.parquet: The ciphertext refers to a customer master key \
                 that does not exist, does not exist in this region, or you are not allowed to access.",
                "S3005",
            ),
            (
                "Permission denied on S3 path: s3://acme-data/sales/part-0.parquet",
                "S3003",
            ),
        ];
        for (reason, rule) in cases {
            let (_, rules) = causes_among(reason, QueryProbeFailed::META.explained_by)
                .unwrap_or_else(|| panic!("not classified: {reason}"));
            assert!(
                rules.iter().any(|r| r.code == rule),
                "{reason} → {rules:?}, expected {rule}",
            );
        }
        let (syntax, rules) = causes_among(
            "line 1:8: mismatched input 'SELEC'",
            QueryProbeFailed::META.explained_by,
        )
        .expect("a query error is recognised as one");
        assert_eq!(syntax.kind, messages::Kind::Query);
        assert!(rules.is_empty());
    }

    /// Every rule a probe's finding can cite is one `rules/errors.toml` lists
    /// for some message, and so is every probe that reports what AWS answered.
    #[test]
    fn every_rule_a_probe_can_report_is_reachable_from_a_pattern() {
        let listed: Vec<&str> = messages::TABLE
            .errors
            .iter()
            .flat_map(|p| p.causes.iter().map(|c| c.code.as_str()))
            .collect();
        for probe in RULES.iter().map(|r| r.meta()) {
            let answers_from_aws = probe.code != EndpointOverrideActive::META.code;
            if answers_from_aws {
                assert!(listed.contains(&probe.code), "{} is in no pattern", probe.code);
            }
            for by in probe.explained_by {
                assert!(
                    listed.contains(&by.code),
                    "{} explains {} but is in no pattern",
                    by.code,
                    probe.code
                );
            }
        }
    }
}
