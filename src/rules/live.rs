//! Rules that need the live account: the role exists, the results bucket exists
//! and is in the connection's region, the workgroup, catalogs and schemas exist,
//! KMS, Lake Formation, Lambda catalogs, overlapping locations, endpoint overrides.

use super::access::Env;
use super::catalogue as c;
use crate::aws::arn::{Arn, IamResource};
use crate::connection::{AuthType, FieldId};
use crate::engine::{Check, Rule, RuleMeta, Severity};
use crate::facts::{Facts, FailureKind, LiveFacts, Observed};
use crate::fix::{Applicability, Fix};
use crate::permissions::Need;

/// The live facts, or the skip saying that the run was offline.
fn live<'a>(meta: &'static RuleMeta, facts: &'a Facts) -> Result<&'a LiveFacts, Box<Check>> {
    match &facts.live {
        Observed::Known(l) => Ok(l),
        other => Err(Box::new(
            meta.skip("account", other.known().err().unwrap_or_default()),
        )),
    }
}

macro_rules! live_env {
    ($meta:expr, $facts:expr) => {
        match live($meta, $facts) {
            Ok(l) => l,
            Err(skip) => return vec![*skip],
        }
    };
}

/// The results bucket's name, or the skip.
fn results_bucket(meta: &'static RuleMeta, facts: &Facts) -> Result<String, Box<Check>> {
    facts
        .connection
        .output_location()
        .and_then(|o| o.location)
        .map(|l| l.bucket)
        .ok_or_else(|| Box::new(meta.skip("s3_output_bucket", "needs a valid s3_output_bucket")))
}

pub(crate) struct RoleNotFound;

impl Rule for RoleNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &c::ROLE003
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let conn = &facts.connection;
        if conn.auth.auth_type != Some(AuthType::CrossAccountRole) {
            return vec![meta.skip(
                "auth.role_arn",
                "not applicable: not a cross-account role connection",
            )];
        }
        let l = live_env!(meta, facts);
        let configured = conn.value(FieldId::RoleArn).unwrap_or_default();
        let at = conn.location(FieldId::RoleArn);
        match &l.role {
            Observed::Known(role) => {
                let is_role_arn = Arn::parse(configured)
                    .is_ok_and(|a| matches!(a.iam_resource(), IamResource::Role { .. }));
                if !is_role_arn || role.arn == configured {
                    vec![
                        meta.pass("auth.role_arn", format!("the role {} exists", role.arn))
                            .at(at),
                    ]
                } else {
                    vec![
                        meta.fail(
                            "auth.role_arn",
                            format!(
                                "a role of that name exists, but as {} (path {}): the connection's `{configured}` \
                                 names no role, and AssumeRole on it is denied",
                                role.arn, role.path
                            ),
                        )
                        .at(at)
                        .with_fix(Fix::field(conn, FieldId::RoleArn, role.arn.clone(), Applicability::Safe)),
                    ]
                }
            }
            Observed::Failed(f) if f.kind == FailureKind::NotFound => vec![
                meta.fail(
                    "auth.role_arn",
                    format!(
                        "no role `{configured}` exists in the account ({}): create it, or fix the name",
                        f.message
                    ),
                )
                .at(at),
            ],
            other => vec![meta.skip("auth.role_arn", other.known().err().unwrap_or_default())],
        }
    }
}

pub(crate) struct OutputBucketNotFound;

impl Rule for OutputBucketNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &c::S3001
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let bucket = match results_bucket(meta, facts) {
            Ok(b) => b,
            Err(skip) => return vec![*skip],
        };
        let at = facts.connection.location(FieldId::S3OutputBucket);
        match l.buckets.get(&bucket).map(|b| &b.exists) {
            Some(Observed::Known(true)) => vec![meta.pass(&bucket, format!("the results bucket {bucket} exists")).at(at)],
            Some(Observed::Known(false)) => vec![
                meta.fail(
                    &bucket,
                    format!(
                        "the results bucket {bucket} does not exist: Athena fails with \"Unable to verify/create \
                         output bucket {bucket}\" (it never creates it)"
                    ),
                )
                .at(at),
            ],
            Some(other) => vec![meta.skip(&bucket, other.known().err().unwrap_or_default())],
            None => vec![meta.skip(&bucket, "the results bucket was not inspected")],
        }
    }
}

