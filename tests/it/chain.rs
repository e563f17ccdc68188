//! AWS profile chains through the binary (issue 33): a dbt `profiles.yml` names
//! `prod`, `--profile-file` holds the chain base (keys) → `mid` (role R1) →
//! `prod` (role R2, assumed as R1's session), and `--trust-policy ROLE_ARN=FILE`
//! gives each role's trust policy. A wrong `external_id` in either hop is
//! TRUST007's finding naming that hop (profile, `hop N of 2`, the profile
//! file's line and column); writing the printed line into the profile file
//! clears it; the source profile's secret is never printed.

use crate::common::{doctor, stdout_json};
use serde_json::Value;
use std::path::Path;

const SECRET: &str = "Zq3Rk8Vb2Nw5Tx7Yp1Ls4Hd6Fg9Jc0Mu2Ea5Wi3k";
const R1: &str = "arn:aws:iam::111122223333:role/R1";
const R2: &str = "arn:aws:iam::444455556666:role/R2";

/// The AWS CLI guide's chaining shape ("Use an IAM role in the AWS CLI":
/// `role_arn` + `source_profile`, `external_id`), two roles deep.
fn config(mid_id: &str, prod_id: &str) -> String {
    format!(
        "[profile base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = {SECRET}

[profile mid]
role_arn = {R1}
source_profile = base
external_id = {mid_id}

[profile prod]
role_arn = {R2}
source_profile = mid
external_id = {prod_id}
region = eu-west-1
"
    )
}

/// R1 trusts the base account's principals with `mid-4k2p`; R2 trusts only
/// R1's sessions, with `prod-7d1f`.
const R1_TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{
  "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
  "Action": "sts:AssumeRole",
  "Condition": {"StringEquals": {"sts:ExternalId": "mid-4k2p"}}}]}"#;
const R2_TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{
  "Sid": "FromMid",
  "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111122223333:role/R1"},
  "Action": "sts:AssumeRole",
  "Condition": {"StringEquals": {"sts:ExternalId": "prod-7d1f"}}}]}"#;

const DBT: &str = "analytics:
  target: prod
  outputs:
    prod:
      type: athena
      s3_staging_dir: s3://acme-results/dbt/
      database: awsdatacatalog
      schema: sales
      aws_profile_name: prod
";

fn setup(config_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profiles.yml"), DBT).unwrap();
    std::fs::write(dir.path().join("config"), config_text).unwrap();
    std::fs::write(dir.path().join("r1.json"), R1_TRUST).unwrap();
    std::fs::write(dir.path().join("r2.json"), R2_TRUST).unwrap();
    dir
}

/// `doctor --offline -c CONN --profile-file config`, each `--trust-policy`
/// given, then `extra`; the secret is never printed.
fn judge(dir: &Path, conn: &str, trust: &[String], extra: &[&str]) -> std::process::Output {
    let mut cmd = doctor();
    cmd.current_dir(dir)
        .args(["doctor", "--offline", "-c", conn, "--profile-file", "config"]);
    for t in trust {
        cmd.args(["--trust-policy", t]);
    }
    let out = cmd.args(extra).output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let s = String::from_utf8_lossy(stream);
        assert!(!s.contains(SECRET), "the secret was printed: {s}");
    }
    out
}

/// Both hops' trust policies, as `--trust-policy ARN=FILE`.
fn both() -> [String; 2] {
    [format!("{R1}=r1.json"), format!("{R2}=r2.json")]
}

fn run(dir: &Path, format: &str) -> std::process::Output {
    judge(dir, "profiles.yml", &both(), &["--format", format])
}

/// TRUST007's checks: (status, subject, the whole check).
fn hops(report: &Value) -> Vec<(String, String, Value)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == "TRUST007")
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_string(),
                c["subject"].as_str().unwrap().to_string(),
                c.clone(),
            )
        })
        .collect()
}

