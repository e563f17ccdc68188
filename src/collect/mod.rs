//! Collect: the only stage that does I/O. It reads the connection (and, in later
//! stages, policy files, snapshots and the live account) and produces [`Facts`].

mod offline;

pub(crate) use offline::{PolicyInputs, SECRET_ENV, SecretInput, collect_offline};
