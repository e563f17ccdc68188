//! A pasted text cut into the errors it holds: each line is tried against the
//! table; a wrapper line without a message of its own (`[Simba]…(100071) An error
//! has been thrown…` above the AWS message) lends its fields to the message that
//! follows it in the same paragraph; repeats (retries, `Caused by:` chains) are
//! counted once. A message wrapped over a few lines (a terminal's or a tracker's
//! hard wrap: `… is not authorized` / `to perform: glue:GetTable …`) is also read
//! whole, its lines joined. Secrets pasted along are masked before anything
//! reads the line.

use super::{Fields, Pattern, recognise};
use crate::limits::TRIAGE_LINE_BYTES;
use std::collections::HashMap;

/// One error found in the text.
#[derive(Debug)]
pub(crate) struct Found {
    /// The 1-based line it was first seen on (of the pasted text, or of the
    /// message at `origin`).
    pub line: usize,
    /// Where it came from when not from the pasted text: `athena query ID (TIME)`.
    pub origin: Option<String>,
    /// That line, secrets masked, shortened to what a report can show.
    pub text: String,
    /// The pattern that recognised it; `None`: it looks like an error, but the
    /// doctor does not know it.
    pub pattern: Option<&'static Pattern>,
    pub fields: Fields,
    /// How many times it was seen.
    pub count: usize,
}

/// Fields a wrapper line lends to the message under it.
const LENT: &[&str] = &[
    "wrapper",
    "driver_code",
    "service",
    "code",
    "operation",
    "status",
    "request_id",
    "execution_id",
    "region",
];

/// The most lines of a paragraph read again as one wrapped message. A message
/// wraps over a few lines; a longer paragraph is a log or a stack trace, whose
/// lines are separate records that must not be read as one sentence.
const WRAPPED_LINES: usize = 4;

/// The longest line a report quotes, in characters.
const QUOTE: usize = 400;

/// What makes two errors one: the pattern and its fields (the request ID
/// aside: every retry has its own), or, unrecognised, the same text.
type Key = (Option<&'static str>, Vec<(&'static str, String)>, String);

/// The errors found so far, each once, in the order first seen, with an index
/// by key so that adding one is a lookup, not a pass over all the others.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    found: Vec<Found>,
    index: HashMap<Key, usize>,
}

impl Errors {
    /// Add an error, or count it again when it is one already seen.
    pub(crate) fn add(&mut self, new: Found) {
        match self.index.entry(key(&new)) {
            std::collections::hash_map::Entry::Occupied(at) => self.found[*at.get()].count += new.count,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(self.found.len());
                self.found.push(new);
            }
        }
    }

    /// The errors of `text` (a pasted log, or one message the account recorded,
    /// from `origin`), added.
    pub(crate) fn scan(&mut self, text: &str, origin: Option<&str>) {
        scan_into(text, &mut |mut found: Found| {
            found.origin = origin.map(str::to_string);
            self.add(found);
        });
    }

    pub(crate) fn into_found(self) -> Vec<Found> {
        self.found
    }
}

fn key(f: &Found) -> Key {
    let fields = f
        .fields
        .iter()
        .filter(|(n, _)| *n != "request_id")
        .map(|(n, v)| (n, v.to_string()))
        .collect();
    let id = f.pattern.map(|p| p.id.as_str());
    let text = if id.is_none() {
        f.text.clone()
    } else {
        String::new()
    };
    (id, fields, text)
}

/// Every error in `text`, in the order they first appear.
#[cfg(test)]
fn scan(text: &str) -> Vec<Found> {
    let mut errors = Errors::default();
    errors.scan(text, None);
    errors.into_found()
}

/// At most `TRIAGE_LINE_BYTES` of a line: its first and last halves, joined by
/// `…` (cut at characters). An error message is a few hundred bytes; a longer
/// line (a data dump, a name running on) would cost every pattern and field its
/// whole length, and its end (`… because no identity-based policy allows …`)
/// says as much as its start.
fn bounded(line: &str) -> std::borrow::Cow<'_, str> {
    if line.len() <= TRIAGE_LINE_BYTES {
        return line.into();
    }
    let half = TRIAGE_LINE_BYTES / 2;
    let mut head = half;
    while !line.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = line.len() - half;
    while !line.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{}…{}", &line[..head], &line[tail..]).into()
}

/// The lines of the paragraph being read, for [`Paragraph::wrapped`].
#[derive(Default)]
struct Paragraph {
    /// Its first line's number, 1-based.
    first: usize,
    /// Its lines (masked, bounded), stack frames left out.
    lines: Vec<String>,
    /// How many lines it has in all.
    count: usize,
    /// The patterns its lines were recognised by, one by one.
    seen: Vec<&'static str>,
}

