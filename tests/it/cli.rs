//! The command line as a user meets it: exit codes, output files, errors with
//! positions, `rules` and `explain`.

use crate::common;

use common::{doctor, root, stdout_json};
use predicates::prelude::*;
use predicates::str::contains;

/// Write `text` to `dir/name`, run the doctor with it (after `args`), and expect
/// exit 2 with an error that names the file and contains `needle`.
fn assert_input_error(
    dir: &std::path::Path,
    name: &str,
    text: &str,
    args: &[&std::ffi::OsStr],
    needle: &str,
) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    doctor()
        .args(["doctor", "--offline"])
        .args(args)
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(format!("error: {}", path.display())))
        .stderr(contains(needle));
}

fn scenario(name: &str) -> std::path::PathBuf {
    common::connection_file(&root().join("fixtures/scenarios").join(name))
}

#[test]
fn exit_codes_follow_fail_on() {
    // (scenario, worst finding) × --fail-on → exit code.
    let cases = [
        ("healthy-role", "error", 0),
        ("healthy-role", "warning", 0),
        ("region-defaulted", "warning", 0), // an info finding never fails a run
        ("default-schema-not-included", "error", 0),
        ("default-schema-not-included", "warning", 1),
        ("default-schema-not-included", "never", 0),
        ("catalog-not-lowercase", "error", 1),
        ("catalog-not-lowercase", "warning", 1),
        ("catalog-not-lowercase", "never", 0),
    ];
    for (name, fail_on, code) in cases {
        doctor()
            .args(["doctor", "--offline", "--fail-on", fail_on, "--config"])
            .arg(scenario(name))
            .assert()
            .code(code);
    }
}

#[test]
fn check_is_an_alias_and_json_is_the_v1_shape() {
    let output = doctor()
        .args(["check", "--offline", "--format", "json", "--config"])
        .arg(scenario("catalog-not-lowercase"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = stdout_json(&output);
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["version", "tool", "connection", "summary", "checks"]);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "athena-doctor");
    assert_eq!(report["connection"], "Acme analytics");
    for check in report["checks"].as_array().unwrap() {
        let keys: Vec<&str> = check.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["code", "name", "status", "severity", "message", "subject", "fix"]
        );
    }
    let summary = &report["summary"];
    let total: u64 = ["error", "warning", "info", "pass", "skip"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, report["checks"].as_array().unwrap().len());
    assert_eq!(summary["error"], 2);
}

#[test]
fn every_catalogued_rule_reports_and_offline_probes_say_why_they_skip() {
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(scenario("healthy-role"))
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let checks = report["checks"].as_array().unwrap();
    let codes: std::collections::BTreeSet<&str> =
        checks.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 69);
    let probe = checks.iter().find(|c| c["code"] == "PROBE001").unwrap();
    assert_eq!(probe["status"], "skip");
    assert_eq!(
        probe["message"],
        "not applicable: not an AWS Access Key connection"
    );
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(scenario("healthy-role"))
        .arg("--output")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["summary"]["error"], 0);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn table_shows_fixes_and_a_summary_without_colour_when_piped() {
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(root().join("fixtures/examples/acme.toml"))
        .assert()
        .code(1)
        .stdout(contains("Suggested fixes"))
        .stdout(contains(
            "CATALOG001 connection field data_catalog (safe): data_catalog = \"awsdatacatalog\"",
        ))
        .stdout(contains("4 errors, 3 warnings, 11 passed, 54 skipped"))
        .stdout(contains("\x1b[").not());
}

#[test]
fn verbose_table_shows_skips_with_reasons() {
    doctor()
        .args(["doctor", "--offline", "-v", "--config"])
        .arg(scenario("healthy-role"))
        .assert()
        .success()
        .stdout(contains("needs live inspection: run without --offline"))
        .stdout(contains("hidden").not());
}

