//! Every scenario in fixtures/scenarios runs through the real binary and must report
//! exactly its expected failures; then every fix it prints is applied to a copy of
//! the connection file and the doctor re-run: the fixed check must pass.

use crate::common;

use common::{connection_file, doctor, failures, scenarios, stdout_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Run the doctor in the scenario's folder (its `args` name files there).
fn run(config: &Path, expected: &Value) -> (i32, Value) {
    run_in(
        config.parent().unwrap(),
        Path::new(config.file_name().unwrap()),
        expected,
    )
}

/// Run the doctor in `cwd` on `config` (relative to it).
fn run_in(cwd: &Path, config: &Path, expected: &Value) -> (i32, Value) {
    let mut cmd = doctor();
    cmd.current_dir(cwd)
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config);
    for arg in expected["args"].as_array().into_iter().flatten() {
        cmd.arg(arg.as_str().unwrap());
    }
    for (k, v) in expected["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap());
    }
    let output = cmd.output().unwrap();
    (output.status.code().unwrap_or(-1), stdout_json(&output))
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
                // Another tool's source: the fix prints the corrected source.
                "field" | "rename" if fix["snippet"]["language"] == "text" => {
                    std::fs::write(&copy, fix["snippet"]["text"].as_str().unwrap()).unwrap()
                }
                // A property renamed, shown as its own line (its whole text would
                // undo a fix shown above it): the rename, by hand.
                "rename" => {
                    let (from, to) = (&fix["payload"]["rename"]["from"], &fix["payload"]["rename"]["to"]);
                    let text = std::fs::read_to_string(&copy).unwrap();
                    let from = format!("{}=", from.as_str().unwrap());
                    assert!(text.contains(&from), "{fix}");
                    std::fs::write(
                        &copy,
                        text.replacen(&from, &format!("{}=", to.as_str().unwrap()), 1),
                    )
                    .unwrap()
                }
                "field" => apply(&copy, &fix["payload"]),
                // A policy fix: its corrected document replaces the file it was read from.
                "policy" => {
                    let file = tmp.path().join(fix["replaces"].as_str().unwrap());
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

/// The round trip through the files: `--write-fixes DIR --unsafe-fixes` in a copy of
/// each scenario, then the doctor again on DIR's connection file with each input
/// policy replaced by the corrected document written for it. Every finding whose fix
/// was written is gone, no new error appears, and apply.sh parses and names only
/// files that are in DIR.
#[test]
fn writing_the_fixes_clears_the_findings() {
    let mut written = 0;
    let mut problems = Vec::new();
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
        let config = tmp.path().join(connection_file(&dir).file_name().unwrap());
        let mut with_fixes = expected.clone();
        let mut args = expected["args"].as_array().cloned().unwrap_or_default();
        args.extend(["--write-fixes", "fixes", "--unsafe-fixes"].map(Value::from));
        with_fixes["args"] = Value::Array(args);
        let (_, before) = run(&config, &with_fixes);
        let out = tmp.path().join("fixes");
        let script = std::fs::read_to_string(out.join("apply.sh")).unwrap();
        let syntax = std::process::Command::new("bash")
            .arg("-n")
            .arg(out.join("apply.sh"))
            .status()
            .unwrap();
        if !syntax.success() {
            problems.push(format!("{name}: apply.sh does not parse"));
        }
        for part in script.split("file://$here/").skip(1) {
            let file = part.split('"').next().unwrap();
            if !out.join(file).is_file() {
                problems.push(format!("{name}: apply.sh names {file}, which was not written"));
            }
        }
        // Each input policy file is replaced by the document written for it.
        let replaced: Vec<(String, String)> = failures(&before)
            .iter()
            .filter_map(|c| {
                let fix = &c["fix"];
                Some((
                    fix["replaces"].as_str()?.to_string(),
                    fix["file"].as_str()?.to_string(),
                ))
            })
            .collect();
        let args: Vec<Value> = expected["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let a = a.as_str().unwrap();
                let (prefix, path) = a.split_once('=').map_or(("", a), |(b, p)| (b, p));
                match replaced.iter().find(|(from, _)| from == path) {
                    Some((_, to)) if prefix.is_empty() => Value::from(to.as_str()),
                    Some((_, to)) => Value::from(format!("{prefix}={to}")),
                    None => Value::from(a),
                }
            })
            .collect();
        let mut again = expected.clone();
        again["args"] = Value::Array(args);
        let fixed_config = Path::new("fixes").join(config.file_name().unwrap());
        let (_, after) = run_in(tmp.path(), &fixed_config, &again);
        let before_errors: BTreeSet<_> = failures(&before)
            .into_iter()
            .filter(|c| c["severity"] == "error")
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        for check in failures(&before) {
            let fix = &check["fix"];
            if fix.is_null() || fix["applicability"] == "display-only" {
                continue;
            }
            written += 1;
            if failures(&after).iter().any(|c| key(c) == key(check)) {
                problems.push(format!(
                    "{name}: the written fix `{}` did not clear {}",
                    fix["title"], check["code"]
                ));
            }
        }
        // A secret is never copied into the written connection file: where the input
        // held one (in the key ID or the secret field), the copy lacks it by design.
        let original = std::fs::read_to_string(&config).unwrap();
        let copied = std::fs::read_to_string(tmp.path().join(&fixed_config)).unwrap();
        let secrets: Vec<&str> = original
            .split('"')
            .filter(|w| w.len() == 40 && w.chars().all(|c| c.is_ascii_alphanumeric() || "/+".contains(c)))
            .collect();
        if let Some(s) = secrets.iter().find(|s| copied.contains(**s)) {
            problems.push(format!(
                "{name}: the written connection file holds the secret {s}"
            ));
        }
        for check in failures(&after) {
            let secret_dropped = !secrets.is_empty()
                && check["code"] == "CONN001"
                && check["message"].as_str().unwrap().contains("Access Key");
            if check["severity"] == "error"
                && !secret_dropped
                && !before_errors.contains(check["code"].as_str().unwrap())
            {
                problems.push(format!(
                    "{name}: a new error after the fixes: {} {}",
                    check["code"], check["message"]
                ));
            }
        }
    }
    assert!(written >= 15, "only {written} fixes were written");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The report of one scenario, and its failing check of `code`.
fn scenario_failure(name: &str, code: &str) -> Value {
    let dir = common::root().join("fixtures/scenarios").join(name);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let (_, report) = run(&connection_file(&dir), &expected);
    failures(&report)
        .into_iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("{name}: no {code} finding"))
        .clone()
}

