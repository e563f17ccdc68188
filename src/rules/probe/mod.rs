//! PROBE rules: what the connection's own credentials got when the doctor tried
//! them as the BI tool does, explained. A probe says *that* something fails; the
//! static rule it points to (run on the same facts) says *why*, with its fix.
//!
//! One file for what each rule probes: the access keys (`credentials`, PROBE001),
//! the vendor's AssumeRole (`assume_role`, PROBE002–003), the opt-in query
//! (`query`, PROBE004), the calls made as the connection (`calls`, PROBE005) and
//! the endpoint the answers came from (`environment`, PROBE006). Here: what they
//! share, turning a decoded denial into a finding and its fix.

mod assume_role;
mod calls;
mod credentials;
mod environment;
mod query;
#[cfg(test)]
mod tests;

use crate::aws::arn::Arn;
use crate::aws::denial::{Denial, PolicyType, Reason, role_of_session};
use crate::connection::AuthType;
use crate::engine::{Check, Rule, RuleMeta, Skip};
use crate::facts::{Facts, ProbeFacts};
use crate::fix::{Applicability, Fix};
use crate::messages;
use assume_role::{AssumeRoleDenied, AssumeRoleWithoutExternalId};
use calls::AccessDenied;
use credentials::CredentialsRejected;
use environment::EndpointOverrideActive;
use query::QueryProbeFailed;
use serde_json::json;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &CredentialsRejected,
    &AssumeRoleDenied,
    &AssumeRoleWithoutExternalId,
    &QueryProbeFailed,
    &AccessDenied,
    &EndpointOverrideActive,
];

/// The probe facts, or the skip saying why there are none.
fn probes(facts: &Facts) -> Result<&ProbeFacts, Skip> {
    facts.live.require("connection")?.probes.require("connection")
}

/// The skip of a rule about the other kind of connection.
fn only_for(facts: &Facts, kind: AuthType) -> Result<(), Skip> {
    if facts.connection.auth.auth_type == Some(kind) {
        return Ok(());
    }
    Err(Skip::new(
        "connection",
        format!("not applicable: not an {} connection", kind.label()),
    ))
}

/// The fix for a decoded denial: a statement where the missing Allow belongs. A
/// Deny is never "fixed" by adding: the message names the Deny to narrow instead.
fn denial_fix(facts: &Facts, denial: &Denial) -> Option<Fix> {
    let statement = denial.allow_statement();
    match &denial.reason {
        Reason::NoAllow(PolicyType::Identity) | Reason::Unstated => Some(Fix::add_statements(
            facts,
            facts
                .identity_policies
                .known()
                .ok()
                .and_then(|p| super::access::fix_target(p)),
            None,
            vec![statement],
            Applicability::Unsafe,
        )),
        Reason::NoAllow(PolicyType::Boundary) => {
            let boundary = facts.permissions_boundary.known().ok().and_then(Option::as_ref);
            Some(Fix::add_statements(
                facts,
                boundary,
                None,
                vec![statement],
                Applicability::Unsafe,
            ))
        }
        Reason::NoAllow(PolicyType::Resource) => {
            let principal = denial
                .principal
                .as_deref()
                .map(|p| role_of_session(p).unwrap_or_else(|| p.to_string()))?;
            let mut statement = statement;
            statement["Principal"] = json!({ "AWS": principal });
            let bucket = Arn::parse(denial.resource_arn())
                .ok()
                .filter(|a| a.service == "s3")
                .and_then(|a| a.resource.split('/').next().map(str::to_string));
            let policy = bucket.as_deref().and_then(|b| facts.bucket_policies.get(b));
            Some(Fix::add_statements(
                facts,
                policy,
                bucket.as_deref(),
                vec![statement],
                Applicability::DisplayOnly,
            ))
        }
        _ => None,
    }
}

/// A failed check for a decoded denial, with its fix.
fn denial_check(meta: &'static RuleMeta, facts: &Facts, subject: &str, lead: &str, denial: &Denial) -> Check {
    meta.fail(subject, format!("{lead}{denial}: {}", denial.advice()))
        .with_fix_if(denial_fix(facts, denial))
}

/// The rules among `by` (a rule's `explained_by`) that `rules/errors.toml` lists
/// for a message, in the table's order, with the pattern that recognised it.
fn causes_among(
    message: &str,
    by: &'static [&'static RuleMeta],
) -> Option<(&'static messages::Pattern, Vec<&'static RuleMeta>)> {
    let pattern = messages::recognise(message).0?;
    let rules = pattern
        .causes
        .iter()
        .filter_map(|c| by.iter().copied().find(|m| m.code == c.code))
        .collect();
    Some((pattern, rules))
}
