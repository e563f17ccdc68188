//! Rendering the rule catalogue (`rules`) and a rule's document (`explain`).

use crate::engine::{Rule, RuleMeta};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Value, json};

pub(crate) fn table(rules: &[&dyn Rule], width: usize) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty()
        .set_header(["Code", "Name", "Severity", "Checks"]);
    table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
    for meta in rules.iter().map(|r| r.meta()) {
        let mut severity = meta.severity.as_str().to_string();
        for tag in meta.tags {
            severity.push_str(&format!(" ({tag})"));
        }
        table.add_row(vec![meta.code, meta.name, &severity, meta.summary]);
    }
    format!(
        "{table}\n{} rules; `athena-doctor explain CODE` prints one.\n",
        rules.len()
    )
}

pub(crate) fn json(rules: &[&dyn Rule]) -> String {
    let list: Vec<Value> = rules
        .iter()
        .map(|r| {
            let m: &RuleMeta = r.meta();
            json!({
                "code": m.code,
                "name": m.name,
                "family": m.family.as_str(),
                "severity": m.severity.as_str(),
                "tags": m.tags,
                "summary": m.summary,
                "fixes": m.fixes.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&list).expect("a JSON value always serialises");
    out.push('\n');
    out
}

/// The rule's document.
pub(crate) fn explain(meta: &RuleMeta) -> String {
    let mut out = meta.doc.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("\n{}\n", fixes_line(meta)));
    out
}

/// Whether the rule's findings carry a fix, and how safely it applies.
pub(crate) fn fixes_line(meta: &RuleMeta) -> String {
    let words: Vec<&str> = meta.fixes.iter().map(|a| a.as_str()).collect();
    match words.as_slice() {
        [] => "Fix: none written (the finding says what to check).".to_string(),
        _ => format!(
            "Fix: written by the doctor; applicability {} (safe fixes apply as written; unsafe ones \
             with --unsafe-fixes, after review; display-only ones hold a value to fill in).",
            words.join(", ")
        ),
    }
}
