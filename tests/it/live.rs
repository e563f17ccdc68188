//! Live inspection against moto (the AWS emulator, started by tests/with-moto.sh):
//! each test builds its account state through the AWS SDK for Rust, with names of
//! its own, then runs the real binary against it over HTTP.

use crate::common;

use common::moto::{aws, endpoint, runtime, unique};
use common::{doctor, stdout_json};
use serde_json::Value;
use std::path::Path;

const ACCOUNT: &str = "123456789012"; // moto's default account
const VENDOR: &str = "999988887777";
const EXTERNAL_ID: &str = "omni-4f2a9c";

fn trust_policy() -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{VENDOR}:root")}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]})
    .to_string()
}

/// An account with a role under a path, a results bucket, a data bucket in another
/// region, a workgroup that enforces its own output location, and a Glue database
/// whose table sits inside the results prefix.
struct Account {
    role: String,
    results: String,
    lake: String,
    workgroup: String,
    schema: String,
    lambda_catalog: String,
}

fn build_account() -> Account {
    let id = unique("ad").replace('-', "");
    let account = Account {
        role: format!("bi-{id}"),
        results: format!("ad-results-{id}"),
        lake: format!("ad-lake-{id}"),
        workgroup: format!("wg-{id}"),
        schema: format!("sales_{id}"),
        lambda_catalog: format!("fed_{id}"),
    };
    runtime().block_on(async {
        let aws = aws().await;
        aws.iam
            .create_role()
            .role_name(&account.role)
            .path("/service/")
            .assume_role_policy_document(trust_policy())
            .send()
            .await
            .unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "athena:*", "glue:*"], "Resource": "*"}]});
        aws.iam
            .put_role_policy()
            .role_name(&account.role)
            .policy_name("athena")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
        aws.s3
            .create_bucket()
            .bucket(&account.results)
            .send()
            .await
            .unwrap();
        aws.s3
            .create_bucket()
            .bucket(&account.lake)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        // A workgroup that overrides client-side settings with its own location.
        // (moto cannot disable a workgroup: it has no UpdateWorkGroup.)
        aws.athena
            .create_work_group()
            .name(&account.workgroup)
            .configuration(
                aws_sdk_athena::types::WorkGroupConfiguration::builder()
                    .enforce_work_group_configuration(true)
                    .result_configuration(
                        aws_sdk_athena::types::ResultConfiguration::builder()
                            .output_location(format!("s3://{}/workgroup/", account.results))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        aws.glue
            .create_database()
            .database_input(
                aws_sdk_glue::types::DatabaseInput::builder()
                    .name(&account.schema)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        aws.glue
            .create_table()
            .database_name(&account.schema)
            .table_input(
                aws_sdk_glue::types::TableInput::builder()
                    .name("orders")
                    .storage_descriptor(
                        aws_sdk_glue::types::StorageDescriptor::builder()
                            .location(format!("s3://{}/omni/orders/", account.results))
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        // SSE-KMS with a customer key the role's policy does not mention.
        common::moto::encrypt_with_kms(
            &aws.s3,
            &account.results,
            &format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", account.lambda_catalog),
        )
        .await;
        // A federated catalog backed by a Lambda function.
        aws.athena
            .create_data_catalog()
            .name(&account.lambda_catalog)
            .r#type(aws_sdk_athena::types::DataCatalogType::Lambda)
            .parameters(
                "function",
                format!(
                    "arn:aws:lambda:us-east-1:{ACCOUNT}:function:{}",
                    account.lambda_catalog
                ),
            )
            .send()
            .await
            .unwrap();
    });
    account
}

fn connection(
    dir: &Path,
    a: &Account,
    results: &str,
    workgroup: &str,
    role_path: &str,
    extra: &str,
) -> std::path::PathBuf {
    let text = format!(
        "display_name = \"live\"\ns3_output_bucket = \"s3://{results}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_schemas = \"{schema}, missing_schema\"\ndefault_schema = \"{schema}\"\ndatabase_timezone = \"UTC\"\n\
         region = \"us-east-1\"\nworkgroup = \"{workgroup}\"\ndata_buckets = [\"{lake}\"]\n{extra}\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{ACCOUNT}:role/{role_path}{role}\"\n\
         external_id = \"{EXTERNAL_ID}\"\ntrusted_account_id = \"{VENDOR}\"\n",
        schema = a.schema,
        lake = a.lake,
        role = a.role,
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_live(config: &Path, extra: &[&str]) -> Value {
    let mut cmd = doctor();
    cmd.env("AWS_ENDPOINT_URL", endpoint())
        .args(["doctor", "--format", "json", "--timeout", "10", "--config"])
        .arg(config)
        .args(extra);
    stdout_json(&cmd.output().unwrap())
}

fn find<'a>(report: &'a Value, code: &str, subject: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code && c["subject"] == subject)
        .unwrap_or_else(|| panic!("no {code} check about {subject} in {report:#}"))
}

fn status(report: &Value, code: &str, subject: &str) -> String {
    let c = find(report, code, subject);
    format!(
        "{} {}",
        c["status"].as_str().unwrap(),
        c["severity"].as_str().unwrap()
    )
}

#[test]
fn live_rules_read_the_account() {
    if !common::moto::available() {
        return;
    }
    let a = build_account();
    let dir = tempfile::tempdir().unwrap();
    // The role exists under /service/, the connection names it without the path.
    let config = connection(dir.path(), &a, &a.results, &a.workgroup, "", "");
    let report = run_live(&config, &[]);
    let role3 = find(&report, "ROLE003", "auth.role_arn");
    assert_eq!(role3["status"], "fail", "{role3:#}");
    assert_eq!(
        role3["fix"]["value"],
        format!("arn:aws:iam::{ACCOUNT}:role/service/{}", a.role)
    );
    assert_eq!(status(&report, "S3001", &a.results), "pass error");
    assert_eq!(status(&report, "REGION003", &a.results), "pass error");
    assert_eq!(status(&report, "ATHENA003", &a.workgroup), "pass error");
    let enforced = find(&report, "ATHENA004", &a.workgroup);
    assert_eq!(enforced["status"], "fail", "{enforced:#}");
    assert_eq!(enforced["fix"]["value"], format!("s3://{}/workgroup/", a.results));
    assert_eq!(status(&report, "CATALOG003", &a.schema), "pass error");
    assert_eq!(status(&report, "CATALOG003", "missing_schema"), "fail error");
    assert_eq!(status(&report, "CATALOG002", "awsdatacatalog"), "pass error");
    // The doctor runs as moto's account, not the vendor's: its AssumeRole answers
    // say nothing about the vendor's, and both role probes skip saying so.
    for code in ["PROBE002", "PROBE003"] {
        let probe = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap();
        assert_eq!(probe["status"], "skip", "{probe:#}");
        assert!(
            probe["message"]
                .as_str()
                .unwrap()
                .contains(&format!("not in the vendor's account {VENDOR}")),
            "{probe:#}"
        );
    }
    let overlap = find(&report, "S3006", &format!("s3://{}/omni/", a.results));
    assert_eq!(overlap["status"], "fail");
    assert!(
        overlap["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}.orders", a.schema))
    );
    assert_eq!(status(&report, "PROBE006", "environment"), "fail info");
    let key = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", a.lambda_catalog);
    let kms = find(&report, "S3005", &key);
    assert_eq!(kms["status"], "fail", "{kms:#}");
    assert!(
        kms["message"]
            .as_str()
            .unwrap()
            .contains("kms:GenerateDataKey, kms:Decrypt are not allowed")
    );
    // The trust and permission rules were fed from the live documents.
    assert_eq!(status(&report, "TRUST002", "trust policy"), "pass error");
    assert_eq!(
        status(&report, "S3002", &format!("arn:aws:s3:::{}", a.results)),
        "pass error"
    );

    // With the right path, another region's bucket, a missing workgroup and catalog.
    let config = connection(
        dir.path(),
        &a,
        &a.lake,
        "no-such-workgroup",
        "service/",
        "include_other_data_catalogs = \"no_such_catalog\"",
    );
    let report = run_live(&config, &[]);
    assert_eq!(status(&report, "ROLE003", "auth.role_arn"), "pass error");
    let region = find(&report, "REGION003", &a.lake);
    assert_eq!(region["status"], "fail");
    // The cure: a results bucket in the connection's region (created by a
    // companion finding's fix); the region change is only named as the alternative.
    let moved = format!("{}-us-east-1", a.lake);
    assert_eq!(region["fix"]["value"], format!("s3://{moved}/omni/"));
    assert!(
        region["fix"]["note"]
            .as_str()
            .unwrap()
            .contains("region = \"eu-west-1\"")
    );
    assert_eq!(
        find(&report, "REGION003", &moved)["fix"]["command"],
        format!("aws s3api create-bucket --bucket {moved} --region us-east-1")
    );
    assert_eq!(status(&report, "ATHENA003", "no-such-workgroup"), "fail error");
    assert_eq!(status(&report, "CATALOG002", "no_such_catalog"), "fail error");

    // The federated catalog: the role may not invoke its function.
    let config = connection(
        dir.path(),
        &a,
        &a.results,
        "primary",
        "service/",
        &format!("include_other_data_catalogs = \"{}\"", a.lambda_catalog),
    );
    let report = run_live(&config, &[]);
    let function = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{}", a.lambda_catalog);
    assert_eq!(status(&report, "ATHENA007", &function), "fail error");
    assert_eq!(status(&report, "CATALOG002", &a.lambda_catalog), "pass error");

    // No region: us-east-1 is assumed, but the results bucket is in eu-west-1.
    let config = connection(dir.path(), &a, &a.lake, "primary", "service/", "");
    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("region = \"us-east-1\"\n", ""),
    )
    .unwrap();
    let report = run_live(&config, &[]);
    let region = find(&report, "REGION002", "region");
    assert_eq!(
        (region["status"].as_str(), region["severity"].as_str()),
        (Some("fail"), Some("warning"))
    );
    assert_eq!(region["fix"]["value"], "eu-west-1");

    // No output location anywhere: the connection has none and neither has `primary`.
    let config = connection(dir.path(), &a, &a.results, "primary", "service/", "");
    let text = std::fs::read_to_string(&config).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("s3_output_bucket"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, text).unwrap();
    let report = run_live(&config, &[]);
    assert_eq!(status(&report, "ATHENA005", "output location"), "fail error");

    // A results bucket that does not exist.
    let config = connection(dir.path(), &a, &unique("ad-missing"), "primary", "service/", "");
    let report = run_live(&config, &[]);
    let missing = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "S3001")
        .unwrap();
    assert_eq!(missing["status"], "fail", "{missing:#}");
}

