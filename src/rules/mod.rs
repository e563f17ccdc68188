//! Rules: one file per family, each rule declared (`declare_rule!`) beside its
//! check; the registry is every family's list, in catalogue order.
//!
//! Adding a rule touches its family file (the declaration, the check, the entry in
//! that file's `RULES`) and its document `rules/<CODE>-<name>.md`; nothing else.

mod access;
mod athena;
mod catalog;
mod chain;
mod conn;
mod endpoint;
mod guard;
mod keys;
mod net;
mod org;
mod probe;
mod region;
mod role;
mod s3;
mod trust;
#[cfg(test)]
pub(crate) mod unread;
mod workgroup;

// The KMS keys the connection uses, as S3005/ATHENA010 read them: `policy --snapshot` grants them.
pub(crate) use keys::{KeyUse, bucket_key_uses, results_keys};

use crate::connection::{Connection, FieldId};
use crate::engine::{Check, Rule, RuleMeta, Skip};
use crate::facts::{BucketFacts, Facts, LiveFacts, Observed, TableFacts, WorkgroupFacts};
use crate::policy::site::Site;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Every family's rules.
static FAMILIES: &[&[&dyn Rule]] = &[
    conn::RULES,
    role::RULES,
    trust::RULES,
    s3::RULES,
    athena::RULES,
    region::RULES,
    catalog::RULES,
    probe::RULES,
    net::RULES,
    endpoint::RULES,
    org::RULES,
    workgroup::RULES,
];

/// Every rule, in catalogue order: by family (DESIGN §4), then by code. Reports
/// list checks in this order.
pub(crate) static REGISTRY: LazyLock<Vec<&'static dyn Rule>> = LazyLock::new(|| {
    let mut all: Vec<&'static dyn Rule> = FAMILIES.iter().flat_map(|f| f.iter().copied()).collect();
    // `Family` orders as the catalogue does; codes have three digits.
    all.sort_by_key(|r| (r.meta().family, r.meta().code));
    all
});

/// Every rule's metadata, in catalogue order: what a report carries for the faces
/// that describe the catalogue (SARIF's driver, its results' rule indexes), so
/// that renderers never reach into the registry.
pub(crate) static CATALOGUE: LazyLock<Vec<&'static RuleMeta>> =
    LazyLock::new(|| REGISTRY.iter().map(|r| r.meta()).collect());

/// The rule with this code or name (codes case-insensitive).
pub(crate) fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    REGISTRY
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// The rules a code, name or family (`TRUST`, case-insensitive) names; or, when it
/// names none, a message with the nearest candidate.
pub(crate) fn matching(pattern: &str) -> Result<Vec<&'static RuleMeta>, String> {
    let p = pattern.trim();
    let found: Vec<&'static RuleMeta> = REGISTRY
        .iter()
        .map(|r| r.meta())
        .filter(|m| {
            m.code.eq_ignore_ascii_case(p) || m.name == p || m.family.as_str().eq_ignore_ascii_case(p)
        })
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    Err(format!("no rule, rule name or family `{p}`{}", did_you_mean(p)))
}

/// `; did you mean `CATALOG001`?`: the code or name nearest to what was typed.
pub(crate) fn did_you_mean(typed: &str) -> String {
    REGISTRY
        .iter()
        .map(|r| r.meta())
        .flat_map(|m| [m.code, m.name])
        .min_by_key(|c| strsim::levenshtein(&c.to_lowercase(), &typed.to_lowercase()))
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_default()
}

/// The skip of a check whose input field is not set: CONN001 reports the gap.
fn needs(id: FieldId) -> Skip {
    Skip::new(id.key(), format!("needs {}, which is not set", id.key()))
}

/// `needs`, naming the field as the connection's source does (`S3OutputLocation`).
fn needs_in(conn: &Connection, id: FieldId) -> Skip {
    match conn.form.is_omni() {
        true => needs(id),
        false => Skip::new(id.key(), format!("needs {}, which is not set", named(conn, id))),
    }
}

