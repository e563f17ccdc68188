//! The connection as configured in the BI tool: the model rules read, with each
//! field's raw text and position kept, and the normalisations the UI applies.

mod load;
mod raw;
pub(crate) mod source;

pub(crate) use load::{Loaded, from_text, load, read_bounded, read_capped, read_input, read_text, utf8};
pub(crate) use source::SourceKind;

use crate::aws::regions::DEFAULT_REGION;
use crate::aws::s3::{OutputLocation, parse_output_location};
use crate::location::Location;
use serde::{Deserialize, Serialize};

/// One field as written in the connection file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Field {
    /// The text exactly as written, before any normalisation.
    pub raw: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Field {
    /// The value the UI would use: trimmed; `None` when blank.
    pub(crate) fn value(&self) -> Option<&str> {
        Some(self.raw.trim()).filter(|v| !v.is_empty())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AuthType {
    AccessKey,
    CrossAccountRole,
}

impl AuthType {
    pub(crate) fn label(self) -> &'static str {
        match self {
            AuthType::AccessKey => "AWS Access Key",
            AuthType::CrossAccountRole => "AWS Cross Account Role",
        }
    }
}

/// How the connection was written, so findings and fixes use the same words:
/// Omni's file (TOML, JSON, or the form's labels) or another tool's own
/// connection source (`connection::source`). One name for the concept: the
/// reader that filled the model and the syntax its fixes are written back in
/// are the same thing, so a second enum would only have to be kept in step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Form {
    #[default]
    Toml,
    Json,
    /// A flat JSON object keyed by the connection form's labels.
    Labels,
    /// A Simba Athena JDBC 2.x URL (`jdbc:awsathena://…`).
    #[serde(rename = "jdbc2")]
    Jdbc2,
    /// An Amazon Athena JDBC 3.x URL (`jdbc:athena://…`); one that names
    /// nothing only 4.x takes reads the same under the 4.x driver.
    #[serde(rename = "jdbc3")]
    Jdbc3,
    /// An Amazon Athena JDBC 4.x URL: `jdbc:athena://…` naming a property only
    /// the 4.x driver takes (`EngineVersion`, `IdpHostName`…).
    #[serde(rename = "jdbc4")]
    Jdbc4,
    /// A SQLAlchemy / PyAthena URL (`awsathena+rest://…`).
    #[serde(rename = "sqlalchemy")]
    SqlAlchemy,
    /// A DSN section of `odbc.ini` for the Athena ODBC driver.
    OdbcIni,
    /// The same DSN as a Windows registry export (`.reg`).
    OdbcReg,
    /// A dbt-athena target in `profiles.yml`.
    Dbt,
    /// Grafana's Athena data source: a provisioning YAML or the HTTP API's JSON.
    Grafana,
    /// Metabase's Athena database: the JSON of `GET /api/database/:id`.
    Metabase,
    /// An AWS shared config file (`--profile-file`): never a connection's own
    /// form, the file a value of the profile chain is written in and its
    /// fix corrects (`region`, `role_arn`, `external_id` of a profile).
    AwsConfig,
}

impl Form {
    /// Omni's own file: the forms the rules about Omni's form (Include Schemas,
    /// the lowercase catalog, the time zones) are about.
    pub(crate) fn is_omni(self) -> bool {
        matches!(self, Form::Toml | Form::Json | Form::Labels)
    }

    /// The form in words, for "not applicable to …" and fix instructions.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Form::Toml | Form::Json | Form::Labels => "the Omni connection",
            Form::Jdbc2 => "the Simba Athena JDBC 2.x URL",
            Form::Jdbc3 => "the Athena JDBC 3.x URL",
            Form::Jdbc4 => "the Athena JDBC 4.x URL",
            Form::SqlAlchemy => "the SQLAlchemy (PyAthena) URL",
            Form::OdbcIni => "the ODBC DSN (odbc.ini)",
            Form::OdbcReg => "the ODBC DSN (registry export)",
            Form::Dbt => "the dbt-athena profile (profiles.yml)",
            Form::Grafana => "the Grafana Athena data source",
            Form::Metabase => "the Metabase Athena database",
            Form::AwsConfig => "the AWS shared config file",
        }
    }
}

