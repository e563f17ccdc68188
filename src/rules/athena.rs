//! ATHENA008: grants far broader than an Athena connection needs (security).

use super::access::Env;
use super::catalogue as c;
use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};
use crate::permissions;
use crate::policy::evaluate::action_matches;
use crate::policy::model::Statement;
use crate::policy::{Effect, Policy};

/// Services where `service:*` hands out far more than reading data.
const SENSITIVE_SERVICES: &[&str] = &[
    "s3",
    "glue",
    "athena",
    "iam",
    "kms",
    "lakeformation",
    "sts",
    "lambda",
];

/// Actions that, on every resource, let the holder destroy or expose data.
const DESTRUCTIVE: &[&str] = &[
    "s3:DeleteBucket",
    "s3:DeleteObject",
    "s3:PutBucketPolicy",
    "s3:PutObject",
];

/// Why a statement is broader than needed, in words, or `None`.
fn breadth(s: &Statement) -> Option<String> {
    if s.effect != Effect::Allow {
        return None;
    }
    if s.action.not {
        return Some(format!(
            "allows every action except {}",
            s.action.items.join(", ")
        ));
    }
    if s.action.items.iter().any(|a| a == "*") {
        return Some("allows every action (`*`)".into());
    }
    if let Some(a) = s.action.items.iter().find(|a| {
        a.split_once(':').is_some_and(|(svc, rest)| {
            rest == "*" && SENSITIVE_SERVICES.contains(&svc.to_ascii_lowercase().as_str())
        })
    }) {
        return Some(format!("allows every action of a service (`{a}`)"));
    }
    let everywhere = s
        .resource
        .as_ref()
        .is_some_and(|r| !r.not && r.items.iter().any(|i| i == "*" || i == "arn:aws:s3:::*"));
    if everywhere {
        let destructive: Vec<&str> = DESTRUCTIVE
            .iter()
            .copied()
            .filter(|d| action_matches(&s.action, d))
            .collect();
        if !destructive.is_empty() {
            return Some(format!("allows {} on every bucket", destructive.join(", ")));
        }
    }
    None
}

pub(crate) struct OverlyBroadPermissions;

impl Rule for OverlyBroadPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA008
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let env = match Env::new(meta, facts) {
            Ok(env) => env,
            Err(skip) => return vec![*skip],
        };
        let (least, _) = permissions::least_privilege(&env.target);
        let mut checks = Vec::new();
        for policy in env.identity {
            for s in &policy.document.statements {
                let Some(why) = breadth(s) else { continue };
                checks.push(
                    meta.fail(
                        format!("{} {}", policy.name, s.describe()),
                        format!(
                            "{} of {} (line {}) {why}: an Athena connection needs far less; \
                             `athena-doctor policy` prints least privilege",
                            s.describe(),
                            policy.name,
                            policy.location(s.offset).line
                        ),
                    )
                    .with_fix(replace_with_least(facts, policy, s, &least))
                    .in_file(policy.path.as_deref(), policy.location(s.offset)),
                );
            }
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                "policies",
                "no statement grants wildcard actions or destructive actions everywhere",
            ));
        }
        checks
    }
}

/// The document with the broad statement swapped for the least-privilege ones.
/// Display-only: the broad grant may serve something other than Athena.
fn replace_with_least(facts: &Facts, policy: &Policy, s: &Statement, least: &serde_json::Value) -> Fix {
    let statements: Vec<serde_json::Value> = least["Statement"].as_array().cloned().unwrap_or_default();
    let mut fix = Fix::add_statements(
        &facts.connection,
        Some(policy),
        None,
        statements,
        Applicability::DisplayOnly,
    );
    if let crate::fix::Edit::Policy { document, .. } = &mut fix.edit
        && let Some(list) = document.get_mut("Statement").and_then(|l| l.as_array_mut())
        && s.index < list.len()
    {
        list.remove(s.index);
    }
    fix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model::Patterns;

    fn statement(action: &[&str], not: bool, resource: &str) -> Statement {
        Statement {
            index: 0,
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: Patterns {
                not,
                items: action.iter().map(|a| a.to_string()).collect(),
            },
            resource: Some(Patterns {
                not: false,
                items: vec![resource.to_string()],
            }),
            conditions: Vec::new(),
            offset: 0,
            pointer: String::new(),
        }
    }

    #[test]
    fn broad_and_narrow() {
        assert!(breadth(&statement(&["*"], false, "*")).is_some());
        assert!(breadth(&statement(&["S3:*"], false, "arn:aws:s3:::b")).is_some());
        assert!(breadth(&statement(&["iam:*"], true, "*")).is_some());
        assert!(breadth(&statement(&["s3:Put*"], false, "*")).is_some());
        assert!(breadth(&statement(&["s3:GetObject", "s3:ListBucket"], false, "*")).is_none());
        assert!(breadth(&statement(&["s3:PutObject"], false, "arn:aws:s3:::b/*")).is_none());
        assert!(breadth(&statement(&["athena:Get*"], false, "*")).is_none());
    }
}
