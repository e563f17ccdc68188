//! The rule catalogue of DESIGN §4: every code, name, family, default severity and
//! one-line summary, with the rule's Markdown document included at compile time.
//! Codes are stable and never reused: tests snapshot this list.

use crate::engine::{Family, RuleMeta, Severity};

/// The doc path is derived from the code and name, so a rule without its document
/// does not compile.
macro_rules! rule {
    ($code:literal, $name:literal, $family:ident, $severity:ident, $summary:literal $(, $tag:literal)*) => {
        RuleMeta {
            code: $code,
            name: $name,
            family: Family::$family,
            severity: Severity::$severity,
            summary: $summary,
            tags: &[$($tag),*],
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, "-", $name, ".md")),
        }
    };
}

pub(crate) static CONN001: RuleMeta = rule!(
    "CONN001",
    "missing-required-field",
    Conn,
    Error,
    "A field required for the chosen authentication type is empty"
);
pub(crate) static CONN002: RuleMeta = rule!(
    "CONN002",
    "access-key-id-malformed",
    Conn,
    Error,
    "The access key ID is not AKIA/ASIA and 16 base32 characters"
);
pub(crate) static CONN003: RuleMeta = rule!(
    "CONN003",
    "temporary-access-key",
    Conn,
    Warning,
    "An ASIA… key is temporary: the connection breaks when it expires"
);
pub(crate) static CONN004: RuleMeta = rule!(
    "CONN004",
    "secret-key-malformed",
    Conn,
    Error,
    "The secret access key is not 40 characters of the base64 alphabet"
);
pub(crate) static CONN005: RuleMeta = rule!(
    "CONN005",
    "output-location-malformed",
    Conn,
    Error,
    "The S3 Output Bucket is not s3://bucket[/prefix/] or a bare bucket"
);
pub(crate) static CONN006: RuleMeta = rule!(
    "CONN006",
    "list-field-malformed",
    Conn,
    Warning,
    "A comma list has empty entries, semicolons, quotes or duplicates"
);
pub(crate) static CONN007: RuleMeta = rule!(
    "CONN007",
    "default-schema-not-included",
    Conn,
    Warning,
    "The default schema is missing from a non-empty Include Schemas"
);
pub(crate) static CONN008: RuleMeta = rule!(
    "CONN008",
    "timezone-invalid",
    Conn,
    Error,
    "A time zone is not an IANA zone name"
);
pub(crate) static CONN009: RuleMeta = rule!(
    "CONN009",
    "auth-fields-conflict",
    Conn,
    Warning,
    "Fields of the other authentication type are set",
    "security"
);
pub(crate) static ROLE001: RuleMeta = rule!(
    "ROLE001",
    "role-arn-malformed",
    Role,
    Error,
    "The role ARN is not arn:PARTITION:iam::ACCOUNT:role/[path/]name"
);
pub(crate) static ROLE002: RuleMeta = rule!(
    "ROLE002",
    "role-arn-wrong-type",
    Role,
    Error,
    "The ARN names a user, policy, instance profile or session, not a role"
);
pub(crate) static ROLE003: RuleMeta = rule!(
    "ROLE003",
    "role-not-found",
    Role,
    Error,
    "The role does not exist (live)"
);
pub(crate) static ROLE004: RuleMeta = rule!(
    "ROLE004",
    "role-partition-mismatch",
    Role,
    Error,
    "The ARN's partition differs from the region's"
);
pub(crate) static TRUST001: RuleMeta = rule!(
    "TRUST001",
    "external-id-missing",
    Trust,
    Error,
    "The statement trusting the vendor has no sts:ExternalId condition",
    "security"
);
pub(crate) static TRUST002: RuleMeta = rule!(
    "TRUST002",
    "external-id-mismatch",
    Trust,
    Error,
    "The sts:ExternalId condition does not hold the vendor-issued ID"
);
pub(crate) static TRUST003: RuleMeta = rule!(
    "TRUST003",
    "vendor-not-trusted",
    Trust,
    Error,
    "No Allow sts:AssumeRole for the vendor's account or principal"
);
pub(crate) static TRUST004: RuleMeta = rule!(
    "TRUST004",
    "trust-too-broad",
    Trust,
    Warning,
    "Any principal, or the external ID made optional: a confused deputy",
    "security"
);
pub(crate) static TRUST005: RuleMeta = rule!(
    "TRUST005",
    "trust-policy-invalid",
    Trust,
    Error,
    "The trust policy does not parse or is not a valid policy"
);
pub(crate) static TRUST006: RuleMeta = rule!(
    "TRUST006",
    "trust-denies-vendor",
    Trust,
    Error,
    "An explicit Deny matches the vendor's AssumeRole"
);
pub(crate) static S3001: RuleMeta = rule!(
    "S3001",
    "output-bucket-not-found",
    S3,
    Error,
    "The results bucket does not exist (live)"
);
pub(crate) static S3002: RuleMeta = rule!(
    "S3002",
    "output-bucket-access-missing",
    S3,
    Error,
    "Required actions on the results bucket or its objects are not allowed"
);
pub(crate) static S3003: RuleMeta = rule!(
    "S3003",
    "data-bucket-access-missing",
    S3,
    Error,
    "Read access to the data buckets is not allowed"
);
pub(crate) static S3004: RuleMeta = rule!(
    "S3004",
    "bucket-policy-denies",
    S3,
    Error,
    "The bucket policy explicitly denies a required action"
);
pub(crate) static S3005: RuleMeta = rule!(
    "S3005",
    "kms-access-missing",
    S3,
    Error,
    "The bucket uses SSE-KMS and kms:GenerateDataKey/kms:Decrypt are not allowed"
);
pub(crate) static S3006: RuleMeta = rule!(
    "S3006",
    "output-inside-data-location",
    S3,
    Warning,
    "The results prefix overlaps a table location"
);
pub(crate) static S3007: RuleMeta = rule!(
    "S3007",
    "bucket-location-conditioned",
    S3,
    Error,
    "s3:GetBucketLocation is allowed only under a condition that voids it"
);
pub(crate) static ATHENA001: RuleMeta = rule!(
    "ATHENA001",
    "athena-access-missing",
    Athena,
    Error,
    "Required Athena actions on the workgroup or catalog are not allowed"
);
pub(crate) static ATHENA002: RuleMeta = rule!(
    "ATHENA002",
    "glue-access-missing",
    Athena,
    Error,
    "Required Glue read actions are not allowed"
);
pub(crate) static ATHENA003: RuleMeta = rule!(
    "ATHENA003",
    "workgroup-unusable",
    Athena,
    Error,
    "The workgroup is missing or disabled (live)"
);
pub(crate) static ATHENA004: RuleMeta = rule!(
    "ATHENA004",
    "workgroup-overrides-output",
    Athena,
    Warning,
    "The workgroup enforces its own output location"
);
pub(crate) static ATHENA005: RuleMeta = rule!(
    "ATHENA005",
    "no-output-location",
    Athena,
    Error,
    "Neither the connection nor the workgroup sets an output location"
);
pub(crate) static ATHENA006: RuleMeta = rule!(
    "ATHENA006",
    "lake-formation-access",
    Athena,
    Error,
    "Lake Formation governs the data and lakeformation:GetDataAccess is not allowed"
);
pub(crate) static ATHENA007: RuleMeta = rule!(
    "ATHENA007",
    "lambda-catalog-invoke",
    Athena,
    Error,
    "A LAMBDA-type catalog without lambda:InvokeFunction"
);
pub(crate) static ATHENA008: RuleMeta = rule!(
    "ATHENA008",
    "overly-broad-permissions",
    Athena,
    Warning,
    "Wildcard actions or resources where least privilege would do",
    "security"
);
pub(crate) static REGION001: RuleMeta = rule!(
    "REGION001",
    "region-invalid",
    Region,
    Error,
    "The region is not an AWS region code"
);
pub(crate) static REGION002: RuleMeta = rule!(
    "REGION002",
    "region-defaulted",
    Region,
    Info,
    "The region is unset and us-east-1 is assumed"
);
pub(crate) static REGION003: RuleMeta = rule!(
    "REGION003",
    "bucket-region-mismatch",
    Region,
    Error,
    "The results bucket is in another region than the connection (live)"
);
pub(crate) static CATALOG001: RuleMeta = rule!(
    "CATALOG001",
    "catalog-not-lowercase",
    Catalog,
    Error,
    "A data catalog name is not lowercase"
);
pub(crate) static CATALOG002: RuleMeta = rule!(
    "CATALOG002",
    "catalog-not-found",
    Catalog,
    Error,
    "The catalog does not exist in the region (live)"
);
pub(crate) static CATALOG003: RuleMeta = rule!(
    "CATALOG003",
    "schema-not-found",
    Catalog,
    Error,
    "An included or default schema does not exist (live)"
);
pub(crate) static CATALOG004: RuleMeta = rule!(
    "CATALOG004",
    "policy-resource-case",
    Catalog,
    Error,
    "Glue/Athena ARNs in a policy have uppercase names that never match"
);
pub(crate) static PROBE001: RuleMeta = rule!(
    "PROBE001",
    "credentials-rejected",
    Probe,
    Error,
    "The connection's own credentials are rejected"
);
pub(crate) static PROBE002: RuleMeta = rule!(
    "PROBE002",
    "assume-role-denied",
    Probe,
    Error,
    "AssumeRole with the external ID is denied"
);
pub(crate) static PROBE003: RuleMeta = rule!(
    "PROBE003",
    "assume-role-without-external-id",
    Probe,
    Error,
    "AssumeRole without the external ID succeeds",
    "security"
);
pub(crate) static PROBE004: RuleMeta = rule!(
    "PROBE004",
    "query-probe-failed",
    Probe,
    Error,
    "The opt-in SELECT 1 failed"
);
pub(crate) static PROBE005: RuleMeta = rule!(
    "PROBE005",
    "access-denied",
    Probe,
    Error,
    "An AccessDenied message decoded into principal, action, resource and reason"
);
pub(crate) static PROBE006: RuleMeta = rule!(
    "PROBE006",
    "endpoint-override-active",
    Probe,
    Info,
    "AWS_ENDPOINT_URL* is set: results may not reflect AWS"
);