/// Every field a rule may name, with its key in the file and its label in the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldId {
    DisplayName,
    S3OutputBucket,
    DataCatalog,
    IncludeOtherDataCatalogs,
    IncludeSchemas,
    DefaultSchema,
    DatabaseTimezone,
    QueryTimezone,
    Region,
    Workgroup,
    DataBuckets,
    AccountId,
    AuthType,
    RoleArn,
    ExternalId,
    TrustedAccountId,
    AccessKeyId,
    SecretAccessKey,
    /// A named AWS profile the tool takes its credentials from (other sources
    /// than Omni's: a JDBC `ProfileName`, PyAthena's `profile_name`).
    ProfileName,
}

impl FieldId {
    /// Every field, in the order a connection file lists them.
    pub(crate) const ALL: [FieldId; 19] = [
        FieldId::DisplayName,
        FieldId::S3OutputBucket,
        FieldId::DataCatalog,
        FieldId::IncludeOtherDataCatalogs,
        FieldId::IncludeSchemas,
        FieldId::DefaultSchema,
        FieldId::DatabaseTimezone,
        FieldId::QueryTimezone,
        FieldId::Region,
        FieldId::Workgroup,
        FieldId::DataBuckets,
        FieldId::AccountId,
        FieldId::AuthType,
        FieldId::RoleArn,
        FieldId::ExternalId,
        FieldId::TrustedAccountId,
        FieldId::AccessKeyId,
        FieldId::SecretAccessKey,
        FieldId::ProfileName,
    ];

    /// The key in TOML / nested JSON (auth fields live in the `[auth]` table).
    pub(crate) fn key(self) -> &'static str {
        match self {
            FieldId::DisplayName => "display_name",
            FieldId::S3OutputBucket => "s3_output_bucket",
            FieldId::DataCatalog => "data_catalog",
            FieldId::IncludeOtherDataCatalogs => "include_other_data_catalogs",
            FieldId::IncludeSchemas => "include_schemas",
            FieldId::DefaultSchema => "default_schema",
            FieldId::DatabaseTimezone => "database_timezone",
            FieldId::QueryTimezone => "query_timezone",
            FieldId::Region => "region",
            FieldId::Workgroup => "workgroup",
            FieldId::DataBuckets => "data_buckets",
            FieldId::AccountId => "account_id",
            FieldId::AuthType => "auth.type",
            FieldId::RoleArn => "auth.role_arn",
            FieldId::ExternalId => "auth.external_id",
            FieldId::TrustedAccountId => "auth.trusted_account_id",
            FieldId::AccessKeyId => "auth.access_key_id",
            FieldId::SecretAccessKey => "auth.secret_access_key",
            FieldId::ProfileName => "auth.profile_name",
        }
    }

    /// The label of the vendor's connection form, or the doctor's own key for
    /// fields the form does not have.
    pub(crate) fn label(self) -> &'static str {
        match self {
            FieldId::DisplayName => "Display Name",
            FieldId::S3OutputBucket => "S3 Output Bucket",
            FieldId::DataCatalog => "Data Catalog",
            FieldId::IncludeOtherDataCatalogs => "Include Other Data Catalogs",
            FieldId::IncludeSchemas => "Include Schemas",
            FieldId::DefaultSchema => "Default Schema",
            FieldId::DatabaseTimezone => "Database Timezone",
            FieldId::QueryTimezone => "Query Timezone",
            FieldId::Region => "Region",
            FieldId::AuthType => "Authentication Type",
            FieldId::RoleArn => "AWS Role ARN",
            FieldId::AccessKeyId => "AWS Access Key ID",
            FieldId::SecretAccessKey => "AWS Secret Access Key",
            FieldId::Workgroup => "workgroup",
            FieldId::DataBuckets => "data_buckets",
            FieldId::AccountId => "account_id",
            FieldId::ExternalId => "external_id",
            FieldId::TrustedAccountId => "trusted_account_id",
            FieldId::ProfileName => "profile_name",
        }
    }

    /// The field a key names, in any form's spelling (`auth.role_arn`, `AWS Role ARN`).
    pub(crate) fn named(key: &str) -> Option<FieldId> {
        FieldId::ALL
            .into_iter()
            .find(|f| f.key() == key || f.label() == key)
    }

    /// The key as written in a file of the given form: for another tool's
    /// source, the property as that tool names it (`S3OutputLocation`,
    /// `s3_staging_dir`), or the doctor's own key where it has none.
    pub(crate) fn key_in(self, form: Form) -> &'static str {
        match form {
            Form::Labels => self.label(),
            Form::Toml | Form::Json => self.key(),
            _ => self.property(form).unwrap_or(self.key()),
        }
    }

    /// The property of another tool's source that holds this field, `None`
    /// when that tool has no such setting (Omni's forms: every field).
    pub(crate) fn property(self, form: Form) -> Option<&'static str> {
        source::property_of(form, self)
    }
}