impl Paragraph {
    /// One more line, with the pattern it was recognised by alone. Only the
    /// first `WRAPPED_LINES` are kept: a longer paragraph is never joined.
    fn push(&mut self, number: usize, line: &str, pattern: Option<&'static str>) {
        if self.count == 0 {
            self.first = number;
        }
        self.count += 1;
        if self.count > WRAPPED_LINES {
            return;
        }
        self.seen.extend(pattern);
        // A stack frame is never part of the sentence above it.
        if !line.starts_with("at ") {
            self.lines.push(line.to_string());
        }
    }

    /// The paragraph read as one message, when it is short enough to be one
    /// wrapped message and, joined, says something none of its lines said
    /// alone (a wrapped refusal may hold no word of an error on any one line:
    /// `… is not authorized` / `to perform: glue:GetTable`): that error, from
    /// its first line.
    fn wrapped(self) -> Option<Found> {
        if self.count > WRAPPED_LINES || self.lines.len() < 2 {
            return None;
        }
        let joined = self.lines.join(" ");
        let line = bounded(&joined);
        let (pattern, fields) = recognise(&line);
        let pattern = pattern.filter(|p| !self.seen.contains(&p.id.as_str()))?;
        Some(Found {
            line: self.first,
            origin: None,
            text: quote(&line),
            pattern: Some(pattern),
            fields,
            count: 1,
        })
    }
}

/// Each error of `text`, in order, to `add`.
fn scan_into(text: &str, add: &mut dyn FnMut(Found)) {
    let mut pending: Option<Found> = None;
    let mut paragraph = Paragraph::default();
    for (i, raw) in text.lines().enumerate() {
        // The one masker (`secret::mask`, linear in the line): fields, asks and
        // quotes are cut from the masked line, so nothing after this sees a
        // secret. Masked before the cut to head and tail, so a secret the cut
        // falls inside is never left as two unmasked halves.
        let masked = crate::secret::mask(unescaped(raw.trim()).trim());
        let line = bounded(&masked).into_owned();
        if line.is_empty() {
            if let Some(p) = pending.take() {
                add(p);
            }
            if let Some(whole) = std::mem::take(&mut paragraph).wrapped() {
                add(whole);
            }
            continue;
        }
        let (pattern, mut fields) = recognise(&line);
        let lower = line.to_ascii_lowercase();
        let looks_like_error = pattern.is_some()
            || fields.get("code").is_some()
            || fields.get("wrapper").is_some()
            || ["error", "exception", "denied"].iter().any(|w| lower.contains(w));
        paragraph.push(i + 1, &line, pattern.map(|p| p.id.as_str()));
        if !looks_like_error {
            continue;
        }
        let this = Found {
            line: i + 1,
            origin: None,
            text: quote(&line),
            pattern,
            fields: Fields::default(),
            count: 1,
        };
        if pattern.is_some() {
            if let Some(p) = pending.take() {
                for (name, value) in p.fields.iter().filter(|(n, _)| LENT.contains(n)) {
                    fields.set(name, value);
                }
            }
            add(Found { fields, ..this });
        } else {
            if let Some(p) = pending.take() {
                add(p);
            }
            pending = Some(Found { fields, ..this });
        }
    }
    if let Some(p) = pending {
        add(p);
    }
    if let Some(whole) = paragraph.wrapped() {
        add(whole);
    }
}

