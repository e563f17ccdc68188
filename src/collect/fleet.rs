//! A fleet: many connections in one run (`doctor --connections DIR|FILE.jsonl`,
//! `--snapshot DIR`). This file finds the members, names each one stably, splits
//! them into shards, and collects one member's facts offline; the command runs them.
//!
//! The naming rule (shared with `hook`): for a connection `N.toml` (or `N.json`),
//! `N.trust.json` is its trust policy, `N.policy.json` and `N.policy.*.json` its
//! identity policies, `N.boundary.json` its permissions boundary,
//! `N.bucket-policy.json` its results bucket's policy, and `N.secret` its secret
//! access key (one line; a fleet never reads the secret from the environment).
//! Other tools' sources are members too (`N.jdbc`, `N.url`, `N.ini`, `N.reg`:
//! `connection::source::EXTENSIONS`), each read by the reader its content names.

use super::offline::{Collected, PolicyInputs, SecretInput, collect_loaded};
use crate::connection;
use crate::error::Fatal;
use crate::hash::stable_hash;
use crate::location::Location;
use std::path::{Path, PathBuf};

/// The suffixes of the files beside a connection (`N<suffix>`) that are not
/// connections themselves.
pub(crate) const BESIDE: &[&str] = &[
    ".trust.json",
    ".policy.json",
    ".boundary.json",
    ".bucket-policy.json",
];

/// Where a member's connection is.
#[derive(Debug)]
pub(crate) enum Source {
    /// A connection file, with the policy files beside it (found once, as the
    /// directory was listed).
    File(PathBuf, Box<Beside>),
    /// One line of a JSONL file: a connection object (no policy files).
    Line { file: PathBuf, line: u32, text: String },
    /// A snapshot to replay.
    Snapshot(PathBuf),
    /// A member that cannot be read (a name that is not UTF-8, a dangling
    /// symlink, a FIFO, a directory that cannot be listed), and why: it is
    /// reported as unreadable, never dropped.
    Unreadable(String),
}

/// The files the naming rule puts beside a connection.
#[derive(Debug, Default)]
pub(crate) struct Beside {
    pub policies: PolicyInputs,
    pub secret: Option<PathBuf>,
}

/// One connection of the fleet.
#[derive(Debug)]
pub(crate) struct Member {
    /// Its name in the report, and what shards hash: the path relative to the
    /// directory given (`/`-separated whatever the system), or for a JSONL line
    /// its `display_name` (`FILE:LINE` when it has none). Stable under added and
    /// removed members.
    pub key: String,
    pub source: Source,
}

/// Which shard of `--shard K/N`: the shards partition the fleet, and a member's
/// shard depends on its key alone, so adding or removing members never moves the
/// others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N` (1-based, as GitHub matrices count), or `index=I/N` (0-based, as
    /// Kubernetes' `JOB_COMPLETION_INDEX` counts).
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!("`{s}` is not a shard: write K/N with 1 <= K <= N (1/4), or index=I/N with 0 <= I < N")
        };
        let (zero_based, rest) = match s.strip_prefix("index=") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (k, n) = rest.split_once('/').ok_or_else(bad)?;
        let (k, count): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        let index = if zero_based {
            k.checked_add(1).ok_or_else(bad)?
        } else {
            k
        };
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub(crate) fn holds(&self, key: &str) -> bool {
        stable_hash(key) % self.count == self.index - 1
    }
}

/// The members at `path`: every connection file under a directory (recursively,
/// hidden entries and the files beside a connection left out), or every line of a
/// `.jsonl` file; with `snapshots`, every `.json` file under the directory is a
/// snapshot. Sorted by key. What looks like a member but cannot be read is a
/// member with `Source::Unreadable`.
///
/// Each directory is listed once: the files beside a connection are looked up
/// in that listing, so finding the members is near-linear in the files.
pub(crate) fn members(path: &Path, snapshots: bool) -> Result<Vec<Member>, Fatal> {
    let meta = std::fs::metadata(path).map_err(|e| Fatal::io(path, e))?;
    let mut found = if meta.is_dir() {
        let mut out = Vec::new();
        walk(path, path, snapshots, &mut out)?;
        out
    } else if snapshots {
        return Err(Fatal::Usage(format!(
            "{} is a file: a fleet of snapshots is a directory (--snapshot DIR)",
            path.display()
        )));
    } else {
        lines(path)?
    };
    found.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(found)
}

