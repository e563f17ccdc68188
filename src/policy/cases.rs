//! Table-driven evaluator tests. Each case names the AWS documentation rule it
//! encodes (IAM User Guide: "Policy evaluation logic", "IAM JSON policy elements",
//! "Condition operators", "Single-valued vs. multivalued context keys",
//! "IAM policy elements: Variables and tags"), so a wrong semantics fails a case
//! whose name says which rule was broken.

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
    }
}

/// `k=v1,v2` sets a key; `!k` makes it absent; separated by `;`.
fn context(spec: &str) -> Context {
    let mut ctx = Context::default();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(k) = part.strip_prefix('!') {
            ctx.absent(k);
        } else {
            let (k, v) = part.split_once('=').expect("k=v");
            let values: Vec<&str> = v.split(',').collect();
            ctx.set(k, &values);
        }
    }
    ctx
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
    };
    match evaluate(&req, set) {
        Decision::Allowed(_) => Allow,
        Decision::ExplicitDeny(_) => Deny,
        Decision::ImplicitDeny(_) => Implicit,
        Decision::Unknown { .. } => Unknown,
    }
}

type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Want,
);

/// (AWS rule, identity statements, action, resource, context, expected).
const IDENTITY_CASES: &[Case] = &[
    // --- Policy evaluation logic ---
    (
        "evaluation: by default all requests are implicitly denied",
        r#"[]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Implicit,
    ),
    (
        "evaluation: an explicit allow overrides the default deny",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Allow,
    ),
    (
        "evaluation: an explicit deny overrides any allow",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Deny,
    ),
    (
        "evaluation: a deny for another action does not affect this one",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Allow,
    ),
    (
        "evaluation: a deny on another resource does not affect this one",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Allow,
    ),
    (
        "evaluation: statement order does not matter (deny first)",
        r#"[{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Deny,
    ),
    (
        "evaluation: a deny whose condition does not match does not deny",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "aws:SecureTransport=true",
        Allow,
    ),
    (
        "evaluation: a deny whose condition matches denies",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "aws:SecureTransport=false",
        Deny,
    ),
    (
        "evaluation: an allow whose condition does not match does not allow",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "evaluation: an allow conditioned on an unknowable key is allowed only if",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Unknown,
    ),
    (
        "evaluation: a deny conditioned on an unknowable key makes the allow uncertain",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Unknown,
    ),
    (
        "evaluation: a definite allow elsewhere beats an uncertain allow",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Allow,
    ),
    (
        "evaluation: a definite deny beats an uncertain allow",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}, {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Deny,
    ),
    (
        "evaluation: an uncertain allow for another action is still a no",
        r#"{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}"#,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        "",
        Implicit,
    ),
    // --- Action ---
    (
        "Action: exact match",
        r#"{"Effect": "Allow", "Action": "athena:StartQueryExecution", "Resource": "*"}"#,
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Allow,
    ),
    (
        "Action: names are case-insensitive",
        r#"{"Effect": "Allow", "Action": "ATHENA:startqueryexecution", "Resource": "*"}"#,
        "athena:StartQueryExecution",
        "*",
        "",
        Allow,
    ),
    (
        "Action: the service prefix is case-insensitive",
        r#"{"Effect": "Allow", "Action": "S3:GetObject", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: * matches any action",
        r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
        "glue:GetTables",
        "*",
        "",
        Allow,
    ),
    (
        "Action: service:* matches the service's actions",
        r#"{"Effect": "Allow", "Action": "glue:*", "Resource": "*"}"#,
        "glue:GetTables",
        "*",
        "",
        Allow,
    ),
    (
        "Action: service:* does not match another service",
        r#"{"Effect": "Allow", "Action": "glue:*", "Resource": "*"}"#,
        "athena:GetWorkGroup",
        "*",
        "",
        Implicit,
    ),
    (
        "Action: a prefix wildcard",
        r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}"#,
        "s3:GetBucketLocation",
        "*",
        "",
        Allow,
    ),
    (
        "Action: a prefix wildcard does not match other verbs",
        r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}"#,
        "s3:PutObject",
        "*",
        "",
        Implicit,
    ),
    (
        "Action: a middle wildcard",
        r#"{"Effect": "Allow", "Action": "s3:*Object", "Resource": "*"}"#,
        "s3:PutObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: ? matches one character",
        r#"{"Effect": "Allow", "Action": "s3:?etObject", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: ? does not match zero characters",
        r#"{"Effect": "Allow", "Action": "s3:?GetObject", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
    (
        "Action: a list matches if any entry matches",
        r#"{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: a list does not match when no entry does",
        r#"{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:PutObject"], "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
    (
        "Action: a wildcard may stand for the service prefix",
        r#"{"Effect": "Allow", "Action": "*:GetObject", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: a wildcard in the service prefix",
        r#"{"Effect": "Allow", "Action": "*3:GetObject", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Action: a similar but different name does not match",
        r#"{"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
    // --- NotAction ---
    (
        "NotAction: allows every action not listed",
        r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "NotAction: does not allow the listed actions",
        r#"{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
    (
        "NotAction: matching is case-insensitive",
        r#"{"Effect": "Allow", "NotAction": "S3:GETOBJECT", "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
    (
        "NotAction with Deny: denies everything not listed",
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "NotAction": ["s3:*", "athena:*"], "Resource": "*"}]"#,
        "glue:GetTables",
        "*",
        "",
        Deny,
    ),
    (
        "NotAction with Deny: the listed actions are not denied",
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "NotAction": ["s3:*", "athena:*"], "Resource": "*"}]"#,
        "athena:GetWorkGroup",
        "*",
        "",
        Allow,
    ),
    (
        "NotAction: a list excludes each entry",
        r#"{"Effect": "Allow", "NotAction": ["iam:*", "s3:Put*"], "Resource": "*"}"#,
        "s3:PutObject",
        "*",
        "",
        Implicit,
    ),
    (
        "NotAction: wildcards in the list",
        r#"{"Effect": "Allow", "NotAction": ["iam:*", "s3:Put*"], "Resource": "*"}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "NotAction: still limited by Resource",
        r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::other/k",
        "",
        Implicit,
    ),
    // --- Resource ---
    (
        "Resource: exact ARN",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme"}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "",
        Allow,
    ),
    (
        "Resource: ARNs are case-sensitive",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::ACME"}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "",
        Implicit,
    ),
    (
        "Resource: the bucket ARN does not cover its objects",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k.csv",
        "",
        Implicit,
    ),
    (
        "Resource: bucket/* does not cover the bucket itself",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "",
        Implicit,
    ),
    (
        "Resource: * crosses slashes",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/a/b/c.csv",
        "",
        Allow,
    ),
    (
        "Resource: * crosses colons",
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "arn:aws:athena:*"}"#,
        "athena:GetWorkGroup",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Allow,
    ),
    (
        "Resource: a bucket-name prefix wildcard",
        r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::acme-*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme-results/omni/x.csv",
        "",
        Allow,
    ),
    (
        "Resource: a bucket-name prefix wildcard covers the bucket",
        r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::acme-*"}"#,
        "s3:GetBucketLocation",
        "arn:aws:s3:::acme-results",
        "",
        Allow,
    ),
    (
        "Resource: another prefix does not match",
        r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::acme-*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::other/x",
        "",
        Implicit,
    ),
    (
        "Resource: a key prefix",
        r#"{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme/omni/*"}"#,
        "s3:PutObject",
        "arn:aws:s3:::acme/omni/q.csv",
        "",
        Allow,
    ),
    (
        "Resource: another key prefix does not match",
        r#"{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme/omni/*"}"#,
        "s3:PutObject",
        "arn:aws:s3:::acme/other/q.csv",
        "",
        Implicit,
    ),
    (
        "Resource: ? matches one character",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/202?/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/2024/x",
        "",
        Allow,
    ),
    (
        "Resource: ? does not match two characters",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/20?/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/2024/x",
        "",
        Implicit,
    ),
    (
        "Resource: * alone matches everything",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::any/key",
        "",
        Allow,
    ),
    (
        "Resource: a list matches if any entry matches",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": ["arn:aws:s3:::a", "arn:aws:s3:::acme"]}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "",
        Allow,
    ),
    (
        "Resource: region must match",
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "arn:aws:athena:eu-west-1:111122223333:workgroup/primary"}"#,
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Implicit,
    ),
    (
        "Resource: account must match",
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "arn:aws:athena:us-east-1:444455556666:workgroup/primary"}"#,
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Implicit,
    ),
    (
        "Resource: a region wildcard",
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "arn:aws:athena:*:111122223333:workgroup/primary"}"#,
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Allow,
    ),
    (
        "Resource: workgroup names are case-sensitive",
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "arn:aws:athena:us-east-1:111122223333:workgroup/Primary"}"#,
        "athena:StartQueryExecution",
        "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        "",
        Implicit,
    ),
    (
        "Resource: Glue table ARNs with upper-case names never match",
        r#"{"Effect": "Allow", "Action": "glue:GetTable", "Resource": "arn:aws:glue:us-east-1:111122223333:table/Sales/*"}"#,
        "glue:GetTable",
        "arn:aws:glue:us-east-1:111122223333:table/sales/orders",
        "",
        Implicit,
    ),
    (
        "Resource: the Glue catalog ARN is distinct from database ARNs",
        r#"{"Effect": "Allow", "Action": "glue:GetDatabases", "Resource": "arn:aws:glue:us-east-1:111122223333:database/*"}"#,
        "glue:GetDatabases",
        "arn:aws:glue:us-east-1:111122223333:catalog",
        "",
        Implicit,
    ),
    (
        "Resource: trailing wildcard after a slash needs the slash",
        r#"{"Effect": "Allow", "Action": "glue:GetTable", "Resource": "arn:aws:glue:us-east-1:111122223333:table/sales/*"}"#,
        "glue:GetTable",
        "arn:aws:glue:us-east-1:111122223333:table/sales",
        "",
        Implicit,
    ),
    // --- NotResource ---
    (
        "NotResource: allows every resource not listed",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "",
        Allow,
    ),
    (
        "NotResource: does not allow the listed resources",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::secret/k",
        "",
        Implicit,
    ),
    (
        "NotResource with Deny: denies all but the listed",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::acme", "arn:aws:s3:::acme/*"]}]"#,
        "s3:GetObject",
        "arn:aws:s3:::other/k",
        "",
        Deny,
    ),
    (
        "NotResource with Deny: the listed resources are not denied",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::acme", "arn:aws:s3:::acme/*"]}]"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "",
        Allow,
    ),
    (
        "NotResource: matching is case-sensitive",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::SECRET/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::secret/k",
        "",
        Allow,
    ),
    (
        "NotResource with NotAction together",
        r#"{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "",
        Allow,
    ),
    // --- String operators ---
    (
        "StringEquals: exact and case-sensitive value",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringEquals: values are case-sensitive",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "US-EAST-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringEquals: condition keys are case-insensitive",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"AWS:REQUESTEDREGION": "us-east-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringEquals: multiple values are ORed",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringEquals: a missing key does not match",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Implicit,
    ),
    (
        "StringEquals: no wildcards",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringNotEquals: true when the value differs",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringNotEquals: false when the value equals",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringNotEquals: a negated operator matches a missing key",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Allow,
    ),
    (
        "StringNotEquals: several values are all excluded",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringEqualsIgnoreCase: ignores case",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringNotEqualsIgnoreCase: ignores case",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringLike: * wildcard",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringLike": {"aws:RequestedRegion": "us-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringLike: ? wildcard",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringLike": {"aws:RequestedRegion": "us-east-?"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringLike: case-sensitive",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringLike": {"aws:RequestedRegion": "US-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringLike: without wildcards it is exact",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringLike": {"aws:RequestedRegion": "us-east-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringNotLike: excludes the pattern",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotLike": {"aws:RequestedRegion": "eu-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "StringNotLike: false for a matching value",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotLike": {"aws:RequestedRegion": "us-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "StringNotLike: matches a missing key",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotLike": {"aws:SourceVpce": "vpce-*"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Allow,
    ),
    // --- IfExists ---
    (
        "IfExists: true when the key is missing",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Allow,
    ),
    (
        "IfExists: evaluated normally when present (match)",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceVpce=vpce-1",
        Allow,
    ),
    (
        "IfExists: evaluated normally when present (no match)",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceVpce=vpce-2",
        Implicit,
    ),
    (
        "IfExists: a negated operator with IfExists, key present and equal",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceVpce=vpce-1",
        Implicit,
    ),
    (
        "IfExists: unknown key stays unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}"#,
        "s3:GetObject",
        "*",
        "",
        Unknown,
    ),
    (
        "IfExists: numeric operator with a missing key",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThanIfExists": {"s3:max-keys": "10"}}}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    // --- Numeric ---
    (
        "NumericEquals: equal numbers",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericEquals": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Allow,
    ),
    (
        "NumericEquals: compares numerically, not as text",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericEquals": {"s3:max-keys": "10.0"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Allow,
    ),
    (
        "NumericNotEquals: different numbers",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericNotEquals": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=11",
        Allow,
    ),
    (
        "NumericLessThan: smaller",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=9",
        Allow,
    ),
    (
        "NumericLessThan: equal is not less",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Implicit,
    ),
    (
        "NumericLessThanEquals: equal",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Allow,
    ),
    (
        "NumericGreaterThan: larger",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericGreaterThan": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=100",
        Allow,
    ),
    (
        "NumericGreaterThan: 9 < 10 numerically though '9' > '10' as text",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericGreaterThan": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=9",
        Implicit,
    ),
    (
        "NumericGreaterThanEquals: equal",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Allow,
    ),
    (
        "Numeric: a non-number never matches",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericEquals": {"s3:max-keys": "ten"}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=10",
        Implicit,
    ),
    (
        "Numeric: JSON numbers are accepted as values",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10}}}"#,
        "s3:ListBucket",
        "*",
        "s3:max-keys=5",
        Allow,
    ),
    // --- Date ---
    (
        "DateLessThan: before",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-11-28T12:00:00Z",
        Allow,
    ),
    (
        "DateLessThan: after",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-11-28T12:00:00Z",
        Implicit,
    ),
    (
        "DateGreaterThan: a plain date is midnight UTC",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-11-28"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-11-28T00:00:01Z",
        Allow,
    ),
    (
        "DateEquals: epoch seconds equal the ISO form",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateEquals": {"aws:EpochTime": "2026-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "aws:EpochTime=1767225600",
        Allow,
    ),
    (
        "DateNotEquals: different instants",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateNotEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-01-02T00:00:00Z",
        Allow,
    ),
    (
        "DateGreaterThanEquals: offsets are honoured",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThanEquals": {"aws:CurrentTime": "2026-01-01T01:00:00+01:00"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-01-01T00:00:00Z",
        Allow,
    ),
    (
        "DateLessThanEquals: equal instants",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThanEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-01-01T00:00:00Z",
        Allow,
    ),
    (
        "Date: the time the doctor cannot know is unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}}"#,
        "s3:GetObject",
        "*",
        "",
        Unknown,
    ),
    (
        "Date: a malformed date never matches",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "next year"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CurrentTime=2026-01-01T00:00:00Z",
        Implicit,
    ),
    // --- Bool ---
    (
        "Bool: true matches true",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true",
        Allow,
    ),
    (
        "Bool: JSON true is accepted",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": true}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true",
        Allow,
    ),
    (
        "Bool: values are case-insensitive",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "TRUE"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true",
        Allow,
    ),
    (
        "Bool: false does not match true",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true",
        Implicit,
    ),
    (
        "Bool: a missing key does not match",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:MultiFactorAuthPresent",
        Implicit,
    ),
    (
        "Bool: BoolIfExists false is satisfied by a missing key",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:MultiFactorAuthPresent",
        Allow,
    ),
    (
        "Bool: aws:ViaAWSService for calls made by Athena",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:ViaAWSService": "true"}}}"#,
        "s3:GetObject",
        "*",
        "aws:ViaAWSService=true",
        Allow,
    ),
    // --- Binary ---
    (
        "BinaryEquals: equal base64",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"BinaryEquals": {"s3:x": "QmluYXJ5"}}}"#,
        "s3:GetObject",
        "*",
        "s3:x=QmluYXJ5",
        Allow,
    ),
    (
        "BinaryEquals: different base64",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"BinaryEquals": {"s3:x": "QmluYXJ5"}}}"#,
        "s3:GetObject",
        "*",
        "s3:x=T3RoZXI=",
        Implicit,
    ),
    // --- IP address ---
    (
        "IpAddress: inside the CIDR block",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceIp=203.0.113.9",
        Allow,
    ),
    (
        "IpAddress: outside the block",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceIp=198.51.100.9",
        Implicit,
    ),
    (
        "IpAddress: a missing source IP (Athena's calls) does not match",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceIp",
        Implicit,
    ),
    (
        "NotIpAddress: outside the block",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceIp=198.51.100.9",
        Allow,
    ),
    (
        "NotIpAddress: matches a missing key",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceIp",
        Allow,
    ),
    (
        "IpAddress: IPv6 blocks",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceIp=2001:db8::5",
        Allow,
    ),
    (
        "IpAddress: the vendor's IP is unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        "s3:GetObject",
        "*",
        "",
        Unknown,
    ),
    (
        "IpAddress: a single address without a mask",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.9"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceIp=203.0.113.9",
        Allow,
    ),
    // --- ARN operators ---
    (
        "ArnEquals: equal ARNs",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/bi-athena"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Allow,
    ),
    (
        "ArnLike: wildcard in the resource part",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/bi-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Allow,
    ),
    (
        "ArnLike: wildcard in the account part",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/bi-athena"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Allow,
    ),
    (
        "ArnLike: a wildcard does not cross into another part",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Implicit,
    ),
    (
        "ArnEquals: wildcards work in ArnEquals too",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Allow,
    ),
    (
        "ArnNotEquals: a different ARN",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/other"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Allow,
    ),
    (
        "ArnNotLike: excludes the pattern",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/bi-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Implicit,
    ),
    (
        "ArnLike: the parts are case-sensitive",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/BI-*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalArn=arn:aws:iam::111122223333:role/bi-athena",
        Implicit,
    ),
    (
        "ArnLike: a context value that is not an ARN never matches",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:*:*:*:*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceArn=not-an-arn",
        Implicit,
    ),
    // --- Null ---
    (
        "Null true: the key must be absent",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "true"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Allow,
    ),
    (
        "Null true: a present key fails",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "true"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceVpce=vpce-1",
        Implicit,
    ),
    (
        "Null false: the key must be present",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "false"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SourceVpce=vpce-1",
        Allow,
    ),
    (
        "Null false: an absent key fails",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "false"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:SourceVpce",
        Implicit,
    ),
    (
        "Null: an unknown key is unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:PrincipalTag/team": "false"}}}"#,
        "s3:GetObject",
        "*",
        "",
        Unknown,
    ),
    // --- Multiple conditions ---
    (
        "Condition: several operators are ANDed (all true)",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:RequestedRegion": "us-east-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true;aws:RequestedRegion=us-east-1",
        Allow,
    ),
    (
        "Condition: several operators are ANDed (one false)",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:SecureTransport=true;aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "Condition: several keys in one operator are ANDed",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": "444455556666"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1;aws:PrincipalAccount=111122223333",
        Implicit,
    ),
    (
        "Condition: a false condition beats an unknown one",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:PrincipalOrgID": "o-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Implicit,
    ),
    (
        "Condition: a true condition and an unknown one are unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalOrgID": "o-1"}}}"#,
        "s3:GetObject",
        "*",
        "aws:RequestedRegion=us-east-1",
        Unknown,
    ),
    // --- Multivalued keys and set operators ---
    (
        "ForAnyValue: one context value matching suffices",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=athena.amazonaws.com,glue.amazonaws.com",
        Allow,
    ),
    (
        "ForAnyValue: no context value matches",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=glue.amazonaws.com",
        Implicit,
    ),
    (
        "ForAnyValue: a missing key is false",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "!aws:CalledVia",
        Implicit,
    ),
    (
        "ForAllValues: every context value must match",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}"#,
        "s3:GetObject",
        "*",
        "aws:TagKeys=team,env",
        Allow,
    ),
    (
        "ForAllValues: one stray context value fails",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}"#,
        "s3:GetObject",
        "*",
        "aws:TagKeys=team,owner",
        Implicit,
    ),
    (
        "ForAllValues: a missing key is true",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}"#,
        "s3:GetObject",
        "*",
        "!aws:TagKeys",
        Allow,
    ),
    (
        "ForAllValues with a negated operator: no value may match",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringNotEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=athena.amazonaws.com",
        Implicit,
    ),
    (
        "ForAllValues with a negated operator: true for other services",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringNotEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=glue.amazonaws.com",
        Allow,
    ),
    (
        "ForAnyValue with a negated operator: some value differs",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringNotEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=athena.amazonaws.com,glue.amazonaws.com",
        Allow,
    ),
    (
        "ForAnyValue:StringLike with wildcards",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringLike": {"aws:CalledVia": "athena.*"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=athena.amazonaws.com",
        Allow,
    ),
    (
        "multivalued key without a set operator: any value matching",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}"#,
        "s3:GetObject",
        "*",
        "aws:CalledVia=glue.amazonaws.com,athena.amazonaws.com",
        Allow,
    ),
    (
        "ForAllValues: an unknown key is unknown",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}"#,
        "s3:GetObject",
        "*",
        "",
        Unknown,
    ),
    // --- Condition keys an action never carries ---
    (
        "service keys: GetBucketLocation never carries s3:prefix",
        r#"{"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": "arn:aws:s3:::acme", "Condition": {"StringLike": {"s3:prefix": "omni/*"}}}"#,
        "s3:GetBucketLocation",
        "arn:aws:s3:::acme",
        "",
        Implicit,
    ),
    (
        "service keys: ListBucket may carry s3:prefix (unknown value)",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme", "Condition": {"StringLike": {"s3:prefix": "omni/*"}}}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "",
        Unknown,
    ),
    (
        "service keys: ListBucket with a known prefix",
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme", "Condition": {"StringLike": {"s3:prefix": "omni/*"}}}"#,
        "s3:ListBucket",
        "arn:aws:s3:::acme",
        "s3:prefix=omni/x",
        Allow,
    ),
    (
        "service keys: StringLikeIfExists rescues GetBucketLocation",
        r#"{"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": "arn:aws:s3:::acme", "Condition": {"StringLikeIfExists": {"s3:prefix": "omni/*"}}}"#,
        "s3:GetBucketLocation",
        "arn:aws:s3:::acme",
        "",
        Allow,
    ),
    // --- Athena's request context ---
    (
        "context: aws:CalledVia names Athena for its S3 calls",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "aws:CalledVia=athena.amazonaws.com;!aws:SourceVpce",
        Allow,
    ),
    (
        "context: a deny outside a VPC endpoint blocks Athena",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "aws:CalledVia=athena.amazonaws.com;!aws:SourceVpce",
        Deny,
    ),
    (
        "context: the same deny exempting aws:CalledVia lets Athena through",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}, "ForAllValues:StringNotEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "aws:CalledVia=athena.amazonaws.com;!aws:SourceVpce",
        Allow,
    ),
    (
        "context: a deny on aws:SourceIp blocks Athena (no source IP)",
        r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "!aws:SourceIp",
        Deny,
    ),
    (
        "context: an allow only from a VPC endpoint never applies to Athena",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "!aws:SourceVpce",
        Implicit,
    ),
    // --- Policy variables ---
    (
        "variables: substituted under 2012-10-17",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:PrincipalAccount}/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/111122223333/k",
        "aws:PrincipalAccount=111122223333",
        Allow,
    ),
    (
        "variables: a different value does not match",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:PrincipalAccount}/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/444455556666/k",
        "aws:PrincipalAccount=111122223333",
        Implicit,
    ),
    (
        "variables: literal under 2008-10-17",
        r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:PrincipalAccount}/*"}}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/111122223333/k",
        "aws:PrincipalAccount=111122223333",
        Implicit,
    ),
    (
        "variables: literal without a Version",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:PrincipalAccount}/*"}}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/${aws:PrincipalAccount}/k",
        "aws:PrincipalAccount=111122223333",
        Allow,
    ),
    (
        "variables: an unknown variable makes the match unknown",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:userid}/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/AROA:x/k",
        "",
        Unknown,
    ),
    (
        "variables: an absent variable matches nothing",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:username}/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/alice/k",
        "!aws:username",
        Implicit,
    ),
    (
        "variables: a default value stands in for an absent key",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${aws:username, 'shared'}/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/shared/k",
        "!aws:username",
        Allow,
    ),
    (
        "variables: ${*} is a literal asterisk",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${*}"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/*",
        "",
        Allow,
    ),
    (
        "variables: ${*} does not act as a wildcard",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${*}"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        "",
        Implicit,
    ),
    (
        "variables: in condition values",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}"#,
        "s3:GetObject",
        "*",
        "aws:PrincipalAccount=111122223333;aws:ResourceAccount=111122223333",
        Allow,
    ),
    (
        "variables: ${?} is a literal question mark",
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/${?}"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/x",
        "",
        Implicit,
    ),
    // --- Statement shapes ---
    (
        "Statement: a single object instead of a list",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
        "s3:GetObject",
        "*",
        "",
        Allow,
    ),
    (
        "Statement: an empty list allows nothing",
        r#"{"Version": "2012-10-17", "Statement": []}"#,
        "s3:GetObject",
        "*",
        "",
        Implicit,
    ),
];

#[test]
fn identity_policy_cases() {
    let mut failures = Vec::new();
    for (rule, statements, action, resource, ctx, want) in IDENTITY_CASES {
        let p = policy(statements, PolicyKind::Identity);
        let set = PolicySet {
            identity: std::slice::from_ref(&p),
            ..Default::default()
        };
        let got = decide(&set, action, resource, ctx);
        if got != *want {
            failures.push(format!("{rule}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// (AWS rule, identity, boundary (or ""), bucket policy (or ""), action, resource, expected).
const COMBINED_CASES: &[(&str, &str, &str, &str, &str, &str, Want)] = &[
    (
        "boundary: both identity and boundary allow",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        "",
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Allow,
    ),
    (
        "boundary: the boundary does not allow the action",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
        "",
        "s3:PutObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
    (
        "boundary: a boundary alone grants nothing",
        r#"[]"#,
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
    (
        "boundary: an explicit deny in the boundary denies",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        r#"[{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]"#,
        "",
        "s3:PutObject",
        "arn:aws:s3:::acme/k",
        Deny,
    ),
    (
        "boundary: limits a bucket policy grant to a role",
        r#"[]"#,
        r#"{"Effect": "Allow", "Action": "athena:*", "Resource": "*"}"#,
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/bi-athena"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
    (
        "resource policy: a same-account bucket policy naming the role allows",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/bi-athena"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Allow,
    ),
    (
        "resource policy: naming the account only delegates to IAM",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
    (
        "resource policy: Principal * allows everyone",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Allow,
    ),
    (
        "resource policy: another principal is not us",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
    (
        "resource policy: a deny to Principal * denies us",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::acme", "arn:aws:s3:::acme/*"]}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Deny,
    ),
    (
        "resource policy: a deny to the account covers the role",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        r#"{"Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:PutObject",
        "arn:aws:s3:::acme/k",
        Deny,
    ),
    (
        "resource policy: NotPrincipal with a Deny spares the named role",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/bi-athena"}, "Action": "s3:*", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Allow,
    ),
    (
        "resource policy: NotPrincipal with a Deny hits others",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "s3:*", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Deny,
    ),
    (
        "resource policy: a session ARN of the role is the role",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/bi-athena/omni"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Allow,
    ),
    (
        "resource policy: its deny beats an identity allow",
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        "",
        r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
        "s3:PutObject",
        "arn:aws:s3:::acme/k",
        Deny,
    ),
    (
        "resource policy: a service principal is not us",
        r#"[]"#,
        "",
        r#"{"Effect": "Allow", "Principal": {"Service": "athena.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}"#,
        "s3:GetObject",
        "arn:aws:s3:::acme/k",
        Implicit,
    ),
];

#[test]
fn boundary_and_resource_policy_cases() {
    let mut failures = Vec::new();
    for (rule, identity, boundary, bucket, action, resource, want) in COMBINED_CASES {
        let identity = vec![policy(identity, PolicyKind::Identity)];
        let boundary = (!boundary.is_empty()).then(|| policy(boundary, PolicyKind::Boundary));
        let bucket = (!bucket.is_empty()).then(|| policy(bucket, PolicyKind::Resource));
        let set = PolicySet {
            identity: &identity,
            boundary: boundary.as_ref(),
            resource: bucket.as_ref(),
        };
        let got = decide(
            &set,
            action,
            resource,
            "!aws:SourceVpce;aws:CalledVia=athena.amazonaws.com",
        );
        if got != *want {
            failures.push(format!("{rule}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn there_are_at_least_150_cases() {
    assert!(
        IDENTITY_CASES.len() + COMBINED_CASES.len() >= 150,
        "{}",
        IDENTITY_CASES.len() + COMBINED_CASES.len()
    );
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
        resource: None,
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
