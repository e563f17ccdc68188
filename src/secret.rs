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

/// Text from AWS or the network, as the doctor keeps and prints it: secrets
/// masked ([`mask`]), control characters escaped, at most `MAX_KEPT` characters.
/// An endpoint that echoes request headers back in its error can then not make the
/// doctor print a token.
pub(crate) fn scrub(text: &str) -> String {
    const MAX_KEPT: usize = 1000;
    let masked = mask(text);
    let mut out = crate::style::printable(&masked).into_owned();
    if out.chars().count() > MAX_KEPT {
        out = out.chars().take(MAX_KEPT).collect::<String>() + "…";
    }
    out
}

/// The one masker: every text the doctor prints or stores that may hold a
/// credential (AWS's and the network's messages through [`scrub`], pasted logs
/// through `messages::scan`) goes through here. It masks
/// - a URL's password (`scheme://user:PASS@host` → `scheme://user:***@host`);
/// - the value after a credential's label, whatever its shape (`Signature=`,
///   `X-Amz-Signature=`, `X-Amz-Security-Token:`, `"SessionToken": "…"`,
///   `aws_secret_access_key = …`, `password=`, `PWD=`);
/// - any run of the secret-key alphabet (`A-Za-z0-9+/=`, where `%2F`, `%2B` and
///   `%3D` count as the characters they encode) of 40 characters or more that
///   mixes upper case, lower case and digits: a secret key or a session token,
///   pasted raw or URL-encoded.
///
/// Access key IDs (`AKIA…`, 20 characters) are kept: they name a key, they do not
/// unlock it, and the doctor's findings name them.
pub(crate) fn mask(text: &str) -> String {
    let text = mask_url_passwords(text);
    let text = redact_labelled(&text);
    mask_runs(&text)
}

/// `scheme://user:password@` → `scheme://user:***@`.
fn mask_url_passwords(text: &str) -> std::borrow::Cow<'_, str> {
    static USERINFO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)([a-z][a-z0-9+.-]*://[^\s/?#@:]*:)[^\s/?#@]+@")
            .expect("a valid regular expression")
    });
    USERINFO.replace_all(text, "${1}***@")
}

/// A URL without its user information (`http://user:pass@host:1/x` →
/// `http://host:1/x`): how an endpoint or a proxy is named in facts and findings.
pub(crate) fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Runs of the secret alphabet, URL-encoded or not, judged by what they decode to.
fn mask_runs(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        // A run: its end in the text, and the characters it decodes to.
        let mut end = at;
        let mut decoded = String::new();
        loop {
            let (c, width) = match bytes.get(end) {
                Some(&b) if is_secret_char(b as char) || b == b'=' => (b as char, 1),
                _ => match encoded_secret_char(&bytes[end..]) {
                    Some(c) => (c, 3),
                    None => break,
                },
            };
            // `=` is base64's padding, at the end of a run only: elsewhere it
            // joins a name to its value (`Credential=AKIA…`), which are two runs.
            if c == '=' && !padding_ends_here(&bytes[end..]) {
                if end == at {
                    decoded.push(c);
                    end += width;
                }
                break;
            }
            decoded.push(c);
            end += width;
        }
        if end == at {
            // Not in a run: copy one character.
            let c = text[at..].chars().next().unwrap_or_default();
            out.push(c);
            at += c.len_utf8().max(1);
            continue;
        }
        let secret_shaped = decoded.len() >= 40
            && decoded.chars().any(|c| c.is_ascii_uppercase())
            && decoded.chars().any(|c| c.is_ascii_lowercase())
            && decoded.chars().any(|c| c.is_ascii_digit());
        out.push_str(if secret_shaped {
            "[redacted]"
        } else {
            &text[at..end]
        });
        at = end;
    }
    out
}

/// Whether the `=`s at the start of `bytes` (raw or `%3D`) end a run: what follows
/// them is not another character of the alphabet.
fn padding_ends_here(mut bytes: &[u8]) -> bool {
    loop {
        match bytes {
            [b'=', rest @ ..] => bytes = rest,
            [b'%', b'3', b'd' | b'D', rest @ ..] => bytes = rest,
            _ => break,
        }
    }
    !bytes
        .first()
        .is_some_and(|&b| is_secret_char(b as char) || encoded_secret_char(bytes).is_some())
}

/// `%2F`, `%2B`, `%3D` (either case) at the start of `bytes`: `/`, `+`, `=`.
fn encoded_secret_char(bytes: &[u8]) -> Option<char> {
    match bytes {
        [b'%', b'2', b'f' | b'F', ..] => Some('/'),
        [b'%', b'2', b'b' | b'B', ..] => Some('+'),
        [b'%', b'3', b'd' | b'D', ..] => Some('='),
        _ => None,
    }
}

