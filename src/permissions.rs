//! The permission matrix (`rules/permissions.toml`, DESIGN §5) expanded for one
//! connection: which actions on which ARNs its principal needs, and the request
//! context Athena makes those requests in.

use crate::aws::arn::{Arn, IamResource};
use crate::aws::regions;
use crate::connection::{AuthType, Connection, FieldId};
use crate::policy::{Context, Principal};
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Matrix {
    grant: Vec<Grant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Grant {
    /// The code of the rule that checks this grant (the rules' tests check it is one).
    pub rule: String,
    pub what: String,
    #[serde(default)]
    pub each: Option<String>,
    #[serde(default)]
    pub glue: bool,
    pub resource: String,
    pub required: Vec<String>,
    pub recommended: Vec<String>,
    pub via_athena: bool,
    pub sid: String,
}

/// Compiled in, parsed once; a test parses it, so this cannot fail at run time.
pub(crate) static MATRIX: LazyLock<Vec<Grant>> = LazyLock::new(|| {
    toml::from_str::<Matrix>(include_str!("../rules/permissions.toml"))
        .expect("rules/permissions.toml is valid (see its test)")
        .grant
});

/// One resource the principal needs actions on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Need {
    pub rule: &'static str,
    /// In words: `the results bucket`, `data bucket acme-lake`.
    pub what: String,
    pub resource: String,
    pub required: Vec<&'static str>,
    pub recommended: Vec<&'static str>,
    pub via_athena: bool,
    pub sid: String,
    /// The S3 bucket the resource is in, for bucket policies.
    pub bucket: Option<String>,
}

/// The values the matrix's templates are filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Target {
    pub partition: String,
    pub region: String,
    pub account: Option<String>,
    pub workgroup: String,
    pub results_bucket: Option<String>,
    pub results_prefix: String,
    pub data_buckets: Vec<String>,
    pub catalogs: Vec<String>,
    /// Included and default schemas, lower-cased; `*` when none are named.
    pub schemas: Vec<String>,
}

impl Target {
    pub(crate) fn of(conn: &Connection) -> Target {
        let region = conn.region().to_string();
        let partition = regions::find(&region).map_or("aws", |r| r.partition).to_string();
        let results = conn.output_location().and_then(|o| o.location);
        let catalogs = lowercase_unique(
            conn.value(FieldId::DataCatalog)
                .into_iter()
                .chain(conn.list(FieldId::IncludeOtherDataCatalogs)),
        );
        let mut schemas = lowercase_unique(
            conn.list(FieldId::IncludeSchemas)
                .into_iter()
                .chain(conn.value(FieldId::DefaultSchema)),
        );
        if schemas.is_empty() {
            schemas.push("*".into());
        }
        Target {
            partition,
            region,
            account: account(conn),
            workgroup: conn.workgroup().to_string(),
            results_prefix: results.as_ref().map(|l| l.prefix.clone()).unwrap_or_default(),
            results_bucket: results.map(|l| l.bucket),
            data_buckets: conn
                .data_buckets
                .iter()
                .filter_map(|b| b.value())
                .map(str::to_string)
                .collect(),
            catalogs,
            schemas,
        }
    }
}

/// Names lower-cased (as Athena and Glue store them), first occurrence kept.
fn lowercase_unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    // A set beside the list: lists of tens of thousands of schemas stay linear.
    let mut seen = std::collections::HashSet::new();
    names
        .map(str::to_lowercase)
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

/// The customer's account: from the role ARN, or `account_id`.
pub(crate) fn account(conn: &Connection) -> Option<String> {
    let from_role = conn
        .value(FieldId::RoleArn)
        .and_then(|v| Arn::parse(v).ok())
        .filter(|a| crate::aws::arn::is_account_id(&a.account))
        .map(|a| a.account);
    from_role.or_else(|| {
        conn.value(FieldId::AccountId)
            .filter(|a| crate::aws::arn::is_account_id(a))
            .map(str::to_string)
    })
}

/// The connection's principal, as far as the connection file tells.
pub(crate) fn principal(conn: &Connection) -> Option<Principal> {
    match conn.auth.auth_type? {
        AuthType::CrossAccountRole => {
            let arn = Arn::parse(conn.value(FieldId::RoleArn)?).ok()?;
            let role_arn = match arn.iam_resource() {
                IamResource::Role { .. } => arn.to_string(),
                // A session ARN (ROLE002's finding) still names the role whose
                // policies apply; only its path is lost.
                IamResource::AssumedRole { role, .. } => {
                    format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account)
                }
                _ => return None,
            };
            Some(Principal {
                account: arn.account.clone(),
                arn: role_arn,
                is_role: true,
                session: None,
                ..Principal::default()
            })
        }
        // The user behind a key is unknown offline; its ARN matches no principal element.
        AuthType::AccessKey => Some(Principal {
            account: account(conn)?,
            arn: String::new(),
            is_role: false,
            session: None,
            ..Principal::default()
        }),
    }
}

