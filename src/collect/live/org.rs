//! Organizations: the SCPs and RCPs above the connection's account, read where the
//! doctor's credentials may (the organization's management account, or a
//! delegated administrator): `DescribeOrganization` (which account manages it —
//! SCPs and RCPs do not apply to that one), `ListRoots` (the policy types enabled),
//! `ListParents` from the account up to the root, `ListPoliciesForTarget` of the
//! root, each OU and the account, and `DescribePolicy` of each policy once. All
//! reads. They go into the same `facts.guardrails` as `--scp`/`--rcp`, one level a
//! target, each policy named with where it is attached. A refusal (a member
//! account, an account outside the organization) leaves the policies failed,
//! naming the read and who may make it, so ORG001/ORG002 skip saying why.

use super::Clients;
use super::call::Tracker;
use super::iam::all;
use crate::facts::{Failure, FailureKind, Observed, Organization};
use crate::policy::decode::Origin;
use crate::policy::{Policy, PolicyKind};
use aws_sdk_organizations::types::{ParentType, PolicySummary, PolicyType, PolicyTypeStatus};
use std::collections::BTreeMap;

/// Policies by level of the organization: the root, each OU down, the account.
pub(crate) type Levels = Vec<Vec<Policy>>;

/// What the organization's reads gave.
pub(crate) struct OrgPolicies {
    pub scps: Observed<Levels>,
    pub rcps: Observed<Levels>,
    /// The organization as read, when `DescribeOrganization` answered (or said
    /// there is none for the connection's own account).
    pub organization: Option<Organization>,
}

impl OrgPolicies {
    fn unknown(why: &str) -> OrgPolicies {
        OrgPolicies {
            scps: Observed::NotCollected(why.into()),
            rcps: Observed::NotCollected(why.into()),
            organization: None,
        }
    }

    fn failed(failure: Failure, hint: &str) -> OrgPolicies {
        let failure = with_hint(failure, hint);
        OrgPolicies {
            scps: Observed::Failed(failure.clone()),
            rcps: Observed::Failed(failure),
            organization: None,
        }
    }

    /// None applies, for the reason `organization` gives.
    fn none_apply(organization: Organization) -> OrgPolicies {
        OrgPolicies {
            scps: Observed::Known(Vec::new()),
            rcps: Observed::Known(Vec::new()),
            organization: Some(organization),
        }
    }
}

/// The failure with what to do about it: a refusal says who may read (`hint`);
/// a timeout or an unreachable endpoint, only that the files can give them.
fn with_hint(failure: Failure, hint: &str) -> Failure {
    let refused = matches!(failure.kind, FailureKind::Denied | FailureKind::NotFound)
        || (failure.kind == FailureKind::Other && !failure.code.is_empty());
    let hint = if refused {
        hint
    } else {
        "pass --scp/--rcp FILE to give them"
    };
    Failure {
        message: format!("{}; {hint}", failure.message),
        ..failure
    }
}

/// Who may read an organization's policies, said with every refusal.
const WHO_MAY: &str = "only the organization's management account or a delegated administrator may read \
                       its policies: run the doctor there, or pass --scp/--rcp FILE";

/// OUs nest five deep under the root (AWS Organizations User Guide, "Quotas"):
/// a longer chain of parents is not followed.
const MAX_DEPTH: usize = 8;

