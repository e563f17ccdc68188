//! Evaluator tests that look inside a decision: the statement and reason it
//! cites, and no panic on arbitrary documents. The case table of decisions is data:
//! `tests/evaluator/cases.toml`, run by `tests/it/evaluator.rs`.

use super::evaluate::{Decision, ImplicitReason, PolicySet, Principal, Request, evaluate};
use super::{Context, Policy, PolicyKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Allow,
    /// Explicit deny.
    Deny,
    /// Implicit deny.
    Implicit,
    /// Depends on a key the context does not know.
    Unknown,
}
use Want::*;

const ROLE: &str = "arn:aws:iam::111122223333:role/bi-athena";

fn principal() -> Principal {
    Principal {
        arn: ROLE.into(),
        account: "111122223333".into(),
        is_role: true,
        session: None,
        ..Principal::default()
    }
}

/// `k=v1,v2` sets a key; `!k` makes it absent; separated by `;`.
fn context(spec: &str) -> Context {
    crate::evaluator::parse_context(spec)
}

/// Statements (one object or a list) become an identity policy, Version 2012-10-17,
/// unless the text is already a whole document.
fn policy(text: &str, kind: PolicyKind) -> Policy {
    let doc = if text.trim_start().starts_with("{\"Version\"") || text.contains("\"Statement\"") {
        text.to_string()
    } else {
        format!("{{\"Version\": \"2012-10-17\", \"Statement\": {text}}}")
    };
    Policy::from_text("test", None, &doc, kind).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

fn decide(set: &PolicySet, action: &str, resource: &str, ctx: &str) -> Want {
    let ctx = context(ctx);
    let p = principal();
    let req = Request {
        action,
        resource,
        principal: &p,
        context: &ctx,
        resource_account: None,
    };
    match evaluate(&req, set) {
        Decision::Allowed(_) => Allow,
        Decision::ExplicitDeny(_) => Deny,
        Decision::ImplicitDeny(_) => Implicit,
        Decision::Unknown { .. } => Unknown,
    }
}

#[test]
fn decisions_name_their_statement_and_reason() {
    let p = policy(
        r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "OnlyFromVpce", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]"#,
        PolicyKind::Identity,
    );
    let ctx = context("!aws:SourceVpce");
    let who = principal();
    let req = Request {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::acme/k",
        principal: &who,
        context: &ctx,
        resource_account: None,
    };
    let set = PolicySet {
        identity: std::slice::from_ref(&p),
        ..Default::default()
    };
    let Decision::ExplicitDeny(by) = evaluate(&req, &set) else {
        panic!()
    };
    assert_eq!(by.statement, "statement 2 (Sid OnlyFromVpce)");
    assert_eq!(by.pointer, "/Statement/1");
    assert_eq!(by.location.line, 2);
    // A boundary that does not allow is named as the reason.
    let boundary = policy(
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "*"}"#,
        PolicyKind::Boundary,
    );
    let allow = policy(
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        PolicyKind::Identity,
    );
    let set = PolicySet {
        identity: std::slice::from_ref(&allow),
        boundary: Some(&boundary),
        session: None,
        resource: None,
        identity_side: false,
    };
    assert!(matches!(
        evaluate(&req, &set),
        Decision::ImplicitDeny(ImplicitReason::Boundary(_))
    ));
    // Unknown names the conditions it depends on.
    let maybe = policy(
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}"#,
        PolicyKind::Identity,
    );
    let set = PolicySet {
        identity: std::slice::from_ref(&maybe),
        ..Default::default()
    };
    let Decision::Unknown { conditions, .. } = evaluate(&req, &set) else {
        panic!()
    };
    assert_eq!(conditions, vec!["StringEquals aws:PrincipalOrgID o-1"]);
}

