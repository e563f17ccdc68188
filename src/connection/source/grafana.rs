//! Grafana's Amazon Athena data source (`grafana-athena-datasource`): a
//! provisioning file (`apiVersion: 1`, `datasources: [- type: …]`) or the same
//! data source as JSON from Grafana's HTTP API (`GET /api/datasources/:id`,
//! one object, or the list `GET /api/datasources` answers).
//!
//! Source: Grafana, "Configure the Amazon Athena data source", section
//! "Provision the data source" (<https://grafana.com/docs/plugins/grafana-athena-datasource/latest/configure/>):
//! `jsonData.authType` (`default`, `credentials` with `jsonData.profile`,
//! `keys`, `ec2_iam_role`, `grafana_assume_role`), `jsonData.assumeRoleArn`,
//! `jsonData.externalId`, `jsonData.defaultRegion`, `jsonData.catalog`,
//! `jsonData.database`, `jsonData.workgroup`, `jsonData.outputLocation`, and
//! `secureJsonData.accessKey` / `secretKey` / `sessionToken`. Grafana fills
//! `$VAR` / `${VAR}` from its environment when it provisions: such a value is
//! reported unknown (CONN011, a warning), never guessed. Keys are
//! case-sensitive (Go's JSON decoding of the plugin's settings).

use super::tree::{self, Edits, Keys};
use super::{Change, Reading};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use crate::yaml::{Node, Yaml};
use std::path::Path;

/// The plugin's type (`type` of the data source).
const PLUGIN: &str = "grafana-athena-datasource";

const JSON_DATA: Keys = Keys {
    fields: &[
        ("outputLocation", FieldId::S3OutputBucket),
        ("defaultRegion", FieldId::Region),
        ("workgroup", FieldId::Workgroup),
        ("catalog", FieldId::DataCatalog),
        ("database", FieldId::DefaultSchema),
        ("assumeRoleArn", FieldId::RoleArn),
        ("externalId", FieldId::ExternalId),
        ("profile", FieldId::ProfileName),
    ],
    secret: &[],
    masked: &[],
    others: &[
        "authType",
        "endpoint",
        "resultReuseEnabled",
        "resultReuseMaxAgeInMinutes",
        "defaultResultReuse",
        "pdcInjected",
        "enableSecureSocksProxy",
    ],
    prefix: "jsonData.",
    tool: "the Grafana Athena data source",
};

const SECURE: Keys = Keys {
    fields: &[("accessKey", FieldId::AccessKeyId)],
    secret: &["secretKey"],
    masked: &["sessionToken"],
    others: &[],
    prefix: "secureJsonData.",
    tool: "the Grafana Athena data source",
};

pub(super) fn property_of(id: FieldId) -> Option<&'static str> {
    match id {
        FieldId::DisplayName => Some("name"),
        FieldId::AccessKeyId => Some("secureJsonData.accessKey"),
        FieldId::SecretAccessKey => Some("secureJsonData.secretKey"),
        FieldId::S3OutputBucket => Some("jsonData.outputLocation"),
        FieldId::Region => Some("jsonData.defaultRegion"),
        FieldId::Workgroup => Some("jsonData.workgroup"),
        FieldId::DataCatalog => Some("jsonData.catalog"),
        FieldId::DefaultSchema => Some("jsonData.database"),
        FieldId::RoleArn => Some("jsonData.assumeRoleArn"),
        FieldId::ExternalId => Some("jsonData.externalId"),
        FieldId::ProfileName => Some("jsonData.profile"),
        _ => None,
    }
}

pub(super) fn looks_like(text: &str) -> bool {
    text.contains(PLUGIN) && (text.contains("datasources") || text.contains("jsonData"))
}

