//! Probes: the connection tried the way the BI tool tries it — its own access key,
//! or AssumeRole with and without the External ID from the doctor's (vendor-side)
//! credentials — then a few reads with the credentials that gives, and, opt-in,
//! `SELECT 1`. Session credentials are used here and dropped; only identities and
//! outcomes become facts.
//!
//! The connections of a run share what is the same request from the same
//! credentials: the doctor's clients (one set per region, one credentials chain a
//! run) keep each AssumeRole by role, External ID, session name and length, and
//! each connection key by its id and a hash of its secret, with clients signing
//! as that session whose reads are kept in turn; so 100 connections naming one
//! role assume it once, and read as it once, and each gets the facts it would
//! alone. A kept session is used only while its credentials outlast a deadline.

use super::{Clients, LiveOptions, Tracker, both};
use crate::aws::arn::Arn;
use crate::connection::{AuthType, Connection, FieldId};
use crate::facts::{Failure, FailureKind, Observed, ProbeCall, ProbeFacts, QueryProbe};
use crate::permissions::Target;
use crate::secret::Secret;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use std::time::{Duration, Instant};

/// The session name the doctor's AssumeRole calls use (visible in CloudTrail).
const SESSION_NAME: &str = "athena-doctor-probe";
/// The shortest session AWS grants; the probe without the ID asks for it so that a
/// MaxSessionDuration problem cannot hide its answer.
const MIN_SESSION: i32 = 900;
/// How long before its credentials expire a kept session is no longer handed
/// out, beyond the `--deadline` its next user's calls may take.
const SESSION_MARGIN: Duration = Duration::from_secs(60);

/// A session a probe obtained, as the connections of a run share it: who it is,
/// clients signing with its credentials (when they are kept), and until when
/// they may be handed to a connection starting now (`None`: a key, which does not
/// expire within a run).
#[derive(Clone)]
struct Session {
    arn: String,
    clients: Option<Clients>,
    until: Option<Instant>,
}

impl Session {
    fn fresh(&self) -> bool {
        self.clients.is_none() || self.until.is_none_or(|until| Instant::now() < until)
    }
}

/// When a session of `seconds` obtained now stops being handed out.
fn usable_until(seconds: i32, options: &LiveOptions) -> Option<Instant> {
    let length = Duration::from_secs(u64::try_from(seconds).unwrap_or_default());
    Some(Instant::now() + length.saturating_sub(options.deadline.saturating_add(SESSION_MARGIN)))
}

