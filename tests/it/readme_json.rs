//! The README's list of the JSON report's fields is the binary's: every field
//! the shipped example's report, its checks and its fixes carry is listed, and
//! every field listed for the report and a check is emitted.

use crate::common;

use common::{doctor, root, stdout_json};
use std::collections::BTreeSet;

/// The backticked names of the README bullet `- **level**:` (to the next bullet).
fn listed(readme: &str, level: &str) -> BTreeSet<String> {
    let start = readme
        .find(&format!("- **{level}**:"))
        .unwrap_or_else(|| panic!("no `- **{level}**:` in the README"));
    let rest = &readme[start + 4..];
    let end = rest
        .find("\n- **")
        .or_else(|| rest.find("\n\n"))
        .unwrap_or(rest.len());
    rest[..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_readme_lists_the_json_report_fields_the_binary_emits() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let examples = root().join("fixtures/examples");
    let out = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(examples.join("acme.toml"))
        .arg("--policy")
        .arg(examples.join("acme-policy.json"))
        .arg("--trust-policy")
        .arg(examples.join("acme-trust.json"))
        .output()
        .unwrap();
    let report = stdout_json(&out);
    let (report_listed, check_listed, fix_listed) = (
        listed(&readme, "report"),
        listed(&readme, "check"),
        listed(&readme, "fix"),
    );
    let top = keys(&report);
    assert!(
        top.is_subset(&report_listed),
        "{top:?} not all in {report_listed:?}"
    );
    for field in ["version", "tool", "connection", "summary", "checks"] {
        assert!(top.contains(field) && report_listed.contains(field), "{field}");
    }
    let checks = report["checks"].as_array().unwrap();
    let mut fixes = 0;
    for check in checks {
        let own = keys(check);
        assert!(
            own.is_subset(&check_listed),
            "{own:?} not all in {check_listed:?}"
        );
        assert_eq!(
            own,
            ["code", "name", "status", "severity", "message", "subject", "fix"]
                .iter()
                .map(|k| k.to_string())
                .collect::<BTreeSet<_>>()
        );
        if check["fix"].is_object() {
            fixes += 1;
            let own = keys(&check["fix"]);
            assert!(own.is_subset(&fix_listed), "{own:?} not all in {fix_listed:?}");
        }
    }
    assert!(fixes > 0, "the example has fixes");
}
