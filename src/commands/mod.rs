//! The commands: parse the arguments, run one command, and print a fatal error
//! in the one place that does (`main`). Each command wires the pipeline's stages;
//! none holds a stage's logic.

mod fleet;
mod hook;
mod output;
mod policy;
mod simulate;
mod triage;

use crate::cli::{self, Cli, Command, DoctorArgs, Format, ListFormat};
use crate::error::Fatal;
use crate::gate::Gate;
use crate::{collect, connection, engine, facts, fix, report, rules, style};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The whole command line: what the binary's `main` calls.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The reader every connection of this run is read with (`connection::from_text`).
    if let Some(kind) = cli.source.as_deref().and_then(connection::SourceKind::named) {
        connection::source::choose(kind);
    }
    if let Some(file) = &cli.profile_file {
        connection::source::profile::use_file(file.clone());
    }
    match run(cli) {
        Ok(code) => code,
        // The one place that prints fatal errors.
        Err(e) => {
            eprintln!("error: {}", style::printable(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Doctor(args) => doctor(&args),
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Table => report::catalogue::table(&rules::REGISTRY, table_width(true)),
                ListFormat::Json => report::catalogue::json(&rules::REGISTRY),
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Snapshot {
            config,
            output,
            secret_file,
            live,
            guards,
        } => snapshot(&config, output.as_deref(), secret_file, &live, &guards),
        Command::Policy {
            config,
            snapshot,
            format,
        } => {
            let text = match snapshot {
                Some(path) => policy::render_facts(&collect::read_snapshot(&path)?, format),
                None => policy::render(&connection::load(&config)?.connection, &[], &[], format),
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "athena-doctor",
                &mut out,
            );
            print(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| Fatal::io("<stdout>", e))?;
            print(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Triage(args) => triage::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Merge(args) => fleet::merge(&args),
        Command::Hook { files } => hook::run(&files),
        Command::Explain { rule } => {
            let meta = rules::find(&rule).ok_or_else(|| unknown_rule(&rule))?;
            print(&report::catalogue::explain(meta))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn doctor(args: &DoctorArgs) -> Result<ExitCode, Fatal> {
    if let Some(root) = &args.fleet.connections {
        return fleet::doctor(args, root);
    }
    if let Some(dir) = args.sources.snapshot.as_ref().filter(|p| p.is_dir()) {
        return fleet::doctor(args, dir);
    }
    if args.fleet.shard.is_some() {
        return Err(Fatal::Usage(
            "--shard splits a fleet: give --connections DIR|FILE.jsonl (or --snapshot DIR)".into(),
        ));
    }
    let (facts, gate) = gather(&args.config, &args.sources, &args.select, &args.ignore)?;
    let checks = engine::run(&rules::REGISTRY, &facts);
    let mut checks = engine::link(gate.apply(checks));
    fix::compose::compose(&mut checks, args.unsafe_fixes);
    fix::compose::compose_source(&mut checks, &facts.connection, args.unsafe_fixes);
    fix::iac::convert_all(&mut checks, &facts, args.fix_format);
    if let Some(dir) = &args.write_fixes {
        write_fixes(&mut checks, &facts, args, dir)?;
    }
    let mut report = report::Report::new(&facts, checks, &rules::CATALOGUE);
    if args.sources.snapshot.is_some() {
        report.mode = "snapshot";
    }
    report.generated = Some(
        jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_default()
            .to_string(),
    );

    let to_stdout = args.output.is_none();
    let text = render(&report, args.format, args, to_stdout);
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => print(&text)?,
    }
    // One run, several outputs: each extra report file in its own format.
    for (path, format) in args.extra_outputs() {
        write_atomically(path, &render(&report, format, args, false))?;
    }
    if args.format == Format::Github
        && let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty())
    {
        append(std::path::Path::new(&summary), &report::markdown::render(&report))?;
    }
    Ok(if !args.exit_zero && report.fails(args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The facts about a connection, from where `sources` says, and the gate the
/// flags and the connection's `[doctor]` table make. Bad input ends the run
/// before the first AWS call.
fn gather(
    config: &Path,
    sources: &cli::Sources,
    select: &[String],
    ignore: &[String],
) -> Result<(facts::Facts, Gate), Fatal> {
    let guards = guard_inputs(&sources.guards);
    if let Some(path) = &sources.snapshot {
        let mut facts = collect::read_snapshot(path)?;
        // The files win over what the snapshot holds, one kind at a time.
        if !guards.is_empty() {
            let given = collect::read_guardrails(&guards)?;
            let g = &mut facts.guardrails;
            if !guards.scps.is_empty() {
                g.scps = given.scps;
            }
            if !guards.rcps.is_empty() {
                g.rcps = given.rcps;
            }
            if !guards.endpoints.is_empty() {
                g.endpoints = given.endpoints;
            }
            if guards.session.is_some() {
                g.session = given.session;
            }
        }
        let gate = Gate::new(select, ignore, &facts.connection)?;
        return Ok((facts, gate));
    }
    let secret_input = collect::SecretInput {
        file: sources.secret_file.clone(),
        stdin: sources.secret_stdin,
        ignore_environment: false,
    };
    let (trust, hop_trust) = sources
        .trust_policies()
        .map_err(|e| Fatal::input(config, None, e))?;
    let policies = collect::PolicyInputs {
        identity: sources.policies.clone(),
        boundary: sources.boundary.clone(),
        buckets: sources.bucket_policies.clone(),
        trust,
        hop_trust,
        iac: sources.iac(),
        iac_role: sources.iac_role.clone(),
        guards,
    };
    require_config(config)?;
    let collected = collect::collect_offline(config, &secret_input, &policies)?;
    let gate = Gate::new(select, ignore, &collected.facts.connection)?;
    let collected = if sources.offline {
        collected
    } else {
        collect::collect_live(collected, &policies, &sources.live.options(), None)?.0
    };
    for warning in &collected.warnings {
        eprintln!("warning: {}", style::printable(warning));
    }
    Ok((collected.facts, gate))
}

/// The guardrail flags, as collection takes them.
fn guard_inputs(args: &cli::GuardArgs) -> collect::GuardInputs {
    collect::GuardInputs {
        scps: args.scps.clone(),
        rcps: args.rcps.clone(),
        endpoints: args.endpoints.clone(),
        session: args.session.clone(),
    }
}

/// `--write-fixes DIR`: the corrected documents, connection file and apply.sh.
/// Checked before anything is written: no file of DIR may be an input.
fn write_fixes(
    checks: &mut [engine::Check],
    facts: &facts::Facts,
    args: &DoctorArgs,
    dir: &Path,
) -> Result<(), Fatal> {
    let (text, source) = match &args.sources.snapshot {
        Some(_) => (None, PathBuf::from(&facts.connection.path)),
        None => (Some(connection::read_text(&args.config)?), args.config.clone()),
    };
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "athena-doctor.toml".into());
    let conn = fix::bundle::ConnectionText {
        connection: &facts.connection,
        name,
        text,
    };
    let bundle =
        fix::bundle::plan(checks, &conn, &dir.to_string_lossy(), args.unsafe_fixes).map_err(|e| {
            Fatal::input(
                &args.config,
                None,
                format!("cannot write the corrected connection: {e}"),
            )
        })?;
    refuse_collisions(&bundle.files, dir, &inputs_of(args))?;
    std::fs::create_dir_all(dir).map_err(|e| Fatal::io(dir, e))?;
    write_bundle(&bundle.files, dir)
}

/// Every file the run read, resolved: what `--write-fixes` must not overwrite.
fn inputs_of(args: &DoctorArgs) -> Vec<PathBuf> {
    let sources = &args.sources;
    [
        Some(&args.config),
        sources.snapshot.as_ref(),
        sources.boundary.as_ref(),
        sources.terraform_plan.as_ref(),
        sources.cloudformation.as_ref(),
    ]
    .into_iter()
    .flatten()
    .chain(&sources.policies)
    .chain(sources.secret_file.as_ref())
    .chain(&sources.guards.scps)
    .chain(&sources.guards.rcps)
    .chain(sources.guards.session.as_ref())
    .cloned()
    .chain(
        sources
            .bucket_policies
            .iter()
            .chain(&sources.guards.endpoints)
            .map(|b| PathBuf::from(b.split_once('=').map_or(b.as_str(), |(_, f)| f))),
    )
    .chain(
        sources
            .trust_policies()
            .into_iter()
            .flat_map(|(plain, hops)| plain.into_iter().chain(hops.into_iter().map(|(_, f)| f))),
    )
    .filter_map(|p| p.canonicalize().ok())
    .collect()
}

/// Bad input before anything is written: two files of the bundle under one name
/// (`-c apply.sh`: the corrected connection would be the script), or a file of
/// the bundle that is one of the inputs.
fn refuse_collisions(files: &[(String, String)], dir: &Path, inputs: &[PathBuf]) -> Result<(), Fatal> {
    let mut names = std::collections::BTreeSet::new();
    for (name, _) in files {
        if !names.insert(name.as_str()) {
            return Err(Fatal::Usage(format!(
                "--write-fixes would write two files named {}: rename the input of that name (the script is {})",
                style::printable(name),
                fix::bundle::SCRIPT
            )));
        }
        let path = dir.join(name);
        if let Ok(real) = path.canonicalize()
            && inputs.contains(&real)
        {
            return Err(Fatal::Usage(format!(
                "--write-fixes would overwrite the input {}: choose another directory",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Write the bundle all or nothing as far as the file system allows: every file
/// is first written in full under a temporary name (a full disk stops the run
/// here, with nothing replaced and nothing left behind), then each is renamed
/// into place, `apply.sh` last. A failure says which files were and were not
/// written.
fn write_bundle(files: &[(String, String)], dir: &Path) -> Result<(), Fatal> {
    let mut order: Vec<&(String, String)> = files.iter().filter(|(n, _)| n != fix::bundle::SCRIPT).collect();
    order.extend(files.iter().filter(|(n, _)| n == fix::bundle::SCRIPT));
    let mut staged = Vec::new();
    for (name, text) in &order {
        let mode = if name == fix::bundle::SCRIPT {
            output::Mode::Executable
        } else {
            output::Mode::Keep
        };
        let written = output::Output::open(&dir.join(name), mode).and_then(|mut out| {
            out.write(text.as_bytes())?;
            out.stage()
        });
        match written {
            Ok(s) => staged.push(s),
            Err(e) => {
                return Err(Fatal::Usage(format!(
                    "{e}; --write-fixes wrote none of its {} files to {}",
                    files.len(),
                    dir.display()
                )));
            }
        }
    }
    let mut done: Vec<String> = Vec::new();
    let total = staged.len();
    for s in staged.into_iter() {
        let name = s.path().display().to_string();
        if let Err(e) = s.commit() {
            let missing: Vec<String> = order[done.len()..].iter().map(|(n, _)| n.clone()).collect();
            return Err(Fatal::Usage(format!(
                "{e}; --write-fixes wrote {} of {total} files ({}), not {}",
                done.len(),
                if done.is_empty() {
                    "none".into()
                } else {
                    done.join(", ")
                },
                missing.join(", ")
            )));
        }
        done.push(name);
    }
    Ok(())
}

fn render(report: &report::Report, format: Format, args: &DoctorArgs, to_stdout: bool) -> String {
    match format {
        Format::Table => {
            let to_terminal = to_stdout && std::io::stdout().is_terminal();
            report::table::render(
                report,
                &report::table::Options {
                    style: style::Style::detect(args.color, to_stdout),
                    verbose: args.verbose,
                    quiet: args.quiet,
                    width: table_width(to_terminal),
                },
            )
        }
        Format::Json => report::json::render(report),
        Format::Sarif => report::sarif::render(report),
        Format::Github => report::github::render(report),
        Format::Markdown => report::markdown::render(report),
        Format::Junit => report::junit::render(report),
        Format::Html => report::html::render(report),
    }
}

/// Append to a file (the CI run's step summary), creating it if needed.
fn append(path: &Path, text: &str) -> Result<(), Fatal> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Fatal::io(path, e))?;
    file.write_all(text.as_bytes()).map_err(|e| Fatal::io(path, e))
}

fn require_config(config: &Path) -> Result<(), Fatal> {
    if config.exists() {
        Ok(())
    } else {
        Err(Fatal::Usage(format!(
            "no connection file at {}: pass one with --config FILE",
            config.display()
        )))
    }
}

fn snapshot(
    config: &Path,
    output: Option<&Path>,
    secret_file: Option<PathBuf>,
    live: &cli::LiveArgs,
    guards: &cli::GuardArgs,
) -> Result<ExitCode, Fatal> {
    require_config(config)?;
    let start = std::time::Instant::now();
    let policies = collect::PolicyInputs {
        guards: guard_inputs(guards),
        ..collect::PolicyInputs::default()
    };
    let secret = collect::SecretInput {
        file: secret_file,
        ..collect::SecretInput::default()
    };
    let offline = collect::collect_offline(config, &secret, &policies)?;
    let (collected, calls) = collect::collect_live(offline, &policies, &live.options(), None)?;
    let text = collect::write_snapshot(&collected.facts);
    match output {
        Some(path) => write_atomically(path, &text)?,
        None => print(&text)?,
    }
    eprintln!(
        "athena-doctor: {calls} AWS calls in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The width the report is laid out for: the terminal's, when standard output is
/// one; else `COLUMNS`; else `report::table::DEFAULT_WIDTH` (pipes and CI logs).
fn table_width(to_terminal: bool) -> usize {
    let terminal = to_terminal
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w >= 20)
    };
    terminal.or_else(columns).unwrap_or(report::table::DEFAULT_WIDTH)
}

fn print(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Fatal::io("<stdout>", e)),
    }
}

/// Write a report: see `output` for how (atomic for a file, through for the rest).
fn write_atomically(path: &Path, text: &str) -> Result<(), Fatal> {
    output::write(path, text, output::Mode::Keep)
}

fn unknown_rule(rule: &str) -> Fatal {
    Fatal::Usage(format!(
        "no rule `{rule}`{} (`athena-doctor rules` lists them)",
        rules::did_you_mean(rule)
    ))
}
