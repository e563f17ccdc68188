//! Other tools' connection sources through the binary: JDBC URLs (Simba 2.x and
//! Amazon's 3.x driver), SQLAlchemy/PyAthena URLs and ODBC DSNs read into the
//! one model, findings naming each tool's own property, fixes printed in the
//! source's format that clear the finding when applied, secrets never echoed,
//! bad input refused with its position.
//!
//! The URLs follow the shapes of the drivers' documentation: the Simba Athena
//! JDBC guide's example (`jdbc:awsathena://AwsRegion=us-west-1;User=…;Password=…;
//! S3OutputLocation=s3://working/dir;`, "Building the Connection URL"), the 3.x
//! driver's basic and profile parameters (docs.aws.amazon.com/athena/latest/ug/
//! jdbc-v3-driver-basic-connection-parameters.html), PyAthena's SQLAlchemy
//! connection string (laughingman7743.github.io/PyAthena/sqlalchemy.html) and the
//! ODBC 2.x main parameters (odbc-v2-driver-main-connection-parameters.html).

use crate::common;

use common::{doctor, failures, root, stdout_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A secret of the right shape that no document holds (AWS's documented
/// example secret is quoted in a rule's doc, which SARIF carries).
const SECRET: &str = "Zq3vKp9Lm2Xw8Rt5/b1Nc7Hd4Jf6Gs0Ae2Ui8OoP";

/// The Simba guide's example URL, with the AWS documentation's example keys.
fn simba_url() -> String {
    format!(
        "jdbc:awsathena://AwsRegion=us-west-1;User=AKIAIOSFODNN7EXAMPLE;Password={SECRET};S3OutputLocation=s3://working/dir;\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `doctor --offline --format json` on `config`: exit code, report, stdout and stderr.
fn judge(config: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), stdout_json(&out), text)
}

fn check<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .collect()
}

fn failed<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    failures(report)
        .into_iter()
        .filter(|c| c["code"] == code)
        .collect()
}

/// The source text a fix prints: the corrected URL or DSN.
fn corrected(fix: &Value) -> String {
    assert_eq!(fix["snippet"]["language"], "text", "{fix}");
    fix["snippet"]["text"].as_str().unwrap().to_string()
}

#[test]
fn a_simba_url_speaks_its_own_names_and_its_fix_clears_the_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(tmp.path(), "simba.jdbc", &simba_url());
    let (code, report, text) = judge(&conn, &[]);
    assert!(!text.contains(SECRET), "the secret is echoed:\n{text}");
    // A missing trailing slash is a warning: exit 0 under the default --fail-on.
    assert_eq!(code, 0, "{text}");
    // s3://working/dir has no trailing slash: named as the driver names it.
    let found = failed(&report, "CONN005");
    assert_eq!(found.len(), 1, "{text}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("`S3OutputLocation`"),
        "{}",
        found[0]
    );
    assert_eq!(found[0]["subject"], "s3_output_bucket");
    let fix = &found[0]["fix"];
    assert_eq!(fix["field"], "S3OutputLocation");
    let url = corrected(fix);
    assert!(url.contains("S3OutputLocation=s3://working/dir/;"), "{url}");
    assert!(url.contains("Password=****;"), "{url}");
    assert!(!url.contains(SECRET));
    // The location is the value's column in the file (SARIF carries it).
    let out = doctor()
        .args(["doctor", "--offline", "--format", "sarif", "--config"])
        .arg(&conn)
        .output()
        .unwrap();
    let sarif = stdout_json(&out);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CONN005")
        .unwrap_or_else(|| panic!("{sarif}"));
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(1), Some(131)),
        "{result}"
    );
    // Apply the printed URL and rerun: the finding is gone, the rest unchanged.
    write(tmp.path(), "simba.jdbc", &url);
    let (_, again, text) = judge(&conn, &[]);
    assert!(failed(&again, "CONN005").is_empty(), "{text}");
    assert_eq!(check(&again, "CONN005")[0]["status"], "pass");
}

