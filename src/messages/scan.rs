//! A pasted text cut into the errors it holds: each line is tried against the
//! table; a wrapper line without a message of its own (`[Simba]…(100071) An error
//! has been thrown…` above the AWS message) lends its fields to the message that
//! follows it in the same paragraph; repeats (retries, `Caused by:` chains) are
//! counted once. Secrets pasted along are masked before anything reads the line.

use super::{Fields, Pattern, recognise};

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

/// The longest line a report quotes, in characters.
const QUOTE: usize = 400;

/// Every error in `text`, in the order they first appear.
pub(crate) fn scan(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut pending: Option<Found> = None;
    for (i, raw) in text.lines().enumerate() {
        // The one masker (`secret::mask`): fields, asks and quotes are cut from
        // the masked line, so nothing after this sees a secret.
        let line = crate::secret::mask(raw.trim());
        if line.is_empty() {
            if let Some(p) = pending.take() {
                add(&mut found, p);
            }
            continue;
        }
        let (pattern, mut fields) = recognise(&line);
        let lower = line.to_ascii_lowercase();
        let looks_like_error = pattern.is_some()
            || fields.get("code").is_some()
            || fields.get("wrapper").is_some()
            || ["error", "exception", "denied"].iter().any(|w| lower.contains(w));
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
            add(&mut found, Found { fields, ..this });
        } else {
            if let Some(p) = pending.take() {
                add(&mut found, p);
            }
            pending = Some(Found { fields, ..this });
        }
    }
    if let Some(p) = pending {
        add(&mut found, p);
    }
    found
}

/// Add an error, or count it again when it is one already seen: the same
/// pattern and fields (the request ID aside: every retry has its own), or the
/// same unrecognised text.
pub(crate) fn add(found: &mut Vec<Found>, new: Found) {
    let key = |f: &Found| {
        let fields: Vec<(&str, &str)> = f.fields.iter().filter(|(n, _)| *n != "request_id").collect();
        let id = f.pattern.map(|p| p.id.as_str());
        let text = if id.is_none() {
            f.text.clone()
        } else {
            String::new()
        };
        (id, format!("{fields:?}"), text)
    };
    let new_key = key(&new);
    match found.iter_mut().find(|f| key(f) == new_key) {
        Some(seen) => seen.count += 1,
        None => found.push(new),
    }
}

fn quote(line: &str) -> String {
    if line.chars().count() <= QUOTE {
        return line.to_string();
    }
    let cut: String = line.chars().take(QUOTE).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

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
