//! ATHENA rules: Athena and Glue permissions (ATHENA001, ATHENA002), the
//! workgroup (ATHENA003–005), Lake Formation (ATHENA006), Lambda catalogs
//! (ATHENA007) and grants far broader than a connection needs (ATHENA008).

use super::access::{self, Env, check_live_needs, live_need};
use crate::connection::FieldId;
use crate::engine::{Outcome, Rule, Skip, declare_rule};
use crate::facts::Facts;
use crate::fix::policy::Change;
use crate::fix::{Applicability, Fix};
use crate::permissions::{self, Need};
use crate::policy::evaluate::action_matches;
use crate::policy::model::Statement;
use crate::policy::{Effect, Policy};

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[
    &AthenaAccess,
    &GlueAccess,
    &WorkgroupUnusable,
    &WorkgroupOverridesOutput,
    &NoOutputLocation,
    &LakeFormationAccess,
    &LambdaCatalogInvoke,
    &OverlyBroadPermissions,
    &LakeFormationFiltered,
];

/// Services where `service:*` hands out far more than reading data.
const SENSITIVE_SERVICES: &[&str] = &[
    "s3",
    "glue",
    "athena",
    "iam",
    "kms",
    "lakeformation",
    "sts",
    "lambda",
];

/// Actions that, on every resource, let the holder destroy or expose data.
const DESTRUCTIVE: &[&str] = &[
    "s3:DeleteBucket",
    "s3:DeleteObject",
    "s3:PutBucketPolicy",
    "s3:PutObject",
];

/// Why a statement is broader than needed, in words, or `None`.
fn breadth(s: &Statement) -> Option<String> {
    if s.effect != Effect::Allow {
        return None;
    }
    if s.action.not {
        return Some(format!(
            "allows every action except {}",
            s.action.items.join(", ")
        ));
    }
    if s.action.items.iter().any(|a| a == "*") {
        return Some("allows every action (`*`)".into());
    }
    if let Some(a) = s.action.items.iter().find(|a| {
        a.split_once(':').is_some_and(|(svc, rest)| {
            rest == "*" && SENSITIVE_SERVICES.contains(&svc.to_ascii_lowercase().as_str())
        })
    }) {
        return Some(format!("allows every action of a service (`{a}`)"));
    }
    let everywhere = s
        .resource
        .as_ref()
        .is_some_and(|r| !r.not && r.items.iter().any(|i| i == "*" || i == "arn:aws:s3:::*"));
    if everywhere {
        let destructive: Vec<&str> = DESTRUCTIVE
            .iter()
            .copied()
            .filter(|d| action_matches(&s.action, d))
            .collect();
        if !destructive.is_empty() {
            return Some(format!("allows {} on every bucket", destructive.join(", ")));
        }
    }
    None
}

