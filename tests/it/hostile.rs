//! Hostile names in every field that reaches a shell: the connection file's name,
//! the role ARN, a role name and policy name in `aws iam get-role-policy` output,
//! bucket and workgroup names, policy and boundary file names, the `--write-fixes`
//! DIR, a snapshot's `connection.path`, role and bucket, and a pasted log's
//! database. For each, the doctor runs (JSON with `--write-fixes`, the table,
//! triage) and then every command it printed and its `apply.sh` run under real
//! bash, with a fake `aws` first on PATH that only logs its argv. No substitution
//! may run (no marker file appears), each hostile name must arrive as one
//! argument, intact, and no run may panic. NUL, which no shell word can carry, is
//! refused with exit 2 wherever an input can hold it.

use crate::common;

use common::{doctor, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Every name makes a marker file (`M_…`) if any part of it runs as shell.
const CORPUS: &[(&str, &str)] = &[
    ("newline", "a\ntouch M_nl\n#"),
    ("carriage return", "cr\rtouch M_cr"),
    ("quotes", "q'uo\"te'; touch M_q; '"),
    ("substitution", "$(touch M_sub)"),
    ("backticks", "`touch M_bt`"),
    ("semicolon", "s;touch M_semi"),
    ("pipe", "p|touch M_pipe"),
    ("spaces", "sp ace  two"),
    ("leading dash", "-rf"),
    ("escape", "esc\u{1b}]0;title\u{7}\u{1b}[2J$(touch M_esc)"),
    ("IFS", "${IFS}touch${IFS}M_ifs"),
    ("history and backslash", "bang!!\\$(touch M_bs)"),
    ("bidi", "rlo\u{202e}$(touch M_bidi)"),
];

const MARKERS: &[&str] = &[
    "M_nl", "M_cr", "M_q", "M_sub", "M_bt", "M_semi", "M_pipe", "M_esc", "M_ifs", "M_bs", "M_bidi", "M_nul",
];

/// A directory to run in, with a fake `aws` that appends one record per call to
/// `aws.log`: its argument count, then each argument, each ended by NUL.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join(".bin");
        std::fs::create_dir(&bin).unwrap();
        let aws = bin.join("aws");
        std::fs::write(
            &aws,
            "#!/usr/bin/env bash\n{ printf '%s\\0' \"$#\"; printf '%s\\0' \"$@\"; } >> \"$AWS_LOG\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn log(&self) -> PathBuf {
        self.path().join(".aws.log")
    }

    /// Run bash (a script file, or `-c LINE`) here, with the fake `aws` first.
    fn bash(&self, args: &[&std::ffi::OsStr]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn command(&self) -> std::process::Command {
        let path = format!(
            "{}:{}",
            self.path().join(".bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut bash = std::process::Command::new("bash");
        bash.current_dir(self.path())
            .env("PATH", path)
            .env("AWS_LOG", self.log());
        bash
    }

    /// Run one printed command line as a person pasting it would (bash reading it
    /// from its input, which drops a NUL); return the calls it made.
    fn run_line(&self, line: &str) -> Vec<Vec<String>> {
        use std::io::Write;
        let mut child = self
            .command()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "bash failed on a printed command ({:?}):\n{line}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        self.take_calls()
    }

    /// The calls logged since the last look.
    fn take_calls(&self) -> Vec<Vec<String>> {
        let bytes = std::fs::read(self.log()).unwrap_or_default();
        let _ = std::fs::remove_file(self.log());
        let mut fields = bytes.split(|b| *b == 0);
        let mut calls = Vec::new();
        while let Some(count) = fields.next().filter(|c| !c.is_empty()) {
            let n: usize = std::str::from_utf8(count).unwrap().parse().unwrap();
            let args: Vec<String> = (0..n)
                .map(|_| String::from_utf8(fields.next().unwrap().to_vec()).unwrap())
                .collect();
            calls.push(args);
        }
        calls
    }

    /// No marker file anywhere under the sandbox: nothing ran that was a name.
    fn assert_no_marker(&self, what: &str) {
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().to_string();
                assert!(
                    !MARKERS.contains(&name.as_str()),
                    "{what}: a substitution ran: {} was created",
                    entry.path().display()
                );
                if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                }
            }
        }
    }
}

