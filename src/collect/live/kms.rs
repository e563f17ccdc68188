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

async fn key(name: &str, c: &Clients, t: &Tracker) -> Observed<KmsKey> {
    let described = t
        .call(
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
        )
        .await;
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
        let text = t
            .call(
                "kms:GetKeyPolicy",
                format!("kms:GetKeyPolicy {arn}"),
                c.kms
                    .get_key_policy()
                    .key_id(&arn)
                    .policy_name(DEFAULT_POLICY)
                    .send(),
                |o| o.policy().map(str::to_string),
            )
            .await;
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
