//! S3 rules: the results bucket exists (S3001), the principal may use it and the
//! data buckets (S3002, S3003), bucket policies do not deny it (S3004, S3007), KMS
//! keys (S3005), and results never land inside table data (S3006).

use super::access::{self, Env, check_live_needs, live_need};
use crate::connection::FieldId;
use crate::engine::{Outcome, Rule, Severity, Skip, declare_rule};
use crate::facts::{Facts, Observed};
use crate::fix::{Applicability, Fix};
use crate::permissions::{self, Need};
use crate::policy::condition::Tri;
use crate::policy::context::never_carried;
use crate::policy::evaluate::{StatementRef, applies, denial};
use crate::policy::{Effect, PolicySet, Request};
use serde_json::json;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &OutputBucketNotFound,
    &OutputBucketAccess,
    &DataBucketAccess,
    &BucketPolicyDenies,
    &KmsAccessMissing,
    &OutputInsideDataLocation,
    &BucketLocationConditioned,
];

/// The S3 needs (results and data buckets) of the connection.
fn s3_needs(env: &Env) -> Vec<Need> {
    permissions::needs(&env.target)
        .0
        .into_iter()
        .filter(|n| n.bucket.is_some())
        .collect()
}

declare_rule! {
    pub(crate) struct OutputBucketNotFound {
        code: "S3001",
        name: "output-bucket-not-found",
        severity: Error,
        summary: "The results bucket does not exist (live)",
        fixes: [Unsafe],
    }
}

impl Rule for OutputBucketNotFound {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (bucket, found) = super::inspected_results_bucket(facts)?;
        let at = facts.connection.location(FieldId::S3OutputBucket);
        match found.exists.require(&bucket)? {
            true => Ok(vec![meta.pass(&bucket, format!("the results bucket {bucket} exists")).at(at)]),
            false => Ok(vec![
                meta.fail(
                    &bucket,
                    format!(
                        "the results bucket {bucket} does not exist: Athena fails with \"Unable to verify/create \
                         output bucket {bucket}\" (it never creates it)"
                    ),
                )
                .at(at)
                .with_fix(Fix::create_bucket(&bucket, facts.connection.region())),
            ]),
        }
    }
}

