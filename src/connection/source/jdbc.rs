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
//! - Athena JDBC 3.x "Basic connection parameters":
//!   <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v3-driver-basic-connection-parameters.html>
//!   — `Region` (alias `AwsRegion`, deprecated), `Catalog` (default `AwsDataCatalog`),
//!   `Database` (alias `Schema`, default `default`), `WorkGroup` (default `primary`),
//!   `OutputLocation` (alias `S3OutputLocation`, deprecated).
//! - 3.x "IAM credentials": <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v3-driver-iam-credentials.html>
//!   — `User` (alias `AccessKeyId`), `Password` (alias `SecretAccessKey`), `SessionToken`;
//!   "AWS configuration profile credentials" — `CredentialsProvider` (alias
//!   `AWSCredentialsProviderClass`, deprecated) `=ProfileCredentials` with `ProfileName`;
//!   "Custom credentials" — `CredentialsProviderArguments` (alias `AwsCredentialsProviderArguments`).
//!   4.x adds `PWD` as a deprecated alias of `Password`.
//! - 3.x "Get started" sets `Workgroup` where the parameter table says
//!   `WorkGroup`: the 3.x driver reads names without regard to case.
//!   <https://docs.aws.amazon.com/athena/latest/ug/jdbc-v3-driver-getting-started.html>
//!   The 3.x driver has no role parameters for IAM credentials (a role comes from
//!   an AWS profile, or `JwtRoleArn` with JWT credentials).

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

const fn p(name: &'static str, field: Option<FieldId>) -> Property {
    Property {
        name,
        aliases: &[],
        field,
        secret: false,
    }
}

/// The Simba 2.x properties the doctor reads, and the others the guide lists
/// that it only recognises (so that they are not taken for unknown ones).
const SIMBA: &[Property] = &[
    p("AwsRegion", Some(FieldId::Region)),
    p("S3OutputLocation", Some(FieldId::S3OutputBucket)),
    p("Workgroup", Some(FieldId::Workgroup)),
    p("Catalog", Some(FieldId::DataCatalog)),
    p("Schema", Some(FieldId::DefaultSchema)),
    p("User", Some(FieldId::AccessKeyId)),
    Property {
        name: "Password",
        aliases: &[],
        field: Some(FieldId::SecretAccessKey),
        secret: true,
    },
    Property {
        name: "SessionToken",
        aliases: &[],
        field: None,
        secret: true,
    },
    p("AwsCredentialsProviderClass", None),
    p("AwsCredentialsProviderArguments", None),
    p("S3OutputEncOption", None),
    p("S3OutputEncKMSKey", None),
    p("LogLevel", None),
    p("LogPath", None),
    p("MaxErrorRetry", None),
    p("ConnectionTimeout", None),
    p("SocketTimeout", None),
    p("UseResultsetStreaming", None),
    p("MetadataRetrievalMethod", None),
    p("ProxyHost", None),
    p("ProxyPort", None),
    p("ProxyUID", None),
    Property {
        name: "ProxyPWD",
        aliases: &[],
        field: None,
        secret: true,
    },
    p("EndpointOverride", None),
    p("StsEndpointOverride", None),
    p("LakeFormationEnabled", None),
];

