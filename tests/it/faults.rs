//! Faults between the doctor and AWS, injected by a proxy in front of moto
//! (tests/common/proxy.rs, loopback only): the account is built broken, so that
//! rules fail when their reads work; then each read the doctor makes is made to
//! hang, reset, answer 500 or throttle in turn, and no failing finding may become a
//! pass. The proxy also records every call: the exact set a default, `--no-probes`
//! and `--probe-query` run makes is asserted (and `--vpc`'s one EC2 read), and all
//! of it is read-only.

use crate::common;

use common::broken;
use common::moto::endpoint;
use common::proxy::{self, Fault};
use common::{doctor, failures, moto, stdout_json};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// One live run through a proxy with `faults`: exit code, report, the actions made.
fn run(
    config: &Path,
    faults: HashMap<String, Fault>,
    extra: &[&str],
) -> (i32, Value, BTreeSet<String>, String) {
    let proxy = proxy::start(&endpoint(), faults);
    let output = doctor()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_SESSION_TOKEN", "CANARY-SESSION-TOKEN-0123456789")
        .env("AWS_MAX_ATTEMPTS", "2")
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "2",
            "--deadline",
            "30",
            "--config",
        ])
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        stdout_json(&output),
        proxy.actions(),
        text,
    )
}

fn status_of<'a>(report: &'a Value, code: &str, subject: &str) -> Option<&'a str> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code && c["subject"] == subject)
        .and_then(|c| c["status"].as_str())
}

