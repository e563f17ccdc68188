//! Report: every check of a run, its summary, and the exit decision. Renderers in
//! the submodules only format a report.

pub(crate) mod catalogue;
pub(crate) mod fleet;
mod fleet_faces;
pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod sarif;
pub(crate) mod simulate;
pub(crate) mod steps;
pub(crate) mod table;
pub(crate) mod triage;
mod wrap;

use crate::engine::{Check, RuleMeta, Severity, Status};
use crate::facts::Facts;

/// When a run should exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug)]
pub(crate) struct Report {
    /// The connection's display name, or its file when it has none.
    pub connection: String,
    /// The connection file, as given: where findings without a file of their own point.
    pub path: String,
    pub checks: Vec<Check>,
    /// The fixes' commands, each once, in the order to run them.
    pub steps: Vec<steps::Step>,
    /// Who the doctor ran as, live (its own `sts:GetCallerIdentity`): the report
    /// says whose view of the account it is.
    pub ran_as: Option<String>,
    /// How the facts were gathered: `offline`, `live` or `snapshot`.
    pub mode: &'static str,
    /// When the report was made (RFC 3339), when the command says.
    pub generated: Option<String>,
    /// The catalogue the checks were judged against (every rule's metadata, in
    /// catalogue order), given where the report is built: SARIF describes it.
    pub catalogue: &'static [&'static RuleMeta],
    /// How the connection was written (Omni's form, a JDBC URL…): how the
    /// human faces name its fields.
    pub form: crate::connection::Form,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub pass: usize,
    pub skip: usize,
}

impl Report {
    pub(crate) fn new(facts: &Facts, checks: Vec<Check>, catalogue: &'static [&'static RuleMeta]) -> Report {
        let conn = &facts.connection;
        Report {
            connection: conn
                .display_name
                .as_ref()
                .and_then(|f| f.value())
                .unwrap_or(&conn.path)
                .to_string(),
            path: conn.path.clone(),
            steps: steps::steps(&checks),
            checks,
            ran_as: facts
                .live
                .as_ref()
                .known()
                .ok()
                .and_then(|l| l.caller.known().ok())
                .cloned(),
            mode: if facts.live.known().is_ok() {
                "live"
            } else {
                "offline"
            },
            generated: None,
            form: conn.form,
            catalogue,
        }
    }

    pub(crate) fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for check in &self.checks {
            match (check.status, check.severity) {
                (Status::Pass, _) => s.pass += 1,
                (Status::Skip, _) => s.skip += 1,
                (Status::Fail, Severity::Error) => s.error += 1,
                (Status::Fail, Severity::Warning) => s.warning += 1,
                (Status::Fail, Severity::Info) => s.info += 1,
            }
        }
        s
    }

    /// The step (numbered from 1) whose command applies `check`'s fix.
    pub(crate) fn step_of(&self, check: &Check) -> Option<usize> {
        let i = self.checks.iter().position(|c| std::ptr::eq(c, check))?;
        steps::step_of(&self.steps, i)
    }

    /// The failures, worst first (stable: catalogue order within a severity).
    pub(crate) fn worst_first(&self) -> Vec<&Check> {
        let mut failures: Vec<&Check> = self.checks.iter().filter(|c| c.status == Status::Fail).collect();
        failures.sort_by_key(|c| std::cmp::Reverse(c.severity));
        failures
    }

    /// Does the report hold a failure at or above `fail_on`?
    pub(crate) fn fails(&self, fail_on: FailOn) -> bool {
        let threshold = match fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Never => return false,
        };
        self.checks
            .iter()
            .any(|c| c.status == Status::Fail && c.severity >= threshold)
    }
}

impl Summary {
    /// `2 errors, 1 warning, 14 passed, 28 skipped` (zero counts of findings left out).
    pub(crate) fn line(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.error + self.warning + self.info == 0 {
            parts.push("no findings".to_string());
        }
        if self.error > 0 {
            parts.push(plural(self.error, "error", "errors"));
        }
        if self.warning > 0 {
            parts.push(plural(self.warning, "warning", "warnings"));
        }
        if self.info > 0 {
            parts.push(plural(self.info, "info", "infos"));
        }
        parts.push(format!("{} passed", self.pass));
        parts.push(format!("{} skipped", self.skip));
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines() {
        let s = |error, warning, info| {
            Summary {
                error,
                warning,
                info,
                pass: 3,
                skip: 1,
            }
            .line()
        };
        assert_eq!(s(0, 0, 0), "no findings, 3 passed, 1 skipped");
        assert_eq!(s(2, 1, 0), "2 errors, 1 warning, 3 passed, 1 skipped");
        assert_eq!(s(1, 0, 2), "1 error, 2 infos, 3 passed, 1 skipped");
        assert_eq!(s(0, 3, 0), "3 warnings, 3 passed, 1 skipped");
    }
}
