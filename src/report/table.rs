//! The terminal report: a findings table, each fix below it, numbered, the
//! commands once each in the order to run them, and a one-line summary.

use super::Report;
use super::wrap;
use crate::engine::{Check, Severity, Status};
use crate::fix::Edit;
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
    /// Total width, in columns (`commands::table_width` decides it).
    pub width: usize,
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

/// Below this width findings are stacked, one block each; from it, a table.
pub(crate) const STACK_BELOW: usize = 100;
/// From this width the table has a column for the fix.
const FIX_COLUMN_FROM: usize = 140;
/// The width of pipes and CI logs, when neither a terminal nor `COLUMNS` says.
pub(crate) const DEFAULT_WIDTH: usize = 120;
/// A fix column never wider than this: titles wrap at words.
const FIX_COLUMN: usize = 34;

pub(crate) fn render(report: &Report, options: &Options) -> String {
    let style = options.style;
    let mut shown: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| options.verbose || c.status == Status::Fail)
        .collect();
    shown.sort_by_key(|c| order(c));
    let mut fixes = Vec::new();
    let mut rows = Vec::new();
    for check in &shown {
        let fix = match &check.fix {
            Some(fix) if check.status == Status::Fail => {
                fixes.push(*check);
                Some((fixes.len(), printable(&fix.title()).into_owned()))
            }
            _ => None,
        };
        rows.push(Row {
            check,
            message: printable(&check.message).into_owned(),
            fix,
        });
    }
    let width = options.width;
    let body = if width < STACK_BELOW {
        stacked(&rows, width, style)
    } else {
        table(&rows, width, style)
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("athena-doctor: {}", printable(&report.connection)))
    );
    if let Some(who) = &report.ran_as {
        // A replay is not a live read: say where the facts come from.
        let how = if report.mode == "snapshot" {
            "read from a snapshot (not the account now), taken live as"
        } else {
            "read live as"
        };
        let _ = writeln!(out, "{how} {}", printable(who));
    }
    if shown.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        out.push_str(&body);
    }
    if !fixes.is_empty() && !options.quiet {
        let _ = writeln!(out, "\n{}", style.bold("Suggested fixes"));
        for (i, check) in fixes.iter().enumerate() {
            let fix = check.fix.as_ref().expect("only checks with a fix are numbered");
            // A field's fix is its title (the line to write, in the file's own
            // syntax); the fragment as JSON says it again, so only `-v` shows it.
            let short = matches!(fix.edit, Edit::Field { .. } | Edit::Rename { .. })
                && fix.snippet.is_none()
                && !options.verbose;
            let title = if short {
                format!(": {}", printable(&fix.title()))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "\n[{}] {} {} ({}){title}",
                i + 1,
                check.code(),
                printable(&fix.target),
                fix.applicability.as_str()
            );
            if let Some(note) = &fix.note {
                let _ = writeln!(out, "Why here: {}", printable(note));
            }
            for (label, _, body) in fix.bodies().into_iter().filter(|_| !short) {
                match label {
                    Some(label) => {
                        let _ = writeln!(out, "{}\n{}", printable(&label), body);
                    }
                    None => {
                        let _ = writeln!(out, "{}", body);
                    }
                }
            }
            match report.step_of(check) {
                Some(n) => {
                    let _ = writeln!(out, "Applied by step {n} below.");
                }
                None => {
                    if let Some(command) = fix.shown_command() {
                        let _ = writeln!(out, "Apply with:\n  {}", printable(&command));
                    }
                }
            }
        }
        steps(&mut out, report, options);
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

/// Every command once, in the order to run them, with the findings each clears;
/// the whole corrected document with `-v` (the command carries it either way).
fn steps(out: &mut String, report: &Report, options: &Options) {
    if report.steps.is_empty() {
        return;
    }
    let style = options.style;
    let _ = writeln!(out, "\n{}", style.bold(super::steps::HEADING));
    for (n, step) in report.steps.iter().enumerate() {
        let how = step.how();
        let _ = writeln!(
            out,
            "\nstep {} — {}: {} ({how})",
            n + 1,
            step.codes(&report.checks).join(", "),
            printable(&step.target)
        );
        if let Some(document) = step.document.as_ref().filter(|_| options.verbose) {
            let pretty = serde_json::to_string_pretty(document).expect("a JSON value always serialises");
            let _ = writeln!(out, "Corrected document:\n{pretty}");
        }
        let _ = writeln!(out, "  {}", printable(&step.command));
    }
    if !options.verbose && report.steps.iter().any(|s| s.document.is_some()) {
        let _ = writeln!(out, "\n-v prints each corrected document in full.");
    }
}

/// One finding as shown.
struct Row<'a> {
    check: &'a Check,
    message: String,
    /// Its number among the fixes below, and its title.
    fix: Option<(usize, String)>,
}

