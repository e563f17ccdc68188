//! Triage measured on messages from the wild (`tests/triage/wild/`): error texts
//! people pasted in public trackers of BI tools, drivers, SDKs and cost tools,
//! each citing its page, split by source project into a tuning part (patterns
//! may be written for it) and a held-out part (never tuned on). The held-out
//! figures are the honest ones; this test holds them as floors so a change to
//! the table can only keep or raise them, and prints them.
//!
//! How a message is scored, and the split's rule: `common/wild.rs` (shared with
//! `cargo bench --bench triage`, which prints the same figures).

use crate::common;

use common::wild::{Case, Figures, cases, score};
use common::{doctor, root, stdout_json};
use std::collections::{BTreeMap, BTreeSet};

/// Triage's causes for one text, most likely first.
fn causes(text: &str) -> Vec<String> {
    let report = stdout_json(
        &doctor()
            .args(["triage", "--format", "json"])
            .write_stdin(text.to_string())
            .output()
            .unwrap(),
    );
    report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

/// Each case's causes, triaged on two threads (one process a message).
fn triaged(cases: &[Case]) -> Vec<Vec<String>> {
    let half = cases.len().div_ceil(2);
    std::thread::scope(|s| {
        let runs: Vec<_> = cases
            .chunks(half.max(1))
            .map(|chunk| s.spawn(move || chunk.iter().map(|c| causes(&c.text)).collect::<Vec<_>>()))
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    })
}

/// One part's figures, through the binary.
fn measure(part: &str) -> Figures {
    let cases = cases(&root(), part);
    score(&cases, &triaged(&cases))
}

#[test]
fn the_corpus_cites_its_sources_and_is_split_by_project() {
    let (tuning, held_out) = (cases(&root(), "tuning"), cases(&root(), "heldout"));
    // A fresh set (`*.fresh.toml`: measured as it came, never tuned on) is held
    // to the same citations, from projects on neither side.
    let fresh = cases(&root(), "fresh");
    assert!(
        tuning.len() + held_out.len() >= 250,
        "the corpus holds {}",
        tuning.len() + held_out.len()
    );
    assert!(held_out.len() >= 80, "the held-out part holds {}", held_out.len());
    let not_connection = tuning.iter().chain(&held_out).filter(|c| !c.connection).count();
    assert!(not_connection >= 40, "{not_connection} non-connection messages");
    let rules = stdout_json(&doctor().args(["rules", "--format", "json"]).output().unwrap());
    let codes: BTreeSet<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for case in tuning.iter().chain(&held_out).chain(&fresh) {
        assert!(
            case.source.starts_with("https://"),
            "{}: no page cited",
            case.text
        );
        assert!(!case.text.trim().is_empty() && !case.project.is_empty());
        assert!(
            case.connection || case.supports.is_empty(),
            "{}: not a connection problem, yet supports {:?}",
            case.text,
            case.supports
        );
        for code in &case.supports {
            assert!(
                codes.contains(code.as_str()),
                "{code} is not a rule ({})",
                case.source
            );
        }
    }
    // By project, not by message: no project is on both sides.
    let projects =
        |cases: &[Case]| -> BTreeSet<String> { cases.iter().map(|c| c.project.to_lowercase()).collect() };
    let both: Vec<String> = projects(&tuning)
        .intersection(&projects(&held_out))
        .cloned()
        .collect();
    assert!(both.is_empty(), "projects on both sides of the split: {both:?}");
    let seen: BTreeSet<String> = projects(&tuning).union(&projects(&held_out)).cloned().collect();
    let again: Vec<String> = projects(&fresh).intersection(&seen).cloned().collect();
    assert!(
        again.is_empty(),
        "a fresh set from projects already seen: {again:?}"
    );
}

#[test]
fn held_out_messages_are_explained_at_least_as_well_as_measured() {
    let mut by_part = BTreeMap::new();
    for part in ["tuning", "heldout"] {
        let f = measure(part);
        eprintln!("{part}: {}", f.line());
        by_part.insert(part, f);
    }
    let tuning = &by_part["tuning"];
    let held = &by_part["heldout"];
    // Floors: what this table measured (2026-12-06, round 6: tuning 172/173 and
    // 126/130 with r6.tuning.toml; held out 36/48 and 62/66 — 33/48 from round 3
    // until a connection failure that states no reason became evidence). The goal is 90% / 95%; the README's figures are these. Round 5's two
    // missing-table messages labelled "not a connection problem" are answered
    // with the causes that hide a table (Lake Formation), as the corpus written
    // with the table asks (`tests/triage/corpus.toml`): the tuning floor moved
    // from 0.97 to 0.96 for them, said here rather than tuned away.
    assert!(
        tuning.recall() >= 0.99,
        "tuning recall fell:\n{}",
        tuning.misses.join("\n")
    );
    assert!(
        tuning.quietness() >= 0.96,
        "tuning non-connection messages given causes:\n{}",
        tuning.misses.join("\n")
    );
    // The held-out misses are never printed: a pattern must not be written
    // from one (the split's rule), so a failure says the figures alone.
    assert!(held.recall() >= 0.75, "held-out recall fell: {}", held.line());
    assert!(
        held.quietness() >= 0.93,
        "held-out non-connection messages given causes: {}",
        held.line()
    );
}
