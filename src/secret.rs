//! The secret access key: where it came from and what shape it has, never its value.
//!
//! The value lives only in [`Secret`], which cannot be printed, serialised or shown
//! by `Debug`. Rules see a [`SecretShape`], which is enough to say what is wrong with
//! a secret without repeating it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Environment variable that may hold the secret access key.
pub(crate) const SECRET_ENV: &str = "ATHENA_DOCTOR_SECRET_ACCESS_KEY";

/// Where the secret came from, in the order a later source overrides an earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SecretSource {
    ConnectionFile,
    Environment,
    File,
    Stdin,
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretSource::ConnectionFile => "the connection file",
            SecretSource::Environment => SECRET_ENV,
            SecretSource::File => "--secret-file",
            SecretSource::Stdin => "--secret-stdin",
        })
    }
}

/// A secret access key. No `Display`, no `Serialize`, and a `Debug` that redacts.
#[derive(Clone)]
pub(crate) struct Secret {
    value: String,
    source: SecretSource,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted>, from {})", self.source)
    }
}

impl Secret {
    pub(crate) fn new(value: String, source: SecretSource) -> Secret {
        Secret { value, source }
    }

    /// The value, for the one place that signs requests with it.
    #[allow(dead_code)] // used by live probing, which comes after the offline doctor
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    pub(crate) fn source(&self) -> SecretSource {
        self.source
    }

    pub(crate) fn shape(&self) -> SecretShape {
        SecretShape::of(&self.value, self.source)
    }
}

/// What can be said about a secret without revealing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecretShape {
    pub source: SecretSource,
    /// Length in characters after trimming surrounding whitespace.
    pub length: usize,
    pub surrounding_whitespace: bool,
    pub inner_whitespace: bool,
    pub surrounding_quotes: bool,
    /// Characters outside `A-Za-z0-9+/` (whitespace and quotes not counted).
    pub foreign_characters: usize,
    /// The secret looks like an access key ID (`AKIA…`): the two fields were swapped.
    pub looks_like_access_key_id: bool,
}

impl SecretShape {
    pub(crate) fn of(value: &str, source: SecretSource) -> SecretShape {
        let trimmed = value.trim();
        let unquoted = strip_quotes(trimmed);
        SecretShape {
            source,
            length: unquoted.chars().count(),
            surrounding_whitespace: trimmed.len() != value.len(),
            inner_whitespace: unquoted.chars().any(char::is_whitespace),
            surrounding_quotes: unquoted.len() != trimmed.len(),
            foreign_characters: unquoted
                .chars()
                .filter(|c| !c.is_whitespace() && !is_secret_char(*c))
                .count(),
            looks_like_access_key_id: crate::aws::access_key::is_well_formed(unquoted),
        }
    }

    /// The shape of a valid secret access key: 40 characters of the base64 alphabet.
    pub(crate) fn is_well_formed(&self) -> bool {
        self.length == 40
            && !self.surrounding_whitespace
            && !self.inner_whitespace
            && !self.surrounding_quotes
            && self.foreign_characters == 0
    }
}

pub(crate) fn is_secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

/// Does this look like a secret access key (so must never be echoed)?
pub(crate) fn looks_like_secret(value: &str) -> bool {
    // Anything around it (a key ID and a comma from a credentials CSV row, a
    // space, a colon, quotes) is a separator; a run of 30 or more characters of
    // the secret's alphabet is far longer than a key ID (20) and is treated as a
    // secret, even when one character short or long of 40.
    value
        .split(|c: char| !is_secret_char(c))
        .any(|run| run.len() >= 30)
}

/// Text from AWS or the network, as the doctor keeps and prints it: control
/// characters escaped, anything shaped like a secret key or session token
/// redacted, at most `MAX_KEPT` characters. An endpoint that echoes request headers
/// back in its error can then not make the doctor print a token.
pub(crate) fn scrub(text: &str) -> String {
    const MAX_KEPT: usize = 1000;
    let text = &redact_labelled(text);
    let mut out = String::with_capacity(text.len().min(MAX_KEPT + 16));
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        // Random base64 of a key's length or more: upper, lower and digits all in.
        let secret_shaped = run.len() >= 40
            && run.chars().any(|c| c.is_ascii_uppercase())
            && run.chars().any(|c| c.is_ascii_lowercase())
            && run.chars().any(|c| c.is_ascii_digit());
        out.push_str(if secret_shaped { "[redacted]" } else { run });
        run.clear();
    };
    for c in text.chars() {
        if is_secret_char(c) || c == '=' {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut out);
        out.push(c);
    }
    flush(&mut run, &mut out);
    let mut out = crate::style::printable(&out).into_owned();
    if out.chars().count() > MAX_KEPT {
        out = out.chars().take(MAX_KEPT).collect::<String>() + "…";
    }
    out
}

/// Labels after which a value is a credential whatever its shape: a header or
/// parameter an endpoint echoed (`x-amz-security-token: …`, `Signature=…`).
const CREDENTIAL_LABELS: [&str; 7] = [
    "security-token",
    "securitytoken",
    "session-token",
    "sessiontoken",
    "signature",
    "secret-access-key",
    "secretaccesskey",
];

