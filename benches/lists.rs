//! Cost against list sizes: a connection whose Include Schemas (and Include Other
//! Data Catalogs) hold n names, loaded and judged offline by every rule. Cost must
//! grow about linearly: compare the times of n and 4n in one run
//! (`cargo bench --bench lists`). Was quadratic before (40,000 names: 4.3 s).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn connection(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    // Short names: the connection file stays under the reader's size limit at 40,000.
    let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let catalogs: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    let text = format!(
        "s3_output_bucket = \"s3://acme-results/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_schemas = \"{}\"\ninclude_other_data_catalogs = \"{}\"\ndefault_schema = \"s{}\"\n\
         database_timezone = \"UTC\"\nregion = \"us-east-1\"\n\n[auth]\ntype = \"cross_account_role\"\n\
         role_arn = \"arn:aws:iam::111122223333:role/bi\"\nexternal_id = \"omni-4f2a9c\"\n",
        names.join(", "),
        catalogs.join(", "),
        n / 2
    );
    let path = dir.join(format!("c{n}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn lists(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("include_schemas");
    group.sample_size(10);
    for n in [2_500, 10_000, 40_000] {
        let path = connection(dir.path(), n);
        assert!(athena_doctor::inputs::judge_connection_file(&path) > 0);
        group.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, path| {
            b.iter(|| athena_doctor::inputs::judge_connection_file(black_box(path)))
        });
    }
    group.finish();
}

criterion_group!(benches, lists);
criterion_main!(benches);
