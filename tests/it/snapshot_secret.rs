//! `snapshot --secret-file`: taken as `doctor` takes it (the probes sign with
//! the key), and never written into the snapshot.

use crate::common;

use common::{doctor, root};

#[test]
fn snapshot_accepts_the_secret_file_and_never_writes_the_secret() {
    let dir = root().join("fixtures/scenarios/access-key-user-policy");
    let secret = std::fs::read_to_string(dir.join("secret.txt")).unwrap();
    // Nothing answers on port 9: every read fails fast, as a fact.
    let out = doctor()
        .args(["snapshot", "--timeout", "1", "--deadline", "5", "--config"])
        .arg(dir.join("connection.toml"))
        .arg("--secret-file")
        .arg(dir.join("secret.txt"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "doctor-own-secret")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("unexpected argument"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    let snapshot = String::from_utf8_lossy(&out.stdout);
    assert!(snapshot.contains("\"version\""), "{snapshot}");
    assert!(!snapshot.contains(secret.trim()), "the secret was written");
}

/// A replayed snapshot says it was read from a snapshot, never "read live".
#[test]
fn a_replayed_snapshot_says_it_is_one() {
    let snapshot = root().join("fixtures/snapshots/broken.json");
    for format in ["table", "markdown"] {
        let out = doctor()
            .args(["doctor", "--format", format, "--snapshot"])
            .arg(&snapshot)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.to_lowercase().contains("read from a snapshot"),
            "{format}:\n{text}"
        );
        assert!(!text.to_lowercase().contains("read live as"), "{format}:\n{text}");
    }
}
