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
use crate::aws::quotas;
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

/// How a document over its quota is split, as AWS advises (IAM User Guide, "IAM
/// and AWS STS quotas"; Knowledge Center, "iam-increase-policy-size").
fn split_advice(quota: &quotas::Quota) -> &'static str {
    if *quota == quotas::ROLE_INLINE || *quota == quotas::USER_INLINE || *quota == quotas::GROUP_INLINE {
        "split it: put the added statements in a customer managed policy (`aws iam create-policy`, then \
         `attach-role-policy`/`attach-user-policy`), which counts against its own quota of 6,144 characters"
    } else if *quota == quotas::MANAGED {
        "split it: put the added statements in a second managed policy, or in an inline policy of the principal"
    } else if *quota == quotas::TRUST {
        "shorten it (merge statements), or ask AWS to raise the account's trust policy quota (up to 4,096): a \
         role has one trust policy"
    } else {
        "shorten it (merge statements, drop the ones no longer needed): this document cannot be split"
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
                edit: Edit::Policy { document, apply, .. },
                applicability,
                note,
                ..
            }) = checks[i].fix_mut()
            {
                // A merged document over AWS's size quota would make its command
                // fail (LimitExceeded): say so, and keep it out of apply.sh.
                if let Some(said) = apply
                    .as_ref()
                    .and_then(|a| quotas::of_command(&a.words))
                    .and_then(|q| quotas::over(q, &merged).map(|s| (q, s)))
                    .map(|(q, s)| format!("{s} (LimitExceeded); {}", split_advice(q)))
                {
                    *note = Some(match note.take() {
                        Some(n) => format!("{n}; {said}"),
                        None => said,
                    });
                    *applicability = Applicability::DisplayOnly;
                }
                *document = merged;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Found(Fix);

    impl Finding for Found {
        fn failed(&self) -> bool {
            true
        }
        fn code(&self) -> &'static str {
            "S3003"
        }
        fn name(&self) -> &'static str {
            "data-bucket-access-missing"
        }
        fn fix(&self) -> Option<&Fix> {
            Some(&self.0)
        }
        fn fix_mut(&mut self) -> Option<&mut Fix> {
            Some(&mut self.0)
        }
    }

    /// A role's merged inline policy over 10,240 characters would make
    /// `put-role-policy` fail: the fix says so, with the split, and leaves
    /// apply.sh; under the quota nothing changes.
    #[test]
    fn a_merged_document_over_its_quota_says_so_and_leaves_apply() {
        let facts = crate::rules::unread::healthy();
        let statements = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| {
                    json!({"Sid": format!("Data{i}"), "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [format!("arn:aws:s3:::data-bucket-number-{i}"),
                                     format!("arn:aws:s3:::data-bucket-number-{i}/*")]})
                })
                .collect()
        };
        let fix = |n| Fix::add_statements(&facts, None, None, statements(n), Applicability::Safe);
        let mut small = [Found(fix(2))];
        compose(&mut small, false);
        assert_eq!(small[0].0.applicability, Applicability::Safe);
        assert!(small[0].0.note.is_none());
        let mut big = [Found(fix(100)), Found(fix(1))];
        compose(&mut big, false);
        for found in &big {
            let note = found.0.note.as_deref().unwrap_or_default();
            assert!(
                note.contains("over AWS's quota of 10240 for a role's inline policies")
                    && note.contains("customer managed policy"),
                "{note}"
            );
            assert_eq!(found.0.applicability, Applicability::DisplayOnly);
        }
    }
}
