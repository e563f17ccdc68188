//! The request context a policy is evaluated against: which condition keys have
//! which values, which are known to be absent, and which the doctor cannot know.

use std::collections::BTreeMap;

/// What is known about one condition key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyState<'a> {
    Present(&'a [String]),
    Absent,
    /// The doctor cannot know (the vendor's source IP, tags it did not read, …).
    Unknown,
}

/// Keys not in the map are unknown, except those the action can never carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Context {
    /// Lower-cased key → `Some(values)` or `None` for a key known to be absent.
    known: BTreeMap<String, Option<Vec<String>>>,
}

impl Context {
    pub(crate) fn set(&mut self, key: &str, values: &[&str]) -> &mut Self {
        self.known.insert(
            key.to_ascii_lowercase(),
            Some(values.iter().map(|v| v.to_string()).collect()),
        );
        self
    }

    pub(crate) fn absent(&mut self, key: &str) -> &mut Self {
        self.known.insert(key.to_ascii_lowercase(), None);
        self
    }

    /// The key's state for a request for `action` (condition keys are case-insensitive).
    pub(crate) fn lookup(&self, key: &str, action: &str) -> KeyState<'_> {
        // Keys are stored lower-cased; most policies already write them so.
        let lower: std::borrow::Cow<str> = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            key.to_ascii_lowercase().into()
        } else {
            key.into()
        };
        match self.known.get(lower.as_ref()) {
            Some(Some(values)) => KeyState::Present(values),
            Some(None) => KeyState::Absent,
            None if never_carried(&lower, action) => KeyState::Absent,
            None => KeyState::Unknown,
        }
    }
}

/// Keys a request for `action` can never carry (`lower_key` lower-cased).
///
/// Service keys that exist only for some actions: AWS's service authorization
/// reference lists `s3:prefix`, `s3:delimiter` and `s3:max-keys` for the listing
/// actions only, so `s3:GetBucketLocation` never carries them and a grant
/// conditioned on them grants nothing (S3007).
///
/// For `sts:AssumeRole`, a key in the `aws:` or `sts:` namespace that AWS does not
/// document (`sts:ExternalIds`, `sts:ExternalId ` with a space, `aws:ExternalId`):
/// AWS never sets it, so a trust policy's `StringEquals` on it never matches.
/// Keys of other namespaces (`saml:`, an OIDC provider's, a service's) stay unknown.
pub(crate) fn never_carried(lower_key: &str, action: &str) -> bool {
    const LISTING_KEYS: &[&str] = &["s3:prefix", "s3:delimiter", "s3:max-keys"];
    const LISTING_ACTIONS: &[&str] = &["s3:listbucket", "s3:listbucketversions"];
    if action.eq_ignore_ascii_case("sts:AssumeRole") {
        return !documented_for_assume_role(lower_key);
    }
    LISTING_KEYS.contains(&lower_key) && !LISTING_ACTIONS.contains(&action.to_ascii_lowercase().as_str())
}

/// The AWS global condition keys (IAM User Guide: "AWS global condition context
/// keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
/// lower-cased. A key documented there may be absent from a given request; one not
/// documented there is never set.
const GLOBAL_KEYS: &[&str] = &[
    "aws:assumedroot",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:chatbotsourcearn",
    "aws:currenttime",
    "aws:ec2instancesourceprivateipv4",
    "aws:ec2instancesourcevpc",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "aws:vpcsourceip",
];

/// Global keys that name a tag after a slash (`aws:RequestTag/Dept`).
const GLOBAL_TAG_PREFIXES: &[&str] = &["aws:principaltag/", "aws:requesttag/", "aws:resourcetag/"];

/// The AWS STS condition keys (IAM User Guide: "IAM and AWS STS condition context
/// keys — Available keys for AWS STS",
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts;
/// Service Authorization Reference: "Actions, resources, and condition keys for AWS
/// Security Token Service"), lower-cased.
const STS_KEYS: &[&str] = &[
    "sts:awsservicename",
    "sts:durationseconds",
    "sts:externalid",
    "sts:identitytokenaudience",
    "sts:requestcontext",
    "sts:requestcontextproviders",
    "sts:rolesessionname",
    "sts:signingalgorithm",
    "sts:sourceidentity",
    "sts:transitivetagkeys",
];

/// Whether AWS documents `lower_key` as a key a request may carry, as far as the
/// `aws:` and `sts:` namespaces go (any other namespace: not ours to judge).
fn documented_for_assume_role(lower_key: &str) -> bool {
    // The namespace as written, spaces aside: ` sts:ExternalId` is still ours.
    let namespaced = lower_key.trim_start();
    if namespaced.starts_with("aws:") {
        GLOBAL_KEYS.contains(&lower_key)
            || GLOBAL_TAG_PREFIXES
                .iter()
                .any(|p| lower_key.strip_prefix(p).is_some_and(|tag| !tag.is_empty()))
    } else if namespaced.starts_with("sts:") {
        STS_KEYS.contains(&lower_key)
    } else {
        true
    }
}

