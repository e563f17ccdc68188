//! TRUST007: each role of the AWS profile chain a source names (`--profile-file`,
//! `Auth::chain`) judged with its own trust policy, as STS judges the hop: the
//! previous hop's role session (or, for the first role, the credentials the
//! chain starts from, unknown offline) calling `sts:AssumeRole` with that
//! profile's `external_id`. The statements are judged by the one evaluator
//! (`policy::evaluate::applies`, `policy::condition`); a refused hop is named
//! by its profile, its place (`hop 2 of 3`) and where its `external_id` or
//! `role_arn` is written in the profile file.
//!
//! A tool that assumes its role itself (PyAthena's `role_arn` and
//! `external_id`, Grafana's `jsonData.assumeRoleArn` and `externalId`) is a
//! chain of one hop from the tool's own credentials, judged the same way and
//! fixed in the source's own format.
//!
//! The TRUST001–006 rules judge the connection's role in the vendor's terms
//! (an issued External ID, the vendor's account); this rule judges every hop in
//! the profile file's terms: the trust policy says which ID it accepts, so a
//! wrong ID is corrected in the profile's `external_id` line.

use super::trust::{ASSUME_ROLE, EXTERNAL_ID, is_external_id};
use crate::connection::source::profile::{ChainHop, ProfileChain};
use crate::connection::{AuthType, FieldId};
use crate::engine::{Check, Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, Observed, TrustPolicy};
use crate::fix::policy::statement_json;
use crate::fix::{Applicability, Fix};
use crate::policy::condition::{self, Tri};
use crate::policy::evaluate::{Principal, Request, action_matches, applies};
use crate::policy::model::{OpKind, SetOp, Statement, Version};
use crate::policy::{Context, Effect, Policy};
use serde_json::json;

const SUBJECT: &str = "profile chain";
/// The subject of the role a tool assumes itself (a chain of one hop).
const OWN_SUBJECT: &str = "connection role";

declare_rule! {
    pub(crate) struct ChainHopRefused {
        code: "TRUST007",
        name: "profile-chain-hop-refused",
        severity: Error,
        summary: "A role of the AWS profile chain does not admit the hop before it with the profile's External ID",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for ChainHopRefused {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        // A tool that assumes the role itself (PyAthena's `role_arn`, Grafana's
        // `jsonData.assumeRoleArn`) is a chain of one hop from its own
        // credentials: Omni's form is judged in the vendor's terms instead
        // (TRUST001–006), which these sources cannot hold.
        let own_chain;
        let (chain, own) = match conn.auth.chain.as_ref() {
            Some(chain) => (chain, false),
            None if !conn.form.is_omni()
                && conn.auth.auth_type == Some(AuthType::CrossAccountRole)
                && let Some(role) = conn.auth.role_arn.clone() =>
            {
                own_chain = ProfileChain {
                    file: conn.path.clone(),
                    hops: vec![ChainHop {
                        profile: String::new(),
                        role_arn: role,
                        external_id: conn.auth.external_id.clone(),
                        section: None,
                    }],
                    starts_from: "the tool's own credentials (who they are is not knowable offline)".into(),
                    ..ProfileChain::default()
                };
                (&own_chain, true)
            }
            None => {
                return Err(Skip::new(
                    SUBJECT,
                    "not applicable: the connection names no AWS profile followed through --profile-file, \
                     and no role the tool assumes itself",
                ));
            }
        };
        if chain.hops.is_empty() {
            return Err(Skip::new(
                SUBJECT,
                format!(
                    "not applicable: profile `{}` assumes no role ({})",
                    chain.profile, chain.starts_from
                ),
            ));
        }
        let mut checks = Vec::new();
        for (i, hop) in chain.hops.iter().enumerate() {
            let subject = match own {
                true => OWN_SUBJECT.to_string(),
                false => format!("profile {} ({})", hop.profile, chain.place(i)),
            };
            let policy = match trust_of(facts, chain, i) {
                Ok(p) => p,
                Err(reason) => {
                    checks.push(meta.skip(subject, reason));
                    continue;
                }
            };
            checks.push(judge_hop(facts, chain, i, hop, policy, subject, own));
        }
        Ok(checks)
    }
}

/// The trust policy of hop `i`'s role: given by ARN (`--trust-policy
/// ROLE_ARN=FILE`, or read live), or for the connection's own role, its trust
/// policy. `Err`: why it is not known, as a skip says it.
fn trust_of<'a>(facts: &'a Facts, chain: &ProfileChain, i: usize) -> Result<&'a Policy, String> {
    let arn = chain.hops[i].role_arn.value().unwrap_or_default();
    let own = facts.connection.value(FieldId::RoleArn).map(str::trim) == Some(arn);
    let observed = match facts.chain_trust.get(arn) {
        Some(o) => o,
        None if own => &facts.trust_policy,
        None => {
            return Err(format!(
                "the trust policy of {arn} is not known: give --trust-policy {arn}=FILE (a document, or \
                 `aws iam get-role` output), or run live (iam:GetRole)"
            ));
        }
    };
    match observed {
        Observed::Known(TrustPolicy::Valid(p)) => Ok(p),
        Observed::Known(TrustPolicy::Invalid {
            path,
            location,
            message,
        }) => {
            let at = location.map(|l| format!(":{l}")).unwrap_or_default();
            Err(format!(
                "the trust policy of {arn} is invalid ({path}{at}: {message})"
            ))
        }
        Observed::NotCollected(why) => Err(format!("the trust policy of {arn} is not known: {why}")),
        Observed::Failed(f) => Err(format!("the trust policy of {arn} is not known: {f}")),
    }
}

