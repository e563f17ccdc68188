//! The secret access key never appears in any output: a canary value is fed through
//! every way a secret arrives and every output the doctor has, and searched for.

mod common;

use common::{SECRET_ENV, doctor, root};

/// A well-formed secret (so no rule has a reason to quote it) with a marker.
const CANARY: &str = "CANARYxUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKY";
/// A malformed one, which rules do describe.
const BAD_CANARY: &str = " CANARY-not/a+valid secret ";

fn assert_clean(what: &str, output: &std::process::Output, extra: &[std::path::PathBuf]) {
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    ];
    for path in extra {
        texts.push(std::fs::read_to_string(path).unwrap_or_default());
    }
    for text in texts {
        assert!(!text.contains("CANARY"), "{what}: the secret leaked:\n{text}");
    }
}

fn access_key_connection(dir: &std::path::Path, secret_in_file: Option<&str>) -> std::path::PathBuf {
    let mut text =
        std::fs::read_to_string(root().join("fixtures/scenarios/healthy-access-key/connection.toml"))
            .unwrap();
    if let Some(secret) = secret_in_file {
        text.push_str(&format!("secret_access_key = \"{secret}\"\n"));
    }
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_output_format_shows_the_secret_from_any_source() {
    let dir = tempfile::tempdir().unwrap();
    for secret in [CANARY, BAD_CANARY] {
        let secret_file = dir.path().join("secret.txt");
        std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
        let sources: [(&str, Option<&str>); 4] = [
            ("env", None),
            ("file", None),
            ("stdin", None),
            ("connection file", Some(secret)),
        ];
        for (source, in_file) in sources {
            let config = access_key_connection(dir.path(), in_file);
            for format in [&["--format", "table", "-v"][..], &["--format", "json"][..]] {
                let report = dir.path().join("report.out");
                let mut cmd = doctor();
                cmd.args(["doctor", "--offline", "--config"])
                    .arg(&config)
                    .args(format);
                match source {
                    "env" => {
                        cmd.env(SECRET_ENV, secret);
                    }
                    "file" => {
                        cmd.arg("--secret-file").arg(&secret_file);
                    }
                    "stdin" => {
                        cmd.arg("--secret-stdin").write_stdin(format!("{secret}\n"));
                    }
                    _ => {}
                }
                let output = cmd.output().unwrap();
                assert_clean(&format!("{source} {format:?}"), &output, &[]);
                let output = cmd.arg("--output").arg(&report).output().unwrap();
                assert_clean(&format!("{source} {format:?} --output"), &output, &[report]);
            }
        }
    }
}

#[test]
fn a_secret_in_the_connection_file_is_used_but_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let config = access_key_connection(dir.path(), Some(CANARY));
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_clean("file secret", &output, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("holds a secret access key (it is used for this run)"),
        "{stderr}"
    );
    assert!(stderr.contains(":13:1:"), "the warning names the line: {stderr}");
    let report = common::stdout_json(&output);
    let conn001 = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CONN001")
        .unwrap();
    assert_eq!(conn001["status"], "pass", "the file's secret counts as supplied");
}

#[test]
fn errors_never_echo_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A type error on the secret's own key.
        "[auth]\nsecret_access_key = 12345678901234567890\n".to_string(),
        // A syntax error on the secret's line.
        format!("[auth]\nsecret_access_key = \"{CANARY}\n"),
        format!("[auth]\nsecret_access_key = {CANARY}\n"),
        // The secret pasted into the key ID field, plus a later error.
        format!("[auth]\naccess_key_id = \"{CANARY}\"\ntype = 5\n"),
    ];
    for text in cases {
        let config = dir.path().join("c.toml");
        std::fs::write(&config, &text).unwrap();
        let output = doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert_clean(&text, &output, &[]);
        assert!(!String::from_utf8_lossy(&output.stderr).contains("12345678901234567890"));
    }
}

/// Pasted alone, one character short or long, or joined to the key ID as a
/// credentials CSV row or a `key:secret` pair has it: never repeated.
#[test]
fn a_secret_pasted_as_the_key_id_is_never_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.json");
    for pasted in [
        CANARY.to_string(),
        CANARY[..39].to_string(),
        format!("{CANARY}Q"),
        format!("AKIAIOSFODNN7EXAMPLE,{CANARY}"),
        format!("AKIAIOSFODNN7EXAMPLE {CANARY}"),
        format!("AKIAIOSFODNN7EXAMPLE:{CANARY}"),
    ] {
        std::fs::write(
            &config,
            format!(
                "{{\"Display Name\": \"x\", \"Authentication Type\": \"AWS Access Key\", \"AWS Access Key ID\": \"{pasted}\"}}"
            ),
        )
        .unwrap();
        for format in ["table", "json", "sarif", "markdown", "github", "junit"] {
            let output = doctor()
                .args(["doctor", "--offline", "-v", "--format", format, "--config"])
                .arg(&config)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(1), "{pasted} {format}");
            assert_clean(&format!("{pasted} as {format}"), &output, &[]);
        }
    }
}
