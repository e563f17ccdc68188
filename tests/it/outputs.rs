//! The doctor in CI: SARIF (validated against the SARIF 2.1.0 schema), GitHub
//! annotations and step summary, Markdown, JUnit, several outputs from one run,
//! gate control, colour, completions and the man page.

use crate::common;

use common::{doctor, root, stdout_json};
use predicates::prelude::*;
use predicates::str::contains;
use std::path::PathBuf;

/// A scenario with failures (S3004), passes and skips.
fn vpce_dir() -> PathBuf {
    root().join("fixtures/scenarios/bucket-policy-denies-outside-vpce")
}

fn vpce(format: &str) -> std::process::Output {
    doctor()
        .current_dir(vpce_dir())
        .args([
            "doctor",
            "--offline",
            "--config",
            "connection.toml",
            "--policy",
            "policy.json",
        ])
        .args(["--bucket-policy", "bucket-policy.json", "--format", format])
        .output()
        .unwrap()
}

fn text(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let examples = [
        vpce("sarif"),
        doctor()
            .args(["doctor", "--offline", "--format", "sarif", "--config"])
            .arg(root().join("fixtures/examples/acme.toml"))
            .output()
            .unwrap(),
    ];
    for output in &examples {
        let sarif = stdout_json(output);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF does not validate:\n{}",
            errors.join("\n")
        );
        let driver = &sarif["runs"][0]["tool"]["driver"];
        assert_eq!(driver["rules"].as_array().unwrap().len(), 69);
        assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
        let trust = driver["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "TRUST001")
            .unwrap();
        assert_eq!(trust["properties"]["security-severity"], "8.0");
        assert!(
            trust["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("security"))
        );
        assert!(trust["help"]["markdown"].as_str().unwrap().contains("## Fix"));
        // The validator is not vacuous: a result with a level SARIF does not have fails.
        let mut broken = sarif.clone();
        if let Some(r) = broken["runs"][0]["results"].get_mut(0) {
            r["level"] = serde_json::json!("fatal");
            assert!(!validator.is_valid(&broken));
        }
    }
}

#[test]
fn sarif_results_point_at_the_field_or_the_statement() {
    let sarif = stdout_json(&vpce("sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["ruleId"], "S3004");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "bucket-policy.json");
        assert!(
            r["partialFingerprints"]["athenaDoctorFinding/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
    // Fingerprints are stable across runs.
    assert_eq!(
        sarif["runs"][0]["results"],
        stdout_json(&vpce("sarif"))["runs"][0]["results"]
    );
    // A connection-field finding points at the field's line.
    let output = doctor()
        .current_dir(root())
        .args([
            "doctor",
            "--offline",
            "--format",
            "sarif",
            "--config",
            "fixtures/examples/acme.toml",
        ])
        .output()
        .unwrap();
    let sarif = stdout_json(&output);
    let catalog = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CATALOG001")
        .unwrap();
    let loc = &catalog["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "fixtures/examples/acme.toml");
    assert_eq!(loc["region"]["startLine"], 5, "data_catalog is on line 5");
}

#[test]
fn every_format_snapshot() {
    for format in ["sarif", "github", "markdown", "junit"] {
        let output = vpce(format);
        assert_eq!(output.status.code(), Some(1), "{format}");
        insta::assert_snapshot!(format!("vpce_{format}"), text(&output));
    }
}

#[test]
fn github_annotations_are_worst_first_and_the_summary_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    for _ in 0..2 {
        let output = doctor()
            .current_dir(root())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args([
                "doctor",
                "--offline",
                "--format",
                "github",
                "--config",
                "fixtures/examples/acme.toml",
            ])
            .output()
            .unwrap();
        let out = text(&output);
        let first_warning = out.find("::warning").unwrap();
        let last_error = out.rfind("::error").unwrap();
        assert!(last_error < first_warning, "errors come before warnings:\n{out}");
        assert!(out.contains(
            "::error file=fixtures/examples/acme.toml,line=5,col=1,title=CATALOG001 catalog-not-lowercase::"
        ));
    }
    let written = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        written.matches("## athena-doctor: Acme analytics").count(),
        2,
        "appended, not overwritten"
    );
}

#[test]
fn one_run_writes_several_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n);
    let output = doctor()
        .current_dir(vpce_dir())
        .args([
            "doctor",
            "--offline",
            "--config",
            "connection.toml",
            "--policy",
            "policy.json",
        ])
        .args(["--bucket-policy", "bucket-policy.json"])
        .arg("--sarif")
        .arg(path("r.sarif"))
        .arg("--junit")
        .arg(path("r.xml"))
        .arg("--json")
        .arg(path("r.json"))
        .arg("--markdown")
        .arg(path("r.md"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("S3004"), "the table still goes to stdout");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("r.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["error"], 2);
    // The JUnit file reads back as JUnit: one case a check, each in its family's
    // class (S3004 in `athena-doctor.s3`), failures typed by severity, skips with
    // their reason.
    let xml = std::fs::read_to_string(path("r.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let cases = &junit.test_suites[0].test_cases;
    assert_eq!(cases.len(), json["checks"].as_array().unwrap().len());
    let s3004 = cases
        .iter()
        .find(|c| c.name.as_str().starts_with("S3004 "))
        .unwrap();
    assert_eq!(
        s3004.classname.as_ref().map(|c| c.as_str()),
        Some("athena-doctor.s3")
    );
    assert!(matches!(
        &s3004.status,
        quick_junit::TestCaseStatus::NonSuccess { ty: Some(ty), .. } if ty.as_str() == "error"
    ));
    assert!(cases.iter().any(|c| matches!(
        &c.status,
        quick_junit::TestCaseStatus::Skipped { message: Some(m), .. } if !m.as_str().is_empty()
    )));
    assert!(
        std::fs::read_to_string(path("r.md"))
            .unwrap()
            .contains("| ❌ | S3004 |")
    );
}

#[test]
fn select_ignore_and_exit_zero() {
    let acme = root().join("fixtures/examples/acme.toml");
    let codes = |args: &[&str]| -> Vec<String> {
        let output = doctor()
            .args(["doctor", "--offline", "--format", "json", "--config"])
            .arg(&acme)
            .args(args)
            .output()
            .unwrap();
        stdout_json(&output)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        codes(&["--select", "CATALOG"])
            .iter()
            .all(|c| c.starts_with("CATALOG"))
    );
    assert!(
        codes(&["--select", "CONN001,region-invalid"])
            .iter()
            .all(|c| c == "CONN001" || c == "REGION001")
    );
    assert!(
        !codes(&["--ignore", "CONN,ROLE002"])
            .iter()
            .any(|c| c.starts_with("CONN") || c == "ROLE002")
    );
    doctor()
        .args(["doctor", "--offline", "--select", "CATALOG01", "--config"])
        .arg(&acme)
        .assert()
        .code(2)
        .stderr(contains(
            "--select: no rule, rule name or family `CATALOG01`; did you mean `CATALOG001`?",
        ));
    doctor()
        .args(["doctor", "--offline", "--exit-zero", "--config"])
        .arg(&acme)
        .assert()
        .code(0);
    doctor()
        .args(["doctor", "--offline", "--select", "CONN007", "--config"])
        .arg(&acme)
        .assert()
        .code(0);
    doctor()
        .args([
            "doctor",
            "--offline",
            "--select",
            "CONN007",
            "--fail-on",
            "warning",
            "--config",
        ])
        .arg(&acme)
        .assert()
        .code(1);
}

#[test]
fn doctor_table_ignores_with_a_reason_and_overrides_severity() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    let mut text = std::fs::read_to_string(root().join("fixtures/examples/acme.toml")).unwrap();
    text.push_str(
        "\n[doctor]\nignore = [{ code = \"CATALOG001\", reason = \"the BI tool lower-cases it for us\" }]\n\
         severity = { CONN007 = \"error\", REGION = \"warning\" }\n",
    );
    std::fs::write(&config, &text).unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let checks = report["checks"].as_array().unwrap();
    let catalog = checks
        .iter()
        .find(|c| c["code"] == "CATALOG001" && c["subject"] == "data_catalog")
        .unwrap();
    assert_eq!(catalog["status"], "skip");
    assert!(
        catalog["message"]
            .as_str()
            .unwrap()
            .starts_with("ignored in the connection file (the BI tool lower-cases it for us)")
    );
    let conn007 = checks.iter().find(|c| c["code"] == "CONN007").unwrap();
    assert_eq!(
        (conn007["status"].as_str(), conn007["severity"].as_str()),
        (Some("fail"), Some("error"))
    );
    let region = checks.iter().find(|c| c["code"] == "REGION001").unwrap();
    assert_eq!(region["severity"], "warning");
    // Bad [doctor] tables are input errors.
    for (extra, needle) in [
        ("ignore = [{ code = \"CATALOG001\" }]", "missing field `reason`"),
        (
            "ignore = [{ code = \"CATALOG001\", reason = \" \" }]",
            "the reason is empty",
        ),
        (
            "ignore = [{ code = \"CATALOG01\", reason = \"x\" }]",
            "did you mean `CATALOG001`?",
        ),
        (
            "severity = { CONN007 = \"fatal\" }",
            "`fatal` is not error, warning or info",
        ),
    ] {
        let mut bad = std::fs::read_to_string(root().join("fixtures/examples/acme.toml")).unwrap();
        bad.push_str(&format!("\n[doctor]\n{extra}\n"));
        std::fs::write(&config, bad).unwrap();
        doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&config)
            .assert()
            .code(2)
            .stderr(contains(needle));
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let acme = root().join("fixtures/examples/acme.toml");
    let run = |args: &[&str], env: &[(&str, &str)]| -> String {
        let mut cmd = doctor();
        cmd.args(["doctor", "--offline", "--config"])
            .arg(&acme)
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        text(&cmd.output().unwrap())
    };
    assert!(!run(&[], &[]).contains('\x1b'), "a pipe gets no colour");
    assert!(run(&["--color", "always"], &[]).contains('\x1b'));
    assert!(run(&[], &[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!run(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
    assert!(!run(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
}

#[test]
fn quiet_and_verbose() {
    let acme = root().join("fixtures/examples/acme.toml");
    let quiet = doctor()
        .args(["doctor", "--offline", "-q", "--config"])
        .arg(&acme)
        .output()
        .unwrap();
    let quiet = text(&quiet);
    assert!(quiet.contains("CATALOG001") && !quiet.contains("Suggested fixes") && !quiet.contains("✓"));
    let verbose = doctor()
        .args(["doctor", "--offline", "-v", "--config"])
        .arg(&acme)
        .output()
        .unwrap();
    let verbose = text(&verbose);
    assert!(
        verbose.contains("✓")
            && verbose.contains("needs live inspection")
            && verbose.contains("Suggested fixes")
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        doctor()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("athena-doctor"))
            .stdout(contains("--fail-on").or(contains("fail-on")));
    }
    doctor()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH athena-doctor"));
}