fn statements_of(document: &Value) -> Vec<Value> {
    document["Statement"].as_array().unwrap().clone()
}

/// A user whose grants come from its group's inline policy: the missing statement
/// is added to that group policy (the whole document read, plus it), never copied
/// with the group's statements into a new policy of the user.
#[test]
fn a_group_policys_grant_is_added_to_the_group_policy() {
    let check = scenario_failure("access-key-group-policy", "ATHENA001");
    let fix = &check["fix"];
    let command = fix["command"].as_str().unwrap();
    assert!(
        command.starts_with(
            "aws iam put-group-policy --group-name bi-users --policy-name athena --policy-document '"
        ),
        "{command}"
    );
    assert_eq!(fix["applicability"], "safe");
    assert!(
        fix["note"].as_str().unwrap().contains("group bi-users"),
        "{fix:#}"
    );
    let original: Value = serde_json::from_str(
        &std::fs::read_to_string(
            common::root().join("fixtures/scenarios/access-key-group-policy/policy.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let before = statements_of(&original["PolicyDocument"]);
    let after = statements_of(&fix["document"]);
    assert_eq!(after.len(), before.len() + 1, "{fix:#}");
    assert_eq!(after[..before.len()], before[..]);
    // The command carries exactly that document.
    let words = shlex::split(command).unwrap();
    let inline: Value = serde_json::from_str(&words[8]).unwrap();
    assert_eq!(inline, fix["document"]);
}

/// Object actions granted on the bucket ARN: the corrected document rewrites that
/// statement (the grant there matches no request) instead of keeping it beside a
/// new one.
#[test]
fn a_misplaced_object_grant_is_rewritten_not_kept() {
    let check = scenario_failure("policy-objects-on-bucket-arn", "S3002");
    let fix = &check["fix"];
    let original: Value = serde_json::from_str(
        &std::fs::read_to_string(
            common::root().join("fixtures/scenarios/policy-objects-on-bucket-arn/policy.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let after = statements_of(&fix["document"]);
    assert_eq!(after.len(), statements_of(&original).len(), "{fix:#}");
    for s in &after {
        let on_bucket = s["Resource"] == "arn:aws:s3:::acme-athena-results";
        let object_action = s["Action"].to_string().contains("s3:GetObject");
        assert!(!(on_bucket && object_action), "kept: {s}");
    }
    let objects = after.iter().find(|s| s["Sid"] == "AthenaResultsObjects").unwrap();
    assert_eq!(objects["Resource"], "arn:aws:s3:::acme-athena-results/omni/*");
    assert_eq!(fix["statements"].as_array().unwrap().len(), 1, "{fix:#}");
}