#[test]
fn never_panics_on_arbitrary_documents() {
    use proptest::prelude::*;
    let pieces = proptest::collection::vec(
        proptest::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"Version\"",
            "\"2012-10-17\"",
            "\"Statement\"",
            "\"Effect\"",
            "\"Allow\"",
            "\"Deny\"",
            "\"Action\"",
            "\"NotAction\"",
            "\"Resource\"",
            "\"*\"",
            "\"s3:*\"",
            "\"Condition\"",
            "\"StringLike\"",
            "\"ForAllValues:StringNotEqualsIfExists\"",
            "\"Null\"",
            "\"aws:x\"",
            "\"${aws:x}\"",
            "\"${\"",
            "true",
            "1",
            "\"%7B\"",
            "\"Principal\"",
            "\"AWS\"",
        ]),
        0..40,
    );
    proptest!(ProptestConfig::with_cases(1000), |(parts in pieces)| {
        let text = parts.concat();
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust] {
            if let Ok(p) = Policy::from_text("fuzz", None, &text, kind) {
                let set = PolicySet { identity: std::slice::from_ref(&p), ..Default::default() };
                let _ = decide(&set, "s3:GetObject", "arn:aws:s3:::a/${x}", "aws:x=1");
            }
        }
    });
}

/// Judging a policy is linear in its statements: the work counted (statements
/// visited, bytes scanned to place the statements a decision cites) for the whole
/// Athena matrix against 10,000 statements is about ten times that for 1,000.
/// The statements are guards that keep every one in the decision (issue 31: a
/// 12,000-statement policy took 42 s, placing each cited statement from the
/// start of the text).
#[test]
fn judging_is_linear_in_statements() {
    let work = |statements: usize| {
        let matrix = crate::evaluator::Matrix::guarded(statements);
        super::WORK.with(|w| w.set(0));
        matrix.evaluate();
        super::WORK.with(|w| w.get())
    };
    let (small, large) = (work(1_000), work(10_000));
    let ratio = large as f64 / small as f64;
    assert!(
        ratio < 12.0,
        "10,000 statements cost {large} units, 1,000 cost {small}: {ratio:.1}× (linear is 10)"
    );
}

