//! The commands of a report, each once, in the order to run them: what every
//! human face prints under "Apply in this order". The fixes of one document
//! carry one merged document (`fix::compose`), so their commands are one
//! command, listed once with every finding it clears.

use crate::engine::{Check, Status};
use crate::fix::{Applicability, Edit};
use serde_json::Value;

/// One command to run, and what it clears.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    /// The command as the terminal shows it: the document from the file
    /// `--write-fixes` wrote, or inline.
    pub command: String,
    /// The same command with its document inline: runs with no other file.
    pub inline: String,
    /// The whole corrected document the command puts in place, if it has one.
    pub document: Option<Value>,
    /// What it changes (`inline policy bi-access of role bi`).
    pub target: String,
    /// The least safe of its fixes.
    pub applicability: Applicability,
    /// The findings it clears, by their index in the report's checks.
    pub checks: Vec<usize>,
    /// Whether it runs as printed; a command holding a value to fill in does not.
    pub runs: bool,
}

/// The heading every face gives the steps.
pub(crate) const HEADING: &str = "Apply in this order, in one shell (the doctor never runs them)";

impl Step {
    /// How safely it runs, as the faces say it.
    pub(crate) fn how(&self) -> &'static str {
        if self.runs {
            self.applicability.as_str()
        } else {
            "display-only: fill in the <VALUES> first"
        }
    }

    /// The codes of the findings it clears, each once, in report order.
    pub(crate) fn codes<'a>(&self, checks: &'a [Check]) -> Vec<&'a str> {
        let mut codes: Vec<&str> = Vec::new();
        for &i in &self.checks {
            if !codes.contains(&checks[i].code()) {
                codes.push(checks[i].code());
            }
        }
        codes
    }
}

/// The steps of `checks`: every failing check's command (none for a snippet to
/// edit in IaC, none for a connection field), each distinct command once, ordered
/// as `apply.sh` orders them (buckets, their policies, the principal's policies,
/// its boundary, the trust policy), then by first appearance.
pub(crate) fn steps(checks: &[Check]) -> Vec<Step> {
    let mut out: Vec<(u8, Step)> = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let Some(fix) = check.fix.as_ref().filter(|_| check.status == Status::Fail) else {
            continue;
        };
        let (Some(command), Some(inline)) = (fix.shown_command(), fix.inline_command()) else {
            continue;
        };
        if let Some((_, step)) = out.iter_mut().find(|(_, s)| s.command == command) {
            step.checks.push(i);
            step.applicability = least_safe(step.applicability, fix.applicability);
            continue;
        }
        let document = match &fix.edit {
            Edit::Policy { document, .. } => Some(document.clone()),
            _ => None,
        };
        out.push((
            fix.order(),
            Step {
                command,
                inline,
                document,
                target: fix.target.clone(),
                applicability: fix.applicability,
                checks: vec![i],
                runs: fix.runs_as_printed(),
            },
        ));
    }
    // Stable: within an order, safe before unsafe (a document's unsafe
    // command holds its safe one's changes too: run second, it keeps them),
    // then the report's order; a command with a value to fill in after every
    // command that runs as printed.
    out.sort_by_key(|(order, s)| (!s.runs, *order, rank(s.applicability)));
    out.into_iter().map(|(_, s)| s).collect()
}

fn rank(a: Applicability) -> u8 {
    match a {
        Applicability::Safe => 0,
        Applicability::Unsafe => 1,
        Applicability::DisplayOnly => 2,
    }
}

fn least_safe(a: Applicability, b: Applicability) -> Applicability {
    if rank(b) > rank(a) { b } else { a }
}

/// The step that applies check `i`'s fix, numbered from 1 among the steps.
pub(crate) fn step_of(steps: &[Step], i: usize) -> Option<usize> {
    steps.iter().position(|s| s.checks.contains(&i)).map(|n| n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Fix;
    use crate::rules::unread::healthy;
    use serde_json::json;

    /// A role policy with a safe and an unsafe fix: the unsafe finding comes
    /// first in the report, yet its command (which holds the safe change too)
    /// is listed second, so running every step in order keeps both changes.
    #[test]
    fn a_documents_unsafe_command_runs_after_its_safe_one() {
        let facts = healthy();
        let add = |sid: &str, action: &str, a| {
            Fix::add_statements(
                &facts,
                None,
                None,
                vec![json!({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": "*"})],
                a,
            )
        };
        let meta = crate::rules::REGISTRY[0].meta();
        let check = |fix: Fix| {
            let mut c = meta.fail("s", "m");
            c.fix = Some(fix);
            c
        };
        let mut checks = vec![
            check(add("Unsafe", "s3:PutObject", Applicability::Unsafe)),
            check(add("Safe", "s3:GetObject", Applicability::Safe)),
        ];
        crate::fix::compose::compose(&mut checks, false);
        let steps = steps(&checks);
        assert_eq!(steps.len(), 2, "{steps:#?}");
        assert_eq!(steps[0].applicability, Applicability::Safe);
        assert!(!steps[0].command.contains("\"Unsafe\""), "{}", steps[0].command);
        assert!(steps[1].command.contains("\"Safe\"") && steps[1].command.contains("\"Unsafe\""));
    }
}
