//! The shipped examples in `fixtures/examples/sources/`: Omni's `acme.toml`
//! and `acme-healthy.toml` written as each other tool's connection (issue 33)
//! are judged the same as Omni's form — the same failing checks (code,
//! subject, severity), each finding naming the property as that tool writes
//! it — and the fixes each broken one prints, in its own format, clear their
//! findings when pasted in. Every run takes README's first command's trust
//! policy and permission policy, and the profile file beside the examples.
//!
//! Where a tool cannot say what Omni's form says, the difference is by design
//! and asserted as such (see [`expected`]), never silently dropped.

use crate::common;

use common::{check, doctor, failures, root, stdout_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// How a tool carries the connection's role and its External ID.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// In an AWS profile the source names (`aws-config`, `--profile-file`):
    /// the JDBC and ODBC drivers and dbt-athena have no role setting.
    Profile,
    /// In the source itself (PyAthena's `role_arn`/`external_id`, Grafana's
    /// `jsonData.assumeRoleArn`/`externalId`), with the property named.
    InSource(&'static str),
    /// Nowhere: Metabase has no role or External ID setting (its driver uses
    /// the host's default AWS credentials, which the JSON does not name).
    None,
}

/// One tool: the examples' file suffix, its names for the output location
/// and the region, and where it keeps the role.
struct Way {
    suffix: &'static str,
    output: &'static str,
    region: &'static str,
    role: Role,
}

const WAYS: [Way; 8] = [
    Way {
        suffix: "simba.jdbc",
        output: "S3OutputLocation",
        region: "AwsRegion",
        role: Role::Profile,
    },
    Way {
        suffix: "amazon.jdbc",
        output: "OutputLocation",
        region: "Region",
        role: Role::Profile,
    },
    Way {
        suffix: "url",
        output: "s3_staging_dir",
        region: "region_name",
        role: Role::InSource("role_arn"),
    },
    Way {
        suffix: "ini",
        output: "S3OutputLocation",
        region: "AwsRegion",
        role: Role::Profile,
    },
    Way {
        suffix: "reg",
        output: "S3OutputLocation",
        region: "AwsRegion",
        role: Role::Profile,
    },
    Way {
        suffix: "dbt.yml",
        output: "s3_staging_dir",
        region: "region_name",
        role: Role::Profile,
    },
    Way {
        suffix: "grafana.yaml",
        output: "jsonData.outputLocation",
        region: "jsonData.defaultRegion",
        role: Role::InSource("jsonData.assumeRoleArn"),
    },
    Way {
        suffix: "metabase.json",
        output: "details.s3_staging_dir",
        region: "details.region",
        role: Role::None,
    },
];

/// Rules about what only Omni's form has (Other Data Catalogs, Include
/// Schemas, time zones, its lowercase catalog rule): each source says they
/// do not apply.
const OMNI_ONLY: [&str; 4] = ["CONN006", "CONN007", "CONN008", "CATALOG001"];

type Verdict = Vec<(String, String, String)>;

fn examples() -> PathBuf {
    root().join("fixtures/examples")
}

/// README's first command on `config`, in JSON, with the examples' profile file.
fn judge(config: &Path) -> (Value, String) {
    judge_with(config, &examples().join("sources/aws-config"))
}

/// As [`judge`], with `profiles` as the `--profile-file`.
fn judge_with(config: &Path, profiles: &Path) -> (Value, String) {
    let e = examples();
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config)
        .arg("--trust-policy")
        .arg(e.join("acme-trust.json"))
        .arg("--policy")
        .arg(e.join("acme-policy.json"))
        .arg("--profile-file")
        .arg(profiles)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(2), "{}: {text}", config.display());
    (stdout_json(&out), text)
}

fn verdict(report: &Value) -> Verdict {
    let mut got: Verdict = failures(report)
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
    got
}

fn message(report: &Value, code: &str) -> String {
    check(report, code)["message"].as_str().unwrap().to_string()
}

/// Assert `code` is skipped on `report` for a reason containing `why`.
fn skipped(name: &str, report: &Value, code: &str, why: &str) {
    let c = check(report, code);
    assert_eq!(c["status"], "skip", "{name}: {code} {c}");
    assert!(
        c["message"].as_str().unwrap().contains(why),
        "{name}: {code} skipped for another reason: {c}"
    );
}