declare_rule! {
    pub(crate) struct AthenaAccess {
        code: "ATHENA001",
        name: "athena-access-missing",
        severity: Error,
        summary: "Required Athena actions on the workgroup or catalog are not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for AthenaAccess {
    fn check(&self, facts: &Facts) -> Outcome {
        access::check_needs(Self::META, facts, "no Athena resources to check")
    }
}

declare_rule! {
    pub(crate) struct GlueAccess {
        code: "ATHENA002",
        name: "glue-access-missing",
        severity: Error,
        summary: "Required Glue read actions are not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for GlueAccess {
    fn check(&self, facts: &Facts) -> Outcome {
        access::check_needs(
            Self::META,
            facts,
            "the connection's catalog is not the Glue catalog (awsdatacatalog)",
        )
    }
}

declare_rule! {
    pub(crate) struct WorkgroupUnusable {
        code: "ATHENA003",
        name: "workgroup-unusable",
        severity: Error,
        summary: "The workgroup is missing or disabled (live)",
        fixes: [Unsafe],
    }
}

impl Rule for WorkgroupUnusable {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        let name = conn.workgroup();
        let at = conn.location(FieldId::Workgroup);
        let (workgroup, site) = super::workgroup(facts)?;
        match workgroup {
            Some(w) if w.enabled => Ok(vec![
                meta.pass(name, format!("workgroup {name} exists and is enabled"))
                    .at(at),
            ]),
            Some(_) => {
                let check = meta
                    .fail(
                        name,
                        format!("workgroup {name} is disabled: \"WorkGroup {name} is disabled\""),
                    )
                    .at(at);
                match site {
                    // Declared in a plan or template: the fix is its source's, and a
                    // command against the account would be undone by the next apply.
                    Some(_) => Ok(vec![check.in_declaration(site)]),
                    None => Ok(vec![check.with_fix(enable_workgroup(name, conn.region()))]),
                }
            }
            None => {
                let check = meta
                    .fail(
                        name,
                        format!(
                            "workgroup {name} does not exist in {}: \"WorkGroup {name} is not found\"",
                            conn.region()
                        ),
                    )
                    .at(at);
                if name == "primary" {
                    return Ok(vec![check]);
                }
                let mut fix = Fix::field(conn, FieldId::Workgroup, "primary", Applicability::Unsafe);
                fix.note = Some(format!(
                    "every account has a workgroup primary in each region, which cannot be deleted; it has \
                     its own settings (output location, limits), and a principal granted only {name} may not \
                     run queries in it. Or create {name} (`aws athena create-work-group --name {}`) if it was \
                     deleted, or use the name it has (workgroup names are case-sensitive)",
                    crate::shell::quote(name)
                ));
                Ok(vec![check.with_fix(fix)])
            }
        }
    }
}

/// Enable a disabled workgroup in the connection's region. Unsafe: someone
/// disabled it, perhaps on purpose (a cost control); a person should confirm.
fn enable_workgroup(name: &str, region: &str) -> Fix {
    let mut fix = Fix::run(
        &format!("workgroup {name} in {region}"),
        [
            "aws",
            "athena",
            "update-work-group",
            "--work-group",
            name,
            "--state",
            "ENABLED",
            "--region",
            region,
        ],
        Applicability::Unsafe,
    );
    fix.note = Some(
        "someone disabled the workgroup, perhaps on purpose (a cost control): confirm before enabling it"
            .into(),
    );
    fix
}

declare_rule! {
    pub(crate) struct WorkgroupOverridesOutput {
        code: "ATHENA004",
        name: "workgroup-overrides-output",
        severity: Warning,
        summary: "The workgroup enforces its own output location",
        fixes: [Unsafe],
    }
}

impl Rule for WorkgroupOverridesOutput {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        let name = conn.workgroup();
        let ours = conn.output_location().and_then(|o| o.suggestion());
        let (workgroup, site) = super::workgroup(facts)?;
        match workgroup {
            Some(w) if w.enforced && w.output_location.is_some() && w.output_location != ours => {
                let theirs = w.output_location.clone().unwrap_or_default();
                Ok(vec![
                    meta.fail(
                        name,
                        format!(
                            "workgroup {name} overrides client-side settings: results go to {theirs}, not {}; the \
                             principal needs access to {theirs} instead",
                            ours.as_deref().unwrap_or("the connection's bucket")
                        ),
                    )
                    .at(conn.location(FieldId::S3OutputBucket))
                    .in_declaration(site)
                    .with_fix(Fix::field(conn, FieldId::S3OutputBucket, theirs, Applicability::Unsafe)),
                ])
            }
            Some(_) => {
                Ok(vec![meta.pass(
                    name,
                    "the workgroup does not override the output location",
                )])
            }
            None => Err(Skip::new(name, "the workgroup does not exist (ATHENA003)")),
        }
    }
}

declare_rule! {
    pub(crate) struct NoOutputLocation {
        code: "ATHENA005",
        name: "no-output-location",
        severity: Error,
        summary: "Neither the connection nor the workgroup sets an output location",
        fixes: [DisplayOnly],
    }
}