/// The doctor here, judged: exit 0 or 1 (findings), never 2 or a panic's 101.
fn judged(sb: &Sandbox, args: &[&std::ffi::OsStr]) -> Output {
    let out = doctor().current_dir(sb.path()).args(args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?} for {args:?}:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The words after `flag` in every call.
fn after<'a>(calls: &'a [Vec<String>], flag: &str) -> Vec<&'a str> {
    calls
        .iter()
        .flat_map(|c| c.windows(2).filter(|w| w[0] == flag).map(|w| w[1].as_str()))
        .collect()
}

/// What every call must look like whatever the name: an AWS CLI service and verb,
/// and a document that is one intact argument (a file that exists, or JSON).
fn well_formed(sb: &Sandbox, calls: &[Vec<String>], what: &str) -> Vec<Value> {
    let mut documents = Vec::new();
    for call in calls {
        assert!(
            [
                "iam",
                "s3api",
                "kms",
                "athena",
                "glue",
                "lakeformation",
                "account",
                "sts"
            ]
            .contains(&call[0].as_str()),
            "{what}: not an AWS CLI call: {call:?}"
        );
        for w in call
            .windows(2)
            .filter(|w| w[0] == "--policy-document" || w[0] == "--policy")
        {
            let text = match w[1].strip_prefix("file://") {
                Some(path) => {
                    let path = sb.path().join(path);
                    std::fs::read_to_string(&path).unwrap_or_else(|e| {
                        panic!(
                            "{what}: the document {} is not there ({e}): {call:?}",
                            path.display()
                        )
                    })
                }
                None => w[1].clone(),
            };
            documents.push(
                serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("{what}: the document is not one JSON argument ({e}): {call:?}")
                }),
            );
        }
    }
    documents
}

/// Every string a document holds.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The doctor's JSON (with `--write-fixes DIR`) and its table (inline documents):
/// every printed command run, then `apply.sh` and its commented-out commands.
/// Returns every call made, and the documents they carried.
fn run_everything(
    sb: &Sandbox,
    args: &[&std::ffi::OsStr],
    dir: &str,
    what: &str,
) -> (Vec<Vec<String>>, Vec<Value>) {
    let mut all = Vec::new();
    let mut json_args: Vec<&std::ffi::OsStr> = vec!["doctor".as_ref(), "--format".as_ref(), "json".as_ref()];
    json_args.extend(args);
    let write_fixes = format!("--write-fixes={dir}");
    json_args.push(write_fixes.as_ref());
    json_args.push("--unsafe-fixes".as_ref());
    let out = judged(sb, &json_args);
    let report = common::stdout_json(&out);
    let commands: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["fix"]["command"].as_str().map(str::to_string))
        .collect();
    assert!(!commands.is_empty(), "{what}: no fix command to run");
    for line in &commands {
        let calls = sb.run_line(line);
        assert_eq!(calls.len(), 1, "{what}: one command, one call: {line}");
        all.extend(calls);
    }

    let mut table_args: Vec<&std::ffi::OsStr> = vec!["doctor".as_ref()];
    table_args.extend(args);
    let out = judged(sb, &table_args);
    let text = String::from_utf8(out.stdout).unwrap();
    // Every command of the "apply in this order" steps (two spaces in).
    let mut printed = 0;
    let steps = text.split_once("Apply in this order").map_or("", |(_, s)| s);
    for line in steps.lines().filter_map(|l| l.strip_prefix("  ")) {
        let calls = sb.run_line(line);
        assert_eq!(calls.len(), 1, "{what}: one command, one call: {line}");
        all.extend(calls);
        printed += 1;
    }
    assert!(printed > 0, "{what}: the table printed no command:\n{text}");

    let script = sb.path().join(dir).join("apply.sh");
    let body = std::fs::read_to_string(&script).unwrap();
    for line in body.lines() {
        let known = line.is_empty()
            || line.starts_with('#')
            || line.starts_with("aws ")
            || line == "set -euo pipefail"
            || line.starts_with("case \"${BASH_SOURCE[0]}\"")
            || line.starts_with("here=\"$(CDPATH=");
        assert!(
            known,
            "{what}: apply.sh has a line the doctor did not mean:\n{line}\n---\n{body}"
        );
    }
    let out = sb.bash(&[script.as_os_str()]);
    assert!(
        out.status.success(),
        "{what}: apply.sh failed:\n{}\n---\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    all.extend(sb.take_calls());
    // The commands left commented out run as printed too, once uncommented.
    for line in body.lines().filter_map(|l| l.strip_prefix("# aws ")) {
        let line = format!(
            "here={}; aws {line}",
            shlex::try_quote(&script.parent().unwrap().to_string_lossy()).unwrap()
        );
        all.extend(sb.run_line(&line));
    }
    sb.assert_no_marker(what);
    let documents = well_formed(sb, &all, what);
    (all, documents)
}

