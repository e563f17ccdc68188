//! `hook`: what pre-commit runs on changed files, with the policy files the naming
//! rule puts beside each connection.

use crate::common;

use common::{doctor, root};

fn copy(from: &str, to: &std::path::Path) {
    std::fs::copy(root().join("fixtures/examples").join(from), to).unwrap();
}

#[test]
fn a_changed_policy_file_judges_the_connection_beside_it_with_its_policies() {
    let dir = tempfile::tempdir().unwrap();
    copy("acme-healthy.toml", &dir.path().join("acme.athena.toml"));
    copy("acme-trust.json", &dir.path().join("acme.athena.trust.json"));
    copy("acme-policy.json", &dir.path().join("acme.athena.policy.json"));
    // Both policy files changed: the connection beside them is judged once, with
    // both its trust and its identity policy.
    let out = doctor()
        .arg("hook")
        .arg(dir.path().join("acme.athena.trust.json"))
        .arg(dir.path().join("acme.athena.policy.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("acme.athena.toml:"), "{text}");
    assert!(
        text.contains("TRUST002"),
        "the trust policy beside it was read: {text}"
    );
    assert!(
        text.contains("S3002"),
        "the identity policy beside it was read: {text}"
    );
    assert_eq!(
        text.matches("athena-doctor: ").count(),
        1,
        "judged once for two changed files"
    );

    // A policy file whose connection is not beside it is no connection of its
    // own: nothing is judged.
    copy("acme-trust.json", &dir.path().join("other.trust.json"));
    let alone = doctor()
        .arg("hook")
        .arg(dir.path().join("other.trust.json"))
        .output()
        .unwrap();
    assert_eq!(
        alone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&alone.stdout).contains("athena-doctor: "),
        "nothing judged"
    );
}

#[test]
fn a_bad_connection_is_reported_and_the_others_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.athena.toml");
    std::fs::write(&broken, "display_name = \"x\"\nregion = [\n").unwrap();
    let good = dir.path().join("acme.athena.toml");
    copy("acme-healthy.toml", &good);
    let out = doctor().arg("hook").arg(&broken).arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "bad input wins the exit status");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.athena.toml:"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme.athena.toml:"));
}
