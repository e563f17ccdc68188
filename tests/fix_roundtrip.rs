//! Fixes applied exactly as written, against moto: build a broken account through
//! the AWS SDK for Rust, run `doctor --write-fixes DIR --unsafe-fixes` live, run
//! `DIR/apply.sh` with the real AWS CLI against moto, run the doctor again on
//! DIR's connection file: every finding that had a fix is gone, and no new error.

mod common;

use common::broken;
use common::moto::endpoint;
use common::{doctor, failures, moto, stdout_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The AWS CLI the round trips run apply.sh with: the one tests/with-moto.sh
/// installs, else `aws` on PATH. Missing where moto is required, the test fails.
fn aws_cli() -> Option<PathBuf> {
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

fn run(cwd: &Path, config: &str, extra: &[&str]) -> Value {
    let mut cmd = doctor();
    cmd.current_dir(cwd)
        .env("AWS_ENDPOINT_URL", endpoint())
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "10",
            "--no-probes",
            "--config",
            config,
        ])
        .args(extra);
    stdout_json(&cmd.output().unwrap())
}

#[test]
fn apply_sh_as_written_clears_the_findings() {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let b = broken::build();
    let tmp = tempfile::tempdir().unwrap();
    broken::connection(tmp.path(), &b);
    let before = run(
        tmp.path(),
        "connection.toml",
        &["--write-fixes", "fixes", "--unsafe-fixes"],
    );
    let fixed: Vec<&Value> = failures(&before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .collect();
    let codes: BTreeSet<&str> = fixed.iter().map(|c| c["code"].as_str().unwrap()).collect();
    // The account was built to break these, each with a fix the doctor can write.
    for code in [
        "TRUST002",
        "S3001",
        "S3002",
        "S3003",
        "S3004",
        "S3005",
        "ATHENA003",
        "ATHENA007",
        "CATALOG001",
        "CATALOG003",
    ] {
        assert!(
            codes.contains(code),
            "no {code} finding with a fix: {codes:?}\n{before:#}"
        );
    }
    // Printed fields name the written files, which hold the documents.
    for c in &fixed {
        if c["fix"]["kind"] == "policy" {
            let file = c["fix"]["file"].as_str().unwrap();
            assert!(file.starts_with("fixes/"), "{file}");
            let command = c["fix"]["command"].as_str().unwrap();
            assert!(command.contains(&format!("file://{file}")), "{command}");
            assert!(tmp.path().join(file).is_file());
        }
    }
    // A new version of the managed policy names who else it changes.
    let version = fixed
        .iter()
        .find(|c| {
            c["fix"]["command"]
                .as_str()
                .is_some_and(|c| c.contains("create-policy-version"))
        })
        .expect("a fix makes a new policy version");
    let note = version["fix"]["note"].as_str().unwrap();
    assert!(note.contains(&format!("attached to role {}", b.role)), "{note}");
    let script = std::fs::read_to_string(tmp.path().join("fixes/apply.sh")).unwrap();
    assert!(script.contains("set -euo pipefail"));
    assert!(script.contains("create-policy-version"), "{script}");
    assert!(script.contains("--policy-name athena-doctor"), "{script}");
    let corrected = std::fs::read_to_string(tmp.path().join("fixes/connection.toml")).unwrap();
    assert!(corrected.contains("(this comment must survive)"), "{corrected}");

    // A snapshot of the same account, replayed with --write-fixes, writes the same
    // documents and script, and a connection file with the same values (written
    // from the snapshot's fields: a snapshot holds no comments).
    let snapshot = doctor()
        .current_dir(tmp.path())
        .env("AWS_ENDPOINT_URL", endpoint())
        .args([
            "snapshot",
            "--timeout",
            "10",
            "--no-probes",
            "--config",
            "connection.toml",
            "-o",
            "snap.json",
        ])
        .output()
        .unwrap();
    assert!(
        snapshot.status.success(),
        "{}",
        String::from_utf8_lossy(&snapshot.stderr)
    );
    let replay = doctor()
        .current_dir(tmp.path())
        .args([
            "doctor",
            "--snapshot",
            "snap.json",
            "--write-fixes",
            "replayed",
            "--unsafe-fixes",
        ])
        .args(["--format", "json", "-o", "replay.json"])
        .output()
        .unwrap();
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let listing = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(tmp.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing("fixes"), listing("replayed"));
    for name in listing("fixes") {
        let read = |dir: &str| std::fs::read_to_string(tmp.path().join(dir).join(&name)).unwrap();
        if name == "connection.toml" {
            let parse = |t: String| t.parse::<toml::Table>().unwrap();
            assert_eq!(parse(read("fixes")), parse(read("replayed")), "{name}");
        } else if name == "apply.sh" {
            // The same commands, with the replayed directory's files.
            assert_eq!(
                read("fixes"),
                read("replayed").replace("replayed/", "fixes/"),
                "{name}"
            );
        } else {
            assert_eq!(read("fixes"), read("replayed"), "{name}");
        }
    }

    // Run from another directory: the script finds its files beside itself.

    let bin = aws.parent().filter(|p| !p.as_os_str().is_empty());
    let path = match bin {
        Some(dir) => format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default()),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let applied = std::process::Command::new("bash")
        .arg(tmp.path().join("fixes/apply.sh"))
        .current_dir(std::env::temp_dir())
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "apply.sh failed:\n{}\n{}\n{script}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );

    let after = run(tmp.path(), "fixes/connection.toml", &[]);
    let mut problems = Vec::new();
    for c in &fixed {
        if failures(&after)
            .iter()
            .any(|a| a["code"] == c["code"] && a["subject"] == c["subject"])
        {
            problems.push(format!(
                "{} {} is still there after apply.sh",
                c["code"], c["subject"]
            ));
        }
    }
    let before_errors: BTreeSet<&str> = failures(&before)
        .iter()
        .filter(|c| c["severity"] == "error")
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for a in failures(&after) {
        if a["severity"] == "error" && !before_errors.contains(a["code"].as_str().unwrap()) {
            problems.push(format!("a new error: {} {}", a["code"], a["message"]));
        }
    }
    assert!(problems.is_empty(), "{}\n{after:#}", problems.join("\n"));
}
