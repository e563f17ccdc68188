//! Bounded inputs (issue 28): each input kind has its own size limit, sized for
//! real inputs; what is not a regular file (a device, a FIFO) is refused before
//! it can block or never end; a YAML alias bomb is refused at the alias; huge
//! `--deadline`/`--timeout` values are refused at parse time. Every refusal is
//! exit 2 with the file (and where known, the line) named — never a panic, a
//! hang or memory without end.

use crate::common;

use common::{doctor, root};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_athena-doctor"))
}

/// Run the binary under bash with 2 GB of address space and a minute of CPU:
/// a run that expands without bound dies of a signal, which is not exit 2.
fn run_bounded(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = std::process::Command::new("bash")
        .current_dir(dir)
        .arg("-c")
        .arg(r#"ulimit -v 2000000; ulimit -t 60; exec "$0" "$@""#)
        .arg(binary())
        .args(args)
        .env_remove(common::SECRET_ENV)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn cloudformation_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/iac/cloudformation/connection.toml"),
        dir.path().join("connection.toml"),
    )
    .unwrap();
    dir
}

#[test]
fn a_yaml_alias_bomb_is_refused_at_the_alias() {
    let dir = cloudformation_dir();
    // Nine levels of nine aliases: 387 million nodes from 1.2 KB.
    let mut text = String::from("Bomb:\n  a: &a [x, x, x, x, x, x, x, x, x]\n");
    let levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in levels.windows(2) {
        let aliases = vec![format!("*{}", pair[0]); 9].join(", ");
        text.push_str(&format!("  {}: &{} [{aliases}]\n", pair[1], pair[1]));
    }
    text.push_str(
        "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: bi-athena\n",
    );
    assert!(text.len() < 1500, "the bomb is small: {} bytes", text.len());
    std::fs::write(dir.path().join("template.yaml"), &text).unwrap();
    let (code, stderr) = run_bounded(
        dir.path(),
        &[
            "doctor",
            "--offline",
            "-c",
            "connection.toml",
            "--cloudformation",
            "template.yaml",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    // Named at a line of the bomb (lines 2 to 10), with its column.
    let at: Vec<u32> = stderr
        .split_once("template.yaml:")
        .map(|(_, rest)| rest.split(':').take(2).map_while(|n| n.parse().ok()).collect())
        .unwrap_or_default();
    assert!(
        at.len() == 2 && (2..=10).contains(&at[0]) && stderr.contains("alias"),
        "names the file, line and column of the alias: {stderr}"
    );
}

#[test]
fn a_template_with_a_few_aliases_still_reads() {
    let dir = cloudformation_dir();
    let template = std::fs::read_to_string(root().join("fixtures/iac/cloudformation/template.yaml")).unwrap();
    let text = format!("Shared: &tags\n  - {{Key: team, Value: bi}}\nOther: *tags\n{template}");
    std::fs::write(dir.path().join("template.yaml"), text).unwrap();
    let (code, stderr) = run_bounded(
        dir.path(),
        &[
            "doctor",
            "--offline",
            "-c",
            "connection.toml",
            "--cloudformation",
            "template.yaml",
        ],
    );
    assert!(matches!(code, Some(0 | 1)), "{code:?} {stderr}");
}

/// The Terraform fixture's plan, with `extra` more bucket policies of ~1.5 KB each.
fn big_plan(extra: usize) -> String {
    let text = std::fs::read_to_string(root().join("fixtures/iac/terraform/plan.json")).unwrap();
    let mut plan: Value = serde_json::from_str(&text).unwrap();
    let resources = plan["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    for i in 0..extra {
        let bucket = format!("acme-archive-{i:05}");
        let statements: Vec<Value> = (0..6)
            .map(|s| {
                json!({
                    "Sid": format!("ReadOnly{s}"),
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::111122223333:role/reader-{s}")},
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
                })
            })
            .collect();
        let policy = json!({"Version": "2012-10-17", "Statement": statements});
        resources.push(json!({
            "address": format!("aws_s3_bucket_policy.archive_{i}"),
            "mode": "managed",
            "type": "aws_s3_bucket_policy",
            "name": format!("archive_{i}"),
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
            "values": {"bucket": bucket, "policy": policy.to_string()},
            "sensitive_values": {},
        }));
    }
    serde_json::to_string(&plan).unwrap()
}

fn terraform_dir(plan: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["connection.toml", "main.tf"] {
        std::fs::copy(
            root().join("fixtures/iac/terraform").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("plan.json"), plan).unwrap();
    dir
}

#[test]
fn a_plan_of_three_thousand_resources_is_read() {
    let plan = big_plan(3_000);
    assert!(plan.len() > 4_000_000, "{} bytes", plan.len());
    let dir = terraform_dir(&plan);
    let output = doctor()
        .current_dir(dir.path())
        .args([
            "doctor",
            "--offline",
            "-c",
            "connection.toml",
            "--terraform-plan",
            "plan.json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{:?} {stderr}",
        output.status
    );
}

#[test]
fn a_plan_over_its_limit_is_refused_naming_the_limit() {
    let dir = terraform_dir("{}");
    // Sparse: 100 MiB and one byte, on disk almost nothing.
    let file = std::fs::File::options()
        .write(true)
        .open(dir.path().join("plan.json"))
        .unwrap();
    file.set_len(100 * 1024 * 1024 + 1).unwrap();
    let output = doctor()
        .current_dir(dir.path())
        .args([
            "doctor",
            "--offline",
            "-c",
            "connection.toml",
            "--terraform-plan",
            "plan.json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("plan.json")
            && stderr.contains("larger than 100 MiB")
            && stderr.contains("Terraform plan"),
        "{stderr}"
    );
}

#[test]
fn a_policy_file_over_its_limit_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    let padding = " ".repeat(300 * 1024);
    std::fs::write(
        &path,
        format!(r#"{{"Version": "2012-10-17", "Statement": []{padding}}}"#),
    )
    .unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "-c"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .arg("--policy")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("larger than 256 KiB") && stderr.contains("policy file"),
        "{stderr}"
    );
}

/// Each input flag given `target`: exit 2, naming the file and what it is, within
/// the timeout (a FIFO opened for reading would wait for a writer forever).
fn refused_everywhere(target: &Path, what: &str) {
    let healthy = root().join("fixtures/examples/acme-healthy.toml");
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["--config".into(), target.into()],
        vec![
            "--config".into(),
            healthy.clone().into(),
            "--policy".into(),
            target.into(),
        ],
        vec![
            "--config".into(),
            healthy.clone().into(),
            "--trust-policy".into(),
            target.into(),
        ],
        vec![
            "--config".into(),
            healthy.clone().into(),
            "--cloudformation".into(),
            target.into(),
        ],
        vec![
            "--config".into(),
            healthy.clone().into(),
            "--terraform-plan".into(),
            target.into(),
        ],
        vec![
            "--config".into(),
            healthy.into(),
            "--secret-file".into(),
            target.into(),
        ],
    ];
    for args in cases {
        let output = doctor()
            .args(["doctor", "--offline"])
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&target.display().to_string()) && stderr.contains(what),
            "{args:?}: {stderr}"
        );
    }
    let output = doctor()
        .args(["doctor", "--snapshot"])
        .arg(target)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_device_is_refused_not_read_forever() {
    refused_everywhere(Path::new("/dev/zero"), "a device");
}

#[test]
fn a_fifo_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("input.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    refused_everywhere(&fifo, "FIFO");
}

/// A pipe something writes to (process substitution) is read as before: only a
/// FIFO nothing writes to is refused.
#[test]
fn process_substitution_is_still_read() {
    let policy = root().join("fixtures/examples/acme-healthy.toml");
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$0" doctor --offline -c <(cat "$1") --format json"#)
        .arg(binary())
        .arg(&policy)
        .env_remove(common::SECRET_ENV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{:?}: {stderr}",
        output.status
    );
}

/// `--deadline` and `--timeout` beyond a day are refused when the flags are read
/// (exit 2 naming the flag and the range), for a single run, a fleet, a snapshot
/// and triage from the account: not a panic when the clock overflows.
#[test]
fn huge_deadlines_and_timeouts_are_refused_at_parse_time() {
    let conn = root().join("fixtures/examples/acme-healthy.toml");
    let conn = conn.to_str().unwrap();
    let examples = root().join("fixtures/examples");
    let examples = examples.to_str().unwrap();
    let runs: [&[&str]; 4] = [
        &["doctor", "-c", conn],
        &["doctor", "--connections", examples],
        &["snapshot", "-c", conn],
        &["triage", "-c", conn, "--from-account"],
    ];
    for run in runs {
        for (flag, value) in [
            ("--deadline", "9223372036854775807"),
            ("--timeout", "18446744073709551615"),
            ("--deadline", "86401"),
            ("--timeout", "0"),
        ] {
            let output = doctor()
                .args(run)
                .args([flag, value])
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .timeout(Duration::from_secs(120))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{run:?} {flag} {value}: {stderr}");
            assert!(
                stderr.contains(flag) && stderr.contains("86400"),
                "{run:?} {flag} {value}: {stderr}"
            );
        }
    }
}
