//! IAM: the connection principal's policies (inline, attached, group), its
//! permissions boundary and, for a role, the role itself and its trust policy;
//! and the trust policies of the AWS profile chain's other roles (TRUST007).

use super::Clients;
use super::call::Tracker;
use crate::aws::arn::{Arn, IamResource};
use crate::connection::{Connection, FieldId};
use crate::facts::{Failure, FailureKind, Observed, RoleFacts, TrustPolicy};
use crate::policy::decode::Origin;
use crate::policy::{Policy, PolicyKind};
use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::future::Future;

/// What IAM tells about the principal.
pub(super) struct IamFacts {
    pub role: Observed<RoleFacts>,
    pub identity: Observed<Vec<Policy>>,
    pub boundary: Observed<Option<Policy>>,
    pub trust: Observed<TrustPolicy>,
}

impl IamFacts {
    pub(super) fn not_collected(why: &str) -> IamFacts {
        IamFacts {
            role: Observed::NotCollected(why.into()),
            identity: Observed::NotCollected(why.into()),
            boundary: Observed::NotCollected(why.into()),
            trust: Observed::NotCollected(why.into()),
        }
    }
}

/// Await futures all at once, or one by one when measuring the difference.
pub(super) async fn all<F: Future>(t: &Tracker, futures: Vec<F>) -> Vec<F::Output> {
    if t.sequential {
        let mut out = Vec::new();
        for f in futures {
            out.push(f.await);
        }
        out
    } else {
        join_all(futures).await
    }
}

/// A document as IAM returns it (URL-encoded), parsed; a parse failure is a fact too.
fn parse(name: &str, text: &str, kind: PolicyKind, action: &str) -> Observed<Policy> {
    match Policy::from_text(name, None, text, kind) {
        Ok(p) => Observed::Known(p),
        Err(e) => Observed::Failed(Failure {
            kind: FailureKind::Other,
            action: action.into(),
            code: String::new(),
            message: format!("the document AWS returned does not parse: {e}"),
        }),
    }
}

/// A managed policy's default version (`iam:GetPolicy` + `iam:GetPolicyVersion`),
/// and beside them who else it is attached to.
async fn managed(c: &Clients, t: &Tracker, arn: &str, kind: PolicyKind) -> Observed<Policy> {
    let document = async {
        let version = t
            .read(
                &c.reads,
                arn.to_string(),
                "iam:GetPolicy",
                format!("iam:GetPolicy {arn}"),
                c.iam.get_policy().policy_arn(arn).send(),
                |o| {
                    o.policy()
                        .and_then(|p| p.default_version_id())
                        .map(str::to_string)
                },
            )
            .await;
        let version = match version {
            Observed::Known(Some(v)) => v,
            Observed::Known(None) => {
                return Err(Observed::NotCollected(format!("{arn} has no default version")));
            }
            Observed::Failed(f) => return Err(Observed::Failed(f)),
            Observed::NotCollected(w) => return Err(Observed::NotCollected(w)),
        };
        let document = t
            .read(
                &c.reads,
                format!("{arn} {version}"),
                "iam:GetPolicyVersion",
                format!("iam:GetPolicyVersion {arn}"),
                c.iam
                    .get_policy_version()
                    .policy_arn(arn)
                    .version_id(&version)
                    .send(),
                |o| o.policy_version().and_then(|v| v.document()).map(str::to_string),
            )
            .await;
        Ok::<_, Observed<Policy>>((version, document))
    };
    // Who else a new version would change: a fix that rewrites the policy names them.
    let attached = t.read(
        &c.reads,
        arn.to_string(),
        "iam:ListEntitiesForPolicy",
        format!("iam:ListEntitiesForPolicy {arn}"),
        c.iam.list_entities_for_policy().policy_arn(arn).send(),
        |o| {
            let roles = o
                .policy_roles()
                .iter()
                .filter_map(|r| r.role_name())
                .map(|n| format!("role {n}"));
            let users = o
                .policy_users()
                .iter()
                .filter_map(|u| u.user_name())
                .map(|n| format!("user {n}"));
            let groups = o
                .policy_groups()
                .iter()
                .filter_map(|g| g.group_name())
                .map(|n| format!("group {n}"));
            roles.chain(users).chain(groups).collect::<Vec<_>>().join(", ")
        },
    );
    let (document, attached) = super::both(t, document, attached).await;
    let (version, document) = match document {
        Ok(read) => read,
        Err(unread) => return unread,
    };
    let mut names = vec![("arn", arn.to_string())];
    if let Observed::Known(list) = attached {
        names.push(("attached", list));
    }
    match document {
        Observed::Known(Some(doc)) => labelled(
            parse(
                &format!("managed policy {arn}"),
                &doc,
                kind,
                "iam:GetPolicyVersion",
            ),
            Origin::ManagedPolicy,
            names,
        ),
        Observed::Known(None) => Observed::NotCollected(format!("{arn} {version} has no document")),
        Observed::Failed(f) => Observed::Failed(f),
        Observed::NotCollected(w) => Observed::NotCollected(w),
    }
}

