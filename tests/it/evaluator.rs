//! The IAM evaluator's case table (`tests/evaluator/cases.toml`): every case is
//! a request, the policies that decide it, the decision AWS documents, and where
//! AWS documents it. Failures are listed together, each by its name.

use athena_doctor::evaluator::{Policies, Verdict};
use serde::Deserialize;

const ROLE: &str = "arn:aws:iam::111122223333:role/bi-athena";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Where AWS documents the rule the case encodes.
    aws: String,
    identity: String,
    boundary: Option<String>,
    /// The session policy passed on AssumeRole.
    session: Option<String>,
    resource_policy: Option<String>,
    /// The caller, when not the connection's role: a role session, a user, an
    /// account root, a role of another account.
    principal: Option<String>,
    /// The account that owns the resource, when its ARN does not say.
    resource_account: Option<String>,
    action: String,
    resource: String,
    context: String,
    expect: String,
}

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

fn cases() -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/evaluator/cases.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str::<Table>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .case
}

/// Statements (one object or a list) become a document, unless the text is one.
fn document(text: &str) -> String {
    if text.contains("\"Statement\"") {
        text.to_string()
    } else {
        format!("{{\"Version\": \"2012-10-17\", \"Statement\": {text}}}")
    }
}

fn expected(word: &str) -> Verdict {
    match word {
        "allow" => Verdict::Allow,
        "explicit-deny" => Verdict::ExplicitDeny,
        "implicit-deny" => Verdict::ImplicitDeny,
        "unknown" => Verdict::Unknown,
        other => panic!("`expect = \"{other}\"` is not allow, explicit-deny, implicit-deny or unknown"),
    }
}

#[test]
fn every_case_gets_the_decision_aws_documents() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let identity = document(&case.identity);
        let boundary = case.boundary.as_deref().map(document);
        let resource = case.resource_policy.as_deref().map(document);
        let mut policies = Policies::parse(&[&identity], boundary.as_deref(), resource.as_deref())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        if let Some(session) = &case.session {
            policies = policies
                .with_session(&document(session))
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        }
        let account = case.resource_account.as_deref().or_else(|| {
            // The account field of the resource's ARN, when it has one.
            case.resource.split(':').nth(4).filter(|a| !a.is_empty())
        });
        let got = policies.decide_across(
            case.principal.as_deref().unwrap_or(ROLE),
            &case.action,
            &case.resource,
            account,
            &case.context,
        );
        if got != expected(&case.expect) {
            failures.push(format!(
                "{}: got {got:?}, want {} ({})",
                case.name, case.expect, case.aws
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_is_large_named_uniquely_and_cited() {
    let cases = cases();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "the name `{}` repeats", case.name);
        assert!(
            [
                "IAM User Guide: ",
                "Service Authorization Reference: ",
                "AWS KMS Developer Guide: ",
                "Amazon S3 User Guide: ",
                "AWS STS API Reference: "
            ]
            .iter()
            .any(|guide| case.aws.starts_with(guide)),
            "{}: cite the AWS documentation",
            case.name
        );
    }
}
