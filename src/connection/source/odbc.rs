//! ODBC DSNs for the Athena ODBC drivers (the Simba 1.x driver and Amazon's
//! 2.x driver take the same main keys): a section of `odbc.ini`, or the same
//! DSN as a Windows registry export (`.reg`: `[HKEY_…\SOFTWARE\ODBC\ODBC.INI\NAME]`
//! with `"Key"="Value"` lines).
//!
//! Sources: "Main ODBC 2.x connection parameters"
//! <https://docs.aws.amazon.com/athena/latest/ug/odbc-v2-driver-main-connection-parameters.html>
//! — `Catalog` (default `AwsDataCatalog`), `AwsRegion` (mandatory), `Schema`
//! (default `default`), `Workgroup` (default `primary`), `S3OutputLocation`,
//! `S3OutputEncOption`, `S3OutputEncKMSKey`; the IAM credentials and profile
//! pages of the same guide — `AuthenticationType`, `UID`, `PWD`,
//! `SessionToken`, `AwsProfile`. ODBC connection keywords are not case-sensitive.

use super::{Change, Reading, bad, nearest};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use std::path::Path;

/// Keys that fill a field.
const FIELDS: &[(&str, FieldId)] = &[
    ("AwsRegion", FieldId::Region),
    ("S3OutputLocation", FieldId::S3OutputBucket),
    ("Workgroup", FieldId::Workgroup),
    ("Catalog", FieldId::DataCatalog),
    ("Schema", FieldId::DefaultSchema),
    ("UID", FieldId::AccessKeyId),
    ("AwsProfile", FieldId::ProfileName),
];

/// Keys whose values are secrets.
const SECRETS: &[&str] = &["PWD", "SessionToken", "ProxyPWD"];

/// Other keys of the drivers' guides, recognised so that they are not taken
/// for mistakes.
const OTHERS: &[&str] = &[
    "Driver",
    "Description",
    "AuthenticationType",
    "S3OutputEncOption",
    "S3OutputEncKMSKey",
    "EndpointOverride",
    "StsEndpointOverride",
    "LakeFormationEnabled",
    "UseResultsetStreaming",
    "MetadataRetrievalMethod",
    "ProxyHost",
    "ProxyPort",
    "ProxyUID",
    "LogLevel",
    "LogPath",
    "MaxErrorRetry",
    "ConnectionTimeout",
    "SocketTimeout",
];

/// The JDBC 3.x names people carry over into a DSN, with the ODBC key to use.
const JDBC_NAMES: &[(&str, &str)] = &[
    ("Region", "AwsRegion"),
    ("OutputLocation", "S3OutputLocation"),
    ("Database", "Schema"),
    ("User", "UID"),
    ("AccessKeyId", "UID"),
    ("Password", "PWD"),
    ("SecretAccessKey", "PWD"),
    ("ProfileName", "AwsProfile"),
];

pub(super) fn property_of(id: FieldId) -> Option<&'static str> {
    match id {
        FieldId::SecretAccessKey => Some("PWD"),
        _ => FIELDS.iter().find(|(_, f)| *f == id).map(|(n, _)| *n),
    }
}

fn is_reg(text: &str) -> bool {
    let head = text.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("Windows Registry Editor") || head.starts_with("REGEDIT4")
}

/// An `odbc.ini` with a section whose `Driver` is an Athena driver, or a
/// registry export of `ODBC.INI`.
pub(super) fn looks_like(text: &str) -> bool {
    if is_reg(text) {
        return text.to_ascii_uppercase().contains("\\ODBC.INI\\");
    }
    text.lines().any(|l| {
        l.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("driver") && v.to_ascii_lowercase().contains("athena")
        })
    }) && text.lines().any(|l| l.trim_start().starts_with('['))
}

/// One `Key=Value` of the DSN's section, with byte offsets into the file.
struct Pair<'a> {
    key: &'a str,
    key_at: usize,
    value: String,
    value_at: usize,
    /// The value's length as written (quoted and escaped in a `.reg`).
    value_len: usize,
    /// The whole line, its end of line included: what a removal takes out.
    line: (usize, usize),
}

struct Dsn<'a> {
    form: Form,
    pairs: Vec<Pair<'a>>,
    /// Where a new line goes: after the section's last line.
    insert_at: usize,
    newline: &'static str,
}

fn section_name(line: &str) -> Option<&str> {
    line.trim().strip_prefix('[')?.strip_suffix(']')
}

