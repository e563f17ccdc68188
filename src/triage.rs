//! Triage: from the errors found in a pasted text to the rules that explain
//! them, most likely first, each with why it fits, what to check and the
//! read-only commands to ask the customer for (names from the text filled in);
//! and, when the doctor could also look at the connection, each cause confirmed,
//! ruled out, or not checkable, from the findings of those rules alone.

use crate::engine::{Check, RuleMeta, Status};
use crate::limits::TRIAGE_SHOWN_ERRORS;
use crate::messages::{self, Found, Kind, TABLE};
use regex::Regex;
use std::sync::LazyLock;

/// What the text holds and what explains it.
#[derive(Debug)]
pub(crate) struct Triage {
    /// The distinct errors, at most `TRIAGE_SHOWN_ERRORS`.
    pub errors: Vec<Found>,
    /// How many more distinct errors the text held (they ranked the causes too).
    pub not_shown: usize,
    pub causes: Vec<Cause>,
    /// What the account could not tell (`--from-account`): each read that failed, and why.
    pub unread: Vec<String>,
    /// Commands about the errors themselves, whatever their cause: a failed
    /// query's own record, with Athena's reason and error type.
    pub follow_up: Vec<String>,
    /// The fields each follow-up command was filled from.
    follow_fields: Vec<messages::Fields>,
}

/// One rule that explains one or more of the errors.
#[derive(Debug)]
pub(crate) struct Cause {
    pub rule: &'static RuleMeta,
    /// Why it fits the text (the first, most likely, error it explains).
    pub why: String,
    pub check: String,
    /// Read-only AWS CLI commands to ask the customer to run.
    pub ask: Vec<String>,
    /// The errors (indices into `errors`) it explains.
    pub errors: Vec<usize>,
    /// What the doctor's own look at the connection says, if it looked.
    pub verdict: Option<Verdict>,
    /// Only evidence entries (what the message names: its service, code or
    /// field) list it: a lower-confidence match.
    pub low_confidence: bool,
    score: f64,
    /// The command templates and the fields of the error they were filled from:
    /// `known` fills them again with what the connection adds.
    templates: Vec<String>,
    fields: messages::Fields,
}

/// A cause held against the findings of its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Its rule found the problem: the findings' messages.
    Confirmed(Vec<String>),
    /// Its rule checked and passed.
    RuledOut(Vec<String>),
    /// Its rule could not check (the reasons), or was not run.
    NotCheckable(Vec<String>),
}

impl Verdict {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Verdict::Confirmed(_) => "confirmed",
            Verdict::RuledOut(_) => "ruled out",
            Verdict::NotCheckable(_) => "not checkable",
        }
    }

    pub(crate) fn evidence(&self) -> &[String] {
        match self {
            Verdict::Confirmed(e) | Verdict::RuledOut(e) | Verdict::NotCheckable(e) => e,
        }
    }

    /// Confirmed causes first, ruled-out ones last.
    fn order(&self) -> u8 {
        match self {
            Verdict::Confirmed(_) => 0,
            Verdict::NotCheckable(_) => 1,
            Verdict::RuledOut(_) => 2,
        }
    }
}