impl Rule for NoOutputLocation {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let conn = &facts.connection;
        if conn.output_location().and_then(|o| o.location).is_some() {
            return Ok(vec![
                meta.pass("output location", "the connection sets an output location"),
            ]);
        }
        match super::workgroup(facts)?.0 {
            // Managed query results: Athena keeps them, no location is needed.
            Some(w) if w.settings.known().is_ok_and(|s| s.managed_results) => Ok(vec![meta.pass(
                "output location",
                format!("workgroup {} keeps query results itself (managed query results)", w.name),
            )]),
            Some(w) if w.output_location.is_some() => Ok(vec![meta.pass(
                "output location",
                format!("the workgroup sets {}", w.output_location.as_deref().unwrap_or_default()),
            )]),
            _ => Ok(vec![
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
            ]),
        }
    }
}

declare_rule! {
    pub(crate) struct LakeFormationAccess {
        code: "ATHENA006",
        name: "lake-formation-access",
        severity: Error,
        summary: "Lake Formation governs the data and lakeformation:GetDataAccess is not allowed",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for LakeFormationAccess {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let (read, unread) = super::tables_read(meta, l);
        let governed: Vec<String> = read
            .into_iter()
            .flat_map(|(schema, tables)| {
                tables
                    .iter()
                    .filter(|t| t.lake_formation)
                    .map(move |t| format!("{schema}.{}", t.name))
            })
            .collect();
        if governed.is_empty() && !unread.is_empty() {
            return Ok(unread);
        }
        if governed.is_empty() {
            return Ok(vec![meta.pass(
                "account",
                "no inspected table is registered with Lake Formation",
            )]);
        }
        let need = live_need(
            meta.code,
            format!("Lake Formation data ({})", governed.join(", ")),
            "*".into(),
            vec!["lakeformation:GetDataAccess"],
            "LakeFormationData",
        );
        let mut checks = check_live_needs(meta, facts, vec![need], "")?;
        checks.extend(unread);
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct LambdaCatalogInvoke {
        code: "ATHENA007",
        name: "lambda-catalog-invoke",
        severity: Error,
        summary: "A LAMBDA-type catalog without lambda:InvokeFunction",
        fixes: [Safe, Unsafe, DisplayOnly],
    }
}

impl Rule for LambdaCatalogInvoke {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let l = super::live(facts)?;
        let catalogs = l.catalogs.require("catalogs")?;
        let target = access::target(facts);
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

declare_rule! {
    pub(crate) struct OverlyBroadPermissions {
        code: "ATHENA008",
        name: "overly-broad-permissions",
        severity: Warning,
        summary: "Wildcard actions or resources where least privilege would do",
        fixes: [DisplayOnly],
        tags: ["security"],
    }
}

impl Rule for OverlyBroadPermissions {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let env = Env::new(facts)?;
        let (least, _) = permissions::least_privilege(&env.target);
        let mut checks = Vec::new();
        for policy in env.identity {
            for s in &policy.document.statements {
                let Some(why) = breadth(s) else { continue };
                checks.push(
                    meta.fail(
                        format!("{} {}", policy.name, s.describe()),
                        format!(
                            "{} of {} (line {}) {why}: an Athena connection needs far less; \
                             `athena-doctor policy` prints least privilege",
                            s.describe(),
                            policy.name,
                            policy.location(s.offset).line
                        ),
                    )
                    .with_fix(replace_with_least(facts, policy, s, &least))
                    .in_file(policy.path.as_deref(), policy.location(s.offset)),
                );
            }
        }
        if checks.is_empty() {
            checks.push(meta.pass(
                "policies",
                "no statement grants wildcard actions or destructive actions everywhere",
            ));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct LakeFormationFiltered {
        code: "ATHENA009",
        name: "lake-formation-filtered",
        severity: Error,
        summary: "Tables the account holds are hidden from the connection: Lake Formation filters, it does not fail (live)",
        fixes: [Unsafe, DisplayOnly],
    }
}

impl Rule for LakeFormationFiltered {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let live = super::live(facts)?;
        let probes = live.probes.require("tables")?;
        if probes.tables.is_empty() {
            return Err(Skip::new(
                "tables",
                "the connection's view of the tables was not read (it needs the probes' credentials and an \
                 included Glue schema)",
            ));
        }
        // Whom to grant to: the role (not a session of it), or the key's user.
        let principal = crate::permissions::principal(&facts.connection)
            .map(|p| p.arn)
            .filter(|a| a.starts_with("arn:"))
            .or_else(|| probes.credentials.known().ok().cloned());
        let mut checks = Vec::new();
        for (schema, seen) in &probes.tables {
            let mine = live
                .tables
                .get(schema)
                .ok_or_else(|| Skip::new(schema, format!("the doctor did not read the tables of {schema}")))?
                .require(schema)?;
            let theirs = seen.require(schema)?;
            let hidden: Vec<&str> = mine
                .iter()
                .map(|t| t.name.as_str())
                .filter(|n| !theirs.iter().any(|t| t == n))
                .collect();
            if hidden.is_empty() {
                checks.push(meta.pass(
                    schema,
                    format!(
                        "the connection sees every table of {schema} the doctor's own credentials see ({})",
                        mine.len()
                    ),
                ));
                continue;
            }
            let resource = if hidden.len() == 1 {
                serde_json::json!({"Table": {"DatabaseName": schema, "Name": hidden[0]}})
            } else {
                serde_json::json!({"Table": {"DatabaseName": schema, "TableWildcard": {}}})
            };
            let fix = Fix::run(
                &format!("Lake Formation grants on {schema} to the connection's principal"),
                [
                    "aws",
                    "lakeformation",
                    "grant-permissions",
                    "--principal",
                    &format!(
                        "DataLakePrincipalIdentifier={}",
                        principal.as_deref().unwrap_or("<PRINCIPAL_ARN>")
                    ),
                    "--permissions",
                    "DESCRIBE",
                    "SELECT",
                    "--resource",
                    &resource.to_string(),
                ],
                // Granting SELECT is a data-access decision for the data's owner.
                Applicability::Unsafe,
            );
            checks.push(
                meta.fail(
                    schema,
                    format!(
                        "{} of the {} tables of {schema} are hidden from the connection: {}. With Lake \
                         Formation, listings come back without the tables the principal has no grant on — the \
                         connection \"works\" and shows nothing; grant DESCRIBE and SELECT",
                        hidden.len(),
                        mine.len(),
                        hidden.join(", ")
                    ),
                )
                .with_fix(fix),
            );
        }
        Ok(checks)
    }
}

/// The document with the broad statement swapped for the least-privilege ones.
/// Display-only: the broad grant may serve something other than Athena.
fn replace_with_least(facts: &Facts, policy: &Policy, s: &Statement, least: &serde_json::Value) -> Fix {
    let with: Vec<serde_json::Value> = least["Statement"].as_array().cloned().unwrap_or_default();
    Fix::change_policy(
        facts,
        Some(policy),
        None,
        vec![Change::Replace { index: s.index, with }],
        Applicability::DisplayOnly,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model::Patterns;

    fn statement(action: &[&str], not: bool, resource: &str) -> Statement {
        Statement {
            index: 0,
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: Patterns {
                not,
                items: action.iter().map(|a| a.to_string()).collect(),
            },
            resource: Some(Patterns {
                not: false,
                items: vec![resource.to_string()],
            }),
            conditions: Vec::new(),
            offset: 0,
            pointer: String::new(),
        }
    }

    #[test]
    fn broad_and_narrow() {
        assert!(breadth(&statement(&["*"], false, "*")).is_some());
        assert!(breadth(&statement(&["S3:*"], false, "arn:aws:s3:::b")).is_some());
        assert!(breadth(&statement(&["iam:*"], true, "*")).is_some());
        assert!(breadth(&statement(&["s3:Put*"], false, "*")).is_some());
        assert!(breadth(&statement(&["s3:GetObject", "s3:ListBucket"], false, "*")).is_none());
        assert!(breadth(&statement(&["s3:PutObject"], false, "arn:aws:s3:::b/*")).is_none());
        assert!(breadth(&statement(&["athena:Get*"], false, "*")).is_none());
    }
}

#[cfg(test)]
mod lake_formation_tests {
    //! moto's Glue cannot mark a table as registered with Lake Formation (that flag
    //! is output-only in the API), so ATHENA006 is tested here on facts built by
    //! hand; rules are pure, so this exercises the same code a live run does.
    use super::*;
    use crate::facts::{Observed, TableFacts};
    use crate::policy::{Policy, PolicyKind};
    use crate::rules::unread::{healthy, live};

    /// The healthy live facts, with the one table governed (or not) and `policy`
    /// as the principal's only identity policy.
    fn facts(lake_formation: bool, policy: &str) -> Facts {
        let mut facts = healthy();
        facts.identity_policies = Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), policy, PolicyKind::Identity).unwrap(),
        ]);
        live(&mut facts).tables.insert(
            "sales".to_string(),
            Observed::Known(vec![TableFacts {
                name: "orders".into(),
                location: Some("s3://lake/orders/".into()),
                lake_formation,
            }]),
        );
        facts
    }

    const NO_LF: &str =
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    const LF: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lakeformation:GetDataAccess", "Resource": "*"}]}"#;

    #[test]
    fn lake_formation_needs_get_data_access() {
        let checks = LakeFormationAccess.check(&facts(true, NO_LF)).unwrap();
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
        let checks = LakeFormationAccess.check(&facts(true, LF)).unwrap();
        assert_eq!(checks[0].status, crate::engine::Status::Pass);
        let checks = LakeFormationAccess.check(&facts(false, NO_LF)).unwrap();
        assert_eq!(checks[0].status, crate::engine::Status::Pass);
        assert!(checks[0].message.contains("no inspected table"));
    }
}

