//! PROBE005: the calls made as the connection (S3, Glue, Athena…): each refusal
//! decoded into principal, action, resource and reason, with the Allow to add or
//! the Deny to narrow. A refusal by a layer above the account's own policies
//! names the rule that judges that layer (ORG001 the SCPs, ORG002 the RCPs,
//! NET004 the VPC endpoint's policy) or the session policy, with the denying
//! policy's ARN when AWS gave it.

use super::{causes_among, denial_check, probes};
use crate::aws::denial::{Denial, PolicyType, Reason};
use crate::engine::{Check, Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed};
use crate::rules::athena::{
    AthenaAccess, GlueAccess, LakeFormationAccess, LakeFormationFiltered, LambdaCatalogInvoke,
    WorkgroupUnusable,
};
use crate::rules::catalog::{CrossAccountCatalog, PolicyResourceCase};
use crate::rules::endpoint::EndpointPolicyDenies;
use crate::rules::org::{RcpDenies, ScpDenies};
use crate::rules::s3::{
    BucketLocationConditioned, BucketPolicyDenies, DataBucketAccess, KmsAccessMissing, OutputBucketAccess,
};

declare_rule! {
    pub(crate) struct AccessDenied {
        code: "PROBE005",
        name: "access-denied",
        severity: Error,
        summary: "An AccessDenied message decoded into principal, action, resource and reason",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            AthenaAccess,
            WorkgroupUnusable,
            GlueAccess,
            CrossAccountCatalog,
            PolicyResourceCase,
            OutputBucketAccess,
            DataBucketAccess,
            BucketPolicyDenies,
            BucketLocationConditioned,
            KmsAccessMissing,
            LakeFormationAccess,
            LakeFormationFiltered,
            LambdaCatalogInvoke,
            ScpDenies,
            RcpDenies,
            EndpointPolicyDenies,
        ],
    }
}

impl Rule for AccessDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let p = probes(facts)?;
        if p.calls.is_empty() {
            // Only an answer from AWS is a refusal: a call that timed out or
            // never reached AWS says nothing about the credentials.
            let refused =
                |f: &crate::facts::Failure| matches!(f.kind, FailureKind::Denied | FailureKind::Other);
            let why = match (&p.credentials, &p.assume_with_id) {
                (Observed::Failed(f), _) if refused(f) => {
                    "the connection's credentials were rejected (PROBE001)".to_string()
                }
                (Observed::Failed(f), _) => format!("the connection's credentials could not be tried: {f}"),
                (_, Observed::Failed(f)) if refused(f) => {
                    "the role could not be assumed (PROBE002)".to_string()
                }
                (_, Observed::Failed(f)) => format!("AssumeRole did not answer: {f}"),
                _ => "the connection's credentials were not obtained".to_string(),
            };
            return Err(Skip::new(
                "connection",
                format!("no call was made as the connection: {why}"),
            ));
        }
        // Whose credentials the calls were made with: the key's identity, or the
        // assumed role's session.
        let who = p
            .credentials
            .known()
            .or_else(|_| p.assume_with_id.known())
            .map(|arn| format!(" (as {arn})"))
            .unwrap_or_default();
        Ok(p.calls
            .iter()
            .map(|call| {
                let subject = format!("{} on {}", call.action, call.resource);
                match &call.outcome {
                    Observed::Known(what) => meta.pass(
                        &subject,
                        format!("the connection may call {}{who}: {what}", call.action),
                    ),
                    Observed::Failed(f) if f.kind == FailureKind::Denied => explained(
                        &f.message,
                        match Denial::parse(&f.message) {
                            Some(denial) => {
                                let mut check = denial_check(meta, facts, &subject, "", &denial);
                                if let Some(layer) = guardrail(facts, &denial) {
                                    check.message = format!("{}; {layer}", check.message);
                                }
                                check
                            }
                            // S3 answers HEAD with a bare 403: the action and resource are ours.
                            None => {
                                let denial = Denial {
                                    principal: None,
                                    action: call.action.clone(),
                                    resource: Some(call.resource.clone()),
                                    reason: Reason::Unstated,
                                };
                                denial_check(
                                    meta,
                                    facts,
                                    &subject,
                                    &format!("refused without a reason ({}); ", f.message),
                                    &denial,
                                )
                            }
                        },
                    ),
                    other => meta.skip(&subject, other.known().err().unwrap_or_default()),
                }
            })
            .collect())
    }
}

