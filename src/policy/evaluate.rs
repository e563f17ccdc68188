//! Policy evaluation, as AWS documents it: an explicit Deny anywhere wins; within
//! one account, an Allow from an identity policy or the resource's policy; across
//! accounts, both an identity-policy Allow and a resource-policy Allow; a
//! permissions boundary must also allow, and so must a session policy (the one
//! passed on AssumeRole), each except for a resource policy naming the session
//! itself; otherwise the request is implicitly denied. A role's trust policy and a KMS key's policy must allow even within
//! the account; `sts:GetCallerIdentity` needs no permission.

use super::condition::{self, Substituted, Tri};
use super::model::{Effect, Patterns, Principals, Statement, Version};
use super::wildcard;
use super::{Context, Policy};
use crate::location::Location;

/// Who is asking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Principal {
    /// The role's or user's ARN (for a role session, the role's ARN; for a
    /// service principal, its name, `athena.amazonaws.com`).
    pub arn: String,
    pub account: String,
    pub is_role: bool,
    /// The assumed-role session ARN, when the caller's session is known
    /// (`arn:aws:sts::A:assumed-role/ROLE/SESSION`): the identity a role's calls
    /// are made as, which is what `NotPrincipal` must name to exempt them.
    pub session: Option<String>,
    /// An AWS service principal: it has no identity policies and no account; only
    /// a resource policy naming it (`{"Service": NAME}`) lets it in.
    pub service: bool,
}

/// How principal elements are matched, beyond what the request says.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Matching {
    /// An account principal in an Allow admits the account's principals (across
    /// accounts, or a key policy delegating to IAM) rather than only delegating
    /// to its IAM policies.
    pub accounts_admit: bool,
    /// The caller has a permissions boundary: a Deny with `NotPrincipal` then
    /// denies it whatever it names.
    pub bounded: bool,
}

impl Principal {
    /// The caller an ARN names: a role (its calls are sessions whose name is not
    /// known), a role session, a user, or an account; or a service principal's name.
    pub(crate) fn from_arn(text: &str) -> Result<Principal, String> {
        use crate::aws::arn::{Arn, IamResource};
        if is_service_name(text) {
            return Ok(Principal {
                arn: text.to_ascii_lowercase(),
                service: true,
                ..Principal::default()
            });
        }
        let arn = Arn::parse(text).map_err(|e| format!("`{text}` is not an ARN: {e}"))?;
        let (arn_of_identity, is_role, session) = match arn.iam_resource() {
            IamResource::Role { .. } => (text.to_string(), true, None),
            // The session ARN does not carry the role's path.
            IamResource::AssumedRole { role, .. } => (
                format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account),
                true,
                Some(text.to_string()),
            ),
            IamResource::User | IamResource::Root => (text.to_string(), false, None),
            _ => {
                return Err(format!(
                    "`{text}` is not a role, role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), user \
                     or account (arn:aws:iam::ACCOUNT:root) ARN"
                ));
            }
        };
        Ok(Principal {
            arn: arn_of_identity,
            account: arn.account,
            is_role,
            session,
            ..Principal::default()
        })
    }
}

/// `athena.amazonaws.com`, `logs.us-east-1.amazonaws.com`, `….amazonaws.com.cn`:
/// how the `Service` principal element names an AWS service.
fn is_service_name(text: &str) -> bool {
    let host = text
        .strip_suffix(".amazonaws.com")
        .or_else(|| text.strip_suffix(".amazonaws.com.cn"));
    host.is_some_and(|h| {
        !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    })
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub principal: &'a Principal,
    pub context: &'a Context,
    /// The account that owns the resource, when it differs from the
    /// principal's: the request is cross-account (`None`: the same account).
    pub resource_account: Option<&'a str>,
}

impl Request<'_> {
    /// Whether the resource belongs to another account than the principal.
    /// A service principal belongs to no account: its request is judged by the
    /// resource's policy alone.
    pub(crate) fn cross_account(&self) -> bool {
        !self.principal.service && self.resource_account.is_some_and(|a| a != self.principal.account)
    }
}

