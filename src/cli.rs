//! The command line, declared with clap.

use crate::report::FailOn;
// `--color`'s values are style's: it decides colour, the command line only reads it.
use crate::style::ColorChoice;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const DOCTOR_EXAMPLES: &str = "\
Examples:
  athena-doctor doctor --offline --config fixtures/examples/acme.toml
  athena-doctor doctor --offline --format json --config connection.json \\
    --output report.json
  ATHENA_DOCTOR_SECRET_ACCESS_KEY=… athena-doctor doctor --offline \\
    --config access-key.toml
  athena-doctor doctor --offline --config c.toml --policy role-policy.json \\
    --bucket-policy bucket.json
  athena-doctor doctor --config c.toml --profile vendor --probe-query
  athena-doctor explain CATALOG001
  athena-doctor doctor --offline --connections fleet/ --format json \\
    -o fleet.json
  athena-doctor doctor --connections customers.jsonl --jobs 32 --per-account 2
  athena-doctor doctor --offline --connections fleet/ --shard 2/4 \\
    --format json -o shard-2.json
  terraform show -json plan.bin > plan.json
  athena-doctor doctor --offline --config c.toml --terraform-plan plan.json \\
    --format github
  athena-doctor doctor --offline --config c.toml --cloudformation role.yaml \\
    --fix-format cloudformation

