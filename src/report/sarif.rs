//! SARIF 2.1.0 for code scanning: the rule catalogue as `tool.driver.rules`, each
//! failing check as a result located at the connection file line of the field at
//! fault, or the policy file line of the statement at fault.

use super::Report;
use crate::engine::{RuleMeta, Severity, Status};
use crate::hash::stable_hash;
use crate::location::Location;
use serde_json::{Value, json};

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as given on the command line, as a SARIF URI relative to the checkout.
pub(crate) fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        path.to_string()
    }
}

/// The "What it checks" section of a rule's document.
fn what_it_checks(doc: &str) -> String {
    doc.split("## What it checks")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The tool's driver: the catalogue as SARIF rules.
pub(crate) fn driver(catalogue: &[&RuleMeta]) -> Value {
    let driver_rules: Vec<Value> = catalogue
        .iter()
        .map(|m| {
            let mut tags: Vec<&str> = vec![m.family.as_str()];
            tags.extend(m.tags);
            let mut properties = json!({"tags": tags});
            if m.tags.contains(&"security") {
                let score = if m.severity == Severity::Error {
                    "8.0"
                } else {
                    "5.0"
                };
                properties["security-severity"] = json!(score);
            }
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": what_it_checks(m.doc)},
                "help": {"text": m.doc, "markdown": m.doc},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": properties,
            })
        })
        .collect();
    json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": env!("CARGO_PKG_HOMEPAGE"),
        "rules": driver_rules,
    })
}

/// One result: a finding located at `at` in `file`, fingerprinted by what
/// `identity` says it is about; its rule index is its rule's place in `catalogue`.
pub(crate) fn result(
    catalogue: &[&RuleMeta],
    code: &str,
    severity: Severity,
    text: &str,
    file: &str,
    at: Location,
    identity: &str,
) -> Value {
    let index = catalogue.iter().position(|m| m.code == code).unwrap_or(0);
    json!({
        "ruleId": code,
        "ruleIndex": index,
        "level": level(severity),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(file)},
                "region": {"startLine": at.line, "startColumn": at.column},
            }
        }],
        "partialFingerprints": {"athenaDoctorFinding/v1": format!("{:016x}", stable_hash(&format!("{code}\0{identity}")))},
    })
}

pub(crate) fn render(report: &Report) -> String {
    let results: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| {
            let file = c.file.as_deref().unwrap_or(&report.path);
            let loc = c.location.unwrap_or(Location { line: 1, column: 1 });
            let mut text = c.message.clone();
            if let Some(fix) = &c.fix {
                text.push_str(&format!(" Fix: {}.", fix.title()));
            }
            result(
                report.catalogue,
                c.code(),
                c.severity,
                &text,
                file,
                loc,
                &c.subject,
            )
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver(report.catalogue)},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value always serialises");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_sections() {
        assert_eq!(uri("./ci/conn.toml"), "ci/conn.toml");
        assert_eq!(uri("ci\\conn.toml"), "ci/conn.toml");
        assert_eq!(uri("/abs/conn.toml"), "file:///abs/conn.toml");
        assert_eq!(
            what_it_checks("# X\n\n## What it checks\n\nA  b\nc.\n\n## Why it fails\n\nd"),
            "A b c."
        );
    }
}
