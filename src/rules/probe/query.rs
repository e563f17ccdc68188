//! PROBE004: the opt-in `SELECT 1` through Athena, its failure classified and
//! explained by the static rules `rules/errors.toml` names for its message.

use super::{causes_among, denial_check, probes};
use crate::aws::denial::Denial;
use crate::engine::{Check, Outcome, Rule, declare_rule};
use crate::facts::{Facts, FailureKind, Observed, QueryProbe};
use crate::messages;
use crate::rules::athena::{
    LakeFormationAccess, LakeFormationFiltered, LambdaCatalogInvoke, NoOutputLocation,
    WorkgroupOverridesOutput, WorkgroupUnusable,
};
use crate::rules::catalog::{CatalogNotFound, CatalogNotLowercase, CrossAccountCatalog, SchemaNotFound};
use crate::rules::conn::OutputLocationMalformed;
use crate::rules::net::{EndpointUnreachable, StreamingPortBlocked, TlsUntrusted};
use crate::rules::region::{BucketRegionMismatch, RegionDefaulted};
use crate::rules::s3::{
    BucketLocationConditioned, BucketPolicyDenies, DataBucketAccess, KmsAccessMissing, OutputBucketAccess,
    OutputBucketNotFound,
};

declare_rule! {
    pub(crate) struct QueryProbeFailed {
        code: "PROBE004",
        name: "query-probe-failed",
        severity: Error,
        summary: "The opt-in SELECT 1 failed",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            OutputBucketNotFound,
            OutputBucketAccess,
            DataBucketAccess,
            BucketPolicyDenies,
            KmsAccessMissing,
            BucketLocationConditioned,
            WorkgroupUnusable,
            WorkgroupOverridesOutput,
            NoOutputLocation,
            LakeFormationAccess,
            RegionDefaulted,
            BucketRegionMismatch,
            OutputLocationMalformed,
            CatalogNotLowercase,
            CatalogNotFound,
            SchemaNotFound,
            LakeFormationFiltered,
            LambdaCatalogInvoke,
            CrossAccountCatalog,
            EndpointUnreachable,
            TlsUntrusted,
            StreamingPortBlocked,
        ],
    }
}

impl QueryProbeFailed {
    fn explain(&self, facts: &Facts, subject: &str, lead: String, reason: &str) -> Check {
        let meta = Self::META;
        if let Some(denial) = Denial::parse(reason) {
            return denial_check(meta, facts, subject, &format!("{lead}: "), &denial);
        }
        let Some((pattern, by)) = causes_among(reason, Self::META.explained_by) else {
            return meta.fail(
                subject,
                format!("{lead}: {reason} — not a cause the doctor knows; the message is Athena's own"),
            );
        };
        if pattern.kind == messages::Kind::Query {
            return meta.fail(subject, format!("{lead}: {reason} — {}", pattern.meaning));
        }
        let explained = format!("{lead}: {reason} — {}", pattern.meaning);
        let codes: Vec<&str> = by.iter().map(|r| r.code).collect();
        meta.fail(
            subject,
            format!(
                "{explained}; the static checks ({}) found nothing, so look at what they could not see (their \
                 skips, with -v)",
                codes.join(", ")
            ),
        )
        .explainable(&by, explained)
    }
}

impl Rule for QueryProbeFailed {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let p = probes(facts)?;
        let subject = "SELECT 1";
        match &p.query {
            Observed::Known(QueryProbe {
                state,
                reason,
                output_location,
                query_id,
            }) => match state.as_str() {
                "SUCCEEDED" => Ok(vec![meta.pass(
                    subject,
                    format!(
                        "SELECT 1 succeeded (query {query_id}); its result is in {}",
                        output_location.as_deref().unwrap_or("the workgroup's location")
                    ),
                )]),
                "FAILED" | "CANCELLED" => {
                    let reason = reason.as_deref().unwrap_or("Athena gave no reason");
                    Ok(vec![self.explain(
                        facts,
                        subject,
                        format!("SELECT 1 {}", state.to_lowercase()),
                        reason,
                    )])
                }
                other => Ok(vec![meta.skip(
                    subject,
                    format!("SELECT 1 (query {query_id}) was still {other} when the deadline came"),
                )]),
            },
            Observed::Failed(f)
                if matches!(
                    f.kind,
                    FailureKind::Denied | FailureKind::Other | FailureKind::NotFound
                ) =>
            {
                Ok(vec![self.explain(
                    facts,
                    subject,
                    format!("{} refused SELECT 1", f.action),
                    &f.message,
                )])
            }
            other => Ok(vec![meta.skip(subject, other.known().err().unwrap_or_default())]),
        }
    }
}
