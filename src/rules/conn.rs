//! CONN rules: the connection form's fields, each read the way the vendor's UI reads it.

use super::{named, omni_only};
use crate::aws::access_key::{self, KeyKind};
use crate::connection::{AuthType, Connection, FieldId, split_list};
use crate::engine::{Check, Outcome, Rule, Severity, Skip, declare_rule};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};
use crate::secret::SECRET_ENV;
use crate::secret::strip_quotes;
use crate::timezone::{self, Verdict};
use serde_json::Value;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &MissingRequiredField,
    &AccessKeyIdMalformed,
    &TemporaryAccessKey,
    &SecretKeyMalformed,
    &OutputLocationMalformed,
    &ListFieldMalformed,
    &DefaultSchemaNotIncluded,
    &TimezoneInvalid,
    &AuthFieldsConflict,
    &CredentialsEmpty,
    &UnknownProperty,
];

/// The skip of rules about access keys when the connection uses a role, and the reverse.
fn only_for(conn: &Connection, wanted: AuthType, subject: FieldId) -> Result<(), Skip> {
    match conn.auth.auth_type {
        Some(t) if t == wanted => Ok(()),
        Some(t) => Err(Skip::new(
            subject.key(),
            format!("not applicable: the connection uses {}", t.label()),
        )),
        None => Err(Skip::new(subject.key(), super::no_auth(conn))),
    }
}