/// The line as the tool meant it: a message copied out of a JSON log or API
/// answer keeps its escapes (`\"`, and Go's `\u003c`/`\u003e`/`\u0026`/`\u0027`
/// for `<`, `>`, `&`, `'`), one copied out of a web page its entities (`&quot;`,
/// `&#39;`); the table's sentences are written unescaped. Escaped line breaks
/// and tabs read as spaces. Unescaped once, left to right (`\\"` stays `\"`).
fn unescaped(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\\') && !line.contains('&') {
        return line.into();
    }
    const FORMS: &[(&str, &str)] = &[
        ("\\\\", "\\"),
        ("\\\"", "\""),
        ("\\'", "'"),
        ("\\n", " "),
        ("\\r", " "),
        ("\\t", " "),
        ("\\u0027", "'"),
        ("\\u0022", "\""),
        ("\\u003c", "<"),
        ("\\u003e", ">"),
        ("\\u0026", "&"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&apos;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ];
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    'scan: while let Some(c) = rest.chars().next() {
        if c == '\\' || c == '&' {
            for (form, plain) in FORMS {
                if rest.len() >= form.len()
                    && rest.is_char_boundary(form.len())
                    && rest[..form.len()].eq_ignore_ascii_case(form)
                {
                    out.push_str(plain);
                    rest = &rest[form.len()..];
                    continue 'scan;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.into()
}

/// The line as a report quotes it: at most `QUOTE` characters, a cut marked `…`
/// (a line cut at `TRIAGE_LINE_BYTES` is longer than that, so is marked too).
fn quote(line: &str) -> String {
    match line.char_indices().nth(QUOTE) {
        None => line.to_string(),
        Some((end, _)) => format!("{}…", &line[..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_of_json_and_html_are_read_through() {
        assert_eq!(
            unescaped(r#"a \"b\" \u003cc\u003e \u0026 d\'s\ne"#),
            r#"a "b" <c> & d's e"#
        );
        assert_eq!(
            unescaped("&quot;x&quot; &#39;y&#39; &lt;z&gt; &amp;amp;"),
            "\"x\" 'y' <z> &amp;"
        );
        assert_eq!(unescaped(r#"C:\\path \\" é\"#), r#"C:\path \" é\"#);
        // The same message, as a Go service's JSON answer writes it: read as
        // the message itself.
        let plain = "User: arn:aws:iam::111122223333:user/bi is not authorized to perform: \
                     glue:GetTable on resource: arn:aws:glue:us-east-1:111122223333:table/sales/orders";
        let json = r#"{"message":"error executing query: User: arn:aws:iam::111122223333:user/bi is not authorized to perform: glue:GetTable on resource: arn:aws:glue:us-east-1:111122223333:table/sales/orders \u003cnil\u003e"}"#;
        let id = |t: &str| scan(t).first().and_then(|f| f.pattern).map(|p| p.id.as_str());
        assert!(
            id(plain).is_some_and(|i| i.starts_with("glue-denied")),
            "{:?}",
            id(plain)
        );
        assert_eq!(id(json), id(plain));
        let quoted = r#"{"error":"Schema \u0027analytics\u0027 does not exist"}"#;
        assert_eq!(id(quoted), Some("schema-not-found"));
        assert_eq!(scan(quoted)[0].fields.get("database"), Some("analytics"));
    }

    #[test]
    fn a_wrapped_message_is_read_whole() {
        // Quoted from tests/triage/wild/r5.tuning.toml (apache/gravitino#12990),
        // as its poster's tracker wrapped it.
        let text = "\
Caused by: AccessDeniedException: User: arn:aws:iam::...:user/... is not authorized\n\
to perform: glue:CreateDatabase on resource: arn:aws:glue:...:database/drop_me3\n\
because no identity-based policy allows the glue:CreateDatabase action\n";
        let ids: Vec<Option<&str>> = scan(text)
            .iter()
            .map(|f| f.pattern.map(|p| p.id.as_str()))
            .collect();
        // No line says "error", yet the two together are a refusal.
        let bare = "User: arn:aws:iam::111122223333:user/bi is not authorized\nto perform: glue:GetTable on resource: x\n";
        assert!(
            scan(bare)
                .iter()
                .any(|f| f.pattern.is_some_and(|p| p.id.starts_with("glue-denied"))),
            "{:?}",
            scan(bare)
        );
        // "… because no identity-based policy allows …": the caller's own account.
        assert!(ids.contains(&Some("glue-denied-same-account")), "{ids:?}");
        // A paragraph longer than a wrapped message (a log, a stack trace) is
        // read line by line only: its lines are separate records.
        let long: String = (0..5)
            .map(|i| {
                if i == 0 {
                    "ERROR not authorized\n"
                } else {
                    "to perform: glue:GetTable\n"
                }
            })
            .collect();
        assert!(
            scan(&long)
                .iter()
                .all(|f| !f.pattern.is_some_and(|p| p.id.starts_with("glue-denied")))
        );
    }

    #[test]
    fn a_log_holds_several_errors_counted_once_each() {
        let log = "\
2026-11-30 10:00:01 INFO connecting\n\
2026-11-30 10:00:02 ERROR [Simba][AthenaJDBC](100071) An error has been thrown from the AWS Athena client.\n\
Unable to verify/create output bucket acme-results\n\
\n\
2026-11-30 10:00:03 ERROR WorkGroup analytics is disabled.\n\
2026-11-30 10:00:04 ERROR WorkGroup analytics is disabled.\n\
2026-11-30 10:00:05 ERROR ThisIsNotAnything: frobnicated\n";
        let found = scan(log);
        let ids: Vec<Option<&str>> = found.iter().map(|f| f.pattern.map(|p| p.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                Some("output-bucket-unverifiable"),
                Some("workgroup-unusable"),
                None
            ]
        );
        assert_eq!(found[0].line, 3);
        assert_eq!(
            found[0].fields.get("wrapper"),
            Some("Simba AthenaJDBC"),
            "lent by the line above"
        );
        assert_eq!(found[0].fields.get("bucket"), Some("acme-results"));
        assert_eq!(found[1].count, 2);
        assert_eq!(found[1].fields.get("workgroup"), Some("analytics"));
    }

    #[test]
    fn secrets_are_masked_before_anything_reads_them() {
        let line = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY \
                    SessionToken: \"FwoGZXIvYXdzEJr//////////wEaDH\"";
        let masked = crate::secret::mask(line);
        assert!(!masked.contains("wJalr"), "{masked}");
        assert!(!masked.contains("FwoGZX"), "{masked}");
        assert_eq!(
            crate::secret::mask("s3://bucket/a/very/long/path/of/lowercase/words/only/x"),
            "s3://bucket/a/very/long/path/of/lowercase/words/only/x"
        );
    }
}
