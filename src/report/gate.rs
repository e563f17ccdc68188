//! Gate control: which checks a run reports (`--select`, `--ignore`), the
//! connection file's `[doctor]` ignores (each with its reason, shown in the report)
//! and severity overrides.

use crate::connection::DoctorConfig;
use crate::engine::{Check, RuleMeta, Status};
use crate::error::Fatal;
use crate::rules;

/// Rules picked by `--select` and `--ignore` (codes, names or families).
#[derive(Debug, Default)]
pub(crate) struct Selection {
    select: Option<Vec<&'static RuleMeta>>,
    ignore: Vec<&'static RuleMeta>,
}

impl Selection {
    pub(crate) fn new(select: &[String], ignore: &[String]) -> Result<Selection, Fatal> {
        let resolve = |flag: &str, patterns: &[String]| -> Result<Vec<&'static RuleMeta>, Fatal> {
            let mut out = Vec::new();
            for p in patterns.iter().filter(|p| !p.trim().is_empty()) {
                out.extend(rules::matching(p).map_err(|e| Fatal::Usage(format!("{flag}: {e}")))?);
            }
            Ok(out)
        };
        Ok(Selection {
            select: (!select.is_empty())
                .then(|| resolve("--select", select))
                .transpose()?,
            ignore: resolve("--ignore", ignore)?,
        })
    }

    fn keeps(&self, code: &str) -> bool {
        let named = |list: &[&RuleMeta]| list.iter().any(|m| m.code == code);
        self.select.as_deref().is_none_or(named) && !named(&self.ignore)
    }
}

fn names(pattern: &str, code: &str) -> bool {
    rules::matching(pattern).is_ok_and(|metas| metas.iter().any(|m| m.code == code))
}

/// Apply the selection and the connection's `[doctor]` table to a run's checks.
pub(crate) fn apply(checks: Vec<Check>, selection: &Selection, config: &DoctorConfig) -> Vec<Check> {
    checks
        .into_iter()
        .filter(|c| selection.keeps(c.code()))
        .map(|mut c| {
            if let Some(o) = config.severity.iter().rev().find(|o| names(&o.code, c.code())) {
                c.severity = o.severity;
            }
            if c.status == Status::Fail
                && let Some(ignore) = config.ignore.iter().find(|i| names(&i.code, c.code()))
            {
                c.status = Status::Skip;
                c.message = format!(
                    "ignored in the connection file ({}): {}",
                    ignore.reason, c.message
                );
                c.fix = None;
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Ignore, SeverityOverride};
    use crate::engine::Severity;
    use crate::rules::find;

    #[test]
    fn select_ignore_and_config() {
        let checks = vec![
            find("CONN007").unwrap().fail("default_schema", "x"),
            find("TRUST001").unwrap().fail("trust policy", "y"),
            find("CONN003").unwrap().fail("auth.access_key_id", "z"),
        ];
        let sel = Selection::new(&["conn".into()], &["CONN003".into()]).unwrap();
        let config = DoctorConfig {
            ignore: vec![Ignore {
                code: "default-schema-not-included".into(),
                reason: "we query across schemas".into(),
            }],
            severity: vec![SeverityOverride {
                code: "CONN007".into(),
                severity: Severity::Error,
            }],
        };
        let out = apply(checks, &sel, &config);
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
            Selection::new(&["CONN0077".into()], &[])
                .unwrap_err()
                .to_string()
                .contains("did you mean")
        );
    }
}
