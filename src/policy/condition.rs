//! Condition operators, policy variables, and the three-valued logic that lets the
//! doctor say "allowed only if …" when a key cannot be known.

use super::context::{Context, KeyState};
use super::model::{Condition, OpKind, SetOp};
use super::wildcard;
use std::net::IpAddr;

/// Yes, no, or "it depends on these conditions".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    Maybe(Vec<String>),
}

impl Tri {
    pub(crate) fn from_bool(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    /// Disjunction: Yes wins, then Maybe (collecting what it depends on).
    pub(crate) fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::Maybe(mut a), Tri::Maybe(b)) => {
                a.extend(b);
                Tri::Maybe(a)
            }
            (Tri::Maybe(a), Tri::No) | (Tri::No, Tri::Maybe(a)) => Tri::Maybe(a),
            (Tri::No, Tri::No) => Tri::No,
        }
    }

    /// Conjunction: No wins, then Maybe (collecting what it depends on).
    pub(crate) fn and(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::No => Tri::No,
            Tri::Yes => other(),
            Tri::Maybe(mut a) => match other() {
                Tri::No => Tri::No,
                Tri::Yes => Tri::Maybe(a),
                Tri::Maybe(b) => {
                    a.extend(b);
                    Tri::Maybe(a)
                }
            },
        }
    }
}

/// Text in which `*` and `?` are literal: what `${*}` and `${?}` stand for.
pub(crate) const LITERAL_STAR: char = '\u{E000}';
pub(crate) const LITERAL_QUESTION: char = '\u{E001}';

/// The outcome of substituting policy variables into a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Substituted {
    Text(String),
    /// A variable's key the doctor cannot know.
    Unknown(String),
    /// A variable whose key is absent from the request, with no default: the
    /// element containing it matches nothing.
    Absent(String),
}

/// Replace `${key}`, `${key, 'default'}`, `${*}`, `${?}` and `${$}`. Only documents
/// of Version 2012-10-17 have variables; callers pass `enabled = false` otherwise.
pub(crate) fn substitute(text: &str, ctx: &Context, action: &str, enabled: bool) -> Substituted {
    if !enabled || !text.contains("${") {
        return Substituted::Text(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        rest = &rest[start + len + 1..];
        match inner {
            "*" => out.push(LITERAL_STAR),
            "?" => out.push(LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner.trim(), None),
                };
                match (ctx.lookup(key, action), default) {
                    (KeyState::Present(values), _) if values.len() == 1 => out.push_str(&values[0]),
                    // A multi-valued key cannot stand in one place.
                    (KeyState::Present(_), _) | (KeyState::Unknown, None) => {
                        return Substituted::Unknown(key.to_string());
                    }
                    (KeyState::Unknown, Some(_)) => return Substituted::Unknown(key.to_string()),
                    (KeyState::Absent, Some(d)) => out.push_str(d),
                    (KeyState::Absent, None) => return Substituted::Absent(key.to_string()),
                }
            }
        }
    }
    out.push_str(rest);
    Substituted::Text(out)
}

/// The condition `described`, with why its key is unknown when the doctor can
/// say how to make it known: the VPC keys are known once the endpoint the
/// traffic to the action's service uses is given or read live
/// (`permissions::through_endpoint`).
fn unknown_key(key: &str, action: &str, described: String) -> String {
    if key.eq_ignore_ascii_case("aws:SourceVpce") || key.eq_ignore_ascii_case("aws:SourceVpc") {
        let service = action.split(':').next().unwrap_or("s3");
        format!("{described} ({})", vpc_unknown(service))
    } else {
        described
    }
}

/// Why a condition on `aws:SourceVpce`/`aws:SourceVpc` of a request to
/// `service` (`s3`) is unknown.
pub(crate) fn vpc_unknown(service: &str) -> String {
    format!(
        "the request's VPC endpoint is not known: pass --endpoint-policy {service}=… from describe-vpc-endpoints, \
         or live --vpc-endpoint ID"
    )
}

