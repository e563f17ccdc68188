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

use super::policy::{Change, OWN_POLICY, changed, file_name};
use super::{Applicability, Command, Edit, Finding, Fix, Split, source_snippet};
use crate::aws::quotas;
use crate::connection::Connection;
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
        let only_adds = first.iter().all(|c| matches!(c, Change::Add(_)));
        for (i, merged) in documents {
            let tier_applied = checks[i]
                .fix()
                .is_some_and(|f| applied(f.applicability, unsafe_fixes));
            if let Some(Fix {
                edit:
                    Edit::Policy {
                        document,
                        apply,
                        base,
                        ..
                    },
                applicability,
                note,
                target,
                ..
            }) = checks[i].fix_mut()
            {
                *document = merged;
                let Some(command) = apply.as_mut() else {
                    continue;
                };
                let Some(quota) = quotas::of_command(&command.words) else {
                    continue;
                };
                let others = command.split.as_ref().map_or(0, |s| s.others);
                // A merged document over AWS's size quota would make its command
                // fail (LimitExceeded): the grant moves into a managed policy of
                // its own when it can, else the fix says so and leaves apply.sh.
                let Some(over) = quotas::over_with(quota, others, document) else {
                    continue;
                };
                let split = command.split.clone().filter(|_| tier_applied && only_adds);
                match split.map(|s| managed(&s, base, document)) {
                    Some(Ok(moved)) => {
                        let said = format!(
                            "{over} (LimitExceeded), so the added statements go into a customer managed policy \
                             of their own, {}, created and attached to the {}: it counts against its own quota \
                             of {} characters (a {} has at most 10 managed policies attached by default, 20 on \
                             request){}",
                            moved.name,
                            moved.kind,
                            quotas::MANAGED.limit,
                            moved.kind,
                            moved.arn_note
                        );
                        *note = Some(match note.take() {
                            Some(n) => format!("{n}; {said}"),
                            None => said,
                        });
                        *target = moved.target;
                        *document = moved.document;
                        *base = moved.base;
                        if moved.command.has_placeholder() {
                            *applicability = Applicability::DisplayOnly;
                        }
                        *command = moved.command;
                    }
                    other => {
                        let why = match other {
                            Some(Err(managed_over)) => format!(
                                "{over} (LimitExceeded), and the added statements alone are too big for a \
                                 managed policy ({managed_over}): split them by hand, or shorten the documents"
                            ),
                            _ => format!("{over} (LimitExceeded); {}", split_advice(quota)),
                        };
                        *note = Some(match note.take() {
                            Some(n) => format!("{n}; {why}"),
                            None => why,
                        });
                        *applicability = Applicability::DisplayOnly;
                    }
                }
            }
        }
    }
}

/// A grant moved out of an inline policy over its quota: the managed policy's
/// document, and the commands that create it and attach it.
struct Moved {
    name: String,
    kind: &'static str,
    target: String,
    document: Value,
    base: Value,
    command: Command,
    arn_note: String,
}

