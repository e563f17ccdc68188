//! TRUST rules: can the vendor assume the role with the External ID it issued — and
//! only with it? The trust policy is judged in the vendor's request context: a
//! principal of the vendor's account calling `sts:AssumeRole`, with the issued ID,
//! with another ID, and with none.

use crate::aws::arn::is_account_id;
use crate::connection::{AuthType, FieldId};
use crate::engine::{Check, Outcome, Rule, Severity, Skip, declare_rule};
use crate::facts::{Facts, TrustPolicy};
use crate::fix::policy::statement_json;
use crate::fix::{Applicability, Fix};
use crate::permissions::Target;
use crate::policy::condition::{self, Tri};
use crate::policy::context::{meant_key, never_carried};
use crate::policy::evaluate::{Matching, Principal, Request, action_matches, applies, principal_matches};
use crate::policy::model::{Condition, OpKind, SetOp, Statement, Version};
use crate::policy::{Context, Effect, Policy};
use serde_json::{Value, json};

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &ExternalIdMissing,
    &ExternalIdMismatch,
    &VendorNotTrusted,
    &TrustTooBroad,
    &TrustPolicyInvalid,
    &TrustDeniesVendor,
    &super::chain::ChainHopRefused,
];

pub(super) const ASSUME_ROLE: &str = "sts:AssumeRole";
pub(super) const EXTERNAL_ID: &str = "sts:ExternalId";
/// An ID that is certainly not the issued one, to see whether any ID gets in.
const OTHER_ID: &str = "athena-doctor-not-the-issued-id";

/// What the trust rules work with.
struct Trust<'a> {
    policy: &'a Policy,
    /// The role's ARN: the resource of the vendor's sts:AssumeRole.
    role: String,
    /// The role's account (the resource's), when its ARN says.
    account: Option<String>,
    vendor: &'a str,
    partition: String,
    external_id: Option<&'a str>,
    facts: &'a Facts,
}

fn trust(facts: &Facts) -> Result<Trust<'_>, Skip> {
    let skip = |reason: &str| Skip::new("trust policy", reason);
    let conn = &facts.connection;
    match conn.auth.auth_type {
        Some(AuthType::AccessKey) => return Err(skip("not applicable: the connection uses an access key")),
        None => return Err(skip(&super::no_auth(conn))),
        Some(AuthType::CrossAccountRole) => {}
    }
    let policy = match facts.trust_policy.known().map_err(|r| skip(&r))? {
        TrustPolicy::Valid(p) => p,
        TrustPolicy::Invalid { .. } => return Err(skip("the trust policy is invalid (TRUST005)")),
    };
    let vendor = conn
        .value(FieldId::TrustedAccountId)
        .ok_or_else(|| skip("needs auth.trusted_account_id (the vendor's AWS account), which is not set"))?;
    if !is_account_id(vendor) {
        return Err(skip("auth.trusted_account_id is not a 12-digit account ID"));
    }
    let role = conn
        .value(FieldId::RoleArn)
        .unwrap_or_default()
        .trim()
        .to_string();
    let account = crate::aws::arn::Arn::parse(&role)
        .ok()
        .map(|a| a.account)
        .filter(|a| is_account_id(a));
    Ok(Trust {
        policy,
        role,
        account,
        vendor,
        partition: Target::of(conn).partition,
        external_id: conn.value(FieldId::ExternalId),
        facts,
    })
}

/// How a statement's principal covers the vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Covers {
    No,
    /// `"*"`, `{"AWS": "*"}`, or a NotPrincipal that does not name the vendor.
    Everyone,
    /// The vendor's account (`999988887777` or `arn:aws:iam::999988887777:root`).
    Account,
    /// A role or user in the vendor's account.
    Specific,
}

fn covers(s: &Statement, vendor: &str) -> Covers {
    let Some(p) = &s.principal else { return Covers::No };
    let names_vendor = |v: &str| -> Covers {
        if v == "*" {
            Covers::Everyone
        } else if v == vendor
            || v.strip_suffix(":root")
                .is_some_and(|a| a.ends_with(&format!(":iam::{vendor}")))
        {
            Covers::Account
        } else if v.contains(&format!(":iam::{vendor}:")) || v.contains(&format!(":sts::{vendor}:")) {
            Covers::Specific
        } else {
            Covers::No
        }
    };
    let found = if p.everyone {
        Covers::Everyone
    } else {
        p.entries
            .iter()
            .filter(|(kind, _)| kind == "AWS")
            .map(|(_, v)| names_vendor(v))
            .find(|c| *c != Covers::No)
            .unwrap_or(Covers::No)
    };
    match (p.not, found) {
        (false, c) => c,
        // NotPrincipal: everyone but those listed.
        (true, Covers::No) => Covers::Everyone,
        (true, _) => Covers::No,
    }
}