/// The policies that decide a request.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PolicySet<'a> {
    pub identity: &'a [Policy],
    pub boundary: Option<&'a Policy>,
    /// The session policy passed on AssumeRole, if any: "the resulting session's
    /// permissions are the intersection of the role's identity-based policies and
    /// the session policies" (IAM User Guide: "Session policies").
    pub session: Option<&'a Policy>,
    /// The resource's own policy (a bucket policy), if it has one.
    pub resource: Option<&'a Policy>,
    /// Judge the identity side only: the caller knows the resource's own policy
    /// is not in the set and reports that itself (S3005 offline, before the key
    /// policy is read). Otherwise a KMS key or a role to assume whose own policy
    /// is not given is `Unknown`: every key has a key policy and every role a
    /// trust policy, and each must allow.
    pub identity_side: bool,
}

/// A statement that decided (or could decide) a request, as findings cite it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatementRef {
    pub policy: String,
    /// The policy's file, when it came from one.
    pub path: Option<String>,
    /// `statement 3 (Sid OnlyFromVpce)`.
    pub statement: String,
    pub index: usize,
    pub location: Location,
    pub pointer: String,
}

impl StatementRef {
    fn new(policy: &Policy, s: &Statement) -> StatementRef {
        StatementRef {
            policy: policy.name.clone(),
            path: policy.path.clone(),
            statement: s.describe(),
            index: s.index,
            location: policy.location(s.offset),
            pointer: policy.pointer(&s.pointer),
        }
    }

