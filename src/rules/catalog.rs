//! CATALOG rules: how catalog names are written, whether they exist, the Glue
//! Data Catalog's encryption key (CATALOG006) and S3 Tables catalogs (CATALOG007).

use super::access::Env;
use super::named;
use crate::connection::{Connection, FieldId, split_list};
use crate::engine::{Check, Outcome, Rule, Skip, declare_rule};
use crate::facts::Facts;
use crate::fix::policy::statement_json;
use crate::fix::{Applicability, Fix};
use crate::policy::Effect;
use serde_json::Value;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &CatalogNotLowercase,
    &CatalogNotFound,
    &SchemaNotFound,
    &PolicyResourceCase,
    &CrossAccountCatalog,
    &CatalogKeyDenied,
    &S3TablesCatalog,
];

declare_rule! {
    pub(crate) struct CatalogNotLowercase {
        code: "CATALOG001",
        name: "catalog-not-lowercase",
        severity: Error,
        summary: "A data catalog name is not lowercase",
        fixes: [Safe],
    }
}

impl CatalogNotLowercase {
    fn check_field(&self, conn: &Connection, id: FieldId) -> Check {
        let meta = Self::META;
        let Some(value) = conn.value(id) else {
            return match id {
                FieldId::DataCatalog => meta.skipped(super::needs_in(conn, id)),
                _ => meta.pass(id.key(), format!("{} is not set", named(conn, id))),
            };
        };
        let at = conn.location(id);
        let upper: Vec<&str> = split_list(value)
            .into_iter()
            .filter(|name| name.chars().any(char::is_uppercase))
            .collect();
        if upper.is_empty() {
            return meta.pass(id.key(), format!("`{value}` is lowercase")).at(at);
        }
        let fixed = match id {
            FieldId::DataCatalog => value.to_lowercase(),
            _ => split_list(value)
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let quoted: Vec<String> = upper.iter().map(|n| format!("`{n}`")).collect();
        meta.fail(
            id.key(),
            format!(
                "{} has {}: Athena catalog names are lowercase, so `{}` is never found \
                 (CATALOG_NOT_FOUND); use `{}`",
                named(conn, id),
                quoted.join(", "),
                upper[0],
                upper[0].to_lowercase()
            ),
        )
        .at(at)
        .with_fix(Fix::field(conn, id, fixed, Applicability::Safe))
    }
}

impl Rule for CatalogNotLowercase {
    fn check(&self, facts: &Facts) -> Outcome {
        // Omni lower-cases nothing and looks the name up as typed; a driver
        // passes it to Athena, whose default catalog is `AwsDataCatalog`.
        super::omni_only(
            &facts.connection,
            FieldId::DataCatalog.key(),
            "passes the catalog to Athena as written (the 3.x driver's default is `AwsDataCatalog`)",
        )?;
        Ok([FieldId::DataCatalog, FieldId::IncludeOtherDataCatalogs]
            .into_iter()
            .map(|id| self.check_field(&facts.connection, id))
            .collect())
    }
}

declare_rule! {
    pub(crate) struct CatalogNotFound {
        code: "CATALOG002",
        name: "catalog-not-found",
        severity: Error,
        summary: "The catalog does not exist in the region (live)",
        fixes: [Unsafe],
    }
}

impl Rule for CatalogNotFound {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let catalogs = l.catalogs.require("catalogs")?;
        let conn = &facts.connection;
        let target = crate::permissions::Target::of(conn);
        Ok(target
            .catalogs
            .iter()
            .map(|wanted| {
                if catalogs.iter().any(|c| c.name.eq_ignore_ascii_case(wanted)) {
                    return meta.pass(wanted, format!("catalog {wanted} exists"));
                }
                let nearest = catalogs
                    .iter()
                    .map(|c| (strsim::levenshtein(&c.name.to_lowercase(), wanted), &c.name))
                    .min_by_key(|(d, _)| *d)
                    .filter(|(d, _)| *d <= 3)
                    .map(|(_, n)| n.to_lowercase());
                let hint = nearest
                    .as_ref()
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                let field = if conn
                    .value(FieldId::DataCatalog)
                    .is_some_and(|d| d.eq_ignore_ascii_case(wanted))
                {
                    FieldId::DataCatalog
                } else {
                    FieldId::IncludeOtherDataCatalogs
                };
                let check = meta
                    .fail(
                        wanted,
                        format!(
                            "catalog {wanted} does not exist in {}: CATALOG_NOT_FOUND{hint}",
                            conn.region()
                        ),
                    )
                    .at(conn.location(field));
                match (nearest, field) {
                    (Some(n), FieldId::DataCatalog) => {
                        check.with_fix(Fix::field(conn, field, n, Applicability::Unsafe))
                    }
                    // An entry of the list: the list with that entry corrected.
                    (Some(n), _) => {
                        let list: Vec<String> = conn
                            .list(field)
                            .into_iter()
                            .map(|e| {
                                if e.eq_ignore_ascii_case(wanted) {
                                    n.clone()
                                } else {
                                    e.to_string()
                                }
                            })
                            .collect();
                        check.with_fix(Fix::field(conn, field, list.join(", "), Applicability::Unsafe))
                    }
                    _ => check,
                }
            })
            .collect())
    }
}