/// Labels after which a value is a credential whatever its shape: a header or
/// parameter an endpoint echoed (`x-amz-security-token: …`, `Signature=…`), or a
/// setting pasted with a log (`aws_secret_access_key = …`, `PWD=…`). Compared with
/// the text lower-cased and `_` and spaces read as `-`; of two starting at the same
/// place, the first listed wins (the longer).
const CREDENTIAL_LABELS: [&str; 13] = [
    "security-token",
    "securitytoken",
    "session-token",
    "sessiontoken",
    "signature",
    "secret-access-key",
    "secretaccesskey",
    "secret-key",
    "secretkey",
    "password",
    "passwd",
    "pwd",
    "proxy-authorization",
];

/// Redact the value after each credential label (`label: value`, `label=value`,
/// `"label": "value"`), up to the next separator. One pass: the labels are one
/// regular expression, searched from where the last match ended.
fn redact_labelled(text: &str) -> String {
    static LABELS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(&CREDENTIAL_LABELS.join("|")).expect("a valid regular expression")
    });
    let lower = text.to_ascii_lowercase();
    let normal: String = lower
        .chars()
        .map(|c| if c == '_' || c == ' ' { '-' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let Some(found) = LABELS.find_at(&normal, at) else {
            break;
        };
        let (start, len) = (found.start(), found.len());
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
            // `Authorization: Basic dXNl…`: the scheme is not the credential.
            for scheme in ["basic-", "bearer-"] {
                if normal[value..].starts_with(scheme) {
                    value += scheme.len();
                }
            }
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
            // Not a label here; another may start inside it (`aws_secret_access_key`).
            out.push_str(&text[at..=start]);
            at = start + 1;
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

    /// Every shape a credential is pasted or echoed in, each with its own canary:
    /// none survives, nor any 16-character piece of one.
    #[test]
    fn mask_hides_every_shape_and_keeps_the_rest() {
        let key = "Qz7pLmXc4Vb+N9tRw2Ys8Hd/Jk5Fg3Ae6Uo1Ti0x";
        let encoded = key.replace('/', "%2F").replace('+', "%2B");
        let signature = "0123abcdef4567abcdef0123abcdef4567abcdef0123abcdef4567abcdef0123";
        let token = "FwoGZXIvYXdzEJr/////wEaDHtoken";
        let password = "Sup3rS3cretPr0xyPw";
        let canaries = [key, &encoded, signature, token, password];
        for (text, kept) in [
            (
                format!(
                    "create_engine(\"awsathena+rest://AKIAIOSFODNN7EXAMPLE:{encoded}@athena.us-east-1.amazonaws.com:443/db?s3_staging_dir=s3%3A%2F%2Fb%2F\")"
                ),
                "awsathena+rest://AKIAIOSFODNN7EXAMPLE:***@athena.us-east-1.amazonaws.com:443/db",
            ),
            (
                format!(
                    "s3://bucket/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261130%2Fus-east-1&X-Amz-Signature={signature}&x=1"
                ),
                "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261130%2Fus-east-1",
            ),
            (
                format!(
                    "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/x, Signature={signature}"
                ),
                "Credential=AKIAIOSFODNN7EXAMPLE/x",
            ),
            (
                format!(
                    "?X-Amz-Security-Token={}&Action=GetRole",
                    token.replace('/', "%2F")
                ),
                "&Action=GetRole",
            ),
            (
                format!("ProxyError: Unable to connect to proxy http://alice:{password}@proxy.corp:3128"),
                "http://alice:***@proxy.corp:3128",
            ),
            (
                format!("jdbc:awsathena://Region=us-east-1;UID=AKIAIOSFODNN7EXAMPLE;PWD={password};"),
                "UID=AKIAIOSFODNN7EXAMPLE;PWD=[redacted];",
            ),
            (
                format!("aws_secret_access_key = {password}"),
                "aws_secret_access_key = [redacted]",
            ),
            (format!("secret key: {key} and more"), "and more"),
            (
                format!("Proxy-Authorization: Basic {password}"),
                "Basic [redacted]",
            ),
            (format!("{{\"SessionToken\": \"{token}\"}}"), "SessionToken"),
            (
                format!("the key {encoded} was pasted"),
                "the key [redacted] was pasted",
            ),
        ] {
            let masked = mask(&text);
            assert!(masked.contains(kept), "{kept} is kept in:\n{masked}");
            for canary in canaries {
                let chars: Vec<char> = canary.chars().collect();
                for piece in chars.windows(16) {
                    let piece: String = piece.iter().collect();
                    assert!(!masked.contains(&piece), "{piece} of {canary} leaked:\n{masked}");
                }
            }
        }
        for kept in [
            "s3://bucket/a/very/long/path/of/lowercase/words/only/x",
            "https://athena.us-east-1.amazonaws.com:443/path",
            "the signature is valid, the password policy is strict",
            "arn:aws:iam::123456789012:role/service-role/AthenaAccessRoleForBiTool2024",
        ] {
            assert_eq!(mask(kept), kept);
        }
        assert_eq!(
            without_userinfo("http://u:p@127.0.0.1:5000/x@y"),
            "http://127.0.0.1:5000/x@y"
        );
        assert_eq!(without_userinfo("https://host"), "https://host");
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
