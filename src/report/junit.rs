//! JUnit XML for GitLab, Jenkins and friends: one test case per check, in a test
//! suite named after the connection; the class is the rule's family. The XML is
//! written (and escaped) by `quick-junit`.

use super::Report;
use crate::engine::Status;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

pub(crate) fn render(report: &Report) -> String {
    let mut suite = TestSuite::new(report.connection.as_str());
    for c in &report.checks {
        let status = match c.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Skip => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(c.message.as_str());
                status
            }
            Status::Fail => {
                let mut body = c.message.clone();
                if let Some(fix) = &c.fix {
                    let json =
                        serde_json::to_string_pretty(&fix.payload()).expect("a JSON value always serialises");
                    body.push_str(&format!(
                        "\n\nFix ({}, {}): {}\n{json}",
                        fix.target,
                        fix.applicability.as_str(),
                        fix.title()
                    ));
                }
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_type(c.severity.as_str())
                    .set_message(c.message.as_str())
                    .set_description(body);
                status
            }
        };
        let mut case = TestCase::new(format!("{} {} [{}]", c.code(), c.name(), c.subject), status);
        case.set_classname(format!("athena-doctor.{}", c.rule.family.as_str()));
        suite.add_test_case(case);
    }
    let mut junit = quick_junit::Report::new("athena-doctor");
    junit.add_test_suite(suite);
    let mut out = junit.to_string().expect("a report of strings always serialises");
    out.push('\n');
    out
}
