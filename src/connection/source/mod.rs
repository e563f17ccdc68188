//! Other tools' connection sources, read into the one connection model.
//!
//! Each reader (`jdbc`, `sqlalchemy`, `odbc`) turns its tool's text into the
//! same [`Connection`] the Omni reader fills, with every value's position in the
//! file (a URL's property at its byte offset is line 1, column offset + 1), the
//! tool's own name for each field (`FieldId::key_in`), the secret kept apart
//! (`secret::Secret`; the model's copy of the text has it masked), and the
//! properties the tool's driver does not know. `connection::from_text` is the
//! one place connection files are read: it asks [`detect`] (or the `--source`
//! the user [`choose`]s) which reader to run.
//!
//! Fixes go back in the tool's words: [`rewrite`] changes one property of the
//! source text and leaves every other byte as it was.

mod dbt;
mod grafana;
mod jdbc;
mod metabase;
mod odbc;
pub(crate) mod profile;
mod sqlalchemy;
mod tree;

use super::{AuthType, Connection, Field, FieldId, Form, Loaded, Unknown};
use crate::error::Fatal;
use crate::location::Location;
use crate::secret::{Secret, SecretSource};
use std::path::Path;
use std::sync::OnceLock;

/// Which reader reads a connection source (`--source KIND`). The exact syntax
/// it was written in is the connection's `Form`, which the reader decides from
/// the text (a JDBC URL's scheme names its driver, an ODBC DSN is an `.ini`
/// section or a registry export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// Omni's connection file: TOML, JSON, or JSON keyed by the form's labels.
    Omni,
    /// A JDBC URL: Simba 2.x (`jdbc:awsathena://`) or Amazon 3.x/4.x (`jdbc:athena://`).
    Jdbc,
    /// A SQLAlchemy URL for PyAthena (`awsathena+rest://…`).
    SqlAlchemy,
    /// An ODBC DSN: an `odbc.ini` section or a Windows registry export.
    Odbc,
    /// A dbt-athena target in `profiles.yml`.
    Dbt,
    /// Grafana's Athena data source (provisioning YAML or API JSON).
    Grafana,
    /// Metabase's Athena database (API JSON).
    Metabase,
}

impl SourceKind {
    /// The names `--source` takes, in the order help lists them.
    pub(crate) const NAMES: [&'static str; 7] =
        ["omni", "jdbc", "sqlalchemy", "odbc", "dbt", "grafana", "metabase"];

    pub(crate) fn named(name: &str) -> Option<SourceKind> {
        match name.to_ascii_lowercase().as_str() {
            "omni" => Some(SourceKind::Omni),
            "jdbc" => Some(SourceKind::Jdbc),
            "sqlalchemy" | "pyathena" => Some(SourceKind::SqlAlchemy),
            "odbc" => Some(SourceKind::Odbc),
            "dbt" => Some(SourceKind::Dbt),
            "grafana" => Some(SourceKind::Grafana),
            "metabase" => Some(SourceKind::Metabase),
            _ => None,
        }
    }
}

/// File names a fleet directory takes as connections besides `.toml` and
/// `.json`: a JDBC or SQLAlchemy URL in a file of its own, an ODBC DSN.
pub(crate) const EXTENSIONS: &[&str] = &[".jdbc", ".url", ".ini", ".reg", ".yml", ".yaml"];

static CHOSEN: OnceLock<SourceKind> = OnceLock::new();

/// The reader the user named with `--source`, for every connection this run
/// reads. Set once, before the first read; a fleet of mixed sources leaves it
/// unset and each file is detected by its content.
pub(crate) fn choose(kind: SourceKind) {
    let _ = CHOSEN.set(kind);
}

/// The reader for `text`: the one chosen, else the one its content names.
pub(crate) fn reader_for(text: &str) -> SourceKind {
    CHOSEN
        .get()
        .copied()
        .or_else(|| detect(text))
        .unwrap_or(SourceKind::Omni)
}

/// Which tool's source `text` is, by its content: `None` for anything else
/// (Omni's reader then reads it, and says what is wrong with it).
pub(crate) fn detect(text: &str) -> Option<SourceKind> {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))?;
    let lower = first.to_ascii_lowercase();
    if lower.starts_with("jdbc:awsathena://") || lower.starts_with("jdbc:athena://") {
        return Some(SourceKind::Jdbc);
    }
    if lower.starts_with("awsathena+") || lower.starts_with("awsathena://") {
        return Some(SourceKind::SqlAlchemy);
    }
    if odbc::looks_like(text) {
        return Some(SourceKind::Odbc);
    }
    if grafana::looks_like(text) {
        return Some(SourceKind::Grafana);
    }
    if metabase::looks_like(text) {
        return Some(SourceKind::Metabase);
    }
    if dbt::looks_like(text) {
        return Some(SourceKind::Dbt);
    }
    None
}

