//! Triage speed: the corpus of 75 real-shaped messages (tests/triage/corpus.toml)
//! as one pasted text, and a 10,000-line log holding them among ordinary lines.
//! Then triage's growth, measured in one run and printed with its ratios: logs of
//! 10,000, 20,000 and 40,000 lines, every line a distinct error (a linear triage
//! takes twice as long for twice the lines). The targets ("under a second" for
//! what a support engineer pastes; near-linear growth) are read from
//! `cargo bench --bench triage`, never asserted in a test.
//!
//! First it prints how well triage explains the corpus from the wild
//! (`tests/triage/wild/`), the tuning part, the held-out part and a fresh set when there is one, with the
//! split's rule: scored as `tests/it/triage_wild.rs` scores it (one module,
//! `tests/it/common/wild.rs`), the causes asked of the library.

#[path = "../tests/it/common/wild.rs"]
mod wild;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn messages() -> Vec<String> {
    let text = include_str!("../tests/triage/corpus.toml");
    let corpus: toml::Value = toml::from_str(text).unwrap();
    corpus["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

/// The wild corpus's figures, each part on its own line.
fn wild_figures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("triage on messages from the wild (tests/triage/wild/), split by source project:");
    println!("  (held out: never tuned on; a project's messages are all on one side)");
    // `fresh`: messages from projects in neither part, collected after the last
    // change and measured as they came (`*.fresh.toml`); they join the tuning part
    // when a pattern is first written for them.
    for (part, name) in [
        ("tuning", "tuning  "),
        ("heldout", "held out"),
        ("fresh", "fresh   "),
    ] {
        let cases = wild::cases(root, part);
        if cases.is_empty() {
            continue;
        }
        let found: Vec<Vec<String>> = cases
            .iter()
            .map(|c| {
                athena_doctor::inputs::triage_causes(&c.text)
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
            .collect();
        let projects: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.project.as_str()).collect();
        println!(
            "  {name}: {} messages from {} projects; {}",
            cases.len(),
            projects.len(),
            wild::score(&cases, &found).line()
        );
    }
    println!("  goal: held-out recall ≥ 90%, no cause for non-connection messages ≥ 95%");
}

fn triage(c: &mut Criterion) {
    wild_figures();
    let messages = messages();
    let pasted = messages.join("\n\n");
    let log: String = (0..10_000)
        .map(|i| match i % 10 {
            0 => format!(
                "2026-11-30T10:00:{:02}Z ERROR {}",
                i % 60,
                messages[i / 10 % messages.len()]
            ),
            _ => format!(
                "2026-11-30T10:00:{:02}Z INFO  fetched page {i} of the result set",
                i % 60
            ),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(athena_doctor::inputs::triage(&pasted) >= messages.len() - 5);
    let mut group = c.benchmark_group("triage");
    group.sample_size(10);
    group.bench_function("corpus_75_messages", |b| {
        b.iter(|| athena_doctor::inputs::triage(black_box(&pasted)))
    });
    group.bench_function("log_10000_lines", |b| {
        b.iter(|| athena_doctor::inputs::triage(black_box(&log)))
    });
    group.finish();
    growth();
}

/// `lines` lines, each a distinct AccessDenied (its own role, bucket and key).
fn distinct_errors(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "2026-11-30T10:00:00Z ERROR User: arn:aws:sts::123456789012:assumed-role/bi-{i}/s is not \
                 authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::results-{i}/q/{i}.csv\" \
                 because no identity-based policy allows the s3:PutObject action"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The best of three runs.
fn best_of_three(text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            black_box(athena_doctor::inputs::triage(black_box(text)));
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Triage's growth with distinct errors, from one run: times and ratios.
fn growth() {
    let mut previous: Option<Duration> = None;
    println!("triage growth (distinct errors, best of 3):");
    for lines in [10_000, 20_000, 40_000] {
        let text = distinct_errors(lines);
        assert_eq!(
            athena_doctor::inputs::triage(&text),
            lines,
            "each line is one error"
        );
        let took = best_of_three(&text);
        let ratio = previous.map_or(String::new(), |p| {
            format!(
                ", {:.2}× the previous for 2× the lines",
                took.as_secs_f64() / p.as_secs_f64()
            )
        });
        println!(
            "  {lines:>6} lines: {:>8.1} ms{ratio}",
            took.as_secs_f64() * 1000.0
        );
        previous = Some(took);
    }
    println!("  target: near-linear (≈2× a doubling)");
}

criterion_group!(benches, triage);
criterion_main!(benches);