fn scenario(name: &str) -> PathBuf {
    root().join("fixtures/scenarios").join(name)
}

/// A scenario's connection with `from` replaced by `to` (TOML-escaped).
fn connection_with(sb: &Sandbox, scenario_name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(scenario(scenario_name).join("connection.toml")).unwrap();
    let escaped = serde_json::to_string(to).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    let path = sb.path().join(file);
    std::fs::write(&path, text.replace(from, escaped)).unwrap();
    path
}

fn os<'a>(v: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    v.iter().map(|s| s.as_ref()).collect()
}

/// Triage `log` (JSON) in the sandbox: the exit code and every "ask" command.
fn triage_asks(sb: &Sandbox, log: &[u8]) -> (Option<i32>, Vec<String>) {
    let out = doctor()
        .current_dir(sb.path())
        .args(["triage", "--format", "json", "-"])
        .write_stdin(log)
        .output()
        .unwrap();
    let report = common::stdout_json(&out);
    let asks = report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["ask"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (out.status.code(), asks)
}

#[test]
fn a_hostile_connection_file_name_stays_in_its_comment() {
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let conn = format!("{name}.toml");
        std::fs::copy(
            scenario("boundary-caps-glue").join("connection.toml"),
            sb.path().join(&conn),
        )
        .unwrap();
        std::fs::copy(
            scenario("policy-data-bucket-missing").join("policy.json"),
            sb.path().join("policy.json"),
        )
        .unwrap();
        run_everything(
            &sb,
            &os(&[
                "--offline",
                &format!("--config={conn}"),
                "--policy",
                "policy.json",
            ]),
            "fx",
            what,
        );
        assert!(
            sb.path().join("fx").join(&conn).is_file(),
            "{what}: the corrected connection is not written"
        );
    }
}

#[test]
fn a_hostile_role_arn_is_one_role_name() {
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        connection_with(&sb, "policy-data-bucket-missing", "c.toml", "bi-athena", name);
        let policy = scenario("policy-data-bucket-missing").join("policy.json");
        let (calls, _) = run_everything(
            &sb,
            &os(&[
                "--offline",
                "--config",
                "c.toml",
                "--policy",
                policy.to_str().unwrap(),
            ]),
            "fx",
            what,
        );
        let roles = after(&calls, "--role-name");
        assert!(
            !roles.is_empty() && roles.iter().all(|r| r == name),
            "{what}: {roles:?}"
        );
    }
}

/// `aws iam get-role-policy` output whose RoleName and PolicyName are hostile.
#[test]
fn hostile_names_in_cli_output_are_one_word_each() {
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario("policy-data-bucket-missing").join("policy.json")).unwrap(),
    )
    .unwrap();
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let wrapped = serde_json::json!({"RoleName": name, "PolicyName": name, "PolicyDocument": document});
        std::fs::write(sb.path().join("inline.json"), wrapped.to_string()).unwrap();
        let conn = scenario("policy-data-bucket-missing").join("connection.toml");
        if name.contains(char::is_control) {
            // AWS names never hold a control character: the file is refused, naming where.
            let out = doctor()
                .current_dir(sb.path())
                .args([
                    "doctor",
                    "--offline",
                    "--config",
                    conn.to_str().unwrap(),
                    "--policy",
                    "inline.json",
                ])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{what}: {err}");
            assert!(
                err.contains("inline.json:1:") && err.contains("`/RoleName` holds the control character"),
                "{what}: {err}"
            );
            continue;
        }
        let (calls, _) = run_everything(
            &sb,
            &os(&[
                "--offline",
                "--config",
                conn.to_str().unwrap(),
                "--policy",
                "inline.json",
            ]),
            "fx",
            what,
        );
        for flag in ["--role-name", "--policy-name"] {
            let got = after(&calls, flag);
            assert!(
                !got.is_empty() && got.iter().all(|r| r == name),
                "{what}: {flag} {got:?}"
            );
        }
    }
}

