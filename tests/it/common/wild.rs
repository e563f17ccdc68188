//! The corpus from the wild (`tests/triage/wild/`) and how triage is scored on
//! it, shared by the test that holds the figures as floors (`triage_wild.rs`,
//! through the binary) and the benchmark that prints them (`benches/triage.rs`,
//! through the library): one scoring, two ways of asking for the causes.
//!
//! The split's rule: by source project, never by message. A project's messages
//! are all in `*.tuning.toml` (patterns may be written for them) or all in
//! `*.heldout.toml` (never tuned on; a held-out miss may change a pattern only
//! after its whole project moves to tuning, said in the commit).
//!
//! Recall: a connection message counts when one of triage's first three causes
//! is a rule its own text supports (`supports`). No-cause precision: a message
//! that is not a connection problem (`connection = false`) counts when triage
//! lists no cause.

use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub text: String,
    // Read by the tests (each case cites its page), not by the bench.
    #[allow(dead_code)]
    pub source: String,
    pub project: String,
    #[allow(dead_code)]
    pub tool: Option<String>,
    #[serde(default)]
    pub supports: Vec<String>,
    #[serde(default = "yes")]
    pub connection: bool,
    #[allow(dead_code)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// Every case of the files under `root/tests/triage/wild` whose names end with
/// `.{part}.toml` (`tuning` or `heldout`).
pub fn cases(root: &Path, part: &str) -> Vec<Case> {
    let dir = root.join("tests/triage/wild");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(&format!(".{part}.toml")))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let file: File = toml::from_str(&std::fs::read_to_string(f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            file.case
        })
        .collect()
}

/// One part's score.
pub struct Figures {
    pub recalled: usize,
    pub connection: usize,
    pub quiet: usize,
    pub not_connection: usize,
    /// What was missed, one line each, for a failing test to print.
    pub misses: Vec<String>,
}

impl Figures {
    pub fn recall(&self) -> f64 {
        share(self.recalled, self.connection)
    }

    pub fn quietness(&self) -> f64 {
        share(self.quiet, self.not_connection)
    }

    /// "recall 34/52 = 65.4%, no cause for non-connection messages 64/68 = 94.1%".
    pub fn line(&self) -> String {
        format!(
            "recall {}/{} = {:.1}%, no cause for non-connection messages {}/{} = {:.1}%",
            self.recalled,
            self.connection,
            100.0 * self.recall(),
            self.quiet,
            self.not_connection,
            100.0 * self.quietness()
        )
    }
}

/// Score `cases` given each one's causes (rule codes, most likely first).
pub fn score(cases: &[Case], found: &[Vec<String>]) -> Figures {
    let mut f = Figures {
        recalled: 0,
        connection: 0,
        quiet: 0,
        not_connection: 0,
        misses: Vec::new(),
    };
    for (case, causes) in cases.iter().zip(found) {
        if !case.connection {
            f.not_connection += 1;
            if causes.is_empty() {
                f.quiet += 1;
            } else {
                f.misses.push(format!(
                    "[{}] causes {causes:?} for a non-connection message",
                    case.project
                ));
            }
        } else if !case.supports.is_empty() {
            f.connection += 1;
            if causes.iter().take(3).any(|c| case.supports.contains(c)) {
                f.recalled += 1;
            } else {
                f.misses.push(format!(
                    "[{}] {:?} first, supported {:?}",
                    case.project,
                    &causes[..causes.len().min(3)],
                    case.supports
                ));
            }
        }
    }
    f
}

pub fn share(n: usize, of: usize) -> f64 {
    n as f64 / of.max(1) as f64
}
