//! KMS: for each key a bucket's default encryption names, what it is
//! (`DescribeKey` resolves an ID or alias to the key's ARN and says whether AWS
//! manages it) and, for a customer key, its policy (`GetKeyPolicy`), which must
//! allow the principal as well as its identity policies do.

use super::Clients;
use super::call::Tracker;
use super::iam::all;
use crate::facts::{KmsKey, Observed};
use crate::policy::decode::Origin;
use crate::policy::{Policy, PolicyKind};
use std::collections::BTreeMap;

/// The only name a key policy has.
const DEFAULT_POLICY: &str = "default";

/// `GetKeyPolicy` of the key `id` (its ARN, as `DescribeKey` gives it).
async fn key_policy(id: &str, c: &Clients, t: &Tracker) -> Observed<Option<String>> {
    t.read(
        &c.reads,
        format!("{id} {DEFAULT_POLICY}"),
        "kms:GetKeyPolicy",
        format!("kms:GetKeyPolicy {id}"),
        c.kms
            .get_key_policy()
            .key_id(id)
            .policy_name(DEFAULT_POLICY)
            .send(),
        |o| o.policy().map(str::to_string),
    )
    .await
}

/// Whether `name` is a key's own ARN (`arn:aws:kms:region:account:key/id`), the
/// ARN `DescribeKey` answers with: its policy can be read beside it.
fn is_key_arn(name: &str) -> bool {
    let parts: Vec<&str> = name.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[2] == "kms" && parts[5].starts_with("key/")
}

async fn key(name: &str, c: &Clients, t: &Tracker) -> Observed<KmsKey> {
    let described = t.read(
        &c.reads,
        name.to_string(),
        "kms:DescribeKey",
        format!("kms:DescribeKey {name}"),
        c.kms.describe_key().key_id(name).send(),
        |o| {
            o.key_metadata().map(|m| {
                (
                    m.arn().unwrap_or(m.key_id()).to_string(),
                    m.key_manager() == Some(&aws_sdk_kms::types::KeyManagerType::Aws),
                )
            })
        },
    );
    // Named by its ARN (as buckets and workgroups usually name a key), the key's
    // policy is read beside DescribeKey rather than after it: the same request
    // `GetKeyPolicy` would make with the ARN DescribeKey gives, one round trip
    // sooner. Its answer is set aside when the key turns out AWS managed, or
    // unreadable.
    let early = async {
        if is_key_arn(name) {
            Some(key_policy(name, c, t).await)
        } else {
            None
        }
    };
    let (described, early) = super::both(t, described, early).await;
    let (arn, aws_managed) = match described {
        Observed::Known(Some(found)) => found,
        Observed::Known(None) => {
            return Observed::NotCollected(format!("kms:DescribeKey {name} answered without the key"));
        }
        Observed::Failed(f) => return Observed::Failed(f),
        Observed::NotCollected(why) => return Observed::NotCollected(why),
    };
    let policy = if aws_managed {
        Observed::NotCollected("an AWS managed key: its policy is AWS's".into())
    } else {
        let text = match early {
            Some(text) if arn == name => text,
            _ => key_policy(&arn, c, t).await,
        };
        // A policy that was read but does not parse is unknown, not "none".
        text.and_then(|text| match text {
            Some(text) => {
                match Policy::from_text(&format!("key policy of {arn}"), None, &text, PolicyKind::Resource) {
                    Ok(mut p) => {
                        p.origin = Origin::KeyPolicy;
                        p.names.push(("arn", arn.clone()));
                        Observed::Known(p)
                    }
                    Err(e) => Observed::NotCollected(format!("the key policy of {arn} does not parse: {e}")),
                }
            }
            None => Observed::NotCollected(format!("kms:GetKeyPolicy {arn} answered without a policy")),
        })
    };
    Observed::Known(KmsKey {
        arn,
        aws_managed,
        policy,
    })
}

/// Every distinct key the buckets name (the AWS managed `aws/s3` alias aside).
pub(super) async fn keys(names: Vec<String>, c: &Clients, t: &Tracker) -> BTreeMap<String, Observed<KmsKey>> {
    let found = all(t, names.iter().map(|n| key(n, c, t)).collect()).await;
    names.into_iter().zip(found).collect()
}
