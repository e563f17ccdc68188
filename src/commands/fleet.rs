//! `doctor --connections DIR|FILE.jsonl` (and `--snapshot DIR`): the doctor over a
//! fleet, `--jobs` at a time (live: at most `--per-account` of one account at
//! once), results streamed in the fleet's order to every output; and `merge`,
//! which joins fleet reports.

use super::table_width;
use crate::cli::{DoctorArgs, Format, MergeArgs};
use crate::collect::fleet::{self, Member, Source};
use crate::connection::{Connection, FieldId};
use crate::error::Fatal;
use crate::gate::Gate;
use crate::report::fleet::{Entry, Face, Faces, Render, Tally};
use crate::{collect, engine, report, rules, style};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Condvar, Mutex};

/// How many finished entries may wait for a slower earlier one before workers
/// pause: what keeps memory bounded whatever the fleet's size.
const WINDOW_PER_JOB: usize = 8;

/// Live, the connections in flight by default: the work is waiting on AWS.
const LIVE_JOBS: usize = 32;

pub(super) fn doctor(args: &DoctorArgs, root: &Path) -> Result<ExitCode, Fatal> {
    if args.write_fixes.is_some() {
        return Err(Fatal::Usage(
            "--write-fixes writes one connection's fixes: run it on that connection (--config or --snapshot FILE)"
                .into(),
        ));
    }
    let g = &args.sources.guards;
    if !(g.scps.is_empty() && g.rcps.is_empty() && g.endpoints.is_empty() && g.session.is_none()) {
        return Err(Fatal::Usage(
            "--scp, --rcp and --endpoint-policy describe one connection's organization and network: run them on \
             that connection (--config or --snapshot FILE)"
                .into(),
        ));
    }
    let snapshots = args.fleet.connections.is_none();
    let live = !snapshots && !args.sources.offline;
    // Bad flags are bad input before the first connection is read.
    Gate::new(&args.select, &args.ignore, &Connection::default())?;
    let mut members = fleet::members(root, snapshots)?;
    // An empty fleet is a wrong path, not a healthy fleet (an empty shard is fine).
    if members.is_empty() {
        return Err(Fatal::Usage(format!(
            "no {} under {}",
            if snapshots {
                "snapshot (*.json)"
            } else {
                "connection (*.toml, *.json, or lines of a .jsonl file)"
            },
            root.display()
        )));
    }
    if let Some(shard) = args.fleet.shard {
        members.retain(|m| shard.holds(&m.key));
    }
    let jobs = args.fleet.jobs.map_or_else(
        || {
            if live {
                LIVE_JOBS
            } else {
                std::thread::available_parallelism().map_or(2, usize::from)
            }
        },
        usize::from,
    );
    let mut outputs = Outputs::open(args)?;
    let accounts = Accounts::new(usize::from(args.fleet.per_account));
    let options = args.sources.live.options();
    let session = live.then(collect::LiveSession::new).transpose()?;
    let judge = |member: &Member| -> Entry {
        let how = session.as_ref().map(|s| Live {
            options: &options,
            accounts: &accounts,
            session: s,
        });
        let outcome = judge(member, args, how);
        outcome.unwrap_or_else(|e| Entry::failed(&member.key, e.to_string()))
    };
    let progress = Progress::new(members.len());
    let mut tally = Tally::default();
    run_all(&members, jobs, judge, |entry| {
        progress.step();
        tally.add(&entry);
        outputs.entry(&entry)
    })?;
    progress.done();
    outputs.finish(&tally)?;
    Ok(exit(&tally, args.fail_on, args.exit_zero))
}

fn exit(tally: &Tally, fail_on: report::FailOn, exit_zero: bool) -> ExitCode {
    if tally.unreadable > 0 {
        ExitCode::from(2)
    } else if !exit_zero && tally.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One member judged: its facts (files, a snapshot, or the account), the gate the
/// flags and its `[doctor]` table make, the rules, its entry.
/// What a live fleet's connections share.
struct Live<'a> {
    options: &'a collect::LiveOptions,
    accounts: &'a Accounts,
    session: &'a collect::LiveSession,
}

