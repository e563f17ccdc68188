//! Reading a connection file: size and encoding checks, TOML or JSON (nested or
//! keyed by form labels), precise errors with line and column, unknown keys with a
//! suggestion, and the secret kept apart from the model.

use super::raw::{LABELS, Labelled, Nested, NestedAuth};
use super::{AuthType, Connection, Field, FieldId, Form};
use crate::error::Fatal;
use crate::limits::{self, Input};
use crate::location::{Location, locate_key};
use crate::secret::{Secret, SecretSource, looks_like_secret};
use std::io::Read;
use std::path::Path;

/// A loaded connection and, apart from it, any secret the file held.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub connection: Connection,
    pub file_secret: Option<Secret>,
}

pub(crate) fn load(path: &Path) -> Result<Loaded, Fatal> {
    from_text(path, &read_text(path)?)
}

/// Parse a connection from text already read; `path` names it in errors and
/// decides TOML or JSON by its extension.
///
/// The one place a connection is read: another tool's source (a JDBC or
/// SQLAlchemy URL, an ODBC DSN), named by `--source` or told by its content,
/// goes to its reader (`source`); anything else is Omni's file.
pub(crate) fn from_text(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    match super::source::reader_for(text) {
        super::SourceKind::Omni => {}
        kind => return super::source::read(kind, path, text),
    }
    let (nested, form) = parse(path, text)?;
    build(path, text, nested, form)
}

/// Read a connection file (UTF-8, at most its kind's size), or say exactly why not.
pub(crate) fn read_text(path: &Path) -> Result<String, Fatal> {
    read_input(path, Input::Connection)
}

/// Read a UTF-8 text file of `kind`, or say exactly why not: a file over the
/// kind's limit (`limits`), or one that is not a regular file (a FIFO would
/// block the run until a writer came, `/dev/zero` never ends), is bad input.
pub(crate) fn read_input(path: &Path, kind: Input) -> Result<String, Fatal> {
    let bytes = read_bounded(path, kind)?;
    utf8(path, bytes)
}

/// The bytes of `path`, at most `kind`'s limit. A FIFO is read as what writes
/// to it gives (process substitution, `--policy <(aws iam get-role-policy …)`),
/// but opened without waiting for a writer: one nothing writes to is refused at
/// once, never waited on.
pub(crate) fn read_bounded(path: &Path, kind: Input) -> Result<Vec<u8>, Fatal> {
    let fifo = match std::fs::metadata(path) {
        // A regular file says its size: one over the limit is refused unread.
        Ok(meta) if meta.is_file() && meta.len() > kind.max_bytes() => return Err(too_large(path, kind)),
        Ok(meta) => check_type(path, &meta.file_type())?,
        // Missing or unreadable: opening it says why.
        Err(_) => false,
    };
    if !fifo {
        let file = std::fs::File::open(path).map_err(|e| Fatal::io(path, e))?;
        return read_capped(path, file, kind);
    }
    let bytes = read_capped(
        path,
        fifo::Reader::open(path).map_err(|e| Fatal::io(path, e))?,
        kind,
    )?;
    if bytes.is_empty() {
        return Err(Fatal::input(
            path,
            None,
            "is a FIFO (named pipe) that nothing wrote to: save what it should give to a file and name that",
        ));
    }
    Ok(bytes)
}

/// Read at most `kind`'s limit from `reader` (a file or standard input); one
/// byte more is the error that names the limit (so `/dev/zero` ends too).
pub(crate) fn read_capped(path: &Path, reader: impl Read, kind: Input) -> Result<Vec<u8>, Fatal> {
    let max = kind.max_bytes();
    let mut bytes = Vec::new();
    reader
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Fatal::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, kind));
    }
    Ok(bytes)
}

fn too_large(path: &Path, kind: Input) -> Fatal {
    let max = kind.max_bytes();
    Fatal::input(
        path,
        None,
        format!(
            "the input is larger than {} ({max} bytes), the limit for {}; is it the right file?",
            limits::human_bytes(max),
            kind.noun()
        ),
    )
}

