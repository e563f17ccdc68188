//! `hook FILE…`: what pre-commit runs on the files a commit changes. Each changed
//! connection file, and the connection beside each changed policy file, is judged
//! offline with the policy files that the naming rule puts beside it; one report
//! each, one exit status for all.
//!
//! The naming rule is the fleet's (`collect::fleet`): for a connection `N.toml`
//! (or `N.json`), `N.trust.json` is its trust policy, `N.policy.json` and
//! `N.policy.*.json` its identity policies, `N.boundary.json` its permissions
//! boundary and `N.bucket-policy.json` its results bucket's policy.

use super::{print, table_width};
use crate::collect::fleet;
use crate::error::Fatal;
use crate::{collect, engine, gate, report, rules, style};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(files: &[PathBuf]) -> Result<ExitCode, Fatal> {
    let mut connections: Vec<PathBuf> = Vec::new();
    for file in files {
        if let Some(conn) = connection_of(file)
            && !connections.contains(&conn)
        {
            connections.push(conn);
        }
    }
    let (mut failed, mut bad) = (false, false);
    for conn in &connections {
        match judge(conn) {
            Ok((text, fails)) => {
                print(&text)?;
                failed |= fails;
            }
            // One bad file does not hide the others' findings.
            Err(e) => {
                eprintln!("error: {}", style::printable(&e.to_string()));
                bad = true;
            }
        }
    }
    Ok(match (bad, failed) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The connection a changed file belongs to: itself, or the connection whose
/// policy file it is (`None` when no connection is beside it).
fn connection_of(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    match fleet::policy_of(name) {
        // Omni's file, or another tool's source (`connection::source::EXTENSIONS`).
        Some(stem) => [".toml", ".json"]
            .iter()
            .chain(crate::connection::source::EXTENSIONS)
            .map(|ext| file.with_file_name(format!("{stem}{ext}")))
            .find(|p| p.is_file()),
        None => Some(file.to_path_buf()),
    }
}

/// One connection judged offline: its table, and whether it has an error.
fn judge(conn: &Path) -> Result<(String, bool), Fatal> {
    let collected = collect::collect_offline(conn, &collect::SecretInput::default(), &fleet::beside(conn).0)?;
    let gate = gate::Gate::new(&[], &[], &collected.facts.connection)?;
    let mut checks = engine::link(gate.apply(engine::run(&rules::REGISTRY, &collected.facts)));
    crate::fix::compose::compose(&mut checks, false);
    let report = report::Report::new(&collected.facts, checks, &rules::CATALOGUE);
    let text = report::table::render(
        &report,
        &report::table::Options {
            style: style::Style::detect(style::ColorChoice::Auto, true),
            verbose: false,
            quiet: false,
            width: table_width(false),
        },
    );
    Ok((
        // The name is the committer's: ESC or OSC sequences in it must not reach the terminal.
        format!("{}:\n{text}\n", style::printable(&conn.display().to_string())),
        report.fails(report::FailOn::Error),
    ))
}
