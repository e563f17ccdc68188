//! SQLAlchemy URLs for PyAthena (`awsathena+rest://`, `+pandas`, `+arrow`…):
//! the access key and secret as the URL's user and password, the region in the
//! host, the schema as the path, and PyAthena's connection arguments as the
//! query, percent-encoded.
//!
//! Source: PyAthena, "SQLAlchemy" — the connection string
//! `awsathena+rest://{aws_access_key_id}:{aws_secret_access_key}@athena.{region_name}.amazonaws.com:443/{schema_name}?s3_staging_dir={s3_staging_dir}&...`,
//! values quoted with `quote_plus`, and every query parameter passed to
//! `pyathena.connect` (`work_group`, `catalog_name`, `role_arn`,
//! `external_id`, `profile_name`, …): <https://laughingman7743.github.io/PyAthena/sqlalchemy.html>
//! and <https://laughingman7743.github.io/PyAthena/usage.html>. Query parameter
//! names are Python keyword arguments: case-sensitive.

use super::{Change, Reading, bad, nearest, percent_decode, percent_encode, region_of_host};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use std::path::Path;

/// Query parameters that fill a field.
const FIELDS: &[(&str, FieldId)] = &[
    ("s3_staging_dir", FieldId::S3OutputBucket),
    ("work_group", FieldId::Workgroup),
    ("catalog_name", FieldId::DataCatalog),
    ("schema_name", FieldId::DefaultSchema),
    ("region_name", FieldId::Region),
    ("role_arn", FieldId::RoleArn),
    ("external_id", FieldId::ExternalId),
    ("profile_name", FieldId::ProfileName),
    ("aws_access_key_id", FieldId::AccessKeyId),
];

/// The other connection arguments PyAthena and its dialect take.
const OTHERS: &[&str] = &[
    "role_session_name",
    "serial_number",
    "duration_seconds",
    "poll_interval",
    "kill_on_interrupt",
    "result_reuse_enable",
    "result_reuse_minutes",
    "endpoint_url",
    "verify",
    "encryption_option",
    "kms_key",
    "cursor_class",
    "unload",
    "file_format",
    "compression",
    "row_format",
    "location",
    "partition",
    "tblproperties",
    "serdeproperties",
    "bucket_count",
    "cluster",
];

/// Query parameters whose values are secrets.
const SECRETS: &[&str] = &["aws_secret_access_key", "aws_session_token"];

pub(super) fn property_of(id: FieldId) -> Option<&'static str> {
    match id {
        FieldId::SecretAccessKey => Some("aws_secret_access_key"),
        _ => FIELDS.iter().find(|(_, f)| *f == id).map(|(n, _)| *n),
    }
}

/// A piece of the URL as written, with its offset in the file.
#[derive(Clone, Copy)]
struct Span<'a> {
    raw: &'a str,
    at: usize,
}

struct Url<'a> {
    user: Option<Span<'a>>,
    password: Option<Span<'a>>,
    /// The `:` before the password, so that a removal takes it too.
    colon: Option<usize>,
    host: Span<'a>,
    path: Option<Span<'a>>,
    query: Vec<(Span<'a>, Span<'a>)>,
    /// Where the query starts (`?`), when there is one, and where the URL ends.
    question: Option<usize>,
    end: usize,
}

fn parse<'a>(path: &Path, text: &'a str) -> Result<Url<'a>, Fatal> {
    let (offset, line) = super::url_line(text);
    let Some(scheme_end) = line
        .find("://")
        .filter(|_| line.to_ascii_lowercase().starts_with("awsathena"))
    else {
        return Err(bad(
            path,
            text,
            offset,
            "not a PyAthena SQLAlchemy URL: expected `awsathena+rest://…`",
        ));
    };
    let start = scheme_end + 3;
    let rest = &line[start..];
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let base = offset + start;
    let (user, password, colon, host) = match authority.rfind('@') {
        Some(at) => {
            let info = &authority[..at];
            let (user, password, colon) = match info.find(':') {
                Some(c) => (
                    Span {
                        raw: &info[..c],
                        at: base,
                    },
                    Some(Span {
                        raw: &info[c + 1..],
                        at: base + c + 1,
                    }),
                    Some(base + c),
                ),
                None => (Span { raw: info, at: base }, None, None),
            };
            let user = Some(user).filter(|u| !u.raw.is_empty());
            (
                user,
                password,
                colon,
                Span {
                    raw: &authority[at + 1..],
                    at: base + at + 1,
                },
            )
        }
        None => (
            None,
            None,
            None,
            Span {
                raw: authority,
                at: base,
            },
        ),
    };
    let mut url = Url {
        user,
        password,
        colon,
        host,
        path: None,
        query: Vec::new(),
        question: None,
        end: offset + line.len(),
    };
    let after = &rest[authority_len..];
    let after_at = base + authority_len;
    let (path_part, query_part) = match after.find('?') {
        Some(q) => {
            url.question = Some(after_at + q);
            (&after[..q], Some((&after[q + 1..], after_at + q + 1)))
        }
        None => (after, None),
    };
    if let Some(p) = path_part.strip_prefix('/').filter(|p| !p.is_empty()) {
        url.path = Some(Span {
            raw: p,
            at: after_at + 1,
        });
    }
    if let Some((query, mut at)) = query_part {
        for pair in query.split('&') {
            let here = at;
            at += pair.len() + 1;
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if url.query.iter().any(|(n, _)| n.raw == name) {
                return Err(bad(
                    path,
                    text,
                    here,
                    format!("`{name}` is given twice in the query"),
                ));
            }
            url.query.push((
                Span { raw: name, at: here },
                Span {
                    raw: value,
                    at: here + name.len() + 1,
                },
            ));
        }
    }
    Ok(url)
}

