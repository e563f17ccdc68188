//! The permission evaluation that S3 and ATHENA rules share: the matrix of
//! DESIGN §5 (S3002, S3003, ATHENA001, ATHENA002) and needs found live (S3005,
//! ATHENA006, ATHENA007). Each need becomes one check: pass, missing actions (with
//! the statement that grants them), an identity-side Deny (with the Deny
//! narrowed), or "allowed only if …".

use crate::aws::arn::{Arn, is_account_id};
use crate::connection::AuthType;
use crate::engine::{Check, Outcome, RuleMeta, Severity, Skip};
use crate::facts::{Facts, Observed};
use crate::fix::policy::{Change, add_condition, statement_json};
use crate::fix::{Applicability, Fix};
use crate::permissions::{self, NETWORK_KEYS, Need, Target};
use crate::policy::evaluate::{ImplicitReason, StatementRef};
use crate::policy::{Decision, Policy, PolicySet, Principal, Request, evaluate};
use serde_json::{Value, json};

/// The user behind an access key when the doctor does not know it (offline):
/// a fix naming it is display-only.
pub(super) const UNKNOWN_USER: &str = "arn:aws:iam::<ACCOUNT_ID>:user/<USER_NAME>";

/// What the permission rules evaluate against.
pub(super) struct Env<'a> {
    pub facts: &'a Facts,
    pub target: Target,
    pub principal: Principal,
    pub identity: &'a [Policy],
    pub boundary: Option<&'a Policy>,
    /// Made from `target` and `principal`: a new target needs new ones.
    pub contexts: Contexts,
}

/// The request contexts of the BI tool's own requests and of Athena's on its
/// behalf (`permissions::context`), made once an environment: a rule decides
/// a hundred actions with them, and each decision only adds to them
/// (`s3::acl_context`).
#[derive(Default)]
pub(super) struct Contexts([std::sync::OnceLock<crate::policy::Context>; 2]);

/// The identity policy that fixes adding statements go into, where the
/// principal's other grants live: its own first inline (or given) policy; else,
/// when its inline grants all come from one group, that group's first inline
/// policy (the group is where its access is managed); else the first policy, a
/// managed one, whose additions `Fix::change_policy` puts into a new inline
/// policy of the principal holding only them (a managed policy may be attached
/// to others). Inline policies of several groups: none (a new inline policy of
/// the principal, holding only the additions: no one group is its home).
pub(super) fn fix_target(identity: &[Policy]) -> Option<&Policy> {
    let inline: Vec<&Policy> = identity
        .iter()
        .filter(|p| p.origin != crate::policy::decode::Origin::ManagedPolicy)
        .collect();
    if let Some(own) = inline.iter().find(|p| p.name_of("group").is_none()) {
        return Some(*own);
    }
    match inline.first() {
        Some(first)
            if inline
                .iter()
                .all(|p| p.name_of("group") == first.name_of("group")) =>
        {
            Some(*first)
        }
        Some(_) => None,
        None => identity.first(),
    }
}

/// The permissions boundary the evaluation caps grants with. A boundary that
/// could not be read makes every decision unknown: the rule skips, naming the
/// failed read, rather than judging as if there were none. Offline, a boundary
/// not given is taken as none (the README says so).
fn boundary(facts: &Facts) -> Result<Option<&Policy>, Skip> {
    match &facts.permissions_boundary {
        Observed::Known(b) => Ok(b.as_ref()),
        Observed::Failed(f) => Err(Skip::new(
            "policies",
            format!("the permissions boundary is unknown: {f}"),
        )),
        // Live, "not collected" means the role or user was not read: unknown.
        Observed::NotCollected(why) if matches!(facts.live, Observed::Known(_)) => Err(Skip::new(
            "policies",
            format!("the permissions boundary is unknown: {why}"),
        )),
        Observed::NotCollected(_) => Ok(None),
    }
}

/// The user behind an access key, as a live run learned it (PROBE001's
/// `sts:GetCallerIdentity`, signed with the key): the connection file then need
/// not name the account.
fn key_owner(facts: &Facts) -> Option<Arn> {
    if facts.connection.auth.auth_type != Some(AuthType::AccessKey) {
        return None;
    }
    let probes = facts.live.as_ref().and_then(|l| l.probes.as_ref());
    let arn = probes.known().ok()?.credentials.known().ok()?;
    Arn::parse(arn).ok().filter(|a| is_account_id(&a.account))
}

