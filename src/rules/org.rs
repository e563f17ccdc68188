//! ORG: the organization's policies above the account (AWS Organizations User
//! Guide: "Service control policies (SCPs)", "Resource control policies
//! (RCPs)"). SCPs limit what the account's principals may do, RCPs what may be
//! done to the account's resources; neither grants anything, and neither applies
//! to the organization's management account (known when read live:
//! `facts.guardrails.organization`; from files, the rule documents say so). SCPs
//! never limit service-linked roles. Only the
//! organization's administrators change them, in the management account: the
//! fixes are the exception statements to hand them, display-only.

use super::guard::{self, Asked, Asker, Verdicts};
use crate::engine::{Check, Outcome, Rule, RuleMeta, Skip, declare_rule};
use crate::facts::Facts;
use crate::fix::Fix;
use crate::fix::policy::{add_condition, statement_json};
use crate::permissions;
use crate::policy::{Context, Policy};
use serde_json::json;

declare_rule! {
    /// ORG001: no SCP denies (or leaves unallowed) a request the BI tool makes.
    pub(crate) struct ScpDenies {
        code: "ORG001",
        name: "scp-denies",
        severity: Error,
        summary: "An organization's service control policy denies a request the BI tool needs (owner: the organization's administrators)",
        fixes: [DisplayOnly],
    }
}

declare_rule! {
    /// ORG002: no RCP denies a request on the connection's buckets.
    pub(crate) struct RcpDenies {
        code: "ORG002",
        name: "rcp-denies",
        severity: Error,
        summary: "A resource control policy denies a request the BI tool makes on a bucket or key",
        fixes: [DisplayOnly],
    }
}

pub(super) static RULES: &[&dyn Rule] = &[&ScpDenies, &RcpDenies];

/// Services whose resources RCPs govern (AWS Organizations User Guide: "Resource
/// control policies (RCPs)", "List of AWS services that support RCPs"); Athena
/// and Glue are not among them.
const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "ecr",
    "aoss",
    "cognito-identity",
    "logs",
    "dynamodb",
];

/// Which kind of organization policy a rule judges.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scp,
    Rcp,
}

impl Kind {
    fn short(self) -> &'static str {
        match self {
            Kind::Scp => "SCP",
            Kind::Rcp => "RCP",
        }
    }

    /// The type as AWS Organizations names it.
    fn policy_type(self) -> &'static str {
        match self {
            Kind::Scp => "SERVICE_CONTROL_POLICY",
            Kind::Rcp => "RESOURCE_CONTROL_POLICY",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Scp => "the SCPs",
            Kind::Rcp => "the RCPs",
        }
    }
}

/// Who changes an organization policy.
const OWNER: &str = "; only the organization's administrators can change it, in the management account";

impl Rule for ScpDenies {
    fn check(&self, facts: &Facts) -> Outcome {
        let levels = facts.guardrails.scps.require("organization")?;
        if let Some(pass) = none_apply(Self::META, facts, levels, Kind::Scp)? {
            return Ok(vec![pass]);
        }
        let asker = Asker::of(facts)?;
        // "SCPs do not affect service-linked roles" (AWS Organizations User Guide:
        // "Service control policies (SCPs)").
        if asker.principal.arn.contains(":role/aws-service-role/") {
            return Ok(vec![Self::META.pass(
                &asker.principal.arn,
                "a service-linked role: SCPs never limit it",
            )]);
        }
        check_org(Self::META, facts, &asker, levels, Kind::Scp)
    }
}

impl Rule for RcpDenies {
    fn check(&self, facts: &Facts) -> Outcome {
        let levels = facts.guardrails.rcps.require("organization")?;
        if let Some(pass) = none_apply(Self::META, facts, levels, Kind::Rcp)? {
            return Ok(vec![pass]);
        }
        let asker = Asker::of(facts)?;
        check_org(Self::META, facts, &asker, levels, Kind::Rcp)
    }
}

