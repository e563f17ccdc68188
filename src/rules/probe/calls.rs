//! PROBE005: the calls made as the connection (S3, Glue, Athena…): each refusal
//! decoded into principal, action, resource and reason, with the Allow to add or
//! the Deny to narrow.

use super::{causes_among, denial_check, probes};
use crate::aws::denial::{Denial, Reason};
use crate::engine::{Check, Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed};
use crate::rules::athena::{
    AthenaAccess, GlueAccess, LakeFormationAccess, LakeFormationFiltered, LambdaCatalogInvoke,
    WorkgroupUnusable,
};
use crate::rules::catalog::{CrossAccountCatalog, PolicyResourceCase};
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
                            Some(denial) => denial_check(meta, facts, &subject, "", &denial),
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