fn decoded(path: &Path, text: &str, span: Span, plus: bool) -> Result<String, Fatal> {
    percent_decode(span.raw, plus)
        .map_err(|(i, why)| bad(path, text, span.at + i, format!("invalid URL escape: {why}")))
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let url = parse(path, text)?;
    let mut reading = Reading::new(path, text, Form::SqlAlchemy);
    if let Some(user) = url.user {
        reading.set(FieldId::AccessKeyId, decoded(path, text, user, false)?, user.at);
    }
    if let Some(password) = url.password {
        let value = decoded(path, text, password, false)?;
        reading.secret(value, password.at, password.raw.len());
    }
    if let Some(p) = url.path {
        reading.set(FieldId::DefaultSchema, decoded(path, text, p, false)?, p.at);
    }
    for (name, value) in &url.query {
        if SECRETS.contains(&name.raw) {
            let v = decoded(path, text, *value, true)?;
            if name.raw == "aws_secret_access_key" {
                reading.secret(v, value.at, value.raw.len());
            } else {
                reading.mask(value.at, value.raw.len());
            }
            continue;
        }
        if let Some((_, id)) = FIELDS.iter().find(|(n, _)| *n == name.raw) {
            reading.set(*id, decoded(path, text, *value, true)?, value.at);
            continue;
        }
        if OTHERS.contains(&name.raw) {
            continue;
        }
        let known = FIELDS
            .iter()
            .map(|(n, _)| *n)
            .chain(OTHERS.iter().copied())
            .chain(SECRETS.iter().copied());
        if let Some(near) = nearest(name.raw, known) {
            reading.typo(
                name.raw,
                near,
                format!(
                    "`{}` is not an argument of pyathena.connect (names are case-sensitive)",
                    name.raw
                ),
                name.at,
            );
        }
    }
    let host = url.host.raw.split(':').next().unwrap_or_default();
    if let Some((region, within)) = region_of_host(host) {
        reading.set(FieldId::Region, region.to_string(), url.host.at + within);
    }
    Ok(reading.finish())
}

