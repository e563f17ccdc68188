//! Facts: everything the rules may know, in one serde struct. Serialised, this is
//! the snapshot format (versioned; it never holds a secret).

use crate::connection::Connection;
use crate::location::Location;
use crate::policy::Policy;
use crate::secret::SecretShape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever a change to `Facts` would make an older snapshot read wrongly.
pub(crate) const FACTS_VERSION: u32 = 1;

/// A fact, or why it is not known: rules that need it skip with that reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "value")]
pub(crate) enum Observed<T> {
    Known(T),
    /// Not collected; the reason says what would collect it.
    NotCollected(String),
    /// The doctor's own call failed: the failure is itself a fact.
    Failed(Failure),
}

/// Why one of the doctor's own AWS calls did not give an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Failure {
    pub kind: FailureKind,
    /// The call, as IAM names it (`iam:GetRole`).
    pub action: String,
    /// AWS's error code (`InvalidClientTokenId`), when it gave one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// AWS's message (or the transport's), as returned.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FailureKind {
    Denied,
    NotFound,
    Throttled,
    Timeout,
    Unreachable,
    /// AWS (or what answers for it) failed on its side: HTTP 5xx.
    ServerError,
    Other,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            FailureKind::Denied => "was denied",
            FailureKind::NotFound => "found nothing",
            FailureKind::Throttled => "was throttled",
            FailureKind::Timeout => "timed out",
            FailureKind::Unreachable => "could not reach AWS",
            FailureKind::ServerError => "failed on AWS's side",
            FailureKind::Other => "failed",
        };
        write!(f, "needs {}, which {what}: {}", self.action, self.message)
    }
}

impl<T> Observed<T> {
    /// The value, or the reason a rule that needs it skips.
    pub(crate) fn known(&self) -> Result<&T, String> {
        match self {
            Observed::Known(v) => Ok(v),
            Observed::NotCollected(why) => Err(why.clone()),
            Observed::Failed(failure) => Err(failure.to_string()),
        }
    }

    pub(crate) fn as_ref(&self) -> Observed<&T> {
        match self {
            Observed::Known(v) => Observed::Known(v),
            Observed::NotCollected(why) => Observed::NotCollected(why.clone()),
            Observed::Failed(failure) => Observed::Failed(failure.clone()),
        }
    }

    /// A fact known only through another (the probes, through the live facts).
    pub(crate) fn and_then<U>(self, f: impl FnOnce(T) -> Observed<U>) -> Observed<U> {
        match self {
            Observed::Known(v) => f(v),
            Observed::NotCollected(why) => Observed::NotCollected(why),
            Observed::Failed(failure) => Observed::Failed(failure),
        }
    }

