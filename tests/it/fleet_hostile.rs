//! Fleets and `merge` against hostile inputs: members that cannot be read are
//! counted and said (never dropped), JSONL lines that are not objects are named
//! as such at their line, and `merge` refuses what is not a report — bad codes,
//! summaries their checks contradict, impossible counts, devices, huge files —
//! with exit 2 and the file and JSON pointer, never a panic.
#![cfg(unix)]

use crate::common;

use common::{doctor, root, stdout_json};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn scenario(name: &str) -> PathBuf {
    root().join("fixtures/scenarios").join(name)
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn members_that_cannot_be_read_are_counted_and_said() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let conn = std::fs::read(scenario("glue-access-missing").join("connection.toml")).unwrap();
    std::fs::write(dir.join("good.toml"), &conn).unwrap();
    // A name that is not UTF-8, a dangling symlink, a FIFO (reading it would hang).
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.toml")), &conn).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.toml.orig"), dir.join("gone.toml")).unwrap();
    mkfifo(&dir.join("pipe.toml"));
    // Not a member: the naming rule leaves other names alone.
    std::os::unix::fs::symlink("nowhere", dir.join("notes.txt")).unwrap();
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    assert_eq!(report["summary"]["connections"], 4, "{report:#}");
    assert_eq!(report["summary"]["unreadable"], 3, "{report:#}");
    let error = |key: &str| -> String {
        report["connections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["connection"] == key)
            .unwrap_or_else(|| panic!("no entry {key}: {report:#}"))["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(error("caf\u{FFFD}.toml").contains("not UTF-8"));
    assert!(error("gone.toml").contains("symlink"));
    assert!(error("pipe.toml").contains("not a regular file"));
    assert!(error("good.toml").is_empty());
    // The table says it too.
    let table = doctor()
        .args(["doctor", "--offline", "--connections"])
        .arg(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("4 connections (3 unreadable"));
}

const GOOD: &str = r#"{"display_name": "acme", "s3_output_bucket": "s3://acme-results/omni/", "data_catalog": "AwsDataCatalog", "database_timezone": "UTC", "region": "us-east-1", "auth": {"type": "cross_account_role", "role_arn": "arn:aws:iam::111122223333:role/bi", "external_id": "x-123"}}"#;

#[test]
fn a_jsonl_line_that_is_not_an_object_is_invalid_json_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = tmp.path().join("fleet.jsonl");
    std::fs::write(&jsonl, format!("{GOOD}\n[1,2]\n{{\"a\": \n")).unwrap();
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = stdout_json(&out);
    let errors: Vec<&str> = report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["error"].as_str())
        .collect();
    assert_eq!(errors.len(), 2, "{report:#}");
    let at = |n: u32| format!("{}:{n}:", jsonl.display());
    assert!(errors[0].starts_with(&at(2)), "{}", errors[0]);
    assert!(errors[0].contains("invalid JSON connection") && errors[0].contains("array"));
    assert!(!errors[0].contains("TOML"), "{}", errors[0]);
    assert!(errors[1].starts_with(&at(3)) && errors[1].contains("invalid JSON connection"));
}

#[test]
fn the_jsonl_secret_warning_names_the_line_it_is_on() {
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = tmp.path().join("fleet.jsonl");
    let keyed = r#"{"display_name": "keyed", "s3_output_bucket": "s3://acme-results/omni/", "data_catalog": "AwsDataCatalog", "database_timezone": "UTC", "region": "us-east-1", "auth": {"type": "access_key", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}"#;
    let mut text = String::new();
    for i in 0..9 {
        text.push_str(&GOOD.replace("acme\"", &format!("acme-{i}\"")));
        text.push('\n');
    }
    text.push_str(keyed);
    text.push('\n');
    std::fs::write(&jsonl, text).unwrap();
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(&jsonl)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning = stderr
        .lines()
        .find(|l| l.contains("holds a secret access key"))
        .unwrap_or_else(|| panic!("no secret warning: {stderr}"));
    assert!(warning.contains(&format!("{}:10:", jsonl.display())), "{warning}");
    assert!(!stderr.contains("wJalrXUtnFEMI"), "the secret is never printed");
}