/// TRUST007's SARIF results: `file:line:column` of each.
fn sarif_sites(dir: &Path) -> Vec<String> {
    let sarif = stdout_json(&run(dir, "sarif"));
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "TRUST007")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{}:{}:{}",
                loc["artifactLocation"]["uri"].as_str().unwrap_or(""),
                loc["region"]["startLine"],
                loc["region"]["startColumn"]
            )
        })
        .collect()
}

/// Write the fix's line over the line its instruction names (`config:L:C`),
/// as a person applying the printed fix does.
fn apply(dir: &Path, fix: &Value) {
    let snippet = &fix["snippet"];
    let instruction = snippet["instruction"].as_str().unwrap();
    let at = instruction
        .split("config:")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no config:LINE in {instruction:?}"));
    let path = dir.join("config");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[at - 1] = snippet["text"].as_str().unwrap().to_string();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_wrong_external_id_in_the_second_hop_names_that_hop_and_its_fix_clears_it() {
    let dir = setup(&config("mid-4k2p", "prod-7d1e"));
    let out = run(dir.path(), "json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    let checks = hops(&report);
    assert_eq!(checks.len(), 2, "{checks:#?}");
    // Hop 1 (mid) is admitted: its ID is the one R1 requires.
    assert_eq!(checks[0].0, "pass", "{:#?}", checks[0].2);
    assert!(checks[0].1.contains("mid") && checks[0].1.contains("hop 1 of 2"));
    // Hop 2 (prod) is refused, named, with the profile's corrected line.
    let (status, subject, check) = &checks[1];
    assert_eq!(status, "fail");
    assert_eq!(subject, "profile prod (hop 2 of 2)");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains(R1) && message.contains("`prod-7d1e` is not `prod-7d1f`"),
        "{message}"
    );
    let fix = &check["fix"];
    assert_eq!(fix["snippet"]["text"], "external_id = prod-7d1f", "{fix:#}");
    assert!(
        fix["snippet"]["instruction"]
            .as_str()
            .unwrap()
            .contains("config:13:15"),
        "{fix:#}"
    );
    // Where it points: the profile file's external_id line, not profiles.yml.
    assert_eq!(sarif_sites(dir.path()), ["config:13:15"]);
    // The table names the hop too.
    let table = String::from_utf8_lossy(&run(dir.path(), "table").stdout).to_string();
    assert!(
        table.contains("TRUST007") && table.contains("hop 2 of 2"),
        "{table}"
    );

    // --write-fixes never rewrites the profile file (it holds the base keys):
    // apply.sh says which line to write, by hand.
    let out = judge(dir.path(), "profiles.yml", &both(), &["--write-fixes", "fixes"]);
    assert_eq!(out.status.code(), Some(1));
    let script = std::fs::read_to_string(dir.path().join("fixes/apply.sh")).unwrap();
    assert!(
        script.contains("(config:13:15) becomes: `external_id = prod-7d1f`"),
        "{script}"
    );
    assert!(!dir.path().join("fixes/config").exists());

    apply(dir.path(), fix);
    let text = std::fs::read_to_string(dir.path().join("config")).unwrap();
    assert_eq!(text, config("mid-4k2p", "prod-7d1f"));
    let report = stdout_json(&run(dir.path(), "json"));
    let checks = hops(&report);
    assert!(checks.iter().all(|(status, ..)| status == "pass"), "{checks:#?}");
}

#[test]
fn a_wrong_external_id_in_the_first_hop_names_mid() {
    let dir = setup(&config("mid-4k2q", "prod-7d1f"));
    let report = stdout_json(&run(dir.path(), "json"));
    let checks = hops(&report);
    let failed: Vec<&(String, String, Value)> = checks.iter().filter(|c| c.0 == "fail").collect();
    assert_eq!(failed.len(), 1, "{checks:#?}");
    assert_eq!(failed[0].1, "profile mid (hop 1 of 2)");
    assert_eq!(
        failed[0].2["fix"]["snippet"]["text"], "external_id = mid-4k2p",
        "{:#}",
        failed[0].2
    );
    assert_eq!(sarif_sites(dir.path()), ["config:8:15"]);
    apply(dir.path(), &failed[0].2["fix"]);
    let checks = hops(&stdout_json(&run(dir.path(), "json")));
    assert!(checks.iter().all(|c| c.0 == "pass"), "{checks:#?}");
}

#[test]
fn a_hop_whose_trust_policy_is_not_given_is_a_skip_naming_the_flag() {
    let dir = setup(&config("mid-4k2p", "prod-7d1f"));
    let out = judge(
        dir.path(),
        "profiles.yml",
        &["r2.json".to_string()],
        &["--format", "json"],
    );
    let checks = hops(&stdout_json(&out));
    // R1's is not given; a plain FILE is the connection's role's (prod's, R2).
    assert_eq!(checks[0].0, "skip", "{checks:#?}");
    assert!(
        checks[0].2["message"]
            .as_str()
            .unwrap()
            .contains(&format!("--trust-policy {R1}=FILE")),
        "{checks:#?}"
    );
    assert_eq!(checks[1].0, "pass", "{checks:#?}");
}

#[test]
fn values_the_profile_gave_point_into_the_profile_file() {
    // The region comes from `prod`'s `region` line; written as a zone, REGION001
    // names config:14:10, and its fix is that line corrected.
    let dir = setup(&config("mid-4k2p", "prod-7d1f").replace("region = eu-west-1", "region = eu-west-1a"));
    let out = run(dir.path(), "json");
    let report = stdout_json(&out);
    let region = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "REGION001" && c["status"] == "fail")
        .unwrap_or_else(|| panic!("{report:#}"))
        .clone();
    let fix = &region["fix"];
    assert_eq!(fix["snippet"]["text"], "region = eu-west-1", "{fix:#}");
    assert!(
        fix["snippet"]["instruction"]
            .as_str()
            .unwrap()
            .contains("config:14:10"),
        "{fix:#}"
    );
    let sarif = stdout_json(&run(dir.path(), "sarif"));
    let site = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "REGION001")
        .map(|r| r["locations"][0]["physicalLocation"].clone())
        .unwrap();
    assert_eq!(site["artifactLocation"]["uri"], "config", "{site:#}");
    assert_eq!(site["region"]["startLine"], 14, "{site:#}");
    apply(dir.path(), fix);
    let report = stdout_json(&run(dir.path(), "json"));
    assert!(
        !report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "REGION001" && c["status"] == "fail"),
        "{report:#}"
    );
}