/// What the connection reaches, with the account a live run learned when the
/// connection file does not say it.
pub(super) fn target(facts: &Facts) -> Target {
    let mut target = Target::of(&facts.connection);
    if target.account.is_none() {
        target.account = key_owner(facts).map(|a| a.account);
    }
    target
}

impl<'a> Env<'a> {
    /// The evaluation environment, or the skip that says what is missing.
    pub(super) fn new(facts: &'a Facts) -> Result<Env<'a>, Skip> {
        let identity = facts.identity_policies.require("policies")?;
        Ok(Env {
            identity,
            ..Env::without_identity(facts)?
        })
    }

    /// The environment for rules that judge resource policies alone.
    pub(super) fn without_identity(facts: &'a Facts) -> Result<Env<'a>, Skip> {
        let skip = |reason: &str| Skip::new("policies", reason);
        let identity: &[Policy] = &[];
        let conn = &facts.connection;
        let owner = key_owner(facts);
        let principal = match (permissions::principal(conn), &owner) {
            // The key's own user, as AWS named it: its ARN matches principal elements.
            (Some(p), Some(owner)) if !p.is_role => Principal {
                arn: owner.to_string(),
                ..p
            },
            (Some(p), _) => p,
            (None, _) if conn.auth.auth_type.is_none() => {
                return Err(skip(&super::no_auth(conn)));
            }
            (None, _) if conn.auth.auth_type == Some(AuthType::CrossAccountRole) => {
                return Err(skip("needs a role ARN that parses (ROLE001, ROLE002)"));
            }
            (None, Some(owner)) => Principal {
                arn: owner.to_string(),
                account: owner.account.clone(),
                is_role: false,
                session: None,
                ..Principal::default()
            },
            // An access key without account_id, offline: S3 ARNs need no account.
            (None, None) => Principal {
                arn: String::new(),
                account: String::new(),
                is_role: false,
                session: None,
                ..Principal::default()
            },
        };
        Ok(Env {
            facts,
            target: target(facts),
            principal,
            identity,
            boundary: boundary(facts)?,
            contexts: Contexts::default(),
        })
    }

    /// The session policy the BI tool passes on AssumeRole, when given.
    pub(super) fn session(&self) -> Option<&'a Policy> {
        self.facts.guardrails.session.as_ref()
    }

    pub(super) fn bucket_policy(&self, need: &Need) -> Option<&'a Policy> {
        need.bucket
            .as_ref()
            .and_then(|b| self.facts.bucket_policies.get(b))
    }