#[test]
fn malformed_files_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("bad.toml", "display_name = \"x\"\nregion = [1\n", ":2:"),
        (
            "typo.toml",
            "display_name = \"x\"\n\n[auth]\nrole_ran = \"y\"\n",
            ":4:1: unknown key `role_ran` in `auth`; did you mean `role_arn`?",
        ),
        (
            "type.toml",
            "display_name = \"x\"\nallow_user_specific_timezones = \"yes\"\n",
            ":2:33: `allow_user_specific_timezones`: invalid type",
        ),
        (
            "bad.json",
            "{\n  \"region\": \"us-east-1\"\n  \"data_catalog\": \"x\"\n}\n",
            ":3:3: invalid JSON",
        ),
        (
            "labels.json",
            "{\"Display Name\": \"x\",\n \"Region \": \"y\"}",
            ":2:2: unknown key `Region `; did you mean `Region`?",
        ),
        (
            "auth.json",
            "{\"auth\": {\"type\": \"sso\"}}",
            "unknown authentication type `sso`",
        ),
    ];
    for (name, text, needle) in cases {
        assert_input_error(dir.path(), name, text, &["--config".as_ref()], needle);
    }
}

#[test]
fn unreadable_inputs_exit_2_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0x64, 0x3d, 0xff, 0xfe, 0x00]).unwrap();
    for path in [binary, dir.path().join("missing.toml"), dir.path().to_path_buf()] {
        doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(contains("error: "))
            .stderr(contains("panicked").not());
    }
}

#[test]
fn usage_errors_exit_2() {
    doctor().args(["doctor", "--format", "xml"]).assert().code(2);
    doctor()
        .args(["doctor", "--secret-stdin", "--secret-file", "x"])
        .assert()
        .code(2);
    doctor().arg("frobnicate").assert().code(2);
    // Zero would silently become something else: it is refused, naming the flag.
    for flag in ["--deadline", "--timeout"] {
        doctor()
            .args(["doctor", "--config", "fixtures/examples/acme.toml", flag, "0"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(flag));
    }
}

/// The SDK panics on an empty endpoint URL: the doctor refuses it (and any value
/// that is not an http(s) URL) as bad input, before its first call.
#[test]
fn a_bad_endpoint_setting_is_a_usage_error_not_a_panic() {
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_IAM",
        "AWS_ENDPOINT_URL_ATHENA",
        "AWS_ENDPOINT_URL_GLUE",
        "AWS_ENDPOINT_URL_S3",
    ] {
        for value in ["", "not a url", "https://", "ftp://127.0.0.1:9"] {
            doctor()
                .args(["doctor", "--config", "fixtures/examples/acme.toml", "--no-probes"])
                .env(key, value)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .assert()
                .code(2)
                .stderr(predicates::str::contains(key).and(predicates::str::contains("panicked").not()));
        }
    }
}

/// The example's role ARN is a session ARN (`assumed-role/bi-athena/omni-session`):
/// fixes go to the role `bi-athena`, never to a "role" named after the session.
#[test]
fn fixes_name_the_role_not_the_session() {
    let output = doctor()
        .current_dir(root())
        .args([
            "doctor",
            "--offline",
            "--format",
            "json",
            "--config",
            "fixtures/examples/acme.toml",
            "--trust-policy",
            "fixtures/examples/acme-trust.json",
            "--policy",
            "fixtures/examples/acme-policy.json",
        ])
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let fixes: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["fix"].is_object())
        .map(|c| c["fix"].to_string())
        .collect();
    let policy_fixes: Vec<&String> = fixes.iter().filter(|f| f.contains("of role")).collect();
    assert!(policy_fixes.len() >= 2, "{fixes:#?}");
    for fix in policy_fixes {
        assert!(fix.contains("of role bi-athena"), "{fix}");
        assert!(!fix.contains("omni-session"), "{fix}");
    }
}

#[test]
fn help_shows_an_example_and_never_a_secret_flag_that_takes_a_value() {
    let output = doctor().args(["doctor", "--help"]).output().unwrap();
    assert!(output.status.success());
    // Read as prose: the help wraps its lines wherever the width falls.
    let help = String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("Examples:"));
    assert!(help.contains("athena-doctor doctor --offline --config"));
    // The only write is opt-in, and the help says so.
    assert!(help.contains("--probe-query"));
    assert!(help.contains("THIS WRITES"), "{help}");
    assert!(!help.contains("--secret-access-key"));
}

