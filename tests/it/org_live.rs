//! The organization's policies read live (issue 31), against moto's AWS
//! Organizations: an SCP that denies Glue, attached to the OU of the connection's
//! account, is ORG001 naming the SCP, where it is attached and its statement —
//! live, and offline from the same policy as `describe-policy` prints it; the
//! reads refused or impossible are skips that say why.
//!
//! How the accounts are made in moto: an organization's state lives in the
//! account that created it, and moto takes the account from the credentials —
//! `sts:AssumeRole` into a role ARN of another account (moto does not require the
//! role to exist) gives keys that moto files under that account. So each test
//! makes its own management account that way (a fresh ID: moto keeps the
//! organization for the server's life, and no other test sees it), creates the
//! organization there, and `organizations:CreateAccount` makes the member the
//! connection's role belongs to. The doctor runs with the management account's
//! keys, as it must in AWS to read SCPs (the management account or a delegated
//! administrator); its IAM and S3 reads of the member's role find nothing in the
//! management account, and the tests select only ORG001 and ORG002.

use crate::common;

use common::moto::{endpoint, runtime};
use common::{doctor, stdout_json};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Keys of `account` in moto: AssumeRole into a role ARN of that account.
async fn keys_of(account: &str) -> aws_sdk_sts::config::Credentials {
    let sts = aws_sdk_sts::Client::new(&common::moto::config().await);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/org-admin"))
        .role_session_name("org-live")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    aws_sdk_sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "org-live",
    )
}

async fn organizations(keys: &aws_sdk_sts::config::Credentials) -> aws_sdk_organizations::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(keys.clone())
        .load()
        .await;
    aws_sdk_organizations::Client::new(&config)
}

/// A 12-digit account ID no other test (or earlier run) uses.
fn fresh_account() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "7{:011}",
        (nanos + u128::from(std::process::id())) % 100_000_000_000
    )
}

const DENY_GLUE: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "NoGlueOutsideDataPlatform", "Effect": "Deny", "Action": "glue:*", "Resource": "*"}]}"#;

/// What the organization holds.
struct Org {
    management: aws_sdk_sts::config::Credentials,
    member: String,
    ou: String,
    policy_id: String,
    policy_arn: String,
}

/// An organization with SCPs enabled (RCPs not), a member account in an OU,
/// and `DenyGlue` attached to that OU beside the FullAWSAccess moto attaches to
/// every new OU and account (as AWS does).
fn build_org() -> Org {
    runtime().block_on(async {
        let management = keys_of(&fresh_account()).await;
        let org = organizations(&management).await;
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        let roots = org.list_roots().send().await.unwrap();
        let root = roots.roots()[0].id().unwrap().to_string();
        org.enable_policy_type()
            .root_id(&root)
            .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
            .await
            .unwrap();
        let created = org
            .create_account()
            .account_name("analytics")
            .email("analytics@example.com")
            .send()
            .await
            .unwrap();
        let member = created
            .create_account_status()
            .unwrap()
            .account_id()
            .unwrap()
            .to_string();
        let ou = org
            .create_organizational_unit()
            .parent_id(&root)
            .name("workloads")
            .send()
            .await
            .unwrap()
            .organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        org.move_account()
            .account_id(&member)
            .source_parent_id(&root)
            .destination_parent_id(&ou)
            .send()
            .await
            .unwrap();
        let policy = org
            .create_policy()
            .name("DenyGlue")
            .description("No Glue outside the data platform OU")
            .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .content(DENY_GLUE)
            .send()
            .await
            .unwrap();
        let summary = policy.policy().unwrap().policy_summary().unwrap();
        let (policy_id, policy_arn) = (
            summary.id().unwrap().to_string(),
            summary.arn().unwrap().to_string(),
        );
        org.attach_policy()
            .policy_id(&policy_id)
            .target_id(&ou)
            .send()
            .await
            .unwrap();
        Org {
            management,
            member,
            ou,
            policy_id,
            policy_arn,
        }
    })
}