/// One directory's entries: its members (with what is beside each), then its
/// subdirectories'. A subdirectory that cannot be listed is an unreadable member.
fn walk(root: &Path, dir: &Path, snapshots: bool, out: &mut Vec<Member>) -> Result<(), Fatal> {
    let unreadable = |e: std::io::Error| Member {
        key: relative_key(root, dir),
        source: Source::Unreadable(format!("{}: cannot list the directory: {e}", dir.display())),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // The directory given must be listed; below it, one that cannot be is a
        // member that could not be read.
        Err(e) if dir != root => {
            out.push(unreadable(e));
            return Ok(());
        }
        Err(e) => return Err(Fatal::io(dir, e)),
    };
    // (name, is a regular file or a symlink to one)
    let mut files: Vec<(String, std::ffi::OsString, Option<String>)> = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.push(unreadable(e));
                continue;
            }
        };
        let raw = entry.file_name();
        let lossy = raw.to_string_lossy().to_string();
        if lossy.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) => {
                files.push((lossy, raw, Some(format!("cannot read its type: {e}"))));
                continue;
            }
        };
        if kind.is_dir() {
            dirs.push(path);
            continue;
        }
        let problem = if kind.is_file() {
            None
        } else if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => None,
                Ok(m) if m.is_dir() => Some("a symlink to a directory".to_string()),
                Ok(_) => Some("a symlink to something that is not a regular file".to_string()),
                Err(e) => Some(format!("a symlink to nothing readable ({e})")),
            }
        } else {
            Some("not a regular file (a FIFO, socket or device)".to_string())
        };
        files.push((lossy, raw, problem));
    }
    let mut names: Vec<&str> = files
        .iter()
        .filter(|(_, raw, problem)| problem.is_none() && raw.to_str().is_some())
        .map(|(lossy, ..)| lossy.as_str())
        .collect();
    names.sort_unstable();
    for (lossy, raw, problem) in &files {
        if !is_member_name(lossy, snapshots) {
            continue;
        }
        let path = dir.join(raw);
        let key = relative_key(root, &path);
        let problem = problem.clone().or_else(|| {
            raw.to_str()
                .is_none()
                .then(|| "its name is not UTF-8: rename it".to_string())
        });
        let source = match problem {
            Some(why) => Source::Unreadable(format!("{}: {why}", style_path(&path))),
            None if snapshots => Source::Snapshot(path),
            None => {
                let beside = beside_in(&path, &names);
                Source::File(path, Box::new(beside))
            }
        };
        out.push(Member { key, source });
    }
    for sub in dirs {
        walk(root, &sub, snapshots, out)?;
    }
    Ok(())
}

/// A path as the report says it (lossy where it is not UTF-8).
fn style_path(path: &Path) -> String {
    path.to_string_lossy().to_string()
}

fn is_member_name(name: &str, snapshots: bool) -> bool {
    if snapshots {
        return name.ends_with(".json");
    }
    let source = connection::source::EXTENSIONS.iter().any(|e| name.ends_with(e));
    (name.ends_with(".toml") || name.ends_with(".json") || source) && policy_of(name).is_none()
}

#[cfg(test)]
fn is_member_file(file: &Path, snapshots: bool) -> bool {
    file.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| is_member_name(name, snapshots))
}