/// A fleet report of two connections (one failing) to tamper with.
fn fleet_report(dir: &Path) -> Value {
    let fleet = dir.join("fleet");
    std::fs::create_dir(&fleet).unwrap();
    for name in ["glue-access-missing", "policy-healthy"] {
        std::fs::copy(
            scenario(name).join("connection.toml"),
            fleet.join(format!("{name}.toml")),
        )
        .unwrap();
        std::fs::copy(
            scenario(name).join("policy.json"),
            fleet.join(format!("{name}.policy.json")),
        )
        .unwrap();
    }
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(&fleet)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out)
}

fn merge(files: &[&Path]) -> std::process::Output {
    doctor()
        .args(["merge", "--format", "json"])
        .args(files)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

/// The index of the entry with a failing check, and that check's.
fn failing(report: &Value) -> (usize, usize) {
    for (i, e) in report["connections"].as_array().unwrap().iter().enumerate() {
        if let Some(j) = e["checks"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["status"] == "fail" && c["severity"] == "error")
        {
            return (i, j);
        }
    }
    panic!("no failing check");
}

#[test]
fn merge_refuses_codes_that_are_no_rule_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let report = fleet_report(tmp.path());
    let (i, j) = failing(&report);
    for code in ["CONNX", "TRUST", "", "S3ABC"] {
        let mut bad = report.clone();
        bad["connections"][i]["checks"][j]["code"] = Value::from(code);
        let path = write(tmp.path(), "bad.json", &bad);
        for format in ["json", "junit", "table"] {
            let out = doctor()
                .args(["merge", "--format", format])
                .arg(&path)
                .timeout(Duration::from_secs(60))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{code:?} {format}: {stderr}");
            assert!(
                stderr.contains(&format!("{}: /connections/{i}/checks/{j}/code", path.display())),
                "{stderr}"
            );
        }
    }
}

#[test]
fn merge_refuses_a_summary_its_checks_contradict() {
    let tmp = tempfile::tempdir().unwrap();
    let report = fleet_report(tmp.path());
    let (i, _) = failing(&report);
    // Zeroed: it would read as "no findings" and exit 0.
    let mut zeroed = report.clone();
    for k in ["error", "warning", "info", "pass", "skip"] {
        zeroed["connections"][i]["summary"][k] = Value::from(0);
    }
    let path = write(tmp.path(), "zeroed.json", &zeroed);
    let out = merge(&[&path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("/connections/{i}/summary")), "{stderr}");
    // Two counts of u64::MAX: they wrapped (or overflowed) once summed.
    let mut huge = report.clone();
    huge["connections"][i]["summary"]["error"] = Value::from(u64::MAX);
    let (a, b) = (
        write(tmp.path(), "a.json", &huge),
        write(tmp.path(), "b.json", &{
            let mut other = huge.clone();
            for e in other["connections"].as_array_mut().unwrap() {
                let key = format!("other/{}", e["connection"].as_str().unwrap());
                e["connection"] = Value::from(key);
            }
            other
        }),
    );
    let out = merge(&[&a, &b]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("/connections/{i}/summary")), "{stderr}");
    // A single connection's report with a zeroed summary too.
    let single = doctor()
        .current_dir(scenario("glue-access-missing"))
        .args(["doctor", "--offline", "--config", "connection.toml"])
        .args(["--policy", "policy.json", "--format", "json"])
        .output()
        .unwrap();
    let mut single = stdout_json(&single);
    single["summary"]["error"] = Value::from(0);
    let path = write(tmp.path(), "single.json", &single);
    let out = merge(&[&path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/summary"), "{stderr}");
    // The untouched report still merges.
    let path = write(tmp.path(), "good.json", &report);
    assert_eq!(merge(&[&path]).status.code(), Some(1));
}

#[test]
fn merge_refuses_devices_fifos_and_huge_files() {
    let tmp = tempfile::tempdir().unwrap();
    // A FIFO nobody writes to: opening it to read would wait for ever.
    let fifo = tmp.path().join("report.json");
    mkfifo(&fifo);
    let out = merge(&[&fifo]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing wrote to"), "{stderr}");
    // Sparse: 1 GiB and a byte, without writing it.
    let huge = tmp.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let out = merge(&[&huge]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("larger than 1 GiB (1073741824 bytes)"),
        "{stderr}"
    );
    // `-` reads standard input.
    let report = fleet_report(tmp.path());
    let out = doctor()
        .args(["merge", "--format", "json", "-"])
        .write_stdin(serde_json::to_string(&report).unwrap())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["summary"], report["summary"]);
}