    /// `statement 3 (Sid OnlyFromVpce) of bucket policy of B, line 7`.
    pub(crate) fn cite(&self) -> String {
        format!(
            "{} of {}, line {}",
            self.statement, self.policy, self.location.line
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Allowed(Vec<StatementRef>),
    ExplicitDeny(StatementRef),
    ImplicitDeny(ImplicitReason),
    /// Allowed only if the listed conditions hold (keys the doctor cannot know).
    Unknown {
        conditions: Vec<String>,
        statements: Vec<StatementRef>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ImplicitReason {
    /// No statement allows it.
    NoAllow,
    /// An identity policy allows it, the permissions boundary does not.
    Boundary(Vec<StatementRef>),
    /// An identity policy (and the boundary) allows it, the session policy does not.
    Session(Vec<StatementRef>),
    /// Cross-account: one side allows it (its statements), the other does not
    /// (`identity` or `resource`, the side missing).
    OneSide {
        missing: &'static str,
        allowed_by: Vec<StatementRef>,
    },
}

impl Decision {
    pub(crate) fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
}

/// Does one statement apply to the request?
pub(crate) fn applies(policy: &Policy, s: &Statement, req: &Request) -> Tri {
    let m = Matching {
        accounts_admit: req.cross_account(),
        bounded: false,
    };
    applies_with(policy, s, req, m)
}

/// `applies`, with principals matched as `m` says.
fn applies_with(policy: &Policy, s: &Statement, req: &Request, m: Matching) -> Tri {
    let variables = policy.document.version == Version::V2012;
    Tri::from_bool(action_matches(&s.action, req.action))
        .and(|| match &s.resource {
            Some(r) => resource_matches(r, req, variables),
            None => Tri::Yes,
        })
        .and(|| match &s.principal {
            Some(p) => principal_matches(p, req.principal, s.effect, m),
            None => Tri::Yes,
        })
        .and(|| {
            s.conditions.iter().fold(Tri::Yes, |acc, c| {
                acc.and(|| condition::evaluate(c, req.context, req.action, variables))
            })
        })
}

pub(crate) fn action_matches(patterns: &Patterns, action: &str) -> bool {
    let any = patterns.items.iter().any(|p| wildcard::matches(p, action, true));
    any != patterns.not
}

fn resource_matches(patterns: &Patterns, req: &Request, variables: bool) -> Tri {
    let mut unknown = Vec::new();
    let mut any = false;
    for p in &patterns.items {
        match condition::substitute(p, req.context, req.action, variables) {
            Substituted::Text(t) => any |= wildcard::matches(&t, req.resource, false),
            Substituted::Unknown(key) => unknown.push(format!("${{{key}}} in {p} matches {}", req.resource)),
            Substituted::Absent(_) => {}
        }
        if any {
            break;
        }
    }
    match (any, unknown.is_empty(), patterns.not) {
        (true, _, not) => Tri::from_bool(!not),
        (false, true, not) => Tri::from_bool(not),
        (false, false, _) => Tri::Maybe(unknown),
    }
}

/// Does a `Principal` (or `NotPrincipal`) element name the caller?
///
/// An account principal (`123456789012`, `arn:aws:iam::123456789012:root`) in an
/// Allow of the caller's own account only delegates to the account's IAM
/// policies, so it grants nothing by itself; across accounts it admits the
/// account's principals (whose own identity policies must then allow); in a Deny
/// it covers every principal of the account. A role ARN names every session of
/// the role in `Principal`, but in `NotPrincipal` it exempts none, and the
/// account exempts none of its members: a role's calls are made as its session,
/// which `NotPrincipal` must name itself (IAM User Guide: "AWS JSON policy
/// elements: NotPrincipal"). A session ARN names one
/// session: when the caller's session name is not known, whether it is that one
/// is unknown. A service principal is named by `{"Service": NAME}` or by
/// everyone (`"*"`, `{"AWS": "*"}`).
pub(crate) fn principal_matches(p: &Principals, who: &Principal, effect: Effect, m: Matching) -> Tri {
    // "The NotPrincipal element with a Deny effect will always deny any IAM
    // principal that has a permissions boundary policy attached, regardless of
    // the values specified" (IAM User Guide: "Permissions boundaries for IAM
    // entities").
    if p.not && effect == Effect::Deny && m.bounded {
        return Tri::Yes;
    }
    let names = |value: &str| -> Tri {
        if value == "*" {
            return Tri::Yes;
        }
        if who.service {
            return Tri::No;
        }
        if value == who.arn {
            return Tri::from_bool(!(p.not && who.is_role));
        }
        if who.session.as_deref() == Some(value) {
            return Tri::Yes;
        }
        let is_account = value == who.account
            || value
                .strip_suffix(":root")
                .is_some_and(|v| v.ends_with(&format!(":{}", who.account)));
        if is_account {
            // In `NotPrincipal`, the account exempts the account itself, not its
            // members: AWS "might validate the account first, then the role, and
            // then the assumed-role user" (IAM User Guide: "NotPrincipal with Deny").
            if p.not {
                return Tri::from_bool(!who.is_role && who.arn.ends_with(":root"));
            }
            return Tri::from_bool(effect == Effect::Deny || m.accounts_admit);
        }
        // A session of the role (arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION)
        // when the caller's session name is not known.
        if who.is_role && who.session.is_none() {
            let name = who.arn.rsplit('/').next().unwrap_or_default();
            if let Some(rest) = value.split_once(":assumed-role/").map(|(_, r)| r)
                && rest.split('/').next() == Some(name)
                && value.contains(&format!(":{}:", who.account))
            {
                return Tri::Maybe(vec![format!("the role's session is {value}")]);
            }
        }
        Tri::No
    };
    let mut named = Tri::from_bool(p.everyone);
    for (kind, value) in &p.entries {
        let this = match kind.as_str() {
            "AWS" => names(value),
            "Service" => Tri::from_bool(who.service && value.eq_ignore_ascii_case(&who.arn)),
            _ => Tri::No,
        };
        named = named.or(this);
    }
    match (p.not, named) {
        (false, named) => named,
        (true, Tri::Yes) => Tri::No,
        (true, Tri::No) => Tri::Yes,
        (true, Tri::Maybe(c)) => Tri::Maybe(c.into_iter().map(|c| format!("not ({c})")).collect()),
    }
}

/// Does a statement's `Principal` name this ARN itself (not `*`, not its account)?
fn names_exactly(s: &Statement, arn: &str) -> bool {
    s.principal
        .as_ref()
        .is_some_and(|p| !p.not && p.entries.iter().any(|(kind, v)| kind == "AWS" && v == arn))
}

/// Statements of `policies` with `effect` that apply: definitely (with the first
/// such statement), maybe (with what they depend on), or not at all. `bounded`:
/// the caller has a permissions boundary.
fn find(policies: &[&Policy], effect: Effect, req: &Request, bounded: bool) -> (Tri, Vec<StatementRef>) {
    let m = Matching {
        accounts_admit: req.cross_account(),
        bounded,
    };
    find_where(policies, effect, req, m, |_| true)
}

/// `find`, among the statements `keep` keeps, with principals matched as `m` says.
fn find_where(
    policies: &[&Policy],
    effect: Effect,
    req: &Request,
    m: Matching,
    keep: impl Fn(&Statement) -> bool,
) -> (Tri, Vec<StatementRef>) {
    let mut maybe = Vec::new();
    let mut maybe_refs = Vec::new();
    for policy in policies {
        for s in policy
            .document
            .statements
            .iter()
            .filter(|s| s.effect == effect && keep(s))
        {
            super::work(1);
            match applies_with(policy, s, req, m) {
                Tri::Yes => return (Tri::Yes, vec![StatementRef::new(policy, s)]),
                Tri::Maybe(c) => {
                    maybe.extend(c);
                    maybe_refs.push(StatementRef::new(policy, s));
                }
                Tri::No => {}
            }
        }
    }
    if maybe_refs.is_empty() {
        (Tri::No, Vec::new())
    } else {
        (Tri::Maybe(maybe), maybe_refs)
    }
}

fn or(a: (Tri, Vec<StatementRef>), b: (Tri, Vec<StatementRef>)) -> (Tri, Vec<StatementRef>) {
    match (a, b) {
        ((Tri::Yes, r), _) | (_, (Tri::Yes, r)) => (Tri::Yes, r),
        ((Tri::Maybe(mut x), mut rx), (Tri::Maybe(y), ry)) => {
            x.extend(y);
            rx.extend(ry);
            (Tri::Maybe(x), rx)
        }
        ((Tri::Maybe(x), r), _) | (_, (Tri::Maybe(x), r)) => (Tri::Maybe(x), r),
        _ => (Tri::No, Vec::new()),
    }
}

/// Only the Deny side: does any policy of the set explicitly deny the request
/// (definitely, or depending on conditions)? Used to judge a bucket policy alone.
pub(crate) fn denial(req: &Request, set: &PolicySet) -> (Tri, Vec<StatementRef>) {
    if needs_no_permission(req.action) {
        return (Tri::No, Vec::new());
    }
    let mut all: Vec<&Policy> = set.identity.iter().collect();
    all.extend(set.boundary);
    all.extend(set.session);
    all.extend(set.resource);
    find(&all, Effect::Deny, req, set.boundary.is_some())
}

/// `sts:GetCallerIdentity`: "No permissions are required to perform this
/// operation", and an explicit deny does not stop it (AWS STS API Reference:
/// "GetCallerIdentity").
fn needs_no_permission(action: &str) -> bool {
    action.eq_ignore_ascii_case("sts:GetCallerIdentity")
}

/// The actions that assume a role: its trust policy is their resource policy.
fn assumes_role(req: &Request) -> bool {
    [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(req.action))
        && req.resource.contains(":iam::")
        && req.resource.contains(":role/")
}

/// The resource's own policy that must allow whatever the identity policies say
/// ("IAM role trust policies and KMS key policies are exceptions to this logic,
/// because they must explicitly allow access for principals", IAM User Guide:
/// "How AWS enforcement code logic evaluates requests"), named for findings.
fn own_policy_required(req: &Request) -> Option<&'static str> {
    if is_kms_key(req.resource) {
        Some("key policy")
    } else if assumes_role(req) {
        Some("trust policy")
    } else {
        None
    }
}

pub(crate) fn evaluate(req: &Request, set: &PolicySet) -> Decision {
    if needs_no_permission(req.action) {
        return Decision::Allowed(Vec::new());
    }
    let mut all: Vec<&Policy> = set.identity.iter().collect();
    all.extend(set.boundary);
    all.extend(set.session);
    all.extend(set.resource);
    // 1. An explicit Deny in any policy decides.
    let (deny, deny_refs) = find(&all, Effect::Deny, req, set.boundary.is_some());
    if deny == Tri::Yes {
        return Decision::ExplicitDeny(
            deny_refs
                .into_iter()
                .next()
                .expect("a definite deny has its statement"),
        );
    }
    let own_policy = own_policy_required(req);
    if let (Some(what), None, false) = (own_policy, set.resource, set.identity_side) {
        let unknown = format!("the {what} of {} (not given) allows it", req.resource);
        return conclude(Tri::Maybe(vec![unknown]), Vec::new(), deny, deny_refs);
    }
    // 2. Allows: identity ∪ resource policy, intersected with the boundary. For an
    //    IAM user, a resource policy naming the user is not limited by the boundary.
    let identity: Vec<&Policy> = set.identity.iter().collect();
    // An account's root user is not governed by identity policies: its own
    // account allows it everything (IAM User Guide: "AWS account root user").
    let root = !req.principal.is_role && req.principal.arn.ends_with(":root");
    let identity_allow = if root {
        (Tri::Yes, Vec::new())
    } else if req.principal.service {
        // A service has no identity policies (IAM User Guide: "AWS service principals").
        (Tri::No, Vec::new())
    } else {
        find(&identity, Effect::Allow, req, false)
    };
    let resource_allow = match set.resource {
        Some(r) => find(&[r], Effect::Allow, req, false),
        None => (Tri::No, Vec::new()),
    };
    let boundary = match set.boundary {
        Some(b) => find(&[b], Effect::Allow, req, false),
        None => (Tri::Yes, Vec::new()),
    };
    // The session policy caps as the boundary does, and is not a grant.
    let session = match set.session {
        Some(s) => find(&[s], Effect::Allow, req, false),
        None => (Tri::Yes, Vec::new()),
    };
    let bounded = |allow: (Tri, Vec<StatementRef>)| -> (Tri, Vec<StatementRef>) {
        let (bt, br) = boundary.clone();
        let (st, sr) = session.clone();
        let (at, mut ar) = allow;
        let t = at.and(|| bt).and(|| st);
        if t != Tri::No {
            ar.extend(br);
            ar.extend(sr);
        }
        (t, ar)
    };
    // What an identity policy allows but a cap does not: the boundary first.
    let capped = |identity: &(Tri, Vec<StatementRef>)| -> Option<ImplicitReason> {
        if identity.0 != Tri::Yes {
            return None;
        }
        if set.boundary.is_some() && boundary.0 == Tri::No {
            Some(ImplicitReason::Boundary(identity.1.clone()))
        } else if set.session.is_some() && session.0 == Tri::No {
            Some(ImplicitReason::Session(identity.1.clone()))
        } else {
            None
        }
    };
    if let (Some(own), false) = (set.resource.filter(|_| own_policy.is_some()), req.cross_account()) {
        return own_policy_same_account(req, own, bounded(identity_allow.clone()), (deny, deny_refs));
    }
    if req.cross_account() {
        // Across accounts, both sides must allow: the caller's account through
        // its identity policies (and boundary), the resource's through its policy.
        return match both(bounded(identity_allow.clone()), resource_allow) {
            Ok((allow, refs)) => conclude(allow, refs, deny, deny_refs),
            Err(
                reason @ ImplicitReason::OneSide {
                    missing: "identity", ..
                },
            ) => Decision::ImplicitDeny(capped(&identity_allow).unwrap_or(reason)),
            Err(reason) => Decision::ImplicitDeny(reason),
        };
    }
    // Within an account, a boundary limits what a resource policy grants, except
    // a grant "directly to the IAM user or the session principal that is making
    // the request" (IAM User Guide: "How AWS enforcement code logic evaluates
    // requests — resource-based policies"): by the user's ARN or the session's,
    // not by the role's ARN and not by `"AWS": "*"`. A session policy likewise:
    // a resource policy naming the role's ARN is limited by it, one naming the
    // session's ARN is not (IAM User Guide: "Session policies").
    let direct = if req.principal.is_role {
        req.principal.session.as_deref()
    } else {
        Some(req.principal.arn.as_str())
    };
    let to_caller = match (set.resource, direct) {
        (Some(r), Some(arn)) => find_where(&[r], Effect::Allow, req, Matching::default(), |s| {
            names_exactly(s, arn)
        }),
        _ => (Tri::No, Vec::new()),
    };
    let (allow, refs) = or(bounded(or(identity_allow.clone(), resource_allow)), to_caller);
    match (allow, deny) {
        (Tri::No, _) => Decision::ImplicitDeny(capped(&identity_allow).unwrap_or(ImplicitReason::NoAllow)),
        (allow, deny) => conclude(allow, refs, deny, deny_refs),
    }
}

/// A KMS key's ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`).
pub(crate) fn is_kms_key(resource: &str) -> bool {
    let mut parts = resource.splitn(6, ':');
    parts.next() == Some("arn")
        && parts.nth(1) == Some("kms")
        && parts.nth(2).is_some_and(|r| r.starts_with("key/"))
}

/// A KMS key or a role to assume in the caller's own account: the key policy
/// (trust policy) must allow, directly (naming the principal) or by delegating
/// to the account (naming the account, `arn:aws:iam::A:root`), and then an
/// identity policy must allow too. Unlike other resources, an identity policy
/// alone never suffices (AWS KMS Developer Guide: "Key policies in AWS KMS" and
/// "Default key policy"; IAM User Guide: "How AWS enforcement code logic
/// evaluates requests").
fn own_policy_same_account(
    req: &Request,
    key: &Policy,
    identity_side: (Tri, Vec<StatementRef>),
    (deny, deny_refs): (Tri, Vec<StatementRef>),
) -> Decision {
    let direct = find(&[key], Effect::Allow, req, false);
    // Naming the account, the key policy lets its IAM policies grant the key.
    let delegated = find_where(
        &[key],
        Effect::Allow,
        req,
        Matching {
            accounts_admit: true,
            bounded: false,
        },
        |_| true,
    );
    let via_iam = both(identity_side, delegated);
    let (allow, refs) = or(direct, via_iam.clone().unwrap_or((Tri::No, Vec::new())));
    match via_iam {
        Err(reason) if allow == Tri::No => Decision::ImplicitDeny(reason),
        _ => conclude(allow, refs, deny, deny_refs),
    }
}

/// Two sides that must both allow (an identity side and a resource side): what
/// they allow together, with both sides' statements, or which side is missing.
fn both(
    (it, ir): (Tri, Vec<StatementRef>),
    (rt, rr): (Tri, Vec<StatementRef>),
) -> Result<(Tri, Vec<StatementRef>), ImplicitReason> {
    match (it, rt) {
        (Tri::No, Tri::No) => Err(ImplicitReason::NoAllow),
        (Tri::No, _) => Err(ImplicitReason::OneSide {
            missing: "identity",
            allowed_by: rr,
        }),
        (_, Tri::No) => Err(ImplicitReason::OneSide {
            missing: "resource",
            allowed_by: ir,
        }),
        (it, rt) => {
            let mut refs = ir;
            refs.extend(rr);
            Ok((it.and(|| rt), refs))
        }
    }
}

/// How a guard judged a request: the policies above the account's own that
/// must allow it besides them (SCPs, RCPs, a VPC endpoint's policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Guarded {
    /// Every level allows it (the statements that do; none for a request that
    /// needs no permission).
    Allowed(Vec<StatementRef>),
    /// A Deny matches it.
    Denied(StatementRef),
    /// No statement of this level (an index of `levels`) allows it.
    NotAllowed { level: usize },
    /// Allowed only if the conditions hold (keys the doctor cannot know), or
    /// denied only if the Deny's do.
    Unknown {
        conditions: Vec<String>,
        statements: Vec<StatementRef>,
    },
}

/// Judge a request by a guard: policies that can only limit what the account's
/// own policies grant. `levels` are the layers that must each allow: for SCPs,
/// the policies attached at one level of the organization (the root, an OU, the
/// account), of which at least one must allow; for RCPs the same, on the
/// resource's account; for a VPC endpoint, its one policy. An explicit Deny in
/// any of them denies (IAM User Guide: "Policy evaluation logic", and "How AWS
/// enforcement code logic evaluates requests": "If an SCP denies the request,
/// or if it is not allowed by the SCPs …, the request is denied"; RCPs and VPC
/// endpoint policies likewise). `assumed(level)`: what allows at a level whose
/// policies hold no Allow at all (a deny-list SCP sits beside the FullAWSAccess
/// policy AWS attaches by default), as an unknown condition; `None`: nothing does.
///
/// Statements are matched by the one statement matcher (`find`); principals
/// named by account admit the account's principals (an endpoint's or RCP's
/// `Principal` is not a delegation to IAM policies).
pub(crate) fn guard(
    req: &Request,
    levels: &[Vec<&Policy>],
    assumed: impl Fn(usize) -> Option<String>,
) -> Guarded {
    if needs_no_permission(req.action) {
        return Guarded::Allowed(Vec::new());
    }
    let m = Matching {
        accounts_admit: true,
        bounded: false,
    };
    let all: Vec<&Policy> = levels.iter().flatten().copied().collect();
    let (deny, deny_refs) = find_where(&all, Effect::Deny, req, m, |_| true);
    if deny == Tri::Yes {
        return Guarded::Denied(
            deny_refs
                .into_iter()
                .next()
                .expect("a definite deny has its statement"),
        );
    }
    let mut allow = Tri::Yes;
    let mut refs = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let has_allow = level
            .iter()
            .any(|p| p.document.statements.iter().any(|s| s.effect == Effect::Allow));
        let (this, r) = match assumed(i) {
            Some(condition) if !has_allow => (Tri::Maybe(vec![condition]), Vec::new()),
            _ => find_where(level, Effect::Allow, req, m, |_| true),
        };
        if this == Tri::No {
            return Guarded::NotAllowed { level: i };
        }
        refs.extend(r);
        allow = allow.and(|| this);
    }
    match conclude(allow, refs, deny, deny_refs) {
        Decision::Allowed(refs) => Guarded::Allowed(refs),
        Decision::Unknown {
            conditions,
            statements,
        } => Guarded::Unknown {
            conditions,
            statements,
        },
        // `conclude` decides only allowed or unknown.
        other => unreachable!("conclude gave {other:?}"),
    }
}

/// An allow that is not `No`, against a deny that is not `Yes`: allowed, or
/// unknown with what it depends on.
fn conclude(allow: Tri, refs: Vec<StatementRef>, deny: Tri, deny_refs: Vec<StatementRef>) -> Decision {
    if let (Tri::Yes, Tri::No) = (&allow, &deny) {
        return Decision::Allowed(refs);
    }
    let mut conditions = match allow {
        Tri::Maybe(c) => c,
        _ => Vec::new(),
    };
    if let Tri::Maybe(c) = deny {
        conditions.extend(c.into_iter().map(|c| format!("not ({c})")));
    }
    let mut statements = refs;
    statements.extend(deny_refs);
    Decision::Unknown {
        conditions,
        statements,
    }
}