fn parse<'a>(path: &Path, text: &'a str) -> Result<Dsn<'a>, Fatal> {
    let form = if is_reg(text) {
        Form::OdbcReg
    } else {
        Form::OdbcIni
    };
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // Each section's pairs, in order.
    let mut sections: Vec<(&str, Vec<Pair>, usize)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = section_name(trimmed) {
            let name = match form {
                Form::OdbcReg => name.rsplit('\\').next().unwrap_or(name),
                _ => name,
            };
            sections.push((name, Vec::new(), offset));
            continue;
        }
        if form == Form::OdbcReg && (trimmed.starts_with("Windows Registry") || trimmed == "REGEDIT4") {
            continue;
        }
        let Some((_, pairs, end)) = sections.last_mut() else {
            return Err(bad(path, text, start, "a key outside any `[section]`"));
        };
        *end = offset;
        let indent = body.len() - body.trim_start().len();
        let pair = match form {
            Form::OdbcReg => reg_pair(path, text, body, start, indent)?,
            _ => {
                let Some(eq) = body.find('=') else {
                    return Err(bad(
                        path,
                        text,
                        start + indent,
                        format!("expected `Key=Value`, found `{trimmed}`"),
                    ));
                };
                let key = body[..eq].trim();
                let raw = &body[eq + 1..];
                let value_at = start + eq + 1 + (raw.len() - raw.trim_start().len());
                Pair {
                    key,
                    key_at: start + indent,
                    value: raw.trim().to_string(),
                    value_at,
                    value_len: raw.trim().len(),
                    line: (start, offset),
                }
            }
        };
        let Some(pair) = pair_or_skip(pair) else { continue };
        if let Some(first) = pairs.iter().find(|p| p.key.eq_ignore_ascii_case(pair.key)) {
            return Err(bad(
                path,
                text,
                pair.key_at,
                format!(
                    "`{}` is set twice in the DSN (first on line {})",
                    pair.key,
                    crate::location::Location::of_offset(text, first.key_at).line
                ),
            ));
        }
        pairs.push(pair);
    }
    let driver = |pairs: &Vec<Pair>| {
        pairs
            .iter()
            .any(|p| p.key.eq_ignore_ascii_case("Driver") && p.value.to_ascii_lowercase().contains("athena"))
    };
    let fields = |pairs: &Vec<Pair>| {
        pairs
            .iter()
            .any(|p| FIELDS.iter().any(|(k, _)| k.eq_ignore_ascii_case(p.key)))
    };
    // The DSN: the first section with an Athena driver, else the first with
    // Athena's keys (a registry export names the driver by its DLL's path).
    let index = sections.iter().position(|(_, p, _)| driver(p)).or_else(|| {
        sections
            .iter()
            .position(|(n, p, _)| !n.eq_ignore_ascii_case("ODBC Data Sources") && fields(p))
    });
    let Some(index) = index else {
        return Err(bad(
            path,
            text,
            0,
            "no Athena DSN: expected a `[NAME]` section with `Driver=` an Athena ODBC driver, or `AwsRegion`/`S3OutputLocation`",
        ));
    };
    let (_, pairs, insert_at) = sections.swap_remove(index);
    Ok(Dsn {
        form,
        pairs,
        insert_at,
        newline,
    })
}

/// A registry value line's pair; `None` for non-string values (`dword:`).
fn pair_or_skip(pair: Pair) -> Option<Pair> {
    (!pair.key.is_empty()).then_some(pair)
}

