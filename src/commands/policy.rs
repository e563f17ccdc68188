//! `athena-doctor policy`: the policies a connection needs, from scratch.

use crate::cli::ListFormat;
use crate::connection::{AuthType, Connection};
use crate::permissions::{self, Target};
use serde_json::json;
use std::fmt::Write;

pub(crate) fn render(conn: &Connection, format: ListFormat) -> String {
    let target = Target::of(conn);
    let (permissions, missing) = permissions::least_privilege(&target);
    let trust =
        (conn.auth.auth_type != Some(AuthType::AccessKey)).then(|| permissions::trust_policy(conn, &target));
    let mut notes: Vec<String> = missing
        .iter()
        .map(|m| format!("{}: {}", m.rule, m.reason))
        .collect();
    notes.dedup();
    match format {
        ListFormat::Json => {
            let mut out = serde_json::to_string_pretty(&json!({
                "permissions": permissions,
                "trust": trust,
                "notes": notes,
            }))
            .expect("a JSON value always serialises");
            out.push('\n');
            out
        }
        ListFormat::Table => {
            let pretty = |v: &serde_json::Value| {
                serde_json::to_string_pretty(v).expect("a JSON value always serialises")
            };
            let mut out = String::new();
            let _ = writeln!(
                out,
                "Permissions policy (least privilege for this connection):\n{}",
                pretty(&permissions)
            );
            if let Some(trust) = &trust {
                let _ = writeln!(
                    out,
                    "\nTrust policy (lets the vendor assume the role, only with the External ID):\n{}",
                    pretty(trust)
                );
            }
            for note in &notes {
                let _ = writeln!(out, "\nnote: {note}; the statements for it are left out");
            }
            out
        }
    }
}
