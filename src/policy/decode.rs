//! Getting a policy document out of what people hand us: raw JSON, the
//! percent-encoded form IAM's API returns (RFC 3986: `+` is a plus, not a space),
//! or the JSON the AWS CLI prints around a document.

use super::json::{self, Node, Value};

/// Where, in a file, the policy document was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// The file is the document.
    Bare,
    /// The file was percent-encoded; positions refer to the decoded text.
    PercentEncoded,
    /// The document sits at this JSON pointer of the CLI's output, as an object.
    Member(&'static str),
    /// The document sits at this pointer as a JSON string (or encoded string);
    /// positions refer to that string's decoded text.
    Embedded(&'static str),
}

/// Which CLI output it was, which tells how the document is applied back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Origin {
    /// A file holding just the document.
    Document,
    /// `aws iam get-role-policy` / `get-user-policy` / `get-group-policy` (an inline policy).
    InlinePolicy,
    /// `aws iam get-policy-version` (a managed policy).
    ManagedPolicy,
    /// `aws s3api get-bucket-policy`.
    BucketPolicy,
    /// `aws kms get-key-policy` (a KMS key's policy).
    KeyPolicy,
    /// `aws iam get-role` (its trust policy).
    Role,
    /// `aws organizations describe-policy` (an SCP or RCP).
    OrganizationPolicy,
    /// `aws ec2 describe-vpc-endpoints` (one endpoint's policy).
    VpcEndpoint,
}

/// The text the document's positions refer to, and how it was found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Extracted {
    /// Text whose byte offsets the returned node's offsets index into.
    pub text: String,
    pub node: Node,
    pub envelope: Envelope,
    pub origin: Origin,
    /// Names the CLI output carried (role name, policy name, policy ARN).
    pub names: Vec<(&'static str, String)>,
    /// For a document inside an encoded string: where that string starts in the
    /// file, which is what a finding can point a person (or a CI annotation) at.
    pub file_offset: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// Byte offset in `text` (which is the file, or the decoded text named in `in_decoded`).
    pub offset: usize,
    pub text: String,
    pub message: String,
    /// The file is refused outright (a name no AWS output can hold), not a
    /// document to report as invalid.
    pub refused: bool,
}

/// RFC 3986 percent-decoding; `None` when an escape is malformed or the bytes are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parse text that is JSON or percent-encoded JSON.
fn parse_maybe_encoded(text: &str) -> Result<(String, Node, bool), DecodeError> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') && !trimmed.starts_with('[') && trimmed.contains('%') {
        let decoded = percent_decode(text.trim()).ok_or_else(|| DecodeError {
            offset: 0,
            text: text.to_string(),
            message: "the document is neither JSON nor valid percent-encoded JSON".into(),
            refused: false,
        })?;
        let node = json::parse(&decoded).map_err(|e| DecodeError {
            offset: e.offset,
            message: format!("invalid JSON after percent-decoding: {}", e.message),
            text: decoded.clone(),
            refused: false,
        })?;
        return Ok((decoded, node, true));
    }
    let node = json::parse(text).map_err(|e| DecodeError {
        offset: e.offset,
        text: text.to_string(),
        message: format!("invalid JSON: {}", e.message),
        refused: false,
    })?;
    Ok((text.to_string(), node, false))
}

/// A name the CLI output carries (`None` when it is not a string). AWS names never
/// hold a control character, NUL least of all (no shell word can carry one): a file
/// whose name does is forged or damaged, and refused, naming where.
fn name(
    what: &'static str,
    pointer: &str,
    node: &Node,
    text: &str,
) -> Result<Option<(&'static str, String)>, DecodeError> {
    let Some(v) = node.as_str() else { return Ok(None) };
    match v.chars().find(|c| c.is_control()) {
        None => Ok(Some((what, v.to_string()))),
        Some(c) => Err(DecodeError {
            offset: node.offset,
            text: text.to_string(),
            message: format!(
                "`{pointer}` holds the control character U+{:04X}; AWS names never do",
                u32::from(c)
            ),
            refused: true,
        }),
    }
}

