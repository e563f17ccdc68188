//! The IAM evaluator's speed: the whole Athena permission matrix of one
//! connection judged against a 50-statement policy and against its 8-statement
//! least-privilege policy, in the same run (so the ratio, not the machine, is the
//! result). `cargo bench --bench evaluator`.

use athena_doctor::evaluator::Matrix;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("matrix");
    for statements in [0, 50] {
        let matrix = Matrix::new(statements);
        let (statements, pairs) = matrix.size();
        assert!(
            matrix.evaluate(),
            "the least-privilege statements allow the whole matrix"
        );
        group.throughput(Throughput::Elements(pairs as u64));
        group.bench_function(format!("{statements}-statement policy, {pairs} requests"), |b| {
            b.iter(|| black_box(matrix.evaluate()))
        });
    }
    group.finish();
}

criterion_group!(benches, matrix);
criterion_main!(benches);