#[test]
fn a_hostile_policy_file_name_is_one_policy_name() {
    let conn = scenario("policy-data-bucket-missing").join("connection.toml");
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let file = format!("{name}.json");
        std::fs::copy(
            scenario("policy-data-bucket-missing").join("policy.json"),
            sb.path().join(&file),
        )
        .unwrap();
        let (calls, _) = run_everything(
            &sb,
            &os(&[
                "--offline",
                "--config",
                conn.to_str().unwrap(),
                &format!("--policy={file}"),
            ]),
            "fx",
            what,
        );
        let got = after(&calls, "--policy-name");
        assert!(
            !got.is_empty() && got.iter().all(|r| r == name),
            "{what}: {got:?}"
        );
    }
}

#[test]
fn hostile_bucket_and_workgroup_names_stay_inside_their_documents() {
    let policy = scenario("policy-data-bucket-missing").join("policy.json");
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let path = connection_with(&sb, "policy-data-bucket-missing", "c.toml", "acme-lake", name);
        // And a workgroup of the same name.
        let text = std::fs::read_to_string(&path).unwrap();
        let escaped = serde_json::to_string(name).unwrap();
        std::fs::write(
            &path,
            text.replacen("region = ", &format!("workgroup = {escaped}\nregion = "), 1),
        )
        .unwrap();
        let (_, documents) = run_everything(
            &sb,
            &os(&[
                "--offline",
                "--config",
                "c.toml",
                "--policy",
                policy.to_str().unwrap(),
            ]),
            "fx",
            what,
        );
        let mut all = Vec::new();
        documents.iter().for_each(|d| strings(d, &mut all));
        for want in [
            format!("arn:aws:s3:::{name}"),
            format!("arn:aws:athena:us-east-1:111122223333:workgroup/{name}"),
        ] {
            assert!(all.contains(&want), "{what}: no document names {want:?}: {all:?}");
        }
    }
}

#[test]
fn a_hostile_boundary_file_name_stays_in_its_comment() {
    let dir = scenario("boundary-caps-glue");
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let file = format!("{name}.json");
        std::fs::copy(dir.join("boundary.json"), sb.path().join(&file)).unwrap();
        let (calls, _) = run_everything(
            &sb,
            &os(&[
                "--offline",
                "--config",
                dir.join("connection.toml").to_str().unwrap(),
                "--policy",
                dir.join("policy.json").to_str().unwrap(),
                &format!("--boundary={file}"),
            ]),
            "fx",
            what,
        );
        let arns = after(&calls, "--policy-arn");
        assert!(
            !arns.is_empty() && arns.iter().all(|a| *a == "<POLICY_ARN>"),
            "{what}: {arns:?}"
        );
    }
}

#[test]
fn a_hostile_write_fixes_dir_is_one_file_word() {
    let snapshot = root().join("fixtures/snapshots/broken.json");
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let (calls, _) = run_everything(&sb, &os(&["--snapshot", snapshot.to_str().unwrap()]), name, what);
        let files: Vec<&str> = after(&calls, "--policy-document")
            .into_iter()
            .chain(after(&calls, "--policy"))
            .collect();
        let printed = format!("file://{name}/");
        let from_script = format!("file://{}/", sb.path().join(name).display());
        assert!(
            files.iter().any(|f| f.starts_with(&printed))
                && files.iter().any(|f| f.starts_with(&from_script)),
            "{what}: {files:?}"
        );
        // (well_formed already read each of them: the path arrived whole.)
    }
}

/// A snapshot whose connection path, role and results bucket are hostile.
#[test]
fn a_hostile_snapshot_reaches_commands_only_as_words() {
    let text = std::fs::read_to_string(root().join("fixtures/snapshots/broken.json")).unwrap();
    for (what, name) in CORPUS {
        let sb = Sandbox::new();
        let mut snapshot: Value = serde_json::from_str(&text).unwrap();
        replace_deep(&mut snapshot, &[("bi-example", name), ("rt-lake-example", name)]);
        snapshot["connection"]["path"] = Value::String(format!("{name}.toml"));
        std::fs::write(sb.path().join("snap.json"), snapshot.to_string()).unwrap();
        let (calls, _) = run_everything(&sb, &os(&["--snapshot", "snap.json"]), "fx", what);
        let roles = after(&calls, "--role-name");
        assert!(
            !roles.is_empty() && roles.iter().all(|r| r == name),
            "{what}: {roles:?}"
        );
        // A data bucket with an invalid name is a finding, never a `--bucket`: the
        // words that are there are whole (the results bucket's, untouched).
        let buckets = after(&calls, "--bucket");
        assert!(
            buckets.iter().all(|b| b == name || *b == "rt-results-example"),
            "{what}: {buckets:?}"
        );
    }
}