    /// The same fact, its value changed (a failure stays the failure).
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Observed<U> {
        self.and_then(|v| Observed::Known(f(v)))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Facts {
    pub version: u32,
    pub connection: Connection,
    /// The shape of the secret access key supplied for the connection, if any.
    pub secret: Option<SecretShape>,
    /// The connection principal's identity policies (inline and attached).
    pub identity_policies: Observed<Vec<Policy>>,
    /// The principal's permissions boundary: `Known(None)` when it has none.
    pub permissions_boundary: Observed<Option<Policy>>,
    /// Bucket policies by bucket name; a bucket missing here was not looked at.
    pub bucket_policies: BTreeMap<String, Policy>,
    /// The role's trust policy, or why it could not be read (TRUST005).
    pub trust_policy: Observed<TrustPolicy>,
    /// What only the live account can tell (`NotCollected` offline).
    pub live: Observed<Box<LiveFacts>>,
    /// `AWS_ENDPOINT_URL*` variables in effect: answers may not come from AWS.
    #[serde(default)]
    pub endpoint_overrides: Vec<(String, String)>,
    /// Credential variables of the doctor's environment that are set but blank
    /// (`AWS_ACCESS_KEY_ID=`): names only.
    #[serde(default)]
    pub blank_environment: Vec<String>,
    /// The principal's own resource in the Terraform plan or CloudFormation
    /// template given (`--terraform-plan`, `--cloudformation`): fixes that add a
    /// policy name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_site: Option<crate::policy::site::Site>,
    /// The workgroup and bucket encryption a plan or template declares: what
    /// they will be after apply, preferred to what the account holds today.
    #[serde(default, skip_serializing_if = "Declared::is_empty")]
    pub declared: Declared,
    /// The policies above the account's own: the organization's SCPs and RCPs,
    /// and the policies of the VPC endpoints the traffic goes through (snapshots
    /// from before these existed read as not given).
    #[serde(default)]
    pub guardrails: Guardrails,
    /// The trust policies of the profile chain's roles (`Auth::chain`), by role
    /// ARN: `--trust-policy ROLE_ARN=FILE`, or live `iam:GetRole` on each (the
    /// connection's own role is `trust_policy`). A role missing here was not
    /// looked at (TRUST007 skips its hop, saying so).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub chain_trust: BTreeMap<String, Observed<TrustPolicy>>,
}

/// What `--scp`, `--rcp` and `--endpoint-policy` tell, or, live, what the
/// organization's own reads (`collect/live/org.rs`) and EC2's VPC endpoints
/// (`collect/live/ec2.rs`) tell; the flags win, kind by kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Guardrails {
    /// Service control policies, one list per level of the organization (the
    /// root, each OU, the account): every level must allow a request. Known and
    /// empty only when read live and none applies (`organization` says why).
    pub scps: Observed<Vec<Vec<Policy>>>,
    /// Resource control policies of the resources' account, one list per level.
    pub rcps: Observed<Vec<Vec<Policy>>>,
    /// VPC endpoint policies by service (`s3`, `athena`, `glue`, `sts`, `kms`):
    /// from `--endpoint-policy`, or read live (`collect/live/ec2.rs`).
    pub endpoints: Observed<BTreeMap<String, Policy>>,
    /// Services whose traffic goes through a VPC endpoint whose policy the live
    /// read could not tell (which endpoint, or its policy), with why: NET004
    /// skips each saying so, never passes it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints_unknown: BTreeMap<String, String>,
    /// The organization as the live reads saw it, when they did: why a kind's
    /// list is empty (the management account, the kind not enabled, no
    /// organization). Snapshots from before live reads hold none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// The session policy the BI tool passes on AssumeRole (`--session-policy`):
    /// the session's permissions are its intersection with the role's. Never
    /// readable from the account; `None` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Policy>,
}

/// The connection's account in its organization, read live
/// (`organizations:DescribeOrganization`, `ListRoots`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Organization {
    /// The account whose policies were read: the connection's.
    pub account: String,
    /// `o-…`; `None` when the account is in no organization.
    pub id: Option<String>,
    /// The organization's management account.
    pub management_account: Option<String>,
    /// The policy types enabled in the root (`SERVICE_CONTROL_POLICY`,
    /// `RESOURCE_CONTROL_POLICY`): a type not enabled applies nowhere.
    #[serde(default)]
    pub enabled: Vec<String>,
}

impl Organization {
    /// Why no policy of `kind` (`SERVICE_CONTROL_POLICY`) applies to the
    /// account, if none does (AWS Organizations User Guide, "Service control
    /// policies (SCPs)": they "don't affect users or roles in the management
    /// account"; the same of RCPs; a policy type applies only once enabled in
    /// the root).
    pub(crate) fn exempt(&self, kind: &str, short: &str) -> Option<String> {
        let account = &self.account;
        let Some(id) = &self.id else {
            return Some(format!(
                "account {account} is in no organization: no {short} applies to it"
            ));
        };
        if self.management_account.as_deref() == Some(account.as_str()) {
            return Some(format!(
                "account {account} is the management account of {id}: {short}s do not apply to it"
            ));
        }
        (!self.enabled.iter().any(|k| k == kind)).then(|| {
            format!("{short}s are not enabled in the root of {id}: none applies to account {account}")
        })
    }
}

impl Guardrails {
    /// None given, each for `why`.
    pub(crate) fn unknown(why: &str) -> Guardrails {
        Guardrails {
            scps: Observed::NotCollected(why.into()),
            rcps: Observed::NotCollected(why.into()),
            endpoints: Observed::NotCollected(why.into()),
            endpoints_unknown: BTreeMap::new(),
            organization: None,
            session: None,
        }
    }
}

