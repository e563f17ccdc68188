//! Offline collection: the connection file and the secret, from files and the
//! environment only.

use crate::connection::{self, FieldId, Loaded};
use crate::error::Fatal;
use crate::facts::{FACTS_VERSION, Facts, Guardrails, Observed, TrustPolicy};
use crate::limits::Input;
use crate::policy::{Policy, PolicyKind};
use crate::secret::{SECRET_ENV, Secret, SecretSource};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the user asked us to read the secret from (never from argv).
#[derive(Debug, Default)]
pub(crate) struct SecretInput {
    pub file: Option<PathBuf>,
    pub stdin: bool,
    /// Do not read `ATHENA_DOCTOR_SECRET_ACCESS_KEY`: in a fleet it would be one
    /// connection's secret given to every connection.
    pub ignore_environment: bool,
}

/// Policy documents given as files.
#[derive(Debug, Default)]
pub(crate) struct PolicyInputs {
    /// `--policy FILE`: the principal's identity policies.
    pub identity: Vec<PathBuf>,
    /// `--boundary FILE`.
    pub boundary: Option<PathBuf>,
    /// `--bucket-policy FILE` (the results bucket) or `--bucket-policy BUCKET=FILE`.
    pub buckets: Vec<String>,
    /// `--trust-policy FILE`: the role's trust policy.
    pub trust: Option<PathBuf>,
    /// `--trust-policy ROLE_ARN=FILE`: the trust policies of the profile
    /// chain's roles (a plain FILE is the connection's role's).
    pub hop_trust: Vec<(String, PathBuf)>,
    /// `--terraform-plan` / `--cloudformation`: what infrastructure as code will
    /// make of the role and buckets (the files above win over it).
    pub iac: Option<super::iac::IacInput>,
    /// `--iac-role`: the role's resource, when its name is known only after apply.
    pub iac_role: Option<String>,
    /// `--scp`, `--rcp`, `--endpoint-policy`.
    pub guards: GuardInputs,
}

/// The policies above the account's own, as files.
#[derive(Clone, Debug, Default)]
pub(crate) struct GuardInputs {
    /// `--scp FILE`: one level of the organization each.
    pub scps: Vec<PathBuf>,
    /// `--rcp FILE`: one level each.
    pub rcps: Vec<PathBuf>,
    /// `--endpoint-policy SERVICE=FILE`.
    pub endpoints: Vec<String>,
    /// `--session-policy FILE`: the policy the BI tool passes on AssumeRole.
    pub session: Option<PathBuf>,
}

impl GuardInputs {
    pub(crate) fn is_empty(&self) -> bool {
        self.scps.is_empty() && self.rcps.is_empty() && self.endpoints.is_empty() && self.session.is_none()
    }
}

/// The services whose VPC endpoint policy `--endpoint-policy` takes: those the
/// BI tool's requests go to.
pub(crate) const ENDPOINT_SERVICES: &[&str] = &["s3", "athena", "glue", "sts", "kms"];

