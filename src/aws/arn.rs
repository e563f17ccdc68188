//! Amazon Resource Names: a small parser for `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`
//! and the IAM resource types a role ARN gets confused with.

use std::fmt;

/// Every partition AWS has; ARNs in any other are malformed.
pub(crate) const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ArnError {
    #[error("it does not start with `arn:`")]
    NoPrefix,
    #[error("it has {0} of the 6 colon-separated parts (arn:partition:service:region:account:resource)")]
    TooFewParts(usize),
    #[error("`{0}` is not an AWS partition (aws, aws-cn, aws-us-gov, …)")]
    UnknownPartition(String),
    #[error("the service part is empty")]
    EmptyService,
    #[error("the resource part is empty")]
    EmptyResource,
}

impl Arn {
    pub(crate) fn parse(s: &str) -> Result<Arn, ArnError> {
        let rest = s.strip_prefix("arn:").ok_or(ArnError::NoPrefix)?;
        // The resource may itself contain colons, so split into at most 5 after `arn:`.
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if parts.len() < 5 {
            return Err(ArnError::TooFewParts(parts.len() + 1));
        }
        let [partition, service, region, account, resource] =
            [parts[0], parts[1], parts[2], parts[3], parts[4]];
        if !PARTITIONS.contains(&partition) {
            return Err(ArnError::UnknownPartition(partition.to_string()));
        }
        if service.is_empty() {
            return Err(ArnError::EmptyService);
        }
        if resource.is_empty() {
            return Err(ArnError::EmptyResource);
        }
        Ok(Arn {
            partition: partition.to_string(),
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        })
    }

    /// What kind of IAM identity or object this ARN names, if it is an IAM or STS ARN.
    pub(crate) fn iam_resource(&self) -> IamResource {
        let (kind, rest) = self
            .resource
            .split_once('/')
            .unwrap_or((self.resource.as_str(), ""));
        match (self.service.as_str(), kind) {
            ("iam", "root") if rest.is_empty() => IamResource::Root,
            ("iam", "role") => {
                let (path, name) = split_path(rest);
                IamResource::Role { path, name }
            }
            ("iam", "user") => IamResource::User,
            ("iam", "group") => IamResource::Group,
            ("iam", "policy") => IamResource::Policy,
            ("iam", "instance-profile") => IamResource::InstanceProfile,
            ("sts", "assumed-role") => {
                let (role, session) = rest.split_once('/').unwrap_or((rest, ""));
                IamResource::AssumedRole {
                    role: role.to_string(),
                    session: session.to_string(),
                }
            }
            ("sts", "federated-user") => IamResource::FederatedUser,
            _ => IamResource::Other,
        }
    }
}

/// `a/b/name` → path `/a/b/`, name `name`.
fn split_path(rest: &str) -> (String, String) {
    match rest.rfind('/') {
        Some(i) => (format!("/{}/", &rest[..i]), rest[i + 1..].to_string()),
        None => ("/".to_string(), rest.to_string()),
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IamResource {
    Root,
    Role { path: String, name: String },
    User,
    Group,
    Policy,
    InstanceProfile,
    AssumedRole { role: String, session: String },
    FederatedUser,
    Other,
}

impl IamResource {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            IamResource::Root => "an account root",
            IamResource::Role { .. } => "a role",
            IamResource::User => "an IAM user",
            IamResource::Group => "an IAM group",
            IamResource::Policy => "a managed policy",
            IamResource::InstanceProfile => "an instance profile",
            IamResource::AssumedRole { .. } => "an assumed-role session",
            IamResource::FederatedUser => "a federated-user session",
            IamResource::Other => "not an IAM role",
        }
    }
}