/// A policy read live, labelled as the AWS CLI's output would label it: how it
/// is attached and the names a fix's command needs.
fn labelled(
    policy: Observed<Policy>,
    origin: Origin,
    names: Vec<(&'static str, String)>,
) -> Observed<Policy> {
    match policy {
        Observed::Known(mut p) => {
            p.origin = origin;
            p.names = names;
            Observed::Known(p)
        }
        other => other,
    }
}

/// Every policy, or the first failure (a partial set would judge wrongly).
fn gather(results: Vec<Observed<Policy>>) -> Observed<Vec<Policy>> {
    let mut out = Vec::new();
    for r in results {
        match r {
            Observed::Known(p) => out.push(p),
            Observed::Failed(f) => return Observed::Failed(f),
            Observed::NotCollected(w) => return Observed::NotCollected(w),
        }
    }
    Observed::Known(out)
}

/// An inline policy's document, as fetched, parsed.
fn inline_doc(doc: Observed<String>, name: &str, action: &str) -> Observed<Policy> {
    match doc {
        Observed::Known(d) => parse(name, &d, PolicyKind::Identity, action),
        Observed::Failed(f) => Observed::Failed(f),
        Observed::NotCollected(w) => Observed::NotCollected(w),
    }
}

/// Whose inline policies to read.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Role(&'a str),
    User(&'a str),
}

/// Every inline policy of a listing, fetched at once and parsed.
async fn inline_all(
    c: &Clients,
    t: &Tracker,
    owner: Owner<'_>,
    names: &Observed<Vec<String>>,
) -> Vec<Observed<Policy>> {
    let Observed::Known(names) = names else {
        return vec![];
    };
    let fetch = names.iter().map(|p| async move {
        let (doc, action, (kind, name)) = match owner {
            Owner::Role(name) => (
                t.read(
                    &c.reads,
                    format!("{name} {p}"),
                    "iam:GetRolePolicy",
                    format!("iam:GetRolePolicy {p}"),
                    c.iam.get_role_policy().role_name(name).policy_name(p).send(),
                    |o| o.policy_document().to_string(),
                )
                .await,
                "iam:GetRolePolicy",
                ("role", name),
            ),
            Owner::User(name) => (
                t.read(
                    &c.reads,
                    format!("{name} {p}"),
                    "iam:GetUserPolicy",
                    format!("iam:GetUserPolicy {p}"),
                    c.iam.get_user_policy().user_name(name).policy_name(p).send(),
                    |o| o.policy_document().to_string(),
                )
                .await,
                "iam:GetUserPolicy",
                ("user", name),
            ),
        };
        labelled(
            inline_doc(doc, &format!("inline policy {p} of {kind} {name}"), action),
            Origin::InlinePolicy,
            vec![(kind, name.to_string()), ("policy", p.clone())],
        )
    });
    all(t, fetch.collect()).await
}

/// Every managed policy of a listing of attached policies.
async fn managed_all(c: &Clients, t: &Tracker, attached: &Observed<Vec<String>>) -> Vec<Observed<Policy>> {
    let Observed::Known(arns) = attached else {
        return vec![];
    };
    all(
        t,
        arns.iter()
            .map(|a| managed(c, t, a, PolicyKind::Identity))
            .collect(),
    )
    .await
}

pub(super) async fn role(conn: &Connection, c: &Clients, t: &Tracker) -> IamFacts {
    let name = match conn
        .value(FieldId::RoleArn)
        .and_then(|a| Arn::parse(a).ok())
        .map(|a| a.iam_resource())
    {
        Some(IamResource::Role { name, .. }) | Some(IamResource::AssumedRole { role: name, .. }) => name,
        _ => return IamFacts::not_collected("needs a role ARN that parses (ROLE001, ROLE002)"),
    };
    let get_role = t.read(
        &c.reads,
        name.clone(),
        "iam:GetRole",
        "iam:GetRole",
        c.iam.get_role().role_name(&name).send(),
        |o| o.role().cloned(),
    );
    let inline_names = t.read(
        &c.reads,
        name.clone(),
        "iam:ListRolePolicies",
        "iam:ListRolePolicies",
        c.iam
            .list_role_policies()
            .role_name(&name)
            .into_paginator()
            .send()
            .try_collect(),
        |pages| {
            pages
                .iter()
                .flat_map(|o| o.policy_names().to_vec())
                .collect::<Vec<_>>()
        },
    );
    let attached = t.read(
        &c.reads,
        name.clone(),
        "iam:ListAttachedRolePolicies",
        "iam:ListAttachedRolePolicies",
        c.iam
            .list_attached_role_policies()
            .role_name(&name)
            .into_paginator()
            .send()
            .try_collect(),
        |pages| {
            pages
                .iter()
                .flat_map(|o| o.attached_policies())
                .filter_map(|p| p.policy_arn())
                .map(str::to_string)
                .collect::<Vec<_>>()
        },
    );
    let (role, (inline_names, attached)) =
        super::both(t, get_role, super::both(t, inline_names, attached)).await;
    let name = &name;
    let inline = inline_all(c, t, Owner::Role(name), &inline_names);
    let managed_docs = managed_all(c, t, &attached);
    // Only a role that was read can say it has no boundary: when iam:GetRole
    // failed, the boundary is unknown for the same reason, never "none".
    let boundary_arn = match &role {
        Observed::Known(Some(r)) => Observed::Known(
            r.permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
        ),
        Observed::Known(None) => Observed::NotCollected("iam:GetRole returned no role".into()),
        Observed::Failed(f) => Observed::Failed(f.clone()),
        Observed::NotCollected(w) => Observed::NotCollected(w.clone()),
    };
    let boundary = async {
        match &boundary_arn {
            Observed::Known(Some(arn)) => match managed(c, t, arn, PolicyKind::Boundary).await {
                Observed::Known(p) => Observed::Known(Some(p)),
                Observed::Failed(f) => Observed::Failed(f),
                Observed::NotCollected(w) => Observed::NotCollected(w),
            },
            Observed::Known(None) => Observed::Known(None),
            Observed::Failed(f) => Observed::Failed(f.clone()),
            Observed::NotCollected(w) => Observed::NotCollected(w.clone()),
        }
    };
    let ((inline, managed_docs), boundary) =
        super::both(t, super::both(t, inline, managed_docs), boundary).await;
    let identity = match (&inline_names, &attached) {
        (Observed::Failed(f), _) | (_, Observed::Failed(f)) => Observed::Failed(f.clone()),
        _ => gather(inline.into_iter().chain(managed_docs).collect()),
    };
    let (role_facts, trust, boundary) = match role {
        Observed::Known(Some(r)) => {
            let trust = match r.assume_role_policy_document() {
                Some(doc) => match Policy::from_text(
                    &format!("trust policy of role {name}"),
                    None,
                    doc,
                    PolicyKind::Trust,
                ) {
                    Ok(p) => Observed::Known(TrustPolicy::Valid(Box::new(p))),
                    Err(e) => Observed::Known(TrustPolicy::Invalid {
                        path: format!("role {name}"),
                        location: Some(e.location),
                        message: e.to_string(),
                    }),
                },
                None => Observed::NotCollected("iam:GetRole returned no trust policy".into()),
            };
            let facts = RoleFacts {
                arn: r.arn().to_string(),
                path: r.path().to_string(),
                max_session_duration: r.max_session_duration(),
                boundary_arn: boundary_arn.known().ok().cloned().flatten(),
            };
            (Observed::Known(facts), trust, boundary)
        }
        // moto answers an unknown role with an empty body; AWS with NoSuchEntity.
        Observed::Known(None) => {
            let f = Failure {
                kind: FailureKind::NotFound,
                action: "iam:GetRole".into(),
                code: "NoSuchEntity".into(),
                message: format!("The role with name {name} cannot be found."),
            };
            (
                Observed::Failed(f.clone()),
                Observed::Failed(f.clone()),
                Observed::Failed(f),
            )
        }
        Observed::Failed(f) => (
            Observed::Failed(f.clone()),
            Observed::Failed(f.clone()),
            Observed::Failed(f),
        ),
        Observed::NotCollected(w) => (
            Observed::NotCollected(w.clone()),
            Observed::NotCollected(w.clone()),
            Observed::NotCollected(w),
        ),
    };
    IamFacts {
        role: role_facts,
        identity,
        boundary,
        trust,
    }
}

pub(super) async fn user(conn: &Connection, c: &Clients, t: &Tracker) -> IamFacts {
    let no_role = "not applicable: the connection uses an access key";
    let Some(key) = conn.value(FieldId::AccessKeyId) else {
        return IamFacts::not_collected("needs auth.access_key_id");
    };
    let user = t
        .read(
            &c.reads,
            key.to_string(),
            "iam:GetAccessKeyLastUsed",
            "iam:GetAccessKeyLastUsed",
            c.iam.get_access_key_last_used().access_key_id(key).send(),
            |o| o.user_name().map(str::to_string),
        )
        .await;
    let name = match user {
        Observed::Known(Some(n)) => n,
        Observed::Known(None) => {
            return IamFacts::not_collected("iam:GetAccessKeyLastUsed names no user for the access key");
        }
        Observed::Failed(f) => {
            return IamFacts {
                role: Observed::NotCollected(no_role.into()),
                identity: Observed::Failed(f.clone()),
                boundary: Observed::Failed(f),
                trust: Observed::NotCollected(no_role.into()),
            };
        }
        Observed::NotCollected(w) => return IamFacts::not_collected(&w),
    };
    let inline_names = t.read(
        &c.reads,
        name.clone(),
        "iam:ListUserPolicies",
        "iam:ListUserPolicies",
        c.iam
            .list_user_policies()
            .user_name(&name)
            .into_paginator()
            .send()
            .try_collect(),
        |pages| {
            pages
                .iter()
                .flat_map(|o| o.policy_names().to_vec())
                .collect::<Vec<_>>()
        },
    );
    let attached = t.read(
        &c.reads,
        name.clone(),
        "iam:ListAttachedUserPolicies",
        "iam:ListAttachedUserPolicies",
        c.iam
            .list_attached_user_policies()
            .user_name(&name)
            .into_paginator()
            .send()
            .try_collect(),
        |pages| {
            pages
                .iter()
                .flat_map(|o| o.attached_policies())
                .filter_map(|p| p.policy_arn())
                .map(str::to_string)
                .collect::<Vec<_>>()
        },
    );
    let get_user = t.read(
        &c.reads,
        name.clone(),
        "iam:GetUser",
        "iam:GetUser",
        c.iam.get_user().user_name(&name).send(),
        |o| {
            o.user()
                .and_then(|u| u.permissions_boundary())
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string)
        },
    );
    // The groups' policies need only the user's name: read beside its own.
    let own = async {
        let (inline_names, (attached, boundary_arn)) =
            super::both(t, inline_names, super::both(t, attached, get_user)).await;
        let inline = inline_all(c, t, Owner::User(&name), &inline_names);
        let managed_docs = managed_all(c, t, &attached);
        let boundary = async {
            match boundary_arn {
                Observed::Known(Some(arn)) => match managed(c, t, &arn, PolicyKind::Boundary).await {
                    Observed::Known(p) => Observed::Known(Some(p)),
                    Observed::Failed(f) => Observed::Failed(f),
                    Observed::NotCollected(w) => Observed::NotCollected(w),
                },
                Observed::Known(None) => Observed::Known(None),
                Observed::Failed(f) => Observed::Failed(f),
                Observed::NotCollected(w) => Observed::NotCollected(w),
            }
        };
        let ((inline, managed_docs), boundary) =
            super::both(t, super::both(t, inline, managed_docs), boundary).await;
        (inline_names, attached, inline, managed_docs, boundary)
    };
    let ((inline_names, attached, inline, managed_docs, boundary), groups) =
        super::both(t, own, groups(&name, c, t)).await;
    let identity = match (&inline_names, &attached, groups) {
        (Observed::Failed(f), _, _) | (_, Observed::Failed(f), _) => Observed::Failed(f.clone()),
        (_, _, Observed::Known(group_policies)) => gather(
            inline
                .into_iter()
                .chain(managed_docs)
                .chain(group_policies)
                .collect(),
        ),
        (_, _, Observed::Failed(f)) => Observed::Failed(f),
        (_, _, Observed::NotCollected(w)) => Observed::NotCollected(w),
    };
    IamFacts {
        role: Observed::NotCollected(no_role.into()),
        identity,
        boundary,
        trust: Observed::NotCollected(no_role.into()),
    }
}