declare_rule! {
    pub(crate) struct MissingRequiredField {
        code: "CONN001",
        name: "missing-required-field",
        severity: Error,
        summary: "A field required for the chosen authentication type is empty",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl Rule for MissingRequiredField {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let account = conn.value(FieldId::AccountId).unwrap_or("<ACCOUNT_ID>");
        let mut required: Vec<(FieldId, Value, Applicability)> = match conn.form {
            // Omni's form requires these whatever the authentication.
            f if f.is_omni() => Vec::new(),
            // The Simba guide's URL always carries S3OutputLocation; the 3.x
            // driver, PyAthena and ODBC take it from the workgroup when it is
            // absent (ATHENA005 judges that), and use the default credentials
            // when no keys are given.
            crate::connection::Form::Jdbc2 => vec![(
                FieldId::S3OutputBucket,
                "s3://<results-bucket>/<prefix>/".into(),
                Applicability::DisplayOnly,
            )],
            _ => Vec::new(),
        };
        let omni: Vec<(FieldId, Value, Applicability)> = vec![
            (
                FieldId::DisplayName,
                "<connection name>".into(),
                Applicability::DisplayOnly,
            ),
            (
                FieldId::S3OutputBucket,
                "s3://<results-bucket>/<prefix>/".into(),
                Applicability::DisplayOnly,
            ),
            (
                FieldId::DataCatalog,
                "awsdatacatalog".into(),
                Applicability::Unsafe,
            ),
            (FieldId::DatabaseTimezone, "UTC".into(), Applicability::Unsafe),
        ];
        if conn.form.is_omni() {
            required.extend(omni);
        }
        match conn.auth.auth_type {
            None if !conn.form.is_omni() => {}
            None => required.push((
                FieldId::AuthType,
                "cross_account_role".into(),
                Applicability::DisplayOnly,
            )),
            Some(AuthType::CrossAccountRole) => required.push((
                FieldId::RoleArn,
                format!("arn:aws:iam::{account}:role/<ROLE_NAME>").into(),
                Applicability::DisplayOnly,
            )),
            Some(AuthType::AccessKey) => {
                if conn.auth.access_key_id_holds_secret.is_none() {
                    required.push((FieldId::AccessKeyId, "AKIA…".into(), Applicability::DisplayOnly));
                }
            }
        }
        let mut checks: Vec<Check> = required
            .into_iter()
            .filter(|(id, _, _)| match id {
                FieldId::AuthType => true,
                _ => conn.value(*id).is_none(),
            })
            .map(|(id, value, applicability)| {
                let state = if conn.field(id).is_some() {
                    "is empty"
                } else {
                    "is not set"
                };
                // The value is there under a name this driver does not read
                // (a 3.x `OutputLocation` given to Simba): CONN011's rename is
                // the fix; a second property beside it would be one too many.
                let misnamed = id.property(conn.form).and_then(|p| {
                    conn.unknown
                        .iter()
                        .find(|u| u.rename.as_deref().is_some_and(|to| to.eq_ignore_ascii_case(p)))
                });
                let message = format!("{} is required but {state}", named(conn, id));
                match misnamed {
                    Some(u) => Self::META
                        .fail(
                            id.key(),
                            format!(
                                "{message}: its value is in `{}`, which this driver ignores (CONN011 renames it)",
                                u.name
                            ),
                        )
                        .at(conn.location(id)),
                    None => Self::META
                        .fail(id.key(), message)
                        .at(conn.location(id))
                        .with_fix(Fix::field(conn, id, value, applicability)),
                }
            })
            .collect();
        if conn.auth.auth_type == Some(AuthType::AccessKey) && facts.secret.is_none() {
            // Omni's form names it by its label; another source by its property.
            let secret = match conn.form.is_omni() {
                true => "\"AWS Secret Access Key\"".to_string(),
                false => named(conn, FieldId::SecretAccessKey),
            };
            checks.push(Self::META.fail(
                FieldId::SecretAccessKey.key(),
                format!(
                    "{secret} is required for an access-key connection but none was supplied; \
                     pass it with {SECRET_ENV}, --secret-file or --secret-stdin"
                ),
            ));
        }
        if checks.is_empty() {
            checks.push(Self::META.pass("connection", "every required field is set"));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct AccessKeyIdMalformed {
        code: "CONN002",
        name: "access-key-id-malformed",
        severity: Error,
        summary: "The access key ID is not AKIA/ASIA and 16 base32 characters",
        fixes: [Safe, DisplayOnly],
    }
}

impl Rule for AccessKeyIdMalformed {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let id = FieldId::AccessKeyId;
        only_for(conn, AuthType::AccessKey, id)?;
        let meta = Self::META;
        if let Some(at) = conn.auth.access_key_id_holds_secret {
            // Never echo it: the value looks like a secret access key.
            return Ok(vec![
                meta.fail(
                    id.key(),
                    format!(
                        "{} holds characters that look like a secret access key, not a key ID: \
                         put the key ID (AKIA…) there and pass the secret with {SECRET_ENV}",
                        named(conn, id)
                    ),
                )
                .at(Some(at))
                .with_fix(Fix::field(conn, id, "AKIA…", Applicability::DisplayOnly)),
            ]);
        }
        let Some(field) = conn.field(id).filter(|f| f.value().is_some()) else {
            return Err(super::needs_in(conn, id));
        };
        let raw = field.raw.as_str();
        let at = conn.site(id);
        let fail = |message: String| meta.fail(id.key(), message).at_site(at);
        let fixed = |value: &str| Fix::field(conn, id, value, Applicability::Safe);
        let trimmed = raw.trim();
        let unquoted = strip_quotes(trimmed);
        let squeezed: String = unquoted.chars().filter(|c| !c.is_whitespace()).collect();
        if access_key::is_well_formed(raw) {
            return Ok(vec![
                meta.pass(id.key(), format!("`{raw}` is a well-formed access key ID"))
                    .at_site(at),
            ]);
        }
        if access_key::is_well_formed(&squeezed) {
            let (what, severity) = if unquoted != trimmed {
                (
                    "is wrapped in quotes, which become part of the key",
                    Severity::Error,
                )
            } else if squeezed != trimmed {
                ("contains whitespace inside the key", Severity::Error)
            } else {
                (
                    "has whitespace around it (the form trims it, other tools may not)",
                    Severity::Warning,
                )
            };
            return Ok(vec![
                fail(format!("{} {what}", named(conn, id)))
                    .severity(severity)
                    .with_fix(fixed(&squeezed)),
            ]);
        }
        if access_key::is_well_formed(&squeezed.to_ascii_uppercase()) {
            return Ok(vec![
                fail(format!("{} is not upper-case: access key IDs are AKIA/ASIA and upper-case letters and digits 2–7", named(conn, id)))
                    .with_fix(fixed(&squeezed.to_ascii_uppercase())),
            ]);
        }
        let why = match squeezed.get(..4) {
            Some("AIDA") => {
                "starts with AIDA: that is an IAM user's unique ID, not an access key ID".to_string()
            }
            Some("AROA") => "starts with AROA: that is a role's unique ID, not an access key ID".to_string(),
            Some("AKIA" | "ASIA") => format!(
                "has {} characters after AKIA/ASIA where 16 of A–Z and 2–7 are expected",
                squeezed.chars().count() - 4
            ),
            _ => "does not start with AKIA (long-term key) or ASIA (temporary key)".to_string(),
        };
        Ok(vec![
            fail(format!("{} `{}` {why}", named(conn, id), raw.trim())).with_fix(Fix::field(
                conn,
                id,
                "AKIA…",
                Applicability::DisplayOnly,
            )),
        ])
    }
}

declare_rule! {
    pub(crate) struct TemporaryAccessKey {
        code: "CONN003",
        name: "temporary-access-key",
        severity: Warning,
        summary: "An ASIA… key is temporary: the connection breaks when it expires",
        fixes: [DisplayOnly],
    }
}

impl Rule for TemporaryAccessKey {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let id = FieldId::AccessKeyId;
        only_for(conn, AuthType::AccessKey, id)?;
        if conn.auth.access_key_id_holds_secret.is_some() {
            return Err(Skip::new(id.key(), "the access key ID is malformed (CONN002)"));
        }
        let Some(value) = conn.value(id) else {
            return Err(super::needs_in(conn, id));
        };
        let at = conn.site(id);
        match access_key::kind(strip_quotes(value)) {
            Some(KeyKind::Temporary) => Ok(vec![
                Self::META
                    .fail(
                        id.key(),
                        "the key starts with ASIA: it is temporary session credentials, which need a session \
                         token the form cannot take and expire within hours; create a long-term access key \
                         (AKIA…) for a dedicated IAM user",
                    )
                    .at_site(at)
                    .with_fix(Fix::field(conn, id, "AKIA…", Applicability::DisplayOnly)),
            ]),
            Some(KeyKind::LongTerm) => Ok(vec![
                Self::META
                    .pass(id.key(), "a long-term access key (AKIA…)")
                    .at_site(at),
            ]),
            None => Ok(vec![
                Self::META.skip(id.key(), "the access key ID is malformed (CONN002)"),
            ]),
        }
    }
}

declare_rule! {
    pub(crate) struct SecretKeyMalformed {
        code: "CONN004",
        name: "secret-key-malformed",
        severity: Error,
        summary: "The secret access key is not 40 characters of the base64 alphabet",
    }
}

impl Rule for SecretKeyMalformed {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let id = FieldId::SecretAccessKey;
        only_for(conn, AuthType::AccessKey, id)?;
        let Some(shape) = &facts.secret else {
            return Err(Skip::new(id.key(), "no secret access key was supplied"));
        };
        let from = shape.source;
        if shape.is_well_formed() {
            return Ok(vec![Self::META.pass(
                id.key(),
                format!("the secret from {from} has the shape of a secret access key"),
            )]);
        }
        // Describe the shape; never the value.
        let mut faults = Vec::new();
        if shape.looks_like_access_key_id {
            faults.push(
                "it looks like an access key ID (AKIA…): the key ID and the secret seem swapped".to_string(),
            );
        }
        if shape.surrounding_quotes {
            faults.push("it is wrapped in quotes".to_string());
        }
        if shape.surrounding_whitespace {
            faults.push("it has whitespace or a line break around it".to_string());
        }
        if shape.inner_whitespace {
            faults.push("it contains whitespace".to_string());
        }
        if shape.foreign_characters > 0 {
            faults.push(format!(
                "it has {} character(s) outside A–Z, a–z, 0–9, + and /",
                shape.foreign_characters
            ));
        }
        if shape.length != 40 && !shape.looks_like_access_key_id {
            faults.push(format!(
                "it is {} characters long where 40 are expected",
                shape.length
            ));
        }
        Ok(vec![
            Self::META
                .fail(
                    id.key(),
                    format!(
                        "the secret from {from} is not a secret access key: {}; paste it again from the \
                         key's creation (it cannot be shown again: create a new key if it is lost)",
                        faults.join("; ")
                    ),
                )
                .at(if from == crate::secret::SecretSource::ConnectionFile {
                    conn.auth.secret_in_file
                } else {
                    None
                }),
        ])
    }
}