#[test]
fn a_snapshot_replays_to_the_same_report_and_holds_no_secret() {
    if !common::moto::available() {
        return;
    }
    let a = build_account();
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &a, &a.results, &a.workgroup, "service/", "");
    let snap = dir.path().join("snap.json");
    let canary = "CANARYxUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKY";
    doctor()
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("ATHENA_DOCTOR_SECRET_ACCESS_KEY", canary)
        .env("AWS_SESSION_TOKEN", "CANARY-SESSION-TOKEN")
        .env("AWS_SECRET_ACCESS_KEY", "CANARY-AWS-SECRET")
        .args(["snapshot", "--timeout", "10", "--config"])
        .arg(&config)
        .arg("-o")
        .arg(&snap)
        .assert()
        .success();
    let text = std::fs::read_to_string(&snap).unwrap();
    assert!(!text.contains("CANARY"), "a secret reached the snapshot");
    let live = run_live(&config, &[]);
    let replay = stdout_json(
        &doctor()
            .args(["doctor", "--format", "json", "--snapshot"])
            .arg(&snap)
            .output()
            .unwrap(),
    );
    assert_eq!(live["checks"], replay["checks"]);
    assert!(
        live["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "ROLE003" && c["status"] == "pass")
    );
}

/// An endpoint that accepts connections and never answers: the network check finds
/// it (NET001, "gave no answer") within the --deadline, nothing is called, and what
/// needed a call skips citing NET001; the run ends with the report and 0/1, never 2.
#[test]
fn the_deadline_cuts_the_work_not_the_report() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold every connection, never answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let output = common::doctor_at(&format!("http://127.0.0.1:{port}"))
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "3600",
            "--deadline",
            "2",
            "--config",
        ])
        .arg(common::root().join("fixtures/scenarios/healthy-role/connection.toml"))
        // The per-call timeout is an hour: only the 2 s deadline can end this run.
        // A run still going after 120 s is killed, and the exit check below fails.
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout_json(&output);
    let net = find(&report, "NET001", &format!("iam: http://127.0.0.1:{port}"));
    assert_eq!(net["status"], "fail", "{net}");
    assert!(
        net["message"].as_str().unwrap().contains("gave no answer"),
        "{net}"
    );
    let role = find(&report, "ROLE003", "auth.role_arn");
    assert_eq!(role["status"], "skip");
    assert!(role["message"].as_str().unwrap().contains("(NET001)"), "{role}");
    // Nothing was read, so no check that needs a read passes.
    for check in report["checks"].as_array().unwrap() {
        let code = check["code"].as_str().unwrap();
        let needs_a_read = [
            "ROLE003",
            "S3001",
            "S3005",
            "S3006",
            "ATHENA003",
            "ATHENA004",
            "ATHENA006",
            "ATHENA007",
            "REGION003",
            "CATALOG002",
            "CATALOG003",
        ];
        assert!(
            !(needs_a_read.contains(&code) && check["status"] == "pass"),
            "{check}"
        );
    }
}