Live mode (without --offline or --snapshot) reads the account and probes the
connection: the access key with sts:GetCallerIdentity, or the role with
sts:AssumeRole with and without the External ID (from your credentials, which for
a role connection should be the vendor's), then athena:GetWorkGroup,
ListDataCatalogs, glue:GetDatabases and s3:HeadBucket with the connection's
credentials. Only --probe-query writes (one small query result object).

Exit status: 0 no finding at or above --fail-on; 1 findings at or above it;
2 usage, configuration or input error (with file, line and column). A fleet's
status is the whole fleet's; a connection that could not be read is an entry
with its error, the others still run, and the status is 2.

The secret access key is never taken from the command line: set
ATHENA_DOCTOR_SECRET_ACCESS_KEY, or use --secret-file or --secret-stdin.";

const MERGE_EXAMPLES: &str = "\
Examples:
  athena-doctor doctor --offline --connections fleet/ --shard 1/3 \\
    --format json -o shard-1.json
  athena-doctor merge shard-*.json
  athena-doctor merge --format sarif -o fleet.sarif shard-*.json

A connection in two reports is an error (exit 2): shards never overlap.
Exit status: 0 no finding at or above --fail-on; 1 findings at or above it; 2 bad
input, or a connection of the fleet that could not be read.";

const TRIAGE_EXAMPLES: &str = "\
Examples:
  athena-doctor triage 'Unable to verify/create output bucket acme-results'
  pbpaste | athena-doctor triage
  athena-doctor triage --format json - < customer-log.txt
  athena-doctor triage --offline -c acme.toml --policy role-policy.json \\
    - < error.txt
  athena-doctor triage --snapshot customer.json - < error.txt
  athena-doctor triage --from-account -c acme.toml --since 6h

With --config (or --snapshot) the doctor also runs the rules the causes name, on
the connection, and marks each cause confirmed, ruled out, or not checkable.
With --from-account it also reads, read-only, what the account recorded: the
workgroup's failed queries and the principal's refused calls in CloudTrail, each
triaged like a pasted message.

Exit status: 0 whether or not anything was recognised; 2 unreadable input.";

#[derive(Debug, Parser)]
#[command(
    name = "athena-doctor",
    version,
    about = "Explains why a BI tool's connection to Amazon Athena fails, and prints the JSON that fixes it",
    after_help = "Run `athena-doctor doctor --help` for examples."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Read every connection as this tool's source instead of telling it by its
    /// content: `omni` (TOML/JSON), `jdbc` (a `jdbc:awsathena://` or
    /// `jdbc:athena://` URL), `sqlalchemy` (`awsathena+rest://…`), `odbc` (an
    /// odbc.ini DSN or a .reg export).
    #[arg(long, global = true, value_name = "KIND", value_parser = crate::connection::SourceKind::NAMES)]
    pub source: Option<String>,
    /// An AWS shared config file (`~/.aws/config`): when a source names a
    /// profile (dbt's `aws_profile_name`, Grafana's `jsonData.profile`,
    /// PyAthena's `profile_name`), its chain is followed there; its region, role
    /// and External ID fill what the source leaves blank.
    #[arg(long, global = true, value_name = "FILE")]
    pub profile_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run every rule over a connection and print the findings.
    #[command(visible_alias = "check", after_help = DOCTOR_EXAMPLES)]
    Doctor(Box<DoctorArgs>),
    /// List the rule catalogue.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Inspect the account live (read-only) and write the facts as a snapshot,
    /// secrets removed, to replay later with `doctor --snapshot FILE`.
    Snapshot {
        /// The connection file.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "athena-doctor.toml")]
        config: PathBuf,
        /// Where to write the snapshot (standard output when absent).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Read the connection's secret access key from FILE (one line), as
        /// `doctor` does: the probes sign with it; the snapshot never holds it.
        #[arg(long, value_name = "FILE")]
        secret_file: Option<PathBuf>,
        #[command(flatten)]
        live: Box<LiveArgs>,
        /// The organization's and the endpoints' policies, kept in the snapshot.
        #[command(flatten)]
        guards: GuardArgs,
    },
    /// Print the least-privilege permissions policy (and, for a role, the trust
    /// policy) the connection needs, from scratch.
    Policy {
        /// The connection file.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "athena-doctor.toml")]
        config: PathBuf,
        /// Start from a snapshot (`athena-doctor snapshot`) instead: its connection,
        /// and the KMS keys its buckets encrypt with, which the policy then grants
        /// (kms:GenerateDataKey and kms:Decrypt on the results bucket's key,
        /// kms:Decrypt on a data bucket's).
        #[arg(long, value_name = "FILE", conflicts_with = "config")]
        snapshot: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Print a shell completion script (from this command line's definition).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Read an error message (or a whole log excerpt) and list the rules that
    /// explain it, most likely first, with what to check and what to ask for.
    #[command(after_help = TRIAGE_EXAMPLES)]
    Triage(Box<TriageArgs>),
    /// Would this principal be allowed this action on this resource? The IAM
    /// evaluator the permission rules use, on any request: the decision and the
    /// statements that decided it.
    #[command(after_help = SIMULATE_EXAMPLES)]
    Simulate(Box<SimulateArgs>),
    /// What pre-commit runs: the offline doctor on each changed connection file,
    /// and on the connection beside each changed policy file, with the policy
    /// files its name puts beside it (N.toml: N.trust.json, N.policy.json,
    /// N.policy.*.json, N.boundary.json, N.bucket-policy.json).
    Hook {
        /// The changed files.
        files: Vec<PathBuf>,
    },
    /// Join fleet JSON reports (the shards of `doctor --connections … --shard K/N
    /// --format json`, or single reports) into one fleet report, in any format.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(Box<MergeArgs>),
    /// Print a rule's documentation.
    Explain {
        /// A rule code (CATALOG001) or name (catalog-not-lowercase).
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct DoctorArgs {
    /// The connection file (TOML, or JSON: nested, or keyed by the form's labels).
    #[arg(long, short = 'c', value_name = "FILE", default_value = "athena-doctor.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub fleet: FleetArgs,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write SARIF 2.1.0 to FILE (code scanning), in the same run.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the v1 JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the Markdown summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write the self-contained HTML report to FILE (to attach to a ticket).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Report only these rules: codes, names or families (TRUST), comma-separated.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave these rules out: codes, names or families, comma-separated. (To keep a
    /// finding visible with a reason, use `[doctor] ignore` in the connection file.)
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 0 whatever the findings (2 still means bad input).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only failures and the summary.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The lowest severity that makes the run exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Also show passed checks, and skipped ones with their reasons.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Write the fixes to DIR: each corrected policy document (named after its
    /// target), the corrected connection file, and apply.sh with the AWS CLI
    /// commands in order. Never overwrites an input; never runs anything.
    #[arg(long, value_name = "DIR")]
    pub write_fixes: Option<PathBuf>,
    /// The form fixes are printed in: json (the corrected documents), cli (and the
    /// AWS CLI command), terraform or cloudformation (a snippet naming the
    /// resource and line to change). Default: the input's own — terraform with
    /// --terraform-plan, cloudformation with --cloudformation, else cli.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub fix_format: Option<crate::fix::iac::FixFormat>,
    /// With --write-fixes: include unsafe fixes (a person should confirm them) in
    /// the files and apply.sh instead of leaving them commented out.
    #[arg(long, requires = "write_fixes")]
    pub unsafe_fixes: bool,
}

impl DoctorArgs {
    /// The extra report files of the run (`--sarif FILE`, …), each with its format.
    pub(crate) fn extra_outputs(&self) -> Vec<(&std::path::Path, Format)> {
        [
            (&self.sarif, Format::Sarif),
            (&self.junit, Format::Junit),
            (&self.json, Format::Json),
            (&self.markdown, Format::Markdown),
            (&self.html, Format::Html),
        ]
        .into_iter()
        .filter_map(|(path, format)| Some((path.as_deref()?, format)))
        .collect()
    }
}

/// Many connections in one run: a fleet report (JSON v1 with one entry a
/// connection), bounded concurrency, and shards for a CI matrix.
#[derive(Debug, clap::Args)]
pub(crate) struct FleetArgs {
    /// Judge every connection file under DIR (recursively; each with the policy
    /// files its name puts beside it: N.trust.json, N.policy.json,
    /// N.policy.*.json, N.boundary.json, N.bucket-policy.json, N.secret), or every
    /// line of FILE.jsonl (one connection object a line). With --snapshot DIR
    /// instead, replay every snapshot under DIR.
    #[arg(long, value_name = "DIR|FILE.jsonl", conflicts_with_all = [
        "snapshot", "policies", "boundary", "bucket_policies", "trust_policy",
        "secret_file", "secret_stdin", "write_fixes", "terraform_plan", "cloudformation"])]
    pub connections: Option<PathBuf>,
    /// How many connections at once (default: the machine's cores offline, 32 live: live work waits on AWS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Live: at most N connections of one AWS account at once, so one customer's
    /// API quota is never hammered (throttling still shows as skips).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub per_account: u16,
    /// Judge only shard K of N (1-based; or index=I/N, 0-based, for Kubernetes'
    /// JOB_COMPLETION_INDEX): a member's shard depends on its name alone, so a CI
    /// matrix or an Indexed Job splits the fleet, and `athena-doctor merge` joins
    /// the shards' JSON reports.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::collect::fleet::Shard>,
}

/// Where the facts about a connection come from: the connection file alone
/// (`--offline`), a snapshot, or the account (live), plus policy files.
#[derive(Debug, clap::Args)]
pub(crate) struct Sources {
    /// Use only files: make no AWS call.
    #[arg(long, conflicts_with = "snapshot")]
    pub offline: bool,
    /// Replay a snapshot written by `athena-doctor snapshot` instead of reading the
    /// connection file and the account.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// An identity policy of the connection's principal (repeatable): a policy
    /// document, URL-encoded or not, or the JSON of `aws iam get-role-policy` /
    /// `get-policy-version`.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// The principal's permissions boundary (a policy document).
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// A bucket policy: FILE for the results bucket, BUCKET=FILE for another
    /// (repeatable); also the JSON of `aws s3api get-bucket-policy`.
    #[arg(long = "bucket-policy", value_name = "[BUCKET=]FILE")]
    pub bucket_policies: Vec<String>,
    /// The role's trust policy: a document, URL-encoded or not, or the JSON of
    /// `aws iam get-role`. ROLE_ARN=FILE (repeatable) gives the trust policy of
    /// a role of the AWS profile chain (`--profile-file`), judged hop by hop.
    #[arg(long, value_name = "[ROLE_ARN=]FILE")]
    pub trust_policy: Vec<String>,
    /// A Terraform plan as JSON (`terraform show -json PLAN > plan.json`): check
    /// the role, its policies and the bucket policies as they will be after
    /// apply. Findings point at the `.tf` lines beside the plan (see
    /// --terraform-source).
    #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["snapshot", "cloudformation"])]
    pub terraform_plan: Option<PathBuf>,
    /// The root module's directory, whose `.tf` files findings point into
    /// (default: the plan's directory).
    #[arg(long, value_name = "DIR", requires = "terraform_plan")]
    pub terraform_source: Option<PathBuf>,
    /// A CloudFormation template (YAML or JSON): check the role, its policies and
    /// the bucket policies it declares, before deploy.
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "snapshot")]
    pub cloudformation: Option<PathBuf>,
    /// The role's resource in the plan or template (`aws_iam_role.athena`,
    /// `module.iam.aws_iam_role.this`, or a logical ID), for a role whose name is
    /// known only after apply. By default the role is found by the name in the
    /// connection's role ARN.
    #[arg(long, value_name = "ADDRESS")]
    pub iac_role: Option<String>,
    /// Read the secret access key from FILE (one line).
    #[arg(long, value_name = "FILE", conflicts_with = "secret_stdin")]
    pub secret_file: Option<PathBuf>,
    /// Read the secret access key from standard input.
    #[arg(long)]
    pub secret_stdin: bool,
    #[command(flatten)]
    pub guards: GuardArgs,
}