/// The connection, as loaded. Holds no secret: see [`crate::secret`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Connection {
    /// The file it was read from, as given on the command line.
    pub path: String,
    pub form: Form,
    pub display_name: Option<Field>,
    pub s3_output_bucket: Option<Field>,
    pub data_catalog: Option<Field>,
    pub include_other_data_catalogs: Option<Field>,
    pub include_schemas: Option<Field>,
    pub default_schema: Option<Field>,
    pub database_timezone: Option<Field>,
    pub query_timezone: Option<Field>,
    pub allow_user_specific_timezones: Option<bool>,
    pub region: Option<Field>,
    pub workgroup: Option<Field>,
    #[serde(default)]
    pub data_buckets: Vec<Field>,
    pub account_id: Option<Field>,
    pub auth: Auth,
    /// The `[doctor]` table: ignores with their reasons, and severity overrides.
    #[serde(default)]
    pub doctor: DoctorConfig,
    /// Another tool's source as read, its secret values masked (`****`): what
    /// a fix rewrites to print the corrected URL or section in that format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Properties the tool's driver does not know (a name of the other driver,
    /// a typo, the wrong case where the driver is case-sensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Unknown>,
}

/// A property a driver does not know, where it is written, and the name it
/// should have when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Unknown {
    /// The name as written.
    pub name: String,
    /// The name the driver knows for it, when there is one.
    pub rename: Option<String>,
    /// Why the driver does not take it, in one clause.
    pub why: String,
    /// Whether the name is a guess at a typo (its fix is then unsafe).
    #[serde(default)]
    pub typo: bool,
    /// A property the tool reads, whose value it fills in when it runs (dbt's
    /// `{{ env_var('X') }}`, Grafana's `${X}`): unknown here, never guessed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The connection's `[doctor]` table as written: which findings to ignore (each
