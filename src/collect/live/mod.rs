//! Live collection: read the account through the AWS SDK for Rust, read-only
//! (Get*, List*, Head*, Describe*, sts:GetCallerIdentity), every independent call in flight at
//! once — beside the network check, not after it — each answer or refusal kept
//! as a fact. One HTTP client carries every call of a run.

mod athena;
mod call;
mod ec2;
mod history;
mod iam;
mod kms;
mod network;
mod org;
mod probe;
mod s3;

use call::Reads;
pub(crate) use call::Tracker;
pub(crate) use ec2::Wanted as WantedEndpoints;
pub(crate) use history::History;

use crate::connection::{AuthType, Connection};
use crate::error::Fatal;
use crate::facts::{LiveFacts, Observed};
use crate::permissions::Target;
use aws_config::BehaviorVersion;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How to reach AWS.
#[derive(Clone, Debug)]
pub(crate) struct LiveOptions {
    pub profile: Option<String>,
    /// Overrides the connection's region for the doctor's own calls.
    pub region: Option<String>,
    /// Allow the EC2 instance metadata service in the credentials chain.
    pub imds: bool,
    /// Per-attempt and per-operation timeout.
    pub timeout: Duration,
    /// The whole collection's deadline.
    pub deadline: Duration,
    pub sequential: bool,
    /// Try the connection's own credentials (AssumeRole, reads as the connection).
    pub probes: bool,
    /// Run `SELECT 1` as the connection (the only probe that writes).
    pub probe_query: bool,
    /// The session length the BI tool asks AssumeRole for.
    pub session_duration: i32,
    /// The JDBC/ODBC streaming port NET003 tries on Athena's host.
    pub streaming_port: u16,
    /// The VPC endpoints the BI tool's traffic goes through (`--vpc-endpoint`,
    /// `--vpc`; `ec2.rs` reads their policies), and whether `--endpoint-policy`
    /// gave them instead (then nothing is read).
    pub endpoints: ec2::Wanted,
}

/// The `AWS_ENDPOINT_URL*` variables in effect (PROBE006), as facts keep them: a
/// URL's user and password (`http://user:pass@host`) removed.
pub(crate) fn endpoint_overrides() -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::env::vars()
        .filter(|(k, v)| k.starts_with("AWS_ENDPOINT_URL") && !v.is_empty())
        .map(|(k, v)| (k, crate::secret::without_userinfo(&v)))
        .collect();
    found.sort();
    found
}

/// Every `AWS_ENDPOINT_URL*` variable must be an http(s) URL with a host: the SDK
/// panics on an empty one and sends a malformed one into every call, so either is
/// bad input, said before the first call; so is an `AWS_CA_BUNDLE` that is not a
/// readable file of certificates (`network::ca_bundle`).
fn check_endpoint_overrides() -> Result<(), Fatal> {
    network::ca_bundle()?;
    for (key, value) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_ENDPOINT_URL")) {
        let host = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        if host.is_none_or(|h| h.is_empty() || h.chars().any(|c| c.is_whitespace() || c.is_control())) {
            // The value itself is not repeated: a URL may carry credentials.
            let what = if value.is_empty() {
                "set but empty"
            } else {
                "not an http(s) URL with a host"
            };
            return Err(Fatal::Usage(format!(
                "{key} is {what}: unset it, or give the endpoint's URL (https://host[:port])"
            )));
        }
    }
    Ok(())
}

