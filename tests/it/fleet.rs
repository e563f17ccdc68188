//! Fleets: many connections in one run of the real binary. The fleet must find
//! exactly what one run a connection finds; shards must partition it and merge
//! back into the unsharded report; a bad member is one entry with its location.

use crate::common;

use common::{doctor, root, scenarios, stdout_json};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The scenarios laid out by the naming rule: `<scenario>.toml` beside
/// `<scenario>.trust.json`, `.policy.json`, `.bucket-policy.json`, `.boundary.json`,
/// in two team directories. Returns the connection files by their fleet key.
fn scenario_fleet(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut keys = BTreeMap::new();
    for scenario in scenarios() {
        let name = scenario.file_name().unwrap().to_string_lossy().to_string();
        let Some(conn) = ["connection.toml", "connection.json"]
            .iter()
            .map(|n| scenario.join(n))
            .find(|p| p.exists())
        else {
            continue;
        };
        let team = if name.as_str() < "m" { "team-a" } else { "team-b" };
        let ext = conn.extension().unwrap().to_string_lossy().to_string();
        std::fs::create_dir_all(dir.join(team)).unwrap();
        let target = dir.join(team).join(format!("{name}.{ext}"));
        std::fs::copy(&conn, &target).unwrap();
        for part in ["trust", "policy", "bucket-policy", "boundary"] {
            let from = scenario.join(format!("{part}.json"));
            if from.exists() {
                std::fs::copy(&from, dir.join(team).join(format!("{name}.{part}.json"))).unwrap();
            }
        }
        keys.insert(format!("{team}/{name}.{ext}"), target);
    }
    keys
}

/// The flags a single run needs to see what the naming rule puts beside `conn`.
fn beside_flags(conn: &Path) -> Vec<String> {
    let stem = conn.file_stem().unwrap().to_string_lossy().to_string();
    let mut flags = Vec::new();
    for (part, flag) in [
        ("trust", "--trust-policy"),
        ("policy", "--policy"),
        ("bucket-policy", "--bucket-policy"),
        ("boundary", "--boundary"),
    ] {
        let file = conn.with_file_name(format!("{stem}.{part}.json"));
        if file.exists() {
            flags.push(flag.to_string());
            flags.push(file.to_string_lossy().to_string());
        }
    }
    flags
}

/// A check as both reports say it (the fleet adds where it points).
fn comparable(check: &Value) -> Value {
    let mut c = check.clone();
    for extra in ["file", "line", "column"] {
        c.as_object_mut().unwrap().remove(extra);
    }
    c
}

fn fleet_json(args: &[&str], dir: &Path) -> (Value, i32) {
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (stdout_json(&out), out.status.code().unwrap())
}