declare_rule! {
    pub(crate) struct OutputLocationMalformed {
        code: "CONN005",
        name: "output-location-malformed",
        severity: Error,
        summary: "The S3 Output Bucket is not s3://bucket[/prefix/] or a bare bucket",
        fixes: [Safe, DisplayOnly],
    }
}

impl Rule for OutputLocationMalformed {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let id = FieldId::S3OutputBucket;
        let Some(parsed) = conn.output_location() else {
            return Err(super::needs_in(conn, id));
        };
        let at = conn.site(id);
        let raw = conn.value(id).unwrap_or_default();
        if parsed.problems.is_empty() {
            let loc = parsed.suggestion().unwrap_or_default();
            return Ok(vec![
                Self::META
                    .pass(id.key(), format!("results go to {loc}"))
                    .at_site(at),
            ]);
        }
        let severity = if parsed.problems.iter().any(|p| p.fatal) {
            Severity::Error
        } else {
            Severity::Warning
        };
        let problems: Vec<&str> = parsed.problems.iter().map(|p| p.message.as_str()).collect();
        let mut check = Self::META
            .fail(
                id.key(),
                format!("{} `{raw}`: {}", named(conn, id), problems.join("; ")),
            )
            .severity(severity)
            .at_site(at);
        if let Some(suggestion) = parsed.suggestion() {
            check = check.with_fix(Fix::field(conn, id, suggestion, Applicability::Safe));
        } else {
            check = check.with_fix(Fix::field(
                conn,
                id,
                "s3://<results-bucket>/<prefix>/",
                Applicability::DisplayOnly,
            ));
        }
        Ok(vec![check])
    }
}

