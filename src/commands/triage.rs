//! `triage`: read the pasted text, find its errors and their causes; with a
//! connection (or a snapshot), run the causes' rules alone on it and mark each
//! cause confirmed, ruled out, or not checkable.

use super::{gather, print, table_width};
use crate::cli::{ListFormat, TriageArgs};
use crate::engine::{self, Rule};
use crate::error::Fatal;
use crate::location::Location;
use crate::{report, rules, style, triage};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) fn run(args: &TriageArgs) -> Result<ExitCode, Fatal> {
    let text = read_text(args)?;
    let mut found = triage::triage(&text);
    let connection = args.config.is_some() || args.sources.snapshot.is_some();
    let candidates = found.candidates();
    if connection && !candidates.is_empty() {
        let config = args
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("athena-doctor.toml"));
        let (facts, gate) = gather(&config, &args.sources, &[], &[])?;
        let only: Vec<&dyn Rule> = rules::REGISTRY
            .iter()
            .copied()
            .filter(|r| candidates.contains(&r.meta()))
            .collect();
        // The gate still applies the connection's `[doctor]` ignores: an ignored
        // cause is not checkable, and says why.
        found.confirm(&gate.apply(engine::run(&only, &facts)));
    }
    let out = match args.format {
        ListFormat::Table => {
            let to_terminal = std::io::stdout().is_terminal();
            report::triage::table(
                &found,
                style::Style::detect(args.color, true),
                table_width(to_terminal),
            )
        }
        ListFormat::Json => report::triage::json(&found),
    };
    print(&out)?;
    // Recognised or not, the triage itself succeeded.
    Ok(ExitCode::SUCCESS)
}

/// The text: the arguments (one line each), or standard input for `-` or none.
fn read_text(args: &TriageArgs) -> Result<String, Fatal> {
    let from_stdin = args.text.is_empty() || args.text == ["-"];
    if !from_stdin {
        if args.text.iter().any(|t| t == "-") {
            return Err(Fatal::Usage(
                "triage: `-` (standard input) cannot be mixed with text arguments".into(),
            ));
        }
        return Ok(args.text.join("\n"));
    }
    if args.sources.secret_stdin {
        return Err(Fatal::Usage(
            "triage: the error text and --secret-stdin cannot both come from standard input: use \
             ATHENA_DOCTOR_SECRET_ACCESS_KEY or --secret-file"
                .into(),
        ));
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("athena-doctor: paste the error text, then press Ctrl-D");
    }
    let mut bytes = Vec::new();
    stdin
        .read_to_end(&mut bytes)
        .map_err(|e| Fatal::io("<stdin>", e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        Fatal::input(
            "<stdin>",
            Some(Location::of_offset(&before, valid)),
            format!("the text is not UTF-8 (byte {valid}); save it as UTF-8 text and try again"),
        )
    })
}
