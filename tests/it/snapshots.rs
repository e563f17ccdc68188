//! Snapshots of what users see: the table and the JSON for a few scenarios, and the
//! list of rule codes (so that a rename or a removed code shows in review).

use crate::common;

use common::{doctor, root};

fn run(config: &str, args: &[&str]) -> String {
    let output = doctor()
        .args(["doctor", "--offline", "--config"])
        .arg(root().join(config))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn example_table() {
    insta::assert_snapshot!(run("fixtures/examples/acme.toml", &[]));
}

#[test]
fn example_json() {
    insta::assert_snapshot!(run("fixtures/examples/acme.toml", &["--format", "json"]));
}

#[test]
fn healthy_table() {
    insta::assert_snapshot!(run("fixtures/scenarios/healthy-role/connection.toml", &[]));
}

#[test]
fn swapped_fields_json() {
    insta::assert_snapshot!(run(
        "fixtures/scenarios/access-key-fields-swapped/connection.json",
        &["--format", "json"]
    ));
}

/// Run in a scenario's folder, whose policy files the arguments name.
fn run_scenario(name: &str, args: &[&str]) -> String {
    let output = doctor()
        .current_dir(root().join("fixtures/scenarios").join(name))
        .args(["doctor", "--offline", "--config", "connection.toml"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn bucket_policy_deny_table() {
    insta::assert_snapshot!(run_scenario(
        "bucket-policy-denies-outside-vpce",
        &["--policy", "policy.json", "--bucket-policy", "bucket-policy.json"]
    ));
}

#[test]
fn bucket_policy_deny_json() {
    insta::assert_snapshot!(run_scenario(
        "bucket-policy-denies-outside-vpce",
        &[
            "--policy",
            "policy.json",
            "--bucket-policy",
            "bucket-policy.json",
            "--format",
            "json"
        ]
    ));
}

#[test]
fn policy_command() {
    let output = doctor()
        .args(["policy", "--config"])
        .arg(root().join("fixtures/examples/acme-healthy.toml"))
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn rule_codes() {
    let output = doctor().args(["rules", "--format", "json"]).output().unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let lines: Vec<String> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["code"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["severity"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

/// The shipped examples as a reader sees them at 80 (stacked), 100 (four
/// columns) and 160 (five) columns, every finding shown (-v): no line wider than
/// the width, and codes and rule names whole.
#[test]
fn shipped_examples_at_80_100_and_160_columns() {
    let examples = root().join("fixtures/examples");
    let policies = [
        "--trust-policy",
        examples.join("acme-trust.json").to_str().unwrap(),
        "--policy",
        examples.join("acme-policy.json").to_str().unwrap(),
    ]
    .map(String::from);
    for (name, config) in [("acme", "acme.toml"), ("healthy", "acme-healthy.toml")] {
        for width in [80, 100, 160] {
            let output = doctor()
                .env("COLUMNS", width.to_string())
                .args(["doctor", "--offline", "-v", "--config"])
                .arg(examples.join(config))
                .args(&policies)
                .output()
                .unwrap();
            let text = String::from_utf8(output.stdout).unwrap();
            let findings = text.split("\nSuggested fixes").next().unwrap();
            for line in findings.lines() {
                assert!(
                    line.chars().count() <= width,
                    "{name} at {width}: {} columns: {line}",
                    line.chars().count()
                );
            }
            insta::assert_snapshot!(format!("{name}_at_{width}"), text);
        }
    }
}
