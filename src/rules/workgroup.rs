//! The workgroup's settings as customers run them today (`GetWorkGroup`'s
//! configuration): its result key (ATHENA010), expected bucket owner
//! (ATHENA011), managed results (ATHENA012), Identity Center (ATHENA013), engine
//! (ATHENA014) and scan cutoff (ATHENA015), and what they mean for the buckets:
//! the ACL a bucket policy requires (S3008) and requester pays (S3009).

use super::access::Env;
use super::keys;
use super::s3;
use crate::connection::FieldId;
use crate::engine::{Check, Outcome, Rule, Severity, Skip, declare_rule};
use crate::facts::{Facts, Observed, WorkgroupFacts, WorkgroupSettings};
use crate::fix::{Applicability, Fix};
use crate::permissions::Need;
use crate::policy::Policy;
use crate::policy::site::Site;

/// The rules (the registry sorts them by family and code).
pub(super) static RULES: &[&dyn Rule] = &[
    &ResultsKeyDenied,
    &ExpectedOwnerMismatch,
    &ManagedResults,
    &IdentityCenterWorkgroup,
    &NotASqlWorkgroup,
    &ScanCutoff,
    &ResultsAclRequired,
    &RequesterPaysDisabled,
];

/// The canned ACL a bucket owner's policy asks result objects to carry.
pub(crate) const OWNER_FULL_CONTROL: &str = "bucket-owner-full-control";

/// The smallest per-query cutoff that does not get in a BI tool's way: a table
/// preview (`SELECT * … LIMIT 100`) of an unpartitioned CSV or JSON table reads
/// whole files, and dashboards scan far more. Below it ATHENA015 warns.
const CUTOFF_FLOOR: i64 = 1 << 30;

/// The workgroup and its settings, with where a plan or template declares it;
/// a skip when it does not exist (ATHENA003 says so) or its settings are unknown.
fn settings(facts: &Facts) -> Result<(&WorkgroupFacts, &WorkgroupSettings, Option<&Site>), Skip> {
    let (workgroup, site) = super::workgroup(facts)?;
    let Some(w) = workgroup else {
        return Err(Skip::new(
            facts.connection.workgroup(),
            "the workgroup does not exist (ATHENA003)",
        ));
    };
    Ok((w, w.settings.require(&w.name)?, site))
}

/// The canned ACL Athena writes result objects with: the workgroup's
/// `S3AclOption` (the BI tool's own request sets none), `None` when unset.
/// Unknown settings: `Err` with why.
pub(crate) fn result_acl(facts: &Facts) -> Result<Option<&'static str>, Skip> {
    let (_, s, _) = settings(facts)?;
    Ok(s.acl
        .as_deref()
        .filter(|a| a.eq_ignore_ascii_case("BUCKET_OWNER_FULL_CONTROL"))
        .map(|_| OWNER_FULL_CONTROL))
}

/// Whether `policy` denies `action` on `need` only for want of the bucket
/// owner's ACL: denied as the workgroup writes (`acl`: its ACL, or `Some(None)`
/// for none), allowed with `bucket-owner-full-control`. That is S3008's finding,
/// which S3004 leaves to it; with the workgroup's settings unknown (`None`),
/// nothing is.
pub(super) fn is_acl_denial(
    env: &Env,
    policy: &Policy,
    need: &Need,
    action: &str,
    acl: Option<Option<&str>>,
) -> bool {
    action == "s3:PutObject"
        && acl.is_some_and(|a| a != Some(OWNER_FULL_CONTROL))
        && s3::denies(
            env,
            policy,
            need,
            action,
            &s3::acl_context(env, need, action, acl),
        )
        && !s3::denies(
            env,
            policy,
            need,
            action,
            &s3::acl_context(env, need, action, Some(Some(OWNER_FULL_CONTROL))),
        )
}

/// `aws athena update-work-group` changing one setting; declared in a plan or
/// template, the finding points at the declaration instead (a command against
/// the account would be undone by the next apply).
fn update(
    check: Check,
    w: &WorkgroupFacts,
    site: Option<&Site>,
    region: &str,
    updates: &str,
    how: Applicability,
    note: &str,
) -> Check {
    if site.is_some() {
        return check.in_declaration(site);
    }
    let mut fix = Fix::run(
        &format!("workgroup {} in {region}", w.name),
        [
            "aws",
            "athena",
            "update-work-group",
            "--work-group",
            &w.name,
            "--configuration-updates",
            updates,
            "--region",
            region,
        ],
        how,
    );
    fix.note = Some(note.into());
    check.with_fix(fix)
}