/// The SDK configuration: the standard credentials chain (without IMDS unless asked),
/// the region, timeouts on every call and standard retries, sending through `http`
/// (`network::http_client`, one for the run).
async fn sdk_config(
    conn: &Connection,
    options: &LiveOptions,
    http: &aws_sdk_sts::config::SharedHttpClient,
) -> aws_config::SdkConfig {
    use aws_config::meta::credentials::CredentialsProviderChain;
    let region = options
        .region
        .clone()
        .unwrap_or_else(|| conn.region().to_string());
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(options.timeout)
        .operation_attempt_timeout(options.timeout)
        .connect_timeout(options.timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    loader = loader.http_client(http.clone());
    if !options.imds {
        // The default chain minus IMDS: on a laptop, probing 169.254.169.254 only
        // costs seconds before failing.
        let mut profile = aws_config::profile::ProfileFileCredentialsProvider::builder();
        if let Some(p) = &options.profile {
            profile = profile.profile_name(p);
        }
        let chain = CredentialsProviderChain::first_try(
            "Environment",
            aws_config::environment::credentials::EnvironmentVariableCredentialsProvider::new(),
        )
        .or_else("Profile", profile.build())
        .or_else(
            "WebIdentityToken",
            aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder().build(),
        )
        .or_else(
            "EcsContainer",
            aws_config::ecs::EcsCredentialsProvider::builder().build(),
        );
        loader = loader.credentials_provider(chain);
    }
    loader.load().await
}

/// Clients for every service the doctor reads, and the answers of the reads made
/// with them (`Tracker::read`): whoever shares the clients shares those answers,
/// and the sessions obtained with their credentials (`probe`: AssumeRole, a
/// connection's own key), each with clients of its own that share its reads.
#[derive(Clone)]
pub(crate) struct Clients {
    pub sts: aws_sdk_sts::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub athena: aws_sdk_athena::Client,
    pub glue: aws_sdk_glue::Client,
    pub kms: aws_sdk_kms::Client,
    pub organizations: aws_sdk_organizations::Client,
    pub reads: Arc<Reads>,
    pub sessions: Arc<Reads>,
}

/// The most sessions one set of clients keeps (each holds clients and their
/// answers): far fewer than answers, so a fleet of distinct roles holds little.
const MAX_SESSIONS: usize = 64;

impl Clients {
    fn new(config: &aws_config::SdkConfig, path_style: bool) -> Clients {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            // Emulators (and some proxies) only answer path-style requests.
            .force_path_style(path_style)
            .build();
        Clients {
            sts: aws_sdk_sts::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            athena: aws_sdk_athena::Client::new(config),
            glue: aws_sdk_glue::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            organizations: aws_sdk_organizations::Client::new(config),
            reads: Arc::default(),
            sessions: Arc::new(Reads::new(MAX_SESSIONS)),
        }
    }
}

/// What live collection adds to the offline facts.
pub(crate) struct Inspection {
    pub live: LiveFacts,
    pub identity_policies: Observed<Vec<crate::policy::Policy>>,
    pub permissions_boundary: Observed<Option<crate::policy::Policy>>,
    pub trust_policy: Observed<crate::facts::TrustPolicy>,
    pub bucket_policies: BTreeMap<String, crate::policy::Policy>,
    /// The organization's SCPs and RCPs above the connection's account.
    pub organization: org::OrgPolicies,
    /// The trust policies of the profile chain's other roles, by ARN.
    pub chain_trust: BTreeMap<String, Observed<crate::facts::TrustPolicy>>,
    /// The policies of the VPC endpoints the traffic goes through.
    pub endpoints: ec2::Found,
}

/// Collect everything the account can tell about this connection.
pub(crate) fn collect(
    conn: &Connection,
    secret: Option<&crate::secret::Secret>,
    options: &LiveOptions,
    tracker: &Tracker,
) -> Result<Inspection, Fatal> {
    check_endpoint_overrides()?;
    on_runtime(|runtime| {
        runtime.block_on(Box::pin(async {
            let network = NetworkCheck::start(region_of(conn, options), options);
            let config = Box::pin(sdk_config(conn, options, &network::http_client())).await;
            let clients = Clients::new(&config, !endpoint_overrides().is_empty());
            Box::pin(inspect(
                conn, secret, options, tracker, &config, &clients, &network,
            ))
            .await
        }))
    })?
}

/// What the connections of a fleet share: one runtime, one HTTP client (one
/// connection pool, one TLS configuration), and per region the network check,
/// the SDK configuration (one credentials cache) and the clients with their
/// answers (`Reads`). The doctor's own credentials are the same for every
/// connection of a run, so its clients are too, and a read they make (the same
/// role, bucket, workgroup or key) is made once for every connection asking it.
pub(crate) struct Session {
    runtime: tokio::runtime::Runtime,
    http: aws_sdk_sts::config::SharedHttpClient,
    regions: std::sync::Mutex<BTreeMap<String, Arc<tokio::sync::OnceCell<Regional>>>>,
}

#[derive(Clone)]
struct Regional {
    network: NetworkCheck,
    config: aws_config::SdkConfig,
    clients: Clients,
}

impl Session {
    pub(crate) fn new() -> Result<Session, Fatal> {
        check_endpoint_overrides()?;
        Ok(Session {
            runtime: runtime()?,
            http: network::http_client(),
            regions: std::sync::Mutex::new(BTreeMap::new()),
        })
    }

    /// `collect` for one connection of the fleet, on the session's runtime (from
    /// any thread: each connection's futures run on the thread that asks).
    pub(crate) fn collect(
        &self,
        conn: &Connection,
        secret: Option<&crate::secret::Secret>,
        options: &LiveOptions,
        tracker: &Tracker,
    ) -> Result<Inspection, Fatal> {
        let region = region_of(conn, options);
        let cell = self
            .regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(region.clone())
            .or_default()
            .clone();
        self.runtime.block_on(Box::pin(async {
            let shared = cell
                .get_or_init(|| async {
                    let network = NetworkCheck::start(region.clone(), options);
                    let config = Box::pin(sdk_config(conn, options, &self.http)).await;
                    let clients = Clients::new(&config, !endpoint_overrides().is_empty());
                    Regional {
                        network,
                        config,
                        clients,
                    }
                })
                .await
                .clone();
            Box::pin(inspect(
                conn,
                secret,
                options,
                tracker,
                &shared.config,
                &shared.clients,
                &shared.network,
            ))
            .await
        }))
    }
}

fn region_of(conn: &Connection, options: &LiveOptions) -> String {
    options
        .region
        .clone()
        .unwrap_or_else(|| conn.region().to_string())
}

/// The network check's timeout: half the deadline at most (the calls need the rest).
fn network_step(options: &LiveOptions) -> Duration {
    options
        .timeout
        .min(options.deadline / 2)
        .max(Duration::from_millis(500))
}

/// The network check, run beside the calls: the services it cuts off as soon as
/// every endpoint is tried (`Tracker::gate`), then all its facts. The
/// connections of a fleet in one region share one.
#[derive(Clone)]
struct NetworkCheck {
    verdict: call::Verdict,
    facts: watch::Receiver<Option<crate::facts::NetworkFacts>>,
}

impl NetworkCheck {
    /// Start the check on the runtime this is called from.
    fn start(region: String, options: &LiveOptions) -> NetworkCheck {
        let (cuts, verdict) = watch::channel(None);
        let (done, facts) = watch::channel(None);
        let (step, port) = (network_step(options), options.streaming_port);
        tokio::spawn(async move {
            let found = network::check(&region, step, port, |endpoints| {
                cuts.send_replace(Some(Arc::new(cut_off(endpoints))));
            })
            .await;
            done.send_replace(Some(found));
        });
        NetworkCheck { verdict, facts }
    }

    async fn facts(&self) -> Observed<crate::facts::NetworkFacts> {
        let mut facts = self.facts.clone();
        match facts.wait_for(Option::is_some).await {
            Ok(found) => found
                .clone()
                .map_or_else(|| Observed::NotCollected("not checked".into()), Observed::Known),
            Err(_) => Observed::NotCollected("the network check stopped before it ended".into()),
        }
    }
}

/// A service whose endpoint could not be reached is not called, and the checks
/// that needed it skip citing NET001.
fn cut_off(endpoints: &[&crate::facts::EndpointFacts]) -> BTreeMap<String, String> {
    endpoints
        .iter()
        .filter(|e| e.reach != crate::facts::Reach::Reached)
        .map(|e| {
            let why = format!(
                "not called: the {} endpoint {}:{} could not be reached{} (NET001)",
                e.service,
                e.host,
                e.port,
                match (&e.proxy, e.no_proxy_exempts) {
                    (Some(p), false) => format!(" through the proxy {p}"),
                    _ => String::new(),
                }
            );
            (e.service.clone(), why)
        })
        .collect()
}

/// The calls, beside the network check (`--sequential`: after it, as measured
/// before it ran beside them).
async fn inspect(
    conn: &Connection,
    secret: Option<&crate::secret::Secret>,
    options: &LiveOptions,
    tracker: &Tracker,
    config: &aws_config::SdkConfig,
    clients: &Clients,
    network: &NetworkCheck,
) -> Result<Inspection, Fatal> {
    tracker.gate(network.verdict.clone());
    if tracker.sequential {
        network.facts().await;
    }
    let path_style = !endpoint_overrides().is_empty();
    // Boxed: in debug builds these state machines are too large for any stack.
    let inspection = Box::pin(gather(conn, clients, tracker));
    let probes = async {
        if !options.probes {
            return Observed::NotCollected("probes turned off (--no-probes)".into());
        }
        let probes = probe::probe(conn, secret, config, clients, options, path_style, tracker);
        Observed::Known(Box::pin(probes).await)
    };
    // Once the network check says where the calls go (an interface endpoint's
    // private addresses), unless the flags say it: off the critical path.
    let endpoints = Box::pin(async {
        let ec2 = ec2::Ec2::new(config, options.timeout);
        ec2::endpoints(&ec2, &options.endpoints, network.facts(), tracker, &clients.reads).await
    });
    let work = async {
        let ((mut collected, probes), endpoints) =
            both(tracker, both(tracker, inspection, Box::pin(probes)), endpoints).await;
        collected.live.probes = probes;
        collected.live.network = network.facts().await;
        collected.endpoints = endpoints;
        collected
    };
    // Every call ends by the deadline (`Tracker::call`); this backstop only
    // guards what is not a call (loading credentials).
    let backstop = options.deadline.saturating_add(Duration::from_secs(10));
    match tokio::time::timeout(backstop, Box::pin(work)).await {
        Ok(collected) => Ok(collected),
        Err(_) => Err(Fatal::Usage(format!(
            "live inspection did not finish within the --deadline of {} s",
            options.deadline.as_secs()
        ))),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(16 * 1024 * 1024)
        .enable_all()
        .build()
        .map_err(|e| Fatal::Usage(format!("cannot start the async runtime: {e}")))
}

/// Run `work` with a runtime of its own, on a thread with room for the SDK's
/// futures (in debug builds, polling them needs megabytes of stack).
fn on_runtime<R: Send>(work: impl FnOnce(&tokio::runtime::Runtime) -> R + Send) -> Result<R, Fatal> {
    let runtime = runtime()?;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("live-inspection".into())
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, || work(&runtime))
            .map_err(|e| Fatal::Usage(format!("cannot start live inspection: {e}")))?
            .join()
            .map_err(|_| Fatal::Usage("live inspection stopped unexpectedly".into()))
    })
}

