//! S3 bucket names and the "S3 Output Bucket" field: what Athena accepts, and how
//! to turn what people paste (console URLs, ARNs, https URLs) into `s3://bucket/prefix/`.

use std::fmt;

/// A results location: `s3://bucket/` or `s3://bucket/prefix/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct S3Location {
    pub bucket: String,
    /// Empty, or a key prefix (no leading `/`).
    pub prefix: String,
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// Why a bucket name is not one S3 (and so Athena) accepts; `None` when it is.
pub(crate) fn bucket_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Some(format!("bucket names are 3 to 63 characters, `{name}` has {len}"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        let hint = if c.is_ascii_uppercase() {
            " (bucket names are lowercase)"
        } else {
            ""
        };
        return Some(format!("bucket names may not contain `{c}`{hint}"));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("bucket names begin and end with a letter or digit".into());
    }
    if name.contains("..") {
        return Some("bucket names may not contain two adjacent dots".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Some("bucket names may not look like an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!("bucket names may not start with `{prefix}`"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!(
                "bucket names may not end with `{suffix}` (that is an alias or access point, not a bucket)"
            ));
        }
    }
    None
}

/// What the "S3 Output Bucket" field holds, once read the way a person meant it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OutputLocation {
    /// The location Athena will be given, when one can be made out.
    pub location: Option<S3Location>,
    /// Problems found, most serious first; each is one sentence.
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    /// Does Athena reject the value (true), or only risk trouble (false)?
    pub fatal: bool,
}

impl OutputLocation {
    /// The value to put in the field instead, when it differs from what is there.
    pub(crate) fn suggestion(&self) -> Option<String> {
        self.location.as_ref().map(|l| l.to_string())
    }
}

/// Read the field as the connection UI would (trim, accept a bare bucket), and name
/// every deviation from `s3://bucket[/prefix/]`.
pub(crate) fn parse_output_location(raw: &str) -> OutputLocation {
    let mut problems = Vec::new();
    let mut problem = |fatal: bool, message: String| problems.push(Problem { message, fatal });
    let trimmed = raw.trim();
    let unquoted = crate::secret::strip_quotes(trimmed);
    if unquoted.len() != trimmed.len() {
        problem(true, "the value is wrapped in quotes".into());
    }
    let (bucket, prefix) = match split_known_forms(unquoted) {
        Ok(Spelling::S3 { bucket, prefix }) => (bucket, prefix),
        Ok(Spelling::Pasted { bucket, prefix, what }) => {
            problem(
                true,
                format!("{what} is not an S3 location; Athena needs `s3://bucket/prefix/`"),
            );
            (bucket, prefix)
        }
        Ok(Spelling::OtherScheme {
            scheme,
            bucket,
            prefix,
        }) => {
            problem(
                true,
                format!("`{scheme}://` is not accepted; Athena needs `s3://`"),
            );
            (bucket, prefix)
        }
        Err(message) => {
            problem(true, message);
            return OutputLocation {
                location: None,
                problems,
            };
        }
    };
    if let Some(message) = bucket_name_problem(&bucket) {
        problem(true, message);
    }
    let mut prefix = prefix.trim_start_matches('/').to_string();
    if prefix.contains("//") {
        problem(true, "the prefix contains `//`, an empty path segment".into());
        while prefix.contains("//") {
            prefix = prefix.replace("//", "/");
        }
    }
    if !prefix.is_empty() && !prefix.ends_with('/') {
        problem(
            false,
            format!("the prefix `{prefix}` does not end with `/`: Athena treats the location as a folder"),
        );
        prefix.push('/');
    }
    let location = bucket_name_problem(&bucket)
        .is_none()
        .then_some(S3Location { bucket, prefix });
    OutputLocation { location, problems }
}

enum Spelling {
    S3 {
        bucket: String,
        prefix: String,
    },
    OtherScheme {
        scheme: String,
        bucket: String,
        prefix: String,
    },
    Pasted {
        bucket: String,
        prefix: String,
        what: &'static str,
    },
}

fn split_bucket(rest: &str) -> (String, String) {
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    match rest.split_once('/') {
        Some((b, p)) => (b.to_string(), p.to_string()),
        None => (rest.to_string(), String::new()),
    }
}

fn split_known_forms(v: &str) -> Result<Spelling, String> {
    if v.is_empty() {
        return Err("the value is empty".into());
    }
    if let Some((scheme, rest)) = v.split_once("://") {
        let lower = scheme.to_ascii_lowercase();
        if lower == "s3" && scheme == "s3" {
            let (bucket, prefix) = split_bucket(rest);
            return Ok(Spelling::S3 { bucket, prefix });
        }
        if lower == "https" || lower == "http" {
            return https_form(rest);
        }
        let (bucket, prefix) = split_bucket(rest);
        return Ok(Spelling::OtherScheme {
            scheme: scheme.to_string(),
            bucket,
            prefix,
        });
    }
    if let Some(rest) = v.strip_prefix("arn:") {
        // arn:PARTITION:s3:::bucket[/key]
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if parts.len() == 5 && parts[1] == "s3" {
            let (bucket, prefix) = split_bucket(parts[4]);
            return Ok(Spelling::Pasted {
                bucket,
                prefix,
                what: "an S3 ARN",
            });
        }
        return Err("this ARN does not name an S3 bucket".into());
    }
    if v.contains(char::is_whitespace) {
        return Err("the value contains whitespace".into());
    }
    // A bare bucket, optionally with a prefix: the UI adds `s3://` itself.
    let (bucket, prefix) = split_bucket(v);
    Ok(Spelling::S3 { bucket, prefix })
}

