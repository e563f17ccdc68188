//! ROLE rules: the AWS Role ARN of a cross-account role connection, read offline.

use super::named;
use crate::aws::arn::{Arn, IamResource, is_account_id, is_iam_path, is_role_name};
use crate::aws::regions;
use crate::connection::{AuthType, Connection, FieldId};
use crate::engine::{Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed};
use crate::fix::{Applicability, Fix};
use crate::secret::strip_quotes;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &RoleArnMalformed,
    &RoleArnWrongType,
    &RoleNotFound,
    &RolePartitionMismatch,
];

const ID: FieldId = FieldId::RoleArn;

/// The role ARN field, or the skip that explains why there is nothing to read.
fn role_arn(conn: &Connection) -> Result<&str, Skip> {
    let skip = |reason: &str| Skip::new(ID.key(), reason);
    match conn.auth.auth_type {
        Some(AuthType::CrossAccountRole) => conn.value(ID).ok_or_else(|| super::needs_in(conn, ID)),
        Some(AuthType::AccessKey) => Err(skip("not applicable: the connection uses an access key")),
        None => Err(skip(&super::no_auth(conn))),
    }
}

/// The ARN exactly as AWS would read it (no trimming: the value is sent as typed),
/// or the skip for rules that need a parsed ARN.
fn parsed(conn: &Connection) -> Result<Arn, Skip> {
    let value = role_arn(conn)?;
    Arn::parse(value).map_err(|_| Skip::new(ID.key(), "the role ARN does not parse (ROLE001)"))
}

declare_rule! {
    pub(crate) struct RoleArnMalformed {
        code: "ROLE001",
        name: "role-arn-malformed",
        severity: Error,
        summary: "The role ARN is not arn:PARTITION:iam::ACCOUNT:role/[path/]name",
        fixes: [Safe, DisplayOnly],
    }
}

impl RoleArnMalformed {
    /// What is wrong with a role ARN, and the corrected ARN when it can be made out.
    fn diagnose(value: &str, account_hint: Option<&str>) -> Option<(String, Option<String>)> {
        let cleaned = strip_quotes(value.trim());
        if cleaned != value.trim() {
            let fixed = Arn::parse(cleaned).ok().map(|a| a.to_string());
            return Some(("is wrapped in quotes".into(), fixed));
        }
        if cleaned.contains(char::is_whitespace) {
            let squeezed: String = cleaned.chars().filter(|c| !c.is_whitespace()).collect();
            return Some(("contains whitespace".into(), Some(squeezed)));
        }
        let role_arn = |name: &str| account_hint.map(|a| format!("arn:aws:iam::{a}:role/{name}"));
        let arn = match Arn::parse(cleaned) {
            Ok(arn) => arn,
            Err(e) => {
                // A console URL or a bare role name: the name is there, the ARN is not.
                let name = cleaned
                    .split_once("/roles/details/")
                    .or_else(|| cleaned.split_once("/roles/"))
                    .map(|(_, n)| n.split(['?', '#', '/']).next().unwrap_or_default())
                    .unwrap_or(cleaned);
                if is_role_name(name) {
                    let what = if name == cleaned {
                        "is a role name, not an ARN"
                    } else {
                        "is a console URL, not an ARN"
                    };
                    return Some((
                        format!("{what}; the ARN is arn:aws:iam::ACCOUNT:role/{name}"),
                        role_arn(name),
                    ));
                }
                return Some((format!("is not an ARN: {e}"), None));
            }
        };
        if arn.service != "iam" && arn.service != "sts" {
            return None; // a well-formed ARN of another service: ROLE002's finding
        }
        let IamResource::Role { path, name } = arn.iam_resource() else {
            return None; // a user, policy, session…: ROLE002's finding
        };
        let digits: String = arn.account.chars().filter(char::is_ascii_digit).collect();
        if !arn.region.is_empty() {
            let fixed = Arn {
                region: String::new(),
                ..arn.clone()
            };
            return Some((
                format!("has a region (`{}`) but IAM ARNs have none", arn.region),
                Some(fixed.to_string()),
            ));
        }
        if !is_account_id(&arn.account) {
            let fixed = is_account_id(&digits).then(|| {
                Arn {
                    account: digits,
                    ..arn.clone()
                }
                .to_string()
            });
            return Some((
                format!("has account `{}` where 12 digits are expected", arn.account),
                fixed,
            ));
        }
        if !is_iam_path(&path) {
            return Some((format!("has an invalid path `{path}`"), None));
        }
        if !is_role_name(&name) {
            return Some((
                format!("has an invalid role name `{name}` (1–64 of letters, digits and +=,.@_-)"),
                None,
            ));
        }
        None
    }
}

impl Rule for RoleArnMalformed {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let value = role_arn(conn)?;
        let at = conn.site(ID);
        let account = conn.value(FieldId::AccountId).filter(|a| is_account_id(a));
        match Self::diagnose(value, account) {
            None => Ok(vec![
                Self::META
                    .pass(ID.key(), format!("`{value}` is a well-formed ARN"))
                    .at_site(at),
            ]),
            Some((why, fixed)) => {
                let fix = match fixed {
                    Some(arn) => Fix::field(conn, ID, arn, Applicability::Safe),
                    None => Fix::field(
                        conn,
                        ID,
                        format!(
                            "arn:aws:iam::{}:role/<ROLE_NAME>",
                            account.unwrap_or("<ACCOUNT_ID>")
                        ),
                        Applicability::DisplayOnly,
                    ),
                };
                Ok(vec![
                    Self::META
                        .fail(ID.key(), format!("{} `{value}` {why}", named(conn, ID)))
                        .at_site(at)
                        .with_fix(fix),
                ])
            }
        }
    }
}

