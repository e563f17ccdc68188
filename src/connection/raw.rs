//! The connection file exactly as serde reads it, in its two shapes: the nested one
//! (TOML or JSON, with an `[auth]` table) and the flat one keyed by form labels.

use serde::Deserialize;

/// A value that may be written as a comma-separated string or as a list of strings.
#[derive(Deserialize, Debug)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub(super) enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    /// As one string, the way the form's text box would hold it.
    pub(super) fn joined(self) -> String {
        match self {
            StringOrList::One(s) => s,
            StringOrList::Many(v) => v.join(","),
        }
    }

    pub(super) fn items(self) -> Vec<String> {
        match self {
            StringOrList::One(s) => s.split(',').map(|s| s.to_string()).collect(),
            StringOrList::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Nested {
    pub display_name: Option<String>,
    pub s3_output_bucket: Option<String>,
    pub data_catalog: Option<String>,
    pub include_other_data_catalogs: Option<StringOrList>,
    pub include_schemas: Option<StringOrList>,
    pub default_schema: Option<String>,
    pub database_timezone: Option<String>,
    pub query_timezone: Option<String>,
    pub allow_user_specific_timezones: Option<bool>,
    pub region: Option<String>,
    pub workgroup: Option<String>,
    pub data_buckets: Option<StringOrList>,
    pub account_id: Option<String>,
    pub auth: Option<NestedAuth>,
    pub doctor: Option<DoctorSection>,
}

/// The `[doctor]` table: how this connection's report is gated.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct DoctorSection {
    #[serde(default)]
    pub ignore: Vec<IgnoreEntry>,
    /// Code (or name, or family) → `error` | `warning` | `info`.
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct IgnoreEntry {
    pub code: String,
    /// Required: an ignore without a reason is how findings get lost.
    pub reason: String,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct NestedAuth {
    #[serde(rename = "type")]
    pub auth_type: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub trusted_account_id: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// The flat form: the vendor form's labels, plus the doctor's own snake_case keys.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct Labelled {
    #[serde(rename = "Display Name")]
    pub display_name: Option<String>,
    #[serde(rename = "S3 Output Bucket")]
    pub s3_output_bucket: Option<String>,
    #[serde(rename = "Data Catalog")]
    pub data_catalog: Option<String>,
    #[serde(rename = "Include Other Data Catalogs")]
    pub include_other_data_catalogs: Option<StringOrList>,
    #[serde(rename = "Include Schemas")]
    pub include_schemas: Option<StringOrList>,
    #[serde(rename = "Default Schema")]
    pub default_schema: Option<String>,
    #[serde(rename = "Authentication Type")]
    pub authentication_type: Option<String>,
    #[serde(rename = "AWS Access Key ID")]
    pub access_key_id: Option<String>,
    #[serde(rename = "AWS Secret Access Key")]
    pub secret_access_key: Option<String>,
    #[serde(rename = "AWS Role ARN")]
    pub role_arn: Option<String>,
    #[serde(rename = "Database Timezone")]
    pub database_timezone: Option<String>,
    #[serde(rename = "Query Timezone")]
    pub query_timezone: Option<String>,
    #[serde(rename = "Allow User-Specific Timezones")]
    pub allow_user_specific_timezones: Option<bool>,
    #[serde(rename = "Region")]
    pub region: Option<String>,
    pub external_id: Option<String>,
    pub trusted_account_id: Option<String>,
    pub workgroup: Option<String>,
    pub data_buckets: Option<StringOrList>,
    pub account_id: Option<String>,
    pub doctor: Option<DoctorSection>,
}

/// The form labels: a JSON object with any of these keys is the flat form.
pub(super) const LABELS: &[&str] = &[
    "Display Name",
    "S3 Output Bucket",
    "Data Catalog",
    "Include Other Data Catalogs",
    "Include Schemas",
    "Default Schema",
    "Authentication Type",
    "AWS Access Key ID",
    "AWS Secret Access Key",
    "AWS Role ARN",
    "Database Timezone",
    "Query Timezone",
    "Allow User-Specific Timezones",
    "Region",
];

impl From<Labelled> for Nested {
    fn from(l: Labelled) -> Nested {
        Nested {
            display_name: l.display_name,
            s3_output_bucket: l.s3_output_bucket,
            data_catalog: l.data_catalog,
            include_other_data_catalogs: l.include_other_data_catalogs,
            include_schemas: l.include_schemas,
            default_schema: l.default_schema,
            database_timezone: l.database_timezone,
            query_timezone: l.query_timezone,
            allow_user_specific_timezones: l.allow_user_specific_timezones,
            region: l.region,
            workgroup: l.workgroup,
            data_buckets: l.data_buckets,
            account_id: l.account_id,
            doctor: l.doctor,
            auth: Some(NestedAuth {
                auth_type: l.authentication_type,
                role_arn: l.role_arn,
                external_id: l.external_id,
                trusted_account_id: l.trusted_account_id,
                access_key_id: l.access_key_id,
                secret_access_key: l.secret_access_key,
            }),
        }
    }
}