/// Replace text in every string of a snapshot, and inside the JSON documents a
/// snapshot holds as strings (policy texts), so they stay valid.
fn replace_deep(v: &mut Value, pairs: &[(&str, &str)]) {
    match v {
        Value::String(s) => {
            if let Ok(mut inner @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                replace_deep(&mut inner, pairs);
                *s = inner.to_string();
            } else {
                for (from, to) in pairs {
                    *s = s.replace(from, to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| replace_deep(v, pairs)),
        Value::Object(o) => o.values_mut().for_each(|v| replace_deep(v, pairs)),
        _ => {}
    }
}

/// Placeholders are display-only: a person fills them in, as here.
fn filled(ask: &str) -> String {
    let re = regex::Regex::new(r"<[A-Za-z_|]+>").unwrap();
    re.replace_all(ask, "PLACEHOLDER").into_owned()
}

#[test]
fn a_hostile_database_in_a_pasted_log_is_one_word_in_every_ask() {
    // A log names a database with no space in it (the pattern reads `\S+`); NUL and
    // ESC are text a log can hold.
    let names: Vec<String> = CORPUS
        .iter()
        .map(|(_, n)| n.to_string())
        .filter(|n| !n.contains(char::is_whitespace))
        .chain([
            "y\0`touch${IFS}M_nul`".to_string(),
            "n\0$(touch${IFS}M_nul)".to_string(),
        ])
        .collect();
    for name in names {
        let sb = Sandbox::new();
        let log = format!("Database {name} not found\n");
        let (code, asks) = triage_asks(&sb, log.as_bytes());
        assert!(matches!(code, Some(0 | 1)), "{name:?}: exit {code:?}");
        let table = doctor()
            .current_dir(sb.path())
            .args(["triage", "-"])
            .write_stdin(log.as_bytes())
            .output()
            .unwrap();
        let table = String::from_utf8(table.stdout).unwrap();
        let from_table: Vec<String> = table
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("aws "))
            .map(str::to_string)
            .collect();
        assert_eq!(
            asks.len(),
            from_table.len(),
            "{name:?}: the table lists other asks:\n{table}"
        );
        let mut calls = Vec::new();
        for ask in asks.iter().chain(&from_table) {
            calls.extend(sb.run_line(&filled(ask)));
        }
        sb.assert_no_marker(&format!("{name:?}"));
        // NUL cannot be passed: it is shown as ␀, never cuts the word short.
        let want = name.replace('\0', "\u{2400}");
        let databases = after(&calls, "--database-name");
        assert!(
            !databases.is_empty() && databases.iter().all(|d| *d == want),
            "{name:?}: {databases:?}"
        );
        let resources: Vec<Value> = after(&calls, "--resource")
            .iter()
            .map(|r| serde_json::from_str(r).unwrap_or_else(|e| panic!("{name:?}: {e}: {r}")))
            .collect();
        assert!(
            !resources.is_empty()
                && resources.iter().all(|r| r
                    .to_string()
                    .contains(&serde_json::to_string(&name).unwrap()[1..])),
            "{name:?}: {resources:?}"
        );
    }
}

/// NUL: no shell word can carry it, and no AWS name holds one; every input that
/// can hold one refuses it, naming where.
#[test]
fn a_nul_in_an_input_is_refused_with_its_place() {
    let sb = Sandbox::new();
    let nul = "bi\0$(touch M_nul)";
    let policy = scenario("policy-data-bucket-missing").join("policy.json");
    let refused = |args: &[&str], says: &str| {
        let out = doctor().current_dir(sb.path()).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(
            out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("aws "),
            "{args:?}"
        );
    };
    // The connection file (TOML `\u0000`).
    connection_with(&sb, "policy-data-bucket-missing", "c.toml", "bi-athena", nul);
    refused(
        &[
            "doctor",
            "--offline",
            "--config",
            "c.toml",
            "--policy",
            policy.to_str().unwrap(),
            "--write-fixes",
            "fx",
        ],
        "c.toml:13",
    );
    // RoleName in `aws iam get-role-policy` output, and in `aws iam get-role` output.
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    let inline = serde_json::json!({"RoleName": nul, "PolicyName": "p", "PolicyDocument": document});
    std::fs::write(sb.path().join("inline.json"), inline.to_string()).unwrap();
    let conn = scenario("policy-data-bucket-missing").join("connection.toml");
    refused(
        &[
            "doctor",
            "--offline",
            "--config",
            conn.to_str().unwrap(),
            "--policy",
            "inline.json",
        ],
        "`/RoleName` holds the control character U+0000",
    );
    let trust = std::fs::read_to_string(scenario("trust-denies-vendor").join("trust.json")).unwrap();
    let role = serde_json::json!({"Role": {"RoleName": nul, "Arn": "arn:aws:iam::111122223333:role/x",
        "AssumeRolePolicyDocument": serde_json::from_str::<Value>(&trust).unwrap()}});
    std::fs::write(sb.path().join("role.json"), role.to_string()).unwrap();
    refused(
        &[
            "doctor",
            "--offline",
            "--config",
            conn.to_str().unwrap(),
            "--trust-policy",
            "role.json",
        ],
        "`/Role/RoleName` holds the control character U+0000",
    );
    // A snapshot, anywhere in it: its connection path here.
    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/broken.json")).unwrap(),
    )
    .unwrap();
    snapshot["connection"]["path"] = Value::String(format!("{nul}.toml"));
    std::fs::write(sb.path().join("snap.json"), snapshot.to_string()).unwrap();
    refused(
        &["doctor", "--snapshot", "snap.json", "--write-fixes", "fx"],
        "`/connection/path` holds a NUL character",
    );
    assert!(!sb.path().join("fx").exists(), "a refused input wrote fixes");
    sb.assert_no_marker("NUL");
}

/// The pre-commit hook names each file it judges: ESC and OSC sequences in a
/// name are shown, never sent to the terminal.
#[test]
fn the_hook_prints_file_names_printable() {
    let sb = Sandbox::new();
    let name = "evil\u{1b}]8;;x\u{7}\u{1b}[2J.toml";
    std::fs::copy(
        scenario("healthy-role").join("connection.toml"),
        sb.path().join(name),
    )
    .unwrap();
    let out = doctor()
        .current_dir(sb.path())
        .args(["hook", name])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
    assert!(text.contains("evil\\u{1b}]8;;x\\u{7}\\u{1b}[2J.toml"), "{text}");
}

// The five command-execution items of issue 28, each as reported.

/// Run `apply.sh` of DIR here; return its calls (no marker may appear).
fn run_script(sb: &Sandbox, dir: &str, what: &str) -> Vec<Vec<String>> {
    let script = sb.path().join(dir).join("apply.sh");
    let out = sb.bash(&[script.as_os_str()]);
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.assert_no_marker(what);
    sb.take_calls()
}

#[test]
fn item1_a_newline_in_the_connection_file_name_or_snapshot_path_runs_nothing() {
    let sb = Sandbox::new();
    let conn = "evil\ntouch M_nl\n#.toml";
    std::fs::copy(
        scenario("policy-data-bucket-missing").join("connection.toml"),
        sb.path().join(conn),
    )
    .unwrap();
    let policy = scenario("policy-data-bucket-missing").join("policy.json");
    judged(
        &sb,
        &os(&[
            "doctor",
            "--offline",
            "--config",
            conn,
            "--policy",
            policy.to_str().unwrap(),
            "--write-fixes",
            "out",
        ]),
    );
    run_script(&sb, "out", "connection file name");

    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/broken.json")).unwrap(),
    )
    .unwrap();
    snapshot["connection"]["path"] = Value::String(conn.into());
    std::fs::write(sb.path().join("snap.json"), snapshot.to_string()).unwrap();
    judged(
        &sb,
        &os(&["doctor", "--snapshot", "snap.json", "--write-fixes", "snap-out"]),
    );
    run_script(&sb, "snap-out", "snapshot connection.path");
}

