//! Rendering a triage: the errors found and their causes, as a table for people
//! (commands below it, unwrapped, so they copy whole) and as v1 JSON.

use super::wrap;
use crate::messages::Kind;
use crate::style::{Style, printable};
use crate::triage::{Triage, Verdict};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// The JSON report's version: fields are only ever added within a version.
pub(crate) const VERSION: u32 = 1;

pub(crate) fn table(t: &Triage, style: Style, width: usize) -> String {
    let stacked = width < super::table::STACK_BELOW;
    let mut out = String::new();
    for why in &t.unread {
        let _ = writeln!(out, "{} {}", style.yellow("could not read"), printable(why));
    }
    if t.errors.is_empty() {
        out.push_str(
            "No error the doctor knows was found in the text. Paste the whole message, with the lines around it \
             (the driver's wrapper, the AWS error code, the request ID).\n",
        );
        return out;
    }
    let mut rows = Vec::new();
    for e in &t.errors {
        let meaning = match e.pattern {
            Some(p) if p.kind == Kind::Query => format!("not a connection problem: {}", p.meaning),
            Some(p) => p.meaning.clone(),
            None => "not an error the doctor knows".to_string(),
        };
        let mut what = printable(&e.text).into_owned();
        let fields: Vec<String> = e
            .fields
            .iter()
            .filter(|(n, _)| SHOWN.contains(n))
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        if !fields.is_empty() {
            what.push_str(&format!("\n({})", printable(&fields.join(", "))));
        }
        let place = e.origin.clone().unwrap_or_else(|| format!("line {}", e.line));
        let place = match e.count {
            1 => place,
            n => format!("{place} (×{n})"),
        };
        rows.push(vec![place, what, meaning]);
    }
    // A line number stays whole; a place in the account (an execution ID and a
    // time) may wrap.
    let error_header = ["Where", "Error", "What it means"];
    let error_whole = [t.errors.iter().all(|e| e.origin.is_none()), false, false];
    let judged = t.causes.iter().any(|c| c.verdict.is_some());
    let mut header = vec!["#", "Rule", "Why it fits", "What to check"];
    let mut whole = vec![true, true, false, false];
    if judged {
        header.insert(2, "On this connection");
        whole.insert(2, false);
    }
    let cause_rows: Vec<Vec<String>> = t
        .causes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![
                (i + 1).to_string(),
                format!("{}\n{}", c.rule.code, c.rule.name),
                why(c),
                c.check.clone(),
            ];
            if judged {
                row.insert(2, verdict(c.verdict.as_ref(), Style { color: false }));
            }
            row
        })
        .collect();
    // Wrap the cell, not the word: tables whose columns cannot hold their
    // longest runs whole in the width are stacked instead.
    let stacked = stacked
        || !wrap::fits(&error_header, &rows, &error_whole, width)
        || !wrap::fits(&header, &cause_rows, &whole, width);
    if stacked {
        for row in &rows {
            let _ = writeln!(out, "{}:", style.bold(&row[0]));
            for part in [&row[1], &row[2]] {
                for line in wrap::wrap(part, width.saturating_sub(2)) {
                    let _ = writeln!(out, "  {line}");
                }
            }
            out.push('\n');
        }
    } else {
        let _ = writeln!(out, "{}", wrap::grid(&error_header, &rows, &error_whole, width));
    }
    if t.not_shown > 0 {
        let _ = writeln!(
            out,
            "…and {} more distinct errors, not listed (the first {} are; all of them rank the causes).",
            t.not_shown,
            t.errors.len()
        );
    }
    if t.causes.is_empty() {
        out.push_str(if stacked { "" } else { "\n" });
        out.push_str("No connection rule explains these errors.\n");
        return out;
    }
    if !stacked {
        out.push('\n');
    }
    out.push_str("Likely causes, most likely first:\n");
    if stacked {
        for (i, c) in t.causes.iter().enumerate() {
            let _ = writeln!(out, "{}. {} {}", i + 1, style.bold(c.rule.code), c.rule.name);
            let mut parts = vec![format!("why: {}", why(c)), format!("check: {}", c.check)];
            if judged {
                parts.insert(0, verdict(c.verdict.as_ref(), style));
            }
            for part in parts {
                for line in wrap::wrap(&part, width.saturating_sub(3)) {
                    let _ = writeln!(out, "   {line}");
                }
            }
        }
    } else {
        let _ = writeln!(out, "{}", wrap::grid(&header, &cause_rows, &whole, width));
    }
    let asks: Vec<_> = t.causes.iter().filter(|c| !c.ask.is_empty()).collect();
    if !asks.is_empty() || !t.follow_up.is_empty() {
        out.push_str("\nAsk the customer to run (read-only):\n");
        if !t.follow_up.is_empty() {
            out.push_str("  # the failed query's own record (Athena's reason and error type)\n");
            for command in &t.follow_up {
                let _ = writeln!(out, "  {}", printable(command));
            }
        }
        // Each command once: a cause whose commands were all asked above says so.
        let mut asked: Vec<&String> = Vec::new();
        for (i, c) in t.causes.iter().enumerate().filter(|(_, c)| !c.ask.is_empty()) {
            let new: Vec<&String> = c.ask.iter().filter(|a| !asked.contains(a)).collect();
            let also = if new.len() < c.ask.len() {
                " (and the commands above)"
            } else {
                ""
            };
            let _ = writeln!(out, "  # {}. {} {}{also}", i + 1, c.rule.code, c.rule.name);
            for command in new {
                let _ = writeln!(out, "  {}", printable(command));
                asked.push(command);
            }
        }
    }
    let _ = writeln!(
        out,
        "\n`athena-doctor explain CODE` tells more about a rule{}.",
        if judged {
            ""
        } else {
            "; --config FILE (or --snapshot) checks the causes on the connection"
        }
    );
    out
}

