//! `simulate`: one request through the IAM evaluator the permission rules use,
//! with the policies given as files; the decision and the statements that made it.

use super::print;
use crate::aws::arn::Arn;
use crate::cli::{ListFormat, SimulateArgs};
use crate::collect::read_policy;
use crate::error::Fatal;
use crate::policy::context::check_value;
use crate::policy::evaluate::is_kms_key;
use crate::policy::{Context, PolicyKind, PolicySet, Principal, Request, evaluate};
use crate::report::simulate::{Simulation, render_json, render_table};
use std::process::ExitCode;

pub(super) fn run(args: &SimulateArgs) -> Result<ExitCode, Fatal> {
    check_action(&args.action)?;
    check_resource(&args.resource)?;
    let principal = Principal::from_arn(args.principal.trim())
        .map_err(|e| Fatal::Usage(format!("--principal {}: {e}", args.principal)))?;
    let mut assumptions = Vec::new();
    let resource_account = match &args.resource_account {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id.clone()),
        Some(id) => {
            return Err(Fatal::Usage(format!(
                "--resource-account {id}: an account ID is 12 digits"
            )));
        }
        None => match Arn::parse(&args.resource)
            .ok()
            .map(|a| a.account)
            .filter(|a| !a.is_empty())
        {
            Some(account) => Some(account),
            None if principal.service => None,
            None => {
                assumptions.push(format!(
                    "the resource's ARN names no account: taken as the principal's ({}); --resource-account says \
                     otherwise",
                    principal.account
                ));
                None
            }
        },
    };
    let identity = args
        .policies
        .iter()
        .map(|p| read_policy(p, PolicyKind::Identity, None))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = args
        .boundary
        .as_deref()
        .map(|p| read_policy(p, PolicyKind::Boundary, Some("permissions boundary")))
        .transpose()?;
    let session = args
        .session_policy
        .as_deref()
        .map(|p| read_policy(p, PolicyKind::Identity, Some("session policy")))
        .transpose()?;
    // A trust policy is the resource policy of sts:AssumeRole on its role.
    let resource_kind = if args.action.eq_ignore_ascii_case("sts:AssumeRole") {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    };
    let resource_policy = args
        .resource_policy
        .as_deref()
        .map(|p| read_policy(p, resource_kind, Some("resource policy")))
        .transpose()?;
    // The time the request is taken to be made at is said only when a policy
    // reads it.
    let reads_time = identity
        .iter()
        .chain(&boundary)
        .chain(&session)
        .chain(&resource_policy)
        .any(|p| {
            let text = p.text.to_ascii_lowercase();
            text.contains("aws:currenttime") || text.contains("aws:epochtime")
        });
    let context = context(
        args,
        &principal,
        resource_account.as_deref(),
        reads_time.then_some(&mut assumptions),
    )?;
    if resource_policy.is_none() && is_kms_key(&args.resource) {
        assumptions.push(
            "no key policy given (--resource-policy): every KMS key has one, and it must allow, directly or by \
             delegating to the account, so the decision is unknown until it is given"
                .to_string(),
        );
    }
    let request = Request {
        action: &args.action,
        resource: &args.resource,
        principal: &principal,
        context: &context,
        resource_account: resource_account.as_deref(),
    };
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_ref(),
        session: session.as_ref(),
        resource: resource_policy.as_ref(),
        identity_side: false,
    };
    let simulation = Simulation {
        principal: args.principal.trim().to_string(),
        action: args.action.clone(),
        resource: args.resource.clone(),
        cross_account: request.cross_account(),
        resource_account: resource_account.clone(),
        decision: evaluate(&request, &set),
        assumptions,
    };
    let text = match args.format {
        ListFormat::Table => render_table(&simulation),
        ListFormat::Json => render_json(&simulation),
    };
    print(&text)?;
    Ok(if simulation.decision.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A request names one action, `service:Name`: an empty or malformed one would
/// match nothing (or, in a `NotAction`, everything) and the decision would mean
/// nothing.
fn check_action(action: &str) -> Result<(), Fatal> {
    let bad = |why: &str| Err(Fatal::Usage(format!("--action {action:?}: {why}")));
    let Some((service, name)) = action.split_once(':') else {
        return bad("give the request's action as service:Name (s3:GetObject)");
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric());
    if !service_ok || !name_ok {
        return bad(
            "give the request's action as service:Name (s3:GetObject): a service prefix (lower-case letters, digits, \
             -) and the action's name (letters and digits; a request names one action, no wildcard)",
        );
    }
    Ok(())
}

/// A request's resource is an ARN (`arn:partition:service:region:account:…`),
/// or `*` for actions that take none.
fn check_resource(resource: &str) -> Result<(), Fatal> {
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let arn = parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty();
    if !arn || resource.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Fatal::Usage(format!(
            "--resource {resource:?}: give the request's resource as an ARN (arn:aws:s3:::bucket/key), or * for an \
             action that takes no resource"
        )));
    }
    Ok(())
}