/// The policies a user has through its groups: each group's inline and attached ones.
async fn groups(user: &str, c: &Clients, t: &Tracker) -> Observed<Vec<Observed<Policy>>> {
    let names = t
        .read(
            &c.reads,
            user.to_string(),
            "iam:ListGroupsForUser",
            "iam:ListGroupsForUser",
            c.iam
                .list_groups_for_user()
                .user_name(user)
                .into_paginator()
                .send()
                .try_collect(),
            |pages| {
                pages
                    .iter()
                    .flat_map(|o| o.groups())
                    .map(|g| g.group_name().to_string())
                    .collect::<Vec<_>>()
            },
        )
        .await;
    let names = match names {
        Observed::Known(n) => n,
        Observed::Failed(f) => return Observed::Failed(f),
        Observed::NotCollected(w) => return Observed::NotCollected(w),
    };
    let per_group = all(
        t,
        names
            .iter()
            .map(|group| async move {
                let inline = t.read(
                    &c.reads,
                    group.clone(),
                    "iam:ListGroupPolicies",
                    format!("iam:ListGroupPolicies {group}"),
                    c.iam
                        .list_group_policies()
                        .group_name(group)
                        .into_paginator()
                        .send()
                        .try_collect(),
                    |pages| {
                        pages
                            .iter()
                            .flat_map(|o| o.policy_names().to_vec())
                            .collect::<Vec<_>>()
                    },
                );
                let attached = t.read(
                    &c.reads,
                    group.clone(),
                    "iam:ListAttachedGroupPolicies",
                    format!("iam:ListAttachedGroupPolicies {group}"),
                    c.iam
                        .list_attached_group_policies()
                        .group_name(group)
                        .into_paginator()
                        .send()
                        .try_collect(),
                    |pages| {
                        pages
                            .iter()
                            .flat_map(|o| o.attached_policies())
                            .filter_map(|p| p.policy_arn())
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    },
                );
                let (inline, attached) = super::both(t, inline, attached).await;
                // Each group's inline and attached policies, all at once.
                let inline_docs = async {
                    match &inline {
                        Observed::Known(policies) => {
                            let docs = policies.iter().map(|p| async move {
                                let doc = t
                                    .read(
                                        &c.reads,
                                        format!("{group} {p}"),
                                        "iam:GetGroupPolicy",
                                        format!("iam:GetGroupPolicy {group} {p}"),
                                        c.iam.get_group_policy().group_name(group).policy_name(p).send(),
                                        |o| o.policy_document().to_string(),
                                    )
                                    .await;
                                // Named, so that a fix edits this group's policy.
                                labelled(
                                    inline_doc(
                                        doc,
                                        &format!("inline policy {p} of group {group}"),
                                        "iam:GetGroupPolicy",
                                    ),
                                    Origin::InlinePolicy,
                                    vec![("group", group.clone()), ("policy", p.clone())],
                                )
                            });
                            all(t, docs.collect()).await
                        }
                        Observed::Failed(f) => vec![Observed::Failed(f.clone())],
                        Observed::NotCollected(w) => vec![Observed::NotCollected(w.clone())],
                    }
                };
                let managed_docs = async {
                    match &attached {
                        Observed::Known(_) => managed_all(c, t, &attached).await,
                        Observed::Failed(f) => vec![Observed::Failed(f.clone())],
                        Observed::NotCollected(w) => vec![Observed::NotCollected(w.clone())],
                    }
                };
                let (mut out, managed_docs) = super::both(t, inline_docs, managed_docs).await;
                out.extend(managed_docs);
                out
            })
            .collect(),
    )
    .await;
    Observed::Known(per_group.into_iter().flatten().collect())
}