/// Evaluate one condition (one operator, one key, its values) for a request.
pub(crate) fn evaluate(cond: &Condition, ctx: &Context, action: &str, variables: bool) -> Tri {
    let op = &cond.operator;
    let describe = || format!("{} {} {}", op.raw, cond.key, cond.values.join(" | "));
    let state = ctx.lookup(&cond.key, action);
    if op.kind == OpKind::Null {
        // Null: "true" asks for the key to be absent, "false" for it to be present.
        let want_absent = cond.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return match state {
            KeyState::Unknown => Tri::Maybe(vec![unknown_key(&cond.key, action, describe())]),
            KeyState::Absent => Tri::from_bool(want_absent),
            KeyState::Present(_) => Tri::from_bool(!want_absent),
        };
    }
    // Policy values with variables substituted; an unknown variable makes it unknowable.
    let mut values = Vec::new();
    for v in &cond.values {
        match substitute(v, ctx, action, variables) {
            Substituted::Text(t) => values.push(t),
            Substituted::Unknown(_) => return Tri::Maybe(vec![describe()]),
            Substituted::Absent(_) => {}
        }
    }
    let context_values = match state {
        KeyState::Unknown => return Tri::Maybe(vec![unknown_key(&cond.key, action, describe())]),
        KeyState::Absent => {
            // AWS: IfExists and ForAllValues are true for a missing key; negated
            // operators are true for it; everything else is false.
            let yes = op.if_exists
                || op.set == SetOp::ForAllValues
                || (op.set == SetOp::None && op.kind.is_negated());
            return Tri::from_bool(yes);
        }
        KeyState::Present(v) => v,
    };
    let positive = |c: &str| values.iter().any(|p| matches(op.kind, c, p));
    // For one context value: the operator's verdict (negated operators invert).
    let holds = |c: &str| {
        if op.kind.is_negated() {
            !positive(c)
        } else {
            positive(c)
        }
    };
    let result = match op.set {
        SetOp::ForAnyValue => context_values.iter().any(|c| holds(c)),
        SetOp::ForAllValues => context_values.iter().all(|c| holds(c)),
        // Without a set operator a multi-valued key behaves as "any value matches",
        // and a negated operator as "no value matches".
        SetOp::None if op.kind.is_negated() => !context_values.iter().any(|c| positive(c)),
        SetOp::None => context_values.iter().any(|c| positive(c)),
    };
    Tri::from_bool(result)
}

/// The positive form of an operator: does the context value match this policy value?
fn matches(kind: OpKind, context: &str, policy: &str) -> bool {
    use OpKind::*;
    match kind {
        StringEquals | StringNotEquals | BinaryEquals => context == literal(policy),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            context.to_lowercase() == literal(policy).to_lowercase()
        }
        StringLike | StringNotLike => wildcard::matches(policy, context, false),
        NumericEquals | NumericNotEquals => numeric(context, policy, |a, b| a == b),
        NumericLessThan => numeric(context, policy, |a, b| a < b),
        NumericLessThanEquals => numeric(context, policy, |a, b| a <= b),
        NumericGreaterThan => numeric(context, policy, |a, b| a > b),
        NumericGreaterThanEquals => numeric(context, policy, |a, b| a >= b),
        DateEquals | DateNotEquals => date(context, policy, |a, b| a == b),
        DateLessThan => date(context, policy, |a, b| a < b),
        DateLessThanEquals => date(context, policy, |a, b| a <= b),
        DateGreaterThan => date(context, policy, |a, b| a > b),
        DateGreaterThanEquals => date(context, policy, |a, b| a >= b),
        Bool => context.eq_ignore_ascii_case(policy),
        IpAddress | NotIpAddress => ip_in(context, policy),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_like(context, policy),
        Null => unreachable!("Null is decided before values are compared"),
    }
}

/// `${*}`/`${?}` stand for literal characters; in an exact comparison they are just those.
fn literal(policy: &str) -> String {
    policy.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")
}

