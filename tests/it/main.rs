//! The integration tests, one binary: each module is what used to be its own test
//! crate. One binary links once (the AWS SDKs make every link slow and large) and
//! runs its tests in one pool instead of one binary after another.

mod common;

mod bad_input;
mod bounded;
mod chain;
mod cli;
mod evaluator;
mod explain_truth;
mod faults;
mod fix_roundtrip;
mod fleet;
mod fleet_hostile;
mod help_examples;
mod hook;
mod hostile;
mod html;
mod iac;
mod live;
mod network;
mod never_panics;
mod never_set_keys;
mod org_live;
mod output_files;
mod outputs;
mod printed_fixes;
mod probes;
mod readme_json;
mod scenarios;
mod secrets;
mod simulate;
mod snapshot_secret;
mod snapshots;
mod source_examples;
mod sources;
mod sources_files;
mod terminal;
mod triage;
mod triage_wild;
mod vpce_live;
mod workgroup_roundtrip;
mod workgroup_settings;
