//! What error messages mean: the patterns of `rules/errors.toml` (the one table
//! `triage`, PROBE004 and PROBE005 read), the fields a message carries whatever
//! wrapper it came in, and a pasted log cut into the errors it holds.
//!
//! Causes are rule codes here, not rules: this layer sits below the rules, which
//! look their own explaining rules up by code.

mod extract;
mod scan;

pub(crate) use extract::Fields;
pub(crate) use scan::{Errors, Found};

use crate::policy::wildcard;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The table's text, compiled in: the binary needs no file beside it.
const TEXT: &str = include_str!("../../rules/errors.toml");

/// Whether an error is the connection's problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// A broken connection: the causes are rules.
    Connection,
    /// The SQL or the data: no rule explains it, and none is forced onto it.
    Query,
}

/// One recognised message.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub id: String,
    /// The service the message comes from, when its words say so.
    pub service: Option<String>,
    regex: Regex,
    /// Field → IAM wildcards, one of which the field's value must match.
    when: Vec<(String, Vec<String>)>,
    pub kind: Kind,
    pub meaning: String,
    pub causes: Vec<Cause>,
    /// Recognised by what the message names (its service, code, status, the
    /// field a validation error names) rather than by what it says: the causes
    /// are a lower-confidence match. These entries come last in the table.
    pub evidence: bool,
    /// The message says that something failed, not why: its causes count only
    /// when nothing else in the same text states a reason.
    pub unstated: bool,
}

/// A rule that explains a message, and why it fits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cause {
    pub code: String,
    pub why: String,
    /// Commands instead of the rule's own (`[rule.CODE] ask`).
    pub ask: Option<Vec<String>>,
}

/// What to check for a rule, and what to ask the customer for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Advice {
    pub check: String,
    pub ask: Vec<String>,
}

/// The whole table.
#[derive(Debug)]
pub(crate) struct Table {
    pub rules: BTreeMap<String, Advice>,
    pub errors: Vec<Pattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    version: u32,
    rule: BTreeMap<String, Advice>,
    error: Vec<RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    id: String,
    service: Option<String>,
    #[serde(rename = "match")]
    matches: String,
    #[serde(default)]
    when: BTreeMap<String, OneOrMany>,
    kind: Kind,
    meaning: String,
    causes: Vec<Cause>,
    #[serde(default)]
    evidence: bool,
    #[serde(default)]
    unstated: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The table, read once. Its text is part of the program, so a table that does
/// not read is a bug its tests catch (`the_table_reads`), not bad input.
pub(crate) static TABLE: LazyLock<Table> =
    LazyLock::new(|| read(TEXT).unwrap_or_else(|e| panic!("rules/errors.toml: {e}")));

/// Read and check a table: its version, its regular expressions, and that its
/// fields and causes are ones the doctor knows.
fn read(text: &str) -> Result<Table, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
    if raw.version != 1 {
        return Err(format!("version {} (this doctor reads 1)", raw.version));
    }
    let mut errors = Vec::new();
    for p in raw.error {
        let regex = Regex::new(&format!("(?i){}", p.matches)).map_err(|e| format!("error {}: {e}", p.id))?;
        for name in regex.capture_names().flatten() {
            if !extract::FIELDS.contains(&extract::base_name(name)) {
                return Err(format!("error {}: no field `{name}`", p.id));
            }
        }
        let mut when = Vec::new();
        for (field, values) in p.when {
            if !extract::FIELDS.contains(&field.as_str()) {
                return Err(format!("error {}: `when` names no field `{field}`", p.id));
            }
            let values = match values {
                OneOrMany::One(v) => vec![v],
                OneOrMany::Many(v) => v,
            };
            when.push((field, values));
        }
        if p.kind == Kind::Query && !p.causes.is_empty() {
            return Err(format!("error {}: a query error lists no cause", p.id));
        }
        // A match on evidence must not shadow a message the table knows.
        if !p.evidence && errors.last().is_some_and(|e: &Pattern| e.evidence) {
            return Err(format!(
                "error {}: comes after an evidence entry (they go last)",
                p.id
            ));
        }
        errors.push(Pattern {
            id: p.id,
            service: p.service,
            regex,
            when,
            kind: p.kind,
            meaning: p.meaning,
            causes: p.causes,
            evidence: p.evidence,
            unstated: p.unstated,
        });
    }
    Ok(Table {
        rules: raw.rule,
        errors,
    })
}