/// The Athena data source: the first of `datasources:` (or of the API's list)
/// whose `type` is the plugin, or the API's single object.
fn datasource(root: &Node) -> Option<&Node> {
    let is_athena = |n: &&Node| {
        n.get("type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.trim() == PLUGIN)
    };
    match &root.value {
        Yaml::Seq(items) => items.iter().find(is_athena),
        Yaml::Map(_) => match root.get("datasources") {
            Some(list) => list.items().iter().find(is_athena),
            None => Some(root).filter(is_athena),
        },
        Yaml::Scalar(..) => None,
    }
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let root = tree::parse(path, text)?;
    let Some(ds) = datasource(&root) else {
        return Err(tree::bad_at(
            path,
            text,
            &root,
            format!(
                "no data source of `type: {PLUGIN}` here (a provisioning file's `datasources:`, or the API's JSON)"
            ),
        ));
    };
    let mut reading = Reading::new(path, text, Form::Grafana);
    if let Some(name) = ds.get("name").filter(|n| n.as_str().is_some()) {
        let raw = name.as_str().unwrap_or_default().to_string();
        reading.set(FieldId::DisplayName, raw, tree::offset(text, name.at));
    }
    if let Some(json) = ds.get("jsonData") {
        tree::read_map(&mut reading, text, json, &JSON_DATA);
    }
    if let Some(secure) = ds.get("secureJsonData") {
        tree::read_map(&mut reading, text, secure, &SECURE);
    }
    Ok(reading.finish())
}

pub(super) fn rewrite(text: &str, changes: &[Change]) -> Result<String, String> {
    let root = tree::parse_masked(text)?;
    let ds = datasource(&root).ok_or("no Grafana Athena data source to change")?;
    let flow = tree::is_flow(text, ds);
    let mut edits = Edits::default();
    // Keys added to a `jsonData` the data source does not have yet, written as one block.
    let mut new_json: Vec<(String, String)> = Vec::new();
    for change in changes {
        if let Change::Set(FieldId::DisplayName, Some(v)) = change {
            edits.set(text, ds, "name", Some(v))?;
            continue;
        }
        let mut done = false;
        for (name, keys) in [("jsonData", &JSON_DATA), ("secureJsonData", &SECURE)] {
            if let Some(map) = ds
                .get(name)
                .filter(|m| matches!(m.value, Yaml::Map(_)) && !m.entries().is_empty())
            {
                done |= tree::change_map(&mut edits, text, map, keys, change)?;
            } else if let Change::Set(id, Some(v)) = change
                && let Some(key) = keys.key_of(*id)
            {
                new_json.push((name.to_string(), format!("{key}: {}", tree::literal(v, flow))));
                done = true;
            }
        }
        if let (false, Change::Set(id, Some(_))) = (done, change) {
            return Err(format!(
                "the Grafana Athena data source has no setting for {}",
                id.key()
            ));
        }
    }
    for parent in ["jsonData", "secureJsonData"] {
        let entries: Vec<&str> = new_json
            .iter()
            .filter(|(p, _)| p == parent)
            .map(|(_, e)| e.as_str())
            .collect();
        if entries.is_empty() {
            continue;
        }
        let value = if flow {
            let inner: Vec<String> = entries
                .iter()
                .map(|e| {
                    let (k, v) = e.split_once(": ").unwrap_or((e, "\"\""));
                    format!("{}: {v}", serde_json::to_string(k).unwrap_or_default())
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        } else {
            entries.iter().map(|e| format!("\n  {e}")).collect()
        };
        // An absent `jsonData` is added; an empty JSON one (`{}`, `null`) replaced.
        match ds.entry(parent) {
            None => edits.insert(text, ds, parent, &value)?,
            Some(_) if !flow => {
                return Err(format!(
                    "`{parent}` is empty: add `{}` under it by hand",
                    entries.join("`, `")
                ));
            }
            Some((_, v)) => {
                let at = tree::offset(text, v.at);
                let end = match text[at..].starts_with('{') {
                    true => text[at..].find('}').map_or(text.len(), |i| at + i + 1),
                    false => tree::span(text, v, flow).end,
                };
                edits.push(at, end, value);
            }
        }
    }
    Ok(edits.apply(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    // The documentation's "Use access and secret keys" example, with the
    // output location and role of the settings table.
    const PROVISIONING: &str = "apiVersion: 1
datasources:
  - name: Athena
    type: grafana-athena-datasource
    jsonData:
      authType: keys
      defaultRegion: eu-west-2
      catalog: AwsDataCatalog
      database: sales
      workgroup: primary
      outputLocation: s3://acme-athena-results/grafana/
    secureJsonData:
      accessKey: AKIAIOSFODNN7EXAMPLE
      secretKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
";

    #[test]
    fn provisioning_fills_the_model() {
        let loaded = read(Path::new("athena.yaml"), PROVISIONING).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::Grafana);
        assert_eq!(c.value(FieldId::DisplayName), Some("Athena"));
        assert_eq!(c.value(FieldId::Region), Some("eu-west-2"));
        assert_eq!(
            c.value(FieldId::S3OutputBucket),
            Some("s3://acme-athena-results/grafana/")
        );
        assert_eq!(c.value(FieldId::AccessKeyId), Some("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(
            c.location(FieldId::Workgroup),
            Some(Location { line: 10, column: 18 })
        );
        assert!(loaded.file_secret.is_some());
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }

    #[test]
    fn api_json_is_read_and_rewritten_as_json() {
        let json = "{\n  \"id\": 3,\n  \"name\": \"Athena\",\n  \"type\": \"grafana-athena-datasource\",\n  \"jsonData\": {\n    \"authType\": \"default\",\n    \"assumeRoleArn\": \"arn:aws:iam::111122223333:role/grafana\",\n    \"defaultRegion\": \"us-east-1\",\n    \"outputlocation\": \"s3://b/\"\n  }\n}\n";
        let c = read(Path::new("ds.json"), json).unwrap().connection;
        assert_eq!(
            c.value(FieldId::RoleArn),
            Some("arn:aws:iam::111122223333:role/grafana")
        );
        assert_eq!(c.unknown[0].name, "jsonData.outputlocation");
        assert_eq!(c.unknown[0].rename.as_deref(), Some("jsonData.outputLocation"));
        let out = rewrite(
            json,
            &[
                Change::Set(FieldId::ExternalId, Some("acme-42".into())),
                Change::Rename {
                    from: "jsonData.outputlocation".into(),
                    to: "jsonData.outputLocation".into(),
                },
            ],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["jsonData"]["externalId"], "acme-42");
        assert_eq!(v["jsonData"]["outputLocation"], "s3://b/");
    }

    #[test]
    fn rewrites_keep_the_rest() {
        let masked = read(Path::new("a"), PROVISIONING)
            .unwrap()
            .connection
            .text
            .unwrap();
        let out = rewrite(
            &masked,
            &[
                Change::Set(FieldId::Region, Some("us-east-1".into())),
                Change::DropSecrets,
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            PROVISIONING
                .replace("eu-west-2", "us-east-1")
                .replace("      secretKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "")
        );
        let bare = "apiVersion: 1\ndatasources:\n  - name: A\n    type: grafana-athena-datasource\n";
        let out = rewrite(
            bare,
            &[Change::Set(FieldId::S3OutputBucket, Some("s3://b/p/".into()))],
        )
        .unwrap();
        assert_eq!(
            out,
            "apiVersion: 1\ndatasources:\n  - name: A\n    jsonData:\n      outputLocation: s3://b/p/\n    type: grafana-athena-datasource\n"
        );
        let c = read(Path::new("a"), &out).unwrap().connection;
        assert_eq!(c.value(FieldId::S3OutputBucket), Some("s3://b/p/"));
    }

    #[test]
    fn env_vars_are_unknown() {
        let text = "datasources:\n  - type: grafana-athena-datasource\n    jsonData:\n      defaultRegion: ${AWS_REGION}\n";
        let c = read(Path::new("a"), text).unwrap().connection;
        assert_eq!(c.value(FieldId::Region), None);
        assert!(c.unknown[0].unresolved && c.unknown[0].why.contains("AWS_REGION"));
    }
}
