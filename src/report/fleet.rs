//! The fleet report: one entry a connection (its checks, or why it could not be
//! read), the fleet's summary and exit decision, and its renderers.
//!
//! Entries stream: each renderer turns an entry into the text to write now
//! (`entry`) and keeps only what its ending needs (`tail`): the JSON, SARIF and
//! GitHub renderers keep counts; the table, Markdown and HTML keep one matrix row
//! a connection and the worst findings; only JUnit keeps every check (quick-junit
//! writes a report whole). `athena-doctor merge` reads fleet JSON back into
//! entries, so a merged report renders exactly as an unsharded run's.

use super::{FailOn, Report, Summary};
use crate::engine::{Family, RuleMeta, Severity, Status};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub(crate) const FLEET_VERSION: u32 = 1;

/// One check as the fleet report keeps it: the single report's v1 fields, plus
/// where the finding points (for SARIF and annotations after a merge).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Row {
    pub code: String,
    pub name: String,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
    pub subject: String,
    pub fix: Option<Value>,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<u32>,
}

/// One connection of the fleet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    /// The member's key: its path under the directory, or its JSONL name.
    pub connection: String,
    /// Its display name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// Why it could not be judged (bad input, with file, line and column).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ran_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checks: Option<Vec<Row>>,
}

impl Entry {
    /// A judged connection. `line_shift` moves locations in the connection file
    /// (a JSONL line's object starts on that line of the file).
    pub(crate) fn judged(key: &str, report: &Report, line_shift: u32) -> Entry {
        let rows = report
            .checks
            .iter()
            .map(|c| {
                let own = c.file.is_none();
                Row {
                    code: c.code().to_string(),
                    name: c.name().to_string(),
                    status: c.status,
                    severity: c.severity,
                    message: c.message.clone(),
                    subject: c.subject.clone(),
                    fix: c.fix.as_ref().map(|f| f.to_json()),
                    file: c.file.clone().unwrap_or_else(|| report.path.clone()),
                    line: c.location.map(|l| l.line + if own { line_shift } else { 0 }),
                    column: c.location.map(|l| l.column),
                }
            })
            .collect();
        Entry {
            connection: key.to_string(),
            name: (report.connection != report.path).then(|| report.connection.clone()),
            error: None,
            mode: Some(report.mode.to_string()),
            ran_as: report.ran_as.clone(),
            summary: Some(report.summary()),
            checks: Some(rows),
        }
    }

    /// A connection that could not be judged, and why.
    pub(crate) fn failed(key: &str, error: String) -> Entry {
        Entry {
            connection: key.to_string(),
            name: None,
            error: Some(error),
            mode: None,
            ran_as: None,
            summary: None,
            checks: None,
        }
    }

    pub(crate) fn rows(&self) -> &[Row] {
        self.checks.as_deref().unwrap_or_default()
    }

    /// The failures, worst first (catalogue order within a severity).
    /// The summary its checks make: what `merge` holds a read summary against.
    pub(crate) fn counted(&self) -> Summary {
        let mut s = Summary::default();
        for row in self.rows() {
            match (row.status, row.severity) {
                (Status::Pass, _) => s.pass += 1,
                (Status::Skip, _) => s.skip += 1,
                (Status::Fail, Severity::Error) => s.error += 1,
                (Status::Fail, Severity::Warning) => s.warning += 1,
                (Status::Fail, Severity::Info) => s.info += 1,
            }
        }
        s
    }

    pub(crate) fn worst_first(&self) -> Vec<&Row> {
        let mut failures: Vec<&Row> = self.rows().iter().filter(|r| r.status == Status::Fail).collect();
        failures.sort_by_key(|r| std::cmp::Reverse(r.severity));
        failures
    }
}

/// The fleet's counts, kept as entries pass.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tally {
    pub connections: usize,
    /// Connections that could not be judged.
    pub unreadable: usize,
    /// Connections with at least one error-level finding.
    pub failing: usize,
    /// Checks of every judged connection.
    pub checks: Summary,
}

impl Tally {
    /// Count an entry. Saturating: a count read back by `merge` is checked
    /// against its entry's checks first, so it cannot be beyond memory, but a
    /// sum must never wrap into a small number that reads as healthy.
    pub(crate) fn add(&mut self, entry: &Entry) {
        self.connections = self.connections.saturating_add(1);
        match &entry.summary {
            None => self.unreadable = self.unreadable.saturating_add(1),
            Some(s) => {
                self.failing = self.failing.saturating_add(usize::from(s.error > 0));
                let c = &mut self.checks;
                c.error = c.error.saturating_add(s.error);
                c.warning = c.warning.saturating_add(s.warning);
                c.info = c.info.saturating_add(s.info);
                c.pass = c.pass.saturating_add(s.pass);
                c.skip = c.skip.saturating_add(s.skip);
            }
        }
    }