/// Read `--scp`, `--rcp` and `--endpoint-policy`. What is not given is not
/// collected, with what would give it. A document IAM would refuse, or a file of
/// the wrong kind, is bad input (exit 2, with where).
pub(crate) fn read_guardrails(inputs: &GuardInputs) -> Result<Guardrails, Fatal> {
    let org = |paths: &[PathBuf], scp: bool| -> Result<Observed<Vec<Vec<Policy>>>, Fatal> {
        let (flag, what, kind, other, other_flag) = if scp {
            (
                "--scp",
                "service control policies",
                PolicyKind::Identity,
                "RESOURCE_CONTROL_POLICY",
                "--rcp",
            )
        } else {
            (
                "--rcp",
                "resource control policies",
                PolicyKind::Resource,
                "SERVICE_CONTROL_POLICY",
                "--scp",
            )
        };
        if paths.is_empty() {
            return Ok(Observed::NotCollected(format!(
                "needs the organization's {what}: {flag} FILE (repeatable; the JSON of \
                 `aws organizations describe-policy`, or the document)"
            )));
        }
        let short = if scp { "SCP" } else { "RCP" };
        let mut levels = Vec::new();
        for path in paths {
            let mut policy = match read_policy(path, kind, Some(short)) {
                Ok(p) => p,
                // The other kind's document fails this kind's checks: say which it is.
                Err(e) => {
                    let text = connection::read_input(path, Input::Policy)?;
                    return Err(match text.find(&format!("\"{other}\"")) {
                        Some(at) => Fatal::input(
                            path,
                            Some(crate::location::Location::of_offset(&text, at)),
                            format!("the policy's Type is {other}: pass it with {other_flag}"),
                        ),
                        None => e,
                    });
                }
            };
            if policy.name_of("type") == Some(other) {
                return Err(Fatal::input(
                    path,
                    Some(where_key(&policy, "\"Type\"")),
                    format!("the policy's Type is {other}: pass it with {other_flag}"),
                ));
            }
            if let Some(name) = policy.name_of("policy") {
                policy.name = match policy.name_of("id") {
                    Some(id) => format!("{short} {name} ({id})"),
                    None => format!("{short} {name}"),
                };
            }
            levels.push(vec![policy]);
        }
        Ok(Observed::Known(levels))
    };
    let endpoints = if inputs.endpoints.is_empty() {
        Observed::NotCollected(
            "needs the policies of the VPC endpoints the traffic goes through: --endpoint-policy SERVICE=FILE \
             (the document, or the JSON of `aws ec2 describe-vpc-endpoints`)"
                .into(),
        )
    } else {
        let mut by_service = BTreeMap::new();
        for arg in &inputs.endpoints {
            let usage = |why: &str| {
                Fatal::Usage(format!(
                    "--endpoint-policy {arg}: {why}; use --endpoint-policy SERVICE=FILE, SERVICE one of {}",
                    ENDPOINT_SERVICES.join(", ")
                ))
            };
            let Some((service, file)) = arg.split_once('=') else {
                return Err(usage("no service named"));
            };
            let service = service.trim().to_ascii_lowercase();
            if !ENDPOINT_SERVICES.contains(&service.as_str()) {
                return Err(usage(&format!("`{service}` is not a service the BI tool calls")));
            }
            if file.is_empty() {
                return Err(usage("no file after `=`"));
            }
            let path = PathBuf::from(file);
            let mut policy = read_policy(
                &path,
                PolicyKind::Resource,
                Some(&format!("VPC endpoint policy for {service}")),
            )?;
            // A bare document is an endpoint's too: its fix is modify-vpc-endpoint.
            policy.origin = crate::policy::decode::Origin::VpcEndpoint;
            if let Some(id) = policy.name_of("endpoint") {
                policy.name = format!("policy of VPC endpoint {id} ({service})");
            }
            // `com.amazonaws.us-east-1.s3`: the endpoint's service must be the one named.
            if let Some(name) = policy.name_of("service")
                && name.rsplit('.').next() != Some(service.as_str())
            {
                return Err(Fatal::input(
                    &path,
                    Some(where_key(&policy, "\"ServiceName\"")),
                    format!("the endpoint is for {name}, not {service}"),
                ));
            }
            if by_service.insert(service.clone(), policy).is_some() {
                return Err(usage(&format!("{service} is given twice")));
            }
        }
        Observed::Known(by_service)
    };
    Ok(Guardrails {
        scps: org(&inputs.scps, true)?,
        rcps: org(&inputs.rcps, false)?,
        endpoints,
        endpoints_unknown: BTreeMap::new(),
        organization: None,
        session: inputs
            .session
            .as_deref()
            .map(|p| read_policy(p, PolicyKind::Identity, Some("session policy")))
            .transpose()?,
    })
}

