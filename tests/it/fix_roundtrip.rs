//! Fixes applied exactly as written, against moto: build a broken account through
//! the AWS SDK for Rust, run `doctor --write-fixes DIR --unsafe-fixes` live, run
//! `DIR/apply.sh` with the real AWS CLI against moto, run the doctor again on
//! DIR's connection file: every finding that had a fix is gone, and no new error.

use crate::common;

use common::broken;
use common::moto::{aws_cli, bash_with_aws_cli, endpoint};
use common::{doctor, failures, moto, not_cleared, stdout_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn run(cwd: &Path, config: &str, extra: &[&str]) -> Value {
    let mut cmd = doctor();
    cmd.current_dir(cwd)
        .env("AWS_ENDPOINT_URL", endpoint())
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "10",
            "--no-probes",
            "--config",
            config,
        ])
        .args(extra);
    stdout_json(&cmd.output().unwrap())
}

#[test]
fn apply_sh_as_written_clears_the_findings() {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let b = broken::build();
    let tmp = tempfile::tempdir().unwrap();
    broken::connection(tmp.path(), &b);
    let before = run(
        tmp.path(),
        "connection.toml",
        &["--write-fixes", "fixes", "--unsafe-fixes"],
    );
    let fixed: Vec<&Value> = failures(&before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .collect();
    let codes: BTreeSet<&str> = fixed.iter().map(|c| c["code"].as_str().unwrap()).collect();
    // The account was built to break these, each with a fix the doctor can write.
    for code in [
        "TRUST002",
        "S3001",
        "S3002",
        "S3003",
        "S3004",
        "S3005",
        "ATHENA003",
        "ATHENA007",
        "CATALOG001",
        "CATALOG003",
    ] {
        assert!(
            codes.contains(code),
            "no {code} finding with a fix: {codes:?}\n{before:#}"
        );
    }
    // Printed fields name the written files, which hold the documents.
    for c in &fixed {
        if c["fix"]["kind"] == "policy" {
            let file = c["fix"]["file"].as_str().unwrap();
            assert!(file.starts_with("fixes/"), "{file}");
            let command = c["fix"]["command"].as_str().unwrap();
            assert!(command.contains(&format!("file://{file}")), "{command}");
            // The file holds exactly the document the report prints (the merged
            // one: never one fix's part of it).
            let written: Value =
                serde_json::from_str(&std::fs::read_to_string(tmp.path().join(file)).unwrap()).unwrap();
            assert_eq!(written, c["fix"]["document"], "{file}");
        }
    }
    // The lake's KMS key lets only its administrators in: the fix goes into the
    // key policy (the whole document read, with the role named), not the role's.
    let kms = fixed
        .iter()
        .find(|c| c["code"] == "S3005")
        .expect("an S3005 finding with a fix");
    let command = kms["fix"]["command"].as_str().unwrap();
    assert!(
        command.starts_with("aws kms put-key-policy --key-id arn:aws:kms:us-east-1:")
            && command.contains("--policy-name default --policy file://fixes/"),
        "{command}"
    );
    let written = std::fs::read_to_string(tmp.path().join(kms["fix"]["file"].as_str().unwrap())).unwrap();
    assert!(
        written.contains("KeyAdmins") && written.contains(&format!(":role/{}", b.role)),
        "{written}"
    );
    // A new version of the managed policy names who else it changes.
    let version = fixed
        .iter()
        .find(|c| {
            c["fix"]["command"]
                .as_str()
                .is_some_and(|c| c.contains("create-policy-version"))
        })
        .expect("a fix makes a new policy version");
    let note = version["fix"]["note"].as_str().unwrap();
    assert!(note.contains(&format!("attached to role {}", b.role)), "{note}");
    let script = std::fs::read_to_string(tmp.path().join("fixes/apply.sh")).unwrap();
    assert!(script.contains("set -euo pipefail"));
    assert!(script.contains("create-policy-version"), "{script}");
    assert!(script.contains("--policy-name athena-doctor"), "{script}");
    let corrected = std::fs::read_to_string(tmp.path().join("fixes/connection.toml")).unwrap();
    assert!(corrected.contains("(this comment must survive)"), "{corrected}");

    // A snapshot of the same account, replayed with --write-fixes, writes the same
    // documents and script, and a connection file with the same values (written
    // from the snapshot's fields: a snapshot holds no comments).
    let snapshot = doctor()
        .current_dir(tmp.path())
        .env("AWS_ENDPOINT_URL", endpoint())
        .args([
            "snapshot",
            "--timeout",
            "10",
            "--no-probes",
            "--config",
            "connection.toml",
            "-o",
            "snap.json",
        ])
        .output()
        .unwrap();
    assert!(
        snapshot.status.success(),
        "{}",
        String::from_utf8_lossy(&snapshot.stderr)
    );
    let replay = doctor()
        .current_dir(tmp.path())
        .args([
            "doctor",
            "--snapshot",
            "snap.json",
            "--write-fixes",
            "replayed",
            "--unsafe-fixes",
        ])
        .args(["--format", "json", "-o", "replay.json"])
        .output()
        .unwrap();
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let listing = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(tmp.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing("fixes"), listing("replayed"));
    for name in listing("fixes") {
        let read = |dir: &str| std::fs::read_to_string(tmp.path().join(dir).join(&name)).unwrap();
        if name == "connection.toml" {
            let parse = |t: String| t.parse::<toml::Table>().unwrap();
            assert_eq!(parse(read("fixes")), parse(read("replayed")), "{name}");
        } else if name == "apply.sh" {
            // The same commands, with the replayed directory's files.
            assert_eq!(
                read("fixes"),
                read("replayed").replace("replayed/", "fixes/"),
                "{name}"
            );
        } else {
            assert_eq!(read("fixes"), read("replayed"), "{name}");
        }
    }

    apply_and_recheck(tmp.path(), &aws, &before);
}

/// Run DIR/apply.sh with the AWS CLI against moto (from another directory: the
/// script finds its files beside itself), run the doctor on DIR's connection file,
/// and check: every finding `before` had a (runnable) fix for is gone, and no new
/// error appeared.
fn apply_and_recheck(dir: &Path, aws: &Path, before: &Value) {
    let script = std::fs::read_to_string(dir.join("fixes/apply.sh")).unwrap();
    let applied = bash_with_aws_cli(aws)
        .arg(dir.join("fixes/apply.sh"))
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "apply.sh failed:\n{}\n{}\n{script}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );
    let after = run(dir, "fixes/connection.toml", &[]);
    let problems = not_cleared(before, &after);
    assert!(
        problems.is_empty(),
        "after apply.sh: {}\n{after:#}",
        problems.join("\n")
    );
}

/// A second account for the fixes the first cannot show at once: GetBucketLocation
/// allowed only under an s3:prefix condition (S3007), a workgroup that enforces its
/// own output location (ATHENA004), a catalog name one letter off (CATALOG002).
#[test]
fn a_second_account_round_trips_too() {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let id = common::moto::unique("rt2").replace('-', "");
    let (role, results, workgroup, catalog) = (
        format!("bi2-{id}"),
        format!("rt2-results-{id}"),
        format!("wg2-{id}"),
        format!("finance{id}"),
    );
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", broken::VENDOR)}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": broken::EXTERNAL_ID}}}]});
        aws.iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["athena:*", "glue:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
             "s3:ListMultipartUploadParts"], "Resource": format!("arn:aws:s3:::{results}/*")},
            {"Sid": "ListResults", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": format!("arn:aws:s3:::{results}"),
             "Condition": {"StringLike": {"s3:prefix": "omni/*"}}}]});
        aws.iam
            .put_role_policy()
            .role_name(&role)
            .policy_name("athena")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
        aws.s3.create_bucket().bucket(&results).send().await.unwrap();
        aws.athena
            .create_work_group()
            .name(&workgroup)
            .configuration(
                aws_sdk_athena::types::WorkGroupConfiguration::builder()
                    .enforce_work_group_configuration(true)
                    .result_configuration(
                        aws_sdk_athena::types::ResultConfiguration::builder()
                            .output_location(format!("s3://{results}/workgroup/"))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        aws.athena
            .create_data_catalog()
            .name(&catalog)
            .r#type(aws_sdk_athena::types::DataCatalogType::Glue)
            .parameters("catalog-id", broken::ACCOUNT)
            .send()
            .await
            .unwrap();
    });
    let tmp = tempfile::tempdir().unwrap();
    // The catalog name with its last letter dropped: one edit from the real one.
    let typo = &catalog[..catalog.len() - 1];
    let text = format!(
        "display_name = \"second\"\ns3_output_bucket = \"s3://{results}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_other_data_catalogs = \"{typo}\"\ndatabase_timezone = \"UTC\"\nregion = \"us-east-1\"\n\
         workgroup = \"{workgroup}\"\n\n[auth]\ntype = \"cross_account_role\"\n\
         role_arn = \"arn:aws:iam::{}:role/{role}\"\nexternal_id = \"{}\"\ntrusted_account_id = \"{}\"\n",
        broken::ACCOUNT,
        broken::EXTERNAL_ID,
        broken::VENDOR
    );
    std::fs::write(tmp.path().join("connection.toml"), text).unwrap();
    let before = run(
        tmp.path(),
        "connection.toml",
        &["--write-fixes", "fixes", "--unsafe-fixes"],
    );
    let codes: BTreeSet<&str> = failures(&before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for code in ["S3007", "ATHENA004", "CATALOG002"] {
        assert!(
            codes.contains(code),
            "no {code} finding with a fix: {codes:?}\n{before:#}"
        );
    }
    apply_and_recheck(tmp.path(), &aws, &before);
}