#[cfg(test)]
mod workgroup_tests {
    use super::*;
    use crate::engine::Status;
    use crate::facts::{Observed, WorkgroupFacts};
    use crate::fix::Edit;
    use crate::rules::unread::{healthy, live};

    /// The healthy account, its connection naming workgroup `analytics`.
    fn facts() -> Facts {
        let mut facts = healthy();
        facts.connection.workgroup = Some(crate::connection::Field {
            raw: "analytics".into(),
            location: None,
        });
        facts
    }

    fn judged(workgroup: Option<bool>) -> crate::engine::Check {
        let mut facts = facts();
        let name = facts.connection.workgroup().to_string();
        live(&mut facts).workgroup = Observed::Known(workgroup.map(|enabled| WorkgroupFacts {
            name,
            enabled,
            enforced: false,
            output_location: None,
            settings: Observed::Known(Default::default()),
        }));
        let mut checks = WorkgroupUnusable.check(&facts).unwrap();
        assert_eq!(checks.len(), 1);
        checks.remove(0)
    }

    /// A disabled workgroup is enabled where it is: the command names the
    /// workgroup and the region (the aws CLI refuses update-work-group without
    /// --work-group).
    #[test]
    fn a_disabled_workgroup_is_enabled_by_name_in_its_region() {
        let check = judged(Some(false));
        assert_eq!(check.status, Status::Fail);
        let fix = check.fix.expect("a fix");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        let facts = facts();
        let (name, region) = (facts.connection.workgroup(), facts.connection.region());
        assert!(matches!(fix.edit, Edit::Run { .. }));
        assert_eq!(
            fix.command().unwrap(),
            format!(
                "aws athena update-work-group --work-group {} --state ENABLED --region {}",
                crate::shell::quote(name),
                crate::shell::quote(region)
            )
        );
        assert_eq!(judged(Some(true)).status, Status::Pass);
    }

    /// A missing workgroup: the connection pointed at primary (which every
    /// account has), unsafe, with what that changes.
    #[test]
    fn a_missing_workgroup_points_the_connection_at_primary_and_says_why() {
        let check = judged(None);
        let fix = check.fix.expect("a fix");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fix.title(), "workgroup = \"primary\"");
        assert!(fix.note.as_deref().unwrap().contains("cannot be deleted"));
    }
}
