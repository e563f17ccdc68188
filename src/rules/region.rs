//! REGION rules that need no AWS call: the region field itself.

use super::named;
use crate::aws::regions::{self, DEFAULT_REGION};
use crate::connection::FieldId;
use crate::engine::{Check, Outcome, Rule, Severity, declare_rule};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &RegionInvalid,
    &RegionDefaulted,
    &BucketRegionMismatch,
    &OptInRegion,
];

const ID: FieldId = FieldId::Region;

declare_rule! {
    pub(crate) struct RegionInvalid {
        code: "REGION001",
        name: "region-invalid",
        severity: Error,
        summary: "The region is not an AWS region code",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for RegionInvalid {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let meta = Self::META;
        let Some(value) = conn.value(ID) else {
            return Ok(vec![
                meta.pass(ID.key(), format!("not set: {DEFAULT_REGION} is used")),
            ]);
        };
        let at = conn.site(ID);
        if let Some(region) = regions::find(value) {
            return Ok(vec![
                meta.pass(ID.key(), format!("{} is {}", region.code, region.name))
                    .at_site(at),
            ]);
        }
        let check = meta
            .fail(
                ID.key(),
                format!("{} `{value}` is not a region code", named(conn, ID)),
            )
            .at_site(at);
        match regions::suggest(value) {
            Some(region) => {
                // Case and availability-zone suffixes are unambiguous; a spelling guess is not.
                let certain = value.to_ascii_lowercase().starts_with(region.code);
                let applicability = if certain {
                    Applicability::Safe
                } else {
                    Applicability::Unsafe
                };
                Ok(vec![
                    Check {
                        message: format!(
                            "{}; did you mean {} ({})?",
                            check.message, region.code, region.name
                        ),
                        ..check
                    }
                    .with_fix(Fix::field(conn, ID, region.code, applicability)),
                ])
            }
            None => Ok(vec![check.with_fix(Fix::field(
                conn,
                ID,
                "<region code, e.g. us-east-1>",
                Applicability::DisplayOnly,
            ))]),
        }
    }
}

declare_rule! {
    pub(crate) struct RegionDefaulted {
        code: "REGION002",
        name: "region-defaulted",
        severity: Info,
        summary: "The region is unset and us-east-1 is assumed",
        fixes: [Safe, Unsafe],
    }
}

/// What the tool does without a region, where that is not Omni's default.
fn unset_region(form: crate::connection::Form) -> &'static str {
    use crate::connection::Form;
    match form {
        Form::Jdbc3 | Form::Jdbc4 | Form::SqlAlchemy | Form::Grafana => {
            " by the doctor (the driver takes the AWS SDK's default region: AWS_REGION or the profile's)"
        }
        Form::Jdbc2 | Form::OdbcIni | Form::OdbcReg => " by the doctor (the driver requires it)",
        // dbt-athena's `region_name` and Metabase's `region` are required settings.
        Form::Dbt | Form::Metabase => " by the doctor (the tool requires it)",
        Form::Toml | Form::Json | Form::Labels | Form::AwsConfig => "",
    }
}

impl Rule for RegionDefaulted {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        match conn.value(ID) {
            Some(value) => Ok(vec![
                Self::META
                    .pass(ID.key(), format!("the region is set ({value})"))
                    .at(conn.location(ID)),
            ]),
            // Live, the results bucket's region says whether the default is wrong.
            None if live_region(facts).is_some_and(|r| r != DEFAULT_REGION) => {
                let r = live_region(facts).unwrap_or_default();
                Ok(vec![
                    Self::META
                        .fail(
                            ID.key(),
                            format!(
                                "{} is not set, so {DEFAULT_REGION} is assumed, but the results bucket is in {r}",
                                named(conn, ID)
                            ),
                        )
                        .severity(crate::engine::Severity::Warning)
                        .with_fix(Fix::field(conn, ID, r, Applicability::Safe)),
                ])
            }
            // Offline (or when the bucket is where the default says), information only.
            None => Ok(vec![Self::META.fail(
                ID.key(),
                format!(
                    "{} is not set, so {DEFAULT_REGION} is assumed{}; set it to the region of the Athena \
                     workgroup and results bucket",
                    named(conn, ID),
                    unset_region(conn.form)
                ),
            )
            .with_fix(Fix::field(conn, ID, DEFAULT_REGION, Applicability::Unsafe))]),
        }
    }
}

