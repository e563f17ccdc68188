//! Infrastructure as code, before apply: a Terraform plan or a CloudFormation
//! template read as what the account will hold — the connection's role, its
//! policies and the bucket policies — with each document placed at the lines
//! that declare it. A value known only after apply is an unknown fact (the rules
//! that need it skip and say so), never a guess.

mod cloudformation;
mod source;
mod terraform;

use crate::aws::arn::{Arn, IamResource};
use crate::connection::{AuthType, Connection, FieldId};
use crate::error::Fatal;
use crate::facts::{Facts, Observed, TrustPolicy};
use crate::limits::Input;
use crate::policy::decode::Origin;
use crate::policy::site::Site;
use crate::policy::{Policy, PolicyKind};
use std::path::PathBuf;

/// `--terraform-plan FILE` or `--cloudformation FILE`, and `--iac-role`.
#[derive(Clone, Debug)]
pub(crate) enum IacInput {
    Terraform {
        plan: PathBuf,
        /// Where the root module's `.tf` files are (default: beside the plan).
        source: Option<PathBuf>,
    },
    CloudFormation(PathBuf),
}

/// Who the connection's principal is, as IaC would name it.
pub(crate) struct Principal {
    /// The role's name (role connections), from the role ARN.
    pub role: Option<String>,
    /// `--iac-role`: the resource address or logical ID, for a role whose name is
    /// known only after apply.
    pub resource: Option<String>,
    pub account: Option<String>,
    pub region: String,
    pub partition: String,
    /// The connection's workgroup.
    pub workgroup: String,
}

impl Principal {
    fn of(conn: &Connection, resource: Option<String>) -> Principal {
        let arn = conn
            .value(FieldId::RoleArn)
            .and_then(|a| Arn::parse(a.trim()).ok())
            .filter(|_| conn.auth.auth_type != Some(AuthType::AccessKey));
        let role = arn.as_ref().and_then(|a| match a.iam_resource() {
            IamResource::Role { name, .. } | IamResource::AssumedRole { role: name, .. } => Some(name),
            _ => None,
        });
        let region = conn.region().to_string();
        Principal {
            role,
            resource,
            account: arn.as_ref().map(|a| a.account.clone()),
            partition: arn
                .map(|a| a.partition.clone())
                .unwrap_or_else(|| partition_of(&region).to_string()),
            region,
            workgroup: conn.workgroup().to_string(),
        }
    }
}

