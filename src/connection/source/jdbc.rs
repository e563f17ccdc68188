//! JDBC URLs: the Simba Athena JDBC 2.x driver (`jdbc:awsathena://`) and
//! Amazon's Athena JDBC 3.x/4.x driver (`jdbc:athena://`), each with its own
//! property names, aliases and case rules.
//!
//! Sources:
//! - Simba Athena JDBC connector, "Building the Connection URL" (the install
//!   guide): <https://documentation.insightsoftware.com/athena_jdbc_install_guide/content/jdbc/ath/using/connectionurl.htm>
//!   — `jdbc:awsathena://AwsRegion=[Region];User=[AccessKey];Password=[SecretKey];S3OutputLocation=[Output];…`,
//!   an endpoint host form (`jdbc:awsathena://athena.[Region].amazonaws.com:443;…`),
//!   and "Properties are case-sensitive. Do not duplicate properties".
//! - Athena JDBC 3.x connection parameters, every page: basic
//!   <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v3-driver-basic-connection-parameters.html>
//!   (`Region` alias `AwsRegion`, `Catalog` default `AwsDataCatalog`, `Database`
//!   alias `Schema` default `default`, `WorkGroup` default `primary`,
//!   `OutputLocation` alias `S3OutputLocation`, and `s3_staging_dir` since 3.8.0),
//!   advanced (`…-advanced-connection-parameters.html`) and authentication
//!   (`…-authentication-connection-parameters.html` and each credentials page:
//!   IAM `User`/`Password` alias `AccessKeyId`/`SecretAccessKey`; the identity
//!   providers' `User`/`Password` alias `UID`/`PWD` are their user's, not a key).
//! - 3.x "Get started" sets `Workgroup` where the parameter table says
//!   `WorkGroup`: the driver reads names without regard to case (no page says
//!   so outright; an assumption kept from that example).
//!   <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v3-driver-getting-started.html>
//! - Athena JDBC 4.x: same prefix and driver class as 3.x
//!   (<https://docs.aws.amazon.com/athena/latest/ug/jdbc-v4-driver.html>); its
//!   migration page removes no 3.x parameter; what only 4.x takes:
//!   `EngineVersion` (release notes), `IdpHostName` (the authentication page's
//!   "Identity provider host and port"), the aliases `Endpoint`,
//!   `StreamingEndpoint`, `query_results_encryption_option`,
//!   `aws_credentials_provider_arguments` and `Host` (parameter names and aliases
//!   page, <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v4-driver-parameter-aliases.html>),
//!   `GlueEndpoint` and `LegacyModes` (advanced page). A URL naming none of them
//!   reads the same under either driver and is called 3.x.
//! - A name the 3.x driver does not know is logged and ignored: `The connection
//!   parameter "…" is unknown or unsupported and will be ignored` (a driver log
//!   in <https://github.com/metabase/metabase/issues/72532>; no page documents it).

use super::{Change, Reading, bad, nearest, region_of_host};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use std::path::Path;

/// A property a driver knows: its name, the other names it takes, the field
/// it fills, and whether its value is a secret.
struct Property {
    name: &'static str,
    aliases: &'static [&'static str],
    field: Option<FieldId>,
    secret: bool,
}