/// The documents given as files (or declared by a plan) that AWS would refuse
/// for their size (`aws::quotas`): each a warning naming the document, its
/// size and the quota. Documents read live are within their quotas (AWS holds
/// them), so only the files are checked.
fn over_quota(facts: &Facts) -> Vec<String> {
    use crate::aws::quotas::{self, Quota};
    use crate::policy::decode::Origin;
    let mut said = Vec::new();
    let mut check = |what: &str, quota: &Quota, document: &serde_json::Value| {
        if let Some(s) = quotas::over(quota, document) {
            said.push(format!("{what}: {s}"));
        }
    };
    if let Some(p) = &facts.guardrails.session {
        check(
            &format!("{} (the BI tool's AssumeRole with it fails)", p.name),
            &quotas::SESSION,
            &p.json,
        );
    }
    if let Observed::Known(TrustPolicy::Valid(p)) = &facts.trust_policy {
        check(&p.name, &quotas::TRUST, &p.json);
    }
    for (bucket, p) in &facts.bucket_policies {
        check(
            &format!("the bucket policy of {bucket}"),
            &quotas::BUCKET,
            &p.json,
        );
    }
    if let Observed::Known(policies) = &facts.identity_policies {
        // Inline policies count together against the principal's quota.
        let inline = if facts.connection.auth.auth_type == Some(crate::connection::AuthType::AccessKey) {
            &quotas::USER_INLINE
        } else {
            &quotas::ROLE_INLINE
        };
        let mut total = 0;
        for p in policies {
            if p.origin == Origin::ManagedPolicy {
                check(&p.name, &quotas::MANAGED, &p.json);
            } else if p.name_of("group").is_none() {
                total += quotas::size(inline, &p.json);
            }
        }
        if total > inline.limit {
            said.push(format!(
                "the principal's inline policies given are {total} characters together, white space not \
                 counted: over AWS's quota of {} for {} ({}), so AWS refuses the last one put",
                inline.limit, inline.what, inline.source
            ));
        }
    }
    said
}

/// What collection produced: the facts, the secret (kept out of the facts), and
/// warnings for the user that are not findings about the connection.
#[derive(Debug)]
pub(crate) struct Collected {
    pub facts: Facts,
    pub secret: Option<Secret>,
    pub warnings: Vec<String>,
    /// A plan or template declares the principal: a live read keeps its policies.
    pub declared_principal: bool,
}

pub(crate) fn collect_offline(
    config: &Path,
    secret_input: &SecretInput,
    policies: &PolicyInputs,
) -> Result<Collected, Fatal> {
    collect_loaded(config, connection::load(config)?, secret_input, policies)
}

/// `collect_offline` for a connection already read (a line of a fleet's JSONL).
pub(crate) fn collect_loaded(
    config: &Path,
    loaded: Loaded,
    secret_input: &SecretInput,
    policies: &PolicyInputs,
) -> Result<Collected, Fatal> {
    let Loaded {
        connection,
        file_secret,
    } = loaded;
    refuse_nul(config, &connection)?;
    let mut warnings = Vec::new();
    let supplied = read_supplied_secret(secret_input)?;
    if let Some(at) = connection.auth.secret_in_file {
        let what = match &supplied {
            Some(s) => format!("it is overridden by {}", s.source()),
            None => "it is used for this run".to_string(),
        };
        warnings.push(format!(
            "{}:{at}: the connection file holds a secret access key ({what}); keep secrets out of files \
             that are shared or committed, and pass it with {SECRET_ENV}, --secret-file or --secret-stdin",
            config.display()
        ));
    }
    let secret = supplied.or(file_secret);
    let identity_policies = if policies.identity.is_empty() {
        Observed::NotCollected("needs the principal's identity policies: --policy FILE (repeatable)".into())
    } else {
        Observed::Known(
            policies
                .identity
                .iter()
                .map(|p| read_policy(p, PolicyKind::Identity, None))
                .collect::<Result<_, _>>()?,
        )
    };
    let permissions_boundary = match &policies.boundary {
        Some(p) => Observed::Known(Some(read_policy(
            p,
            PolicyKind::Boundary,
            Some("permissions boundary"),
        )?)),
        None => Observed::NotCollected(
            "no --boundary given: a permissions boundary, if any, is not checked".into(),
        ),
    };
    let results_bucket = connection
        .output_location()
        .and_then(|o| o.location)
        .map(|l| l.bucket);
    let mut bucket_policies = BTreeMap::new();
    for arg in &policies.buckets {
        let (bucket, path) = split_bucket_arg(arg, results_bucket.as_deref())?;
        let label = format!("bucket policy of {bucket}");
        bucket_policies.insert(bucket, read_policy(&path, PolicyKind::Resource, Some(&label))?);
    }
    let mut chain_trust = BTreeMap::new();
    for (arn, path) in &policies.hop_trust {
        chain_trust.insert(arn.clone(), Observed::Known(hop_trust_policy(arn, path)?));
    }
    let role_arn = connection.value(FieldId::RoleArn).map(str::trim);
    let trust_policy = match &policies.trust {
        Some(path) => Observed::Known(read_trust_policy(path)?),
        // `--trust-policy ROLE_ARN=FILE` naming the connection's own role.
        None => match role_arn.and_then(|arn| chain_trust.get(arn)) {
            Some(given) => given.clone(),
            None => Observed::NotCollected(
                "needs the role's trust policy: --trust-policy FILE (a document, or `aws iam get-role` output)"
                    .into(),
            ),
        },
    };
    let mut collected = Collected {
        facts: Facts {
            version: FACTS_VERSION,
            secret: secret.as_ref().map(Secret::shape),
            connection,
            identity_policies,
            permissions_boundary,
            bucket_policies,
            trust_policy,
            live: Observed::NotCollected("needs live inspection: run without --offline".into()),
            endpoint_overrides: Vec::new(),
            blank_environment: blank_environment(),
            chain_trust,
            principal_site: None,
            declared: Default::default(),
            guardrails: read_guardrails(&policies.guards)?,
        },
        secret,
        warnings,
        declared_principal: false,
    };
    if let Some(input) = &policies.iac {
        let applied = super::iac::apply(input, policies.iac_role.clone(), &mut collected.facts, policies)?;
        collected.declared_principal = applied.declares_principal;
        collected.warnings.extend(applied.warnings);
    }
    // Checked last: a plan's documents count too.
    collected.warnings.extend(over_quota(&collected.facts));
    Ok(collected)
}

