//! The PROBE family's test fixtures (a role connection's facts as the vendor
//! sees them, probe answers, the one check of a rule as a report holds it), and
//! the tests across its rules: the gate and the explanations, and the patterns a
//! probe's message must reach. Each rule's own tests sit in its file.

use super::*;
use crate::engine::{Check, Rule, Status};
use crate::facts::{
    FACTS_VERSION, Facts, Failure, FailureKind, LiveFacts, Observed, ProbeFacts, RoleFacts, TrustPolicy,
};
use crate::messages;
use crate::policy::{Policy, PolicyKind};
use std::collections::BTreeMap;

pub(super) const ROLE_CONN: &str = r#"
display_name = "t"
s3_output_bucket = "s3://acme-athena-results/omni/"
data_catalog = "awsdatacatalog"
database_timezone = "UTC"
region = "us-east-1"
[auth]
type = "cross_account_role"
role_arn = "arn:aws:iam::111122223333:role/bi-athena"
external_id = "omni-4f2a9c"
trusted_account_id = "999988887777"
"#;
pub(super) const VENDOR_CALLER: &str = "arn:aws:iam::999988887777:user/omni";
pub(super) const DENIED: &str = "User: arn:aws:iam::999988887777:user/omni is not authorized to perform: \
                          sts:AssumeRole on resource: arn:aws:iam::111122223333:role/bi-athena";

pub(super) fn trust(external_id: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {{"AWS": "arn:aws:iam::999988887777:root"}}, "Action": "sts:AssumeRole",
                "Condition": {{"StringEquals": {{"sts:ExternalId": "{external_id}"}}}}}}]}}"#
    )
}

pub(super) fn denied(action: &str, code: &str, message: &str) -> Failure {
    Failure {
        kind: FailureKind::Denied,
        action: action.into(),
        code: code.into(),
        message: message.into(),
    }
}

pub(super) fn probes() -> ProbeFacts {
    ProbeFacts {
        credentials: Observed::NotCollected("-".into()),
        assume_with_id: Observed::Known("arn:aws:sts::111122223333:assumed-role/bi-athena/p".into()),
        assume_without_id: Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)),
        session_duration: 3600,
        calls: Vec::new(),
        query: Observed::NotCollected("opt-in".into()),
        tables: Default::default(),
    }
}

/// A role connection's facts as the vendor would see them: `trust` is the trust
/// policy (None: not read), `policy` the role's identity policy.
pub(super) fn facts(trust_policy: Option<&str>, policy: &str, probes: ProbeFacts) -> Facts {
    let loaded = crate::connection::from_text(std::path::Path::new("c.toml"), ROLE_CONN).unwrap();
    Facts {
        version: FACTS_VERSION,
        connection: loaded.connection,
        secret: None,
        identity_policies: Observed::Known(vec![
            Policy::from_text(
                "role-policy",
                Some("role-policy.json"),
                policy,
                PolicyKind::Identity,
            )
            .unwrap(),
        ]),
        permissions_boundary: Observed::Known(None),
        bucket_policies: BTreeMap::new(),
        trust_policy: match trust_policy {
            Some(t) => Observed::Known(TrustPolicy::Valid(Box::new(
                Policy::from_text("trust policy", Some("trust.json"), t, PolicyKind::Trust).unwrap(),
            ))),
            None => Observed::NotCollected("-".into()),
        },
        live: Observed::Known(Box::new(LiveFacts {
            keys: BTreeMap::new(),
            catalog_key: Observed::NotCollected("-".into()),
            caller: Observed::Known(VENDOR_CALLER.into()),
            role: Observed::Known(RoleFacts {
                arn: "arn:aws:iam::111122223333:role/bi-athena".into(),
                path: "/".into(),
                max_session_duration: Some(3600),
                boundary_arn: None,
            }),
            buckets: BTreeMap::new(),
            workgroup: Observed::NotCollected("-".into()),
            catalogs: Observed::NotCollected("-".into()),
            databases: BTreeMap::new(),
            tables: BTreeMap::new(),
            probes: Observed::Known(probes),
            network: Observed::NotCollected("-".into()),
        })),
        endpoint_overrides: Vec::new(),
        blank_environment: Vec::new(),
        chain_trust: Default::default(),
        principal_site: None,
        declared: Default::default(),
        guardrails: Default::default(),
    }
}