/// The results bucket's region, when live inspection found it.
fn live_region(facts: &Facts) -> Option<String> {
    let crate::facts::Observed::Known(live) = &facts.live else {
        return None;
    };
    let bucket = facts.connection.output_location()?.location?.bucket;
    match &live.buckets.get(&bucket)?.region {
        crate::facts::Observed::Known(r) => Some(r.clone()),
        _ => None,
    }
}

declare_rule! {
    pub(crate) struct BucketRegionMismatch {
        code: "REGION003",
        name: "bucket-region-mismatch",
        severity: Error,
        summary: "The results bucket is in another region than the connection (live)",
        fixes: [Unsafe, DisplayOnly],
    }
}

/// The name of the results bucket a fix creates in `region` for `old` (in
/// `old_region`): the old name with its region suffix replaced, else `-REGION`
/// appended, cut to S3's 63 characters. Derived from the customer's own bucket,
/// it reads as that bucket's regional twin, keeps their naming (and whatever
/// lifecycle or tagging conventions go by name), and needs no account ID (an
/// access key's may be unknown). Athena's console name
/// (`aws-athena-query-results-ACCOUNT-REGION`) is not used: the console creates
/// it for console users, so it may exist already, holding their results. `None`
/// when no valid name comes out (a legacy name S3 no longer accepts).
pub(crate) fn regional_bucket(old: &str, old_region: &str, region: &str) -> Option<String> {
    let stem = old.strip_suffix(&format!("-{old_region}")).unwrap_or(old);
    // A legacy us-east-1 name may hold capitals or underscores; new buckets may not.
    let mut clean = String::new();
    for c in stem.chars().map(|c| c.to_ascii_lowercase()) {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if !(c == '.' && clean.ends_with('.')) {
            clean.push(c);
        }
    }
    let suffix = format!("-{region}");
    let mut stem: String = clean.chars().take(63usize.saturating_sub(suffix.len())).collect();
    while stem.ends_with(['-', '.']) {
        stem.pop();
    }
    let name = format!("{stem}{suffix}");
    crate::aws::s3::bucket_name_problem(&name)
        .is_none()
        .then_some(name)
}

impl Rule for BucketRegionMismatch {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (bucket, found) = super::inspected_results_bucket(facts)?;
        let conn = &facts.connection;
        let region = conn.region();
        let r = match found.region.require(&bucket)? {
            r if r == region => {
                return Ok(vec![meta.pass(
                    &bucket,
                    format!("the results bucket is in {r}, the connection's region"),
                )]);
            }
            r => r,
        };
        let check = meta
            .fail(
                &bucket,
                format!(
                    "the results bucket {bucket} is in {r}, the connection in {region}: \"The S3 location \
                     provided to save your query results is invalid … same region\""
                ),
            )
            .at(conn
                .location(FieldId::S3OutputBucket)
                .or(conn.location(FieldId::Region)));
        // The alternative, and what it costs: everything else is per region too.
        let alternative = format!(
            "The alternative, region = \"{r}\", moves the whole connection to {r}: the workgroup, the data \
             catalog and its Glue databases are per region, so it would query {r}'s (ATHENA002 when the policies \
             grant only {region} ARNs, CATALOG003 when the schemas exist only in {region})"
        );
        let prefix = conn
            .output_location()
            .and_then(|o| o.location)
            .map(|l| l.prefix)
            .unwrap_or_default();
        let Some(new) = regional_bucket(&bucket, r, region) else {
            let mut fix = Fix::field(
                conn,
                FieldId::S3OutputBucket,
                format!("s3://<a results bucket in {region}>/{prefix}"),
                Applicability::DisplayOnly,
            );
            fix.note = Some(format!(
                "create a results bucket in {region} (aws s3api create-bucket), grant it to the principal as \
                 {bucket} is, and point the connection at it. {alternative}"
            ));
            return Ok(vec![check.with_fix(fix)]);
        };
        let location = format!("s3://{new}/{prefix}");
        let mut companions = vec![
            meta.fail(
                &new,
                format!(
                    "the results bucket {new} in {region}, which the fix of REGION003 on {bucket} points the \
                     connection at, is to be created"
                ),
            )
            .severity(Severity::Info)
            .with_fix(Fix::create_bucket(&new, region)),
        ];
        companions.extend(grants(meta, facts, &new, &prefix));
        let mut fix = Fix::field(conn, FieldId::S3OutputBucket, location, Applicability::Unsafe);
        fix.note = Some(format!(
            "a results bucket in the connection's region: {new}, created and granted to the principal by the \
             other REGION003 fixes (on {new}), which run first. {alternative}"
        ));
        let mut checks = vec![check.with_fix(fix)];
        checks.extend(companions);
        Ok(checks)
    }
}