impl Pattern {
    /// The fields this pattern's named groups capture in `line`, if it matches
    /// there (every match of the line counts: `SCHEMA_NOT_FOUND: … Schema 'x' …`
    /// matches twice, and only the second names the schema).
    fn captures(&self, line: &str) -> Option<Vec<(&'static str, String)>> {
        let mut found = None;
        for caps in self.regex.captures_iter(line) {
            let got: &mut Vec<_> = found.get_or_insert_with(Vec::new);
            for name in self.regex.capture_names().flatten() {
                let field = extract::FIELDS.iter().find(|f| **f == extract::base_name(name));
                if let (Some(m), Some(field)) = (caps.name(name), field) {
                    got.push((*field, m.as_str().to_string()));
                }
            }
        }
        found
    }

    /// Does `when` hold of these fields? A field the message lacks reads as "".
    fn holds(&self, fields: &Fields) -> bool {
        self.when.iter().all(|(field, values)| {
            let value = fields.get(field).unwrap_or_default();
            values.iter().any(|v| wildcard::matches(v, value, true))
        })
    }
}

/// The first pattern that recognises one message, with the fields it carries.
pub(crate) fn recognise(message: &str) -> (Option<&'static Pattern>, Fields) {
    let mut fields = extract::fields(message);
    for pattern in &TABLE.errors {
        let Some(captured) = pattern.captures(message) else {
            continue;
        };
        let mut with = fields.clone();
        for (name, value) in captured {
            with.set(name, value);
        }
        with.derive();
        // `when` asks what the message says, so it is held against the message's
        // own fields: the service a pattern assumes would otherwise satisfy a
        // `when = { service = … }` by itself (a bare "Access Denied" read as STS).
        if !pattern.holds(&with) {
            continue;
        }
        if let Some(service) = &pattern.service {
            with.set("service", service.clone());
        }
        return (Some(pattern), with);
    }
    fields.derive();
    (None, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads() {
        assert!(!TABLE.errors.is_empty());
        let mut ids: Vec<&str> = TABLE.errors.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TABLE.errors.len(), "error ids are unique");
    }

    #[test]
    fn a_when_is_held_against_what_the_message_says() {
        // The STS refusal wrapped by a query engine names STS itself.
        let (sts, _) = recognise(
            "Query 20190513_144659_00011_ynxxi failed: Access denied (Service: AWSSecurityTokenService; \
             Status Code: 403; Error Code: AccessDenied; Request ID: f653db4d-758d-11e9-9937-f98637d21cb3)",
        );
        assert_eq!(sts.map(|p| p.id.as_str()), Some("sts-denied-wrapped"));
        // A bare refusal names no service: STS's entry must not claim it.
        let (bare, fields) = recognise("Error running query: Access Denied");
        assert_eq!(bare.map(|p| p.id.as_str()), Some("access-denied-unstated"));
        assert_eq!(fields.get("service"), None);
    }

    /// Each text is recognised by the entry named beside it.
    fn recognised_as(cases: &[(&str, &str)]) {
        for &(text, id) in cases {
            assert_eq!(recognise(text).0.map(|p| p.id.as_str()), Some(id), "{text}");
        }
    }

    #[test]
    fn shapes_of_the_sixth_collection_are_recognised() {
        // Quoted from tests/triage/wild/r6.tuning.toml (each cites its page).
        recognised_as(&[
            (
                "AccessDenied: Not authorized to perform sts:AssumeRole",
                "assume-role-denied",
            ),
            (
                "aws-vault: error: Failed to get credentials for read-only (source profile for admin): \
                 AccessDenied: Access denied",
                "profile-chain-refused",
            ),
            (
                "{\"Error\":{\"Code\":\"AccessDenied\",\"Message\":\"Roles may not be assumed by root accounts.\"",
                "assume-role-root",
            ),
            (
                "service error: InvalidIdentityTokenException: Couldn't retrieve verification key from your \
                 identity provider",
                "web-identity-refused",
            ),
            (
                "caused by: Post https://sts.amazonaws.com/: x509: certificate signed by unknown authority",
                "tls-untrusted",
            ),
            (
                "DispatchFailure(DispatchFailure { source: ConnectorError { kind: Other(None), source: \
                 TimedOutError(5s), connection: Unknown } })",
                "endpoint-unreachable",
            ),
            (
                "Amazon.Runtime.AmazonClientException: 'No RegionEndpoint or ServiceURL configured'",
                "region-missing",
            ),
            (
                "Aws::Errors::MissingCredentialsError: unable to sign request without credentials set",
                "no-credentials",
            ),
            (
                "com.amazonaws.SdkClientException: Unable to execute HTTP request: Timeout waiting for \
                 connection from pool",
                "client-pool-exhausted",
            ),
            (
                "GENERIC_USER_ERROR: Encountered an exception[java.lang.NumberFormatException] from your \
                 LambdaFunction",
                "lambda-connector-bug",
            ),
        ]);
    }

    #[test]
    fn a_connection_that_failed_without_a_reason_is_read_as_evidence() {
        // The examples of a BI tool's own words (issue 32).
        recognised_as(&[
            ("Failed to connect to Database", "evidence-connect-failed"),
            ("Error: Test connection failed", "evidence-connect-failed"),
            ("Authentication failed", "bi-credentials-refused"),
        ]);
        let (p, _) = recognise("Failed to connect to Database");
        assert!(p.is_some_and(|p| p.evidence && p.unstated));
        // A reason in the same words is read first.
        recognised_as(&[("Failed to connect to Athena: Invalid endpoint", "region-missing")]);
        // What else a tool's own words name, when they say no more.
        recognised_as(&[
            (
                "Status: 500. Message: error executing query: operation error Athena: StartQueryExecution, \
                 https response error StatusCode: 400, RequestID: 1",
                "evidence-athena-request",
            ),
            (
                "Could not read s3://acme-results/query-results/",
                "evidence-s3-unreadable",
            ),
            (
                "Error: could not list tables in database sales",
                "evidence-catalog-unreadable",
            ),
            (
                "unable to verify output bucket acme-results",
                "output-bucket-unverifiable",
            ),
        ]);
        // Creating a workgroup is not a call a connection makes.
        assert!(
            recognise(
                "Error: creating Athena WorkGroup (primary): operation error Athena: CreateWorkGroup, https \
                 response error StatusCode: 400, RequestID: 2, InvalidRequestException: exists"
            )
            .0
            .is_none_or(|p| p.id != "evidence-athena-request")
        );
        // A query that failed is not a connection that failed.
        assert!(
            recognise("SYNTAX_ERROR: line 1:8: Column 'connection' cannot be resolved")
                .0
                .is_none_or(|p| p.id != "evidence-connect-failed")
        );
    }

    #[test]
    fn shapes_of_the_fifth_collection_are_recognised() {
        // Quoted from tests/triage/wild/r5.tuning.toml (each cites its page).
        let cases = [
            (
                "Aws::Athena::Errors::IncompleteSignatureException: '\"rH------------------------D1\"' not a valid \
                 key=value pair (missing equal-sign) in Authorization header",
                "signature-incomplete",
            ),
            (
                "failed to get database on copy from 'amit_glue_hive_demo': InvalidParameter: 1 validation error(s) \
                 found. - minimum field size of 1, GetDatabaseInput.CatalogId.",
                "parameter-empty",
            ),
            (
                "Both queryExecutionContext.catalog and queryExecutionContext.database are null or empty \
                 (Service: AmazonAthena; Status Code: 400; Error Code: InvalidRequestException)",
                "parameter-empty",
            ),
            (
                "The Create Table As Select query failed because it was submitted with an 'external_location' \
                 property to an Athena Workgroup that enforces a centralized output location for all queries.",
                "workgroup-enforces-location",
            ),
            (
                "** (RuntimeError) athena not supported in region us-west-1 for partition aws",
                "region-unsupported",
            ),
            (
                "at internalConnectMultiple (node:net:1114:18)",
                "endpoint-unreachable",
            ),
        ];
        recognised_as(&cases);
        // Not a region problem: a placeholder region keeps its own reading.
        assert_eq!(
            recognise(
                "This service may not be available in the '<AWS REGION STRING, e.g. us-east-1>' region"
            )
            .0
            .map(|p| p.id.as_str()),
            Some("region-missing")
        );
    }

    #[test]
    fn shapes_of_this_round_are_recognised() {
        let cases = [
            (
                "An error occurred (InvalidSignatureException) when calling the StartQueryExecution operation: \
                 The request signature we calculated does not match the signature you provided.",
                "signature-mismatch",
            ),
            (
                "failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata",
                "no-credentials",
            ),
            (
                "Error when retrieving token from sso: Token has expired and refresh failed",
                "token-expired",
            ),
            ("Error: connect ECONNREFUSED 10.0.0.5:443", "endpoint-unreachable"),
            (
                "Moved Permanently (Service: Amazon S3; Status Code: 301; Error Code: 301 Moved Permanently)",
                "bucket-wrong-region",
            ),
            (
                "Your query has the following errors:SYNTAX_ERROR: line 4:14: Catalog mycatalogname \
                 (replaced real name for privacy) does not exist",
                "catalog-not-found",
            ),
            (
                "An error occurred (InvalidRequestException) when calling the StartQueryExecution operation: \
                 outputLocation is not a valid S3 path. Provided string",
                "output-location-invalid",
            ),
            (
                "pyathena.error.ProgrammingError: Required argument `s3_staging_dir` or `work_group` not found.",
                "no-output-location",
            ),
            (
                "at com.simba.athena.amazonaws.regions.RegionUtils.getRegion(RegionUtils.java:72)",
                "region-null-pointer",
            ),
        ];
        recognised_as(&cases);
    }

    #[test]
    fn what_a_message_names_decides_when_nothing_else_does() {
        let cases = [
            // A refusal from a named service goes to that service's evidence,
            // not to the guess across all services.
            (
                "software.amazon.awssdk.services.lakeformation.model.AccessDeniedException: Access is not \
                 allowed. (Service: LakeFormation, Status Code: 400, Request ID: x)",
                Some("evidence-lakeformation"),
            ),
            ("S3 error: Access Denied", Some("evidence-s3-denied")),
            // An error code alone, in a client's own class name: what it names.
            (
                "Aws::Athena::Errors::SomeSignatureException: rejected",
                Some("evidence-signature"),
            ),
            ("Error code: BadSessionTokenFault", Some("evidence-token")),
            (
                "Request to 's3tables.us-east-1.amazonaws.com/iceberg/v1/config' returned a non-200 status \
                 code (Forbidden_403), with reason:",
                Some("evidence-s3tables"),
            ),
            (
                "Error running query: Access Denied",
                Some("access-denied-unstated"),
            ),
            // S3's other failures are not a refusal.
            ("S3 error: The specified key does not exist.", None),
            // A connection setting sent empty, but not a tool's empty list.
            (
                "Invalid length for parameter QueryExecutionContext.Database, value: 0, valid min length: 1",
                Some("parameter-empty"),
            ),
            (
                "Invalid length for parameter QueryExecutionIds, value: 0, valid min length: 1",
                None,
            ),
            // A placeholder left where the region goes; a masked value is not one.
            (
                "Could not connect: region_name='<YOUR_REGION>'",
                Some("region-missing"),
            ),
            ("config: region = \"<REDACTED>\"", None),
            // Only S3 sends a host ID: the SDK for Go v1's bare refusal is S3's.
            (
                "AccessDenied: Access Denied status code: 403, request id: ABC, host id: dGhpcyBpcyBhIGhvc3Q=",
                Some("evidence-s3-denied"),
            ),
            (
                "An error occurred (AccessDenied) when calling the GetBucketLocation operation: Access Denied",
                Some("s3-location-denied"),
            ),
            // A named profile the config files lack: no credentials to sign with.
            (
                "botocore.exceptions.ProfileNotFound: The config profile (analytics) could not be found",
                Some("no-credentials"),
            ),
        ];
        for (text, id) in cases {
            assert_eq!(recognise(text).0.map(|p| p.id.as_str()), id, "{text}");
        }
    }

    #[test]
    fn a_broken_table_is_refused_with_its_reason() {
        let head = "version = 1\n[rule.S3001]\ncheck = \"c\"\nask = []\n";
        let bad = [
            ("version = 2\nrule = {}\nerror = []\n", "version 2"),
            (
                "[[error]]\nid = \"x\"\nmatch = \"(\"\nkind = \"connection\"\nmeaning = \"m\"\ncauses = []\n",
                "error x",
            ),
            (
                "[[error]]\nid = \"x\"\nmatch = \"(?P<nope>a)\"\nkind = \"connection\"\nmeaning = \"m\"\ncauses = []\n",
                "no field `nope`",
            ),
            (
                "[[error]]\nid = \"x\"\nmatch = \"a\"\nkind = \"query\"\nmeaning = \"m\"\ncauses = [{code = \"S3001\", why = \"w\"}]\n",
                "lists no cause",
            ),
        ];
        for (text, says) in bad {
            let text = if text.starts_with("version") {
                text.to_string()
            } else {
                format!("{head}{text}")
            };
            let err = read(&text).expect_err(&text);
            assert!(err.contains(says), "{err}");
        }
    }
}
