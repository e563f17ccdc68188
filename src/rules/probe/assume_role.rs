//! PROBE002 and PROBE003: the vendor's `sts:AssumeRole` into the customer's role,
//! with the external ID (refused: why, from the trust policy) and without it
//! (admitted: a security finding).

use super::{only_for, probes};
use crate::aws::arn::Arn;
use crate::aws::denial::{Denial, role_of_session};
use crate::connection::{AuthType, FieldId};
use crate::engine::{Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed};
use crate::fix::Fix;
use crate::rules::role::RoleNotFound;
use crate::rules::trust::{
    ExternalIdMismatch, ExternalIdMissing, TrustDeniesVendor, TrustPolicyInvalid, TrustTooBroad,
    VendorNotTrusted,
};
use serde_json::json;

/// Is the caller `caller` the principal a trust policy names as `admitted`? A
/// session of a role is that role (whose ARN in the policy may carry a path).
pub(super) fn same_principal(admitted: &str, caller: &str) -> bool {
    if admitted == caller {
        return true;
    }
    let Some(role) = role_of_session(caller) else {
        return false;
    };
    let (head, name) = role.split_once(":role/").unwrap_or((&role, ""));
    admitted.starts_with(head) && admitted.rsplit('/').next() == Some(name) && admitted.contains(":role/")
}

/// Why the doctor's own AssumeRole tells nothing about the vendor's: it ran as a
/// principal outside the vendor's account.
fn not_the_vendor(facts: &Facts) -> Option<String> {
    let vendor = facts.connection.value(FieldId::TrustedAccountId)?.trim();
    let Observed::Known(live) = &facts.live else {
        return None;
    };
    let caller = live.caller.known().ok()?;
    let account = Arn::parse(caller).ok()?.account;
    (account != vendor).then(|| {
        format!(
            "the doctor ran as {caller}, which is not in the vendor's account {vendor}: the answer says nothing \
             about the vendor's. Probe with the vendor's credentials (--profile) to try the connection as the BI \
             tool does"
        )
    })
}

declare_rule! {
    pub(crate) struct AssumeRoleDenied {
        code: "PROBE002",
        name: "assume-role-denied",
        severity: Error,
        summary: "AssumeRole with the external ID is denied",
        fixes: [Safe, Unsafe, DisplayOnly],
        explained_by: [
            RoleNotFound,
            VendorNotTrusted,
            ExternalIdMismatch,
            ExternalIdMissing,
            TrustDeniesVendor,
            TrustPolicyInvalid,
        ],
    }
}

