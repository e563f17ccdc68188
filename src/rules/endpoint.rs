//! NET004: the VPC endpoint the traffic to a service goes through has a policy,
//! and every request through the endpoint must be allowed by it as well as by
//! the account's own policies (AWS PrivateLink Guide: "Control access to VPC
//! endpoints using endpoint policies"; IAM User Guide: "Policy evaluation
//! logic"). The doctor takes `--endpoint-policy SERVICE=FILE`, or the endpoint
//! read live for SERVICE (`collect/live/ec2.rs`: the same model), as saying the
//! connection's requests to SERVICE go through that endpoint: the BI tool's own,
//! so they carry the endpoint (`aws:SourceVpce`, `aws:SourceVpc`, when the file
//! or the read names them) and no `aws:CalledVia`.

use super::access;
use super::guard::{self, Asked, Asker};
use crate::engine::{Check, Outcome, Rule, declare_rule};
use crate::facts::Facts;
use crate::fix::policy::{add_condition, statement_json};
use crate::fix::{Applicability, Fix};
use crate::permissions;
use crate::policy::Policy;
use serde_json::json;

declare_rule! {
    /// NET004: the endpoint policy allows what the connection asks through it.
    pub(crate) struct EndpointPolicyDenies {
        code: "NET004",
        name: "endpoint-policy-denies",
        severity: Error,
        summary: "The VPC endpoint the traffic goes through has a policy that denies a needed request",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

pub(super) static RULES: &[&dyn Rule] = &[&EndpointPolicyDenies];

/// The service an action is of (`s3:GetObject` → `s3`).
fn service_of(action: &str) -> &str {
    action.split(':').next().unwrap_or_default()
}

impl Rule for EndpointPolicyDenies {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let endpoints = facts.guardrails.endpoints.require("endpoints")?;
        let asker = Asker::of(facts)?;
        let needs = asker.needs(facts)?;
        // The live read found the traffic goes through an endpoint it could
        // not tell (which one, or its policy): unknown, said, never passed.
        let mut checks: Vec<Check> = facts
            .guardrails
            .endpoints_unknown
            .iter()
            .map(|(service, why)| meta.skip(format!("VPC endpoint of {service}"), why.clone()))
            .collect();
        if endpoints.is_empty() && checks.is_empty() {
            // Only a live read knows of no endpoint (a file names one).
            return Ok(vec![meta.pass(
                "VPC endpoints",
                "no VPC endpoint of the services the connection calls is in the way (read live with \
                 ec2:DescribeVpcEndpoints): no endpoint policy applies",
            )]);
        }
        for (service, policy) in endpoints {
            let keep = |action: &str, _: &permissions::Need| service_of(action) == service;
            if !needs
                .iter()
                .any(|n| n.required.iter().chain(&n.recommended).any(|a| keep(a, n)))
            {
                checks.push(meta.pass(
                    &policy.name,
                    format!("the connection makes no request to {service}"),
                ));
                continue;
            }
            let context = |_: &permissions::Need| {
                let mut ctx = permissions::context(&asker.target, Some(&asker.principal), false);
                ctx.set("aws:PrincipalIsAWSService", &["false"]);
                permissions::through_endpoint(&mut ctx, Some(policy));
                ctx
            };
            let levels = vec![vec![policy]];
            let v = guard::judge(&needs, keep, &asker.principal, &levels, context, |_| None);
            let before = checks.len();
            for (by, asked) in &v.denied {
                let fix = narrow(facts, policy, by.index, &asker);
                checks.push(guard::denied_check(meta, by, asked, "", Some(fix)));
            }
            for (_, asked) in &v.not_allowed {
                checks.push(not_allowed(facts, policy, asked, &asker));
            }
            checks.extend(guard::unknown_check(meta, &v, &policy.name));
            if checks.len() == before {
                checks.push(meta.pass(
                    &policy.name,
                    format!(
                        "every request of the connection to {service} ({} judged) is allowed through the endpoint",
                        v.judged
                    ),
                ));
            }
        }
        Ok(checks)
    }
}

/// The Deny with the connection's principal excepted. Unsafe: the policy
/// governs everyone's traffic through the endpoint, and a person should confirm.
fn narrow(facts: &Facts, policy: &Policy, index: usize, asker: &Asker) -> Fix {
    let mut statement = statement_json(policy, index);
    let arn = asker.exempt_arn();
    add_condition(&mut statement, "ArnNotEquals", "aws:PrincipalArn", &[arn]);
    let applicability = if arn == access::UNKNOWN_USER {
        Applicability::DisplayOnly
    } else {
        Applicability::Unsafe
    };
    Fix::replace_statement(facts, policy, None, index, statement, applicability)
}

/// No statement of the endpoint's policy allows these requests: the statement
/// that lets the connection's principal make them through it.
fn not_allowed(facts: &Facts, policy: &Policy, asked: &[Asked], asker: &Asker) -> Check {
    let meta = EndpointPolicyDenies::META;
    let (actions, resources) = guard::actions_and_resources(asked);
    let arn = asker.exempt_arn();
    let sid = asked.first().map_or("AthenaConnection", |(_, n)| n.sid.as_str());
    let statement = json!({
        "Sid": format!("{sid}ViaEndpoint"),
        "Effect": "Allow",
        "Principal": {"AWS": arn},
        "Action": actions,
        "Resource": resources,
    });
    let applicability = if arn == access::UNKNOWN_USER {
        Applicability::DisplayOnly
    } else {
        Applicability::Safe
    };
    meta.fail(
        resources.join(", "),
        format!(
            "{} on {}: no statement of {} allows {} through the endpoint",
            actions.join(", "),
            resources.join(", "),
            policy.name,
            if actions.len() == 1 { "it" } else { "them" },
        ),
    )
    .in_file(
        policy.path.as_deref(),
        crate::location::Location { line: 1, column: 1 },
    )
    .with_fix(Fix::add_statements(
        facts,
        Some(policy),
        None,
        vec![statement],
        applicability,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::facts::Observed;
    use crate::fix::Edit;
    use crate::policy::PolicyKind;
    use std::collections::BTreeMap;

    fn endpoint(text: &str) -> Policy {
        let mut p = Policy::from_text(
            "VPC endpoint policy for s3 (vpce.json)",
            Some("vpce.json"),
            text,
            PolicyKind::Resource,
        )
        .unwrap();
        p.origin = crate::policy::decode::Origin::VpcEndpoint;
        p
    }

    fn with(policy: Policy) -> Facts {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.endpoints = Observed::Known(BTreeMap::from([("s3".to_string(), policy)]));
        facts
    }

    const DENY_PUT: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
        {"Sid":"NoWrites","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::results/*"}]}"#;

    #[test]
    fn a_deny_of_the_results_write_is_found_and_narrowed() {
        let facts = with(endpoint(DENY_PUT));
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        let fail = checks.iter().find(|c| c.status == Status::Fail).expect("NET004");
        assert!(fail.message.contains("s3:PutObject"), "{}", fail.message);
        assert!(fail.message.contains("Sid NoWrites"), "{}", fail.message);
        let fix = fail.fix.as_ref().unwrap();
        // No endpoint ID: the command holds a placeholder, so it is display-only.
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert!(fix.payload().to_string().contains("aws:PrincipalArn"));
    }

    #[test]
    fn an_endpoint_id_makes_a_modify_vpc_endpoint_command() {
        let described = json!({"VpcEndpoints": [{
            "VpcEndpointId": "vpce-0a1b2c3d4e5f",
            "ServiceName": "com.amazonaws.us-east-1.s3",
            "PolicyDocument": DENY_PUT.replace('\n', " "),
        }]})
        .to_string();
        let mut p = endpoint(&described);
        assert_eq!(p.name_of("endpoint"), Some("vpce-0a1b2c3d4e5f"));
        p.origin = crate::policy::decode::Origin::VpcEndpoint;
        let checks = EndpointPolicyDenies.check(&with(p)).unwrap();
        let fix = checks.iter().find_map(|c| c.fix.as_ref()).unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        let command = fix.command().unwrap();
        assert!(
            command.starts_with(
                "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0a1b2c3d4e5f --policy-document '"
            ),
            "{command}"
        );
        assert!(matches!(fix.edit, Edit::Policy { .. }));
    }

    /// The endpoint ID comes from a file: it reaches the shell only quoted.
    #[test]
    fn a_hostile_endpoint_id_stays_one_word() {
        let id = "vpce-1'; touch /tmp/pwned; echo '$(id)`id`";
        let described =
            json!({"VpcEndpoints": [{"VpcEndpointId": id, "PolicyDocument": DENY_PUT}]}).to_string();
        let checks = EndpointPolicyDenies.check(&with(endpoint(&described))).unwrap();
        let line = checks.iter().find_map(|c| c.fix.as_ref()?.command()).unwrap();
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("aws() {{ printf '%s\\n' \"$@\"; }}; {line}"))
            .output()
            .unwrap();
        let words: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(
            words[..4],
            ["ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", id],
            "{line}"
        );
        assert_eq!((words.len(), words[4]), (6, "--policy-document"), "{line}");
    }

    #[test]
    fn an_endpoint_policy_allowing_only_others_leaves_the_requests_out() {
        let facts = with(endpoint(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#,
        ));
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        let fail = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(fail.message.contains("no statement of"), "{}", fail.message);
        let shown = fail.fix.as_ref().unwrap().payload().to_string();
        assert!(shown.contains("arn:aws:iam::111122223333:role/bi"), "{shown}");
    }

    #[test]
    fn the_default_policy_passes_and_none_given_skips() {
        let facts = with(endpoint(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        ));
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        assert!(checks.iter().all(|c| c.status == Status::Pass), "{checks:?}");
        assert!(
            EndpointPolicyDenies
                .check(&crate::rules::unread::healthy())
                .is_err()
        );
    }

    /// Read live: a refused read is a skip naming it; an endpoint the read
    /// could not tell is a skip saying why, beside the judged ones; no endpoint
    /// in the way is a pass that says so. Never a pass for what is unknown.
    #[test]
    fn a_live_read_unknown_or_refused_is_never_a_pass() {
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails.endpoints = Observed::Failed(crate::facts::Failure {
            kind: crate::facts::FailureKind::Denied,
            action: "ec2:DescribeVpcEndpoints".into(),
            code: "UnauthorizedOperation".into(),
            message: "UnauthorizedOperation: You are not authorized to perform this operation.".into(),
        });
        let skip = EndpointPolicyDenies.check(&facts).unwrap_err();
        assert!(
            skip.reason
                .starts_with("needs ec2:DescribeVpcEndpoints, which was denied: UnauthorizedOperation"),
            "{skip:?}"
        );
        let mut facts = with(endpoint(DENY_PUT));
        facts.guardrails.endpoints_unknown.insert(
            "athena".into(),
            "athena.us-east-1.amazonaws.com resolves to 10.0.2.9 …".into(),
        );
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        let unknown = checks.iter().find(|c| c.status == Status::Skip).unwrap();
        assert_eq!(unknown.subject, "VPC endpoint of athena");
        assert!(unknown.message.contains("resolves to 10.0.2.9"));
        assert!(checks.iter().any(|c| c.status == Status::Fail));
        facts.guardrails.endpoints = Observed::Known(BTreeMap::new());
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        assert!(checks.iter().all(|c| c.status == Status::Skip), "{checks:?}");
        facts.guardrails.endpoints_unknown.clear();
        let checks = EndpointPolicyDenies.check(&facts).unwrap();
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, Status::Pass);
        assert!(checks[0].message.starts_with("no VPC endpoint of the services"));
    }

    #[test]
    fn a_source_vpce_condition_is_judged_with_the_endpoint_when_known() {
        let only_vpce = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*",
            "Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0a1b2c3d4e5f"}}}]}"#;
        let checks = EndpointPolicyDenies.check(&with(endpoint(only_vpce))).unwrap();
        assert!(
            checks
                .iter()
                .any(|c| c.severity == crate::engine::Severity::Warning),
            "{checks:?}"
        );
        let described =
            json!({"VpcEndpoints": [{"VpcEndpointId": "vpce-0a1b2c3d4e5f", "PolicyDocument": only_vpce}]})
                .to_string();
        let checks = EndpointPolicyDenies.check(&with(endpoint(&described))).unwrap();
        assert!(checks.iter().all(|c| c.status == Status::Pass), "{checks:?}");
    }
}
