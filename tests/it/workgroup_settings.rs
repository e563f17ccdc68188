//! Athena as customers run it today: one workgroup setting changed at a time on
//! an otherwise healthy role connection in moto, the doctor (the binary, live)
//! gives exactly that setting's finding, with its fix; the healthy settings
//! (the key allowed, the ACL set, requester pays enabled, the owner right) give
//! none.
//!
//! moto stores every workgroup configuration the SDK sends and returns it from
//! GetWorkGroup, so the workgroups are moto's. Where moto does not answer as AWS
//! does, the fault proxy in front of it gives AWS's answer, and only for that
//! call: moto's S3 ignores `x-amz-expected-bucket-owner` (AWS answers 403 for
//! another owner) and has no request payment configuration (AWS answers
//! `Payer: Requester` for a requester pays bucket); the Glue Data Catalog's
//! encryption is one setting of the whole account and region, which every other
//! test running against the same moto would see, so its answer comes from the
//! proxy too.

use crate::common;

use common::moto::{aws, kms_key, role_with_inline_policy, runtime, unique};
use common::proxy::{self, Fault};
use common::{doctor, failures, moto, stdout_json};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

const ACCOUNT: &str = "123456789012"; // moto's default account
const VENDOR: &str = "999988887777";
const EXTERNAL_ID: &str = "omni-4f2a9c";

/// One setting, as the test sets it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setting {
    Healthy,
    ResultKeyDenied,
    OtherOwner,
    AclRequired,
    RequesterPays,
    IdentityCenter,
    Spark,
    ManagedResults,
    SmallCutoff,
    CatalogKeyDenied,
}

/// A key policy that lets IAM policies of the account grant the key.
fn delegating() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

/// A key policy naming only an administrator: no one else may use the key.
fn admin_only() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/key-admin")}, "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