/// Whether a condition key is `sts:ExternalId` (keys are case-insensitive).
pub(super) fn is_external_id(key: &str) -> bool {
    key.eq_ignore_ascii_case(EXTERNAL_ID)
}

/// Keys that look like the External ID but are not `sts:ExternalId`.
fn is_wrong_external_id_key(c: &Condition) -> bool {
    let k: String = c
        .key
        .to_ascii_lowercase()
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric())
        .collect();
    k.contains("externalid") && !is_external_id(&c.key)
}

/// The vendor's request, with the issued ID, another ID, or none.
fn context(vendor: &str, external_id: Option<&str>) -> Context {
    let mut ctx = Context::default();
    ctx.set("aws:PrincipalAccount", &[vendor])
        .set("aws:SecureTransport", &["true"])
        .absent("aws:MultiFactorAuthPresent");
    match external_id {
        Some(id) => ctx.set(EXTERNAL_ID, &[id]),
        None => ctx.absent(EXTERNAL_ID),
    };
    ctx
}

/// Do a statement's conditions (all of them, or only the External ID ones) hold?
fn holds(policy: &Policy, s: &Statement, ctx: &Context, only_external_id: bool) -> Tri {
    let variables = policy.document.version == Version::V2012;
    s.conditions
        .iter()
        .filter(|c| !only_external_id || is_external_id(&c.key))
        .fold(Tri::Yes, |acc, c| {
            acc.and(|| condition::evaluate(c, ctx, ASSUME_ROLE, variables))
        })
}

/// Who the vendor may call sts:AssumeRole as: each role or user of its account the
/// trust policy names (a role calls as a session whose name is not known), and
/// any other principal of its account, which only `*` or the account names.
fn callers(t: &Trust) -> Vec<Principal> {
    let mut out = vec![Principal {
        account: t.vendor.to_string(),
        ..Principal::default()
    }];
    let named = t
        .policy
        .document
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|p| p.entries.iter())
        .filter(|(kind, v)| {
            kind == "AWS"
                && !v.ends_with(":root")
                && (v.contains(&format!(":iam::{}:", t.vendor))
                    || v.contains(&format!(":sts::{}:", t.vendor)))
        });
    for (_, arn) in named {
        if let Ok(p) = Principal::from_arn(arn)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// The vendor's request as `caller`: sts:AssumeRole on the role, from the
/// vendor's account, in the context `ctx` (plus the caller's ARN when known).
fn judge<R>(t: &Trust, caller: &Principal, ctx: &Context, f: impl FnOnce(&Request) -> R) -> R {
    let mut ctx = ctx.clone();
    if !caller.arn.is_empty() {
        ctx.set("aws:PrincipalArn", &[&caller.arn]);
    }
    f(&Request {
        action: ASSUME_ROLE,
        resource: &t.role,
        principal: caller,
        context: &ctx,
        resource_account: t.account.as_deref(),
    })
}

/// Whether an Allow for `sts:AssumeRole` names `caller`, as the evaluator
/// matches principals (conditions aside: TRUST001 and TRUST002 judge the
/// External ID).
fn allow_names(t: &Trust, s: &Statement, caller: &Principal) -> Tri {
    if s.effect != Effect::Allow || !action_matches(&s.action, ASSUME_ROLE) {
        return Tri::No;
    }
    let Some(p) = &s.principal else { return Tri::No };
    // The role is another account's than the vendor's (also when its ARN does
    // not parse, ROLE001's finding): naming the vendor's account admits it.
    let cross_account = t.account.as_deref() != Some(t.vendor);
    let m = Matching {
        accounts_admit: cross_account,
        bounded: false,
    };
    principal_matches(p, caller, s.effect, m)
}

/// Allow statements for `sts:AssumeRole` that name one of the vendor's callers
/// (whether or not a condition on a key AWS never sets locks them: `locked`).
fn naming<'a>(t: &Trust<'a>) -> Vec<(&'a Statement, Covers)> {
    let callers = callers(t);
    t.policy
        .document
        .statements
        .iter()
        .filter(|s| callers.iter().any(|c| allow_names(t, s, c) == Tri::Yes))
        .map(|s| (s, covers(s, t.vendor)))
        .collect()
}

/// Allow statements for `sts:AssumeRole` that name one of the vendor's callers and
/// can match its request: a statement `locked` admits no one.
fn admitting<'a>(t: &Trust<'a>) -> Vec<(&'a Statement, Covers)> {
    naming(t)
        .into_iter()
        .filter(|(s, _)| locked(t, s).is_none())
        .collect()
}