/// The table: the rule's code and name never break (their columns are as wide as
/// the longest shown); the finding gets the rest; the fix has a column of its own
/// from `FIX_COLUMN_FROM` on, and is a `fix [n]` reference under the finding below it.
fn table(rows: &[Row], width: usize, style: Style) -> String {
    let code = rows
        .iter()
        .map(|r| r.check.code().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let name = rows
        .iter()
        .map(|r| r.check.name().len())
        .max()
        .unwrap_or(5)
        .max(5);
    let with_fix_column = width >= FIX_COLUMN_FROM;
    let fix = if with_fix_column {
        rows.iter()
            .filter_map(|r| {
                r.fix
                    .as_ref()
                    .map(|(n, t)| wrap::width(t) + n.to_string().len() + 3)
            })
            .max()
            .unwrap_or(3)
            .clamp(3, FIX_COLUMN)
    } else {
        0
    };
    // Each column has a border and a space either side: 3 per column, plus 1.
    let columns = if with_fix_column { 5 } else { 4 };
    let used = 1 + code + name + fix + 3 * columns + 1;
    let finding = width.saturating_sub(used).max(20);
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        // Cells come wrapped to their column: the table only draws them.
        .set_content_arrangement(ContentArrangement::Disabled);
    let mut header = vec!["", "Code", "Check", "Finding"];
    if with_fix_column {
        header.push("Fix");
    }
    table.set_header(header);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for row in rows {
        let (symbol, color) = glyph(row.check);
        let mut glyph_cell = Cell::new(symbol);
        if style.color {
            glyph_cell = glyph_cell.fg(color);
        }
        let mut message = row.message.clone();
        if let (false, Some((n, _))) = (with_fix_column, &row.fix) {
            // No-break spaces: the reference stays on one line.
            message.push_str(&format!(" →\u{a0}fix\u{a0}[{n}]"));
        }
        let mut cells = vec![
            glyph_cell,
            Cell::new(row.check.code()),
            Cell::new(row.check.name()),
            Cell::new(wrap::wrap(&message, finding).join("\n")),
        ];
        if with_fix_column {
            let text = row
                .fix
                .as_ref()
                .map(|(n, t)| format!("[{n}] {t}"))
                .unwrap_or_default();
            cells.push(Cell::new(wrap::wrap(&text, fix).join("\n")));
        }
        table.add_row(cells);
    }
    format!("{table}\n")
}

/// One block a finding, as rustc and ruff print diagnostics: the marker, code
/// and name on one line, the finding indented under it, then its fix.
fn stacked(rows: &[Row], width: usize, style: Style) -> String {
    const INDENT: &str = "  ";
    let mut out = String::new();
    for row in rows {
        let (symbol, _) = glyph(row.check);
        let marker = match row.check.status {
            Status::Fail if row.check.severity == Severity::Error => style.red(symbol),
            Status::Fail => style.yellow(symbol),
            Status::Pass => style.green(symbol),
            Status::Skip => symbol.to_string(),
        };
        let _ = writeln!(
            out,
            "{marker} {} {}",
            style.bold(row.check.code()),
            row.check.name()
        );
        for line in wrap::wrap(&row.message, width.saturating_sub(INDENT.len())) {
            let _ = writeln!(out, "{INDENT}{line}");
        }
        if let Some((n, title)) = &row.fix {
            for line in wrap::wrap(&format!("fix [{n}]: {title}"), width.saturating_sub(INDENT.len())) {
                let _ = writeln!(out, "{INDENT}{line}");
            }
        }
        out.push('\n');
    }
    out
}
