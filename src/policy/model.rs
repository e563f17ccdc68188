//! The IAM policy language as data: statements, their elements and conditions, each
//! with the position it was written at. Parsing rejects what IAM rejects.

use super::json::{Node, Value, pointer_token};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// Attached to the principal (inline or managed).
    Identity,
    /// The principal's permissions boundary.
    Boundary,
    /// On a resource: a bucket policy.
    Resource,
    /// A role's trust policy.
    Trust,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V2012,
    V2008,
    /// No `Version`: IAM treats it as 2008-10-17 (no policy variables).
    Absent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction`, `Resource`/`NotResource`: patterns, and whether negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Patterns {
    pub not: bool,
    pub items: Vec<String>,
}

/// `Principal`/`NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Principals {
    pub not: bool,
    /// `"Principal": "*"`.
    pub everyone: bool,
    /// (`AWS` | `Service` | `Federated` | `CanonicalUser`, value).
    pub entries: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, OpKind)] = &[
    ("StringEquals", OpKind::StringEquals),
    ("StringNotEquals", OpKind::StringNotEquals),
    ("StringEqualsIgnoreCase", OpKind::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", OpKind::StringNotEqualsIgnoreCase),
    ("StringLike", OpKind::StringLike),
    ("StringNotLike", OpKind::StringNotLike),
    ("NumericEquals", OpKind::NumericEquals),
    ("NumericNotEquals", OpKind::NumericNotEquals),
    ("NumericLessThan", OpKind::NumericLessThan),
    ("NumericLessThanEquals", OpKind::NumericLessThanEquals),
    ("NumericGreaterThan", OpKind::NumericGreaterThan),
    ("NumericGreaterThanEquals", OpKind::NumericGreaterThanEquals),
    ("DateEquals", OpKind::DateEquals),
    ("DateNotEquals", OpKind::DateNotEquals),
    ("DateLessThan", OpKind::DateLessThan),
    ("DateLessThanEquals", OpKind::DateLessThanEquals),
    ("DateGreaterThan", OpKind::DateGreaterThan),
    ("DateGreaterThanEquals", OpKind::DateGreaterThanEquals),
    ("Bool", OpKind::Bool),
    ("BinaryEquals", OpKind::BinaryEquals),
    ("IpAddress", OpKind::IpAddress),
    ("NotIpAddress", OpKind::NotIpAddress),
    ("ArnEquals", OpKind::ArnEquals),
    ("ArnLike", OpKind::ArnLike),
    ("ArnNotEquals", OpKind::ArnNotEquals),
    ("ArnNotLike", OpKind::ArnNotLike),
    ("Null", OpKind::Null),
];

impl OpKind {
    /// Negated operators are true when no policy value matches, and for an absent key.
    pub(crate) fn is_negated(self) -> bool {
        matches!(
            self,
            OpKind::StringNotEquals
                | OpKind::StringNotEqualsIgnoreCase
                | OpKind::StringNotLike
                | OpKind::NumericNotEquals
                | OpKind::DateNotEquals
                | OpKind::NotIpAddress
                | OpKind::ArnNotEquals
                | OpKind::ArnNotLike
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetOp {
    None,
    ForAnyValue,
    ForAllValues,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    /// As written (`ForAnyValue:StringLikeIfExists`).
    pub raw: String,
    pub kind: OpKind,
    pub if_exists: bool,
    pub set: SetOp,
}

impl Operator {
    pub(crate) fn parse(raw: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = strip_prefix_ci(raw, "ForAnyValue:") {
            (SetOp::ForAnyValue, r)
        } else if let Some(r) = strip_prefix_ci(raw, "ForAllValues:") {
            (SetOp::ForAllValues, r)
        } else {
            (SetOp::None, raw)
        };
        let (name, if_exists) = match rest.len().checked_sub(8).filter(|&i| rest.is_char_boundary(i)) {
            Some(i) if rest[i..].eq_ignore_ascii_case("IfExists") => (&rest[..i], true),
            _ => (rest, false),
        };
        let kind = OPERATORS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| *k)?;
        // `NullIfExists` is meaningless and IAM rejects it.
        if kind == OpKind::Null && if_exists {
            return None;
        }
        Some(Operator {
            raw: raw.to_string(),
            kind,
            if_exists,
            set,
        })
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    pub operator: Operator,
    /// The condition key as written (keys compare case-insensitively).
    pub key: String,
    pub values: Vec<String>,
    pub offset: usize,
    pub pointer: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement {
    /// 0-based position in the `Statement` list.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub action: Patterns,
    pub resource: Option<Patterns>,
    pub conditions: Vec<Condition>,
    pub offset: usize,
    pub pointer: String,
}

/// A parsed document: the statements, and the version that decides whether
/// policy variables are substituted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Document {
    pub version: Version,
    pub statements: Vec<Statement>,
}

/// Why IAM would refuse a document, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub offset: usize,
    pub pointer: String,
    pub message: String,
}

fn invalid(node: &Node, pointer: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        offset: node.offset,
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

/// Parse and validate a policy document of the given kind.
pub(crate) fn parse_document(root: &Node, kind: PolicyKind) -> Result<Document, Invalid> {
    let Value::Object(members) = &root.value else {
        return Err(invalid(
            root,
            "",
            format!("a policy is a JSON object, not {}", root.kind()),
        ));
    };
    for m in members {
        if !["Version", "Id", "Statement"].contains(&m.key.as_str()) {
            return Err(invalid(
                &m.value,
                &format!("/{}", pointer_token(&m.key)),
                format!("unknown top-level element `{}` (Version, Id, Statement)", m.key),
            ));
        }
    }
    let version = match root.get("Version") {
        None => Version::Absent,
        Some(v) => match v.as_str() {
            Some("2012-10-17") => Version::V2012,
            Some("2008-10-17") => Version::V2008,
            _ => {
                return Err(invalid(
                    v,
                    "/Version",
                    "`Version` must be \"2012-10-17\" or \"2008-10-17\"",
                ));
            }
        },
    };
    let statement_node = root
        .get("Statement")
        .ok_or_else(|| invalid(root, "", "the policy has no `Statement`"))?;
    let items: Vec<(&Node, String)> = match &statement_node.value {
        Value::Object(_) => vec![(statement_node, "/Statement".to_string())],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (n, format!("/Statement/{i}")))
            .collect(),
        _ => {
            return Err(invalid(
                statement_node,
                "/Statement",
                "`Statement` must be an object or a list of objects",
            ));
        }
    };
    let statements = items
        .into_iter()
        .enumerate()
        .map(|(index, (node, pointer))| parse_statement(node, index, pointer, kind))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Document { version, statements })
}

const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn parse_statement(
    node: &Node,
    index: usize,
    pointer: String,
    kind: PolicyKind,
) -> Result<Statement, Invalid> {
    let Value::Object(members) = &node.value else {
        return Err(invalid(
            node,
            &pointer,
            format!("a statement is an object, not {}", node.kind()),
        ));
    };
    let at = |key: &str| format!("{pointer}/{key}");
    for m in members {
        if !STATEMENT_KEYS.contains(&m.key.as_str()) {
            return Err(invalid(
                &m.value,
                &at(&pointer_token(&m.key)),
                format!("unknown element `{}`", m.key),
            ));
        }
    }
    let sid = match node.get("Sid") {
        None => None,
        Some(n) => Some(
            n.as_str()
                .ok_or_else(|| invalid(n, &at("Sid"), "`Sid` must be a string"))?
                .to_string(),
        ),
    };
    let effect_node = node
        .get("Effect")
        .ok_or_else(|| invalid(node, &pointer, "the statement has no `Effect`"))?;
    let effect = match effect_node.as_str() {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => {
            return Err(invalid(
                effect_node,
                &at("Effect"),
                "`Effect` must be \"Allow\" or \"Deny\"",
            ));
        }
    };
    let action = pair(node, "Action", "NotAction", &pointer)?.ok_or_else(|| {
        invalid(
            node,
            &pointer,
            "the statement has neither `Action` nor `NotAction`",
        )
    })?;
    for (i, a) in action.items.iter().enumerate() {
        if a != "*" && !a.contains(':') {
            let key = if action.not { "NotAction" } else { "Action" };
            let n = node.get(key).expect("present");
            return Err(invalid(
                n,
                &format!("{}/{i}", at(key)),
                format!("action `{a}` is not `service:action`"),
            ));
        }
    }
    let resource = pair(node, "Resource", "NotResource", &pointer)?;
    let principal = principals(node, &pointer)?;
    match kind {
        PolicyKind::Identity | PolicyKind::Boundary => {
            if resource.is_none() {
                return Err(invalid(
                    node,
                    &pointer,
                    "the statement has neither `Resource` nor `NotResource`",
                ));
            }
            if principal.is_some() {
                let (key, at_node) = ["Principal", "NotPrincipal"]
                    .into_iter()
                    .find_map(|k| node.get(k).map(|n| (k, n)))
                    .unwrap_or(("Principal", node));
                return Err(invalid(
                    at_node,
                    &at(key),
                    "an identity policy (or SCP) may not name a `Principal`",
                ));
            }
        }
        PolicyKind::Resource => {
            if resource.is_none() {
                return Err(invalid(
                    node,
                    &pointer,
                    "the statement has neither `Resource` nor `NotResource`",
                ));
            }
            if principal.is_none() {
                return Err(invalid(
                    node,
                    &pointer,
                    "a resource-based policy statement (bucket, key, VPC endpoint, RCP) needs a `Principal`",
                ));
            }
        }
        PolicyKind::Trust => {
            if principal.is_none() {
                return Err(invalid(
                    node,
                    &pointer,
                    "a trust policy statement needs a `Principal`",
                ));
            }
            if resource.is_some() {
                return Err(invalid(
                    node,
                    &pointer,
                    "a trust policy may not name a `Resource`",
                ));
            }
        }
    }
    let conditions = match node.get("Condition") {
        None => Vec::new(),
        Some(n) => conditions(n, &at("Condition"))?,
    };
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
        offset: node.offset,
        pointer,
    })
}