/// A value that must not appear in a key as it is (a secret, an External ID):
/// its SHA-256, in hex.
fn hashed(value: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn not_collected<T>(why: &str) -> Observed<T> {
    Observed::NotCollected(why.to_string())
}

/// The configuration that signs with `credentials` instead of the doctor's own.
fn signing_with(config: &aws_config::SdkConfig, credentials: Credentials) -> aws_config::SdkConfig {
    config
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build()
}

/// Run every probe that applies to the connection.
pub(super) async fn probe(
    conn: &Connection,
    secret: Option<&Secret>,
    config: &aws_config::SdkConfig,
    ambient: &Clients,
    options: &LiveOptions,
    path_style: bool,
    t: &Tracker,
) -> ProbeFacts {
    let started = Instant::now();
    let mut facts = ProbeFacts {
        credentials: not_collected("not applicable: a cross-account role connection"),
        assume_with_id: not_collected("not applicable: an access-key connection"),
        assume_without_id: not_collected("not applicable: an access-key connection"),
        session_duration: options.session_duration,
        calls: Vec::new(),
        query: not_collected(
            "opt-in: run with --probe-query to try `SELECT 1` (writes one small result object)",
        ),
        tables: Default::default(),
    };
    let effective = match conn.auth.auth_type {
        Some(AuthType::AccessKey) => {
            let how = Obtain {
                config,
                ambient,
                options,
                path_style,
            };
            Box::pin(access_key(conn, secret, &how, t, &mut facts)).await
        }
        Some(AuthType::CrossAccountRole) => {
            let how = Obtain {
                config,
                ambient,
                options,
                path_style,
            };
            Box::pin(assume(conn, &how, t, &mut facts)).await
        }
        None => {
            facts.credentials = not_collected("needs auth.type");
            facts.assume_with_id = not_collected("needs auth.type");
            facts.assume_without_id = not_collected("needs auth.type");
            None
        }
    };
    let Some(clients) = effective else {
        if options.probe_query {
            facts.query =
                not_collected("needs the connection's credentials, which the probes above did not obtain");
        }
        return facts;
    };
    let mut target = Target::of(conn);
    if target.account.is_none() {
        // An access-key connection names no account: the key's identity does.
        if let Observed::Known(arn) = &facts.credentials {
            target.account = Arn::parse(arn).ok().map(|a| a.account).filter(|a| !a.is_empty());
        }
    }
    // The reads and the tables the connection sees need nothing of each other.
    let (calls, tables) = both(
        t,
        Box::pin(reads(&target, &clients, t)),
        Box::pin(super::athena::table_names(
            &target,
            &clients,
            t,
            " (as the connection)",
        )),
    )
    .await;
    (facts.calls, facts.tables) = (calls, tables);
    if options.probe_query {
        let budget = options.deadline.mul_f32(0.75).saturating_sub(started.elapsed());
        facts.query = Box::pin(query(conn, &target, &clients, budget, t)).await;
    }
    facts
}

/// What obtaining a session needs: the doctor's configuration and clients (whose
/// `sessions` keep what a run obtained), the options, the addressing style.
struct Obtain<'a> {
    config: &'a aws_config::SdkConfig,
    ambient: &'a Clients,
    options: &'a LiveOptions,
    path_style: bool,
}

/// `sts:GetCallerIdentity` signed with the connection's own key and secret, once a
/// run for one key and secret (kept by the key's id and the secret's hash).
async fn access_key(
    conn: &Connection,
    secret: Option<&Secret>,
    how: &Obtain<'_>,
    t: &Tracker,
    facts: &mut ProbeFacts,
) -> Option<Clients> {
    let Some(key) = conn.value(FieldId::AccessKeyId) else {
        facts.credentials = not_collected("needs auth.access_key_id");
        return None;
    };
    let Some(secret) = secret else {
        facts.credentials = not_collected(
            "needs the secret access key: ATHENA_DOCTOR_SECRET_ACCESS_KEY, --secret-file or --secret-stdin",
        );
        return None;
    };
    let (key, secret) = (key.trim(), secret.expose().trim());
    let config = signing_with(
        how.config,
        Credentials::new(key, secret, None, None, "connection"),
    );
    // Only STS until the key is known good; the other clients once a run.
    let call = aws_sdk_sts::Client::new(&config).get_caller_identity().send();
    let session = Box::pin(t.read(
        &how.ambient.sessions,
        format!("connection key {key} secret {}", hashed(secret)),
        "sts:GetCallerIdentity",
        "sts:GetCallerIdentity (connection key)",
        call,
        |o| Session {
            arn: o.arn().unwrap_or_default().to_string(),
            clients: Some(Clients::new(&config, how.path_style)),
            until: None,
        },
    ))
    .await;
    let (arn, clients) = split(session);
    facts.credentials = arn;
    clients
}

