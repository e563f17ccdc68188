//! The doctor's speed and memory, from one run, as ratios measured together:
//! `bash tests/with-moto.sh bench --bench fleet` (the live figures need moto; a
//! plain `cargo bench --bench fleet` prints the offline ones and says why the
//! live ones are missing).
//!
//! It prints: one offline connection (wall time, peak RSS); evaluator decisions a
//! second; fleets of 1,000 and 10,000 offline connections (wall, peak RSS) against
//! 100 single runs; one policy of 100, 1,000 and 12,000 statements read and judged
//! (the ratios, near 10 and 12 when linear); one live run against moto behind a proxy that adds 0 or 50 ms
//! to every request, against its critical-path bound (the run at +0 ms plus the
//! delay once for each read that must wait for another's answer), with the chain
//! read from the proxy's timeline and the `--sequential` ratio; 100 live
//! connections as a fleet (`--jobs 16`, the default 32, `64`, `100`: wall, peak
//! RSS, the ratio to one connection); and the same reads made with the AWS CLI. Targets are checked and printed, never asserted (a
//! benchmark measures; the tests decide correctness).

#[path = "../tests/it/common/moto.rs"]
#[allow(dead_code)]
mod moto;
#[path = "../tests/it/common/proxy.rs"]
#[allow(dead_code)]
mod proxy;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_athena-doctor");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A finished process: its wall time, CPU time (user and system), peak RSS and
/// exit code.
struct Ran {
    wall: Duration,
    cpu: Duration,
    rss_kb: u64,
    code: i32,
}

/// Run to the end with output discarded; the peak RSS is the kernel's (wait4).
// wait4 reaps the child: the `Child` is never waited on, by design.
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> Ran {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the command starts");
    let pid = i32::try_from(child.id()).expect("a pid fits");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for (the Child is never waited on).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let wall = start.elapsed();
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ran {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

fn doctor() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("ATHENA_DOCTOR_SECRET_ACCESS_KEY")
        .env("COLUMNS", "120");
    cmd
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// `n` connections by the naming rule, cycling through the shipped scenarios.
fn fleet_dir(dir: &Path, n: usize) -> Vec<(PathBuf, Vec<String>)> {
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("connection.toml").exists())
        .collect();
    scenarios.sort();
    let mut out = Vec::new();
    for i in 0..n {
        let scenario = &scenarios[i % scenarios.len()];
        let sub = dir.join(format!("team-{:02}", i % 50));
        std::fs::create_dir_all(&sub).unwrap();
        let conn = sub.join(format!("c{i:05}.toml"));
        std::fs::copy(scenario.join("connection.toml"), &conn).unwrap();
        let mut flags = Vec::new();
        for (part, flag) in [
            ("trust", "--trust-policy"),
            ("policy", "--policy"),
            ("bucket-policy", "--bucket-policy"),
            ("boundary", "--boundary"),
        ] {
            let from = scenario.join(format!("{part}.json"));
            if from.exists() {
                let to = sub.join(format!("c{i:05}.{part}.json"));
                std::fs::copy(&from, &to).unwrap();
                flags.push(flag.to_string());
                flags.push(to.to_string_lossy().to_string());
            }
        }
        out.push((conn, flags));
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    println!("athena-doctor benchmark (release build: {BIN})\n");
    // `cargo bench --bench fleet -- live` (or `offline`, `flat`, `merge`,
    // `statements`) runs only that part.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if wants("offline") {
        offline();
        evaluator();
    }
    if wants("offline") || wants("statements") {
        statements();
    }
    if wants("offline") || wants("flat") {
        flat();
    }
    if wants("offline") || wants("merge") {
        merge();
    }
    if !wants("live") {
        return;
    }
    match std::env::var("MOTO_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => live(&endpoint),
        _ => println!(
            "\nlive: not measured: MOTO_ENDPOINT is not set (`bash tests/with-moto.sh bench --bench fleet` starts moto)"
        ),
    }
}

/// `n` connections in one directory (no subdirectories), each with its policy
/// files beside it: the shape that once made every member list the directory.
fn flat_dir(dir: &Path, n: usize) {
    let scenario = root().join("fixtures/scenarios/bucket-policy-denies-outside-vpce");
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::copy(
            scenario.join("connection.toml"),
            dir.join(format!("c{i:05}.toml")),
        )
        .unwrap();
        for part in ["policy", "bucket-policy"] {
            std::fs::copy(
                scenario.join(format!("{part}.json")),
                dir.join(format!("c{i:05}.{part}.json")),
            )
            .unwrap();
        }
    }
}