fn entries(report: &Value) -> BTreeMap<String, Value> {
    report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["connection"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

#[test]
fn a_fleet_finds_what_one_run_a_connection_finds() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_fleet(dir.path());
    assert!(files.len() > 50, "the scenarios make a fleet");
    // One malformed member: its own entry, located; the rest still run.
    std::fs::write(
        dir.path().join("team-a/zz-broken.toml"),
        "region = \"us-east-1\nx = 1\n",
    )
    .unwrap();
    let (fleet, code) = fleet_json(&["--jobs", "3"], dir.path());
    assert_eq!(code, 2, "an unreadable member makes the fleet's status 2");
    let by_key = entries(&fleet);
    assert_eq!(by_key.len(), files.len() + 1);
    let broken = &by_key["team-a/zz-broken.toml"];
    let error = broken["error"].as_str().unwrap();
    assert!(
        error.contains("zz-broken.toml:1:") && broken.get("checks").is_none(),
        "{broken:#}"
    );
    assert_eq!(fleet["summary"]["unreadable"], 1);
    assert_eq!(fleet["summary"]["connections"], files.len() + 1);
    // The keys come sorted, whatever order the workers finished in.
    let order: Vec<&str> = fleet["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["connection"].as_str().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    let mut errors = 0;
    for (key, conn) in &files {
        let out = doctor()
            .args(["doctor", "--offline", "--format", "json", "--config"])
            .arg(conn)
            .args(beside_flags(conn))
            .output()
            .unwrap();
        let single = stdout_json(&out);
        let entry = &by_key[key];
        assert_eq!(entry["summary"], single["summary"], "{key}");
        let fleet_checks: Vec<Value> = entry["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(comparable)
            .collect();
        assert_eq!(&fleet_checks, single["checks"].as_array().unwrap(), "{key}");
        errors += single["summary"]["error"].as_u64().unwrap();
    }
    assert_eq!(fleet["summary"]["error"], errors);
    assert!(errors > 30, "the scenarios are mostly broken: {errors}");
}

#[test]
fn shards_partition_the_fleet_stay_put_and_merge_back() {
    let dir = tempfile::tempdir().unwrap();
    let files = scenario_fleet(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (full, _) = fleet_json(&[], dir.path());
    let full_text = serde_json::to_string_pretty(&full).unwrap();
    let mut shard_files = Vec::new();
    let mut seen = BTreeMap::new();
    for k in 1..=3 {
        let path = out.path().join(format!("shard-{k}.json"));
        let status = doctor()
            .args([
                "doctor",
                "--offline",
                "--format",
                "json",
                "--shard",
                &format!("{k}/3"),
            ])
            .arg("--connections")
            .arg(dir.path())
            .arg("--output")
            .arg(&path)
            .output()
            .unwrap()
            .status;
        assert!(matches!(status.code(), Some(0 | 1)), "shard {k}: {status:?}");
        let shard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let keys = entries(&shard);
        assert!(!keys.is_empty(), "shard {k} is empty: the split is uneven");
        for key in keys.keys() {
            assert!(seen.insert(key.clone(), k).is_none(), "{key} is in two shards");
        }
        shard_files.push(path);
    }
    assert_eq!(seen.len(), files.len(), "the shards cover the fleet");

    // merge, in any order of arguments, gives back the unsharded report.
    let merged = doctor()
        .arg("merge")
        .args(shard_files.iter().rev())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&stdout_json(&merged)).unwrap(),
        full_text
    );
    // Byte for byte too: the same renderer writes both.
    let direct = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(merged.stdout, direct.stdout);

    // Adding and removing members moves no one else.
    std::fs::copy(
        root().join("fixtures/examples/acme.toml"),
        dir.path().join("team-a/new-customer.toml"),
    )
    .unwrap();
    std::fs::remove_file(files.values().next().unwrap()).unwrap();
    for k in 1..=3 {
        let (shard, _) = fleet_json(&["--shard", &format!("{k}/3")], dir.path());
        for key in entries(&shard).keys() {
            if let Some(before) = seen.get(key) {
                assert_eq!(*before, k, "{key} moved from shard {before} to {k}");
            }
        }
    }

    // A connection in two reports is bad input.
    let twice = doctor()
        .arg("merge")
        .arg(&shard_files[0])
        .arg(&shard_files[0])
        .output()
        .unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("in both"));
    // So is a report of another shape, with the JSON pointer of what is wrong.
    let odd = out.path().join("odd.json");
    std::fs::write(
        &odd,
        r#"{"version": 1, "tool": {}, "connections": [{"connection": 3}], "summary": {}}"#,
    )
    .unwrap();
    let bad = doctor().arg("merge").arg(&odd).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("odd.json: /connections/0/connection"), "{stderr}");
}

#[test]
fn merged_shards_render_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    scenario_fleet(dir.path());
    let out = tempfile::tempdir().unwrap();
    let mut shards = Vec::new();
    for k in 1..=2 {
        let path = out.path().join(format!("s{k}.json"));
        doctor()
            .args([
                "doctor",
                "--offline",
                "--format",
                "json",
                "--shard",
                &format!("{k}/2"),
            ])
            .arg("--connections")
            .arg(dir.path())
            .arg("-o")
            .arg(&path)
            .assert()
            .code(1);
        shards.push(path);
    }
    // A single connection's report joins a fleet too.
    let single = out.path().join("single.json");
    doctor()
        .args(["doctor", "--offline", "--format", "json", "-o"])
        .arg(&single)
        .arg("--config")
        .arg(root().join("fixtures/examples/acme.toml"))
        .assert()
        .code(1);
    shards.push(single);
    let merge = |format: &str| {
        let o = doctor()
            .arg("merge")
            .args(&shards)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{format}");
        String::from_utf8(o.stdout).unwrap()
    };

    let sarif: Value = serde_json::from_str(&merge("sarif")).unwrap();
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    // A finding in a policy file beside a connection points at that file's line.
    let trust = results
        .iter()
        .find(|r| r["properties"]["connection"] == "team-b/trust-without-external-id-in-connection.toml")
        .expect("a result for the trust scenario");
    assert_eq!(trust["ruleId"], "TRUST001");
    let location = &trust["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("team-b/trust-without-external-id-in-connection.trust.json"),
        "{trust:#}"
    );
    assert_eq!(location["region"]["startLine"], 4);

    let github = merge("github");
    assert!(
        github.contains("::error file=") && github.contains("[team-b/role-arn-user.toml]"),
        "{github}"
    );
    assert!(
        github
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("athena-doctor: ")
    );

    let junit = merge("junit");
    assert!(junit.contains("<testsuite name=\"team-a/catalog-not-lowercase.toml\""));
    assert!(
        junit.contains("<testsuite name=\"Acme analytics\""),
        "the single report's suite"
    );

    let markdown = merge("markdown");
    assert!(markdown.contains(
        "| connection | CONN | ROLE | TRUST | S3 | ATHENA | REGION | CATALOG | PROBE | NET | ORG | summary |"
    ));
    assert!(
        markdown.contains("| team-a/catalog-not-lowercase.toml | ✅ |"),
        "{markdown}"
    );

    let table = merge("table");
    assert!(table.contains("Findings most connections share:"), "{table}");
    assert!(table.contains("│ connection"), "a matrix at 120 columns: {table}");
    for line in table.lines() {
        assert!(unicode_width(line) <= 120, "{line}");
    }

    let html = merge("html");
    assert!(html.contains("<table class=\"matrix\">") && html.contains("team-b/region-console-name.toml"));
}