/// The connection's workgroup field pointed at another workgroup: what a person
/// must choose (display-only), for settings a workgroup cannot change.
fn other_workgroup(facts: &Facts, why: &str) -> Fix {
    let mut fix = Fix::field(
        &facts.connection,
        FieldId::Workgroup,
        "<A_SQL_WORKGROUP_WITHOUT_IDENTITY_CENTER>",
        Applicability::DisplayOnly,
    );
    fix.note = Some(why.into());
    fix
}

declare_rule! {
    pub(crate) struct ResultsKeyDenied {
        code: "ATHENA010",
        name: "results-key-denied",
        severity: Error,
        summary: "The workgroup encrypts query results with a KMS key the principal may not use",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for ResultsKeyDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let uses = keys::results_keys(facts)?;
        keys::judge(
            Self::META,
            facts,
            uses,
            Vec::new(),
            &format!(
                "workgroup {} does not encrypt query results with a customer-managed KMS key",
                facts.connection.workgroup()
            ),
        )
    }
}

declare_rule! {
    pub(crate) struct ExpectedOwnerMismatch {
        code: "ATHENA011",
        name: "expected-owner-mismatch",
        severity: Error,
        summary: "The workgroup's expected bucket owner does not own the results bucket (live)",
        fixes: [Unsafe],
    }
}

impl Rule for ExpectedOwnerMismatch {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        let Some(owner) = &s.expected_bucket_owner else {
            return Ok(vec![
                meta.pass(&w.name, format!("workgroup {} expects no bucket owner", w.name)),
            ]);
        };
        if site.is_some() {
            return Err(Skip::new(
                &w.name,
                "who owns the results bucket is known only live",
            ));
        }
        let (bucket, found) = super::inspected_results_bucket(facts)?;
        if *found.expected_owner.require(&bucket)? {
            return Ok(vec![meta.pass(
                &bucket,
                format!(
                    "the results bucket {bucket} belongs to account {owner}, as workgroup {} expects",
                    w.name
                ),
            )]);
        }
        let check = meta
            .fail(
                &bucket,
                format!(
                    "workgroup {} expects the results bucket to belong to account {owner}, and {bucket} does not: \
                     S3 refuses Athena's writes of results there (403 Access Denied)",
                    w.name
                ),
            )
            .at(facts.connection.location(FieldId::S3OutputBucket));
        Ok(vec![update(
            check,
            w,
            site,
            facts.connection.region(),
            "ResultConfigurationUpdates={RemoveExpectedBucketOwner=true}",
            Applicability::Unsafe,
            "the expected owner guards against writing results into someone else's bucket: rather than \
             removing it, set it to the account that owns the bucket (ExpectedBucketOwner=ACCOUNT_ID), or \
             point the connection at a bucket of that account",
        )])
    }
}

declare_rule! {
    pub(crate) struct ManagedResults {
        code: "ATHENA012",
        name: "managed-results",
        severity: Error,
        summary: "The workgroup keeps query results itself, and the connection sends an output location",
        fixes: [Unsafe],
    }
}

impl Rule for ManagedResults {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        if !s.managed_results {
            return Ok(vec![meta.pass(
                &w.name,
                format!("workgroup {} does not manage query results", w.name),
            )]);
        }
        let conn = &facts.connection;
        let Some(ours) = conn.output_location().and_then(|o| o.suggestion()) else {
            return Ok(vec![meta.pass(
                &w.name,
                format!(
                    "workgroup {} keeps query results itself and the connection sends no output location",
                    w.name
                ),
            )]);
        };
        let check = meta
            .fail(
                &w.name,
                format!(
                    "workgroup {} keeps query results itself (managed query results), and the connection sends \
                     the output location {ours}: Athena refuses every query (\"ManagedQueryResultsConfiguration and \
                     ResultConfiguration cannot be set together\")",
                    w.name
                ),
            )
            .at(conn.location(FieldId::S3OutputBucket));
        Ok(vec![update(
            check,
            w,
            site,
            conn.region(),
            "ManagedQueryResultsConfigurationUpdates={Enabled=false}",
            Applicability::Unsafe,
            "or, where the BI tool can leave its output location empty, clear it and let Athena keep the \
             results; turning managed results off makes the results bucket's permissions matter again",
        )])
    }
}