/// A flat `--connections DIR` of 1,000 and of 10,000 members, in one run: the
/// ratio is ~10 when finding and reading members is linear (it was ~100: every
/// member listed the whole directory).
fn flat() {
    let dir = tempfile::tempdir().unwrap();
    let mut walls = Vec::new();
    for n in [1_000, 10_000] {
        let d = dir.path().join(format!("flat-{n}"));
        flat_dir(&d, n);
        let r = run(doctor()
            .args(["doctor", "--offline", "--format", "json", "--connections"])
            .arg(&d)
            .arg("--output")
            .arg(dir.path().join(format!("flat-{n}.json"))));
        assert!(matches!(r.code, 0 | 1), "the flat fleet run failed ({})", r.code);
        println!(
            "flat fleet of {n} (one directory): {}, peak RSS {}",
            ms(r.wall),
            mb(r.rss_kb)
        );
        walls.push(r.wall);
    }
    let ratio = walls[1].as_secs_f64() / walls[0].as_secs_f64();
    println!(
        "flat fleet 10,000 / 1,000: {ratio:.1}× (target ≤ 15, linear is 10): {}",
        if ratio <= 15.0 { "met" } else { "NOT met" }
    );
}

/// `merge` of 10 and of 100 shards of 100 connections each (1,000 and 10,000
/// entries), in one run: ~10× when merging is linear in the entries.
fn merge() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    flat_dir(&fleet, 100);
    let report = dir.path().join("fleet.json");
    let r = run(doctor()
        .args(["doctor", "--offline", "--format", "json", "--connections"])
        .arg(&fleet)
        .arg("--output")
        .arg(&report));
    assert!(matches!(r.code, 0 | 1), "the fleet run failed ({})", r.code);
    let base: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    // Shard k: the same 100 entries under keys of their own.
    let shard = |k: usize| -> PathBuf {
        let mut doc = base.clone();
        for entry in doc["connections"].as_array_mut().unwrap() {
            let key = format!("s{k:03}/{}", entry["connection"].as_str().unwrap());
            entry["connection"] = serde_json::Value::from(key);
        }
        let path = dir.path().join(format!("shard-{k:03}.json"));
        std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
        path
    };
    let shards: Vec<PathBuf> = (0..100).map(shard).collect();
    let mut walls = Vec::new();
    for n in [10, 100] {
        let r = run(doctor().args(["merge", "--format", "json"]).args(&shards[..n]));
        assert!(matches!(r.code, 0 | 1), "merge failed ({})", r.code);
        println!(
            "merge of {n} shards ({} connections): {}, peak RSS {}",
            n * 100,
            ms(r.wall),
            mb(r.rss_kb)
        );
        walls.push(r.wall);
    }
    let ratio = walls[1].as_secs_f64() / walls[0].as_secs_f64();
    println!(
        "merge 100 shards / 10 shards: {ratio:.1}× (target ≤ 15, linear is 10): {}",
        if ratio <= 15.0 { "met" } else { "NOT met" }
    );
    // The report as the doctor writes it (indented), not the compact shards.
    let size = std::fs::metadata(&report).map(|m| m.len()).unwrap_or(0);
    println!(
        "a fleet report is ~{} bytes a connection: 10,000 connections ~{} MB (merge reads at most 1 GiB a file)",
        size / 100,
        size * 100 / 1_000_000
    );
}

