//! PROBE001: the connection's own access key, tried as the BI tool would sign
//! with it: AWS knows it or says why not (unknown or deactivated, a temporary key
//! without its session token, the wrong secret, expired).

use super::{only_for, probes};
use crate::aws::access_key::{self, KeyKind};
use crate::connection::{AuthType, FieldId};
use crate::engine::{Outcome, Rule, Skip, declare_rule};
use crate::facts::{Facts, FailureKind, Observed};
use crate::fix::{Applicability, Fix};

declare_rule! {
    pub(crate) struct CredentialsRejected {
        code: "PROBE001",
        name: "credentials-rejected",
        severity: Error,
        summary: "The connection's own credentials are rejected",
        fixes: [DisplayOnly],
    }
}

impl Rule for CredentialsRejected {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        only_for(facts, AuthType::AccessKey)?;
        let p = probes(facts)?;
        let conn = &facts.connection;
        let key = conn.value(FieldId::AccessKeyId).unwrap_or_default().trim();
        let at = conn.location(FieldId::AccessKeyId);
        let subject = "auth.access_key_id";
        let f = match &p.credentials {
            Observed::Known(arn) => {
                return Ok(vec![
                    meta.pass(
                        subject,
                        format!("AWS accepts the access key {key}: it signs as {arn}"),
                    )
                    .at(at),
                ]);
            }
            Observed::Failed(f) if f.kind == FailureKind::Denied => f,
            other => return Err(Skip::new(subject, other.known().err().unwrap_or_default())),
        };
        let temporary = access_key::kind(key) == Some(KeyKind::Temporary);
        let (cause, field) = match f.code.as_str() {
            "InvalidClientTokenId" | "UnrecognizedClientException" if temporary => (
                format!(
                    "AWS does not accept the key {key} ({}): it is a temporary ASIA… key, which only works with \
                     the session token it was issued with, and the connection cannot hold one. Create a long-lived \
                     access key (AKIA…) for an IAM user and paste its ID and secret",
                    f.code
                ),
                FieldId::AccessKeyId,
            ),
            "InvalidClientTokenId" | "UnrecognizedClientException" => (
                format!(
                    "AWS does not know the access key {key} ({}): it was deleted or deactivated (after a rotation?), \
                     or belongs to another partition. Create a new access key for the IAM user and paste its ID \
                     and secret into the connection",
                    f.code
                ),
                FieldId::AccessKeyId,
            ),
            "SignatureDoesNotMatch" => (
                format!(
                    "the access key {key} exists, but the secret does not belong to it (SignatureDoesNotMatch): it \
                     was mistyped, truncated, or is another key's secret. Paste the secret shown when {key} was \
                     created; AWS cannot show it again, so if it is lost create a new key"
                ),
                FieldId::SecretAccessKey,
            ),
            "ExpiredToken" => (
                format!(
                    "the access key {key} is a temporary session key whose session has expired (ExpiredToken): \
                     use a long-lived access key (AKIA…) of an IAM user instead"
                ),
                FieldId::AccessKeyId,
            ),
            _ => (
                format!("AWS refuses the access key {key}: {}", f.message),
                FieldId::AccessKeyId,
            ),
        };
        let placeholder = match field {
            FieldId::SecretAccessKey => format!("<the secret access key of {key}>"),
            _ => "<a new access key ID (AKIA…)>".to_string(),
        };
        Ok(vec![meta.fail(subject, cause).at(at).with_fix(Fix::field(
            conn,
            field,
            placeholder,
            Applicability::DisplayOnly,
        ))])
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ALL_S3_READ, ROLE_CONN, denied, facts, one, probes};
    use super::*;
    use crate::engine::Status;
    use crate::facts::{Observed, ProbeFacts};

    /// An access-key connection without `account_id`: the account the key's own
    /// GetCallerIdentity named is used for Athena and Glue ARNs, instead of a skip
    /// saying "needs the account" beside PROBE001's answer.
    #[test]
    fn the_keys_own_identity_gives_the_account() {
        let conn = ROLE_CONN
            .replace("type = \"cross_account_role\"", "type = \"access_key\"")
            .replace(
                "role_arn = \"arn:aws:iam::111122223333:role/bi-athena\"",
                "access_key_id = \"AKIAIOSFODNN7EXAMPLE\"",
            )
            .replace("external_id = \"omni-4f2a9c\"\n", "")
            .replace("trusted_account_id = \"999988887777\"\n", "");
        const ATHENA_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["athena:*", "glue:*", "s3:*"], "Resource": "*"}]}"#;
        let athena = |credentials: Observed<String>| {
            let mut f = facts(
                None,
                ATHENA_ALL,
                ProbeFacts {
                    credentials,
                    ..probes()
                },
            );
            f.connection = crate::connection::from_text(std::path::Path::new("c.toml"), &conn)
                .unwrap()
                .connection;
            crate::engine::run(&crate::rules::REGISTRY, &f)
                .into_iter()
                .filter(|c| c.code() == "ATHENA001")
                .collect::<Vec<_>>()
        };
        let unknown = athena(Observed::NotCollected("-".into()));
        assert!(
            unknown
                .iter()
                .any(|c| c.status == Status::Skip && c.message.contains("needs the account")),
            "{unknown:#?}"
        );
        let known = athena(Observed::Known("arn:aws:iam::123456789012:user/bi".into()));
        assert!(known.iter().all(|c| c.status == Status::Pass), "{known:#?}");
        assert!(
            known.iter().any(|c| c.subject.contains(":123456789012:")),
            "{known:#?}"
        );
    }

    #[test]
    fn rejected_keys_are_told_apart() {
        let conn = ROLE_CONN
            .replace("type = \"cross_account_role\"", "type = \"access_key\"")
            .replace(
                "role_arn = \"arn:aws:iam::111122223333:role/bi-athena\"",
                "access_key_id = \"ASIAIOSFODNN7EXAMPLE\"",
            )
            .replace("external_id = \"omni-4f2a9c\"\n", "")
            .replace("trusted_account_id = \"999988887777\"\n", "");
        let mut f = facts(None, ALL_S3_READ, probes());
        f.connection = crate::connection::from_text(std::path::Path::new("c.toml"), &conn)
            .unwrap()
            .connection;
        let cases = [
            ("InvalidClientTokenId", "temporary ASIA… key"),
            ("SignatureDoesNotMatch", "secret does not belong to it"),
            ("ExpiredToken", "session has expired"),
        ];
        for (code, words) in cases {
            let p = ProbeFacts {
                credentials: Observed::Failed(denied("sts:GetCallerIdentity", code, "AWS's message")),
                ..probes()
            };
            if let Observed::Known(l) = &mut f.live {
                l.probes = Observed::Known(p);
            }
            let check = one(&CredentialsRejected, &f);
            assert_eq!(check.status, Status::Fail, "{code}");
            assert!(check.message.contains(words), "{code}: {}", check.message);
        }
    }
}