/// Live (moto): each role's trust policy read with iam:GetRole. moto's
/// AssumeRole does not enforce trust policies, so the judgement is the
/// evaluator's on what GetRole returned.
#[test]
fn live_each_hop_is_judged_with_the_trust_policy_getrole_returns() {
    use crate::common::moto;
    if !moto::available() {
        return;
    }
    const ACCOUNT: &str = "123456789012";
    let (r1, r2) = (moto::unique("chain-r1"), moto::unique("chain-r2"));
    let r1_arn = format!("arn:aws:iam::{ACCOUNT}:role/{r1}");
    let r2_arn = format!("arn:aws:iam::{ACCOUNT}:role/{r2}");
    moto::runtime().block_on(async {
        let aws = moto::aws().await;
        for (name, trust) in [(&r1, R1_TRUST.to_string()), (&r2, R2_TRUST.replace(R1, &r1_arn))] {
            aws.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust)
                .send()
                .await
                .unwrap();
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profiles.yml"), DBT).unwrap();
    let text = config("mid-4k2p", "prod-7d1e")
        .replace(R1, &r1_arn)
        .replace(R2, &r2_arn);
    std::fs::write(dir.path().join("config"), &text).unwrap();
    let live = |dir: &Path| {
        let out = crate::common::doctor_at(&moto::endpoint())
            .current_dir(dir)
            .args(["doctor", "-c", "profiles.yml", "--profile-file", "config"])
            .args(["--no-probes", "--format", "json"])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
        stdout_json(&out)
    };
    let checks = hops(&live(dir.path()));
    assert_eq!(checks.len(), 2, "{checks:#?}");
    assert_eq!(checks[0].0, "pass", "{checks:#?}");
    let (status, subject, check) = &checks[1];
    assert_eq!(
        (status.as_str(), subject.as_str()),
        ("fail", "profile prod (hop 2 of 2)"),
        "{check:#}"
    );
    assert_eq!(check["fix"]["snippet"]["text"], "external_id = prod-7d1f");
    // A snapshot carries the roles' trust policies: replayed, the same finding.
    let out = crate::common::doctor_at(&moto::endpoint())
        .current_dir(dir.path())
        .args(["snapshot", "-c", "profiles.yml", "--profile-file", "config"])
        .args(["--no-probes", "-o", "snap.json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let replayed = doctor()
        .current_dir(dir.path())
        .args(["doctor", "--snapshot", "snap.json", "--format", "json"])
        .output()
        .unwrap();
    let again = hops(&stdout_json(&replayed));
    assert_eq!(
        again.iter().map(|c| (&c.0, &c.1)).collect::<Vec<_>>(),
        checks.iter().map(|c| (&c.0, &c.1)).collect::<Vec<_>>()
    );
    apply(dir.path(), &check["fix"]);
    let checks = hops(&live(dir.path()));
    assert!(checks.iter().all(|c| c.0 == "pass"), "{checks:#?}");
}

/// Both roles in one account, R2 trusting the account: the trust policy
/// delegates to R1's identity policies, which the chain does not tell. A wrong
/// ID is still the finding (with its line); the right one passes, saying what
/// it cannot know.
#[test]
fn a_same_account_hop_delegates_to_the_identity_policy() {
    let same = R2.replace("444455556666", "111122223333");
    let dir = setup(&config("mid-4k2p", "prod-7d1e").replace(R2, &same));
    std::fs::write(
        dir.path().join("r2.json"),
        R2_TRUST.replace(
            "arn:aws:iam::111122223333:role/R1",
            "arn:aws:iam::111122223333:root",
        ),
    )
    .unwrap();
    let judged = |dir: &Path| {
        let trust = [format!("{R1}=r1.json"), format!("{same}=r2.json")];
        let out = judge(dir, "profiles.yml", &trust, &["--format", "json"]);
        hops(&stdout_json(&out))
    };
    let checks = judged(dir.path());
    let (status, subject, check) = &checks[1];
    assert_eq!(
        (status.as_str(), subject.as_str()),
        ("fail", "profile prod (hop 2 of 2)"),
        "{check:#}"
    );
    assert_eq!(
        check["fix"]["snippet"]["text"], "external_id = prod-7d1f",
        "{check:#}"
    );
    apply(dir.path(), &check["fix"]);
    let checks = judged(dir.path());
    assert_eq!(checks[1].0, "pass", "{checks:#?}");
    let message = checks[1].2["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("if the identity policy of {R1} allows sts:AssumeRole")),
        "{message}"
    );
}

/// The same chain named by a SQLAlchemy (PyAthena) URL's `profile_name`: the
/// same hop is named at the same line of the profile file.
#[test]
fn a_sqlalchemy_url_naming_the_profile_gets_the_same_finding() {
    let dir = setup(&config("mid-4k2p", "prod-7d1e"));
    std::fs::write(
        dir.path().join("conn.url"),
        "awsathena+rest://@athena.eu-west-1.amazonaws.com:443/sales?s3_staging_dir=s3%3A%2F%2Facme-results%2Fdbt%2F&profile_name=prod\n",
    )
    .unwrap();
    let out = judge(dir.path(), "conn.url", &both(), &["--format", "json"]);
    let checks = hops(&stdout_json(&out));
    let failed: Vec<_> = checks.iter().filter(|c| c.0 == "fail").collect();
    assert_eq!(failed.len(), 1, "{checks:#?}");
    assert_eq!(failed[0].1, "profile prod (hop 2 of 2)");
    assert!(
        failed[0].2["fix"]["snippet"]["instruction"]
            .as_str()
            .unwrap()
            .contains("config:13:15"),
        "{:#}",
        failed[0].2
    );
}