fn offline() {
    let example = root().join("fixtures/examples");
    let single = |_: usize| {
        run(doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(example.join("acme.toml"))
            .arg("--trust-policy")
            .arg(example.join("acme-trust.json"))
            .arg("--policy")
            .arg(example.join("acme-policy.json")))
    };
    let runs: Vec<Ran> = (0..21).map(single).collect();
    let one_wall = median(runs.iter().map(|r| r.wall).collect());
    let one_rss = runs.iter().map(|r| r.rss_kb).max().unwrap_or(0);
    println!(
        "offline, one connection (acme example, median of 21): {}, peak RSS {}",
        ms(one_wall),
        mb(one_rss)
    );

    let dir = tempfile::tempdir().unwrap();
    let members = fleet_dir(dir.path(), 1_000);
    // 100 single runs of the fleet's first 100 connections, one after another.
    let start = Instant::now();
    for (conn, flags) in members.iter().take(100) {
        let r = run(doctor()
            .args(["doctor", "--offline", "--format", "json", "--config"])
            .arg(conn)
            .args(flags));
        assert!(matches!(r.code, 0 | 1), "a single run failed: {}", conn.display());
    }
    let hundred = start.elapsed();
    println!("offline, 100 single runs one after another: {}", ms(hundred));
    for (n, jobs) in [(1_000, None), (1_000, Some(1)), (10_000, None)] {
        let dir = if n == 1_000 {
            dir.path().to_path_buf()
        } else {
            let big = dir.path().join("big");
            fleet_dir(&big, n);
            big
        };
        let out = dir.join("fleet.json");
        let mut cmd = doctor();
        cmd.args(["doctor", "--offline", "--format", "json", "--connections"])
            .arg(&dir)
            .arg("--output")
            .arg(&out);
        if let Some(j) = jobs {
            cmd.args(["--jobs", &j.to_string()]);
        }
        let r = run(&mut cmd);
        assert!(matches!(r.code, 0 | 1), "the fleet run failed ({})", r.code);
        let jobs_text = jobs.map_or("default jobs".into(), |j| format!("--jobs {j}"));
        let verdict = if n == 1_000 {
            format!(
                "; {:.2}× the cost of 100 single runs (target ≤ 1): {}",
                r.wall.as_secs_f64() / hundred.as_secs_f64(),
                if r.wall <= hundred { "met" } else { "NOT met" }
            )
        } else {
            String::new()
        };
        println!(
            "offline fleet of {n} ({jobs_text}): {}, peak RSS {}{verdict}",
            ms(r.wall),
            mb(r.rss_kb)
        );
        let _ = std::fs::remove_file(out);
    }
}

fn evaluator() {
    let matrix = athena_doctor::evaluator::Matrix::new(50);
    let (_, pairs) = matrix.size();
    let start = Instant::now();
    let mut rounds = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        assert!(std::hint::black_box(matrix.evaluate()));
        rounds += 1;
    }
    let per_second = (rounds * pairs as u64) as f64 / start.elapsed().as_secs_f64();
    println!(
        "evaluator: {per_second:.0} decisions a second (the Athena matrix against a 50-statement policy)"
    );
}

/// One policy of 100, 1,000 and 12,000 statements (guards that keep every
/// statement in the decision: the evaluator's worst case for the size), read as a
/// file is read and judged on the whole Athena matrix, from one run: the time
/// grows with the statements (ratios near 10 and 12), and 12,000 take under a
/// second.
fn statements() {
    let mut took = Vec::new();
    for n in [100, 1_000, 12_000] {
        let matrix = athena_doctor::evaluator::Matrix::guarded(n);
        let (statements, pairs) = matrix.size();
        let start = Instant::now();
        assert_eq!(matrix.reread(), statements);
        let read = start.elapsed();
        matrix.evaluate();
        let wall = start.elapsed();
        println!(
            "statements: a {statements}-statement policy ({} KB): read {}, read and judged on {pairs} requests {}",
            matrix.document().len() / 1000,
            ms(read),
            ms(wall)
        );
        took.push(wall);
    }
    let ratio = |a: usize, b: usize| took[b].as_secs_f64() / took[a].as_secs_f64();
    println!(
        "statements: 1,000 / 100: {:.1}× (linear is 10); 12,000 / 1,000: {:.1}× (linear is 12, target ≤ 18): {}; \
         12,000 in {} (target < 1 s): {}",
        ratio(0, 1),
        ratio(1, 2),
        if ratio(1, 2) <= 18.0 { "met" } else { "NOT met" },
        ms(took[2]),
        if took[2] < Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// The account the live figures read: a role (trust policy, inline policy), a
/// results bucket, a workgroup, a Glue database.
struct State {
    role: String,
    bucket: String,
    workgroup: String,
    schema: String,
}

fn build_state() -> State {
    let id = moto::unique("bench").replace('-', "");
    let state = State {
        role: format!("bi-{id}"),
        bucket: format!("bench-results-{id}"),
        workgroup: format!("wg-{id}"),
        schema: format!("sales_{id}"),
    };
    moto::runtime().block_on(async {
        let aws = moto::aws().await;
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "omni-bench"}}}]});
        aws.iam
            .create_role()
            .role_name(&state.role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "athena:*", "glue:*"], "Resource": "*"}]});
        aws.iam
            .put_role_policy()
            .role_name(&state.role)
            .policy_name("athena")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
        aws.s3.create_bucket().bucket(&state.bucket).send().await.unwrap();
        aws.athena
            .create_work_group()
            .name(&state.workgroup)
            .send()
            .await
            .unwrap();
        aws.glue
            .create_database()
            .database_input(
                aws_sdk_glue::types::DatabaseInput::builder()
                    .name(&state.schema)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    state
}