/// Read `text` with `kind`'s reader (not Omni's: `connection::from_text` reads that).
pub(crate) fn read(kind: SourceKind, path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let mut loaded = read_source(kind, path, text)?;
    profile::apply(&mut loaded)?;
    Ok(loaded)
}

fn read_source(kind: SourceKind, path: &Path, text: &str) -> Result<Loaded, Fatal> {
    match kind {
        SourceKind::Jdbc => jdbc::read(path, text),
        SourceKind::SqlAlchemy => sqlalchemy::read(path, text),
        SourceKind::Odbc => odbc::read(path, text),
        SourceKind::Dbt => dbt::read(path, text),
        SourceKind::Grafana => grafana::read(path, text),
        SourceKind::Metabase => metabase::read(path, text),
        SourceKind::Omni => unreachable!("Omni's file is read by connection::load"),
    }
}

/// A URL source's URL: the first line that is not blank or a `#` comment,
/// trimmed, and its byte offset in `text` (positions count from the file).
pub(crate) fn url_line(text: &str) -> (usize, &str) {
    let mut offset = 0;
    for l in text.split_inclusive('\n') {
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return (offset + l.len() - l.trim_start().len(), t);
        }
        offset += l.len();
    }
    (offset, "")
}

/// The property of `form`'s tool that holds `id`, if it has one.
pub(crate) fn property_of(form: Form, id: FieldId) -> Option<&'static str> {
    match form {
        Form::Toml | Form::Json => Some(id.key()),
        Form::Labels => Some(id.label()),
        Form::Jdbc2 | Form::Jdbc3 | Form::Jdbc4 => jdbc::property_of(form, id),
        Form::SqlAlchemy => sqlalchemy::property_of(id),
        Form::OdbcIni | Form::OdbcReg => odbc::property_of(id),
        Form::Dbt => dbt::property_of(id),
        Form::Grafana => grafana::property_of(id),
        Form::Metabase => metabase::property_of(id),
        Form::AwsConfig => profile::property_of(id),
    }
}

/// One change to a source, in its own terms.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// Set the property that holds the field (added when absent), or remove it.
    Set(FieldId, Option<String>),
    /// Rename a property the driver does not know, keeping its value.
    Rename { from: String, to: String },
    /// Remove every property holding a secret (the corrected file never copies one).
    DropSecrets,
}

/// `text` (a source of `form`) with `changes` made, every other byte kept.
pub(crate) fn rewrite(form: Form, text: &str, changes: &[Change]) -> Result<String, String> {
    match form {
        Form::Jdbc2 | Form::Jdbc3 | Form::Jdbc4 => jdbc::rewrite(form, text, changes),
        Form::SqlAlchemy => sqlalchemy::rewrite(text, changes),
        Form::OdbcIni | Form::OdbcReg => odbc::rewrite(form, text, changes),
        Form::Dbt => dbt::rewrite(text, changes),
        Form::Grafana => grafana::rewrite(text, changes),
        Form::Metabase => metabase::rewrite(text, changes),
        Form::AwsConfig => {
            Err("a profile's setting is corrected line by line (fix::Fix::profile_setting)".into())
        }
        Form::Toml | Form::Json | Form::Labels => Err("Omni's file is rewritten by fix::bundle".into()),
    }
}