fn numeric(context: &str, policy: &str, cmp: impl Fn(f64, f64) -> bool) -> bool {
    match (context.trim().parse::<f64>(), policy.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => cmp(a, b),
        _ => false,
    }
}

/// Dates as IAM takes them: ISO 8601 (`2026-01-01T00:00:00Z`, `2026-01-01`) or epoch seconds.
pub(crate) fn parse_date(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return jiff::Timestamp::from_second(s.parse().ok()?).ok();
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    let date: jiff::civil::Date = s.parse().ok()?;
    jiff::tz::Offset::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

fn date(context: &str, policy: &str, cmp: impl Fn(jiff::Timestamp, jiff::Timestamp) -> bool) -> bool {
    match (parse_date(context), parse_date(policy)) {
        (Some(a), Some(b)) => cmp(a, b),
        _ => false,
    }
}

/// Is `context` (an address) inside `policy` (an address or CIDR block)?
fn ip_in(context: &str, policy: &str) -> bool {
    let Ok(ip) = context.trim().parse::<IpAddr>() else {
        return false;
    };
    let (net, bits) = match policy.trim().split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (policy.trim(), None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32);
            bits <= 32
                && prefix_eq(
                    u128::from(u32::from(a)) << 96,
                    u128::from(u32::from(n)) << 96,
                    bits,
                )
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128);
            bits <= 128 && prefix_eq(u128::from(a), u128::from(n), bits)
        }
        _ => false,
    }
}

fn prefix_eq(a: u128, b: u128, bits: u32) -> bool {
    let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
    a & mask == b & mask
}

/// ARN operators compare the six colon-separated parts, each with wildcards.
fn arn_like(context: &str, policy: &str) -> bool {
    let c: Vec<&str> = context.splitn(6, ':').collect();
    let p: Vec<&str> = policy.splitn(6, ':').collect();
    if c.len() != 6 || p.len() != 6 {
        // A policy value of "*" alone matches any ARN.
        return policy == "*" && c.len() == 6;
    }
    c.iter().zip(&p).all(|(c, p)| wildcard::matches(p, c, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_addresses() {
        assert_eq!(parse_date("2026-01-01"), parse_date("2026-01-01T00:00:00Z"));
        assert_eq!(parse_date("0"), Some(jiff::Timestamp::UNIX_EPOCH));
        assert!(parse_date("yesterday").is_none());
        assert!(ip_in("203.0.113.7", "203.0.113.0/24"));
        assert!(!ip_in("203.0.114.7", "203.0.113.0/24"));
        assert!(ip_in("10.1.2.3", "0.0.0.0/0"));
        assert!(ip_in("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in("2001:db8::1", "203.0.113.0/24"));
        assert!(ip_in("198.51.100.1", "198.51.100.1"));
        assert!(!ip_in("nonsense", "0.0.0.0/0"));
    }

    #[test]
    fn variables() {
        let mut ctx = Context::default();
        ctx.set("aws:username", &["alice"])
            .absent("aws:PrincipalTag/team");
        let s = |t: &str| substitute(t, &ctx, "s3:GetObject", true);
        assert_eq!(
            s("home/${aws:username}/*"),
            Substituted::Text("home/alice/*".into())
        );
        assert_eq!(
            s("${aws:PrincipalTag/team, 'none'}"),
            Substituted::Text("none".into())
        );
        assert_eq!(
            s("${aws:PrincipalTag/team}"),
            Substituted::Absent("aws:PrincipalTag/team".into())
        );
        assert_eq!(s("${aws:userid}"), Substituted::Unknown("aws:userid".into()));
        assert_eq!(s("a${*}b${$}"), Substituted::Text(format!("a{LITERAL_STAR}b$")));
        assert_eq!(
            substitute("home/${aws:username}", &ctx, "s3:GetObject", false),
            Substituted::Text("home/${aws:username}".into())
        );
    }
}
