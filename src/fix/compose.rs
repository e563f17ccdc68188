//! Printed = applied: the fixes of one report to one document carry one merged
//! document, so that the commands a report prints, run in the order shown, add
//! up instead of each replacing the one before.
//!
//! A document's fixes fall in two tiers. The *applied* tier — safe fixes, and
//! unsafe ones under `--unsafe-fixes`, exactly what `--write-fixes` applies —
//! shares one document: the base with every change of the tier. The fixes left
//! out (unsafe ones a person should confirm) share a second document: the first
//! with all of their changes too, so its command supersedes the first and
//! running both in order still composes. A display-only fix (a value to fill
//! in) keeps the first tier plus its own change: it cannot run as printed.

use super::policy::{Change, changed, file_name};
use super::{Applicability, Edit, Finding, Fix};
use serde_json::Value;
use std::collections::BTreeMap;

/// Which document a policy fix changes: the file name its command gives it (one
/// per role policy, bucket policy, key policy…), or its target's when it has no
/// command (the vendor's side).
pub(crate) fn document_key(fix: &Fix) -> Option<String> {
    match &fix.edit {
        Edit::Policy { apply, .. } => Some(
            apply
                .as_ref()
                .map_or_else(|| file_name(&fix.target), |a| a.file_name.clone()),
        ),
        _ => None,
    }
}

/// Whether `--write-fixes` applies a fix of this applicability (the others are
/// written commented out).
pub(crate) fn applied(a: Applicability, unsafe_fixes: bool) -> bool {
    match a {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Give every failing check's policy fix the merged document of its tier.
pub(crate) fn compose(checks: &mut [impl Finding], unsafe_fixes: bool) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, check) in checks.iter().enumerate() {
        if !check.failed() {
            continue;
        }
        if let Some(key) = check.fix().and_then(document_key) {
            groups.entry(key).or_default().push(i);
        }
    }
    for members in groups.values() {
        let parts = |i: usize| -> (Applicability, Value, Vec<Change>) {
            match checks[i].fix() {
                Some(Fix {
                    applicability,
                    edit: Edit::Policy { base, changes, .. },
                    ..
                }) => (*applicability, base.clone(), changes.clone()),
                _ => unreachable!("grouped by their policy edit"),
            }
        };
        let (_, base, _) = parts(members[0]);
        let mut first: Vec<Change> = Vec::new();
        let mut second: Vec<Change> = Vec::new();
        for &i in members {
            let (a, _, changes) = parts(i);
            if applied(a, unsafe_fixes) {
                first.extend(changes);
            } else if a == Applicability::Unsafe {
                second.extend(changes);
            }
        }
        let both: Vec<Change> = first.iter().chain(&second).cloned().collect();
        let documents: Vec<(usize, Value)> = members
            .iter()
            .map(|&i| {
                let (a, _, own) = parts(i);
                let merged = if applied(a, unsafe_fixes) {
                    changed(&base, &first)
                } else if a == Applicability::Unsafe {
                    changed(&base, &both)
                } else {
                    let mut mine = first.clone();
                    mine.extend(own);
                    changed(&base, &mine)
                };
                (i, merged)
            })
            .collect();
        for (i, merged) in documents {
            if let Some(Fix {
                edit: Edit::Policy { document, .. },
                ..
            }) = checks[i].fix_mut()
            {
                *document = merged;
            }
        }
    }
}