/// The policies above the account's own, as files. Live, the organization's
/// SCPs and RCPs are read where the credentials may (collect/live/org.rs); a
/// file given wins over that read, kind by kind. With --snapshot they are added
/// to the snapshot's facts.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct GuardArgs {
    /// A service control policy of the organization (repeatable): the JSON of
    /// `aws organizations describe-policy`, or the bare document. Each file is
    /// one level of the organization (the root, an OU, the account), which must
    /// allow every request (several SCPs at one level: their statements in one
    /// document); a file of Deny statements alone is taken to sit beside
    /// FullAWSAccess, and what that leaves open is reported as unknown. Live,
    /// the SCPs are read from AWS Organizations (organizations:ListParents,
    /// ListPoliciesForTarget, DescribePolicy: the management account or a
    /// delegated administrator may); --scp given wins over that read.
    #[arg(long = "scp", value_name = "FILE")]
    pub scps: Vec<PathBuf>,
    /// A resource control policy of the resources' account (repeatable), as
    /// --scp takes them; live, read as the SCPs are, and --rcp given wins.
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// The policy of the VPC endpoint a service's traffic goes through
    /// (repeatable; SERVICE: s3, athena, glue, sts, kms): the document, or the
    /// JSON of `aws ec2 describe-vpc-endpoints` for that one endpoint. Live,
    /// the endpoints are read instead (--vpc-endpoint, --vpc, or an endpoint
    /// resolved to private addresses); given, this wins and nothing is read.
    #[arg(long = "endpoint-policy", value_name = "SERVICE=FILE")]
    pub endpoints: Vec<String>,
    /// The session policy the BI tool passes on AssumeRole (a policy
    /// document): the session may do only what both it and the role's
    /// policies allow. Never read live (AWS does not store it).
    #[arg(long = "session-policy", value_name = "FILE")]
    pub session: Option<PathBuf>,
}