#[test]
fn a_3x_url_with_a_2x_only_property_gets_its_finding_and_the_rename_clears_it() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(
        tmp.path(),
        "amazon.jdbc",
        "jdbc:athena://Region=us-east-1;OutputLocaton=s3://acme-athena-results/bi/;WorkGroup=primary;UseResultsetStreaming=1;RoleArn=arn:aws:iam::111122223333:role/bi\n",
    );
    let (code, report, text) = judge(&conn, &[]);
    assert_eq!(code, 1, "{text}");
    let found = failed(&report, "CONN011");
    let subjects: Vec<&str> = found.iter().map(|c| c["subject"].as_str().unwrap()).collect();
    assert_eq!(
        subjects,
        ["OutputLocaton", "UseResultsetStreaming", "RoleArn"],
        "{text}"
    );
    // 2.x-only names: what the 3.x driver takes instead, no rename to guess.
    let streaming = found[1]["message"].as_str().unwrap();
    assert!(
        streaming.contains("`ResultFetcher`") && streaming.contains("Simba 2.x"),
        "{streaming}"
    );
    assert!(found[1]["fix"].is_null());
    assert!(
        found[2]["message"]
            .as_str()
            .unwrap()
            .contains("ProfileCredentials"),
        "{}",
        found[2]
    );
    // A typo: the rename is unsafe (a guess), and printed as the URL with only it changed.
    let fix = &found[0]["fix"];
    assert_eq!(fix["kind"], "rename");
    assert_eq!(fix["applicability"], "unsafe");
    let url = corrected(fix);
    assert_eq!(
        url,
        "jdbc:athena://Region=us-east-1;OutputLocation=s3://acme-athena-results/bi/;WorkGroup=primary;UseResultsetStreaming=1;RoleArn=arn:aws:iam::111122223333:role/bi\n"
    );
    write(tmp.path(), "amazon.jdbc", &url);
    let (_, again, text) = judge(&conn, &[]);
    assert!(
        failed(&again, "CONN011")
            .iter()
            .all(|c| c["subject"] != "OutputLocaton"),
        "{text}"
    );
    assert_eq!(check(&again, "CONN005")[0]["status"], "pass", "{text}");
    // The 3.x driver reads names in any case and takes the 2.x aliases it documents.
    let aliases = write(
        tmp.path(),
        "aliases.jdbc",
        "jdbc:athena://awsregion=us-east-1;S3OutputLocation=s3://acme-athena-results/bi/;workgroup=primary;Schema=sales\n",
    );
    let (_, report, text) = judge(&aliases, &[]);
    assert!(failed(&report, "CONN011").is_empty(), "{text}");
    assert_eq!(check(&report, "CONN011")[0]["status"], "pass");
}