    /// The policy of the KMS key a need is on, when it was read live.
    pub(super) fn key_policy(&self, need: &Need) -> Option<&'a Policy> {
        let live = self.facts.live.known().ok()?;
        live.keys.values().find_map(|k| match k {
            Observed::Known(key) if key.arn == need.resource => key.policy.known().ok(),
            _ => None,
        })
    }

    /// The resource's own policy: the bucket's, or the KMS key's.
    fn resource_policy(&self, need: &Need) -> Option<&'a Policy> {
        self.bucket_policy(need).or_else(|| self.key_policy(need))
    }

    /// Whether the identity policies allow the action once their Denies are set
    /// aside: a Deny narrowed by its fix must leave an Allow behind, or that fix
    /// alone clears nothing.
    pub(super) fn allowed_but_for_denies(&self, need: &Need, action: &str, resource: &str) -> bool {
        let allows: Vec<Policy> = self
            .identity
            .iter()
            .map(|p| {
                let mut p = p.clone();
                p.document
                    .statements
                    .retain(|s| s.effect == crate::policy::Effect::Allow);
                p
            })
            .collect();
        let env = Env {
            identity: &allows,
            facts: self.facts,
            target: self.target.clone(),
            principal: self.principal.clone(),
            boundary: self.boundary,
            contexts: Contexts::default(),
        };
        !matches!(
            env.decide(need, action, resource, false),
            Decision::ImplicitDeny(ImplicitReason::NoAllow)
        )
    }

    /// The context of a request the BI tool makes itself, or Athena on its behalf.
    pub(super) fn base_context(&self, via_athena: bool) -> &crate::policy::Context {
        self.contexts.0[usize::from(via_athena)]
            .get_or_init(|| crate::permissions::context(&self.target, Some(&self.principal), via_athena))
    }

    /// Decide one action on one resource, with or without the resource's own
    /// policy (the bucket's, or the KMS key's).
    pub(super) fn decide(
        &self,
        need: &Need,
        action: &str,
        resource: &str,
        with_resource_policy: bool,
    ) -> Decision {
        // Result objects carry the ACL the workgroup writes them with.
        let acl = super::workgroup::result_acl(self.facts).ok();
        let ctx = super::s3::acl_context(self, need, action, acl);
        let set = PolicySet {
            identity: self.identity,
            boundary: self.boundary,
            session: self.session(),
            resource: if with_resource_policy {
                self.resource_policy(need)
            } else {
                None
            },
            // Without the resource's own policy, the identity side is judged
            // alone: the rules say the other side is unknown themselves.
            identity_side: true,
        };
        // Judged with its own policy, a key of another account needs both that
        // policy and the principal's to allow. (Without the resource's policy,
        // only the identity side is judged: rules say the other side is unknown.)
        let owner = Arn::parse(resource)
            .ok()
            .map(|a| a.account)
            .filter(|a| set.resource.is_some() && is_account_id(a) && !self.principal.account.is_empty());
        let req = Request {
            action,
            resource,
            principal: &self.principal,
            context: &ctx,
            resource_account: owner.as_deref(),
        };
        let decision = evaluate(&req, &set);
        // The built-in catalog is displayed as AwsDataCatalog; policies written
        // either way are honoured (the connection uses the lowercase name).
        if !decision.is_allowed() && resource.ends_with(":datacatalog/awsdatacatalog") {
            let display = resource.replace(":datacatalog/awsdatacatalog", ":datacatalog/AwsDataCatalog");
            let retry = evaluate(
                &Request {
                    resource: &display,
                    ..req
                },
                &set,
            );
            if retry.is_allowed() {
                return retry;
            }
        }
        decision
    }

    /// The identity policy that fixes adding statements go into.
    pub(super) fn fix_target(&self) -> Option<&'a Policy> {
        fix_target(self.identity)
    }

    /// A fix that narrows the Deny `by` so that it no longer matches this request.
    pub(super) fn narrow_deny(&self, by: &StatementRef, need: &Need, bucket: Option<&str>) -> Option<Fix> {
        let policy = self
            .identity
            .iter()
            .chain(self.boundary)
            .chain(self.resource_policy(need))
            .find(|p| p.name == by.policy)?;
        let stmt = policy.document.statements.get(by.index)?;
        let mut json = statement_json(policy, by.index);
        let network = stmt
            .conditions
            .iter()
            .any(|c| NETWORK_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&c.key)));
        // A network fence fails Athena because Athena's requests come from AWS,
        // not the network: exempt requests made through Athena, as AWS advises.
        // Otherwise exempt the connection's principal.
        let applicability = if network && need.via_athena {
            add_condition(
                &mut json,
                "ForAllValues:StringNotEquals",
                "aws:CalledVia",
                &["athena.amazonaws.com"],
            );
            Applicability::Unsafe
        } else if !self.principal.arn.is_empty() {
            add_condition(
                &mut json,
                "ArnNotEquals",
                "aws:PrincipalArn",
                &[&self.principal.arn],
            );
            Applicability::Unsafe
        } else {
            add_condition(&mut json, "ArnNotEquals", "aws:PrincipalArn", &[UNKNOWN_USER]);
            Applicability::DisplayOnly
        };
        Some(Fix::replace_statement(
            self.facts,
            policy,
            bucket,
            by.index,
            json,
            applicability,
        ))
    }
}

/// For an S3 resource, the other half of the bucket/object pair.
fn sibling(resource: &str) -> Option<String> {
    let rest = resource.split_once(":s3:::")?.1;
    Some(match rest.split_once('/') {
        Some((bucket, _)) => resource[..resource.len() - rest.len()].to_string() + bucket,
        None => format!("{resource}/*"),
    })
}

