//! moto (the AWS emulator, started by tests/with-moto.sh): its endpoint, SDK
//! configuration for building test state, and names no other test uses.

use aws_config::BehaviorVersion;

pub fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(
        "the live tests need moto: run them with `bash tests/with-moto.sh` (it starts moto and sets MOTO_ENDPOINT)",
    )
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

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