/// Amazon's 4.x driver: its own names are no finding, the findings name the
/// 4.x URL, and a typo of a 4.x-only name is renamed to it; with an identity
/// provider `User`/`Password` are no access key (the credential rules skip,
/// saying why), and the Okta password is never echoed.
#[test]
fn a_4x_url_is_judged_with_the_4x_drivers_names() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(
        tmp.path(),
        "four.jdbc",
        "jdbc:athena://Region=us-east-1;EngineVersion=DuckDB;OutputLocation=s3://acme-athena-results/bi/;\
         WorkGroup=primary;CredentialsProvider=Okta;IdpHostName=acme.okta.com;OktaAppId=0oa1;\
         User=ana@example.com;PWD=hunter2-okta;FetchSize=5000;NumRetries=3;StreamingEndpont=https://x\n",
    );
    let (code, report, text) = judge(&conn, &[]);
    assert_eq!(code, 1, "{text}");
    let found = failed(&report, "CONN011");
    let subjects: Vec<&str> = found.iter().map(|c| c["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["StreamingEndpont"], "{text}");
    assert!(
        found[0]["message"].as_str().unwrap().contains("the 4.x driver"),
        "{}",
        found[0]
    );
    let url = corrected(&found[0]["fix"]);
    assert!(url.contains(";StreamingEndpoint=https://x"), "{url}");
    assert!(url.contains("PWD=****"), "{url}");
    // No access key: the key rules skip, naming the identity provider.
    for code in ["CONN002", "CONN003", "CONN004"] {
        let c = &check(&report, code)[0];
        assert_eq!(c["status"], "skip", "{c}");
        assert!(
            c["message"].as_str().unwrap().contains("signs in through `Okta`"),
            "{c}"
        );
    }
    assert!(!text.contains("hunter2"), "{text}");
    // The corrected URL, written back, clears the finding.
    write(
        tmp.path(),
        "four.jdbc",
        &url.replace("PWD=****", "PWD=hunter2-okta"),
    );
    let (_, again, text) = judge(&conn, &[]);
    assert!(failed(&again, "CONN011").is_empty(), "{text}");
}

/// A 3.x URL kept from the Simba driver names its credentials class, which
/// the 3.x driver cannot load (DBeaver #39947: `Credentials provider
/// "com.simba…" not found`): CONN011 says what to write instead.
#[test]
fn a_simba_credentials_class_in_a_3x_url_is_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(
        tmp.path(),
        "kept.jdbc",
        "jdbc:athena://Region=us-east-1;OutputLocation=s3://acme-athena-results/bi/;\
         AwsCredentialsProviderClass=com.simba.athena.amazonaws.auth.profile.ProfileCredentialsProvider;\
         AwsCredentialsProviderArguments=bi\n",
    );
    let (code, report, text) = judge(&conn, &[]);
    assert_eq!(code, 1, "{text}");
    let found = failed(&report, "CONN011");
    assert_eq!(found.len(), 1, "{text}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot load") && message.contains("CredentialsProvider=ProfileCredentials"),
        "{message}"
    );
    // Written as the message says, the finding clears.
    write(
        tmp.path(),
        "kept.jdbc",
        "jdbc:athena://Region=us-east-1;OutputLocation=s3://acme-athena-results/bi/;\
         CredentialsProvider=ProfileCredentials;ProfileName=bi\n",
    );
    let (_, again, text) = judge(&conn, &[]);
    assert!(failed(&again, "CONN011").is_empty(), "{text}");
}

#[test]
fn a_3x_url_given_to_the_simba_driver_is_corrected_by_write_fixes() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(
        tmp.path(),
        "moved.jdbc",
        &format!(
            "jdbc:awsathena://Region=us-east-1;OutputLocation=s3://acme-athena-results/bi/;User=AKIAIOSFODNN7EXAMPLE;Password={SECRET}\n"
        ),
    );
    let out_dir = tmp.path().join("fixes");
    let (code, report, text) = judge(&conn, &["--write-fixes", out_dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains(SECRET), "{text}");
    let subjects: Vec<&str> = failed(&report, "CONN011")
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Region", "OutputLocation"], "{text}");
    // Region and OutputLocation are not read: CONN001 names what the driver lacks.
    assert!(!failed(&report, "CONN001").is_empty(), "{text}");
    let written = std::fs::read_to_string(out_dir.join("moved.jdbc")).unwrap();
    assert_eq!(
        written,
        "jdbc:awsathena://AwsRegion=us-east-1;S3OutputLocation=s3://acme-athena-results/bi/;User=AKIAIOSFODNN7EXAMPLE\n",
        "the corrected file renames the two and never copies the secret"
    );
    let (_, again, text) = judge(&out_dir.join("moved.jdbc"), &[]);
    assert!(failed(&again, "CONN011").is_empty(), "{text}");
    assert!(
        failed(&again, "CONN001")
            .iter()
            .all(|c| c["subject"] != "s3_output_bucket"),
        "{text}"
    );
}

