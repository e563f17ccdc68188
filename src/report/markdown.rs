//! The Markdown summary: for a CI run page (`GITHUB_STEP_SUMMARY`) or a ticket.

use super::Report;
use crate::engine::{Check, Severity, Status};
use std::fmt::Write;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

fn icon(c: &Check) -> &'static str {
    match (c.status, c.severity) {
        (Status::Fail, Severity::Error) => "❌",
        (Status::Fail, Severity::Warning) => "⚠️",
        (Status::Fail, Severity::Info) => "ℹ️",
        (Status::Pass, _) => "✅",
        (Status::Skip, _) => "⏭️",
    }
}

/// The commands once each, in the order to run them.
fn steps(out: &mut String, report: &Report) {
    if report.steps.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {}\n", super::steps::HEADING);
    for (n, step) in report.steps.iter().enumerate() {
        let how = step.how();
        let _ = writeln!(
            out,
            "{}. {} — {} ({how})\n\n   ```sh\n   {}\n   ```\n",
            n + 1,
            step.codes(&report.checks).join(", "),
            cell(&step.target),
            step.command
        );
    }
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = report.summary();
    let _ = writeln!(out, "## athena-doctor: {}\n", cell(&report.connection));
    if let Some(who) = &report.ran_as {
        let how = if report.mode == "snapshot" {
            "Read from a snapshot (not the account now), taken live as"
        } else {
            "Read live as"
        };
        let _ = writeln!(out, "{how} `{}`.\n", cell(who));
    }
    let _ = writeln!(out, "**{}**\n", summary.line());
    let failures = report.worst_first();
    if failures.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(out, "| | Code | Check | Finding | Fix |\n|---|---|---|---|---|");
        for c in &failures {
            let fix = c
                .fix
                .as_ref()
                .map(|f| format!("`{}`", f.title().replace('`', "'")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                icon(c),
                c.code(),
                c.name(),
                cell(&c.message),
                cell(&fix)
            );
        }
        let with_fix: Vec<&&Check> = failures.iter().filter(|c| c.fix.is_some()).collect();
        if !with_fix.is_empty() {
            let _ = writeln!(out, "\n<details><summary>Suggested fixes</summary>\n");
            for c in with_fix {
                let fix = c.fix.as_ref().expect("filtered");
                let _ = writeln!(
                    out,
                    "**{}** — {} ({})\n",
                    c.code(),
                    fix.target,
                    fix.applicability.as_str()
                );
                match &fix.snippet {
                    Some(snippet) => {
                        let _ = writeln!(
                            out,
                            "{}\n\n```{}\n{}\n```\n",
                            snippet.instruction,
                            snippet.language,
                            snippet.text.trim_end()
                        );
                    }
                    None => {
                        for (label, language, body) in fix.bodies() {
                            if let Some(label) = label {
                                let _ = writeln!(out, "{label}\n");
                            }
                            let _ = writeln!(out, "```{language}\n{body}\n```\n");
                        }
                        if let Some(n) = report.step_of(c) {
                            let _ = writeln!(out, "Applied by step {n} below.\n");
                        }
                    }
                }
            }
            let _ = writeln!(out, "</details>");
        }
        steps(&mut out, report);
    }
    let skipped: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skip)
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} skipped checks</summary>\n",
            skipped.len()
        );
        for c in skipped {
            let _ = writeln!(out, "- {} {}: {}", c.code(), c.name(), cell(&c.message));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}