const fn a(name: &'static str, aliases: &'static [&'static str], field: Option<FieldId>) -> Property {
    Property {
        name,
        aliases,
        field,
        secret: false,
    }
}

/// A property whose value is a secret (masked, never echoed).
const fn s(name: &'static str, aliases: &'static [&'static str]) -> Property {
    Property {
        name,
        aliases,
        field: None,
        secret: true,
    }
}

/// The Simba 2.x properties the doctor reads, and the others the guide lists
/// that it only recognises (so that they are not taken for unknown ones).
const SIMBA: &[Property] = &[
    a("AwsRegion", &[], Some(FieldId::Region)),
    a("S3OutputLocation", &[], Some(FieldId::S3OutputBucket)),
    a("Workgroup", &[], Some(FieldId::Workgroup)),
    a("Catalog", &[], Some(FieldId::DataCatalog)),
    a("Schema", &[], Some(FieldId::DefaultSchema)),
    a("User", &[], Some(FieldId::AccessKeyId)),
    Property {
        name: "Password",
        aliases: &[],
        field: Some(FieldId::SecretAccessKey),
        secret: true,
    },
    s("SessionToken", &[]),
    a("AwsCredentialsProviderClass", &[], None),
    a("AwsCredentialsProviderArguments", &[], None),
    a("S3OutputEncOption", &[], None),
    a("S3OutputEncKMSKey", &[], None),
    a("LogLevel", &[], None),
    a("LogPath", &[], None),
    a("MaxErrorRetry", &[], None),
    a("ConnectionTimeout", &[], None),
    a("SocketTimeout", &[], None),
    a("UseResultsetStreaming", &[], None),
    a("MetadataRetrievalMethod", &[], None),
    a("ProxyHost", &[], None),
    a("ProxyPort", &[], None),
    a("ProxyUID", &[], None),
    s("ProxyPWD", &[]),
    a("EndpointOverride", &[], None),
    a("StsEndpointOverride", &[], None),
    a("LakeFormationEnabled", &[], None),
];

/// Every property of Amazon's Athena JDBC 3.x driver (the 3.8 documentation:
/// basic, advanced and authentication connection parameters with every
/// credentials page), with the aliases each page lists. The 4.x driver takes
/// all of them too (its migration page removes none); what only 4.x takes is
/// `ONLY_4X`.
const AMAZON: &[Property] = &[
    // Basic.
    a("Region", &["AwsRegion"], Some(FieldId::Region)),
    a("Catalog", &[], Some(FieldId::DataCatalog)),
    a("Database", &["Schema"], Some(FieldId::DefaultSchema)),
    a("WorkGroup", &[], Some(FieldId::Workgroup)),
    // `s3_staging_dir`: an alias since 3.8.0 (release notes).
    a(
        "OutputLocation",
        &["S3OutputLocation", "s3_staging_dir"],
        Some(FieldId::S3OutputBucket),
    ),
    // Advanced.
    a("EncryptionOption", &["S3OutputEncOption"], None),
    a("KmsKey", &["S3OutputEncKMSKey"], None),
    a("ResultFetcher", &[], None),
    a("FetchSize", &["RowsToFetchPerBlock"], None),
    a("ExpectedBucketOwner", &[], None),
    a("AclOption", &[], None),
    a("EnableResultReuseByAge", &[], None),
    a("MaxResultReuseAgeInMinutes", &[], None),
    a(
        "MinQueryExecutionPollingIntervalMillis",
        &["MinQueryExecutionPollingInterval"],
        None,
    ),
    a(
        "MaxQueryExecutionPollingIntervalMillis",
        &["MaxQueryExecutionPollingInterval"],
        None,
    ),
    a("QueryExecutionPollingIntervalMultiplier", &[], None),
    a("AthenaEndpoint", &["EndpointOverride"], None),
    a("AthenaStreamingEndpoint", &["StreamingEndpointOverride"], None),
    a("LakeFormationEndpoint", &["LfEndpointOverride"], None),
    a("S3Endpoint", &[], None),
    a("StsEndpoint", &["StsEndpointOverride"], None),
    a("SsoOidcEndpoint", &[], None),
    a("SsoAdminEndpoint", &[], None),
    a("SsoEndpoint", &[], None),
    a("ProxyHost", &[], None),
    a("ProxyPort", &[], None),
    a("ProxyUsername", &["ProxyUID"], None),
    s("ProxyPassword", &["ProxyPWD"]),
    a("ProxyExemptHosts", &["NonProxyHosts"], None),
    a("ProxyEnabledForIdP", &["UseProxyForIdP"], None),
    a("LogLevel", &[], None),
    a("LogPath", &[], None),
    a("ApplicationName", &[], None),
    a("ConnectionTest", &[], None),
    a("NumRetries", &["MaxErrorRetry"], None),
    a("NetworkTimeoutMillis", &[], None),
    // Authentication. `User`/`Password` are an access key pair only with IAM
    // (and SageMaker IAM) credentials; with an identity provider they are its
    // user name and password (`read` tells them apart).
    a("CredentialsProvider", &["AWSCredentialsProviderClass"], None),
    a(
        "CredentialsProviderArguments",
        &["AwsCredentialsProviderArguments"],
        None,
    ),
    a("User", &["AccessKeyId", "UID"], Some(FieldId::AccessKeyId)),
    Property {
        name: "Password",
        aliases: &["SecretAccessKey", "PWD"],
        field: Some(FieldId::SecretAccessKey),
        secret: true,
    },
    s("SessionToken", &[]),
    a("ProfileName", &[], Some(FieldId::ProfileName)),
    // A bearer token: masked like a secret, never echoed.
    s("JwtWebIdentityToken", &["web_identity_token"]),
    a("JwtRoleArn", &["role_arn"], None),
    a("JwtRoleSessionName", &["role_session_name"], None),
    a("RoleSessionDuration", &["Duration"], None),
    a("WorkGroupArn", &[], None),
    a("ApplicationRoleArn", &[], None),
    a("AccessRoleArn", &[], None),
    a("CustomerIdcApplicationArn", &[], None),
    a("IdpWellKnownConfigurationUrl", &[], None),
    a("OidcClientId", &[], None),
    s("OidcClientSecret", &[]),
    a("Scope", &[], None),
    a("IdpPortNumber", &[], None),
    a("IdpResponseTimeout", &["idp_response_timeout"], None),
    a("EnableTokenCaching", &[], None),
    a("AzureAdTenantId", &["tenant_id"], None),
    a("AzureAdClientId", &["client_id"], None),
    s("AzureAdClientSecret", &["client_secret"]),
    a("PreferredRole", &["preferred_role"], None),
    a("LakeFormationEnabled", &[], None),
    // `IdP_Host` is the deprecated name of the Okta, Ping and AD FS host alike,
    // `IdP_Port` of the Ping and AD FS port: kept once (none fills a field).
    a("OktaHostName", &["IdP_Host"], None),
    a("OktaAppId", &["App_ID"], None),
    a("OktaAppName", &["App_Name"], None),
    a("OktaMfaType", &["okta_mfa_type"], None),
    a("OktaPhoneNumber", &["okta_phone_number"], None),
    a("OktaMfaWaitTime", &["okta_mfa_wait_time"], None),
    a("PingHostName", &[], None),
    a("PingPortNumber", &["IdP_Port"], None),
    a("PingPartnerSpId", &["Partner_SPID"], None),
    a("AdfsHostName", &[], None),
    a("AdfsPortNumber", &[], None),
    a("AdfsRelyingParty", &["LoginToRP"], None),
    a("AdfsWiaEnabled", &[], None),
    a("SsoLoginUrl", &["login_url"], None),
    a("ListenPort", &["listen_port"], None),
    a("SsoStartUrl", &["sso_oidc_start_url"], None),
    a("SsoOidcRegion", &["sso_oidc_region"], None),
    a("SsoOidcAccountId", &["sso_oidc_account_id"], None),
    a("SsoOidcRoleName", &["sso_oidc_role_name"], None),
    a("DataZoneDomainId", &[], None),
    a("DataZoneProjectId", &[], None),
    a("DataZoneEnvironmentId", &[], None),
    a("DataZoneDomainRegion", &[], None),
    a("IdentityCenterIssuerUrl", &[], None),
    a("DataZoneEndpointOverride", &[], None),
];

/// What only the 4.x driver takes (its release notes, the parameter aliases
/// page, the authentication page's "Identity provider host and port"): a URL
/// that names one of these is a 4.x URL.
const ONLY_4X: &[Property] = &[
    a("EngineVersion", &[], None),
    a("Host", &[], None),
    a("Endpoint", &[], None),
    a("StreamingEndpoint", &[], None),
    a("GlueEndpoint", &[], None),
    a("LegacyModes", &[], None),
    a("IdpHostName", &[], None),
    a("query_results_encryption_option", &[], None),
    a("aws_credentials_provider_arguments", &[], None),
];

/// The `CredentialsProvider` values that sign in through an identity provider
/// or a token (the 3.x/4.x credentials pages): `User`/`Password` are then the
/// identity provider's, not an access key, and the doctor judges no
/// credentials it would have to sign in for.
const SIGN_IN: &[&str] = &[
    "AzureAD",
    "Okta",
    "Ping",
    "ADFS",
    "BrowserAzureAD",
    "BrowserSaml",
    "BrowserSSOOIDC",
    "BrowserOidcTip",
    "JWT",
    "JWT_TIP",
    "DataZoneIdc",
    "SageMakerBrowserIdc",
];

/// Names of one driver that the other does not take, with what to write instead.
/// `None`: there is no one property to rename it to (the reason says what to do).
const NOT_IN_AMAZON: &[(&str, Option<&str>, &str)] = &[
    (
        "UseResultsetStreaming",
        None,
        "is a Simba 2.x property; Amazon's 3.x and 4.x drivers choose how results are fetched with `ResultFetcher` \
         (their own values, `auto` by default: remove this one, or set `ResultFetcher`)",
    ),
    (
        "ConnectionTimeout",
        None,
        "is a Simba 2.x property; Amazon's 3.x and 4.x drivers ignore it (their network timeout is \
         `NetworkTimeoutMillis`, in milliseconds: remove this one, or set that)",
    ),
    (
        "SocketTimeout",
        None,
        "is a Simba 2.x property; Amazon's 3.x and 4.x drivers ignore it (their network timeout is \
         `NetworkTimeoutMillis`, in milliseconds: remove this one, or set that)",
    ),
    (
        "RoleArn",
        None,
        "is not a property of Amazon's 3.x or 4.x driver: the driver assumes a role from an AWS profile \
         (`CredentialsProvider=ProfileCredentials;ProfileName=…` with `role_arn` in the profile)",
    ),
    (
        "ExternalId",
        None,
        "is not a property of Amazon's 3.x or 4.x driver: the External ID goes in the AWS profile that \
         assumes the role (`external_id`)",
    ),
];

const NOT_IN_SIMBA: &[(&str, Option<&str>, &str)] = &[
    (
        "Region",
        Some("AwsRegion"),
        "is the 3.x driver's name; the Simba 2.x driver reads `AwsRegion`",
    ),
    (
        "OutputLocation",
        Some("S3OutputLocation"),
        "is the 3.x driver's name; the Simba 2.x driver reads `S3OutputLocation`",
    ),
    (
        "Database",
        Some("Schema"),
        "is the 3.x driver's name; the Simba 2.x driver reads `Schema`",
    ),
    (
        "AccessKeyId",
        Some("User"),
        "is the 3.x driver's alias; the Simba 2.x driver reads `User`",
    ),
    (
        "SecretAccessKey",
        Some("Password"),
        "is the 3.x driver's alias; the Simba 2.x driver reads `Password`",
    ),
    (
        "CredentialsProvider",
        Some("AwsCredentialsProviderClass"),
        "is the 3.x driver's name; the Simba 2.x driver reads `AwsCredentialsProviderClass`",
    ),
    (
        "ProfileName",
        None,
        "is the 3.x driver's name; the Simba 2.x driver takes a profile as `AwsCredentialsProviderClass=com.simba.athena.amazonaws.auth.profile.ProfileCredentialsProvider;AwsCredentialsProviderArguments=NAME`",
    ),
    (
        "RoleArn",
        None,
        "is not a Simba 2.x property: the driver assumes a role through a profile (`ProfileCredentialsProvider`)",
    ),
];

/// The properties `form`'s driver takes. A URL read as 4.x (it names a
/// property only 4.x takes) also takes `ONLY_4X`.
fn table(form: Form) -> impl Iterator<Item = &'static Property> {
    let (own, more): (&[Property], &[Property]) = match form {
        Form::Jdbc2 => (SIMBA, &[]),
        Form::Jdbc4 => (AMAZON, ONLY_4X),
        _ => (AMAZON, &[]),
    };
    own.iter().chain(more)
}

/// Whether `written` names `property` for this driver (Amazon's: any case, any alias).
fn names(form: Form, property: &Property, written: &str) -> bool {
    match form {
        Form::Jdbc2 => property.name == written,
        _ => std::iter::once(property.name)
            .chain(property.aliases.iter().copied())
            .any(|n| n.eq_ignore_ascii_case(written)),
    }
}

fn lookup(form: Form, written: &str) -> Option<&'static Property> {
    table(form).find(|p| names(form, p, written))
}

