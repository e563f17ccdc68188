//! What a rule is: its stable code and name, family, default severity, summary,
//! tags, document and the rules whose findings can explain it; and the two traits
//! every rule implements. `declare_rule!` writes the metadata beside the rule.

use super::check::{Check, Skip};
use crate::facts::Facts;
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

/// The families of DESIGN §4; a code's prefix names its family, in catalogue order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    Conn,
    Role,
    Trust,
    S3,
    Athena,
    Region,
    Catalog,
    Probe,
    Net,
    Org,
}

impl Family {
    pub(crate) const ALL: [Family; 10] = [
        Family::Conn,
        Family::Role,
        Family::Trust,
        Family::S3,
        Family::Athena,
        Family::Region,
        Family::Catalog,
        Family::Probe,
        Family::Net,
        Family::Org,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Family::Conn => "conn",
            Family::Role => "role",
            Family::Trust => "trust",
            Family::S3 => "s3",
            Family::Athena => "athena",
            Family::Region => "region",
            Family::Catalog => "catalog",
            Family::Probe => "probe",
            Family::Net => "net",
            Family::Org => "org",
        }
    }

    /// The family a code's prefix names. Evaluated at compile time by
    /// `declare_rule!`, so a code of no family does not compile.
    pub(crate) const fn of(code: &str) -> Family {
        let mut i = 0;
        while i < Family::ALL.len() {
            let family = Family::ALL[i];
            if is_prefix_ignoring_case(family.as_str().as_bytes(), code.as_bytes()) {
                return family;
            }
            i += 1;
        }
        panic!("a rule code must start with a family's prefix (CONN, ROLE, TRUST, S3, …)")
    }
}

const fn is_prefix_ignoring_case(prefix: &[u8], code: &[u8]) -> bool {
    if code.len() != prefix.len() + 3 {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if prefix[i] != code[i].to_ascii_lowercase() {
            return false;
        }
        i += 1;
    }
    true
}

/// What a rule is. Written once, by `declare_rule!` beside the rule's struct.
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
    /// The applicabilities of the fixes its findings may carry (none: the finding
    /// says what to check, and no change can be written for it).
    pub fixes: &'static [crate::fix::Applicability],
    /// The Markdown document `rules/<CODE>-<name>.md`, included at compile time.
    pub doc: &'static str,
    /// Rules whose failing findings can explain this rule's findings; the engine
    /// links them after the gate (`engine::link`).
    pub explained_by: &'static [&'static RuleMeta],
}

/// Rules are one value each: two metadata are the same rule when their codes are.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &RuleMeta) -> bool {
        self.code == other.code
    }
}

/// The metadata half of a rule, written by `declare_rule!`.
pub(crate) trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// The checking half of a rule: a pure function of the facts. Rules never do I/O
/// and never run other rules. `Err(Skip)` says the whole rule could not run.
pub(crate) trait Rule: Declared + Sync {
    fn check(&self, facts: &Facts) -> Outcome;
}

/// What a rule returns: its checks, or why it could not run at all.
pub(crate) type Outcome = Result<Vec<Check>, Skip>;

/// Declares a rule beside its implementation: the unit struct, its metadata as
/// the associated const `META`, and `Declared`. The document path is derived from
/// the code and name, so a rule without its document does not compile.
///
/// ```text
/// declare_rule! {
///     /// REGION001: the region is a region code.
///     pub(crate) struct RegionInvalid {
///         code: "REGION001",
///         name: "region-invalid",
///         severity: Error,
///         summary: "The region is not an AWS region code",
///         tags: ["security"],              // optional
///         explained_by: [RoleNotFound],    // optional: rules, by type
///     }
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        $vis:vis struct $rule:ident {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            summary: $summary:literal,
            $(fixes: [$($fix:ident),* $(,)?],)?
            $(tags: [$($tag:literal),* $(,)?],)?
            $(explained_by: [$($by:ty),* $(,)?],)?
        }
    ) => {
        $(#[$attr])*
        $vis struct $rule;

        impl $rule {
            pub(crate) const META: &'static $crate::engine::RuleMeta = &$crate::engine::RuleMeta {
                code: $code,
                name: $name,
                family: $crate::engine::Family::of($code),
                severity: $crate::engine::Severity::$severity,
                summary: $summary,
                tags: &[$($($tag),*)?],
                fixes: &[$($($crate::fix::Applicability::$fix),*)?],
                doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, "-", $name, ".md")),
                explained_by: &[$($(<$by>::META),*)?],
            };
        }

        impl $crate::engine::Declared for $rule {
            fn meta(&self) -> &'static $crate::engine::RuleMeta {
                Self::META
            }
        }
    };
}
pub(crate) use declare_rule;
