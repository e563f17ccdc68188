//! Every example command of every `--help` pastes: at 80 columns each is one
//! line or continued with ` \`, and the binary's argument parser accepts it.

use crate::common;

use common::doctor;

const SUBCOMMANDS: &[&str] = &[
    "doctor",
    "rules",
    "snapshot",
    "policy",
    "completions",
    "man",
    "triage",
    "simulate",
    "hook",
    "merge",
    "explain",
];

/// The commands of an `Examples:` block, continuation lines joined; a line that
/// is neither a command nor the continuation of one is a wrapped command.
fn examples(help: &str, subcommand: &str) -> Vec<String> {
    let Some((_, block)) = help.split_once("Examples:\n") else {
        return Vec::new();
    };
    let block = block.split("\n\n").next().unwrap();
    let mut commands: Vec<String> = Vec::new();
    let mut continued = false;
    for line in block.lines() {
        assert!(line.chars().count() <= 80, "{subcommand}: wider than 80: {line}");
        let text = line.trim();
        if continued {
            commands.last_mut().unwrap().push_str(&format!(" {text}"));
        } else {
            // A command starts with its program (or an environment assignment).
            let first = text.split(' ').next().unwrap_or_default();
            let starts = line.starts_with("  ")
                && !line.starts_with("   ")
                && (["athena-doctor", "terraform", "pbpaste"].contains(&first) || first.contains('='));
            assert!(
                starts,
                "{subcommand}: a command wrapped without a backslash: {line:?}\n{block}"
            );
            commands.push(text.to_string());
        }
        continued = text.ends_with(" \\");
        if continued {
            let last = commands.last_mut().unwrap();
            last.truncate(last.len() - 2);
        }
    }
    assert!(!continued, "{subcommand}: the last line ends in a backslash");
    commands
}

#[test]
fn every_help_example_pastes_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let mut parsed = 0;
    for sub in SUBCOMMANDS {
        let out = doctor()
            .env("COLUMNS", "80")
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sub} --help");
        let help = String::from_utf8(out.stdout).unwrap();
        for command in examples(&help, sub) {
            let words = shlex::split(&command).unwrap_or_else(|| panic!("not shell words: {command}"));
            // The words of athena-doctor: after a pipe and environment
            // assignments, up to a redirection.
            let Some(start) = words.iter().position(|w| w == "athena-doctor") else {
                continue;
            };
            let args: Vec<&String> = words[start + 1..]
                .iter()
                .take_while(|w| !["<", ">", "|"].contains(&w.as_str()))
                .collect();
            // Run where none of the example's files exists: the run stops at
            // its first file (exit 2 with the doctor's own message), never at
            // the argument parser's usage error.
            let out = doctor()
                .current_dir(dir.path())
                .args(&args)
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
                .write_stdin("")
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                !err.contains("Usage:"),
                "{sub}: the example does not parse: {command}\n{err}"
            );
            parsed += 1;
        }
    }
    assert!(parsed >= 20, "only {parsed} examples found");
}
