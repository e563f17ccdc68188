//! S3 rules: the results bucket exists (S3001), the principal may use it and the
//! data buckets (S3002, S3003), bucket policies do not deny it (S3004, S3007), KMS
//! keys (S3005), and results never land inside table data (S3006).

use super::access::{self, Env};
use super::keys;
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
        // The ACL Athena writes results with: the workgroup's (S3008 judges a
        // policy that asks for one the workgroup does not set).
        let acl = super::workgroup::result_acl(facts);
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
                for action in need.required.iter().chain(&need.recommended) {
                    let ctx = acl_context(&env, need, action, acl.as_ref().ok().copied());
                    if super::workgroup::is_acl_denial(&env, policy, need, action, acl.as_ref().ok().copied())
                    {
                        continue;
                    }
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

/// The request context of `action` on `need` (with the VPC endpoint of the
/// BI tool's own requests when given), with the canned ACL Athena
/// writes result objects with when the workgroup's settings are known: `acl`
/// (`Some(Some(acl))`), or none (`Some(None)`: the key is absent); unknown
/// settings (`None`) leave `s3:x-amz-acl` unknown.
pub(super) fn acl_context<'e>(
    env: &'e Env,
    need: &Need,
    action: &str,
    acl: Option<Option<&str>>,
) -> std::borrow::Cow<'e, crate::policy::Context> {
    let base = env.base_context(need.via_athena);
    // The BI tool's own requests carry the VPC endpoint they go through, when
    // `--endpoint-policy SERVICE=FILE` or the live read names it; Athena's requests to S3 never
    // do (`permissions::NETWORK_KEYS`).
    let endpoints = match &env.facts.guardrails.endpoints {
        Observed::Known(endpoints) if !need.via_athena => Some(endpoints),
        _ => None,
    };
    let acl = acl.filter(|_| action == "s3:PutObject");
    if endpoints.is_none() && acl.is_none() {
        return std::borrow::Cow::Borrowed(base);
    }
    let mut ctx = base.clone();
    if let Some(endpoints) = endpoints {
        let service = action.split(':').next().unwrap_or_default();
        permissions::through_endpoint(&mut ctx, endpoints.get(service));
    }
    match acl {
        Some(Some(acl)) => {
            ctx.set("s3:x-amz-acl", &[acl]);
        }
        Some(None) => {
            ctx.absent("s3:x-amz-acl");
        }
        None => {}
    }
    std::borrow::Cow::Owned(ctx)
}

/// Whether `policy` definitely denies `action` on `need` with the context `ctx`.
pub(super) fn denies(
    env: &Env,
    policy: &crate::policy::Policy,
    need: &Need,
    action: &str,
    ctx: &crate::policy::Context,
) -> bool {
    let req = Request {
        action,
        resource: &need.resource,
        principal: &env.principal,
        context: ctx,
        resource_account: None,
    };
    let set = PolicySet {
        resource: Some(policy),
        ..Default::default()
    };
    matches!(denial(&req, &set).0, Tri::Yes)
}