/// Redact the value after each credential label (`label: value`, `label=value`,
/// `"label": "value"`), up to the next separator.
fn redact_labelled(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let normal: String = lower.chars().map(|c| if c == '_' { '-' } else { c }).collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let next = CREDENTIAL_LABELS
            .iter()
            .filter_map(|l| normal[at..].find(l).map(|i| (at + i, l.len())))
            .min();
        let Some((start, len)) = next else { break };
        let mut value = start + len;
        // Optional quote, spaces, then `:` or `=`, spaces and quote.
        let bytes = text.as_bytes();
        let skip = |i: &mut usize, set: &[u8]| {
            while *i < bytes.len() && set.contains(&bytes[*i]) {
                *i += 1;
            }
        };
        skip(&mut value, b"\"' ");
        if value < bytes.len() && (bytes[value] == b':' || bytes[value] == b'=') {
            value += 1;
            skip(&mut value, b"\"' ");
            let mut end = value;
            while end < bytes.len() && !b";&,\"'<> \t\r\n".contains(&bytes[end]) {
                end += 1;
            }
            out.push_str(&text[at..value]);
            if end > value {
                out.push_str("[redacted]");
            }
            at = end;
        } else {
            out.push_str(&text[at..start + len]);
            at = start + len;
        }
    }
    out.push_str(&text[at..]);
    out
}

pub(crate) fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CANARYwJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXA";

    #[test]
    fn secrets_are_recognised_wherever_they_sit_in_a_field() {
        for held in [
            CANARY.to_string(),
            format!("\"{CANARY}\""),
            format!("AKIAIOSFODNN7EXAMPLE,{CANARY}"),
            format!("AKIAIOSFODNN7EXAMPLE {CANARY}"),
            format!("AKIAIOSFODNN7EXAMPLE:{CANARY}"),
            CANARY[..39].to_string(),
            format!("{CANARY}x"),
        ] {
            assert!(looks_like_secret(&held), "{held}");
        }
        for key_id in [
            "AKIAIOSFODNN7EXAMPLE",
            " ASIAIOSFODNN7EXAMPLE ",
            "AIDAJQABLZS4A3QDU576Q",
        ] {
            assert!(!looks_like_secret(key_id), "{key_id}");
        }
    }

    #[test]
    fn scrub_redacts_keys_and_tokens_and_escapes_controls() {
        let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtoken+AbC123=";
        let echoed = format!(
            "bad request: X-Amz-Security-Token: {token}\r\nAuthorization: AWS4 Credential=AKIAIOSFODNN7EXAMPLE/x, secret {CANARY}"
        );
        let kept = scrub(&echoed);
        assert!(
            !kept.contains("IQoJb3JpZ2lu") && !kept.contains("CANARY"),
            "{kept}"
        );
        assert!(kept.contains("[redacted]") && kept.contains("\\r\\n"), "{kept}");
        let denial = "User: arn:aws:iam::999988887777:user/omni is not authorized to perform: sts:AssumeRole \
                      on resource: arn:aws:iam::111122223333:role/bi-athena";
        assert_eq!(scrub(denial), denial);
        assert!(scrub(&"x".repeat(5000)).chars().count() <= 1001);
        // After a credential's label, the value goes whatever its shape.
        for echoed in [
            "x-amz-security-token: short-token-1; next: kept",
            "X-Amz-Security-Token=short-token-1&Action=GetRole",
            "{\"SessionToken\": \"short-token-1\", \"kept\": 1}",
            "Authorization: AWS4-HMAC-SHA256 Credential=k/x, Signature=short-token-1",
            "aws_secret_access_key = short-token-1",
        ] {
            let kept = scrub(echoed);
            assert!(
                !kept.contains("short-token-1") && kept.contains("[redacted]"),
                "{kept}"
            );
        }
        assert_eq!(scrub("the signature is valid"), "the signature is valid");
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new(CANARY.to_string(), SecretSource::Environment);
        let shown = format!("{s:?} {:?} {:#?}", s.shape(), s);
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn shapes() {
        let good = SecretShape::of("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SecretSource::Stdin);
        assert!(good.is_well_formed(), "{good:?}");
        let padded = SecretShape::of(" wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", SecretSource::Stdin);
        assert!(padded.surrounding_whitespace && !padded.is_well_formed());
        let quoted = SecretShape::of(
            "\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
            SecretSource::Stdin,
        );
        assert!(quoted.surrounding_quotes && quoted.length == 40);
        let swapped = SecretShape::of("AKIAIOSFODNN7EXAMPLE", SecretSource::Stdin);
        assert!(swapped.looks_like_access_key_id && !swapped.is_well_formed());
        let odd = SecretShape::of("wJalrXUtnFEMI-K7MDENG_bPxRfiCYEXAMPLEKEY", SecretSource::Stdin);
        assert_eq!(odd.foreign_characters, 2);
    }
}
