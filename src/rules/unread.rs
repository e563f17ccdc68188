//! A failed read is never a pass. Each live read is made to fail in turn (timed
//! out, throttled, denied) on otherwise healthy facts, and every rule that needs
//! it must skip, naming the failed read, instead of passing as if the answer were
//! "nothing there". Rules are pure, so these facts exercise the code a live run
//! (or a snapshot replay) does.

use crate::connection::{Auth, AuthType, Connection, Field};
use crate::engine::{Check, Status};
use crate::facts::{
    BucketFacts, CatalogFacts, EndpointFacts, FACTS_VERSION, Facts, Failure, FailureKind, KmsKey, LiveFacts,
    NetworkFacts, Observed, ProbeFacts, Reach, RoleFacts, TableFacts, WorkgroupFacts, WorkgroupSettings,
};
use crate::policy::{Policy, PolicyKind};
use std::collections::BTreeMap;

const LAKE_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/lake-key";
/// The key the workgroup encrypts query results with.
pub(crate) const RESULTS_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/results-key";
/// The key the Glue Data Catalog encrypts its metadata with.
const CATALOG_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/catalog-key";

const ALLOW_ALL: &str =
    r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// A role connection whose live facts are all read and all fine.
pub(crate) fn healthy() -> Facts {
    let field = |v: &str| {
        Some(Field {
            raw: v.into(),
            location: None,
        })
    };
    let connection = Connection {
        path: "c.toml".into(),
        s3_output_bucket: field("s3://results/omni/"),
        data_catalog: field("awsdatacatalog"),
        include_schemas: field("sales"),
        default_schema: field("sales"),
        region: field("us-east-1"),
        data_buckets: vec![field("lake").unwrap()],
        auth: Auth {
            auth_type: Some(AuthType::CrossAccountRole),
            role_arn: field("arn:aws:iam::111122223333:role/bi"),
            ..Default::default()
        },
        ..Default::default()
    };
    let bucket = |kms: Option<&str>| BucketFacts {
        exists: Observed::Known(true),
        region: Observed::Known("us-east-1".into()),
        kms_key: Observed::Known(kms.map(str::to_string)),
        policy: Observed::Known(false),
        requester_pays: Observed::Known(false),
        expected_owner: Observed::NotCollected("the workgroup expects no bucket owner".into()),
    };
    // The results bucket belongs to the account the workgroup expects; the lake
    // is requester pays, which the workgroup allows.
    let results = BucketFacts {
        expected_owner: Observed::Known(true),
        ..bucket(None)
    };
    let lake = BucketFacts {
        requester_pays: Observed::Known(true),
        ..bucket(Some(LAKE_KEY))
    };
    let mut buckets = BTreeMap::new();
    buckets.insert("results".to_string(), results);
    // The lake is encrypted with a customer key whose policy delegates to IAM.
    buckets.insert("lake".to_string(), lake);
    let key_policy = Policy::from_text(
        "key policy of the lake's key",
        None,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
        PolicyKind::Resource,
    )
    .unwrap();
    // Every key's policy delegates to IAM (the account's root principal).
    let keys = [LAKE_KEY, RESULTS_KEY, CATALOG_KEY]
        .into_iter()
        .map(|arn| {
            let key = KmsKey {
                arn: arn.into(),
                aws_managed: false,
                policy: Observed::Known(key_policy.clone()),
            };
            (arn.to_string(), Observed::Known(key))
        })
        .collect();
    let mut databases = BTreeMap::new();
    databases.insert(
        "awsdatacatalog".to_string(),
        Observed::Known(vec!["sales".to_string()]),
    );
    let mut tables = BTreeMap::new();
    tables.insert(
        "sales".to_string(),
        Observed::Known(vec![TableFacts {
            name: "orders".into(),
            location: Some("s3://lake/orders/".into()),
            lake_formation: false,
        }]),
    );
    Facts {
        version: FACTS_VERSION,
        connection,
        secret: None,
        identity_policies: Observed::Known(vec![
            Policy::from_text("p", Some("p.json"), ALLOW_ALL, PolicyKind::Identity).unwrap(),
        ]),
        permissions_boundary: Observed::Known(None),
        bucket_policies: BTreeMap::new(),
        trust_policy: Observed::NotCollected("-".into()),
        live: Observed::Known(Box::new(LiveFacts {
            keys,
            catalog_key: Observed::Known(Some(CATALOG_KEY.into())),
            caller: Observed::NotCollected("-".into()),
            role: Observed::Known(RoleFacts {
                arn: "arn:aws:iam::111122223333:role/bi".into(),
                path: "/".into(),
                max_session_duration: Some(3600),
                boundary_arn: None,
            }),
            buckets,
            workgroup: Observed::Known(Some(WorkgroupFacts {
                name: "primary".into(),
                enabled: true,
                enforced: false,
                output_location: None,
                // Today's settings, each one the BI tool can live with.
                settings: Observed::Known(WorkgroupSettings {
                    result_encryption: Some("SSE_KMS".into()),
                    result_key: Some(RESULTS_KEY.into()),
                    expected_bucket_owner: Some("111122223333".into()),
                    requester_pays: true,
                    engine: Some("Athena engine version 3".into()),
                    scan_cutoff: Some(10 << 30),
                    ..Default::default()
                }),
            })),
            catalogs: Observed::Known(vec![CatalogFacts {
                name: "awsdatacatalog".into(),
                kind: "GLUE".into(),
                functions: Vec::new(),
                catalog_id: None,
            }]),
            databases,
            tables,
            // The probes saw the same tables (only what ATHENA009 reads is set).
            probes: Observed::Known(ProbeFacts {
                credentials: Observed::NotCollected("-".into()),
                assume_with_id: Observed::NotCollected("-".into()),
                assume_without_id: Observed::NotCollected("-".into()),
                session_duration: 3600,
                calls: Vec::new(),
                query: Observed::NotCollected("-".into()),
                tables: BTreeMap::from([("sales".to_string(), Observed::Known(vec!["orders".to_string()]))]),
            }),
            network: Observed::Known(NetworkFacts {
                endpoints: ["sts", "iam", "s3", "athena", "glue"]
                    .into_iter()
                    .map(|s| EndpointFacts {
                        service: s.into(),
                        url: format!("https://{s}.us-east-1.amazonaws.com"),
                        host: format!("{s}.us-east-1.amazonaws.com"),
                        port: 443,
                        addresses: vec!["52.94.0.1".into()],
                        proxy: None,
                        no_proxy_exempts: false,
                        reach: Reach::Reached,
                    })
                    .collect(),
                streaming: Observed::Known(Reach::Reached),
                streaming_port: 444,
            }),
        })),
        endpoint_overrides: Vec::new(),
        blank_environment: Vec::new(),
        chain_trust: Default::default(),
        principal_site: None,
        declared: Default::default(),
        // A member account's organization, read live: FullAWSAccess and
        // RCPFullAWSAccess, as AWS attaches them, at the root and the account.
        guardrails: {
            let full = |name: &str, text: &str, kind| {
                let mut p = Policy::from_text(name, None, text, kind).unwrap();
                p.origin = crate::policy::decode::Origin::OrganizationPolicy;
                p
            };
            let scp = full(
                "SCP FullAWSAccess (p-FullAWSAccess)",
                ALLOW_ALL,
                PolicyKind::Identity,
            );
            let rcp = full(
                "RCP RCPFullAWSAccess (p-RCPFullAWSAccess)",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
                PolicyKind::Resource,
            );
            crate::facts::Guardrails {
                scps: Observed::Known(vec![vec![scp.clone()], vec![scp]]),
                rcps: Observed::Known(vec![vec![rcp.clone()], vec![rcp]]),
                organization: Some(crate::facts::Organization {
                    account: "111122223333".into(),
                    id: Some("o-a1b2c3d4e5".into()),
                    management_account: Some("999999999999".into()),
                    enabled: vec!["SERVICE_CONTROL_POLICY".into(), "RESOURCE_CONTROL_POLICY".into()],
                }),
                ..Default::default()
            }
        },
    }
}

