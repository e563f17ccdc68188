//! moto (the AWS emulator, started by tests/with-moto.sh): its endpoint, SDK
//! configuration for building test state, and names no other test uses.

use aws_config::BehaviorVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(
        "the live tests need moto: run them with `bash tests/with-moto.sh` (it starts moto and sets MOTO_ENDPOINT)",
    )
}

/// Whether moto is there for this test. A plain `cargo test` (no
/// `MOTO_ENDPOINT`) skips the test and says why; under `tests/with-moto.sh` or CI
/// (`ATHENA_DOCTOR_REQUIRE_MOTO` or `CI` set) a missing emulator fails it.
pub fn available() -> bool {
    if std::env::var_os("MOTO_ENDPOINT").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    let required = ["ATHENA_DOCTOR_REQUIRE_MOTO", "CI"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    assert!(
        !required,
        "{test} needs moto, and this run requires it, but MOTO_ENDPOINT is not set: run `bash tests/with-moto.sh`"
    );
    // Straight to the process's stderr: the test harness captures `eprintln!`
    // of passing tests, and this reason must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: it needs moto and MOTO_ENDPOINT is not set (`bash tests/with-moto.sh` runs it)"
    );
    false
}

/// The AWS CLI the round trips run apply.sh with: the one tests/with-moto.sh
/// installs, else `aws` on PATH. Missing where moto is required, the test fails.
pub fn aws_cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ATHENA_DOCTOR_AWS_CLI").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let found = std::process::Command::new("aws").arg("--version").output();
    match found {
        Ok(o) if o.status.success() => Some(PathBuf::from("aws")),
        _ => {
            assert!(
                std::env::var_os("ATHENA_DOCTOR_REQUIRE_MOTO").is_none(),
                "the fix round trip needs the AWS CLI: tests/with-moto.sh installs it"
            );
            eprintln!(
                "skipped: the fix round trip needs the AWS CLI (`bash tests/with-moto.sh` installs it)"
            );
            None
        }
    }
}

/// bash with the AWS CLI first on PATH, pointed at moto with its test
/// credentials: how the round trips run what the doctor printed or wrote.
pub fn bash_with_aws_cli(aws: &std::path::Path) -> std::process::Command {
    let bin = aws.parent().filter(|p| !p.as_os_str().is_empty());
    let path = match bin {
        Some(d) => format!("{}:{}", d.display(), std::env::var("PATH").unwrap_or_default()),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let mut bash = std::process::Command::new("bash");
    bash.env("PATH", path)
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE");
    bash
}

/// A role with `trust` as its trust policy and one inline policy `name`.
pub async fn role_with_inline_policy(
    iam: &aws_sdk_iam::Client,
    role: &str,
    trust: &serde_json::Value,
    name: &str,
    policy: &serde_json::Value,
) {
    iam.create_role()
        .role_name(role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
}

/// Names no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// SDK configuration for setting up state in moto (its unchecked test credentials).
pub async fn config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await
}

/// SDK clients for building test state in moto.
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub athena: aws_sdk_athena::Client,
    pub glue: aws_sdk_glue::Client,
    pub kms: aws_sdk_kms::Client,
}

pub async fn aws() -> Aws {
    let config = config().await;
    Aws {
        iam: aws_sdk_iam::Client::new(&config),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        ),
        athena: aws_sdk_athena::Client::new(&config),
        glue: aws_sdk_glue::Client::new(&config),
        kms: aws_sdk_kms::Client::new(&config),
    }
}

/// A customer-managed KMS key with this key policy: its ARN.
pub async fn kms_key(kms: &aws_sdk_kms::Client, policy: &str) -> String {
    let key = kms.create_key().policy(policy).send().await.unwrap();
    key.key_metadata().unwrap().arn().unwrap().to_string()
}

/// Default encryption of `bucket` with a customer-managed KMS key (SSE-KMS).
pub async fn encrypt_with_kms(s3: &aws_sdk_s3::Client, bucket: &str, key_arn: &str) {
    let by_default = aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .kms_master_key_id(key_arn)
        .build()
        .unwrap();
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                .rules(
                    aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(by_default)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
