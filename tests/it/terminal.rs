//! The real binary in a real terminal: tmux gives it an 80-column pseudo-terminal,
//! the doctor measures it (no COLUMNS), and what the terminal shows is read back.

use crate::common;

use common::root;
use std::process::Command;
use std::time::{Duration, Instant};

/// tmux, when it is here: see `present_or_skip`.
fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    common::present_or_skip(found, "tmux (apt-get install tmux)")
}

#[test]
fn in_an_80_column_terminal_the_findings_are_stacked_and_fit() {
    if !tmux_available() {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("athena-doctor");
    let examples = root().join("fixtures/examples");
    let socket = format!("athena-doctor-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap()
    };
    let command = format!(
        "unset COLUMNS; {} doctor --offline --config {} --trust-policy {} --policy {}; echo END-OF-REPORT; sleep 60",
        bin.display(),
        examples.join("acme.toml").display(),
        examples.join("acme-trust.json").display(),
        examples.join("acme-policy.json").display()
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "80",
        "-y",
        "40",
        "-s",
        "doctor",
        "sh",
        "-c",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux(&["set-option", "-t", "doctor", "history-limit", "5000"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let screen = loop {
        // -J: the lines as printed, joined where tmux wrapped them, so a line
        // wider than the terminal is seen as one (without it, tmux's own
        // wrapping would make every line fit).
        let shown = tmux(&["capture-pane", "-p", "-J", "-t", "doctor", "-S", "-", "-E", "-"]);
        let text = String::from_utf8_lossy(&shown.stdout).to_string();
        if text.contains("END-OF-REPORT") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    tmux(&["kill-server"]);
    assert!(
        screen.contains("END-OF-REPORT"),
        "the doctor did not finish:\n{screen}"
    );
    // What the terminal shows, as the reader sees it: no line wider than 80
    // (tmux would have wrapped it, splitting a word), each finding's code and
    // rule name whole at the start of its block.
    let findings = screen.split("Suggested fixes").next().unwrap();
    for line in findings.lines() {
        assert!(line.trim_end().chars().count() <= 80, "{line}");
    }
    for header in [
        "✗ CONN005 output-location-malformed",
        "✗ S3002 output-bucket-access-missing",
        "! CONN007 default-schema-not-included",
    ] {
        assert!(
            findings.lines().any(|l| l == header),
            "{header} is not a line of its own:\n{findings}"
        );
    }
    assert!(
        !findings.contains('┆'),
        "stacked, not a table, at 80 columns:\n{findings}"
    );
}

/// What a pseudo-terminal shows of a run in colour `auto`, escapes kept
/// (`capture-pane -e`), with `TERM` set to `term`.
fn screen_with_term(term: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("athena-doctor");
    let examples = root().join("fixtures/examples");
    let socket = format!("athena-doctor-term-{}-{term}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap()
    };
    let command = format!(
        "unset NO_COLOR CLICOLOR_FORCE; TERM={term} {} doctor --offline --config {} --policy {}; echo END-OF-REPORT; sleep 60",
        bin.display(),
        examples.join("acme.toml").display(),
        examples.join("acme-policy.json").display()
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "-s",
        "doctor",
        "sh",
        "-c",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let screen = loop {
        let shown = tmux(&["capture-pane", "-e", "-p", "-t", "doctor", "-S", "-", "-E", "-"]);
        let text = String::from_utf8_lossy(&shown.stdout).to_string();
        if text.contains("END-OF-REPORT") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    tmux(&["kill-server"]);
    assert!(
        screen.contains("END-OF-REPORT"),
        "the doctor did not finish:\n{screen}"
    );
    screen
}

/// `TERM=dumb` shows escapes as text: colour `auto` on such a terminal gets none,
/// where the same run on an ordinary terminal is coloured.
#[test]
fn a_dumb_terminal_gets_no_colour() {
    if !tmux_available() {
        return;
    }
    let coloured = screen_with_term("xterm-256color");
    assert!(
        coloured.contains("\x1b["),
        "the control run is coloured:\n{coloured}"
    );
    let dumb = screen_with_term("dumb");
    assert!(!dumb.contains("\x1b["), "TERM=dumb got escapes:\n{dumb:?}");
    assert!(dumb.contains("CONN005"), "{dumb}");
}
