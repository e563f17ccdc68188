//! `simulate` through the binary on a trust policy whose External ID key AWS never
//! sets (fixtures/scenarios/trust-external-id-key-misspelled): the condition does
//! not match, so the vendor is refused (implicit deny) — not "unknown".

use crate::common;

use common::{doctor, root, stdout_json};

#[test]
fn simulate_refuses_the_vendor_on_a_key_aws_never_sets() {
    let trust = root().join("fixtures/scenarios/trust-external-id-key-misspelled/trust.json");
    let vendor = root().join("fixtures/simulate/vendor-policy.json");
    let run = |context: &[&str]| {
        let output = doctor()
            .args(["simulate", "--format", "json"])
            .args([
                "--principal",
                "arn:aws:sts::999988887777:assumed-role/vendor/session-1",
            ])
            .args(["--action", "sts:AssumeRole"])
            .args(["--resource", "arn:aws:iam::111122223333:role/bi-athena"])
            .arg("--policy")
            .arg(&vendor)
            .arg("--resource-policy")
            .arg(&trust)
            .args(context)
            .output()
            .unwrap();
        (stdout_json(&output), output.status.code())
    };
    // Nothing said about the External ID, or the issued one: refused either way.
    for context in [&[][..], &["--context", "sts:ExternalId=omni-4f2a9c"][..]] {
        let (report, code) = run(context);
        assert_eq!(
            (report["decision"].as_str(), code),
            (Some("implicit-deny"), Some(1)),
            "{context:?}: {report:#}"
        );
        assert_eq!(report["unknowns"], serde_json::json!([]), "{report:#}");
    }
}