/// The S3 needs of the connection, for the resource-policy rules.
pub(super) fn needs_of(env: &Env) -> Vec<Need> {
    s3_needs(env)
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
        let (uses, unread) = keys::bucket_key_uses(facts)?;
        keys::judge(
            Self::META,
            facts,
            uses,
            unread,
            "no inspected bucket uses a customer-managed KMS key",
        )
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
            let req = Request {
                action: GET_BUCKET_LOCATION,
                resource: &need.resource,
                principal: &env.principal,
                context: env.base_context(need.via_athena),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Check, Status};
    use crate::facts::KmsKey;
    use crate::fix::Edit;
    use crate::policy::{Policy, PolicyKind};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/lake-key";
    const ROLE: &str = "arn:aws:iam::111122223333:role/bi";

    /// The healthy facts, with the lake key's policy and the role's policy given.
    fn s3005(key_policy: &str, identity: &str) -> Vec<Check> {
        let mut facts = crate::rules::unread::healthy();
        let doc = |s: &str| format!(r#"{{"Version": "2012-10-17", "Statement": {s}}}"#);
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), &doc(identity), PolicyKind::Identity).unwrap(),
        ]);
        let mut policy = Policy::from_text(
            "key policy of the lake key",
            None,
            &doc(key_policy),
            PolicyKind::Resource,
        )
        .unwrap();
        policy.origin = crate::policy::decode::Origin::KeyPolicy;
        policy.names.push(("arn", KEY.into()));
        crate::rules::unread::live(&mut facts).keys.insert(
            KEY.into(),
            Observed::Known(KmsKey {
                arn: KEY.into(),
                aws_managed: false,
                policy: Observed::Known(policy),
            }),
        );
        KmsAccessMissing.check(&facts).unwrap()
    }

    const ALLOW_KMS: &str = r#"[{"Effect": "Allow", "Action": ["s3:*", "kms:Decrypt"], "Resource": "*"}]"#;
    const ALLOW_S3: &str = r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#;
    const DELEGATES: &str = r#"[{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]"#;

    #[test]
    fn a_key_policy_naming_nobody_is_fixed_in_the_key_policy() {
        let admins = r#"[{"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/key-admin"}, "Action": "kms:*", "Resource": "*"}]"#;
        // Even with kms:Decrypt in the role's own policy: the key policy decides.
        let checks = s3005(admins, ALLOW_KMS);
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a failure");
        assert!(
            fail.message.contains("not allowed by the key policy"),
            "{}",
            fail.message
        );
        let fix = fail.fix.as_ref().unwrap();
        let command = fix.command().unwrap();
        assert!(
            command.starts_with(&format!(
                "aws kms put-key-policy --key-id {KEY} --policy-name default --policy "
            )),
            "{command}"
        );
        let Edit::Policy { document, .. } = &fix.edit else {
            panic!("{fix:?}")
        };
        let statements = document["Statement"].as_array().unwrap();
        // The admins' statement is kept; the role is named for kms:Decrypt.
        assert_eq!(statements[0]["Sid"], "Admins");
        assert_eq!(statements[1]["Principal"]["AWS"], ROLE);
        assert_eq!(statements[1]["Action"], serde_json::json!(["kms:Decrypt"]));
    }

    #[test]
    fn a_key_policy_naming_the_role_needs_no_identity_grant() {
        let direct = format!(
            r#"[{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:Decrypt", "Resource": "*"}}]"#
        );
        let checks = s3005(&direct, ALLOW_S3);
        assert!(checks.iter().all(|c| c.status == Status::Pass), "{checks:#?}");
        assert!(checks[0].message.contains("key policy"), "{}", checks[0].message);
    }

    #[test]
    fn a_delegating_key_policy_needs_the_identity_grant() {
        let checks = s3005(DELEGATES, ALLOW_S3);
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a failure");
        let command = fail.fix.as_ref().unwrap().command().unwrap();
        assert!(command.starts_with("aws iam put-role-policy"), "{command}");
        assert!(
            s3005(DELEGATES, ALLOW_KMS)
                .iter()
                .all(|c| c.status == Status::Pass)
        );
    }

    #[test]
    fn a_deny_in_the_key_policy_is_narrowed_there() {
        let deny = r#"[{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
                      {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]"#;
        let checks = s3005(deny, ALLOW_KMS);
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a failure");
        assert!(fail.message.contains("Sid NoDecrypt"), "{}", fail.message);
        let command = fail.fix.as_ref().unwrap().command().unwrap();
        assert!(command.starts_with("aws kms put-key-policy"), "{command}");
        assert!(command.contains("aws:PrincipalArn"), "{command}");
    }

    #[test]
    fn an_unread_key_policy_is_never_a_pass() {
        let mut facts = crate::rules::unread::healthy();
        if let Some(Observed::Known(k)) = crate::rules::unread::live(&mut facts).keys.get_mut(KEY) {
            k.policy = Observed::NotCollected("denied".into());
        }
        let checks = KmsAccessMissing.check(&facts).unwrap();
        assert!(checks.iter().all(|c| c.status == Status::Skip), "{checks:#?}");
        assert!(
            checks[0]
                .message
                .contains("its key policy could not be read (denied)")
        );
    }
}