declare_rule! {
    pub(crate) struct IdentityCenterWorkgroup {
        code: "ATHENA013",
        name: "identity-center-workgroup",
        severity: Error,
        summary: "The workgroup is enabled for IAM Identity Center: a role or access key cannot run queries in it",
        fixes: [DisplayOnly],
    }
}

impl Rule for IdentityCenterWorkgroup {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        if !s.identity_center {
            return Ok(vec![meta.pass(
                &w.name,
                format!("workgroup {} is not an IAM Identity Center workgroup", w.name),
            )]);
        }
        Ok(vec![
            meta.fail(
                &w.name,
                format!(
                    "workgroup {} is enabled for IAM Identity Center: only Identity Center users (trusted identity \
                     propagation) can run queries in it, not the IAM role or access key the BI tool connects with",
                    w.name
                ),
            )
            .at(facts.connection.location(FieldId::Workgroup))
            .in_declaration(site)
            .with_fix(other_workgroup(
                facts,
                "a workgroup's Identity Center setting cannot be changed after it is created: point the \
                 connection at a workgroup without it (primary, or one created for the BI tool)",
            )),
        ])
    }
}

declare_rule! {
    pub(crate) struct NotASqlWorkgroup {
        code: "ATHENA014",
        name: "not-a-sql-workgroup",
        severity: Error,
        summary: "The workgroup runs Apache Spark (notebooks), not SQL",
        fixes: [DisplayOnly],
    }
}

impl Rule for NotASqlWorkgroup {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        let engine = s.engine.as_deref().unwrap_or("AUTO");
        if !engine.to_ascii_lowercase().contains("spark") {
            return Ok(vec![
                meta.pass(&w.name, format!("workgroup {} runs SQL ({engine})", w.name)),
            ]);
        }
        Ok(vec![
            meta.fail(
                &w.name,
                format!(
                    "workgroup {} runs {engine}: a Spark workgroup runs notebooks and calculations, and Athena \
                     refuses the BI tool's SQL queries in it",
                    w.name
                ),
            )
            .at(facts.connection.location(FieldId::Workgroup))
            .in_declaration(site)
            .with_fix(other_workgroup(
                facts,
                "a workgroup's engine type (SQL or Spark) cannot be changed after it is created: point the \
                 connection at a SQL workgroup (primary, or one created for the BI tool)",
            )),
        ])
    }
}

declare_rule! {
    pub(crate) struct ScanCutoff {
        code: "ATHENA015",
        name: "scan-cutoff",
        severity: Warning,
        summary: "The workgroup cancels queries that scan more than a small amount of data",
        fixes: [Unsafe],
    }
}

impl Rule for ScanCutoff {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        match s.scan_cutoff {
            Some(cutoff) if cutoff < CUTOFF_FLOOR => {
                let check = meta
                    .fail(
                        &w.name,
                        format!(
                            "workgroup {} cancels every query that scans more than {} (BytesScannedCutoffPerQuery): \
                             the BI tool's table previews and dashboards are cancelled (\"Bytes scanned limit was \
                             exceeded\") once they read more",
                            w.name,
                            bytes(cutoff)
                        ),
                    )
                    .severity(Severity::Warning);
                Ok(vec![update(
                    check,
                    w,
                    site,
                    facts.connection.region(),
                    &format!("BytesScannedCutoffPerQuery={CUTOFF_FLOOR}"),
                    Applicability::Unsafe,
                    "the cutoff is a cost control someone set on purpose: raise it (here to 1 GiB) only with \
                     whoever owns the workgroup's budget, or give the BI tool a workgroup of its own",
                )])
            }
            Some(cutoff) => Ok(vec![meta.pass(
                &w.name,
                format!("workgroup {} cancels queries only past {}", w.name, bytes(cutoff)),
            )]),
            None => Ok(vec![meta.pass(
                &w.name,
                format!("workgroup {} sets no per-query scan cutoff", w.name),
            )]),
        }
    }
}

