//! athena-doctor: explains why a BI tool's connection to Amazon Athena fails, and
//! prints the fix. See ARCHITECTURE.md for the map.
//!
//! The pipeline is straight: collect (I/O) → facts → rules (pure) → gate → report
//! → render. The library's public surface is the command line (`main`) and the
//! IAM evaluator (`evaluator`) that the case table, the benchmark and the fuzz
//! target drive; everything else is `pub(crate)`.

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
mod location;
mod permissions;
mod policy;
mod report;
mod rules;
mod secret;
mod style;
mod timezone;

pub use commands::main;