/// Why a grant could not be expanded (a missing input), by rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unavailable {
    pub rule: &'static str,
    pub reason: String,
}

/// Every need of the matrix for this target, or why some cannot be worked out.
pub(crate) fn needs(target: &Target) -> (Vec<Need>, Vec<Unavailable>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for grant in MATRIX.iter() {
        // The matrix lives as long as the program: its codes are `'static`.
        let rule = grant.rule.as_str();
        if grant.glue && !target.catalogs.iter().any(|c| c == "awsdatacatalog") {
            continue;
        }
        let uses = |name: &str| grant.resource.contains(&format!("{{{name}}}"));
        if uses("account") && target.account.is_none() {
            missing.push(Unavailable {
                rule,
                reason: "needs the account: the role ARN's, or account_id for an access-key connection"
                    .into(),
            });
            continue;
        }
        if uses("region") && regions::find(&target.region).is_none() {
            missing.push(Unavailable {
                rule,
                reason: "needs a region code (REGION001)".into(),
            });
            continue;
        }
        if uses("results_bucket") && target.results_bucket.is_none() {
            missing.push(Unavailable {
                rule,
                reason: "needs a valid s3_output_bucket".into(),
            });
            continue;
        }
        let values: Vec<Option<&str>> = match grant.each.as_deref() {
            Some("data_bucket") => target.data_buckets.iter().map(|b| Some(b.as_str())).collect(),
            Some("catalog") => target.catalogs.iter().map(|c| Some(c.as_str())).collect(),
            Some("schema") => target.schemas.iter().map(|s| Some(s.as_str())).collect(),
            _ => vec![None],
        };
        for value in values {
            let fill = |template: &str| {
                let mut s = template
                    .replace("{partition}", &target.partition)
                    .replace("{region}", &target.region)
                    .replace("{account}", target.account.as_deref().unwrap_or_default())
                    .replace("{workgroup}", &target.workgroup)
                    .replace(
                        "{results_bucket}",
                        target.results_bucket.as_deref().unwrap_or_default(),
                    )
                    .replace("{results_prefix}", &target.results_prefix);
                if let (Some(each), Some(v)) = (&grant.each, value) {
                    s = s.replace(&format!("{{{each}}}"), v);
                }
                s
            };
            let resource = fill(&grant.resource);
            let bucket = resource
                .split_once(":s3:::")
                .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string());
            let suffix = value
                .filter(|v| *v != "*")
                .map(|v| v.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
                .unwrap_or_default();
            out.push(Need {
                rule,
                what: fill(&grant.what),
                resource,
                required: grant.required.iter().map(|a| intern(a)).collect(),
                recommended: grant.recommended.iter().map(|a| intern(a)).collect(),
                via_athena: grant.via_athena,
                sid: format!("{}{}", grant.sid, capitalise(&suffix)),
                bucket,
            });
        }
    }
    (out, missing)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Action names live as long as the matrix, which lives for the program.
fn intern(action: &str) -> &'static str {
    MATRIX
        .iter()
        .flat_map(|g| g.required.iter().chain(&g.recommended))
        .find(|a| *a == action)
        .map(|a| a.as_str())
        .expect("interned from the matrix itself")
}

/// Network keys that Athena's own requests never carry: "requests to Amazon S3
/// come from a private IPv4 address for Athena, not the source IP specified in
/// `aws:SourceIp` … You also cannot restrict or allow access to Amazon S3
/// resources based on the `aws:SourceVpc` or `aws:SourceVpce` condition keys"
/// (Athena User Guide, "Control access to Amazon S3 from Athena"), whatever
/// endpoint the BI tool's own traffic uses.
pub(crate) const NETWORK_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
];

/// The request context of DESIGN §6. `via_athena`: S3 and Glue calls Athena makes
/// on the principal's behalf; otherwise the BI tool's own calls to Athena.
pub(crate) fn context(target: &Target, principal: Option<&Principal>, via_athena: bool) -> Context {
    let mut ctx = Context::default();
    ctx.set("aws:SecureTransport", &["true"])
        .set("aws:RequestedRegion", &[&target.region])
        .absent("aws:MultiFactorAuthPresent")
        .absent("aws:MultiFactorAuthAge");
    if let Some(account) = &target.account {
        ctx.set("aws:ResourceAccount", &[account]);
    }
    if let Some(p) = principal {
        ctx.set("aws:PrincipalAccount", &[&p.account]);
        if p.is_role {
            ctx.set("aws:PrincipalArn", &[&p.arn])
                .set("aws:PrincipalType", &["AssumedRole"])
                .absent("aws:username");
        } else {
            ctx.set("aws:PrincipalType", &["User"]);
        }
    }
    if via_athena {
        ctx.set("aws:CalledVia", &["athena.amazonaws.com"])
            .set("aws:CalledViaFirst", &["athena.amazonaws.com"])
            .set("aws:CalledViaLast", &["athena.amazonaws.com"])
            .set("aws:ViaAWSService", &["true"]);
        for key in NETWORK_KEYS {
            ctx.absent(key);
        }
    } else {
        ctx.absent("aws:CalledVia").set("aws:ViaAWSService", &["false"]);
    }
    ctx
}

