//! AWS's size quotas on the policy documents the doctor reads and writes, and
//! how AWS counts against them: IAM counts characters and "doesn't count white
//! space" (IAM User Guide, "IAM and AWS STS quotas",
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html);
//! S3 and KMS count the document's size in bytes.

use serde_json::Value;

/// How a quota counts a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Characters, white space not counted (IAM).
    Characters,
    /// Bytes of the document as sent (S3, KMS).
    Bytes,
}

/// One quota: what it bounds, how much, how it counts, where AWS says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    pub what: &'static str,
    pub limit: usize,
    pub unit: Unit,
    pub source: &'static str,
}

const IAM_QUOTAS: &str = "IAM User Guide, \"IAM and AWS STS quotas\"";

/// "Role policy size cannot exceed 10,240 characters": the aggregate of a
/// role's inline policies.
pub(crate) const ROLE_INLINE: Quota = Quota {
    what: "a role's inline policies (all of them together)",
    limit: 10_240,
    unit: Unit::Characters,
    source: IAM_QUOTAS,
};
/// "User policy size cannot exceed 2,048 characters" (aggregate).
pub(crate) const USER_INLINE: Quota = Quota {
    what: "a user's inline policies (all of them together)",
    limit: 2_048,
    unit: Unit::Characters,
    source: IAM_QUOTAS,
};
/// "Group policy size cannot exceed 5,120 characters" (aggregate).
pub(crate) const GROUP_INLINE: Quota = Quota {
    what: "a group's inline policies (all of them together)",
    limit: 5_120,
    unit: Unit::Characters,
    source: IAM_QUOTAS,
};
/// "Managed policy size cannot exceed 6,144 characters".
pub(crate) const MANAGED: Quota = Quota {
    what: "a managed policy",
    limit: 6_144,
    unit: Unit::Characters,
    source: IAM_QUOTAS,
};
/// Role trust policy length: 2,048 characters by default (adjustable to 4,096).
pub(crate) const TRUST: Quota = Quota {
    what: "a role's trust policy (the default quota; it can be raised to 4,096)",
    limit: 2_048,
    unit: Unit::Characters,
    source: IAM_QUOTAS,
};
/// "Bucket policies are limited to 20 KB in size" (Amazon S3 User Guide,
/// "Bucket policies for Amazon S3").
pub(crate) const BUCKET: Quota = Quota {
    what: "a bucket policy",
    limit: 20 * 1024,
    unit: Unit::Bytes,
    source: "Amazon S3 User Guide, \"Bucket policies for Amazon S3\"",
};
/// Key policy document size: 32 KB (AWS KMS Developer Guide, "Quotas").
pub(crate) const KEY: Quota = Quota {
    what: "a KMS key policy",
    limit: 32 * 1024,
    unit: Unit::Bytes,
    source: "AWS KMS Developer Guide, \"Resource quotas\"",
};
/// Session policies: "the plaintext that you use for both inline and managed
/// session policies can't exceed 2,048 characters" (AWS STS API Reference,
/// "AssumeRole").
pub(crate) const SESSION: Quota = Quota {
    what: "a session policy passed on AssumeRole",
    limit: 2_048,
    unit: Unit::Characters,
    source: "AWS STS API Reference, \"AssumeRole\"",
};

/// The size of `document` as `quota` counts it (the document as the doctor
/// sends it: compact JSON).
pub(crate) fn size(quota: &Quota, document: &Value) -> usize {
    let text = document.to_string();
    match quota.unit {
        Unit::Characters => text.chars().filter(|c| !c.is_whitespace()).count(),
        Unit::Bytes => text.len(),
    }
}

/// The quota a document put by this AWS CLI command (`aws iam put-role-policy …`)
/// counts against, if the doctor knows one.
pub(crate) fn of_command(words: &[String]) -> Option<&'static Quota> {
    let sub = words.get(2).map(String::as_str)?;
    Some(match sub {
        "put-role-policy" => &ROLE_INLINE,
        "put-user-policy" => &USER_INLINE,
        "put-group-policy" => &GROUP_INLINE,
        "create-policy" | "create-policy-version" => &MANAGED,
        "update-assume-role-policy" => &TRUST,
        "put-bucket-policy" => &BUCKET,
        "put-key-policy" => &KEY,
        _ => return None,
    })
}

/// Over the quota: what to say, with the size, the quota and the source.
pub(crate) fn over(quota: &Quota, document: &Value) -> Option<String> {
    over_with(quota, 0, document)
}

/// Over an aggregate quota, `others` (the size of the documents counted with
/// this one: a principal's other inline policies) included.
pub(crate) fn over_with(quota: &Quota, others: usize, document: &Value) -> Option<String> {
    let size = size(quota, document);
    (size + others > quota.limit).then(|| {
        let unit = match quota.unit {
            Unit::Characters => "characters, white space not counted",
            Unit::Bytes => "bytes",
        };
        let together = match others {
            0 => format!("the document is {size} {unit}"),
            _ => format!(
                "the document is {size} {unit}, and with the others counted with it {} together",
                size + others
            ),
        };
        format!(
            "{together}: over AWS's quota of {} for {} ({}), so AWS refuses it",
            quota.limit, quota.what, quota.source
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iam_does_not_count_white_space() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "A B", "Effect": "Allow"}]});
        let text = doc.to_string();
        let spaces = text.chars().filter(|c| c.is_whitespace()).count();
        assert_eq!(spaces, 1, "{text}");
        assert_eq!(size(&MANAGED, &doc), text.len() - 1);
        assert_eq!(size(&BUCKET, &doc), text.len());
    }

    #[test]
    fn commands_name_their_quota() {
        let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            of_command(&words("aws iam put-role-policy --role-name r")),
            Some(&ROLE_INLINE)
        );
        assert_eq!(
            of_command(&words("aws s3api put-bucket-policy --bucket b")),
            Some(&BUCKET)
        );
        assert_eq!(of_command(&words("aws athena update-work-group")), None);
    }

    #[test]
    fn over_says_how_much_and_where() {
        let big = json!({"Version": "2012-10-17", "Statement": (0..200)
            .map(|i| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::bucket-{i}/*")}))
            .collect::<Vec<_>>()});
        let said = over(&ROLE_INLINE, &big).expect("over the role's quota");
        assert!(said.contains("over AWS's quota of 10240"), "{said}");
        assert!(said.contains("IAM and AWS STS quotas"), "{said}");
        assert!(over(&KEY, &big).is_none());
    }
}