/// Find the policy document in a file's text.
pub(crate) fn extract(text: &str) -> Result<Extracted, DecodeError> {
    let (text, node, encoded) = parse_maybe_encoded(text)?;
    // CLI outputs: the member holding the document, and the names worth keeping.
    /// (pointer of the document, top-level member, origin, names to keep: (what, key)).
    type Wrapper = (
        &'static str,
        &'static str,
        Origin,
        &'static [(&'static str, &'static str)],
    );
    const WRAPPERS: &[Wrapper] = &[
        (
            "/PolicyDocument",
            "PolicyDocument",
            Origin::InlinePolicy,
            &[
                ("role", "RoleName"),
                ("user", "UserName"),
                ("group", "GroupName"),
                ("policy", "PolicyName"),
            ],
        ),
        (
            "/PolicyVersion/Document",
            "PolicyVersion",
            Origin::ManagedPolicy,
            &[],
        ),
        ("/Policy/Content", "Policy", Origin::OrganizationPolicy, &[]),
        ("/Policy", "Policy", Origin::BucketPolicy, &[]),
        (
            "/VpcEndpoints/0/PolicyDocument",
            "VpcEndpoints",
            Origin::VpcEndpoint,
            &[],
        ),
        (
            "/PolicyDocument",
            "PolicyDocument",
            Origin::VpcEndpoint,
            &[
                ("endpoint", "VpcEndpointId"),
                ("vpc", "VpcId"),
                ("service", "ServiceName"),
            ],
        ),
        ("/Role/AssumeRolePolicyDocument", "Role", Origin::Role, &[]),
    ];
    for (pointer, member, origin, names) in WRAPPERS {
        let Some(outer) = node.get(member) else { continue };
        let inner = match (*member, *origin) {
            ("PolicyVersion", _) => outer.get("Document"),
            ("Role", _) => outer.get("AssumeRolePolicyDocument"),
            // `describe-policy`: `{"Policy": {"PolicySummary": …, "Content": "…"}}`;
            // without `Content`, `Policy` is a bucket policy's (the next wrapper).
            ("Policy", Origin::OrganizationPolicy) => outer.get("Content"),
            ("VpcEndpoints", _) => match &outer.value {
                Value::Array(list) if list.len() == 1 => list[0].get("PolicyDocument"),
                _ => {
                    return Err(DecodeError {
                        offset: outer.offset,
                        text: text.clone(),
                        message: "`/VpcEndpoints` must hold exactly one endpoint: give one endpoint's \
                                  (`aws ec2 describe-vpc-endpoints --vpc-endpoint-ids ID`)"
                            .into(),
                        refused: false,
                    });
                }
            },
            // One endpoint of that output (`VpcEndpoints[0]`), not an inline policy.
            ("PolicyDocument", Origin::InlinePolicy) if node.get("VpcEndpointId").is_some() => None,
            ("PolicyDocument", Origin::VpcEndpoint) if node.get("VpcEndpointId").is_none() => None,
            _ => Some(outer),
        };
        let Some(inner) = inner else { continue };
        let mut found: Vec<(&'static str, String)> = Vec::new();
        let summary = match *member {
            "Policy" => outer.get("PolicySummary"),
            "VpcEndpoints" => match &outer.value {
                Value::Array(list) => list.first(),
                _ => None,
            },
            _ => None,
        };
        if let Some(summary) = summary {
            let (at, keys): (&str, &[(&'static str, &str)]) = if *member == "Policy" {
                (
                    "/Policy/PolicySummary",
                    &[("policy", "Name"), ("id", "Id"), ("arn", "Arn"), ("type", "Type")],
                )
            } else {
                (
                    "/VpcEndpoints/0",
                    &[
                        ("endpoint", "VpcEndpointId"),
                        ("vpc", "VpcId"),
                        ("service", "ServiceName"),
                    ],
                )
            };
            for (what, key) in keys {
                if let Some(v) = summary.get(key) {
                    found.extend(name(what, &format!("{at}/{key}"), v, &text)?);
                }
            }
        }
        for (what, key) in *names {
            if let Some(v) = node.get(key) {
                found.extend(name(what, &format!("/{key}"), v, &text)?);
            }
        }
        if *member == "Role" {
            for (what, key) in [("role", "RoleName"), ("arn", "Arn")] {
                if let Some(v) = outer.get(key) {
                    found.extend(name(what, &format!("/Role/{key}"), v, &text)?);
                }
            }
        }
        return match &inner.value {
            Value::Object(_) => Ok(Extracted {
                text,
                node: inner.clone(),
                envelope: if encoded {
                    Envelope::PercentEncoded
                } else {
                    Envelope::Member(pointer)
                },
                origin: *origin,
                names: found,
                file_offset: encoded.then_some(0),
            }),
            Value::String(s) => {
                // An error inside the embedded document points at its string in the
                // file, and says where in the document it is.
                let (inner_text, inner_node, _) = parse_maybe_encoded(s).map_err(|e| {
                    let at = crate::location::Location::of_offset(&e.text, e.offset);
                    DecodeError {
                        offset: inner.offset,
                        text: text.clone(),
                        message: format!(
                            "{} (line {}, column {} of the document in `{pointer}`)",
                            e.message, at.line, at.column
                        ),
                        refused: false,
                    }
                })?;
                Ok(Extracted {
                    text: inner_text,
                    node: inner_node,
                    envelope: Envelope::Embedded(pointer),
                    origin: *origin,
                    names: found,
                    // A percent-encoded file has no positions of its own either.
                    file_offset: Some(if encoded { 0 } else { inner.offset }),
                })
            }
            _ => Err(DecodeError {
                offset: inner.offset,
                text,
                message: format!("`{pointer}` holds {}, not a policy document", inner.kind()),
                refused: false,
            }),
        };
    }
    Ok(Extracted {
        text,
        node,
        envelope: if encoded {
            Envelope::PercentEncoded
        } else {
            Envelope::Bare
        },
        origin: Origin::Document,
        names: Vec::new(),
        file_offset: encoded.then_some(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}]}"#;

    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    #[test]
    fn plus_is_not_a_space() {
        assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a+b c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn finds_documents_in_every_wrapper() {
        let bare = extract(DOC).unwrap();
        assert_eq!(
            (bare.envelope.clone(), bare.origin),
            (Envelope::Bare, Origin::Document)
        );
        let encoded = extract(&encode(DOC)).unwrap();
        assert_eq!(encoded.envelope, Envelope::PercentEncoded);
        assert_eq!(encoded.node, bare.node);
        let inline = format!(
            r#"{{"RoleName":"bi","PolicyName":"athena","PolicyDocument":"{}"}}"#,
            encode(DOC)
        );
        let got = extract(&inline).unwrap();
        assert_eq!(
            (got.origin, got.envelope),
            (Origin::InlinePolicy, Envelope::Embedded("/PolicyDocument"))
        );
        assert_eq!(
            got.names,
            vec![("role", "bi".to_string()), ("policy", "athena".to_string())]
        );
        assert_eq!(got.node.to_serde(), bare.node.to_serde());
        let managed =
            format!(r#"{{"PolicyVersion":{{"Document":{DOC},"VersionId":"v2","IsDefaultVersion":true}}}}"#);
        let got = extract(&managed).unwrap();
        assert_eq!(
            (got.origin, got.envelope),
            (Origin::ManagedPolicy, Envelope::Member("/PolicyVersion/Document"))
        );
        let bucket = serde_json::json!({"Policy": DOC}).to_string();
        let got = extract(&bucket).unwrap();
        assert_eq!(got.origin, Origin::BucketPolicy);
        assert_eq!(got.node.to_serde(), bare.node.to_serde());
        let role = format!(
            r#"{{"Role":{{"RoleName":"bi","Arn":"arn:aws:iam::1:role/bi","AssumeRolePolicyDocument":{DOC}}}}}"#
        );
        let got = extract(&role).unwrap();
        assert_eq!(got.origin, Origin::Role);
        assert_eq!(got.names[0], ("role", "bi".to_string()));
    }

    #[test]
    fn finds_organization_and_endpoint_policies() {
        let described = serde_json::json!({"Policy": {
            "PolicySummary": {"Id": "p-1", "Arn": "arn:aws:organizations::1:policy/o-a/service_control_policy/p-1",
                "Name": "DenyGlue", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
            "Content": DOC}})
        .to_string();
        let got = extract(&described).unwrap();
        assert_eq!(
            (got.origin, got.envelope.clone()),
            (Origin::OrganizationPolicy, Envelope::Embedded("/Policy/Content"))
        );
        assert_eq!(got.node.to_serde(), extract(DOC).unwrap().node.to_serde());
        assert!(got.names.contains(&("policy", "DenyGlue".to_string())));
        assert!(got.names.contains(&("id", "p-1".to_string())));
        assert!(
            got.names
                .contains(&("type", "SERVICE_CONTROL_POLICY".to_string()))
        );
        // A bucket policy's `Policy` is still one.
        assert_eq!(
            extract(&serde_json::json!({"Policy": DOC}).to_string())
                .unwrap()
                .origin,
            Origin::BucketPolicy
        );
        let endpoint = serde_json::json!({"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.s3",
            "PolicyDocument": DOC});
        let got = extract(&endpoint.to_string()).unwrap();
        assert_eq!(got.origin, Origin::VpcEndpoint);
        assert!(got.names.contains(&("endpoint", "vpce-1".to_string())));
        let listed = serde_json::json!({"VpcEndpoints": [endpoint]}).to_string();
        let got = extract(&listed).unwrap();
        assert_eq!(
            (got.origin, got.envelope),
            (
                Origin::VpcEndpoint,
                Envelope::Embedded("/VpcEndpoints/0/PolicyDocument")
            )
        );
        assert!(
            got.names
                .contains(&("service", "com.amazonaws.us-east-1.s3".to_string()))
        );
        let two = serde_json::json!({"VpcEndpoints": [endpoint, endpoint]}).to_string();
        assert!(
            extract(&two)
                .unwrap_err()
                .message
                .contains("exactly one endpoint")
        );
        // An inline policy's output is still one.
        let inline =
            serde_json::json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": DOC}).to_string();
        assert_eq!(extract(&inline).unwrap().origin, Origin::InlinePolicy);
    }

    #[test]
    fn errors_carry_their_offset() {
        let err = extract("{\"Version\": \"2012-10-17\",\n \"Statement\": [}").unwrap_err();
        assert_eq!(err.offset, 41);
        let err = extract("%7B%22a%22%3A%7D").unwrap_err();
        assert!(err.message.contains("after percent-decoding"), "{}", err.message);
        assert_eq!(err.text, "{\"a\":}");
        assert!(
            extract(r#"{"Policy": 5}"#)
                .unwrap_err()
                .message
                .contains("holds a number")
        );
    }
}
