//! Athena and Glue: the workgroup, the catalogs, the included databases and their
//! tables (whose locations name data buckets and feed S3006).

use super::Clients;
use super::call::Tracker;
use super::iam::all;
use crate::connection::Connection;
use crate::facts::{CatalogFacts, FailureKind, Observed, TableFacts, WorkgroupFacts, WorkgroupSettings};
use crate::permissions::Target;
use std::collections::BTreeMap;

type CatalogAnswer = (
    Observed<Vec<CatalogFacts>>,
    BTreeMap<String, Observed<Vec<String>>>,
    BTreeMap<String, Observed<Vec<TableFacts>>>,
);

const BUILT_IN: &str = "AwsDataCatalog";

pub(super) async fn workgroup(name: &str, c: &Clients, t: &Tracker) -> Observed<Option<WorkgroupFacts>> {
    let answer = t
        .read(
            &c.reads,
            name.to_string(),
            "athena:GetWorkGroup",
            "athena:GetWorkGroup",
            c.athena.get_work_group().work_group(name).send(),
            |o| {
                o.work_group().map(|w| {
                    let config = w.configuration();
                    WorkgroupFacts {
                        name: w.name().to_string(),
                        enabled: w.state().is_none_or(|s| s.as_str() != "DISABLED"),
                        enforced: config
                            .and_then(|c| c.enforce_work_group_configuration())
                            .unwrap_or(false),
                        output_location: config
                            .and_then(|c| c.result_configuration())
                            .and_then(|r| r.output_location())
                            .map(str::to_string),
                        settings: Observed::Known(config.map(settings).unwrap_or_default()),
                    }
                })
            },
        )
        .await;
    match answer {
        // AWS says "WorkGroup x is not found" as an InvalidRequestException.
        Observed::Failed(f) if f.message.contains("not found") || f.kind == FailureKind::NotFound => {
            Observed::Known(None)
        }
        other => other,
    }
}

/// The settings of `GetWorkGroup`'s configuration the BI tool's queries depend on.
fn settings(config: &aws_sdk_athena::types::WorkGroupConfiguration) -> WorkgroupSettings {
    let results = config.result_configuration();
    let encryption = results.and_then(|r| r.encryption_configuration());
    let managed = config.managed_query_results_configuration();
    let engine = config.engine_version();
    WorkgroupSettings {
        result_encryption: encryption.map(|e| e.encryption_option().as_str().to_string()),
        result_key: encryption.and_then(|e| e.kms_key()).map(str::to_string),
        expected_bucket_owner: results
            .and_then(|r| r.expected_bucket_owner())
            .filter(|o| !o.is_empty())
            .map(str::to_string),
        acl: results
            .and_then(|r| r.acl_configuration())
            .map(|a| a.s3_acl_option().as_str().to_string()),
        minimum_encryption: config.enable_minimum_encryption_configuration().unwrap_or(false),
        managed_results: managed.is_some_and(|m| m.enabled()),
        managed_results_key: managed
            .and_then(|m| m.encryption_configuration())
            .map(|e| e.kms_key().to_string())
            .filter(|k| !k.is_empty()),
        identity_center: config
            .identity_center_configuration()
            .and_then(|i| i.enable_identity_center())
            .unwrap_or(false),
        access_grants: config
            .query_results_s3_access_grants_configuration()
            .is_some_and(|g| g.enable_s3_access_grants()),
        engine: engine
            .and_then(|e| e.effective_engine_version().or(e.selected_engine_version()))
            .filter(|e| !e.is_empty())
            .map(str::to_string),
        requester_pays: config.requester_pays_enabled().unwrap_or(false),
        scan_cutoff: config.bytes_scanned_cutoff_per_query(),
    }
}

/// The Glue Data Catalog's encryption at rest: the KMS key a reader must be
/// allowed to decrypt with (`None`: not encrypted, or through a service role).
pub(super) async fn catalog_key(c: &Clients, t: &Tracker) -> Observed<Option<String>> {
    t.read(
        &c.reads,
        String::new(),
        "glue:GetDataCatalogEncryptionSettings",
        "glue:GetDataCatalogEncryptionSettings",
        c.glue.get_data_catalog_encryption_settings().send(),
        |o| {
            o.data_catalog_encryption_settings()
                .and_then(|s| s.encryption_at_rest())
                // With a service role (`SSE-KMS-WITH-SERVICE-ROLE`) Glue uses the
                // key as that role: the reader needs nothing of it.
                .filter(|e| e.catalog_encryption_mode().as_str() == "SSE-KMS")
                .map(|e| e.sse_aws_kms_key_id().unwrap_or("alias/aws/glue").to_string())
        },
    )
    .await
}