/// What the principal lacks on the new results bucket, each with the statement
/// that grants it (as S3002 judges the results bucket): informational findings
/// whose fixes are part of REGION003's cure (unsafe with it: without the new
/// bucket they grant nothing worth having). None when the policies are unknown:
/// the field fix's note then says to grant it.
fn grants(meta: &'static crate::engine::RuleMeta, facts: &Facts, new: &str, prefix: &str) -> Vec<Check> {
    let Ok(env) = super::access::Env::new(facts) else {
        return Vec::new();
    };
    let mut target = env.target.clone();
    target.results_bucket = Some(new.to_string());
    target.results_prefix = prefix.to_string();
    let env = super::access::Env {
        target,
        contexts: super::access::Contexts::default(),
        ..env
    };
    let (needs, _) = crate::permissions::needs(&env.target);
    needs
        .iter()
        .filter(|n| n.rule == "S3002" && n.bucket.as_deref() == Some(new))
        .flat_map(|n| super::access::check_group(meta, &env, &[n]))
        .filter(|c| c.status == crate::engine::Status::Fail && c.fix.is_some())
        .map(|mut c| {
            c.message = format!("for the new results bucket {new}: {}", c.message);
            c.severity = Severity::Info;
            if let Some(fix) = &mut c.fix
                && fix.applicability == Applicability::Safe
            {
                fix.applicability = Applicability::Unsafe;
            }
            c
        })
        .collect()
}

declare_rule! {
    pub(crate) struct OptInRegion {
        code: "REGION004",
        name: "opt-in-region",
        severity: Warning,
        summary: "The region is an opt-in region, where global-STS (v1) tokens are rejected",
    }
}

