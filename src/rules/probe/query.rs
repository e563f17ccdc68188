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

#[cfg(test)]
mod tests {
    use super::super::tests::{ALL_S3_READ, facts, one, probes};
    use super::*;
    use crate::engine::Status;
    use crate::facts::{Failure, FailureKind, Observed, ProbeFacts, QueryProbe};
    use crate::messages;

    #[test]
    fn a_failed_query_carries_the_fix_of_the_rule_that_explains_it() {
        let failed = ProbeFacts {
            query: Observed::Known(QueryProbe {
                query_id: "q-1".into(),
                state: "FAILED".into(),
                reason: Some(
                    "Access denied when writing output to url: s3://acme-athena-results/omni/q-1.csv".into(),
                ),
                output_location: None,
            }),
            ..probes()
        };
        let check = one(&QueryProbeFailed, &facts(None, ALL_S3_READ, failed));
        assert_eq!(check.status, Status::Fail);
        assert!(check.message.contains("S3002"), "{}", check.message);
        let fix = check.fix.expect("S3002's fix");
        assert!(
            fix.payload().to_string().contains("s3:PutObject"),
            "{}",
            fix.payload()
        );
    }

    /// A server error on StartQueryExecution says nothing about the connection:
    /// PROBE004 skips naming it; a refusal from Athena is a finding.
    #[test]
    fn a_server_error_on_the_query_is_not_a_finding() {
        let query = |kind: FailureKind, code: &str, message: &str| ProbeFacts {
            query: Observed::Failed(Failure {
                kind,
                action: "athena:StartQueryExecution".into(),
                code: code.into(),
                message: message.into(),
            }),
            ..probes()
        };
        let server = one(
            &QueryProbeFailed,
            &facts(
                None,
                ALL_S3_READ,
                query(
                    FailureKind::ServerError,
                    "",
                    "HTTP 500 with no AWS error code or message",
                ),
            ),
        );
        assert_eq!(server.status, Status::Skip, "{server:#?}");
        assert!(
            server.message.contains("failed on AWS's side"),
            "{}",
            server.message
        );
        let refused = one(
            &QueryProbeFailed,
            &facts(
                None,
                ALL_S3_READ,
                query(
                    FailureKind::Other,
                    "InvalidRequestException",
                    "No output location provided.",
                ),
            ),
        );
        assert_eq!(refused.status, Status::Fail, "{refused:#?}");
    }

    #[test]
    fn every_listed_athena_failure_is_classified() {
        let cases = [
            (
                "Unable to verify/create output bucket acme-athena-results",
                "S3001",
            ),
            (
                "Access denied when writing output to url: s3://acme-athena-results/q/1.csv . Please ensure you are \
                 allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you \
                 are allowed to access your KMS key",
                "S3002",
            ),
            (
                "The S3 location provided to save your query results is invalid. Please check your S3 location is \
                 correct and is in the same region and try again. If you continue to see the issue, contact \
                 customer support for further assistance.",
                "REGION003",
            ),
            (
                "No output location provided. An output location is required either through the Workgroup result \
                 configuration setting or as an API input.",
                "ATHENA005",
            ),
            ("WorkGroup analytics is disabled.", "ATHENA003"),
            ("WorkGroup analytcs is not found.", "ATHENA003"),
            (
                "Insufficient permissions to execute the query. Insufficient Lake Formation permission(s) on sales",
                "ATHENA006",
            ),
            (
                "CATALOG_NOT_FOUND: line 1:22: Catalog 'AwsDataCatalog2' does not exist",
                "CATALOG002",
            ),
            (
                "SYNTAX_ERROR: line 1:8: Catalog mycatalogname does not exist",
                "CATALOG002",
            ),
            (
                "SCHEMA_NOT_FOUND: line 1:15: Schema 'slaes' does not exist",
                "CATALOG003",
            ),
            (
                "Error opening Hive split s3://acme-data/x.parquet: The ciphertext refers to a customer master key \
                 that does not exist, does not exist in this region, or you are not allowed to access.",
                "S3005",
            ),
            (
                "Permission denied on S3 path: s3://acme-data/sales/part-0.parquet",
                "S3003",
            ),
        ];
        for (reason, rule) in cases {
            let (_, rules) = causes_among(reason, QueryProbeFailed::META.explained_by)
                .unwrap_or_else(|| panic!("not classified: {reason}"));
            assert!(
                rules.iter().any(|r| r.code == rule),
                "{reason} → {rules:?}, expected {rule}",
            );
        }
        let (syntax, rules) = causes_among(
            "line 1:8: mismatched input 'SELEC'",
            QueryProbeFailed::META.explained_by,
        )
        .expect("a query error is recognised as one");
        assert_eq!(syntax.kind, messages::Kind::Query);
        assert!(rules.is_empty());
    }
}