/// Every read the doctor makes, failing in each of four ways, never turns a
/// failing finding into a pass; the run still ends with a report (exit 0 or 1).
#[test]
fn a_failed_read_is_never_a_pass() {
    if !moto::available() {
        return;
    }
    let b = broken::build();
    let tmp = tempfile::tempdir().unwrap();
    let config = broken::connection(tmp.path(), &b);
    let (code, healthy, actions, _) = run(&config, HashMap::new(), &["--no-probes"]);
    assert_eq!(code, 1, "{healthy:#}");
    let failing: Vec<(String, String)> = failures(&healthy)
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        failing.len() >= 8,
        "the broken account fails too little: {failing:?}"
    );
    let cases: Vec<(String, Fault)> = actions
        .iter()
        .flat_map(|a| Fault::FAILURES.map(|f| (a.clone(), f)))
        .collect();
    let problems = std::sync::Mutex::new(Vec::new());
    // Four runs at a time: a hang costs the --timeout.
    std::thread::scope(|s| {
        for chunk in cases.chunks(cases.len().div_ceil(4)) {
            let (config, failing, problems) = (&config, &failing, &problems);
            s.spawn(move || {
                for (action, fault) in chunk {
                    let faults = HashMap::from([(action.clone(), *fault)]);
                    let (code, report, _, _) = run(config, faults, &["--no-probes"]);
                    let mut p = problems.lock().unwrap();
                    if code != 0 && code != 1 {
                        p.push(format!("{action} {fault:?}: exit {code}"));
                    }
                    for (rule, subject) in failing {
                        if status_of(&report, rule, subject) == Some("pass") {
                            p.push(format!("{action} {fault:?}: {rule} ({subject}) passes"));
                        }
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} of {} faulted runs went wrong:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
    eprintln!(
        "{} reads × {} faults = {} faulted runs, none turned one of {} failing findings into a pass",
        actions.len(),
        Fault::FAILURES.len(),
        cases.len(),
        failing.len()
    );
}

/// The calls a run makes, exactly; every one is a read, except `SELECT 1` with
/// `--probe-query`; and an endpoint that echoes request headers into its error
/// messages never gets the session token printed.
#[test]
fn the_calls_are_exactly_these_reads() {
    if !moto::available() {
        return;
    }
    let b = broken::build();
    let tmp = tempfile::tempdir().unwrap();
    let config = broken::connection(tmp.path(), &b);
    let (_, _, inspect, _) = run(&config, HashMap::new(), &["--no-probes"]);
    let (_, _, default, _) = run(&config, HashMap::new(), &[]);
    let (_, _, query, _) = run(&config, HashMap::new(), &["--probe-query"]);
    // Naming the BI tool's VPC reads its endpoints: one EC2 Describe.
    let (_, _, vpc, _) = run(
        &config,
        HashMap::new(),
        &["--no-probes", "--vpc", "vpc-0123456789abcdef0"],
    );
    let set = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let inspection = set(&[
        // The network check (NET001): one unsigned HEAD per endpoint, no AWS call.
        "unsigned:HEAD /",
        "athena:GetDataCatalog",
        "athena:GetWorkGroup",
        "athena:ListDataCatalogs",
        "athena:ListDatabases",
        "glue:GetDataCatalogEncryptionSettings",
        "glue:GetDatabases",
        "glue:GetTables",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListEntitiesForPolicy",
        "iam:ListRolePolicies",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        // moto's default account is in no organization: DescribeOrganization
        // answers AWSOrganizationsNotInUseException, and nothing more is read
        // (GetCallerIdentity, already here, says it is the connection's account).
        "organizations:DescribeOrganization",
        "s3:GetBucketEncryption",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketRequestPayment",
        "s3:HeadBucket",
        "sts:GetCallerIdentity",
    ]);
    assert_eq!(inspect, inspection, "--no-probes");
    // With --vpc: the endpoints' read added, and nothing else (a subset: under
    // load a read that timed out leaves out the reads that follow from it).
    let with_endpoints: BTreeSet<String> = inspection
        .union(&set(&["ec2:DescribeVpcEndpoints"]))
        .cloned()
        .collect();
    assert!(
        vpc.contains("ec2:DescribeVpcEndpoints") && vpc.is_subset(&with_endpoints),
        "--vpc: {vpc:?}"
    );
    let probes = set(&["sts:AssumeRole"]);
    let with_probes: BTreeSet<String> = inspection.union(&probes).cloned().collect();
    assert_eq!(default, with_probes, "default");
    // The query starts; it is polled only when it started (here the workgroup is
    // missing, so StartQueryExecution fails).
    let with_query: BTreeSet<String> = with_probes
        .union(&set(&["athena:StartQueryExecution"]))
        .cloned()
        .collect();
    let polled: BTreeSet<String> = query.difference(&with_query).cloned().collect();
    assert!(query.is_superset(&with_query), "--probe-query: {query:?}");
    assert!(
        polled.is_subset(&set(&["athena:GetQueryExecution"])),
        "--probe-query: {polled:?}"
    );
    let reads = ["Get", "List", "Head", "Describe", "BatchGet"];
    for action in default.union(&vpc).filter(|a| !a.starts_with("unsigned:")) {
        let op = action.split(':').nth(1).unwrap();
        assert!(
            reads.iter().any(|r| op.starts_with(r)) || action == "sts:AssumeRole",
            "{action} is not a read"
        );
    }
    // Header echo on every call: the token and the key's signature stay out.
    let echo: HashMap<String, Fault> = query.iter().map(|a| (a.clone(), Fault::EchoHeaders)).collect();
    for format in ["json", "table", "sarif", "github", "markdown", "junit"] {
        let proxy = proxy::start(&endpoint(), echo.clone());
        let output = doctor()
            .env("AWS_ENDPOINT_URL", &proxy.endpoint)
            .env("AWS_SESSION_TOKEN", "CANARY-SESSION-TOKEN-0123456789")
            .args([
                "doctor",
                "--timeout",
                "2",
                "-v",
                "--probe-query",
                "--format",
                format,
                "--config",
            ])
            .arg(&config)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            text.contains("request headers were"),
            "{format}: the echo was not shown:\n{text}"
        );
        assert!(
            !text.contains("CANARY-SESSION-TOKEN"),
            "{format}: the session token was printed: {}",
            text.lines()
                .filter(|l| l.contains("CANARY"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(
            text.split("Signature=")
                .skip(1)
                .all(|rest| rest.starts_with("[redacted]")),
            "{format}: a request signature was printed"
        );
    }
}
