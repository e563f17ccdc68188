//! Printed = applied, the way most people apply a fix: they copy the commands the
//! report prints (the table, the HTML page sent to the customer, or the JSON a
//! script reads), not `--write-fixes`. Against moto: a role whose one inline
//! policy lacks three grants, whose trust policy holds a placeholder External ID,
//! and a connection whose catalog is not lowercase. The commands each face prints
//! are run in the order shown, in one shell, with the real AWS CLI; the
//! connection field is set as the report says; the doctor, run again, finds none
//! of what those fixes were printed for, and no new error.

use crate::common;

use common::moto::{aws, aws_cli, bash_with_aws_cli, endpoint, role_with_inline_policy, runtime, unique};
use common::{doctor, failures, fixable, moto, not_cleared};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const ACCOUNT: &str = "123456789012"; // moto's default account
const VENDOR: &str = "999988887777";
const EXTERNAL_ID: &str = "omni-4f2a9c";

/// The account: a role with one inline policy `bi-access` that may list the two
/// buckets and use Glue, but not write results (S3002), read the lake (S3003) or
/// run queries (ATHENA001); a trust policy with a placeholder External ID
/// (TRUST002); both buckets and the schema exist. Returns the connection file.
fn account(dir: &Path) -> std::path::PathBuf {
    let id = unique("pf").replace('-', "");
    let (role, results, lake, schema) = (
        format!("bi-{id}"),
        format!("pf-results-{id}"),
        format!("pf-lake-{id}"),
        format!("sales_{id}"),
    );
    runtime().block_on(async {
        let aws = aws().await;
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Omni", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{VENDOR}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "we-will-add-this-later"}}}]});
        let access = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Glue", "Effect": "Allow", "Action": ["glue:Get*", "glue:BatchGet*"], "Resource": "*"},
            {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": [format!("arn:aws:s3:::{results}"), format!("arn:aws:s3:::{lake}")]}]});
        role_with_inline_policy(&aws.iam, &role, &trust, "bi-access", &access).await;
        for bucket in [&results, &lake] {
            aws.s3.create_bucket().bucket(bucket).send().await.unwrap();
        }
        aws.glue
            .create_database()
            .database_input(
                aws_sdk_glue::types::DatabaseInput::builder()
                    .name(&schema)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let text = format!(
        "display_name = \"printed fixes\"\ns3_output_bucket = \"s3://{results}/omni/\"\n\
         data_catalog = \"AwsDataCatalog\"\ninclude_schemas = \"{schema}\"\ndefault_schema = \"{schema}\"\n\
         region = \"us-east-1\"\nworkgroup = \"primary\"\ndata_buckets = [\"{lake}\"]\n\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{ACCOUNT}:role/{role}\"\n\
         external_id = \"{EXTERNAL_ID}\"\ntrusted_account_id = \"{VENDOR}\"\n"
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The doctor, live against moto, in `format`; its stdout.
fn report(dir: &Path, format: &str) -> String {
    let out = doctor()
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("COLUMNS", "80")
        .args(["doctor", "--timeout", "10", "--no-probes", "--format", format])
        .args(["--config", "connection.toml"])
        .output()
        .unwrap();
    // 1 with findings, 0 once the fixes cleared them; never bad input.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The commands the table prints under "Apply in this order", as printed.
fn from_table(text: &str) -> Vec<String> {
    let (_, steps) = text
        .split_once("Apply in this order")
        .expect("the table lists the commands in order");
    steps
        .lines()
        .filter_map(|l| l.strip_prefix("  aws "))
        .map(|l| format!("aws {l}"))
        .collect()
}

/// The commands of the HTML page's "Apply in this order" section, unescaped.
fn from_html(page: &str) -> Vec<String> {
    let (_, section) = page
        .split_once("<section id=\"apply\">")
        .expect("the page has the apply section");
    section
        .split("<pre class=\"command\">")
        .skip(1)
        .map(|s| {
            s.split_once("</pre>")
                .unwrap()
                .0
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

fn from_json(report: &Value) -> Vec<String> {
    report["apply"]
        .as_array()
        .expect("the JSON report lists the commands in order")
        .iter()
        .map(|s| s["command"].as_str().unwrap().to_string())
        .collect()
}

/// Run `commands` in one bash, in order, with the AWS CLI against moto.
fn run_all(commands: &[String], aws: &Path) {
    let script = format!("set -euo pipefail\n{}\n", commands.join("\n"));
    let ran = bash_with_aws_cli(aws).args(["-c", &script]).output().unwrap();
    assert!(
        ran.status.success(),
        "the printed commands failed:\n{}\n{}\n{script}",
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// Set each connection field the report fixes (not display-only) to its value.
fn set_fields(file: &Path, report: &Value) {
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(file).unwrap().parse().unwrap();
    for c in failures(report) {
        let fix = &c["fix"];
        if fix["kind"] != "field" || fix["applicability"] == "display-only" {
            continue;
        }
        let key = fix["field"].as_str().unwrap();
        let value = match &fix["value"] {
            Value::String(s) => toml_edit::value(s.as_str()),
            Value::Bool(b) => toml_edit::value(*b),
            other => panic!("a field value the test does not set: {other}"),
        };
        match key.split_once('.') {
            Some((table, leaf)) => doc[table][leaf] = value,
            None => doc[key] = value,
        }
    }
    std::fs::write(file, doc.to_string()).unwrap();
}

fn json_report(dir: &Path) -> Value {
    serde_json::from_str(&report(dir, "json")).unwrap()
}

/// What the round trip checks, for commands taken from one face.
fn round_trip(face: &str, take: impl Fn(&Path) -> Vec<String>) {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = account(tmp.path());
    let before = json_report(tmp.path());
    let codes: BTreeSet<&str> = fixable(&before)
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for code in ["S3002", "S3003", "ATHENA001", "TRUST002", "CATALOG001"] {
        assert!(
            codes.contains(code),
            "no {code} with a fix: {codes:?}\n{before:#}"
        );
    }
    let commands = take(tmp.path());
    // One command per document: the role's inline policy is put once, holding
    // all three missing grants.
    let puts = commands
        .iter()
        .filter(|c| c.starts_with("aws iam put-role-policy") && c.contains("--policy-name bi-access"))
        .count();
    assert_eq!(puts, 1, "{face}: {commands:#?}");
    run_all(&commands, &aws);
    set_fields(&file, &before);
    let after = json_report(tmp.path());
    let problems = not_cleared(&before, &after);
    assert!(
        problems.is_empty(),
        "{face}: after running {commands:#?}\n{}\n{after:#}",
        problems.join("\n")
    );
}

#[test]
fn the_tables_commands_in_order_clear_the_findings() {
    round_trip("table", |dir| from_table(&report(dir, "table")));
}

#[test]
fn the_html_pages_commands_in_order_clear_the_findings() {
    round_trip("html", |dir| from_html(&report(dir, "html")));
}

#[test]
fn the_json_reports_commands_in_order_clear_the_findings() {
    round_trip("json", |dir| from_json(&json_report(dir)));
}