/// For a policy file's name, the stem of the connection it belongs to.
pub(crate) fn policy_of(name: &str) -> Option<&str> {
    BESIDE
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .or_else(|| {
            // `N.policy.extra.json`: one more identity policy of N.
            let (head, _) = name.strip_suffix(".json")?.split_once(".policy.")?;
            Some(head)
        })
}

fn relative_key(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every non-blank line of a JSONL file, each a member named by its
/// `display_name` (`FILE:LINE` when it has none or shares it with an earlier line).
fn lines(path: &Path) -> Result<Vec<Member>, Fatal> {
    // Bounded, and never a device or a FIFO nothing writes to (`limits`).
    let text = crate::connection::read_bounded(path, crate::limits::Input::ConnectionList)?;
    let text = String::from_utf8(text)
        .map_err(|_| Fatal::input(path, None, "the file is not UTF-8 text (one JSON object a line)"))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let fallback = format!("{}:{number}", path.display());
        let key = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| display_name(&v))
            .filter(|name| !seen.contains(name))
            .unwrap_or(fallback);
        seen.insert(key.clone());
        out.push(Member {
            key,
            source: Source::Line {
                file: path.to_path_buf(),
                line: number,
                text: line.to_string(),
            },
        });
    }
    Ok(out)
}

/// A JSONL line is a JSON object, or bad input naming the line (the connection
/// reader would take anything not starting with `{` for TOML).
fn json_object(file: &Path, line: u32, text: &str) -> Result<(), Fatal> {
    let at = |column: usize| {
        Some(Location {
            line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
        })
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            };
            let column = text.len() - text.trim_start().len() + 1;
            Err(Fatal::input(
                file,
                at(column),
                format!("invalid JSON connection: the line is {kind}, not an object (one connection a line)"),
            ))
        }
        Err(e) => Err(Fatal::input(
            file,
            at(e.column()),
            format!("invalid JSON connection: {e}"),
        )),
    }
}