fn judge(member: &Member, args: &DoctorArgs, live: Option<Live<'_>>) -> Result<Entry, Fatal> {
    let (facts, shift, mode) = match &member.source {
        Source::Snapshot(path) => (collect::read_snapshot(path)?, 0, Some("snapshot")),
        Source::Unreadable(why) => return Err(Fatal::Usage(why.clone())),
        Source::File(..) | Source::Line { .. } => {
            let (collected, shift, policies) = fleet::collect_member(member)?;
            let collected = match live {
                None => collected,
                Some(live) => {
                    // Held until this connection's calls are done.
                    let _turn = live.accounts.enter(account_of(&collected.facts.connection));
                    collect::collect_live(collected, &policies, live.options, Some(live.session))?.0
                }
            };
            for warning in &collected.warnings {
                eprintln!("warning: {}: {}", member.key, style::printable(warning));
            }
            (collected.facts, shift, None)
        }
    };
    let gate = Gate::new(&args.select, &args.ignore, &facts.connection)?;
    let mut checks = engine::link(gate.apply(engine::run(&rules::REGISTRY, &facts)));
    crate::fix::compose::compose(&mut checks, args.unsafe_fixes);
    crate::fix::compose::compose_source(&mut checks, &facts.connection, args.unsafe_fixes);
    let mut report = report::Report::new(&facts, checks, &rules::CATALOGUE);
    if let Some(mode) = mode {
        report.mode = mode;
    }
    Ok(Entry::judged(&member.key, &report, shift))
}

/// The account a connection's calls land in, as far as the file says: the role's
/// account, or the access key (one key, one account).
fn account_of(conn: &Connection) -> String {
    conn.value(FieldId::RoleArn)
        .and_then(|arn| crate::aws::arn::Arn::parse(arn).ok())
        .map(|arn| arn.account.to_string())
        .filter(|a| !a.is_empty())
        .or_else(|| conn.value(FieldId::AccessKeyId).map(str::to_string))
        .unwrap_or_default()
}

/// At most `limit` connections of one account in flight.
struct Accounts {
    limit: usize,
    busy: Mutex<BTreeMap<String, usize>>,
    freed: Condvar,
}

struct Turn<'a> {
    accounts: &'a Accounts,
    account: String,
}

impl Accounts {
    fn new(limit: usize) -> Accounts {
        Accounts {
            limit: limit.max(1),
            busy: Mutex::new(BTreeMap::new()),
            freed: Condvar::new(),
        }
    }

