//! AWS shared config profiles (`~/.aws/config`, `~/.aws/credentials`): the
//! chain of profiles a tool follows when a source names one (dbt's
//! `aws_profile_name`, PyAthena's `profile_name`, Grafana's `jsonData.profile`).
//!
//! Source: AWS CLI, "Configuration and credential file settings" and "Use an
//! IAM role in the AWS CLI" (<https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html>,
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html>):
//! `[profile NAME]` (config) or `[NAME]` (credentials), `role_arn` with exactly
//! one of `source_profile` / `credential_source`, `external_id`, `region`, and
//! `sso_*`. A profile's `region` is read from the profile named, never from its
//! source profile; the role assumed last is the named profile's `role_arn`.
//! The source's own value wins over the profile's (the SDKs' order: an explicit
//! setting before the shared config).
//!
//! With `--profile-file FILE`, a source that names a profile has its chain
//! followed: a chain the CLI would refuse (a missing source profile, a loop, a
//! role with neither or both of `source_profile` / `credential_source`) is bad
//! input at its `file:line:column` (exit 2, as the tool itself fails); else
//! the named profile's `region`, `role_arn` and `external_id` fill the fields
//! the source leaves blank, each at its position in the profile file, and the
//! chain is kept in the model (`Auth::chain`, [`ProfileChain`]): its role hops
//! in the order assumed, and which fields it filled. `Connection::site` points
//! a filled field into the profile file (its `location` in the source is
//! none), and its fix is the profile's corrected line
//! (`fix::Fix::profile_setting`). TRUST007 (`rules/chain.rs`) judges each hop
//! with its role's trust policy.

use crate::connection::{AuthType, Field, FieldId, Loaded};
use crate::error::Fatal;
use crate::location::Location;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static FILE: OnceLock<PathBuf> = OnceLock::new();

/// The shared config file (`--profile-file`) the profiles sources name are read from.
pub(crate) fn use_file(path: PathBuf) {
    let _ = FILE.set(path);
}

/// Follow the profile `loaded` names through `--profile-file`, when both are given.
pub(super) fn apply(loaded: &mut Loaded) -> Result<(), Fatal> {
    let (Some(file), Some(name)) = (FILE.get(), loaded.connection.value(FieldId::ProfileName)) else {
        return Ok(());
    };
    let name = name.to_string();
    fill(file, &crate::connection::read_text(file)?, &name, loaded)
}

fn fill(file: &Path, text: &str, name: &str, loaded: &mut Loaded) -> Result<(), Fatal> {
    let profiles = parse(text).map_err(|(at, why)| Fatal::input(file, Some(at), why))?;
    let chain = chain(&profiles, name);
    if let Some(b) = chain.broken {
        return Err(Fatal::input(
            file,
            b.at,
            format!("profile `{}`: {}", b.profile, b.why),
        ));
    }
    let path = file.display().to_string();
    let c = &mut loaded.connection;
    let mut filled = Vec::new();
    // The value as the model holds it: its position is in the profile file,
    // which `Filled` names (so `Connection::location` never puts it in the source).
    let mut take = |id: FieldId, profile: &str, setting: &str, entry: Option<(String, Location)>| {
        let (raw, at) = entry?;
        filled.push(Filled {
            field: id.key().to_string(),
            profile: profile.to_string(),
            setting: setting.to_string(),
            location: at,
        });
        Some(Field {
            raw,
            location: Some(at),
        })
    };
    // The source's own value wins (the SDKs read an explicit setting before the shared config).
    if c.region.is_none() {
        c.region = take(FieldId::Region, name, "region", chain.region.clone());
    }
    // The named profile's role is the one assumed last: the connection's role.
    let last = chain.hops.first().filter(|h| h.role_arn.is_some());
    let roles = c.auth.auth_type != Some(AuthType::AccessKey);
    if let Some(last) = last.filter(|_| roles) {
        if c.auth.role_arn.is_none() {
            c.auth.role_arn = take(FieldId::RoleArn, &last.profile, "role_arn", last.role_arn.clone());
        }
        if c.auth.external_id.is_none() {
            c.auth.external_id = take(
                FieldId::ExternalId,
                &last.profile,
                "external_id",
                last.external_id.clone(),
            );
        }
        if c.auth.role_arn.is_some() && c.auth.auth_type.is_none() {
            c.auth.auth_type = Some(AuthType::CrossAccountRole);
        }
    }
    // The role hops in the order they are assumed: the named profile's is last.
    let hops: Vec<ChainHop> = chain
        .hops
        .iter()
        .rev()
        .filter_map(|h| {
            let (arn, at) = h.role_arn.clone()?;
            Some(ChainHop {
                profile: h.profile.clone(),
                role_arn: Field {
                    raw: arn,
                    location: Some(at),
                },
                external_id: h.external_id.clone().map(|(raw, at)| Field {
                    raw,
                    location: Some(at),
                }),
                section: profiles
                    .iter()
                    .rev()
                    .find(|p| p.name == h.profile)
                    .and_then(|p| p.at),
            })
        })
        .collect();
    if !hops.is_empty() || !filled.is_empty() {
        c.auth.chain = Some(ProfileChain {
            file: path,
            profile: name.to_string(),
            hops,
            starts_from: chain.starts_from.unwrap_or_default(),
            filled,
        });
    }
    Ok(())
}