const SIMULATE_EXAMPLES: &str = "\
Examples:
  athena-doctor simulate \\
    --principal arn:aws:iam::111122223333:role/bi-athena \\
    --action s3:GetObject \\
    --resource arn:aws:s3:::acme-lake/sales/part-0.parquet \\
    --policy role-policy.json
  athena-doctor simulate \\
    --principal arn:aws:sts::111122223333:assumed-role/bi-athena/omni \\
    --action s3:PutObject --resource arn:aws:s3:::shared-results/omni/x \\
    --resource-account 444455556666 \\
    --policy role-policy.json --resource-policy bucket-policy.json \\
    --context aws:SecureTransport=true
  athena-doctor simulate --principal arn:aws:iam::999988887777:root \\
    --action sts:AssumeRole \\
    --resource arn:aws:iam::111122223333:role/bi-athena \\
    --resource-policy trust.json --context sts:ExternalId=omni-4f2a9c
  athena-doctor simulate --principal cloudtrail.amazonaws.com \\
    --action s3:PutObject \\
    --resource arn:aws:s3:::acme-trail/AWSLogs/111122223333/x \\
    --resource-policy bucket-policy.json

Decisions: allow, implicit-deny, explicit-deny, or unknown (it depends on a
condition key the request does not give: --context KEY=VALUE gives it; a repeated
key is multi-valued; --context '!KEY' says the request does not carry it). The
request supplies aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
aws:username (a user), aws:userid (an account), aws:PrincipalIsAWSService,
aws:PrincipalServiceName (a service), aws:ResourceAccount, and aws:CurrentTime /
aws:EpochTime (now); a unique ID, the source IP, TLS, MFA and tags stay unknown.
Exit status: 0 allow; 1 any other decision; 2 bad input.
";

