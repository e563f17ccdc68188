//! Probes (PROBE001–005) through the real binary over HTTP: against moto in its
//! auth-enforcement mode where moto answers as AWS does (identity policies, wrong
//! secrets, unknown keys, a wrong External ID), and against an HTTP test double
//! (tests/common/double.rs) for what moto cannot do — it accepts an AssumeRole
//! without the External ID that the trust policy requires, has no MaxSessionDuration
//! check, no expired session keys, and never fails a query — each test says which.

use crate::common;

use common::double::{self, Reply, Request};
use common::moto::{endpoint as moto, runtime, unique};
use common::{doctor, stdout_json};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "111122223333";
const VENDOR: &str = "999988887777";
const EXTERNAL_ID: &str = "omni-4f2a9c";
const VENDOR_KEY: &str = "AKIAVENDORKEY0000001";
const SESSION_KEY: &str = "ASIASESSIONKEY000001";
const SESSION_SECRET: &str = "SessionSecretSessionSecretSessionSecret1";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

fn find<'a>(report: &'a Value, code: &str, subject: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code && c["subject"].as_str().unwrap().contains(subject))
        .unwrap_or_else(|| panic!("no {code} check about {subject} in {report:#}"))
}

fn role_connection(dir: &Path, account: &str, role: &str, external_id: &str, trusted: &str) -> PathBuf {
    let text = format!(
        "display_name = \"probe\"\ns3_output_bucket = \"s3://acme-athena-results/omni/\"\n\
         data_catalog = \"awsdatacatalog\"\ndefault_schema = \"sales\"\nregion = \"us-east-1\"\n\
         workgroup = \"primary\"\n\n[auth]\ntype = \"cross_account_role\"\n\
         role_arn = \"arn:aws:iam::{account}:role/{role}\"\nexternal_id = \"{external_id}\"\n\
         trusted_account_id = \"{trusted}\"\n"
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn key_connection(dir: &Path, key: &str) -> PathBuf {
    let text = format!(
        "display_name = \"probe\"\ns3_output_bucket = \"s3://acme-athena-results/omni/\"\n\
         data_catalog = \"awsdatacatalog\"\nregion = \"us-east-1\"\nworkgroup = \"primary\"\n\n\
         [auth]\ntype = \"access_key\"\naccess_key_id = \"{key}\"\n"
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The doctor, live against `endpoint`, signing its own calls with `key`.
fn run(endpoint: &str, key: &str, secret: &str, config: &Path, extra: &[&str]) -> (Value, String) {
    let output = doctor()
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["doctor", "--format", "json", "--timeout", "10", "-v", "--config"])
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (stdout_json(&output), text)
}

// ---------------------------------------------------------------- the double

fn sts_ok(action: &str, result: &str) -> Reply {
    Reply::xml(
        200,
        format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>{result}\
             </{action}Result><ResponseMetadata><RequestId>double</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

fn caller(arn: &str, account: &str) -> Reply {
    sts_ok(
        "GetCallerIdentity",
        &format!("<Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>{account}</Account>"),
    )
}

fn assumed(role: &str) -> Reply {
    sts_ok(
        "AssumeRole",
        &format!(
            "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:athena-doctor-probe</AssumedRoleId>\
             <Arn>arn:aws:sts::{ACCOUNT}:assumed-role/{role}/athena-doctor-probe</Arn></AssumedRoleUser>\
             <Credentials><AccessKeyId>{SESSION_KEY}</AccessKeyId><SecretAccessKey>{SESSION_SECRET}</SecretAccessKey>\
             <SessionToken>{SESSION_TOKEN}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
        ),
    )
}

const ASSUME_DENIED: &str = "User: arn:aws:iam::999988887777:user/omni is not authorized to perform: sts:AssumeRole \
                             on resource: arn:aws:iam::111122223333:role/bi-athena";
const GLUE_DENIED: &str = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/athena-doctor-probe is not \
                           authorized to perform: glue:GetDatabases on resource: \
                           arn:aws:glue:us-east-1:111122223333:catalog because no identity-based policy allows the \
                           glue:GetDatabases action";

/// A vendor-side caller, a role that requires the External ID, and reads that
/// answer as AWS does; `reason` is the failure reason of the query, if any.
fn vendor_side(request: &Request, reason: &Mutex<Option<String>>) -> Reply {
    match request.action.as_str() {
        "Query.GetCallerIdentity" => caller(&format!("arn:aws:iam::{VENDOR}:user/omni"), VENDOR),
        "Query.AssumeRole" if request.param("ExternalId").as_deref() == Some(EXTERNAL_ID) => {
            assumed("bi-athena")
        }
        "Query.AssumeRole" => Reply::query_error(403, "AccessDenied", ASSUME_DENIED),
        "AmazonAthena.GetWorkGroup" => Reply::json(
            200,
            json!({"WorkGroup": {"Name": "primary", "State": "ENABLED", "Configuration": {}}}),
        ),
        "AmazonAthena.ListDataCatalogs" => Reply::json(
            200,
            json!({"DataCatalogsSummary": [{"CatalogName": "AwsDataCatalog", "Type": "GLUE"}]}),
        ),
        "AWSGlue.GetDatabases" => Reply::json_error("AccessDeniedException", GLUE_DENIED),
        "AmazonAthena.StartQueryExecution" => Reply::json(200, json!({"QueryExecutionId": "q-1"})),
        "AmazonAthena.GetQueryExecution" => {
            let status = match reason.lock().unwrap().clone() {
                Some(r) => json!({"State": "FAILED", "StateChangeReason": r}),
                None => json!({"State": "SUCCEEDED"}),
            };
            Reply::json(
                200,
                json!({"QueryExecution": {"QueryExecutionId": "q-1", "Status": status,
                    "ResultConfiguration": {"OutputLocation": "s3://acme-athena-results/omni/q-1.csv"}}}),
            )
        }
        a if a.starts_with("S3.HEAD") => Reply::xml(403, ""),
        _ => Reply::query_error(400, "NotScripted", "the double has no answer for this call"),
    }
}

/// moto accepts an AssumeRole without the External ID even when the trust policy
/// requires one, so the refusal that makes PROBE003 pass comes from the double.
#[test]
fn role_probes_try_with_and_without_the_external_id_and_read_as_the_role() {
    let reason = Arc::new(Mutex::new(None));
    let r = reason.clone();
    let d = double::start(move |req| vendor_side(req, &r));
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), ACCOUNT, "bi-athena", EXTERNAL_ID, VENDOR);
    let (report, text) = run(
        &d.endpoint,
        VENDOR_KEY,
        "vendor-secret",
        &config,
        &["--probe-query"],
    );

    let p2 = find(&report, "PROBE002", "auth.role_arn");
    assert_eq!(p2["status"], "pass", "{p2:#}");
    assert!(p2["message"].as_str().unwrap().contains("assumed-role/bi-athena"));
    assert_eq!(find(&report, "PROBE003", "trust policy")["status"], "pass");
    let workgroup = find(&report, "PROBE005", "athena:GetWorkGroup");
    assert_eq!(workgroup["status"], "pass");
    // Each probe says whose credentials it used: the assumed role's session.
    assert!(
        workgroup["message"]
            .as_str()
            .unwrap()
            .contains("(as arn:aws:sts::111122223333:assumed-role/bi-athena/athena-doctor-probe)"),
        "{workgroup}"
    );
    assert_eq!(
        find(&report, "PROBE005", "athena:ListDataCatalogs")["status"],
        "pass"
    );
    let glue = find(&report, "PROBE005", "glue:GetDatabases");
    assert_eq!(glue["status"], "fail");
    assert!(
        glue["message"]
            .as_str()
            .unwrap()
            .contains("no identity-based policy allows it")
    );
    assert_eq!(
        glue["fix"]["statements"][0],
        json!({"Sid": "AllowGlueGetDatabases", "Effect": "Allow", "Action": "glue:GetDatabases",
               "Resource": "arn:aws:glue:us-east-1:111122223333:catalog"})
    );
    // S3 answers HEAD with a bare 403: the doctor names the action itself.
    let head = find(&report, "PROBE005", "s3:ListBucket");
    assert_eq!(head["status"], "fail");
    assert_eq!(
        head["fix"]["statements"][0]["Resource"],
        "arn:aws:s3:::acme-athena-results"
    );
    assert_eq!(find(&report, "PROBE004", "SELECT 1")["status"], "pass");

    let requests = d.requests.lock().unwrap().clone();
    let assumes: Vec<&Request> = requests
        .iter()
        .filter(|r| r.action == "Query.AssumeRole")
        .collect();
    assert_eq!(assumes.len(), 2, "one AssumeRole with the ID, one without");
    assert_eq!(
        assumes.iter().filter(|r| r.param("ExternalId").is_some()).count(),
        1
    );
    assert!(
        assumes.iter().all(|r| r.key == VENDOR_KEY),
        "AssumeRole is signed by the doctor's own key"
    );
    // The doctor's own inspection reads Glue too; the probe's read is the session's.
    assert!(
        requests
            .iter()
            .any(|r| r.action == "AWSGlue.GetDatabases" && r.key == SESSION_KEY),
        "glue:GetDatabases is tried with the assumed role's session"
    );
    let starts: Vec<&Request> = requests
        .iter()
        .filter(|r| r.action == "AmazonAthena.StartQueryExecution")
        .collect();
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].key, SESSION_KEY, "SELECT 1 runs as the role");
    let start = requests
        .iter()
        .find(|r| r.action == "AmazonAthena.StartQueryExecution")
        .unwrap();
    let body: Value = serde_json::from_str(&start.body).unwrap();
    assert_eq!(body["QueryString"], "SELECT 1");
    assert_eq!(body["WorkGroup"], "primary");
    assert_eq!(
        body["QueryExecutionContext"],
        json!({"Catalog": "awsdatacatalog", "Database": "sales"})
    );
    assert_eq!(
        body["ResultConfiguration"]["OutputLocation"],
        "s3://acme-athena-results/omni/"
    );
    for secret in [SESSION_SECRET, SESSION_TOKEN, "vendor-secret"] {
        assert!(!text.contains(secret), "a secret reached the output");
    }

    // Without --probe-query nothing is started: the only write is opt-in.
    let before = d.requests.lock().unwrap().len();
    let (report, _) = run(&d.endpoint, VENDOR_KEY, "vendor-secret", &config, &[]);
    let p4 = find(&report, "PROBE004", "SELECT 1");
    assert_eq!(p4["status"], "skip");
    assert!(p4["message"].as_str().unwrap().contains("--probe-query"));
    let later = d.requests.lock().unwrap();
    assert!(
        later[before..]
            .iter()
            .all(|r| !r.action.contains("StartQueryExecution")),
        "a query was started without --probe-query"
    );
    drop(later);

    // --no-probes: inspection only, no AssumeRole at all.
    let before = d.requests.lock().unwrap().len();
    let (report, _) = run(
        &d.endpoint,
        VENDOR_KEY,
        "vendor-secret",
        &config,
        &["--no-probes"],
    );
    let p2 = find(&report, "PROBE002", "connection");
    assert_eq!(p2["status"], "skip");
    assert!(p2["message"].as_str().unwrap().contains("--no-probes"));
    let later = d.requests.lock().unwrap();
    assert!(
        later[before..].iter().all(|r| r.action != "Query.AssumeRole"),
        "AssumeRole was called with --no-probes"
    );
}

/// moto never fails a query: the double returns Athena's real failure reasons.
#[test]
fn failed_queries_are_classified_into_the_rule_that_explains_them() {
    let reason = Arc::new(Mutex::new(None));
    let r = reason.clone();
    let d = double::start(move |req| vendor_side(req, &r));
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), ACCOUNT, "bi-athena", EXTERNAL_ID, VENDOR);
    let cases = [
        (
            "Unable to verify/create output bucket acme-athena-results",
            "S3001",
        ),
        (
            "Access denied when writing output to url: s3://acme-athena-results/omni/q-1.csv . Please ensure you \
             are allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure \
             you are allowed to access your KMS key",
            "S3002",
        ),
        (
            "The S3 location provided to save your query results is invalid. Please check your S3 location is \
             correct and is in the same region and try again.",
            "REGION003",
        ),
        (
            "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.",
            "ATHENA005",
        ),
        ("WorkGroup primary is disabled.", "ATHENA003"),
        (
            "Insufficient permissions to execute the query. Insufficient Lake Formation permission(s) on sales",
            "ATHENA006",
        ),
        (
            "CATALOG_NOT_FOUND: line 1:22: Catalog 'awsdatacatalog2' does not exist",
            "CATALOG002",
        ),
        (
            "SCHEMA_NOT_FOUND: line 1:15: Schema 'sales' does not exist",
            "CATALOG003",
        ),
        (
            "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
            "S3005",
        ),
    ];
    for (why, rule) in cases {
        *reason.lock().unwrap() = Some(why.to_string());
        let (report, _) = run(
            &d.endpoint,
            VENDOR_KEY,
            "vendor-secret",
            &config,
            &["--probe-query"],
        );
        let p4 = find(&report, "PROBE004", "SELECT 1");
        let message = p4["message"].as_str().unwrap();
        assert_eq!(p4["status"], "fail", "{why}");
        assert!(message.contains(why), "{message}");
        assert!(message.contains(rule), "{why} should point at {rule}: {message}");
    }
}