/// Check every need of one rule.
pub(super) fn check_needs(meta: &'static RuleMeta, facts: &Facts, none_reason: &str) -> Outcome {
    let env = Env::new(facts)?;
    let (needs, unavailable) = permissions::needs(&env.target);
    let mut checks: Vec<Check> = Vec::new();
    for u in unavailable.iter().filter(|u| u.rule == meta.code) {
        if !checks.iter().any(|c| c.message == u.reason) {
            checks.push(meta.skip("policies", &u.reason));
        }
    }
    // Needs of the same actions (Glue's catalog, databases and tables) are judged
    // together: one finding, one statement listing every resource.
    let mut groups: Vec<Vec<&Need>> = Vec::new();
    for need in needs.iter().filter(|n| n.rule == meta.code) {
        match groups.iter_mut().find(|g| {
            g[0].required == need.required
                && g[0].recommended == need.recommended
                && g[0].bucket.is_none()
                && need.bucket.is_none()
        }) {
            Some(group) => group.push(need),
            None => groups.push(vec![need]),
        }
    }
    for group in &groups {
        checks.extend(check_group(meta, &env, group));
    }
    if checks.is_empty() {
        checks.push(meta.skip("policies", none_reason));
    }
    Ok(checks)
}

/// Who changes a session policy: it is not stored in the account.
const SESSION_OWNER: &str = "; the session policy is the BI tool's (sent with AssumeRole): change it in the BI tool's connection settings";