#[test]
fn explain_prints_every_rules_own_document() {
    let output = doctor().args(["rules", "--format", "json"]).output().unwrap();
    let rules = stdout_json(&output);
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), 69);
    for rule in rules {
        let (code, name) = (rule["code"].as_str().unwrap(), rule["name"].as_str().unwrap());
        let doc = std::fs::read_to_string(root().join(format!("rules/{code}-{name}.md")))
            .unwrap_or_else(|e| panic!("rules/{code}-{name}.md: {e}"));
        // The document, then one line on its fixes, as `rules` lists them.
        let fixes: Vec<&str> = rule["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let line = match fixes.as_slice() {
            [] => "Fix: none written".to_string(),
            _ => format!("Fix: written by the doctor; applicability {}", fixes.join(", ")),
        };
        for key in [code, name] {
            let shown = doctor().args(["explain", key]).output().unwrap();
            assert!(shown.status.success(), "explain {key}");
            let shown = String::from_utf8_lossy(&shown.stdout).to_string();
            let (body, last) = shown.trim_end().rsplit_once("\n\n").unwrap();
            assert_eq!(
                body.trim_end(),
                doc.trim_end(),
                "explain {key} prints rules/{code}-{name}.md"
            );
            assert!(
                last.starts_with(&line),
                "explain {key}: `{last}` does not start with `{line}`"
            );
        }
    }
}

#[test]
fn rules_lists_the_catalogue_and_explain_prints_a_doc() {
    doctor()
        .arg("rules")
        .assert()
        .success()
        .stdout(contains("CATALOG001"))
        .stdout(contains("69 rules"));
    doctor()
        .args(["explain", "CATALOG001"])
        .assert()
        .success()
        .stdout(contains("# CATALOG001 catalog-not-lowercase"))
        .stdout(contains("## Fix"))
        .stdout(contains("Fix: written by the doctor; applicability safe "));
    doctor()
        .args(["explain", "S3006"])
        .assert()
        .success()
        .stdout(contains("Fix: none written"));
    doctor()
        .args(["explain", "credentials-rejected"])
        .assert()
        .success()
        .stdout(contains("# PROBE001"))
        .stdout(contains("SignatureDoesNotMatch"));
    doctor()
        .args(["explain", "CATALOG01"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `CATALOG001`?"));
}

#[test]
fn the_shipped_example_runs() {
    doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(root().join("fixtures/examples/acme.toml"))
        .assert()
        .code(1)
        .stdout(contains("\"code\": \"CATALOG001\""));
}

#[test]
fn invalid_policy_files_exit_2_with_position_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let config = scenario("policy-healthy");
    let cases = [
        (
            "syntax.json",
            "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}",
            ":3:23: invalid JSON: trailing comma: no member follows this `,`",
        ),
        (
            "both.json",
            "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"NotAction\": \"iam:*\", \"Resource\": \"*\"}]}",
            ":2:67: a statement may not have both `Action` and `NotAction` (at /Statement/0/NotAction)",
        ),
        (
            "wrapped.json",
            "{\"PolicyVersion\": {\"Document\": {\"Statement\": [{\"Effect\": \"Permit\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}}}",
            "(at /PolicyVersion/Document/Statement/0/Effect)",
        ),
        (
            "encoded.json",
            "%7B%22Version%22%3A%222012-10-17%22%7D",
            ":1:1: the policy has no `Statement` [position in the decoded document]",
        ),
    ];
    for (name, text, needle) in cases {
        let args = ["--config".as_ref(), config.as_os_str(), "--policy".as_ref()];
        assert_input_error(dir.path(), name, text, &args, needle);
    }
}

#[test]
fn a_plain_bucket_policy_needs_a_results_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "display_name = \"x\"\n").unwrap();
    let policy = dir.path().join("b.json");
    std::fs::write(&policy, "{\"Statement\": []}").unwrap();
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--bucket-policy")
        .arg(&policy)
        .assert()
        .code(2)
        .stderr(contains("use --bucket-policy BUCKET=FILE"));
}