/// The SCPs and RCPs that apply to `account` (the connection's), or why they
/// are not known.
pub(super) async fn policies(account: Option<&str>, c: &Clients, t: &Tracker) -> OrgPolicies {
    let Some(account) = account else {
        return OrgPolicies::unknown(
            "needs the connection's account (the role ARN's, or account_id) to read its organization's \
             policies: pass --scp/--rcp FILE",
        );
    };
    // The doctor's own organization: one request whatever the connection, so
    // read once a run (the same for every connection sharing the clients).
    let described = t
        .read(
            &c.reads,
            String::new(),
            "organizations:DescribeOrganization",
            "organizations:DescribeOrganization",
            Box::pin(c.organizations.describe_organization().send()),
            |o| {
                o.organization().map(|g| {
                    (
                        g.id().unwrap_or_default().to_string(),
                        g.master_account_id().unwrap_or_default().to_string(),
                    )
                })
            },
        )
        .await;
    let (id, management) = match described {
        Observed::Known(Some(found)) => found,
        Observed::Known(None) => {
            return OrgPolicies::unknown(
                "organizations:DescribeOrganization answered without the organization",
            );
        }
        // The doctor's own account is in no organization: the connection's is
        // in none either when it is that account.
        Observed::Failed(f) if f.code == "AWSOrganizationsNotInUseException" => {
            // The same read as the connection's caller (`gather`), so made once:
            // its ARN names the account.
            let caller = t
                .read(
                    &c.reads,
                    String::new(),
                    "sts:GetCallerIdentity",
                    "sts:GetCallerIdentity (organization)",
                    Box::pin(c.sts.get_caller_identity().send()),
                    |o| o.arn().unwrap_or_default().to_string(),
                )
                .await;
            let caller_account = |arn: &str| arn.split(':').nth(4).map(str::to_string);
            return match caller {
                Observed::Known(arn) if caller_account(&arn).as_deref() == Some(account) => {
                    OrgPolicies::none_apply(Organization {
                        account: account.to_string(),
                        id: None,
                        management_account: None,
                        enabled: Vec::new(),
                    })
                }
                _ => OrgPolicies::failed(
                    f,
                    &format!(
                        "the doctor's account is in no organization, so it cannot read account {account}'s: \
                         run the doctor in its organization's management account, or pass --scp/--rcp FILE"
                    ),
                ),
            };
        }
        Observed::Failed(f) => return OrgPolicies::failed(f, WHO_MAY),
        Observed::NotCollected(why) => return OrgPolicies::unknown(&why),
    };
    let mut organization = Organization {
        account: account.to_string(),
        id: Some(id),
        management_account: Some(management),
        enabled: Vec::new(),
    };
    if organization.management_account.as_deref() == Some(account) {
        return OrgPolicies::none_apply(organization);
    }
    // The policy types enabled and the account's place in the tree, at once.
    let roots = t.read(
        &c.reads,
        String::new(),
        "organizations:ListRoots",
        "organizations:ListRoots",
        Box::pin(c.organizations.list_roots().send()),
        |o| {
            o.roots().first().map(|r| {
                let enabled = r
                    .policy_types()
                    .iter()
                    .filter(|p| p.status() == Some(&PolicyTypeStatus::Enabled))
                    .filter_map(|p| p.r#type().map(|k| k.as_str().to_string()))
                    .collect::<Vec<_>>();
                (r.id().unwrap_or_default().to_string(), enabled)
            })
        },
    );
    let (roots, path) = super::both(t, roots, Box::pin(path(account, c, t))).await;
    organization.enabled = match roots {
        Observed::Known(Some((_, enabled))) => enabled,
        Observed::Known(None) => {
            return OrgPolicies::unknown("organizations:ListRoots answered without a root");
        }
        Observed::Failed(f) => return OrgPolicies::failed(f, WHO_MAY),
        Observed::NotCollected(why) => return OrgPolicies::unknown(&why),
    };
    let wanted: Vec<PolicyType> = [
        PolicyType::ServiceControlPolicy,
        PolicyType::ResourceControlPolicy,
    ]
    .into_iter()
    .filter(|k| organization.enabled.iter().any(|e| e == k.as_str()))
    .collect();
    if wanted.is_empty() {
        return OrgPolicies::none_apply(organization);
    }
    let path = match path {
        Ok(path) => path,
        Err(f) => {
            return OrgPolicies {
                organization: Some(organization),
                ..OrgPolicies::failed(f, WHO_MAY)
            };
        }
    };
    let read = all(
        t,
        wanted.iter().map(|k| Box::pin(levels(k, &path, c, t))).collect(),
    )
    .await;
    let mut by_kind: BTreeMap<&str, Observed<Levels>> =
        wanted.iter().map(PolicyType::as_str).zip(read).collect();
    let mut take = |kind: PolicyType| {
        by_kind
            .remove(kind.as_str())
            .unwrap_or(Observed::Known(Vec::new()))
    };
    OrgPolicies {
        scps: take(PolicyType::ServiceControlPolicy),
        rcps: take(PolicyType::ResourceControlPolicy),
        organization: Some(organization),
    }
}

/// The targets policies are attached to, from the root down to the account,
/// each with how findings name it (`root r-ab12`, `OU ou-ab12-cd34ef56`,
/// `account 111122223333`).
async fn path(account: &str, c: &Clients, t: &Tracker) -> Result<Vec<(String, String)>, Failure> {
    let mut path = vec![(account.to_string(), format!("account {account}"))];
    let mut child = account.to_string();
    for _ in 0..MAX_DEPTH {
        let parent = t
            .call(
                "organizations:ListParents",
                format!("organizations:ListParents {child}"),
                Box::pin(c.organizations.list_parents().child_id(&child).send()),
                |o| {
                    o.parents()
                        .first()
                        .map(|p| (p.id().unwrap_or_default().to_string(), p.r#type().cloned()))
                },
            )
            .await;
        match parent {
            Observed::Known(Some((id, Some(ParentType::Root)))) => {
                path.push((id.clone(), format!("root {id}")));
                path.reverse();
                return Ok(path);
            }
            Observed::Known(Some((id, _))) if !id.is_empty() => {
                path.push((id.clone(), format!("OU {id}")));
                child = id;
            }
            Observed::Failed(f) => return Err(f),
            _ => break,
        }
    }
    Err(Failure {
        kind: FailureKind::Other,
        action: "organizations:ListParents".into(),
        code: String::new(),
        message: format!("the parents of {account} did not lead to the root"),
    })
}

/// The policies of one kind at each level of `path`, or why not.
async fn levels(kind: &PolicyType, path: &[(String, String)], c: &Clients, t: &Tracker) -> Observed<Levels> {
    let listed = all(
        t,
        path.iter()
            .map(|(target, _)| {
                t.read(
                    &c.reads,
                    format!("{target} {}", kind.as_str()),
                    "organizations:ListPoliciesForTarget",
                    format!("organizations:ListPoliciesForTarget {target} {}", kind.as_str()),
                    Box::pin(
                        c.organizations
                            .list_policies_for_target()
                            .target_id(target)
                            .filter(kind.clone())
                            .into_paginator()
                            .send()
                            .try_collect(),
                    ),
                    |pages| {
                        pages
                            .iter()
                            .flat_map(|o| o.policies().to_vec())
                            .collect::<Vec<PolicySummary>>()
                    },
                )
            })
            .collect(),
    )
    .await;
    let mut attached = Vec::new();
    for level in listed {
        match level {
            Observed::Known(summaries) => attached.push(summaries),
            Observed::Failed(f) => {
                return Observed::Failed(with_hint(f, WHO_MAY));
            }
            Observed::NotCollected(why) => return Observed::NotCollected(why),
        }
    }
    // A policy attached at several levels (FullAWSAccess) is described once.
    let mut ids: Vec<String> = attached
        .iter()
        .flatten()
        .filter_map(|p| p.id().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    let described = all(
        t,
        ids.iter()
            .map(|id| {
                t.read(
                    &c.reads,
                    id.clone(),
                    "organizations:DescribePolicy",
                    format!("organizations:DescribePolicy {id}"),
                    Box::pin(c.organizations.describe_policy().policy_id(id).send()),
                    |o| o.policy().and_then(|p| p.content()).map(str::to_string),
                )
            })
            .collect(),
    )
    .await;
    let mut content = BTreeMap::new();
    for (id, text) in ids.iter().zip(described) {
        match text {
            Observed::Known(Some(text)) => {
                content.insert(id.as_str(), text);
            }
            Observed::Known(None) => {
                return Observed::NotCollected(format!(
                    "organizations:DescribePolicy {id} answered without the policy's content"
                ));
            }
            Observed::Failed(f) => {
                return Observed::Failed(with_hint(f, WHO_MAY));
            }
            Observed::NotCollected(why) => return Observed::NotCollected(why),
        }
    }
    let (short, policy_kind) = match kind {
        PolicyType::ResourceControlPolicy => ("RCP", PolicyKind::Resource),
        _ => ("SCP", PolicyKind::Identity),
    };
    let mut out = Vec::new();
    for ((_, label), summaries) in path.iter().zip(attached) {
        let mut level = Vec::new();
        for s in summaries {
            let id = s.id().unwrap_or_default();
            let Some(text) = content.get(id) else { continue };
            let name = s.name().unwrap_or(id);
            let shown = format!("{short} {name} ({id}) attached to {label}");
            match Policy::from_text(&shown, None, text, policy_kind) {
                Ok(mut p) => {
                    p.origin = Origin::OrganizationPolicy;
                    p.names.extend([
                        ("policy", name.to_string()),
                        ("id", id.to_string()),
                        ("arn", s.arn().unwrap_or_default().to_string()),
                        ("type", kind.as_str().to_string()),
                        ("attached", label.clone()),
                    ]);
                    level.push(p);
                }
                Err(e) => {
                    return Observed::NotCollected(format!("{shown} does not parse: {e}"));
                }
            }
        }
        out.push(level);
    }
    Observed::Known(out)
}
