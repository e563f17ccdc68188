//! The fields one message carries, read from the wrappers people paste (Simba
//! JDBC/ODBC and the Athena ODBC 2.x driver, botocore and the AWS CLI, the AWS
//! SDKs for Java, Go, JavaScript and .NET, PyAthena and SQLAlchemy, Trino error names) and from what AWS
//! writes inside them (ARNs, S3 URLs, endpoints, IDs, the AccessDenied sentence).

use crate::aws::arn::Arn;
use crate::aws::denial::{Denial, PolicyType, Reason, role_of_session};
use crate::limits::TRIAGE_FIELD_CHARS;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// Every field a message may carry, in the order reports show them. Named groups
/// of the table's patterns must be one of these (a trailing digit is dropped:
/// `catalog2` is another way to write `catalog`).
pub(crate) const FIELDS: &[&str] = &[
    "service",
    "code",
    "operation",
    "action",
    "principal",
    "resource",
    "policy_type",
    "reason",
    "policy_arn",
    "bucket",
    "key",
    "region",
    "bucket_region",
    "account",
    "workgroup",
    "catalog",
    "database",
    "table",
    "function",
    "host",
    "status",
    "execution_id",
    "request_id",
    "wrapper",
    "driver_code",
    // Derived, for the commands to ask for.
    "role_name",
    "principal_kind",
    "principal_name",
    "principal_arn",
    "key_arn",
    "cross_account",
];