    /// Does the fleet hold a failure at or above `fail_on`?
    pub(crate) fn fails(&self, fail_on: FailOn) -> bool {
        let c = &self.checks;
        match fail_on {
            FailOn::Error => c.error > 0,
            FailOn::Warning => c.error > 0 || c.warning > 0,
            FailOn::Never => false,
        }
    }

    /// `3 connections (1 unreadable, 1 with errors): 2 errors, …`.
    pub(crate) fn line(&self) -> String {
        let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        format!(
            "{} ({} unreadable, {} with errors): {}",
            n(self.connections, "connection", "connections"),
            self.unreadable,
            self.failing,
            self.checks.line()
        )
    }

    fn to_json(&self) -> Value {
        let c = &self.checks;
        json!({
            "connections": self.connections,
            "unreadable": self.unreadable,
            "failing": self.failing,
            "error": c.error, "warning": c.warning, "info": c.info, "pass": c.pass, "skip": c.skip,
        })
    }
}

/// A renderer of a stream of entries.
pub(crate) trait Render {
    /// What comes before the first entry.
    fn head(&mut self) -> String {
        String::new()
    }
    /// The text for one entry, written as soon as it is ready.
    fn entry(&mut self, entry: &Entry) -> String;
    /// What comes after the last.
    fn tail(&mut self, tally: &Tally) -> String;
}

/// Pretty JSON indented by `by` spaces (but the first line).
fn indented(value: &Value, by: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    text.replace('\n', &format!("\n{}", " ".repeat(by)))
}

/// Fleet JSON v1: `{"version":1,"tool":…,"connections":[…],"summary":{…}}`.
#[derive(Default)]
pub(crate) struct Json {
    first: bool,
}

impl Render for Json {
    fn head(&mut self) -> String {
        self.first = true;
        format!(
            "{{\n  \"version\": {FLEET_VERSION},\n  \"tool\": {},\n  \"connections\": [",
            json!({"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")})
        )
    }

    fn entry(&mut self, entry: &Entry) -> String {
        let value = serde_json::to_value(entry).expect("an entry always serialises");
        let sep = if std::mem::take(&mut self.first) { "" } else { "," };
        format!("{sep}\n    {}", indented(&value, 4))
    }

    fn tail(&mut self, tally: &Tally) -> String {
        let close = if self.first { "]" } else { "\n  ]" };
        format!("{close},\n  \"summary\": {}\n}}\n", indented(&tally.to_json(), 2))
    }
}

/// What a fleet report file holds, read back (`merge`).
/// Every field is read so that a file of another shape is refused; only the
/// entries are used (the version is checked before, the summary recomputed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct Document {
    pub version: u32,
    pub tool: Value,
    pub connections: Vec<Entry>,
    pub summary: Value,
}

/// SARIF 2.1.0: one run, the catalogue as its rules, every connection's findings
/// as results (the connection in the message and the properties).
pub(crate) struct Sarif {
    first: bool,
    /// The catalogue the entries were judged against, given by the command.
    catalogue: &'static [&'static RuleMeta],
}

impl Sarif {
    pub(crate) fn new(catalogue: &'static [&'static RuleMeta]) -> Sarif {
        Sarif {
            first: false,
            catalogue,
        }
    }
}

impl Render for Sarif {
    fn head(&mut self) -> String {
        self.first = true;
        let driver = super::sarif::driver(self.catalogue);
        format!(
            "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \
             \"runs\": [\n    {{\n      \"tool\": {{\"driver\": {}}},\n      \"results\": [",
            indented(&driver, 6)
        )
    }

    fn entry(&mut self, entry: &Entry) -> String {
        let mut out = String::new();
        for row in entry.worst_first() {
            let mut result = super::sarif::result(
                self.catalogue,
                &row.code,
                row.severity,
                &format!("[{}] {}", entry.connection, fix_sentence(row)),
                &row.file,
                crate::location::Location {
                    line: row.line.unwrap_or(1),
                    column: row.column.unwrap_or(1),
                },
                &format!("{}\0{}", entry.connection, row.subject),
            );
            result["properties"] = json!({"connection": entry.connection});
            let sep = if std::mem::take(&mut self.first) { "" } else { "," };
            out.push_str(&format!("{sep}\n        {}", indented(&result, 8)));
        }
        out
    }