pub(super) fn check_group(meta: &'static RuleMeta, env: &Env, group: &[&Need]) -> Vec<Check> {
    let first = group[0];
    let resources: Vec<&str> = group.iter().map(|n| n.resource.as_str()).collect();
    let subject = resources.join(", ");
    let what = group
        .iter()
        .map(|n| n.what.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    // (action, required) pairs missing on some resource, and those resources.
    let mut missing: Vec<(&str, bool)> = Vec::new();
    let mut missing_on: Vec<&str> = Vec::new();
    let mut uncertain: Vec<(&str, Vec<String>)> = Vec::new();
    let mut denied: Vec<(&str, StatementRef, &Need)> = Vec::new();
    let mut allowed_by: Vec<StatementRef> = Vec::new();
    // Allowed by an identity policy but not by the permissions boundary.
    let mut bounded: Vec<&str> = Vec::new();
    // Allowed by the identity policies (and boundary) but not by the session policy.
    let mut sessioned: Vec<&str> = Vec::new();
    // Not allowed by the KMS key's policy, directly or through IAM.
    let mut key_missing: Vec<&str> = Vec::new();
    for need in group {
        let actions = need
            .required
            .iter()
            .map(|a| (*a, true))
            .chain(need.recommended.iter().map(|a| (*a, false)));
        for (action, required) in actions {
            let mut decision = env.decide(need, action, &need.resource, true);
            // A bucket policy's Deny is S3004's finding; here, judge the identity side.
            if let Decision::ExplicitDeny(by) = &decision
                && env.bucket_policy(need).is_some_and(|p| p.name == by.policy)
            {
                decision = env.decide(need, action, &need.resource, false);
            }
            match decision {
                Decision::Allowed(refs) => allowed_by.extend(refs),
                Decision::ExplicitDeny(by) => {
                    // Denied and never allowed: the Allow is missing too.
                    if !env.allowed_but_for_denies(need, action, &need.resource) {
                        if !missing.contains(&(action, required)) {
                            missing.push((action, required));
                        }
                        if !missing_on.contains(&need.resource.as_str()) {
                            missing_on.push(&need.resource);
                        }
                    }
                    denied.push((action, by, need));
                }
                // The key policy neither allows the principal nor lets IAM
                // policies allow it: only the key policy can be fixed.
                Decision::ImplicitDeny(
                    ImplicitReason::NoAllow
                    | ImplicitReason::OneSide {
                        missing: "resource", ..
                    },
                ) if env.key_policy(need).is_some() => {
                    if !key_missing.contains(&action) {
                        key_missing.push(action);
                    }
                }
                Decision::ImplicitDeny(ImplicitReason::Boundary(_)) => {
                    if !bounded.contains(&action) {
                        bounded.push(action);
                    }
                }
                Decision::ImplicitDeny(ImplicitReason::Session(_)) => {
                    if !sessioned.contains(&action) {
                        sessioned.push(action);
                    }
                }
                // The doctor's requests are within the connection's account.
                Decision::ImplicitDeny(ImplicitReason::NoAllow | ImplicitReason::OneSide { .. }) => {
                    if !missing.contains(&(action, required)) {
                        missing.push((action, required));
                    }
                    if !missing_on.contains(&need.resource.as_str()) {
                        missing_on.push(&need.resource);
                    }
                }
                Decision::Unknown { conditions, .. } => uncertain.push((action, conditions)),
            }
        }
    }
    let mut checks = Vec::new();
    if !missing.is_empty() {
        let all: Vec<&str> = missing.iter().map(|(a, _)| *a).collect();
        let resource = if missing_on.len() == 1 {
            json!(missing_on[0])
        } else {
            json!(missing_on)
        };
        // A statement granting these actions on the other half of the pair (object
        // actions on the bucket ARN) is rewritten, not left beside the grant: what
        // it grants there matches no request. What no such statement holds is added.
        let (mut changes, moved) = match missing_on.as_slice() {
            [only] => rewrite_misplaced(env, only, &all, &first.sid),
            _ => (Vec::new(), Vec::new()),
        };
        let rest: Vec<&str> = all.iter().copied().filter(|a| !moved.contains(a)).collect();
        if !rest.is_empty() {
            changes.push(Change::Add(
                json!({"Sid": first.sid, "Effect": "Allow", "Action": rest, "Resource": resource}),
            ));
        }
        let fix = Fix::change_policy(env.facts, env.fix_target(), None, changes, Applicability::Safe);
        let required: Vec<&str> = missing.iter().filter(|(_, r)| *r).map(|(a, _)| *a).collect();
        let recommended: Vec<&str> = missing.iter().filter(|(_, r)| !*r).map(|(a, _)| *a).collect();
        let (list, severity, kind) = if required.is_empty() {
            (&recommended, Severity::Warning, "recommended")
        } else {
            (&required, Severity::Error, "required")
        };
        let mut message = format!(
            "{what}: {kind} {} not allowed on {}",
            plural_actions(list),
            missing_on.join(", ")
        );
        if let Some(hint) = confusion_hint(env, first, list) {
            message.push_str(&format!(" ({hint})"));
        }
        if !required.is_empty() && !recommended.is_empty() {
            message.push_str(&format!("; recommended too: {}", recommended.join(", ")));
        }
        // What is missing has no line of its own: the role's declaration in a
        // plan or template (where a pull request adds the grant), else the top of
        // the policy file the fix edits.
        let (file, top) = match &env.facts.principal_site {
            Some(site) => (Some(site.file.as_str()), site.anchor),
            None => (
                env.fix_target().and_then(|p| p.path.as_deref()),
                crate::location::Location { line: 1, column: 1 },
            ),
        };
        checks.push(
            meta.fail(&subject, message)
                .severity(severity)
                .with_fix(fix)
                .in_file(file, top),
        );
    }
    if let (false, Some(boundary)) = (bounded.is_empty(), env.boundary) {
        let statement =
            json!({"Sid": first.sid, "Effect": "Allow", "Action": bounded, "Resource": resources});
        checks.push(
            meta.fail(
                &subject,
                format!(
                    "{what}: {} allowed by the identity policies but not by the {}, which caps them",
                    plural_actions(&bounded),
                    boundary.name
                ),
            )
            .with_fix(Fix::add_statements(
                env.facts,
                Some(boundary),
                None,
                vec![statement],
                Applicability::Safe,
            )),
        );
    }
    // The session policy is the BI tool's, sent with each AssumeRole: the fix is
    // the statement to add to it there, shown (no AWS command changes it).
    if let (false, Some(session)) = (sessioned.is_empty(), env.session()) {
        let statement =
            json!({"Sid": first.sid, "Effect": "Allow", "Action": sessioned, "Resource": resources});
        checks.push(
            meta.fail(
                &subject,
                format!(
                    "{what}: {} allowed by the identity policies but not by the {}, which the BI tool passes on \
                     AssumeRole and which caps the session{SESSION_OWNER}",
                    plural_actions(&sessioned),
                    session.name
                ),
            )
            .in_file(session.path.as_deref(), crate::location::Location { line: 1, column: 1 })
            .with_fix(Fix::statements_into(
                &format!("{} (the BI tool's AssumeRole settings)", session.name),
                session,
                vec![statement],
            )),
        );
    }
    if let (false, Some(key)) = (key_missing.is_empty(), env.key_policy(first)) {
        checks.push(key_policy_missing(
            meta,
            env,
            first,
            &key_missing,
            key,
            &what,
            &subject,
        ));
    }
    // One finding per Deny statement, with that statement narrowed.
    let mut seen: Vec<&StatementRef> = Vec::new();
    for (_, by, need) in &denied {
        if seen.contains(&by) {
            continue;
        }
        seen.push(by);
        let actions: Vec<&str> = denied
            .iter()
            .filter(|(_, b, _)| b == by)
            .map(|(a, _, _)| *a)
            .collect();
        // A Deny of the session policy is the BI tool's to change.
        let owner = match env.session() {
            Some(s) if s.name == by.policy => SESSION_OWNER,
            _ => "",
        };
        let mut check = meta.fail(
            &subject,
            format!(
                "{what}: {} on {} denied by {}{owner}",
                actions.join(", "),
                need.resource,
                by.cite()
            ),
        );
        check = check.in_file(by.path.as_deref(), by.location);
        if let Some(fix) = env.narrow_deny(by, need, need.bucket.as_deref()) {
            check = check.with_fix(fix);
        }
        checks.push(check);
    }
    if !uncertain.is_empty() {
        let mut conditions: Vec<String> = uncertain.iter().flat_map(|(_, c)| c.clone()).collect();
        conditions.sort();
        conditions.dedup();
        let mut actions: Vec<&str> = uncertain.iter().map(|(a, _)| *a).collect();
        actions.dedup();
        checks.push(
            meta.fail(
                &subject,
                format!(
                    "{what}: {} allowed only if {} (the doctor cannot know these keys)",
                    actions.join(", "),
                    conditions.join(" and ")
                ),
            )
            .severity(Severity::Warning),
        );
    }
    if checks.is_empty() {
        let by = allowed_by
            .first()
            .map(|r| format!(" (e.g. by {})", r.cite()))
            .unwrap_or_default();
        let caveat = if env.boundary.is_none() {
            "; no permissions boundary given"
        } else {
            ""
        };
        checks.push(meta.pass(
            &subject,
            format!("{what}: every needed action is allowed{by}{caveat}"),
        ));
    }
    checks
}

/// The statements of the fix's target policy that grant some of `actions` on the
/// other half of `resource`'s bucket/object pair, rewritten to grant them on
/// `resource`: each such statement's resource (when all its actions are among
/// `actions`), or the statement split in two (its other actions stay where they
/// are). Only plain statements (Allow, Action, Resource, no condition: a condition
/// kept could leave the grant unmet) in an inline or given document (a managed
/// policy's additions go elsewhere, see `Fix::change_policy`); returns the
/// changes and the actions they grant on `resource`.
fn rewrite_misplaced<'a>(
    env: &Env,
    resource: &str,
    actions: &[&'a str],
    sid: &str,
) -> (Vec<Change>, Vec<&'a str>) {
    let (mut changes, mut moved) = (Vec::new(), Vec::new());
    let Some(other) = sibling(resource) else {
        return (changes, moved);
    };
    let Some(policy) = env
        .fix_target()
        .filter(|p| p.origin != crate::policy::decode::Origin::ManagedPolicy)
    else {
        return (changes, moved);
    };
    let strings = |v: Option<&Value>| -> Option<Vec<String>> {
        match v? {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
            _ => None,
        }
    };
    for statement in &policy.document.statements {
        let json = statement_json(policy, statement.index);
        let plain = json.get("Effect").and_then(Value::as_str) == Some("Allow")
            && ["NotAction", "NotResource", "Condition", "Principal"]
                .iter()
                .all(|k| json.get(k).is_none());
        let (Some(granted), Some(resources)) = (strings(json.get("Action")), strings(json.get("Resource")))
        else {
            continue;
        };
        if !plain || !resources.contains(&other) {
            continue;
        }
        let here: Vec<&'a str> = actions
            .iter()
            .copied()
            .filter(|a| !moved.contains(a) && granted.iter().any(|g| g.eq_ignore_ascii_case(a)))
            .collect();
        if here.is_empty() {
            continue;
        }
        let stays: Vec<&String> = granted
            .iter()
            .filter(|g| !here.iter().any(|a| g.eq_ignore_ascii_case(a)))
            .collect();
        let on: Vec<&str> = resources
            .iter()
            .map(|r| if *r == other { resource } else { r.as_str() })
            .collect();
        // A split would take the moved actions off the statement's other resources.
        if !stays.is_empty() && resources.len() > 1 {
            continue;
        }
        let with = if stays.is_empty() {
            let mut rewritten = json.clone();
            rewritten["Resource"] = if on.len() == 1 { json!(on[0]) } else { json!(on) };
            vec![rewritten]
        } else {
            // Its other actions stay where they are; the moved ones get a statement
            // of their own beside it.
            let mut kept = json.clone();
            kept["Action"] = if stays.len() == 1 {
                json!(stays[0])
            } else {
                json!(stays)
            };
            let split = json!({"Sid": sid, "Effect": "Allow", "Action": here, "Resource": resource});
            vec![kept, split]
        };
        changes.push(Change::Replace {
            index: statement.index,
            with,
        });
        moved.extend(here);
    }
    (changes, moved)
}

/// The KMS key's policy allows the principal nothing, directly or by letting
/// IAM policies allow it (naming the account): a statement naming the principal
/// lets it use the key whatever its identity policies say.
fn key_policy_missing(
    meta: &'static RuleMeta,
    env: &Env,
    need: &Need,
    actions: &[&str],
    key: &Policy,
    what: &str,
    subject: &str,
) -> Check {
    let principal = if env.principal.arn.is_empty() {
        UNKNOWN_USER
    } else {
        env.principal.arn.as_str()
    };
    // In a key policy, "Resource": "*" is the key itself.
    let statement = json!({
        "Sid": need.sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions,
        "Resource": "*",
    });
    let applicability = if principal.contains('<') {
        Applicability::DisplayOnly
    } else {
        Applicability::Safe
    };
    meta.fail(
        subject,
        format!(
            "{what}: {} not allowed by the {}: it names neither {principal} nor the account (which would let IAM \
             policies grant it), and a KMS key is usable only when its own policy allows",
            plural_actions(actions),
            key.name
        ),
    )
    .with_fix(Fix::add_statements(env.facts, Some(key), None, vec![statement], applicability))
}

fn plural_actions(actions: &[&str]) -> String {
    let verb = if actions.len() == 1 { "is" } else { "are" };
    format!("{} {verb}", actions.join(", "))
}

/// The bucket-versus-objects mix-up, in words, when the actions are granted on the
/// other half of the pair.
fn confusion_hint(env: &Env, need: &Need, actions: &[&str]) -> Option<String> {
    let other = sibling(&need.resource)?;
    let granted_there = actions
        .iter()
        .any(|a| env.decide(need, a, &other, false).is_allowed());
    if !granted_there {
        return None;
    }
    Some(
        if need.resource.contains(":::") && need.resource.split_once(":::")?.1.contains('/') {
            format!("allowed on {other}, but object actions need {}", need.resource)
        } else {
            format!(
                "allowed on {other}, but bucket actions need {} itself",
                need.resource
            )
        },
    )
}

/// A need the matrix does not list: an action on a resource found live.
pub(super) fn live_need(
    rule: &'static str,
    what: String,
    resource: String,
    actions: Vec<&'static str>,
    sid: &str,
) -> Need {
    Need {
        rule,
        what,
        resource,
        required: actions,
        recommended: Vec::new(),
        via_athena: true,
        sid: sid.to_string(),
        bucket: None,
    }
}

/// Check needs found live with the permission rules' evaluator and fixes.
pub(super) fn check_live_needs(
    meta: &'static RuleMeta,
    facts: &Facts,
    needs: Vec<Need>,
    none: &str,
) -> Outcome {
    if needs.is_empty() {
        return Ok(vec![meta.pass("account", none)]);
    }
    let env = Env::new(facts)?;
    Ok(needs
        .iter()
        .flat_map(|need| check_group(meta, &env, &[need]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session policy caps the session: what it leaves out is a finding naming
    /// it with the statement to add (display-only), and its Deny is a finding
    /// saying the BI tool owns it; with none given, the same facts pass.
    #[test]
    fn a_session_policy_caps_the_permission_rules() {
        use crate::engine::Status;
        use crate::policy::PolicyKind;
        let session = |text: &str| {
            Policy::from_text(
                "session policy (session.json)",
                Some("session.json"),
                text,
                PolicyKind::Identity,
            )
            .unwrap()
        };
        let run = |facts: &Facts| crate::engine::run(&crate::rules::REGISTRY, facts);
        let mut facts = crate::rules::unread::healthy();
        let glue = |checks: &[Check]| -> Vec<Check> {
            checks
                .iter()
                .filter(|c| c.code() == "ATHENA002")
                .cloned()
                .collect()
        };
        assert!(glue(&run(&facts)).iter().all(|c| c.status == Status::Pass));
        facts.guardrails.session = Some(session(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "athena:*", "kms:*"], "Resource": "*"}]}"#,
        ));
        let checks = glue(&run(&facts));
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a finding");
        assert!(
            fail.message
                .contains("not by the session policy (session.json), which the BI tool passes on AssumeRole"),
            "{}",
            fail.message
        );
        let fix = fail.fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::fix::Applicability::DisplayOnly);
        assert!(
            fix.payload().to_string().contains("glue:GetTables"),
            "{}",
            fix.payload()
        );
        facts.guardrails.session = Some(session(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
               {"Sid": "NoGlue", "Effect": "Deny", "Action": "glue:*", "Resource": "*"}]}"#,
        ));
        let checks = glue(&run(&facts));
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a finding");
        assert!(
            fail.message
                .contains("denied by statement 2 (Sid NoGlue) of session policy (session.json)")
                && fail
                    .message
                    .contains("change it in the BI tool's connection settings"),
            "{}",
            fail.message
        );
    }

    /// Where additions go: the principal's own inline policy; else its one group's
    /// inline policy; with several groups, or managed policies only, nowhere it
    /// has (a new policy of its own holding only the additions).
    #[test]
    fn fixes_go_where_the_grants_live() {
        use crate::policy::PolicyKind;
        use crate::policy::decode::Origin;
        let policy = |name: &str, origin: Origin, names: Vec<(&'static str, String)>| {
            let mut p = Policy::from_text(
                name,
                None,
                r#"{"Version": "2012-10-17", "Statement": []}"#,
                PolicyKind::Identity,
            )
            .unwrap();
            p.origin = origin;
            p.names = names;
            p
        };
        let group = |g: &str, n: &str| {
            policy(
                n,
                Origin::InlinePolicy,
                vec![("group", g.into()), ("policy", n.into())],
            )
        };
        let own = policy("own", Origin::InlinePolicy, vec![("policy", "own".into())]);
        let managed = policy("managed", Origin::ManagedPolicy, vec![]);
        let name = |ps: &[Policy]| fix_target(ps).map(|p| p.name.clone());
        assert_eq!(
            name(&[managed.clone(), group("g", "a"), own.clone()]).as_deref(),
            Some("own")
        );
        assert_eq!(
            name(&[managed.clone(), group("g", "a"), group("g", "b")]).as_deref(),
            Some("a")
        );
        assert_eq!(name(&[group("g", "a"), group("h", "b")]), None);
        assert_eq!(name(std::slice::from_ref(&managed)).as_deref(), Some("managed"));
    }

    #[test]
    fn siblings() {
        assert_eq!(
            sibling("arn:aws:s3:::b/omni/*").as_deref(),
            Some("arn:aws:s3:::b")
        );
        assert_eq!(sibling("arn:aws:s3:::b").as_deref(), Some("arn:aws:s3:::b/*"));
        assert_eq!(sibling("arn:aws:athena:us-east-1:1:workgroup/w"), None);
    }
}