/// Each source reader on `text` behind each of the heads that send text to
/// it, and a rewrite of what each read: what the fuzz target and the
/// never-panics property drive. Whether any reading succeeded.
pub(crate) fn exercise(text: &str) -> bool {
    const HEADS: [&str; 6] = [
        "",
        "jdbc:athena://",
        "jdbc:awsathena://",
        "awsathena+rest://",
        "[A]\nDriver=athena\n",
        "Windows Registry Editor Version 5.00\r\n[HKEY\\ODBC.INI\\A]\r\n",
    ];
    let changes = [
        Change::Set(FieldId::S3OutputBucket, Some("s3://b/p/".into())),
        Change::Set(FieldId::Region, None),
        Change::Set(FieldId::AccessKeyId, Some("AKIAIOSFODNN7EXAMPLE".into())),
        Change::Rename {
            from: "Region".into(),
            to: "AwsRegion".into(),
        },
        Change::DropSecrets,
    ];
    // The AWS config reader too: each profile's chain followed.
    if let Ok(profiles) = profile::parse(text) {
        for p in &profiles {
            let _ = profile::chain(&profiles, &p.name);
        }
    }
    let mut any = false;
    for head in HEADS {
        let whole = format!("{head}{text}");
        let Some(kind) = detect(&whole) else { continue };
        if let Ok(loaded) = read(kind, Path::new("c"), &whole) {
            any = true;
            let c = loaded.connection;
            let _ = rewrite(c.form, &whole, &changes);
            let _ = rewrite(c.form, c.text.as_deref().unwrap_or_default(), &changes);
        }
    }
    any
}

/// `text` with `edits` (byte range, replacement) made. An edit that overlaps
/// one before it in the list is left out (removing a property and renaming it
/// in one run: the first change wins), so offsets always hold.
pub(super) fn apply_edits(text: &str, edits: Vec<(usize, usize, String)>) -> String {
    let mut kept: Vec<(usize, usize, String)> = Vec::new();
    for (start, end, replacement) in edits {
        let inside =
            start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end);
        let overlaps = kept
            .iter()
            .any(|(s, e, _)| start < *e && *s < end || (start == end && *s < start && start < *e));
        if inside && !overlaps {
            kept.push((start, end, replacement));
        }
    }
    kept.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    let mut out = text.to_string();
    for (start, end, replacement) in kept {
        out.replace_range(start..end, &replacement);
    }
    out
}

/// A connection being read from a source: the model filled field by field,
/// each value with its position, the secret apart, and the spans of secret
/// values so the model's copy of the text can mask them.
pub(super) struct Reading<'a> {
    text: &'a str,
    connection: Connection,
    secret: Option<Secret>,
    masked: Vec<(usize, usize)>,
}

/// What stands for a secret value in the text the model keeps.
pub(crate) const MASK: &str = "****";