/// A 12-digit AWS account ID.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// IAM role names: 1–64 of `A-Za-z0-9+=,.@_-`.
pub(crate) fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// IAM paths: `/` alone, or `/`-delimited, starting and ending with `/`, printable ASCII.
pub(crate) fn is_iam_path(s: &str) -> bool {
    s.len() <= 512
        && s.starts_with('/')
        && s.ends_with('/')
        && !s.contains("//")
        && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_role_arns_with_paths() {
        let arn = Arn::parse("arn:aws:iam::111122223333:role/service/bi/athena").unwrap();
        assert_eq!(arn.account, "111122223333");
        assert_eq!(
            arn.iam_resource(),
            IamResource::Role {
                path: "/service/bi/".into(),
                name: "athena".into()
            }
        );
        assert_eq!(
            arn.to_string(),
            "arn:aws:iam::111122223333:role/service/bi/athena"
        );
    }

    #[test]
    fn recognises_lookalikes() {
        let kinds = [
            ("arn:aws:iam::111122223333:user/alice", IamResource::User),
            ("arn:aws:iam::111122223333:policy/p", IamResource::Policy),
            (
                "arn:aws:iam::111122223333:instance-profile/ip",
                IamResource::InstanceProfile,
            ),
            ("arn:aws:iam::111122223333:group/g", IamResource::Group),
            ("arn:aws:iam::111122223333:root", IamResource::Root),
            (
                "arn:aws:sts::111122223333:assumed-role/bi-athena/session-1",
                IamResource::AssumedRole {
                    role: "bi-athena".into(),
                    session: "session-1".into(),
                },
            ),
            ("arn:aws:s3:::bucket", IamResource::Other),
        ];
        for (s, kind) in kinds {
            assert_eq!(Arn::parse(s).unwrap().iam_resource(), kind, "{s}");
        }
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(Arn::parse("role/x"), Err(ArnError::NoPrefix));
        assert_eq!(Arn::parse("arn:aws:iam::role"), Err(ArnError::TooFewParts(5)));
        assert_eq!(
            Arn::parse("arn:amazon:iam::111122223333:role/x"),
            Err(ArnError::UnknownPartition("amazon".into()))
        );
        assert_eq!(Arn::parse("arn:aws:::1:x"), Err(ArnError::EmptyService));
        assert_eq!(
            Arn::parse("arn:aws:iam::111122223333:"),
            Err(ArnError::EmptyResource)
        );
    }

    #[test]
    fn names_and_paths() {
        assert!(is_role_name("bi-athena_role+=,.@"));
        assert!(!is_role_name(""));
        assert!(!is_role_name("has space"));
        assert!(!is_role_name(&"x".repeat(65)));
        assert!(is_iam_path("/"));
        assert!(is_iam_path("/a/b/"));
        assert!(!is_iam_path("/a//b/"));
        assert!(!is_iam_path("a/"));
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("1111-2222-3333"));
    }

    fn segment() -> impl Strategy<Value = String> {
        "[A-Za-z0-9+=,.@_-]{1,20}"
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            if let Ok(arn) = Arn::parse(&s) {
                let _ = arn.iam_resource();
            }
        }

        #[test]
        fn display_round_trips(
            partition in proptest::sample::select(PARTITIONS),
            service in "[a-z0-9-]{1,12}",
            region in "[a-z0-9-]{0,14}",
            account in "[0-9]{0,12}",
            resource in "[ -~]{1,40}",
        ) {
            let s = format!("arn:{partition}:{service}:{region}:{account}:{resource}");
            let arn = Arn::parse(&s).unwrap();
            prop_assert_eq!(arn.to_string(), s);
            prop_assert_eq!(arn.resource, resource);
        }

        #[test]
        fn role_arns_yield_their_path_and_name(
            account in "[0-9]{12}",
            dirs in proptest::collection::vec(segment(), 0..4),
            name in segment(),
        ) {
            let path = if dirs.is_empty() { "/".to_string() } else { format!("/{}/", dirs.join("/")) };
            let s = format!("arn:aws:iam::{account}:role{path}{name}");
            let arn = Arn::parse(&s).unwrap();
            prop_assert_eq!(arn.iam_resource(), IamResource::Role { path: path.clone(), name: name.clone() });
            prop_assert!(is_iam_path(&path));
            prop_assert!(is_role_name(&name));
        }
    }
}