/// The condition of `s` on a key AWS never sets on sts:AssumeRole whose operator
/// needs the key (`StringEquals`, `StringLike`, a `Null` of false…): it never
/// matches, so the statement never applies (IAM User Guide: "IAM JSON policy
/// elements: Condition operators" — a key missing from the request context does
/// not match, except for `...IfExists`, negated operators and `Null`).
fn locked<'a>(t: &Trust, s: &'a Statement) -> Option<&'a Condition> {
    let variables = t.policy.document.version == Version::V2012;
    let ctx = context(t.vendor, Some(t.external_id.unwrap_or(OTHER_ID)));
    s.conditions.iter().find(|c| {
        never_carried(&c.key.to_ascii_lowercase(), ASSUME_ROLE)
            && condition::evaluate(c, &ctx, ASSUME_ROLE, variables) == Tri::No
    })
}

/// The vendor principals the trust policy names, when it admits the vendor only
/// through such specific roles or users (no account-wide or `*` statement): any
/// other caller of the vendor's is refused, whatever External ID it passes.
pub(super) fn specific_principals(facts: &Facts) -> Option<Vec<String>> {
    let t = trust(facts).ok()?;
    let admitting = admitting(&t);
    if admitting.is_empty() || admitting.iter().any(|(_, c)| *c != Covers::Specific) {
        return None;
    }
    let names = admitting
        .iter()
        .filter_map(|(s, _)| s.principal.as_ref())
        .flat_map(|p| p.entries.iter())
        .filter(|(kind, v)| kind == "AWS" && v.contains(&format!("::{}:", t.vendor)))
        .map(|(_, v)| v.clone())
        .collect();
    Some(names)
}

impl Trust<'_> {
    fn id_or_placeholder(&self) -> (&str, Applicability) {
        match self.external_id {
            Some(id) => (id, Applicability::Safe),
            None => ("<EXTERNAL_ID>", Applicability::DisplayOnly),
        }
    }

    /// The vendor's statement repaired in place: the vendor's account as principal
    /// where it was anyone, and exactly `StringEquals sts:ExternalId = ID` in place of
    /// every External ID condition (right or wrong key, any operator).
    fn repaired(&self, s: &Statement) -> (Value, Applicability) {
        let mut json = statement_json(self.policy, s.index);
        let (id, applicability) = self.id_or_placeholder();
        let obj = json.as_object_mut().expect("a statement is an object");
        if covers(s, self.vendor) == Covers::Everyone {
            obj.remove("NotPrincipal");
            obj.insert(
                "Principal".into(),
                json!({"AWS": format!("arn:{}:iam::{}:root", self.partition, self.vendor)}),
            );
        }
        let mut conditions = obj
            .remove("Condition")
            .and_then(|c| c.as_object().cloned())
            .unwrap_or_default();
        for block in conditions.values_mut() {
            if let Some(keys) = block.as_object_mut() {
                keys.retain(|k, _| {
                    let folded: String = k
                        .to_ascii_lowercase()
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect();
                    !folded.contains("externalid")
                });
            }
        }
        conditions.retain(|_, block| block.as_object().is_none_or(|k| !k.is_empty()));
        let equals = conditions.entry("StringEquals").or_insert_with(|| json!({}));
        if let Some(keys) = equals.as_object_mut() {
            keys.insert(EXTERNAL_ID.into(), json!(id));
        }
        obj.insert("Condition".into(), Value::Object(conditions));
        (json, applicability)
    }

    fn repair_fix(&self, s: &Statement) -> Fix {
        let (json, applicability) = self.repaired(s);
        Fix::replace_statement(self.facts, self.policy, None, s.index, json, applicability)
    }

    /// The finding for a statement that names the vendor but can never match: its
    /// condition `c` is on a key AWS never sets. The fix puts the key it misspells
    /// in its place (for the External ID: exactly `StringEquals sts:ExternalId` with
    /// the issued ID, as every External ID repair does).
    fn lockout(&self, meta: &'static crate::engine::RuleMeta, s: &Statement, c: &Condition) -> Check {
        let meant = meant_key(&c.key);
        let mend = match meant {
            Some(k) => format!("; the key is `{k}`"),
            None => String::new(),
        };
        let check = meta
            .fail(
                "trust policy",
                format!(
                    "{} names the vendor's account {} but can never match: `{}` checks {:?}, a key AWS never \
                     sets on sts:AssumeRole{mend}, so STS refuses every attempt with AccessDenied (a lockout, \
                     whatever External ID the vendor passes)",
                    self.cite(s),
                    self.vendor,
                    c.operator.raw,
                    c.key,
                ),
            )
            .in_file(self.policy.path.as_deref(), self.policy.location(s.offset));
        let external_id_like = is_wrong_external_id_key(c) || meant == Some(EXTERNAL_ID);
        match meant {
            _ if external_id_like => check.with_fix(self.repair_fix(s)),
            Some(k) => {
                let mut json = statement_json(self.policy, s.index);
                rename_key(&mut json, &c.key, k);
                // Which key was meant is a guess a person should confirm.
                check.with_fix(Fix::replace_statement(
                    self.facts,
                    self.policy,
                    None,
                    s.index,
                    json,
                    Applicability::Unsafe,
                ))
            }
            None => check,
        }
    }

    fn cite(&self, s: &Statement) -> String {
        format!(
            "{} of the {} (line {})",
            s.describe(),
            self.policy.name,
            self.policy.location(s.offset).line
        )
    }
}

