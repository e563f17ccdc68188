//! REGION rules that need no AWS call: the region field itself.

use super::named;
use crate::aws::regions::{self, DEFAULT_REGION};
use crate::connection::FieldId;
use crate::engine::{Check, Outcome, Rule, declare_rule};
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
        let at = conn.location(ID);
        if let Some(region) = regions::find(value) {
            return Ok(vec![
                meta.pass(ID.key(), format!("{} is {}", region.code, region.name))
                    .at(at),
            ]);
        }
        let check = meta
            .fail(
                ID.key(),
                format!("{} `{value}` is not a region code", named(conn, ID)),
            )
            .at(at);
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
                    "{} is not set, so {DEFAULT_REGION} is assumed; set it to the region of the Athena \
                     workgroup and results bucket",
                    named(conn, ID)
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
        fixes: [Unsafe],
    }
}

impl Rule for BucketRegionMismatch {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let (bucket, found) = super::inspected_results_bucket(facts)?;
        let conn = &facts.connection;
        let region = conn.region();
        match found.region.require(&bucket)? {
            r if r == region => {
                Ok(vec![meta.pass(&bucket, format!("the results bucket is in {r}, the connection's region"))])
            }
            r => Ok(vec![
                meta.fail(
                    &bucket,
                    format!(
                        "the results bucket {bucket} is in {r}, the connection in {region}: \"The S3 location \
                         provided to save your query results is invalid … same region\""
                    ),
                )
                .at(conn.location(FieldId::Region).or(conn.location(FieldId::S3OutputBucket)))
                .with_fix(Fix::field(conn, FieldId::Region, r.clone(), Applicability::Unsafe)),
            ]),
        }
    }
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
        let at = conn.location(ID);
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
                    .at(at),
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
            .at(at),
        ])
    }
}