fn connection(dir: &Path, account: &str) -> std::path::PathBuf {
    let text = format!(
        "display_name = \"org\"\ns3_output_bucket = \"s3://org-results/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_schemas = \"sales\"\ndefault_schema = \"sales\"\nregion = \"us-east-1\"\n\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{account}:role/bi-athena\"\n\
         external_id = \"omni-4f2a9c\"\ntrusted_account_id = \"999988887777\"\n"
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The doctor, live against `endpoint` with `keys`, ORG001 and ORG002 only.
fn run(
    endpoint: &str,
    keys: Option<&aws_sdk_sts::config::Credentials>,
    config: &Path,
    extra: &[&str],
) -> Vec<Value> {
    let mut cmd = doctor();
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    if let Some(k) = keys {
        cmd.env("AWS_ACCESS_KEY_ID", k.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", k.secret_access_key())
            .env("AWS_SESSION_TOKEN", k.session_token().unwrap_or_default());
    }
    let output = cmd
        .args([
            "doctor",
            "--format",
            "json",
            "--no-probes",
            "--timeout",
            "10",
            "--select",
            "ORG001,ORG002",
            "--config",
        ])
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    let report = stdout_json(&output);
    report["checks"].as_array().unwrap().clone()
}

fn of<'a>(checks: &'a [Value], code: &str) -> Vec<&'a Value> {
    checks.iter().filter(|c| c["code"] == code).collect()
}

#[test]
fn an_scp_denying_glue_is_org001_live_and_offline() {
    if !common::moto::available() {
        return;
    }
    let org = build_org();
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &org.member);
    let checks = run(&endpoint(), Some(&org.management), &config, &[]);
    let denied = of(&checks, "ORG001");
    let fail = denied
        .iter()
        .find(|c| c["status"] == "fail")
        .unwrap_or_else(|| panic!("no ORG001 finding: {checks:#?}"));
    let message = fail["message"].as_str().unwrap();
    let named = format!(
        "statement 1 (Sid NoGlueOutsideDataPlatform) of SCP DenyGlue ({}) attached to OU {}",
        org.policy_id, org.ou
    );
    assert!(message.contains(&named), "{message}");
    assert!(
        fail["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("arn:aws:glue:us-east-1:{}:catalog", org.member)),
        "{fail:#}"
    );
    assert!(
        fail["fix"].to_string().contains("aws:PrincipalArn"),
        "the exception statement: {fail:#}"
    );
    // RCPs are not enabled in this organization: none applies.
    let rcp = of(&checks, "ORG002");
    assert_eq!(rcp.len(), 1, "{rcp:#?}");
    assert_eq!(rcp[0]["status"], "pass");
    assert!(
        rcp[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("RCPs are not enabled in the root of o-"),
        "{rcp:#?}"
    );

    // Offline, the same SCP as `aws organizations describe-policy` prints it:
    // the same statement named.
    let file = dir.path().join("scp.json");
    let described = serde_json::json!({"Policy": {"PolicySummary": {"Id": org.policy_id,
        "Arn": org.policy_arn, "Name": "DenyGlue", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
        "Content": DENY_GLUE}});
    std::fs::write(&file, described.to_string()).unwrap();
    let output = doctor()
        .args([
            "doctor",
            "--offline",
            "--format",
            "json",
            "--select",
            "ORG001",
            "--config",
        ])
        .arg(&config)
        .arg("--scp")
        .arg(&file)
        .output()
        .unwrap();
    let offline = stdout_json(&output);
    let offline = offline["checks"].as_array().unwrap();
    assert!(
        offline.iter().any(|c| c["status"] == "fail"
            && c["message"].as_str().unwrap().contains(&format!(
                "statement 1 (Sid NoGlueOutsideDataPlatform) of SCP DenyGlue ({})",
                org.policy_id
            ))),
        "{offline:#?}"
    );

    // A file given wins over the live read (here: only FullAWSAccess).
    let allow = dir.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let checks = run(
        &endpoint(),
        Some(&org.management),
        &config,
        &["--scp", allow.to_str().unwrap()],
    );
    let given = of(&checks, "ORG001");
    assert!(given.iter().all(|c| c["status"] == "pass"), "{given:#?}");

    // The management account's own connection: SCPs do not apply to it.
    let management = runtime().block_on(async {
        let sts = aws_sdk_sts::Client::new(
            &aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(endpoint())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(org.management.clone())
                .load()
                .await,
        );
        sts.get_caller_identity()
            .send()
            .await
            .unwrap()
            .account()
            .unwrap()
            .to_string()
    });
    let own = connection(dir.path(), &management);
    let checks = run(&endpoint(), Some(&org.management), &own, &[]);
    let scp = of(&checks, "ORG001");
    assert_eq!(scp.len(), 1, "{scp:#?}");
    assert_eq!(scp[0]["status"], "pass");
    assert!(
        scp[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("account {management} is the management account of o-")),
        "{scp:#?}"
    );
}

/// moto's default account is in no organization: its own connection has no SCP
/// (a pass saying so); another account's cannot be read from it (a skip saying
/// why and what to do).
#[test]
fn outside_an_organization_the_skip_says_why() {
    if !common::moto::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // moto's default account (the test credentials'), in no organization.
    let own = connection(dir.path(), "123456789012");
    let checks = run(&endpoint(), None, &own, &[]);
    for code in ["ORG001", "ORG002"] {
        let c = of(&checks, code);
        assert_eq!(c.len(), 1, "{c:#?}");
        assert_eq!(c[0]["status"], "pass", "{c:#?}");
        assert!(
            c[0]["message"]
                .as_str()
                .unwrap()
                .starts_with("account 123456789012 is in no organization"),
            "{c:#?}"
        );
    }
    let other = connection(dir.path(), "111122223333");
    let checks = run(&endpoint(), None, &other, &[]);
    for code in ["ORG001", "ORG002"] {
        let c = of(&checks, code);
        assert_eq!(c.len(), 1, "{c:#?}");
        assert_eq!(c[0]["status"], "skip", "{c:#?}");
        let message = c[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("needs organizations:DescribeOrganization, which failed")
                && message.contains("AWSOrganizationsNotInUseException")
                && message.contains("cannot read account 111122223333's"),
            "{message}"
        );
    }
}

/// A member account that is not a delegated administrator may describe its
/// organization but not read its policies: AWS answers `AccessDeniedException`.
/// moto does not (it serves a member's ListRoots from the management account's
/// data, and answers its ListParents `AccountNotFoundException`), so the fault
/// proxy in front of moto answers ListRoots as AWS does; the rest is moto's.
#[test]
fn a_member_account_is_refused_and_the_skip_names_the_read() {
    if !common::moto::available() {
        return;
    }
    let org = build_org();
    let member = runtime().block_on(keys_of(&org.member));
    let proxy = common::proxy::start(
        &endpoint(),
        HashMap::from([(
            "organizations:ListRoots".to_string(),
            common::proxy::Fault::Answer(
                400,
                r#"{"__type":"AccessDeniedException","Message":"You don't have permissions to access this resource."}"#,
            ),
        )]),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &org.member);
    let checks = run(&proxy.endpoint, Some(&member), &config, &[]);
    for code in ["ORG001", "ORG002"] {
        let c = of(&checks, code);
        assert_eq!(c.len(), 1, "{c:#?}");
        assert_eq!(c[0]["status"], "skip", "{c:#?}");
        let message = c[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("needs organizations:ListRoots, which was denied: AccessDeniedException")
                && message.contains("management account or a delegated administrator"),
            "{message}"
        );
    }
    let calls = proxy.actions();
    assert!(calls.contains("organizations:DescribeOrganization"), "{calls:?}");
    // Reads only.
    assert!(
        calls.iter().filter(|a| a.starts_with("organizations:")).all(|a| {
            let op = a.trim_start_matches("organizations:");
            ["Describe", "List"].iter().any(|p| op.starts_with(p))
        }),
        "{calls:?}"
    );
}