/// The trust policy of each role of the profile chain (`Auth::chain`) other
/// than the connection's own (read with the principal): `iam:GetRole` by name,
/// only in `account`, the account the doctor's credentials are in (GetRole
/// takes a name, so a role of another account would be a namesake here);
/// a role elsewhere is not collected, saying which flag gives it.
pub(super) async fn chain_trust(
    conn: &Connection,
    account: Option<&str>,
    c: &Clients,
    t: &Tracker,
) -> BTreeMap<String, Observed<TrustPolicy>> {
    let Some(chain) = conn.auth.chain.as_ref() else {
        return BTreeMap::new();
    };
    let own = conn.value(FieldId::RoleArn).map(str::trim);
    let mut wanted: Vec<(String, Option<String>, String)> = Vec::new();
    for hop in &chain.hops {
        let Some(arn) = hop.role_arn.value().map(str::trim) else {
            continue;
        };
        if Some(arn) == own || wanted.iter().any(|(a, ..)| a == arn) {
            continue;
        }
        let parsed = Arn::parse(arn).ok();
        let name = match parsed.as_ref().map(Arn::iam_resource) {
            Some(IamResource::Role { name, .. }) => Some(name),
            _ => None,
        };
        let role_account = parsed.map(|a| a.account).unwrap_or_default();
        wanted.push((arn.to_string(), name, role_account));
    }
    let reads = wanted.iter().map(|(arn, name, role_account)| async move {
        let why = match (name, account) {
            (None, _) => Some(format!("{arn} is not a role ARN")),
            (_, None) => Some("the doctor's own account is not known (sts:GetCallerIdentity)".to_string()),
            (_, Some(a)) if a != role_account => Some(format!(
                "the role is in account {role_account}, the doctor reads {a}: give --trust-policy {arn}=FILE"
            )),
            _ => None,
        };
        let observed = match (why, name) {
            (Some(why), _) => Observed::NotCollected(why),
            (None, None) => Observed::NotCollected(format!("{arn} is not a role ARN")),
            (None, Some(name)) => {
                let read = t
                    .read(
                        &c.reads,
                        name.clone(),
                        "iam:GetRole",
                        "iam:GetRole",
                        c.iam.get_role().role_name(name).send(),
                        |o| {
                            o.role()
                                .and_then(|r| r.assume_role_policy_document().map(str::to_string))
                        },
                    )
                    .await;
                match read {
                    Observed::Known(Some(doc)) => {
                        match Policy::from_text(
                            &format!("trust policy of role {name}"),
                            None,
                            &doc,
                            PolicyKind::Trust,
                        ) {
                            Ok(mut p) => {
                                if p.name_of("role").is_none() {
                                    p.names.push(("role", name.clone()));
                                }
                                Observed::Known(TrustPolicy::Valid(Box::new(p)))
                            }
                            Err(e) => Observed::Known(TrustPolicy::Invalid {
                                path: format!("role {name}"),
                                location: Some(e.location),
                                message: e.to_string(),
                            }),
                        }
                    }
                    Observed::Known(None) => Observed::Failed(Failure {
                        kind: FailureKind::NotFound,
                        action: "iam:GetRole".into(),
                        code: "NoSuchEntity".into(),
                        message: format!("The role with name {name} cannot be found."),
                    }),
                    Observed::Failed(f) => Observed::Failed(f),
                    Observed::NotCollected(w) => Observed::NotCollected(w),
                }
            }
        };
        (arn.clone(), observed)
    });
    all(t, reads.collect()).await.into_iter().collect()
}
