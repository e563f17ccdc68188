//! `athena-doctor policy`: the policies a connection needs, from scratch.

use crate::cli::ListFormat;
use crate::connection::{AuthType, Connection};
use crate::facts::Facts;
use crate::permissions::{self, Target};
use crate::rules::KeyUse;
use serde_json::{Value, json};
use std::fmt::Write;

/// The policies for a snapshot's connection, with its buckets' KMS keys granted.
pub(crate) fn render_facts(facts: &Facts, format: ListFormat) -> String {
    // A snapshot without live facts or declared keys knows no key: nothing to add.
    let (keys, mut unread) = crate::rules::bucket_key_uses(facts).unwrap_or_default();
    let mut keys = keys;
    match crate::rules::results_keys(facts) {
        Ok(results) => keys.extend(results),
        Err(skip) => unread.push((WORKGROUP_KEY.into(), skip.reason)),
    }
    render(&facts.connection, &keys, &unread, format)
}

/// What `unread` calls the workgroup's result key when its settings are unknown.
const WORKGROUP_KEY: &str = "the workgroup's query results";

/// The policies for `conn`; `keys` are the customer-managed KMS keys its buckets
/// encrypt with, `unread` the buckets whose encryption is unknown (bucket, why).
pub(crate) fn render(
    conn: &Connection,
    keys: &[KeyUse],
    unread: &[(String, String)],
    format: ListFormat,
) -> String {
    let target = Target::of(conn);
    let (mut permissions, missing) = permissions::least_privilege(&target);
    add_key_grants(&mut permissions, &target, keys);
    let trust =
        (conn.auth.auth_type != Some(AuthType::AccessKey)).then(|| permissions::trust_policy(conn, &target));
    let mut notes: Vec<String> = missing
        .iter()
        .map(|m| format!("{}: {}", m.rule, m.reason))
        .collect();
    notes.dedup();
    let used =
        |b: &str| target.results_bucket.as_deref() == Some(b) || target.data_buckets.iter().any(|d| d == b);
    for (bucket, why) in unread.iter().filter(|(b, _)| used(b)) {
        notes.push(format!(
            "the encryption of bucket {bucket} is unknown ({why}): if it uses a customer-managed KMS key, \
             kms:Decrypt (and, for the results bucket, kms:GenerateDataKey) on that key"
        ));
    }
    // Without the workgroup's settings (a connection alone, or an old snapshot),
    // what they may require is said, not guessed.
    let workgroup_unknown = unread
        .iter()
        .find(|(what, _)| what == WORKGROUP_KEY)
        .map(|(_, why)| format!(" ({why})"))
        .or_else(|| keys.is_empty().then(String::new));
    if let Some(why) = workgroup_unknown
        && !keys.iter().any(|k| k.bucket().is_none())
    {
        notes.push(format!(
            "the settings of workgroup {} are not known here{why}: if it encrypts query results with a \
             customer-managed KMS key (SSE_KMS, CSE_KMS, or managed query results), kms:GenerateDataKey and \
             kms:Decrypt on that key; if the data is in another account's requester pays bucket, the workgroup \
             must enable requester pays (a setting, not a permission); `policy --snapshot` knows both",
            target.workgroup
        ));
    }
    match format {
        ListFormat::Json => {
            let mut out = serde_json::to_string_pretty(&json!({
                "permissions": permissions,
                "trust": trust,
                "notes": notes,
            }))
            .expect("a JSON value always serialises");
            out.push('\n');
            out
        }
        ListFormat::Table => {
            let pretty = |v: &serde_json::Value| {
                serde_json::to_string_pretty(v).expect("a JSON value always serialises")
            };
            let mut out = String::new();
            let _ = writeln!(
                out,
                "Permissions policy (least privilege for this connection):\n{}",
                pretty(&permissions)
            );
            if let Some(trust) = &trust {
                let _ = writeln!(
                    out,
                    "\nTrust policy (lets the vendor assume the role, only with the External ID):\n{}",
                    pretty(trust)
                );
            }
            for note in &notes {
                let _ = writeln!(out, "\nnote: {note}; the statements for it are left out");
            }
            out
        }
    }
}

/// Grant the KMS keys of the connection's buckets: the results bucket's key
/// (Athena writes results encrypted with it, and reads them back) and the data
/// buckets' (reads). Keys of buckets the connection does not use are left out.
fn add_key_grants(policy: &mut Value, target: &Target, keys: &[KeyUse]) {
    // The workgroup's result key is used whatever the buckets.
    let used = |k: &&KeyUse| {
        k.bucket().is_none_or(|b| {
            target.results_bucket.as_deref() == Some(b) || target.data_buckets.iter().any(|d| d == b)
        })
    };
    // One statement per set of actions, each on its keys (a key used by both kinds
    // of bucket is in both).
    let mut grants: Vec<(&[&str], Vec<&str>)> = Vec::new();
    for k in keys.iter().filter(used) {
        match grants.iter_mut().find(|(a, _)| *a == k.actions.as_slice()) {
            Some((_, arns)) if arns.contains(&k.arn.as_str()) => {}
            Some((_, arns)) => arns.push(k.arn.as_str()),
            None => grants.push((k.actions.as_slice(), vec![k.arn.as_str()])),
        }
    }
    let Some(list) = policy.get_mut("Statement").and_then(Value::as_array_mut) else {
        return;
    };
    for (actions, arns) in grants {
        let sid = if actions.contains(&"kms:GenerateDataKey") {
            "AthenaResultsKms"
        } else {
            "AthenaDataKms"
        };
        let resource = if arns.len() == 1 {
            json!(arns[0])
        } else {
            json!(arns)
        };
        list.push(json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}));
    }
}