/// The chain of profiles a connection's named profile follows, as the
/// connection model keeps it (`Auth::chain`): what TRUST007 judges hop by hop,
/// and where in the profile file each value the connection took from it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProfileChain {
    /// The shared config file (`--profile-file`), as given.
    pub file: String,
    /// The profile the source names.
    pub profile: String,
    /// The roles in the order they are assumed: the first with the starting
    /// credentials, each next one with the session of the one before; the
    /// last is the named profile's (the connection's role).
    pub hops: Vec<ChainHop>,
    /// What the first role is assumed with, in words.
    pub starts_from: String,
    /// The connection's fields whose value the profile file gave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filled: Vec<Filled>,
}

/// One role of the chain: its profile, its ARN and the External ID it is
/// assumed with, each at its position in the profile file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChainHop {
    pub profile: String,
    pub role_arn: Field,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Field>,
    /// Where the profile's `[profile NAME]` header is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<Location>,
}

/// A connection field filled from the profile file: which (its key), from
/// which profile's setting, written where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Filled {
    pub field: String,
    pub profile: String,
    pub setting: String,
    pub location: Location,
}

impl ProfileChain {
    /// Whence the field `id` came, when the profile file gave it.
    pub(crate) fn filled(&self, id: FieldId) -> Option<&Filled> {
        self.filled.iter().find(|f| f.field == id.key())
    }

    /// `hop 2 of 2`: a hop's place, 0-based `index`, in words.
    pub(crate) fn place(&self, index: usize) -> String {
        format!("hop {} of {}", index + 1, self.hops.len())
    }

    /// Who assumes hop `index`: the role of the hop before (its session), or
    /// the credentials the chain starts from (`None`: not knowable offline).
    pub(crate) fn assumed_by(&self, index: usize) -> Option<&str> {
        index
            .checked_sub(1)
            .and_then(|i| self.hops.get(i))
            .and_then(|h| h.role_arn.value())
    }
}

/// The setting of a profile that holds `id`.
pub(crate) fn property_of(id: FieldId) -> Option<&'static str> {
    match id {
        FieldId::Region => Some("region"),
        FieldId::RoleArn => Some("role_arn"),
        FieldId::ExternalId => Some("external_id"),
        FieldId::ProfileName => Some("source_profile"),
        _ => None,
    }
}

/// One profile as written: each setting's value and position. A secret's
/// value is never kept, only where it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    pub name: String,
    pub at: Option<Location>,
    pub settings: BTreeMap<String, (String, Location)>,
    /// Where `aws_secret_access_key` / `aws_session_token` are written.
    pub secrets: Vec<Location>,
}

impl Profile {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.settings
            .get(key)
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn entry(&self, key: &str) -> Option<(String, Location)> {
        self.settings.get(key).filter(|(v, _)| !v.is_empty()).cloned()
    }

    fn at(&self, key: &str) -> Option<Location> {
        self.settings.get(key).map(|(_, l)| *l)
    }
}

const SECRETS: &[&str] = &["aws_secret_access_key", "aws_session_token"];

/// Read a config or credentials file: `[profile NAME]`, `[NAME]` and
/// `[default]` sections, `key = value` lines, `#`/`;` comments. Nested
/// (indented) lines, such as an `s3 =` block's, belong to their parent key
/// and are skipped.
pub(crate) fn parse(text: &str) -> Result<Vec<Profile>, (Location, String)> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let at = Location::of_offset(text, here + (line.len() - line.trim_start().len()));
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') || line.starts_with([' ', '\t']) {
            continue;
        }
        if let Some(section) = t.strip_prefix('[') {
            let Some(section) = section.strip_suffix(']') else {
                return Err((at, "a section header without its closing `]`".into()));
            };
            let section = section.trim();
            let name = section.strip_prefix("profile ").map(str::trim).unwrap_or(section);
            profiles.push(Profile {
                name: name.to_string(),
                at: Some(at),
                ..Profile::default()
            });
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            return Err((at, format!("`{t}` is neither `[profile NAME]` nor `key = value`")));
        };
        let Some(profile) = profiles.last_mut() else {
            return Err((at, "a setting before any `[profile NAME]` section".into()));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let after = line.find('=').map_or(0, |i| i + 1);
        let gap = line[after..].len() - line[after..].trim_start().len();
        let value_at = Location::of_offset(text, here + after + gap);
        if SECRETS.contains(&key.as_str()) {
            profile.secrets.push(value_at);
            continue;
        }
        profile.settings.insert(key, (value.to_string(), value_at));
    }
    Ok(profiles)
}