/// Refuse sockets and devices (`/dev/zero` never ends, a terminal waits); say
/// whether it is a FIFO. Directories are left to the read, which names them.
fn check_type(path: &Path, file_type: &std::fs::FileType) -> Result<bool, Fatal> {
    let refuse = |what: &str| {
        Err(Fatal::input(
            path,
            None,
            format!("is {what}, not a regular file: save what it gives to a file and name that"),
        ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_socket() {
            return refuse("a socket");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return refuse("a device");
        }
        Ok(file_type.is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = (file_type, refuse);
        Ok(false)
    }
}

/// Reading a FIFO without waiting for a writer to open it.
mod fifo {
    use std::io::{ErrorKind, Read};
    use std::path::Path;

    /// A FIFO opened non-blocking (opening does not wait for a writer); a read
    /// that finds a writer but no data yet waits for it, polling.
    pub(super) struct Reader(std::fs::File);

    impl Reader {
        #[cfg(unix)]
        pub(super) fn open(path: &Path) -> std::io::Result<Reader> {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map(Reader)
        }

        #[cfg(not(unix))]
        pub(super) fn open(path: &Path) -> std::io::Result<Reader> {
            std::fs::File::open(path).map(Reader)
        }
    }

    impl Read for Reader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            loop {
                match self.0.read(buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    other => return other,
                }
            }
        }
    }
}

/// Bytes as UTF-8 text, without a byte-order mark; an error names the first bad byte.
pub(crate) fn utf8(path: &Path, mut bytes: Vec<u8>) -> Result<String, Fatal> {
    // A UTF-8 byte-order mark (Windows editors write one) is not part of the
    // document: JSON parsers refuse it, TOML skips it; skip it for both.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bad = e.as_bytes()[valid];
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        Fatal::input(
            path,
            Some(Location::of_offset(&prefix, valid)),
            format!("the file is not UTF-8 text (byte 0x{bad:02X})"),
        )
    })
}

fn looks_like_json(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => true,
        Some(e) if e.eq_ignore_ascii_case("toml") => false,
        _ => text.trim_start().starts_with('{'),
    }
}

fn parse(path: &Path, text: &str) -> Result<(Nested, Form), Fatal> {
    // Omni's reader: the form is decided by extension and content.
    if looks_like_json(path, text) {
        parse_json(path, text)
    } else {
        parse_toml(path, text).map(|n| (n, Form::Toml))
    }
}

fn parse_toml(path: &Path, text: &str) -> Result<Nested, Fatal> {
    let located = |e: &toml::de::Error| e.span().map(|s| Location::of_offset(text, s.start));
    let de = toml::Deserializer::parse(text).map_err(|e| {
        Fatal::input(
            path,
            located(&e),
            format!("invalid TOML: {}", e.message().trim_end()),
        )
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let (message, key) = explain(&field, inner.message());
        let location = key.and_then(|k| locate_key(text, &k)).or_else(|| located(&inner));
        Fatal::input(path, location, message)
    })
}

fn parse_json(path: &Path, text: &str) -> Result<(Nested, Form), Fatal> {
    let json_error = |e: &serde_json::Error| {
        // serde_json appends " at line L column C"; the location is reported separately.
        let full = e.to_string();
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m)
            .to_string();
        let location = Location {
            line: u32::try_from(e.line().max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
        };
        (message, location)
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let (message, location) = json_error(&e);
        Fatal::input(path, Some(location), format!("invalid JSON: {message}"))
    })?;
    let Some(object) = value.as_object() else {
        let first = text.len() - text.trim_start().len();
        return Err(Fatal::input(
            path,
            Some(Location::of_offset(text, first)),
            "a connection file holds one JSON object",
        ));
    };
    let flat = object.keys().any(|k| LABELS.contains(&k.as_str()));
    let typed = |e: serde_path_to_error::Error<serde_json::Error>| {
        let field = e.path().to_string();
        let (_, location) = json_error(e.inner());
        let (message, key) = explain(&field, &e.inner().to_string());
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        let location = key.and_then(|k| locate_key(text, &k)).unwrap_or(location);
        Fatal::input(path, Some(location), message)
    };
    let mut de = serde_json::Deserializer::from_str(text);
    if flat {
        let labelled: Labelled = serde_path_to_error::deserialize(&mut de).map_err(typed)?;
        Ok((labelled.into(), Form::Labels))
    } else {
        let nested: Nested = serde_path_to_error::deserialize(&mut de).map_err(typed)?;
        Ok((nested, Form::Json))
    }
}