#[test]
fn a_sqlalchemy_url_keeps_its_key_and_secret_out_of_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!(
        "awsathena+rest://AKIAIOSFODNN7EXAMPLE:{}@athena.us-west-2.amazonaws.com:443/sales?s3_staging_dir=s3%3A%2F%2Facme-athena-results%2Fpyathena&work_group=primary&workgroup=bi\n",
        SECRET.replace('/', "%2F")
    );
    let conn = write(tmp.path(), "superset.url", &url);
    for format in ["table", "json", "sarif", "markdown", "html"] {
        let out = doctor()
            .args(["doctor", "--offline", "-v", "--format", format, "--config"])
            .arg(&conn)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains("Zq3vKp9Lm2Xw8Rt5"),
            "{format} echoes the secret:\n{text}"
        );
    }
    let (_, report, text) = judge(&conn, &[]);
    let found = failed(&report, "CONN005");
    assert!(
        found[0]["message"].as_str().unwrap().contains("`s3_staging_dir`"),
        "{text}"
    );
    let fixed = corrected(&found[0]["fix"]);
    assert!(
        fixed.contains("s3_staging_dir=s3://acme-athena-results/pyathena/&"),
        "{fixed}"
    );
    assert!(fixed.contains(":****@athena.us-west-2"), "{fixed}");
    // `workgroup` beside `work_group`: renaming it would give the URL the
    // property twice (which the doctor refuses when it reads the URL), so
    // the finding says to remove it and prints no rename.
    let typo = failed(&report, "CONN011");
    assert_eq!(typo[0]["subject"], "workgroup", "{text}");
    assert!(
        typo[0]["message"]
            .as_str()
            .unwrap()
            .contains("`work_group` is set too, and the driver reads that one: remove `workgroup`"),
        "{text}"
    );
    assert!(typo[0]["fix"].is_null(), "{text}");
    write(tmp.path(), "superset.url", &fixed);
    let (_, again, text) = judge(&conn, &[]);
    assert!(failed(&again, "CONN005").is_empty(), "{text}");
}

#[test]
fn odbc_dsns_in_ini_and_registry_form_name_the_driver_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let ini = write(
        tmp.path(),
        "odbc.ini",
        "[ODBC Data Sources]\nAthenaBI=Amazon Athena ODBC (x64)\n\n[AthenaBI]\nDriver=/opt/athena/odbc/lib/libathena-odbc.so\n\
         AuthenticationType=IAM Profile\nAwsProfile=bi\nAwsRegion=us-east-1a\nS3OutputLocation=s3://acme-athena-results/odbc/\nWorkgroup=primary\n",
    );
    let (_, report, text) = judge(&ini, &[]);
    let region = failed(&report, "REGION001");
    assert!(
        region[0]["message"].as_str().unwrap().contains("`AwsRegion`"),
        "{text}"
    );
    let fixed = corrected(&region[0]["fix"]);
    assert!(fixed.contains("\nAwsRegion=us-east-1\n"), "{fixed}");
    let reg = write(
        tmp.path(),
        "athena.reg",
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\ODBC\\ODBC.INI\\AthenaBI]\r\n\
         \"Driver\"=\"C:\\\\Program Files\\\\Amazon Athena ODBC Driver\\\\AthenaODBC64.dll\"\r\n\"AwsRegion\"=\"us-east-1\"\r\n\
         \"S3OutputLocation\"=\"s3://acme-athena-results/odbc\"\r\n",
    );
    let (_, report, text) = judge(&reg, &[]);
    let found = failed(&report, "CONN005");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("`S3OutputLocation`"),
        "{text}"
    );
    assert!(
        corrected(&found[0]["fix"]).contains("\"S3OutputLocation\"=\"s3://acme-athena-results/odbc/\"\r\n")
    );
}

#[test]
fn omni_only_rules_say_they_do_not_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let conn = write(
        tmp.path(),
        "a.jdbc",
        "jdbc:athena://Region=us-east-1;OutputLocation=s3://acme-athena-results/bi/;Catalog=AwsDataCatalog\n",
    );
    let (code, report, text) = judge(&conn, &[]);
    assert_eq!(code, 0, "{text}");
    for rule in ["CATALOG001", "CONN006", "CONN007", "CONN008"] {
        let c = check(&report, rule);
        assert_eq!(c[0]["status"], "skip", "{rule}: {}", c[0]);
        assert!(
            c[0]["message"]
                .as_str()
                .unwrap()
                .contains("not applicable to this source"),
            "{}",
            c[0]
        );
    }
}