async fn catalogs(target: &Target, c: &Clients, t: &Tracker) -> Observed<Vec<CatalogFacts>> {
    let listed = t
        .read(
            &c.reads,
            String::new(),
            "athena:ListDataCatalogs",
            "athena:ListDataCatalogs",
            c.athena
                .list_data_catalogs()
                .into_paginator()
                .send()
                .try_collect(),
            |pages| {
                pages
                    .iter()
                    .flat_map(|o| o.data_catalogs_summary())
                    .map(|s| {
                        (
                            s.catalog_name().unwrap_or_default().to_string(),
                            s.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                        )
                    })
                    .collect::<Vec<_>>()
            },
        )
        .await;
    let Observed::Known(mut listed) = listed else {
        return match listed {
            Observed::Failed(f) => Observed::Failed(f),
            _ => Observed::NotCollected("athena:ListDataCatalogs gave nothing".into()),
        };
    };
    // The built-in catalog always exists (moto's listing omits it).
    if !listed.iter().any(|(n, _)| n.eq_ignore_ascii_case(BUILT_IN)) {
        listed.push((BUILT_IN.into(), "GLUE".into()));
    }
    // Lambda catalogs the connection uses: which function they invoke; Glue
    // catalogs other than the built-in one: whose account they are.
    let wanted: Vec<(String, String)> = listed
        .iter()
        .filter(|(n, kind)| {
            (kind == "LAMBDA" || (kind == "GLUE" && !n.eq_ignore_ascii_case(BUILT_IN)))
                && target.catalogs.iter().any(|c| c.eq_ignore_ascii_case(n))
        })
        .cloned()
        .collect();
    let functions = all(
        t,
        wanted
            .iter()
            .map(|(name, _)| {
                t.read(
                    &c.reads,
                    name.clone(),
                    "athena:GetDataCatalog",
                    format!("athena:GetDataCatalog {name}"),
                    c.athena.get_data_catalog().name(name).send(),
                    |o| {
                        let params = o.data_catalog().and_then(|d| d.parameters());
                        let mut f: Vec<String> = params
                            .iter()
                            .flat_map(|p| p.iter())
                            .filter(|(k, _)| k.ends_with("function"))
                            .map(|(_, v)| v.clone())
                            .collect();
                        f.sort();
                        let id = params.and_then(|p| p.get("catalog-id")).cloned();
                        (f, id)
                    },
                )
            })
            .collect(),
    )
    .await;
    Observed::Known(
        listed
            .into_iter()
            .map(|(name, kind)| {
                let (fns, catalog_id) = wanted
                    .iter()
                    .position(|(n, _)| *n == name)
                    .and_then(|i| match &functions[i] {
                        Observed::Known(f) => Some(f.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                CatalogFacts {
                    name,
                    kind,
                    functions: fns,
                    catalog_id,
                }
            })
            .collect(),
    )
}

async fn databases(catalog: &str, c: &Clients, t: &Tracker) -> Observed<Vec<String>> {
    if catalog.eq_ignore_ascii_case(BUILT_IN) {
        t.read(
            &c.reads,
            String::new(),
            "glue:GetDatabases",
            "glue:GetDatabases",
            c.glue.get_databases().into_paginator().send().try_collect(),
            |pages| {
                pages
                    .iter()
                    .flat_map(|o| o.database_list())
                    .map(|d| d.name().to_string())
                    .collect()
            },
        )
        .await
    } else {
        t.read(
            &c.reads,
            catalog.to_string(),
            "athena:ListDatabases",
            format!("athena:ListDatabases {catalog}"),
            c.athena
                .list_databases()
                .catalog_name(catalog)
                .into_paginator()
                .send()
                .try_collect(),
            |pages| {
                pages
                    .iter()
                    .flat_map(|o| o.database_list())
                    .map(|d| d.name().to_string())
                    .collect()
            },
        )
        .await
    }
}

/// The tables of a Glue schema, as whoever `c` signs as (`who`, for the progress
/// line) sees them.
async fn tables(schema: &str, who: &str, c: &Clients, t: &Tracker) -> Observed<Vec<TableFacts>> {
    t.read(
        &c.reads,
        schema.to_string(),
        "glue:GetTables",
        format!("glue:GetTables {schema}{who}"),
        c.glue
            .get_tables()
            .database_name(schema)
            .into_paginator()
            .send()
            .try_collect(),
        |pages| {
            pages
                .iter()
                .flat_map(|o| o.table_list())
                .map(|tb| TableFacts {
                    name: tb.name().to_string(),
                    location: tb
                        .storage_descriptor()
                        .and_then(|s| s.location())
                        .map(str::to_string),
                    lake_formation: tb.is_registered_with_lake_formation(),
                })
                .collect()
        },
    )
    .await
}

/// The table names of each included Glue schema, as whoever `c` signs as sees them.
pub(super) async fn table_names(
    target: &Target,
    c: &Clients,
    t: &Tracker,
    who: &str,
) -> BTreeMap<String, Observed<Vec<String>>> {
    if !target.catalogs.iter().any(|c| c == "awsdatacatalog") {
        return BTreeMap::new();
    }
    let schemas: Vec<String> = target.schemas.iter().filter(|s| *s != "*").cloned().collect();
    let found = all(t, schemas.iter().map(|s| tables(s, who, c, t)).collect()).await;
    let names = found
        .into_iter()
        .map(|tables| tables.map(|list| list.into_iter().map(|tb| tb.name).collect()));
    schemas.into_iter().zip(names).collect()
}

pub(super) async fn catalog(_conn: &Connection, target: &Target, c: &Clients, t: &Tracker) -> CatalogAnswer {
    let schemas: Vec<String> = target.schemas.iter().filter(|s| *s != "*").cloned().collect();
    let glue = target.catalogs.iter().any(|c| c == "awsdatacatalog");
    let cats = catalogs(target, c, t);
    let dbs = all(
        t,
        target.catalogs.iter().map(|name| databases(name, c, t)).collect(),
    );
    let tbls = async {
        if glue {
            all(t, schemas.iter().map(|s| tables(s, "", c, t)).collect()).await
        } else {
            Vec::new()
        }
    };
    let (cats, (dbs, tbls)) = super::both(t, cats, super::both(t, dbs, tbls)).await;
    let databases = target.catalogs.iter().cloned().zip(dbs).collect();
    let tables = if glue {
        schemas.into_iter().zip(tbls).collect()
    } else {
        BTreeMap::new()
    };
    (cats, databases, tables)
}