declare_rule! {
    pub(crate) struct RoleArnWrongType {
        code: "ROLE002",
        name: "role-arn-wrong-type",
        severity: Error,
        summary: "The ARN names a user, policy, instance profile or session, not a role",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl Rule for RoleArnWrongType {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let arn = parsed(conn)?;
        let at = conn.site(ID);
        let role = |name: &str| format!("arn:{}:iam::{}:role/{name}", arn.partition, arn.account);
        let resource = arn.iam_resource();
        let (why, fix) = match &resource {
            IamResource::Role { .. } if arn.service == "iam" => {
                return Ok(vec![
                    Self::META.pass(ID.key(), "the ARN names an IAM role").at_site(at),
                ]);
            }
            IamResource::AssumedRole { role: name, session } => (
                format!(
                    "is the ARN of a session of role `{name}` (session `{session}`), which STS prints; \
                     the role's ARN is {} (add the role's path if it has one)",
                    role(name)
                ),
                Some((role(name), Applicability::Unsafe)),
            ),
            IamResource::InstanceProfile => {
                let name = arn.resource.rsplit('/').next().unwrap_or_default();
                (
                    format!(
                        "names an instance profile; its role often has the same name: {}",
                        role(name)
                    ),
                    Some((role(name), Applicability::Unsafe)),
                )
            }
            IamResource::Other if arn.service != "iam" && arn.service != "sts" => (
                format!("is an ARN of the `{}` service, not an IAM role", arn.service),
                None,
            ),
            other => (format!("names {}, not a role", other.describe()), None),
        };
        let fix = match fix {
            Some((value, applicability)) => Fix::field(conn, ID, value, applicability),
            None => Fix::field(conn, ID, role("<ROLE_NAME>"), Applicability::DisplayOnly),
        };
        Ok(vec![
            Self::META
                .fail(ID.key(), format!("{} {why}", named(conn, ID)))
                .at_site(at)
                .with_fix(fix),
        ])
    }
}

declare_rule! {
    pub(crate) struct RoleNotFound {
        code: "ROLE003",
        name: "role-not-found",
        severity: Error,
        summary: "The role does not exist (live)",
        fixes: [Safe],
    }
}

impl Rule for RoleNotFound {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        if conn.auth.auth_type != Some(AuthType::CrossAccountRole) {
            return Err(Skip::new(
                "auth.role_arn",
                "not applicable: not a cross-account role connection",
            ));
        }
        let l = super::live(facts)?;
        let configured = conn.value(FieldId::RoleArn).unwrap_or_default();
        let at = conn.site(FieldId::RoleArn);
        match &l.role {
            Observed::Known(role) => {
                let is_role_arn = Arn::parse(configured)
                    .is_ok_and(|a| matches!(a.iam_resource(), IamResource::Role { .. }));
                if !is_role_arn || role.arn == configured {
                    Ok(vec![
                        meta.pass("auth.role_arn", format!("the role {} exists", role.arn))
                            .at_site(at),
                    ])
                } else {
                    Ok(vec![
                        meta.fail(
                            "auth.role_arn",
                            format!(
                                "a role of that name exists, but as {} (path {}): the connection's `{configured}` \
                                 names no role, and AssumeRole on it is denied",
                                role.arn, role.path
                            ),
                        )
                        .at_site(at)
                        .with_fix(Fix::field(conn, FieldId::RoleArn, role.arn.clone(), Applicability::Safe)),
                    ])
                }
            }
            Observed::Failed(f) if f.kind == FailureKind::NotFound => Ok(vec![
                meta.fail(
                    "auth.role_arn",
                    format!(
                        "no role `{configured}` exists in the account ({}): create it, or fix the name",
                        f.message
                    ),
                )
                .at_site(at),
            ]),
            other => Ok(vec![
                meta.skip("auth.role_arn", other.known().err().unwrap_or_default()),
            ]),
        }
    }
}

declare_rule! {
    pub(crate) struct RolePartitionMismatch {
        code: "ROLE004",
        name: "role-partition-mismatch",
        severity: Error,
        summary: "The ARN's partition differs from the region's",
    }
}

impl Rule for RolePartitionMismatch {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let arn = parsed(conn)?;
        let Some(region) = regions::find(conn.region()) else {
            return Err(Skip::new(ID.key(), "the region is not a region code (REGION001)"));
        };
        let at = conn.site(ID);
        if arn.partition == region.partition {
            return Ok(vec![
                Self::META
                    .pass(
                        ID.key(),
                        format!(
                            "the role and region {} are both in partition `{}`",
                            region.code, region.partition
                        ),
                    )
                    .at_site(at),
            ]);
        }
        let regions_of: Vec<&str> = regions::REGIONS
            .iter()
            .filter(|r| r.partition == arn.partition)
            .map(|r| r.code)
            .collect();
        let hint = if regions_of.is_empty() {
            String::new()
        } else {
            format!(" (its regions: {})", regions_of.join(", "))
        };
        Ok(vec![Self::META.fail(
            ID.key(),
            format!(
                "the role is in partition `{}`{hint} but the connection's region {} is in `{}`: \
                 credentials never cross partitions; set the region where the data is, or use a role of that partition",
                arn.partition, region.code, region.partition
            ),
        )
        .at_site(at)])
    }
}
