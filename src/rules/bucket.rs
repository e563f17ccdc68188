//! S3004 (a bucket policy denies what Athena needs) and S3007 (GetBucketLocation
//! granted only under a condition it never carries).

use super::access::Env;
use super::catalogue as c;
use crate::engine::{Check, Rule, RuleMeta, Severity};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};
use crate::permissions::{self, Need};
use crate::policy::condition::Tri;
use crate::policy::context::never_carried;
use crate::policy::evaluate::{StatementRef, applies, denial};
use crate::policy::{Effect, PolicySet, Request};
use serde_json::json;

/// The S3 needs (results and data buckets) of the connection.
fn s3_needs(env: &Env) -> Vec<Need> {
    permissions::needs(&env.target)
        .0
        .into_iter()
        .filter(|n| n.bucket.is_some())
        .collect()
}

pub(crate) struct BucketPolicyDenies;

impl Rule for BucketPolicyDenies {
    fn meta(&self) -> &'static RuleMeta {
        &c::S3004
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        if facts.bucket_policies.is_empty() {
            return vec![meta.skip(
                "bucket policies",
                "needs a bucket policy: --bucket-policy [BUCKET=]FILE",
            )];
        }
        let env = match Env::without_identity(meta, facts) {
            Ok(env) => env,
            Err(skip) => return vec![*skip],
        };
        let needs = s3_needs(&env);
        let mut checks = Vec::new();
        for (bucket, policy) in &facts.bucket_policies {
            let mine: Vec<&Need> = needs
                .iter()
                .filter(|n| n.bucket.as_deref() == Some(bucket))
                .collect();
            if mine.is_empty() {
                checks.push(meta.skip(
                    format!("bucket {bucket}"),
                    format!("{bucket} is neither the results bucket nor in data_buckets"),
                ));
                continue;
            }
            // (deny statement, need, actions), in the order found.
            let mut denials: Vec<(StatementRef, &Need, Vec<&str>)> = Vec::new();
            let mut maybe: Vec<String> = Vec::new();
            for need in &mine {
                let ctx = permissions::context(&env.target, Some(&env.principal), need.via_athena);
                for action in need.required.iter().chain(&need.recommended) {
                    let req = Request {
                        action,
                        resource: &need.resource,
                        principal: &env.principal,
                        context: &ctx,
                    };
                    let set = PolicySet {
                        resource: Some(policy),
                        ..Default::default()
                    };
                    match denial(&req, &set) {
                        (Tri::Yes, refs) => {
                            let by = refs
                                .into_iter()
                                .next()
                                .expect("a definite deny names its statement");
                            match denials
                                .iter_mut()
                                .find(|(b, n, _)| *b == by && n.resource == need.resource)
                            {
                                Some((_, _, actions)) => actions.push(action),
                                None => denials.push((by, need, vec![action])),
                            }
                        }
                        (Tri::Maybe(conds), _) => maybe.extend(conds),
                        (Tri::No, _) => {}
                    }
                }
            }
            for (by, need, actions) in &denials {
                let mut check = meta.fail(
                    &need.resource,
                    format!(
                        "{} on {} is denied by {}",
                        actions.join(", "),
                        need.resource,
                        by.cite()
                    ),
                );
                check = check.in_file(by.path.as_deref(), by.location);
                if let Some(fix) = env.narrow_deny(by, need, Some(bucket)) {
                    check = check.with_fix(fix);
                }
                checks.push(check);
            }
            maybe.dedup();
            if !maybe.is_empty() {
                checks.push(
                    meta.fail(
                        format!("bucket {bucket}"),
                        format!(
                            "the {} denies Athena's requests if {}",
                            policy.name,
                            maybe.join(" or ")
                        ),
                    )
                    .severity(Severity::Warning),
                );
            }
            if denials.is_empty() && maybe.is_empty() {
                checks.push(meta.pass(
                    format!("bucket {bucket}"),
                    format!("the {} denies none of the actions Athena needs", policy.name),
                ));
            }
        }
        checks
    }
}

pub(crate) struct BucketLocationConditioned;

const GET_BUCKET_LOCATION: &str = "s3:GetBucketLocation";

impl Rule for BucketLocationConditioned {
    fn meta(&self) -> &'static RuleMeta {
        &c::S3007
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let env = match Env::new(meta, facts) {
            Ok(env) => env,
            Err(skip) => return vec![*skip],
        };
        let needs: Vec<Need> = s3_needs(&env)
            .into_iter()
            .filter(|n| n.required.contains(&GET_BUCKET_LOCATION))
            .collect();
        if needs.is_empty() {
            return vec![meta.skip("policies", "needs a results bucket or data_buckets")];
        }
        let conn = &facts.connection;
        let mut checks = Vec::new();
        for need in &needs {
            if env
                .decide(need, GET_BUCKET_LOCATION, &need.resource, false)
                .is_allowed()
            {
                checks.push(meta.pass(
                    &need.resource,
                    format!("{GET_BUCKET_LOCATION} is allowed on {}", need.resource),
                ));
                continue;
            }
            let ctx = permissions::context(&env.target, Some(&env.principal), need.via_athena);
            let req = Request {
                action: GET_BUCKET_LOCATION,
                resource: &need.resource,
                principal: &env.principal,
                context: &ctx,
            };
            // Allow statements that would grant it, but for a condition on a key
            // this action never carries.
            let voided = env.identity.iter().find_map(|p| {
                p.document.statements.iter().find_map(|s| {
                    if s.effect != Effect::Allow {
                        return None;
                    }
                    let key = s
                        .conditions
                        .iter()
                        .find(|c| never_carried(&c.key.to_ascii_lowercase(), GET_BUCKET_LOCATION))?;
                    let mut bare = s.clone();
                    bare.conditions.clear();
                    (applies(p, &bare, &req) == Tri::Yes).then(|| (p, s, key.key.clone()))
                })
            });
            match voided {
                Some((policy, statement, key)) => {
                    let fix = Fix::add_statements(
                        conn,
                        Some(policy),
                        None,
                        vec![json!({
                            "Sid": format!("{}Location", need.sid),
                            "Effect": "Allow",
                            "Action": GET_BUCKET_LOCATION,
                            "Resource": need.resource,
                        })],
                        Applicability::Safe,
                    );
                    checks.push(
                        meta.fail(
                            &need.resource,
                            format!(
                                "{GET_BUCKET_LOCATION} on {} is allowed only under a {key} condition ({} of {}, line {}), \
                                 which that action never carries: Athena fails with \"Unable to verify/create output bucket\"",
                                need.resource,
                                statement.describe(),
                                policy.name,
                                policy.location(statement.offset).line
                            ),
                        )
                        .with_fix(fix)
                        .in_file(policy.path.as_deref(), policy.location(statement.offset)),
                    );
                }
                None => checks.push(meta.pass(
                    &need.resource,
                    format!(
                        "no grant of {GET_BUCKET_LOCATION} on {} hangs on a key it never carries",
                        need.resource
                    ),
                )),
            }
        }
        checks
    }
}