impl Rule for OptInRegion {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        let region = conn.region();
        let at = conn.site(ID);
        // Which STS endpoint answered this run (live), when the network was checked.
        let sts = super::live(facts)
            .ok()
            .and_then(|l| l.network.known().ok())
            .and_then(|n| n.endpoints.iter().find(|e| e.service == "sts"))
            .map(|e| format!("; this run's STS endpoint was {}", e.url))
            .unwrap_or_default();
        if !regions::is_opt_in(region) {
            return Ok(vec![
                meta.pass(ID.key(), format!("{region} is enabled in every account{sts}"))
                    .at_site(at),
            ]);
        }
        Ok(vec![
            meta.fail(
                ID.key(),
                format!(
                    "{region} is an opt-in region: it must be enabled in the account, and session tokens from \
                     the global STS endpoint (sts.amazonaws.com, version 1 tokens) are rejected there with \
                     InvalidClientTokenId. The BI tool must call the regional endpoint \
                     (sts.{region}.amazonaws.com), or the account must issue version 2 tokens \
                     (aws iam set-security-token-service-preferences --global-endpoint-token-version v2Token){sts}"
                ),
            )
            .at_site(at),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::facts::Observed;
    use crate::fix::Edit;
    use crate::policy::{Policy, PolicyKind};

    #[test]
    fn the_new_bucket_is_named_after_the_old() {
        let named = |old: &str| regional_bucket(old, "eu-west-1", "us-east-1");
        assert_eq!(named("acme-results").as_deref(), Some("acme-results-us-east-1"));
        assert_eq!(
            named("acme-results-eu-west-1").as_deref(),
            Some("acme-results-us-east-1")
        );
        assert_eq!(
            named("Legacy_Results").as_deref(),
            Some("legacy-results-us-east-1")
        );
        // Cut to 63 characters, never ending the stem on a separator.
        let long = format!("{}-xyz", "a".repeat(52));
        let name = named(&long).unwrap();
        assert!(name.len() <= 63, "{name}");
        assert_eq!(name, format!("{}-us-east-1", "a".repeat(52)));
        assert_eq!(crate::aws::s3::bucket_name_problem(&name), None);
    }

    /// Results bucket `results` in eu-west-1, the connection in us-east-1, the role
    /// granted only that bucket: the field fix points at a new bucket in us-east-1,
    /// companions create it and grant it; applied together (the policy fixes merged
    /// into the role's document), REGION003 and S3002 pass.
    #[test]
    fn the_cure_is_a_bucket_in_the_connections_region() {
        let mut facts = crate::rules::unread::healthy();
        let grants = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Athena", "Effect": "Allow", "Action": ["athena:*", "glue:*", "kms:Decrypt"], "Resource": "*"},
            {"Sid": "Bucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation",
             "s3:ListBucketMultipartUploads"], "Resource": ["arn:aws:s3:::results", "arn:aws:s3:::lake"]},
            {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
             "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
             "Resource": ["arn:aws:s3:::results/omni/*", "arn:aws:s3:::lake/*"]}]}"#;
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), grants, PolicyKind::Identity).unwrap(),
        ]);
        let Observed::Known(live) = &mut facts.live else {
            panic!("healthy facts are live")
        };
        let results = live.buckets.get_mut("results").unwrap();
        results.region = Observed::Known("eu-west-1".into());
        let checks = BucketRegionMismatch.check(&facts).unwrap();
        let failing: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
        let main = failing.iter().find(|c| c.subject == "results").unwrap();
        assert_eq!(main.severity, crate::engine::Severity::Error);
        let fix = main.fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fix.title(), "s3_output_bucket = \"s3://results-us-east-1/omni/\"");
        let note = fix.note.as_deref().unwrap();
        assert!(
            note.contains("region = \"eu-west-1\"")
                && note.contains("ATHENA002")
                && note.contains("CATALOG003"),
            "{note}"
        );
        let create = failing.iter().find(|c| c.subject == "results-us-east-1").unwrap();
        assert_eq!(
            create.fix.as_ref().unwrap().command().as_deref(),
            Some("aws s3api create-bucket --bucket results-us-east-1 --region us-east-1")
        );
        // The grants, merged into the role's document as --write-fixes merges them.
        let mut changes = Vec::new();
        let mut base = None;
        for c in &failing {
            if let Some(Fix {
                edit:
                    Edit::Policy {
                        changes: more,
                        base: b,
                        ..
                    },
                applicability,
                ..
            }) = &c.fix
            {
                assert_eq!(*applicability, Applicability::Unsafe);
                assert_eq!(c.severity, crate::engine::Severity::Info);
                changes.extend(more.clone());
                base = Some(b.clone());
            }
        }
        let document = crate::fix::policy::changed(&base.expect("a grant fix"), &changes);
        assert!(
            document
                .to_string()
                .contains("arn:aws:s3:::results-us-east-1/omni/*")
        );
        // Everything applied: the document, the new bucket, the output location.
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), &document.to_string(), PolicyKind::Identity).unwrap(),
        ]);
        let Observed::Known(live) = &mut facts.live else {
            panic!()
        };
        let mut created = live.buckets["results"].clone();
        created.region = Observed::Known("us-east-1".into());
        live.buckets.insert("results-us-east-1".into(), created);
        facts.connection.s3_output_bucket = Some(crate::connection::Field {
            raw: "s3://results-us-east-1/omni/".into(),
            location: None,
        });
        let after: Vec<Check> = BucketRegionMismatch
            .check(&facts)
            .unwrap()
            .into_iter()
            .chain(
                super::super::s3::RULES
                    .iter()
                    .flat_map(|r| r.check(&facts).unwrap_or_default()),
            )
            .collect();
        let still: Vec<&Check> = after.iter().filter(|c| c.status == Status::Fail).collect();
        assert!(still.is_empty(), "{still:#?}");
    }
}