/// Why a rule about the connection's credentials cannot run when none are
/// named: Omni's form lacks its Authentication Type; another tool's source that
/// names no keys or role uses the driver's default credentials.
fn no_auth(conn: &Connection) -> String {
    let profile = conn.value(FieldId::ProfileName);
    match conn.form.is_omni() {
        true => "needs auth.type, which is not set".to_string(),
        false if let Some(provider) = conn.auth.sign_in.as_ref().and_then(|f| f.value()) => format!(
            "{} signs in through `{provider}` (its credentials provider): the doctor never signs in to an \
             identity provider, so the credentials it would get are not judged",
            conn.form.describe()
        ),
        false if profile.is_some() => format!(
            "{} takes its credentials from the AWS profile `{}` ({}), which this run does not read",
            conn.form.describe(),
            profile.unwrap_or_default(),
            named(conn, FieldId::ProfileName)
        ),
        false => format!(
            "{} names no access key or role: the driver uses its default credentials (the AWS SDK's chain \
             or a profile), which are not judged offline",
            conn.form.describe()
        ),
    }
}

/// The live facts, or the skip saying why there are none (an offline run).
fn live(facts: &Facts) -> Result<&LiveFacts, Skip> {
    facts.live.require("account").map(|l| &**l)
}

/// The connection's workgroup: as a plan or template declares it (with where),
/// else as live inspection read it (`None`: it does not exist).
fn workgroup(facts: &Facts) -> Result<(Option<&WorkgroupFacts>, Option<&Site>), Skip> {
    if let Some((w, site)) = &facts.declared.workgroup {
        return Ok((Some(w), Some(site)));
    }
    let l = live(facts)?;
    Ok((l.workgroup.require(facts.connection.workgroup())?.as_ref(), None))
}

/// Each bucket's default encryption (the KMS key, if SSE-KMS): what a plan or
/// template declares, over what live inspection read.
fn bucket_encryption(facts: &Facts) -> Result<BTreeMap<&str, &Observed<Option<String>>>, Skip> {
    let mut keys: BTreeMap<&str, &Observed<Option<String>>> = BTreeMap::new();
    match live(facts) {
        Ok(l) => keys.extend(l.buckets.iter().map(|(b, f)| (b.as_str(), &f.kms_key))),
        Err(skip) if facts.declared.bucket_keys.is_empty() => return Err(skip),
        Err(_) => {}
    }
    keys.extend(facts.declared.bucket_keys.iter().map(|(b, k)| (b.as_str(), k)));
    Ok(keys)
}

/// The results bucket's name and what live inspection found of it, or the skip.
fn inspected_results_bucket(facts: &Facts) -> Result<(String, &BucketFacts), Skip> {
    let live = live(facts)?;
    let bucket = results_bucket(facts)?;
    let found = live
        .buckets
        .get(&bucket)
        .ok_or_else(|| Skip::new(&bucket, "the results bucket was not inspected"))?;
    Ok((bucket, found))
}

/// The tables live inspection read, by schema, and a skip of `meta`'s for each
/// schema whose tables could not be read: a rule that judges tables never passes
/// over the ones it could not see.
fn tables_read<'a>(
    meta: &'static RuleMeta,
    live: &'a LiveFacts,
) -> (Vec<(&'a str, &'a [TableFacts])>, Vec<Check>) {
    let mut read = Vec::new();
    let mut unread = Vec::new();
    for (schema, tables) in &live.tables {
        match tables.require(&format!("schema {schema}")) {
            Ok(tables) => read.push((schema.as_str(), tables.as_slice())),
            Err(skip) => unread.push(meta.skipped(skip)),
        }
    }
    (read, unread)
}

/// The results bucket's name, or the skip.
fn results_bucket(facts: &Facts) -> Result<String, Skip> {
    facts
        .connection
        .output_location()
        .and_then(|o| o.location)
        .map(|l| l.bucket)
        .ok_or_else(|| Skip::new("s3_output_bucket", "needs a valid s3_output_bucket"))
}

/// The skip of a rule about Omni's form (Include Schemas, the lowercase
/// catalog, the time zones) on another tool's source, which has no such field
/// or reads it another way.
fn omni_only(conn: &Connection, subject: &str, why: &str) -> Result<(), Skip> {
    match conn.form.is_omni() {
        true => Ok(()),
        false => Err(Skip::new(
            subject,
            format!("not applicable to this source: {} {why}", conn.form.describe()),
        )),
    }
}