/// The 3.x properties the doctor reads or recognises, with their aliases.
const AMAZON: &[Property] = &[
    Property {
        name: "Region",
        aliases: &["AwsRegion"],
        field: Some(FieldId::Region),
        secret: false,
    },
    p("Catalog", Some(FieldId::DataCatalog)),
    Property {
        name: "Database",
        aliases: &["Schema"],
        field: Some(FieldId::DefaultSchema),
        secret: false,
    },
    p("WorkGroup", Some(FieldId::Workgroup)),
    Property {
        name: "OutputLocation",
        aliases: &["S3OutputLocation"],
        field: Some(FieldId::S3OutputBucket),
        secret: false,
    },
    Property {
        name: "User",
        aliases: &["AccessKeyId"],
        field: Some(FieldId::AccessKeyId),
        secret: false,
    },
    Property {
        name: "Password",
        aliases: &["SecretAccessKey", "PWD"],
        field: Some(FieldId::SecretAccessKey),
        secret: true,
    },
    Property {
        name: "SessionToken",
        aliases: &[],
        field: None,
        secret: true,
    },
    Property {
        name: "CredentialsProvider",
        aliases: &["AWSCredentialsProviderClass"],
        field: None,
        secret: false,
    },
    Property {
        name: "CredentialsProviderArguments",
        aliases: &["AwsCredentialsProviderArguments"],
        field: None,
        secret: false,
    },
    p("ProfileName", Some(FieldId::ProfileName)),
    Property {
        name: "EncryptionOption",
        aliases: &["S3OutputEncOption"],
        field: None,
        secret: false,
    },
    Property {
        name: "KmsKey",
        aliases: &["S3OutputEncKMSKey"],
        field: None,
        secret: false,
    },
    p("ExpectedBucketOwner", None),
    p("AclOption", None),
    p("ResultFetcher", None),
    p("LogLevel", None),
    p("LogPath", None),
    p("ConnectionTimeout", None),
    p("SocketTimeout", None),
    p("MaxErrorRetry", None),
    p("ProxyHost", None),
    p("ProxyPort", None),
    p("ProxyUsername", None),
    Property {
        name: "ProxyPassword",
        aliases: &[],
        field: None,
        secret: true,
    },
    p("JwtRoleArn", None),
    // A bearer token: masked like a secret, never echoed.
    Property {
        name: "JwtWebIdentityToken",
        aliases: &["web_identity_token"],
        field: None,
        secret: true,
    },
    p("JwtRoleSessionName", None),
];

/// Names of one driver that the other does not take, with what to write instead.
/// `None`: there is no one property to rename it to (the reason says what to do).
const NOT_IN_AMAZON: &[(&str, Option<&str>, &str)] = &[
    (
        "UseResultsetStreaming",
        None,
        "is a Simba 2.x property; the 3.x driver chooses how results are fetched with `ResultFetcher` \
         (its own values, `auto` by default: remove this one, or set `ResultFetcher`)",
    ),
    (
        "RoleArn",
        None,
        "is not a 3.x property: the driver assumes a role from an AWS profile (`CredentialsProvider=ProfileCredentials;ProfileName=…` with `role_arn` in the profile)",
    ),
    (
        "ExternalId",
        None,
        "is not a 3.x property: the External ID goes in the AWS profile that assumes the role (`external_id`)",
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

fn table(form: Form) -> &'static [Property] {
    match form {
        Form::Jdbc2 => SIMBA,
        _ => AMAZON,
    }
}

/// Whether `written` names `property` for this driver (3.x: any case, any alias).
fn names(form: Form, property: &Property, written: &str) -> bool {
    match form {
        Form::Jdbc2 => property.name == written,
        _ => std::iter::once(property.name)
            .chain(property.aliases.iter().copied())
            .any(|n| n.eq_ignore_ascii_case(written)),
    }
}

fn lookup(form: Form, written: &str) -> Option<&'static Property> {
    table(form).iter().find(|p| names(form, p, written))
}

pub(super) fn property_of(form: Form, id: FieldId) -> Option<&'static str> {
    if id == FieldId::ProfileName && form == Form::Jdbc2 {
        return Some("AwsCredentialsProviderArguments");
    }
    table(form).iter().find(|p| p.field == Some(id)).map(|p| p.name)
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
            "not an Athena JDBC URL: expected `jdbc:awsathena://` (Simba 2.x) or `jdbc:athena://` (3.x)",
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
    for pair in &url.pairs {
        match lookup(form, pair.name) {
            Some(property) => {
                if property.secret {
                    match property.field {
                        Some(FieldId::SecretAccessKey) => {
                            reading.secret(pair.value.to_string(), pair.value_at, pair.value.len())
                        }
                        _ => reading.mask(pair.value_at, pair.value.len()),
                    }
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
        _ => (NOT_IN_AMAZON, "the 3.x driver"),
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
    let known = table(form)
        .iter()
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
    if url.form != form {
        return Err("the URL's driver changed".into());
    }
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