    fn tail(&mut self, _: &Tally) -> String {
        let close = if self.first { "]" } else { "\n      ]" };
        format!("{close}\n    }}\n  ]\n}}\n")
    }
}

/// A finding's message with its fix's title, as SARIF and annotations say it.
fn fix_sentence(row: &Row) -> String {
    match fix_title(row) {
        Some(title) => format!("{} Fix: {title}.", row.message),
        None => row.message.clone(),
    }
}

fn fix_title(row: &Row) -> Option<&str> {
    row.fix.as_ref()?.get("title")?.as_str()
}

/// GitHub workflow commands: every connection's findings, then one summary line.
#[derive(Default)]
pub(crate) struct Github;

impl Render for Github {
    fn entry(&mut self, entry: &Entry) -> String {
        use super::github::{escape_data, escape_property};
        let mut out = String::new();
        if let Some(error) = &entry.error {
            out.push_str(&format!(
                "::error title={}::{}\n",
                escape_property(&format!("{}: unreadable", entry.connection)),
                escape_data(error)
            ));
        }
        for row in entry.worst_first() {
            let command = match row.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut message = format!("[{}] {}", entry.connection, row.message);
            if let (Some(fix), Some(target)) =
                (fix_title(row), row.fix.as_ref().and_then(|f| f.get("target")))
            {
                message.push_str(&format!("\nFix ({}): {fix}", target.as_str().unwrap_or_default()));
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},title={}::{}\n",
                escape_property(&super::sarif::uri(&row.file)),
                row.line.unwrap_or(1),
                row.column.unwrap_or(1),
                escape_property(&format!("{} {}", row.code, row.name)),
                escape_data(&message)
            ));
        }
        out
    }

    fn tail(&mut self, tally: &Tally) -> String {
        format!("athena-doctor: {}\n", tally.line())
    }
}

/// JUnit XML: a test suite a connection, a test case a check; an unreadable
/// connection is a suite with one errored case.
#[derive(Default)]
pub(crate) struct Junit {
    report: Option<quick_junit::Report>,
}

impl Render for Junit {
    fn entry(&mut self, entry: &Entry) -> String {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let report = self
            .report
            .get_or_insert_with(|| quick_junit::Report::new("athena-doctor"));
        let mut suite = TestSuite::new(entry.connection.as_str());
        if let Some(error) = &entry.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.as_str());
            suite.add_test_case(TestCase::new("read the connection", status));
        }
        for row in entry.rows() {
            let status = match row.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skip => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(row.message.as_str());
                    status
                }
                Status::Fail => {
                    let mut body = row.message.clone();
                    if let Some(fix) = &row.fix {
                        let text = |k: &str| fix.get(k).and_then(Value::as_str).unwrap_or_default();
                        // The JSON that fixes it: the field's fragment, or the document.
                        let body_json = ["payload", "document"]
                            .iter()
                            .find_map(|k| fix.get(*k).filter(|v| !v.is_null()))
                            .unwrap_or(fix);
                        let json =
                            serde_json::to_string_pretty(body_json).expect("a JSON value always serialises");
                        body.push_str(&format!(
                            "\n\nFix ({}, {}): {}\n{json}",
                            text("target"),
                            text("applicability"),
                            text("title")
                        ));
                    }
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_type(row.severity.as_str())
                        .set_message(row.message.as_str())
                        .set_description(body);
                    status
                }
            };
            let mut case = TestCase::new(format!("{} {} [{}]", row.code, row.name, row.subject), status);
            let family = family_of(&row.code).map_or("unknown", |f| f.as_str());
            case.set_classname(format!("athena-doctor.{family}"));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
        String::new()
    }

    fn tail(&mut self, _: &Tally) -> String {
        let report = self
            .report
            .take()
            .unwrap_or_else(|| quick_junit::Report::new("athena-doctor"));
        let mut out = report.to_string().expect("a report of strings always serialises");
        out.push('\n');
        out
    }
}

/// A code's family by its prefix (a newer tool's codes too): `None` for what is
/// no rule code (`CONNX`, `TRUST`, ``), which `merge` refuses as bad input.
pub(crate) fn family_of(code: &str) -> Option<Family> {
    Family::ALL.iter().copied().find(|f| {
        let prefix = f.as_str();
        code.len() == prefix.len() + 3
            && code
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            && code.bytes().skip(prefix.len()).all(|b| b.is_ascii_digit())
    })
}