/// A guard (SCPs by level, RCPs, a VPC endpoint's policy) as AWS documents it
/// (IAM User Guide, "Policy evaluation logic"): any matching Deny denies, citing
/// its statement; every level must allow; a level of Denies alone is unknown when
/// the caller says what may sit beside it; conditions the request cannot tell
/// stay unknown.
#[test]
fn guards_deny_anywhere_and_must_allow_at_every_level() {
    use super::evaluate::{Guarded, guard};
    let allow_all = policy(
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"}]"#,
        PolicyKind::Identity,
    );
    let deny_glue = policy(
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoGlue", "Effect": "Deny", "Action": "glue:*", "Resource": "*"}]"#,
        PolicyKind::Identity,
    );
    let only_s3 = policy(
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#,
        PolicyKind::Identity,
    );
    let deny_only = policy(
        r#"[{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]"#,
        PolicyKind::Identity,
    );
    let p = principal();
    let run = |levels: &[Vec<&Policy>], action: &str, ctx: &str, assumed: bool| {
        let ctx = context(ctx);
        let req = Request {
            action,
            resource: "arn:aws:glue:us-east-1:111122223333:catalog",
            principal: &p,
            context: &ctx,
            resource_account: None,
        };
        guard(&req, levels, |_| {
            assumed.then(|| "FullAWSAccess beside it".to_string())
        })
    };
    match run(&[vec![&allow_all], vec![&deny_glue]], "glue:GetTables", "", false) {
        Guarded::Denied(by) => assert_eq!((by.index, by.statement.as_str()), (1, "statement 2 (Sid NoGlue)")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run(&[vec![&allow_all], vec![&only_s3]], "glue:GetTables", "", false),
        Guarded::NotAllowed { level: 1 }
    ));
    // At one level, one policy's Allow suffices.
    assert!(matches!(
        run(&[vec![&only_s3, &allow_all]], "glue:GetTables", "", false),
        Guarded::Allowed(_)
    ));
    assert!(matches!(
        run(&[vec![&deny_only]], "glue:GetTables", "", false),
        Guarded::NotAllowed { .. }
    ));
    match run(&[vec![&deny_only]], "glue:GetTables", "", true) {
        Guarded::Unknown { conditions, .. } => assert_eq!(conditions, vec!["FullAWSAccess beside it"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run(&[vec![&deny_glue]], "sts:GetCallerIdentity", "", false),
        Guarded::Allowed(_)
    ));
    // A perimeter on the organization: unknown without it, decided with it.
    let perimeter = policy(
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a"}}}]"#,
        PolicyKind::Identity,
    );
    assert!(matches!(
        run(&[vec![&perimeter]], "glue:GetTables", "", false),
        Guarded::Unknown { .. }
    ));
    assert!(matches!(
        run(
            &[vec![&perimeter]],
            "glue:GetTables",
            "aws:PrincipalOrgID=o-a",
            false
        ),
        Guarded::Allowed(_)
    ));
    assert!(matches!(
        run(
            &[vec![&perimeter]],
            "glue:GetTables",
            "aws:PrincipalOrgID=o-b",
            false
        ),
        Guarded::Denied(_)
    ));
    // An endpoint policy naming the account admits its principals.
    let endpoint = policy(
        r#"[{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "glue:*", "Resource": "*"}]"#,
        PolicyKind::Resource,
    );
    assert!(matches!(
        run(&[vec![&endpoint]], "glue:GetTables", "", false),
        Guarded::Allowed(_)
    ));
}

/// A bucket policy's Deny on `StringNotEquals aws:SourceVpce`, for a request whose
/// endpoint the doctor does not know, is unknown and says how to make it known;
/// with the endpoint the run was given (`--endpoint-policy`), it is decided.
#[test]
fn an_unknown_vpc_endpoint_is_unknown_with_its_reason() {
    let identity = policy(
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "*"}"#,
        PolicyKind::Identity,
    );
    let deny = policy(
        r#"[{"Sid": "OnlyFromVpce", "Effect": "Deny", "Action": "athena:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
            {"Sid": "OnlyFromVpc", "Effect": "Deny", "Action": "athena:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-0abc"}}}]"#,
        PolicyKind::Identity,
    );
    let set = PolicySet {
        identity: &[identity, deny],
        ..Default::default()
    };
    let who = principal();
    let judge = |ctx: &Context| {
        evaluate(
            &Request {
                action: "athena:StartQueryExecution",
                resource: "*",
                principal: &who,
                context: ctx,
                resource_account: None,
            },
            &set,
        )
    };
    let Decision::Unknown { conditions, .. } = judge(&Context::default()) else {
        panic!("not unknown")
    };
    assert!(
        conditions
            .iter()
            .all(|c| c.contains(&format!("({})", super::condition::vpc_unknown("athena")))),
        "{conditions:?}"
    );
    assert_eq!(conditions.len(), 2, "{conditions:?}");

    let endpoint = |text: &str| {
        let mut ctx = Context::default();
        let p = Policy::from_text("vpce", None, text, PolicyKind::Resource).unwrap();
        crate::permissions::through_endpoint(&mut ctx, Some(&p));
        ctx
    };
    let doc = r#"{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\"}]}"#;
    let ours = endpoint(&format!(
        r#"{{"VpcEndpointId": "vpce-1a2b3c4d", "VpcId": "vpc-0abc", "ServiceName": "com.amazonaws.us-east-1.athena", "PolicyDocument": "{doc}"}}"#
    ));
    assert!(judge(&ours).is_allowed());
    let other = endpoint(&format!(
        r#"{{"VpcEndpointId": "vpce-9999", "VpcId": "vpc-0abc", "ServiceName": "com.amazonaws.us-east-1.athena", "PolicyDocument": "{doc}"}}"#
    ));
    assert!(
        matches!(judge(&other), Decision::ExplicitDeny(by) if by.statement == "statement 1 (Sid OnlyFromVpce)")
    );
    // A bare document names no endpoint: the keys stay unknown.
    let bare = endpoint(&doc.replace("\\\"", "\""));
    assert!(matches!(judge(&bare), Decision::Unknown { .. }));
}