/// Where a key of the CLI's output is written in the file (its first mention).
fn where_key(policy: &Policy, key: &str) -> crate::location::Location {
    let at = policy.source.find(key).unwrap_or(0);
    crate::location::Location::of_offset(&policy.source, at)
}

/// A NUL in a field: no AWS name, ARN or location holds one, and no shell word can
/// carry one into a fix command, so the file is refused where it says it.
fn refuse_nul(config: &Path, connection: &connection::Connection) -> Result<(), Fatal> {
    let fields = crate::connection::FieldId::ALL
        .iter()
        .filter_map(|id| connection.field(*id).map(|f| (id.key_in(connection.form), f)))
        .chain(
            connection
                .data_buckets
                .iter()
                .map(|f| (crate::connection::FieldId::DataBuckets.key_in(connection.form), f)),
        );
    for (key, field) in fields {
        if field.raw.contains('\0') {
            return Err(Fatal::input(
                config,
                field.location,
                format!("`{key}` holds a NUL character; no AWS name or location does"),
            ));
        }
    }
    Ok(())
}

/// The secret from stdin, a file, or the environment, in that order of precedence.
fn read_supplied_secret(input: &SecretInput) -> Result<Option<Secret>, Fatal> {
    if input.stdin {
        let stdin = Path::new("<stdin>");
        let value = connection::utf8(
            stdin,
            connection::read_capped(stdin, std::io::stdin(), Input::Secret)?,
        )?;
        return Ok(Some(Secret::new(strip_newline(value), SecretSource::Stdin)));
    }
    if let Some(path) = &input.file {
        let value = connection::read_input(path, Input::Secret)?;
        return Ok(Some(Secret::new(strip_newline(value), SecretSource::File)));
    }
    if input.ignore_environment {
        return Ok(None);
    }
    Ok(std::env::var(SECRET_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| Secret::new(v, SecretSource::Environment)))
}

/// Files and pipes end with a newline that is not part of the secret; anything
/// else (spaces, a second line) is kept so CONN004 can point it out.
fn strip_newline(mut value: String) -> String {
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    value
}

/// Read and validate a policy file; a document IAM would refuse is an input error.
pub(crate) fn read_policy(path: &Path, kind: PolicyKind, label: Option<&str>) -> Result<Policy, Fatal> {
    let text = connection::read_input(path, Input::Policy)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let name = match label {
        Some(l) => format!("{l} ({file_name})"),
        None => format!("policy {file_name}"),
    };
    let display = path.display().to_string();
    Policy::from_text(&name, Some(&display), &text, kind).map_err(|e| Fatal::input(path, Some(e.location), e))
}