fn connection_text(s: &State, account: &str) -> String {
    format!(
        "display_name = \"bench\"\ns3_output_bucket = \"s3://{}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_schemas = \"{}\"\ndatabase_timezone = \"UTC\"\nregion = \"us-east-1\"\nworkgroup = \"{}\"\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{account}:role/{}\"\n\
         external_id = \"omni-bench\"\ntrusted_account_id = \"999988887777\"\n",
        s.bucket, s.schema, s.workgroup, s.role
    )
}

/// The fewest round trips one after another that the bench connection needs, from
/// what each read needs of another's answer: `sts:AssumeRole`, then the reads
/// made as the role (`athena:GetWorkGroup`, `glue:GetTables`, … as the
/// connection); `iam:ListRolePolicies`, then `iam:GetRolePolicy`. Everything
/// else (the network check, the caller, the role, the bucket, the workgroup — it
/// names no key and no expected owner —, the catalog) needs nothing first. A
/// KMS-encrypted bucket named by its key's ARN would add nothing (its key is
/// read beside `kms:DescribeKey`); a managed policy would add one
/// (`iam:GetPolicy`, then `iam:GetPolicyVersion`).
const MIN_CHAIN: u32 = 2;

/// The longest chain of requests each arriving after the previous one was
/// answered: how many round trips one after another the run really waited for
/// (at least `MIN_CHAIN`; more when a read waited for an answer it did not need).
fn depth(timeline: &[(Instant, Instant)]) -> usize {
    let mut t = timeline.to_vec();
    t.sort();
    let mut best = vec![1usize; t.len()];
    for i in 0..t.len() {
        for j in 0..i {
            if t[j].1 <= t[i].0 {
                best[i] = best[i].max(best[j] + 1);
            }
        }
    }
    best.into_iter().max().unwrap_or(0)
}

