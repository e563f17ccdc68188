//! The human faces of a fleet report: a connection × family matrix, the findings
//! the most connections share, the worst findings, the unreadable connections —
//! as a terminal table, Markdown, or an HTML page.

use super::fleet::{Cell, MatrixRow, Overview, Tally};
use super::wrap;
use crate::engine::{Family, Severity};
use crate::style::printable;
use std::fmt::Write;

/// Below this width the matrix is one line a connection, naming only the
/// families with findings.
const MATRIX_FROM: usize = 120;

fn family_header(f: Family) -> String {
    f.as_str().to_ascii_uppercase()
}

fn glyph(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

fn cell_text(cell: Cell) -> String {
    match cell {
        Cell::None => String::new(),
        Cell::Skipped => "-".into(),
        Cell::Passed => "✓".into(),
        Cell::Failed(s, n) => format!("{} {n}", glyph(s)),
    }
}

fn has_findings(row: &MatrixRow) -> bool {
    row.error.is_some() || row.cells.iter().any(|c| matches!(c, Cell::Failed(..)))
}

pub(crate) fn table(overview: &Overview, tally: &Tally, width: usize, verbose: bool) -> String {
    let mut out = String::new();
    let shown: Vec<&MatrixRow> = overview
        .rows
        .iter()
        .filter(|r| verbose || has_findings(r))
        .collect();
    if !shown.is_empty() {
        if width >= MATRIX_FROM {
            let mut header = vec!["connection".to_string()];
            header.extend(Family::ALL.iter().map(|f| family_header(*f)));
            header.push("summary".into());
            let rows: Vec<Vec<String>> = shown
                .iter()
                .map(|r| {
                    let mut row = vec![printable(&r.title).into_owned()];
                    match &r.error {
                        Some(_) => row.extend(Family::ALL.iter().map(|_| String::new())),
                        None => row.extend(r.cells.iter().map(|c| cell_text(*c))),
                    }
                    row.push(match &r.error {
                        Some(_) => "unreadable (below)".into(),
                        None => r.summary.line(),
                    });
                    row
                })
                .collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut whole = vec![false];
            whole.extend(Family::ALL.iter().map(|_| true));
            whole.push(false);
            let _ = writeln!(out, "{}", wrap::grid(&header, &rows, &whole, width));
        } else {
            for r in &shown {
                let families: Vec<String> = Family::ALL
                    .iter()
                    .zip(&r.cells)
                    .filter(|(_, c)| matches!(c, Cell::Failed(..)))
                    .map(|(f, c)| format!("{} {}", family_header(*f), cell_text(*c)))
                    .collect();
                let what = match &r.error {
                    Some(_) => "unreadable (below)".to_string(),
                    None if families.is_empty() => r.summary.line(),
                    None => families.join("  "),
                };
                let line = format!("{}  {what}", printable(&r.title));
                for piece in wrap::wrap(&line, width.saturating_sub(2).max(20)) {
                    let _ = writeln!(out, "{piece}");
                }
            }
        }
    }
    let quiet = overview.rows.len() - overview.rows.iter().filter(|r| has_findings(r)).count();
    if !verbose && quiet > 0 {
        let _ = writeln!(out, "{quiet} connections with no findings (-v shows them)");
    }
    let unreadable: Vec<&MatrixRow> = overview.rows.iter().filter(|r| r.error.is_some()).collect();
    if !unreadable.is_empty() {
        let _ = writeln!(out, "\nUnreadable:");
        for r in unreadable {
            let line = format!("{}: {}", r.title, r.error.as_deref().unwrap_or_default());
            for piece in wrap::wrap(&printable(&line), width.saturating_sub(2).max(20)) {
                let _ = writeln!(out, "  {piece}");
            }
        }
    }
    let common = overview.common_first();
    if !common.is_empty() {
        let _ = writeln!(out, "\nFindings most connections share:");
        for (code, severity, name, n) in common.iter().take(Overview::KEEP) {
            let _ = writeln!(
                out,
                "  {} {code} {name}: {n} connection{}",
                glyph(*severity),
                if *n == 1 { "" } else { "s" }
            );
        }
    }
    if !overview.worst.is_empty() {
        let _ = writeln!(out, "\nWorst findings (the first {} at most):", Overview::KEEP);
        for w in &overview.worst {
            let mut line = format!(
                "{} {} {} [{}]: {}",
                glyph(w.row.severity),
                w.row.code,
                w.row.name,
                w.connection,
                w.row.message
            );
            if let Some(title) = w.row.fix.as_ref().and_then(|f| f.get("title")?.as_str()) {
                line.push_str(&format!(" → fix: {title}"));
            }
            let mut pieces = wrap::wrap(&printable(&line), width.saturating_sub(4).max(20)).into_iter();
            if let Some(first) = pieces.next() {
                let _ = writeln!(out, "  {first}");
            }
            for piece in pieces {
                let _ = writeln!(out, "    {piece}");
            }
        }
        let _ = writeln!(
            out,
            "  (each connection's fixes: `--format json`, or the doctor on that connection)"
        );
    }
    let _ = writeln!(out, "\n{}", tally.line());
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

fn md_glyph(cell: Cell) -> String {
    match cell {
        Cell::None => String::new(),
        Cell::Skipped => "⏭️".into(),
        Cell::Passed => "✅".into(),
        Cell::Failed(Severity::Error, n) => format!("❌ {n}"),
        Cell::Failed(Severity::Warning, n) => format!("⚠️ {n}"),
        Cell::Failed(Severity::Info, n) => format!("ℹ️ {n}"),
    }
}

pub(crate) fn markdown(overview: &Overview, tally: &Tally) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## athena-doctor: a fleet of {}\n", tally.connections);
    let _ = writeln!(out, "**{}**\n", tally.line());
    if !overview.rows.is_empty() {
        let families: Vec<String> = Family::ALL.iter().map(|f| family_header(*f)).collect();
        let _ = writeln!(out, "| connection | {} | summary |", families.join(" | "));
        let _ = writeln!(out, "|---|{}---|", "---|".repeat(families.len()));
        for r in &overview.rows {
            let cells: Vec<String> = match &r.error {
                Some(_) => Family::ALL.iter().map(|_| String::new()).collect(),
                None => r.cells.iter().map(|c| md_glyph(*c)).collect(),
            };
            let summary = r.outcome();
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md_cell(&r.title),
                cells.join(" | "),
                md_cell(&summary)
            );
        }
    }
    let common = overview.common_first();
    if !common.is_empty() {
        let _ = writeln!(out, "\n### Findings most connections share\n");
        let _ = writeln!(out, "| | Code | Check | Connections |\n|---|---|---|---|");
        for (code, severity, name, n) in common.iter().take(Overview::KEEP) {
            let _ = writeln!(out, "| {} | {code} | {name} | {n} |", glyph(*severity));
        }
    }
    if !overview.worst.is_empty() {
        let _ = writeln!(out, "\n### Worst findings\n");
        let _ = writeln!(
            out,
            "| | Code | Connection | Finding | Fix |\n|---|---|---|---|---|"
        );
        for w in &overview.worst {
            let fix = w
                .row
                .fix
                .as_ref()
                .and_then(|f| f.get("title")?.as_str())
                .map(|t| format!("`{}`", t.replace('`', "'")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                glyph(w.row.severity),
                w.row.code,
                md_cell(&w.connection),
                md_cell(&w.row.message),
                md_cell(&fix)
            );
        }
    }
    out
}

pub(crate) fn html(overview: &Overview, tally: &Tally) -> String {
    use super::html::{STYLE, escape};
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>athena-doctor: a fleet of {}</title>\n<style>{STYLE}\
         .matrix td.c {{ text-align: center; white-space: nowrap; }}\n</style>\n</head>\n<body>\n",
        tally.connections
    );
    let _ = writeln!(
        out,
        "<h1>athena-doctor: a fleet of {}</h1>\n<p class=\"summary\">{}</p>",
        tally.connections,
        escape(&tally.line())
    );
    let _ = writeln!(
        out,
        "<h2>Connections × families</h2>\n<table class=\"matrix\">\n<thead><tr><th>connection</th>"
    );
    for f in Family::ALL {
        let _ = write!(out, "<th>{}</th>", family_header(f));
    }
    let _ = writeln!(out, "<th>summary</th></tr></thead>\n<tbody>");
    for r in &overview.rows {
        let _ = write!(out, "<tr><td>{}</td>", escape(&r.title));
        for c in &r.cells {
            let class = match c {
                Cell::Failed(s, _) => s.as_str(),
                Cell::Passed => "pass",
                _ => "muted",
            };
            let text = if r.error.is_some() {
                String::new()
            } else {
                cell_text(*c)
            };
            let _ = write!(out, "<td class=\"c {class}\">{}</td>", escape(&text));
        }
        let summary = r.outcome();
        let _ = writeln!(out, "<td>{}</td></tr>", escape(&summary));
    }
    let _ = writeln!(out, "</tbody>\n</table>");
    let common = overview.common_first();
    if !common.is_empty() {
        let _ = writeln!(out, "<h2>Findings most connections share</h2>\n<table><tbody>");
        for (code, severity, name, n) in common.iter().take(Overview::KEEP) {
            let _ = writeln!(
                out,
                "<tr><td class=\"{}\">{}</td><td><code>{}</code></td><td>{}</td><td>{n}</td></tr>",
                severity.as_str(),
                severity.as_str(),
                escape(code),
                escape(name)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    if !overview.worst.is_empty() {
        let _ = writeln!(out, "<h2>Worst findings</h2>");
        for w in &overview.worst {
            let _ = writeln!(
                out,
                "<article class=\"finding {}\"><span class=\"severity\">{}</span> <h3><code>{}</code> {}</h3>\
                 <p class=\"subject\">{}</p><p class=\"message\">{}</p></article>",
                w.row.severity.as_str(),
                w.row.severity.as_str(),
                escape(&w.row.code),
                escape(&w.row.name),
                escape(&w.connection),
                escape(&w.row.message)
            );
        }
    }
    let _ = writeln!(
        out,
        "<footer>athena-doctor {}</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fleet::{Entry, Overview, Tally};

    #[test]
    fn the_fleet_page_escapes_what_it_is_given() {
        let hostile = "<script>alert(1)</script>\u{1b}[31m";
        let entry = Entry::failed(hostile, format!("{hostile}: <img src=x onerror=alert(1)>"));
        let mut overview = Overview::default();
        overview.add(&entry);
        let mut tally = Tally::default();
        tally.add(&entry);
        let page = html(&overview, &tally);
        assert!(!page.contains("<script>") && !page.contains("<img"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains('\u{1b}'));
        let md = markdown(&overview, &tally);
        assert!(md.contains("unreadable"), "{md}");
    }
}