/// `"Key"="Value"` with `\\` and `\"` escapes; a `dword:`/`hex:` value is kept
/// with an empty key (skipped).
fn reg_pair<'a>(
    path: &Path,
    text: &'a str,
    body: &'a str,
    start: usize,
    indent: usize,
) -> Result<Pair<'a>, Fatal> {
    let err = |at: usize, why: &str| bad(path, text, start + at, why.to_string());
    let rest = &body[indent..];
    let Some(key_body) = rest.strip_prefix('"') else {
        return Err(err(indent, "expected `\"Key\"=\"Value\"`"));
    };
    let Some(close) = key_body.find('"') else {
        return Err(err(indent, "a key's quote is not closed"));
    };
    let key = &key_body[..close];
    let after = &key_body[close + 1..];
    let Some(value_part) = after.strip_prefix('=') else {
        return Err(err(indent + close + 2, "expected `=` after the key"));
    };
    let value_start = indent + 1 + close + 1 + 1;
    let Some(inner) = value_part.strip_prefix('"') else {
        // dword:, hex: — not a string setting the doctor reads.
        return Ok(Pair {
            key: "",
            key_at: 0,
            value: String::new(),
            value_at: 0,
            value_len: 0,
            line: (0, 0),
        });
    };
    let mut value = String::new();
    let mut chars = inner.char_indices();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => value.push(e),
                None => return Err(err(value_start + 1 + i, "a `\\` at the end of a value")),
            },
            '"' => {
                end = Some(i);
                break;
            }
            c => value.push(c),
        }
    }
    let Some(end) = end else {
        return Err(err(value_start, "a value's quote is not closed"));
    };
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i + 1);
    Ok(Pair {
        key,
        key_at: start + indent + 1,
        value,
        value_at: start + value_start + 1,
        value_len: end,
        line: (start, line_end),
    })
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let dsn = parse(path, text)?;
    let mut reading = Reading::new(path, text, dsn.form);
    for pair in &dsn.pairs {
        if let Some(secret) = SECRETS.iter().find(|k| k.eq_ignore_ascii_case(pair.key)) {
            if *secret == "PWD" {
                reading.secret(pair.value.clone(), pair.value_at, pair.value_len);
            } else {
                reading.mask(pair.value_at, pair.value_len);
            }
            continue;
        }
        if let Some((_, id)) = FIELDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(pair.key)) {
            reading.set(*id, pair.value.clone(), pair.value_at);
            continue;
        }
        if pair.key.eq_ignore_ascii_case("AuthenticationType")
            && pair.value.trim().eq_ignore_ascii_case("IAM Credentials")
        {
            // Keys named outright: UID (and the secret) are then required.
            reading.auth(crate::connection::AuthType::AccessKey, pair.value_at);
        }
        if OTHERS.iter().any(|k| k.eq_ignore_ascii_case(pair.key)) {
            continue;
        }
        if let Some((_, to)) = JDBC_NAMES.iter().find(|(k, _)| k.eq_ignore_ascii_case(pair.key)) {
            reading.unknown(
                pair.key,
                Some(to),
                format!(
                    "`{}` is a JDBC driver's name; the ODBC driver reads `{to}`",
                    pair.key
                ),
                pair.key_at,
            );
            continue;
        }
        let known = FIELDS
            .iter()
            .map(|(k, _)| *k)
            .chain(SECRETS.iter().copied())
            .chain(OTHERS.iter().copied());
        if let Some(near) = nearest(pair.key, known) {
            reading.typo(
                pair.key,
                near,
                format!("`{}` is not a key of the Athena ODBC driver", pair.key),
                pair.key_at,
            );
        }
    }
    Ok(reading.finish())
}

fn quoted(form: Form, value: &str) -> String {
    match form {
        Form::OdbcReg => value.replace('\\', "\\\\").replace('"', "\\\""),
        _ => value.to_string(),
    }
}