/// Rename a condition key `from` to `to` in every operator block of a statement.
fn rename_key(statement: &mut Value, from: &str, to: &str) {
    let Some(blocks) = statement.get_mut("Condition").and_then(Value::as_object_mut) else {
        return;
    };
    for block in blocks.values_mut() {
        if let Some(keys) = block.as_object_mut()
            && let Some(v) = keys.remove(from)
        {
            keys.insert(to.to_string(), v);
        }
    }
}

declare_rule! {
    pub(crate) struct ExternalIdMissing {
        code: "TRUST001",
        name: "external-id-missing",
        severity: Error,
        summary: "The statement trusting the vendor has no sts:ExternalId condition",
        fixes: [Safe, Unsafe, DisplayOnly],
        tags: ["security"],
    }
}

impl Rule for ExternalIdMissing {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let t = trust(facts)?;
        let admits = admitting(&t);
        let Some((first, _)) = admits
            .iter()
            .find(|(_, c)| *c != Covers::Everyone)
            .or(admits.first())
        else {
            return Err(Skip::new(
                "trust policy",
                "the vendor is not trusted at all (TRUST003)",
            ));
        };
        if let Some((s, _)) = admits
            .iter()
            .find(|(s, _)| s.conditions.iter().any(|c| is_external_id(&c.key)))
        {
            return Ok(vec![meta.pass(
                "trust policy",
                format!("{} requires an sts:ExternalId", t.cite(s)),
            )]);
        }
        let wrong: Vec<String> = admits
            .iter()
            .flat_map(|(s, _)| s.conditions.iter().filter(|c| is_wrong_external_id_key(c)))
            .map(|c| format!("`{}`", c.key))
            .collect();
        let hint = if wrong.is_empty() {
            String::new()
        } else {
            format!(
                "; it checks {}, which AWS never sets: the key is `sts:ExternalId`",
                wrong.join(", ")
            )
        };
        Ok(vec![
            meta.fail(
                "trust policy",
                format!(
                    "{} lets the vendor's account {} assume the role without an sts:ExternalId condition{hint} \
                     (\"AWS Role must be configured to check for an External ID\")",
                    t.cite(first),
                    t.vendor
                ),
            )
            .with_fix(t.repair_fix(first))
            .in_file(t.policy.path.as_deref(), t.policy.location(first.offset)),
        ])
    }
}

/// Words for a value that should have been the issued ID.
fn describe_mismatch(found: &str, issued: &str, ignore_case: bool) -> String {
    let lower = found.to_ascii_lowercase();
    const PLACEHOLDERS: &[&str] = &[
        "we-will-add-this-later",
        "placeholder",
        "tbd",
        "todo",
        "changeme",
        "change-me",
        "replace",
        "external-id",
        "externalid",
        "external_id",
        "xxx",
        "example",
    ];
    if found.trim().is_empty() || found.contains('<') || PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return format!(
            "`{found}` is a placeholder: the role was created before the vendor issued its ID, and the \
             trust policy was never updated to `{issued}`"
        );
    }
    if found.trim() == issued {
        return format!("`{found}` has whitespace around the issued ID `{issued}`");
    }
    if !ignore_case && found.eq_ignore_ascii_case(issued) {
        return format!("`{found}` differs from `{issued}` only in case, and StringEquals is case-sensitive");
    }
    let f: Vec<char> = found.chars().collect();
    let i: Vec<char> = issued.chars().collect();
    if strsim::levenshtein(found, issued) == 1 {
        let at = f
            .iter()
            .zip(&i)
            .position(|(a, b)| a != b)
            .unwrap_or(f.len().min(i.len()));
        let detail = match f.len().cmp(&i.len()) {
            std::cmp::Ordering::Equal => format!("`{}` where the issued ID has `{}`", f[at], i[at]),
            std::cmp::Ordering::Greater => format!("an extra `{}`", f[at]),
            std::cmp::Ordering::Less => format!("`{}` is missing", i[at]),
        };
        return format!(
            "`{found}` differs from the issued `{issued}` in one character, at position {}: {detail}",
            at + 1
        );
    }
    format!("`{found}` is not the issued ID `{issued}`")
}