/// Read live, no policy of this kind applies to the account (the management
/// account, the kind not enabled, no organization): the pass that says why. An
/// empty list without that reason is nothing to judge.
fn none_apply(
    meta: &'static RuleMeta,
    facts: &Facts,
    levels: &[Vec<Policy>],
    kind: Kind,
) -> Result<Option<Check>, Skip> {
    if !levels.is_empty() {
        return Ok(None);
    }
    let organization = facts.guardrails.organization.as_ref();
    match organization.and_then(|o| o.exempt(kind.policy_type(), kind.short())) {
        Some(why) => Ok(Some(meta.pass("organization", why))),
        None => Err(Skip::new(
            "organization",
            format!("no level of {} was given", kind.plural()),
        )),
    }
}

/// The service of an ARN (`arn:aws:s3:::b` → `s3`).
fn service_of(resource: &str) -> &str {
    resource.split(':').nth(2).unwrap_or_default()
}

/// The organization an organization policy's ARN names
/// (`arn:aws:organizations::MGMT:policy/o-a1b2c3/service_control_policy/p-1` →
/// `o-a1b2c3`); AWS managed policies (FullAWSAccess) name none.
fn org_of(policy: &Policy) -> Option<&str> {
    let arn = policy.name_of("arn")?;
    arn.split_once(":policy/")?
        .1
        .split('/')
        .next()
        .filter(|o| o.starts_with("o-"))
}

