//! "Never panics" properties for every reader of untrusted input, through the
//! library's `inputs` entry points (the fuzz targets call the same functions):
//! arbitrary text, and valid inputs cut and spliced at random.

use athena_doctor::inputs;
use proptest::prelude::*;

const SNAPSHOT: &str = include_str!("../../fixtures/snapshots/broken.json");
const CONNECTION: &str = include_str!("../../fixtures/examples/acme.toml");
const JDBC: &str = include_str!("../../fixtures/examples/acme.jdbc");
const SQLALCHEMY: &str = include_str!("../../fixtures/examples/acme.url");
const MESSAGES: &str = include_str!("../triage/corpus.toml");
const PLAN: &str = include_str!("../../fixtures/iac/terraform/plan.json");
const TEMPLATE: &str = include_str!("../../fixtures/iac/cloudformation/template.yaml");
const TEMPLATE_JSON: &str = include_str!("../../fixtures/iac/cloudformation/template.json");

/// A valid text with a random range replaced by random text.
fn spliced(base: &'static str) -> impl Strategy<Value = String> {
    (0..base.len(), 0..64usize, "\\PC{0,16}").prop_map(move |(at, len, with)| {
        let mut at = at;
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + len).min(base.len());
        while !base.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}{with}{}", &base[..at], &base[end..])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn triage_never_panics(text in "\\PC{0,300}") {
        let _ = inputs::triage(&text);
    }

    /// The corpus of real messages, damaged anywhere: every wrapper and pattern
    /// meets cut ARNs, half URLs and stray quotes.
    #[test]
    fn damaged_messages_never_panic(text in spliced(MESSAGES)) {
        let _ = inputs::triage(&text);
    }

    #[test]
    fn snapshots_never_panic(text in "\\PC{0,200}") {
        let _ = inputs::snapshot(&text);
    }

    /// A real snapshot, damaged anywhere: read or refused, and when read, every
    /// rule runs over it without panicking.
    #[test]
    fn damaged_snapshots_never_panic(text in spliced(SNAPSHOT)) {
        let _ = inputs::snapshot(&text);
    }

    #[test]
    fn damaged_connections_never_panic(text in spliced(CONNECTION)) {
        let _ = inputs::connection(&text);
    }

    /// Other tools' sources, damaged anywhere, through every source reader.
    #[test]
    fn damaged_sources_never_panic(text in prop_oneof![spliced(JDBC), spliced(SQLALCHEMY)]) {
        let _ = inputs::connection(&text);
        let _ = inputs::connection_source(&text);
    }

    #[test]
    fn arbitrary_sources_never_panic(text in "\\PC{0,200}") {
        let _ = inputs::connection_source(&text);
    }

    #[test]
    fn damaged_plans_never_panic(text in spliced(PLAN)) {
        let _ = inputs::iac(&text, true);
    }

    #[test]
    fn damaged_templates_never_panic(text in spliced(TEMPLATE)) {
        let _ = inputs::iac(&text, false);
    }

    #[test]
    fn damaged_json_templates_never_panic(text in spliced(TEMPLATE_JSON)) {
        let _ = inputs::iac(&text, false);
    }

    #[test]
    fn templates_never_panic(text in "\\PC{0,200}") {
        let _ = inputs::iac(&text, false);
    }

    #[test]
    fn arns_never_panic(text in "(arn:)?\\PC{0,60}") {
        let _ = inputs::arn(&text);
    }
}

/// The properties above must exercise the happy path too: the shipped snapshot
/// reads and the connection loads.
#[test]
fn the_unspliced_inputs_read() {
    assert!(inputs::snapshot(SNAPSHOT));
    assert!(inputs::connection(CONNECTION));
    assert!(inputs::connection(JDBC) && inputs::connection_source(JDBC));
    assert!(inputs::connection(SQLALCHEMY) && inputs::connection_source(SQLALCHEMY));
    assert!(inputs::arn("arn:aws:iam::111122223333:role/bi"));
    assert!(inputs::iac(PLAN, true));
    assert!(inputs::iac(TEMPLATE, false));
    assert!(inputs::iac(TEMPLATE_JSON, false));
}