pub(super) const ALL_S3_READ: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], "Resource": "*"}]}"#;

/// The one check of `rule`, as a report holds it: every rule run, then
/// linked to the findings that explain it.
pub(super) fn one(rule: &dyn Rule, facts: &Facts) -> Check {
    let checks: Vec<Check> = crate::engine::link(crate::engine::run(&crate::rules::REGISTRY, facts))
        .into_iter()
        .filter(|c| c.rule == rule.meta())
        .collect();
    assert_eq!(checks.len(), 1, "{checks:#?}");
    checks.into_iter().next().unwrap()
}

pub(super) fn with_assume(outcome: Observed<String>) -> ProbeFacts {
    ProbeFacts {
        assume_with_id: outcome,
        ..probes()
    }
}

/// A finding the gate ignored (or left out) explains nothing: the probe keeps
/// its own words, and quotes no fix the user chose to ignore.
#[test]
fn an_ignored_finding_explains_nothing() {
    use crate::connection::{Connection, DoctorConfig, Ignore};
    use crate::gate::Gate;
    let refused = with_assume(Observed::Failed(denied("sts:AssumeRole", "AccessDenied", DENIED)));
    let placeholder = trust("we-will-add-this-later");
    let facts = facts(Some(&placeholder), ALL_S3_READ, refused);
    let run = |ignore: &[String], doctor: DoctorConfig| {
        let conn = Connection {
            doctor,
            ..facts.connection.clone()
        };
        let gate = Gate::new(&[], ignore, &conn).unwrap();
        let checks = gate.apply(crate::engine::run(&crate::rules::REGISTRY, &facts));
        let checks = crate::engine::link(checks);
        checks.into_iter().find(|c| c.code() == "PROBE002").unwrap()
    };
    let explained = run(&[], DoctorConfig::default());
    assert!(explained.message.contains("TRUST002"), "{}", explained.message);
    let ignored = DoctorConfig {
        ignore: vec![Ignore {
            code: "TRUST002".into(),
            reason: "rotating the ID".into(),
            location: None,
        }],
        severity: Vec::new(),
    };
    for (flags, doctor) in [
        (Vec::new(), ignored),
        (vec!["TRUST002".to_string()], DoctorConfig::default()),
    ] {
        let probe = run(&flags, doctor);
        assert_eq!(probe.status, Status::Fail);
        assert!(!probe.message.contains("TRUST002"), "{}", probe.message);
        assert!(
            probe
                .fix
                .as_ref()
                .is_none_or(|f| !f.payload().to_string().contains("omni-4f2a9c")),
            "the ignored finding's fix is not quoted"
        );
    }
}

/// Every rule a probe's finding can cite is one `rules/errors.toml` lists
/// for some message, and so is every probe that reports what AWS answered.
#[test]
fn every_rule_a_probe_can_report_is_reachable_from_a_pattern() {
    let listed: Vec<&str> = messages::TABLE
        .errors
        .iter()
        .flat_map(|p| p.causes.iter().map(|c| c.code.as_str()))
        .collect();
    for probe in RULES.iter().map(|r| r.meta()) {
        let answers_from_aws = probe.code != EndpointOverrideActive::META.code;
        if answers_from_aws {
            assert!(listed.contains(&probe.code), "{} is in no pattern", probe.code);
        }
        for by in probe.explained_by {
            assert!(
                listed.contains(&by.code),
                "{} explains {} but is in no pattern",
                by.code,
                probe.code
            );
        }
    }
}