impl Default for Guardrails {
    /// What a snapshot from before guardrails existed holds.
    fn default() -> Guardrails {
        Guardrails::unknown(
            "the snapshot holds no organization or endpoint policy: pass --scp/--rcp/--endpoint-policy",
        )
    }
}

/// Resources other than policies that a Terraform plan or CloudFormation
/// template declares, each with where it is written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Declared {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workgroup: Option<(WorkgroupFacts, crate::policy::site::Site)>,
    /// Default encryption by bucket: the KMS key when SSE-KMS (unknown when the
    /// key is known only after apply).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bucket_keys: BTreeMap<String, Observed<Option<String>>>,
}

impl Declared {
    pub(crate) fn is_empty(&self) -> bool {
        self.workgroup.is_none() && self.bucket_keys.is_empty()
    }
}

/// Facts read from the account by live inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct LiveFacts {
    /// Who the doctor itself is (`sts:GetCallerIdentity`).
    pub caller: Observed<String>,
    /// The role, for role connections (`iam:GetRole`).
    pub role: Observed<RoleFacts>,
    /// The results bucket and data buckets, by name.
    pub buckets: BTreeMap<String, BucketFacts>,
    /// The connection's workgroup (`athena:GetWorkGroup`); `None` when it does not exist.
    pub workgroup: Observed<Option<WorkgroupFacts>>,
    /// Every catalog in the region with its type (`athena:ListDataCatalogs` + `GetDataCatalog`).
    pub catalogs: Observed<Vec<CatalogFacts>>,
    /// Database names by catalog (Glue `GetDatabases`, Athena `ListDatabases` for others).
    pub databases: BTreeMap<String, Observed<Vec<String>>>,
    /// Tables of the included schemas (Glue `GetTables`), by schema.
    pub tables: BTreeMap<String, Observed<Vec<TableFacts>>>,
    /// The connection tried as the BI tool tries it (snapshots from before probes
    /// existed read as not collected).
    #[serde(default = "probes_not_collected")]
    pub probes: Observed<ProbeFacts>,
    /// The network under the calls: each endpoint resolved, connected and shaken
    /// hands with (snapshots from before this existed read as not checked).
    #[serde(default = "network_not_checked")]
    pub network: Observed<NetworkFacts>,
    /// The KMS keys the buckets' default encryption, the workgroup's result
    /// encryption and the Glue Data Catalog's encryption name, by the name they
    /// give (`kms:DescribeKey`, then `kms:GetKeyPolicy` of a customer key).
    /// Snapshots from before this existed hold none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, Observed<KmsKey>>,
    /// The Glue Data Catalog's encryption at rest
    /// (`glue:GetDataCatalogEncryptionSettings`): the KMS key when `SSE-KMS`.
    #[serde(default = "catalog_encryption_not_collected")]
    pub catalog_key: Observed<Option<String>>,
}

fn catalog_encryption_not_collected() -> Observed<Option<String>> {
    Observed::NotCollected("the snapshot predates the Glue Data Catalog's encryption settings".into())
}

/// The AWS managed key of S3, as a bucket's encryption names it.
pub(crate) fn is_aws_s3_alias(key: &str) -> bool {
    key == "aws/s3" || key.ends_with("alias/aws/s3")
}

/// A KMS key a bucket encrypts with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct KmsKey {
    /// The key's ARN (`DescribeKey` resolves an ID or alias to it).
    pub arn: String,
    /// Managed by AWS (`aws/s3`): its policy lets the account's principals use it
    /// through S3, and cannot be changed.
    pub aws_managed: bool,
    /// The key policy (`default`), for a customer-managed key.
    pub policy: Observed<Policy>,
}

fn probes_not_collected() -> Observed<ProbeFacts> {
    Observed::NotCollected("the snapshot holds no probes".into())
}

fn network_not_checked() -> Observed<NetworkFacts> {
    Observed::NotCollected("the snapshot holds no network check".into())
}