/// moto does not enforce MaxSessionDuration: the double answers as STS does.
#[test]
fn a_session_longer_than_the_role_allows_is_named() {
    let d = double::start(|req| match req.action.as_str() {
        "Query.GetCallerIdentity" => caller(&format!("arn:aws:iam::{VENDOR}:user/omni"), VENDOR),
        "Query.AssumeRole" if req.param("DurationSeconds").as_deref() == Some("7200") => Reply::query_error(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        "Query.AssumeRole" => assumed("bi-athena"),
        _ => Reply::query_error(400, "NotScripted", "the double has no answer for this call"),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), ACCOUNT, "bi-athena", EXTERNAL_ID, VENDOR);
    let (report, _) = run(
        &d.endpoint,
        VENDOR_KEY,
        "s",
        &config,
        &["--session-duration", "7200"],
    );
    let p2 = find(&report, "PROBE002", "auth.role_arn");
    assert_eq!(p2["status"], "fail");
    let message = p2["message"].as_str().unwrap();
    assert!(
        message.contains("7200 s") && message.contains("--max-session-duration 7200"),
        "{message}"
    );
}

/// moto has no session keys that expire: ExpiredToken comes from the double.
#[test]
fn an_expired_session_key_is_named() {
    let key = "ASIAEXPIREDKEY000001";
    let d = double::start(move |req| match req.action.as_str() {
        "Query.GetCallerIdentity" if req.key == key => Reply::query_error(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        "Query.GetCallerIdentity" => caller(&format!("arn:aws:iam::{ACCOUNT}:user/admin"), ACCOUNT),
        _ => Reply::query_error(400, "NotScripted", "the double has no answer for this call"),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = key_connection(dir.path(), key);
    let output = doctor()
        .env("AWS_ENDPOINT_URL", &d.endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIAADMINKEY00000001")
        .env("AWS_SECRET_ACCESS_KEY", "admin")
        .env(common::SECRET_ENV, "ExpiredSecretExpiredSecretExpiredSecret1")
        .args(["doctor", "--format", "json", "--timeout", "10", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let p1 = find(&report, "PROBE001", "auth.access_key_id");
    assert_eq!(p1["status"], "fail");
    assert!(
        p1["message"].as_str().unwrap().contains("session has expired"),
        "{p1:#}"
    );
    assert_eq!(find(&report, "PROBE005", "connection")["status"], "skip");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("ExpiredSecret"));
}

// ---------------------------------------------------------------- moto, auth mode

/// moto's auth mode is server-wide: one test at a time turns it on.
static AUTH: Mutex<()> = Mutex::new(());

/// Auth enforcement on from now (`0` requests left unchecked), and off again on drop.
struct Enforced;

fn set_auth(unchecked: u64) {
    let url = format!("{}/moto-api/reset-auth", moto());
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], \
             data=sys.argv[2].encode(), headers={'Content-Type': 'text/plain'}, method='POST'))",
            &url,
            &unchecked.to_string(),
        ])
        .status()
        .unwrap();
    assert!(status.success(), "moto's reset-auth failed");
}

impl Enforced {
    fn on() -> Enforced {
        set_auth(0);
        Enforced
    }
}

impl Drop for Enforced {
    fn drop(&mut self) {
        set_auth(1_000_000);
    }
}

async fn iam() -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&common::moto::config().await)
}