declare_rule! {
    pub(crate) struct OutputBucketAccess {
        code: "S3002",
        name: "output-bucket-access-missing",
        severity: Error,
        summary: "Required actions on the results bucket or its objects are not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for OutputBucketAccess {
    fn check(&self, facts: &Facts) -> Outcome {
        access::check_needs(Self::META, facts, "needs a results bucket")
    }
}

declare_rule! {
    pub(crate) struct DataBucketAccess {
        code: "S3003",
        name: "data-bucket-access-missing",
        severity: Error,
        summary: "Read access to the data buckets is not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for DataBucketAccess {
    fn check(&self, facts: &Facts) -> Outcome {
        access::check_needs(
            Self::META,
            facts,
            "no data_buckets in the connection: nothing to check",
        )
    }
}

declare_rule! {
    pub(crate) struct BucketPolicyDenies {
        code: "S3004",
        name: "bucket-policy-denies",
        severity: Error,
        summary: "The bucket policy explicitly denies a required action",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl Rule for BucketPolicyDenies {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        // Live, each bucket says whether it has a policy; one that could not be
        // read may deny, so it is a skip naming the read, never a pass.
        let mut unread = Vec::new();
        let mut without = Vec::new();
        if let Observed::Known(live) = &facts.live {
            for (bucket, b) in &live.buckets {
                match b.policy.require(&format!("bucket {bucket}")) {
                    Ok(false) => without.push(bucket.as_str()),
                    Ok(true) => {}
                    Err(skip) => unread.push(meta.skipped(skip)),
                }
            }
        }
        if facts.bucket_policies.is_empty() {
            if !unread.is_empty() {
                return Ok(unread);
            }
            if !without.is_empty() {
                return Ok(vec![meta.pass(
                    "bucket policies",
                    format!("no bucket policy on {}: none can deny", without.join(", ")),
                )]);
            }
            return Err(Skip::new(
                "bucket policies",
                "needs a bucket policy: --bucket-policy [BUCKET=]FILE",
            ));
        }
        let env = Env::without_identity(facts)?;
        let needs = s3_needs(&env);
        let mut checks = unread;
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
                        resource_account: None,
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
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct KmsAccessMissing {
        code: "S3005",
        name: "kms-access-missing",
        severity: Error,
        summary: "The bucket uses SSE-KMS and kms:GenerateDataKey/kms:Decrypt are not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for KmsAccessMissing {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let keys = super::bucket_keys(facts)?;
        let target = access::target(facts);
        let mut needs = Vec::new();
        // A bucket whose encryption could not be read may use a key: never a pass.
        let mut unread = Vec::new();
        for (bucket, kms_key) in keys {
            let key = match kms_key {
                Observed::Known(Some(key)) => key,
                Observed::Known(None) => continue,
                other => {
                    unread.push(meta.skip(
                        format!("bucket {bucket}"),
                        other.known().err().unwrap_or_default(),
                    ));
                    continue;
                }
            };
            // The AWS-managed key's policy lets principals of the account use it through S3.
            if key == "aws/s3" || key.ends_with("alias/aws/s3") {
                continue;
            }
            let arn = if key.starts_with("arn:") {
                key.clone()
            } else {
                format!(
                    "arn:{}:kms:{}:{}:key/{key}",
                    target.partition,
                    target.region,
                    target.account.as_deref().unwrap_or("<ACCOUNT_ID>")
                )
            };
            let results = target.results_bucket.as_deref() == Some(bucket);
            let actions = if results {
                vec!["kms:GenerateDataKey", "kms:Decrypt"]
            } else {
                vec!["kms:Decrypt"]
            };
            needs.push(live_need(
                meta.code,
                format!("the KMS key of bucket {bucket}"),
                arn,
                actions,
                "AthenaBucketKms",
            ));
        }
        if needs.is_empty() && !unread.is_empty() {
            return Ok(unread);
        }
        let mut checks = check_live_needs(
            meta,
            facts,
            needs,
            "no inspected bucket uses a customer-managed KMS key",
        )?;
        checks.extend(unread);
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct OutputInsideDataLocation {
        code: "S3006",
        name: "output-inside-data-location",
        severity: Warning,
        summary: "The results prefix overlaps a table location",
    }
}

impl Rule for OutputInsideDataLocation {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let Some(results) = facts.connection.output_location().and_then(|o| o.suggestion()) else {
            return Err(Skip::new("s3_output_bucket", "needs a valid s3_output_bucket"));
        };
        let mut checks = Vec::new();
        let mut seen = 0;
        let (read, unread) = super::tables_read(meta, l);
        for (schema, tables) in read {
            for t in tables {
                let Some(location) = &t.location else { continue };
                seen += 1;
                let loc = if location.ends_with('/') {
                    location.clone()
                } else {
                    format!("{location}/")
                };
                if loc.starts_with(&results) || results.starts_with(&loc) {
                    checks.push(
                        meta.fail(
                            &results,
                            format!(
                                "query results go to {results}, which overlaps table {schema}.{} at {location}: result \
                                 files become rows of that table",
                                t.name
                            ),
                        )
                        .severity(Severity::Warning)
                        .at(facts.connection.location(FieldId::S3OutputBucket)),
                    );
                }
            }
        }
        if checks.is_empty() && unread.is_empty() {
            if seen == 0 && l.tables.is_empty() {
                return Err(Skip::new(
                    &results,
                    "needs the tables' locations (glue:GetTables)",
                ));
            }
            checks.push(meta.pass(
                &results,
                format!("the results prefix overlaps none of {seen} table locations"),
            ));
        }
        checks.extend(unread);
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct BucketLocationConditioned {
        code: "S3007",
        name: "bucket-location-conditioned",
        severity: Error,
        summary: "s3:GetBucketLocation is allowed only under a condition that voids it",
        fixes: [Safe, DisplayOnly],
    }
}

const GET_BUCKET_LOCATION: &str = "s3:GetBucketLocation";

impl Rule for BucketLocationConditioned {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let env = Env::new(facts)?;
        let needs: Vec<Need> = s3_needs(&env)
            .into_iter()
            .filter(|n| n.required.contains(&GET_BUCKET_LOCATION))
            .collect();
        if needs.is_empty() {
            return Err(Skip::new("policies", "needs a results bucket or data_buckets"));
        }
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
                resource_account: None,
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
                        facts,
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
        Ok(checks)
    }
}