/// What `way`'s example should fail, given Omni's form fails `omni` with the
/// role in AWS profile `profile`; the checks Omni fails that this source
/// skips by design are asserted skipped, with their reason, on `report`.
fn expected(name: &str, way: &Way, omni: &Verdict, profile: &str, report: &Value) -> Verdict {
    let mut want = Verdict::new();
    for (code, subject, severity) in omni {
        if OMNI_ONLY.contains(&code.as_str()) {
            skipped(name, report, code, "not applicable to this source");
            continue;
        }
        match (way.role, code.as_str()) {
            // Metabase names no role: the rules about one, and the role's
            // permissions, say the driver's default credentials are not judged
            // offline.
            (Role::None, "ROLE002" | "TRUST002" | "S3002") => {
                skipped(name, report, code, "names no access key or role");
            }
            // TRUST001-006 judge the trust policy for the vendor's account
            // (Omni's `trusted_account_id`). A tool that assumes the role from
            // a profile is judged hop by hop instead (TRUST007): the same
            // External ID refused, named at the profile's hop.
            (Role::Profile, "TRUST002") => {
                skipped(name, report, code, "needs auth.trusted_account_id");
                want.push((
                    "TRUST007".into(),
                    format!("profile {profile} (hop 1 of 1)"),
                    severity.clone(),
                ));
            }
            // A tool that assumes the role itself (PyAthena, Grafana) has no
            // setting for the account that assumes it (the host's
            // credentials): TRUST007 judges it as a chain of one hop, the
            // same External ID refused, named at the source's own setting.
            (Role::InSource(_), "TRUST002") => {
                skipped(name, report, code, "needs auth.trusted_account_id");
                want.push(("TRUST007".into(), "connection role".into(), severity.clone()));
            }
            _ => want.push((code.clone(), subject.clone(), severity.clone())),
        }
    }
    want.sort();
    want
}

/// Each finding about a connection field names the tool's property: the
/// output location, the region, and the role (the profile's `role_arn` when
/// the role comes from one).
fn names_its_words(name: &str, way: &Way, report: &Value, profile: &str) {
    let starts = |code: &str, words: &str| {
        let m = message(report, code);
        assert!(
            m.starts_with(&format!("`{words}`")),
            "{name}: {code} does not name `{words}`: {m}"
        );
    };
    starts("CONN005", way.output);
    starts("REGION001", way.region);
    match way.role {
        Role::InSource(property) => {
            starts("ROLE002", property);
            let m = message(report, "TRUST007");
            assert!(
                m.starts_with(&format!("`{property}`")) && m.contains("`omni-4f2a9c`"),
                "{name}: {m}"
            );
        }
        Role::Profile => {
            let m = message(report, "ROLE002");
            assert!(
                m.starts_with(&format!("`role_arn` (profile `{profile}`)")),
                "{name}: ROLE002 does not name the profile's `role_arn`: {m}"
            );
            let m = message(report, "TRUST007");
            assert!(m.contains("external_id `omni-4f2a9c`"), "{name}: {m}");
        }
        Role::None => {}
    }
}

#[test]
fn the_acme_examples_written_eight_ways_are_judged_as_omnis_form() {
    let e = examples();
    for (omni_file, stem, profile) in [
        ("acme.toml", "acme", "acme"),
        ("acme-healthy.toml", "acme-healthy", "acme-healthy"),
    ] {
        let (omni_report, text) = judge(&e.join(omni_file));
        let omni = verdict(&omni_report);
        // The comparison means something: Omni's form fails on the fields
        // every source carries (the healthy one only on the policies given).
        let codes: Vec<&str> = omni.iter().map(|(c, _, _)| c.as_str()).collect();
        let common_to_all: &[&str] = match stem {
            "acme" => &["CONN005", "REGION001", "ROLE002", "TRUST002", "S3002"],
            _ => &["TRUST002", "S3002"],
        };
        for code in common_to_all {
            assert!(codes.contains(code), "{omni_file}: no {code}: {text}");
        }
        for way in &WAYS {
            let name = format!("{stem}.{}", way.suffix);
            let path = e.join("sources").join(&name);
            assert!(path.exists(), "{name} is not shipped");
            let (report, text) = judge(&path);
            let want = expected(&name, way, &omni, profile, &report);
            assert_eq!(
                verdict(&report),
                want,
                "{name} is judged otherwise than {omni_file}:\n{text}"
            );
            if stem == "acme" {
                names_its_words(&name, way, &report, profile);
            }
        }
    }
}