/// One profile the chain passes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    pub profile: String,
    pub role_arn: Option<(String, Location)>,
    pub external_id: Option<(String, Location)>,
}

/// Where a chain breaks, as the CLI would refuse it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Broken {
    pub profile: String,
    pub at: Option<Location>,
    pub why: String,
}

/// The chain from the named profile to the credentials it starts from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Chain {
    /// The named profile first; the role assumed last is the first hop's.
    pub hops: Vec<Hop>,
    /// The named profile's region (source profiles' regions are not read).
    pub region: Option<(String, Location)>,
    /// What the first credentials are: keys, SSO, a credential source…
    pub starts_from: Option<String>,
    pub broken: Option<Broken>,
}

/// Follow `name`'s chain through `profiles`.
pub(crate) fn chain(profiles: &[Profile], name: &str) -> Chain {
    let find = |n: &str| profiles.iter().rev().find(|p| p.name == n);
    let mut out = Chain::default();
    let Some(first) = find(name) else {
        out.broken = Some(Broken {
            profile: name.to_string(),
            at: None,
            why: format!("the profile `{name}` is not in the file"),
        });
        return out;
    };
    out.region = first.entry("region");
    let mut seen: Vec<String> = Vec::new();
    let mut current = first;
    loop {
        let name = current.name.clone();
        let role = current.entry("role_arn");
        out.hops.push(Hop {
            profile: name.clone(),
            role_arn: role.clone(),
            external_id: current.entry("external_id"),
        });
        seen.push(name.clone());
        let source = current.get("source_profile");
        let credential_source = current.get("credential_source");
        let broken = |why: String, at: Option<Location>| Broken {
            profile: name.clone(),
            at,
            why,
        };
        if role.is_none() {
            out.starts_from = Some(starts_from(current));
            return out;
        }
        match (source, credential_source) {
            (Some(_), Some(_)) => {
                out.broken = Some(broken(
                    "`role_arn` with both `source_profile` and `credential_source`: the CLI refuses the profile".into(),
                    current.at("credential_source"),
                ));
                return out;
            }
            (None, Some(cs)) => {
                out.starts_from = Some(format!("credential_source = {cs}"));
                return out;
            }
            (None, None) if current.get("web_identity_token_file").is_some() => {
                out.starts_from = Some("a web identity token".into());
                return out;
            }
            (None, None) => {
                out.broken = Some(broken(
                    "`role_arn` without `source_profile` or `credential_source`: nothing to assume it with"
                        .into(),
                    current.at("role_arn"),
                ));
                return out;
            }
            (Some(src), None) => {
                let Some(next) = find(src) else {
                    out.broken = Some(broken(
                        format!("`source_profile = {src}`: no such profile in the file"),
                        current.at("source_profile"),
                    ));
                    return out;
                };
                // A profile naming itself takes its own keys (the CLI allows it).
                if next.name == name {
                    out.starts_from = Some(starts_from(current));
                    return out;
                }
                if seen.contains(&next.name) {
                    out.broken = Some(broken(
                        format!(
                            "`source_profile = {src}` loops back: {} → {src}",
                            seen.join(" → ")
                        ),
                        current.at("source_profile"),
                    ));
                    return out;
                }
                current = next;
            }
        }
    }
}

