//! The account's own record of what failed, for `triage --from-account`: the
//! workgroup's recent failed queries (`athena:ListQueryExecutions`, then
//! `athena:BatchGetQueryExecution`) and the connection principal's refused calls
//! in CloudTrail's event history (`cloudtrail:LookupEvents`). Read-only, with
//! the doctor's own credentials; each read that fails is said, never dropped.

use super::call::Tracker;
use crate::connection::{AuthType, Connection, FieldId};
use crate::facts::Observed;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use serde_json::Value;

/// One failure the account recorded, as a message to triage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// Where it was found: `athena query ID (TIME)`, `CloudTrail EVENT (TIME)`.
    pub origin: String,
    pub message: String,
}

/// What the account says failed since a time.
#[derive(Debug)]
pub(crate) struct History {
    pub queries: Observed<Vec<Recorded>>,
    pub denials: Observed<Vec<Recorded>>,
}

/// The most recent executions read: one page of ListQueryExecutions, one
/// BatchGetQueryExecution (which takes at most 50 IDs).
const EXECUTIONS: i32 = 50;

/// The services whose refusals break a connection, as CloudTrail names them.
/// LookupEvents takes one attribute per call and answers 2 calls a second per
/// account, so they are asked one after the other.
const SOURCES: &[&str] = &[
    "athena.amazonaws.com",
    "glue.amazonaws.com",
    "s3.amazonaws.com",
    "kms.amazonaws.com",
    "lakeformation.amazonaws.com",
    "sts.amazonaws.com",
];

/// Error codes CloudTrail records for a refused call.
const REFUSED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
];

pub(crate) async fn recent(
    conn: &Connection,
    athena: &aws_sdk_athena::Client,
    cloudtrail: &aws_sdk_cloudtrail::Client,
    since: jiff::Timestamp,
    t: &Tracker,
) -> History {
    let queries = failed_queries(conn.workgroup(), athena, since, t);
    let denials = denied_calls(conn, cloudtrail, since, t);
    let (queries, denials) = super::both(t, queries, denials).await;
    History { queries, denials }
}

async fn failed_queries(
    workgroup: &str,
    athena: &aws_sdk_athena::Client,
    since: jiff::Timestamp,
    t: &Tracker,
) -> Observed<Vec<Recorded>> {
    let ids = t
        .call(
            "athena:ListQueryExecutions",
            "athena:ListQueryExecutions",
            athena
                .list_query_executions()
                .work_group(workgroup)
                .max_results(EXECUTIONS)
                .send(),
            |o| o.query_execution_ids().to_vec(),
        )
        .await;
    let ids = match ids {
        Observed::Known(ids) if ids.is_empty() => return Observed::Known(Vec::new()),
        Observed::Known(ids) => ids,
        Observed::Failed(f) => return Observed::Failed(f),
        Observed::NotCollected(why) => return Observed::NotCollected(why),
    };
    t.call(
        "athena:BatchGetQueryExecution",
        "athena:BatchGetQueryExecution",
        athena
            .batch_get_query_execution()
            .set_query_execution_ids(Some(ids))
            .send(),
        |o| {
            o.query_executions()
                .iter()
                .filter_map(|q| {
                    let status = q.status()?;
                    if status.state().map(|s| s.as_str()) != Some("FAILED") {
                        return None;
                    }
                    let submitted = status.submission_date_time().map(|d| d.secs());
                    if submitted.is_some_and(|s| s < since.as_second()) {
                        return None;
                    }
                    let reason = status.state_change_reason().unwrap_or_default();
                    let error = status
                        .athena_error()
                        .and_then(|e| e.error_message())
                        .unwrap_or_default();
                    // The reason is Athena's sentence; the AthenaError message
                    // often repeats it, sometimes adds the engine's.
                    let message = if error.is_empty() || reason.contains(error) {
                        reason.to_string()
                    } else if reason.is_empty() {
                        error.to_string()
                    } else {
                        format!("{reason} ({error})")
                    };
                    Some(Recorded {
                        origin: format!(
                            "athena query {}{}",
                            q.query_execution_id().unwrap_or("?"),
                            when(submitted)
                        ),
                        message: if message.is_empty() {
                            "Query has failed".to_string()
                        } else {
                            message
                        },
                    })
                })
                .collect()
        },
    )
    .await
}