/// A string or a list of strings.
fn strings(node: &Node, pointer: &str) -> Result<Vec<String>, Invalid> {
    match &node.value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| {
                n.as_str().map(str::to_string).ok_or_else(|| {
                    invalid(
                        n,
                        &format!("{pointer}/{i}"),
                        format!("expected a string, not {}", n.kind()),
                    )
                })
            })
            .collect(),
        _ => Err(invalid(
            node,
            pointer,
            format!("expected a string or a list of strings, not {}", node.kind()),
        )),
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: at most one of the two.
fn pair(node: &Node, yes: &str, no: &str, pointer: &str) -> Result<Option<Patterns>, Invalid> {
    match (node.get(yes), node.get(no)) {
        (Some(_), Some(n)) => Err(invalid(
            n,
            &format!("{pointer}/{no}"),
            format!("a statement may not have both `{yes}` and `{no}`"),
        )),
        (Some(n), None) => Ok(Some(Patterns {
            not: false,
            items: strings(n, &format!("{pointer}/{yes}"))?,
        })),
        (None, Some(n)) => Ok(Some(Patterns {
            not: true,
            items: strings(n, &format!("{pointer}/{no}"))?,
        })),
        (None, None) => Ok(None),
    }
}

fn principals(node: &Node, pointer: &str) -> Result<Option<Principals>, Invalid> {
    let (n, not, key) = match (node.get("Principal"), node.get("NotPrincipal")) {
        (Some(_), Some(n)) => {
            return Err(invalid(
                n,
                &format!("{pointer}/NotPrincipal"),
                "a statement may not have both `Principal` and `NotPrincipal`",
            ));
        }
        (Some(n), None) => (n, false, "Principal"),
        (None, Some(n)) => (n, true, "NotPrincipal"),
        (None, None) => return Ok(None),
    };
    let here = format!("{pointer}/{key}");
    match &n.value {
        Value::String(s) if s == "*" => Ok(Some(Principals {
            not,
            everyone: true,
            entries: Vec::new(),
        })),
        Value::Object(members) => {
            let mut entries = Vec::new();
            for m in members {
                if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&m.key.as_str()) {
                    return Err(invalid(
                        &m.value,
                        &format!("{here}/{}", pointer_token(&m.key)),
                        format!("unknown principal type `{}`", m.key),
                    ));
                }
                for v in strings(&m.value, &format!("{here}/{}", m.key))? {
                    entries.push((m.key.clone(), v));
                }
            }
            Ok(Some(Principals {
                not,
                everyone: false,
                entries,
            }))
        }
        _ => Err(invalid(
            n,
            &here,
            "`Principal` must be \"*\" or an object such as {\"AWS\": …}",
        )),
    }
}

