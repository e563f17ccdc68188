//! The file sources through the binary: a dbt-athena `profiles.yml`, Grafana's
//! Athena data source (provisioning YAML and the HTTP API's JSON) and
//! Metabase's Athena database (`GET /api/database/:id`). Each is written as the
//! tool's documentation shows it (cited beside each file); a wrong value gives
//! the finding naming the tool's key at its `file:line:column`; the corrected
//! file `--write-fixes` writes clears it; the secret is never in any output;
//! bad input exits 2 with its position.

use crate::common::{doctor, stdout_json};
use serde_json::Value;
use std::path::Path;

/// Not AWS's documented example secret: the rule docs SARIF embeds quote that one.
const SECRET: &str = "Zq3Rk8Vb2Nw5Tx7Yp1Ls4Hd6Fg9Jc0Mu2Ea5Wi3k";

/// dbt, "Athena setup" (docs.getdbt.com/docs/core/connect-data-platform/athena-setup):
/// the documented profile, with keys, and `region_name` written as an
/// availability zone.
const DBT: &str = "default:
  outputs:
    dev:
      type: athena
      s3_staging_dir: s3://athena-query-results/dbt/
      s3_data_dir: s3://your_s3_bucket/dbt/
      s3_data_naming: schema_table
      region_name: eu-west-1a
      schema: dbt
      database: awsdatacatalog
      threads: 4
      work_group: my-workgroup
      aws_access_key_id: AKIAIOSFODNN7EXAMPLE
      aws_secret_access_key: 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
  target: dev
";

/// Grafana, "Configure the Amazon Athena data source" → "Provision the data
/// source", "Use access and secret keys"
/// (grafana.com/docs/plugins/grafana-athena-datasource/latest/configure/), with
/// the output location pasted as the bucket's https URL.
const GRAFANA: &str = "apiVersion: 1
datasources:
  - name: Athena
    type: grafana-athena-datasource
    jsonData:
      authType: keys
      defaultRegion: eu-west-2
      catalog: AwsDataCatalog
      database: sales
      workgroup: primary
      outputLocation: https://acme-athena-results.s3.amazonaws.com/grafana/
    secureJsonData:
      accessKey: AKIAIOSFODNN7EXAMPLE
      secretKey: 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
";

/// Metabase's `GET /api/database/:id` for an Athena database (keys of the
/// driver's manifest, modules/drivers/athena/resources/metabase-plugin.yaml),
/// the region written as an availability zone.
const METABASE: &str = r#"{
  "id": 2,
  "name": "Athena (sales)",
  "engine": "athena",
  "details": {
    "region": "us-east-1b",
    "workgroup": "primary",
    "s3_staging_dir": "s3://acme-athena-results/metabase/",
    "catalog": "AwsDataCatalog",
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "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",
    "additional-options": "UseResultsetStreaming=0"
  }
}
"#;

fn run(dir: &Path, file: &str, args: &[&str]) -> std::process::Output {
    let out = doctor()
        .current_dir(dir)
        .args(["doctor", "--offline", "-c", file])
        .args(args)
        .output()
        .unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let s = String::from_utf8_lossy(stream);
        assert!(!s.contains(SECRET), "the secret was printed: {s}");
    }
    out
}

/// The failures of a SARIF report: (rule, file:line:column).
fn sarif_failures(out: &std::process::Output) -> Vec<(String, String)> {
    let sarif = stdout_json(out);
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            let at = format!(
                "{}:{}:{}",
                loc["artifactLocation"]["uri"].as_str().unwrap_or(""),
                loc["region"]["startLine"],
                loc["region"]["startColumn"]
            );
            (r["ruleId"].as_str().unwrap().to_string(), at)
        })
        .collect()
}

fn failure<'a>(report: &'a Value, code: &str) -> Option<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code && c["status"] == "fail")
}

/// Write `text` as `name`, check the finding `code` names `key` at `at`, write
/// the fixes, and check the corrected file (same name, in `fixes/`) clears it.
fn judged_fixed_and_cleared(name: &str, text: &str, code: &str, key: &str, at: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let report = stdout_json(&run(dir.path(), name, &["--format", "json"]));
    let check = failure(&report, code).unwrap_or_else(|| panic!("{code} expected: {report:#}"));
    assert!(
        check["message"].as_str().unwrap().contains(&format!("`{key}`")),
        "{check:#}"
    );
    assert_eq!(check["fix"]["field"], key, "{check:#}");
    let sarif = sarif_failures(&run(dir.path(), name, &["--format", "sarif"]));
    assert!(
        sarif.iter().any(|(rule, loc)| rule == code && loc.ends_with(at)),
        "{code} at {at}: {sarif:?}"
    );
    let out = run(dir.path(), name, &["--write-fixes", "fixes"]);
    assert_eq!(out.status.code(), Some(1));
    let fixed = std::fs::read_to_string(dir.path().join("fixes").join(name)).unwrap();
    assert!(!fixed.contains(SECRET), "{fixed}");
    // Only the wrong key changed, and the secret taken out.
    let changed: Vec<_> = text.lines().filter(|l| !fixed.lines().any(|f| f == *l)).collect();
    assert!(changed.len() <= 2, "{changed:?}");
    std::fs::write(dir.path().join(name), &fixed).unwrap();
    let after = stdout_json(&run(dir.path(), name, &["--format", "json"]));
    assert!(
        failure(&after, code).is_none(),
        "{code} still there after the fix:\n{fixed}"
    );
}

