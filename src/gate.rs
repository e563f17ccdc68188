//! The gate: which checks a report holds and how serious each is. `--select` and
//! `--ignore` pick rules (codes, names or families); the connection file's
//! `[doctor]` table ignores findings (each with its reason, shown in the report)
//! and re-grades them. The gate runs after the rules and before the engine links
//! explanations, so an ignored finding explains nothing.

use crate::connection::{Connection, DoctorConfig};
use crate::engine::{Check, RuleMeta, Severity, Status};
use crate::error::Fatal;
use crate::rules;
use std::path::Path;

/// What a run lets through, resolved against the registry.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    select: Option<Vec<&'static RuleMeta>>,
    ignore: Vec<&'static RuleMeta>,
    /// `[doctor]` ignores: the rules each names, and why.
    ignored: Ignored,
    /// `[doctor]` severities, in the order written: the last that names a rule wins.
    graded: Graded,
}

impl Gate {
    /// Resolve the flags and the connection's `[doctor]` table. An unknown code or
    /// grade is bad input, with its place in the connection file.
    pub(crate) fn new(select: &[String], ignore: &[String], conn: &Connection) -> Result<Gate, Fatal> {
        let resolve = |flag: &str, patterns: &[String]| -> Result<Vec<&'static RuleMeta>, Fatal> {
            let mut out = Vec::new();
            for p in patterns.iter().filter(|p| !p.trim().is_empty()) {
                out.extend(rules::matching(p).map_err(|e| Fatal::Usage(format!("{flag}: {e}")))?);
            }
            Ok(out)
        };
        let (ignored, graded) = settings(Path::new(&conn.path), &conn.doctor)?;
        Ok(Gate {
            select: (!select.is_empty())
                .then(|| resolve("--select", select))
                .transpose()?,
            ignore: resolve("--ignore", ignore)?,
            ignored,
            graded,
        })
    }

    fn keeps(&self, rule: &RuleMeta) -> bool {
        let named = |list: &[&RuleMeta]| list.contains(&rule);
        self.select.as_deref().is_none_or(named) && !named(&self.ignore)
    }

    /// The checks the report holds, re-graded, with `[doctor]` ignores turned into
    /// skips that say why.
    pub(crate) fn apply(&self, checks: Vec<Check>) -> Vec<Check> {
        checks
            .into_iter()
            .filter(|c| self.keeps(c.rule))
            .map(|mut c| {
                if let Some((_, severity)) = self
                    .graded
                    .iter()
                    .rev()
                    .find(|(rules, _)| rules.contains(&c.rule))
                {
                    c.severity = *severity;
                }
                if c.status == Status::Fail
                    && let Some((_, reason)) = self.ignored.iter().find(|(rules, _)| rules.contains(&c.rule))
                {
                    c.status = Status::Skip;
                    c.message = format!("ignored in the connection file ({reason}): {}", c.message);
                    c.fix = None;
                }
                c
            })
            .collect()
    }
}

type Ignored = Vec<(Vec<&'static RuleMeta>, String)>;
type Graded = Vec<(Vec<&'static RuleMeta>, Severity)>;

/// The `[doctor]` table, resolved: every code must name rules, every grade be one
/// of the three.
fn settings(path: &Path, config: &DoctorConfig) -> Result<(Ignored, Graded), Fatal> {
    let resolve = |code: &str, location| {
        rules::matching(code).map_err(|hint| Fatal::input(path, location, format!("`doctor`: {hint}")))
    };
    let mut ignored = Vec::new();
    for entry in &config.ignore {
        ignored.push((resolve(&entry.code, entry.location)?, entry.reason.clone()));
    }
    let mut graded = Vec::new();
    for entry in &config.severity {
        let rules = resolve(&entry.code, entry.location)?;
        let severity = match entry.severity.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            other => {
                return Err(Fatal::input(
                    path,
                    entry.location,
                    format!(
                        "`doctor.severity.{}`: `{other}` is not error, warning or info",
                        entry.code
                    ),
                ));
            }
        };
        graded.push((rules, severity));
    }
    Ok((ignored, graded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Ignore, SeverityOverride};
    use crate::rules::find;

    #[test]
    fn select_ignore_and_config() {
        let checks = vec![
            find("CONN007").unwrap().fail("default_schema", "x"),
            find("TRUST001").unwrap().fail("trust policy", "y"),
            find("CONN003").unwrap().fail("auth.access_key_id", "z"),
        ];
        let conn = Connection {
            doctor: DoctorConfig {
                ignore: vec![Ignore {
                    code: "default-schema-not-included".into(),
                    reason: "we query across schemas".into(),
                    location: None,
                }],
                severity: vec![SeverityOverride {
                    code: "CONN007".into(),
                    severity: "error".into(),
                    location: None,
                }],
            },
            ..Default::default()
        };
        let gate = Gate::new(&["conn".into()], &["CONN003".into()], &conn).unwrap();
        let out = gate.apply(checks);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code(), "CONN007");
        assert_eq!(out[0].status, Status::Skip);
        assert_eq!(out[0].severity, Severity::Error);
        assert!(
            out[0]
                .message
                .starts_with("ignored in the connection file (we query across schemas)")
        );
        assert!(
            Gate::new(&["CONN0077".into()], &[], &conn)
                .unwrap_err()
                .to_string()
                .contains("did you mean")
        );
    }
}
