//! `triage`: read the pasted text, find its errors and their causes; with a
//! connection (or a snapshot), run the causes' rules alone on it and mark each
//! cause confirmed, ruled out, or not checkable.

use super::{gather, print, table_width};
use crate::cli::{ListFormat, TriageArgs};
use crate::engine::{self, Rule};
use crate::error::Fatal;
use crate::limits::Input;
use crate::location::Location;
use crate::{report, rules, style, triage};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(args: &TriageArgs) -> Result<ExitCode, Fatal> {
    let text = read_text(args)?;
    let (recorded, unread) = match (&args.config, args.from_account) {
        (Some(config), true) => from_account(config, args)?,
        _ => (Vec::new(), Vec::new()),
    };
    let mut found = triage::triage(&text, &recorded, &rules::CATALOGUE);
    found.unread = unread;
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
        // What the text did not name, the connection (and the account) may.
        found.fill_from(&triage::known_fields(&facts));
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

/// What the account recorded as failed since `--since`, as (origin, message)
/// pairs to triage, and each read that failed, with why.
type Recorded = (Vec<(String, String)>, Vec<String>);

fn from_account(config: &std::path::Path, args: &TriageArgs) -> Result<Recorded, Fatal> {
    let since = since(args.since.as_deref().unwrap_or("24h"), jiff::Timestamp::now())?;
    let conn = crate::connection::load(config)?.connection;
    let history = crate::collect::collect_history(&conn, &args.sources.live.options(), since)?;
    let mut recorded = Vec::new();
    let mut unread = Vec::new();
    for (what, read) in [
        ("the workgroup's failed queries", history.queries),
        ("the principal's refused calls in CloudTrail", history.denials),
    ] {
        match read.known() {
            Ok(list) => recorded.extend(list.iter().map(|r| (r.origin.clone(), r.message.clone()))),
            Err(why) => unread.push(format!("{what}: {why}")),
        }
    }
    Ok((recorded, unread))
}

/// `--since`: a duration back from `now` (`24h`, `90m`, `7d`) or a time.
fn since(text: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp, Fatal> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    let bad = || {
        Fatal::Usage(format!(
            "--since `{text}`: give a duration (24h, 90m, 7d) or a time (2026-11-30T10:00:00Z)"
        ))
    };
    let span: jiff::Span = text.parse().map_err(|_| bad())?;
    // Days are 24 hours here: "7d" means a week back, whatever the time zone.
    let back = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| bad())?;
    if back.is_negative() {
        return Err(bad());
    }
    now.checked_sub(back).map_err(|_| bad())
}

/// The text: the arguments (one line each), or standard input for `-` or none
/// (with `--from-account`, only for `-`: the account is the input then).
fn read_text(args: &TriageArgs) -> Result<String, Fatal> {
    if args.from_account && args.text.is_empty() {
        return Ok(String::new());
    }
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
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("athena-doctor: paste the error text, then press Ctrl-D");
    }
    // Bounded: a log of a few hours is megabytes; past the limit is bad input.
    let bytes = crate::connection::read_capped(Path::new("<stdin>"), stdin, Input::TriageLog)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_durations_and_times() {
        let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        let back = |t: &str| since(t, now).map(|t| t.to_string());
        assert_eq!(back("24h").unwrap(), "2026-11-29T12:00:00Z");
        assert_eq!(back("90m").unwrap(), "2026-11-30T10:30:00Z");
        assert_eq!(back("7d").unwrap(), "2026-11-23T12:00:00Z");
        assert_eq!(back("2026-11-30T10:00:00Z").unwrap(), "2026-11-30T10:00:00Z");
        for bad in ["yesterday", "", "-3h"] {
            assert!(back(bad).is_err(), "{bad}");
        }
    }
}
