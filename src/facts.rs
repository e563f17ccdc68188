//! Facts: everything the rules may know, in one serde struct. Serialised, this is
//! the snapshot format (versioned; it never holds a secret).

use crate::connection::Connection;
use crate::secret::SecretShape;
use serde::{Deserialize, Serialize};

/// Bumped whenever a change to `Facts` would make an older snapshot read wrongly.
pub(crate) const FACTS_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Facts {
    pub version: u32,
    pub connection: Connection,
    /// The shape of the secret access key supplied for the connection, if any.
    pub secret: Option<SecretShape>,
}
