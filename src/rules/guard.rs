//! What ORG001, ORG002 and NET004 share: the connection's requests
//! (`permissions::needs`, each required and recommended action on its resource)
//! judged by a guard — policies above the account's own that can only take away
//! (`policy::guard`) — and gathered into findings: one per Deny statement, one per
//! level that allows nothing, one for what depends on keys the doctor cannot know.

use super::access;
use crate::connection::AuthType;
use crate::engine::{Check, RuleMeta, Severity, Skip};
use crate::facts::Facts;
use crate::fix::Fix;
use crate::permissions::{self, Need, Target};
use crate::policy::evaluate::StatementRef;
use crate::policy::{Context, Guarded, Policy, Principal, Request, guard};

/// Who makes the requests and what they reach, or why that is not known.
pub(super) struct Asker {
    pub principal: Principal,
    pub target: Target,
}

impl Asker {
    pub(super) fn of(facts: &Facts) -> Result<Asker, Skip> {
        let conn = &facts.connection;
        let target = access::target(facts);
        let principal = match permissions::principal(conn) {
            Some(p) => p,
            None if conn.auth.auth_type.is_none() => {
                return Err(Skip::new("policies", super::no_auth(conn)));
            }
            None if conn.auth.auth_type == Some(AuthType::CrossAccountRole) => {
                return Err(Skip::new(
                    "policies",
                    "needs a role ARN that parses (ROLE001, ROLE002)",
                ));
            }
            // An access key whose account is unknown offline: S3 ARNs need none.
            None => Principal {
                account: target.account.clone().unwrap_or_default(),
                ..Principal::default()
            },
        };
        Ok(Asker { principal, target })
    }

    /// The ARN a fix exempts: the role's, or a placeholder for a key's user.
    pub(super) fn exempt_arn(&self) -> &str {
        if self.principal.arn.is_empty() {
            access::UNKNOWN_USER
        } else {
            &self.principal.arn
        }
    }

    /// The requests the connection makes — the permission matrix's, and the KMS
    /// keys its buckets, results and catalog are encrypted with when they are
    /// known (live, or declared) — or the skip saying what is missing.
    pub(super) fn needs(&self, facts: &Facts) -> Result<Vec<Need>, Skip> {
        let (mut needs, unavailable) = permissions::needs(&self.target);
        let keys = super::keys::bucket_key_uses(facts)
            .map(|(uses, _)| uses)
            .into_iter()
            .chain(super::keys::results_keys(facts))
            .chain(super::keys::catalog_keys(facts))
            .flatten();
        let mut seen = std::collections::BTreeSet::new();
        for key in keys {
            if seen.insert((key.arn.clone(), key.actions.clone())) {
                needs.push(access::live_need(
                    "S3005",
                    key.what(),
                    key.arn.clone(),
                    key.actions.clone(),
                    "AthenaKmsKey",
                ));
            }
        }
        if needs.is_empty() {
            let mut reasons: Vec<&str> = unavailable.iter().map(|u| u.reason.as_str()).collect();
            reasons.dedup();
            return Err(Skip::new("policies", reasons.join("; ")));
        }
        Ok(needs)
    }
}

/// One request: an action on a need's resource.
pub(super) type Asked<'a> = (&'static str, &'a Need);

/// What a guard said of the requests.
#[derive(Default)]
pub(super) struct Verdicts<'a> {
    /// Each Deny statement that matched, with the requests it denies.
    pub denied: Vec<(StatementRef, Vec<Asked<'a>>)>,
    /// Each level that allows nothing, with the requests it leaves out.
    pub not_allowed: Vec<(usize, Vec<Asked<'a>>)>,
    /// Requests allowed only under conditions, with them.
    pub unknown: Vec<(Asked<'a>, Vec<String>)>,
    /// Statements that allowed requests.
    pub allowed: Vec<StatementRef>,
    /// How many requests were judged.
    pub judged: usize,
}

/// Judge each action of `needs` that `keep` keeps, with `context(need)`.
pub(super) fn judge<'a>(
    needs: &'a [Need],
    keep: impl Fn(&str, &Need) -> bool,
    principal: &Principal,
    levels: &[Vec<&Policy>],
    context: impl Fn(&Need) -> Context,
    assumed: impl Fn(usize) -> Option<String>,
) -> Verdicts<'a> {
    let mut v = Verdicts::default();
    for need in needs {
        let ctx = context(need);
        for action in need.required.iter().chain(&need.recommended).copied() {
            if !keep(action, need) {
                continue;
            }
            v.judged += 1;
            let req = Request {
                action,
                resource: &need.resource,
                principal,
                context: &ctx,
                resource_account: None,
            };
            match guard(&req, levels, &assumed) {
                Guarded::Allowed(refs) => v.allowed.extend(refs),
                Guarded::Denied(by) => match v.denied.iter_mut().find(|(b, _)| *b == by) {
                    Some((_, asked)) => asked.push((action, need)),
                    None => v.denied.push((by, vec![(action, need)])),
                },
                Guarded::NotAllowed { level } => match v.not_allowed.iter_mut().find(|(l, _)| *l == level) {
                    Some((_, asked)) => asked.push((action, need)),
                    None => v.not_allowed.push((level, vec![(action, need)])),
                },
                Guarded::Unknown { conditions, .. } => v.unknown.push(((action, need), conditions)),
            }
        }
    }
    v
}

/// The distinct actions and resources of some requests, in order.
pub(super) fn actions_and_resources<'a>(asked: &[Asked<'a>]) -> (Vec<&'static str>, Vec<&'a str>) {
    let mut actions: Vec<&'static str> = Vec::new();
    let mut resources: Vec<&'a str> = Vec::new();
    for (action, need) in asked {
        if !actions.contains(action) {
            actions.push(action);
        }
        if !resources.contains(&need.resource.as_str()) {
            resources.push(&need.resource);
        }
    }
    (actions, resources)
}

/// The "allowed only if" warning of what depends on unknown keys, if any.
pub(super) fn unknown_check(meta: &'static RuleMeta, v: &Verdicts, by_what: &str) -> Option<Check> {
    if v.unknown.is_empty() {
        return None;
    }
    let asked: Vec<Asked> = v.unknown.iter().map(|(a, _)| *a).collect();
    let (actions, resources) = actions_and_resources(&asked);
    let mut conditions: Vec<&str> = v
        .unknown
        .iter()
        .flat_map(|(_, c)| c.iter().map(String::as_str))
        .collect();
    conditions.sort_unstable();
    conditions.dedup();
    Some(
        meta.fail(
            resources.join(", "),
            format!(
                "{} allowed by {by_what} only if {} (the doctor cannot know these keys)",
                actions.join(", "),
                conditions.join(" and ")
            ),
        )
        .severity(Severity::Warning),
    )
}

/// The finding of one Deny statement, with its fix.
pub(super) fn denied_check(
    meta: &'static RuleMeta,
    by: &StatementRef,
    asked: &[Asked],
    owner: &str,
    fix: Option<Fix>,
) -> Check {
    let (actions, resources) = actions_and_resources(asked);
    let check = meta
        .fail(
            resources.join(", "),
            format!(
                "{} on {} denied by {}{owner}",
                actions.join(", "),
                resources.join(", "),
                by.cite()
            ),
        )
        .in_file(by.path.as_deref(), by.location);
    match fix {
        Some(fix) => check.with_fix(fix),
        None => check,
    }
}
