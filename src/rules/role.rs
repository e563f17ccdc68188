//! ROLE rules: the AWS Role ARN of a cross-account role connection, read offline.

use super::catalogue as c;
use super::{named, needs};
use crate::aws::arn::{Arn, IamResource, is_account_id, is_iam_path, is_role_name};
use crate::aws::regions;
use crate::connection::{AuthType, Connection, FieldId};
use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};
use crate::secret::strip_quotes;

const ID: FieldId = FieldId::RoleArn;

/// The role ARN field, or the skip that explains why there is nothing to read.
fn role_arn<'a>(meta: &'static RuleMeta, conn: &'a Connection) -> Result<&'a str, Box<Check>> {
    let skip = |reason: &str| Box::new(meta.skip(ID.key(), reason));
    match conn.auth.auth_type {
        Some(AuthType::CrossAccountRole) => conn.value(ID).ok_or_else(|| Box::new(needs(meta, ID))),
        Some(AuthType::AccessKey) => Err(skip("not applicable: the connection uses an access key")),
        None => Err(skip("needs auth.type, which is not set")),
    }
}

/// The ARN exactly as AWS would read it (no trimming: the value is sent as typed),
/// or the skip for rules that need a parsed ARN.
fn parsed(meta: &'static RuleMeta, conn: &Connection) -> Result<Arn, Box<Check>> {
    let value = role_arn(meta, conn)?;
    Arn::parse(value).map_err(|_| Box::new(meta.skip(ID.key(), "the role ARN does not parse (ROLE001)")))
}

pub(crate) struct RoleArnMalformed;

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
    fn meta(&self) -> &'static RuleMeta {
        &c::ROLE001
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let conn = &facts.connection;
        let value = match role_arn(self.meta(), conn) {
            Ok(v) => v,
            Err(skip) => return vec![*skip],
        };
        let at = conn.location(ID);
        let account = conn.value(FieldId::AccountId).filter(|a| is_account_id(a));
        match Self::diagnose(value, account) {
            None => vec![
                self.meta()
                    .pass(ID.key(), format!("`{value}` is a well-formed ARN"))
                    .at(at),
            ],
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
                vec![
                    self.meta()
                        .fail(ID.key(), format!("{} `{value}` {why}", named(conn, ID)))
                        .at(at)
                        .with_fix(fix),
                ]
            }
        }
    }
}

pub(crate) struct RoleArnWrongType;

impl Rule for RoleArnWrongType {
    fn meta(&self) -> &'static RuleMeta {
        &c::ROLE002
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let conn = &facts.connection;
        let arn = match parsed(self.meta(), conn) {
            Ok(arn) => arn,
            Err(skip) => return vec![*skip],
        };
        let at = conn.location(ID);
        let role = |name: &str| format!("arn:{}:iam::{}:role/{name}", arn.partition, arn.account);
        let resource = arn.iam_resource();
        let (why, fix) = match &resource {
            IamResource::Role { .. } if arn.service == "iam" => {
                return vec![self.meta().pass(ID.key(), "the ARN names an IAM role").at(at)];
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
        vec![
            self.meta()
                .fail(ID.key(), format!("{} {why}", named(conn, ID)))
                .at(at)
                .with_fix(fix),
        ]
    }
}

pub(crate) struct RolePartitionMismatch;

impl Rule for RolePartitionMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &c::ROLE004
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let conn = &facts.connection;
        let arn = match parsed(self.meta(), conn) {
            Ok(arn) => arn,
            Err(skip) => return vec![*skip],
        };
        let Some(region) = regions::find(conn.region()) else {
            return vec![
                self.meta()
                    .skip(ID.key(), "the region is not a region code (REGION001)"),
            ];
        };
        let at = conn.location(ID);
        if arn.partition == region.partition {
            return vec![
                self.meta()
                    .pass(
                        ID.key(),
                        format!(
                            "the role and region {} are both in partition `{}`",
                            region.code, region.partition
                        ),
                    )
                    .at(at),
            ];
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
        vec![self.meta().fail(
            ID.key(),
            format!(
                "the role is in partition `{}`{hint} but the connection's region {} is in `{}`: \
                 credentials never cross partitions; set the region where the data is, or use a role of that partition",
                arn.partition, region.code, region.partition
            ),
        )
        .at(at)]
    }
}