/// Turn serde's message into one a person can act on. Returns the message and,
/// for an unknown key, the key (so that its position can be found).
fn explain(field: &str, message: &str) -> (String, Option<String>) {
    if let Some((key, expected)) = parse_unknown_field(message) {
        let hint = match nearest(&key, &expected) {
            Some(best) => format!("; did you mean `{best}`?"),
            None => format!("; known keys: {}", expected.join(", ")),
        };
        let place = match field.rsplit_once('.') {
            Some((table, _)) => format!(" in `{table}`"),
            None => String::new(),
        };
        return (format!("unknown key `{key}`{place}{hint}"), Some(key));
    }
    if field.ends_with("secret_access_key") || field.ends_with("AWS Secret Access Key") {
        // serde quotes the offending value; for this field that could be a secret.
        return (format!("`{field}`: expected a string"), None);
    }
    if field.is_empty() || field == "." {
        (message.to_string(), None)
    } else {
        (format!("`{field}`: {message}"), None)
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, after) = rest.split_once('`')?;
    let expected = after.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((key.to_string(), expected))
}

/// The known key closest to `key`: same letters ignoring case and separators, or
/// within a small edit distance.
fn nearest(key: &str, known: &[String]) -> Option<String> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(key);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k.clone());
    }
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&fold(k), &folded), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
}

/// Accept the TOML/JSON values and the form's labels, in any case and spacing.
fn parse_auth_type(raw: &str) -> Option<AuthType> {
    let key: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    match key.strip_prefix("aws_").unwrap_or(&key) {
        "access_key" | "access_keys" | "iam_user" => Some(AuthType::AccessKey),
        "cross_account_role" | "role" | "assume_role" | "iam_role" => Some(AuthType::CrossAccountRole),
        _ => None,
    }
}

fn build(path: &Path, text: &str, raw: Nested, form: Form) -> Result<Loaded, Fatal> {
    // Auth keys sit bare under `[auth]`, so look for the last part of the key.
    let locate = |id: FieldId| {
        let key = id.key_in(form);
        locate_key(text, key.rsplit('.').next().unwrap_or(key))
    };
    let field = |value: Option<String>, id: FieldId| {
        value.map(|raw| Field {
            raw,
            location: locate(id),
        })
    };
    let list = |value: Option<super::raw::StringOrList>, id: FieldId| field(value.map(|v| v.joined()), id);
    let auth: NestedAuth = raw.auth.unwrap_or_default();

    let type_location = locate(FieldId::AuthType);
    let auth_type = match auth.auth_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(value) => Some(parse_auth_type(value).ok_or_else(|| {
            Fatal::input(
                path,
                type_location,
                format!(
                    "`{}`: unknown authentication type `{value}`; expected `access_key` or \
                     `cross_account_role` (the form's \"AWS Access Key\" or \"AWS Cross Account Role\")",
                    FieldId::AuthType.key_in(form)
                ),
            )
        })?),
    };

    let mut access_key_id = field(auth.access_key_id, FieldId::AccessKeyId);
    let mut access_key_id_holds_secret = None;
    if access_key_id.as_ref().is_some_and(|f| looks_like_secret(&f.raw)) {
        // Someone pasted the secret into the key ID field: keep where, never what.
        access_key_id_holds_secret = access_key_id
            .take()
            .map(|f| f.location.unwrap_or(Location { line: 1, column: 1 }));
    }

    let secret_in_file = auth
        .secret_access_key
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
        .then(|| locate(FieldId::SecretAccessKey).unwrap_or(Location { line: 1, column: 1 }));
    let secret_blank = auth
        .secret_access_key
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
        .then(|| locate(FieldId::SecretAccessKey).unwrap_or(Location { line: 1, column: 1 }));
    let file_secret = auth
        .secret_access_key
        .filter(|s| !s.trim().is_empty())
        .map(|s| Secret::new(s, SecretSource::ConnectionFile));

    let data_buckets_location = locate(FieldId::DataBuckets);
    let data_buckets = raw
        .data_buckets
        .map(|v| v.items())
        .unwrap_or_default()
        .into_iter()
        .filter(|b| !b.trim().is_empty())
        .map(|raw| Field {
            raw,
            location: data_buckets_location,
        })
        .collect();

    let doctor = doctor_config(path, text, raw.doctor.unwrap_or_default())?;
    let connection = Connection {
        path: path.display().to_string(),
        form,
        display_name: field(raw.display_name, FieldId::DisplayName),
        s3_output_bucket: field(raw.s3_output_bucket, FieldId::S3OutputBucket),
        data_catalog: field(raw.data_catalog, FieldId::DataCatalog),
        include_other_data_catalogs: list(raw.include_other_data_catalogs, FieldId::IncludeOtherDataCatalogs),
        include_schemas: list(raw.include_schemas, FieldId::IncludeSchemas),
        default_schema: field(raw.default_schema, FieldId::DefaultSchema),
        database_timezone: field(raw.database_timezone, FieldId::DatabaseTimezone),
        query_timezone: field(raw.query_timezone, FieldId::QueryTimezone),
        allow_user_specific_timezones: raw.allow_user_specific_timezones,
        region: field(raw.region, FieldId::Region),
        workgroup: field(raw.workgroup, FieldId::Workgroup),
        data_buckets,
        account_id: field(raw.account_id, FieldId::AccountId),
        auth: super::Auth {
            auth_type,
            type_location,
            role_arn: field(auth.role_arn, FieldId::RoleArn),
            external_id: field(auth.external_id, FieldId::ExternalId),
            trusted_account_id: field(auth.trusted_account_id, FieldId::TrustedAccountId),
            access_key_id,
            profile_name: None,
            access_key_id_holds_secret,
            secret_in_file,
            secret_blank,
            chain: None,
            sign_in: None,
        },
        doctor,
        text: None,
        unknown: Vec::new(),
    };
    Ok(Loaded {
        connection,
        file_secret,
    })
}

