//! PROBE006: where the answers came from: an `AWS_ENDPOINT_URL*` override means
//! they were not AWS's.

use crate::engine::{Outcome, Rule, declare_rule};
use crate::facts::Facts;

declare_rule! {
    pub(crate) struct EndpointOverrideActive {
        code: "PROBE006",
        name: "endpoint-override-active",
        severity: Info,
        summary: "AWS_ENDPOINT_URL* is set: results may not reflect AWS",
        fixes: [DisplayOnly],
    }
}

impl Rule for EndpointOverrideActive {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        crate::rules::live(facts)?;
        if facts.endpoint_overrides.is_empty() {
            return Ok(vec![meta.pass(
                "environment",
                "no AWS_ENDPOINT_URL* variable is set: the answers came from AWS",
            )]);
        }
        let list: Vec<String> = facts
            .endpoint_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Ok(vec![meta.fail(
            "environment",
            format!(
                "{} is set: the answers came from there, not from AWS",
                list.join(", ")
            ),
        )])
    }
}
