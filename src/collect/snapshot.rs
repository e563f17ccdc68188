//! Snapshots: the facts of a live run, written as versioned JSON (no secret is ever
//! in the facts), and read back to replay the run offline.

use crate::error::Fatal;
use crate::facts::{FACTS_VERSION, Facts};
use crate::location::Location;
use std::path::Path;

pub(crate) fn write_snapshot(facts: &Facts) -> String {
    let mut out = serde_json::to_string_pretty(facts).expect("facts always serialise");
    out.push('\n');
    out
}

pub(crate) fn read_snapshot(path: &Path) -> Result<Facts, Fatal> {
    parse_snapshot(
        path,
        &crate::connection::read_input(path, crate::limits::Input::Snapshot)?,
    )
}

/// A snapshot's text, read: the facts, or the error with its location.
pub(crate) fn parse_snapshot(path: &Path, text: &str) -> Result<Facts, Fatal> {
    let text = text.to_string();
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Fatal::input(
            path,
            Some(Location {
                line: u32::try_from(e.line().max(1)).unwrap_or(u32::MAX),
                column: u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
            }),
            format!(
                "invalid JSON: {}",
                e.to_string()
                    .rsplit_once(" at line ")
                    .map_or(e.to_string(), |(m, _)| m.to_string())
            ),
        )
    })?;
    let start = Location { line: 1, column: 1 };
    if !value.is_object() {
        return Err(Fatal::input(
            path,
            Some(start),
            "not an athena-doctor snapshot (a snapshot is a JSON object)",
        ));
    }
    let at_version = crate::location::locate_key(&text, "version").or(Some(start));
    match value.get("version") {
        Some(v) if v.as_u64() == Some(u64::from(FACTS_VERSION)) => {}
        Some(serde_json::Value::Number(v)) => {
            return Err(Fatal::input(
                path,
                at_version,
                format!("snapshot version {v}; this doctor reads version {FACTS_VERSION}"),
            ));
        }
        Some(other) => {
            return Err(Fatal::input(
                path,
                at_version,
                format!("`version` must be the number {FACTS_VERSION}, not {other}"),
            ));
        }
        None => {
            return Err(Fatal::input(
                path,
                Some(start),
                "not an athena-doctor snapshot (no `version`)",
            ));
        }
    }
    if let Some(pointer) = nul_at(&value, &mut String::new()) {
        return Err(Fatal::input(
            path,
            None,
            format!(
                "`{pointer}` holds a NUL character: no name, path or AWS text in a snapshot does, and no \
                 shell word can carry one"
            ),
        ));
    }
    // Read again from the text (not the value) so that a type error has its line
    // and column as well as its path.
    let mut reader = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let inner = e.inner();
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        Fatal::input(
            path,
            Some(Location {
                line: u32::try_from(inner.line().max(1)).unwrap_or(u32::MAX),
                column: u32::try_from(inner.column().max(1)).unwrap_or(u32::MAX),
            }),
            format!("`{}`: {message}", e.path()),
        )
    })
}

/// The JSON pointer of the first key or string holding a NUL (a snapshot's names
/// reach `apply.sh` and printed commands, where none can be carried).
fn nul_at(value: &serde_json::Value, at: &mut String) -> Option<String> {
    use serde_json::Value;
    let escaped = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::String(s) if s.contains('\0') => Some(at.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = at.len();
            at.push_str(&format!("/{i}"));
            let found = nul_at(v, at);
            at.truncate(len);
            found
        }),
        Value::Object(members) => members.iter().find_map(|(k, v)| {
            let len = at.len();
            at.push('/');
            at.push_str(&escaped(k));
            let found = if k.contains('\0') {
                Some(at.clone())
            } else {
                nul_at(v, at)
            };
            at.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Observed;

    /// A snapshot keeps the guardrails given (policies, names, the endpoint's
    /// ID) and reads back the same facts; one from before them reads as not given.
    #[test]
    fn guardrails_survive_a_snapshot() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
        let inputs = crate::collect::GuardInputs {
            scps: vec![dir.join("scp-denies-glue/scp.json")],
            rcps: vec![dir.join("rcp-outside-org-unknown/rcp.json")],
            endpoints: vec![format!(
                "s3={}",
                dir.join("endpoint-policy-denies-results-write/vpce.json")
                    .display()
            )],
            session: Some(dir.join("session-policy-denies-glue/session.json")),
        };
        let mut facts = crate::rules::unread::healthy();
        facts.guardrails = crate::collect::read_guardrails(&inputs).unwrap();
        let text = write_snapshot(&facts);
        let back = parse_snapshot(Path::new("snap.json"), &text).unwrap();
        assert_eq!(back.guardrails, facts.guardrails);
        let scp = &back.guardrails.scps.known().unwrap()[0][0];
        assert_eq!(scp.name, "SCP DenyGlue (p-glue0001)");
        assert_eq!(scp.origin, crate::policy::decode::Origin::OrganizationPolicy);
        assert_eq!(
            back.guardrails
                .session
                .as_ref()
                .map(|p| p.document.statements.len()),
            Some(1),
            "the session policy is kept"
        );
        let endpoints = back.guardrails.endpoints.known().unwrap();
        assert_eq!(
            endpoints["s3"].name_of("endpoint"),
            Some("vpce-0a1b2c3d4e5f67890")
        );
        // Older snapshots: no `guardrails` member.
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        old.as_object_mut().unwrap().remove("guardrails");
        let old = parse_snapshot(Path::new("old.json"), &old.to_string()).unwrap();
        assert!(matches!(old.guardrails.scps, Observed::NotCollected(_)));
    }
}