    fn enter(&self, account: String) -> Turn<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while busy.get(&account).copied().unwrap_or(0) >= self.limit {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy.entry(account.clone()).or_default() += 1;
        Turn {
            accounts: self,
            account,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut busy = self.accounts.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = busy.get_mut(&self.account) {
            *n -= 1;
        }
        self.accounts.freed.notify_all();
    }
}

/// Judge every member on `jobs` threads and hand the entries to `emit` in the
/// members' order. A worker never runs more than a window ahead of the next
/// entry to emit, so what waits in memory is bounded by the jobs, not the fleet.
fn run_all(
    members: &[Member],
    jobs: usize,
    judge: impl Fn(&Member) -> Entry + Sync,
    mut emit: impl FnMut(Entry) -> Result<(), Fatal>,
) -> Result<(), Fatal> {
    let jobs = jobs.clamp(1, members.len().max(1));
    let window = jobs * WINDOW_PER_JOB;
    // (the next member to take, the next entry to emit, stop)
    let state = Mutex::new((0usize, 0usize, false));
    let moved = Condvar::new();
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Entry)>();
    std::thread::scope(|scope| {
        for n in 0..jobs {
            let tx = tx.clone();
            let (state, moved, judge) = (&state, &moved, &judge);
            let worker = move || {
                loop {
                    let i = {
                        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                        while !s.2 && s.0 < members.len() && s.0 >= s.1 + window {
                            s = moved.wait(s).unwrap_or_else(|e| e.into_inner());
                        }
                        if s.2 || s.0 >= members.len() {
                            return;
                        }
                        s.0 += 1;
                        s.0 - 1
                    };
                    if tx.send((i, judge(&members[i]))).is_err() {
                        return;
                    }
                }
            };
            // In debug builds the SDK's futures need megabytes of stack.
            std::thread::Builder::new()
                .name(format!("fleet-{n}"))
                .stack_size(64 * 1024 * 1024)
                .spawn_scoped(scope, worker)
                .map_err(|e| Fatal::Usage(format!("cannot start a worker: {e}")))?;
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, Entry> = BTreeMap::new();
        let mut next = 0;
        let mut result = Ok(());
        for (i, entry) in rx.iter() {
            waiting.insert(i, entry);
            while let Some(entry) = waiting.remove(&next) {
                next += 1;
                if result.is_ok() {
                    result = emit(entry);
                }
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.1 = next;
                s.2 |= result.is_err();
                moved.notify_all();
            }
        }
        result
    })
}

/// "athena-doctor: 120/1000 connections" on a terminal's standard error.
struct Progress {
    total: usize,
    done: std::cell::Cell<usize>,
    on: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: std::cell::Cell::new(0),
            on: std::io::stderr().is_terminal(),
        }
    }

    fn step(&self) {
        self.done.set(self.done.get() + 1);
        if self.on {
            eprint!(
                "\r\x1b[2Kathena-doctor: {}/{} connections",
                self.done.get(),
                self.total
            );
        }
    }

    fn done(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Every output of a run: the main format (standard output or `--output`) and the
/// extra report files, each fed the entries as they come. Files are written as
/// `output` says (a regular file replaced at the end, so a failed run leaves no
/// half report; a device, FIFO or descriptor written through).
struct Outputs {
    outs: Vec<(Box<dyn Render>, Sink)>,
}

enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// The CI run's step summary: appended to, as the single doctor does.
    Append(PathBuf, std::io::BufWriter<std::fs::File>),
    File(super::output::Output),
}

impl Sink {
    fn file(path: &Path) -> Result<Sink, Fatal> {
        Ok(Sink::File(super::output::Output::open(
            path,
            super::output::Mode::Keep,
        )?))
    }

    fn write(&mut self, text: &str) -> Result<(), Fatal> {
        if text.is_empty() {
            return Ok(());
        }
        match self {
            Sink::Stdout(out) => match out.write_all(text.as_bytes()) {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Fatal::io("<stdout>", e)),
            },
            Sink::File(out) => out.write(text.as_bytes()),
            Sink::Append(path, file) => file.write_all(text.as_bytes()).map_err(|e| Fatal::io(&*path, e)),
        }
    }

    fn finish(self) -> Result<(), Fatal> {
        match self {
            Sink::Stdout(mut out) => match out.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Fatal::io("<stdout>", e)),
            },
            Sink::Append(path, mut file) => file.flush().map_err(|e| Fatal::io(&path, e)),
            Sink::File(out) => out.commit(),
        }
    }
}

/// The renderer of a format; `to_stdout` decides the table's width.
fn renderer(format: Format, verbose: bool, to_stdout: bool) -> Box<dyn Render> {
    let faces = |face| {
        Box::new(Faces {
            overview: Default::default(),
            face,
        }) as Box<dyn Render>
    };
    match format {
        Format::Json => Box::<report::fleet::Json>::default(),
        Format::Sarif => Box::new(report::fleet::Sarif::new(&rules::CATALOGUE)),
        Format::Github => Box::<report::fleet::Github>::default(),
        Format::Junit => Box::<report::fleet::Junit>::default(),
        Format::Markdown => faces(Face::Markdown),
        Format::Html => faces(Face::Html),
        Format::Table => faces(Face::Table {
            width: table_width(to_stdout && std::io::stdout().is_terminal()),
            verbose,
        }),
    }
}