/// Every call answered with a bare HTTP 500 (the HTTP double: moto cannot be made
/// to fail): the reasons are words ("HTTP 500 with no AWS error code or message"),
/// never the SDK's debug text, and nothing that needs a read passes.
#[test]
fn a_bare_server_error_is_said_in_words() {
    let d = common::double::start(|_| common::double::Reply(500, "text/plain", String::new()));
    let output = common::doctor_at(&d.endpoint)
        .args([
            "doctor",
            "--format",
            "json",
            "--no-probes",
            "--timeout",
            "5",
            "--config",
        ])
        .arg(common::root().join("fixtures/scenarios/healthy-role/connection.toml"))
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout_json(&output);
    let role = find(&report, "ROLE003", "auth.role_arn");
    assert_eq!(role["status"], "skip");
    let text = report.to_string();
    assert!(
        text.contains("HTTP 500 with no AWS error code or message"),
        "{role}"
    );
    assert!(
        !text.contains("unhandled error") && !text.contains("Error {"),
        "{text}"
    );
}

#[test]
fn an_unreachable_endpoint_becomes_skips_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        std::fs::read_to_string(common::root().join("fixtures/scenarios/healthy-role/connection.toml"))
            .unwrap(),
    )
    .unwrap();
    // Nothing listens on port 9 (discard) here: every call is refused.
    let output = common::doctor_at("http://127.0.0.1:9")
        .args(["doctor", "--format", "json", "--timeout", "2", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    // The network is the finding (NET001, exit 1); what needed it skips.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout_json(&output);
    let net = find(&report, "NET001", "iam: http://127.0.0.1:9");
    assert_eq!(net["status"], "fail");
    assert!(
        net["message"]
            .as_str()
            .unwrap()
            .contains("refused: nothing listens"),
        "{net}"
    );
    let role = find(&report, "ROLE003", "auth.role_arn");
    assert_eq!(role["status"], "skip");
    let message = role["message"].as_str().unwrap();
    assert!(message.starts_with("needs iam:GetRole, which "), "{role:#}");
    assert!(message.contains("(NET001)"), "{role:#}");
}

#[test]
fn an_access_key_users_group_policies_count() {
    if !common::moto::available() {
        return;
    }
    let id = unique("u").replace('-', "");
    let (key_id, user) = runtime().block_on(async {
        let aws = aws().await;
        let user = format!("bi-user-{id}");
        let group = format!("bi-group-{id}");
        aws.iam.create_user().user_name(&user).send().await.unwrap();
        aws.iam.create_group().group_name(&group).send().await.unwrap();
        aws.iam
            .add_user_to_group()
            .group_name(&group)
            .user_name(&user)
            .send()
            .await
            .unwrap();
        let athena_only = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "athena:*", "Resource": "*"}]});
        aws.iam
            .put_group_policy()
            .group_name(&group)
            .policy_name("athena")
            .policy_document(athena_only.to_string())
            .send()
            .await
            .unwrap();
        let key = aws.iam.create_access_key().user_name(&user).send().await.unwrap();
        (key.access_key().unwrap().access_key_id().to_string(), user)
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "display_name = \"user\"\ns3_output_bucket = \"s3://{bucket}/\"\ndata_catalog = \"awsdatacatalog\"\n\
             database_timezone = \"UTC\"\nregion = \"us-east-1\"\naccount_id = \"{ACCOUNT}\"\n\
             [auth]\ntype = \"access_key\"\naccess_key_id = \"{key_id}\"\n",
            bucket = unique("ad-user-results"),
        ),
    )
    .unwrap();
    let report = run_live(&config, &[]);
    let workgroup = format!("arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/primary");
    // Allowed only through the group's policy: the group was read.
    let athena = find(&report, "ATHENA001", &workgroup);
    assert_eq!(athena["status"], "pass", "{athena:#}");
    assert!(
        athena["message"]
            .as_str()
            .unwrap()
            .contains(&format!("of group bi-group-{id}")),
        "{athena:#}"
    );
    // Nothing grants S3: the user's grants live in its group's policy, so the fix
    // adds the statement there (never a copy of the group's into a user policy).
    let s3 = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "S3002" && c["status"] == "fail")
        .unwrap();
    assert!(
        s3["fix"]["command"].as_str().unwrap().starts_with(&format!(
            "aws iam put-group-policy --group-name bi-group-{id} --policy-name athena "
        )),
        "{s3:#}"
    );
    let _ = user;
}