/// AssumeRole with the External ID (the BI tool's call) and without it (the check
/// AWS recommends to vendors), both from the doctor's own credentials; each once a
/// run for the same request (the doctor's clients are one set per region and
/// credentials, so their `sessions` key by what else the request says).
async fn assume(conn: &Connection, how: &Obtain<'_>, t: &Tracker, facts: &mut ProbeFacts) -> Option<Clients> {
    let Some(role) = conn.value(FieldId::RoleArn).map(str::trim) else {
        facts.assume_with_id = not_collected("needs auth.role_arn");
        facts.assume_without_id = not_collected("needs auth.role_arn");
        return None;
    };
    let request = || {
        how.ambient
            .sts
            .assume_role()
            .role_arn(role)
            .role_session_name(SESSION_NAME)
    };
    // Every parameter the request sends, the External ID hashed; no session policy.
    let key = |duration: i32, external_id: Option<&str>| {
        format!(
            "{role} session {SESSION_NAME} seconds {duration} policy - external-id {}",
            external_id.map_or_else(|| "-".to_string(), hashed)
        )
    };
    // The credentials of the call without the ID are never used: not kept.
    let keep = |duration: i32, use_credentials: bool| {
        move |o: aws_sdk_sts::operation::assume_role::AssumeRoleOutput| {
            let arn = o
                .assumed_role_user()
                .map(|u| u.arn().to_string())
                .unwrap_or_default();
            let clients = o.credentials().filter(|_| use_credentials).map(|c| {
                let credentials = Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    None,
                    "assumed-role",
                );
                Clients::new(&signing_with(how.config, credentials), how.path_style)
            });
            Session {
                arn,
                clients,
                until: usable_until(duration, how.options),
            }
        }
    };
    let duration = facts.session_duration;
    let with_id = Box::pin(async {
        match conn.value(FieldId::ExternalId).map(str::trim) {
            Some(id) => {
                let call = request().external_id(id).duration_seconds(duration).send();
                Box::pin(t.read_while(
                    &how.ambient.sessions,
                    key(duration, Some(id)),
                    "sts:AssumeRole",
                    "sts:AssumeRole (with External ID)",
                    call,
                    keep(duration, true),
                    Session::fresh,
                ))
                .await
            }
            None => not_collected("needs auth.external_id (the External ID the vendor issued)"),
        }
    });
    let without_id = Box::pin(t.read(
        &how.ambient.sessions,
        key(MIN_SESSION, None),
        "sts:AssumeRole",
        "sts:AssumeRole (without External ID)",
        request().duration_seconds(MIN_SESSION).send(),
        keep(MIN_SESSION, false),
    ));
    let (with_id, without_id) = both(t, with_id, without_id).await;
    facts.assume_without_id = split(without_id).0;
    let (arn, clients) = split(with_id);
    facts.assume_with_id = arn;
    clients
}

/// A session's outcome as a fact, and the clients signing as it (if any).
fn split(outcome: Observed<Session>) -> (Observed<String>, Option<Clients>) {
    match outcome {
        Observed::Known(session) => (Observed::Known(session.arn), session.clients),
        Observed::NotCollected(why) => (Observed::NotCollected(why), None),
        Observed::Failed(f) => (Observed::Failed(f), None),
    }
}

/// The reads the BI tool makes first, each with the connection's credentials.
async fn reads(target: &Target, c: &Clients, t: &Tracker) -> Vec<ProbeCall> {
    let (p, region) = (&target.partition, &target.region);
    let account = target.account.as_deref().unwrap_or("*");
    // Read through the session's clients: every connection holding the same
    // session (`assume`) reads each once.
    let workgroup = Box::pin(t.read(
        &c.reads,
        target.workgroup.clone(),
        "athena:GetWorkGroup",
        "athena:GetWorkGroup (as the connection)",
        c.athena.get_work_group().work_group(&target.workgroup).send(),
        |_| "allowed".to_string(),
    ));
    let catalogs = Box::pin(t.read(
        &c.reads,
        String::new(),
        "athena:ListDataCatalogs",
        "athena:ListDataCatalogs (as the connection)",
        c.athena.list_data_catalogs().send(),
        |o| format!("allowed ({} catalogs)", o.data_catalogs_summary().len()),
    ));
    let databases = Box::pin(t.read(
        &c.reads,
        String::new(),
        "glue:GetDatabases",
        "glue:GetDatabases (as the connection)",
        c.glue.get_databases().send(),
        |o| {
            format!(
                "allowed ({} databases on the first page)",
                o.database_list().len()
            )
        },
    ));
    let bucket = Box::pin(async {
        match &target.results_bucket {
            Some(b) => Some((
                b.clone(),
                t.read(
                    &c.reads,
                    b.clone(),
                    "s3:ListBucket",
                    format!("s3:HeadBucket {b} (as the connection)"),
                    c.s3.head_bucket().bucket(b).send(),
                    |_| "allowed".to_string(),
                )
                .await,
            )),
            None => None,
        }
    });
    let ((workgroup, catalogs), (databases, bucket)) =
        both(t, both(t, workgroup, catalogs), both(t, databases, bucket)).await;
    let mut calls = vec![
        ProbeCall {
            action: "athena:GetWorkGroup".into(),
            resource: format!("arn:{p}:athena:{region}:{account}:workgroup/{}", target.workgroup),
            outcome: workgroup,
        },
        ProbeCall {
            action: "athena:ListDataCatalogs".into(),
            resource: "*".into(),
            outcome: catalogs,
        },
        ProbeCall {
            action: "glue:GetDatabases".into(),
            resource: format!("arn:{p}:glue:{region}:{account}:catalog"),
            outcome: databases,
        },
    ];
    if let Some((bucket, outcome)) = bucket {
        calls.push(ProbeCall {
            action: "s3:ListBucket".into(),
            resource: format!("arn:{p}:s3:::{bucket}"),
            outcome,
        });
    }
    calls
}