fn live(endpoint: &str) {
    let state = build_state();
    let dir = tempfile::tempdir().unwrap();
    let conn = dir.path().join("bench.toml");
    std::fs::write(&conn, connection_text(&state, "123456789012")).unwrap();
    let live_doctor = |proxy: &str| {
        let mut cmd = doctor();
        cmd.env("AWS_ENDPOINT_URL", proxy).args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "20",
            "--deadline",
            "120",
        ]);
        cmd
    };
    let offline = median(
        (0..5)
            .map(|_| {
                run(doctor()
                    .args(["doctor", "--offline", "--format", "json", "--config"])
                    .arg(&conn))
                .wall
            })
            .collect(),
    );
    println!("\nlive, against moto through a proxy adding a delay to every request");
    let mut one_at_50 = Duration::ZERO;
    let mut at_zero = Duration::ZERO;
    for delay_ms in [0u64, 50] {
        let delay = Duration::from_millis(delay_ms);
        let p = proxy::start_with(
            endpoint,
            Default::default(),
            Some(proxy::Fault::Latency(delay)),
            false,
        );
        let mut walls = Vec::new();
        for _ in 0..5 {
            p.timeline.lock().unwrap().clear();
            p.calls.lock().unwrap().clear();
            let r = run(live_doctor(&p.endpoint).arg("--config").arg(&conn));
            assert!(matches!(r.code, 0 | 1), "a live run failed ({})", r.code);
            walls.push(r.wall);
        }
        let wall = median(walls);
        let timeline = p.timeline.lock().unwrap().clone();
        let requests = timeline.len();
        let chain = depth(&timeline);
        if delay_ms == 0 {
            at_zero = wall;
        }
        let sequential = run(live_doctor(&p.endpoint)
            .arg("--sequential")
            .arg("--config")
            .arg(&conn))
        .wall;
        // The bound: the run at +0 ms (the process's own work and moto's, which
        // answers one request at a time whatever the client does) plus the delay
        // once for each round trip that must follow another (`MIN_CHAIN`). Not
        // the chain the run took (the timeline's): a read that waited for an
        // answer it did not need would raise its own bound.
        let bound = at_zero + delay * MIN_CHAIN;
        let ratio = wall.as_secs_f64() / bound.as_secs_f64();
        let verdict = if delay_ms == 0 {
            String::new()
        } else {
            format!(
                "; critical-path bound {} (+0 ms run + {MIN_CHAIN} × {delay_ms} ms) → {ratio:.2}× (target ≤ 1.1: {})",
                ms(bound),
                if ratio <= 1.1 { "met" } else { "NOT met" }
            )
        };
        println!(
            "  +{delay_ms} ms: one connection {} ({requests} requests, a chain of {chain} one after another \
             (fewest possible {MIN_CHAIN}){verdict}); --sequential {} ({:.1}× slower); offline {}",
            ms(wall),
            ms(sequential),
            sequential.as_secs_f64() / wall.as_secs_f64(),
            ms(offline)
        );
        if delay_ms == 50 {
            one_at_50 = wall;
            let mut actions: Vec<String> = p.calls.lock().unwrap().clone();
            actions.sort();
            actions.dedup();
            println!("    the reads: {}", actions.join(", "));
            cli_runbook(&p.endpoint, &state, wall);
        }
        live_fleet(&p, &state, wall, delay_ms, "", false);
        // The same fleet with moto's answers replayed: what the doctor does when
        // the other end keeps up (as AWS, spread over accounts and services, does).
        let cached = proxy::start_with(
            endpoint,
            Default::default(),
            Some(proxy::Fault::Latency(delay)),
            true,
        );
        live_fleet(
            &cached,
            &state,
            wall,
            delay_ms,
            ", moto's answers replayed",
            false,
        );
        // One role named by every connection (one account, no --per-account
        // queue): what the run shares, AssumeRole and the reads as the role.
        live_fleet(&p, &state, wall, delay_ms, "", true);
    }
    let _ = one_at_50;
}

/// With `ATHENA_DOCTOR_BENCH_PROFILER` set (a command and its arguments, e.g.
/// `heaptrack -o /tmp/fleet` or `perf record -g -o /tmp/fleet.data`), `cmd` is
/// run once more under it, after its measured run, so the figures are never the
/// profiler's.
fn profile(cmd: &Command) {
    let Ok(profiler) = std::env::var("ATHENA_DOCTOR_BENCH_PROFILER") else {
        return;
    };
    let words: Vec<&str> = profiler.split_whitespace().collect();
    let Some((program, args)) = words.split_first() else {
        return;
    };
    let mut under = Command::new(program);
    under.args(args).arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => under.env(k, v),
            None => under.env_remove(k),
        };
    }
    let r = run(&mut under);
    println!(
        "    (run again under `{profiler}`: exit {}, {})",
        r.code,
        ms(r.wall)
    );
}