#[derive(Debug, clap::Args)]
pub(crate) struct SimulateArgs {
    /// Who asks: a role, a role session (arn:aws:sts::A:assumed-role/ROLE/SESSION),
    /// a user, an account (arn:aws:iam::A:root), or an AWS service principal
    /// (athena.amazonaws.com), which only a resource policy can let in.
    #[arg(long, value_name = "ARN")]
    pub principal: String,
    /// The action, as IAM names it (s3:GetObject).
    #[arg(long, value_name = "ACTION")]
    pub action: String,
    /// The resource's ARN.
    #[arg(long, value_name = "ARN")]
    pub resource: String,
    /// The account that owns the resource, when its ARN does not say (S3): a
    /// different account from the principal's makes the request cross-account.
    #[arg(long, value_name = "ID")]
    pub resource_account: Option<String>,
    /// A condition key's value (repeatable; a repeated key is multi-valued), or
    /// `!KEY` for a key the request does not carry.
    #[arg(long, value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// An identity policy of the principal (repeatable).
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// A session policy passed on AssumeRole: it caps the session as a
    /// boundary does, except what a resource policy grants the session's ARN.
    #[arg(long = "session-policy", value_name = "FILE")]
    pub session_policy: Option<PathBuf>,
    /// The resource's own policy: a bucket policy, or a role's trust policy for
    /// sts:AssumeRole on the role.
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MergeArgs {
    /// The reports: fleet JSON v1, or single-connection JSON v1.
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The lowest severity that makes the merge exit 1 (over the whole fleet).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Exit 0 whatever the findings (2 still means bad input).
    #[arg(long)]
    pub exit_zero: bool,
    /// Show every connection in the matrix, not only those with findings.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct TriageArgs {
    /// The error text; several arguments are read as several lines. `-`, or
    /// nothing: read it from standard input.
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Also check the causes on this connection (offline with --offline, from
    /// the account otherwise).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub sources: Sources,
    /// Also triage what the account recorded as failed (read-only, with your own
    /// credentials): the workgroup's failed queries (athena:ListQueryExecutions,
    /// athena:BatchGetQueryExecution) and the connection principal's refused calls
    /// in CloudTrail (cloudtrail:LookupEvents). Needs --config.
    #[arg(long, requires = "config", conflicts_with_all = ["offline", "snapshot"])]
    pub from_account: bool,
    /// With --from-account: how far back to look, as a duration (24h, 90m, 7d) or
    /// a time (2026-11-30T10:00:00Z). Default: 24h.
    #[arg(long, value_name = "WHEN", requires = "from_account")]
    pub since: Option<String>,
    /// Colour: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// How live inspection reaches AWS. It only reads (Get*, List*, Head*, Describe*,
/// sts:GetCallerIdentity) and probes (sts:AssumeRole; the reads again with the
/// connection's own credentials); nothing is ever changed. `--probe-query` is the
/// only option that makes AWS write anything.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LiveArgs {
    /// The AWS profile for the doctor's own calls (standard chain otherwise:
    /// environment, profile, SSO, credential_process, web identity).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region for the doctor's own calls (the connection's by default).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Allow credentials from the EC2 instance metadata service (off by default).
    #[arg(long)]
    pub imds: bool,
    /// Timeout of each AWS call, in seconds (1 to 86400, a day).
    #[arg(long, value_name = "SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=crate::limits::MAX_SECONDS))]
    pub timeout: u64,
    /// Deadline for the whole live inspection, in seconds (1 to 86400, a day).
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=crate::limits::MAX_SECONDS))]
    pub deadline: u64,
    /// Make the calls one after another (for measuring; slower).
    #[arg(long, hide = true)]
    pub sequential: bool,
    /// Also run `SELECT 1` as the connection (athena:StartQueryExecution, then
    /// GetQueryExecution until it ends). THIS WRITES: Athena stores one small result
    /// object in the output location; it is the doctor's only write.
    #[arg(long, conflicts_with = "no_probes")]
    pub probe_query: bool,
    /// Inspect only: make no call with the connection's credentials and no
    /// AssumeRole (failed AssumeRole attempts show in CloudTrail and may alert).
    #[arg(long)]
    pub no_probes: bool,
    /// The session length, in seconds, the BI tool asks AssumeRole for: the probe
    /// asks for the same, so a role whose MaxSessionDuration is shorter fails here.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(i32).range(900..=43200))]
    pub session_duration: i32,
    /// The port NET003 tries on Athena's host: JDBC/ODBC drivers stream results
    /// over TCP 444 (another port only to test the check on loopback).
    #[arg(long, value_name = "PORT", default_value_t = 444)]
    pub athena_streaming_port: u16,
    /// A VPC endpoint the BI tool's traffic goes through (repeatable,
    /// `vpce-…`): read live (ec2:DescribeVpcEndpoints) and its policy judged
    /// by NET004, for the service its ServiceName names. Without it (or
    /// --vpc), the interface endpoints are read only when the network check
    /// resolves an endpoint to private addresses; --endpoint-policy wins.
    #[arg(long = "vpc-endpoint", value_name = "VPCE_ID", value_parser = vpce_id)]
    pub vpc_endpoints: Vec<String>,
    /// The VPC the BI tool's traffic leaves from (`vpc-…`): its VPC endpoints
    /// of S3 (the gateway endpoint, else the interface endpoint with private
    /// DNS), Athena, Glue, STS and KMS (the interface endpoint with private
    /// DNS) are read live (ec2:DescribeVpcEndpoints) and judged by NET004.
    #[arg(long, value_name = "VPC_ID", value_parser = vpc_id)]
    pub vpc: Option<String>,
}