/// The fields worth a line in the table (the rest are in the JSON).
const SHOWN: &[&str] = &[
    "service",
    "code",
    "action",
    "principal",
    "resource",
    "policy_type",
    "bucket",
    "region",
    "workgroup",
    "catalog",
    "database",
    "host",
    "execution_id",
];

fn verdict(v: Option<&Verdict>, style: Style) -> String {
    let Some(v) = v else { return String::new() };
    let label = match v {
        Verdict::Confirmed(_) => style.red(v.label()),
        Verdict::RuledOut(_) => style.green(v.label()),
        Verdict::NotCheckable(_) => style.yellow(v.label()),
    };
    let evidence: Vec<String> = v.evidence().iter().map(|e| printable(e).into_owned()).collect();
    format!("{label}: {}", evidence.join("; "))
}

pub(crate) fn json(t: &Triage) -> String {
    let errors: Vec<Value> = t
        .errors
        .iter()
        .map(|e| {
            let mut o = Map::new();
            // A line of the pasted text, or where in the account it was found.
            o.insert("line".into(), json!(e.origin.is_none().then_some(e.line)));
            o.insert("origin".into(), json!(e.origin));
            o.insert("count".into(), json!(e.count));
            o.insert("text".into(), json!(e.text));
            o.insert("pattern".into(), json!(e.pattern.map(|p| &p.id)));
            o.insert(
                "connection_problem".into(),
                json!(e.pattern.map(|p| p.kind == Kind::Connection)),
            );
            o.insert("meaning".into(), json!(e.pattern.map(|p| &p.meaning)));
            for (name, value) in e.fields.iter() {
                o.insert(name.into(), json!(value));
            }
            Value::Object(o)
        })
        .collect();
    let causes: Vec<Value> = t
        .causes
        .iter()
        .map(|c| {
            let mut o = json!({
                "code": c.rule.code,
                "name": c.rule.name,
                "why": c.why,
                "check": c.check,
                "ask": c.ask,
                "errors": c.errors,
            });
            if c.low_confidence {
                o["confidence"] = json!("low");
            }
            if let Some(v) = &c.verdict {
                o["status"] = json!(v.label().replace(' ', "-"));
                o["evidence"] = json!(v.evidence());
            }
            o
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "version": VERSION,
        "errors": errors,
        "errors_not_listed": t.not_shown,
        "causes": causes,
        "follow_up": t.follow_up,
        "unread": t.unread,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

/// Why a cause fits, saying when only what the message names supports it.
fn why(c: &crate::triage::Cause) -> String {
    if c.low_confidence {
        format!(
            "{} (a lower-confidence match: from what the message names)",
            c.why
        )
    } else {
        c.why.clone()
    }
}
