//! The KMS keys the BI tool's queries go through — a bucket's default encryption
//! (S3005), the workgroup's result encryption (ATHENA010), the Glue Data
//! Catalog's encryption (CATALOG006) — each resolved to its ARN and judged, as
//! `simulate` judges a key, with the identity policies and the key's own policy.

use super::access::{self, Env, check_group, live_need};
use crate::engine::{Check, Outcome, RuleMeta, Skip, Status};
use crate::facts::{Facts, Observed, is_aws_s3_alias};
use crate::permissions::{self, Need};

/// What a key is used for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyFor {
    /// A bucket's default encryption.
    Bucket(String),
    /// The workgroup's query results (result encryption, or managed results).
    Results(String),
    /// The Glue Data Catalog's metadata.
    Catalog,
}

/// A customer-managed KMS key, and what the connection's principal needs of it.
pub(crate) struct KeyUse {
    pub used_for: KeyFor,
    pub arn: String,
    /// `kms:GenerateDataKey` and `kms:Decrypt` where Athena writes (the results
    /// bucket, the workgroup's results), `kms:Decrypt` where it only reads.
    pub actions: Vec<&'static str>,
    /// Why the key's own policy is unknown, when it is.
    pub policy_unknown: Option<String>,
}

impl KeyUse {
    pub(crate) fn what(&self) -> String {
        match &self.used_for {
            KeyFor::Bucket(b) => format!("the KMS key of bucket {b}"),
            KeyFor::Results(w) => format!("the KMS key of workgroup {w}'s query results"),
            KeyFor::Catalog => "the KMS key of the Glue Data Catalog".into(),
        }
    }

    /// The bucket whose encryption names the key, for a bucket's key.
    pub(crate) fn bucket(&self) -> Option<&str> {
        match &self.used_for {
            KeyFor::Bucket(b) => Some(b),
            _ => None,
        }
    }
}

/// A bucket whose encryption could not be read, and why.
pub(crate) type Unread = (String, String);

/// A key as its user names it (an ID, alias or ARN): its ARN and why its policy
/// is unknown, or `None` for a key AWS manages (its policy lets the account's
/// principals use it through the service, and cannot be changed).
fn resolve(facts: &Facts, key: &str) -> Option<(String, Option<String>)> {
    if is_aws_s3_alias(key) || key.ends_with("alias/aws/glue") || key.ends_with("alias/aws/athena") {
        return None;
    }
    let target = access::target(facts);
    let read = facts.live.known().ok().map(|l| &l.keys);
    match read.and_then(|keys| keys.get(key)) {
        Some(Observed::Known(k)) if k.aws_managed => None,
        Some(Observed::Known(k)) => Some((
            k.arn.clone(),
            k.policy
                .known()
                .err()
                .map(|why| format!("its key policy could not be read ({why})")),
        )),
        Some(other) => Some((
            arn(key, &target),
            Some(format!(
                "the key could not be described ({})",
                other.known().err().unwrap_or_default()
            )),
        )),
        // Offline (or a key only a plan declares): the identity side alone.
        None => Some((arn(key, &target), None)),
    }
}

/// The keys the inspected (or declared) buckets encrypt with, and the buckets
/// whose encryption could not be read (with why).
pub(crate) fn bucket_key_uses(facts: &Facts) -> Result<(Vec<KeyUse>, Vec<Unread>), Skip> {
    let keys = super::bucket_encryption(facts)?;
    let target = access::target(facts);
    let (mut uses, mut unread) = (Vec::new(), Vec::new());
    for (bucket, kms_key) in keys {
        let key = match kms_key {
            Observed::Known(Some(key)) => key,
            Observed::Known(None) => continue,
            other => {
                unread.push((bucket.to_string(), other.known().err().unwrap_or_default()));
                continue;
            }
        };
        let Some((arn, policy_unknown)) = resolve(facts, key) else {
            continue;
        };
        let actions = if target.results_bucket.as_deref() == Some(bucket) {
            vec!["kms:GenerateDataKey", "kms:Decrypt"]
        } else {
            vec!["kms:Decrypt"]
        };
        uses.push(KeyUse {
            used_for: KeyFor::Bucket(bucket.to_string()),
            arn,
            actions,
            policy_unknown,
        });
    }
    Ok((uses, unread))
}