/// An AWS resource ID: `prefix-` and hexadecimal digits (EC2's IDs).
fn ec2_id(value: &str, prefix: &str) -> Result<String, String> {
    match value.strip_prefix(prefix) {
        Some(hex)
            if (1..=32).contains(&hex.len())
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(value.to_string())
        }
        _ => Err(format!("not an ID of the form {prefix}0123456789abcdef0")),
    }
}

fn vpce_id(value: &str) -> Result<String, String> {
    ec2_id(value, "vpce-")
}

fn vpc_id(value: &str) -> Result<String, String> {
    ec2_id(value, "vpc-")
}

/// `--trust-policy` split: the connection's role's FILE, and `ROLE_ARN=FILE`s.
pub(crate) type TrustPolicies = (Option<PathBuf>, Vec<(String, PathBuf)>);

impl Sources {
    /// `--trust-policy`: the connection's role's FILE (at most one) and the
    /// profile chain's `ROLE_ARN=FILE`s. An argument is `ROLE_ARN=FILE` when it
    /// starts `arn:` and has a `=` (the first whose right side is a file, as a
    /// role's name may hold `=` too); a plain FILE otherwise.
    pub(crate) fn trust_policies(&self) -> Result<TrustPolicies, String> {
        let mut plain: Option<PathBuf> = None;
        let mut hops = Vec::new();
        for arg in &self.trust_policy {
            let splits: Vec<usize> = arg.match_indices('=').map(|(i, _)| i).collect();
            let split = splits
                .iter()
                .find(|&&i| std::path::Path::new(&arg[i + 1..]).exists())
                .or(splits.first())
                .filter(|_| arg.starts_with("arn:"));
            match split {
                Some(&i) => hops.push((arg[..i].to_string(), PathBuf::from(&arg[i + 1..]))),
                None if plain.is_some() => {
                    return Err(format!(
                        "--trust-policy {arg}: the connection's role has one trust policy; name another \
                         role's as ROLE_ARN=FILE"
                    ));
                }
                None => plain = Some(PathBuf::from(arg)),
            }
        }
        Ok((plain, hops))
    }

    /// The plan or template given, if any.
    pub(crate) fn iac(&self) -> Option<crate::collect::iac::IacInput> {
        use crate::collect::iac::IacInput;
        match (&self.terraform_plan, &self.cloudformation) {
            (Some(plan), _) => Some(IacInput::Terraform {
                plan: plan.clone(),
                source: self.terraform_source.clone(),
            }),
            (None, Some(template)) => Some(IacInput::CloudFormation(template.clone())),
            (None, None) => None,
        }
    }
}

impl LiveArgs {
    pub(crate) fn options(&self) -> crate::collect::LiveOptions {
        crate::collect::LiveOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            imds: self.imds,
            timeout: std::time::Duration::from_secs(self.timeout),
            deadline: std::time::Duration::from_secs(self.deadline),
            sequential: self.sequential,
            probe_query: self.probe_query,
            probes: !self.no_probes,
            session_duration: self.session_duration,
            streaming_port: self.athena_streaming_port,
            endpoints: crate::collect::WantedEndpoints {
                endpoint_ids: self.vpc_endpoints.clone(),
                vpc: self.vpc.clone(),
                files: false,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Sarif,
    Github,
    Markdown,
    Junit,
    /// One self-contained HTML page for the customer (no script, no external asset).
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}