declare_rule! {
    pub(crate) struct ListFieldMalformed {
        code: "CONN006",
        name: "list-field-malformed",
        severity: Warning,
        summary: "A comma list has empty entries, semicolons, quotes or duplicates",
        fixes: [Safe],
    }
}

impl ListFieldMalformed {
    fn check_field(&self, conn: &Connection, id: FieldId) -> Check {
        let meta = Self::META;
        let Some(raw) = conn.value(id) else {
            return meta.pass(id.key(), format!("{} is not set", named(conn, id)));
        };
        let at = conn.site(id);
        let mut faults = Vec::new();
        if raw.contains(';') {
            faults.push("uses `;` where the form splits on `,`".to_string());
        }
        let pieces: Vec<&str> = raw.split([',', ';']).map(str::trim).collect();
        if pieces.iter().any(|p| p.is_empty()) {
            faults.push("has an empty entry (a doubled, leading or trailing comma)".to_string());
        }
        if pieces.iter().any(|p| p.contains(['"', '\'', '`'])) {
            faults.push("has quotes, which become part of the name".to_string());
        }
        if let Some(p) = pieces.iter().find(|p| p.contains(char::is_whitespace)) {
            faults.push(format!(
                "has an entry with a space inside (`{p}`): is a comma missing?"
            ));
        }
        let mut cleaned: Vec<String> = Vec::new();
        let mut duplicates = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in &pieces {
            let name = p.trim_matches(['"', '\'', '`']).trim();
            if name.is_empty() {
                continue;
            }
            // Athena lower-cases identifiers, so `Sales` and `sales` are the same schema.
            if seen.insert(name.to_ascii_lowercase()) {
                cleaned.push(name.to_string());
            } else {
                duplicates.push(name.to_string());
            }
        }
        if !duplicates.is_empty() {
            faults.push(format!("lists {} more than once", duplicates.join(", ")));
        }
        if faults.is_empty() {
            return meta
                .pass(
                    id.key(),
                    format!("{} lists {}", named(conn, id), split_list(raw).join(", ")),
                )
                .at_site(at);
        }
        meta.fail(
            id.key(),
            format!("{} `{raw}` {}", named(conn, id), faults.join("; ")),
        )
        .at_site(at)
        .with_fix(Fix::field(conn, id, cleaned.join(", "), Applicability::Safe))
    }
}

