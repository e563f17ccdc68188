//! REGION rules that need no AWS call: the region field itself.

use super::catalogue as c;
use super::named;
use crate::aws::regions::{self, DEFAULT_REGION};
use crate::connection::FieldId;
use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};

const ID: FieldId = FieldId::Region;

pub(crate) struct RegionInvalid;

impl Rule for RegionInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &c::REGION001
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let conn = &facts.connection;
        let meta = self.meta();
        let Some(value) = conn.value(ID) else {
            return vec![meta.pass(ID.key(), format!("not set: {DEFAULT_REGION} is used"))];
        };
        let at = conn.location(ID);
        if let Some(region) = regions::find(value) {
            return vec![
                meta.pass(ID.key(), format!("{} is {}", region.code, region.name))
                    .at(at),
            ];
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
                vec![
                    Check {
                        message: format!(
                            "{}; did you mean {} ({})?",
                            check.message, region.code, region.name
                        ),
                        ..check
                    }
                    .with_fix(Fix::field(conn, ID, region.code, applicability)),
                ]
            }
            None => vec![check.with_fix(Fix::field(
                conn,
                ID,
                "<region code, e.g. us-east-1>",
                Applicability::DisplayOnly,
            ))],
        }
    }
}

pub(crate) struct RegionDefaulted;

impl Rule for RegionDefaulted {
    fn meta(&self) -> &'static RuleMeta {
        &c::REGION002
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let conn = &facts.connection;
        match conn.value(ID) {
            Some(value) => vec![
                self.meta()
                    .pass(ID.key(), format!("the region is set ({value})"))
                    .at(conn.location(ID)),
            ],
            // Live, the results bucket's region says whether the default is wrong.
            None if live_region(facts).is_some_and(|r| r != DEFAULT_REGION) => {
                let r = live_region(facts).unwrap_or_default();
                vec![
                    self.meta()
                        .fail(
                            ID.key(),
                            format!(
                                "{} is not set, so {DEFAULT_REGION} is assumed, but the results bucket is in {r}",
                                named(conn, ID)
                            ),
                        )
                        .severity(crate::engine::Severity::Warning)
                        .with_fix(Fix::field(conn, ID, r, Applicability::Safe)),
                ]
            }
            // Offline (or when the bucket is where the default says), information only.
            None => vec![self.meta().fail(
                ID.key(),
                format!(
                    "{} is not set, so {DEFAULT_REGION} is assumed; set it to the region of the Athena \
                     workgroup and results bucket",
                    named(conn, ID)
                ),
            )
            .with_fix(Fix::field(conn, ID, DEFAULT_REGION, Applicability::Unsafe))],
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
