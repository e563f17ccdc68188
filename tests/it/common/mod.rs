//! Helpers shared by the CLI tests: the binary with a clean environment.
#![allow(dead_code)] // each test crate uses a different subset

pub mod broken;
pub mod double;
pub mod moto;
pub mod proxy;
pub mod wild;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const SECRET_ENV: &str = "ATHENA_DOCTOR_SECRET_ACCESS_KEY";

/// The binary, with nothing from the developer's shell that changes its output.
pub fn doctor() -> Command {
    // The path cargo gives this test crate at build time: the binary of this
    // build, wherever the build directory is (never a binary beside it).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_athena-doctor"));
    cmd.env_remove(SECRET_ENV)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "120");
    cmd
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .expect("fixtures/scenarios exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The connection file of a scenario: connection.toml or connection.json, or
/// another tool's source (a JDBC or SQLAlchemy URL, an ODBC DSN).
pub fn connection_file(dir: &Path) -> PathBuf {
    [
        "connection.toml",
        "connection.json",
        "connection.jdbc",
        "connection.url",
        "connection.ini",
        "connection.reg",
    ]
    .iter()
    .map(|n| dir.join(n))
    .find(|p| p.exists())
    .unwrap_or_else(|| panic!("{} has no connection file", dir.display()))
}

/// The first check of `code` in a JSON report (a failing test names the report).
pub fn check<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

/// The failing checks of a JSON report.
pub fn failures(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect()
}

/// The doctor pointed at an endpoint on 127.0.0.1 that is not moto (a socket that
/// hangs, a double, a closed port), with throwaway credentials and no IMDS.
pub fn doctor_at(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = doctor();
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

pub fn stdout_json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Whether a test may run, given whether what it needs (a browser, tmux) is
/// here. Missing, the test is skipped with the reason, unless the run requires it
/// (`CI` or `ATHENA_DOCTOR_REQUIRE_BROWSER` set, as .ci/run does after installing
/// it): then it fails.
pub fn present_or_skip(found: bool, what: &str) -> bool {
    if !found {
        let required = ["CI", "ATHENA_DOCTOR_REQUIRE_BROWSER"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
        assert!(!required, "this run requires {what} (.ci/run installs it)");
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("skipped: the test needs {what}\n"),
        );
    }
    found
}

/// The failures of `before` that had a fix to run (not display-only).
pub fn fixable(before: &serde_json::Value) -> Vec<&serde_json::Value> {
    failures(before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .collect()
}

/// What applying the fixes left wrong: each finding `before` had a runnable fix
/// for that `after` still has (the same code, subject and severity: a fix may
/// leave a lesser finding of the same rule behind, which the next check judges),
/// and each error of a rule that had none before.
pub fn not_cleared(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    for c in fixable(before) {
        if failures(after)
            .iter()
            .any(|a| a["code"] == c["code"] && a["subject"] == c["subject"] && a["severity"] == c["severity"])
        {
            problems.push(format!("{} {} is still there", c["code"], c["subject"]));
        }
    }
    let before_errors: std::collections::BTreeSet<&str> = failures(before)
        .iter()
        .filter(|c| c["severity"] == "error")
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for a in failures(after) {
        if a["severity"] == "error" && !before_errors.contains(a["code"].as_str().unwrap()) {
            problems.push(format!("a new error: {} {}", a["code"], a["message"]));
        }
    }
    problems
}