impl Rule for ListFieldMalformed {
    fn check(&self, facts: &Facts) -> Outcome {
        omni_only(
            &facts.connection,
            FieldId::IncludeSchemas.key(),
            "has no Include Schemas or Include Other Data Catalogs list",
        )?;
        Ok([FieldId::IncludeOtherDataCatalogs, FieldId::IncludeSchemas]
            .into_iter()
            .map(|id| self.check_field(&facts.connection, id))
            .collect())
    }
}

declare_rule! {
    pub(crate) struct DefaultSchemaNotIncluded {
        code: "CONN007",
        name: "default-schema-not-included",
        severity: Warning,
        summary: "The default schema is missing from a non-empty Include Schemas",
        fixes: [Unsafe],
    }
}

impl Rule for DefaultSchemaNotIncluded {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        omni_only(
            conn,
            FieldId::DefaultSchema.key(),
            "has no Include Schemas: its schema is the database queries run in",
        )?;
        let id = FieldId::DefaultSchema;
        let meta = Self::META;
        let Some(default) = conn.value(id) else {
            return Ok(vec![meta.pass(id.key(), "no default schema is set")]);
        };
        let included = conn.list(FieldId::IncludeSchemas);
        let at = conn.site(id);
        if included.is_empty() {
            return Ok(vec![
                meta.pass(id.key(), "Include Schemas is empty: every schema is included")
                    .at_site(at),
            ]);
        }
        let clean = |s: &str| s.trim_matches(['"', '\'', '`']).trim().to_ascii_lowercase();
        if included.iter().any(|s| clean(s) == clean(default)) {
            return Ok(vec![
                meta.pass(id.key(), format!("`{default}` is among the included schemas"))
                    .at_site(at),
            ]);
        }
        let mut fixed: Vec<&str> = included.clone();
        fixed.push(default);
        Ok(vec![
            meta.fail(
                id.key(),
                format!(
                    "the default schema `{default}` is not in Include Schemas ({}): queries run against a \
                     schema the connection does not model",
                    included.join(", ")
                ),
            )
            .at_site(at)
            .with_fix(Fix::field(
                conn,
                FieldId::IncludeSchemas,
                fixed.join(", "),
                Applicability::Unsafe,
            )),
        ])
    }
}

