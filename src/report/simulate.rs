//! `simulate`'s faces: the decision with the statements that made it, as a short
//! text or as JSON v1 `{"version":1,"decision","statements","unknowns",…}`.

use crate::policy::Decision;
use crate::policy::evaluate::{ImplicitReason, StatementRef};
use crate::style::printable;
use serde_json::{Value, json};
use std::fmt::Write;

/// One request and what the evaluator decided.
pub(crate) struct Simulation {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub resource_account: Option<String>,
    pub cross_account: bool,
    pub decision: Decision,
    /// What the doctor took as given, and how to say otherwise.
    pub assumptions: Vec<String>,
}

impl Simulation {
    fn word(&self) -> &'static str {
        match self.decision {
            Decision::Allowed(_) => "allow",
            Decision::ExplicitDeny(_) => "explicit-deny",
            Decision::ImplicitDeny(_) => "implicit-deny",
            Decision::Unknown { .. } => "unknown",
        }
    }

    /// The statements, each with what it did: allows, denies, or may (unknown).
    fn statements(&self) -> Vec<(&'static str, &StatementRef)> {
        match &self.decision {
            Decision::Allowed(refs) => refs.iter().map(|r| ("allows", r)).collect(),
            Decision::ExplicitDeny(r) => vec![("denies", r)],
            Decision::ImplicitDeny(ImplicitReason::Boundary(refs))
            | Decision::ImplicitDeny(ImplicitReason::Session(refs))
            | Decision::ImplicitDeny(ImplicitReason::OneSide { allowed_by: refs, .. }) => {
                refs.iter().map(|r| ("allows", r)).collect()
            }
            Decision::ImplicitDeny(ImplicitReason::NoAllow) => Vec::new(),
            Decision::Unknown { statements, .. } => statements.iter().map(|r| ("may decide", r)).collect(),
        }
    }

    /// For a deny: what is missing, or which Deny matched.
    fn why(&self) -> Option<String> {
        let request = format!("{} on {}", self.action, self.resource);
        Some(match &self.decision {
            Decision::Allowed(_) => return None,
            Decision::ExplicitDeny(r) => format!("{} denies {request}", r.cite()),
            Decision::ImplicitDeny(ImplicitReason::NoAllow) if self.cross_account => format!(
                "neither an identity policy nor the resource's policy allows {request} (across accounts both must)"
            ),
            Decision::ImplicitDeny(ImplicitReason::NoAllow) => format!("no statement allows {request}"),
            Decision::ImplicitDeny(ImplicitReason::Boundary(_)) => {
                format!("an identity policy allows {request}, the permissions boundary does not")
            }
            Decision::ImplicitDeny(ImplicitReason::Session(_)) => {
                format!("an identity policy allows {request}, the session policy does not")
            }
            Decision::ImplicitDeny(ImplicitReason::OneSide { missing, .. }) => {
                // Both sides must allow across accounts, and for a KMS key.
                let why = if self.cross_account {
                    "across accounts"
                } else {
                    "for a KMS key"
                };
                match *missing {
                    "identity" => format!(
                        "the resource's policy allows {request}, but no identity policy of the principal does \
                         (both must, {why})"
                    ),
                    _ => format!(
                        "an identity policy allows {request}, but the resource's policy does not (both must, {why})"
                    ),
                }
            }
            Decision::Unknown { .. } => {
                format!("{request} depends on condition keys the request does not give")
            }
        })
    }

    fn unknowns(&self) -> &[String] {
        match &self.decision {
            Decision::Unknown { conditions, .. } => conditions,
            _ => &[],
        }
    }
}

pub(crate) fn render_json(s: &Simulation) -> String {
    let statements: Vec<Value> = s
        .statements()
        .into_iter()
        .map(|(effect, r)| {
            json!({
                "effect": effect,
                "policy": r.policy,
                "file": r.path,
                "statement": r.statement,
                "index": r.index + 1,
                "line": r.location.line,
                "pointer": r.pointer,
            })
        })
        .collect();
    let doc = json!({
        "version": 1,
        "decision": s.word(),
        "principal": s.principal,
        "action": s.action,
        "resource": s.resource,
        "resource_account": s.resource_account,
        "cross_account": s.cross_account,
        "why": s.why(),
        "statements": statements,
        "unknowns": s.unknowns(),
        "assumptions": s.assumptions,
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value always serialises");
    out.push('\n');
    out
}

pub(crate) fn render_table(s: &Simulation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "decision: {}", s.word());
    let _ = writeln!(
        out,
        "request:  {} → {} on {}{}",
        printable(&s.principal),
        printable(&s.action),
        printable(&s.resource),
        match (&s.resource_account, s.cross_account) {
            (Some(a), true) => format!(" (cross-account: the resource is account {a}'s)"),
            _ => String::new(),
        }
    );
    if let Some(why) = s.why() {
        let _ = writeln!(out, "why:      {}", printable(&why));
    }
    for (effect, r) in s.statements() {
        let place = r
            .path
            .as_deref()
            .map(|p| format!(" ({p}:{})", r.location.line))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {effect:<10} {} of {}{}",
            r.statement,
            printable(&r.policy),
            printable(&place)
        );
    }
    for u in s.unknowns() {
        let _ = writeln!(out, "unknown:  {}", printable(u));
    }
    for a in &s.assumptions {
        let _ = writeln!(out, "assumed:  {}", printable(a));
    }
    out
}