/// `catalog2` → `catalog` (the regex crate wants group names unique).
pub(crate) fn base_name(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// A message's fields, in `FIELDS` order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Fields(Vec<(&'static str, String)>);

impl Fields {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Set a field unless it is known already (the first, most specific reading
    /// wins) or the value is empty.
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        let Some(&name) = FIELDS.iter().find(|f| **f == base_name(name)) else {
            return;
        };
        if value.trim().is_empty() || self.get(name).is_some() {
            return;
        }
        self.0.push((name, bounded(value.trim())));
        self.0
            .sort_by_key(|(n, _)| FIELDS.iter().position(|f| f == n).unwrap_or(usize::MAX));
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// Add what follows from the fields read: the role or user behind the
    /// principal, the KMS key, whether the resource is in another account.
    pub(crate) fn derive(&mut self) {
        if let Some(principal) = self.get("principal").map(str::to_string) {
            let role = role_of_session(&principal)
                .or_else(|| principal.contains(":role/").then(|| principal.clone()));
            if let Some(role) = &role {
                self.set("principal_kind", "role");
                self.set("principal_name", last_segment(role));
                self.set("principal_arn", role.clone());
            } else if principal.contains(":user/") {
                self.set("principal_kind", "user");
                self.set("principal_name", last_segment(&principal));
                self.set("principal_arn", principal.clone());
            }
        }
        let resource = self.get("resource").map(str::to_string);
        if let Some(resource) = &resource {
            if resource.contains(":role/") {
                self.set("role_name", last_segment(resource));
            }
            if resource.contains(":kms:") {
                self.set("key_arn", resource.clone());
            }
        }
        if self.get("role_name").is_none() && self.get("principal_kind") == Some("role") {
            let name = self.get("principal_name").map(str::to_string);
            self.set("role_name", name.unwrap_or_default());
        }
        let account_of = |arn: Option<&str>| arn.and_then(|a| Arn::parse(a).ok()).map(|a| a.account);
        if let (Some(a), Some(b)) = (account_of(self.get("principal")), account_of(resource.as_deref()))
            && !a.is_empty()
            && !b.is_empty()
        {
            self.set("cross_account", (a != b).to_string());
        }
    }
}

/// A field's value, at most `TRIAGE_FIELD_CHARS` characters; a cut ends in `…`.
fn bounded(value: &str) -> String {
    match value.char_indices().nth(TRIAGE_FIELD_CHARS) {
        None => value.to_string(),
        Some((end, _)) => format!("{}…", &value[..end]),
    }
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

macro_rules! regex {
    ($re:literal) => {{
        static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("a valid regular expression"));
        &*RE
    }};
}

/// The fields of one message.
pub(crate) fn fields(text: &str) -> Fields {
    let mut f = Fields::default();
    wrappers(text, &mut f);
    if let Some(denial) = Denial::parse(text) {
        f.set("action", denial.action.clone());
        if let Some(p) = &denial.principal {
            f.set("principal", p.clone());
        }
        if let Some(r) = &denial.resource {
            f.set("resource", r.clone());
        }
        let (reason, kind) = match &denial.reason {
            Reason::NoAllow(kind) => ("no-allow", Some(*kind)),
            Reason::ExplicitDeny(kind, arn) => {
                if let Some(arn) = arn {
                    f.set("policy_arn", arn.clone());
                }
                ("explicit-deny", Some(*kind))
            }
            Reason::Unstated => ("unstated", None),
        };
        f.set("reason", reason);
        if let Some(kind) = kind {
            f.set("policy_type", policy_type(kind));
        }
        if let Some((service, _)) = denial.action.split_once(':') {
            f.set("service", service.to_ascii_lowercase());
        }
    }
    places(text, &mut f);
    f
}

fn policy_type(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::Identity => "identity",
        PolicyType::Resource => "resource",
        PolicyType::ServiceControl => "scp",
        PolicyType::ResourceControl => "rcp",
        PolicyType::Boundary => "boundary",
        PolicyType::Session => "session",
        PolicyType::VpcEndpoint => "vpc-endpoint",
    }
}

/// The classes of the wrappers themselves (drivers, SDKs), not AWS's codes.
const WRAPPER_CLASSES: &[&str] = &[
    "ClientError",
    "OperationalError",
    "DatabaseError",
    "ProgrammingError",
    "SQLException",
    "RuntimeException",
    "IOException",
    "SdkClientException",
    "AmazonServiceException",
    "AwsServiceException",
    "SdkServiceException",
    "AmazonClientException",
    "ExecutionException",
    "AthenaClientError",
    "AthenaException",
    "StsException",
    "GlueException",
    "S3Exception",
    "AmazonS3Exception",
    "KmsException",
    "LambdaException",
    "AWSSecurityTokenServiceException",
    "AWSGlueException",
    "AmazonAthenaException",
];

/// The wrapper the message came in, and what the wrapper itself says.
fn wrappers(text: &str, f: &mut Fields) {
    if let Some(c) = regex!(r"\[Simba\]\[(Athena\w*)\]\s*\((\d+)\)").captures(text) {
        f.set("wrapper", format!("Simba {}", &c[1]));
        f.set("driver_code", &c[2]);
        f.set("service", "athena");
    }
    if let Some(c) = regex!(r"An error occurred \(([\w.]+)\) when calling the (\w+) operation").captures(text)
    {
        f.set("wrapper", "botocore (AWS CLI, boto3)");
        // `An error occurred (403) when calling the HeadObject operation`: a
        // service that answered without a body leaves botocore only the status.
        if c[1].len() == 3 && c[1].bytes().all(|b| b.is_ascii_digit()) {
            f.set("status", &c[1]);
        }
        f.set("code", &c[1]);
        f.set("operation", &c[2]);
    }
    // SDK for Java v1 `(Service: AmazonAthena; Status Code: 400; Error Code: X;
    // Request ID: …)` and v2 `(Service: Athena, Status Code: 400, Request ID: …)`.
    if let Some(c) = regex!(
        r"\(Service: ([\w ]+?)[;,] Status Code: (\d+)(?:[;,] Error Code: ([\w.]+))?(?:[;,] Request ID: ([\w-]+))?"
    )
    .captures(text)
    {
        f.set("wrapper", "AWS SDK for Java");
        if let Some(s) = service_named(&c[1]) {
            f.set("service", s);
        }
        f.set("status", &c[2]);
        if let Some(code) = c.get(3) {
            f.set("code", code.as_str());
        }
        if let Some(id) = c.get(4) {
            f.set("request_id", id.as_str());
        }
    }
    // SDK for Go v2: `operation error Athena: StartQueryExecution, https response
    // error StatusCode: 400, RequestID: …, InvalidRequestException: …`; newer
    // releases write `api error InvalidRequestException: …`, and a request retried
    // to the end says so first (`exceeded maximum number of attempts, 3, https …`);
    // S3 adds its `HostID: …,` after the request ID.
    if let Some(c) = regex!(
        r"operation error ([\w ]+?): (\w+),(?: exceeded maximum number of attempts, \d+,)?(?: https response error StatusCode: (\d+), RequestID: ([\w-]*)(?:,(?: HostID: [^,\s]*,)? (?:api error )?(\w+):)?)?"
    )
    .captures(text)
    {
        f.set("wrapper", "AWS SDK for Go");
        if let Some(s) = service_named(&c[1]) {
            f.set("service", s);
        }
        f.set("operation", &c[2]);
        for (name, group) in [("status", 3), ("request_id", 4), ("code", 5)] {
            if let Some(m) = c.get(group) {
                f.set(name, m.as_str());
            }
        }
    }
    // SDK for Go v1: `AccessDeniedException: … status code: 400, request id: …`.
    if let Some(c) = regex!(r"\bstatus code: (\d{3}), request id: ([\w-]*)").captures(text) {
        f.set("wrapper", "AWS SDK for Go");
        f.set("status", &c[1]);
        f.set("request_id", &c[2]);
    }
    // The Athena ODBC 2.x driver: `[AmazonAthena][AthenaClientError]:
    // ExceptionName: InvalidRequestException, ErrorType: 130, ExceptionMessage: …`.
    if let Some(c) = regex!(r"\[AmazonAthena\]\[(\w+)\]:?\s*ExceptionName: (\w+)").captures(text) {
        f.set("wrapper", "Amazon Athena ODBC");
        f.set("driver_code", &c[1]);
        f.set("service", "athena");
        f.set("code", &c[2]);
    }
    if text.contains("pyathena.error.") {
        let sqlalchemy = text.contains("sqlalchemy") || text.contains("(pyathena.error.");
        f.set(
            "wrapper",
            if sqlalchemy {
                "SQLAlchemy (PyAthena)"
            } else {
                "PyAthena"
            },
        );
    }
    // The exception's class names its service: SDK for Java v1
    // (`com.amazonaws.services.glue.model.AccessDeniedException`, also shaded in
    // the Simba driver as `com.simba.athena.amazonaws.services…`), v2
    // (`software.amazon.awssdk.services.sts.model.StsException`) and .NET
    // (`Amazon.SecurityToken.Model.ExpiredTokenException`).
    if let Some(c) = regex!(
        r"\b(?:amazonaws|software\.amazon\.awssdk)\.services\.(\w+)\.model\.(\w+)|\bAmazon\.(\w+)\.Model\.(\w+)"
    )
    .captures(text)
    {
        let (service, class) = match (c.get(1), c.get(2)) {
            (Some(s), Some(k)) => (s.as_str(), k.as_str()),
            _ => (&c[3], &c[4]),
        };
        f.set(
            "wrapper",
            if c.get(3).is_some() {
                "AWS SDK for .NET"
            } else {
                "AWS SDK for Java"
            },
        );
        if let Some(s) = service_named(service) {
            f.set("service", s);
        }
        // `AthenaException`, `StsException`: the SDK's class, not AWS's code.
        if !WRAPPER_CLASSES.contains(&class) {
            f.set("code", class);
        }
    }
    // SDK for Ruby: `Aws::STS::Errors::AccessDenied`, and its log line
    // `[Aws::STS::Client 403 0.29 0 retries] assume_role(…)` (status, operation
    // in snake case).
    if let Some(c) = regex!(r"\bAws::(\w+)::(?:Errors::(\w+)|Client\b)").captures(text) {
        f.set("wrapper", "AWS SDK for Ruby");
        if let Some(s) = service_named(&c[1]) {
            f.set("service", s);
        }
        if let Some(code) = c.get(2) {
            f.set("code", code.as_str());
        }
    }
    if let Some(c) = regex!(r"\[Aws::\w+::Client (\d{3}) [\d.]+ \d+ retries\] ([a-z_]+)\(").captures(text) {
        f.set("status", &c[1]);
        f.set("operation", camel_case(&c[2]));
    }
    // SDK for PHP: `Error executing "AssumeRole" on "https://sts…"; AWS HTTP error: …`.
    if let Some(c) = regex!(r#"Error executing "(\w+)" on "https?://"#).captures(text) {
        f.set("wrapper", "AWS SDK for PHP");
        f.set("operation", &c[1]);
    }
    // An STS answer's XML names its service by its namespace.
    if text.contains("xmlns=\"https://sts.amazonaws.com/doc/") {
        f.set("service", "sts");
    }
    if text.contains("System message:") {
        f.set("wrapper", "the BI tool's message");
    }
    // The SDK for C++ as Apache Arrow (PyArrow, PyIceberg, DuckDB's peers) words
    // it: `AWS Error ACCESS_DENIED during HeadObject operation: …`. Its codes are
    // AWS's in upper snake case; the refusal is AWS's `AccessDenied`.
    if let Some(c) = regex!(r"\bAWS Error ([A-Z][A-Z_]*) during (\w+) operation").captures(text) {
        f.set("wrapper", "AWS SDK for C++ (Apache Arrow)");
        let code = match &c[1] {
            "ACCESS_DENIED" => "AccessDenied",
            other => other,
        };
        f.set("code", code);
        f.set("operation", &c[2]);
    }
    // `CATALOG_NOT_FOUND: line 1:22: …`: Trino's error names (case matters).
    if let Some(c) = regex!(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+):").captures(text) {
        f.set("code", &c[1]);
    }
    // `InvalidRequestException: …`, `AccessDeniedException: …` (SDKs for
    // JavaScript, Rust, the Athena console).
    if let Some(code) = regex!(r"\b([A-Z]\w*(?:Exception|Error|Denied|NotFound|Fault))\b")
        .find_iter(text)
        .map(|m| m.as_str())
        .find(|c| !WRAPPER_CLASSES.contains(c))
    {
        f.set("code", code);
    }
    // Tableau's own `Error Code: E88DBC3B` (eight hex digits) is the BI tool's,
    // not AWS's: it is read as the wrapper's code.
    let tableau = regex!(r"\bError Code: ?([0-9A-F]{8})\b")
        .captures(text)
        .map(|c| c[1].to_string());
    if let Some(code) = &tableau {
        f.set("wrapper", "Tableau");
        f.set("driver_code", code);
    }
    if let Some(code) = regex!(r"Error Code: ([\w.]+)|\bCode[:=] ?([A-Z]\w+)")
        .captures_iter(text)
        .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str()))
        .find(|code| Some(*code) != tableau.as_deref())
    {
        f.set("code", code);
    }
    // The HTTP status, however the client words it: `(HTTP 403)`, `HTTP 403
    // Forbidden`, `Forbidden_403` (DuckDB), `Status: 500.` (Grafana), `status
    // code 403`. The SDK wrappers above, when present, said it first, and theirs
    // is AWS's (Grafana's `Status: 500.` wraps the SDK's `StatusCode: 400`).
    if f.get("status").is_none()
        && let Some(c) = regex!(
        r"(?i)\bHTTP[ /]?(?:1\.[01] )?([45]\d\d)\b|\b(?:Forbidden|Unauthorized|NotFound|BadRequest)_([45]\d\d)\b|\bstatus(?: ?code)?[:=]? ?\(?([45]\d\d)\b"
    )
    .captures(text)
    {
        let status = c.get(1).or(c.get(2)).or(c.get(3)).map_or("", |m| m.as_str());
        f.set("status", status);
    }
    if let Some(op) = f.get("operation").map(str::to_string)
        && let Some(s) = service_of_operation(&op)
    {
        f.set("service", s);
    }
}