/// Whether a name is one only the 4.x driver takes.
fn only_4x(written: &str) -> bool {
    ONLY_4X.iter().any(|p| p.name.eq_ignore_ascii_case(written))
}

pub(super) fn property_of(form: Form, id: FieldId) -> Option<&'static str> {
    if id == FieldId::ProfileName && form == Form::Jdbc2 {
        return Some("AwsCredentialsProviderArguments");
    }
    table(form).find(|p| p.field == Some(id)).map(|p| p.name)
}

/// One `Name=Value` of the URL, with byte offsets into the file.
struct Pair<'a> {
    name: &'a str,
    name_at: usize,
    value: &'a str,
    value_at: usize,
    /// The whole segment, `;` excluded: what a removal takes out.
    start: usize,
    end: usize,
}

struct Url<'a> {
    form: Form,
    /// The endpoint host before the first `;`, with its offset.
    host: Option<(&'a str, usize)>,
    pairs: Vec<Pair<'a>>,
    /// Where the URL ends in the file (its line's end, spaces excluded).
    end: usize,
}

const SIMBA_SCHEME: &str = "jdbc:awsathena://";
const AMAZON_SCHEME: &str = "jdbc:athena://";

fn parse<'a>(path: &Path, text: &'a str) -> Result<Url<'a>, Fatal> {
    let (offset, line) = super::url_line(text);
    let lower = line.to_ascii_lowercase();
    let (form, scheme) = if lower.starts_with(SIMBA_SCHEME) {
        (Form::Jdbc2, SIMBA_SCHEME.len())
    } else if lower.starts_with(AMAZON_SCHEME) {
        (Form::Jdbc3, AMAZON_SCHEME.len())
    } else {
        return Err(bad(
            path,
            text,
            offset,
            "not an Athena JDBC URL: expected `jdbc:awsathena://` (Simba 2.x) or `jdbc:athena://` (3.x and 4.x)",
        ));
    };
    let mut url = Url {
        form,
        host: None,
        pairs: Vec::new(),
        end: offset + line.len(),
    };
    let mut at = offset + scheme;
    let body = &line[scheme..];
    for (i, segment) in body.split(';').enumerate() {
        let start = at;
        at += segment.len() + 1;
        if segment.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = segment.split_once('=') else {
            if i == 0 {
                url.host = Some((
                    segment.trim(),
                    start + (segment.len() - segment.trim_start().len()),
                ));
                continue;
            }
            return Err(bad(
                path,
                text,
                start,
                format!(
                    "expected `Property=Value` between `;`, found `{}`",
                    segment.trim()
                ),
            ));
        };
        let name_at = start + (name.len() - name.trim_start().len());
        let name = name.trim();
        if name.is_empty() {
            return Err(bad(path, text, start, "a property with no name before `=`"));
        }
        if let Some(first) = url.pairs.iter().find(|p| same(form, p.name, name)) {
            return Err(bad(
                path,
                text,
                name_at,
                format!(
                    "`{name}` is set twice (first at column {}); the driver takes one value",
                    crate::location::Location::of_offset(text, first.name_at).column
                ),
            ));
        }
        let value_at = start + segment.find('=').unwrap_or(0) + 1;
        url.pairs.push(Pair {
            name,
            name_at,
            value,
            value_at,
            start,
            end: start + segment.len(),
        });
    }
    // The 3.x and 4.x drivers share the prefix and the driver class: a URL is
    // 4.x when it names what only 4.x takes; otherwise it reads the same under
    // either (4.x removed no 3.x name).
    if form == Form::Jdbc3 && url.pairs.iter().any(|p| only_4x(p.name)) {
        url.form = Form::Jdbc4;
    }
    Ok(url)
}