fn allow(actions: &[&str]) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
        .to_string()
}

/// An IAM user with an access key and one inline policy: (ARN, key, secret).
async fn user(iam: &aws_sdk_iam::Client, name: &str, actions: &[&str]) -> (String, String, String) {
    let created = iam.create_user().user_name(name).send().await.unwrap();
    iam.put_user_policy()
        .user_name(name)
        .policy_name("p")
        .policy_document(allow(actions))
        .send()
        .await
        .unwrap();
    let key = iam.create_access_key().user_name(name).send().await.unwrap();
    let key = key.access_key().unwrap();
    (
        created.user().unwrap().arn().to_string(),
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    )
}

#[test]
fn moto_auth_mode_rejects_wrong_secrets_unknown_keys_and_unallowed_calls() {
    if !common::moto::available() {
        return;
    }
    let _one = AUTH.lock().unwrap_or_else(|e| e.into_inner());
    set_auth(1_000_000);
    let name = unique("omni-key");
    let (arn, key, secret) = runtime().block_on(async {
        let iam = iam().await;
        user(
            &iam,
            &name,
            &["athena:GetWorkGroup", "athena:ListDataCatalogs", "s3:ListBucket"],
        )
        .await
    });
    let dir = tempfile::tempdir().unwrap();
    let config = key_connection(dir.path(), &key);
    let _enforced = Enforced::on();
    let probe = |secret_value: &str, conn: &Path| {
        let output = doctor()
            .env("AWS_ENDPOINT_URL", moto())
            .env("AWS_ACCESS_KEY_ID", &key)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(common::SECRET_ENV, secret_value)
            .args(["doctor", "--format", "json", "--timeout", "10", "-v", "--config"])
            .arg(conn)
            .output()
            .unwrap();
        for value in [secret_value, secret.as_str()] {
            assert!(
                !String::from_utf8_lossy(&output.stdout).contains(value)
                    && !String::from_utf8_lossy(&output.stderr).contains(value),
                "a secret reached the output"
            );
        }
        stdout_json(&output)
    };

    let report = probe(&secret, &config);
    let p1 = find(&report, "PROBE001", "auth.access_key_id");
    assert_eq!(p1["status"], "pass", "{p1:#}");
    assert!(p1["message"].as_str().unwrap().contains(&arn));
    // The key's account, learnt from GetCallerIdentity, names the resources.
    let workgroup = find(
        &report,
        "PROBE005",
        "arn:aws:athena:us-east-1:123456789012:workgroup/primary",
    );
    assert_eq!(workgroup["status"], "pass", "{workgroup:#}");
    // moto's denial names the user and the action but no reason (AWS's older form).
    let glue = find(&report, "PROBE005", "glue:GetDatabases");
    assert_eq!(glue["status"], "fail", "{glue:#}");
    let message = glue["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{arn} may not call glue:GetDatabases")),
        "{message}"
    );
    assert_eq!(glue["fix"]["statements"][0]["Action"], "glue:GetDatabases");
    // The doctor's own inspection is refused too (iam:GetUser is not allowed): the
    // rules that need the user's policies skip, saying so.
    let skipped = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["status"] == "skip" && c["message"].as_str().unwrap().contains("which was denied"));
    assert!(skipped, "{report:#}");

    let wrong = "WrongSecretWrongSecretWrongSecretWrong12";
    let p1 = find(&probe(wrong, &config), "PROBE001", "auth.access_key_id").clone();
    assert_eq!(p1["status"], "fail");
    assert!(
        p1["message"].as_str().unwrap().contains("SignatureDoesNotMatch"),
        "{p1:#}"
    );
    assert_eq!(p1["fix"]["field"], "auth.secret_access_key");

    let unknown_dir = tempfile::tempdir().unwrap();
    let unknown = key_connection(unknown_dir.path(), "AKIAUNKNOWNKEY000001");
    let p1 = find(&probe(&secret, &unknown), "PROBE001", "auth.access_key_id").clone();
    assert_eq!(p1["status"], "fail");
    assert!(
        p1["message"]
            .as_str()
            .unwrap()
            .contains("does not know the access key"),
        "{p1:#}"
    );
}