/// The request context: `--context` (typed by key, a repeated key multi-valued,
/// `!KEY` absent), over what the request itself says of its principal and
/// resource (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
/// `aws:username`, `aws:userid` of an account, `aws:PrincipalIsAWSService`,
/// `aws:PrincipalServiceName`, `aws:ResourceAccount`) and the time it is made
/// (now: said in `time_assumption` when a policy reads it). Anything else stays
/// unknown: a user's or role's unique ID, the source IP, TLS, MFA, tags.
fn context(
    args: &SimulateArgs,
    principal: &Principal,
    resource_account: Option<&str>,
    time_assumption: Option<&mut Vec<String>>,
) -> Result<Context, Fatal> {
    let mut context = Context::default();
    if principal.service {
        context.set("aws:PrincipalIsAWSService", &["true"]);
        context.set("aws:PrincipalServiceName", &[&principal.arn]);
    } else {
        let kind = match (principal.is_role, principal.arn.ends_with(":root")) {
            (true, _) => "AssumedRole",
            (false, true) => "Account",
            (false, false) => "User",
        };
        context.set("aws:PrincipalArn", &[&principal.arn]);
        context.set("aws:PrincipalAccount", &[&principal.account]);
        context.set("aws:PrincipalType", &[kind]);
        context.set("aws:PrincipalIsAWSService", &["false"]);
        match kind {
            "User" => {
                if let Some(name) = principal.arn.rsplit('/').next() {
                    context.set("aws:username", &[name]);
                }
            }
            // The root user's aws:userid is its account ID; a user's or role's is
            // a unique ID (AIDA…, AROA…:session) the doctor does not have.
            "Account" => {
                context.set("aws:userid", &[&principal.account]);
            }
            _ => {}
        }
        context.set(
            "aws:ResourceAccount",
            &[resource_account.unwrap_or(&principal.account)],
        );
    }
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for item in &args.context {
        if let Some(key) = item.strip_prefix('!') {
            context.absent(key.trim());
            continue;
        }
        let Some((key, value)) = item.split_once('=') else {
            return Err(Fatal::Usage(format!(
                "--context {item}: give KEY=VALUE (or !KEY for a key the request does not carry)"
            )));
        };
        let key = key.trim();
        check_value(key, value).map_err(|e| Fatal::Usage(format!("--context {item}: {e}")))?;
        match given.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((_, values)) => values.push(value.to_string()),
            None => given.push((key.to_string(), vec![value.to_string()])),
        }
    }
    let given_time = ["aws:CurrentTime", "aws:EpochTime"]
        .iter()
        .any(|k| given.iter().any(|(g, _)| g.eq_ignore_ascii_case(k)));
    if !given_time {
        let now = jiff::Timestamp::now();
        let seconds = now.as_second().to_string();
        let iso = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        context.set("aws:CurrentTime", &[&iso]);
        context.set("aws:EpochTime", &[&seconds]);
        if let Some(assumptions) = time_assumption {
            assumptions.push(format!(
                "the request is made now (aws:CurrentTime {iso}); --context aws:CurrentTime=… says when"
            ));
        }
    }
    for (key, values) in &given {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        context.set(key, &values);
    }
    Ok(context)
}