/// Whether two written names are the same property for this driver.
fn same(form: Form, a: &str, b: &str) -> bool {
    match (lookup(form, a), lookup(form, b)) {
        (Some(x), Some(y)) => std::ptr::eq(x, y),
        _ => match form {
            Form::Jdbc2 => a == b,
            _ => a.eq_ignore_ascii_case(b),
        },
    }
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let url = parse(path, text)?;
    let form = url.form;
    let mut reading = Reading::new(path, text, form);
    let mut provider: Option<&str> = None;
    let mut arguments: Option<(&str, usize)> = None;
    // Signing in through an identity provider or a token: `User`/`Password`
    // are then its user name and password, never an access key.
    let sign_in = url.pairs.iter().find(|p| {
        form != Form::Jdbc2
            && lookup(form, p.name).is_some_and(|q| q.name == "CredentialsProvider")
            && SIGN_IN.iter().any(|v| v.eq_ignore_ascii_case(p.value.trim()))
    });
    if let Some(pair) = sign_in {
        reading.sign_in(pair.value.trim().to_string(), pair.value_at);
    }
    for pair in &url.pairs {
        match lookup(form, pair.name) {
            Some(property) => {
                let keys = matches!(
                    property.field,
                    Some(FieldId::AccessKeyId | FieldId::SecretAccessKey)
                );
                if property.secret {
                    match property.field {
                        Some(FieldId::SecretAccessKey) if sign_in.is_none() => {
                            reading.secret(pair.value.to_string(), pair.value_at, pair.value.len())
                        }
                        _ => reading.mask(pair.value_at, pair.value.len()),
                    }
                    continue;
                }
                if keys && sign_in.is_some() {
                    continue;
                }
                match property.name {
                    "AwsCredentialsProviderClass" | "CredentialsProvider" => provider = Some(pair.value),
                    "AwsCredentialsProviderArguments" | "CredentialsProviderArguments" => {
                        arguments = Some((pair.value, pair.value_at))
                    }
                    _ => {}
                }
                if let Some(id) = property.field {
                    reading.set(id, pair.value.to_string(), pair.value_at);
                }
            }
            None => unknown(&mut reading, form, pair),
        }
    }
    // An Amazon driver told to load a class of the Simba driver cannot: it
    // fails with `Credentials provider "com.simba…" not found`.
    if form != Form::Jdbc2
        && let Some(pair) = url.pairs.iter().find(|p| {
            lookup(form, p.name).is_some_and(|q| q.name == "CredentialsProvider")
                && p.value.trim().starts_with("com.simba.")
        })
    {
        reading.unknown(
            pair.name,
            None,
            format!(
                "`{}={}` names a class of the Simba 2.x driver, which Amazon's 3.x and 4.x drivers cannot load \
                 (they fail with `Credentials provider \"{}\" not found`): write their own provider instead, \
                 e.g. `CredentialsProvider=ProfileCredentials;ProfileName=…` for a profile, or \
                 `CredentialsProvider=DefaultChain`",
                pair.name,
                pair.value.trim(),
                pair.value.trim()
            ),
            pair.value_at,
        );
        provider = None;
    }
    // A profile named through the credentials provider's arguments.
    if let (Some(class), Some((name, at))) = (provider, arguments) {
        let class = class.trim();
        if class.ends_with("ProfileCredentialsProvider") || class.eq_ignore_ascii_case("ProfileCredentials") {
            reading.set(FieldId::ProfileName, name.to_string(), at);
        }
    }
    // The region of an endpoint host, when no property names one.
    if let Some((host, at)) = url.host
        && let Some((region, within)) = region_of_host(host)
    {
        reading.set(FieldId::Region, region.to_string(), at + within);
    }
    Ok(reading.finish())
}