#[test]
fn moto_auth_mode_checks_the_external_id_and_the_roles_policies() {
    if !common::moto::available() {
        return;
    }
    let _one = AUTH.lock().unwrap_or_else(|e| e.into_inner());
    set_auth(1_000_000);
    let vendor = unique("omni-vendor");
    let role = unique("bi-athena");
    let placeholder_role = unique("bi-placeholder");
    let open_role = unique("bi-open");
    let moto_account = "123456789012";
    let (vendor_arn, key, secret) = runtime().block_on(async {
        let iam = iam().await;
        let v = user(&iam, &vendor, &["sts:AssumeRole", "iam:Get*", "iam:List*"]).await;
        let trust = |external_id: Option<&str>| {
            let mut statement =
                json!({"Effect": "Allow", "Principal": {"AWS": v.0}, "Action": "sts:AssumeRole"});
            if let Some(id) = external_id {
                statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": id}});
            }
            json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
        };
        for (name, condition) in [
            (&role, Some(EXTERNAL_ID)),
            (&placeholder_role, Some("we-will-add-this-later")),
            (&open_role, None),
        ] {
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(trust(condition))
                .send()
                .await
                .unwrap();
            iam.put_role_policy()
                .role_name(name)
                .policy_name("athena")
                .policy_document(allow(&["athena:*", "glue:*", "s3:*"]))
                .send()
                .await
                .unwrap();
        }
        v
    });
    let _enforced = Enforced::on();
    let dir = tempfile::tempdir().unwrap();

    let config = role_connection(dir.path(), moto_account, &role, EXTERNAL_ID, moto_account);
    let (report, text) = run(&moto(), &key, &secret, &config, &[]);
    let p2 = find(&report, "PROBE002", "auth.role_arn");
    assert_eq!(p2["status"], "pass", "{p2:#}");
    for call in [
        "athena:GetWorkGroup",
        "athena:ListDataCatalogs",
        "glue:GetDatabases",
    ] {
        assert_eq!(
            find(&report, "PROBE005", call)["status"],
            "pass",
            "{call} as the role"
        );
    }
    assert!(!text.contains(&secret));

    // A trust policy still holding a placeholder: moto refuses the issued ID, and
    // the trust policy (read live by the vendor user, who may call iam:GetRole
    // here) says why.
    let config = role_connection(
        dir.path(),
        moto_account,
        &placeholder_role,
        EXTERNAL_ID,
        moto_account,
    );
    let (report, _) = run(&moto(), &key, &secret, &config, &[]);
    let p2 = find(&report, "PROBE002", "auth.role_arn");
    assert_eq!(p2["status"], "fail", "{p2:#}");
    let message = p2["message"].as_str().unwrap();
    assert!(
        message.contains(&vendor_arn) && message.contains("TRUST002"),
        "{message}"
    );
    assert!(message.contains("placeholder"), "{message}");
    assert_eq!(p2["fix"]["kind"], "policy");
    assert_eq!(find(&report, "PROBE005", "connection")["status"], "skip");

    // A trust policy without the condition: AssumeRole without the ID succeeds.
    let config = role_connection(dir.path(), moto_account, &open_role, EXTERNAL_ID, moto_account);
    let (report, _) = run(&moto(), &key, &secret, &config, &[]);
    let p3 = find(&report, "PROBE003", "trust policy");
    assert_eq!(p3["status"], "fail", "{p3:#}");
    assert!(p3["message"].as_str().unwrap().contains("TRUST001"), "{p3:#}");
    assert_eq!(p3["severity"], "error");
}

