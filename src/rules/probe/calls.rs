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
