//! CATALOG rules that need no AWS call: how catalog names are written.

use super::access::Env;
use super::catalogue as c;
use super::{named, needs};
use crate::connection::{Connection, FieldId, split_list};
use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;
use crate::fix::policy::statement_json;
use crate::fix::{Applicability, Fix};
use crate::policy::Effect;
use serde_json::Value;

pub(crate) struct CatalogNotLowercase;

impl CatalogNotLowercase {
    fn check_field(&self, conn: &Connection, id: FieldId) -> Check {
        let meta = self.meta();
        let Some(value) = conn.value(id) else {
            return match id {
                FieldId::DataCatalog => needs(meta, id),
                _ => meta.pass(id.key(), format!("{} is not set", named(conn, id))),
            };
        };
        let at = conn.location(id);
        let upper: Vec<&str> = split_list(value)
            .into_iter()
            .filter(|name| name.chars().any(char::is_uppercase))
            .collect();
        if upper.is_empty() {
            return meta.pass(id.key(), format!("`{value}` is lowercase")).at(at);
        }
        let fixed = match id {
            FieldId::DataCatalog => value.to_lowercase(),
            _ => split_list(value)
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let quoted: Vec<String> = upper.iter().map(|n| format!("`{n}`")).collect();
        meta.fail(
            id.key(),
            format!(
                "{} has {}: Athena catalog names are lowercase, so `{}` is never found \
                 (CATALOG_NOT_FOUND); use `{}`",
                named(conn, id),
                quoted.join(", "),
                upper[0],
                upper[0].to_lowercase()
            ),
        )
        .at(at)
        .with_fix(Fix::field(conn, id, fixed, Applicability::Safe))
    }
}

impl Rule for CatalogNotLowercase {
    fn meta(&self) -> &'static RuleMeta {
        &c::CATALOG001
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        [FieldId::DataCatalog, FieldId::IncludeOtherDataCatalogs]
            .into_iter()
            .map(|id| self.check_field(&facts.connection, id))
            .collect()
    }
}

pub(crate) struct PolicyResourceCase;

/// A Glue database or table ARN with capitals in its names, lower-cased there;
/// `None` when it has none. Partition, region and account are left alone.
fn lowered_glue_arn(resource: &str) -> Option<String> {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() != 6 || parts[2] != "glue" {
        return None;
    }
    let (kind, names) = parts[5].split_once('/')?;
    if !["database", "table", "userDefinedFunction"].contains(&kind) || !names.chars().any(char::is_uppercase)
    {
        return None;
    }
    Some(format!(
        "{}:{kind}/{}",
        parts[..5].join(":"),
        names.to_lowercase()
    ))
}

impl Rule for PolicyResourceCase {
    fn meta(&self) -> &'static RuleMeta {
        &c::CATALOG004
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let env = match Env::new(meta, facts) {
            Ok(env) => env,
            Err(skip) => return vec![*skip],
        };
        let mut checks = Vec::new();
        for policy in env.identity {
            for s in policy
                .document
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(resources) = &s.resource else { continue };
                let bad: Vec<(&String, String)> = resources
                    .items
                    .iter()
                    .filter_map(|r| lowered_glue_arn(r).map(|l| (r, l)))
                    .collect();
                if bad.is_empty() {
                    continue;
                }
                let mut json = statement_json(policy, s.index);
                let key = if resources.not { "NotResource" } else { "Resource" };
                let fixed: Vec<Value> = resources
                    .items
                    .iter()
                    .map(|r| Value::String(lowered_glue_arn(r).unwrap_or_else(|| r.to_string())))
                    .collect();
                json[key] = if fixed.len() == 1 {
                    fixed[0].clone()
                } else {
                    Value::Array(fixed)
                };
                let names: Vec<String> = bad.iter().map(|(r, _)| format!("`{r}`")).collect();
                checks.push(
                    meta.fail(
                        format!("{} {}", policy.name, s.describe()),
                        format!(
                            "{} of {} (line {}) names {}: Glue stores names in lowercase and resources match \
                             case-sensitively, so this never matches; use `{}`",
                            s.describe(),
                            policy.name,
                            policy.location(s.offset).line,
                            names.join(", "),
                            bad[0].1
                        ),
                    )
                    .with_fix(Fix::replace_statement(
                        &facts.connection,
                        policy,
                        None,
                        s.index,
                        json,
                        Applicability::Safe,
                    ))
                    .in_file(policy.path.as_deref(), policy.location(s.offset)),
                );
            }
        }
        if checks.is_empty() {
            checks.push(meta.pass("policies", "no Glue ARN in the policies has upper-case names"));
        }
        checks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_only_the_names() {
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:table/Sales/Orders*").as_deref(),
            Some("arn:aws:glue:us-east-1:111122223333:table/sales/orders*")
        );
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:table/sales/*"),
            None
        );
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:catalog"),
            None
        );
        assert_eq!(lowered_glue_arn("arn:aws:s3:::Bucket/Key"), None);
    }
}