fn unknown(reading: &mut Reading, form: Form, pair: &Pair) {
    let (other, driver) = match form {
        Form::Jdbc2 => (NOT_IN_SIMBA, "the Simba 2.x driver"),
        Form::Jdbc4 => (NOT_IN_AMAZON, "the 4.x driver"),
        _ => (NOT_IN_AMAZON, "Amazon's 3.x or 4.x driver"),
    };
    let exact = |n: &str| match form {
        Form::Jdbc2 => n == pair.name,
        _ => n.eq_ignore_ascii_case(pair.name),
    };
    if let Some((_, rename, why)) = other.iter().find(|(n, _, _)| exact(n)) {
        reading.unknown(pair.name, *rename, format!("`{}` {why}", pair.name), pair.name_at);
        return;
    }
    // The Simba driver's names are case-sensitive: a known name in another case
    // is a property it does not read.
    if form == Form::Jdbc2
        && let Some(p) = SIMBA.iter().find(|p| p.name.eq_ignore_ascii_case(pair.name))
    {
        {
            reading.unknown(
                pair.name,
                Some(p.name),
                format!(
                    "`{}`: the Simba 2.x driver's property names are case-sensitive",
                    pair.name
                ),
                pair.name_at,
            );
            return;
        }
    }
    // A near miss of a 4.x name counts in a URL read as 3.x too: the driver
    // may be 4.x, and the name was then meant.
    let more: &[Property] = match form {
        Form::Jdbc3 => ONLY_4X,
        _ => &[],
    };
    let known = table(form)
        .chain(more)
        .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()));
    if let Some(near) = nearest(pair.name, known) {
        let near = lookup(form, near).map_or(near, |p| p.name);
        reading.typo(
            pair.name,
            near,
            format!("`{}` is not a property of {driver}", pair.name),
            pair.name_at,
        );
    }
    // Any other name: the drivers take more properties than the doctor lists,
    // so a name it does not know is not taken for a mistake.
}