/// The keys the workgroup encrypts query results with (`SSE_KMS`/`CSE_KMS`
/// result encryption, and managed results' key): Athena writes the results
/// encrypted with them and reads them back, as the principal.
pub(crate) fn results_keys(facts: &Facts) -> Result<Vec<KeyUse>, Skip> {
    let (workgroup, _) = super::workgroup(facts)?;
    let Some(workgroup) = workgroup else {
        return Err(Skip::new(
            facts.connection.workgroup(),
            "the workgroup does not exist (ATHENA003)",
        ));
    };
    let settings = workgroup.settings.require(&workgroup.name)?;
    let kms = settings
        .result_encryption
        .as_deref()
        .is_some_and(|e| e.ends_with("_KMS"));
    // Managed results' key also needs kms:DescribeKey ("Encrypt managed query
    // results", Athena User Guide); S3 result encryption needs the other two
    // ("Permissions to encrypted data in Amazon S3").
    let named = [
        (
            settings
                .result_key
                .as_ref()
                .filter(|_| kms && !settings.managed_results),
            vec!["kms:GenerateDataKey", "kms:Decrypt"],
        ),
        (
            settings
                .managed_results_key
                .as_ref()
                .filter(|_| settings.managed_results),
            vec!["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
        ),
    ];
    Ok(named
        .into_iter()
        .filter_map(|(key, actions)| Some((resolve(facts, key?)?, actions)))
        .map(|((arn, policy_unknown), actions)| KeyUse {
            used_for: KeyFor::Results(workgroup.name.clone()),
            arn,
            actions,
            policy_unknown,
        })
        .collect())
}

/// The key the Glue Data Catalog encrypts its metadata with, when the
/// principal must be allowed to use it: "you must add kms:GenerateDataKey,
/// kms:Decrypt, and kms:Encrypt actions to the policies you use for accessing
/// Athena" (Athena User Guide, "Permissions to encrypted metadata in the AWS
/// Glue Data Catalog").
pub(crate) fn catalog_keys(facts: &Facts) -> Result<Vec<KeyUse>, Skip> {
    let live = super::live(facts)?;
    let key = live.catalog_key.require("the Glue Data Catalog")?;
    Ok(key
        .iter()
        .filter_map(|key| resolve(facts, key))
        .map(|(arn, policy_unknown)| KeyUse {
            used_for: KeyFor::Catalog,
            arn,
            actions: vec!["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"],
            policy_unknown,
        })
        .collect())
}

/// Judge each key use with the permission rules' evaluator: the identity side
/// and the key's policy. A key whose policy is unknown never passes; a bucket
/// whose encryption could not be read (`unread`) is a skip naming the read.
pub(crate) fn judge(
    meta: &'static RuleMeta,
    facts: &Facts,
    uses: Vec<KeyUse>,
    unread: Vec<Unread>,
    none: &str,
) -> Outcome {
    let unread: Vec<Check> = unread
        .into_iter()
        .map(|(bucket, why)| meta.skip(format!("bucket {bucket}"), why))
        .collect();
    let needs: Vec<(Need, Option<String>)> = uses
        .into_iter()
        .map(|u| {
            let sid = match u.used_for {
                KeyFor::Bucket(_) => "AthenaBucketKms",
                KeyFor::Results(_) => "AthenaResultsKms",
                KeyFor::Catalog => "GlueCatalogKms",
            };
            let need = live_need(meta.code, u.what(), u.arn, u.actions, sid);
            (need, u.policy_unknown)
        })
        .collect();
    if needs.is_empty() {
        if !unread.is_empty() {
            return Ok(unread);
        }
        return Ok(vec![meta.pass("account", none)]);
    }
    let env = Env::new(facts)?;
    let mut checks = Vec::new();
    for (need, key_unknown) in &needs {
        for check in check_group(meta, &env, &[need]) {
            checks.push(match (check.status, key_unknown) {
                // The identity side allows; the key's own side is unknown.
                (Status::Pass, Some(why)) => meta.skip(
                    check.subject.clone(),
                    format!(
                        "{}; but {why}, and a KMS key is usable only when its policy allows too (directly or by \
                         naming the account)",
                        check.message
                    ),
                ),
                _ => check,
            });
        }
    }
    checks.extend(unread);
    Ok(checks)
}

/// A key as its user names it (an ID, or an ARN), as an ARN.
fn arn(key: &str, target: &permissions::Target) -> String {
    if key.starts_with("arn:") {
        key.to_string()
    } else {
        format!(
            "arn:{}:kms:{}:{}:key/{key}",
            target.partition,
            target.region,
            target.account.as_deref().unwrap_or("<ACCOUNT_ID>")
        )
    }
}