fn when(secs: Option<i64>) -> String {
    secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

/// Whose calls to look for: the role's sessions (and AssumeRole calls on the
/// role), or the access key's.
enum Whose {
    Role { arn: String, name: String },
    Key(String),
}

async fn denied_calls(
    conn: &Connection,
    cloudtrail: &aws_sdk_cloudtrail::Client,
    since: jiff::Timestamp,
    t: &Tracker,
) -> Observed<Vec<Recorded>> {
    let whose = match conn.auth.auth_type {
        Some(AuthType::CrossAccountRole) => match conn.value(FieldId::RoleArn) {
            Some(arn) => Whose::Role {
                arn: arn.trim().to_string(),
                name: arn.trim().rsplit('/').next().unwrap_or_default().to_string(),
            },
            None => return Observed::NotCollected("the connection names no role".into()),
        },
        Some(AuthType::AccessKey) => match conn.value(FieldId::AccessKeyId) {
            Some(key) => Whose::Key(key.trim().to_string()),
            None => return Observed::NotCollected("the connection names no access key".into()),
        },
        None => return Observed::NotCollected("needs auth.type".into()),
    };
    let start = aws_sdk_cloudtrail::primitives::DateTime::from_secs(since.as_second());
    let mut found = Vec::new();
    // An access key is one attribute, exact; a role's sessions have keys of
    // their own, so their calls are found by service and filtered here.
    let lookups: Vec<LookupAttribute> = match &whose {
        Whose::Key(key) => vec![attribute(LookupAttributeKey::AccessKeyId, key)],
        Whose::Role { .. } => SOURCES
            .iter()
            .map(|s| attribute(LookupAttributeKey::EventSource, s))
            .collect(),
    };
    for lookup in lookups {
        let source = lookup.attribute_value().to_string();
        let events = t
            .call(
                "cloudtrail:LookupEvents",
                format!("cloudtrail:LookupEvents {source}"),
                cloudtrail
                    .lookup_events()
                    .lookup_attributes(lookup)
                    .start_time(start)
                    .max_results(50)
                    .send(),
                |o| {
                    o.events()
                        .iter()
                        .filter_map(|e| e.cloud_trail_event().map(str::to_string))
                        .collect::<Vec<String>>()
                },
            )
            .await;
        match events {
            Observed::Known(events) => found.extend(events.iter().filter_map(|e| refused(e, &whose))),
            // One refused lookup means the others would be too: say it once.
            other => {
                return match other.known() {
                    Err(why) if found.is_empty() => Observed::Failed(crate::facts::Failure {
                        kind: crate::facts::FailureKind::Other,
                        action: "cloudtrail:LookupEvents".into(),
                        code: String::new(),
                        message: why,
                    }),
                    _ => Observed::Known(found),
                };
            }
        }
    }
    Observed::Known(found)
}

fn attribute(key: LookupAttributeKey, value: &str) -> LookupAttribute {
    LookupAttribute::builder()
        .attribute_key(key)
        .attribute_value(value)
        .build()
        .expect("key and value are set")
}

/// A CloudTrail event as a message to triage, if it is a refused call by the
/// connection's principal.
fn refused(event: &str, whose: &Whose) -> Option<Recorded> {
    let e: Value = serde_json::from_str(event).ok()?;
    let code = e["errorCode"].as_str()?;
    if !REFUSED.contains(&code) {
        return None;
    }
    let identity = &e["userIdentity"];
    let mine = match whose {
        Whose::Key(key) => identity["accessKeyId"].as_str() == Some(key.as_str()),
        Whose::Role { arn, name } => {
            let issuer = identity["sessionContext"]["sessionIssuer"]["arn"]
                .as_str()
                .unwrap_or_default();
            let same_role =
                |a: &str| a == arn || (a.contains(":role/") && a.rsplit('/').next() == Some(name));
            same_role(issuer)
                // The vendor's AssumeRole on the role, refused by its trust policy.
                || (e["eventName"] == "AssumeRole"
                    && same_role(e["requestParameters"]["roleArn"].as_str().unwrap_or_default()))
        }
    };
    if !mine {
        return None;
    }
    let name = e["eventName"].as_str().unwrap_or("?");
    let service = e["eventSource"]
        .as_str()
        .and_then(|s| s.strip_suffix(".amazonaws.com"))
        .unwrap_or("?");
    let caller = identity["arn"].as_str().unwrap_or("the caller");
    // CloudTrail keeps AWS's sentence when there is one; otherwise say it the
    // way AWS does, so the same patterns read it.
    let message = match e["errorMessage"].as_str() {
        Some(m) if m.contains("not authorized to perform") => m.to_string(),
        Some(m) => format!("{code}: User: {caller} is not authorized to perform: {service}:{name} ({m})"),
        None => format!("{code}: User: {caller} is not authorized to perform: {service}:{name}"),
    };
    Some(Recorded {
        origin: format!(
            "CloudTrail {service}:{name} ({})",
            e["eventTime"].as_str().unwrap_or("?")
        ),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_principals_refused_calls_are_kept() {
        let role = Whose::Role {
            arn: "arn:aws:iam::123456789012:role/bi/bi-athena".into(),
            name: "bi-athena".into(),
        };
        let event = |code: &str, issuer: &str| {
            serde_json::json!({
                "eventTime": "2026-11-30T10:00:00Z", "eventSource": "athena.amazonaws.com",
                "eventName": "GetWorkGroup", "errorCode": code,
                "userIdentity": {"arn": "arn:aws:sts::123456789012:assumed-role/bi-athena/omni",
                                 "sessionContext": {"sessionIssuer": {"arn": issuer}}}
            })
            .to_string()
        };
        let mine = refused(
            &event("AccessDenied", "arn:aws:iam::123456789012:role/bi/bi-athena"),
            &role,
        )
        .unwrap();
        assert_eq!(
            mine.origin,
            "CloudTrail athena:GetWorkGroup (2026-11-30T10:00:00Z)"
        );
        assert_eq!(
            mine.message,
            "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/bi-athena/omni is not authorized to \
             perform: athena:GetWorkGroup"
        );
        assert!(
            refused(
                &event(
                    "ThrottlingException",
                    "arn:aws:iam::123456789012:role/bi/bi-athena"
                ),
                &role
            )
            .is_none()
        );
        assert!(
            refused(
                &event("AccessDenied", "arn:aws:iam::123456789012:role/other"),
                &role
            )
            .is_none()
        );
        assert!(refused("not json", &role).is_none());
    }
}
