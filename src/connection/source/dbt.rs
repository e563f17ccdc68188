//! dbt-athena's `profiles.yml`: a profile's target of `type: athena`.
//!
//! Source: dbt, "Athena setup" (<https://docs.getdbt.com/docs/core/connect-data-platform/athena-setup>)
//! and "Connect Amazon Athena" (<https://docs.getdbt.com/docs/cloud/connect-data-platform/connect-amazon-athena>):
//! `s3_staging_dir` (the results location), `region_name`, `work_group`,
//! `database` (the data catalog, "lowercase only"), `schema`, `s3_data_dir`,
//! `aws_profile_name`, and `aws_access_key_id` / `aws_secret_access_key` /
//! `aws_session_token`; credentials otherwise come from boto3's chain. A value
//! written `{{ env_var('X') }}` is filled in by dbt when it runs: the doctor
//! reports it unknown (CONN011, a warning) and never guesses it.
//!
//! Which target: dbt runs a profile's `target:` unless `--target` says
//! otherwise. The reader takes the first profile with an Athena output, and in
//! it the output its `target:` names when that one is `type: athena`, else its
//! first Athena output (a templated `target:` cannot be followed offline).

use super::tree::{self, Edits, Keys};
use super::{Change, Reading};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use crate::yaml::Node;
use std::path::Path;

const KEYS: Keys = Keys {
    fields: &[
        ("s3_staging_dir", FieldId::S3OutputBucket),
        ("region_name", FieldId::Region),
        ("work_group", FieldId::Workgroup),
        ("database", FieldId::DataCatalog),
        ("schema", FieldId::DefaultSchema),
        ("aws_profile_name", FieldId::ProfileName),
        ("aws_access_key_id", FieldId::AccessKeyId),
    ],
    secret: &["aws_secret_access_key"],
    masked: &["aws_session_token"],
    others: &[
        "type",
        "threads",
        "s3_data_dir",
        "s3_data_naming",
        "s3_tmp_table_dir",
        "s3_expected_bucket_owner",
        "spark_work_group",
        "poll_interval",
        "debug_query_state",
        "num_retries",
        "num_boto3_retries",
        "num_iceberg_retries",
        "lf_tags_database",
        "skip_workgroup_check",
        "seed_s3_upload_args",
        "emr_job_execution_role_arn",
    ],
    prefix: "",
    tool: "dbt-athena",
};

pub(super) fn property_of(id: FieldId) -> Option<&'static str> {
    KEYS.key_of(id)
}

/// A profiles.yml with an output of `type: athena`.
pub(super) fn looks_like(text: &str) -> bool {
    text.contains("outputs")
        && text.lines().any(|l| {
            let l = l.trim().trim_start_matches("- ");
            matches!(l, "type: athena" | "type: \"athena\"" | "type: 'athena'")
        })
}

fn is_athena(output: &Node) -> bool {
    output
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("athena"))
}

/// The profile, target name and mapping the doctor reads.
fn target(root: &Node) -> Option<(&str, &str, &Node)> {
    root.entries().iter().find_map(|(name, profile)| {
        let name = name.as_str()?;
        let outputs = profile.get("outputs")?;
        let named = profile.get("target").and_then(Node::as_str);
        let chosen = named
            .and_then(|t| outputs.get(t).filter(|o| is_athena(o)).map(|o| (t, o)))
            .or_else(|| {
                outputs
                    .entries()
                    .iter()
                    .find(|(_, o)| is_athena(o))
                    .and_then(|(k, o)| Some((k.as_str()?, o)))
            })?;
        Some((name, chosen.0, chosen.1))
    })
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let root = tree::parse(path, text)?;
    let Some((profile, name, output)) = target(&root) else {
        return Err(tree::bad_at(
            path,
            text,
            &root,
            "no dbt profile here has an output of `type: athena` (profiles.yml: PROFILE: {target: T, outputs: {T: {type: athena, …}}})",
        ));
    };
    let mut reading = Reading::new(path, text, Form::Dbt);
    reading.set(
        FieldId::DisplayName,
        format!("{profile}.{name}"),
        tree::offset(text, output.at),
    );
    tree::read_map(&mut reading, text, output, &KEYS);
    Ok(reading.finish())
}