fn conditions(node: &Node, pointer: &str) -> Result<Vec<Condition>, Invalid> {
    let Value::Object(blocks) = &node.value else {
        return Err(invalid(node, pointer, "`Condition` must be an object"));
    };
    let mut out = Vec::new();
    for block in blocks {
        let here = format!("{pointer}/{}", pointer_token(&block.key));
        let operator = Operator::parse(&block.key).ok_or_else(|| {
            invalid(
                &block.value,
                &here,
                format!("unknown condition operator `{}`", block.key),
            )
        })?;
        let Value::Object(keys) = &block.value.value else {
            return Err(invalid(
                &block.value,
                &here,
                "a condition operator maps keys to values",
            ));
        };
        for k in keys {
            let key_pointer = format!("{here}/{}", pointer_token(&k.key));
            let scalar = |n: &Node, p: &str| match &n.value {
                Value::String(s) => Ok(s.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(x) => Ok(x.clone()),
                _ => Err(invalid(
                    n,
                    p,
                    format!(
                        "a condition value is a string, number or boolean, not {}",
                        n.kind()
                    ),
                )),
            };
            let values = match &k.value.value {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| scalar(n, &format!("{key_pointer}/{i}")))
                    .collect::<Result<Vec<_>, _>>()?,
                _ => vec![scalar(&k.value, &key_pointer)?],
            };
            out.push(Condition {
                operator: operator.clone(),
                key: k.key.clone(),
                values,
                offset: k.key_offset,
                pointer: key_pointer,
            });
        }
    }
    Ok(out)
}