pub(crate) struct BucketRegionMismatch;

impl Rule for BucketRegionMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &c::REGION003
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let bucket = match results_bucket(meta, facts) {
            Ok(b) => b,
            Err(skip) => return vec![*skip],
        };
        let conn = &facts.connection;
        let region = conn.region();
        match l.buckets.get(&bucket).map(|b| &b.region) {
            Some(Observed::Known(r)) if r == region => {
                vec![meta.pass(&bucket, format!("the results bucket is in {r}, the connection's region"))]
            }
            Some(Observed::Known(r)) => vec![
                meta.fail(
                    &bucket,
                    format!(
                        "the results bucket {bucket} is in {r}, the connection in {region}: \"The S3 location \
                         provided to save your query results is invalid … same region\""
                    ),
                )
                .at(conn.location(FieldId::Region).or(conn.location(FieldId::S3OutputBucket)))
                .with_fix(Fix::field(conn, FieldId::Region, r.clone(), Applicability::Unsafe)),
            ],
            Some(other) => vec![meta.skip(&bucket, other.known().err().unwrap_or_default())],
            None => vec![meta.skip(&bucket, "the results bucket was not inspected")],
        }
    }
}

pub(crate) struct WorkgroupUnusable;

impl Rule for WorkgroupUnusable {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA003
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let conn = &facts.connection;
        let name = conn.workgroup();
        let at = conn.location(FieldId::Workgroup);
        match &l.workgroup {
            Observed::Known(Some(w)) if w.enabled => vec![
                meta.pass(name, format!("workgroup {name} exists and is enabled"))
                    .at(at),
            ],
            Observed::Known(Some(_)) => vec![
                meta.fail(
                    name,
                    format!("workgroup {name} is disabled: \"WorkGroup {name} is disabled\""),
                )
                .at(at),
            ],
            Observed::Known(None) => vec![
                meta.fail(
                    name,
                    format!(
                        "workgroup {name} does not exist in {}: \"WorkGroup {name} is not found\"",
                        conn.region()
                    ),
                )
                .at(at)
                .with_fix(Fix::field(
                    conn,
                    FieldId::Workgroup,
                    "primary",
                    Applicability::Unsafe,
                )),
            ],
            other => vec![meta.skip(name, other.known().err().unwrap_or_default())],
        }
    }
}

pub(crate) struct WorkgroupOverridesOutput;

impl Rule for WorkgroupOverridesOutput {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA004
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let conn = &facts.connection;
        let name = conn.workgroup();
        let ours = conn.output_location().and_then(|o| o.suggestion());
        match &l.workgroup {
            Observed::Known(Some(w))
                if w.enforced && w.output_location.is_some() && w.output_location != ours =>
            {
                let theirs = w.output_location.clone().unwrap_or_default();
                vec![
                    meta.fail(
                        name,
                        format!(
                            "workgroup {name} overrides client-side settings: results go to {theirs}, not {}; the \
                             principal needs access to {theirs} instead",
                            ours.as_deref().unwrap_or("the connection's bucket")
                        ),
                    )
                    .at(conn.location(FieldId::S3OutputBucket))
                    .with_fix(Fix::field(conn, FieldId::S3OutputBucket, theirs, Applicability::Unsafe)),
                ]
            }
            Observed::Known(Some(_)) => {
                vec![meta.pass(name, "the workgroup does not override the output location")]
            }
            Observed::Known(None) => vec![meta.skip(name, "the workgroup does not exist (ATHENA003)")],
            other => vec![meta.skip(name, other.known().err().unwrap_or_default())],
        }
    }
}

pub(crate) struct NoOutputLocation;