/// An access-key user whose grants come from its group's inline policy, which
/// lacks the workgroup (ATHENA001), and whose results bucket is in another region
/// than the connection (REGION003). The workgroup grant goes into the group's
/// policy (put-group-policy: the group's document plus the statement), never into
/// a copy on the user; the cure of REGION003 is a results bucket in the
/// connection's region, created, granted in that same group policy, and the
/// connection pointed at it. apply.sh clears both, with no new error.
#[test]
fn a_group_users_grants_and_a_regional_bucket_round_trip() {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let id = common::moto::unique("rt3").replace('-', "");
    let (user, group, results) = (
        format!("bi-user-{id}"),
        format!("bi-group-{id}"),
        format!("rt3-results-{id}"),
    );
    let group_policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Catalog", "Effect": "Allow", "Action": ["glue:*", "athena:ListDataCatalogs",
         "athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase", "athena:ListTableMetadata",
         "athena:GetTableMetadata"], "Resource": "*"},
        {"Sid": "ResultsBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation",
         "s3:ListBucketMultipartUploads"], "Resource": format!("arn:aws:s3:::{results}")},
        {"Sid": "ResultsObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
         "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         "Resource": format!("arn:aws:s3:::{results}/omni/*")}]});
    let key_id = common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        aws.iam.create_user().user_name(&user).send().await.unwrap();
        aws.iam.create_group().group_name(&group).send().await.unwrap();
        aws.iam
            .add_user_to_group()
            .group_name(&group)
            .user_name(&user)
            .send()
            .await
            .unwrap();
        aws.iam
            .put_group_policy()
            .group_name(&group)
            .policy_name("athena")
            .policy_document(group_policy.to_string())
            .send()
            .await
            .unwrap();
        aws.s3
            .create_bucket()
            .bucket(&results)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::UsWest2)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let key = aws.iam.create_access_key().user_name(&user).send().await.unwrap();
        key.access_key().unwrap().access_key_id().to_string()
    });
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "display_name = \"group user\"\ns3_output_bucket = \"s3://{results}/omni/\"\n\
         data_catalog = \"awsdatacatalog\"\ndatabase_timezone = \"UTC\"\nregion = \"us-east-1\"\n\
         account_id = \"{}\"\n\n[auth]\ntype = \"access_key\"\naccess_key_id = \"{key_id}\"\n",
        broken::ACCOUNT
    );
    std::fs::write(tmp.path().join("connection.toml"), text).unwrap();
    let before = run(
        tmp.path(),
        "connection.toml",
        &["--write-fixes", "fixes", "--unsafe-fixes"],
    );
    let fixed: Vec<&Value> = failures(&before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .collect();
    let of = |code: &str, subject: &str| {
        fixed
            .iter()
            .find(|c| c["code"] == code && c["subject"] == subject)
            .unwrap_or_else(|| panic!("no {code} finding on {subject} with a fix:\n{before:#}"))
    };
    let workgroup = format!("arn:aws:athena:us-east-1:{}:workgroup/primary", broken::ACCOUNT);
    let athena = of("ATHENA001", &workgroup);
    let command = athena["fix"]["command"].as_str().unwrap();
    assert!(
        command.starts_with(&format!(
            "aws iam put-group-policy --group-name {group} --policy-name athena --policy-document file://fixes/"
        )),
        "{command}"
    );
    let moved = format!("rt3-results-{id}-us-east-1");
    let region = of("REGION003", &results);
    assert_eq!(region["fix"]["value"], format!("s3://{moved}/omni/"));
    assert_eq!(
        of("REGION003", &moved)["fix"]["command"],
        format!("aws s3api create-bucket --bucket {moved} --region us-east-1")
    );
    apply_and_recheck(tmp.path(), &aws, &before);
    // The user gained no policy of its own; the group's holds its statements
    // once, plus the grants on the workgroup and on the new bucket.
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let own = aws
            .iam
            .list_user_policies()
            .user_name(&user)
            .send()
            .await
            .unwrap();
        assert!(own.policy_names().is_empty(), "{:?}", own.policy_names());
        let doc = aws
            .iam
            .get_group_policy()
            .group_name(&group)
            .policy_name("athena")
            .send()
            .await
            .unwrap();
        let text = doc.policy_document().to_string();
        let text = if text.starts_with('%') {
            percent_decode(&text)
        } else {
            text
        };
        let after: Value = serde_json::from_str(&text).unwrap();
        let statements = after["Statement"].as_array().unwrap();
        for s in group_policy["Statement"].as_array().unwrap() {
            assert_eq!(statements.iter().filter(|x| *x == s).count(), 1, "{after:#}");
        }
        assert!(
            after
                .to_string()
                .contains(&format!("arn:aws:s3:::{moved}/omni/*")),
            "{after:#}"
        );
        assert!(
            after.to_string().contains("athena:StartQueryExecution"),
            "{after:#}"
        );
    });
}

/// A role whose own inline policy is a few characters under the role's quota
/// (10,240, white space not counted) and lacks the results bucket (S3002): the
/// merged document would be over the quota, so the grant goes into a managed
/// policy of its own, created and attached (the ARN from the role's account).
/// No command puts a document over its quota; apply.sh clears the findings.
#[test]
fn a_grant_over_the_inline_quota_round_trips_as_a_managed_policy() {
    if !moto::available() {
        return;
    }
    let Some(aws) = aws_cli() else { return };
    let id = common::moto::unique("rt4").replace('-', "");
    let (role, results) = (format!("bi4-{id}"), format!("rt4-results-{id}"));
    let mut statements = vec![serde_json::json!(
        {"Sid": "Athena", "Effect": "Allow", "Action": ["athena:*", "glue:*"], "Resource": "*"})];
    let counted = |v: &Value| v.to_string().chars().filter(|c| !c.is_whitespace()).count();
    // Padding: grants on other buckets, up to 10,000 characters as IAM counts them.
    while counted(&serde_json::json!({"Version": "2012-10-17", "Statement": statements})) < 10_000 {
        let n = statements.len();
        statements.push(serde_json::json!({"Sid": format!("Other{n}"), "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [format!("arn:aws:s3:::other-bucket-{n}-{id}"), format!("arn:aws:s3:::other-bucket-{n}-{id}/*")]}));
    }
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", broken::VENDOR)}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": broken::EXTERNAL_ID}}}]});
        aws.iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        aws.iam
            .put_role_policy()
            .role_name(&role)
            .policy_name("athena")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
        aws.s3.create_bucket().bucket(&results).send().await.unwrap();
    });
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "display_name = \"quota\"\ns3_output_bucket = \"s3://{results}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         database_timezone = \"UTC\"\nregion = \"us-east-1\"\n\n[auth]\ntype = \"cross_account_role\"\n\
         role_arn = \"arn:aws:iam::{}:role/{role}\"\nexternal_id = \"{}\"\ntrusted_account_id = \"{}\"\n",
        broken::ACCOUNT,
        broken::EXTERNAL_ID,
        broken::VENDOR
    );
    std::fs::write(tmp.path().join("connection.toml"), text).unwrap();
    let before = run(
        tmp.path(),
        "connection.toml",
        &["--write-fixes", "fixes", "--unsafe-fixes"],
    );
    let fixed: Vec<&Value> = failures(&before)
        .into_iter()
        .filter(|c| !c["fix"].is_null() && c["fix"]["applicability"] != "display-only")
        .collect();
    let s3 = fixed
        .iter()
        .find(|c| c["code"] == "S3002")
        .unwrap_or_else(|| panic!("no S3002 finding with a fix:\n{before:#}"));
    let command = s3["fix"]["command"].as_str().unwrap();
    let name = format!("athena-doctor-{role}");
    assert!(
        command.starts_with(&format!(
            "aws iam create-policy --policy-name {name} --policy-document file://fixes/"
        )) && command.ends_with(&format!(
            " && aws iam attach-role-policy --role-name {role} --policy-arn arn:aws:iam::{}:policy/{name}",
            broken::ACCOUNT
        )),
        "{command}"
    );
    assert!(
        s3["fix"]["note"]
            .as_str()
            .unwrap()
            .contains("over AWS's quota of 10240"),
        "{:#}",
        s3["fix"]
    );
    // Printed = applied: no runnable command puts a document over its quota.
    for c in &fixed {
        let Some(command) = c["fix"]["command"].as_str() else {
            continue;
        };
        if command.contains("put-role-policy") {
            assert!(counted(&c["fix"]["document"]) <= 10_240, "{command}");
        }
    }
    let steps = before["apply"].as_array().expect("the report's steps");
    for step in steps {
        let line = step.to_string();
        assert!(
            !line.contains("put-role-policy") || !line.contains("Other0"),
            "{line}"
        );
    }
    // One step creates and attaches, and runs as printed.
    let split = steps
        .iter()
        .find(|s| {
            s["command"]
                .as_str()
                .is_some_and(|c| c.contains("attach-role-policy"))
        })
        .unwrap_or_else(|| panic!("no step attaches the policy: {steps:#?}"));
    assert_eq!(split["runs_as_printed"], true, "{split:#}");
    assert_eq!(split["command"], s3["fix"]["command"], "{split:#}");
    apply_and_recheck(tmp.path(), &aws, &before);
    // The role's inline policy is as it was; the managed policy is attached.
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let attached = aws
            .iam
            .list_attached_role_policies()
            .role_name(&role)
            .send()
            .await
            .unwrap();
        let names: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name())
            .collect();
        assert_eq!(names, [name.as_str()]);
        let inline = aws
            .iam
            .list_role_policies()
            .role_name(&role)
            .send()
            .await
            .unwrap();
        assert_eq!(inline.policy_names(), ["athena"]);
    });
}

/// IAM returns documents URL-encoded (RFC 3986); moto may not.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