impl<'a> Reading<'a> {
    pub(super) fn new(path: &Path, text: &'a str, form: Form) -> Reading<'a> {
        Reading {
            text,
            connection: Connection {
                path: path.display().to_string(),
                form,
                ..Connection::default()
            },
            secret: None,
            masked: Vec::new(),
        }
    }

    fn at(&self, offset: usize) -> Location {
        Location::of_offset(self.text, offset)
    }

    /// Set a field from the value written at byte `offset` (the first wins:
    /// the reader has already refused a repeated property).
    pub(super) fn set(&mut self, id: FieldId, raw: String, offset: usize) {
        let field = Some(Field {
            raw,
            location: Some(self.at(offset)),
        });
        let c = &mut self.connection;
        let slot = match id {
            FieldId::DisplayName => &mut c.display_name,
            FieldId::S3OutputBucket => &mut c.s3_output_bucket,
            FieldId::DataCatalog => &mut c.data_catalog,
            FieldId::IncludeOtherDataCatalogs => &mut c.include_other_data_catalogs,
            FieldId::IncludeSchemas => &mut c.include_schemas,
            FieldId::DefaultSchema => &mut c.default_schema,
            FieldId::DatabaseTimezone => &mut c.database_timezone,
            FieldId::QueryTimezone => &mut c.query_timezone,
            FieldId::Region => &mut c.region,
            FieldId::Workgroup => &mut c.workgroup,
            FieldId::AccountId => &mut c.account_id,
            FieldId::RoleArn => &mut c.auth.role_arn,
            FieldId::ExternalId => &mut c.auth.external_id,
            FieldId::TrustedAccountId => &mut c.auth.trusted_account_id,
            FieldId::AccessKeyId => &mut c.auth.access_key_id,
            FieldId::ProfileName => &mut c.auth.profile_name,
            FieldId::SecretAccessKey => {
                unreachable!("a secret is kept with Reading::secret")
            }
            FieldId::AuthType | FieldId::DataBuckets => return,
        };
        if slot.is_none() {
            *slot = field;
        }
    }

    /// The secret access key written at `offset` (`len` bytes as written):
    /// kept apart, its position noted, its text masked in the model's copy.
    pub(super) fn secret(&mut self, value: String, offset: usize, len: usize) {
        self.mask(offset, len);
        let at = Some(self.at(offset));
        if value.trim().is_empty() {
            self.connection.auth.secret_blank = at;
        } else if self.secret.is_none() {
            self.connection.auth.secret_in_file = at;
            self.secret = Some(Secret::new(value, SecretSource::ConnectionFile));
        }
    }

    /// Mask a value that must never be echoed (a session token, a proxy password).
    pub(super) fn mask(&mut self, offset: usize, len: usize) {
        self.masked.push((offset, len));
    }

    /// The authentication the source names outright (ODBC's
    /// `AuthenticationType`), written at `offset`.
    pub(super) fn auth(&mut self, auth: AuthType, offset: usize) {
        self.connection.auth.auth_type = Some(auth);
        self.connection.auth.type_location = Some(self.at(offset));
    }

    /// The identity provider or token the driver signs in with (its value
    /// written at `offset`): credentials the doctor never signs in for.
    pub(super) fn sign_in(&mut self, provider: String, offset: usize) {
        self.connection.auth.sign_in = Some(Field {
            raw: provider,
            location: Some(self.at(offset)),
        });
    }

    /// A property the driver does not know.
    pub(super) fn unknown(&mut self, name: &str, rename: Option<&str>, why: String, offset: usize) {
        let location = Some(self.at(offset));
        self.connection.unknown.push(Unknown {
            name: name.to_string(),
            rename: rename.map(str::to_string),
            why,
            typo: false,
            unresolved: false,
            location,
        });
    }

    /// A property whose value the tool fills in from the environment variable
    /// `var` when it runs (`""`: a template the doctor cannot read): the field
    /// stays unset, and CONN011 says so.
    pub(super) fn unresolved(&mut self, name: &str, var: &str, offset: usize) {
        let why = match var {
            "" => format!("`{name}` is a template the tool fills in when it runs"),
            v => format!("`{name}` comes from the environment variable {v} when the tool runs"),
        };
        self.unknown(name, None, why, offset);
        if let Some(u) = self.connection.unknown.last_mut() {
            u.unresolved = true;
        }
    }

    /// A property that looks like a typo of `near`.
    pub(super) fn typo(&mut self, name: &str, near: &str, why: String, offset: usize) {
        self.unknown(name, Some(near), why, offset);
        if let Some(u) = self.connection.unknown.last_mut() {
            u.typo = true;
        }
    }

    /// The connection, its authentication type decided the way the tool
    /// decides it: keys in the source mean keys, a role means a role, else
    /// the tool's default credentials (no type).
    pub(super) fn finish(mut self) -> Loaded {
        let c = &mut self.connection;
        let keys = c.auth.access_key_id.is_some()
            || c.auth.secret_in_file.is_some()
            || c.auth.secret_blank.is_some();
        if c.auth.auth_type.is_some() {
            // Named by the source itself.
        } else if keys {
            c.auth.auth_type = Some(AuthType::AccessKey);
        } else if c.auth.role_arn.is_some() {
            c.auth.auth_type = Some(AuthType::CrossAccountRole);
        }
        if c.auth
            .access_key_id
            .as_ref()
            .is_some_and(|f| crate::secret::looks_like_secret(&f.raw))
        {
            // The secret pasted where the key ID goes: keep where, never what.
            c.auth.access_key_id_holds_secret = c.auth.access_key_id.take().and_then(|f| f.location);
        }
        let mut masked = self.masked;
        masked.sort_unstable();
        let mut text = String::with_capacity(self.text.len());
        let mut at = 0;
        for (start, len) in masked {
            if start < at || start + len > self.text.len() {
                continue;
            }
            text.push_str(&self.text[at..start]);
            text.push_str(MASK);
            at = start + len;
        }
        text.push_str(&self.text[at..]);
        c.text = Some(text);
        Loaded {
            connection: self.connection,
            file_secret: self.secret,
        }
    }
}

/// The known name closest to `name` (case ignored): a typo's correction.
pub(super) fn nearest<'n>(name: &str, known: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    let folded = name.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&k.to_ascii_lowercase(), &folded), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The region in an Athena endpoint host (`athena.REGION.amazonaws.com`, also
/// `.com.cn` and FIPS names), with its byte offset in `host`.
pub(super) fn region_of_host(host: &str) -> Option<(&str, usize)> {
    let lower = host.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("athena-fips.")
        .map(|r| (r, "athena-fips.".len()))
        .or_else(|| lower.strip_prefix("athena.").map(|r| (r, "athena.".len())))?;
    let (tail, start) = rest;
    let end = tail.find('.')?;
    tail[end..]
        .starts_with(".amazonaws.com")
        .then_some((&host[start..start + end], start))
}

/// An input error at byte `offset` of `text`.
pub(super) fn bad(path: &Path, text: &str, offset: usize, message: impl std::fmt::Display) -> Fatal {
    Fatal::input(path, Some(Location::of_offset(text, offset)), message)
}

/// Decode `%XX` escapes (and, in a query, `+` as a space). Bad escapes are
/// an error naming the offset within `s`.
pub(super) fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, (usize, String)> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => return Err((i, "a `%` not followed by two hex digits".into())),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| (0, "percent-escapes that are not UTF-8".into()))
}