/// The documented key a never-set `aws:`/`sts:` key was meant to be: the same key
/// with its spacing or case slip mended, or spelled one or two letters apart
/// (`sts:ExternalIds` → `sts:ExternalId`, `aws:ExternalId` → `sts:ExternalId`).
/// `None` when nothing is that close.
pub(crate) fn meant_key(key: &str) -> Option<&'static str> {
    const CANONICAL: &[&str] = &[
        "sts:ExternalId",
        "sts:RoleSessionName",
        "sts:SourceIdentity",
        "sts:TransitiveTagKeys",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:SourceIp",
        "aws:SourceIdentity",
        "aws:SecureTransport",
        "aws:MultiFactorAuthPresent",
    ];
    let folded: String = key
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Two edits reach `aws:ExternalId` → `sts:ExternalId`; more would guess.
    CANONICAL
        .iter()
        .map(|c| (strsim::levenshtein(&folded, &c.to_ascii_lowercase()), *c))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, c)| c)
}

/// A value for a global condition key, checked against the key's type as IAM
/// types it (IAM User Guide: "AWS global condition context keys"). Keys it does not
/// know are strings.
pub(crate) fn check_value(key: &str, value: &str) -> Result<(), String> {
    let lower = key.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "aws:securetransport"
        | "aws:multifactorauthpresent"
        | "aws:viaawsservice"
        | "aws:principalisawsservice" => "boolean",
        "aws:multifactorauthage" | "aws:epochtime" => "numeric",
        "aws:currenttime" | "aws:tokenissuetime" => "date",
        "aws:sourceip" => "ip",
        "aws:principalarn" | "aws:sourcearn" => "arn",
        "aws:principalaccount" | "aws:resourceaccount" | "aws:sourceaccount" => "account",
        _ => return Ok(()),
    };
    let ok = match kind {
        "boolean" => matches!(value.to_ascii_lowercase().as_str(), "true" | "false"),
        "numeric" => value.parse::<f64>().is_ok(),
        "date" => value.parse::<jiff::Timestamp>().is_ok() || value.parse::<i64>().is_ok(),
        "ip" => value.parse::<std::net::IpAddr>().is_ok(),
        "arn" => crate::aws::arn::Arn::parse(value).is_ok(),
        _ => value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
    };
    if ok {
        Ok(())
    } else {
        let form = match kind {
            "boolean" => "true or false",
            "numeric" => "a number",
            "date" => "an ISO 8601 time (2026-11-30T12:00:00Z) or seconds since 1970",
            "ip" => "an IPv4 or IPv6 address",
            "arn" => "an ARN",
            _ => "a 12-digit account ID",
        };
        Err(format!("{key} is a {kind} key: `{value}` is not {form}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_action_scoped() {
        let mut ctx = Context::default();
        ctx.set("aws:CalledVia", &["athena.amazonaws.com"])
            .absent("aws:SourceVpce");
        let via = vec!["athena.amazonaws.com".to_string()];
        assert_eq!(
            ctx.lookup("AWS:calledvia", "s3:GetObject"),
            KeyState::Present(&via)
        );
        assert_eq!(ctx.lookup("aws:sourcevpce", "s3:GetObject"), KeyState::Absent);
        assert_eq!(
            ctx.lookup("aws:PrincipalOrgID", "s3:GetObject"),
            KeyState::Unknown
        );
        assert_eq!(ctx.lookup("s3:prefix", "s3:GetBucketLocation"), KeyState::Absent);
        assert_eq!(ctx.lookup("s3:prefix", "s3:ListBucket"), KeyState::Unknown);
    }

    /// sts:AssumeRole carries only documented `aws:` and `sts:` keys; keys are
    /// case-insensitive, but a space or an extra letter makes another key.
    #[test]
    fn assume_role_never_carries_undocumented_aws_and_sts_keys() {
        let ctx = Context::default();
        let state = |k: &str| ctx.lookup(k, "sts:AssumeRole");
        for never in [
            "sts:ExternalIds",
            "sts:ExternalId ",
            "sts:externalid ",
            " sts:ExternalId",
            "aws:ExternalId",
            "sts:RoleSesionName",
            "aws:RequestTag/",
        ] {
            assert_eq!(state(never), KeyState::Absent, "{never:?}");
        }
        for maybe in [
            "sts:ExternalId",
            "sts:externalid",
            "STS:EXTERNALID",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "aws:PrincipalOrgID",
            "aws:RequestTag/Dept",
            "saml:aud",
            "token.actions.githubusercontent.com:sub",
            "cognito-identity.amazonaws.com:aud",
        ] {
            assert_eq!(state(maybe), KeyState::Unknown, "{maybe:?}");
        }
        // Other actions: unchanged (unknown).
        assert_eq!(ctx.lookup("sts:ExternalIds", "s3:GetObject"), KeyState::Unknown);
    }

    #[test]
    fn never_set_keys_name_the_key_they_misspell() {
        assert_eq!(meant_key("sts:ExternalIds"), Some("sts:ExternalId"));
        assert_eq!(meant_key("sts:ExternalID "), Some("sts:ExternalId"));
        assert_eq!(meant_key("aws:ExternalId"), Some("sts:ExternalId"));
        assert_eq!(meant_key("sts:RoleSesionName"), Some("sts:RoleSessionName"));
        assert_eq!(meant_key("sts:Anything"), None);
    }
}
