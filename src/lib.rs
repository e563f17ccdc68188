//! athena-doctor: explains why a BI tool's connection to Amazon Athena fails, and
//! prints the fix. See ARCHITECTURE.md for the map.
//!
//! The pipeline is straight: collect (I/O) → facts → rules (pure) → gate → report
//! → render. The library's public surface is the command line (`main`), the
//! IAM evaluator (`evaluator`) that the case table, the benchmark and the fuzz
//! targets drive, and the readers of untrusted input (`inputs`) the fuzz targets
//! and "never panics" properties drive; everything else is `pub(crate)`.

mod aws;
mod cli;
mod collect;
mod commands;
mod connection;
mod engine;
mod error;
pub mod evaluator;
mod facts;
mod fix;
mod gate;
mod hash;
mod limits;
mod location;
mod messages;
mod permissions;
mod policy;
mod report;
mod rules;
mod secret;
mod shell;
mod style;
mod timezone;
mod triage;
mod yaml;

pub use commands::main;

/// Each reader of untrusted input, on text: what the fuzz targets and the
/// "never panics" properties drive. Whether it parsed is all they return.
#[doc(hidden)]
pub mod inputs {
    use std::path::Path;

    /// A connection file, read as TOML, as nested JSON and by its labels.
    pub fn connection(text: &str) -> bool {
        // Every reading runs (no short circuit): each must not panic.
        let read: Vec<bool> = ["c.toml", "c.json", "c"]
            .iter()
            .map(|name| crate::connection::from_text(Path::new(name), text).is_ok())
            .collect();
        read.contains(&true)
    }

    /// Another tool's connection source (a JDBC or SQLAlchemy URL, an ODBC DSN),
    /// read by each source reader behind each head that selects it, and what
    /// was read rewritten. Whether any reader read it.
    pub fn connection_source(text: &str) -> bool {
        crate::connection::source::exercise(text)
    }

    /// A snapshot; when it reads, the rules run over it too.
    pub fn snapshot(text: &str) -> bool {
        match crate::collect::parse_snapshot(Path::new("s.json"), text) {
            Ok(facts) => {
                let _ = crate::engine::run(&crate::rules::REGISTRY, &facts);
                true
            }
            Err(_) => false,
        }
    }

    /// A connection file judged offline (no policies): the number of checks. What
    /// the list-size benchmark times.
    pub fn judge_connection_file(path: &Path) -> usize {
        let none = crate::collect::PolicyInputs::default();
        let secret = crate::collect::SecretInput::default();
        match crate::collect::collect_offline(path, &secret, &none) {
            Ok(c) => crate::engine::run(&crate::rules::REGISTRY, &c.facts).len(),
            Err(_) => 0,
        }
    }

    /// A Terraform plan (`terraform = true`) or CloudFormation template for a role
    /// connection; when it reads, the rules run and fixes are written in its
    /// language. Whether it read.
    pub fn iac(text: &str, terraform: bool) -> bool {
        use crate::collect::iac::{self, IacInput};
        const CONNECTION: &str = "s3_output_bucket = \"s3://acme-athena-results/omni/\"\n\
            data_catalog = \"awsdatacatalog\"\nregion = \"us-east-1\"\ndata_buckets = [\"acme-lake\"]\n\
            [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::111122223333:role/bi-athena\"\n\
            external_id = \"omni-4f2a9c\"\ntrusted_account_id = \"999988887777\"\n";
        let config = Path::new("c.toml");
        let loaded = crate::connection::from_text(config, CONNECTION).expect("the built-in connection reads");
        let none = crate::collect::PolicyInputs::default();
        let secret = crate::collect::SecretInput {
            ignore_environment: true,
            ..Default::default()
        };
        let mut collected = crate::collect::collect_loaded(config, loaded, &secret, &none)
            .expect("the built-in connection loads");
        let input = match terraform {
            // No source directory: nothing on disk is read.
            true => IacInput::Terraform {
                plan: "plan.json".into(),
                source: Some("/nonexistent/athena-doctor".into()),
            },
            false => IacInput::CloudFormation("template.yaml".into()),
        };
        match iac::apply_text(&input, text, None, &mut collected.facts, &none) {
            Ok(_) => {
                let facts = &collected.facts;
                let mut checks = crate::engine::run(&crate::rules::REGISTRY, facts);
                crate::fix::iac::convert_all(&mut checks, facts, None);
                true
            }
            Err(_) => false,
        }
    }

    /// A pasted text triaged: the number of errors found in it.
    pub fn triage(text: &str) -> usize {
        let t = crate::triage::triage(text, &[], &crate::rules::CATALOGUE);
        t.errors.len() + t.not_shown
    }

    /// The causes triage lists for a pasted text, most likely first (their rule
    /// codes): what `triage --format json` prints under `causes`, without a
    /// connection. What the triage benchmark scores the corpus from the wild with.
    pub fn triage_causes(text: &str) -> Vec<&'static str> {
        crate::triage::triage(text, &[], &crate::rules::CATALOGUE)
            .causes
            .iter()
            .map(|c| c.rule.code)
            .collect()
    }

    /// An ARN, and what IAM would make of its resource.
    pub fn arn(text: &str) -> bool {
        match crate::aws::arn::Arn::parse(text) {
            Ok(arn) => {
                let _ = arn.iam_resource();
                true
            }
            Err(_) => false,
        }
    }
}