/// The layer above the account's own policies that AWS says refused the call
/// (IAM User Guide, "Troubleshoot access denied error messages": "with an
/// explicit deny in a <type> policy", "because no <type> policy allows the
/// <action> action"; since 2025 with the denying policy's ARN in the same
/// account or organization), named with the rule that judges it and what that
/// rule needs. `None` for the account's own policies (the finding's advice and
/// fix speak for them).
fn guardrail(facts: &Facts, denial: &Denial) -> Option<String> {
    let (kind, arn) = match &denial.reason {
        Reason::NoAllow(kind) => (*kind, None),
        Reason::ExplicitDeny(kind, arn) => (*kind, arn.as_deref()),
        Reason::Unstated => return None,
    };
    let g = &facts.guardrails;
    // An organization policy's ARN ends with its id (`…/service_control_policy/p-…`).
    let describe = |arn: &str| {
        let id = arn.rsplit('/').next().unwrap_or(arn);
        format!(
            "the denying policy is {arn} ({} shows it)",
            crate::shell::join(["aws", "organizations", "describe-policy", "--policy-id", id])
        )
    };
    let org = |code: &str, what: &str, flag: &str, known: bool| {
        let judged = if known {
            format!(
                "{code} judges the {what} the doctor read against each request (its finding names the statement)"
            )
        } else {
            format!(
                "{code} judges the {what} when they are known: pass {flag} FILE (the JSON `aws organizations \
                 describe-policy` prints), or run live with organizations:ListPoliciesForTarget and DescribePolicy"
            )
        };
        match arn {
            Some(a) => format!("{judged}; {}", describe(a)),
            None => judged,
        }
    };
    Some(match kind {
        PolicyType::ServiceControl => org(
            "ORG001",
            "organization's service control policies",
            "--scp",
            g.scps.known().is_ok(),
        ),
        PolicyType::ResourceControl => org(
            "ORG002",
            "organization's resource control policies",
            "--rcp",
            g.rcps.known().is_ok(),
        ),
        PolicyType::VpcEndpoint => {
            let service = denial.action.split(':').next().unwrap_or_default();
            match g.endpoints.known().ok().and_then(|e| e.get(service)) {
                Some(p) => format!(
                    "NET004 judges the {service} VPC endpoint's policy ({}) against each request",
                    p.name
                ),
                None => format!(
                    "NET004 judges the policy of the VPC endpoint the request went through when it is given: \
                     pass --endpoint-policy {service}=FILE ({} shows it)",
                    crate::shell::join([
                        "aws",
                        "ec2",
                        "describe-vpc-endpoints",
                        "--query",
                        "VpcEndpoints[].[VpcEndpointId,ServiceName,PolicyDocument]"
                    ])
                ),
            }
        }
        PolicyType::Session => {
            let which = match arn {
                Some(a) => {
                    format!("the managed policy {a}, passed as a session policy (PolicyArns on AssumeRole)")
                }
                None => "the session policy passed on AssumeRole".to_string(),
            };
            match &g.session {
                Some(p) => format!(
                    "{which} caps the session: the session policy given ({}) is judged by ATHENA001, ATHENA002, \
                     S3002 and S3003, whose findings name its statement",
                    p.name
                ),
                None => format!(
                    "{which} caps the session, whatever the role's policies allow: pass the policy the BI tool \
                     sends as --session-policy FILE, and ATHENA001, ATHENA002, S3002 and S3003 judge it"
                ),
            }
        }
        PolicyType::Identity | PolicyType::Resource | PolicyType::Boundary => return None,
    })
}