#[test]
fn bad_sources_exit_2_with_their_position() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text, at) in [
        ("a.jdbc", "jdbc:athena://Region=us-east-1;oops;\n", "a.jdbc:1:32"),
        (
            "b.jdbc",
            "jdbc:athena://Region=us-east-1;REGION=eu-west-1\n",
            "b.jdbc:1:32",
        ),
        (
            "c.url",
            "awsathena+rest://@athena.us-east-1.amazonaws.com:443/s?work_group=%zz\n",
            "c.url:1:67",
        ),
        ("d.ini", "[A]\nDriver=Athena ODBC\nAwsRegion\n", "d.ini:3:1"),
    ] {
        let path = write(tmp.path(), name, text);
        let out = doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(at), "{name}: {err}");
    }
    // `--source` names the reader: a TOML file read as JDBC is refused, a URL
    // read as Omni's file is a TOML error; both exit 2.
    let toml = root().join("fixtures/examples/acme-healthy.toml");
    let out = doctor()
        .args(["doctor", "--offline", "--source", "jdbc", "--config"])
        .arg(&toml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an Athena JDBC URL"));
    let url = write(tmp.path(), "e.txt", "jdbc:athena://Region=us-east-1\n");
    let out = doctor()
        .args(["doctor", "--offline", "--source", "omni", "--config"])
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Without --source the content decides, whatever the file's name.
    let (code, _, text) = judge(&url, &[]);
    assert_ne!(code, 2, "{text}");
}