/// moto has no Lake Formation: it shows every principal every table. The double
/// answers Glue GetTables as Lake Formation does — the doctor's own key sees
/// `orders` and `salaries`, the assumed role's session only `orders`, no error.
#[test]
fn tables_hidden_by_lake_formation_are_named_with_the_grant() {
    let reason = Arc::new(Mutex::new(None));
    let r = reason.clone();
    let d = double::start(move |req| match req.action.as_str() {
        "AWSGlue.GetTables" => {
            let names: &[&str] = if req.key == SESSION_KEY {
                &["orders"]
            } else {
                &["orders", "salaries"]
            };
            let list: Vec<Value> = names
                .iter()
                .map(|n| json!({"Name": n, "DatabaseName": "sales"}))
                .collect();
            Reply::json(200, json!({"TableList": list}))
        }
        _ => vendor_side(req, &r),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), ACCOUNT, "bi-athena", EXTERNAL_ID, VENDOR);
    let (report, _) = run(&d.endpoint, VENDOR_KEY, "vendor-secret", &config, &[]);
    let hidden = find(&report, "ATHENA009", "sales");
    assert_eq!(hidden["status"], "fail", "{hidden:#}");
    let message = hidden["message"].as_str().unwrap();
    assert!(
        message.contains("1 of the 2 tables of sales are hidden from the connection: salaries"),
        "{message}"
    );
    // As the shell reads the command: the role (not the session), the one table.
    let words = shlex::split(hidden["fix"]["command"].as_str().unwrap()).unwrap();
    assert_eq!(
        words,
        [
            "aws",
            "lakeformation",
            "grant-permissions",
            "--principal",
            "DataLakePrincipalIdentifier=arn:aws:iam::111122223333:role/bi-athena",
            "--permissions",
            "DESCRIBE",
            "SELECT",
            "--resource",
            r#"{"Table":{"DatabaseName":"sales","Name":"salaries"}}"#,
        ]
    );
    assert_eq!(hidden["fix"]["applicability"], "unsafe");
    // Both views were read: one GetTables with the doctor's key, one as the session.
    let requests = d.requests.lock().unwrap();
    let keys: Vec<&str> = requests
        .iter()
        .filter(|r| r.action == "AWSGlue.GetTables")
        .map(|r| r.key.as_str())
        .collect();
    assert!(
        keys.contains(&VENDOR_KEY) && keys.contains(&SESSION_KEY),
        "{keys:?}"
    );
}