pub(super) fn rewrite(form: Form, text: &str, changes: &[Change]) -> Result<String, String> {
    let dsn = parse(Path::new("dsn"), text).map_err(|e| e.to_string())?;
    if dsn.form != form {
        return Err("the DSN's form changed".into());
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut added = String::new();
    for change in changes {
        match change {
            Change::Set(id, value) => {
                let key = property_of(*id).ok_or_else(|| format!("an ODBC DSN has no {}", id.key()))?;
                let at = dsn.pairs.iter().find(|p| p.key.eq_ignore_ascii_case(key));
                if value.as_deref().is_some_and(|v| v.contains(['\n', '\r'])) {
                    return Err(format!("`{key}` cannot hold a line break"));
                }
                match (at, value) {
                    (Some(p), Some(v)) => edits.push((p.value_at, p.value_at + p.value_len, quoted(form, v))),
                    (Some(p), None) => edits.push((p.line.0, p.line.1, String::new())),
                    (None, Some(v)) => {
                        let v = quoted(form, v);
                        added.push_str(&match form {
                            Form::OdbcReg => format!("\"{key}\"=\"{v}\"{}", dsn.newline),
                            _ => format!("{key}={v}{}", dsn.newline),
                        });
                    }
                    (None, None) => {}
                }
            }
            Change::Rename { from, to } => {
                if let Some(p) = dsn.pairs.iter().find(|p| p.key == from) {
                    edits.push((p.key_at, p.key_at + p.key.len(), to.clone()));
                }
            }
            Change::DropSecrets => {
                for p in &dsn.pairs {
                    if SECRETS.iter().any(|k| k.eq_ignore_ascii_case(p.key)) {
                        edits.push((p.line.0, p.line.1, String::new()));
                    }
                }
            }
        }
    }
    if !added.is_empty() {
        // After the section's last line; one that has no end of line gets one.
        let needs = dsn.insert_at > 0 && !text[..dsn.insert_at].ends_with('\n');
        let prefix = if needs { dsn.newline } else { "" };
        edits.push((dsn.insert_at, dsn.insert_at, format!("{prefix}{added}")));
    }
    Ok(super::apply_edits(text, edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    const INI: &str = "[ODBC Data Sources]\nAthena=Simba Athena ODBC Driver\n\n[Athena]\n\
        Driver=/opt/simba/athenaodbc/lib/64/libathenaodbc_sb64.so\nAuthenticationType=IAM Credentials\n\
        AwsRegion=us-west-1\nS3OutputLocation=s3://acme-athena-results/odbc/\nWorkgroup=bi\n\
        UID=AKIAIOSFODNN7EXAMPLE\nPWD=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDatabase=sales\n";

    const REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\ODBC\\ODBC.INI\\Athena BI]\r\n\
        \"Driver\"=\"C:\\\\Program Files\\\\Amazon Athena ODBC Driver\\\\AthenaODBC64.dll\"\r\n\
        \"AwsRegion\"=\"eu-west-1\"\r\n\"S3OutputLocation\"=\"s3://acme-athena-results/odbc\"\r\n\
        \"AwsProfile\"=\"analytics\"\r\n";

    #[test]
    fn ini_sections_fill_the_model() {
        assert!(looks_like(INI));
        let loaded = read(Path::new("odbc.ini"), INI).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::OdbcIni);
        assert_eq!(c.value(FieldId::Region), Some("us-west-1"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 7, column: 11 })
        );
        assert_eq!(c.value(FieldId::Workgroup), Some("bi"));
        assert_eq!(c.value(FieldId::AccessKeyId), Some("AKIAIOSFODNN7EXAMPLE"));
        assert!(loaded.file_secret.is_some());
        assert_eq!(c.unknown[0].name, "Database");
        assert_eq!(c.unknown[0].rename.as_deref(), Some("Schema"));
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }

    #[test]
    fn registry_exports_fill_the_model() {
        assert!(looks_like(REG));
        let c = read(Path::new("a.reg"), REG).unwrap().connection;
        assert_eq!(c.form, Form::OdbcReg);
        assert_eq!(c.value(FieldId::Region), Some("eu-west-1"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 5, column: 14 })
        );
        assert_eq!(c.value(FieldId::ProfileName), Some("analytics"));
        let out = rewrite(
            Form::OdbcReg,
            REG,
            &[
                Change::Set(
                    FieldId::S3OutputBucket,
                    Some("s3://acme-athena-results/odbc/".into()),
                ),
                Change::Set(FieldId::Workgroup, Some("bi".into())),
            ],
        )
        .unwrap();
        assert!(
            out.contains("\"S3OutputLocation\"=\"s3://acme-athena-results/odbc/\"\r\n"),
            "{out}"
        );
        assert!(
            out.ends_with("\"AwsProfile\"=\"analytics\"\r\n\"Workgroup\"=\"bi\"\r\n"),
            "{out}"
        );
    }

    #[test]
    fn ini_rewrites_keep_the_rest() {
        let out = rewrite(
            Form::OdbcIni,
            INI,
            &[
                Change::Rename {
                    from: "Database".into(),
                    to: "Schema".into(),
                },
                Change::DropSecrets,
            ],
        )
        .unwrap();
        assert!(out.contains("UID=AKIAIOSFODNN7EXAMPLE\nSchema=sales\n"), "{out}");
        assert!(!out.contains("PWD"));
    }

    #[test]
    fn iam_credentials_mean_keys() {
        let c = read(
            Path::new("o.ini"),
            "[A]\nDriver=Athena\nAuthenticationType=IAM Credentials\nAwsRegion=us-east-1\n",
        )
        .unwrap()
        .connection;
        assert_eq!(c.auth.auth_type, Some(crate::connection::AuthType::AccessKey));
        assert_eq!(
            c.location(FieldId::AuthType),
            Some(Location { line: 3, column: 20 })
        );
        assert_eq!(c.value(FieldId::AccessKeyId), None);
    }

    #[test]
    fn bad_dsns_are_refused_with_positions() {
        let e = read(
            Path::new("o.ini"),
            "[A]\nDriver=Athena\nAwsRegion=a\nawsregion=b\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains(":4:1:") && e.to_string().contains("twice"),
            "{e}"
        );
        let e = read(Path::new("o.ini"), "[A]\nDriver=Athena\nnonsense\n").unwrap_err();
        assert!(e.to_string().contains(":3:1:"), "{e}");
    }
}