impl Rule for NoOutputLocation {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA005
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let conn = &facts.connection;
        if conn.output_location().and_then(|o| o.location).is_some() {
            return vec![meta.pass("output location", "the connection sets an output location")];
        }
        let l = live_env!(meta, facts);
        match &l.workgroup {
            Observed::Known(Some(w)) if w.output_location.is_some() => vec![meta.pass(
                "output location",
                format!("the workgroup sets {}", w.output_location.as_deref().unwrap_or_default()),
            )],
            Observed::Known(_) => vec![
                meta.fail(
                    "output location",
                    "neither the connection nor the workgroup sets an output location: \"No output location provided\"",
                )
                .with_fix(Fix::field(
                    conn,
                    FieldId::S3OutputBucket,
                    "s3://<results-bucket>/<prefix>/",
                    Applicability::DisplayOnly,
                )),
            ],
            other => vec![meta.skip("output location", other.known().err().unwrap_or_default())],
        }
    }
}

/// A need the matrix does not list: an action on a resource found live.
fn live_need(
    rule: &'static str,
    what: String,
    resource: String,
    actions: Vec<&'static str>,
    sid: &str,
) -> Need {
    Need {
        rule,
        what,
        resource,
        required: actions,
        recommended: Vec::new(),
        via_athena: true,
        sid: sid.to_string(),
        bucket: None,
    }
}

/// Check needs found live with the permission rules' evaluator and fixes.
fn check_live_needs(meta: &'static RuleMeta, facts: &Facts, needs: Vec<Need>, none: &str) -> Vec<Check> {
    if needs.is_empty() {
        return vec![meta.pass("account", none)];
    }
    let env = match Env::new(meta, facts) {
        Ok(env) => env,
        Err(skip) => return vec![*skip],
    };
    needs
        .iter()
        .flat_map(|need| super::access::check_group(meta, &env, &[need]))
        .collect()
}

pub(crate) struct KmsAccessMissing;

impl Rule for KmsAccessMissing {
    fn meta(&self) -> &'static RuleMeta {
        &c::S3005
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let target = crate::permissions::Target::of(&facts.connection);
        let mut needs = Vec::new();
        for (bucket, b) in &l.buckets {
            let Observed::Known(Some(key)) = &b.kms_key else {
                continue;
            };
            // The AWS-managed key's policy lets principals of the account use it through S3.
            if key == "aws/s3" || key.ends_with("alias/aws/s3") {
                continue;
            }
            let arn = if key.starts_with("arn:") {
                key.clone()
            } else {
                format!(
                    "arn:{}:kms:{}:{}:key/{key}",
                    target.partition,
                    target.region,
                    target.account.as_deref().unwrap_or("<ACCOUNT_ID>")
                )
            };
            let results = target.results_bucket.as_deref() == Some(bucket.as_str());
            let actions = if results {
                vec!["kms:GenerateDataKey", "kms:Decrypt"]
            } else {
                vec!["kms:Decrypt"]
            };
            needs.push(live_need(
                meta.code,
                format!("the KMS key of bucket {bucket}"),
                arn,
                actions,
                "AthenaBucketKms",
            ));
        }
        check_live_needs(
            meta,
            facts,
            needs,
            "no inspected bucket uses a customer-managed KMS key",
        )
    }
}

pub(crate) struct LakeFormationAccess;

impl Rule for LakeFormationAccess {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA006
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let governed: Vec<String> = l
            .tables
            .iter()
            .filter_map(|(schema, t)| match t {
                Observed::Known(tables) => Some((schema, tables)),
                _ => None,
            })
            .flat_map(|(schema, tables)| {
                tables
                    .iter()
                    .filter(|t| t.lake_formation)
                    .map(move |t| format!("{schema}.{}", t.name))
            })
            .collect();
        if governed.is_empty() {
            return vec![meta.pass("account", "no inspected table is registered with Lake Formation")];
        }
        let need = live_need(
            meta.code,
            format!("Lake Formation data ({})", governed.join(", ")),
            "*".into(),
            vec!["lakeformation:GetDataAccess"],
            "LakeFormationData",
        );
        check_live_needs(meta, facts, vec![need], "")
    }
}

pub(crate) struct LambdaCatalogInvoke;