/// A connection object's display name, nested (`display_name`) or by its label.
fn display_name(v: &serde_json::Value) -> Option<String> {
    ["display_name", "Display Name", "displayName"]
        .iter()
        .find_map(|k| v.get(k)?.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The policy files the naming rule puts beside a connection, and its secret
/// file, from a fresh listing of its directory (`hook`: one file at a time).
pub(crate) fn beside(conn: &Path) -> (PolicyInputs, Option<PathBuf>) {
    let dir = conn
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort_unstable();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let found = beside_in(conn, &names);
    (found.policies, found.secret)
}

/// The files beside `conn` among `names`, the sorted names of the regular files
/// of its directory: binary searches, not a listing a member.
fn beside_in(conn: &Path, names: &[&str]) -> Beside {
    let stem = conn
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let sibling = |suffix: &str| {
        let name = format!("{stem}{suffix}");
        names
            .binary_search(&name.as_str())
            .ok()
            .map(|_| conn.with_file_name(name))
    };
    let mut identity: Vec<PathBuf> = sibling(".policy.json").into_iter().collect();
    // `N.policy.X.json` with some X (`N.policy.json` is taken above): the names
    // with that prefix are one run of the sorted list.
    let prefix = format!("{stem}.policy.");
    let start = names.partition_point(|n| *n < prefix.as_str());
    identity.extend(
        names[start..]
            .iter()
            .take_while(|n| n.starts_with(&prefix))
            .filter(|n| {
                n.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(".json"))
                    .is_some_and(|extra| !extra.is_empty())
            })
            .map(|n| conn.with_file_name(n)),
    );
    let policies = PolicyInputs {
        identity,
        boundary: sibling(".boundary.json"),
        buckets: sibling(".bucket-policy.json")
            .map(|p| p.to_string_lossy().to_string())
            .into_iter()
            .collect(),
        trust: sibling(".trust.json"),
        ..PolicyInputs::default()
    };
    Beside {
        policies,
        secret: sibling(".secret"),
    }
}

/// One member's facts from its files alone, how far its own locations sit from
/// its file's (a JSONL line's object starts on that line), and the policy files
/// it was given (live, they win over what the account says, as flags do).
pub(crate) fn collect_member(member: &Member) -> Result<(Collected, u32, PolicyInputs), Fatal> {
    match &member.source {
        Source::File(path, beside) => {
            let secret = SecretInput {
                file: beside.secret.clone(),
                stdin: false,
                ignore_environment: true,
            };
            let policies = PolicyInputs {
                identity: beside.policies.identity.clone(),
                boundary: beside.policies.boundary.clone(),
                buckets: beside.policies.buckets.clone(),
                trust: beside.policies.trust.clone(),
                ..PolicyInputs::default()
            };
            Ok((super::collect_offline(path, &secret, &policies)?, 0, policies))
        }
        Source::Line { file, line, text } => {
            let shift = |e: Fatal| match e {
                // The object is the whole line: its line 1 is the file's `line`.
                Fatal::Input {
                    path,
                    location,
                    message,
                } => Fatal::Input {
                    path,
                    location: location.map(|l| Location {
                        line: l.line + line - 1,
                        column: l.column,
                    }),
                    message,
                },
                other => other,
            };
            json_object(file, *line, text)?;
            let loaded = connection::from_text(file, text).map_err(shift)?;
            let secret = SecretInput {
                ignore_environment: true,
                ..SecretInput::default()
            };
            let at = loaded.connection.auth.secret_in_file;
            let mut collected =
                collect_loaded(file, loaded, &secret, &PolicyInputs::default()).map_err(shift)?;
            // Warnings name the object's own position: the file's is `line` on.
            if let Some(at) = at {
                let own = format!("{}:{at}:", file.display());
                let moved = Location {
                    line: at.line + line - 1,
                    column: at.column,
                };
                for warning in &mut collected.warnings {
                    if let Some(rest) = warning.strip_prefix(&own) {
                        *warning = format!("{}:{moved}:{rest}", file.display());
                    }
                }
            }
            Ok((collected, line - 1, PolicyInputs::default()))
        }
        Source::Snapshot(path) => Err(Fatal::Usage(format!(
            "{} is a snapshot: replay it, do not collect it",
            path.display()
        ))),
        Source::Unreadable(why) => Err(Fatal::Usage(why.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_and_parse() {
        let keys: Vec<String> = (0..500).map(|i| format!("team-{i}/conn.toml")).collect();
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        for key in &keys {
            assert_eq!(shards.iter().filter(|s| s.holds(key)).count(), 1, "{key}");
        }
        // Roughly even: no shard holds less than half its share.
        for s in &shards {
            assert!(keys.iter().filter(|k| s.holds(k)).count() > 60);
        }
        assert_eq!("index=0/4".parse::<Shard>(), "1/4".parse::<Shard>());
        assert_eq!("index=3/4".parse::<Shard>(), "4/4".parse::<Shard>());
        for bad in ["0/4", "5/4", "1", "a/b", "1/0", "index=4/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn each_policy_file_beside_a_connection_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "n.toml",
            "n.policy.json",
            "n.policy.glue.json",
            "n.trust.json",
            "nn.policy.json",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let (policies, secret) = beside(&dir.path().join("n.toml"));
        let names: Vec<String> = policies
            .identity
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["n.policy.json", "n.policy.glue.json"]);
        assert!(policies.trust.is_some() && policies.boundary.is_none() && secret.is_none());
    }

    #[test]
    fn policy_files_are_not_members() {
        assert_eq!(policy_of("acme.trust.json"), Some("acme"));
        assert_eq!(policy_of("acme.policy.glue.json"), Some("acme"));
        assert_eq!(policy_of("acme.json"), None);
        assert!(!is_member_file(Path::new("d/acme.bucket-policy.json"), false));
        assert!(is_member_file(Path::new("d/acme.toml"), false));
        assert!(!is_member_file(Path::new("d/acme.secret"), false));
    }
}