/// `SELECT 1` with the connection's catalog, schema, workgroup and output location,
/// polled with backoff until it ends or the budget is spent.
async fn query(
    conn: &Connection,
    target: &Target,
    c: &Clients,
    budget: Duration,
    t: &Tracker,
) -> Observed<QueryProbe> {
    use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
    let output_location = target
        .results_bucket
        .as_ref()
        .map(|b| format!("s3://{b}/{}", target.results_prefix));
    let context = QueryExecutionContext::builder()
        // As typed: the probe reproduces what the BI tool sends.
        .catalog(conn.value(FieldId::DataCatalog).unwrap_or("AwsDataCatalog"))
        .set_database(conn.value(FieldId::DefaultSchema).map(str::to_string))
        .build();
    let mut start = c
        .athena
        .start_query_execution()
        .query_string("SELECT 1")
        .work_group(&target.workgroup)
        .query_execution_context(context);
    if let Some(out) = &output_location {
        start = start.result_configuration(ResultConfiguration::builder().output_location(out).build());
    }
    let id = match Box::pin(t.call(
        "athena:StartQueryExecution",
        "athena:StartQueryExecution SELECT 1",
        start.send(),
        |o| o.query_execution_id().unwrap_or_default().to_string(),
    ))
    .await
    {
        Observed::Known(id) => id,
        Observed::Failed(f) => return Observed::Failed(f),
        Observed::NotCollected(why) => return Observed::NotCollected(why),
    };
    let deadline = crate::limits::instant_after(budget);
    let mut pause = Duration::from_millis(100);
    loop {
        let status = Box::pin(t.call(
            "athena:GetQueryExecution",
            "athena:GetQueryExecution",
            c.athena.get_query_execution().query_execution_id(&id).send(),
            |o| o.query_execution().cloned(),
        ))
        .await;
        let execution = match status {
            Observed::Known(Some(e)) => e,
            Observed::Known(None) => {
                return Observed::Failed(Failure {
                    kind: FailureKind::Other,
                    action: "athena:GetQueryExecution".into(),
                    code: String::new(),
                    message: format!("Athena returned no execution for query {id}"),
                });
            }
            Observed::Failed(f) => return Observed::Failed(f),
            Observed::NotCollected(why) => return Observed::NotCollected(why),
        };
        let status = execution.status();
        let state = status.and_then(|s| s.state()).cloned();
        let done = matches!(
            state,
            Some(
                QueryExecutionState::Succeeded | QueryExecutionState::Failed | QueryExecutionState::Cancelled
            )
        );
        if done || Instant::now() + pause > deadline {
            let reason = status
                .and_then(|s| s.athena_error().and_then(|e| e.error_message()))
                .or_else(|| status.and_then(|s| s.state_change_reason()))
                .map(crate::secret::scrub);
            return Observed::Known(QueryProbe {
                query_id: id,
                state: state.map_or("UNKNOWN".to_string(), |s| s.as_str().to_string()),
                reason,
                output_location: execution
                    .result_configuration()
                    .and_then(|r| r.output_location())
                    .map(str::to_string)
                    .or(output_location),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}