/// Read the `[doctor]` table: every ignore needs a reason. Codes and grades are
/// the gate's to resolve (`gate::Gate::new`), with the locations kept here.
fn doctor_config(
    path: &Path,
    text: &str,
    raw: super::raw::DoctorSection,
) -> Result<super::DoctorConfig, Fatal> {
    // A key at the start of its line; else the word anywhere after the table's
    // start (`severity = { CONN006 = "fatal" }` is one line); else the table.
    let table = text
        .find("[doctor]")
        .or_else(|| text.find("\"doctor\""))
        .unwrap_or(0);
    let word = |key: &str| {
        text[table..]
            .match_indices(key)
            .find(|(i, _)| {
                let before = text[table..][..*i].chars().next_back();
                let after = text[table + i + key.len()..].chars().next();
                let edge = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
                edge(before) && edge(after)
            })
            .map(|(i, _)| Location::of_offset(text, table + i))
    };
    let at = |key: &str| {
        locate_key(text, key)
            .or_else(|| word(key))
            .or_else(|| text.find("[doctor]").map(|i| Location::of_offset(text, i)))
            .or_else(|| locate_key(text, "doctor"))
    };
    let mut ignore = Vec::new();
    for entry in raw.ignore {
        if entry.reason.trim().is_empty() {
            return Err(Fatal::input(
                path,
                at("reason"),
                format!(
                    "`doctor.ignore` of {}: the reason is empty; say why it is safe to ignore",
                    entry.code
                ),
            ));
        }
        ignore.push(super::Ignore {
            location: at("code").or_else(|| at(&entry.code)),
            code: entry.code,
            reason: entry.reason.trim().to_string(),
        });
    }
    let severity = raw
        .severity
        .into_iter()
        .map(|(code, level)| super::SeverityOverride {
            location: at(&code),
            code,
            severity: level,
        })
        .collect();
    Ok(super::DoctorConfig { ignore, severity })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(name: &str, text: &str) -> Result<Loaded, Fatal> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    fn error(name: &str, text: &str) -> String {
        let err = load_str(name, text).unwrap_err();
        let Fatal::Input {
            location, message, ..
        } = err
        else {
            panic!("expected an input error, got {err:?}")
        };
        match location {
            Some(l) => format!("{l}: {message}"),
            None => message,
        }
    }

    #[test]
    fn toml_and_json_give_the_same_connection() {
        let toml = "display_name = \"A\"\ndata_catalog = \"awsdatacatalog\"\ninclude_schemas = \"a, b\"\n\
                    [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::111122223333:role/r\"\n";
        let json = r#"{"display_name": "A", "data_catalog": "awsdatacatalog", "include_schemas": ["a", " b"],
                       "auth": {"type": "cross_account_role", "role_arn": "arn:aws:iam::111122223333:role/r"}}"#;
        let labels = r#"{"Display Name": "A", "Data Catalog": "awsdatacatalog", "Include Schemas": "a, b",
                         "Authentication Type": "AWS Cross Account Role", "AWS Role ARN": "arn:aws:iam::111122223333:role/r"}"#;
        let conns: Vec<Connection> = [("c.toml", toml), ("c.json", json), ("c.json", labels)]
            .iter()
            .map(|(n, t)| load_str(n, t).unwrap().connection)
            .collect();
        for c in &conns {
            assert_eq!(c.value(FieldId::DataCatalog), Some("awsdatacatalog"));
            assert_eq!(c.list(FieldId::IncludeSchemas), vec!["a", "b"]);
            assert_eq!(c.auth.auth_type, Some(AuthType::CrossAccountRole));
            assert_eq!(
                c.value(FieldId::RoleArn),
                Some("arn:aws:iam::111122223333:role/r")
            );
        }
        assert_eq!(conns[0].form, Form::Toml);
        assert_eq!(conns[1].form, Form::Json);
        assert_eq!(conns[2].form, Form::Labels);
        assert_eq!(
            conns[0].location(FieldId::RoleArn),
            Some(Location { line: 6, column: 1 })
        );
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        assert_eq!(
            error("c.toml", "display_name = \"x\"\ns3_output_bukcet = \"y\"\n"),
            "2:1: unknown key `s3_output_bukcet`; did you mean `s3_output_bucket`?"
        );
        assert_eq!(
            error("c.toml", "[auth]\nrolearn = \"y\"\n"),
            "2:1: unknown key `rolearn` in `auth`; did you mean `role_arn`?"
        );
        assert_eq!(
            error(
                "c.json",
                "{\"Display Name\": \"x\",\n \"S3 Output bucket\": \"y\"}"
            ),
            "2:2: unknown key `S3 Output bucket`; did you mean `S3 Output Bucket`?"
        );
        assert!(error("c.toml", "zzzzzzzzzzzz = 1\n").contains("known keys: display_name"));
    }

    #[test]
    fn type_errors_name_the_field_and_position() {
        assert_eq!(
            error("c.toml", "display_name = \"x\"\nregion = 5\n"),
            "2:10: `region`: invalid type: integer `5`, expected a string"
        );
        let e = error("c.json", "{\n  \"auth\": {\"role_arn\": true}\n}");
        assert!(
            e.starts_with("2:") && e.contains("`auth.role_arn`: invalid type: boolean `true`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        assert!(error("c.toml", "display_name = \"x\nregion = 1").starts_with("1:"));
        assert_eq!(
            error("c.json", "{\"region\": \"x\",}"),
            "1:16: invalid JSON: trailing comma"
        );
        assert!(error("c.json", "[1]").contains("one JSON object"));
        assert!(
            error("c.toml", "[auth]\ntype = \"password\"\n")
                .starts_with("2:1: `auth.type`: unknown authentication type")
        );
    }

    #[test]
    fn secrets_are_kept_apart_from_the_model() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let text = format!(
            "[auth]\ntype = \"access_key\"\naccess_key_id = \"{secret}\"\nsecret_access_key = \"{secret}\"\n"
        );
        let loaded = load_str("c.toml", &text).unwrap();
        assert_eq!(
            loaded.file_secret.as_ref().unwrap().source(),
            SecretSource::ConnectionFile
        );
        assert_eq!(
            loaded.connection.auth.secret_in_file,
            Some(Location { line: 4, column: 1 })
        );
        assert_eq!(
            loaded.connection.auth.access_key_id_holds_secret,
            Some(Location { line: 3, column: 1 })
        );
        let shown = format!(
            "{loaded:?} {}",
            serde_json::to_string(&loaded.connection).unwrap()
        );
        assert!(!shown.contains(secret), "{shown}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// No input makes the loader panic: arbitrary text, as TOML and as JSON.
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
            let _ = from_text(Path::new("c.toml"), &text);
            let _ = from_text(Path::new("c.json"), &text);
        }

        /// Nor on text built from the pieces real files are made of.
        #[test]
        fn never_panics_on_near_miss_files(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "display_name = ", "\"x\"", "[auth]\n", "type = ", "\"access_key\"", "\"AWS Cross Account Role\"",
            "{", "}", "[", "]", ",", ":", "\"Display Name\"", "\"auth\"", "\"region\"", "5", "true", "\n",
            "role_arn", "=", "\"", "'", "#", "\u{e9}", "\"S3 Output Bucket\"", "data_buckets = [\"a\", 1]\n",
        ]), 0..24)) {
            let text: String = pieces.concat();
            let _ = from_text(Path::new("c.toml"), &text);
            let _ = from_text(Path::new("c.json"), &text);
            let _ = from_text(Path::new("c"), &text);
        }
    }

    #[test]
    fn non_utf8_and_huge_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, b"region = \"\xff\"\n").unwrap();
        let Fatal::Input {
            location, message, ..
        } = load(&path).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(location, Some(Location { line: 1, column: 11 }));
        assert!(message.contains("not UTF-8"));
        std::fs::write(&path, "#".repeat(Input::Connection.max_bytes() as usize + 1)).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("larger than"));
    }
}