impl Rule for LambdaCatalogInvoke {
    fn meta(&self) -> &'static RuleMeta {
        &c::ATHENA007
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let catalogs = match &l.catalogs {
            Observed::Known(c) => c,
            other => return vec![meta.skip("catalogs", other.known().err().unwrap_or_default())],
        };
        let target = crate::permissions::Target::of(&facts.connection);
        let needs: Vec<Need> = catalogs
            .iter()
            .filter(|c| c.kind == "LAMBDA" && target.catalogs.iter().any(|t| t.eq_ignore_ascii_case(&c.name)))
            .flat_map(|c| {
                c.functions.iter().map(|f| {
                    live_need(
                        meta.code,
                        format!("the function of catalog {}", c.name),
                        f.clone(),
                        vec!["lambda:InvokeFunction"],
                        "FederatedCatalog",
                    )
                })
            })
            .collect();
        check_live_needs(meta, facts, needs, "the connection uses no Lambda catalog")
    }
}

pub(crate) struct OutputInsideDataLocation;

impl Rule for OutputInsideDataLocation {
    fn meta(&self) -> &'static RuleMeta {
        &c::S3006
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let Some(results) = facts.connection.output_location().and_then(|o| o.suggestion()) else {
            return vec![meta.skip("s3_output_bucket", "needs a valid s3_output_bucket")];
        };
        let mut checks = Vec::new();
        let mut seen = 0;
        for (schema, tables) in &l.tables {
            let Observed::Known(tables) = tables else { continue };
            for t in tables {
                let Some(location) = &t.location else { continue };
                seen += 1;
                let loc = if location.ends_with('/') {
                    location.clone()
                } else {
                    format!("{location}/")
                };
                if loc.starts_with(&results) || results.starts_with(&loc) {
                    checks.push(
                        meta.fail(
                            &results,
                            format!(
                                "query results go to {results}, which overlaps table {schema}.{} at {location}: result \
                                 files become rows of that table",
                                t.name
                            ),
                        )
                        .severity(Severity::Warning)
                        .at(facts.connection.location(FieldId::S3OutputBucket)),
                    );
                }
            }
        }
        if checks.is_empty() {
            if seen == 0 && l.tables.values().all(|t| !matches!(t, Observed::Known(_))) {
                return vec![meta.skip(&results, "needs the tables' locations (glue:GetTables)")];
            }
            checks.push(meta.pass(
                &results,
                format!("the results prefix overlaps none of {seen} table locations"),
            ));
        }
        checks
    }
}

pub(crate) struct CatalogNotFound;

impl Rule for CatalogNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &c::CATALOG002
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let catalogs = match &l.catalogs {
            Observed::Known(c) => c,
            other => return vec![meta.skip("catalogs", other.known().err().unwrap_or_default())],
        };
        let conn = &facts.connection;
        let target = crate::permissions::Target::of(conn);
        target
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
                    _ => check,
                }
            })
            .collect()
    }
}

pub(crate) struct SchemaNotFound;

impl Rule for SchemaNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &c::CATALOG003
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        let l = live_env!(meta, facts);
        let conn = &facts.connection;
        let Some(catalog) = conn.value(FieldId::DataCatalog).map(str::to_lowercase) else {
            return vec![meta.skip("schemas", "needs data_catalog, which is not set")];
        };
        let names: Vec<&str> = conn
            .list(FieldId::IncludeSchemas)
            .into_iter()
            .chain(conn.value(FieldId::DefaultSchema))
            .collect();
        if names.is_empty() {
            return vec![meta.pass("schemas", "no schema is named: all are included")];
        }
        let databases = match l.databases.get(&catalog) {
            Some(Observed::Known(d)) => d,
            Some(other) => return vec![meta.skip("schemas", other.known().err().unwrap_or_default())],
            None => return vec![meta.skip("schemas", format!("the databases of {catalog} were not listed"))],
        };
        let mut seen = Vec::new();
        names
            .into_iter()
            .filter(|n| {
                let first = !seen.contains(n);
                seen.push(*n);
                first
            })
            .map(|name| {
                if databases.iter().any(|d| d == name) {
                    return meta.pass(name, format!("schema {name} exists in {catalog}"));
                }
                let hint = if let Some(d) = databases.iter().find(|d| d.eq_ignore_ascii_case(name)) {
                    format!("; Glue names are lowercase: `{d}`")
                } else {
                    databases
                        .iter()
                        .map(|d| (strsim::levenshtein(d, &name.to_lowercase()), d))
                        .min_by_key(|(dist, _)| *dist)
                        .filter(|(dist, _)| *dist <= 3)
                        .map(|(_, d)| format!("; did you mean `{d}`?"))
                        .unwrap_or_default()
                };
                meta.fail(
                    name,
                    format!("schema {name} does not exist in {catalog}: SCHEMA_NOT_FOUND{hint}"),
                )
                .at(conn
                    .location(FieldId::IncludeSchemas)
                    .or(conn.location(FieldId::DefaultSchema)))
            })
            .collect()
    }
}

