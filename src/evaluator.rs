//! The IAM evaluator, for code outside the crate: the case table under
//! `tests/evaluator/`, the benchmark under `benches/` and the fuzz target under
//! `fuzz/`. A thin, text-in and verdict-out layer over `policy`, so that the
//! doctor's own types stay `pub(crate)`.

use crate::aws::arn::Arn;
use crate::permissions::{self, Target};
use crate::policy::{self, Context, Decision, Policy, PolicyKind, PolicySet, Principal, Request};

/// What IAM would decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// A Deny statement matched.
    ExplicitDeny,
    /// Nothing allows it (or the boundary does not).
    ImplicitDeny,
    /// It depends on a condition key whose value the request does not say.
    Unknown,
}

/// The policies that decide a request: identity policies, and optionally a
/// permissions boundary and the resource's own policy.
#[derive(Debug)]
pub struct Policies {
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    resource: Option<Policy>,
    session: Option<Policy>,
}

impl Policies {
    /// Parse policy documents (JSON, or what the AWS CLI prints); the error names
    /// the document and the line and column at fault.
    pub fn parse(
        identity: &[&str],
        boundary: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Policies, String> {
        let read = |name: &str, text: &str, kind: PolicyKind| {
            Policy::from_text(name, None, text, kind).map_err(|e| format!("{name}: {e}"))
        };
        Ok(Policies {
            identity: identity
                .iter()
                .enumerate()
                .map(|(i, text)| read(&format!("identity policy {}", i + 1), text, PolicyKind::Identity))
                .collect::<Result<_, _>>()?,
            boundary: boundary
                .map(|text| read("permissions boundary", text, PolicyKind::Boundary))
                .transpose()?,
            // A document without `Resource` is a role's trust policy (the resource
            // policy of sts:AssumeRole on the role).
            resource: resource
                .map(|text| {
                    let kind = if text.contains("\"Resource\"") || text.contains("\"NotResource\"") {
                        PolicyKind::Resource
                    } else {
                        PolicyKind::Trust
                    };
                    read("resource policy", text, kind)
                })
                .transpose()?,
            session: None,
        })
    }

    /// The same policies, with the session policy passed on AssumeRole.
    pub fn with_session(mut self, session: &str) -> Result<Policies, String> {
        self.session = Some(
            Policy::from_text("session policy", None, session, PolicyKind::Identity)
                .map_err(|e| format!("session policy: {e}"))?,
        );
        Ok(self)
    }

    /// The decision for a role (`arn:…:role/…`) or user calling `action` on
    /// `resource`. `context` sets condition keys: `key=v1,v2` sets a key (several
    /// values make it multi-valued), `!key` says it is absent; parts are separated
    /// by `;`. Keys it does not mention are unknown.
    pub fn decide(&self, principal_arn: &str, action: &str, resource: &str, context: &str) -> Verdict {
        self.decide_across(principal_arn, action, resource, None, context)
    }

    /// `decide`, for a resource owned by `resource_account` (a different account
    /// from the principal's makes the request cross-account). The principal may
    /// also be a role session, a user or an account root.
    pub fn decide_across(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        context: &str,
    ) -> Verdict {
        let principal = principal_of(principal_arn);
        let context = parse_context(context);
        let set = PolicySet {
            identity: &self.identity,
            boundary: self.boundary.as_ref(),
            session: self.session.as_ref(),
            resource: self.resource.as_ref(),
            identity_side: false,
        };
        verdict(&policy::evaluate(
            &Request {
                action,
                resource,
                principal: &principal,
                context: &context,
                resource_account,
            },
            &set,
        ))
    }
}

fn principal_of(arn: &str) -> Principal {
    Principal::from_arn(arn).unwrap_or_else(|_| {
        let parsed = Arn::parse(arn).ok();
        Principal {
            arn: arn.to_string(),
            account: parsed.as_ref().map(|a| a.account.clone()).unwrap_or_default(),
            is_role: false,
            session: None,
            ..Principal::default()
        }
    })
}

/// A request context from its spec: `key=v1,v2` sets a key, `!key` makes it
/// absent, `;` separates (also what the policy tests write their contexts in).
pub(crate) fn parse_context(spec: &str) -> Context {
    let mut context = Context::default();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match part.strip_prefix('!') {
            Some(key) => {
                context.absent(key);
            }
            None => {
                let (key, values) = part.split_once('=').unwrap_or((part, ""));
                let values: Vec<&str> = values.split(',').collect();
                context.set(key, &values);
            }
        }
    }
    context
}

fn verdict(decision: &Decision) -> Verdict {
    match decision {
        Decision::Allowed(_) => Verdict::Allow,
        Decision::ExplicitDeny(_) => Verdict::ExplicitDeny,
        Decision::ImplicitDeny(_) => Verdict::ImplicitDeny,
        Decision::Unknown { .. } => Verdict::Unknown,
    }
}

/// Read any text as a policy of every kind, as the doctor reads files: decoding
/// (CLI wrappers, percent-encoding), the JSON parser with positions, and the
/// policy model. For the fuzz target: it must never panic, whatever the text.
pub fn read_as_every_kind(text: &str) {
    for kind in [
        PolicyKind::Identity,
        PolicyKind::Boundary,
        PolicyKind::Resource,
        PolicyKind::Trust,
    ] {
        let _ = Policy::from_text("fuzz", None, text, kind);
    }
}