/// The account's own record of recent failures (`triage --from-account`), read
/// with the doctor's credentials.
pub(crate) fn history(
    conn: &Connection,
    options: &LiveOptions,
    since: jiff::Timestamp,
    tracker: &Tracker,
) -> Result<history::History, Fatal> {
    check_endpoint_overrides()?;
    on_runtime(|runtime| {
        runtime.block_on(Box::pin(async {
            let config = Box::pin(sdk_config(conn, options, &network::http_client())).await;
            let athena = aws_sdk_athena::Client::new(&config);
            let cloudtrail = aws_sdk_cloudtrail::Client::new(&config);
            Box::pin(history::recent(conn, &athena, &cloudtrail, since, tracker)).await
        }))
    })
}

/// Run `a` and `b` at once, or one after the other when measuring.
async fn both<A: std::future::Future, B: std::future::Future>(
    tracker: &Tracker,
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    if tracker.sequential {
        let x = a.await;
        (x, b.await)
    } else {
        tokio::join!(a, b)
    }
}

async fn gather(conn: &Connection, c: &Clients, t: &Tracker) -> Inspection {
    let target = Target::of(conn);
    let mut buckets: Vec<String> = target.results_bucket.iter().cloned().collect();
    buckets.extend(target.data_buckets.iter().cloned());
    buckets.dedup();
    let caller = t.read(
        &c.reads,
        String::new(),
        "sts:GetCallerIdentity",
        "sts:GetCallerIdentity",
        c.sts.get_caller_identity().send(),
        |o| o.arn().unwrap_or_default().to_string(),
    );
    // The profile chain's other roles, read once the doctor's own account is
    // known (iam:GetRole names a role of that account only).
    let caller = Box::pin(async {
        let caller = caller.await;
        let account = caller
            .known()
            .ok()
            .and_then(|arn| crate::aws::arn::Arn::parse(arn).ok())
            .map(|a| a.account);
        let chain = Box::pin(iam::chain_trust(conn, account.as_deref(), c, t)).await;
        (caller, chain)
    });
    let principal = async {
        match conn.auth.auth_type {
            Some(AuthType::CrossAccountRole) => iam::role(conn, c, t).await,
            Some(AuthType::AccessKey) => iam::user(conn, c, t).await,
            None => iam::IamFacts::not_collected("needs auth.type"),
        }
    };
    // A bucket's key is read once its encryption is: the key policy must allow too.
    let storage = async {
        let (facts, policies) = s3::buckets(&buckets, c, t).await;
        let mut names: Vec<String> = facts
            .values()
            .filter_map(|b| match &b.kms_key {
                Observed::Known(Some(k)) => Some(k.clone()),
                _ => None,
            })
            .filter(|k| !crate::facts::is_aws_s3_alias(k))
            .collect();
        names.sort();
        names.dedup();
        let keys = kms::keys(names, c, t).await;
        (facts, policies, keys)
    };
    // The workgroup's settings name a result key and the owner its results
    // bucket must have: each read as soon as the workgroup is.
    let workgroup = Box::pin(async {
        let workgroup = Box::pin(athena::workgroup(&target.workgroup, c, t)).await;
        let settings = match &workgroup {
            Observed::Known(Some(w)) => w.settings.known().ok().cloned(),
            _ => None,
        };
        let keys = settings
            .iter()
            .flat_map(|s| [&s.result_key, &s.managed_results_key]);
        let keys = Box::pin(kms::keys(keys.flatten().cloned().collect(), c, t));
        let owner = Box::pin(async {
            match (
                settings.as_ref().and_then(|s| s.expected_bucket_owner.as_ref()),
                &target.results_bucket,
            ) {
                (Some(owner), Some(bucket)) => {
                    Some((bucket.clone(), s3::owned_by(bucket, owner, c, t).await))
                }
                _ => None,
            }
        });
        let (keys, owner) = both(t, keys, owner).await;
        (workgroup, keys, owner)
    });
    let catalog_key = Box::pin(async {
        let key = Box::pin(athena::catalog_key(c, t)).await;
        let names = match &key {
            Observed::Known(Some(k)) if !k.ends_with("alias/aws/glue") => vec![k.clone()],
            _ => Vec::new(),
        };
        (key, Box::pin(kms::keys(names, c, t)).await)
    });
    let catalog = Box::pin(athena::catalog(conn, &target, c, t));
    // Independent of the rest: off the critical path. Beside boxed futures only:
    // a join moves its futures, and in debug builds `caller` and `principal`
    // moved once more overflow the stack.
    let organization = Box::pin(org::policies(target.account.as_deref(), c, t));
    let ((caller, principal), ((storage, catalog), ((workgroup, catalog_key), organization))) = both(
        t,
        both(t, caller, principal),
        both(
            t,
            both(t, storage, catalog),
            both(t, both(t, workgroup, catalog_key), organization),
        ),
    )
    .await;
    let (caller, chain_trust) = caller;
    let (mut bucket_facts, bucket_policies, mut keys) = storage;
    let (catalogs, databases, tables) = catalog;
    let (workgroup, workgroup_keys, owner) = workgroup;
    let (catalog_key, catalog_keys) = catalog_key;
    keys.extend(workgroup_keys);
    keys.extend(catalog_keys);
    // Refused with the owner named and answered without it: another owner. Any
    // other failure leaves the owner unknown.
    if let Some((bucket, owned)) = owner
        && let Some(b) = bucket_facts.get_mut(&bucket)
    {
        b.expected_owner = match owned {
            Observed::Failed(f)
                if f.kind == crate::facts::FailureKind::Denied && b.exists == Observed::Known(true) =>
            {
                Observed::Known(false)
            }
            other => other,
        };
    }
    Inspection {
        live: LiveFacts {
            caller,
            role: principal.role,
            buckets: bucket_facts,
            workgroup,
            catalogs,
            databases,
            tables,
            probes: Observed::NotCollected("not probed".into()),
            network: Observed::NotCollected("not checked".into()),
            keys,
            catalog_key,
        },
        identity_policies: principal.identity,
        permissions_boundary: principal.boundary,
        trust_policy: principal.trust,
        bucket_policies,
        organization,
        chain_trust,
        endpoints: ec2::Found {
            policies: Observed::NotCollected("not read".into()),
            unknown: BTreeMap::new(),
        },
    }
}