pub(super) fn rewrite(text: &str, changes: &[Change]) -> Result<String, String> {
    let url = parse(Path::new("url"), text).map_err(|e| e.to_string())?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut appended: Vec<String> = Vec::new();
    let remove_pair = |name: Span, value: Span| -> (usize, usize, String) {
        let end = value.at + value.raw.len();
        if text[end..].starts_with('&') {
            (name.at, end + 1, String::new())
        } else if text[..name.at].ends_with('&') {
            // The last parameter: take the `&` before it.
            (name.at - 1, end, String::new())
        } else {
            (name.at, end, String::new())
        }
    };
    for change in changes {
        match change {
            Change::Set(id, value) => {
                let encoded = value.as_deref().map(percent_encode);
                let host = url.host.raw.split(':').next().unwrap_or_default();
                match (id, region_of_host(host)) {
                    (FieldId::Region, Some((region, within))) => {
                        let at = url.host.at + within;
                        edits.push((at, at + region.len(), value.clone().unwrap_or_default()));
                        continue;
                    }
                    (FieldId::AccessKeyId, _) if url.user.is_some() => {
                        let u = url.user.expect("checked");
                        edits.push((u.at, u.at + u.raw.len(), encoded.unwrap_or_default()));
                        continue;
                    }
                    (FieldId::DefaultSchema, _) if url.path.is_some() => {
                        let p = url.path.expect("checked");
                        edits.push((p.at, p.at + p.raw.len(), encoded.unwrap_or_default()));
                        continue;
                    }
                    _ => {}
                }
                let name = property_of(*id).ok_or_else(|| format!("a SQLAlchemy URL has no {}", id.key()))?;
                match (url.query.iter().find(|(n, _)| n.raw == name), encoded) {
                    (Some((_, v)), Some(e)) => edits.push((v.at, v.at + v.raw.len(), e)),
                    (Some((n, v)), None) => edits.push(remove_pair(*n, *v)),
                    (None, Some(e)) => appended.push(format!("{name}={e}")),
                    (None, None) => {}
                }
            }
            Change::Rename { from, to } => {
                if let Some((n, _)) = url.query.iter().find(|(n, _)| n.raw == from) {
                    edits.push((n.at, n.at + n.raw.len(), to.clone()));
                }
            }
            Change::DropSecrets => {
                if let (Some(colon), Some(p)) = (url.colon, url.password) {
                    edits.push((colon, p.at + p.raw.len(), String::new()));
                }
                for (n, v) in &url.query {
                    if SECRETS.contains(&n.raw) {
                        edits.push(remove_pair(*n, *v));
                    }
                }
            }
        }
    }
    let mut out = super::apply_edits(text, edits);
    if !appended.is_empty() {
        let url = parse(Path::new("url"), &out).map_err(|e| e.to_string())?;
        let sep = match url.question {
            None => "?",
            Some(_) if out[..url.end].ends_with(['?', '&']) => "",
            Some(_) => "&",
        };
        out.insert_str(url.end, &format!("{sep}{}", appended.join("&")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    // The shape of PyAthena's documented connection string.
    const URL: &str = "awsathena+rest://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY@athena.us-west-2.amazonaws.com:443/sales?s3_staging_dir=s3%3A%2F%2Facme-results%2Fpyathena%2F&work_group=bi&catalog_name=AwsDataCatalog\n";

    #[test]
    fn urls_fill_the_model_and_keep_the_secret_apart() {
        let loaded = read(Path::new("u.url"), URL).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::SqlAlchemy);
        assert_eq!(c.value(FieldId::AccessKeyId), Some("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(c.value(FieldId::Region), Some("us-west-2"));
        assert_eq!(c.value(FieldId::DefaultSchema), Some("sales"));
        assert_eq!(
            c.value(FieldId::S3OutputBucket),
            Some("s3://acme-results/pyathena/")
        );
        assert_eq!(c.value(FieldId::Workgroup), Some("bi"));
        assert_eq!(c.value(FieldId::DataCatalog), Some("AwsDataCatalog"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 1, column: 91 })
        );
        assert!(loaded.file_secret.is_some());
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }

    #[test]
    fn rewrites_keep_the_rest_and_drop_secrets() {
        let out = rewrite(
            URL,
            &[
                Change::Set(FieldId::S3OutputBucket, Some("s3://acme-results/p q/".into())),
                Change::Set(FieldId::Region, Some("eu-west-1".into())),
                Change::Set(FieldId::ExternalId, Some("x-1".into())),
                Change::DropSecrets,
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "awsathena+rest://AKIAIOSFODNN7EXAMPLE@athena.eu-west-1.amazonaws.com:443/sales?s3_staging_dir=s3://acme-results/p%20q/&work_group=bi&catalog_name=AwsDataCatalog&external_id=x-1\n"
        );
        let c = read(Path::new("u"), &out).unwrap().connection;
        assert_eq!(c.value(FieldId::S3OutputBucket), Some("s3://acme-results/p q/"));
    }

    #[test]
    fn typos_and_bad_escapes() {
        let c = read(
            Path::new("u"),
            "awsathena+rest://@athena.us-east-1.amazonaws.com:443/s?s3_staging_directory=s3://b/&workgroup=x",
        )
        .unwrap()
        .connection;
        let names: Vec<_> = c
            .unknown
            .iter()
            .map(|u| (u.name.as_str(), u.rename.as_deref()))
            .collect();
        assert_eq!(names, [("workgroup", Some("work_group"))]);
        let e = read(
            Path::new("u"),
            "awsathena+rest://@athena.us-east-1.amazonaws.com:443/s?work_group=%zz",
        )
        .unwrap_err();
        assert!(e.to_string().contains(":1:67:"), "{e}");
    }
}