/// The whole Athena permission matrix of one example connection (a role, a
/// results bucket, a data bucket, two schemas), judged against its own
/// least-privilege policy padded with unrelated statements: what the benchmark
/// measures.
pub struct Matrix {
    /// The policy's text, as a file would hold it.
    document: String,
    policies: Policies,
    principal: Principal,
    contexts: [Context; 2],
    /// (action, resource, index into `contexts`).
    requests: Vec<(&'static str, String, usize)>,
}

impl Matrix {
    /// The matrix against the least-privilege statements plus unrelated ones
    /// (other buckets and services, conditions, Denies that do not match) up to
    /// `statements` in all.
    pub fn new(statements: usize) -> Matrix {
        Matrix::padded(statements, unrelated_statement)
    }

    /// The matrix against the least-privilege statements plus guards up to
    /// `statements` in all: Denies and Allows that may apply to every request,
    /// depending on keys the request does not carry (the organization, the VPC
    /// endpoint, a tag), the shape of a large enterprise policy. Every statement
    /// stays in the decision, so this is the evaluator's worst case for its size;
    /// the decisions are `Unknown`.
    pub fn guarded(statements: usize) -> Matrix {
        Matrix::padded(statements, guard_statement)
    }

    fn padded(statements: usize, pad: fn(usize) -> serde_json::Value) -> Matrix {
        let target = example_target();
        let (least, _) = permissions::least_privilege(&target);
        let mut list = least["Statement"].as_array().cloned().unwrap_or_default();
        let mut i = 0;
        while list.len() < statements {
            list.push(pad(i));
            i += 1;
        }
        let document = serde_json::json!({"Version": "2012-10-17", "Statement": list}).to_string();
        let policies = Policies::parse(&[&document], None, None).expect("a valid policy");
        let principal = principal_of("arn:aws:iam::111122223333:role/bi-athena");
        let contexts = [
            permissions::context(&target, Some(&principal), true),
            permissions::context(&target, Some(&principal), false),
        ];
        let requests = permissions::needs(&target)
            .0
            .iter()
            .flat_map(|n| {
                let context = usize::from(!n.via_athena);
                n.required
                    .iter()
                    .chain(&n.recommended)
                    .map(move |a| (*a, n.resource.clone(), context))
            })
            .collect();
        Matrix {
            document,
            policies,
            principal,
            contexts,
            requests,
        }
    }

    /// The statements of the policy, and the (action, resource) pairs judged.
    pub fn size(&self) -> (usize, usize) {
        let statements = self
            .policies
            .identity
            .iter()
            .map(|p| p.document.statements.len())
            .sum();
        (statements, self.requests.len())
    }

    /// The policy document, as text.
    pub fn document(&self) -> &str {
        &self.document
    }

    /// Read the document again, as the doctor reads a file: the bench times it.
    pub fn reread(&self) -> usize {
        let policies = Policies::parse(&[&self.document], None, None).expect("a valid policy");
        policies
            .identity
            .iter()
            .map(|p| p.document.statements.len())
            .sum()
    }

    /// Judge every pair once; true when every one is allowed.
    pub fn evaluate(&self) -> bool {
        let set = PolicySet {
            identity: &self.policies.identity,
            ..Default::default()
        };
        let mut all = true;
        for (action, resource, context) in &self.requests {
            let request = Request {
                action,
                resource,
                principal: &self.principal,
                context: &self.contexts[*context],
                resource_account: None,
            };
            all &= policy::evaluate(&request, &set).is_allowed();
        }
        all
    }
}

fn example_target() -> Target {
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

/// Three statements in sixteen guards that may apply to any of the matrix's
/// requests (whether it does depends on a key the request does not carry), the
/// others grants on other services' resources, short enough that 12,000 stay
/// under a megabyte.
fn guard_statement(i: usize) -> serde_json::Value {
    match i % 16 {
        0 => serde_json::json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": format!("o-{i}")}}}),
        5 => serde_json::json!({"Effect": "Deny", "Action": "athena:*", "Resource": "*",
                                "Condition": {"StringNotEquals": {"aws:SourceVpce": format!("vpce-{i}")}}}),
        10 => serde_json::json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                                "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("t{i}")}}}),
        _ => serde_json::json!({"Effect": "Allow", "Action": "sns:Publish",
                                "Resource": format!("arn:aws:sns:*:*:{i}")}),
    }
}

fn unrelated_statement(i: usize) -> serde_json::Value {
    match i % 4 {
        0 => serde_json::json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                "Resource": format!("arn:aws:s3:::other-bucket-{i}/*")}),
        1 => serde_json::json!({"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"],
                                "Resource": format!("arn:aws:dynamodb:us-east-1:111122223333:table/t{i}")}),
        2 => serde_json::json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        _ => serde_json::json!({"Effect": "Allow", "Action": "glue:*",
                                "Resource": format!("arn:aws:glue:eu-west-1:111122223333:table/db{i}/*"),
                                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}),
    }
}