/// A byte count the way a person reads it.
fn bytes(n: i64) -> String {
    const UNITS: &[(i64, &str)] = &[(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB")];
    for (size, unit) in UNITS {
        if n >= *size {
            return format!("{:.1} {unit}", n as f64 / *size as f64).replace(".0 ", " ");
        }
    }
    format!("{n} bytes")
}

declare_rule! {
    pub(crate) struct ResultsAclRequired {
        code: "S3008",
        name: "results-acl-required",
        severity: Error,
        summary: "The results bucket's policy requires an ACL the workgroup does not write results with",
        fixes: [Safe],
    }
}

impl Rule for ResultsAclRequired {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, _, site) = settings(facts)?;
        let bucket = super::results_bucket(facts)?;
        let Some(policy) = facts.bucket_policies.get(&bucket) else {
            if let Observed::Known(live) = &facts.live
                && let Some(b) = live.buckets.get(&bucket)
            {
                b.policy.require(&format!("bucket {bucket}"))?;
            }
            return Ok(vec![meta.pass(
                &bucket,
                format!("the results bucket {bucket} has no policy to require an ACL"),
            )]);
        };
        let acl = result_acl(facts)?;
        let env = Env::without_identity(facts)?;
        let needs = s3::needs_of(&env);
        let mine = needs
            .iter()
            .filter(|n| n.bucket.as_deref() == Some(bucket.as_str()));
        let refused = mine
            .flat_map(|n| n.required.iter().map(move |a| (n, *a)))
            .any(|(n, a)| is_acl_denial(&env, policy, n, a, Some(acl)));
        if !refused {
            let how = match acl {
                Some(a) => format!("with the ACL {a}"),
                None => "without an ACL".into(),
            };
            return Ok(vec![meta.pass(
                &bucket,
                format!(
                    "the {} asks for no ACL beyond what workgroup {} writes results {how}",
                    policy.name, w.name
                ),
            )]);
        }
        let check = meta.fail(
            &bucket,
            format!(
                "the {} refuses result objects written without the ACL {OWNER_FULL_CONTROL}, and workgroup {} \
                 writes none (its ACL option is unset): every query fails writing its results",
                policy.name, w.name
            ),
        );
        Ok(vec![update(
            check,
            w,
            site,
            facts.connection.region(),
            "ResultConfigurationUpdates={AclConfiguration={S3AclOption=BUCKET_OWNER_FULL_CONTROL}}",
            Applicability::Safe,
            "the workgroup then writes every result object with the ACL the bucket policy asks for",
        )])
    }
}

declare_rule! {
    pub(crate) struct RequesterPaysDisabled {
        code: "S3009",
        name: "requester-pays-disabled",
        severity: Warning,
        summary: "A bucket is requester pays and the workgroup does not allow querying such buckets",
        fixes: [Unsafe],
    }
}

