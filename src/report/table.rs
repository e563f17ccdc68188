//! The terminal report: a findings table, each fix's JSON in full below it, numbered,
//! and a one-line summary.

use super::Report;
use crate::engine::{Check, Severity, Status};
use crate::style::Style;
use crate::style::printable;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use std::fmt::Write;

pub(crate) struct Options {
    pub style: Style,
    /// Show skipped checks and their reasons.
    pub verbose: bool,
    /// Only failures and the summary: no fix bodies, no hints.
    pub quiet: bool,
    /// Total width; `None` lets the terminal decide.
    pub width: Option<u16>,
}

fn glyph(check: &Check) -> (&'static str, Color) {
    match (check.status, check.severity) {
        (Status::Fail, Severity::Error) => ("✗", Color::Red),
        (Status::Fail, Severity::Warning) => ("!", Color::Yellow),
        (Status::Fail, Severity::Info) => ("i", Color::Blue),
        (Status::Pass, _) => ("✓", Color::Green),
        (Status::Skip, _) => ("-", Color::DarkGrey),
    }
}

/// Failures first, worst first; then passes; then skips. Stable within each group,
/// so the catalogue order is kept.
fn order(check: &Check) -> (u8, std::cmp::Reverse<Severity>) {
    match check.status {
        Status::Fail => (0, std::cmp::Reverse(check.severity)),
        Status::Pass => (1, std::cmp::Reverse(Severity::Info)),
        Status::Skip => (2, std::cmp::Reverse(Severity::Info)),
    }
}

pub(crate) fn render(report: &Report, options: &Options) -> String {
    let style = options.style;
    let mut shown: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| options.verbose || c.status == Status::Fail)
        .collect();
    shown.sort_by_key(|c| order(c));

    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["", "Code", "Check", "Finding", "Fix"]);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if let Some(width) = options.width {
        table.set_width(width);
    }
    let mut fixes = Vec::new();
    for check in &shown {
        let (symbol, color) = glyph(check);
        let fix_cell = match &check.fix {
            Some(fix) if check.status == Status::Fail => {
                fixes.push(*check);
                format!("[{}] {}", fixes.len(), printable(&fix.title()))
            }
            _ => String::new(),
        };
        let mut glyph_cell = Cell::new(symbol);
        if style.color {
            glyph_cell = glyph_cell.fg(color);
        }
        table.add_row(vec![
            glyph_cell,
            Cell::new(check.code()),
            Cell::new(check.name()),
            Cell::new(printable(&check.message)),
            Cell::new(fix_cell),
        ]);
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("athena-doctor: {}", printable(&report.connection)))
    );
    if let Some(who) = &report.ran_as {
        let _ = writeln!(out, "read live as {}", printable(who));
    }
    if shown.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(out, "{table}");
    }
    if !fixes.is_empty() && !options.quiet {
        let _ = writeln!(out, "\n{}", style.bold("Suggested fixes"));
        for (i, check) in fixes.iter().enumerate() {
            let fix = check.fix.as_ref().expect("only checks with a fix are numbered");
            let _ = writeln!(
                out,
                "\n[{}] {} {} ({})",
                i + 1,
                check.code(),
                printable(&fix.target),
                fix.applicability.as_str()
            );
            let pretty = |v: &serde_json::Value| {
                serde_json::to_string_pretty(v).expect("a JSON value always serialises")
            };
            if let Some(note) = &fix.note {
                let _ = writeln!(out, "Why here: {}", printable(note));
            }
            match &fix.edit {
                crate::fix::Edit::Field { .. } => {
                    let _ = writeln!(out, "{}", pretty(&fix.payload()));
                }
                crate::fix::Edit::Policy {
                    statements,
                    document,
                    file,
                    ..
                } => {
                    let _ = writeln!(
                        out,
                        "Statements:\n{}",
                        pretty(&serde_json::Value::Array(statements.clone()))
                    );
                    let written = file
                        .as_ref()
                        .map(|f| format!(", written to {}", printable(f)))
                        .unwrap_or_default();
                    let _ = writeln!(out, "Corrected document{written}:\n{}", pretty(document));
                }
                crate::fix::Edit::Run { .. } => {}
            }
            if let Some(command) = fix.command() {
                let _ = writeln!(
                    out,
                    "Apply with (not run by the doctor):\n  {}",
                    printable(&command)
                );
            }
        }
    }
    let summary = report.summary();
    if !options.verbose && !options.quiet && summary.pass + summary.skip > 0 {
        let _ = writeln!(
            out,
            "\n{} passed and {} skipped checks are hidden; -v shows them (skips with their reasons).",
            summary.pass, summary.skip
        );
    }
    let line = summary.line();
    let line = if summary.error > 0 {
        style.red(&line)
    } else if summary.warning > 0 {
        style.yellow(&line)
    } else {
        style.green(&line)
    };
    let _ = writeln!(out, "\n{line}");
    out
}