/// Encode a value for a URL query or userinfo: everything but unreserved
/// characters and `/`, `:`, `@` (kept so `s3://bucket/prefix/` reads as written).
pub(super) fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_apart_by_their_content() {
        assert_eq!(
            detect("jdbc:awsathena://AwsRegion=us-east-1;"),
            Some(SourceKind::Jdbc)
        );
        assert_eq!(
            detect("\n  JDBC:athena://Region=us-east-1\n"),
            Some(SourceKind::Jdbc)
        );
        assert_eq!(
            detect("awsathena+rest://@athena.us-east-1.amazonaws.com:443/s"),
            Some(SourceKind::SqlAlchemy)
        );
        assert_eq!(
            detect("region = \"us-east-1\"\n[auth]\ntype = \"access_key\"\n"),
            None
        );
        assert_eq!(detect("{\"region\": \"jdbc:athena://\"}"), None);
    }

    #[test]
    fn regions_come_from_athena_hosts() {
        assert_eq!(
            region_of_host("athena.eu-west-1.amazonaws.com"),
            Some(("eu-west-1", 7))
        );
        assert_eq!(
            region_of_host("athena.cn-north-1.amazonaws.com.cn"),
            Some(("cn-north-1", 7))
        );
        assert_eq!(
            region_of_host("athena-fips.us-east-1.amazonaws.com"),
            Some(("us-east-1", 12))
        );
        assert_eq!(region_of_host("vpce-1.athena.us-east-1.vpce.amazonaws.com"), None);
        assert_eq!(region_of_host("example.com"), None);
    }

    #[test]
    fn percent_escapes_decode_and_encode() {
        assert_eq!(percent_decode("s3%3A%2F%2Fb%2Fp%2F", true).unwrap(), "s3://b/p/");
        assert_eq!(percent_decode("a+b", true).unwrap(), "a b");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(percent_decode("a%2", true).unwrap_err().0, 1);
        assert_eq!(percent_encode("s3://b/p q/"), "s3://b/p%20q/");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// No source text makes a reader, or a rewrite of what it read, panic.
        #[test]
        fn readers_and_rewrites_never_panic(
            head in proptest::sample::select(vec![
                "jdbc:athena://", "jdbc:awsathena://", "awsathena+rest://",
                "[A]\nDriver=athena\n", "Windows Registry Editor Version 5.00\r\n[HKEY\\ODBC.INI\\A]\r\n",
            ]),
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "Region=", "us-east-1", ";", "=", "&", "?", "@", ":", "/", "%", "%2F", "%zz", "\"", "\\",
                "\n", "\r\n", "[", "]", "OutputLocation", "s3://b/p/", "Password=x", "PWD=", "\u{e9}",
                "athena.eu-west-1.amazonaws.com", "AwsRegion=", " ", "#", "s3_staging_dir=", "User=",
            ]), 0..24),
        ) {
            let _ = exercise(&format!("{head}{}", pieces.concat()));
        }
    }
}
