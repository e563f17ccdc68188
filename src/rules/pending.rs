//! Placeholders for catalogued rules whose issue has not landed yet.

use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;

/// A catalogued rule that is not built yet: it always skips, and says so.
pub(crate) struct NotImplemented(pub &'static RuleMeta);

impl Rule for NotImplemented {
    fn meta(&self) -> &'static RuleMeta {
        self.0
    }

    fn check(&self, _facts: &Facts) -> Vec<Check> {
        vec![self.0.skip("-", "not implemented yet")]
    }

    fn is_placeholder(&self) -> bool {
        true
    }
}