/// The organization the given policies all belong to, if they say one.
fn organization(facts: &Facts) -> Option<String> {
    // Read live, the organization said its ID.
    if let Some(id) = facts.guardrails.organization.as_ref().and_then(|o| o.id.clone()) {
        return Some(id);
    }
    let levels = [&facts.guardrails.scps, &facts.guardrails.rcps];
    let mut orgs: Vec<&str> = levels
        .iter()
        .filter_map(|o| o.known().ok())
        .flatten()
        .flatten()
        .filter_map(org_of)
        .collect();
    orgs.sort_unstable();
    orgs.dedup();
    match orgs.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// The request context a guard sees: the request's own (DESIGN §6), the
/// principal not being a service, and, when the organization policies name their
/// organization, the principal's and resource's organization: the policies apply
/// to the connection's account, so it is a member (its principal and resources
/// too). Otherwise `aws:PrincipalOrgID` stays unknown.
fn context(asker: &Asker, need: &permissions::Need, org: Option<&str>) -> Context {
    let mut ctx = permissions::context(&asker.target, Some(&asker.principal), need.via_athena);
    ctx.set("aws:PrincipalIsAWSService", &["false"]);
    let same_account = !asker.principal.account.is_empty()
        && asker.target.account.as_deref() == Some(&asker.principal.account);
    if let (Some(org), true) = (org, same_account) {
        ctx.set("aws:PrincipalOrgID", &[org])
            .set("aws:ResourceOrgID", &[org]);
    }
    ctx
}

fn check_org(
    meta: &'static RuleMeta,
    facts: &Facts,
    asker: &Asker,
    given: &[Vec<Policy>],
    kind: Kind,
) -> Outcome {
    let needs = asker.needs(facts)?;
    let levels: Vec<Vec<&Policy>> = given.iter().map(|l| l.iter().collect()).collect();
    let org = organization(facts);
    let keep = |_: &str, need: &permissions::Need| {
        kind == Kind::Scp || RCP_SERVICES.contains(&service_of(&need.resource))
    };
    if !needs.iter().any(|n| keep("", n)) {
        return Ok(vec![meta.pass(
            "organization",
            "no request of the connection is to a service RCPs govern (Athena and Glue are not among them)",
        )]);
    }
    // A level of Denies alone sits beside the FullAWSAccess policy AWS attaches
    // to every root, OU and account by default: whether it is still there (or
    // another policy allows) is unknown.
    let assumed = |level: usize| {
        let name = levels[level].first().map_or("", |p| p.name.as_str());
        let default = match kind {
            Kind::Scp => "FullAWSAccess",
            Kind::Rcp => "RCPFullAWSAccess",
        };
        Some(format!(
            "an {} attached beside {name} at its level ({default}, by default) allows it",
            kind.short()
        ))
    };
    let v = guard::judge(
        &needs,
        keep,
        &asker.principal,
        &levels,
        |need| context(asker, need, org.as_deref()),
        assumed,
    );
    Ok(findings(meta, asker, &levels, &v, kind))
}

fn findings(
    meta: &'static RuleMeta,
    asker: &Asker,
    levels: &[Vec<&Policy>],
    v: &Verdicts,
    kind: Kind,
) -> Vec<Check> {
    let mut checks = Vec::new();
    for (by, asked) in &v.denied {
        let fix = levels
            .iter()
            .flatten()
            .find(|p| p.name == by.policy)
            .map(|p| exception(p, by.index, asker, kind));
        checks.push(guard::denied_check(meta, by, asked, OWNER, fix));
    }
    for (level, asked) in &v.not_allowed {
        checks.push(not_allowed(meta, &levels[*level], asked, kind));
    }
    checks.extend(guard::unknown_check(meta, v, kind.plural()));
    if checks.is_empty() {
        let by = v
            .allowed
            .first()
            .map(|r| format!(" (e.g. by {})", r.cite()))
            .unwrap_or_default();
        checks.push(meta.pass(
            "organization",
            format!(
                "{} given ({} level{}) allow every request of the connection ({} judged){by}",
                kind.plural(),
                levels.len(),
                if levels.len() == 1 { "" } else { "s" },
                v.judged
            ),
        ));
    }
    checks
}

/// The Deny, with the connection's principal excepted (`aws:PrincipalArn`): the
/// statement to hand the organization's administrators.
fn exception(policy: &Policy, index: usize, asker: &Asker, kind: Kind) -> Fix {
    let mut statement = statement_json(policy, index);
    add_condition(
        &mut statement,
        "ArnNotEquals",
        "aws:PrincipalArn",
        &[asker.exempt_arn()],
    );
    Fix::statements_for(
        &format!(
            "{} (the organization's administrators change it in the management account; {} statement {})",
            policy.name,
            kind.short(),
            index + 1
        ),
        vec![statement],
    )
}

/// A level whose policies allow none of these requests: every level must.
fn not_allowed(meta: &'static RuleMeta, level: &[&Policy], asked: &[Asked], kind: Kind) -> Check {
    let (actions, resources) = guard::actions_and_resources(asked);
    let names: Vec<&str> = level.iter().map(|p| p.name.as_str()).collect();
    let sid = asked.first().map_or("AthenaConnection", |(_, n)| n.sid.as_str());
    let statement = match kind {
        Kind::Scp => json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}),
        Kind::Rcp => {
            json!({"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": actions, "Resource": resources})
        }
    };
    let fix = Fix::statements_for(
        &format!(
            "{} (the organization's administrators change it in the management account)",
            names.join(", ")
        ),
        vec![statement],
    );
    let first = level.first();
    meta.fail(
        resources.join(", "),
        format!(
            "{} on {}: no statement of {} allows {}: at every level of the organization an {} must allow \
             each request{OWNER}",
            actions.join(", "),
            resources.join(", "),
            names.join(", "),
            if actions.len() == 1 { "it" } else { "them" },
            kind.short()
        ),
    )
    .in_file(
        first.and_then(|p| p.path.as_deref()),
        crate::location::Location { line: 1, column: 1 },
    )
    .with_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::facts::Observed;
    use crate::policy::PolicyKind;

    fn scp(text: &str) -> Policy {
        Policy::from_text("SCP (scp.json)", Some("scp.json"), text, PolicyKind::Identity).unwrap()
    }

    fn rcp(text: &str) -> Policy {
        Policy::from_text("RCP (rcp.json)", Some("rcp.json"), text, PolicyKind::Resource).unwrap()
    }

    fn run(rule: &dyn Rule, facts: &Facts) -> Vec<Check> {
        rule.check(facts).unwrap()
    }

    const DENY_GLUE: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Sid":"NoGlue","Effect":"Deny","Action":"glue:*","Resource":"*"}]}"#;

    #[test]
    fn an_scp_denying_glue_is_named_with_its_statement() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.scps = Observed::Known(vec![vec![scp(DENY_GLUE)]]);
        let checks = run(&ScpDenies, &facts);
        let fail = checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .expect("a finding");
        assert!(fail.message.contains("glue:GetDatabase"), "{}", fail.message);
        assert!(
            fail.message
                .contains("statement 2 (Sid NoGlue) of SCP (scp.json)"),
            "{}",
            fail.message
        );
        assert!(
            fail.message.contains("organization's administrators"),
            "{}",
            fail.message
        );
        let fix = fail.fix.as_ref().expect("the exception statement");
        assert_eq!(fix.applicability, crate::fix::Applicability::DisplayOnly);
        let shown = fix.payload().to_string();
        assert!(shown.contains("aws:PrincipalArn"), "{shown}");
        assert!(checks.iter().all(|c| c.status != Status::Pass));
    }

    #[test]
    fn an_allow_everything_scp_passes_and_a_missing_one_skips() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails = Default::default();
        assert!(ScpDenies.check(&facts).is_err(), "no SCP given: a skip");
        facts.guardrails.scps = Observed::Known(vec![vec![scp(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )]]);
        let checks = run(&ScpDenies, &facts);
        assert!(checks.iter().all(|c| c.status == Status::Pass), "{checks:?}");
    }

    #[test]
    fn every_level_must_allow() {
        let mut facts = crate::rules::unread::healthy();
        let all =
            scp(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#);
        let only_s3 = scp(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        );
        facts.guardrails.scps = Observed::Known(vec![vec![all], vec![only_s3]]);
        let checks = run(&ScpDenies, &facts);
        let fail = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(
            fail.message.contains("athena:StartQueryExecution"),
            "{}",
            fail.message
        );
        assert!(fail.message.contains("at every level"), "{}", fail.message);
        assert!(!fail.message.contains("s3:GetObject"), "{}", fail.message);
    }

    #[test]
    fn a_deny_only_level_is_unknown_not_denied() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.scps = Observed::Known(vec![vec![scp(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}"#,
        )]]);
        let checks = run(&ScpDenies, &facts);
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert_eq!(checks[0].severity, crate::engine::Severity::Warning);
        assert!(
            checks[0].message.contains("FullAWSAccess"),
            "{}",
            checks[0].message
        );
    }

    #[test]
    fn service_linked_roles_are_never_limited() {
        let mut facts = crate::rules::unread::healthy();
        facts.connection.auth.role_arn = Some(crate::connection::Field {
            raw:
                "arn:aws:iam::111122223333:role/aws-service-role/athena.amazonaws.com/AWSServiceRoleForAthena"
                    .into(),
            location: None,
        });
        facts.guardrails.scps = Observed::Known(vec![vec![scp(DENY_GLUE)]]);
        let checks = run(&ScpDenies, &facts);
        assert_eq!(checks[0].status, Status::Pass, "{checks:?}");
    }

    fn read_live(id: Option<&str>, management: &str, enabled: &[&str]) -> crate::facts::Organization {
        crate::facts::Organization {
            account: "111122223333".into(),
            id: id.map(str::to_string),
            management_account: Some(management.into()).filter(|m: &String| !m.is_empty()),
            enabled: enabled.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// Read live: the management account, a kind not enabled, or no organization
    /// is a pass saying so; a list empty for no such reason is a skip.
    #[test]
    fn none_applies_to_the_management_account_or_when_not_enabled() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.scps = Observed::Known(Vec::new());
        facts.guardrails.rcps = Observed::Known(Vec::new());
        let cases = [
            (
                read_live(Some("o-a1b2c3d4e5"), "111122223333", &["SERVICE_CONTROL_POLICY"]),
                "account 111122223333 is the management account of o-a1b2c3d4e5: SCPs do not apply to it",
            ),
            (
                read_live(Some("o-a1b2c3d4e5"), "999999999999", &["RESOURCE_CONTROL_POLICY"]),
                "SCPs are not enabled in the root of o-a1b2c3d4e5: none applies to account 111122223333",
            ),
            (
                read_live(None, "", &[]),
                "account 111122223333 is in no organization: no SCP applies to it",
            ),
        ];
        for (organization, said) in cases {
            facts.guardrails.organization = Some(organization);
            let checks = run(&ScpDenies, &facts);
            assert_eq!(checks.len(), 1, "{checks:?}");
            assert_eq!(checks[0].status, Status::Pass);
            assert_eq!(checks[0].message, said);
        }
        facts.guardrails.organization = Some(read_live(
            Some("o-a1b2c3d4e5"),
            "999999999999",
            &["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"],
        ));
        assert!(ScpDenies.check(&facts).is_err(), "nothing to judge: a skip");
        assert!(RcpDenies.check(&facts).is_err(), "nothing to judge: a skip");
    }

    /// A refused read (a member account) is a skip naming the read and who may make it.
    #[test]
    fn a_refused_read_skips_naming_it() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.scps = Observed::Failed(crate::facts::Failure {
            kind: crate::facts::FailureKind::Denied,
            action: "organizations:ListRoots".into(),
            code: "AccessDeniedException".into(),
            message: "AccessDeniedException: You don't have permissions to access this resource.; only the \
                      organization's management account or a delegated administrator may read its policies"
                .into(),
        });
        let skip = ScpDenies.check(&facts).unwrap_err();
        assert!(
            skip.reason
                .contains("needs organizations:ListRoots, which was denied")
                && skip.reason.contains("delegated administrator"),
            "{}",
            skip.reason
        );
    }

    const OUTSIDE_ORG: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
         "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},
                      "BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;

    #[test]
    fn an_rcp_on_the_organization_is_unknown_until_the_organization_is() {
        let mut facts = crate::rules::unread::healthy();
        // Offline: only the policies' ARNs can name the organization.
        facts.guardrails = Default::default();
        facts.guardrails.rcps = Observed::Known(vec![vec![rcp(OUTSIDE_ORG)]]);
        let checks = run(&RcpDenies, &facts);
        // A deny-only level: whether it is allowed is unknown, and so is the org.
        let warning = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(
            warning.message.contains("aws:PrincipalOrgID"),
            "{}",
            warning.message
        );
        assert!(
            !warning.message.contains("athena:"),
            "RCPs do not govern Athena: {}",
            warning.message
        );
    }

    #[test]
    fn an_rcp_of_the_principals_own_organization_passes_and_another_denies() {
        let described = |org: &str| {
            let text = serde_json::json!({"Policy": {
                "PolicySummary": {"Id": "p-1", "Name": "DataPerimeter", "Type": "RESOURCE_CONTROL_POLICY",
                    "Arn": format!("arn:aws:organizations::999999999999:policy/{org}/resource_control_policy/p-1")},
                "Content": OUTSIDE_ORG.replace("\n", " ")
                    .replace(r#"{"Sid":"EnforceOrgIdentities""#,
                        r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"EnforceOrgIdentities""#)
            }})
            .to_string();
            let mut p = rcp(&text);
            p.name = "RCP DataPerimeter (p-1)".into();
            p
        };
        let mut facts = crate::rules::unread::healthy();
        // Offline: only the policies' ARNs can name the organization.
        facts.guardrails = Default::default();
        facts.guardrails.rcps = Observed::Known(vec![vec![described("o-a1b2c3d4e5")]]);
        let checks = run(&RcpDenies, &facts);
        assert!(checks.iter().all(|c| c.status == Status::Pass), "{checks:?}");
        facts.guardrails.rcps = Observed::Known(vec![vec![described("o-zzzzzzzzzz")]]);
        let checks = run(&RcpDenies, &facts);
        let fail = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(
            fail.message.contains("RCP DataPerimeter (p-1)"),
            "{}",
            fail.message
        );
        assert!(fail.message.contains("s3:GetObject"), "{}", fail.message);
    }

    /// The KMS keys live inspection found are requests too: an RCP on KMS
    /// (RCPs govern it) refuses them, naming each key.
    #[test]
    fn an_rcp_denying_kms_names_the_keys() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.rcps = Observed::Known(vec![vec![rcp(r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
                {"Sid":"NoKeys","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#)]]);
        let checks = run(&RcpDenies, &facts);
        let fail = checks.iter().find(|c| c.status == Status::Fail).expect("ORG002");
        assert!(
            fail.subject.contains(crate::rules::unread::RESULTS_KEY),
            "{}",
            fail.subject
        );
        assert!(fail.message.contains("kms:Decrypt"), "{}", fail.message);
        assert!(!fail.message.contains("s3:"), "{}", fail.message);
    }

    #[test]
    fn organizations_come_from_policy_arns() {
        let mut p = scp(DENY_GLUE);
        p.names = vec![(
            "arn",
            "arn:aws:organizations::1:policy/o-abc/service_control_policy/p-1".into(),
        )];
        assert_eq!(org_of(&p), Some("o-abc"));
        p.names = vec![(
            "arn",
            "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess".into(),
        )];
        assert_eq!(org_of(&p), None);
    }
}
