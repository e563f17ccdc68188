//! JUnit XML for GitLab, Jenkins and friends: one test case per check.

use super::Report;
use crate::engine::Status;
use std::fmt::Write;

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even as references.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(report: &Report) -> String {
    let s = report.summary();
    let failures = s.error + s.warning + s.info;
    let total = report.checks.len();
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<testsuites name=\"athena-doctor\" tests=\"{total}\" failures=\"{failures}\" skipped=\"{}\" errors=\"0\">",
        s.skip
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{total}\" failures=\"{failures}\" skipped=\"{}\" errors=\"0\">",
        escape(&report.connection),
        s.skip
    );
    for c in &report.checks {
        let name = escape(&format!("{} {} [{}]", c.code(), c.name(), c.subject));
        let class = format!("athena-doctor.{}", c.rule.family.as_str());
        match c.status {
            Status::Pass => {
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{name}\"/>");
            }
            Status::Skip => {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(&c.message)
                );
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
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    c.severity.as_str(),
                    escape(&c.message),
                    escape(&body)
                );
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}"
        );
    }
}
