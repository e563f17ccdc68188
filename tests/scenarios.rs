//! Every scenario in fixtures/scenarios runs through the real binary and must report
//! exactly its expected failures; then every fix it prints is applied to a copy of
//! the connection file and the doctor re-run: the fixed check must pass.

mod common;

use common::{connection_file, doctor, scenarios, stdout_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Run the doctor in the scenario's folder (its `args` name files there).
fn run(config: &Path, expected: &Value) -> (i32, Value) {
    let mut cmd = doctor();
    cmd.current_dir(config.parent().unwrap())
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config.file_name().unwrap());
    for arg in expected["args"].as_array().into_iter().flatten() {
        cmd.arg(arg.as_str().unwrap());
    }
    for (k, v) in expected["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap());
    }
    let output = cmd.output().unwrap();
    (output.status.code().unwrap_or(-1), stdout_json(&output))
}

fn failures(report: &Value) -> Vec<&Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect()
}

fn key(check: &Value) -> (String, String, String) {
    (
        check["code"].as_str().unwrap().to_string(),
        check["subject"].as_str().unwrap().to_string(),
        check["severity"].as_str().unwrap().to_string(),
    )
}

#[test]
fn every_scenario_reports_exactly_its_findings() {
    let dirs = scenarios();
    assert!(dirs.len() >= 15, "the foundation promises at least 15 scenarios");
    let mut problems = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let (code, report) = run(&connection_file(dir), &expected);
        if code != expected["exit"].as_i64().unwrap() as i32 {
            problems.push(format!("{name}: exit {code}, expected {}", expected["exit"]));
        }
        let got: BTreeSet<_> = failures(&report).into_iter().map(key).collect();
        let want_list = expected["failures"].as_array().unwrap();
        let want: BTreeSet<_> = want_list.iter().map(key).collect();
        if got != want {
            problems.push(format!("{name}: failures {got:?}, expected {want:?}"));
        }
        for w in want_list {
            let found = failures(&report)
                .into_iter()
                .find(|c| key(c) == key(w))
                .map(|c| c["message"].as_str().unwrap().to_string());
            let needle = w["message"].as_str().unwrap();
            if let Some(message) = found.filter(|m| !m.contains(needle)) {
                problems.push(format!(
                    "{name}: {} message `{message}` lacks `{needle}`",
                    w["code"]
                ));
            }
        }
        // Nothing that is not built may pass silently.
        for check in report["checks"].as_array().unwrap() {
            if check["status"] == "skip" && check["message"].as_str().unwrap_or_default().is_empty() {
                problems.push(format!("{name}: {} skipped without a reason", check["code"]));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Merge a fix's payload into the connection file; `null` removes the key.
fn apply(path: &Path, payload: &Value) {
    fn merge(target: &mut serde_json::Map<String, Value>, patch: &serde_json::Map<String, Value>) {
        for (k, v) in patch {
            match (target.get_mut(k), v) {
                (_, Value::Null) => {
                    target.remove(k);
                }
                (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
                _ => {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    let is_toml = path.extension().unwrap() == "toml";
    let mut doc: Value = if is_toml {
        serde_json::to_value(toml::from_str::<toml::Table>(&text).unwrap()).unwrap()
    } else {
        serde_json::from_str(&text).unwrap()
    };
    merge(doc.as_object_mut().unwrap(), payload.as_object().unwrap());
    let out = if is_toml {
        toml::to_string(&serde_json::from_value::<toml::Table>(doc).unwrap()).unwrap()
    } else {
        serde_json::to_string_pretty(&doc).unwrap()
    };
    std::fs::write(path, out).unwrap();
}

#[test]
fn applying_each_fix_makes_its_check_pass() {
    let mut applied = 0;
    let mut problems = Vec::new();
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let original = connection_file(&dir);
        let (_, report) = run(&original, &expected);
        for check in failures(&report) {
            let fix = &check["fix"];
            // Display-only fixes hold placeholders that only the user can fill in.
            if fix.is_null() || fix["applicability"] == "display-only" {
                continue;
            }
            let tmp = tempfile::tempdir().unwrap();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
            }
            let copy = tmp.path().join(original.file_name().unwrap());
            match fix["kind"].as_str().unwrap() {
                "field" => apply(&copy, &fix["payload"]),
                // A policy fix: its corrected document replaces the file it names.
                "policy" => {
                    let file = tmp.path().join(fix["file"].as_str().unwrap());
                    std::fs::write(file, serde_json::to_string_pretty(&fix["document"]).unwrap()).unwrap();
                }
                other => panic!("unknown fix kind {other}"),
            }
            let (_, after) = run(&copy, &expected);
            applied += 1;
            if failures(&after).iter().any(|c| {
                c["code"] == check["code"]
                    && c["subject"] == check["subject"]
                    && c["severity"] == check["severity"]
            }) {
                problems.push(format!(
                    "{name}: fix `{}` did not clear {}",
                    fix["title"], check["code"]
                ));
            }
        }
    }
    assert!(applied >= 15, "only {applied} fixes were applied");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
