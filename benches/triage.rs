//! Triage speed: the corpus of 75 real-shaped messages (tests/triage/corpus.toml)
//! as one pasted text, and a 10,000-line log holding them among ordinary lines.
//! The target ("under a second" for what a support engineer pastes) is read from
//! `cargo bench --bench triage`, never asserted in a test.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

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

fn triage(c: &mut Criterion) {
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
}

criterion_group!(benches, triage);
criterion_main!(benches);