declare_rule! {
    pub(crate) struct ExternalIdMismatch {
        code: "TRUST002",
        name: "external-id-mismatch",
        severity: Error,
        summary: "The sts:ExternalId condition does not hold the vendor-issued ID",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for ExternalIdMismatch {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let t = trust(facts)?;
        let Some(issued) = t.external_id else {
            return Err(Skip::new(
                "trust policy",
                "needs auth.external_id (the External ID the vendor issued), which is not set",
            ));
        };
        let admits = admitting(&t);
        if admits.is_empty() {
            return Err(Skip::new(
                "trust policy",
                "the vendor is not trusted at all (TRUST003)",
            ));
        }
        let with_ids: Vec<&Statement> = admits
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| s.conditions.iter().any(|c| is_external_id(&c.key)))
            .collect();
        if with_ids.is_empty() {
            return Err(Skip::new(
                "trust policy",
                "no statement has an sts:ExternalId condition (TRUST001)",
            ));
        }
        let ctx = context(t.vendor, Some(issued));
        if let Some(s) = with_ids
            .iter()
            .find(|s| holds(t.policy, s, &ctx, true) == Tri::Yes)
        {
            return Ok(vec![meta.pass(
                "trust policy",
                format!("{} accepts the issued External ID", t.cite(s)),
            )]);
        }
        let s = with_ids[0];
        let mut reasons: Vec<String> = Vec::new();
        for c in s.conditions.iter().filter(|c| is_external_id(&c.key)) {
            let ignore_case = matches!(c.operator.kind, OpKind::StringEqualsIgnoreCase);
            for v in &c.values {
                let reason = describe_mismatch(v, issued, ignore_case);
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
        Ok(vec![
            meta.fail(
                "trust policy",
                format!(
                    "{} requires an External ID, but not the one the vendor issued: {}",
                    t.cite(s),
                    reasons.join("; ")
                ),
            )
            .with_fix(t.repair_fix(s))
            .in_file(t.policy.path.as_deref(), t.policy.location(s.offset)),
        ])
    }
}

declare_rule! {
    pub(crate) struct VendorNotTrusted {
        code: "TRUST003",
        name: "vendor-not-trusted",
        severity: Error,
        summary: "No Allow sts:AssumeRole for the vendor's account or principal that can match",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for VendorNotTrusted {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let t = trust(facts)?;
        if let Some((s, _)) = admitting(&t).first() {
            return Ok(vec![meta.pass(
                "trust policy",
                format!("{} trusts the vendor's account {}", t.cite(s), t.vendor),
            )]);
        }
        if let Some((s, c)) = naming(&t)
            .into_iter()
            .find_map(|(s, _)| locked(&t, s).map(|c| (s, c)))
        {
            return Ok(vec![t.lockout(meta, s, c)]);
        }
        let trusted: Vec<String> = t
            .policy
            .document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| s.principal.as_ref())
            .flat_map(|p| p.entries.iter().map(|(_, v)| v.clone()))
            .collect();
        let now = if trusted.is_empty() {
            String::new()
        } else {
            format!(" (it trusts {})", trusted.join(", "))
        };
        let (id, applicability) = t.id_or_placeholder();
        let statement = json!({
            "Sid": "TrustVendor",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{}:iam::{}:root", t.partition, t.vendor)},
            "Action": ASSUME_ROLE,
            "Condition": {"StringEquals": {EXTERNAL_ID: id}},
        });
        Ok(vec![
            meta.fail(
                "trust policy",
                format!(
                    "no statement of the {} allows sts:AssumeRole to the vendor's account {}{now}: \
                     STS denies every attempt with AccessDenied",
                    t.policy.name, t.vendor
                ),
            )
            .with_fix(Fix::add_statements(
                facts,
                Some(t.policy),
                None,
                vec![statement],
                applicability,
            )),
        ])
    }
}

/// Why a statement that admits the vendor is too broad, or `None`.
fn too_broad(t: &Trust, s: &Statement, covered: Covers, id_required_elsewhere: bool) -> Option<String> {
    let restricted_principal = s.conditions.iter().any(|c| {
        [
            "aws:PrincipalAccount",
            "aws:PrincipalOrgID",
            "aws:PrincipalArn",
            "aws:SourceAccount",
        ]
        .iter()
        .any(|k| c.key.eq_ignore_ascii_case(k))
    });
    if covered == Covers::Everyone && !restricted_principal {
        return Some(
            "trusts any AWS principal (`*`): every account in the world, not only the vendor, may try to \
             assume the role, and the External ID becomes its only defence"
                .into(),
        );
    }
    let ids: Vec<&Condition> = s.conditions.iter().filter(|c| is_external_id(&c.key)).collect();
    if let Some(c) = ids.iter().find(|c| c.operator.set != SetOp::None) {
        return Some(format!(
            "uses `{}` on sts:ExternalId, a single-valued key: set operators are for multivalued keys and \
             ForAllValues is true when the ID is missing",
            c.operator.raw
        ));
    }
    let without = holds(t.policy, s, &context(t.vendor, None), false);
    let other = holds(t.policy, s, &context(t.vendor, Some(OTHER_ID)), false);
    if without == Tri::No && other == Tri::No {
        return None;
    }
    // Say which construct opens the door.
    let how = if let Some(c) = ids.iter().find(|c| c.operator.if_exists) {
        format!("`{}` makes the External ID optional", c.operator.raw)
    } else if let Some(c) = ids.iter().find(|c| c.operator.kind == OpKind::Null) {
        format!(
            "`{}` only checks that some External ID is present, not which",
            c.operator.raw
        )
    } else if let Some(c) = ids.iter().find(|c| {
        matches!(c.operator.kind, OpKind::StringLike) && c.values.iter().any(|v| v.contains(['*', '?']))
    }) {
        format!("`{}` with a wildcard accepts any External ID", c.operator.raw)
    } else if ids.is_empty() && id_required_elsewhere {
        "admits the vendor without any External ID, next to a statement that requires one".to_string()
    } else if ids.is_empty() {
        return None; // no ID anywhere: TRUST001's finding
    } else {
        "accepts an External ID other than the issued one".to_string()
    };
    let unless = match (&without, &other) {
        (Tri::Maybe(c), _) | (_, Tri::Maybe(c)) => format!(" (if {})", c.join(" and ")),
        _ => String::new(),
    };
    Some(format!("{how}{unless}"))
}

declare_rule! {
    pub(crate) struct TrustTooBroad {
        code: "TRUST004",
        name: "trust-too-broad",
        severity: Warning,
        summary: "Any principal, or the external ID made optional: a confused deputy",
        fixes: [Safe, Unsafe, DisplayOnly],
        tags: ["security"],
    }
}

impl Rule for TrustTooBroad {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let t = trust(facts)?;
        let admits = admitting(&t);
        if admits.is_empty() {
            return Err(Skip::new(
                "trust policy",
                "the vendor is not trusted at all (TRUST003)",
            ));
        }
        let id_required = admits
            .iter()
            .any(|(s, _)| s.conditions.iter().any(|c| is_external_id(&c.key)));
        let mut checks = Vec::new();
        for (s, covered) in &admits {
            let Some(why) = too_broad(&t, s, *covered, id_required) else {
                continue;
            };
            // The vendor admitted with no External ID at all is an error, offline
            // as live (PROBE003): the vendor's own check assumes the role without
            // the ID and refuses a role that lets it in ("AWS Role must be
            // configured to check for an External ID"). Any principal, or an ID
            // checked loosely, is a warning: the connection works, unsafely.
            let without_id = holds(t.policy, s, &context(t.vendor, None), false) == Tri::Yes;
            let (severity, refused) = if without_id {
                (
                    Severity::Error,
                    ". The vendor's own check assumes the role without an External ID and refuses a role \
                     that lets it in, so the connection fails too",
                )
            } else {
                (Severity::Warning, "")
            };
            checks.push(
                meta.fail(
                    format!("trust policy {}", s.describe()),
                    format!(
                        "{} {why}. That is the confused deputy: another customer of the vendor could name this \
                         role and have the vendor read your data{refused}",
                        t.cite(s)
                    ),
                )
                .severity(severity)
                .with_fix(t.repair_fix(s))
            .in_file(t.policy.path.as_deref(), t.policy.location(s.offset)),
            );
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                "trust policy",
                "only the vendor's account is trusted, and only with the External ID",
            ));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct TrustPolicyInvalid {
        code: "TRUST005",
        name: "trust-policy-invalid",
        severity: Error,
        summary: "The trust policy does not parse or is not a valid policy",
    }
}

impl Rule for TrustPolicyInvalid {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        if facts.connection.auth.auth_type == Some(AuthType::AccessKey) {
            return Err(Skip::new(
                "trust policy",
                "not applicable: the connection uses an access key",
            ));
        }
        match facts.trust_policy.known() {
            Err(reason) => Ok(vec![meta.skip("trust policy", reason)]),
            Ok(TrustPolicy::Valid(p)) => {
                Ok(vec![meta.pass(
                    "trust policy",
                    format!("the {} is a valid policy", p.name),
                )])
            }
            Ok(TrustPolicy::Invalid {
                path,
                location,
                message,
            }) => {
                let at = location.map(|l| format!(":{l}")).unwrap_or_default();
                let position = location.unwrap_or(crate::location::Location { line: 1, column: 1 });
                Ok(vec![
                    meta.fail(
                        "trust policy",
                        format!("{path}{at}: {message}; the trust rules cannot judge it until it parses"),
                    )
                    .in_file(Some(path), position),
                ])
            }
        }
    }
}