/// A denial's finding, explainable by the static rules `rules/errors.toml` names
/// for its message: when one of them fails too, it says why, with its fix.
fn explained(message: &str, check: Check) -> Check {
    match causes_among(message, AccessDenied::META.explained_by) {
        Some((_, by)) if !by.is_empty() => {
            let said = check.message.clone();
            check.explainable(&by, said)
        }
        _ => check,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ALL_S3_READ, DENIED, denied, facts, one, probes};
    use super::*;
    use crate::engine::{Rule, Status};
    use crate::facts::{Failure, FailureKind, Observed, ProbeCall, ProbeFacts};
    use crate::rules::athena::{AthenaAccess, GlueAccess};

    #[test]
    fn denials_become_allows_and_denies_are_named() {
        let deny = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: \
                    glue:GetDatabases on resource: arn:aws:glue:us-east-1:111122223333:catalog with an explicit \
                    deny in an identity-based policy: arn:aws:iam::111122223333:policy/NoGlue";
        let calls = ProbeFacts {
            calls: vec![
                ProbeCall {
                    action: "glue:GetDatabases".into(),
                    resource: "arn:aws:glue:us-east-1:111122223333:catalog".into(),
                    outcome: Observed::Failed(denied("glue:GetDatabases", "AccessDeniedException", deny)),
                },
                ProbeCall {
                    action: "s3:ListBucket".into(),
                    resource: "arn:aws:s3:::acme-athena-results".into(),
                    outcome: Observed::Failed(denied(
                        "s3:ListBucket",
                        "",
                        "Forbidden (HTTP 403, no reason given)",
                    )),
                },
                ProbeCall {
                    action: "athena:GetWorkGroup".into(),
                    resource: "arn:aws:athena:us-east-1:111122223333:workgroup/primary".into(),
                    outcome: Observed::Known("allowed".into()),
                },
            ],
            ..probes()
        };
        let checks = AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap();
        let [glue, head, workgroup] = checks.as_slice() else {
            panic!("{checks:#?}")
        };
        assert_eq!(glue.status, Status::Fail);
        assert!(glue.message.contains("narrow that Deny") && glue.message.contains("policy/NoGlue"));
        assert!(glue.fix.is_none(), "adding an Allow never beats a Deny");
        assert_eq!(head.status, Status::Fail);
        let statement = &head.fix.as_ref().expect("an Allow").to_json()["statements"][0];
        assert_eq!(statement["Action"], "s3:ListBucket");
        assert_eq!(statement["Resource"], "arn:aws:s3:::acme-athena-results");
        assert_eq!(workgroup.status, Status::Pass);
    }

    /// A refusal cites the static finding `rules/errors.toml` names for its
    /// message, with that finding's fix; a rule the table does not name for it
    /// is not cited.
    #[test]
    fn a_refusal_is_explained_by_the_rule_the_table_names() {
        let refused = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: \
                       athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary \
                       because no identity-based policy allows the athena:GetWorkGroup action";
        let calls = ProbeFacts {
            calls: vec![ProbeCall {
                action: "athena:GetWorkGroup".into(),
                resource: "arn:aws:athena:us-east-1:111122223333:workgroup/primary".into(),
                outcome: Observed::Failed(denied("athena:GetWorkGroup", "AccessDeniedException", refused)),
            }],
            ..probes()
        };
        let mut checks = AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap();
        checks.push(AthenaAccess::META.fail(
            "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
            "no Allow",
        ));
        checks.push(GlueAccess::META.fail("catalog", "unrelated"));
        let linked = crate::engine::link(checks);
        assert!(
            linked[0]
                .message
                .contains("ATHENA001 athena-access-missing: no Allow"),
            "{}",
            linked[0].message
        );
        assert!(!linked[0].message.contains("ATHENA002"), "{}", linked[0].message);
    }

    /// AWS's wordings for a refusal by a layer above the account's own
    /// policies (IAM User Guide, "Troubleshoot access denied error messages",
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html:
    /// "with an explicit deny in a <type> policy", "because no <type> policy
    /// allows the <action> action"; the denying policy's ARN after a colon, AWS
    /// Security Blog, "Enhanced access denied error messages with policy ARNs"):
    /// PROBE005 names the rule that judges the layer, what it needs, and the
    /// ARN when given; the account's own policies name none.
    #[test]
    fn refusals_from_above_name_the_guardrail_rules() {
        const WHO: &str =
            "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: ";
        let cases: &[(&str, &str, &str, &[&str])] = &[
            (
                "glue:GetDatabases",
                "arn:aws:glue:us-east-1:111122223333:catalog",
                "with an explicit deny in a service control policy: \
                 arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/service_control_policy/p-a1b2c3d4",
                &[
                    "ORG001 judges",
                    "--scp FILE",
                    "the denying policy is arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/service_control_policy/p-a1b2c3d4",
                    "aws organizations describe-policy --policy-id p-a1b2c3d4",
                ],
            ),
            (
                "athena:GetWorkGroup",
                "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
                "because no service control policy allows the athena:GetWorkGroup action",
                &["ORG001 judges", "--scp FILE"],
            ),
            (
                "s3:GetObject",
                "arn:aws:s3:::acme-data/x",
                "with an explicit deny in a resource control policy",
                &["ORG002 judges", "--rcp FILE"],
            ),
            (
                "s3:PutObject",
                "arn:aws:s3:::acme-athena-results/omni/x",
                "because no VPC endpoint policy allows the s3:PutObject action",
                &[
                    "NET004 judges",
                    "--endpoint-policy s3=FILE",
                    "aws ec2 describe-vpc-endpoints",
                ],
            ),
            (
                "athena:StartQueryExecution",
                "arn:aws:athena:us-east-1:111122223333:workgroup/primary",
                "with an explicit deny in a VPC endpoint policy",
                &["NET004 judges", "--endpoint-policy athena=FILE"],
            ),
            (
                "glue:GetTables",
                "arn:aws:glue:us-east-1:111122223333:database/sales",
                "with an explicit deny in a session policy",
                &[
                    "the session policy passed on AssumeRole",
                    "--session-policy FILE",
                    "ATHENA002",
                ],
            ),
            (
                "glue:GetTables",
                "arn:aws:glue:us-east-1:111122223333:database/sales",
                "with an explicit deny in a session policy: arn:aws:iam::111122223333:policy/BiSession",
                &[
                    "the managed policy arn:aws:iam::111122223333:policy/BiSession, passed as a session policy",
                ],
            ),
            (
                "glue:GetTables",
                "arn:aws:glue:us-east-1:111122223333:database/sales",
                "because no session policy allows the glue:GetTables action",
                &["the session policy passed on AssumeRole", "--session-policy FILE"],
            ),
        ];
        for (action, resource, reason, says) in cases {
            let message = format!("{WHO}{action} on resource: {resource} {reason}");
            let calls = ProbeFacts {
                calls: vec![ProbeCall {
                    action: action.to_string(),
                    resource: resource.to_string(),
                    outcome: Observed::Failed(denied(action, "AccessDeniedException", &message)),
                }],
                ..probes()
            };
            let checks = AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap();
            let said = &checks[0].message;
            assert_eq!(checks[0].status, Status::Fail);
            for s in *says {
                assert!(said.contains(s), "{reason}: no {s:?} in {said}");
            }
        }
        // The account's own policies: the advice and fix speak; no layer named.
        for reason in [
            "because no identity-based policy allows the glue:GetTables action",
            "with an explicit deny in a permissions boundary",
        ] {
            let message = format!(
                "{WHO}glue:GetTables on resource: arn:aws:glue:us-east-1:111122223333:catalog {reason}"
            );
            let calls = ProbeFacts {
                calls: vec![ProbeCall {
                    action: "glue:GetTables".into(),
                    resource: "arn:aws:glue:us-east-1:111122223333:catalog".into(),
                    outcome: Observed::Failed(denied("glue:GetTables", "AccessDeniedException", &message)),
                }],
                ..probes()
            };
            let said = &AccessDenied.check(&facts(None, ALL_S3_READ, calls)).unwrap()[0].message;
            for code in ["ORG001", "ORG002", "NET004", "--session-policy"] {
                assert!(!said.contains(code), "{reason}: {said}");
            }
        }
    }

    /// With the organization's SCPs known, the refusal says ORG001 judged them,
    /// and cites ORG001's finding (the statement that denies), as the table
    /// names it for the message.
    #[test]
    fn an_scp_refusal_cites_org001s_finding() {
        let refused = "User: arn:aws:sts::111122223333:assumed-role/bi-athena/p is not authorized to perform: \
                       glue:GetDatabases on resource: arn:aws:glue:us-east-1:111122223333:catalog with an \
                       explicit deny in a service control policy";
        let calls = ProbeFacts {
            calls: vec![ProbeCall {
                action: "glue:GetDatabases".into(),
                resource: "arn:aws:glue:us-east-1:111122223333:catalog".into(),
                outcome: Observed::Failed(denied("glue:GetDatabases", "AccessDeniedException", refused)),
            }],
            ..probes()
        };
        let mut f = facts(None, ALL_S3_READ, calls);
        f.guardrails.scps = Observed::Known(vec![]);
        let mut checks = AccessDenied.check(&f).unwrap();
        assert!(
            checks[0]
                .message
                .contains("ORG001 judges the organization's service control policies the doctor read"),
            "{}",
            checks[0].message
        );
        checks.push(
            crate::rules::org::ScpDenies::META
                .fail("glue:GetDatabases", "statement DenyGlue of p-1 denies it"),
        );
        let linked = crate::engine::link(checks);
        assert!(
            linked[0]
                .message
                .contains("ORG001 scp-denies: statement DenyGlue"),
            "{}",
            linked[0].message
        );
    }

    /// A call that timed out is not a refusal: PROBE005 says the credentials or
    /// the role could not be tried, not that they were rejected.
    #[test]
    fn a_timeout_is_not_a_rejection() {
        let timed_out = |action: &str| Failure {
            kind: FailureKind::Timeout,
            action: action.into(),
            code: String::new(),
            message: "the call timed out".into(),
        };
        let cases = [
            (
                ProbeFacts {
                    assume_with_id: Observed::Failed(timed_out("sts:AssumeRole")),
                    ..probes()
                },
                "AssumeRole did not answer",
            ),
            (
                ProbeFacts {
                    assume_with_id: Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)),
                    ..probes()
                },
                "the role could not be assumed",
            ),
        ];
        for (probes, says) in cases {
            let check = one(&AccessDenied, &facts(None, ALL_S3_READ, probes));
            assert_eq!(check.status, Status::Skip);
            assert!(check.message.contains(says), "{}", check.message);
        }
    }
}
