//! A benchmark, run on demand: evaluations per second of the full permission
//! matrix against a 50-statement policy, and against the 8-statement least-privilege
//! policy in the same run (so the ratio, not the machine, is the result).
//!
//! `cargo test --release -- --ignored --nocapture bench_matrix_evaluation`

use super::{Policy, PolicyKind, PolicySet, Request, evaluate};
use crate::permissions::{self, Target};
use std::time::{Duration, Instant};

fn target() -> Target {
    Target {
        partition: "aws".into(),
        region: "us-east-1".into(),
        account: Some("111122223333".into()),
        workgroup: "primary".into(),
        results_bucket: Some("acme-athena-results".into()),
        results_prefix: "omni/".into(),
        data_buckets: vec!["acme-lake".into()],
        catalogs: vec!["awsdatacatalog".into()],
        schemas: vec!["sales".into(), "marketing".into()],
    }
}

/// The least-privilege statements plus unrelated ones (other buckets, services,
/// conditions, denies that do not match) up to `total`.
fn policy(total: usize) -> Policy {
    let (least, _) = permissions::least_privilege(&target());
    let mut statements = least["Statement"].as_array().cloned().unwrap_or_default();
    let mut i = 0;
    while statements.len() < total {
        let s = match i % 4 {
            0 => serde_json::json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                    "Resource": format!("arn:aws:s3:::other-bucket-{i}/*")}),
            1 => serde_json::json!({"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"],
                                    "Resource": format!("arn:aws:dynamodb:us-east-1:111122223333:table/t{i}")}),
            2 => serde_json::json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            _ => serde_json::json!({"Effect": "Allow", "Action": "glue:*",
                                    "Resource": format!("arn:aws:glue:eu-west-1:111122223333:table/db{i}/*"),
                                    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}),
        };
        statements.push(s);
        i += 1;
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    Policy::from_text("bench", None, &doc.to_string(), PolicyKind::Identity).expect("a valid policy")
}

/// Evaluations per second of every (action, resource) pair of the matrix.
fn rate(policy: &Policy, budget: Duration) -> (f64, usize, bool) {
    let target = target();
    let principal = permissions::principal_of_role("arn:aws:iam::111122223333:role/bi-athena");
    let (needs, _) = permissions::needs(&target);
    let contexts = [
        permissions::context(&target, Some(&principal), true),
        permissions::context(&target, Some(&principal), false),
    ];
    let set = PolicySet {
        identity: std::slice::from_ref(policy),
        ..Default::default()
    };
    let pairs: Vec<(&str, &str, usize)> = needs
        .iter()
        .flat_map(|n| {
            let ctx = usize::from(!n.via_athena);
            n.required
                .iter()
                .chain(&n.recommended)
                .map(move |a| (*a, n.resource.as_str(), ctx))
        })
        .collect();
    let start = Instant::now();
    let mut evaluations = 0usize;
    let mut all_allowed = true;
    while start.elapsed() < budget {
        for (action, resource, ctx) in &pairs {
            let req = Request {
                action,
                resource,
                principal: &principal,
                context: &contexts[*ctx],
            };
            all_allowed &= evaluate(&req, &set).is_allowed();
            evaluations += 1;
        }
    }
    (
        evaluations as f64 / start.elapsed().as_secs_f64(),
        pairs.len(),
        all_allowed,
    )
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture, in release mode"]
fn bench_matrix_evaluation() {
    let big = policy(50);
    let small = policy(0);
    assert_eq!(big.document.statements.len(), 50);
    let (big_rate, pairs, big_ok) = rate(&big, Duration::from_secs(2));
    let (small_rate, _, small_ok) = rate(&small, Duration::from_secs(2));
    assert!(
        big_ok && small_ok,
        "the least-privilege statements allow the whole matrix"
    );
    println!(
        "matrix: {pairs} (action, resource) pairs\n\
         50-statement policy: {big_rate:.0} evaluations/s ({:.0} full matrices/s)\n\
         {}-statement policy: {small_rate:.0} evaluations/s\n\
         ratio: the 50-statement policy costs {:.2}x per evaluation",
        big_rate / pairs as f64,
        small.document.statements.len(),
        small_rate / big_rate
    );
}