/// From a snapshot whose results bucket encrypts with a customer-managed KMS key
/// (and whose data bucket's encryption could not be read), the least-privilege
/// policy grants that key (kms:GenerateDataKey and kms:Decrypt: Athena writes
/// results with it and reads them back) and names the unknown one in a note.
#[test]
fn policy_from_a_snapshot_grants_the_results_buckets_kms_key() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/broken.json")).unwrap(),
    )
    .unwrap();
    let buckets = &mut snapshot["live"]["value"]["buckets"];
    buckets["rt-results-example"]["kms_key"] = serde_json::json!({"state": "known", "value": key});
    buckets["rt-lake-example"]["kms_key"] = serde_json::json!({"state": "failed", "value": {
        "kind": "denied", "action": "s3:GetBucketEncryption", "code": "AccessDenied",
        "message": "AccessDenied: not allowed"}});
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("snap.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let output = doctor()
        .args(["policy", "--format", "json", "--snapshot"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = stdout_json(&output);
    let statements = doc["permissions"]["Statement"].as_array().unwrap();
    let kms = statements
        .iter()
        .find(|s| s["Resource"] == key)
        .unwrap_or_else(|| panic!("no grant on the key: {doc:#}"));
    assert_eq!(
        kms["Action"],
        serde_json::json!(["kms:GenerateDataKey", "kms:Decrypt"])
    );
    let notes = doc["notes"].to_string();
    assert!(notes.contains("rt-lake-example"), "{notes}");
    // The same connection without the snapshot's facts grants no key.
    let without = doctor()
        .args(["policy", "--format", "json", "--config"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .output()
        .unwrap();
    // (Its notes may say what an unknown key would need; no statement grants one.)
    assert!(!stdout_json(&without)["permissions"].to_string().contains("kms:"));
}

#[test]
fn policy_command_prints_least_privilege_and_trust() {
    let output = doctor()
        .args(["policy", "--format", "json", "--config"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let doc = stdout_json(&output);
    let statements = doc["permissions"]["Statement"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .any(|s| s["Resource"] == "arn:aws:s3:::acme-athena-results/omni/*")
    );
    assert_eq!(
        doc["trust"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "omni-4f2a9c"
    );
    assert_eq!(
        doc["trust"]["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::999988887777:root"
    );
    // Least privilege passes the doctor's own permission rules.
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("p.json");
    std::fs::write(&policy, doc["permissions"].to_string()).unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let failing: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(failing.is_empty(), "{failing:?}");
}

/// Input edges: a UTF-8 byte-order mark is read past in JSON as in TOML; a
/// `BUCKET=` without a file and an output in a missing folder are errors that name
/// what the user gave (never `: No such file`, never our temporary file).
#[test]
fn input_edges_name_what_the_user_gave() {
    let dir = tempfile::tempdir().unwrap();
    let example = root().join("fixtures/scenarios/healthy-form-labels");
    let conn = std::fs::read_dir(&example)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("expected.json"))
        .expect("a JSON connection file");
    let with_bom = dir.path().join("bom.json");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&conn).unwrap());
    std::fs::write(&with_bom, bytes).unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        "\u{feff}{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}",
    )
    .unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(&with_bom)
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    // Read and judged: findings (1) or none (0); bad input (2) or a panic (101) fails.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&conn)
        .args(["--bucket-policy", "acme-lake="])
        .assert()
        .code(2)
        .stderr(contains("--bucket-policy acme-lake=: no file after `=`"));
    let missing = dir.path().join("no/such/dir/report.json");
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&conn)
        .arg("--output")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(contains(missing.display().to_string()).and(contains(".report.json.").not()));
}

/// A snapshot whose field has the wrong type: the error names the field's path and
/// its line and column.
#[test]
fn snapshot_type_errors_have_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    std::fs::write(&snap, "{\n  \"version\": 1,\n  \"connection\": 5\n}\n").unwrap();
    doctor()
        .args(["doctor", "--snapshot"])
        .arg(&snap)
        .assert()
        .code(2)
        .stderr(contains(format!(
            "{}:3:17: `connection`: invalid type",
            snap.display()
        )));
}

/// Text from inputs reaches the terminal as text: a display name or an unknown key
/// holding ESC, CR or a newline cannot clear the screen or forge an `error:` line,
/// in the table or in an error.
#[test]
fn control_characters_from_inputs_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(root().join("fixtures/examples/acme.toml")).unwrap();
    let hostile = "Acme\\u001b[2J\\r\\nerror: fake";
    let named = example
        .lines()
        .map(|l| {
            if l.starts_with("display_name") {
                format!("display_name = \"{hostile}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config = dir.path().join("c.toml");
    std::fs::write(&config, &named).unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "--color", "never", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Acme\\u{1b}[2J\\r\\nerror: fake"), "{stdout}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\r'), "{stdout:?}");
    assert!(!stdout.lines().any(|l| l.starts_with("error: fake")));

    let unknown_key = format!("{example}\n\"x{hostile}\" = 1\n");
    std::fs::write(&config, unknown_key).unwrap();
    let output = doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\r'), "{stderr:?}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{stderr}"
    );
}

/// `--write-fixes` never overwrites an input: pointed at the directory the inputs
/// are in, it refuses before writing anything (exit 2), and the input is unchanged.
#[test]
fn write_fixes_never_overwrites_an_input() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["acme.toml", "acme-trust.json", "acme-policy.json"] {
        std::fs::copy(root().join("fixtures/examples").join(name), tmp.path().join(name)).unwrap();
    }
    let before = std::fs::read_to_string(tmp.path().join("acme.toml")).unwrap();
    doctor()
        .current_dir(tmp.path())
        .args([
            "doctor",
            "--offline",
            "--config",
            "acme.toml",
            "--trust-policy",
            "acme-trust.json",
        ])
        .args(["--policy", "acme-policy.json", "--write-fixes", "."])
        .assert()
        .code(2)
        .stderr(contains("would overwrite the input"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("acme.toml")).unwrap(),
        before
    );
    assert!(!tmp.path().join("apply.sh").exists(), "nothing is written");
    // Elsewhere it writes, and the report's commands name the written files.
    let output = doctor()
        .current_dir(tmp.path())
        .args([
            "doctor",
            "--offline",
            "--config",
            "acme.toml",
            "--trust-policy",
            "acme-trust.json",
        ])
        .args([
            "--policy",
            "acme-policy.json",
            "--write-fixes",
            "out",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let trust = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "TRUST002")
        .unwrap();
    assert_eq!(trust["fix"]["file"], "out/trust-policy-of-role-bi-athena.json");
    assert_eq!(trust["fix"]["replaces"], "acme-trust.json");
    assert_eq!(
        trust["fix"]["command"],
        "aws iam update-assume-role-policy --role-name bi-athena --policy-document \
         file://out/trust-policy-of-role-bi-athena.json"
    );
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("out/trust-policy-of-role-bi-athena.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written, trust["fix"]["document"]);
    // Unsafe fixes stay out of the files and are commented out in the script.
    let script = std::fs::read_to_string(tmp.path().join("out/apply.sh")).unwrap();
    assert!(
        script.contains("# ROLE002 role-arn-wrong-type (unsafe)"),
        "{script}"
    );
    let corrected = std::fs::read_to_string(tmp.path().join("out/acme.toml")).unwrap();
    assert!(
        corrected.contains("assumed-role/bi-athena/omni-session"),
        "unsafe ROLE002 was applied"
    );
    assert!(
        corrected.contains("data_catalog = \"awsdatacatalog\""),
        "{corrected}"
    );
}

/// The page goes to the customer: a finding in the connection names the form's
/// field as the BI tool labels it, one in a policy names the policy, and each
/// fix's command sits once, document inline, in the steps to apply in order.
#[test]
fn html_names_locations_as_the_customer_knows_them() {
    let examples = root().join("fixtures/examples");
    let out = doctor()
        .args(["doctor", "--offline", "--format", "html", "--config"])
        .arg(examples.join("acme.toml"))
        .arg("--policy")
        .arg(examples.join("acme-policy.json"))
        .output()
        .unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("field “AWS Role ARN” ("), "{page}");
    assert!(
        page.contains("<p class=\"where\">inline policy acme-policy of role bi-athena ("),
        "{page}"
    );
    assert_eq!(
        page.matches("<pre class=\"command\">aws iam put-role-policy")
            .count(),
        1
    );
}

/// Output sized for a person: the shipped example at 80 columns was 264 lines
/// before each document was printed once (with its step, under `-v`); it must
/// stay within half of that, and `-v` still holds every corrected document.
#[test]
fn the_shipped_example_at_80_columns_is_half_its_old_length_and_v_has_the_rest() {
    let examples = root().join("fixtures/examples");
    let run = |extra: &[&str]| {
        let out = doctor()
            .env("COLUMNS", "80")
            .args(["doctor", "--offline", "--config"])
            .arg(examples.join("acme.toml"))
            .arg("--trust-policy")
            .arg(examples.join("acme-trust.json"))
            .arg("--policy")
            .arg(examples.join("acme-policy.json"))
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let short = run(&[]);
    assert!(
        short.lines().count() <= 132,
        "{} lines:\n{short}",
        short.lines().count()
    );
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    let long = run(&["-v"]);
    for check in json["checks"].as_array().unwrap() {
        let fix = &check["fix"];
        if fix["kind"] == "policy" {
            let document = serde_json::to_string_pretty(&fix["document"]).unwrap();
            assert!(long.contains(&document), "-v lacks {document}");
            assert!(short.contains(fix["command"].as_str().unwrap()));
        }
        if fix["kind"] == "field" {
            assert!(short.contains(fix["title"].as_str().unwrap()));
        }
    }
}

/// The least-privilege policy grants what the workgroup's settings require: from
/// a snapshot, the key of its managed query results (with kms:DescribeKey, as
/// Athena's guide asks); from a connection alone, whose workgroup is unknown, a
/// note says what its settings may require instead of guessing.
#[test]
fn policy_grants_the_workgroups_result_key_or_says_it_is_unknown() {
    let output = doctor()
        .args(["policy", "--format", "json", "--snapshot"])
        .arg(root().join("fixtures/snapshots/workgroup-settings.json"))
        .output()
        .unwrap();
    let doc = stdout_json(&output);
    let key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let statements = doc["permissions"]["Statement"].as_array().unwrap();
    let grant = statements
        .iter()
        .find(|s| s["Resource"] == key)
        .unwrap_or_else(|| panic!("no grant on the workgroup's key: {doc:#}"));
    assert_eq!(
        grant["Action"],
        serde_json::json!(["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"])
    );
    assert!(
        !doc["notes"].to_string().contains("are not known here"),
        "{doc:#}"
    );
    let alone = doctor()
        .args(["policy", "--format", "json", "--config"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .output()
        .unwrap();
    let doc = stdout_json(&alone);
    assert!(
        doc["notes"]
            .to_string()
            .contains("the settings of workgroup primary are not known here"),
        "{doc:#}"
    );
}

/// The guardrail flags refuse bad input as the other policy flags do: exit 2,
/// nothing on standard output, the file with line and column (or the flag) named.
#[test]
fn guardrail_files_that_cannot_be_read_exit_2_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let config = scenario("scp-denies-glue");
    let os = |s: &str| std::ffi::OsString::from(s);
    // Broken JSON: the line and column of the fault.
    let broken = dir.path().join("scp.json");
    std::fs::write(
        &broken,
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"*\" \"Resource\": \"*\"}]}",
    )
    .unwrap();
    for flag in ["--scp", "--rcp"] {
        doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&config)
            .arg(flag)
            .arg(&broken)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(format!(
                "error: {}:2:37: invalid JSON",
                broken.display()
            )));
    }
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--endpoint-policy")
        .arg(format!("s3={}", broken.display()))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(format!(
            "error: {}:2:37: invalid JSON",
            broken.display()
        )));
    // An SCP may not name a principal; an RCP must.
    let with_principal = dir.path().join("principal.json");
    std::fs::write(
        &with_principal,
        "{\"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"glue:*\", \"Resource\": \"*\"}]}",
    )
    .unwrap();
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--scp")
        .arg(&with_principal)
        .assert()
        .code(2)
        .stderr(contains(format!("error: {}:3:", with_principal.display())))
        .stderr(contains("may not name a `Principal`"));
    // describe-policy output of an SCP given as an RCP: its Type says which.
    let scp = root().join("fixtures/scenarios/scp-denies-glue/scp.json");
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--rcp")
        .arg(&scp)
        .assert()
        .code(2)
        .stderr(contains(format!("error: {}:", scp.display())))
        .stderr(contains("Type is SERVICE_CONTROL_POLICY: pass it with --scp"));
    // The endpoint's service must be the one named, and the service one the BI tool calls.
    let vpce = root().join("fixtures/scenarios/endpoint-policy-denies-results-write/vpce.json");
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--endpoint-policy")
        .arg(format!("athena={}", vpce.display()))
        .assert()
        .code(2)
        .stderr(contains(format!("error: {}:", vpce.display())))
        .stderr(contains(
            "the endpoint is for com.amazonaws.us-east-1.s3, not athena",
        ));
    for (arg, needle) in [
        (os("ec2=x.json"), "`ec2` is not a service the BI tool calls"),
        (os("x.json"), "no service named"),
        (os("s3="), "no file after `=`"),
    ] {
        doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&config)
            .arg("--endpoint-policy")
            .arg(&arg)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(needle));
    }
    // Two endpoints in one describe output: which one is meant is not known.
    let two = dir.path().join("two.json");
    std::fs::write(
        &two,
        "{\"VpcEndpoints\": [\n {\"VpcEndpointId\": \"vpce-1\", \"PolicyDocument\": \"{}\"},\n {\"VpcEndpointId\": \"vpce-2\", \"PolicyDocument\": \"{}\"}]}",
    )
    .unwrap();
    doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .arg("--endpoint-policy")
        .arg(format!("s3={}", two.display()))
        .assert()
        .code(2)
        .stderr(contains(format!("error: {}:1:", two.display())))
        .stderr(contains("exactly one endpoint"));
}

/// Live, nothing reads the guardrails: each rule skips saying how to give them.
/// A snapshot keeps them, and files given with --snapshot are added to it.
#[test]
fn guardrails_ride_in_snapshots_and_files_add_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_dir = root().join("fixtures/scenarios/scp-denies-glue");
    // A live snapshot from before guardrails existed.
    let snapshot = root().join("fixtures/snapshots/workgroup-settings.json");
    let report = stdout_json(
        &doctor()
            .args(["doctor", "--format", "json", "--snapshot"])
            .arg(&snapshot)
            .output()
            .unwrap(),
    );
    let org = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "ORG001")
        .unwrap();
    assert_eq!(org["status"], "skip");
    assert!(
        org["message"].as_str().unwrap().contains("--scp"),
        "{}",
        org["message"]
    );
    let report = stdout_json(
        &doctor()
            .current_dir(dir.path())
            .args(["doctor", "--format", "json", "--snapshot"])
            .arg(&snapshot)
            .arg("--scp")
            .arg(scenario_dir.join("scp.json"))
            .output()
            .unwrap(),
    );
    let org: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == "ORG001")
        .collect();
    assert!(org.iter().all(|c| c["status"] != "skip"), "{org:?}");
}

