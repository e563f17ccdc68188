//! `athena-doctor simulate` through the binary: the decision, the statements that
//! made it (file and line), what is unknown, and bad input (exit 2).

use crate::common;

use common::{doctor, root, stdout_json};
use serde_json::Value;

const VENDOR_SESSION: &str = "arn:aws:sts::999988887777:assumed-role/vendor/session-1";
const ROLE: &str = "arn:aws:iam::111122223333:role/bi-athena";

fn simulate(args: &[&str]) -> (Value, i32, String) {
    let output = doctor()
        .current_dir(root().join("fixtures/simulate"))
        .args(["simulate", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let code = output.status.code().unwrap_or(-1);
    if code == 2 {
        return (Value::Null, code, stderr);
    }
    (stdout_json(&output), code, stderr)
}

#[test]
fn the_vendor_assumes_the_role_only_with_the_external_id() {
    let base = [
        "--principal",
        VENDOR_SESSION,
        "--action",
        "sts:AssumeRole",
        "--resource",
        ROLE,
        "--policy",
        "vendor-policy.json",
        "--resource-policy",
        "vendor-trust.json",
    ];
    let with = |id: &str| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(["--context", id]);
        simulate(&args)
    };
    let (allowed, code, _) = with("sts:ExternalId=omni-4f2a9c");
    assert_eq!(
        (allowed["decision"].as_str(), code),
        (Some("allow"), 0),
        "{allowed:#}"
    );
    assert_eq!(allowed["version"], 1);
    // No policy reads the time: no word about when the request is made.
    assert_eq!(allowed["assumptions"], serde_json::json!([]), "{allowed:#}");
    assert_eq!(allowed["cross_account"], true);
    // Both sides decided: the vendor's identity policy and the role's trust policy.
    let cited: Vec<(&str, u64)> = allowed["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(cited, [("vendor-policy.json", 4), ("vendor-trust.json", 4)]);

    let (refused, code, _) = with("sts:ExternalId=wrong");
    assert_eq!((refused["decision"].as_str(), code), (Some("implicit-deny"), 1));
    assert!(
        refused["why"]
            .as_str()
            .unwrap()
            .contains("an identity policy allows sts:AssumeRole"),
        "{refused:#}"
    );
    // Not given, the External ID is unknown, never guessed.
    let (unknown, code, _) = simulate(&base);
    assert_eq!((unknown["decision"].as_str(), code), (Some("unknown"), 1));
    assert!(
        unknown["unknowns"][0]
            .as_str()
            .unwrap()
            .contains("sts:ExternalId"),
        "{unknown:#}"
    );
}

#[test]
fn a_deny_whose_not_principal_names_the_role_denies_its_session() {
    let args = [
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/bi-athena/omni",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-athena-results/omni/x.csv",
        "--resource-policy",
        "bucket-policy.json",
        "--policy",
        "../scenarios/glue-access-missing/policy.json",
    ];
    let (report, code, _) = simulate(&args);
    assert_eq!(
        (report["decision"].as_str(), code),
        (Some("explicit-deny"), 1),
        "{report:#}"
    );
    assert_eq!(report["statements"][0]["effect"], "denies");
    assert_eq!(
        report["statements"][0]["statement"],
        "statement 1 (Sid OnlyTheAdmin)"
    );
    // The bucket's ARN names no account: the assumption is said.
    assert!(
        report["assumptions"][0]
            .as_str()
            .unwrap()
            .contains("--resource-account"),
        "{report:#}"
    );
    // The text face says the same.
    let output = doctor()
        .current_dir(root().join("fixtures/simulate"))
        .arg("simulate")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("decision: explicit-deny\n"), "{text}");
    assert!(text.contains("denies     statement 1 (Sid OnlyTheAdmin) of resource policy (bucket-policy.json) (bucket-policy.json:4)"), "{text}");
}

#[test]
fn context_values_are_typed_by_their_key_and_bad_input_is_exit_2() {
    let base = [
        "--principal",
        ROLE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ];
    for (extra, message) in [
        (
            ["--context", "aws:SecureTransport=maybe"],
            "aws:SecureTransport is a boolean key: `maybe` is not true or false",
        ),
        (
            ["--context", "aws:SourceIp=not-an-ip"],
            "aws:SourceIp is a ip key",
        ),
        (
            ["--context", "aws:CurrentTime=yesterday"],
            "aws:CurrentTime is a date key",
        ),
        (
            ["--context", "aws:PrincipalAccount=12"],
            "aws:PrincipalAccount is a account key",
        ),
        (["--context", "novalue"], "give KEY=VALUE"),
        (["--resource-account", "abc"], "an account ID is 12 digits"),
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        let (_, code, stderr) = simulate(&args);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let (_, code, stderr) = simulate(&[
        "--principal",
        "arn:aws:s3:::b",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a role, role session"), "{stderr}");
    // A repeated key is multi-valued: ForAllValues needs every value listed.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("tags.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]}"#,
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let run = |keys: &[&str]| {
        let mut args = vec![
            "--principal",
            ROLE,
            "--action",
            "s3:PutObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--policy",
            policy,
        ];
        for k in keys {
            args.extend(["--context", k]);
        }
        simulate(&args).0["decision"].as_str().unwrap().to_string()
    };
    assert_eq!(run(&["aws:TagKeys=team", "aws:TagKeys=env"]), "allow");
    assert_eq!(run(&["aws:TagKeys=team", "aws:TagKeys=cost"]), "implicit-deny");
}

#[test]
fn a_service_principal_is_let_in_by_the_resource_policy_alone() {
    let object = "arn:aws:s3:::acme-trail/AWSLogs/111122223333/CloudTrail/x.json.gz";
    let base = [
        "--principal",
        "cloudtrail.amazonaws.com",
        "--action",
        "s3:PutObject",
        "--resource",
        object,
        "--resource-policy",
        "trail-bucket-policy.json",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(extra);
        simulate(&args)
    };
    // aws:SourceAccount is the account the service acts for: not known unless given.
    let (unknown, code, _) = run(&[]);
    assert_eq!(
        (unknown["decision"].as_str(), code),
        (Some("unknown"), 1),
        "{unknown:#}"
    );
    assert!(
        unknown["unknowns"].to_string().contains("aws:SourceAccount"),
        "{unknown:#}"
    );
    let (allowed, code, _) = run(&["--context", "aws:SourceAccount=111122223333"]);
    assert_eq!(
        (allowed["decision"].as_str(), code),
        (Some("allow"), 0),
        "{allowed:#}"
    );
    assert_eq!(allowed["cross_account"], false, "a service belongs to no account");
    assert_eq!(
        allowed["statements"][0]["statement"],
        "statement 1 (Sid TrailWrites)"
    );
    assert_eq!(allowed["statements"][0]["line"], 4);
    let (refused, code, _) = run(&["--context", "aws:SourceAccount=444455556666"]);
    assert_eq!(
        (refused["decision"].as_str(), code),
        (Some("implicit-deny"), 1),
        "{refused:#}"
    );
    // Another service is not named; an identity policy could not help a service.
    let (other, _, _) = simulate(&[
        "--principal",
        "config.amazonaws.com",
        "--action",
        "s3:PutObject",
        "--resource",
        object,
        "--resource-policy",
        "trail-bucket-policy.json",
        "--policy",
        "vendor-policy.json",
    ]);
    assert_eq!(other["decision"], "implicit-deny", "{other:#}");
}

#[test]
fn the_request_is_made_now_unless_the_context_says_when() {
    let base = [
        "--principal",
        "arn:aws:sts::444455556666:assumed-role/auditor/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-trail/AWSLogs/x",
        "--resource-account",
        "111122223333",
        "--resource-policy",
        "trail-bucket-policy.json",
        "--policy",
        "vendor-policy.json",
    ];
    let (now, _, _) = simulate(&base);
    // The auditor's own policy (vendor-policy.json) does not grant s3:GetObject:
    // the bucket policy's side holds now, the identity side is what is missing.
    assert_eq!(now["decision"], "implicit-deny", "{now:#}");
    assert!(
        now["why"]
            .as_str()
            .unwrap()
            .starts_with("the resource's policy allows"),
        "{now:#}"
    );
    assert!(
        now["assumptions"].to_string().contains("the request is made now"),
        "{now:#}"
    );
    let mut later = base.to_vec();
    later.extend(["--context", "aws:CurrentTime=2100-06-01T00:00:00Z"]);
    let (later, _, _) = simulate(&later);
    assert_eq!(later["decision"], "implicit-deny", "{later:#}");
    assert!(
        !later["assumptions"].to_string().contains("made now"),
        "{later:#}"
    );
    // In 2100 the bucket policy's window has closed: neither side allows.
    assert!(
        later["why"]
            .as_str()
            .unwrap()
            .starts_with("neither an identity policy nor the resource's policy"),
        "{later:#}"
    );
}

/// An empty, blank or malformed action or resource is bad input (exit 2), not a
/// decision: under a policy allowing everything, `--action ''` was "allow".
#[test]
fn an_empty_or_malformed_action_or_resource_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("all.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    let policy = policy.display().to_string();
    let good = ("s3:GetObject", "arn:aws:s3:::b/k");
    let (_, code, stderr) = simulate(&[
        "--principal",
        ROLE,
        "--action",
        good.0,
        "--resource",
        good.1,
        "--policy",
        &policy,
    ]);
    assert_eq!(code, 0, "the well-formed request is allowed: {stderr}");
    let cases = [
        ("", good.1, "--action"),
        ("   ", good.1, "--action"),
        ("GetObject", good.1, "--action"),
        ("s3:", good.1, "--action"),
        (":GetObject", good.1, "--action"),
        ("s3:Get Object", good.1, "--action"),
        (good.0, "", "--resource"),
        (good.0, " ", "--resource"),
        (good.0, "bucket/key", "--resource"),
        (good.0, "arn:aws:s3:::b/k\n", "--resource"),
    ];
    for (action, resource, named) in cases {
        let (_, code, stderr) = simulate(&[
            "--principal",
            ROLE,
            "--action",
            action,
            "--resource",
            resource,
            "--policy",
            &policy,
        ]);
        assert_eq!(code, 2, "{action:?} {resource:?}: {stderr}");
        assert!(stderr.contains(named), "{action:?} {resource:?}: {stderr}");
    }
}

/// `--session-policy`: the session policy passed on AssumeRole caps what the
/// role's policies allow, and the decision says which policy left it out.
#[test]
fn a_session_policy_caps_the_role() {
    let session = root().join("fixtures/scenarios/session-policy-denies-glue/session.json");
    let policy = root().join("fixtures/scenarios/session-policy-denies-glue/policy.json");
    let base = [
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/bi-athena/omni",
        "--resource-account",
        "111122223333",
        "--policy",
        policy.to_str().unwrap(),
        "--session-policy",
        session.to_str().unwrap(),
    ];
    let run = |action: &str, resource: &str| {
        let mut args = base.to_vec();
        args.extend(["--action", action, "--resource", resource]);
        simulate(&args)
    };
    let (report, code, _) = run(
        "glue:GetTables",
        "arn:aws:glue:us-east-1:111122223333:database/sales",
    );
    assert_eq!(
        (report["decision"].as_str(), code),
        (Some("implicit-deny"), 1),
        "{report:#}"
    );
    assert!(
        report.to_string().contains("the session policy does not"),
        "{report:#}"
    );
    let (report, code, _) = run(
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
    );
    assert_eq!(
        (report["decision"].as_str(), code),
        (Some("allow"), 0),
        "{report:#}"
    );
}