/// 100 connections, each in an account of its own (so `--per-account` does not
/// serialise them), as one fleet at +50 ms; or (`one_role`) all naming the one
/// role, with `--per-account 100` and `--jobs 100`.
fn live_fleet(p: &proxy::Proxy, state: &State, one: Duration, delay_ms: u64, how: &str, one_role: bool) {
    let proxy = p.endpoint.as_str();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100 {
        let account = if one_role {
            "123456789012".to_string()
        } else {
            format!("{:012}", 100_000_000_000u64 + i)
        };
        std::fs::write(
            dir.path().join(format!("c{i:03}.toml")),
            connection_text(state, &account),
        )
        .unwrap();
    }
    let runs: &[Option<u16>] = if one_role {
        &[Some(100)]
    } else {
        &[Some(16), None, Some(64), Some(100)]
    };
    for &jobs in runs {
        p.timeline.lock().unwrap().clear();
        let mut cmd = doctor();
        cmd.env("AWS_ENDPOINT_URL", proxy)
            .args([
                "doctor",
                "--format",
                "json",
                "--timeout",
                "20",
                "--deadline",
                "120",
                "--connections",
            ])
            .arg(dir.path());
        if let Some(j) = jobs {
            cmd.args(["--jobs", &j.to_string()]);
        }
        if one_role {
            cmd.args(["--per-account", "100"]);
        }
        let r = run(&mut cmd);
        // The run the issue asks to profile: the default jobs, replayed, +50 ms.
        if jobs.is_none() && !one_role && !how.is_empty() && delay_ms > 0 {
            profile(&cmd);
        }
        let ratio = r.wall.as_secs_f64() / one.as_secs_f64();
        // Where the time went: how long moto took per request under this load,
        // and how many requests it answered a second.
        let timeline = p.timeline.lock().unwrap().clone();
        let delay = Duration::from_millis(delay_ms);
        let in_moto: Duration = timeline
            .iter()
            .map(|(a, b)| (*b - *a).saturating_sub(delay))
            .sum();
        let per_request = in_moto / timeline.len().max(1) as u32;
        let rss = if jobs.is_none() {
            format!(
                " (target ≤ 200 MB: {})",
                if r.rss_kb <= 200 * 1024 { "met" } else { "NOT met" }
            )
        } else {
            String::new()
        };
        println!(
            "  +{delay_ms} ms: a fleet of 100 live connections ({}{}{how}): {}, CPU {}, peak RSS {}{rss}, {ratio:.1}× one connection \
             (target ≤ 3: {}); the proxy answered {} requests, {:.0} a second, {} each beyond the delay on average",
            jobs.map_or("default --jobs 32".into(), |j| format!("--jobs {j}")),
            if one_role {
                ", one role, --per-account 100"
            } else {
                ""
            },
            ms(r.wall),
            ms(r.cpu),
            mb(r.rss_kb),
            if ratio <= 3.0 { "met" } else { "NOT met" },
            timeline.len(),
            timeline.len() as f64 / r.wall.as_secs_f64(),
            ms(per_request)
        );
    }
}

/// The runbook a support engineer would follow by hand: the same reads with the
/// AWS CLI, one command after another, through the same proxy.
fn cli_runbook(proxy: &str, s: &State, doctor_wall: Duration) {
    let aws = std::env::var("ATHENA_DOCTOR_AWS_CLI").unwrap_or_else(|_| "aws".into());
    let role_arn = format!("arn:aws:iam::123456789012:role/{}", s.role);
    let steps: Vec<Vec<String>> = [
        vec!["sts", "get-caller-identity"],
        vec!["iam", "get-role", "--role-name", &s.role],
        vec!["iam", "list-role-policies", "--role-name", &s.role],
        vec![
            "iam",
            "get-role-policy",
            "--role-name",
            &s.role,
            "--policy-name",
            "athena",
        ],
        vec!["iam", "list-attached-role-policies", "--role-name", &s.role],
        vec![
            "sts",
            "assume-role",
            "--role-arn",
            &role_arn,
            "--role-session-name",
            "runbook",
            "--external-id",
            "omni-bench",
        ],
        vec!["s3api", "head-bucket", "--bucket", &s.bucket],
        vec!["s3api", "get-bucket-location", "--bucket", &s.bucket],
        vec!["s3api", "get-bucket-encryption", "--bucket", &s.bucket],
        vec!["s3api", "get-bucket-policy", "--bucket", &s.bucket],
        vec!["athena", "get-work-group", "--work-group", &s.workgroup],
        vec!["athena", "list-data-catalogs"],
        vec!["glue", "get-databases"],
        vec!["glue", "get-tables", "--database-name", &s.schema],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_string).collect())
    .collect();
    let start = Instant::now();
    for step in &steps {
        let r = run(Command::new(&aws)
            .env("AWS_ENDPOINT_URL", proxy)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .args(["--endpoint-url", proxy])
            .args(step));
        // A refusal (no bucket policy) is an answer too; a missing CLI is not.
        assert!(r.code >= 0 && r.code != 127, "the AWS CLI ({aws}) did not run");
    }
    let wall = start.elapsed();
    let times = wall.as_secs_f64() / doctor_wall.as_secs_f64();
    println!(
        "  +50 ms: the same reads with the AWS CLI ({} commands, one after another): {}, {times:.0}× the doctor's one \
         live run (target ≥ 25: {})",
        steps.len(),
        ms(wall),
        if times >= 25.0 { "met" } else { "NOT met" }
    );
}