/// ARNs, S3 URLs, endpoints, regions and IDs, wherever they sit.
fn places(text: &str, f: &mut Fields) {
    for m in regex!(r#"arn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:[^\s"',;)\]]+"#).find_iter(text) {
        let arn = m.as_str().trim_end_matches('.');
        if f.get("principal") == Some(arn) {
            continue;
        }
        f.set("resource", arn);
    }
    if let Some(resource) = f.get("resource").map(str::to_string)
        && let Ok(arn) = Arn::parse(&resource)
    {
        f.set("region", arn.region.clone());
        f.set("account", arn.account.clone());
        f.set("service", arn.service.clone());
        if arn.service == "s3" {
            let (bucket, key) = arn.resource.split_once('/').unwrap_or((&arn.resource, ""));
            f.set("bucket", bucket);
            f.set("key", key);
        }
        let named = |kind: &str| arn.resource.strip_prefix(kind).map(str::to_string);
        if let Some(w) = named("workgroup/") {
            f.set("workgroup", w);
        }
        if let Some(c) = named("datacatalog/") {
            f.set("catalog", c);
        }
        if let Some(d) = named("database/") {
            f.set("database", d);
        }
        if let Some(t) = named("table/") {
            let mut parts = t.splitn(2, '/');
            f.set("database", parts.next().unwrap_or_default());
            f.set("table", parts.next().unwrap_or_default());
        }
        if let Some(func) = named("function:") {
            f.set("function", func);
        }
    }
    if let Some(c) = regex!(r#"s3a?://([a-z0-9][a-z0-9.-]{1,62})(?:/([^\s"',;)\]]*))?"#).captures(text) {
        f.set("bucket", &c[1]);
        if let Some(k) = c.get(2) {
            f.set("key", k.as_str().trim_end_matches('.'));
        }
    }
    if let Some(c) = regex!(r#"https?://([\w.-]+)"#).captures(text) {
        f.set("host", &c[1]);
    }
    // An AWS endpoint named without a scheme (`Request to 'glue.<region>.
    // amazonaws.com/iceberg/…'`, `Inaccessible host: athena.…`), its region
    // perhaps masked or a placeholder.
    if let Some(c) = regex!(r"\b([a-z][a-z0-9-]*(?:\.[\w<>-]+)*\.amazonaws\.com(?:\.cn)?)\b")
        .find(text)
        .map(|m| m.as_str())
    {
        f.set("host", c);
    }
    if let Some(c) =
        regex!(r"\b(?:[\w-]+\.)?([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.amazonaws\.com").captures(text)
    {
        f.set("region", &c[1]);
    }
    if let Some(c) =
        regex!(r#"(?i)region[\s=:"'\[]+([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\b"#).captures(text)
    {
        f.set("region", &c[1]);
    }
    if let Some(c) = regex!(
        r#"(?i)(?:execution ?id|QueryExecutionId|query ?id)["'\s:=\[]+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"#
    )
    .captures(text)
    {
        f.set("execution_id", &c[1]);
    }
    if let Some(c) = regex!(r#"(?i)request ?id["'\s:=]+([\w-]{8,})"#).captures(text) {
        f.set("request_id", &c[1]);
    }
    if f.get("service").is_none()
        && let Some(host) = f.get("host").map(str::to_string)
        && let Some(s) = host.split('.').next().and_then(service_named)
    {
        f.set("service", s);
    }
    // A service named in the client's own words (`S3 error: Access Denied`,
    // `AmazonS3Exception`, a link into the S3 guide), or by what only S3 sends
    // back: a host ID (`x-amz-id-2`), an extended request ID that is not `null`.
    // Weaker than any of the above, so last.
    if f.get("service").is_none()
        && regex!(
            r"(?i)\bs3 (?:error|exception)\b|\bAmazonS3\b|\bS3_ERROR\b|\bhost ?id: [\w+/=]{8,}|Extended Request ID: [\w+/=]{20,}"
        )
        .is_match(text)
    {
        f.set("service", "s3");
    }
}

/// `assume_role` → `AssumeRole`: an operation as snake-case SDKs name it.
fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A service as SDKs and hosts name it → its IAM prefix.
fn service_named(name: &str) -> Option<&'static str> {
    let n: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let n = n.trim_start_matches("amazon").trim_start_matches("aws");
    Some(match n {
        "athena" => "athena",
        "s3" | "simplestorageservice" => "s3",
        "sts" | "securitytokenservice" => "sts",
        "glue" => "glue",
        "kms" | "keymanagementservice" => "kms",
        "securitytoken" => "sts",
        "lakeformation" => "lakeformation",
        // Athena's Java SDK names its Glue Data Catalog calls so.
        "datacatalog" => "glue",
        "s3tables" => "s3tables",
        "lambda" => "lambda",
        "iam" | "identitymanagement" => "iam",
        _ => return None,
    })
}