/// How a field is named in messages: its form label, and its key where they differ.
fn named(conn: &Connection, id: FieldId) -> String {
    // A value the AWS profile gave (`--profile-file`): named as the profile
    // file writes it, since that is the line to change, not the source's.
    if let Some((_, filled)) = conn.filled(id) {
        return format!("`{}` (profile `{}`)", filled.setting, filled.profile);
    }
    let key = id.key_in(conn.form);
    if !conn.form.is_omni() {
        // Another tool's source: the property as that tool names it.
        return format!("`{key}`");
    }
    if id.label() == key || !id.label().contains(' ') {
        format!("`{key}`")
    } else {
        format!("\"{}\" (`{key}`)", id.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::new();
        for meta in REGISTRY.iter().map(|r| r.meta()) {
            assert!(codes.insert(meta.code), "code {} repeats", meta.code);
            assert!(names.insert(meta.name), "name {} repeats", meta.name);
            let (prefix, number) = meta.code.split_at(meta.code.len() - 3);
            assert_eq!(
                prefix.to_lowercase(),
                meta.family.as_str(),
                "{} is in the wrong family",
                meta.code
            );
            assert!(
                number.bytes().all(|b| b.is_ascii_digit()),
                "{} needs three digits",
                meta.code
            );
            assert!(
                meta.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{} is not kebab-case",
                meta.name
            );
            assert!(!meta.summary.is_empty());
        }
    }

    #[test]
    fn every_rule_has_a_complete_doc() {
        for meta in REGISTRY.iter().map(|r| r.meta()) {
            let heading = format!("# {} {}\n", meta.code, meta.name);
            assert!(
                meta.doc.starts_with(&heading),
                "{}: the doc must open with `{heading}`",
                meta.code
            );
            let mut at = 0;
            for section in ["## What it checks", "## Why it fails", "## Example", "## Fix"] {
                let found = meta.doc[at..].find(section);
                assert!(
                    found.is_some(),
                    "{}: section `{section}` is missing or out of order",
                    meta.code
                );
                at += found.unwrap() + section.len();
            }
        }
    }

    #[test]
    fn every_doc_has_a_rule() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let registered: BTreeSet<String> = REGISTRY
            .iter()
            .map(|r| format!("{}-{}.md", r.meta().code, r.meta().name))
            .collect();
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if name.ends_with(".md") {
                assert!(
                    registered.contains(&name),
                    "rules/{name} documents no registered rule"
                );
            }
        }
    }

    /// Every rule code the source mentions (probes cite rules by code, messages
    /// point at them) names a registered rule — and so a document: a typo would
    /// silently cite nothing.
    #[test]
    fn every_code_in_the_source_is_a_registered_rule() {
        let registered: BTreeSet<&str> = REGISTRY.iter().map(|r| r.meta().code).collect();
        let families = [
            "CONN", "ROLE", "TRUST", "S3", "ATHENA", "REGION", "CATALOG", "PROBE", "NET", "ORG",
        ];
        let mut files = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let bytes = text.as_bytes();
            for family in families {
                for (at, _) in text.match_indices(family) {
                    let end = at + family.len();
                    let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
                    let digits = bytes[end..].iter().take_while(|b| b.is_ascii_digit()).count();
                    let after_ok = bytes.get(end + digits).is_none_or(|b| !b.is_ascii_alphanumeric());
                    if before_ok && digits == 3 && after_ok {
                        let code = &text[at..end + 3];
                        // `NOPE001`-style examples of unknown codes are not rule citations.
                        assert!(
                            registered.contains(code),
                            "{} mentions {code}, which is not a registered rule",
                            path.display()
                        );
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen > 100, "the scan found only {seen} mentions");
    }

    #[test]
    fn the_permission_matrix_names_registered_rules() {
        for grant in crate::permissions::MATRIX.iter() {
            assert!(find(&grant.rule).is_some(), "{} is not a rule", grant.rule);
        }
    }

    #[test]
    fn find_takes_codes_and_names() {
        assert_eq!(find("catalog001").unwrap().code, "CATALOG001");
        assert_eq!(find("catalog-not-lowercase").unwrap().code, "CATALOG001");
        assert!(find("NOPE001").is_none());
    }
}
