//! Metabase's Amazon Athena database: the JSON of `GET /api/database/:id`
//! (`"engine": "athena"`, the connection in `details`).
//!
//! Source: the driver's manifest, `modules/drivers/athena/resources/metabase-plugin.yaml`
//! in metabase/metabase (<https://github.com/metabase/metabase/blob/master/modules/drivers/athena/resources/metabase-plugin.yaml>):
//! `region`, `workgroup`, `s3_staging_dir`, `catalog` (placeholder
//! `AwsDataCatalog`), `access_key`, `secret_key`, `hostname`, `dbname` (one
//! database to sync), `additional-options` (the JDBC 3.x driver's
//! `Key=Value;…`, passed through), and Metabase's own advanced options; the
//! user guide: <https://www.metabase.com/docs/latest/databases/connections/athena>.
//! The API answers `**MetabasePass**` in place of a stored secret: the secret
//! is then not in the file. Metabase has no role or External ID setting: it
//! uses the keys, else the AWS default credentials chain.

use super::tree::{self, Edits, Keys};
use super::{Change, Reading};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use crate::yaml::Node;
use std::path::Path;

const DETAILS: Keys = Keys {
    fields: &[
        ("s3_staging_dir", FieldId::S3OutputBucket),
        ("region", FieldId::Region),
        ("workgroup", FieldId::Workgroup),
        ("catalog", FieldId::DataCatalog),
        ("dbname", FieldId::DefaultSchema),
        ("access_key", FieldId::AccessKeyId),
    ],
    secret: &["secret_key"],
    masked: &[],
    others: &[
        "hostname",
        "additional-options",
        "include-user-id-and-hash",
        "advanced-options",
        "let-user-control-scheduling",
        "auto_run_queries",
        "refingerprint",
        "schedules",
        "tunnel-enabled",
        "engine",
    ],
    prefix: "details.",
    tool: "Metabase's Athena driver",
};

pub(super) fn property_of(id: FieldId) -> Option<&'static str> {
    match id {
        FieldId::DisplayName => Some("name"),
        FieldId::S3OutputBucket => Some("details.s3_staging_dir"),
        FieldId::Region => Some("details.region"),
        FieldId::Workgroup => Some("details.workgroup"),
        FieldId::DataCatalog => Some("details.catalog"),
        FieldId::DefaultSchema => Some("details.dbname"),
        FieldId::AccessKeyId => Some("details.access_key"),
        FieldId::SecretAccessKey => Some("details.secret_key"),
        _ => None,
    }
}

/// A JSON object whose `engine` is `athena`.
pub(super) fn looks_like(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{')
        && t.contains("\"details\"")
        && serde_json::from_str::<serde_json::Value>(t).is_ok_and(|v| v["engine"] == "athena")
}

fn details(root: &Node) -> Option<&Node> {
    root.get("engine")
        .and_then(Node::as_str)
        .filter(|e| e.trim() == "athena")
        .and(root.get("details"))
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let root = tree::parse(path, text)?;
    let Some(details) = details(&root) else {
        return Err(tree::bad_at(
            path,
            text,
            &root,
            "not a Metabase Athena database: expected the JSON of GET /api/database/:id with \"engine\": \"athena\" and \"details\"",
        ));
    };
    let mut reading = Reading::new(path, text, Form::Metabase);
    if let Some(name) = root.get("name").filter(|n| n.as_str().is_some()) {
        reading.set(
            FieldId::DisplayName,
            name.as_str().unwrap_or_default().to_string(),
            tree::offset(text, name.at),
        );
    }
    tree::read_map(&mut reading, text, details, &DETAILS);
    Ok(reading.finish())
}

pub(super) fn rewrite(text: &str, changes: &[Change]) -> Result<String, String> {
    let root = tree::parse_masked(text)?;
    let details = details(&root).ok_or("no Metabase Athena details to change")?;
    let mut edits = Edits::default();
    for change in changes {
        if let Change::Set(FieldId::DisplayName, v) = change {
            edits.set(text, &root, "name", v.as_deref())?;
            continue;
        }
        if !tree::change_map(&mut edits, text, details, &DETAILS, change)?
            && let Change::Set(id, _) = change
        {
            return Err(format!(
                "Metabase's Athena connection has no setting for {}",
                id.key()
            ));
        }
    }
    Ok(edits.apply(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    // The shape of GET /api/database/:id for an Athena database.
    const DATABASE: &str = r#"{
  "id": 2,
  "name": "Athena (sales)",
  "engine": "athena",
  "details": {
    "region": "us-east-1",
    "workgroup": "primary",
    "s3_staging_dir": "s3://acme-athena-results/metabase",
    "catalog": "AwsDataCatalog",
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "additional-options": "UseResultsetStreaming=0",
    "advanced-options": false
  }
}
"#;

    #[test]
    fn details_fill_the_model() {
        let loaded = read(Path::new("db.json"), DATABASE).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::Metabase);
        assert_eq!(c.value(FieldId::DisplayName), Some("Athena (sales)"));
        assert_eq!(
            c.value(FieldId::S3OutputBucket),
            Some("s3://acme-athena-results/metabase")
        );
        assert_eq!(c.value(FieldId::DataCatalog), Some("AwsDataCatalog"));
        assert_eq!(
            c.location(FieldId::Workgroup),
            Some(Location { line: 7, column: 18 })
        );
        assert!(loaded.file_secret.is_some());
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(looks_like(DATABASE));
    }

    #[test]
    fn redacted_secrets_are_not_secrets() {
        let text = DATABASE.replace("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "**MetabasePass**");
        assert!(read(Path::new("db.json"), &text).unwrap().file_secret.is_none());
    }

    #[test]
    fn rewrites_stay_json() {
        let masked = read(Path::new("a"), DATABASE).unwrap().connection.text.unwrap();
        let out = rewrite(
            &masked,
            &[
                Change::Set(
                    FieldId::S3OutputBucket,
                    Some("s3://acme-athena-results/metabase/".into()),
                ),
                Change::DropSecrets,
            ],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["details"]["s3_staging_dir"],
            "s3://acme-athena-results/metabase/"
        );
        assert!(v["details"].get("secret_key").is_none());
        assert_eq!(v["details"]["advanced-options"], false);
    }
}