impl Outputs {
    fn open(args: &DoctorArgs) -> Result<Outputs, Fatal> {
        let mut wanted = vec![(args.format, args.output.clone())];
        wanted.extend(
            args.extra_outputs()
                .into_iter()
                .map(|(path, format)| (format, Some(path.to_path_buf()))),
        );
        let mut outputs = Outputs::new(&wanted, args.verbose)?;
        if args.format == Format::Github
            && let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty())
        {
            let path = PathBuf::from(summary);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| Fatal::io(&path, e))?;
            let sink = Sink::Append(path, std::io::BufWriter::new(file));
            outputs.outs.push((renderer(Format::Markdown, true, false), sink));
        }
        Ok(outputs)
    }

    fn new(wanted: &[(Format, Option<PathBuf>)], verbose: bool) -> Result<Outputs, Fatal> {
        let mut outs = Vec::new();
        for (format, path) in wanted {
            let sink = match path {
                Some(path) => Sink::file(path)?,
                None => Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
            };
            let mut render = renderer(*format, verbose, path.is_none());
            let mut sink = sink;
            sink.write(&render.head())?;
            outs.push((render, sink));
        }
        Ok(Outputs { outs })
    }

    fn entry(&mut self, entry: &Entry) -> Result<(), Fatal> {
        for (render, sink) in &mut self.outs {
            sink.write(&render.entry(entry))?;
        }
        Ok(())
    }

    fn finish(self, tally: &Tally) -> Result<(), Fatal> {
        for (mut render, mut sink) in self.outs {
            sink.write(&render.tail(tally))?;
            sink.finish()?;
        }
        Ok(())
    }
}

/// `merge REPORT.json…`: the entries of every report, in key order, rendered as
/// one fleet. A connection in two reports is an error (shards never overlap).
pub(super) fn merge(args: &MergeArgs) -> Result<ExitCode, Fatal> {
    let mut entries: BTreeMap<String, (Entry, &Path)> = BTreeMap::new();
    for path in &args.reports {
        for entry in read_report(path)? {
            if let Some((_, first)) = entries.get(&entry.connection) {
                return Err(Fatal::Usage(format!(
                    "the connection {} is in both {} and {}: shards never overlap (same --shard twice?)",
                    entry.connection,
                    first.display(),
                    path.display()
                )));
            }
            entries.insert(entry.connection.clone(), (entry, path));
        }
    }
    let mut outputs = Outputs::new(&[(args.format, args.output.clone())], args.verbose)?;
    let mut tally = Tally::default();
    for (entry, _) in entries.values() {
        tally.add(entry);
        outputs.entry(entry)?;
    }
    outputs.finish(&tally)?;
    Ok(exit(&tally, args.fail_on, args.exit_zero))
}