/// The rule of `catalogue` with this code or name (codes case-insensitive), as
/// `rules::find` looks it up in the registry.
fn find(catalogue: &[&'static RuleMeta], code_or_name: &str) -> Option<&'static RuleMeta> {
    catalogue
        .iter()
        .copied()
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// Triage a pasted text, and messages the account recorded (origin, message).
/// A cause is a rule of `catalogue` (every rule's metadata, given by the command:
/// triage names no rule itself).
pub(crate) fn triage(text: &str, recorded: &[(String, String)], catalogue: &[&'static RuleMeta]) -> Triage {
    let mut scanned = messages::Errors::default();
    scanned.scan(text, None);
    for (origin, message) in recorded {
        scanned.scan(message, Some(origin));
    }
    let mut errors = scanned.into_found();
    let mut causes: Vec<Cause> = Vec::new();
    // A failure that does not say why (`Athena query failed:`) is explained by
    // the reason the same text states elsewhere, if it states one.
    let stated = errors.iter().any(|e| e.pattern.is_some_and(|p| !p.unstated));
    for (at, error) in errors.iter().enumerate() {
        let Some(pattern) = error
            .pattern
            .filter(|p| p.kind == Kind::Connection && !(p.unstated && stated))
        else {
            continue;
        };
        let n = pattern.causes.len() as f64;
        // What the message names, not what it says, weighs half.
        let confidence = if pattern.evidence { 0.5 } else { 1.0 };
        for (rank, c) in pattern.causes.iter().enumerate() {
            // The table's codes are checked against the registry by a test.
            let Some(rule) = find(catalogue, &c.code) else {
                continue;
            };
            // The first cause of an error weighs 1, the last 1/n.
            let weight = confidence * (n - rank as f64) / n;
            if let Some(seen) = causes.iter_mut().find(|k| k.rule == rule) {
                seen.score += weight;
                seen.low_confidence &= pattern.evidence;
                // Errors are met in order: a repeat of `at` is the last one.
                if seen.errors.last() != Some(&at) {
                    seen.errors.push(at);
                }
                continue;
            }
            let advice = TABLE.rules.get(&c.code);
            let templates = c
                .ask
                .as_deref()
                .or(advice.map(|a| a.ask.as_slice()))
                .unwrap_or_default();
            causes.push(Cause {
                rule,
                why: c.why.clone(),
                check: advice.map(|a| a.check.clone()).unwrap_or_default(),
                ask: asks(templates, &error.fields, &messages::Fields::default()),
                errors: vec![at],
                verdict: None,
                low_confidence: pattern.evidence,
                score: weight,
                templates: templates.to_vec(),
                fields: error.fields.clone(),
            });
        }
    }
    // Stable: equal scores keep the order they were first met in.
    causes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut follow_up: Vec<String> = Vec::new();
    let mut follow_fields = Vec::new();
    let mut asked = std::collections::HashSet::new();
    for e in errors.iter().take(TRIAGE_SHOWN_ERRORS) {
        if e.fields.get("execution_id").is_some() {
            let command = fill(FOLLOW_UP, &e.fields, &messages::Fields::default());
            if asked.insert(command.clone()) {
                follow_up.push(command);
                follow_fields.push(e.fields.clone());
            }
        }
    }
    // Every error ranked the causes; only the first are listed (and cited).
    let not_shown = errors.len().saturating_sub(TRIAGE_SHOWN_ERRORS);
    errors.truncate(TRIAGE_SHOWN_ERRORS);
    for cause in &mut causes {
        cause.errors.retain(|&at| at < TRIAGE_SHOWN_ERRORS);
    }
    Triage {
        errors,
        not_shown,
        causes,
        unread: Vec::new(),
        follow_up,
        follow_fields,
    }
}

/// The failed query's own record.
const FOLLOW_UP: &str = "aws athena get-query-execution --query-execution-id {execution_id} --region {region} --query QueryExecution.Status";

/// The commands of `templates`, filled from the error's `fields`, then from
/// `known` (the connection's); a command for a user's groups only of a user.
fn asks(templates: &[String], fields: &messages::Fields, known: &messages::Fields) -> Vec<String> {
    let kind = fields.get("principal_kind").or(known.get("principal_kind"));
    let mut ask: Vec<String> = Vec::new();
    for t in templates {
        if (t.contains("{user_name}") || t.contains("{group}")) && kind != Some("user") {
            continue;
        }
        let command = fill(t, fields, known);
        if !ask.contains(&command) {
            ask.push(command);
        }
    }
    ask
}

/// What the connection (and the account, when read) says that a command to ask
/// for may name: the principal, the region, the workgroup, the results bucket.
pub(crate) fn known_fields(facts: &crate::facts::Facts) -> messages::Fields {
    use crate::connection::{AuthType, FieldId};
    let conn = &facts.connection;
    let mut known = messages::Fields::default();
    let last = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    match conn.auth.auth_type {
        Some(AuthType::CrossAccountRole) => {
            known.set("principal_kind", "role");
            if let Some(arn) = conn.value(FieldId::RoleArn) {
                // An assumed-role session names its role.
                let role = crate::aws::denial::role_of_session(arn).unwrap_or_else(|| arn.to_string());
                known.set("principal_name", last(&role));
                known.set("role_name", last(&role));
                known.set("principal_arn", role);
            }
        }
        Some(AuthType::AccessKey) => {
            known.set("principal_kind", "user");
            // The user behind the key: what the account answered to the key.
            let user = facts
                .live
                .as_ref()
                .known()
                .ok()
                .and_then(|l| l.probes.known().ok())
                .and_then(|p| p.credentials.known().ok())
                .filter(|arn| arn.contains(":user/"))
                .cloned();
            if let Some(arn) = user {
                known.set("principal_name", last(&arn));
                known.set("principal_arn", arn);
            }
        }
        None => {}
    }
    known.set("region", conn.region());
    known.set("workgroup", conn.workgroup());
    if let Some(at) = conn.output_location().and_then(|o| o.location) {
        known.set("bucket", at.bucket);
    }
    if let Some(catalog) = conn.value(FieldId::DataCatalog) {
        known.set("catalog", catalog.to_ascii_lowercase());
    }
    if let Some(schema) = conn.value(FieldId::DefaultSchema) {
        known.set("database", schema.to_ascii_lowercase());
    }
    known
}

impl Triage {
    /// Fill the commands again, what the errors did not say taken from `known`
    /// (the connection's and the account's: `known_fields`).
    pub(crate) fn fill_from(&mut self, known: &messages::Fields) {
        for cause in &mut self.causes {
            cause.ask = asks(&cause.templates, &cause.fields, known);
        }
        for (command, fields) in self.follow_up.iter_mut().zip(&self.follow_fields) {
            *command = fill(FOLLOW_UP, fields, known);
        }
    }

    /// The rules worth running to confirm or rule out the causes.
    pub(crate) fn candidates(&self) -> Vec<&'static RuleMeta> {
        self.causes.iter().map(|c| c.rule).collect()
    }

    /// Hold each cause against the findings of its rule (`checks` holds only the
    /// candidates' findings), then put the confirmed first and the ruled out last.
    pub(crate) fn confirm(&mut self, checks: &[Check]) {
        for cause in &mut self.causes {
            let own: Vec<&Check> = checks.iter().filter(|c| c.rule == cause.rule).collect();
            let said = |status: Status| -> Vec<String> {
                own.iter()
                    .filter(|c| c.status == status)
                    .map(|c| format!("{}: {}", c.subject, c.message))
                    .collect()
            };
            let failed = said(Status::Fail);
            let skipped = said(Status::Skip);
            cause.verdict = Some(if !failed.is_empty() {
                Verdict::Confirmed(failed)
            } else if own.is_empty() {
                Verdict::NotCheckable(vec!["the rule did not run on this connection".into()])
            } else if skipped.is_empty() {
                Verdict::RuledOut(said(Status::Pass))
            } else {
                // A pass on one part and a skip on another rules nothing out.
                Verdict::NotCheckable(skipped)
            });
        }
        self.causes
            .sort_by_key(|c| c.verdict.as_ref().map_or(1, Verdict::order));
    }
}

/// A command template with the message's fields filled in: `{bucket}` becomes the
/// bucket (one shell word, whatever the pasted text held), or `<BUCKET>` when the
/// message did not name one. Braces around anything but a field name (JSON) stay as
/// written. A field inside a quoted part of the template (a JSON `--resource`)
/// closes the quotes around its own word, so its value never runs as shell.
fn fill(template: &str, fields: &messages::Fields, known: &messages::Fields) -> String {
    static FIELD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\{([a-z_]+)\}").expect("a valid regular expression"));
    let mut out = String::with_capacity(template.len() + 16);
    let mut last = 0;
    for c in FIELD.captures_iter(template) {
        let whole = c.get(0).expect("a match has its text");
        let name = &c[1];
        out.push_str(&template[last..whole.start()]);
        last = whole.end();
        // `user_name`: the principal's name, asked only of a user (see `asks`).
        let field = if name == "user_name" {
            "principal_name"
        } else {
            name
        };
        let Some(value) = fields.get(field).or_else(|| known.get(field)) else {
            out.push_str(&match name {
                "principal_kind" => "<role|user>".to_string(),
                _ => format!("<{}>", name.to_ascii_uppercase()),
            });
            continue;
        };
        // A pasted log is anyone's text: NUL and control characters included.
        match quoting_at(&template[..whole.start()]) {
            None => out.push_str(&crate::shell::quote(value)),
            Some(q) => {
                // Inside a JSON string (`"{database}"`), the value is JSON text too.
                let value = if template[..whole.start()].ends_with('"') {
                    let json = serde_json::to_string(value).expect("a string always serialises");
                    json[1..json.len() - 1].to_string()
                } else {
                    value.to_string()
                };
                out.push(q);
                out.push_str(&crate::shell::quote(&value));
                out.push(q);
            }
        }
    }
    out.push_str(&template[last..]);
    out
}

/// The quote (`'` or `"`) left open at the end of `prefix`, read as a POSIX shell
/// reads it: backslash escapes outside single quotes.
fn quoting_at(prefix: &str) -> Option<char> {
    let mut open: Option<char> = None;
    let mut chars = prefix.chars();
    while let Some(c) = chars.next() {
        match (open, c) {
            (Some('\''), '\'') => open = None,
            (Some('\''), _) => {}
            (_, '\\') => {
                chars.next();
            }
            (None, '\'' | '"') => open = Some(c),
            (Some('"'), '"') => open = None,
            _ => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    #[test]
    fn every_code_in_the_table_is_a_rule_with_advice() {
        for p in &TABLE.errors {
            for c in &p.causes {
                assert!(rules::find(&c.code).is_some(), "{}: no rule {}", p.id, c.code);
                assert!(
                    TABLE.rules.contains_key(&c.code),
                    "{}: no [rule.{}]",
                    p.id,
                    c.code
                );
            }
        }
        for code in TABLE.rules.keys() {
            assert!(rules::find(code).is_some(), "[rule.{code}] names no rule");
        }
    }

    #[test]
    fn commands_are_filled_from_the_text() {
        let t = triage(
            "User: arn:aws:sts::123456789012:assumed-role/bi-athena/omni is not authorized to perform: \
             s3:PutObject on resource: \"arn:aws:s3:::acme-results/q/1.csv\" because no identity-based policy \
             allows the s3:PutObject action",
            &[],
            &crate::rules::CATALOGUE,
        );
        assert_eq!(t.errors.len(), 1);
        let first = &t.causes[0];
        assert_eq!(first.rule.code, "S3002");
        assert!(
            first
                .ask
                .contains(&"aws iam list-attached-role-policies --role-name bi-athena".to_string()),
            "{:?}",
            first.ask
        );
        let untold = fill(
            "aws s3api head-bucket --bucket {bucket}",
            &messages::Fields::default(),
            &messages::Fields::default(),
        );
        assert_eq!(untold, "aws s3api head-bucket --bucket <BUCKET>");
    }

    #[test]
    fn a_field_in_a_quoted_json_argument_is_its_own_word() {
        let mut fields = messages::Fields::default();
        fields.set("database", "y'$(touch X)\"\0");
        let line = fill(
            r#"aws lakeformation list-permissions --resource '{"Database": {"Name": "{database}"}}'"#,
            &fields,
            &messages::Fields::default(),
        );
        let words = shlex::split(&line).expect("one shell line");
        assert_eq!(
            words[4], r#"{"Database": {"Name": "y'$(touch X)\"\u0000"}}"#,
            "{line}"
        );
    }

    #[test]
    fn causes_shared_by_two_errors_rank_first() {
        let t = triage(
            "Unable to verify/create output bucket acme-results\n\
             Access denied when writing output to url: s3://acme-results/q/1.csv",
            &[],
            &crate::rules::CATALOGUE,
        );
        assert_eq!(t.errors.len(), 2);
        assert_eq!(
            t.causes[0].rule.code,
            "S3002",
            "{:?}",
            t.causes.iter().map(|c| c.rule.code).collect::<Vec<_>>()
        );
        assert_eq!(t.causes[0].errors, [0, 1]);
    }

    #[test]
    fn a_failure_that_says_no_reason_yields_to_the_one_that_does() {
        let reasoned = triage(
            "Athena query failed:\n\
             An error occurred (ThrottlingException) when calling the StartQueryExecution operation \
             (reached max retries: 4): Rate exceeded: AthenaQueryExecutionError",
            &[],
            &crate::rules::CATALOGUE,
        );
        assert!(reasoned.causes.is_empty(), "{:?}", reasoned.causes);
        let alone = triage(
            "pyathena.error.OperationalError: Query has failed",
            &[],
            &crate::rules::CATALOGUE,
        );
        assert_eq!(alone.causes[0].rule.code, "PROBE004");
    }

    #[test]
    fn a_query_error_lists_no_cause() {
        let t = triage(
            "SYNTAX_ERROR: line 1:8: mismatched input 'SELEC'. Expecting: 'SELECT'",
            &[],
            &crate::rules::CATALOGUE,
        );
        assert_eq!(t.errors.len(), 1);
        assert!(t.causes.is_empty());
    }
}