impl Rule for RequesterPaysDisabled {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (w, s, site) = settings(facts)?;
        let live = super::live(facts)?;
        let mut paying = Vec::new();
        let mut checks = Vec::new();
        for (bucket, b) in &live.buckets {
            match b.requester_pays.require(&format!("bucket {bucket}")) {
                Ok(true) => paying.push(bucket.as_str()),
                Ok(false) => {}
                Err(skip) => checks.push(meta.skipped(skip)),
            }
        }
        if paying.is_empty() {
            if checks.is_empty() {
                checks.push(meta.pass("buckets", "no inspected bucket is requester pays"));
            }
            return Ok(checks);
        }
        if s.requester_pays {
            checks.push(meta.pass(
                &w.name,
                format!(
                    "workgroup {} allows querying the requester pays buckets {}",
                    w.name,
                    paying.join(", ")
                ),
            ));
            return Ok(checks);
        }
        let check = meta.fail(
            &w.name,
            format!(
                "{} {} requester pays, and workgroup {} does not allow querying requester pays buckets: unless {} to \
                 the principal's own account (whose requests need no consent to pay), S3 refuses Athena's requests \
                 (403 Access Denied)",
                if paying.len() == 1 { "bucket" } else { "buckets" },
                paying.join(", "),
                w.name,
                if paying.len() == 1 { "it belongs" } else { "they belong" }
            ),
        );
        checks.push(update(
            check,
            w,
            site,
            facts.connection.region(),
            "RequesterPaysEnabled=true",
            Applicability::Unsafe,
            "the account that runs the queries then pays for the requests and data transfer of requester pays \
             buckets: confirm that is intended",
        ));
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Check, Severity, Status};
    use crate::facts::{Facts, Observed, WorkgroupSettings};
    use crate::policy::{Policy, PolicyKind};
    use crate::rules::unread::{healthy, live};

    fn settings(facts: &mut Facts) -> &mut WorkgroupSettings {
        match &mut live(facts).workgroup {
            Observed::Known(Some(w)) => match &mut w.settings {
                Observed::Known(s) => s,
                _ => unreachable!(),
            },
            _ => unreachable!(),
        }
    }

    fn checks(facts: &Facts, code: &str) -> Vec<Check> {
        crate::engine::run(&crate::rules::REGISTRY, facts)
            .into_iter()
            .filter(|c| c.code() == code)
            .collect()
    }

    /// The one failing check of `code`, its fix's command (if any) and message.
    fn failing(facts: &Facts, code: &str) -> (Check, Option<String>) {
        let mine = checks(facts, code);
        let failed: Vec<&Check> = mine.iter().filter(|c| c.status == Status::Fail).collect();
        assert_eq!(failed.len(), 1, "{code}: {mine:#?}");
        let check = failed[0].clone();
        let command = check.fix.as_ref().and_then(|f| f.command());
        (check, command)
    }

    fn passes(facts: &Facts, code: &str) {
        let mine = checks(facts, code);
        assert!(
            !mine.is_empty() && mine.iter().all(|c| c.status == Status::Pass),
            "{code}: {mine:#?}"
        );
    }

    #[test]
    fn a_results_key_whose_policy_admits_no_one_fails() {
        let mut facts = healthy();
        let nobody = Policy::from_text(
            "key policy",
            None,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let key = live(&mut facts)
            .keys
            .get_mut(super::super::unread::RESULTS_KEY)
            .unwrap();
        if let Observed::Known(k) = key {
            k.policy = Observed::Known(nobody);
        }
        let mine = checks(&facts, "ATHENA010");
        assert!(
            mine.iter()
                .any(|c| c.status == Status::Fail && c.message.contains("workgroup primary")),
            "{mine:#?}"
        );
        // Client-side encryption needs the same; SSE_S3 needs nothing.
        settings(&mut facts).result_encryption = Some("SSE_S3".into());
        passes(&facts, "ATHENA010");
    }

    #[test]
    fn a_results_bucket_of_another_owner_fails_with_the_update() {
        let mut facts = healthy();
        live(&mut facts)
            .buckets
            .get_mut("results")
            .unwrap()
            .expected_owner = Observed::Known(false);
        let (check, command) = failing(&facts, "ATHENA011");
        assert!(check.message.contains("111122223333"), "{check:#?}");
        assert_eq!(
            command.as_deref(),
            Some(
                "aws athena update-work-group --work-group primary --configuration-updates \
                 'ResultConfigurationUpdates={RemoveExpectedBucketOwner=true}' --region us-east-1"
            )
        );
        settings(&mut facts).expected_bucket_owner = None;
        passes(&facts, "ATHENA011");
    }

    #[test]
    fn managed_results_and_an_output_location_conflict() {
        let mut facts = healthy();
        settings(&mut facts).managed_results = true;
        let (_, command) = failing(&facts, "ATHENA012");
        assert!(
            command
                .unwrap()
                .contains("ManagedQueryResultsConfigurationUpdates={Enabled=false}")
        );
        facts.connection.s3_output_bucket = None;
        passes(&facts, "ATHENA012");
        // Athena keeps the results: no output location is needed.
        passes(&facts, "ATHENA005");
    }

    #[test]
    fn identity_center_and_spark_workgroups_cannot_run_the_bi_tools_sql() {
        let mut facts = healthy();
        settings(&mut facts).identity_center = true;
        let (check, command) = failing(&facts, "ATHENA013");
        assert_eq!(
            command, None,
            "display-only: the doctor cannot pick the workgroup"
        );
        assert!(check.fix.is_some());
        let mut facts = healthy();
        settings(&mut facts).engine = Some("PySpark engine version 3".into());
        let (check, _) = failing(&facts, "ATHENA014");
        assert!(check.message.contains("PySpark engine version 3"), "{check:#?}");
        passes(&healthy(), "ATHENA013");
        passes(&healthy(), "ATHENA014");
    }

    #[test]
    fn a_small_scan_cutoff_warns() {
        let mut facts = healthy();
        settings(&mut facts).scan_cutoff = Some(10 << 20);
        let (check, command) = failing(&facts, "ATHENA015");
        assert_eq!(check.severity, Severity::Warning);
        assert!(check.message.contains("10 MiB"), "{check:#?}");
        assert!(command.unwrap().contains("BytesScannedCutoffPerQuery=1073741824"));
        settings(&mut facts).scan_cutoff = None;
        passes(&facts, "ATHENA015");
    }

    /// A bucket policy that refuses objects written without the owner's ACL.
    const REQUIRES_ACL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "OwnerFullControl", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::results/*", "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}"#;

    #[test]
    fn an_acl_the_bucket_policy_requires_is_s3008s_and_met_passes_s3004() {
        let mut facts = healthy();
        let policy = Policy::from_text(
            "bucket policy of results",
            Some("results.json"),
            REQUIRES_ACL,
            PolicyKind::Resource,
        )
        .unwrap();
        facts.bucket_policies.insert("results".into(), policy);
        live(&mut facts).buckets.get_mut("results").unwrap().policy = Observed::Known(true);
        let (_, command) = failing(&facts, "S3008");
        assert!(command.unwrap().contains(
            "'ResultConfigurationUpdates={AclConfiguration={S3AclOption=BUCKET_OWNER_FULL_CONTROL}}'"
        ));
        // The denial is the ACL's, said once: S3004 does not report it too.
        assert!(
            checks(&facts, "S3004").iter().all(|c| c.status != Status::Fail),
            "{:#?}",
            checks(&facts, "S3004")
        );
        settings(&mut facts).acl = Some("BUCKET_OWNER_FULL_CONTROL".into());
        passes(&facts, "S3008");
        passes(&facts, "S3004");
    }

    #[test]
    fn a_requester_pays_bucket_needs_the_workgroup_to_allow_it() {
        let mut facts = healthy();
        settings(&mut facts).requester_pays = false;
        let (check, command) = failing(&facts, "S3009");
        assert!(check.message.contains("lake"), "{check:#?}");
        // Who owns the bucket is not read: the owner's own requests need no flag.
        assert_eq!(check.severity, Severity::Warning);
        assert!(command.unwrap().contains("RequesterPaysEnabled=true"));
    }

    #[test]
    fn a_catalog_key_the_role_may_not_use_fails_catalog006() {
        let mut facts = healthy();
        let identity = Policy::from_text(
            "p",
            Some("p.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "kms:*", "Resource": "*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        facts.identity_policies = Observed::Known(vec![identity]);
        let mine = checks(&facts, "CATALOG006");
        assert!(
            mine.iter()
                .any(|c| c.status == Status::Fail && c.message.contains("kms:Decrypt")),
            "{mine:#?}"
        );
        live(&mut facts).catalog_key = Observed::Known(None);
        passes(&facts, "CATALOG006");
    }

    #[test]
    fn an_s3_tables_catalog_names_what_it_needs_and_what_is_unknown() {
        let mut facts = healthy();
        facts.connection.data_catalog = Some(crate::connection::Field {
            raw: "s3tablescatalog/analytics".into(),
            location: None,
        });
        let identity = Policy::from_text(
            "p",
            Some("p.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "glue:*", "Resource": "arn:aws:glue:us-east-1:111122223333:catalog"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        facts.identity_policies = Observed::Known(vec![identity]);
        let mine = checks(&facts, "CATALOG007");
        assert!(
            mine.iter()
                .any(|c| c.status == Status::Fail && c.message.contains("glue:GetCatalog")),
            "{mine:#?}"
        );
        assert!(
            mine.iter()
                .any(|c| c.status == Status::Skip && c.message.contains("Lake Formation")),
            "{mine:#?}"
        );
        passes(&healthy(), "CATALOG007");
    }

    #[test]
    fn bytes_read_as_people_say_them() {
        assert_eq!(super::bytes(10 * (1 << 20)), "10 MiB");
        assert_eq!(super::bytes(1 << 30), "1 GiB");
        assert_eq!(super::bytes(1536 * (1 << 20)), "1.5 GiB");
        assert_eq!(super::bytes(500), "500 bytes");
    }
}