/// The request of hop `i`: `sts:AssumeRole` on its role, as the hop before's
/// session when known, with the profile's External ID (or none).
fn context(caller: Option<&Principal>, external_id: Option<&str>) -> Context {
    let mut ctx = Context::default();
    ctx.set("aws:SecureTransport", &["true"]);
    if let Some(c) = caller {
        ctx.set("aws:PrincipalAccount", &[&c.account]);
        if !c.arn.is_empty() {
            ctx.set("aws:PrincipalArn", &[&c.arn]);
        }
    }
    match external_id {
        Some(id) => ctx.set(EXTERNAL_ID, &[id]),
        None => ctx.absent(EXTERNAL_ID),
    };
    ctx
}

/// Whether the statement's External ID conditions hold in `ctx` (the rest of
/// its conditions aside): what the hop's ID alone decides.
fn id_holds(policy: &Policy, s: &Statement, ctx: &Context) -> Tri {
    let variables = policy.document.version == Version::V2012;
    s.conditions
        .iter()
        .filter(|c| is_external_id(&c.key))
        .fold(Tri::Yes, |acc, c| {
            acc.and(|| condition::evaluate(c, ctx, ASSUME_ROLE, variables))
        })
}

/// The one External ID a statement requires, when it requires exactly one,
/// known value (`StringEquals` on `sts:ExternalId`, one value, not optional).
fn single_id(s: &Statement) -> Option<&str> {
    let ids: Vec<_> = s.conditions.iter().filter(|c| is_external_id(&c.key)).collect();
    match ids.as_slice() {
        [c] if c.operator.kind == OpKind::StringEquals
            && c.operator.set == SetOp::None
            && !c.operator.if_exists
            && c.values.len() == 1 =>
        {
            Some(c.values[0].as_str())
        }
        _ => None,
    }
}

/// The evaluator's verdict on statement `s` for `caller`'s `sts:AssumeRole`
/// on the role `arn` of `account`. In the role's own account, a trust policy
/// naming the account delegates to the caller's identity policies ("a role
/// trust policy … specifying the account … the account's administrator must
/// grant sts:AssumeRole", IAM User Guide: "Granting a user permissions to
/// switch roles"), which the chain does not tell: unknown, said so.
fn as_caller(
    policy: &Policy,
    s: &Statement,
    caller: &Principal,
    arn: &str,
    account: Option<&str>,
    ctx: &Context,
) -> Tri {
    let request = |resource_account: Option<&str>| {
        applies(
            policy,
            s,
            &Request {
                action: ASSUME_ROLE,
                resource: arn,
                principal: caller,
                context: ctx,
                resource_account,
            },
        )
    };
    let direct = request(account);
    let same_account = account == Some(caller.account.as_str());
    if direct != Tri::No || !same_account || s.effect != Effect::Allow {
        return direct;
    }
    // Judged as if across accounts, where naming the account admits its members.
    let delegated = format!(
        "the identity policy of {} allows sts:AssumeRole on {arn}",
        caller.arn
    );
    match request(Some("")) {
        Tri::Yes => Tri::Maybe(vec![delegated]),
        Tri::Maybe(mut c) => {
            c.push(delegated);
            Tri::Maybe(c)
        }
        Tri::No => Tri::No,
    }
}

