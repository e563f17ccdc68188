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

/// Service keys that exist only for some actions. AWS's service authorization
/// reference lists `s3:prefix`, `s3:delimiter` and `s3:max-keys` for the listing
/// actions only: `s3:GetBucketLocation` never carries them, so a grant conditioned
/// on them grants nothing (S3007).
pub(crate) fn never_carried(lower_key: &str, action: &str) -> bool {
    const LISTING_KEYS: &[&str] = &["s3:prefix", "s3:delimiter", "s3:max-keys"];
    const LISTING_ACTIONS: &[&str] = &["s3:listbucket", "s3:listbucketversions"];
    LISTING_KEYS.contains(&lower_key) && !LISTING_ACTIONS.contains(&action.to_ascii_lowercase().as_str())
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
}