/// Read a trust policy. A file that cannot be read (missing, not a regular file,
/// over the size limit) is an input error; a document that does not decode,
/// parse or validate is TRUST005's finding, and the run goes on.
fn read_trust_policy(path: &Path) -> Result<TrustPolicy, Fatal> {
    let display = path.display().to_string();
    let bytes = connection::read_bounded(path, Input::Policy)?;
    let text = match connection::utf8(path, bytes) {
        Ok(text) => text,
        Err(Fatal::Input {
            location, message, ..
        }) => {
            return Ok(TrustPolicy::Invalid {
                path: display,
                location,
                message,
            });
        }
        Err(other) => return Err(other),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(
        match Policy::from_text(
            &format!("trust policy ({file_name})"),
            Some(&display),
            &text,
            PolicyKind::Trust,
        ) {
            Ok(policy) => TrustPolicy::Valid(Box::new(policy)),
            // A name no AWS output holds: bad input, not a finding about the role.
            Err(e) if e.refused => return Err(Fatal::input(path, Some(e.location), e)),
            Err(e) => TrustPolicy::Invalid {
                path: display,
                location: Some(e.location),
                message: e.to_string(),
            },
        },
    )
}

/// The trust policy of a role of the profile chain (`--trust-policy
/// ROLE_ARN=FILE`), named after the role so its fix's command names it.
fn hop_trust_policy(arn: &str, path: &Path) -> Result<TrustPolicy, Fatal> {
    let mut read = read_trust_policy(path)?;
    if let TrustPolicy::Valid(p) = &mut read
        && p.name_of("role").is_none()
        && let Some(name) = arn
            .rsplit_once(":role/")
            .map(|(_, r)| r.rsplit('/').next().unwrap_or(r))
    {
        p.names.push(("role", name.to_string()));
    }
    Ok(read)
}

/// `BUCKET=FILE`, or a plain `FILE` for the results bucket.
fn split_bucket_arg(arg: &str, results_bucket: Option<&str>) -> Result<(String, PathBuf), Fatal> {
    if let Some((bucket, file)) = arg.split_once('=')
        && !Path::new(arg).exists()
        && crate::aws::s3::bucket_name_problem(bucket).is_none()
    {
        if file.is_empty() {
            return Err(Fatal::Usage(format!(
                "--bucket-policy {arg}: no file after `=`; use --bucket-policy {bucket}=FILE"
            )));
        }
        return Ok((bucket.to_string(), PathBuf::from(file)));
    }
    match results_bucket {
        Some(b) => Ok((b.to_string(), PathBuf::from(arg))),
        None => Err(Fatal::Usage(format!(
            "--bucket-policy {arg}: a plain FILE is the results bucket's policy, but the connection names no \
             valid results bucket; use --bucket-policy BUCKET=FILE"
        ))),
    }
}

/// Credential variables set but empty or whitespace: names only, never values.
fn blank_environment() -> Vec<String> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        crate::secret::SECRET_ENV,
    ]
    .into_iter()
    .filter(|k| std::env::var_os(k).is_some_and(|v| v.to_string_lossy().trim().is_empty()))
    .map(str::to_string)
    .collect()
}

#[cfg(test)]
mod quota_tests {
    use super::*;

    /// Files AWS would refuse for their size are warned of, naming the document
    /// and the quota; documents within their quotas are not.
    #[test]
    fn documents_over_their_quota_are_warned_of() {
        let mut facts = crate::rules::unread::healthy();
        assert!(over_quota(&facts).is_empty(), "{:?}", over_quota(&facts));
        let statements: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    r#"{{"Sid": "S{i}", "Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:role/r{i}"}},
                        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::results/prefix-{i}/*"}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(",")
        );
        let big = Policy::from_text("bucket policy of results", None, &text, PolicyKind::Resource).unwrap();
        facts.bucket_policies.insert("results".into(), big);
        let said = over_quota(&facts);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("the bucket policy of results: the document is ")
                && said[0].contains("over AWS's quota of 20480 for a bucket policy"),
            "{said:?}"
        );
    }
}