fn judge_hop(
    facts: &Facts,
    chain: &ProfileChain,
    i: usize,
    hop: &ChainHop,
    policy: &Policy,
    subject: String,
    own: bool,
) -> Check {
    let meta = ChainHopRefused::META;
    let arn = hop.role_arn.value().unwrap_or_default();
    let account = crate::aws::arn::Arn::parse(arn).ok().map(|a| a.account);
    let caller = chain.assumed_by(i).and_then(|a| Principal::from_arn(a).ok());
    let by = match (&caller, i) {
        (Some(c), _) => format!(
            "the session of role {} (profile `{}`, {})",
            c.arn,
            chain.hops[i - 1].profile,
            chain.place(i - 1)
        ),
        (None, 0) => chain.starts_from.clone(),
        (None, _) => "the hop before (its role ARN does not parse)".to_string(),
    };
    let given = hop.external_id.as_ref().and_then(|f| f.value());
    let conn = &facts.connection;
    let id_setting = match own {
        true => super::named(conn, FieldId::ExternalId),
        false => "external_id".to_string(),
    };
    let passes = match given {
        Some(id) => format!("{id_setting} `{id}`"),
        None => format!("no {id_setting}"),
    };
    let ctx = context(caller.as_ref(), given);
    let statements = &policy.document.statements;
    let for_assume = |s: &&Statement| action_matches(&s.action, ASSUME_ROLE);
    // The evaluator's verdict on each statement, for the hop's request: the
    // whole statement when the caller is known; when it is not (the first
    // role, assumed with credentials not knowable offline), what the hop's ID
    // alone decides.
    let verdict = |s: &Statement| -> Tri {
        match &caller {
            Some(c) => as_caller(policy, s, c, arn, account.as_deref(), &ctx),
            None => id_holds(policy, s, &ctx),
        }
    };
    let where_id = hop
        .external_id
        .as_ref()
        .and_then(|f| f.location)
        .or(hop.role_arn.location);
    let at = |check: Check, loc: Option<crate::location::Location>| match loc {
        // The source's own setting: where the connection's file has it.
        _ if own => check.at(loc),
        Some(l) => check.in_file(Some(&chain.file), l),
        None => check,
    };
    let cite = |s: &Statement| {
        format!(
            "{} of the {} (line {})",
            s.describe(),
            policy.name,
            policy.location(s.offset).line
        )
    };
    let head = match own {
        true => format!(
            "{} {arn} is assumed by {by} with {passes}",
            super::named(conn, FieldId::RoleArn)
        ),
        false => format!(
            "profile `{}` ({}, role {arn}) is assumed by {by} with {passes}",
            hop.profile,
            chain.place(i)
        ),
    };
    // An explicit Deny decides first.
    if caller.is_some()
        && let Some(s) = statements
            .iter()
            .filter(for_assume)
            .find(|s| s.effect == Effect::Deny && verdict(s) == Tri::Yes)
    {
        let check = meta.fail(
            subject,
            format!(
                "{head}, but {} denies it: STS refuses the hop with AccessDenied, and the chain stops at {}",
                cite(s),
                chain.place(i)
            ),
        );
        return at(check, hop.role_arn.location);
    }
    let allows: Vec<&Statement> = statements
        .iter()
        .filter(for_assume)
        .filter(|s| s.effect == Effect::Allow)
        .collect();
    let verdicts: Vec<(&Statement, Tri)> = allows.iter().map(|s| (*s, verdict(s))).collect();
    if let Some((s, _)) = verdicts.iter().find(|(_, v)| *v == Tri::Yes) {
        let unknown = if caller.is_none() {
            format!("; who calls ({}) is not known offline", chain.starts_from)
        } else {
            String::new()
        };
        return at(
            meta.pass(subject, format!("{head}: {} admits it{unknown}", cite(s))),
            where_id,
        );
    }
    if let Some((s, Tri::Maybe(conditions))) = verdicts.iter().find(|(_, v)| matches!(v, Tri::Maybe(_))) {
        return at(
            meta.pass(
                subject,
                format!("{head}: {} admits it if {}", cite(s), conditions.join(" and ")),
            ),
            where_id,
        );
    }
    // Refused. The statements that would admit the caller but for the ID: the
    // ID is the cause, and the profile's line its fix when one ID is required.
    let naming: Vec<&Statement> = allows
        .iter()
        .copied()
        .filter(|s| {
            let no_id = context(caller.as_ref(), Some("athena-doctor-any-id"));
            let mut with_required = no_id.clone();
            if let Some(id) = single_id(s) {
                with_required.set(EXTERNAL_ID, &[id]);
            }
            match &caller {
                Some(c) => as_caller(policy, s, c, arn, account.as_deref(), &with_required) != Tri::No,
                None => true,
            }
        })
        .collect();
    let required: Vec<&str> = {
        let mut ids: Vec<&str> = naming.iter().filter_map(|s| single_id(s)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let place = chain.place(i);
    let stops = match own {
        true => "STS refuses the AssumeRole with AccessDenied".to_string(),
        false => format!("STS refuses the hop with AccessDenied, and the tool fails at {place}"),
    };
    if let ([id], Some(s)) = (
        required.as_slice(),
        naming.iter().find(|s| single_id(s).is_some()),
    ) {
        let why = match given {
            Some(g) if g.trim() == *id => format!("`{g}` has white space around `{id}`"),
            Some(g) if g.eq_ignore_ascii_case(id) => {
                format!("`{g}` differs from `{id}` only in case, and StringEquals is case-sensitive")
            }
            Some(g) => format!("`{g}` is not `{id}`"),
            None if own => "the source passes none".to_string(),
            None => "the profile passes none".to_string(),
        };
        let line = hop.external_id.as_ref().and_then(|f| f.location);
        let fix = match own {
            // Written in the source's own format, as its other field fixes.
            // Unsafe: with no vendor issuing the ID, either side may be the
            // stale one (a trust policy holding a placeholder), so a person
            // confirms the source should take the policy's.
            true => Fix::field(conn, FieldId::ExternalId, json!(id), Applicability::Unsafe),
            false => Fix::profile_setting(
                &chain.file,
                &hop.profile,
                FieldId::ExternalId,
                id,
                line,
                hop.section,
                Applicability::Safe,
            ),
        };
        let check = meta
            .fail(
                subject,
                format!(
                    "{head}, but {} requires sts:ExternalId `{id}`: {why}. {stops}",
                    cite(s)
                ),
            )
            .with_fix(fix);
        return at(check, where_id);
    }
    // No single ID to write in the profile: the trust policy is what changes.
    let principal = caller
        .as_ref()
        .map(|c| c.arn.clone())
        .unwrap_or_else(|| "<PRINCIPAL_ARN>".to_string());
    let mut statement = json!({
        "Sid": format!("AssumeFrom{}", alnum(i.checked_sub(1).map_or("source", |p| chain.hops[p].profile.as_str()))),
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": ASSUME_ROLE,
    });
    if let Some(id) = given {
        statement["Condition"] = json!({"StringEquals": {EXTERNAL_ID: id}});
    }
    let applicability = if caller.is_some() {
        Applicability::Unsafe
    } else {
        Applicability::DisplayOnly
    };
    let (what, fix) = match naming.first() {
        Some(s) => {
            let mut json = statement_json(policy, s.index);
            if let (Some(id), Some(obj)) = (given, json.as_object_mut()) {
                let mut conditions = obj
                    .remove("Condition")
                    .and_then(|c| c.as_object().cloned())
                    .unwrap_or_default();
                for block in conditions.values_mut() {
                    if let Some(keys) = block.as_object_mut() {
                        keys.retain(|k, _| !is_external_id(k));
                    }
                }
                conditions.retain(|_, b| b.as_object().is_none_or(|k| !k.is_empty()));
                let equals = conditions.entry("StringEquals").or_insert_with(|| json!({}));
                if let Some(keys) = equals.as_object_mut() {
                    keys.insert(EXTERNAL_ID.into(), json!(id));
                }
                obj.insert("Condition".into(), serde_json::Value::Object(conditions));
            }
            (
                format!("{} does not match it", cite(s)),
                Fix::replace_statement(facts, policy, None, s.index, json, Applicability::Unsafe),
            )
        }
        None => (
            format!("no statement of the {} allows it", policy.name),
            Fix::add_statements(facts, Some(policy), None, vec![statement], applicability),
        ),
    };
    at(
        meta.fail(subject, format!("{head}, but {what}. {stops}"))
            .with_fix(fix),
        where_id,
    )
}

/// A name's letters and digits, capitalised, for a statement ID (`mid` → `Mid`).
fn alnum(s: &str) -> String {
    let kept: String = s.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut chars = kept.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