impl Rule for AssumeRoleDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::CrossAccountRole)?;
        let p = probes(facts)?;
        let conn = &facts.connection;
        let role = conn.value(FieldId::RoleArn).unwrap_or_default().trim();
        let at = conn.site(FieldId::RoleArn);
        let subject = "auth.role_arn";
        if let Some(why) = not_the_vendor(facts) {
            let outcome = match &p.assume_with_id {
                Observed::Known(_) => "succeeded".to_string(),
                Observed::Failed(f) if f.kind == FailureKind::Denied => "was refused".to_string(),
                // A timeout or an unreachable endpoint is no answer at all.
                Observed::Failed(f) => format!("got no answer ({f})"),
                Observed::NotCollected(_) => "was not tried".to_string(),
            };
            return Err(Skip::new(
                subject,
                format!("AssumeRole with the External ID {outcome}, but {why}"),
            ));
        }
        let f = match &p.assume_with_id {
            Observed::Known(arn) => {
                return Ok(vec![
                    meta.pass(
                        subject,
                        format!("AssumeRole with the External ID succeeds: the session is {arn}"),
                    )
                    .at_site(at),
                ]);
            }
            Observed::Failed(f) => f,
            other => return Err(Skip::new(subject, other.known().err().unwrap_or_default())),
        };
        // AWS's own answer (a ValidationError naming the limit), not any text that
        // mentions it: a proxy's dump of the request carries DurationSeconds too.
        if f.code == "ValidationError" && f.message.contains("MaxSessionDuration") {
            let found = facts.live.as_ref().and_then(|l| l.role.as_ref());
            let allowed = found.known().ok().and_then(|r| r.max_session_duration);
            let allowed = allowed.map(|s| format!(" ({s} s)")).unwrap_or_default();
            let name = role.rsplit('/').next().unwrap_or(role);
            return Ok(vec![
                meta.fail(
                    subject,
                    format!(
                        "AssumeRole asks for {} s sessions, longer than the role's MaxSessionDuration{allowed}: \
                         {}. Raise it: `{}` (at most 43200), or have the BI tool ask for a shorter session",
                        p.session_duration,
                        f.message,
                        crate::shell::join([
                            "aws",
                            "iam",
                            "update-role",
                            "--role-name",
                            name,
                            "--max-session-duration",
                            &p.session_duration.to_string(),
                        ])
                    ),
                )
                .at_site(at),
            ]);
        }
        if f.kind != FailureKind::Denied {
            return Err(Skip::new(subject, f.to_string()));
        }
        let trust_known = matches!(facts.trust_policy, Observed::Known(_));
        let denial = Denial::parse(&f.message);
        let caller = denial.as_ref().and_then(|d| d.principal.clone()).or_else(|| {
            let caller = facts.live.as_ref().and_then(|l| l.caller.as_ref());
            caller.known().ok().map(|c| c.to_string())
        });
        let wrong_principal = caller.as_deref().and_then(|caller| {
            let admitted = crate::rules::trust::specific_principals(facts)?;
            (!admitted.iter().any(|a| same_principal(a, caller))).then(|| {
                format!(
                    "wrong principal: the trust policy admits only {} of the vendor's account, and the call came \
                     from {caller}. The vendor must call from an admitted principal, or the trust policy must name \
                     this one",
                    admitted.join(", ")
                )
            })
        });
        let cause = if let Some(wrong) = wrong_principal {
            wrong
        } else if trust_known {
            format!(
                "the trust policy admits the vendor with this External ID, so the refusal comes from the vendor's \
                 side: {}'s own policies must allow sts:AssumeRole on {role}",
                caller.as_deref().unwrap_or("the vendor's principal")
            )
        } else {
            "AWS does not say why: the role may not exist (or its ARN lacks its path), the trust policy may not \
             admit the vendor's account, or may require another External ID. Give --trust-policy, or run with \
             iam:GetRole allowed, to narrow it"
                .to_string()
        };
        let mut check = meta
            .fail(
                subject,
                format!(
                    "AssumeRole with the External ID is denied ({}); {cause}",
                    f.message
                ),
            )
            .at_site(at)
            .explainable(
                Self::META.explained_by,
                format!(
                    "AssumeRole with the External ID is denied ({}); the cause:",
                    f.message
                ),
            );
        if trust_known {
            // The vendor's policy is not the customer's to change: shown, not applied.
            let statement = json!({"Sid": "AllowAssumeCustomerRole", "Effect": "Allow",
                                   "Action": "sts:AssumeRole", "Resource": role});
            check = check.with_fix(Fix::statements_for(
                "the vendor-side principal's identity policy",
                vec![statement],
            ));
        }
        Ok(vec![check])
    }
}

declare_rule! {
    pub(crate) struct AssumeRoleWithoutExternalId {
        code: "PROBE003",
        name: "assume-role-without-external-id",
        severity: Error,
        summary: "AssumeRole without the external ID succeeds",
        fixes: [Safe, Unsafe, DisplayOnly],
        tags: ["security"],
        explained_by: [
            ExternalIdMissing,
            TrustTooBroad,
        ],
    }
}

