//! What rules return: checks (pass, fail, skip) built from a rule's metadata, and
//! the `Skip` that ends a rule which cannot run at all.

use super::meta::{RuleMeta, Severity};
use crate::facts::Observed;
use crate::fix::Fix;
use crate::location::Location;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
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

/// One outcome of one rule about one subject.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    /// The rule that made it: code, name, family and tags are read from there.
    pub rule: &'static RuleMeta,
    pub status: Status,
    /// The rule's default severity, unless the rule or `[doctor]` changed it.
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
    /// How the finding reads once the engine finds a failing finding of one of
    /// these rules in the same report (`engine::link`).
    pub explanation: Option<Explanation>,
}

/// A finding that other rules' findings may explain: a probe says *that*
/// something fails, the static rule says *why*, with the fix.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Explanation {
    /// The rules that can explain it, in the order they are cited; each must be
    /// among the rule's declared `explained_by`.
    pub by: Vec<&'static RuleMeta>,
    /// The message when explained: the citations are appended to it, and the fix
    /// becomes the most severe explaining finding's.
    pub message: String,
}

/// Why a whole rule could not run: one subject, one reason. A rule returns it
/// with `?`; the engine turns it into the rule's one skipped check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Skip {
    pub subject: String,
    pub reason: String,
}

impl Skip {
    pub(crate) fn new(subject: impl Into<String>, reason: impl Into<String>) -> Skip {
        Skip {
            subject: subject.into(),
            reason: reason.into(),
        }
    }
}

/// Rules read facts through this: the fact, or the rule's skip (kept here so that
/// facts know nothing of rules).
impl<T> Observed<T> {
    /// The value, or the skip of a rule that needs it to judge `subject`:
    /// `let live = facts.live.require("account")?;`.
    pub(crate) fn require(&self, subject: &str) -> Result<&T, Skip> {
        self.known().map_err(|reason| Skip::new(subject, reason))
    }
}

impl RuleMeta {
    fn check(&'static self, status: Status, subject: impl Into<String>, message: impl Into<String>) -> Check {
        Check {
            rule: self,
            status,
            severity: self.severity,
            subject: subject.into(),
            message: message.into(),
            fix: None,
            location: None,
            file: None,
            explanation: None,
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

    /// The check of a `Skip`: for one subject of a rule that judges several.
    pub(crate) fn skipped(&'static self, skip: Skip) -> Check {
        self.skip(skip.subject, skip.reason)
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

    /// Point at where a connection field is written (`Connection::site`): the
    /// connection's file, or the AWS profile file that gave the value.
    pub(crate) fn at_site(self, site: (Option<&str>, Option<Location>)) -> Check {
        match site {
            (Some(file), Some(at)) => self.in_file(Some(file), at),
            (_, at) => self.at(at),
        }
    }

    /// Point at the plan's or template's declaration, when there is one.
    pub(crate) fn in_declaration(self, site: Option<&crate::policy::site::Site>) -> Check {
        match site {
            Some(site) => self.in_file(Some(&site.file), site.anchor),
            None => self,
        }
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

    /// Let the engine explain this finding with failing findings of `by`; when it
    /// does, the message becomes `message` followed by the citations.
    pub(crate) fn explainable(mut self, by: &[&'static RuleMeta], message: impl Into<String>) -> Check {
        self.explanation = Some(Explanation {
            by: by.to_vec(),
            message: message.into(),
        });
        self
    }

    pub(crate) fn code(&self) -> &'static str {
        self.rule.code
    }

    pub(crate) fn name(&self) -> &'static str {
        self.rule.name
    }
}

/// What the steps over a report's fixes read of a check (`fix::compose`,
/// `fix::bundle`, `fix::iac`).
impl crate::fix::Finding for Check {
    fn failed(&self) -> bool {
        self.status == Status::Fail
    }

    fn code(&self) -> &'static str {
        self.rule.code
    }

    fn name(&self) -> &'static str {
        self.rule.name
    }

    fn fix(&self) -> Option<&Fix> {
        self.fix.as_ref()
    }

    fn fix_mut(&mut self) -> Option<&mut Fix> {
        self.fix.as_mut()
    }

    fn shown_rank(&self) -> u8 {
        // `Report::worst_first`: errors, then warnings, then infos.
        match self.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }
    }
}