/// A report's text: a file, or standard input for `-`, read bounded
/// (`limits::Input::Report`; `/dev/zero` would otherwise be read until memory
/// runs out, and a FIFO nothing writes to is refused, never waited on).
fn report_text(path: &Path) -> Result<String, Fatal> {
    let kind = crate::limits::Input::Report;
    let bytes = if path == Path::new("-") {
        crate::connection::read_capped(Path::new("<stdin>"), std::io::stdin().lock(), kind)?
    } else {
        crate::connection::read_bounded(path, kind)?
    };
    String::from_utf8(bytes).map_err(|e| {
        Fatal::input(
            path,
            None,
            format!(
                "not UTF-8 text (byte {}): not a JSON report",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// A report's entries: a fleet report's, or a single report as one entry. Errors
/// name the file and the JSON pointer of what is wrong.
fn read_report(path: &Path) -> Result<Vec<Entry>, Fatal> {
    let text = report_text(path)?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Fatal::input(
            path,
            Some(crate::location::Location {
                line: u32::try_from(e.line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.column()).unwrap_or(u32::MAX),
            }),
            format!("not JSON: {e}"),
        )
    })?;
    drop(text);
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(report::fleet::FLEET_VERSION)) {
        return Err(Fatal::input(
            path,
            None,
            format!(
                "/version: expected {}, found {}: not an athena-doctor JSON report of this version",
                report::fleet::FLEET_VERSION,
                value.get("version").map_or("nothing".into(), ToString::to_string)
            ),
        ));
    }
    let bad = |e: serde_path_to_error::Error<serde_json::Error>| {
        let pointer = e.path().to_string().replace(['.', '['], "/").replace(']', "");
        Fatal::input(path, None, format!("/{pointer}: {}", e.inner()))
    };
    if value.get("connections").is_some() {
        let doc: report::fleet::Document = serde_path_to_error::deserialize(value).map_err(bad)?;
        for (i, entry) in doc.connections.iter().enumerate() {
            check_entry(path, &format!("/connections/{i}"), entry)?;
        }
        return Ok(doc.connections);
    }
    // A single connection's report: its checks lack locations; they point at the file.
    let single: Single = serde_path_to_error::deserialize(value).map_err(bad)?;
    let path_text = path.display().to_string();
    let entry = single.into_entry(&path_text);
    check_entry(path, "", &entry)?;
    Ok(vec![entry])
}

/// Bad input, with its JSON pointer (`at` is the entry's): a check code that is
/// no rule code, or a summary its checks contradict (a zeroed summary would
/// read as healthy; an impossible count would overflow the fleet's).
fn check_entry(path: &Path, at: &str, entry: &Entry) -> Result<(), Fatal> {
    for (i, row) in entry.rows().iter().enumerate() {
        if report::fleet::family_of(&row.code).is_none() {
            return Err(Fatal::input(
                path,
                None,
                format!(
                    "{at}/checks/{i}/code: {} is not a rule code (a family's prefix and three digits, as S3004)",
                    serde_json::Value::from(row.code.as_str())
                ),
            ));
        }
    }
    let counted = entry.counted();
    match (&entry.summary, &entry.checks) {
        (Some(summary), _) if *summary != counted => Err(Fatal::input(
            path,
            None,
            format!(
                "{at}/summary: says {}, but its checks are {}: the report was changed",
                summary.line(),
                counted.line()
            ),
        )),
        (None, Some(checks)) if !checks.is_empty() => Err(Fatal::input(
            path,
            None,
            format!("{at}/summary: missing, but the connection has checks"),
        )),
        _ => Ok(()),
    }
}

#[derive(serde::Deserialize)]
struct Single {
    connection: String,
    summary: report::Summary,
    checks: Vec<SingleCheck>,
    #[serde(default)]
    ran_as: Option<String>,
}

#[derive(serde::Deserialize)]
struct SingleCheck {
    code: String,
    name: String,
    status: engine::Status,
    severity: engine::Severity,
    message: String,
    subject: String,
    fix: Option<serde_json::Value>,
}

impl Single {
    fn into_entry(self, file: &str) -> Entry {
        let rows = self
            .checks
            .into_iter()
            .map(|c| report::fleet::Row {
                code: c.code,
                name: c.name,
                status: c.status,
                severity: c.severity,
                message: c.message,
                subject: c.subject,
                fix: c.fix,
                file: file.to_string(),
                line: None,
                column: None,
            })
            .collect();
        Entry {
            connection: self.connection,
            name: None,
            error: None,
            mode: None,
            ran_as: self.ran_as,
            summary: Some(self.summary),
            checks: Some(rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_more_than_the_limit_of_one_account_at_once() {
        let accounts = Accounts::new(2);
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for i in 0..8 {
                let (accounts, now, most) = (&accounts, &now, &most);
                s.spawn(move || {
                    let account = if i % 4 == 0 { "other" } else { "acme" };
                    let _turn = accounts.enter(account.to_string());
                    if account == "acme" {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn entries_come_in_the_members_order_whoever_finishes_first() {
        let members: Vec<Member> = (0..60)
            .map(|i| Member {
                key: format!("{i:03}"),
                source: Source::Snapshot(PathBuf::new()),
            })
            .collect();
        let mut seen = Vec::new();
        run_all(
            &members,
            4,
            |m| {
                // Later members finish sooner.
                let i: u64 = m.key.parse().unwrap();
                std::thread::sleep(std::time::Duration::from_micros((60 - i) * 200));
                Entry::failed(&m.key, String::new())
            },
            |e| {
                seen.push(e.connection);
                Ok(())
            },
        )
        .unwrap();
        let keys: Vec<String> = members.iter().map(|m| m.key.clone()).collect();
        assert_eq!(seen, keys);
    }
}
