//! The bad-input corpus (fixtures/bad-input/: files written by generate.py, each
//! breaking a valid input at a known line; cases.json says how the doctor must
//! answer). Every case runs through the binary: the exit code is the expected one,
//! a rejected input is named with the line of the fault, nothing is printed on
//! standard output, and nothing panics. A trust policy that does not parse is a
//! finding (TRUST005, exit 1: the other rules still run), with the same location.

use crate::common;

use common::{doctor, root};
use serde_json::Value;

#[test]
fn every_bad_input_is_refused_with_its_location() {
    let dir = root().join("fixtures/bad-input");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    assert!(
        cases.len() >= 150,
        "the corpus promises at least 150 files, has {}",
        cases.len()
    );
    let healthy = root().join("fixtures/examples/acme-healthy.toml");
    let mut problems = Vec::new();
    for case in &cases {
        let name = case["file"].as_str().unwrap();
        let path = dir.join("files").join(name);
        let mut cmd = doctor();
        match case["kind"].as_str().unwrap() {
            "connection" => cmd.args(["doctor", "--offline", "--config"]).arg(&path),
            "snapshot" => cmd.args(["doctor", "--snapshot"]).arg(&path),
            kind => {
                let flag = match kind {
                    "policy" => "--policy",
                    "trust" => "--trust-policy",
                    "bucket" => "--bucket-policy",
                    "boundary" => "--boundary",
                    other => panic!("unknown kind {other}"),
                };
                cmd.args(["doctor", "--offline", "--format", "json", "--config"])
                    .arg(&healthy)
                    .arg(flag)
                    .arg(&path)
            }
        };
        let output = cmd.output().unwrap();
        let code = output.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = case["exit"].as_i64().unwrap() as i32;
        if stderr.contains("panicked") {
            problems.push(format!("{name}: panicked: {stderr}"));
            continue;
        }
        let at_line = case["line"].as_i64().map(|l| format!("{}:{l}:", path.display()));
        if case["kind"] == "trust" && expected == 2 {
            let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
            let finding = report["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["code"] == "TRUST005" && c["status"] == "fail");
            match (code, finding) {
                (1, Some(f)) => {
                    let message = f["message"].as_str().unwrap_or_default();
                    if let Some(at) = at_line.as_ref().filter(|at| !message.contains(at.as_str())) {
                        problems.push(format!("{name}: TRUST005 does not say {at}: {message}"));
                    }
                }
                _ => problems.push(format!(
                    "{name}: exit {code} without a TRUST005 finding: {}",
                    stderr.trim()
                )),
            }
            continue;
        }
        match expected {
            // Accepted: judged, with or without findings.
            0 if code == 0 || code == 1 => {}
            2 if code == 2 => {
                if !output.stdout.is_empty() {
                    problems.push(format!("{name}: a refused input printed a report"));
                }
                let at = format!("{}:", path.display());
                if !stderr.contains(&at) {
                    problems.push(format!(
                        "{name}: the error does not name the file: {}",
                        stderr.trim()
                    ));
                } else if let Some(at) = at_line.filter(|at| !stderr.contains(at.as_str())) {
                    problems.push(format!("{name}: expected {at}: {}", stderr.trim()));
                }
            }
            _ => problems.push(format!(
                "{name}: exit {code}, expected {expected}: {}",
                stderr.trim()
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} cases went wrong:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}