declare_rule! {
    pub(crate) struct TimezoneInvalid {
        code: "CONN008",
        name: "timezone-invalid",
        severity: Error,
        summary: "A time zone is not an IANA zone name",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl TimezoneInvalid {
    fn check_field(&self, conn: &Connection, id: FieldId) -> Check {
        let meta = Self::META;
        let Some(value) = conn.value(id) else {
            return match id {
                FieldId::DatabaseTimezone => meta.skipped(super::needs_in(conn, id)),
                _ => meta.pass(id.key(), format!("{} is not set", named(conn, id))),
            };
        };
        let at = conn.site(id);
        match timezone::check(value) {
            Verdict::Valid => meta
                .pass(id.key(), format!("`{value}` is an IANA time zone"))
                .at_site(at),
            Verdict::Legacy { suggestion, why } => meta
                .fail(
                    id.key(),
                    format!("{} {why}; did you mean `{suggestion}`?", named(conn, id)),
                )
                .severity(Severity::Warning)
                .at_site(at)
                .with_fix(Fix::field(conn, id, suggestion, Applicability::Unsafe)),
            Verdict::Invalid { suggestion } => {
                let check = meta.fail(
                    id.key(),
                    format!(
                        "{} `{value}` is not an IANA time zone name{}",
                        named(conn, id),
                        suggestion
                            .as_ref()
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default()
                    ),
                );
                let fix = match suggestion {
                    Some(s) => Fix::field(conn, id, s, Applicability::Unsafe),
                    None => Fix::field(
                        conn,
                        id,
                        "Area/City (e.g. America/New_York)",
                        Applicability::DisplayOnly,
                    ),
                };
                check.at_site(at).with_fix(fix)
            }
        }
    }
}

impl Rule for TimezoneInvalid {
    fn check(&self, facts: &Facts) -> Outcome {
        omni_only(
            &facts.connection,
            FieldId::DatabaseTimezone.key(),
            "has no time zone settings",
        )?;
        Ok([FieldId::DatabaseTimezone, FieldId::QueryTimezone]
            .into_iter()
            .map(|id| self.check_field(&facts.connection, id))
            .collect())
    }
}

declare_rule! {
    pub(crate) struct AuthFieldsConflict {
        code: "CONN009",
        name: "auth-fields-conflict",
        severity: Warning,
        summary: "Fields of the other authentication type are set",
        fixes: [Safe],
        tags: ["security"],
    }
}

impl Rule for AuthFieldsConflict {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let meta = Self::META;
        let Some(auth_type) = conn.auth.auth_type else {
            return Err(Skip::new(FieldId::AuthType.key(), super::no_auth(conn)));
        };
        let remove = |id: FieldId, why: String| {
            meta.fail(id.key(), why)
                .at(conn.location(id))
                .with_fix(Fix::field(conn, id, Value::Null, Applicability::Safe))
        };
        let mut checks = Vec::new();
        match auth_type {
            AuthType::CrossAccountRole => {
                if conn.auth.secret_in_file.is_some() {
                    checks.push(remove(
                        FieldId::SecretAccessKey,
                        "the connection uses a cross-account role, yet the file stores a secret access key: \
                         it is never used and should not sit in a file; delete it (and rotate the key if \
                         the file was shared)"
                            .into(),
                    ));
                }
                if conn.field(FieldId::AccessKeyId).is_some()
                    || conn.auth.access_key_id_holds_secret.is_some()
                {
                    checks.push(remove(
                        FieldId::AccessKeyId,
                        format!(
                            "{} is set on a cross-account role connection, where it is ignored",
                            named(conn, FieldId::AccessKeyId)
                        ),
                    ));
                }
            }
            AuthType::AccessKey => {
                for id in [FieldId::RoleArn, FieldId::ExternalId, FieldId::TrustedAccountId] {
                    if conn.field(id).is_some() {
                        checks.push(remove(
                            id,
                            format!(
                                "{} is set on an access-key connection, where it is ignored",
                                named(conn, id)
                            ),
                        ));
                    }
                }
            }
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                FieldId::AuthType.key(),
                format!("only fields of {} are set", auth_type.label()),
            ));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct CredentialsEmpty {
        code: "CONN010",
        name: "credentials-empty",
        severity: Error,
        summary: "An access key or secret is present but empty (a set, blank value stops the credential chain)",
    }
}

impl Rule for CredentialsEmpty {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        let mut checks = Vec::new();
        // In the connection: the field is there, with nothing in it.
        if conn.auth.auth_type == Some(AuthType::AccessKey) {
            let key = FieldId::AccessKeyId;
            if conn.field(key).is_some() && conn.value(key).is_none() {
                checks.push(
                    meta.fail(
                        key.key(),
                        format!(
                            "{} is present but empty: the BI tool sends a blank key, and AWS answers \
                             InvalidClientTokenId (\"The security token included in the request is invalid\")",
                            named(conn, key)
                        ),
                    )
                    .at(conn.location(key)),
                );
            }
            if let Some(at) = conn.auth.secret_blank {
                checks.push(
                    meta.fail(
                        FieldId::SecretAccessKey.key(),
                        format!(
                            "{} is present but empty: requests are signed with an empty secret \
                             (SignatureDoesNotMatch)",
                            named(conn, FieldId::SecretAccessKey)
                        ),
                    )
                    .at(Some(at)),
                );
            }
        }
        // In the environment of this run: SDKs and drivers read a variable that is
        // set, even to nothing, as the credentials to use.
        for name in &facts.blank_environment {
            checks.push(meta.fail(
                name,
                format!(
                    "{name} is set but empty in this environment: AWS SDKs and drivers that read it take it as \
                     set and stop looking for other credentials (profile, SSO, instance role); unset it"
                ),
            ));
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                "credentials",
                "no access key, secret or credential variable is present but empty",
            ));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct UnknownProperty {
        code: "CONN011",
        name: "unknown-property",
        severity: Error,
        summary: "A property the source's driver does not read (the other driver's name, the wrong case, a typo)",
        fixes: [Safe, Unsafe],
    }
}