/// `https://BUCKET.s3[.REGION].amazonaws.com/KEY`, `https://s3[.REGION].amazonaws.com/BUCKET/KEY`,
/// and the console's `https://s3.console.aws.amazon.com/s3/buckets/BUCKET?prefix=KEY`.
fn https_form(rest: &str) -> Result<Spelling, String> {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let pasted = |(bucket, prefix): (String, String), what| Ok(Spelling::Pasted { bucket, prefix, what });
    if host.ends_with("console.aws.amazon.com") {
        let after = path
            .strip_prefix("s3/buckets/")
            .or_else(|| path.strip_prefix("s3/object/"))
            .ok_or("this console URL does not name a bucket")?;
        let (bucket, _) = split_bucket(after);
        let prefix = path
            .split_once("prefix=")
            .map(|(_, p)| p.split('&').next().unwrap_or_default())
            .map(percent_decode_slashes)
            .unwrap_or_default();
        return pasted((bucket, prefix), "an S3 console URL");
    }
    if let Some(i) = host.find(".s3")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
    {
        return pasted((host[..i].to_string(), path.to_string()), "an https URL");
    }
    if host.starts_with("s3") && host.contains("amazonaws.com") {
        return pasted(split_bucket(path), "an https URL");
    }
    Err(format!("`https://{host}` is not an S3 address"))
}

/// The console encodes `/` in the prefix query parameter as `%2F`.
fn percent_decode_slashes(s: &str) -> String {
    s.replace("%2F", "/").replace("%2f", "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(raw: &str) -> (Option<String>, Vec<(bool, String)>) {
        let parsed = parse_output_location(raw);
        (
            parsed.suggestion(),
            parsed
                .problems
                .into_iter()
                .map(|p| (p.fatal, p.message))
                .collect(),
        )
    }

    #[test]
    fn accepts_s3_urls_and_bare_buckets() {
        for ok in [
            "s3://acme-results/",
            "s3://acme-results/omni/",
            "acme-results",
            "acme-results/omni/",
        ] {
            let (_, problems) = loc(ok);
            assert!(problems.is_empty(), "{ok}: {problems:?}");
        }
        assert_eq!(loc(" acme-results ").0.as_deref(), Some("s3://acme-results/"));
    }

    #[test]
    fn corrects_pasted_forms() {
        let cases = [
            (
                "https://acme-results.s3.amazonaws.com/omni/",
                "s3://acme-results/omni/",
            ),
            (
                "https://acme-results.s3.eu-west-1.amazonaws.com/omni/",
                "s3://acme-results/omni/",
            ),
            (
                "https://s3.us-east-1.amazonaws.com/acme-results/omni/",
                "s3://acme-results/omni/",
            ),
            (
                "https://s3.console.aws.amazon.com/s3/buckets/acme-results?region=us-east-1&prefix=omni%2F&showversions=false",
                "s3://acme-results/omni/",
            ),
            ("arn:aws:s3:::acme-results", "s3://acme-results/"),
            ("arn:aws:s3:::acme-results/omni/", "s3://acme-results/omni/"),
            ("S3://acme-results/omni/", "s3://acme-results/omni/"),
            ("s3a://acme-results/omni/", "s3://acme-results/omni/"),
            ("s3://acme-results/omni", "s3://acme-results/omni/"),
            ("\"s3://acme-results/\"", "s3://acme-results/"),
        ];
        for (raw, want) in cases {
            let (got, problems) = loc(raw);
            assert_eq!(got.as_deref(), Some(want), "{raw}");
            assert!(!problems.is_empty(), "{raw} should be flagged");
        }
    }

    #[test]
    fn missing_trailing_slash_is_not_fatal() {
        let (_, problems) = loc("s3://acme-results/omni");
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].0);
    }

    #[test]
    fn bad_bucket_names() {
        for bad in [
            "ab",
            "Acme-Results",
            "acme_results",
            "-acme",
            "acme..results",
            "192.168.1.1",
            "xn--acme",
            "acme-s3alias",
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
            assert_eq!(loc(bad).0, None, "{bad}");
        }
        assert!(bucket_name_problem("acme.results-2024").is_none());
    }

    #[test]
    fn hopeless_values_say_why() {
        assert!(loc("").1[0].1.contains("empty"));
        assert!(loc("my bucket").1[0].1.contains("whitespace"));
        assert!(
            loc("arn:aws:iam::111122223333:role/x").1[0]
                .1
                .contains("S3 bucket")
        );
        assert!(loc("https://example.com/x").1[0].1.contains("not an S3 address"));
    }
}