#[test]
fn item2_a_newline_in_the_boundary_file_name_runs_nothing() {
    let sb = Sandbox::new();
    let dir = scenario("boundary-caps-glue");
    let boundary = "b\ntouch M_nl\n#.json";
    std::fs::copy(dir.join("boundary.json"), sb.path().join(boundary)).unwrap();
    judged(
        &sb,
        &os(&[
            "doctor",
            "--offline",
            "--config",
            dir.join("connection.toml").to_str().unwrap(),
            "--policy",
            dir.join("policy.json").to_str().unwrap(),
            "--boundary",
            boundary,
            "--write-fixes",
            "out",
            "--unsafe-fixes",
        ]),
    );
    run_script(&sb, "out", "boundary file name");
}

#[test]
fn item3_a_nul_in_role_name_of_get_role_policy_output_is_refused() {
    let sb = Sandbox::new();
    let policy = scenario("policy-data-bucket-missing").join("policy.json");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    let inline = serde_json::json!({"RoleName": "bi\0$(touch M_nul)`touch M_bt`", "PolicyName": "p", "PolicyDocument": document});
    std::fs::write(sb.path().join("inline.json"), inline.to_string()).unwrap();
    let conn = scenario("policy-data-bucket-missing").join("connection.toml");
    for format in ["json", "table"] {
        let out = doctor()
            .current_dir(sb.path())
            .args([
                "doctor",
                "--offline",
                "--format",
                format,
                "--config",
                conn.to_str().unwrap(),
            ])
            .args(["--policy", "inline.json", "--write-fixes", "out"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("inline.json:1:") && err.contains("`/RoleName` holds the control character U+0000"),
            "{err}"
        );
        assert!(!sb.path().join("out").exists(), "a refused input wrote fixes");
    }
}

#[test]
fn item4_a_nul_in_a_pasted_log_line_leaves_the_ask_quoted() {
    let sb = Sandbox::new();
    let log = "Database y\0`touch${IFS}M_nul` not found\n";
    let (_, asks) = triage_asks(&sb, log.as_bytes());
    let asks: Vec<&String> = asks.iter().filter(|a| a.contains("--database-name")).collect();
    assert!(!asks.is_empty(), "no ask names the database");
    for ask in asks {
        let calls = sb.run_line(&filled(ask));
        sb.assert_no_marker(ask);
        assert_eq!(
            after(&calls, "--database-name"),
            ["y\u{2400}`touch${IFS}M_nul`"],
            "{ask}"
        );
    }
}

#[test]
fn item5_a_write_fixes_dir_with_a_substitution_is_one_word() {
    let sb = Sandbox::new();
    let dir = "fx dir $(touch M_sub)";
    let snapshot = root().join("fixtures/snapshots/broken.json");
    let out = judged(
        &sb,
        &os(&[
            "doctor",
            "--format",
            "json",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--write-fixes",
            dir,
        ]),
    );
    let report = common::stdout_json(&out);
    let mut files = 0;
    for check in report["checks"].as_array().unwrap() {
        let Some(line) = check["fix"]["command"].as_str() else {
            continue;
        };
        let calls = sb.run_line(line);
        sb.assert_no_marker(line);
        for word in after(&calls, "--policy-document")
            .into_iter()
            .chain(after(&calls, "--policy"))
        {
            let path = word.strip_prefix("file://").unwrap();
            assert!(
                path.starts_with(&format!("{dir}/")) && sb.path().join(path).is_file(),
                "{line}"
            );
            files += 1;
        }
    }
    assert!(files > 0, "{report}");
}

/// Found on the way: a field that sits inside a quoted JSON argument of an ask
/// (Lake Formation's `--resource '{"Database": {"Name": "{database}"}}'`) was
/// quoted as if it stood alone, which closed the template's quotes around it.
#[test]
fn a_database_inside_an_asks_quoted_json_runs_nothing() {
    let sb = Sandbox::new();
    let name = "y'$(touch${IFS}M_sub)'\"";
    let (_, asks) = triage_asks(&sb, format!("Database {name} not found\n").as_bytes());
    let asks: Vec<&String> = asks.iter().filter(|a| a.contains("--resource")).collect();
    assert!(!asks.is_empty(), "no ask names a resource");
    for ask in asks {
        let calls = sb.run_line(&filled(ask));
        sb.assert_no_marker(ask);
        let resource: Value = serde_json::from_str(after(&calls, "--resource")[0]).unwrap();
        assert_eq!(resource["Database"]["Name"], name, "{ask}");
    }
}