/// with its reason) and which to re-grade. The gate stage resolves the codes and
/// grades (`gate::Gate::new`); the connection model knows no rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DoctorConfig {
    pub ignore: Vec<Ignore>,
    pub severity: Vec<SeverityOverride>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ignore {
    /// A rule code, rule name, or family (`TRUST`).
    pub code: String,
    pub reason: String,
    /// Where the entry is written, for errors about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SeverityOverride {
    /// A rule code, rule name, or family.
    pub code: String,
    /// `error`, `warning` or `info`, as written.
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Auth {
    #[serde(rename = "type")]
    pub auth_type: Option<AuthType>,
    pub type_location: Option<Location>,
    pub role_arn: Option<Field>,
    pub external_id: Option<Field>,
    pub trusted_account_id: Option<Field>,
    pub access_key_id: Option<Field>,
    /// A named AWS profile (another tool's source; Omni has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<Field>,
    /// Where the access key ID field held a secret access key instead. The value is
    /// dropped at load so that it is never echoed; only its position is kept.
    pub access_key_id_holds_secret: Option<Location>,
    /// Where a secret access key was written into the connection file.
    pub secret_in_file: Option<Location>,
    /// Where the secret access key field is present but empty or whitespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_blank: Option<Location>,
    /// The identity provider or token a driver signs in with (a JDBC
    /// `CredentialsProvider=Okta`, `JWT`…): what it gets is not judged, as the
    /// doctor never signs in to an identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<Field>,
    /// The AWS profile chain the source's named profile follows through
    /// `--profile-file`: its roles hop by hop, and the fields it filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<source::profile::ProfileChain>,
}

impl Connection {
    pub(crate) fn field(&self, id: FieldId) -> Option<&Field> {
        match id {
            FieldId::DisplayName => self.display_name.as_ref(),
            FieldId::S3OutputBucket => self.s3_output_bucket.as_ref(),
            FieldId::DataCatalog => self.data_catalog.as_ref(),
            FieldId::IncludeOtherDataCatalogs => self.include_other_data_catalogs.as_ref(),
            FieldId::IncludeSchemas => self.include_schemas.as_ref(),
            FieldId::DefaultSchema => self.default_schema.as_ref(),
            FieldId::DatabaseTimezone => self.database_timezone.as_ref(),
            FieldId::QueryTimezone => self.query_timezone.as_ref(),
            FieldId::Region => self.region.as_ref(),
            FieldId::Workgroup => self.workgroup.as_ref(),
            FieldId::AccountId => self.account_id.as_ref(),
            FieldId::RoleArn => self.auth.role_arn.as_ref(),
            FieldId::ExternalId => self.auth.external_id.as_ref(),
            FieldId::TrustedAccountId => self.auth.trusted_account_id.as_ref(),
            FieldId::AccessKeyId => self.auth.access_key_id.as_ref(),
            FieldId::ProfileName => self.auth.profile_name.as_ref(),
            FieldId::AuthType | FieldId::SecretAccessKey | FieldId::DataBuckets => None,
        }
    }

    /// The trimmed value of a field, `None` when absent or blank.
    pub(crate) fn value(&self, id: FieldId) -> Option<&str> {
        self.field(id).and_then(Field::value)
    }

    /// Where a field is written in the connection's own file, for findings
    /// that point at it: `None` for a value the profile file gave (`site`).
    pub(crate) fn location(&self, id: FieldId) -> Option<Location> {
        if self.filled(id).is_some() {
            return None;
        }
        match id {
            FieldId::AuthType => self.auth.type_location,
            FieldId::SecretAccessKey => self.auth.secret_in_file,
            FieldId::DataBuckets => self.data_buckets.first().and_then(|f| f.location),
            FieldId::AccessKeyId => self
                .auth
                .access_key_id
                .as_ref()
                .and_then(|f| f.location)
                .or(self.auth.access_key_id_holds_secret),
            _ => self.field(id).and_then(|f| f.location),
        }
    }

    /// Whence a field's value came when the AWS profile file gave it: the
    /// chain (its file) and the profile's setting.
    pub(crate) fn filled(
        &self,
        id: FieldId,
    ) -> Option<(&source::profile::ProfileChain, &source::profile::Filled)> {
        let chain = self.auth.chain.as_ref()?;
        Some((chain, chain.filled(id)?))
    }

    /// Where a field is written: in the connection's file (`None` for the
    /// file), or in the profile file that gave it.
    pub(crate) fn site(&self, id: FieldId) -> (Option<&str>, Option<Location>) {
        match self.filled(id) {
            Some((chain, f)) => (Some(chain.file.as_str()), Some(f.location)),
            None => (None, self.location(id)),
        }
    }

    /// A comma-separated field split as the UI splits it: trimmed, empties dropped.
    pub(crate) fn list(&self, id: FieldId) -> Vec<&str> {
        self.value(id).map(split_list).unwrap_or_default()
    }

    /// The region the connection uses: the field, or the UI's default.
    pub(crate) fn region(&self) -> &str {
        self.value(FieldId::Region).unwrap_or(DEFAULT_REGION)
    }

    /// The Athena workgroup: the field, or Athena's default.
    #[allow(dead_code)] // read by the permission and live rules
    pub(crate) fn workgroup(&self) -> &str {
        self.value(FieldId::Workgroup).unwrap_or("primary")
    }

    /// The output location read as the UI reads it.
    pub(crate) fn output_location(&self) -> Option<OutputLocation> {
        self.value(FieldId::S3OutputBucket).map(parse_output_location)
    }
}

/// Split a comma list the way the UI does: on commas, trimmed, empties dropped.
pub(crate) fn split_list(s: &str) -> Vec<&str> {
    s.split(',').map(str::trim).filter(|e| !e.is_empty()).collect()
}