declare_rule! {
    pub(crate) struct TrustDeniesVendor {
        code: "TRUST006",
        name: "trust-denies-vendor",
        severity: Error,
        summary: "An explicit Deny matches the vendor's AssumeRole",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl Rule for TrustDeniesVendor {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let t = trust(facts)?;
        let ctx = context(t.vendor, Some(t.external_id.unwrap_or(OTHER_ID)));
        let mut checks = Vec::new();
        // The callers an Allow lets in (all of them when none is: TRUST003).
        let mut callers = callers(&t);
        let allowed: Vec<Principal> = callers
            .iter()
            .filter(|c| {
                t.policy
                    .document
                    .statements
                    .iter()
                    .any(|s| allow_names(&t, s, c) != Tri::No)
            })
            .cloned()
            .collect();
        if !allowed.is_empty() {
            callers = allowed;
        }
        for s in &t.policy.document.statements {
            if s.effect != Effect::Deny {
                continue;
            }
            // The evaluator's judgment of the statement, for each caller the
            // vendor may be: denied as any of them is a finding.
            let verdict = callers.iter().fold(Tri::No, |acc, c| {
                acc.or(judge(&t, c, &ctx, |req| applies(t.policy, s, req)))
            });
            let (severity, when) = match verdict {
                Tri::No => continue,
                Tri::Yes => (Severity::Error, String::new()),
                Tri::Maybe(mut c) => {
                    c.dedup();
                    (Severity::Warning, format!(" if {}", c.join(" and ")))
                }
            };
            let mut narrowed = statement_json(t.policy, s.index);
            crate::fix::policy::add_condition(
                &mut narrowed,
                "StringNotEquals",
                "aws:PrincipalAccount",
                &[t.vendor],
            );
            checks.push(
                meta.fail(
                    format!("trust policy {}", s.describe()),
                    format!(
                        "{} denies the vendor's sts:AssumeRole{when}: an explicit Deny beats every Allow",
                        t.cite(s)
                    ),
                )
                .severity(severity)
                .in_file(t.policy.path.as_deref(), t.policy.location(s.offset))
                .with_fix(Fix::replace_statement(
                    facts,
                    t.policy,
                    None,
                    s.index,
                    narrowed,
                    Applicability::Unsafe,
                )),
            );
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                "trust policy",
                "no Deny statement matches the vendor's sts:AssumeRole",
            ));
        }
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Field;
    use crate::engine::{Check, Status};
    use crate::facts::Observed;

    const VENDOR_ROLE: &str = "arn:aws:iam::999988887777:role/omni";

    /// The trust rules on a role connection whose trust policy is `statements`.
    fn judged(statements: &str) -> Vec<Check> {
        judged_with(
            statements,
            crate::rules::unread::healthy().connection.auth.role_arn,
        )
    }

    fn judged_with(statements: &str, role_arn: Option<Field>) -> Vec<Check> {
        let mut facts = crate::rules::unread::healthy();
        facts.connection.auth.role_arn = role_arn;
        let field = |v: &str| {
            Some(Field {
                raw: v.into(),
                location: None,
            })
        };
        facts.connection.auth.external_id = field("omni-4f2a9c");
        facts.connection.auth.trusted_account_id = field("999988887777");
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#);
        let policy = Policy::from_text(
            "trust.json",
            Some("trust.json"),
            &text,
            crate::policy::PolicyKind::Trust,
        )
        .unwrap();
        facts.trust_policy = Observed::Known(TrustPolicy::Valid(Box::new(policy)));
        crate::engine::run(&crate::rules::REGISTRY, &facts)
            .into_iter()
            .filter(|c| c.code().starts_with("TRUST"))
            .collect()
    }

    fn status(checks: &[Check], code: &str) -> Status {
        checks.iter().find(|c| c.code() == code).unwrap().status
    }

    const TRUSTS_THE_ROLE: &str = r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:role/omni"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}"#;

    /// The vendor calls as a session of its role: a Deny whose NotPrincipal names
    /// only the role does not exempt it (IAM User Guide: "AWS JSON policy
    /// elements: NotPrincipal"), as the evaluator judges every resource policy.
    #[test]
    fn a_deny_whose_not_principal_names_only_the_vendor_role_denies_it() {
        let only_role = format!(
            r#"[{TRUSTS_THE_ROLE}, {{"Sid": "OnlyOmni", "Effect": "Deny", "NotPrincipal": {{"AWS": "{VENDOR_ROLE}"}},
                "Action": "sts:AssumeRole"}}]"#
        );
        let checks = judged(&only_role);
        let deny = checks.iter().find(|c| c.code() == "TRUST006").unwrap();
        assert_eq!(deny.status, Status::Fail, "{deny:#?}");
        assert!(deny.message.contains("Sid OnlyOmni"), "{}", deny.message);
        assert_eq!(status(&checks, "TRUST003"), Status::Pass);
        // Naming the role's sessions too exempts them.
        let with_sessions = format!(
            r#"[{TRUSTS_THE_ROLE}, {{"Sid": "OnlyOmni", "Effect": "Deny", "NotPrincipal": {{"AWS": ["{VENDOR_ROLE}",
                "arn:aws:sts::999988887777:assumed-role/omni/omni-session"]}}, "Action": "sts:AssumeRole"}}]"#
        );
        let checks = judged(&with_sessions);
        let deny = checks.iter().find(|c| c.code() == "TRUST006").unwrap();
        // The vendor's session name is not known: denied unless it is that one.
        assert_eq!(
            (deny.status, deny.severity),
            (Status::Fail, Severity::Warning),
            "{deny:#?}"
        );
        assert!(
            deny.message.contains("assumed-role/omni/omni-session"),
            "{}",
            deny.message
        );
    }

    /// The vendor's account trusted by its root: admitted, even when the role's
    /// own ARN does not parse (ROLE001 says so; the trust is still judged).
    #[test]
    fn the_vendor_account_is_admitted_whatever_the_role_arn() {
        let root = r#"[{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}]"#;
        assert_eq!(status(&judged(root), "TRUST003"), Status::Pass);
        let mut facts_role = crate::rules::unread::healthy().connection.auth.role_arn;
        if let Some(f) = &mut facts_role {
            f.raw = "bi-athena".into();
        }
        let checks = judged_with(root, facts_role);
        assert_eq!(status(&checks, "TRUST003"), Status::Pass, "{checks:#?}");
        assert_eq!(status(&checks, "TRUST002"), Status::Pass, "{checks:#?}");
    }

    /// A Deny that exempts the vendor's role by aws:PrincipalArn spares it; the
    /// same Deny catches any other principal of the vendor's account.
    #[test]
    fn a_deny_excepting_the_vendor_role_by_principal_arn_spares_it() {
        let except = format!(
            r#"[{TRUSTS_THE_ROLE}, {{"Effect": "Deny", "Principal": {{"AWS": "999988887777"}}, "Action": "sts:AssumeRole",
                "Condition": {{"ArnNotEquals": {{"aws:PrincipalArn": "{VENDOR_ROLE}"}}}}}}]"#
        );
        let checks = judged(&except);
        let deny = checks.iter().find(|c| c.code() == "TRUST006").unwrap();
        // The role the Allow lets in passes the condition: not denied.
        assert_eq!(deny.status, Status::Pass, "{deny:#?}");
        assert_eq!(status(&checks, "TRUST002"), Status::Pass);
    }

    #[test]
    fn mismatches_are_described() {
        let id = "omni-4f2a9c";
        assert!(describe_mismatch("we-will-add-this-later", id, false).contains("placeholder"));
        assert!(describe_mismatch("<EXTERNAL_ID>", id, false).contains("placeholder"));
        assert!(describe_mismatch("TBD", id, false).contains("placeholder"));
        assert!(describe_mismatch(" omni-4f2a9c", id, false).contains("whitespace"));
        assert!(describe_mismatch("OMNI-4F2A9C", id, false).contains("only in case"));
        assert_eq!(
            describe_mismatch("omni-4f2a9d", id, false),
            "`omni-4f2a9d` differs from the issued `omni-4f2a9c` in one character, at position 11: `d` where the issued ID has `c`"
        );
        assert!(describe_mismatch("omni-4f2a9", id, false).contains("`c` is missing"));
        assert!(describe_mismatch("something-else", id, false).contains("is not the issued ID"));
    }
}