/// Live, with nothing naming the network and no private address resolved, the
/// endpoints' policies are not read: NET004 skips saying how to give them; the
/// organization's reads, failed (nothing listens), are skips naming
/// the read; a file given still counts. A fleet refuses them (they are one
/// connection's).
#[test]
fn guardrails_are_not_read_live_and_each_skip_says_so() {
    let dir = root().join("fixtures/scenarios/scp-denies-glue");
    let live = |extra: &[&str]| {
        let output = doctor()
            .current_dir(&dir)
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
            .args([
                "doctor",
                "-c",
                "connection.toml",
                "--format",
                "json",
                "--no-probes",
                "--timeout",
                "1",
                "--deadline",
                "5",
            ])
            .args(extra)
            .output()
            .unwrap();
        let report = stdout_json(&output);
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| ["ORG001", "ORG002", "NET004"].contains(&c["code"].as_str().unwrap()))
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                    c["message"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let none = live(&[]);
    assert_eq!(none.len(), 3, "{none:?}");
    for (code, status, message) in &none {
        assert_eq!(status, "skip", "{code}");
        if code == "NET004" {
            // Nothing names the network, and loopback is no interface endpoint's.
            assert!(
                message
                    .starts_with("not read live: no endpoint the calls go to resolved to a private address")
                    && message.ends_with("or pass --endpoint-policy SERVICE=FILE"),
                "{message}"
            );
        } else {
            assert!(
                message.starts_with("needs organizations:DescribeOrganization, which ")
                    && message.ends_with("pass --scp/--rcp FILE to give them"),
                "{code}: {message}"
            );
        }
    }
    let given = live(&["--policy", "policy.json", "--scp", "scp.json"]);
    assert!(
        given.iter().any(|(c, s, _)| c == "ORG001" && s == "fail"),
        "{given:?}"
    );
    doctor()
        .args(["doctor", "--offline", "--connections"])
        .arg(root().join("fixtures/scenarios"))
        .args(["--scp", "x.json"])
        .assert()
        .code(2)
        .stderr(contains("one connection's organization"));
}