fn failed(action: &str, kind: FailureKind) -> Failure {
    Failure {
        kind,
        action: action.into(),
        code: String::new(),
        message: "injected".into(),
    }
}

pub(super) fn live(facts: &mut Facts) -> &mut LiveFacts {
    match &mut facts.live {
        Observed::Known(l) => l,
        _ => unreachable!(),
    }
}

fn run(facts: &Facts) -> Vec<Check> {
    crate::engine::run(&super::REGISTRY, facts)
}

/// One read failing, and the rules that need it.
type Fault = (&'static str, &'static [&'static str], fn(&mut Facts, Failure));

const FAULTS: &[Fault] = &[
    ("s3:HeadBucket", &["S3001"], |f, e| {
        live(f).buckets.get_mut("results").unwrap().exists = Observed::Failed(e)
    }),
    ("s3:GetBucketLocation", &["REGION003"], |f, e| {
        live(f).buckets.get_mut("results").unwrap().region = Observed::Failed(e)
    }),
    ("s3:GetBucketEncryption", &["S3005"], |f, e| {
        for b in live(f).buckets.values_mut() {
            b.kms_key = Observed::Failed(e.clone());
        }
    }),
    ("kms:DescribeKey", &["S3005"], |f, e| {
        live(f).keys.insert(LAKE_KEY.into(), Observed::Failed(e));
    }),
    ("kms:GetKeyPolicy", &["S3005"], |f, e| {
        if let Some(Observed::Known(k)) = live(f).keys.get_mut(LAKE_KEY) {
            k.policy = Observed::Failed(e);
        }
    }),
    ("glue:GetTables", &["ATHENA006", "S3006", "ATHENA009"], |f, e| {
        live(f).tables.insert("sales".into(), Observed::Failed(e));
    }),
    ("glue:GetTables (as the connection)", &["ATHENA009"], |f, e| {
        if let Observed::Known(p) = &mut live(f).probes {
            p.tables.insert("sales".into(), Observed::Failed(e));
        }
    }),
    (
        "athena:GetWorkGroup",
        &[
            "ATHENA003",
            "ATHENA004",
            "ATHENA010",
            "ATHENA011",
            "ATHENA012",
            "ATHENA013",
            "ATHENA014",
            "ATHENA015",
            "S3009",
        ],
        |f, e| live(f).workgroup = Observed::Failed(e),
    ),
    // A snapshot from before settings were read: unknown, never "none set".
    (
        "athena:GetWorkGroup (settings)",
        &[
            "ATHENA010",
            "ATHENA011",
            "ATHENA012",
            "ATHENA013",
            "ATHENA014",
            "ATHENA015",
            "S3009",
        ],
        |f, e| {
            if let Observed::Known(Some(w)) = &mut live(f).workgroup {
                w.settings = Observed::Failed(e);
            }
        },
    ),
    ("s3:HeadBucket (expected owner)", &["ATHENA011"], |f, e| {
        live(f).buckets.get_mut("results").unwrap().expected_owner = Observed::Failed(e)
    }),
    ("s3:GetBucketRequestPayment", &["S3009"], |f, e| {
        live(f).buckets.get_mut("lake").unwrap().requester_pays = Observed::Failed(e)
    }),
    ("kms:DescribeKey (results key)", &["ATHENA010"], |f, e| {
        live(f).keys.insert(RESULTS_KEY.into(), Observed::Failed(e));
    }),
    ("kms:GetKeyPolicy (catalog key)", &["CATALOG006"], |f, e| {
        if let Observed::Known(k) = live(f).keys.get_mut(CATALOG_KEY).unwrap() {
            k.policy = Observed::Failed(e);
        }
    }),
    (
        "glue:GetDataCatalogEncryptionSettings",
        &["CATALOG006"],
        |f, e| live(f).catalog_key = Observed::Failed(e),
    ),
    (
        "athena:ListDataCatalogs",
        &["ATHENA007", "CATALOG002", "CATALOG005"],
        |f, e| live(f).catalogs = Observed::Failed(e),
    ),
    ("glue:GetDatabases", &["CATALOG003"], |f, e| {
        live(f)
            .databases
            .insert("awsdatacatalog".into(), Observed::Failed(e));
    }),
    ("s3:GetBucketPolicy", &["S3004"], |f, e| {
        live(f).buckets.get_mut("lake").unwrap().policy = Observed::Failed(e)
    }),
    ("iam:GetRole", &["ROLE003"], |f, e| {
        live(f).role = Observed::Failed(e)
    }),
    // The network check: not made (a snapshot from before it), nothing passes.
    ("network check", &["NET001", "NET002", "NET003"], |f, e| {
        live(f).network = Observed::Failed(e)
    }),
    ("network check (streaming port)", &["NET003"], |f, e| {
        if let Observed::Known(n) = &mut live(f).network {
            n.streaming = Observed::Failed(e);
        }
    }),
    // The organization's policies (`collect/live/org.rs`): a refused read is a
    // skip, also where the organization would exempt the account.
    (
        "organizations:ListPoliciesForTarget",
        &["ORG001", "ORG002"],
        |f, e| {
            f.guardrails.scps = Observed::Failed(e.clone());
            f.guardrails.rcps = Observed::Failed(e);
        },
    ),
    (
        "organizations:DescribePolicy (management account)",
        &["ORG001", "ORG002"],
        |f, e| {
            if let Some(o) = &mut f.guardrails.organization {
                o.management_account = Some(o.account.clone());
            }
            f.guardrails.scps = Observed::Failed(e.clone());
            f.guardrails.rcps = Observed::Failed(e);
        },
    ),
    // The boundary is read with the role: unknown, it caps nothing we can judge.
    (
        "iam:GetRole (boundary)",
        &["S3002", "S3003", "ATHENA001", "ATHENA002"],
        |f, e| f.permissions_boundary = Observed::Failed(e),
    ),
];

#[test]
fn the_healthy_facts_pass_every_rule_under_test() {
    let checks = run(&healthy());
    for (_, rules, _) in FAULTS {
        for code in *rules {
            let mine: Vec<&Check> = checks.iter().filter(|c| c.code() == *code).collect();
            assert!(
                !mine.is_empty() && mine.iter().all(|c| c.status == Status::Pass),
                "{code} should pass on healthy facts: {mine:#?}"
            );
        }
    }
}

#[test]
fn a_failed_read_is_never_a_pass() {
    for kind in [FailureKind::Timeout, FailureKind::Throttled, FailureKind::Denied] {
        for (action, rules, inject) in FAULTS {
            let mut facts = healthy();
            inject(&mut facts, failed(action, kind));
            let checks = run(&facts);
            for code in *rules {
                let mine: Vec<&Check> = checks.iter().filter(|c| c.code() == *code).collect();
                assert!(!mine.is_empty(), "{code} reported nothing");
                for c in &mine {
                    assert_ne!(
                        c.status,
                        Status::Pass,
                        "{code} passed with {action} {kind:?}: {c:#?}"
                    );
                }
                assert!(
                    mine.iter()
                        .any(|c| c.status == Status::Skip && c.message.contains("injected")),
                    "{code} must say which read failed ({action} {kind:?}): {mine:#?}"
                );
            }
        }
    }
}
