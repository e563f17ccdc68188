//! The rule engine: rule metadata, the `Rule` trait, the checks rules return, and
//! running every registered rule over the facts.

use crate::facts::Facts;
use crate::fix::Fix;
use crate::location::Location;
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Fail,
    Pass,
    Skip,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Pass => "pass",
            Status::Skip => "skip",
        }
    }
}

/// The families of DESIGN §4; a code's prefix names its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Conn,
    Role,
    Trust,
    S3,
    Athena,
    Region,
    Catalog,
    Probe,
}

impl Family {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Family::Conn => "conn",
            Family::Role => "role",
            Family::Trust => "trust",
            Family::S3 => "s3",
            Family::Athena => "athena",
            Family::Region => "region",
            Family::Catalog => "catalog",
            Family::Probe => "probe",
        }
    }
}

/// What a rule is: its stable code and name, default severity and documentation.
#[derive(Debug)]
pub(crate) struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// `security` for findings that make the set-up unsafe rather than broken.
    pub tags: &'static [&'static str],
    /// The Markdown document `rules/<CODE>-<name>.md`, included at compile time.
    pub doc: &'static str,
}

/// A rule: a pure function of the facts. Rules never do I/O.
pub(crate) trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, facts: &Facts) -> Vec<Check>;
}

/// One outcome of one rule about one subject.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    pub code: &'static str,
    pub name: &'static str,
    pub status: Status,
    pub severity: Severity,
    /// What the check is about: a field (`data_catalog`), a role, a bucket…
    pub subject: String,
    /// For a skip, the reason it could not run.
    pub message: String,
    pub fix: Option<Fix>,
    /// Where the subject is written: in `file`, or in the connection file when
    /// `file` is `None`.
    pub location: Option<Location>,
    /// The file `location` refers to, when it is not the connection file (a policy).
    pub file: Option<String>,
    pub tags: &'static [&'static str],
}

impl RuleMeta {
    fn check(&'static self, status: Status, subject: impl Into<String>, message: impl Into<String>) -> Check {
        Check {
            code: self.code,
            name: self.name,
            status,
            severity: self.severity,
            subject: subject.into(),
            message: message.into(),
            fix: None,
            location: None,
            file: None,
            tags: self.tags,
        }
    }

    pub(crate) fn pass(&'static self, subject: impl Into<String>, message: impl Into<String>) -> Check {
        self.check(Status::Pass, subject, message)
    }

    pub(crate) fn fail(&'static self, subject: impl Into<String>, message: impl Into<String>) -> Check {
        self.check(Status::Fail, subject, message)
    }

    /// A check that could not run; `reason` says what it needs.
    pub(crate) fn skip(&'static self, subject: impl Into<String>, reason: impl Into<String>) -> Check {
        self.check(Status::Skip, subject, reason)
    }
}

impl Check {
    pub(crate) fn with_fix(mut self, fix: Fix) -> Check {
        self.fix = Some(fix);
        self
    }

    /// The fix, when there is one.
    pub(crate) fn with_fix_if(mut self, fix: Option<Fix>) -> Check {
        self.fix = fix.or(self.fix);
        self
    }

    pub(crate) fn at(mut self, location: Option<Location>) -> Check {
        self.location = location;
        self
    }

    /// Point at a position in another file than the connection file.
    pub(crate) fn in_file(mut self, file: Option<&str>, location: Location) -> Check {
        if let Some(file) = file {
            self.file = Some(file.to_string());
            self.location = Some(location);
        }
        self
    }

    /// A finding less (or more) serious than the rule's default.
    pub(crate) fn severity(mut self, severity: Severity) -> Check {
        self.severity = severity;
        self
    }
}

/// Run every rule over the facts, in registry order. A rule that returns nothing
/// would be a silent pass, so the engine turns that into a skip that says so.
pub(crate) fn run(rules: &[&dyn Rule], facts: &Facts) -> Vec<Check> {
    rules
        .iter()
        .flat_map(|rule| {
            let checks = rule.check(facts);
            if checks.is_empty() {
                vec![rule.meta().skip("-", "the rule found nothing to check")]
            } else {
                checks
            }
        })
        .collect()
}
