//! Facts: everything the rules may know, in one serde struct. Serialised, this is
//! the snapshot format (versioned; it never holds a secret).

use crate::connection::Connection;
use crate::location::Location;
use crate::policy::Policy;
use crate::secret::SecretShape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever a change to `Facts` would make an older snapshot read wrongly.
pub(crate) const FACTS_VERSION: u32 = 1;

/// A fact, or why it is not known: rules that need it skip with that reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "value")]
pub(crate) enum Observed<T> {
    Known(T),
    /// Not collected; the reason says what would collect it.
    NotCollected(String),
}

impl<T> Observed<T> {
    pub(crate) fn known(&self) -> Result<&T, &str> {
        match self {
            Observed::Known(v) => Ok(v),
            Observed::NotCollected(why) => Err(why),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Facts {
    pub version: u32,
    pub connection: Connection,
    /// The shape of the secret access key supplied for the connection, if any.
    pub secret: Option<SecretShape>,
    /// The connection principal's identity policies (inline and attached).
    pub identity_policies: Observed<Vec<Policy>>,
    /// The principal's permissions boundary: `Known(None)` when it has none.
    pub permissions_boundary: Observed<Option<Policy>>,
    /// Bucket policies by bucket name; a bucket missing here was not looked at.
    pub bucket_policies: BTreeMap<String, Policy>,
    /// The role's trust policy, or why it could not be read (TRUST005).
    pub trust_policy: Observed<TrustPolicy>,
}

/// A trust policy as read: valid, or the reason IAM would refuse it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TrustPolicy {
    Valid(Box<Policy>),
    Invalid {
        /// The file, as given.
        path: String,
        location: Option<Location>,
        message: String,
    },
}