/// Each broken example's fixes, printed as the whole source in its own format,
/// pasted in the order shown (each replacing the file), clear every finding
/// they fix.
#[test]
fn each_broken_examples_fixes_in_its_own_format_clear_its_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let mut short = 0;
    for way in &WAYS {
        let name = format!("acme.{}", way.suffix);
        let copy = tmp.path().join(&name);
        let original = std::fs::read_to_string(examples().join("sources").join(&name)).unwrap();
        std::fs::write(&copy, &original).unwrap();
        let profiles = tmp.path().join(format!("{name}.aws-config"));
        std::fs::copy(examples().join("sources/aws-config"), &profiles).unwrap();
        let (report, text) = judge_with(&copy, &profiles);
        // In the order the faces show them (worst first, stable), as a person
        // pastes them: a whole text replaces the file; a fix that prints only
        // its own line (its text would undo one shown above it: PyAthena's
        // safe REGION001 after the unsafe ROLE002, whose text holds the safe
        // tier too) is already in the last text pasted — checked below, where
        // every code must be cleared.
        let rank = |c: &Value| match c["severity"].as_str() {
            Some("error") => 0,
            Some("warning") => 1,
            _ => 2,
        };
        let mut shown: Vec<&Value> = failures(&report)
            .into_iter()
            .filter(|c| c["fix"]["kind"] == "field" && c["fix"]["snippet"]["language"] != "ini")
            .collect();
        shown.sort_by_key(|c| rank(c));
        let codes: Vec<&str> = shown.iter().map(|c| c["code"].as_str().unwrap()).collect();
        let fixes: Vec<&Value> = shown
            .into_iter()
            .filter(|c| c["fix"]["snippet"]["language"] == "text")
            .collect();
        // The fixes that print their own line only (none of them a fragment).
        short += codes.len() - fixes.len();
        for c in &fixes {
            let fixed = c["fix"]["snippet"]["text"].as_str().unwrap();
            // The whole source from its first line (its comment), not a fragment.
            assert!(
                fixed.lines().next() == original.lines().next() && fixed.len() > original.len() / 2,
                "{name}: {} prints a fragment: {fixed}",
                c["code"]
            );
            std::fs::write(&copy, fixed).unwrap();
        }
        // A value the profile gave is fixed in the profile file: its line,
        // written as the fix prints it (`role_arn = …`, `external_id = …`).
        let mut codes = codes;
        if way.role == Role::Profile {
            let mut lines: Vec<String> = std::fs::read_to_string(&profiles)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            for c in failures(&report)
                .into_iter()
                .filter(|c| c["fix"]["snippet"]["language"] == "ini")
            {
                let snippet = &c["fix"]["snippet"];
                let instruction = snippet["instruction"].as_str().unwrap();
                let line: usize = instruction
                    .split_once(", line ")
                    .and_then(|(_, rest)| rest.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{name}: no line in {instruction}"));
                lines[line - 1] = snippet["text"].as_str().unwrap().to_string();
                codes.push(c["code"].as_str().unwrap());
            }
            assert!(
                codes.contains(&"ROLE002") && codes.contains(&"TRUST007"),
                "{name}: the role and External ID are fixed in the profile: {text}"
            );
            std::fs::write(&profiles, lines.join("\n") + "\n").unwrap();
        }
        let (after, text) = judge_with(&copy, &profiles);
        for code in &codes {
            assert!(
                failures(&after).iter().all(|c| c["code"] != *code),
                "{name}: {code} left after pasting its fixes:\n{text}"
            );
        }
        assert_eq!(check(&after, "CONN005")["status"], "pass", "{name}: {text}");
        assert_eq!(check(&after, "REGION001")["status"], "pass", "{name}: {text}");
    }
    // PyAthena's safe REGION001 is shown after its unsafe ROLE002: the case
    // where a whole text would undo the one above is exercised.
    assert!(short > 0, "no fix printed its own line only");
}