/// A policy document as declared: its JSON text and where it is written, or why
/// it is not known before apply.
pub(super) struct Document {
    body: Result<(String, Site, PolicyKind), String>,
    names: Vec<(&'static str, String)>,
}

impl Document {
    fn known(text: &str, site: Site, kind: PolicyKind, names: &[(&'static str, &str)]) -> Document {
        Document {
            body: Ok((text.to_string(), site, kind)),
            names: names.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }

    fn unknown(reason: String) -> Document {
        Document {
            body: Err(reason),
            names: Vec::new(),
        }
    }

    /// The policy, or why it is unknown; a document IAM would refuse is bad input
    /// at the line that declares it.
    fn policy(self) -> Result<Result<Policy, String>, Fatal> {
        let (text, site, kind) = match self.body {
            Ok(body) => body,
            Err(reason) => return Ok(Err(reason)),
        };
        let name = format!("{} {}", site.resource, site.attribute).trim().to_string();
        let mut policy = Policy::from_text(&name, Some(&site.file), &text, kind)
            .map_err(|e| Fatal::input(&site.file, Some(site.anchor), format!("{name}: {e}")))?;
        policy.origin = match site.resource_type.as_str() {
            "aws_iam_policy" | "AWS::IAM::ManagedPolicy" => Origin::ManagedPolicy,
            _ if kind == PolicyKind::Identity => Origin::InlinePolicy,
            _ => Origin::Document,
        };
        policy.names = self.names;
        policy.site = Some(site);
        Ok(Ok(policy))
    }

    /// A trust policy: one IAM would refuse is TRUST005's finding, not bad input.
    fn trust(self) -> Result<TrustPolicy, String> {
        let (text, site, kind) = self.body?;
        let name = format!("{} {}", site.resource, site.attribute);
        Ok(match Policy::from_text(&name, Some(&site.file), &text, kind) {
            Ok(mut policy) => {
                policy.origin = Origin::Role;
                policy.site = Some(site);
                TrustPolicy::Valid(Box::new(policy))
            }
            Err(e) => TrustPolicy::Invalid {
                path: site.file.clone(),
                location: Some(site.anchor),
                message: format!("{name}: {e}"),
            },
        })
    }
}

/// What the plan or template declares.
#[derive(Default)]
pub(super) struct Declarations {
    identity: Option<Vec<Document>>,
    boundary: Option<Option<Document>>,
    trust: Option<Document>,
    buckets: Vec<(String, Document)>,
    /// The role's own resource.
    principal: Option<Site>,
    /// Why the role is not declared (not found, destroyed).
    not_found: Option<String>,
    /// The connection's workgroup and the buckets' encryption.
    resources: crate::facts::Declared,
    warnings: Vec<String>,
}

/// What a plan or template gave the facts: whether it declares the principal
/// (then a live read does not replace its policies) and warnings for the user.
pub(crate) struct Applied {
    pub declares_principal: bool,
    pub warnings: Vec<String>,
}

/// Read the plan or template and put what it declares into `facts`, where the
/// user's own files (`given`) did not already.
pub(crate) fn apply(
    input: &IacInput,
    role: Option<String>,
    facts: &mut Facts,
    given: &super::PolicyInputs,
) -> Result<Applied, Fatal> {
    let (path, kind) = match input {
        IacInput::Terraform { plan, .. } => (plan, Input::TerraformPlan),
        IacInput::CloudFormation(template) => (template, Input::CloudFormation),
    };
    let text = crate::connection::read_input(path, kind)?;
    apply_text(input, &text, role, facts, given)
}

/// `apply`, with the file's text already read (what fuzzing drives).
pub(crate) fn apply_text(
    input: &IacInput,
    text: &str,
    role: Option<String>,
    facts: &mut Facts,
    given: &super::PolicyInputs,
) -> Result<Applied, Fatal> {
    let principal = Principal::of(&facts.connection, role);
    let declared = match input {
        IacInput::Terraform { plan, source } => terraform::read(plan, text, source.as_deref(), &principal)?,
        IacInput::CloudFormation(template) => cloudformation::read(template, text, &principal)?,
    };
    let mut warnings = declared.warnings;
    facts.declared = declared.resources;
    for (bucket, document) in declared.buckets {
        match document.policy()? {
            Ok(policy) => {
                facts.bucket_policies.entry(bucket).or_insert(policy);
            }
            Err(reason) => warnings.push(format!("the policy of bucket {bucket} is not checked: {reason}")),
        }
    }
    if let Some(why) = declared.not_found {
        if principal.role.is_some() {
            warnings.push(why.clone());
        }
        let why = format!("{why}; its policies are not checked");
        if given.identity.is_empty() {
            facts.identity_policies = Observed::NotCollected(why.clone());
        }
        if given.boundary.is_none() {
            facts.permissions_boundary = Observed::NotCollected(why.clone());
        }
        if given.trust.is_none() {
            facts.trust_policy = Observed::NotCollected(why);
        }
        return Ok(Applied {
            declares_principal: false,
            warnings,
        });
    }
    let declares_principal = declared.principal.is_some();
    facts.principal_site = declared.principal;
    if let Some(documents) = declared.identity.filter(|_| given.identity.is_empty()) {
        let mut policies = Vec::new();
        let mut unknown = Vec::new();
        for document in documents {
            match document.policy()? {
                Ok(policy) => policies.push(policy),
                Err(reason) => unknown.push(reason),
            }
        }
        facts.identity_policies = if unknown.is_empty() {
            Observed::Known(policies)
        } else {
            Observed::NotCollected(format!(
                "the role's policies are not all known before apply: {}",
                unknown.join("; ")
            ))
        };
    }
    if let Some(boundary) = declared.boundary.filter(|_| given.boundary.is_none()) {
        facts.permissions_boundary = match boundary.map(Document::policy).transpose()? {
            None => Observed::Known(None),
            Some(Ok(policy)) => Observed::Known(Some(policy)),
            Some(Err(reason)) => Observed::NotCollected(reason),
        };
    }
    if let Some(trust) = declared.trust.filter(|_| given.trust.is_none()) {
        facts.trust_policy = match trust.trust() {
            Ok(policy) => Observed::Known(policy),
            Err(reason) => Observed::NotCollected(reason),
        };
    }
    Ok(Applied {
        declares_principal,
        warnings,
    })
}

/// The partition a region belongs to (for `AWS::Partition` without a role ARN).
fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// What a bucket's default encryption says of its key: `None` for SSE-S3, the
/// AWS managed key when SSE-KMS names none.
fn kms_key(algorithm: Option<&str>, key: Option<String>) -> Option<String> {
    match algorithm {
        Some(a) if a.starts_with("aws:kms") => Some(key.unwrap_or_else(|| "aws/s3".into())),
        _ => None,
    }
}
