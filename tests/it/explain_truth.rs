//! `explain` tells the truth about fixes: every rule's declared fix applicabilities
//! (`fixes: [...]` in `declare_rule!`, which `explain` and `rules --format json`
//! print) are compared with what the doctor emits over a corpus — every scenario in
//! fixtures/scenarios and every snapshot in fixtures/snapshots (live facts,
//! replayed), through the real binary. (a) Every applicability a rule emits is
//! declared; (b) every rule that declares fixes emits one somewhere in the corpus,
//! except the few listed in `NOT_IN_THE_CORPUS`, each with why and the test that
//! shows its fix instead.

use crate::common;

use common::{connection_file, doctor, root, scenarios, stdout_json};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rules that declare fixes whose findings no file in the corpus can raise, with
/// why, and where a test shows the fix instead. Keep it short: a fixture is better.
const NOT_IN_THE_CORPUS: &[(&str, &str)] = &[
    (
        "ATHENA005",
        "needs a live workgroup without an output location and a connection without one (tests/live.rs)",
    ),
    (
        "ATHENA006",
        "needs a table registered with Lake Formation, which moto cannot mark (src/rules/athena.rs lake_formation_tests)",
    ),
    (
        "ATHENA007",
        "needs a live Lambda catalog (tests/fix_roundtrip.rs, against moto)",
    ),
    (
        "ATHENA009",
        "needs the probes' view of the tables as the connection (tests/probes.rs, the double)",
    ),
    (
        "CATALOG002",
        "needs the live Glue databases read as the connection (tests/fix_roundtrip.rs, tests/live.rs)",
    ),
    (
        "CATALOG005",
        "needs live Glue catalog facts built by hand (src/rules/catalog.rs tests)",
    ),
    (
        "PROBE001",
        "needs a live probe with the connection's access key (tests/probes.rs)",
    ),
    (
        "PROBE002",
        "needs a live AssumeRole probe from the vendor's account (tests/probes.rs, tests/live.rs)",
    ),
    (
        "PROBE003",
        "needs a live AssumeRole probe without the External ID (tests/probes.rs)",
    ),
    (
        "PROBE004",
        "needs --probe-query's SELECT 1 failing (tests/probes.rs, the double)",
    ),
    ("PROBE005", "needs a probe call refused live (tests/probes.rs)"),
    (
        "PROBE006",
        "needs the network facts of a live run (tests/live.rs, tests/network.rs)",
    ),
    (
        "REGION003",
        "needs the results bucket's region read live (tests/live.rs, tests/probes.rs)",
    ),
    (
        "ROLE003",
        "needs the role's MaxSessionDuration read live (tests/live.rs, tests/iac.rs)",
    ),
    (
        "S3005",
        "needs a KMS key policy read live (tests/fix_roundtrip.rs, against moto)",
    ),
];

/// Each rule's declared applicabilities, as `rules --format json` prints them.
fn declared() -> BTreeMap<String, BTreeSet<String>> {
    let output = doctor().args(["rules", "--format", "json"]).output().unwrap();
    assert!(output.status.success());
    stdout_json(&output)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fixes = r["fixes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            (r["code"].as_str().unwrap().to_string(), fixes)
        })
        .collect()
}

/// Every (code, applicability) of a fix in a JSON report, and where it was seen.
fn collect(report: &Value, from: &str, emitted: &mut BTreeMap<String, BTreeMap<String, String>>) {
    for check in report["checks"].as_array().into_iter().flatten() {
        let fix = &check["fix"];
        if fix.is_null() {
            continue;
        }
        let code = check["code"].as_str().unwrap().to_string();
        let applicability = fix["applicability"].as_str().unwrap().to_string();
        emitted
            .entry(code)
            .or_default()
            .entry(applicability)
            .or_insert_with(|| from.to_string());
    }
}

fn run(cwd: &Path, args: &[String]) -> Value {
    let output = doctor()
        .current_dir(cwd)
        .args(["doctor", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    stdout_json(&output)
}

/// The corpus: (where, the JSON report).
fn corpus() -> Vec<(String, Value)> {
    let mut reports = Vec::new();
    for dir in scenarios() {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let mut args: Vec<String> = vec!["--offline".into(), "--config".into()];
        args.push(
            connection_file(&dir)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into(),
        );
        args.extend(
            expected["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.as_str().unwrap().to_string()),
        );
        let name = format!("scenario {}", dir.file_name().unwrap().to_string_lossy());
        reports.push((name, run(&dir, &args)));
    }
    let snapshots = root().join("fixtures/snapshots");
    let mut files: Vec<_> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let args = vec!["--snapshot".to_string(), file.to_string_lossy().into()];
        let name = format!("snapshot {}", file.file_name().unwrap().to_string_lossy());
        reports.push((name, run(&snapshots, &args)));
    }
    reports
}

#[test]
fn every_rule_emits_only_the_fixes_it_declares_and_some_of_them() {
    let declared = declared();
    let mut emitted: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let corpus = corpus();
    assert!(corpus.len() > 60, "the corpus is every scenario and snapshot");
    for (from, report) in &corpus {
        collect(report, from, &mut emitted);
    }
    let mut problems = Vec::new();
    for (code, seen) in &emitted {
        let Some(promised) = declared.get(code) else {
            problems.push(format!("{code} is not in the catalogue"));
            continue;
        };
        for (applicability, from) in seen {
            if !promised.contains(applicability) {
                problems.push(format!(
                    "{code} emits a {applicability} fix ({from}) but declares only {promised:?}"
                ));
            }
        }
    }
    let excused: BTreeSet<&str> = NOT_IN_THE_CORPUS.iter().map(|(c, _)| *c).collect();
    for (code, promised) in &declared {
        let emits = emitted.contains_key(code);
        if !promised.is_empty() && !emits && !excused.contains(code.as_str()) {
            problems.push(format!(
                "{code} declares {promised:?} fixes, but no scenario or snapshot shows one: add a fixture"
            ));
        }
        if excused.contains(code.as_str()) && (emits || promised.is_empty()) {
            problems.push(format!(
                "{code} is excused but needs no excuse: remove it from the list"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