#[test]
fn a_fleet_mixes_sources_and_hook_and_triage_read_them() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/examples/acme-healthy.toml"),
        tmp.path().join("omni.toml"),
    )
    .unwrap();
    write(tmp.path(), "simba.jdbc", &simba_url());
    write(
        tmp.path(),
        "pyathena.url",
        "awsathena+rest://@athena.us-east-1.amazonaws.com:443/sales?s3_staging_dir=s3%3A%2F%2Facme-athena-results%2Fpy%2F\n",
    );
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let fleet = stdout_json(&out);
    let names: Vec<&str> = fleet["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["connection"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["omni.toml", "pyathena.url", "simba.jdbc"], "{fleet}");
    assert!(
        fleet["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["error"].is_null()),
        "{fleet}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    // hook judges a changed source file; triage reads one with --config.
    let out = doctor()
        .args(["hook"])
        .arg(tmp.path().join("pyathena.url"))
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = doctor()
        .args(["triage", "--config"])
        .arg(tmp.path().join("simba.jdbc"))
        .arg("Unable to verify/create output bucket working")
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

#[test]
fn the_shipped_source_examples_have_their_findings() {
    let examples = root().join("fixtures/examples");
    let (code, report, text) = judge(&examples.join("acme.jdbc"), &[]);
    assert_eq!(code, 1, "{text}");
    for (rule, subject) in [
        ("REGION001", "region"),
        ("CONN005", "s3_output_bucket"),
        ("CONN011", "UseResultsetStreaming"),
    ] {
        assert!(
            failed(&report, rule).iter().any(|c| c["subject"] == subject),
            "{rule} {subject}: {text}"
        );
    }
    let region = &failed(&report, "REGION001")[0];
    assert!(
        region["message"].as_str().unwrap().contains("`Region`"),
        "{region}"
    );
    let (code, report, text) = judge(&examples.join("acme.url"), &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        failed(&report, "ROLE002")
            .iter()
            .any(|c| c["message"].as_str().unwrap().contains("`role_arn`")),
        "{text}"
    );
    assert!(
        failed(&report, "CONN011")
            .iter()
            .any(|c| c["subject"] == "workgroup"),
        "{text}"
    );
}

/// The same connection written as Omni's file and as each other source is
/// judged the same: the same failing checks (code, subject, severity), each
/// message in the source's own words.
#[test]
fn one_connection_written_five_ways_is_judged_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "AKIAIOSFODNN7EXAMPLE";
    let ways = [
        (
            "omni.toml",
            format!(
                "display_name = \"Acme\"\ns3_output_bucket = \"s3://acme-athena-results/bi\"\ndata_catalog = \"awsdatacatalog\"\n\
                 database_timezone = \"UTC\"\nregion = \"us-east-1a\"\nworkgroup = \"primary\"\n\n[auth]\ntype = \"access_key\"\naccess_key_id = \"{key}\"\n"
            ),
            "`region`",
        ),
        (
            "simba.jdbc",
            format!(
                "jdbc:awsathena://AwsRegion=us-east-1a;S3OutputLocation=s3://acme-athena-results/bi;Workgroup=primary;User={key}\n"
            ),
            "`AwsRegion`",
        ),
        (
            "amazon.jdbc",
            format!(
                "jdbc:athena://Region=us-east-1a;OutputLocation=s3://acme-athena-results/bi;WorkGroup=primary;User={key}\n"
            ),
            "`Region`",
        ),
        (
            "pyathena.url",
            format!(
                "awsathena+rest://{key}@athena.us-east-1a.amazonaws.com:443/default?s3_staging_dir=s3%3A%2F%2Facme-athena-results%2Fbi&work_group=primary\n"
            ),
            "`region_name`",
        ),
        (
            "dsn.ini",
            format!(
                "[Acme]\nDriver=/opt/athena/odbc/lib/libathena-odbc.so\nAwsRegion=us-east-1a\nS3OutputLocation=s3://acme-athena-results/bi\n\
                 Workgroup=primary\nAuthenticationType=IAM Credentials\nUID={key}\n"
            ),
            "`AwsRegion`",
        ),
    ];
    let mut verdicts = Vec::new();
    for (name, text, region_name) in &ways {
        let path = write(tmp.path(), name, text);
        let out = doctor()
            .env(common::SECRET_ENV, SECRET)
            .args(["doctor", "--offline", "--format", "json", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        let report = stdout_json(&out);
        let mut got: Vec<(String, String, String)> = failures(&report)
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_string(),
                    c["subject"].as_str().unwrap().to_string(),
                    c["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let region = failed(&report, "REGION001");
        assert!(
            region
                .first()
                .is_some_and(|c| c["message"].as_str().unwrap().starts_with(region_name)),
            "{name}: {region:?}"
        );
        verdicts.push((name, got));
    }
    let (first, want) = &verdicts[0];
    assert_eq!(
        want.iter().map(|(c, _, _)| c.as_str()).collect::<Vec<_>>(),
        ["CONN005", "REGION001"],
        "{first}: {want:?}"
    );
    for (name, got) in &verdicts[1..] {
        assert_eq!(got, want, "{name} is judged otherwise than {first}");
    }
}

/// Printed = applied: each fix to a source prints the whole source, so pasting
/// them in the order shown — each replacing the file — must leave a source
/// that clears every one of them (each carries its tier's changes, not only
/// its own: a later one must not undo an earlier one).
#[test]
fn a_sources_fixes_pasted_in_order_clear_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let text = "jdbc:athena://Region=us-east-1a;OutputLocation=https://acme-athena-results.s3.amazonaws.com/omni;WorkGroup=primary\n";
    let config = write(dir.path(), "two.jdbc", text);
    let (code, report, out) = judge(&config, &[]);
    assert_eq!(code, 1, "{out}");
    let fixed: Vec<&Value> = failures(&report)
        .into_iter()
        .filter(|c| c["fix"]["applicability"] == "safe")
        .collect();
    let codes: Vec<&str> = fixed.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"REGION001") && codes.contains(&"CONN005"),
        "two safe fixes to one URL: {out}"
    );
    for check in &fixed {
        std::fs::write(&config, corrected(&check["fix"])).unwrap();
    }
    let (_, after, out) = judge(&config, &[]);
    for code in codes {
        assert!(
            failed(&after, code).is_empty(),
            "{code} left after pasting every fix: {out}"
        );
    }
}