#[test]
fn dbt_profile_names_region_name_and_its_fix_clears_it() {
    judged_fixed_and_cleared(
        "profiles.yml",
        DBT,
        "REGION001",
        "region_name",
        "profiles.yml:8:20",
    );
}

#[test]
fn grafana_provisioning_names_json_data_output_location() {
    judged_fixed_and_cleared(
        "athena.yaml",
        GRAFANA,
        "CONN005",
        "jsonData.outputLocation",
        "athena.yaml:11:23",
    );
}

#[test]
fn metabase_api_json_names_details_region() {
    judged_fixed_and_cleared(
        "athena-db.json",
        METABASE,
        "REGION001",
        "details.region",
        "athena-db.json:6:15",
    );
}

#[test]
fn grafana_api_json_is_read_by_content_or_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"id": 7, "name": "Athena", "type": "grafana-athena-datasource",
 "jsonData": {"authType": "default", "assumeRoleArn": "arn:aws:iam::111122223333:user/grafana",
  "externalId": "acme-7", "defaultRegion": "us-east-1", "outputLocation": "s3://acme-results/g/"}}"#;
    std::fs::write(dir.path().join("ds.json"), json).unwrap();
    for args in [&[][..], &["--source", "grafana"][..]] {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let report = stdout_json(&run(dir.path(), "ds.json", &all));
        let role = failure(&report, "ROLE002").unwrap_or_else(|| panic!("{report:#}"));
        assert!(
            role["message"]
                .as_str()
                .unwrap()
                .contains("jsonData.assumeRoleArn"),
            "{role:#}"
        );
    }
}

#[test]
fn templated_values_are_reported_never_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "analytics:\n  target: prod\n  outputs:\n    prod:\n      type: athena\n      s3_staging_dir: s3://acme-results/dbt/\n      region_name: \"{{ env_var('DBT_ATHENA_REGION') }}\"\n      database: awsdatacatalog\n      schema: sales\n";
    std::fs::write(dir.path().join("profiles.yml"), text).unwrap();
    let report = stdout_json(&run(dir.path(), "profiles.yml", &["--format", "json"]));
    let c = failure(&report, "CONN011").unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(c["severity"], "warning");
    assert!(
        c["message"].as_str().unwrap().contains("DBT_ATHENA_REGION"),
        "{c:#}"
    );
    assert!(failure(&report, "REGION001").is_none());
}

#[test]
fn bad_input_exits_2_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("profiles.yml"),
        "default:\n  outputs:\n    dev:\n      type: athena\n      region_name: [us-east-1\n",
    )
    .unwrap();
    let out = run(dir.path(), "profiles.yml", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("profiles.yml:"), "{err}");
    assert!(err.chars().filter(|c| *c == ':').count() >= 3, "{err}");
    std::fs::write(
        dir.path().join("x.yml"),
        "default:\n  outputs:\n    dev:\n      type: postgres\n",
    )
    .unwrap();
    let out = run(dir.path(), "x.yml", &["--source", "dbt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("type: athena"));
}

#[test]
fn secrets_are_in_no_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("profiles.yml", DBT),
        ("athena.yaml", GRAFANA),
        ("db.json", METABASE),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        for format in ["table", "json", "sarif", "markdown", "github", "html"] {
            // `run` asserts the secret is in neither stream.
            run(dir.path(), name, &["--format", format]);
        }
    }
}

#[test]
fn a_named_profile_is_followed_through_the_profile_file() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = "analytics:\n  target: prod\n  outputs:\n    prod:\n      type: athena\n      s3_staging_dir: s3://acme-results/dbt/\n      database: awsdatacatalog\n      schema: sales\n      aws_profile_name: athena-bi\n";
    std::fs::write(dir.path().join("profiles.yml"), profiles).unwrap();
    // The AWS CLI guide's shape: a role assumed with a source profile's keys.
    let config = "[profile athena-bi]\nrole_arn = arn:aws:iam::111122223333:user/bi\nsource_profile = base\nexternal_id = acme-42\nregion = eu-west-1\n\n[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = 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\n";
    std::fs::write(dir.path().join("config"), config).unwrap();
    let out = run(
        dir.path(),
        "profiles.yml",
        &["--profile-file", "config", "--format", "json"],
    );
    let report = stdout_json(&out);
    // The role the chain ends at is judged: a user ARN given as the role.
    assert!(failure(&report, "ROLE002").is_some(), "{report:#}");
    // A source profile that does not exist: refused where it is named.
    std::fs::write(
        dir.path().join("config"),
        config.replace("source_profile = base", "source_profile = bsae"),
    )
    .unwrap();
    let out = run(dir.path(), "profiles.yml", &["--profile-file", "config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config:3:18:") && err.contains("bsae"), "{err}");
}