fn starts_from(p: &Profile) -> String {
    if p.get("aws_access_key_id").is_some() || !p.secrets.is_empty() {
        format!("the access key of profile `{}`", p.name)
    } else if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
        format!("IAM Identity Center (SSO) in profile `{}`", p.name)
    } else if p.get("credential_process").is_some() {
        format!("the credential_process of profile `{}`", p.name)
    } else {
        format!(
            "profile `{}` holds no credentials: the environment's are used",
            p.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The CLI guide's role example: a role assumed with a source profile's keys.
    const CONFIG: &str = "[profile marketingadmin]
role_arn = arn:aws:iam::123456789012:role/marketingadminrole
source_profile = user1
external_id = 123456
region = us-west-2

[profile user1]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = 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
region = eu-west-1

[profile a]
role_arn = arn:aws:iam::111122223333:role/a
source_profile = b
[profile b]
role_arn = arn:aws:iam::111122223333:role/b
source_profile = a

[profile lonely]
role_arn = arn:aws:iam::111122223333:role/x
[profile ghost]
role_arn = arn:aws:iam::111122223333:role/x
source_profile = nobody
";

    #[test]
    fn the_documented_chain_is_followed() {
        let profiles = parse(CONFIG).unwrap();
        let c = chain(&profiles, "marketingadmin");
        assert_eq!(c.broken, None);
        assert_eq!(c.hops.len(), 2);
        assert_eq!(
            c.hops[0].external_id.as_ref().map(|e| e.0.as_str()),
            Some("123456")
        );
        assert_eq!(c.region.as_ref().map(|r| r.0.as_str()), Some("us-west-2"));
        assert_eq!(
            c.region.as_ref().map(|r| r.1),
            Some(Location { line: 5, column: 10 })
        );
        assert!(c.starts_from.unwrap().contains("user1"));
        assert!(!format!("{profiles:?}").contains("Zq3Rk8Vb2"));
    }

    #[test]
    fn the_chain_fills_only_what_the_source_leaves_blank() {
        let text = "p:\n  outputs:\n    d:\n      type: athena\n      region_name: eu-central-1\n      aws_profile_name: marketingadmin\n";
        let mut loaded = super::super::dbt::read(Path::new("profiles.yml"), text).unwrap();
        fill(Path::new("config"), CONFIG, "marketingadmin", &mut loaded).unwrap();
        let c = &loaded.connection;
        assert_eq!(c.value(FieldId::Region), Some("eu-central-1"));
        assert_eq!(
            c.value(FieldId::RoleArn),
            Some("arn:aws:iam::123456789012:role/marketingadminrole")
        );
        assert_eq!(c.value(FieldId::ExternalId), Some("123456"));
        assert_eq!(c.auth.auth_type, Some(AuthType::CrossAccountRole));
        // The filled values point into the profile file, never into profiles.yml.
        assert_eq!(c.location(FieldId::RoleArn), None);
        assert_eq!(
            c.site(FieldId::ExternalId),
            (Some("config"), Some(Location { line: 4, column: 15 }))
        );
        assert_eq!(c.site(FieldId::Region).0, None, "the source's own region");
        let chain = c.auth.chain.as_ref().unwrap();
        assert_eq!(chain.hops.len(), 1);
        assert_eq!(chain.place(0), "hop 1 of 1");
        assert_eq!(chain.assumed_by(0), None);
        let e = fill(Path::new("config"), CONFIG, "ghost", &mut loaded).unwrap_err();
        assert!(e.to_string().contains("config:23:18:"), "{e}");
    }

    #[test]
    fn role_hops_are_kept_in_the_order_they_are_assumed() {
        let config = "[profile prod]\nrole_arn = arn:aws:iam::444455556666:role/R2\nsource_profile = mid\n\
                      [profile mid]\nrole_arn = arn:aws:iam::111122223333:role/R1\nsource_profile = base\n\
                      external_id = m\n[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
        let text = "p:\n  outputs:\n    d:\n      type: athena\n      aws_profile_name: prod\n";
        let mut loaded = super::super::dbt::read(Path::new("profiles.yml"), text).unwrap();
        fill(Path::new("config"), config, "prod", &mut loaded).unwrap();
        let chain = loaded.connection.auth.chain.unwrap();
        let names: Vec<&str> = chain.hops.iter().map(|h| h.profile.as_str()).collect();
        assert_eq!(names, ["mid", "prod"]);
        assert_eq!(chain.assumed_by(1), Some("arn:aws:iam::111122223333:role/R1"));
        assert_eq!(
            chain.hops[0].external_id.as_ref().and_then(|f| f.location),
            Some(Location { line: 7, column: 15 })
        );
        assert!(chain.starts_from.contains("base"));
    }

    #[test]
    fn broken_chains_say_where() {
        let profiles = parse(CONFIG).unwrap();
        let looped = chain(&profiles, "a").broken.unwrap();
        assert!(
            looped.why.contains("a → b → a") || looped.why.contains("loops"),
            "{looped:?}"
        );
        let lonely = chain(&profiles, "lonely").broken.unwrap();
        assert!(lonely.why.contains("without `source_profile`"));
        let ghost = chain(&profiles, "ghost").broken.unwrap();
        assert_eq!(ghost.at, Some(Location { line: 23, column: 18 }));
        assert!(chain(&profiles, "missing").broken.is_some());
        assert!(parse("[profile x\n").is_err());
        assert!(parse("region = x\n").is_err());
    }
}