/// The network keys of a request the BI tool makes itself through the VPC
/// endpoint `endpoint` (its policy, given as one endpoint of `aws ec2
/// describe-vpc-endpoints`, names `VpcEndpointId` and `VpcId`). The IAM User
/// Guide's global condition keys page says `aws:SourceVpce` and `aws:SourceVpc`
/// are in the request context only when the request goes through a VPC
/// endpoint. Without an endpoint (`None`), or for an id the file does not name,
/// the keys stay unknown: the doctor cannot tell whether the BI tool's traffic
/// goes through one, and guessing "absent" would turn every `StringNotEquals
/// aws:SourceVpce` Deny into a definite lock-out (see `NETWORK_KEYS` for the
/// requests Athena makes itself, which never carry them).
pub(crate) fn through_endpoint(ctx: &mut Context, endpoint: Option<&crate::policy::Policy>) {
    let Some(policy) = endpoint else { return };
    if let Some(id) = policy.name_of("endpoint") {
        ctx.set("aws:SourceVpce", &[id]);
    }
    if let Some(vpc) = policy.name_of("vpc") {
        ctx.set("aws:SourceVpc", &[vpc]);
    }
}

/// The least-privilege permissions policy for a target: one statement per set of
/// actions, each on exactly the resources that need them (required and recommended).
pub(crate) fn least_privilege(target: &Target) -> (serde_json::Value, Vec<Unavailable>) {
    let (needs, missing) = needs(target);
    let mut statements: Vec<(Vec<&str>, String, Vec<String>)> = Vec::new();
    for need in &needs {
        let actions: Vec<&str> = need.required.iter().chain(&need.recommended).copied().collect();
        if actions.is_empty() {
            continue;
        }
        match statements.iter_mut().find(|(a, _, _)| *a == actions) {
            Some((_, _, resources)) => resources.push(need.resource.clone()),
            None => statements.push((actions, need.sid.clone(), vec![need.resource.clone()])),
        }
    }
    let statements: Vec<serde_json::Value> = statements
        .into_iter()
        .map(|(actions, sid, resources)| {
            let resource = if resources.len() == 1 {
                serde_json::json!(resources[0])
            } else {
                serde_json::json!(resources)
            };
            serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource})
        })
        .collect();
    (
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}),
        missing,
    )
}

/// The trust policy the vendor needs (DESIGN §5), with placeholders for what the
/// connection does not say.
pub(crate) fn trust_policy(conn: &Connection, target: &Target) -> serde_json::Value {
    let vendor = conn
        .value(FieldId::TrustedAccountId)
        .unwrap_or("<VENDOR_ACCOUNT_ID>");
    let external_id = conn.value(FieldId::ExternalId).unwrap_or("<EXTERNAL_ID>");
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{}:iam::{vendor}:root", target.partition)},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_parses() {
        assert!(!MATRIX.is_empty());
        for g in MATRIX.iter() {
            for a in g.required.iter().chain(&g.recommended) {
                assert!(a.contains(':'), "{a}");
            }
            if let Some(each) = &g.each {
                assert!(
                    g.resource.contains(&format!("{{{each}}}")),
                    "{} does not use {each}",
                    g.resource
                );
            }
        }
    }

    #[test]
    fn expands_for_a_connection() {
        let target = Target {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: Some("111122223333".into()),
            workgroup: "primary".into(),
            results_bucket: Some("acme-results".into()),
            results_prefix: "omni/".into(),
            data_buckets: vec!["acme-lake".into()],
            catalogs: vec!["awsdatacatalog".into()],
            schemas: vec!["sales".into()],
        };
        let (needs, missing) = needs(&target);
        assert!(missing.is_empty());
        let resources: Vec<&str> = needs.iter().map(|n| n.resource.as_str()).collect();
        assert!(resources.contains(&"arn:aws:s3:::acme-results/omni/*"));
        assert!(resources.contains(&"arn:aws:s3:::acme-lake/*"));
        assert!(resources.contains(&"arn:aws:athena:eu-west-1:111122223333:workgroup/primary"));
        assert!(resources.contains(&"arn:aws:athena:eu-west-1:111122223333:datacatalog/awsdatacatalog"));
        assert!(resources.contains(&"arn:aws:glue:eu-west-1:111122223333:table/sales/*"));
        let lake = needs
            .iter()
            .find(|n| n.resource == "arn:aws:s3:::acme-lake")
            .unwrap();
        assert_eq!(
            (lake.sid.as_str(), lake.bucket.as_deref()),
            ("AthenaDataBucketAcmelake", Some("acme-lake"))
        );
        let (_, missing) = super::needs(&Target {
            account: None,
            ..target
        });
        assert!(missing.iter().any(|m| m.rule == "ATHENA001"));
    }
}