fn unicode_width(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn a_jsonl_fleet_names_lines_and_locates_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("customers.jsonl");
    let good = r#"{"display_name": "acme", "s3_output_bucket": "s3://acme-results/omni/", "data_catalog": "AwsDataCatalog", "database_timezone": "UTC", "region": "us-east-1", "auth": {"type": "cross_account_role", "role_arn": "arn:aws:iam::111122223333:role/bi", "external_id": "x-123"}}"#;
    let text = format!(
        "{good}\n\n{{\"display_name\": 5}}\n{}\n",
        good.replace("acme", "globex")
    );
    std::fs::write(&jsonl, text).unwrap();
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = stdout_json(&out);
    let by_key = entries(&report);
    assert_eq!(by_key.len(), 3, "{report:#}");
    let bad_key = format!("{}:3", jsonl.display());
    let bad = by_key[&bad_key]["error"].as_str().unwrap();
    assert!(bad.starts_with(&format!("{}:3:", jsonl.display())), "{bad}");
    // A finding about a field points at the line the connection is on.
    let catalog = by_key["globex"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CATALOG001")
        .unwrap()
        .clone();
    assert_eq!(catalog["status"], "fail");
    assert_eq!(catalog["line"], 4, "{catalog:#}");
}

#[test]
fn fail_on_and_exit_apply_to_the_whole_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = root().join("fixtures/scenarios/healthy-role");
    for name in ["a", "b"] {
        std::fs::copy(
            healthy.join("connection.toml"),
            dir.path().join(format!("{name}.toml")),
        )
        .unwrap();
    }
    let (report, code) = fleet_json(&[], dir.path());
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["connections"], 2);
    // One connection with a warning only: exit 0, unless --fail-on warning.
    let warn = root().join("fixtures/scenarios/trust-principal-star");
    std::fs::copy(warn.join("connection.toml"), dir.path().join("c.toml")).unwrap();
    std::fs::copy(warn.join("trust.json"), dir.path().join("c.trust.json")).unwrap();
    assert_eq!(fleet_json(&[], dir.path()).1, 0);
    assert_eq!(fleet_json(&["--fail-on", "warning"], dir.path()).1, 1);
    // Files beside a connection are not connections.
    assert_eq!(fleet_json(&[], dir.path()).0["summary"]["connections"], 3);
    // Flags that give one connection's files make no sense for a fleet.
    doctor()
        .args(["doctor", "--offline", "--trust-policy", "x.json", "--connections"])
        .arg(dir.path())
        .assert()
        .code(2);
    doctor()
        .args(["doctor", "--offline", "--shard", "1/2", "--config"])
        .arg(root().join("fixtures/examples/acme.toml"))
        .assert()
        .code(2);
    let empty = tempfile::tempdir().unwrap();
    doctor()
        .args(["doctor", "--offline", "--connections"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no connection"));
    doctor()
        .args(["doctor", "--offline", "--shard", "3/2", "--connections"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn a_directory_of_snapshots_is_a_fleet() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        std::fs::copy(
            root().join("fixtures/snapshots/broken.json"),
            dir.path().join(format!("{name}.json")),
        )
        .unwrap();
    }
    let single = stdout_json(
        &doctor()
            .args(["doctor", "--format", "json", "--snapshot"])
            .arg(root().join("fixtures/snapshots/broken.json"))
            .output()
            .unwrap(),
    );
    let out = doctor()
        .args(["doctor", "--format", "json", "--snapshot"])
        .arg(dir.path())
        .output()
        .unwrap();
    let fleet = stdout_json(&out);
    for entry in fleet["connections"].as_array().unwrap() {
        assert_eq!(entry["mode"], "snapshot");
        let checks: Vec<Value> = entry["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(comparable)
            .collect();
        assert_eq!(&checks, single["checks"].as_array().unwrap());
    }
    assert_eq!(fleet["summary"]["connections"], 2);
    // Fixes are written for one connection, never silently dropped for a fleet.
    doctor()
        .args(["doctor", "--write-fixes", "fixes", "--snapshot"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--write-fixes"));
}

/// Live, against moto: three connections of one account (two healthy in the
/// files' view, one naming a role that does not exist) judged as a fleet find
/// what three live runs find.
#[test]
fn a_live_fleet_finds_what_live_single_runs_find() {
    if !common::moto::available() {
        return;
    }
    let id = common::moto::unique("fl").replace('-', "");
    let (role, bucket) = (format!("bi-{id}"), format!("fl-results-{id}"));
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "omni-fleet"}}}]});
        aws.iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        aws.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, role: &str| {
        let text = format!(
            "display_name = \"{name}\"\ns3_output_bucket = \"s3://{bucket}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
             database_timezone = \"UTC\"\nregion = \"us-east-1\"\n[auth]\ntype = \"cross_account_role\"\n\
             role_arn = \"arn:aws:iam::123456789012:role/{role}\"\nexternal_id = \"omni-fleet\"\n\
             trusted_account_id = \"999988887777\"\n"
        );
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let files = [
        write("first", &role),
        write("second", &role),
        write("missing", &format!("{role}-gone")),
    ];
    let live = |args: &[&str], path: &Path| {
        let out = doctor()
            .env("AWS_ENDPOINT_URL", common::moto::endpoint())
            .args(["doctor", "--format", "json", "--timeout", "10"])
            .args(args)
            .arg(path)
            .output()
            .unwrap();
        stdout_json(&out)
    };
    let fleet = live(
        &["--per-account", "2", "--jobs", "3", "--connections"],
        dir.path(),
    );
    let by_key = entries(&fleet);
    assert_eq!(by_key.len(), 3, "{fleet:#}");
    for file in &files {
        let key = file.file_name().unwrap().to_string_lossy().to_string();
        let single = live(&["--config"], file);
        let entry = &by_key[&key];
        assert_eq!(entry["mode"], "live");
        let checks: Vec<Value> = entry["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(comparable)
            .map(|c| counted(&c))
            .collect();
        // Counts masked: tests beside this one (live.rs) create databases in
        // moto's one account between the fleet run and the single runs.
        let single: Vec<Value> = single["checks"].as_array().unwrap().iter().map(counted).collect();
        assert_eq!(checks, single, "{key}");
    }
    let role_check = |key: &str| {
        by_key[key]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "ROLE003")
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(role_check("first.toml"), "pass");
    assert_eq!(role_check("missing.toml"), "fail");
}

/// A secret beside a connection (`N.secret`) is read, used, and printed nowhere.
#[test]
fn a_fleets_secrets_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let canary = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYKEY1";
    let key = root().join("fixtures/scenarios/healthy-access-key/connection.toml");
    std::fs::copy(&key, dir.path().join("k.toml")).unwrap();
    std::fs::write(dir.path().join("k.secret"), format!("{canary}\n")).unwrap();
    let out = tempfile::tempdir().unwrap();
    for format in ["table", "json", "sarif", "github", "markdown", "junit", "html"] {
        let o = doctor()
            .env(common::SECRET_ENV, "not-this-one")
            .env("GITHUB_STEP_SUMMARY", out.path().join("summary.md"))
            .args(["doctor", "--offline", "-v", "--format", format, "--connections"])
            .arg(dir.path())
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains(canary) && !all.contains("CANARY"),
            "{format}: {all}"
        );
        if format == "json" {
            // The secret was read from k.secret: CONN001 (no secret) passes.
            let report = stdout_json(&o);
            let conn001 = report["connections"][0]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["code"] == "CONN001" && c["subject"] == "auth.secret_access_key")
                .cloned();
            assert!(conn001.is_none_or(|c| c["status"] == "pass"), "{report:#}");
        }
    }
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(summary.contains("a fleet of 1") && !summary.contains(canary));
}