/// Every endpoint the doctor calls, reached or not, and the Athena streaming port.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct NetworkFacts {
    pub endpoints: Vec<EndpointFacts>,
    /// TCP to Athena's host on the JDBC/ODBC streaming port (444).
    pub streaming: Observed<Reach>,
    /// The streaming port tried.
    pub streaming_port: u16,
}

/// One endpoint: where it is, how it was reached, and the proxy settings for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndpointFacts {
    /// `sts`, `iam`, `s3`, `athena`, `glue`.
    pub service: String,
    /// The URL the calls go to: an `AWS_ENDPOINT_URL*` override, or AWS's own.
    pub url: String,
    pub host: String,
    pub port: u16,
    /// The addresses the name resolved to.
    pub addresses: Vec<String>,
    /// The proxy the environment names for this URL (credentials removed), and
    /// whether `NO_PROXY` exempts the host.
    pub proxy: Option<String>,
    pub no_proxy_exempts: bool,
    pub reach: Reach,
}

/// How far a connection got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub(crate) enum Reach {
    /// Resolved, connected, and shook hands (or answered, for `http://`).
    Reached,
    /// The name did not resolve: `nxdomain` when it does not exist, else DNS gave
    /// no answer.
    Dns { nxdomain: bool, message: String },
    /// Something answered the connection with a refusal (nothing listens).
    Refused,
    /// No answer in time; `at` is the step: `connect`, `TLS handshake`, `answer`.
    TimedOut { at: String },
    /// The TLS handshake failed; for an untrusted certificate, the certificate
    /// presented.
    Tls {
        message: String,
        untrusted: bool,
        subject: Option<String>,
        issuer: Option<String>,
    },
    /// Anything else (network unreachable, reset).
    Failed { message: String },
}

/// What the connection's own credentials could do. Session credentials obtained
/// here are used and dropped; only identities and outcomes are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProbeFacts {
    /// Access-key connections: `sts:GetCallerIdentity` signed with the connection's
    /// key and secret — the ARN it answers with.
    pub credentials: Observed<String>,
    /// Role connections: `sts:AssumeRole` with the External ID from the doctor's own
    /// (vendor-side) credentials — the assumed-role ARN.
    pub assume_with_id: Observed<String>,
    /// The same AssumeRole without any External ID.
    pub assume_without_id: Observed<String>,
    /// The session length asked for (`DurationSeconds`).
    pub session_duration: i32,
    /// Read calls made with the connection's effective credentials.
    pub calls: Vec<ProbeCall>,
    /// The opt-in `SELECT 1` (`--probe-query`).
    pub query: Observed<QueryProbe>,
    /// The tables of each included schema as the connection sees them (Glue
    /// `GetTables` with its credentials): Lake Formation filters, it does not fail.
    #[serde(default)]
    pub tables: BTreeMap<String, Observed<Vec<String>>>,
}

/// One call made with the connection's effective credentials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProbeCall {
    /// The IAM action it needs (`s3:ListBucket` for `HeadBucket`).
    pub action: String,
    /// The resource the call is about, as an ARN.
    pub resource: String,
    /// A short description of the answer, or why there was none.
    pub outcome: Observed<String>,
}

