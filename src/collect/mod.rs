//! Collect: the only stage that does I/O. It reads the connection, policy files,
//! snapshots and (live) the account, and produces [`Facts`].

pub(crate) mod fleet;
pub(crate) mod iac;
mod live;
mod offline;
mod snapshot;

pub(crate) use live::{History, LiveOptions, Session as LiveSession, Tracker, WantedEndpoints};
pub(crate) use offline::{
    Collected, GuardInputs, PolicyInputs, SecretInput, collect_loaded, collect_offline, read_guardrails,
    read_policy,
};
pub(crate) use snapshot::{parse_snapshot, read_snapshot, write_snapshot};

use crate::error::Fatal;
use crate::facts::Observed;
use std::io::IsTerminal;

/// The account, after the files (`collect_offline`): what the user gave explicitly
/// wins over what the account says (a file is how a support engineer tries a
/// change before applying it).
///
/// A fleet passes its `session` (one runtime, clients shared per region); the
/// pending-calls line is then the fleet's to draw, not each connection's.
pub(crate) fn collect_live(
    mut collected: Collected,
    policies: &PolicyInputs,
    options: &LiveOptions,
    session: Option<&LiveSession>,
) -> Result<(Collected, usize), Fatal> {
    let tracker = Tracker::new(
        session.is_none() && std::io::stderr().is_terminal(),
        options.sequential,
        options.deadline,
    );
    let (conn, secret) = (&collected.facts.connection, collected.secret.as_ref());
    // `--endpoint-policy` wins: the endpoints are then not read.
    let mut options = options.clone();
    options.endpoints.files = !policies.guards.endpoints.is_empty();
    let live = match session {
        Some(session) => session.collect(conn, secret, &options, &tracker)?,
        None => live::collect(conn, secret, &options, &tracker)?,
    };
    // A plan or template that declares the role says what it will be: the
    // account's current policies do not replace it.
    let declared = collected.declared_principal;
    let facts = &mut collected.facts;
    if policies.identity.is_empty() && !declared {
        facts.identity_policies = live.identity_policies;
    }
    if policies.boundary.is_none() && !declared {
        facts.permissions_boundary = live.permissions_boundary;
    }
    // `--trust-policy ROLE_ARN=FILE` naming the connection's own role is a file too.
    let own_given = facts
        .connection
        .value(crate::connection::FieldId::RoleArn)
        .is_some_and(|arn| facts.chain_trust.contains_key(arn.trim()));
    if policies.trust.is_none() && !declared && !own_given {
        facts.trust_policy = live.trust_policy;
    }
    // The chain's roles given as files win over what the account says.
    for (arn, trust) in live.chain_trust {
        facts.chain_trust.entry(arn).or_insert(trust);
    }
    for (bucket, policy) in live.bucket_policies {
        facts.bucket_policies.entry(bucket).or_insert(policy);
    }
    facts.live = Observed::Known(Box::new(live.live));
    // The organization's and the VPC endpoints' policies as read live, kind by
    // kind, unless a file gave them (the files win).
    let g = &mut facts.guardrails;
    let org = live.organization;
    if policies.guards.scps.is_empty() {
        g.scps = org.scps;
    }
    if policies.guards.rcps.is_empty() {
        g.rcps = org.rcps;
    }
    g.organization = org.organization;
    if policies.guards.endpoints.is_empty() {
        g.endpoints = live.endpoints.policies;
        g.endpoints_unknown = live.endpoints.unknown;
    }
    facts.endpoint_overrides = live::endpoint_overrides();
    Ok((
        collected,
        tracker.calls.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// What the account recorded as failed since `since` (`triage --from-account`):
/// the workgroup's failed queries and the principal's refused calls.
pub(crate) fn collect_history(
    conn: &crate::connection::Connection,
    options: &LiveOptions,
    since: jiff::Timestamp,
) -> Result<History, Fatal> {
    let tracker = Tracker::new(
        std::io::stderr().is_terminal(),
        options.sequential,
        options.deadline,
    );
    live::history(conn, options, since, &tracker)
}