/// A check with the account-wide counts in its message ("3 databases on the
/// first page", "2 catalogs") masked: moto is one account for every test, and
/// tests running beside this one create databases between its runs.
fn counted(check: &Value) -> Value {
    let mut c = check.clone();
    if let Some(message) = c["message"].as_str() {
        let count = regex::Regex::new(r"\(\d+ (databases on the first page|catalogs)\)").unwrap();
        c["message"] = Value::from(count.replace_all(message, "(N $1)").into_owned());
    }
    c
}

/// Live, against moto through a counting proxy: connections naming one role with
/// one External ID share its AssumeRole calls and the reads made as it, and those
/// that differ in anything the request says (the External ID or none, the role,
/// the region; a connection key's id or secret) share nothing they should not.
/// Each member's findings are those of a single run of that connection.
#[test]
fn a_live_fleet_shares_identical_sessions_and_finds_what_single_runs_find() {
    if !common::moto::available() {
        return;
    }
    let id = common::moto::unique("fs").replace('-', "");
    let (role, other, bucket, workgroup, schema) = (
        format!("bi-{id}"),
        format!("bi2-{id}"),
        format!("fs-results-{id}"),
        format!("wg-{id}"),
        format!("sales_{id}"),
    );
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "omni-share"}}}]});
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "athena:*", "glue:*"], "Resource": "*"}]});
        for name in [&role, &other] {
            aws.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust.to_string())
                .send()
                .await
                .unwrap();
            aws.iam
                .put_role_policy()
                .role_name(name)
                .policy_name("athena")
                .policy_document(policy.to_string())
                .send()
                .await
                .unwrap();
        }
        aws.s3.create_bucket().bucket(&bucket).send().await.unwrap();
        aws.athena
            .create_work_group()
            .name(&workgroup)
            .send()
            .await
            .unwrap();
        // No Glue database: another test beside this one
        // (`a_live_fleet_finds_what_live_single_runs_find`) counts the
        // account's databases between its runs.
    });
    let dir = tempfile::tempdir().unwrap();
    let common_part = |region: &str| {
        format!(
            "s3_output_bucket = \"s3://{bucket}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
             include_schemas = \"{schema}\"\nworkgroup = \"{workgroup}\"\ndatabase_timezone = \"UTC\"\n\
             region = \"{region}\"\n"
        )
    };
    let mut files = Vec::new();
    let mut write = |name: &str, text: String, secret: Option<&str>| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, format!("display_name = \"{name}\"\n{text}")).unwrap();
        if let Some(secret) = secret {
            std::fs::write(dir.path().join(format!("{name}.secret")), format!("{secret}\n")).unwrap();
        }
        let secret = secret.map(|_| dir.path().join(format!("{name}.secret")));
        files.push((path, secret));
    };
    let role_conn = |region: &str, role: &str, external_id: Option<&str>| {
        format!(
            "{}[auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::123456789012:role/{role}\"\n\
             {}trusted_account_id = \"999988887777\"\n",
            common_part(region),
            external_id.map_or_else(String::new, |id| format!("external_id = \"{id}\"\n"))
        )
    };
    let key_conn = |key: &str| {
        format!(
            "{}[auth]\ntype = \"access_key\"\naccess_key_id = \"{key}\"\n",
            common_part("us-east-1")
        )
    };
    for i in 0..5 {
        write(
            &format!("same-{i}"),
            role_conn("us-east-1", &role, Some("omni-share")),
            None,
        );
    }
    write(
        "other-id",
        role_conn("us-east-1", &role, Some("omni-other")),
        None,
    );
    write("no-id", role_conn("us-east-1", &role, None), None);
    write(
        "other-role",
        role_conn("us-east-1", &other, Some("omni-share")),
        None,
    );
    write(
        "missing",
        role_conn("us-east-1", &format!("{role}-gone"), Some("omni-share")),
        None,
    );
    write("eu", role_conn("eu-west-1", &role, Some("omni-share")), None);
    let (secret_a, secret_b) = (
        "fsSecretAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "fsSecretBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    );
    write("key-a", key_conn("AKIAFLEETSHAREAAAAAA"), Some(secret_a));
    write("key-a-again", key_conn("AKIAFLEETSHAREAAAAAA"), Some(secret_a));
    write(
        "key-a-other-secret",
        key_conn("AKIAFLEETSHAREAAAAAA"),
        Some(secret_b),
    );
    write("key-c", key_conn("AKIAFLEETSHARECCCCCC"), Some(secret_a));

    let proxy = common::proxy::start(&common::moto::endpoint(), Default::default());
    let live = |args: &[&str], path: &Path, secret: Option<&Path>| {
        let mut cmd = doctor();
        cmd.env("AWS_ENDPOINT_URL", &proxy.endpoint)
            .args(["doctor", "--format", "json", "--timeout", "10"]);
        if let Some(secret) = secret {
            cmd.arg("--secret-file").arg(secret);
        }
        let out = cmd.args(args).arg(path).output().unwrap();
        stdout_json(&out)
    };
    // Each single run, and the requests it made.
    let (singles, alone): (Vec<Value>, Vec<Vec<String>>) = files
        .iter()
        .map(|(path, secret)| {
            let report = live(&["--config"], path, secret.as_deref());
            (report, proxy.calls.lock().unwrap().drain(..).collect())
        })
        .unzip();

    // Everything at once: sharing is decided by the request, not by timing.
    let fleet = live(
        &["--per-account", "20", "--jobs", "20", "--connections"],
        dir.path(),
        None,
    );
    let calls: Vec<String> = proxy.calls.lock().unwrap().clone();
    let by_key = entries(&fleet);
    assert_eq!(by_key.len(), files.len(), "{fleet:#}");
    for ((file, _), single) in files.iter().zip(&singles) {
        let key = file.file_name().unwrap().to_string_lossy().to_string();
        let entry = &by_key[&key];
        assert_eq!(entry["mode"], "live", "{key}: {entry:#}");
        let checks: Vec<Value> = entry["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| counted(&comparable(c)))
            .collect();
        let alone: Vec<Value> = single["checks"].as_array().unwrap().iter().map(counted).collect();
        assert_eq!(checks, alone, "{key}");
        assert_eq!(entry["ran_as"], single["ran_as"], "{key}");
        assert_eq!(entry["summary"], single["summary"], "{key}");
    }
    let count = |calls: &[String], action: &str| calls.iter().filter(|c| *c == action).count();
    let alone_all: Vec<String> = alone.concat();
    // Alone: two AssumeRoles a role connection with an External ID, one without.
    assert_eq!(count(&alone_all, "sts:AssumeRole"), 10 * 2 - 1, "{alone_all:?}");
    // The fleet: one per distinct request. In us-east-1, with the ID: the role
    // with "omni-share", with "omni-other", the other role, the missing role;
    // without it: the role (shared by `no-id`), the other role, the missing one.
    // In eu-west-1: the role with and without the ID.
    assert_eq!(count(&calls, "sts:AssumeRole"), 4 + 3 + 2, "{calls:?}");
    // The doctor's caller once a region; a connection key once for each key and
    // secret (`key-a-again` shares `key-a`'s).
    assert_eq!(count(&calls, "sts:GetCallerIdentity"), 2 + 3, "{calls:?}");
    // The reads made as a session: once for the members sharing it. A single
    // run reads the workgroup once with the doctor's credentials (the fleet:
    // once a region) and once as its session, if it obtained one.
    let groups = [
        "same-0",
        "other-id",
        "no-id",
        "other-role",
        "missing",
        "eu",
        "key-a",
        "key-a-other-secret",
        "key-c",
    ];
    let as_session = |name: &str| {
        let at = files
            .iter()
            .position(|(p, _)| p.file_stem().unwrap() == name)
            .unwrap();
        count(&alone[at], "athena:GetWorkGroup") - 1
    };
    let sessions: usize = groups.iter().map(|g| as_session(g)).sum();
    assert!(as_session("same-0") == 1 && as_session("key-a") == 1, "{alone:?}");
    assert_eq!(count(&calls, "athena:GetWorkGroup"), 2 + sessions, "{calls:?}");
    // The five sharing one session are judged alike (where each points aside).
    let same: Vec<Vec<Value>> = (0..5)
        .map(|i| {
            let checks = by_key[&format!("same-{i}.toml")]["checks"]
                .as_array()
                .unwrap()
                .iter();
            checks.map(comparable).collect()
        })
        .collect();
    assert!(same.windows(2).all(|w| w[0] == w[1]), "{same:?}");
}