declare_rule! {
    pub(crate) struct SchemaNotFound {
        code: "CATALOG003",
        name: "schema-not-found",
        severity: Error,
        summary: "An included or default schema does not exist (live)",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for SchemaNotFound {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let conn = &facts.connection;
        let Some(catalog) = conn.value(FieldId::DataCatalog).map(str::to_lowercase) else {
            return Err(Skip::new("schemas", "needs data_catalog, which is not set"));
        };
        let names: Vec<&str> = conn
            .list(FieldId::IncludeSchemas)
            .into_iter()
            .chain(conn.value(FieldId::DefaultSchema))
            .collect();
        if names.is_empty() {
            return Ok(vec![meta.pass("schemas", "no schema is named: all are included")]);
        }
        let databases = l
            .databases
            .get(&catalog)
            .ok_or_else(|| Skip::new("schemas", format!("the databases of {catalog} were not listed")))?
            .require("schemas")?;
        let mut seen = std::collections::HashSet::new();
        let existing: std::collections::HashSet<&str> = databases.iter().map(String::as_str).collect();
        // The existing schema a missing name stands for: the same name in another
        // case (Glue lowercases), else the nearest within three edits.
        let nearest = |name: &str| -> Option<(&str, bool)> {
            if let Some(d) = databases.iter().find(|d| d.eq_ignore_ascii_case(name)) {
                return Some((d, true));
            }
            databases
                .iter()
                .map(|d| (strsim::levenshtein(d, &name.to_lowercase()), d))
                .min_by_key(|(dist, _)| *dist)
                .filter(|(dist, _)| *dist <= 3)
                .map(|(_, d)| (d.as_str(), false))
        };
        // One corrected list for every missing name (each finding carries all of
        // it, so applying any one leaves no other behind): a name Glue holds in
        // another case is corrected (safe); a near name is suggested (unsafe); a
        // name with no near match is dropped, but only as an unsafe fix (dropping
        // hides the schema: it may exist in another region or catalog, which a
        // person must rule out). A list that would be left empty is never offered:
        // an empty Include Schemas includes every schema, so the missing one would
        // vanish without a word; the fix is then guidance naming the schemas that
        // exist.
        let included = conn.list(FieldId::IncludeSchemas);
        let mut list_applicability = Applicability::Safe;
        let mut corrected: Vec<&str> = Vec::new();
        let mut dropped: Vec<&str> = Vec::new();
        for name in &included {
            let name = match existing.contains(name) {
                true => Some(*name),
                false => match nearest(name) {
                    Some((d, case)) => {
                        if !case {
                            list_applicability = Applicability::Unsafe;
                        }
                        Some(d)
                    }
                    None => {
                        list_applicability = Applicability::Unsafe;
                        dropped.push(*name);
                        None
                    }
                },
            };
            if let Some(n) = name.filter(|n| !corrected.contains(n)) {
                corrected.push(n);
            }
        }
        let region = conn.region();
        let those = existing_schemas(databases, &catalog, region);
        let list_fix = if corrected.is_empty() {
            let mut fix = Fix::field(
                conn,
                FieldId::IncludeSchemas,
                format!("<schemas to include: {those}>"),
                Applicability::DisplayOnly,
            );
            fix.note = Some(format!(
                "no included schema exists in {catalog} in {region}; clearing the field would include every \
                 schema and hide that. The schemas that exist: {those}. If {} exist in another region, the \
                 connection's region (or its results bucket's) is what is wrong",
                dropped.join(", ")
            ));
            fix
        } else {
            let mut fix = Fix::field(
                conn,
                FieldId::IncludeSchemas,
                corrected.join(", "),
                list_applicability,
            );
            if !dropped.is_empty() {
                fix.note = Some(format!(
                    "drops {}, which {} not exist in {catalog} in {region} (the schemas that exist: {those}); \
                     confirm {} not simply in another region or catalog first",
                    dropped.join(", "),
                    if dropped.len() == 1 { "does" } else { "do" },
                    if dropped.len() == 1 { "it is" } else { "they are" },
                ));
            }
            fix
        };
        Ok(names
            .into_iter()
            .filter(|n| seen.insert(*n))
            .map(|name| {
                if existing.contains(name) {
                    return meta.pass(name, format!("schema {name} exists in {catalog}"));
                }
                let near = nearest(name);
                let hint = match near {
                    Some((d, true)) => format!("; Glue names are lowercase: `{d}`"),
                    Some((d, false)) => format!("; did you mean `{d}`?"),
                    None => String::new(),
                };
                let fix = if included.contains(&name) {
                    Some(list_fix.clone())
                } else {
                    // The default schema: its nearest existing name, when there is one.
                    // Else guidance naming the schemas that exist.
                    Some(match near {
                        Some((d, case)) => {
                            let applicability = if case {
                                Applicability::Safe
                            } else {
                                Applicability::Unsafe
                            };
                            Fix::field(conn, FieldId::DefaultSchema, d, applicability)
                        }
                        None => Fix::field(
                            conn,
                            FieldId::DefaultSchema,
                            format!("<one of: {those}>"),
                            Applicability::DisplayOnly,
                        ),
                    })
                };
                meta.fail(
                    name,
                    format!("schema {name} does not exist in {catalog}: SCHEMA_NOT_FOUND{hint}"),
                )
                .at(conn
                    .location(FieldId::IncludeSchemas)
                    .or(conn.location(FieldId::DefaultSchema)))
                .with_fix_if(fix)
            })
            .collect())
    }
}

/// The schemas a catalog holds, for a person to choose from (the first few).
fn existing_schemas(databases: &[String], catalog: &str, region: &str) -> String {
    const SHOWN: usize = 8;
    match databases.len() {
        0 => format!("none exists in {catalog} in {region}"),
        n if n <= SHOWN => databases.join(", "),
        n => format!("{}, … ({} more)", databases[..SHOWN].join(", "), n - SHOWN),
    }
}

declare_rule! {
    pub(crate) struct PolicyResourceCase {
        code: "CATALOG004",
        name: "policy-resource-case",
        severity: Error,
        summary: "Glue/Athena ARNs in a policy have uppercase names that never match",
        fixes: [Safe, DisplayOnly],
    }
}

/// A Glue database or table ARN with capitals in its names, lower-cased there;
/// `None` when it has none. Partition, region and account are left alone.
fn lowered_glue_arn(resource: &str) -> Option<String> {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() != 6 || parts[2] != "glue" {
        return None;
    }
    let (kind, names) = parts[5].split_once('/')?;
    if !["database", "table", "userDefinedFunction"].contains(&kind) || !names.chars().any(char::is_uppercase)
    {
        return None;
    }
    Some(format!(
        "{}:{kind}/{}",
        parts[..5].join(":"),
        names.to_lowercase()
    ))
}

impl Rule for PolicyResourceCase {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let env = Env::new(facts)?;
        let mut checks = Vec::new();
        for policy in env.identity {
            for s in policy
                .document
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(resources) = &s.resource else { continue };
                let bad: Vec<(&String, String)> = resources
                    .items
                    .iter()
                    .filter_map(|r| lowered_glue_arn(r).map(|l| (r, l)))
                    .collect();
                if bad.is_empty() {
                    continue;
                }
                let mut json = statement_json(policy, s.index);
                let key = if resources.not { "NotResource" } else { "Resource" };
                let fixed: Vec<Value> = resources
                    .items
                    .iter()
                    .map(|r| Value::String(lowered_glue_arn(r).unwrap_or_else(|| r.to_string())))
                    .collect();
                json[key] = if fixed.len() == 1 {
                    fixed[0].clone()
                } else {
                    Value::Array(fixed)
                };
                let names: Vec<String> = bad.iter().map(|(r, _)| format!("`{r}`")).collect();
                checks.push(
                    meta.fail(
                        format!("{} {}", policy.name, s.describe()),
                        format!(
                            "{} of {} (line {}) names {}: Glue stores names in lowercase and resources match \
                             case-sensitively, so this never matches; use `{}`",
                            s.describe(),
                            policy.name,
                            policy.location(s.offset).line,
                            names.join(", "),
                            bad[0].1
                        ),
                    )
                    .with_fix(Fix::replace_statement(
                        facts,
                        policy,
                        None,
                        s.index,
                        json,
                        Applicability::Safe,
                    ))
                    .in_file(policy.path.as_deref(), policy.location(s.offset)),
                );
            }
        }
        if checks.is_empty() {
            checks.push(meta.pass("policies", "no Glue ARN in the policies has upper-case names"));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct CrossAccountCatalog {
        code: "CATALOG005",
        name: "cross-account-catalog",
        severity: Error,
        summary: "An included catalog is another account's Glue catalog or Lambda function: both sides must allow it (live)",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for CrossAccountCatalog {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let catalogs = l.catalogs.require("catalogs")?;
        let target = super::access::target(facts);
        let account = target.account.clone().ok_or_else(|| {
            Skip::new(
                "catalogs",
                "needs the connection's account (account_id, or a role ARN)",
            )
        })?;
        let (p, region) = (&target.partition, &target.region);
        let mut needs = Vec::new();
        let mut unknowns = Vec::new();
        for c in catalogs
            .iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("awsdatacatalog"))
            .filter(|c| target.catalogs.iter().any(|t| t.eq_ignore_ascii_case(&c.name)))
        {
            let owner = match c.kind.as_str() {
                "GLUE" => c.catalog_id.clone(),
                "LAMBDA" => c
                    .functions
                    .iter()
                    .find_map(|f| crate::aws::arn::Arn::parse(f).ok().map(|a| a.account)),
                _ => None,
            };
            let Some(owner) = owner.filter(|o| *o != account) else {
                continue;
            };
            if c.kind == "GLUE" {
                // This side: the identity policy must allow Glue on the owner's ARNs.
                for (what, resource) in [
                    ("catalog", format!("arn:{p}:glue:{region}:{owner}:catalog")),
                    ("databases", format!("arn:{p}:glue:{region}:{owner}:database/*")),
                    ("tables", format!("arn:{p}:glue:{region}:{owner}:table/*/*")),
                ] {
                    needs.push(super::access::live_need(
                        meta.code,
                        format!("the {what} of catalog {} (account {owner})", c.name),
                        resource,
                        vec![
                            "glue:GetDatabase",
                            "glue:GetDatabases",
                            "glue:GetTable",
                            "glue:GetTables",
                            "glue:GetPartitions",
                        ],
                        "CrossAccountGlue",
                    ));
                }
            }
            // The owner's side cannot be read from this account: unknown, said so.
            let ask = match c.kind.as_str() {
                "GLUE" => format!(
                    "account {owner}'s Glue resource policy must allow account {account} (glue:Get* on its catalog, \
                     databases and tables) in {region}, the same region as the connection: ask its owner for \
                     `{}`",
                    crate::shell::join(["aws", "glue", "get-resource-policy", "--region", region.as_str()])
                ),
                _ => format!(
                    "the function of catalog {} belongs to account {owner}: its resource policy must allow the \
                     connection's principal lambda:InvokeFunction (ATHENA007 checks this side): ask its owner \
                     for `{}`",
                    c.name,
                    crate::shell::join([
                        "aws",
                        "lambda",
                        "get-policy",
                        "--function-name",
                        c.functions.first().map(String::as_str).unwrap_or("<FUNCTION>"),
                    ])
                ),
            };
            unknowns.push(meta.skip(&c.name, format!("unknown from here: {ask}")));
        }
        if needs.is_empty() && unknowns.is_empty() {
            return Ok(vec![
                meta.pass("catalogs", "no included catalog belongs to another account"),
            ]);
        }
        let mut checks = if needs.is_empty() {
            Vec::new()
        } else {
            super::access::check_live_needs(meta, facts, needs, "")?
        };
        checks.extend(unknowns);
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema checks of `include`/`default` against a catalog holding `databases`.
    fn schema_checks(include: &str, default: Option<&str>, databases: &[&str]) -> Vec<Check> {
        use crate::facts::Observed;
        let mut facts = crate::rules::unread::healthy();
        fn field(v: &str) -> Option<crate::connection::Field> {
            Some(crate::connection::Field {
                raw: v.into(),
                location: None,
            })
        }
        facts.connection.include_schemas = field(include);
        facts.connection.default_schema = default.and_then(field);
        if let Observed::Known(live) = &mut facts.live {
            live.databases.insert(
                "awsdatacatalog".into(),
                Observed::Known(databases.iter().map(|d| d.to_string()).collect()),
            );
        }
        SchemaNotFound.check(&facts).unwrap()
    }

    fn fix_of<'a>(checks: &'a [Check], subject: &str) -> &'a Fix {
        let check = checks.iter().find(|c| c.subject == subject).unwrap();
        check.fix.as_ref().unwrap()
    }

    /// Clearing Include Schemas would include every schema and hide the missing
    /// one: never a fix that runs. When no included schema exists, the fix is
    /// guidance naming the schemas that do.
    #[test]
    fn a_missing_schema_is_never_cleared_silently() {
        let checks = schema_checks("sales", None, &["default", "finance"]);
        let fix = fix_of(&checks, "sales");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        let crate::fix::Edit::Field { value, .. } = &fix.edit else {
            panic!("{fix:?}")
        };
        let value = value.as_str().unwrap();
        assert!(!value.trim().is_empty(), "{value}");
        assert!(value.contains("default, finance"), "{value}");
        assert!(fix.note.as_deref().unwrap().contains("another region"));
        // Two missing names, none near: still not an empty list.
        let checks = schema_checks("sales, marketing", None, &["finance"]);
        for subject in ["sales", "marketing"] {
            assert_eq!(fix_of(&checks, subject).applicability, Applicability::DisplayOnly);
        }
        // A missing default schema with no near name: guidance too.
        let checks = schema_checks("finance", Some("sales"), &["finance"]);
        let fix = fix_of(&checks, "sales");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert!(fix.title().contains("finance"), "{}", fix.title());
    }

    /// Dropping a missing name from a list that keeps others is a person's call
    /// (unsafe, with a note naming what is dropped); a case correction stays safe.
    #[test]
    fn dropping_a_schema_is_unsafe_and_case_is_safe() {
        let checks = schema_checks("sales, finance", None, &["finance"]);
        let fix = fix_of(&checks, "sales");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fix.title(), "include_schemas = \"finance\"");
        assert!(fix.note.as_deref().unwrap().starts_with("drops sales"));
        let checks = schema_checks("Sales", None, &["sales"]);
        let fix = fix_of(&checks, "Sales");
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(fix.title(), "include_schemas = \"sales\"");
    }

    /// Another account's Glue catalog: the identity side is judged (here it allows
    /// Glue only in its own account: a fix), the owner's side reported unknown.
    #[test]
    fn another_accounts_glue_catalog_needs_both_sides() {
        use crate::engine::Status;
        use crate::facts::{CatalogFacts, Observed};
        use crate::policy::{Policy, PolicyKind};
        let mut facts = crate::rules::unread::healthy();
        facts.connection.include_other_data_catalogs = Some(crate::connection::Field {
            raw: "finance".into(),
            location: None,
        });
        if let Observed::Known(live) = &mut facts.live
            && let Observed::Known(list) = &mut live.catalogs
        {
            list.push(CatalogFacts {
                name: "finance".into(),
                kind: "GLUE".into(),
                functions: vec![],
                catalog_id: Some("444455556666".into()),
            });
        }
        let own = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["glue:*", "athena:*", "s3:*"],
                      "Resource": "arn:aws:*:*:111122223333:*"}]}"#;
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), own, PolicyKind::Identity).unwrap(),
        ]);
        let checks = CrossAccountCatalog.check(&facts).unwrap();
        let failing: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
        assert!(!failing.is_empty(), "{checks:#?}");
        assert!(
            failing[0].message.contains("444455556666"),
            "{}",
            failing[0].message
        );
        assert!(failing[0].fix.is_some());
        let unknown = checks.iter().find(|c| c.status == Status::Skip).unwrap();
        assert!(
            unknown.message.contains("aws glue get-resource-policy"),
            "{}",
            unknown.message
        );
        // Allowed everywhere: the identity side passes; the owner's side stays unknown.
        let all = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), all, PolicyKind::Identity).unwrap(),
        ]);
        let checks = CrossAccountCatalog.check(&facts).unwrap();
        assert!(checks.iter().all(|c| c.status != Status::Fail), "{checks:#?}");
        assert!(checks.iter().any(|c| c.status == Status::Skip));
    }

    #[test]
    fn lowers_only_the_names() {
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:table/Sales/Orders*").as_deref(),
            Some("arn:aws:glue:us-east-1:111122223333:table/sales/orders*")
        );
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:table/sales/*"),
            None
        );
        assert_eq!(
            lowered_glue_arn("arn:aws:glue:us-east-1:111122223333:catalog"),
            None
        );
        assert_eq!(lowered_glue_arn("arn:aws:s3:::Bucket/Key"), None);
    }
}

declare_rule! {
    pub(crate) struct CatalogKeyDenied {
        code: "CATALOG006",
        name: "catalog-key-denied",
        severity: Error,
        summary: "The Glue Data Catalog is encrypted with a KMS key the principal may not decrypt with (live)",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for CatalogKeyDenied {
    fn check(&self, facts: &Facts) -> Outcome {
        let uses = super::keys::catalog_keys(facts)?;
        super::keys::judge(
            Self::META,
            facts,
            uses,
            Vec::new(),
            "the Glue Data Catalog is not encrypted with a customer-managed KMS key the principal must use",
        )
    }
}

declare_rule! {
    pub(crate) struct S3TablesCatalog {
        code: "CATALOG007",
        name: "s3-tables-catalog",
        severity: Error,
        summary: "An S3 Tables (or other federated) catalog needs Glue and Lake Formation permissions the doctor can only partly read",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

/// The prefix of the catalogs Athena names for S3 table buckets.
const S3_TABLES: &str = "s3tablescatalog";

impl Rule for S3TablesCatalog {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let target = super::access::target(facts);
        let federated: Vec<&str> = match &facts.live {
            crate::facts::Observed::Known(l) => match &l.catalogs {
                crate::facts::Observed::Known(c) => c
                    .iter()
                    .filter(|c| c.kind.eq_ignore_ascii_case("FEDERATED"))
                    .map(|c| c.name.as_str())
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let catalogs: Vec<&String> = target
            .catalogs
            .iter()
            .filter(|c| c.starts_with(S3_TABLES) || federated.iter().any(|f| f.eq_ignore_ascii_case(c)))
            .collect();
        if catalogs.is_empty() {
            return Ok(vec![meta.pass(
                "catalogs",
                "the connection uses no S3 Tables or federated catalog",
            )]);
        }
        let account = target.account.as_deref().unwrap_or("<ACCOUNT_ID>");
        let needs = catalogs
            .iter()
            .map(|c| {
                super::access::live_need(
                    meta.code,
                    format!("catalog {c}"),
                    format!(
                        "arn:{}:glue:{}:{account}:catalog/{c}",
                        target.partition, target.region
                    ),
                    vec![
                        "glue:GetCatalog",
                        "glue:GetDatabase",
                        "glue:GetDatabases",
                        "glue:GetTable",
                        "glue:GetTables",
                    ],
                    "AthenaFederatedCatalog",
                )
            })
            .chain(std::iter::once(super::access::live_need(
                meta.code,
                "Lake Formation data access".into(),
                "*".into(),
                vec!["lakeformation:GetDataAccess"],
                "LakeFormationDataAccess",
            )))
            .collect();
        let mut checks = super::access::check_live_needs(meta, facts, needs, "")?;
        let names: Vec<&str> = catalogs.iter().map(|c| c.as_str()).collect();
        checks.push(meta.skip(
            names.join(", "),
            format!(
                "{} {} served through Lake Formation: the principal also needs Lake Formation grants (DESCRIBE and \
                 SELECT on its databases and tables), which the doctor does not read — unknown; check with `aws \
                 lakeformation list-permissions`",
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" }
            ),
        ));
        Ok(checks)
    }
}