pub(super) fn rewrite(form: Form, text: &str, changes: &[Change]) -> Result<String, String> {
    let url = parse(Path::new("url"), text).map_err(|e| e.to_string())?;
    // 3.x and 4.x are one driver family: a rename may add a 4.x-only name.
    let family = |f: Form| matches!(f, Form::Jdbc3 | Form::Jdbc4);
    if url.form != form && !(family(url.form) && family(form)) {
        return Err("the URL's driver changed".into());
    }
    let form = url.form;
    // (start, end, replacement), applied from the end so offsets hold.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut appended: Vec<String> = Vec::new();
    for change in changes {
        match change {
            Change::Set(id, value) => {
                let name = property_of(form, *id)
                    .ok_or_else(|| format!("{} has no {}", form.describe(), id.key()))?;
                let at = url
                    .pairs
                    .iter()
                    .find(|p| lookup(form, p.name).is_some_and(|q| q.field == Some(*id)));
                if value.as_deref().is_some_and(|v| v.contains(';')) {
                    return Err(format!("`{name}` cannot hold a `;` in a JDBC URL"));
                }
                match (at, value) {
                    (Some(p), Some(v)) => edits.push((p.value_at, p.value_at + p.value.len(), v.clone())),
                    (Some(p), None) => edits.push(removal(text, p)),
                    (None, Some(v)) => appended.push(format!("{name}={v}")),
                    (None, None) => {}
                }
            }
            Change::Rename { from, to } => {
                if let Some(p) = url.pairs.iter().find(|p| p.name == from) {
                    edits.push((p.name_at, p.name_at + p.name.len(), to.clone()));
                }
            }
            Change::DropSecrets => {
                for p in &url.pairs {
                    if lookup(form, p.name).is_some_and(|q| q.secret) {
                        edits.push(removal(text, p));
                    }
                }
            }
        }
    }
    let mut out = super::apply_edits(text, edits);
    // Where the URL ends after the edits: found again rather than tracked.
    let url_end = parse(Path::new("url"), &out).map_err(|e| e.to_string())?.end;
    if !appended.is_empty() {
        let before = &out[..url_end];
        let sep = if before.ends_with(';') || before.ends_with("//") {
            ""
        } else {
            ";"
        };
        out.insert_str(url_end, &format!("{sep}{}", appended.join(";")));
    }
    Ok(out)
}

/// The span that removes a pair and one `;` beside it.
fn removal(text: &str, p: &Pair) -> (usize, usize, String) {
    if text[p.end..].starts_with(';') {
        (p.start, p.end + 1, String::new())
    } else if text[..p.start].ends_with(';') {
        // The last pair: take the `;` before it.
        (p.start - 1, p.end, String::new())
    } else {
        (p.start, p.end, String::new())
    }
}

