//! The JSON report: the frozen, versioned v1 shape of DESIGN §8. Built field by
//! field so that internal changes cannot change it by accident.

use super::Report;
use serde_json::{Value, json};

pub(crate) const JSON_VERSION: u32 = 1;

pub(crate) fn render(report: &Report) -> String {
    let s = report.summary();
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            json!({
                "code": c.code(),
                "name": c.name(),
                "status": c.status.as_str(),
                "severity": c.severity.as_str(),
                "message": c.message,
                "subject": c.subject,
                "fix": c.fix.as_ref().map(|f| f.to_json()),
            })
        })
        .collect();
    let mut doc = json!({
        "version": JSON_VERSION,
        "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
        "connection": report.connection,
        "summary": {"error": s.error, "warning": s.warning, "info": s.info, "pass": s.pass, "skip": s.skip},
        "checks": checks,
    });
    // Additive to v1: the fixes' commands once each, in the order to run them
    // (each `fix.command` of one document is the same merged command).
    if !report.steps.is_empty() {
        doc["apply"] = Value::Array(
            report
                .steps
                .iter()
                .map(|step| {
                    json!({
                        "command": step.command,
                        "target": step.target,
                        "applicability": step.applicability.as_str(),
                        "runs_as_printed": step.runs,
                        "codes": step.codes(&report.checks),
                    })
                })
                .collect(),
        );
    }
    // Additive to v1, live runs only: whose view of the account this is.
    if let Some(who) = &report.ran_as {
        doc["ran_as"] = json!(who);
    }
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value always serialises");
    out.push('\n');
    out
}
