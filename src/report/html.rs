//! The HTML report: one self-contained page (inline CSS, no script, no external
//! asset, nothing fetched) that a support engineer attaches to a ticket for the
//! customer. It reads and prints without JavaScript: skipped and passed checks
//! are `<details>` that open with a click. Every text from an input or from AWS
//! is escaped; control characters are shown as their escapes.

use super::Report;
use crate::connection::FieldId;
use crate::engine::{Check, Severity, Status};
use crate::fix::Edit;
use crate::style::printable;
use serde_json::Value;
use std::fmt::Write;

/// Text for an element or an attribute: `&`, `<`, `>`, `"` and `'` escaped, and
/// control characters written as escapes (`\u{1b}`) first.
pub(super) fn escape(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A block of preformatted text (pretty JSON): its own newlines kept, each line
/// escaped as `escape` does.
fn escape_block(text: &str) -> String {
    text.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

pub(super) const STYLE: &str = "
:root { --error: #b3261e; --warning: #8a5a00; --info: #1f5fa8; --pass: #2e7d32; --muted: #5f6368; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #202124; margin: 0 auto;
       max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #dadce0; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; padding: 0; list-style: none; }
.counts li { border: 1px solid #dadce0; border-radius: .4rem; padding: .3rem .7rem; }
.counts .n { font-weight: 700; }
article.finding { border: 1px solid #dadce0; border-left: .35rem solid var(--muted); border-radius: .4rem;
                  padding: .75rem 1rem; margin: .75rem 0; break-inside: avoid; }
article.error { border-left-color: var(--error); }
article.warning { border-left-color: var(--warning); }
article.info { border-left-color: var(--info); }
.severity { font-size: .8rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
.error .severity { color: var(--error); } .warning .severity { color: var(--warning); }
.info .severity { color: var(--info); }
.subject, .where { color: var(--muted); font-size: .9rem; margin: 0; overflow-wrap: anywhere; }
.message { margin: .4rem 0; overflow-wrap: anywhere; }
.fix { margin-top: .6rem; }
.fix h4 { font-size: .9rem; margin: .4rem 0 .2rem; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: .3rem; padding: .6rem; margin: .2rem 0;
      white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; }
code { font: 13px ui-monospace, Menlo, Consolas, monospace; }
details { margin: .75rem 0; } summary { cursor: pointer; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid #eee;
         overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; }
@media print { body { max-width: none; padding: 0; } summary { list-style: none; } }
";

pub(crate) fn render(report: &Report) -> String {
    let s = report.summary();
    let mut out = String::new();
    let title = format!("athena-doctor: {}", report.connection);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<dl class=\"meta\">\n<dt>Connection</dt><dd id=\"connection\">{}</dd>\n\
         <dt>File</dt><dd>{}</dd>\n<dt>Mode</dt><dd id=\"mode\">{}</dd>\n",
        escape("Why the Athena connection fails"),
        escape(&report.connection),
        escape(&report.path),
        escape(report.mode)
    );
    if !report.form.is_omni() {
        // Another tool's source: the findings name its properties, so say whose.
        let _ = writeln!(
            out,
            "<dt>Written as</dt><dd id=\"source\">{}</dd>",
            escape(report.form.describe())
        );
    }
    if let Some(when) = &report.generated {
        let _ = writeln!(out, "<dt>Made</dt><dd id=\"generated\">{}</dd>", escape(when));
    }
    let identity = report.ran_as.as_deref().unwrap_or("none: no AWS call was made");
    let _ = write!(
        out,
        "<dt>Identity used</dt><dd id=\"identity\">{}</dd>\n</dl>\n</header>\n",
        escape(identity)
    );
    let _ = write!(
        out,
        "<ul class=\"counts\" id=\"summary\">\n\
         <li class=\"error\"><span class=\"n\" data-count=\"error\">{}</span> errors</li>\n\
         <li class=\"warning\"><span class=\"n\" data-count=\"warning\">{}</span> warnings</li>\n\
         <li class=\"info\"><span class=\"n\" data-count=\"info\">{}</span> info</li>\n\
         <li class=\"pass\"><span class=\"n\" data-count=\"pass\">{}</span> passed</li>\n\
         <li class=\"skip\"><span class=\"n\" data-count=\"skip\">{}</span> skipped</li>\n</ul>\n",
        s.error, s.warning, s.info, s.pass, s.skip
    );
    let failures = report.worst_first();
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if failures.is_empty() {
        out.push_str("<p>No findings: every check that could run passed.</p>\n");
    }
    for (i, check) in failures.iter().enumerate() {
        finding(&mut out, report, check, i + 1);
    }
    out.push_str("</section>\n");
    steps(&mut out, report);
    for (status, id, what) in [
        (Status::Skip, "skipped", "checks could not run (each says why)"),
        (Status::Pass, "passed", "checks passed"),
    ] {
        let list: Vec<&Check> = report.checks.iter().filter(|c| c.status == status).collect();
        let _ = write!(
            out,
            "<details id=\"{id}\">\n<summary>{} {what}</summary>\n<table>\n\
             <thead><tr><th>Code</th><th>Check</th><th>Subject</th><th>{}</th></tr></thead>\n<tbody>\n",
            list.len(),
            if status == Status::Skip { "Why" } else { "Result" }
        );
        for c in list {
            let _ = writeln!(
                out,
                "<tr data-code=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(c.code()),
                escape(c.code()),
                escape(c.name()),
                escape(&c.subject),
                escape(&c.message)
            );
        }
        out.push_str("</tbody>\n</table>\n</details>\n");
    }
    let _ = write!(
        out,
        "<footer>athena-doctor {} · the same report as JSON: <code>athena-doctor doctor --format json</code>; \
         a rule's documentation: <code>athena-doctor explain CODE</code></footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// The commands once each, in the order to run them: each with its whole
/// document inline (the page is all the customer receives), and the document
/// printed beside it to read.
fn steps(out: &mut String, report: &Report) {
    if report.steps.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"apply\">\n<h2>Apply in this order</h2>\n\
         <p>Run these with the AWS CLI and credentials of the account to change, in this order, \
         in one shell: each command holds its whole document, so nothing else is needed. \
         The doctor never runs them.</p>\n<ol>\n",
    );
    for (n, step) in report.steps.iter().enumerate() {
        let how = step.how();
        let codes = step.codes(&report.checks).join(", ");
        let _ = write!(
            out,
            "<li class=\"step\" id=\"step-{}\" data-codes=\"{}\" data-applicability=\"{}\">\n\
             <h3><code>{}</code> {} ({})</h3>\n",
            n + 1,
            escape(&codes),
            escape(step.applicability.as_str()),
            escape(&codes),
            escape(&step.target),
            escape(how)
        );
        if let Some(document) = &step.document {
            let pretty = serde_json::to_string_pretty(document).expect("a JSON value always serialises");
            let _ = writeln!(
                out,
                "<h4>Corrected document</h4>\n<pre class=\"json document\">{}</pre>",
                escape_block(&pretty)
            );
        }
        let _ = writeln!(
            out,
            "<h4>Command</h4>\n<pre class=\"command\">{}</pre>\n</li>",
            escape(&step.inline)
        );
    }
    out.push_str("</ol>\n</section>\n");
}

fn finding(out: &mut String, report: &Report, check: &Check, n: usize) {
    let severity = match check.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let _ = write!(
        out,
        "<article class=\"finding {severity}\" id=\"finding-{n}\" data-code=\"{}\">\n\
         <h3><span class=\"severity\">{severity}</span> <code>{}</code> {}</h3>\n\
         <p class=\"subject\">{}</p>\n",
        escape(check.code()),
        escape(check.code()),
        escape(check.name()),
        escape(&check.subject)
    );
    if let Some(at) = check.location {
        // Named as the customer knows it: the field of the BI tool's form, then
        // where the file the report was made from holds it.
        let file = check.file.as_deref().unwrap_or(&report.path);
        let field = FieldId::named(&check.subject).filter(|_| check.file.is_none());
        let policy = check
            .fix
            .as_ref()
            .filter(|f| check.file.is_some() && matches!(f.edit, Edit::Policy { .. }));
        let known_as = match (field, policy) {
            (Some(f), _) if report.form.is_omni() => format!("the connection form's field “{}” ", f.label()),
            (Some(f), _) => format!("{}'s `{}` ", report.form.describe(), f.key_in(report.form)),
            (None, Some(fix)) => format!("{} ", fix.target),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "<p class=\"where\">{}({}:{at})</p>",
            escape(&known_as),
            escape(file)
        );
    }
    let _ = writeln!(out, "<p class=\"message\">{}</p>", escape(&check.message));
    if let Some(fix) = &check.fix {
        let _ = write!(
            out,
            "<div class=\"fix\" data-applicability=\"{}\">\n<h4>Fix ({}): {}</h4>\n",
            fix.applicability.as_str(),
            escape(fix.applicability.as_str()),
            escape(&fix.target)
        );
        if let Some(note) = &fix.note {
            let _ = writeln!(out, "<p>Why here: {}</p>", escape(note));
        }
        for (label, language, body) in fix.bodies() {
            if let Some(label) = label {
                let _ = writeln!(out, "<h4>{}</h4>", escape(label.trim_end_matches(':')));
            }
            let _ = writeln!(out, "<pre class=\"{language}\">{}</pre>", escape_block(&body));
        }
        // Another tool's source has its corrected text above instead.
        if let (Edit::Field { field, value, .. }, true) = (&fix.edit, report.form.is_omni()) {
            let what = match value {
                Value::Null => format!("In the connection form, clear “{}”.", field.label()),
                Value::String(v) => format!("In the connection form, set “{}” to {v}.", field.label()),
                v => format!("In the connection form, set “{}” to {v}.", field.label()),
            };
            let _ = writeln!(out, "<p class=\"field-fix\">{}</p>", escape(&what));
        }
        if let Some(n) = report.step_of(check) {
            let _ = writeln!(
                out,
                "<p class=\"applied-by\">Applied by <a href=\"#step-{n}\">step {n}</a> below.</p>"
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</article>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_from_inputs_is_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[31mb\r\n"), "a\\u{1b}[31mb\\r\\n");
        assert_eq!(
            escape_block("{\n  \"<k>\": 1\n}"),
            "{\n  &quot;&lt;k&gt;&quot;: 1\n}"
        );
    }
}