/// One connection's line of the matrix.
#[derive(Debug)]
pub(crate) struct MatrixRow {
    pub title: String,
    pub error: Option<String>,
    pub summary: Summary,
    /// The worst of each family's checks, in `Family::ALL` order.
    pub cells: [Cell; Family::ALL.len()],
}

impl MatrixRow {
    /// The row's last cell: its summary, or why it could not be judged.
    pub(crate) fn outcome(&self) -> String {
        match &self.error {
            Some(e) => format!("unreadable: {e}"),
            None => self.summary.line(),
        }
    }
}

/// What a family's checks came to for one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Cell {
    /// No check of the family ran (all left out).
    #[default]
    None,
    Skipped,
    Passed,
    Failed(Severity, usize),
}

/// A finding kept for "worst findings".
#[derive(Debug)]
pub(crate) struct Worst {
    pub connection: String,
    pub row: Row,
}

/// What the table, Markdown and HTML show of a fleet: the matrix, the findings
/// most connections share, and the worst findings (at most `KEEP`).
#[derive(Debug, Default)]
pub(crate) struct Overview {
    pub rows: Vec<MatrixRow>,
    /// Code → (severity, name, connections failing it).
    pub common: std::collections::BTreeMap<String, (Severity, String, usize)>,
    pub worst: Vec<Worst>,
}

impl Overview {
    pub(crate) const KEEP: usize = 25;

    pub(crate) fn add(&mut self, entry: &Entry) {
        let mut cells = [Cell::None; Family::ALL.len()];
        let mut seen = std::collections::BTreeSet::new();
        for row in entry.rows() {
            let family = family_of(&row.code);
            let i = Family::ALL.iter().position(|f| Some(*f) == family).unwrap_or(0);
            let cell = &mut cells[i];
            *cell = match (row.status, *cell) {
                (Status::Fail, Cell::Failed(s, n)) => Cell::Failed(s.max(row.severity), n + 1),
                (Status::Fail, _) => Cell::Failed(row.severity, 1),
                (Status::Pass, Cell::None | Cell::Skipped) => Cell::Passed,
                (Status::Skip, Cell::None) => Cell::Skipped,
                (_, keep) => keep,
            };
            if row.status == Status::Fail && seen.insert(row.code.clone()) {
                let common =
                    self.common
                        .entry(row.code.clone())
                        .or_insert((row.severity, row.name.clone(), 0));
                common.0 = common.0.max(row.severity);
                common.2 += 1;
            }
        }
        for row in entry.worst_first() {
            self.worst.push(Worst {
                connection: entry.connection.clone(),
                row: row.clone(),
            });
        }
        // Keep the worst `KEEP`, earlier connections first within a severity.
        self.worst.sort_by_key(|w| std::cmp::Reverse(w.row.severity));
        self.worst.truncate(Self::KEEP);
        self.rows.push(MatrixRow {
            title: entry.connection.clone(),
            error: entry.error.clone(),
            summary: entry.summary.unwrap_or_default(),
            cells,
        });
    }

    /// The shared findings, worst and most common first.
    pub(crate) fn common_first(&self) -> Vec<(&str, Severity, &str, usize)> {
        let mut list: Vec<_> = self
            .common
            .iter()
            .map(|(code, (s, name, n))| (code.as_str(), *s, name.as_str(), *n))
            .collect();
        list.sort_by_key(|(code, s, _, n)| (std::cmp::Reverse(*s), std::cmp::Reverse(*n), *code));
        list
    }
}

/// The table, Markdown or HTML face of a fleet: it keeps the overview as entries
/// pass and renders it at the end.
pub(crate) struct Faces {
    pub overview: Overview,
    pub face: Face,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Face {
    Table { width: usize, verbose: bool },
    Markdown,
    Html,
}

impl Render for Faces {
    fn entry(&mut self, entry: &Entry) -> String {
        self.overview.add(entry);
        String::new()
    }

    fn tail(&mut self, tally: &Tally) -> String {
        match self.face {
            Face::Table { width, verbose } => {
                super::fleet_faces::table(&self.overview, tally, width, verbose)
            }
            Face::Markdown => super::fleet_faces::markdown(&self.overview, tally),
            Face::Html => super::fleet_faces::html(&self.overview, tally),
        }
    }
}