impl Statement {
    /// How findings name it: `statement 3 (Sid OnlyFromVpce)`, 1-based like people count.
    pub(crate) fn describe(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement {} (Sid {sid})", self.index + 1),
            _ => format!("statement {}", self.index + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::json;

    fn parse(text: &str, kind: PolicyKind) -> Result<Document, Invalid> {
        parse_document(&json::parse(text).unwrap(), kind)
    }

    #[test]
    fn every_legal_form_parses() {
        let doc = parse(
            r#"{"Version": "2012-10-17", "Id": "x", "Statement": {"Sid": "One", "Effect": "Allow",
                "NotAction": ["iam:*", "s3:DeleteBucket"], "NotResource": "arn:aws:s3:::x",
                "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:CalledVia": ["athena.amazonaws.com"]},
                              "Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(doc.version, Version::V2012);
        assert!(s.action.not && s.resource.as_ref().unwrap().not);
        assert_eq!(s.conditions.len(), 3);
        assert_eq!(s.conditions[0].operator.set, SetOp::ForAnyValue);
        assert!(s.conditions[0].operator.if_exists);
        assert_eq!(s.conditions[0].operator.kind, OpKind::StringLike);
        assert_eq!(s.conditions[1].values, vec!["true"]);
        assert_eq!(s.conditions[2].values, vec!["10"]);
        assert_eq!(s.pointer, "/Statement");
        let trust = parse(
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["999988887777", "arn:aws:iam::1:root"], "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        )
        .unwrap();
        assert_eq!(trust.version, Version::Absent);
        assert_eq!(trust.statements[0].principal.as_ref().unwrap().entries.len(), 3);
        let star = parse(r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}"#, PolicyKind::Resource).unwrap();
        assert!(star.statements[0].principal.as_ref().unwrap().everyone);
    }

    #[test]
    fn rejects_what_iam_rejects_with_a_pointer() {
        let cases = [
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}]}"#,
                "/Statement/0/NotAction",
                "both",
            ),
            (
                r#"{"Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}"#,
                "/Statement/0/Effect",
                "Allow",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Resource": "*"}]}"#,
                "/Statement/0",
                "neither `Action`",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}"#,
                "/Statement/0",
                "neither `Resource`",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}"#,
                "/Statement/0/Action/0",
                "service:action",
            ),
            (
                r#"{"Version": "2013-01-01", "Statement": []}"#,
                "/Version",
                "2012-10-17",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}"#,
                "/Statement/0/Condition/StringEqualz",
                "unknown condition operator",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}"#,
                "/Statement/0/Principal",
                "may not name a `Principal`",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Actions": "x"}]}"#,
                "/Statement/0/Actions",
                "unknown element",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NullIfExists": {"a": "true"}}}]}"#,
                "/Statement/0/Condition/NullIfExists",
                "unknown condition operator",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:*", 5], "Resource": "*"}]}"#,
                "/Statement/0/Action/1",
                "expected a string",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"a": {"b": 1}}}}]}"#,
                "/Statement/0/Condition/StringEquals/a",
                "not an object",
            ),
            (r#"{"Statements": []}"#, "/Statements", "unknown top-level"),
            (r#"[1]"#, "", "JSON object"),
        ];
        for (text, pointer, needle) in cases {
            let err = parse(text, PolicyKind::Identity).unwrap_err();
            assert_eq!(err.pointer, pointer, "{text}");
            assert!(err.message.contains(needle), "{text}: {}", err.message);
        }
        let err = parse(r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "1"}, "Action": "sts:AssumeRole", "Resource": "*"}]}"#, PolicyKind::Trust).unwrap_err();
        assert!(err.message.contains("may not name a `Resource`"));
        let err = parse(
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"Aws": "1"}, "Action": "sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/Statement/0/Principal/Aws");
    }

    #[test]
    fn operators_parse_case_insensitively() {
        let op = Operator::parse("forallvalues:stringnotequalsifexists").unwrap();
        assert_eq!(
            (op.kind, op.if_exists, op.set),
            (OpKind::StringNotEquals, true, SetOp::ForAllValues)
        );
        assert!(Operator::parse("StringEqualsIfExistsX").is_none());
        assert!(Operator::parse("IfExists").is_none());
        assert!(Operator::parse("é").is_none());
    }
}