/// The secret values' text masked, as the model keeps it (for the tests).
#[cfg(test)]
fn masked(text: &str) -> String {
    let loaded = read(Path::new("u.jdbc"), text).unwrap();
    loaded.connection.text.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    // From the Simba guide ("Building the Connection URL").
    const SIMBA_URL: &str = "jdbc:awsathena://AwsRegion=us-west-1;User=AKIAIOSFODNN7EXAMPLE;\
        Password=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;S3OutputLocation=s3://working/dir;";

    #[test]
    fn simba_urls_fill_the_model_with_positions() {
        let loaded = read(Path::new("u.jdbc"), SIMBA_URL).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.form, Form::Jdbc2);
        assert_eq!(c.value(FieldId::Region), Some("us-west-1"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 1, column: 28 })
        );
        assert_eq!(c.value(FieldId::S3OutputBucket), Some("s3://working/dir"));
        assert_eq!(c.value(FieldId::AccessKeyId), Some("AKIAIOSFODNN7EXAMPLE"));
        assert!(loaded.file_secret.is_some());
        assert_eq!(c.auth.auth_type, Some(crate::connection::AuthType::AccessKey));
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(masked(SIMBA_URL).contains("Password=****;"));
        assert_eq!(FieldId::S3OutputBucket.key_in(c.form), "S3OutputLocation");
    }

    #[test]
    fn amazon_urls_take_aliases_in_any_case_and_the_host_region() {
        let url = "jdbc:athena://athena.eu-west-1.amazonaws.com:443;s3outputlocation=s3://r/p/;Workgroup=bi;\
                   Schema=sales;CredentialsProvider=ProfileCredentials;ProfileName=analytics";
        let c = read(Path::new("u.jdbc"), url).unwrap().connection;
        assert_eq!(c.form, Form::Jdbc3);
        assert_eq!(c.value(FieldId::Region), Some("eu-west-1"));
        assert_eq!(
            c.location(FieldId::Region),
            Some(Location { line: 1, column: 22 })
        );
        assert_eq!(c.value(FieldId::S3OutputBucket), Some("s3://r/p/"));
        assert_eq!(c.value(FieldId::Workgroup), Some("bi"));
        assert_eq!(c.value(FieldId::DefaultSchema), Some("sales"));
        assert_eq!(c.value(FieldId::ProfileName), Some("analytics"));
        assert!(c.unknown.is_empty(), "{:?}", c.unknown);
        assert_eq!(FieldId::S3OutputBucket.key_in(c.form), "OutputLocation");
    }

    #[test]
    fn names_a_driver_does_not_take_are_found() {
        let c = read(
            Path::new("u.jdbc"),
            "jdbc:athena://Region=us-east-1;UseResultsetStreaming=1;OutputLocaton=s3://r/;RoleArn=arn:aws:iam::1:role/r",
        )
        .unwrap()
        .connection;
        let names: Vec<(&str, Option<&str>)> = c
            .unknown
            .iter()
            .map(|u| (u.name.as_str(), u.rename.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("UseResultsetStreaming", None),
                ("OutputLocaton", Some("OutputLocation")),
                ("RoleArn", None)
            ]
        );
        let c = read(
            Path::new("u.jdbc"),
            "jdbc:awsathena://awsregion=us-east-1;OutputLocation=s3://r/",
        )
        .unwrap()
        .connection;
        assert_eq!(c.value(FieldId::Region), None);
        assert_eq!(c.unknown[0].rename.as_deref(), Some("AwsRegion"));
        assert!(c.unknown[0].why.contains("case-sensitive"));
        assert_eq!(c.unknown[1].rename.as_deref(), Some("S3OutputLocation"));
    }

    #[test]
    fn documented_3x_properties_are_never_flagged() {
        // From the 3.x advanced and authentication parameter pages: names the
        // doctor does not read but must not take for mistakes (FetchSize was a
        // near miss of nothing, NumRetries of nothing; MaxErrorRetry is its alias).
        let url = "jdbc:athena://Region=us-east-1;FetchSize=1000;NumRetries=3;MaxErrorRetry=2;\
                   NetworkTimeoutMillis=5000;AthenaEndpoint=https://vpce.example;ProxyUID=u;\
                   s3_staging_dir=s3://r/p/";
        let err = read(Path::new("u.jdbc"), url).unwrap_err().to_string();
        // NumRetries and MaxErrorRetry are one property: set twice.
        assert!(err.contains("set twice"), "{err}");
        let url = "jdbc:athena://Region=us-east-1;FetchSize=1000;NumRetries=3;NetworkTimeoutMillis=5000;\
                   AthenaEndpoint=https://vpce.example;ProxyUID=u;s3_staging_dir=s3://r/p/;PreferredRole=arn:aws:iam::1:role/r";
        let c = read(Path::new("u.jdbc"), url).unwrap().connection;
        assert_eq!(c.form, Form::Jdbc3);
        assert!(c.unknown.is_empty(), "{:?}", c.unknown);
        assert_eq!(c.value(FieldId::S3OutputBucket), Some("s3://r/p/"));
    }

    #[test]
    fn a_url_naming_what_only_4x_takes_is_read_as_4x() {
        // From the 4.x pages: `EngineVersion` (release notes), `IdpHostName`
        // (authentication, "Identity provider host and port"), `Endpoint` (aliases).
        let url = "jdbc:athena://Region=us-east-1;EngineVersion=DuckDB;WorkGroup=duck;\
                   Endpoint=https://athena.us-east-1.amazonaws.com;EngineVerison=x";
        let c = read(Path::new("u.jdbc"), url).unwrap().connection;
        assert_eq!(c.form, Form::Jdbc4);
        assert_eq!(c.form.describe(), "the Athena JDBC 4.x URL");
        // Only the typo is flagged, with 4.x's name as the correction.
        let flagged: Vec<_> = c
            .unknown
            .iter()
            .map(|u| (u.name.as_str(), u.rename.as_deref()))
            .collect();
        assert_eq!(flagged, [("EngineVerison", Some("EngineVersion"))]);
        assert!(
            c.unknown[0].why.contains("the 4.x driver"),
            "{}",
            c.unknown[0].why
        );
        // A near miss of a 4.x name in a URL otherwise 3.x is flagged as well.
        let c = read(Path::new("u.jdbc"), "jdbc:athena://Region=us-east-1;IdpHostNam=x")
            .unwrap()
            .connection;
        assert_eq!(c.form, Form::Jdbc3);
        assert_eq!(c.unknown[0].rename.as_deref(), Some("IdpHostName"));
        // A rename into a 4.x name keeps the driver family.
        let out = rewrite(
            Form::Jdbc3,
            "jdbc:athena://Region=us-east-1;IdpHostNam=x",
            &[Change::Rename {
                from: "IdpHostNam".into(),
                to: "IdpHostName".into(),
            }],
        )
        .unwrap();
        assert_eq!(out, "jdbc:athena://Region=us-east-1;IdpHostName=x");
    }

    #[test]
    fn an_identity_providers_user_and_password_are_not_an_access_key() {
        // The 3.x Okta page: `User` is "The email address of the Okta user",
        // `Password` its password (alias `PWD`).
        let url = "jdbc:athena://Region=us-east-1;CredentialsProvider=Okta;User=ana@example.com;\
                   PWD=hunter2-okta;OktaHostName=acme.okta.com;OktaAppId=0oa1;OutputLocation=s3://r/";
        let loaded = read(Path::new("u.jdbc"), url).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.value(FieldId::AccessKeyId), None);
        assert!(loaded.file_secret.is_none());
        assert_eq!(c.auth.auth_type, None);
        assert_eq!(c.auth.sign_in.as_ref().and_then(|f| f.value()), Some("Okta"));
        assert!(c.unknown.is_empty(), "{:?}", c.unknown);
        let shown = format!("{loaded:?} {}", serde_json::to_string(c).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        // With IAM credentials the same names are the key pair.
        let c = read(
            Path::new("u.jdbc"),
            "jdbc:athena://Region=us-east-1;User=AKIAIOSFODNN7EXAMPLE;Password=x",
        )
        .unwrap()
        .connection;
        assert_eq!(c.value(FieldId::AccessKeyId), Some("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(c.auth.sign_in, None);
    }

    #[test]
    fn a_simba_class_given_to_amazons_driver_is_found() {
        // DBeaver with the 3.x driver and a connection kept from the Simba
        // driver: `Credentials provider "com.simba…" not found`.
        let url = "jdbc:athena://Region=us-east-1;\
                   AwsCredentialsProviderClass=com.simba.athena.amazonaws.auth.profile.ProfileCredentialsProvider;\
                   AwsCredentialsProviderArguments=bi";
        let c = read(Path::new("u.jdbc"), url).unwrap().connection;
        assert_eq!(c.unknown.len(), 1, "{:?}", c.unknown);
        assert!(c.unknown[0].why.contains("cannot load"), "{}", c.unknown[0].why);
        assert!(c.unknown[0].why.contains("ProfileCredentials"));
        // The profile is not taken as named: the driver never reads it.
        assert_eq!(c.value(FieldId::ProfileName), None);
    }

    #[test]
    fn bad_urls_are_refused_where_they_go_wrong() {
        let err = |t: &str| read(Path::new("u"), t).unwrap_err().to_string();
        assert!(
            err("jdbc:athena://Region=a;oops;").contains(":1:24:"),
            "{}",
            err("jdbc:athena://Region=a;oops;")
        );
        assert!(err("jdbc:athena://Region=a;region=b").contains("set twice"));
        assert!(err("jdbc:awsathena://AwsRegion=a;=b").contains("no name"));
    }

    #[test]
    fn rewrites_change_one_property_and_keep_the_rest() {
        let url = "jdbc:athena://Region=us-east-1;OutputLocation=s3://r/p;WorkGroup=bi\n";
        let out = rewrite(
            Form::Jdbc3,
            url,
            &[Change::Set(FieldId::S3OutputBucket, Some("s3://r/p/".into()))],
        )
        .unwrap();
        assert_eq!(
            out,
            "jdbc:athena://Region=us-east-1;OutputLocation=s3://r/p/;WorkGroup=bi\n"
        );
        let out = rewrite(
            Form::Jdbc3,
            url,
            &[Change::Set(FieldId::DataCatalog, Some("AwsDataCatalog".into()))],
        )
        .unwrap();
        assert_eq!(
            out,
            "jdbc:athena://Region=us-east-1;OutputLocation=s3://r/p;WorkGroup=bi;Catalog=AwsDataCatalog\n"
        );
        let out = rewrite(
            Form::Jdbc2,
            SIMBA_URL,
            &[
                Change::DropSecrets,
                Change::Rename {
                    from: "User".into(),
                    to: "Userx".into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "jdbc:awsathena://AwsRegion=us-west-1;Userx=AKIAIOSFODNN7EXAMPLE;S3OutputLocation=s3://working/dir;"
        );
        assert!(masked(SIMBA_URL).contains(super::super::MASK));
    }
}
