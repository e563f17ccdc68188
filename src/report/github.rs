//! GitHub Actions workflow commands: one annotation per finding, worst first,
//! escaped as the runner requires.

use super::Report;
use super::sarif::uri;
use crate::engine::Severity;
use std::fmt::Write;

/// Escaping for a command's message (data).
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping for a command's property values, which also end at `:` and `,`.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for c in report.worst_first() {
        let command = match c.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let file = c.file.as_deref().unwrap_or(&report.path);
        let loc = c
            .location
            .unwrap_or(crate::location::Location { line: 1, column: 1 });
        let mut message = c.message.clone();
        if let Some(fix) = &c.fix {
            message.push_str(&format!("\nFix ({}): {}", fix.target, fix.title()));
            // The annotation on the offending lines carries the snippet that repairs them.
            if let Some(snippet) = &fix.snippet {
                message.push_str(&format!(
                    "\n{}:\n{}",
                    snippet.instruction,
                    snippet.text.trim_end()
                ));
            }
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&uri(file)),
            loc.line,
            loc.column,
            escape_property(&format!("{} {}", c.code(), c.name())),
            escape_data(&message)
        );
    }
    let _ = writeln!(out, "athena-doctor: {}", report.summary().line());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