/// The service of an API operation, for the ones a connection makes.
fn service_of_operation(op: &str) -> Option<&'static str> {
    Some(match op {
        "AssumeRole" | "GetCallerIdentity" | "GetSessionToken" => "sts",
        "GetObject"
        | "PutObject"
        | "HeadObject"
        | "HeadBucket"
        | "ListObjects"
        | "ListObjectsV2"
        | "GetBucketLocation"
        | "ListBuckets"
        | "CreateMultipartUpload" => "s3",
        "GetDatabases" | "GetDatabase" | "GetTables" | "GetTable" | "GetPartitions" => "glue",
        "Decrypt" | "GenerateDataKey" | "DescribeKey" => "kms",
        "GetDataAccess" => "lakeformation",
        // Lake Formation's credential vending and grants (before Glue's names:
        // `GetTemporaryGlueTableCredentials` is Lake Formation's).
        o if o.starts_with("GetTemporaryGlue")
            || o.contains("LFTag")
            || o.contains("DataLakeSettings")
            || o == "GetEffectivePermissionsForPath"
            || o == "StartQueryPlanning"
            || o == "GetWorkUnits" =>
        {
            "lakeformation"
        }
        "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML" => "sts",
        o if o.contains("Partition")
            || o.contains("Crawler")
            || o == "GetCatalog"
            || o == "GetCatalogs"
            || o == "CreateDatabase"
            || o == "CreateTable"
            || o == "UpdateTable"
            || o == "DeleteTable"
            || o.contains("UserDefinedFunction") =>
        {
            "glue"
        }
        "Invoke" => "lambda",
        o if o.contains("Query")
            || o.contains("WorkGroup")
            || o.contains("DataCatalog")
            || o.contains("TableMetadata")
            || o == "ListDatabases" =>
        {
            "athena"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_give_up_their_fields() {
        let java = fields(
            "com.amazonaws.services.athena.model.InvalidRequestException: WorkGroup x is disabled. \
             (Service: AmazonAthena; Status Code: 400; Error Code: InvalidRequestException; Request ID: \
             0a1b2c3d-1111-2222-3333-444455556666; Proxy: null)",
        );
        assert_eq!(java.get("service"), Some("athena"));
        assert_eq!(java.get("code"), Some("InvalidRequestException"));
        assert_eq!(java.get("status"), Some("400"));
        assert_eq!(
            java.get("request_id"),
            Some("0a1b2c3d-1111-2222-3333-444455556666")
        );

        let boto = fields(
            "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the AssumeRole \
             operation: User: arn:aws:iam::999988887777:user/omni is not authorized to perform: sts:AssumeRole \
             on resource: arn:aws:iam::123456789012:role/analytics/bi-athena",
        );
        assert_eq!(boto.get("operation"), Some("AssumeRole"));
        assert_eq!(boto.get("code"), Some("AccessDenied"));
        assert_eq!(boto.get("service"), Some("sts"));
        assert_eq!(boto.get("principal_kind"), None, "derived only on request");
        let mut boto = boto;
        boto.derive();
        assert_eq!(boto.get("role_name"), Some("bi-athena"));
        assert_eq!(boto.get("principal_kind"), Some("user"));
        assert_eq!(boto.get("cross_account"), Some("true"));

        let go = fields(
            "operation error Athena: StartQueryExecution, https response error StatusCode: 400, RequestID: \
             abcd-1234-ef, InvalidRequestException: No output location provided.",
        );
        assert_eq!(go.get("service"), Some("athena"));
        assert_eq!(go.get("operation"), Some("StartQueryExecution"));
        assert_eq!(go.get("code"), Some("InvalidRequestException"));

        let simba = fields(
            "[Simba][AthenaJDBC](100071) An error has been thrown from the AWS Athena client. Permission denied \
             on S3 path: s3://acme-data/sales/part-0.parquet [Execution ID: 5f1c7c3e-9f7a-4b1e-8a7b-0c5d2e3f4a5b]",
        );
        assert_eq!(simba.get("wrapper"), Some("Simba AthenaJDBC"));
        assert_eq!(simba.get("driver_code"), Some("100071"));
        assert_eq!(simba.get("bucket"), Some("acme-data"));
        assert_eq!(simba.get("key"), Some("sales/part-0.parquet"));
        assert_eq!(
            simba.get("execution_id"),
            Some("5f1c7c3e-9f7a-4b1e-8a7b-0c5d2e3f4a5b")
        );
    }

    #[test]
    fn more_wrappers_give_up_their_fields() {
        // SDK for Go v2, newer releases: `api error Code:`, after the retries.
        let go = fields(
            "operation error Athena: ListQueryExecutions, exceeded maximum number of attempts, 9, https \
             response error StatusCode: 400, RequestID: c1381f29-60bd-4b82-a8f7-f0fdda903308, api error \
             ThrottlingException: Rate exceeded",
        );
        assert_eq!(go.get("service"), Some("athena"));
        assert_eq!(go.get("status"), Some("400"));
        assert_eq!(go.get("code"), Some("ThrottlingException"));
        let s3 = fields(
            "operation error S3: GetObject, https response error StatusCode: 403, RequestID: ABC, HostID: \
             xyz=, api error AccessDenied: Access Denied",
        );
        assert_eq!(s3.get("service"), Some("s3"));
        assert_eq!(
            s3.get("code"),
            Some("AccessDenied"),
            "S3's host ID is not the code"
        );
        // SDK for Go v1: the status after the message.
        let go1 = fields(
            "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to \
             perform: athena:GetWorkGroup status code: 400, request id: 0722a7a2-8c8f-4e51-aaec-4b6ae2339a0c",
        );
        assert_eq!(go1.get("status"), Some("400"));
        assert_eq!(go1.get("code"), Some("AccessDeniedException"));
        // The Athena ODBC 2.x driver names AWS's exception after its own class.
        let odbc = fields(
            "[AmazonAthena][AthenaClientError]: ExceptionName: InvalidRequestException, ErrorType: 130, \
             ExceptionMessage: line 1:700: mismatched input ')'",
        );
        assert_eq!(odbc.get("code"), Some("InvalidRequestException"));
        assert_eq!(odbc.get("service"), Some("athena"));
        // SDK for Java v2 and .NET: the class's package names the service, not its code.
        let java2 = fields(
            "software.amazon.awssdk.services.sts.model.StsException: Access denied (Service: Sts, Status Code: \
             403, Request ID: 1c8266d9-2e98-48cd-b296-b52384128df9)",
        );
        assert_eq!(java2.get("service"), Some("sts"));
        assert_ne!(java2.get("code"), Some("StsException"));
        let dotnet = fields(
            "Amazon.SecurityToken.Model.ExpiredTokenException: The security token included in the request is expired",
        );
        assert_eq!(dotnet.get("service"), Some("sts"));
        assert_eq!(dotnet.get("code"), Some("ExpiredTokenException"));
        assert_eq!(dotnet.get("wrapper"), Some("AWS SDK for .NET"));
        // The Simba driver shades the SDK for Java: its classes still name the service.
        let shaded = fields(
            "com.simba.athena.amazonaws.services.glue.model.AccessDeniedException: User: XXXXXX is not \
             authorized to perform: glue:GetTables on resource: arn:aws:glue:eu-west-1:XXXXXXX:catalog",
        );
        assert_eq!(shaded.get("service"), Some("glue"));
        assert_eq!(shaded.get("code"), Some("AccessDeniedException"));
    }

    #[test]
    fn services_are_read_from_what_the_message_names() {
        // The SDKs for Ruby and PHP (tests/triage/wild/r6.tuning.toml).
        let ruby = fields(
            "[Aws::STS::Client 403 0.297658 0 retries] assume_role(role_arn:\"arn:aws:iam::111122223333:role/A\",\
             role_session_name:\"test\") Aws::STS::Errors::AccessDenied Access denied",
        );
        assert_eq!(ruby.get("service"), Some("sts"));
        assert_eq!(ruby.get("code"), Some("AccessDenied"));
        assert_eq!(ruby.get("status"), Some("403"));
        assert_eq!(ruby.get("operation"), Some("AssumeRole"));
        let php = fields(
            "Error executing \"AssumeRole\" on \"https://sts.eu-west-1.amazonaws.com\"; AWS HTTP error: Client \
             error: `POST https://sts.eu-west-1.amazonaws.com` resulted in a `403 Forbidden` response",
        );
        assert_eq!(php.get("operation"), Some("AssumeRole"));
        assert_eq!(php.get("service"), Some("sts"));
        // Apache Arrow's wording of the SDK for C++: the operation names S3.
        let arrow = fields(
            "OSError: When getting information for key 'metadata/0.json' in bucket 'b': AWS Error \
             ACCESS_DENIED during HeadObject operation: No response body.",
        );
        assert_eq!(arrow.get("service"), Some("s3"));
        assert_eq!(arrow.get("code"), Some("AccessDenied"));
        assert_eq!(arrow.get("operation"), Some("HeadObject"));
        // An endpoint without a scheme, its region masked, and DuckDB's status.
        let rest = fields(
            "Request to 'glue.<region>.amazonaws.com/iceberg/v1/config?warehouse=<ACCOUNT>' returned a \
             non-200 status code (Forbidden_403), with reason: ",
        );
        assert_eq!(rest.get("service"), Some("glue"));
        assert_eq!(rest.get("status"), Some("403"));
        let tables =
            fields("Request to 's3tables.us-east-1.amazonaws.com/iceberg/v1/config' (Forbidden_403)");
        assert_eq!(tables.get("service"), Some("s3tables"));
        assert_eq!(tables.get("region"), Some("us-east-1"));
        // Lake Formation's credential vending, though its name says Glue.
        let vending = fields(
            "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) when \
             calling the GetTemporaryGlueTableCredentials operation: None",
        );
        assert_eq!(vending.get("service"), Some("lakeformation"));
        // Athena's Java SDK names its Glue calls `AmazonDataCatalog`.
        let catalog = fields(
            "MetaException(message:Required Create Database on Catalog (Service: AmazonDataCatalog; \
             Status Code: 400; Error Code: AccessDeniedException; Request ID: 1; Proxy: null))",
        );
        assert_eq!(catalog.get("service"), Some("glue"));
        // The client's own words, and a bare status.
        assert_eq!(fields("S3 error: Access Denied").get("service"), Some("s3"));
        assert_eq!(
            fields("Status: 500. Message: error executing query").get("status"),
            Some("500")
        );
        assert_eq!(
            fields("An error occurred (403) when calling the HeadObject operation: Forbidden").get("status"),
            Some("403")
        );
        // A status that is not an error's is not read as one.
        assert_eq!(fields("returned a non-200 status code").get("status"), None);
    }

    #[test]
    fn a_bi_tools_own_code_is_not_aws_code() {
        let tableau = fields(
            "An error occurred while communicating with Amazon Athena Invalid username or password. Error \
             Code:E88DBC3B [Simba][AthenaJDBC](100071) An error has been thrown from the AWS Athena client.",
        );
        assert_eq!(
            tableau.get("driver_code"),
            Some("100071"),
            "the driver's code, read first"
        );
        assert_eq!(tableau.get("code"), None);
        let java = fields(
            "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 1)",
        );
        assert_eq!(java.get("code"), Some("AccessDenied"));
    }

    #[test]
    fn a_denial_gives_its_policy_type_and_region() {
        let f = fields(
            "User: arn:aws:sts::123456789012:assumed-role/bi-athena/omni is not authorized to perform: \
             athena:StartQueryExecution on resource: arn:aws:athena:eu-west-1:123456789012:workgroup/primary \
             with an explicit deny in a service control policy: arn:aws:organizations::111:policy/o-1/p-1",
        );
        assert_eq!(f.get("action"), Some("athena:StartQueryExecution"));
        assert_eq!(f.get("reason"), Some("explicit-deny"));
        assert_eq!(f.get("policy_type"), Some("scp"));
        assert_eq!(
            f.get("policy_arn"),
            Some("arn:aws:organizations::111:policy/o-1/p-1")
        );
        assert_eq!(f.get("region"), Some("eu-west-1"));
        assert_eq!(f.get("workgroup"), Some("primary"));
        assert_eq!(f.get("account"), Some("123456789012"));
    }
}