impl Rule for AssumeRoleWithoutExternalId {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::CrossAccountRole)?;
        let p = probes(facts)?;
        let subject = "trust policy";
        if let Some(why) = not_the_vendor(facts) {
            return Err(Skip::new(subject, why));
        }
        match (&p.assume_with_id, &p.assume_without_id) {
            (_, Observed::Known(arn)) => {
                let message = format!(
                    "AssumeRole WITHOUT any External ID succeeds (session {arn}): the role does not require the ID, \
                     so anyone its trust policy admits can use it without one — the confused-deputy protection is \
                     missing. Add the sts:ExternalId condition"
                );
                Ok(vec![
                    meta.fail(subject, &message)
                        .explainable(Self::META.explained_by, message),
                ])
            }
            (Observed::Known(_), Observed::Failed(f)) if f.kind == FailureKind::Denied => Ok(vec![meta.pass(
                subject,
                "AssumeRole without the External ID is refused while it succeeds with it: the role requires the ID",
            )]),
            (Observed::Known(_), other) => Ok(vec![meta.skip(subject, other.known().err().unwrap_or_default())]),
            (_, _) => Ok(vec![meta.skip(
                subject,
                "AssumeRole with the External ID did not succeed (PROBE002): a refusal without it proves nothing yet",
            )]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ALL_S3_READ, DENIED, denied, facts, one, probes, trust, with_assume};
    use super::*;
    use crate::engine::{Rule, Status};
    use crate::facts::{Failure, FailureKind, Observed, ProbeFacts};
    use crate::fix::Applicability;

    #[test]
    fn assume_role_denial_is_narrowed_by_the_trust_policy() {
        let refused = || with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
        // A placeholder in the trust policy: TRUST002 explains it and fixes it.
        let placeholder = trust("we-will-add-this-later");
        let check = one(
            &AssumeRoleDenied,
            &facts(Some(&placeholder), ALL_S3_READ, refused()),
        );
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.message.contains("TRUST002") && check.message.contains("placeholder"),
            "{}",
            check.message
        );
        let fix = check.fix.expect("TRUST002's fix");
        assert!(
            fix.payload().to_string().contains("omni-4f2a9c"),
            "{}",
            fix.payload()
        );
        // The trust policy admits the vendor with this ID: the vendor side refuses.
        let right = trust("omni-4f2a9c");
        let check = one(&AssumeRoleDenied, &facts(Some(&right), ALL_S3_READ, refused()));
        assert!(check.message.contains("vendor's side"), "{}", check.message);
        let fix = check.fix.expect("the vendor-side statement");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert!(fix.payload().to_string().contains("sts:AssumeRole"));
        // The trust policy names one role of the vendor's, and another called.
        let specific = right.replace(
            "arn:aws:iam::999988887777:root",
            "arn:aws:iam::999988887777:role/omni/connector",
        );
        let check = one(&AssumeRoleDenied, &facts(Some(&specific), ALL_S3_READ, refused()));
        assert!(check.message.contains("wrong principal"), "{}", check.message);
        assert!(check.message.contains("role/omni/connector"), "{}", check.message);
        // … which a session of the admitted role is not.
        assert!(same_principal(
            "arn:aws:iam::999988887777:role/omni/connector",
            "arn:aws:sts::999988887777:assumed-role/connector/s"
        ));
        assert!(!same_principal(
            "arn:aws:iam::999988887777:role/omni/connector",
            "arn:aws:sts::999988887777:assumed-role/other/s"
        ));
        // Nothing known about the trust policy: the candidates are listed.
        let check = one(&AssumeRoleDenied, &facts(None, ALL_S3_READ, refused()));
        assert!(
            check.message.contains("AWS does not say why"),
            "{}",
            check.message
        );
        // The role does not exist.
        let mut f = facts(None, ALL_S3_READ, refused());
        if let Observed::Known(l) = &mut f.live {
            l.role = Observed::Failed(Failure {
                kind: FailureKind::NotFound,
                action: "iam:GetRole".into(),
                code: "NoSuchEntity".into(),
                message: "The role with name bi-athena cannot be found.".into(),
            });
        }
        let check = one(&AssumeRoleDenied, &f);
        assert!(check.message.contains("ROLE003"), "{}", check.message);
    }

    #[test]
    fn a_caller_outside_the_vendor_account_proves_nothing() {
        let mut f = facts(None, ALL_S3_READ, probes());
        if let Observed::Known(l) = &mut f.live {
            l.caller = Observed::Known("arn:aws:iam::111122223333:user/admin".into());
        }
        for rule in [&AssumeRoleDenied as &dyn Rule, &AssumeRoleWithoutExternalId] {
            let check = one(rule, &f);
            assert_eq!(check.status, Status::Skip);
            assert!(
                check.message.contains("not in the vendor's account 999988887777"),
                "{}",
                check.message
            );
        }
    }

    #[test]
    fn without_the_external_id_success_is_a_security_finding() {
        let right = trust("omni-4f2a9c");
        let check = one(
            &AssumeRoleWithoutExternalId,
            &facts(Some(&right), ALL_S3_READ, probes()),
        );
        assert_eq!(check.status, Status::Pass);
        let open = ProbeFacts {
            assume_without_id: Observed::Known("arn:aws:sts::111122223333:assumed-role/bi-athena/p".into()),
            ..probes()
        };
        let check = one(&AssumeRoleWithoutExternalId, &facts(None, ALL_S3_READ, open));
        assert_eq!(check.status, Status::Fail);
        assert_eq!(check.rule.tags, &["security"]);
        // With the ID refused too, a refusal without it proves nothing.
        let both_refused = with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
        let check = one(
            &AssumeRoleWithoutExternalId,
            &facts(None, ALL_S3_READ, both_refused),
        );
        assert_eq!(check.status, Status::Skip);
    }

    /// Only AWS's ValidationError is the session limit: a proxy's error page that
    /// dumps the request (with its DurationSeconds) is not diagnosed as one.
    #[test]
    fn a_request_dump_is_not_a_session_limit() {
        let refused = |code: &str, message: &str| {
            with_assume(Observed::Failed(Failure {
                kind: FailureKind::Other,
                action: "sts:AssumeRole".into(),
                code: code.into(),
                message: message.into(),
            }))
        };
        let limit = one(
            &AssumeRoleDenied,
            &facts(
                None,
                ALL_S3_READ,
                refused(
                    "ValidationError",
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ),
            ),
        );
        assert!(
            limit
                .message
                .contains("longer than the role's MaxSessionDuration"),
            "{}",
            limit.message
        );
        let dump = one(
            &AssumeRoleDenied,
            &facts(
                None,
                ALL_S3_READ,
                refused(
                    "",
                    "Bad Gateway: Action=AssumeRole&DurationSeconds=3600 (MaxSessionDuration?)",
                ),
            ),
        );
        assert!(!dump.message.contains("longer than"), "{}", dump.message);
        assert_eq!(dump.status, Status::Skip);
    }

    /// Run as someone outside the vendor's account, a timed-out AssumeRole is "no
    /// answer", not "refused".
    #[test]
    fn a_timed_out_assume_role_is_not_refused() {
        let timed_out = with_assume(Observed::Failed(Failure {
            kind: FailureKind::Timeout,
            action: "sts:AssumeRole".into(),
            code: String::new(),
            message: "the call timed out".into(),
        }));
        let mut f = facts(None, ALL_S3_READ, timed_out);
        if let Observed::Known(l) = &mut f.live {
            l.caller = Observed::Known("arn:aws:iam::444455556666:user/support".into());
        }
        let check = one(&AssumeRoleDenied, &f);
        assert_eq!(check.status, Status::Skip);
        assert!(check.message.contains("got no answer"), "{}", check.message);
        assert!(!check.message.contains("refused"), "{}", check.message);
    }
}