impl Rule for UnknownProperty {
    fn check(&self, facts: &Facts) -> Outcome {
        let conn = &facts.connection;
        let meta = Self::META;
        if conn.form.is_omni() {
            return Err(Skip::new(
                "connection",
                "not applicable to this source: an unknown key in Omni's file is refused as bad input",
            ));
        }
        if conn.unknown.is_empty() {
            return Ok(vec![meta.pass(
                "connection",
                format!(
                    "every property of {} is one its driver reads",
                    conn.form.describe()
                ),
            )]);
        }
        Ok(conn
            .unknown
            .iter()
            .map(|u| {
                if u.unresolved {
                    // Read by the tool, but its value is not in the file: unknown, not wrong.
                    return meta
                        .fail(
                            u.name.clone(),
                            format!(
                                "{}: the doctor cannot see that value, so the rules that need it skip",
                                u.why
                            ),
                        )
                        .severity(Severity::Warning)
                        .at(u.location);
                }
                // The right property set too: a rename would give the source
                // the property twice (which the driver, like the doctor,
                // refuses), and the driver already reads the other one.
                let taken = u.rename.as_deref().is_some_and(|to| {
                    FieldId::ALL.into_iter().any(|f| {
                        f.property(conn.form).is_some_and(|p| p.eq_ignore_ascii_case(to))
                            && conn.value(f).is_some()
                    })
                });
                // The reason may already name the right property.
                let advice = match &u.rename {
                    Some(to) if taken => {
                        format!(
                            "; `{to}` is set too, and the driver reads that one: remove `{}`",
                            u.name
                        )
                    }
                    Some(to) if !u.why.contains(&format!("`{to}`")) => format!("; the driver reads `{to}`"),
                    _ => String::new(),
                };
                let check = meta
                    .fail(
                        u.name.clone(),
                        format!("{}: the driver ignores it{advice}", u.why),
                    )
                    .at(u.location);
                match &u.rename {
                    // Removing a property by hand: no rename to print.
                    Some(_) if taken => check,
                    // A typo's correction is a guess; another driver's name or
                    // the wrong case is not.
                    Some(to) if u.typo => {
                        check.with_fix(Fix::rename(conn, &u.name, to, Applicability::Unsafe))
                    }
                    Some(to) => check.with_fix(Fix::rename(conn, &u.name, to, Applicability::Safe)),
                    None => check,
                }
            })
            .collect())
    }
}
