//! S3: for the results bucket and each data bucket, whether it exists, its region,
//! its policy and its default encryption.

use super::Clients;
use super::call::Tracker;
use super::iam::all;
use crate::facts::{BucketFacts, FailureKind, Observed};
use crate::policy::{Policy, PolicyKind};
use std::collections::BTreeMap;

/// `GetBucketLocation` answers empty for us-east-1 and `EU` for old eu-west-1 buckets.
pub(super) fn location_to_region(constraint: &str) -> String {
    match constraint {
        "" => "us-east-1".into(),
        "EU" => "eu-west-1".into(),
        other => other.into(),
    }
}

async fn bucket(name: &str, c: &Clients, t: &Tracker) -> (BucketFacts, Option<Policy>) {
    let head = t.read(
        &c.reads,
        name.to_string(),
        "s3:HeadBucket",
        format!("s3:HeadBucket {name}"),
        c.s3.head_bucket().bucket(name).send(),
        |o| o.bucket_region().map(str::to_string),
    );
    let location = t.read(
        &c.reads,
        name.to_string(),
        "s3:GetBucketLocation",
        format!("s3:GetBucketLocation {name}"),
        c.s3.get_bucket_location().bucket(name).send(),
        |o| location_to_region(o.location_constraint().map(|l| l.as_str()).unwrap_or_default()),
    );
    let policy = t.read(
        &c.reads,
        name.to_string(),
        "s3:GetBucketPolicy",
        format!("s3:GetBucketPolicy {name}"),
        c.s3.get_bucket_policy().bucket(name).send(),
        |o| o.policy().map(str::to_string),
    );
    let encryption = t.read(
        &c.reads,
        name.to_string(),
        "s3:GetBucketEncryption",
        format!("s3:GetBucketEncryption {name}"),
        c.s3.get_bucket_encryption().bucket(name).send(),
        |o| {
            o.server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default())
                .filter(|d| d.sse_algorithm().as_str().starts_with("aws:kms"))
                .map(|d| d.kms_master_key_id().unwrap_or("aws/s3").to_string())
        },
    );
    let payment = t.read(
        &c.reads,
        name.to_string(),
        "s3:GetBucketRequestPayment",
        format!("s3:GetBucketRequestPayment {name}"),
        c.s3.get_bucket_request_payment().bucket(name).send(),
        |o| o.payer().is_some_and(|p| p.as_str() == "Requester"),
    );
    let (((head, location), (policy, encryption)), requester_pays) = super::both(
        t,
        super::both(
            t,
            super::both(t, head, location),
            super::both(t, policy, encryption),
        ),
        payment,
    )
    .await;
    let exists = match &head {
        Observed::Known(_) => Observed::Known(true),
        Observed::Failed(f) if f.kind == FailureKind::NotFound => Observed::Known(false),
        Observed::Failed(f) => Observed::Failed(f.clone()),
        Observed::NotCollected(w) => Observed::NotCollected(w.clone()),
    };
    // HeadBucket names the region even when it is denied; GetBucketLocation is the fallback.
    let region = match (head, location) {
        (Observed::Known(Some(r)), _) => Observed::Known(r),
        (_, location) => location,
    };
    // No policy and no encryption configuration are answers, not failures. A
    // policy that was read but does not parse is not "no policy": it is unknown.
    let (has_policy, policy) = match policy {
        Observed::Known(Some(text)) => {
            match Policy::from_text(
                &format!("bucket policy of {name}"),
                None,
                &text,
                PolicyKind::Resource,
            ) {
                Ok(p) => (Observed::Known(true), Some(p)),
                Err(e) => (
                    Observed::NotCollected(format!("the bucket policy of {name} does not parse: {e}")),
                    None,
                ),
            }
        }
        Observed::Known(None) => (Observed::Known(false), None),
        Observed::Failed(f) if f.kind == FailureKind::NotFound => (Observed::Known(false), None),
        Observed::Failed(f) => (Observed::Failed(f), None),
        Observed::NotCollected(w) => (Observed::NotCollected(w), None),
    };
    let kms_key = match encryption {
        Observed::Failed(f) if f.kind == FailureKind::NotFound => Observed::Known(None),
        other => other,
    };
    (
        BucketFacts {
            exists,
            region,
            kms_key,
            policy: has_policy,
            requester_pays,
            expected_owner: Observed::NotCollected("the workgroup expects no bucket owner".into()),
        },
        policy,
    )
}

/// Whether `bucket` belongs to `owner` (an account ID): `HeadBucket` with
/// `ExpectedBucketOwner` answers 403 when it does not. The refusal is kept as
/// it came: it means "another owner" only beside a plain `HeadBucket` that
/// succeeded (`exists`), which `gather` decides once both are in.
pub(super) async fn owned_by(bucket: &str, owner: &str, c: &Clients, t: &Tracker) -> Observed<bool> {
    t.read(
        &c.reads,
        format!("{bucket} {owner}"),
        "s3:HeadBucket",
        format!("s3:HeadBucket {bucket} (expected owner {owner})"),
        c.s3.head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send(),
        |_| true,
    )
    .await
}

pub(super) async fn buckets(
    names: &[String],
    c: &Clients,
    t: &Tracker,
) -> (BTreeMap<String, BucketFacts>, BTreeMap<String, Policy>) {
    let results = all(t, names.iter().map(|n| bucket(n, c, t)).collect()).await;
    let mut facts = BTreeMap::new();
    let mut policies = BTreeMap::new();
    for (name, (f, p)) in names.iter().zip(results) {
        facts.insert(name.clone(), f);
        if let Some(p) = p {
            policies.insert(name.clone(), p);
        }
    }
    (facts, policies)
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations() {
        assert_eq!(super::location_to_region(""), "us-east-1");
        assert_eq!(super::location_to_region("EU"), "eu-west-1");
        assert_eq!(super::location_to_region("eu-central-1"), "eu-central-1");
    }
}