/// The statements `merged` adds to `base`, as a customer managed policy of the
/// principal's own (`athena-doctor-NAME`), created and attached: its ARN built
/// from the account the facts know, else a placeholder (display-only). `Err`
/// when they are over the managed policy's own quota.
fn managed(split: &Split, base: &Value, merged: &Value) -> Result<Moved, String> {
    let list = |v: &Value| match v.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    let before: std::collections::HashSet<String> = list(base).iter().map(Value::to_string).collect();
    let added: Vec<Value> = list(merged)
        .into_iter()
        .filter(|s| !before.contains(&s.to_string()))
        .collect();
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": added});
    if let Some(said) = quotas::over(&quotas::MANAGED, &document) {
        return Err(said);
    }
    let kind = split.kind;
    // Policy names take up to 128 characters of the set principal names use;
    // one the principal already has attached (an earlier split) is not reused.
    let stem: String = format!("{OWN_POLICY}-{}", split.name).chars().take(120).collect();
    let name = (1..)
        .map(|n| {
            if n == 1 {
                stem.clone()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|n| !split.taken.contains(n))
        .expect("a free name among infinitely many");
    let account = split.account.clone().unwrap_or_else(|| "<ACCOUNT_ID>".into());
    let arn = format!("arn:{}:iam::{account}:policy/{name}", split.partition);
    let target = format!("new managed policy {name} attached to {kind} {}", split.name);
    let words = |w: &[&str]| w.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let command = Command {
        words: words(&[
            "aws",
            "iam",
            "create-policy",
            "--policy-name",
            &name,
            "--policy-document",
        ]),
        after: vec![],
        then: vec![words(&[
            "aws",
            "iam",
            &format!("attach-{kind}-policy"),
            &format!("--{kind}-name"),
            &split.name,
            "--policy-arn",
            &arn,
        ])],
        file_name: file_name(&target),
        order: 3,
        split: None,
    };
    let arn_note = match split.account {
        Some(_) => String::new(),
        None => format!(
            "; the account is not known, so the policy's ARN is to be filled in: create-policy prints it \
             (arn:{}:iam::ACCOUNT_ID:policy/{name})",
            split.partition
        ),
    };
    Ok(Moved {
        name,
        kind,
        target,
        document,
        base: serde_json::json!({"Version": "2012-10-17", "Statement": []}),
        command,
        arn_note,
    })
}

/// Printed = applied for another tool's source (a JDBC URL, a `profiles.yml`):
/// each of its fixes prints the whole source, so each carries the source with
/// every change of its tier made — the same text `--write-fixes` writes — and
/// pasting the fixes in the order shown leaves the last one's text, which holds
/// them all. The unsafe fixes left out carry the first tier with all of theirs;
/// a display-only one (a value to fill in) prints its own line. A fix whose
/// text would undo a change of a text shown above it prints its own line too. Omni's file
/// needs nothing: its fixes are one line each.
pub(crate) fn compose_source(checks: &mut [impl Finding], connection: &Connection, unsafe_fixes: bool) {
    if connection.form.is_omni() {
        return;
    }
    let tier = |a: Applicability| {
        if applied(a, unsafe_fixes) {
            0
        } else if a == Applicability::Unsafe {
            1
        } else {
            2
        }
    };
    let mut tiers: [Vec<(crate::connection::source::Change, String)>; 2] = [Vec::new(), Vec::new()];
    for check in checks.iter().filter(|c| c.failed()) {
        if let Some(fix) = check.fix()
            && let Some(change) = fix.source_change()
            && tier(fix.applicability) < 2
        {
            tiers[tier(fix.applicability)].push(change);
        }
    }
    // The changes of every whole text printed so far, in the order shown.
    let mut printed: Vec<crate::connection::source::Change> = Vec::new();
    // In the order the faces show the fixes: worst first, stable.
    let mut shown: Vec<usize> = (0..checks.len()).filter(|&i| checks[i].failed()).collect();
    shown.sort_by_key(|&i| checks[i].shown_rank());
    for i in shown {
        let Some(fix) = checks[i].fix_mut() else { continue };
        let Some(own) = fix.source_change() else { continue };
        let merged: Vec<_> = match tier(fix.applicability) {
            0 => tiers[0].clone(),
            1 => tiers[0].iter().chain(&tiers[1]).cloned().collect(),
            _ => vec![own],
        };
        let changes: Vec<_> = merged.iter().map(|(c, _)| c.clone()).collect();
        // A display-only fix holds a value to fill in: its own line says which,
        // and no whole text of it is shown to be pasted over the others.
        if tier(fix.applicability) == 2 {
            fix.snippet = None;
            continue;
        }
        // A whole text pasted after one shown above must keep that one's
        // changes: a safe fix shown after an unsafe one (whose text holds the
        // safe tier too) would undo the unsafe change. Such a fix prints its
        // own line only (`region_name=us-east-1`), which undoes nothing.
        if printed.iter().any(|c| !changes.contains(c)) {
            fix.snippet = None;
            continue;
        }
        let mut keys: Vec<&str> = Vec::new();
        for (_, key) in &merged {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
        // A tier the source cannot take at once keeps the fix's own text.
        if let Some(snippet) = source_snippet(connection, &changes, &keys) {
            fix.snippet = Some(snippet);
            printed = changes;
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
        // 101 statements are over the role's quota, and too big for one managed
        // policy too: display-only, said.
        let mut big = [Found(fix(100)), Found(fix(1))];
        compose(&mut big, false);
        for found in &big {
            let note = found.0.note.as_deref().unwrap_or_default();
            assert!(
                note.contains("over AWS's quota of 10240 for a role's inline policies")
                    && note.contains("too big for a managed policy")
                    && note.contains("over AWS's quota of 6144"),
                "{note}"
            );
            assert_eq!(found.0.applicability, Applicability::DisplayOnly);
        }
    }

    /// A role's own inline policy near its quota: the grant that would take it
    /// over moves into a managed policy of its own, created and attached (the
    /// ARN from the role's account), runnable as printed; the merged document
    /// over the quota is never printed as applicable. Without the account (an
    /// access key offline), the ARN is a placeholder: display-only, said.
    #[test]
    fn a_grant_over_the_inline_quota_moves_into_a_managed_policy() {
        let mut facts = crate::rules::unread::healthy();
        facts.connection = crate::connection::from_text(
            std::path::Path::new("c.toml"),
            "[auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::111122223333:role/bi\"\n",
        )
        .unwrap()
        .connection;
        let padding_of = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| {
                    json!({"Sid": format!("Old{i}"), "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [format!("arn:aws:s3:::old-bucket-number-{i}"),
                                     format!("arn:aws:s3:::old-bucket-number-{i}/*")]})
                })
                .collect()
        };
        let padding = padding_of(62);
        let cli = json!({"RoleName": "bi", "PolicyName": "athena",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": padding}});
        let own = crate::policy::Policy::from_text(
            "policy athena.json",
            Some("athena.json"),
            &cli.to_string(),
            crate::policy::model::PolicyKind::Identity,
        )
        .unwrap();
        assert!(quotas::over(&quotas::ROLE_INLINE, &own.json).is_none());
        let grant = |sid: &str| {
            vec![
                json!({"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": format!("arn:aws:s3:::results-bucket-for-athena-{sid}/*")}),
            ]
        };
        let fix = |f: &crate::facts::Facts, sid: &str| {
            Fix::add_statements(f, Some(&own), None, grant(sid), Applicability::Safe)
        };
        let mut found: Vec<Found> = (0..4).map(|i| Found(fix(&facts, &format!("New{i}")))).collect();
        compose(&mut found, false);
        for f in &found {
            let command = f.0.command().unwrap();
            assert!(
                command
                    .starts_with("aws iam create-policy --policy-name athena-doctor-bi --policy-document '")
                    && command.ends_with(
                        " && aws iam attach-role-policy --role-name bi --policy-arn \
                         arn:aws:iam::111122223333:policy/athena-doctor-bi"
                    ),
                "{command}"
            );
            assert_eq!(f.0.applicability, Applicability::Safe);
            assert_eq!(
                f.0.target,
                "new managed policy athena-doctor-bi attached to role bi"
            );
            assert!(f.0.note.as_deref().unwrap().contains("customer managed policy"));
            let Edit::Policy { document, .. } = &f.0.edit else {
                panic!()
            };
            // Only the grant, all four statements of it.
            let sids: Vec<&str> = document["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Sid"].as_str().unwrap())
                .collect();
            assert_eq!(sids, ["New0", "New1", "New2", "New3"]);
            // Never the merged document over the quota.
            assert!(
                !command.contains("Old0") && !command.contains("put-role-policy"),
                "{command}"
            );
        }
        // Idempotent: composed again (as --write-fixes does), the same.
        let again: Vec<Fix> = found.iter().map(|f| f.0.clone()).collect();
        compose(&mut found, false);
        assert_eq!(found.iter().map(|f| f.0.clone()).collect::<Vec<_>>(), again);

        // The quota is the inline policies' aggregate: a small grant to a new
        // inline policy of a role whose other inline policy (read live) fills
        // the quota moves too.
        let mut full = facts.clone();
        let cli = json!({"RoleName": "bi", "PolicyName": "legacy",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": padding_of(64)}});
        let legacy = crate::policy::Policy::from_text(
            "policy legacy",
            None,
            &cli.to_string(),
            crate::policy::model::PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(legacy.origin, crate::policy::decode::Origin::InlinePolicy);
        full.identity_policies = crate::facts::Observed::Known(vec![legacy]);
        let mut found = [Found(Fix::add_statements(
            &full,
            None,
            None,
            grant("New0"),
            Applicability::Safe,
        ))];
        let alone = found[0].0.command().unwrap();
        assert!(
            alone.contains("put-role-policy --role-name bi --policy-name athena-doctor"),
            "{alone}"
        );
        compose(&mut found, false);
        let command = found[0].0.command().unwrap();
        assert!(
            command.starts_with("aws iam create-policy --policy-name athena-doctor-bi "),
            "{command}"
        );
        assert!(
            found[0]
                .0
                .note
                .as_deref()
                .unwrap()
                .contains("with the others counted with it"),
            "{:?}",
            found[0].0.note
        );

        // A managed policy of that name already attached (an earlier split):
        // the next free name, never create-policy of one that exists.
        let mut earlier = crate::policy::Policy::from_text(
            "managed policy arn:aws:iam::111122223333:policy/athena-doctor-bi",
            None,
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            crate::policy::model::PolicyKind::Identity,
        )
        .unwrap();
        earlier.origin = crate::policy::decode::Origin::ManagedPolicy;
        earlier.names = vec![("arn", "arn:aws:iam::111122223333:policy/athena-doctor-bi".into())];
        if let crate::facts::Observed::Known(list) = &mut full.identity_policies {
            list.push(earlier);
        }
        let mut found = [Found(Fix::add_statements(
            &full,
            None,
            None,
            grant("New0"),
            Applicability::Safe,
        ))];
        compose(&mut found, false);
        let command = found[0].0.command().unwrap();
        assert!(
            command.starts_with("aws iam create-policy --policy-name athena-doctor-bi-2 ")
                && command.ends_with(":policy/athena-doctor-bi-2"),
            "{command}"
        );

        // The account unknown: the ARN is a placeholder, the fix display-only.
        let mut key = crate::rules::unread::healthy();
        key.connection = crate::connection::from_text(
            std::path::Path::new("c.toml"),
            "[auth]\ntype = \"access_key\"\naccess_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n",
        )
        .unwrap()
        .connection;
        key.live = crate::facts::Observed::NotCollected("offline".into());
        let cli = json!({"UserName": "u", "PolicyName": "athena",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": []}});
        let own = crate::policy::Policy::from_text(
            "policy athena.json",
            Some("athena.json"),
            &cli.to_string(),
            crate::policy::model::PolicyKind::Identity,
        )
        .unwrap();
        let mut found: Vec<Found> = (0..16)
            .map(|i| {
                Found(Fix::add_statements(
                    &key,
                    Some(&own),
                    None,
                    grant(&format!("New{i}")),
                    Applicability::Safe,
                ))
            })
            .collect();
        compose(&mut found, false);
        let command = found[0].0.command().unwrap();
        assert!(
            command.contains("attach-user-policy --user-name u --policy-arn 'arn:aws:iam::<ACCOUNT_ID>:policy/athena-doctor-u'"),
            "{command}"
        );
        assert_eq!(found[0].0.applicability, Applicability::DisplayOnly);
        assert!(
            found[0]
                .0
                .note
                .as_deref()
                .unwrap()
                .contains("create-policy prints it"),
            "{:?}",
            found[0].0.note
        );
    }
}