/// The account for `setting`: a role the vendor may assume with the External
/// ID, allowed what the connection needs (and any KMS key its policy lets it
/// use); a results bucket and a data bucket; the workgroup with `setting`.
/// Returns the connection's directory and the faults the proxy answers with.
fn account(setting: Setting) -> (tempfile::TempDir, HashMap<String, Fault>) {
    let id = unique("ws").replace('-', "");
    let (role, results, lake, workgroup) = (
        format!("bi-{id}"),
        format!("ws-results-{id}"),
        format!("ws-lake-{id}"),
        format!("bi-{id}"),
    );
    runtime().block_on(async {
        use aws_sdk_athena::types as t;
        let aws = aws().await;
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{VENDOR}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]});
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["athena:*", "glue:*", "kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject",
                "s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts"],
             "Resource": [format!("arn:aws:s3:::{results}"), format!("arn:aws:s3:::{results}/*"),
                format!("arn:aws:s3:::{lake}"), format!("arn:aws:s3:::{lake}/*")]}]});
        role_with_inline_policy(&aws.iam, &role, &trust, "bi-access", &policy).await;
        for bucket in [&results, &lake] {
            aws.s3.create_bucket().bucket(bucket).send().await.unwrap();
        }
        if setting == Setting::AclRequired {
            let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "OwnerFullControl",
                "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                "Resource": format!("arn:aws:s3:::{results}/*"),
                "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]});
            aws.s3
                .put_bucket_policy()
                .bucket(&results)
                .policy(policy.to_string())
                .send()
                .await
                .unwrap();
        }
        // The healthy workgroup already carries today's settings, each one the
        // BI tool can live with: results encrypted with a key the role may use,
        // the owner it has, the ACL written, requester pays allowed, a roomy cutoff.
        let key = kms_key(
            &aws.kms,
            &if setting == Setting::ResultKeyDenied {
                admin_only()
            } else {
                delegating()
            },
        )
        .await;
        let encryption = t::EncryptionConfiguration::builder()
            .encryption_option(t::EncryptionOption::SseKms)
            .kms_key(&key)
            .build()
            .unwrap();
        let mut results_config = t::ResultConfiguration::builder()
            .encryption_configuration(encryption)
            .expected_bucket_owner(ACCOUNT);
        if setting != Setting::AclRequired {
            results_config = results_config.acl_configuration(
                t::AclConfiguration::builder()
                    .s3_acl_option(t::S3AclOption::BucketOwnerFullControl)
                    .build()
                    .unwrap(),
            );
        }
        let mut config = t::WorkGroupConfiguration::builder()
            .result_configuration(results_config.build())
            .enforce_work_group_configuration(false)
            .requester_pays_enabled(setting != Setting::RequesterPays)
            .bytes_scanned_cutoff_per_query(if setting == Setting::SmallCutoff {
                10 << 20
            } else {
                100 << 30
            })
            .engine_version(
                t::EngineVersion::builder()
                    .selected_engine_version(if setting == Setting::Spark {
                        "PySpark engine version 3"
                    } else {
                        "Athena engine version 3"
                    })
                    .build(),
            );
        if setting == Setting::IdentityCenter {
            config = config.identity_center_configuration(
                t::IdentityCenterConfiguration::builder()
                    .enable_identity_center(true)
                    .identity_center_instance_arn("arn:aws:sso:::instance/ssoins-1111222233334444")
                    .build(),
            );
        }
        if setting == Setting::ManagedResults {
            config = config.managed_query_results_configuration(
                t::ManagedQueryResultsConfiguration::builder()
                    .enabled(true)
                    .build(),
            );
        }
        aws.athena
            .create_work_group()
            .name(&workgroup)
            .configuration(config.build())
            .send()
            .await
            .unwrap();
    });
    let mut faults = HashMap::new();
    // AWS's answers where moto has none (see the module's comment).
    let payer = if setting == Setting::RequesterPays {
        "Requester"
    } else {
        "BucketOwner"
    };
    let payment: &'static str = Box::leak(
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><RequestPaymentConfiguration \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Payer>{payer}</Payer></RequestPaymentConfiguration>"
        )
        .into_boxed_str(),
    );
    faults.insert(
        "s3:GetBucketRequestPayment".to_string(),
        Fault::Answer(200, payment),
    );
    if setting == Setting::OtherOwner {
        faults.insert(
            "s3:HeadBucket (expected owner)".to_string(),
            Fault::Answer(403, ""),
        );
    }
    let catalog = if setting == Setting::CatalogKeyDenied {
        let key = runtime().block_on(async { kms_key(&aws().await.kms, &admin_only()).await });
        format!(
            "{{\"DataCatalogEncryptionSettings\": {{\"EncryptionAtRest\": {{\"CatalogEncryptionMode\": \
             \"SSE-KMS\", \"SseAwsKmsKeyId\": \"{key}\"}}}}}}"
        )
    } else {
        "{\"DataCatalogEncryptionSettings\": {\"EncryptionAtRest\": {\"CatalogEncryptionMode\": \"DISABLED\"}}}"
            .to_string()
    };
    faults.insert(
        "glue:GetDataCatalogEncryptionSettings".to_string(),
        Fault::Answer(200, Box::leak(catalog.into_boxed_str())),
    );
    let dir = tempfile::tempdir().unwrap();
    connection(dir.path(), &role, &results, &lake, &workgroup);
    (dir, faults)
}

fn connection(dir: &Path, role: &str, results: &str, lake: &str, workgroup: &str) {
    let text = format!(
        "display_name = \"workgroup settings\"\ns3_output_bucket = \"s3://{results}/omni/\"\n\
         data_catalog = \"AwsDataCatalog\"\nregion = \"us-east-1\"\nworkgroup = \"{workgroup}\"\n\
         data_buckets = [\"{lake}\"]\n\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{ACCOUNT}:role/{role}\"\n\
         external_id = \"{EXTERNAL_ID}\"\ntrusted_account_id = \"{VENDOR}\"\n"
    );
    std::fs::write(dir.join("connection.toml"), text).unwrap();
}

/// The doctor's JSON report, live through the proxy in front of moto.
fn report(setting: Setting) -> Value {
    let (dir, faults) = account(setting);
    let proxy = proxy::start(&moto::endpoint(), faults);
    let output = doctor()
        .current_dir(dir.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .args(["doctor", "--format", "json", "--timeout", "10", "--no-probes"])
        .args(["--config", "connection.toml"])
        .output()
        .unwrap();
    stdout_json(&output)
}

/// The codes of the failing checks.
fn failing(report: &Value) -> BTreeSet<String> {
    failures(report)
        .into_iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

fn checks<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .collect()
}

const NEW: &[&str] = &[
    "ATHENA010",
    "ATHENA011",
    "ATHENA012",
    "ATHENA013",
    "ATHENA014",
    "ATHENA015",
    "S3004",
    "S3008",
    "S3009",
    "CATALOG006",
];

#[test]
fn each_setting_alone_gives_exactly_its_finding_with_its_fix() {
    if !moto::available() {
        return;
    }
    let healthy = report(Setting::Healthy);
    // Each of today's settings was read and judged, and none is a finding.
    for code in NEW {
        let mine = checks(&healthy, code);
        assert!(
            !mine.is_empty() && mine.iter().all(|c| c["status"] == "pass"),
            "{code} on the healthy workgroup: {mine:#?}"
        );
    }
    let before = failing(&healthy);
    let cases = [
        (Setting::ResultKeyDenied, "ATHENA010", "error"),
        (Setting::OtherOwner, "ATHENA011", "error"),
        (Setting::AclRequired, "S3008", "error"),
        (Setting::RequesterPays, "S3009", "warning"),
        (Setting::IdentityCenter, "ATHENA013", "error"),
        (Setting::Spark, "ATHENA014", "error"),
        (Setting::ManagedResults, "ATHENA012", "error"),
        (Setting::SmallCutoff, "ATHENA015", "warning"),
        (Setting::CatalogKeyDenied, "CATALOG006", "error"),
    ];
    for (setting, code, severity) in cases {
        let after = report(setting);
        let new: BTreeSet<String> = failing(&after).difference(&before).cloned().collect();
        assert_eq!(
            new,
            BTreeSet::from([code.to_string()]),
            "{setting:?} must give exactly {code}: {after:#}"
        );
        let mine: Vec<&Value> = checks(&after, code)
            .into_iter()
            .filter(|c| c["status"] == "fail")
            .collect();
        for check in &mine {
            assert_eq!(check["severity"], severity, "{check:#}");
            assert!(
                check["fix"].is_object(),
                "{setting:?}: {code} without a fix: {check:#}"
            );
        }
    }
}