pub(crate) struct EndpointOverrideActive;

impl Rule for EndpointOverrideActive {
    fn meta(&self) -> &'static RuleMeta {
        &c::PROBE006
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        let meta = self.meta();
        live_env!(meta, facts);
        if facts.endpoint_overrides.is_empty() {
            return vec![meta.pass(
                "environment",
                "no AWS_ENDPOINT_URL* variable is set: the answers came from AWS",
            )];
        }
        let list: Vec<String> = facts
            .endpoint_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        vec![meta.fail(
            "environment",
            format!(
                "{} is set: the answers came from there, not from AWS",
                list.join(", ")
            ),
        )]
    }
}

#[cfg(test)]
mod tests {
    //! moto's Glue cannot mark a table as registered with Lake Formation (that flag
    //! is output-only in the API), so ATHENA006 is tested here on facts built by
    //! hand; rules are pure, so this exercises the same code a live run does.
    use super::*;
    use crate::connection::{Auth, AuthType, Connection, Field};
    use crate::facts::{FACTS_VERSION, TableFacts};
    use crate::policy::{Policy, PolicyKind};
    use std::collections::BTreeMap;

    fn facts(lake_formation: bool, policy: &str) -> Facts {
        let field = |v: &str| {
            Some(Field {
                raw: v.into(),
                location: None,
            })
        };
        let connection = Connection {
            s3_output_bucket: field("s3://results/"),
            data_catalog: field("awsdatacatalog"),
            include_schemas: field("sales"),
            region: field("us-east-1"),
            auth: Auth {
                auth_type: Some(AuthType::CrossAccountRole),
                role_arn: field("arn:aws:iam::111122223333:role/bi"),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut tables = BTreeMap::new();
        tables.insert(
            "sales".to_string(),
            Observed::Known(vec![TableFacts {
                name: "orders".into(),
                location: Some("s3://lake/orders/".into()),
                lake_formation,
            }]),
        );
        Facts {
            version: FACTS_VERSION,
            connection,
            secret: None,
            identity_policies: Observed::Known(vec![
                Policy::from_text("p", Some("p.json"), policy, PolicyKind::Identity).unwrap(),
            ]),
            permissions_boundary: Observed::Known(None),
            bucket_policies: BTreeMap::new(),
            trust_policy: Observed::NotCollected("-".into()),
            live: Observed::Known(Box::new(LiveFacts {
                caller: Observed::NotCollected("-".into()),
                role: Observed::NotCollected("-".into()),
                buckets: BTreeMap::new(),
                workgroup: Observed::NotCollected("-".into()),
                catalogs: Observed::NotCollected("-".into()),
                databases: BTreeMap::new(),
                tables,
                probes: Observed::NotCollected("-".into()),
            })),
            endpoint_overrides: Vec::new(),
        }
    }

    const NO_LF: &str =
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    const LF: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lakeformation:GetDataAccess", "Resource": "*"}]}"#;

    #[test]
    fn lake_formation_needs_get_data_access() {
        let checks = LakeFormationAccess.check(&facts(true, NO_LF));
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, crate::engine::Status::Fail);
        assert!(
            checks[0]
                .message
                .contains("lakeformation:GetDataAccess is not allowed"),
            "{}",
            checks[0].message
        );
        assert!(checks[0].message.contains("sales.orders"));
        assert!(checks[0].fix.is_some());
        let checks = LakeFormationAccess.check(&facts(true, LF));
        assert_eq!(checks[0].status, crate::engine::Status::Pass);
        let checks = LakeFormationAccess.check(&facts(false, NO_LF));
        assert_eq!(checks[0].status, crate::engine::Status::Pass);
        assert!(checks[0].message.contains("no inspected table"));
    }
}