/// How the opt-in `SELECT 1` ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct QueryProbe {
    pub query_id: String,
    /// SUCCEEDED, FAILED, CANCELLED — or RUNNING when the deadline came first.
    pub state: String,
    /// Athena's `StateChangeReason` (or its error message).
    pub reason: Option<String>,
    /// Where Athena wrote (or meant to write) the result.
    pub output_location: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RoleFacts {
    pub arn: String,
    pub path: String,
    pub max_session_duration: Option<i32>,
    pub boundary_arn: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct BucketFacts {
    /// `HeadBucket`: exists (true), or NotFound.
    pub exists: Observed<bool>,
    /// The bucket's region (`HeadBucket` header, or `GetBucketLocation`: empty is us-east-1).
    pub region: Observed<String>,
    /// Default encryption: the KMS key when SSE-KMS, `None` otherwise.
    pub kms_key: Observed<Option<String>>,
    /// `GetBucketPolicy`: whether the bucket has a policy (the document itself is
    /// in `Facts::bucket_policies`). Snapshots from before it read as not collected.
    #[serde(default = "policy_not_collected")]
    pub policy: Observed<bool>,
    /// `GetBucketRequestPayment`: whether the requester pays (`Payer: Requester`).
    #[serde(default = "payment_not_collected")]
    pub requester_pays: Observed<bool>,
    /// `HeadBucket` with the workgroup's `ExpectedBucketOwner`: whether the bucket
    /// belongs to that account (refused with it, answered without it: `false`;
    /// `NotCollected` when the workgroup expects none).
    #[serde(default = "owner_not_collected")]
    pub expected_owner: Observed<bool>,
}

fn payment_not_collected() -> Observed<bool> {
    Observed::NotCollected("the snapshot does not say who pays for the bucket's requests".into())
}

fn owner_not_collected() -> Observed<bool> {
    Observed::NotCollected("no expected bucket owner was checked".into())
}

fn policy_not_collected() -> Observed<bool> {
    Observed::NotCollected("the snapshot does not say whether the bucket has a policy".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct WorkgroupFacts {
    pub name: String,
    pub enabled: bool,
    /// "Override client-side settings".
    pub enforced: bool,
    pub output_location: Option<String>,
    /// Everything else `GetWorkGroup` says of it (snapshots from before this
    /// existed read as not collected: their workgroup's settings are unknown).
    #[serde(default = "settings_not_collected")]
    pub settings: Observed<WorkgroupSettings>,
}

fn settings_not_collected() -> Observed<WorkgroupSettings> {
    Observed::NotCollected("the snapshot predates workgroup settings (take it again)".into())
}

/// A workgroup's settings that decide whether the BI tool's queries can run, as
/// `GetWorkGroup` answers them (`WorkGroupConfiguration`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WorkgroupSettings {
    /// Query result encryption: `SSE_S3`, `SSE_KMS` or `CSE_KMS`
    /// (`ResultConfiguration.EncryptionConfiguration.EncryptionOption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_encryption: Option<String>,
    /// The KMS key of `SSE_KMS`/`CSE_KMS` result encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_key: Option<String>,
    /// `ResultConfiguration.ExpectedBucketOwner`: the account the results bucket
    /// must belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_bucket_owner: Option<String>,
    /// `ResultConfiguration.AclConfiguration.S3AclOption`
    /// (`BUCKET_OWNER_FULL_CONTROL`): the canned ACL result objects are written with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
    /// `EnableMinimumEncryptionConfiguration`.
    #[serde(default)]
    pub minimum_encryption: bool,
    /// `ManagedQueryResultsConfiguration.Enabled`: Athena keeps the results itself.
    #[serde(default)]
    pub managed_results: bool,
    /// The KMS key managed results are encrypted with, if a customer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_results_key: Option<String>,
    /// `IdentityCenterConfiguration.EnableIdentityCenter`: queries run only as
    /// Identity Center users (trusted identity propagation).
    #[serde(default)]
    pub identity_center: bool,
    /// `QueryResultsS3AccessGrantsConfiguration.EnableS3AccessGrants`.
    #[serde(default)]
    pub access_grants: bool,
    /// The engine: the effective version when AWS says it, else the selected one
    /// (`Athena engine version 3`, `PySpark engine version 3`, `AUTO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// `RequesterPaysEnabled`: queries may read requester pays buckets.
    #[serde(default)]
    pub requester_pays: bool,
    /// `BytesScannedCutoffPerQuery`: a query scanning more is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_cutoff: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CatalogFacts {
    pub name: String,
    /// GLUE, LAMBDA, HIVE, FEDERATED.
    pub kind: String,
    /// For LAMBDA catalogs: the function(s) it invokes.
    pub functions: Vec<String>,
    /// For GLUE catalogs other than the built-in one: the account whose Glue
    /// catalog it is (`catalog-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TableFacts {
    pub name: String,
    pub location: Option<String>,
    pub lake_formation: bool,
}

/// A trust policy as read: valid, or the reason IAM would refuse it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TrustPolicy {
    Valid(Box<Policy>),
    Invalid {
        /// The file, as given.
        path: String,
        location: Option<Location>,
        message: String,
    },
}