pub(super) fn rewrite(text: &str, changes: &[Change]) -> Result<String, String> {
    let root = tree::parse_masked(text)?;
    let (_, _, output) = target(&root).ok_or("no dbt-athena output to change")?;
    let mut edits = Edits::default();
    for change in changes {
        if matches!(change, Change::Set(FieldId::DisplayName, _)) {
            // The display name is the profile and target's own name: not a setting.
            continue;
        }
        if !tree::change_map(&mut edits, text, output, &KEYS, change)?
            && let Change::Set(id, _) = change
        {
            return Err(format!("a dbt-athena profile has no setting for {}", id.key()));
        }
    }
    Ok(edits.apply(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    // The documentation's example (athena-setup), with keys.
    const PROFILE: &str = "default:
  outputs:
    dev:
      type: athena
      s3_staging_dir: s3://athena-query-results/dbt/
      s3_data_dir: s3://your_s3_bucket/dbt/
      s3_data_naming: schema_table
      s3_tmp_table_dir: s3://your_s3_bucket/temp/
      region_name: eu-west-1
      schema: dbt
      database: awsdatacatalog
      threads: 4
      aws_profile_name: my-profile
      work_group: my-workgroup
      aws_access_key_id: AKIAIOSFODNN7EXAMPLE
      aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  target: dev
";

    #[test]
    fn the_documented_profile_fills_the_model() {
        let loaded = read(Path::new("profiles.yml"), PROFILE).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::Dbt);
        assert_eq!(
            c.value(FieldId::S3OutputBucket),
            Some("s3://athena-query-results/dbt/")
        );
        assert_eq!(c.value(FieldId::Region), Some("eu-west-1"));
        assert_eq!(c.value(FieldId::DataCatalog), Some("awsdatacatalog"));
        assert_eq!(c.value(FieldId::DefaultSchema), Some("dbt"));
        assert_eq!(c.value(FieldId::Workgroup), Some("my-workgroup"));
        assert_eq!(c.value(FieldId::ProfileName), Some("my-profile"));
        assert_eq!(c.value(FieldId::DisplayName), Some("default.dev"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 9, column: 20 })
        );
        assert!(loaded.file_secret.is_some());
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(c.text.as_deref().unwrap().contains("aws_secret_access_key: ****"));
        assert!(c.unknown.is_empty(), "{:?}", c.unknown);
    }

    #[test]
    fn env_vars_are_unknown_and_typos_named() {
        let text = "p:\n  target: prod\n  outputs:\n    prod:\n      type: athena\n      region_name: \"{{ env_var('DBT_REGION') }}\"\n      workgroup: bi\n";
        let c = read(Path::new("p.yml"), text).unwrap().connection;
        assert_eq!(c.value(FieldId::Region), None);
        let u: Vec<_> = c
            .unknown
            .iter()
            .map(|u| (u.name.as_str(), u.unresolved, u.rename.as_deref()))
            .collect();
        assert_eq!(
            u,
            [
                ("region_name", true, None),
                ("workgroup", false, Some("work_group"))
            ]
        );
        assert!(c.unknown[0].why.contains("DBT_REGION"));
    }

    #[test]
    fn rewrites_change_one_key_and_drop_secrets() {
        let masked = read(Path::new("p"), PROFILE).unwrap().connection.text.unwrap();
        let out = rewrite(
            &masked,
            &[
                Change::Set(FieldId::Region, Some("us-east-1".into())),
                Change::DropSecrets,
            ],
        )
        .unwrap();
        let expected = PROFILE.replace("eu-west-1", "us-east-1").replace(
            "      aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "",
        );
        assert_eq!(out, expected);
        let renamed = rewrite(
            "p:\n  outputs:\n    d:\n      type: athena\n      workgroup: x\n",
            &[Change::Rename {
                from: "workgroup".into(),
                to: "work_group".into(),
            }],
        )
        .unwrap();
        assert!(renamed.contains("      work_group: x\n"), "{renamed}");
    }

    #[test]
    fn bad_yaml_and_no_athena_target_are_bad_input() {
        let e = read(Path::new("p.yml"), "p:\n  outputs: [\n").unwrap_err();
        assert!(e.to_string().contains("p.yml:"), "{e}");
        let e = read(
            Path::new("p.yml"),
            "p:\n  outputs:\n    d:\n      type: postgres\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("type: athena"), "{e}");
    }
}
