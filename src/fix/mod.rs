//! Fixes as data: what to change, where, and the exact text that changes it.
//! Renderers print them; nothing here applies them.

pub(crate) mod bundle;
pub(crate) mod compose;
pub(crate) mod iac;
pub(crate) mod policy;

use crate::connection::source::{Change, MASK, rewrite};
use crate::connection::{Connection, FieldId, Form};
use serde_json::{Map, Value, json};

/// For another tool's source, the fix written in it: the source as read (its
/// secrets shown as `****`) with only `changes` made, which change the
/// properties `keys`. `None` for Omni's file, whose fixes are the fragment of
/// the file, or when the source cannot take the changes.
pub(crate) fn source_snippet(
    connection: &Connection,
    changes: &[Change],
    keys: &[&str],
) -> Option<iac::Snippet> {
    if connection.form.is_omni() {
        return None;
    }
    let text = rewrite(connection.form, connection.text.as_deref()?, changes).ok()?;
    let describe = connection.form.describe();
    let note = if text.contains(MASK) {
        "; the secret is shown as ****: keep yours"
    } else {
        ""
    };
    let named: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    let named = match named.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Some(iac::Snippet {
        language: "text",
        instruction: format!(
            "T{} with only {named} changed{note}",
            describe.strip_prefix('t').unwrap_or(describe)
        ),
        text,
    })
}

/// A field fix's value as a source's property text: `None` removes it.
fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    }
}

impl Fix {
    /// For a fix to another tool's source: the change it makes there and the
    /// property it names (what `compose::compose_source` merges).
    pub(crate) fn source_change(&self) -> Option<(Change, String)> {
        match &self.edit {
            Edit::Field { field, form, value } if !form.is_omni() && *form != Form::AwsConfig => Some((
                Change::Set(*field, field_text(value)),
                field.key_in(*form).to_string(),
            )),
            Edit::Rename { from, to, .. } => Some((
                Change::Rename {
                    from: from.clone(),
                    to: to.clone(),
                },
                from.clone(),
            )),
            _ => None,
        }
    }
}

/// A finding as the steps over a report's fixes see it (`compose`, `bundle`,
/// `iac`): whether it failed, its rule's code and name, and its fix. The engine's
/// `Check` is one; through this, fixes stay below the engine that carries them.
pub(crate) trait Finding {
    fn failed(&self) -> bool;
    fn code(&self) -> &'static str;
    fn name(&self) -> &'static str;
    fn fix(&self) -> Option<&Fix>;
    fn fix_mut(&mut self) -> Option<&mut Fix>;
    /// Where the human faces show it among the failures (they list the worst
    /// first, stable): lower first. Those without a severity keep their order.
    fn shown_rank(&self) -> u8 {
        0
    }
}

/// How safely a fix can be applied without a person reading it (as in ruff).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applicability {
    /// Keeps the meaning the user intended (a typo, case, a missing slash).
    Safe,
    /// Probably right, but a person should confirm (a suggested time zone).
    Unsafe,
    /// Guidance only: a value the doctor cannot know must be filled in.
    DisplayOnly,
}

impl Applicability {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fix {
    /// What to change, in words: `connection field data_catalog`.
    pub target: String,
    pub applicability: Applicability,
    pub edit: Edit,
    /// Why the fix goes where it goes, when that is a choice (a managed policy).
    pub note: Option<String>,
    /// The fix in the language of the plan or template that declares the policy
    /// (`--fix-format terraform|cloudformation`).
    pub snippet: Option<iac::Snippet>,
}

// A report holds a few fixes: boxing the policy variant would save nothing worth
// the indirection in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Edit {
    /// Set a connection field to `value`, or remove it when `value` is null.
    Field {
        field: FieldId,
        form: Form,
        value: Value,
    },
    /// Change a policy document: the statements added or rewritten, the whole
    /// corrected document, and how the AWS CLI puts it in place.
    Policy {
        statements: Vec<Value>,
        document: Value,
        /// The document before the change, and the change: what lets fixes to one
        /// document be merged into one file (`--write-fixes`).
        base: Value,
        changes: Vec<policy::Change>,
        apply: Option<Command>,
        /// The file `--write-fixes` wrote the merged document to (`None`: the
        /// command carries the document inline, so it runs as printed).
        file: Option<String>,
        /// The input file the document was read from, which it corrects.
        source: Option<String>,
        /// Where a plan or template declares the document (or, for a new policy,
        /// the principal it is added to).
        site: Option<crate::policy::site::Site>,
    },
    /// Run an AWS CLI command that needs no document (create a bucket).
    Run { command: Command },
    /// Rename a property of another tool's source that its driver does not
    /// know, keeping its value (which may be a secret, so it is never held here).
    Rename { from: String, to: String, form: Form },
}

/// An AWS CLI command, as words, with the slot its document goes in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Command {
    /// The words before the document (`aws iam put-role-policy … --policy-document`).
    pub words: Vec<String>,
    /// The words after it (`--set-as-default`).
    pub after: Vec<String>,
    /// The file name `--write-fixes` gives the document: named after its target.
    pub file_name: String,
    /// Where it goes in `apply.sh`: buckets, then the policies on them, then the
    /// principal's policies, its boundary, and the trust policy last.
    pub order: u8,
    /// Commands run right after it, each only if the one before succeeded
    /// (`&&`): attaching the managed policy a split grant creates.
    pub then: Vec<Vec<String>>,
    /// For a principal's inline policy: how to split the grant into a managed
    /// policy of its own when the inline policies would exceed their quota
    /// (`compose`).
    pub split: Option<Split>,
}

/// Whose inline policy a command puts, and what the quota of its inline
/// policies already holds: what `compose` needs to move a grant into a managed
/// policy of its own.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Split {
    /// `role` or `user`.
    pub kind: &'static str,
    pub name: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: the managed policy's ARN is built from it.
    pub partition: String,
    /// The account the managed policy is created in, when the facts know it.
    pub account: Option<String>,
    /// The size (as IAM counts it) of the principal's other inline policies,
    /// which count against the same aggregate quota.
    pub others: usize,
    /// The names of the managed policies attached to it (read live): a split
    /// never creates one of these again (create-policy would fail with
    /// EntityAlreadyExists), it takes the next free name.
    pub taken: Vec<String>,
}

impl Command {
    /// The command as a shell line, with `document` as its document argument
    /// (already a shell word: `file://…` or a quoted JSON string).
    pub(crate) fn line(&self, document: Option<&str>) -> String {
        let quote = |w: &String| crate::shell::quote(w);
        let mut words: Vec<String> = self.words.iter().map(quote).collect();
        words.extend(document.map(str::to_string));
        words.extend(self.after.iter().map(quote));
        let mut line = words.join(" ");
        for next in &self.then {
            line.push_str(" && ");
            line.push_str(&crate::shell::join(next.iter().map(String::as_str)));
        }
        line
    }

    /// Whether a word is a placeholder the user must fill in (`<ROLE_NAME>`).
    pub(crate) fn has_placeholder(&self) -> bool {
        self.words
            .iter()
            .chain(&self.after)
            .chain(self.then.iter().flatten())
            .any(|w| w.contains('<'))
    }
}

impl Fix {
    /// Set (or, with `Value::Null`, remove) one field of the connection.
    pub(crate) fn field(
        connection: &Connection,
        field: FieldId,
        value: impl Into<Value>,
        applicability: Applicability,
    ) -> Fix {
        let value = value.into();
        // A value the AWS profile file gave is corrected there.
        if let Some((chain, filled)) = connection.filled(field)
            && let Value::String(v) = &value
        {
            return Fix::profile_setting(
                &chain.file,
                &filled.profile,
                field,
                v,
                Some(filled.location),
                None,
                applicability,
            );
        }
        let key = field.key_in(connection.form);
        Fix {
            target: format!("connection field {key}"),
            applicability,
            snippet: source_snippet(connection, &[Change::Set(field, field_text(&value))], &[key]),
            edit: Edit::Field {
                field,
                form: connection.form,
                value,
            },
            note: None,
        }
    }

    /// Set `field`'s setting (`external_id`, `role_arn`, `region`) of
    /// `profile` in the AWS shared config `file`: the corrected line, at the
    /// line it replaces (`at`), else added under the profile's header
    /// (`section`). The bundle never rewrites that file (it holds other
    /// profiles' keys): the fix is the line to write.
    pub(crate) fn profile_setting(
        file: &str,
        profile: &str,
        field: FieldId,
        value: &str,
        at: Option<crate::location::Location>,
        section: Option<crate::location::Location>,
        applicability: Applicability,
    ) -> Fix {
        let setting = field.key_in(Form::AwsConfig);
        let instruction = match (at, section) {
            (Some(at), _) => format!(
                "In {file}, profile `{profile}`, line {} ({file}:{at}) becomes",
                at.line
            ),
            (None, Some(s)) => format!("In {file}, add under `[profile {profile}]` (line {})", s.line),
            (None, None) => format!("In {file}, add to profile `{profile}`"),
        };
        Fix {
            target: format!("profile {profile} setting {setting} in {file}"),
            applicability,
            snippet: Some(iac::Snippet {
                language: "ini",
                instruction,
                text: format!("{setting} = {value}"),
            }),
            edit: Edit::Field {
                field,
                form: Form::AwsConfig,
                value: Value::String(value.to_string()),
            },
            note: None,
        }
    }

    /// Rename a property the source's driver does not know to the one it reads.
    pub(crate) fn rename(connection: &Connection, from: &str, to: &str, applicability: Applicability) -> Fix {
        let change = Change::Rename {
            from: from.to_string(),
            to: to.to_string(),
        };
        Fix {
            target: format!("connection property {from}"),
            applicability,
            snippet: source_snippet(connection, &[change], &[from]),
            edit: Edit::Rename {
                from: from.to_string(),
                to: to.to_string(),
                form: connection.form,
            },
            note: None,
        }
    }

    /// Run a command that needs no document. A word holding a placeholder
    /// (`<PRINCIPAL_ARN>`) makes it display-only.
    pub(crate) fn run<'a>(
        target: &str,
        words: impl IntoIterator<Item = &'a str>,
        applicability: Applicability,
    ) -> Fix {
        let command = Command {
            words: words.into_iter().map(str::to_string).collect(),
            after: vec![],
            file_name: String::new(),
            order: 6,
            then: vec![],
            split: None,
        };
        Fix {
            target: target.to_string(),
            applicability: if command.has_placeholder() {
                Applicability::DisplayOnly
            } else {
                applicability
            },
            edit: Edit::Run { command },
            note: None,
            snippet: None,
        }
    }

    /// Create the results bucket in the connection's region. Unsafe: a person
    /// should confirm the name is not a typo of a bucket that exists (bucket names
    /// are global, and the name may be taken).
    pub(crate) fn create_bucket(bucket: &str, region: &str) -> Fix {
        let mut words: Vec<String> = [
            "aws",
            "s3api",
            "create-bucket",
            "--bucket",
            bucket,
            "--region",
            region,
        ]
        .map(String::from)
        .to_vec();
        // us-east-1 is S3's default location and refuses to be named as a constraint.
        if region != "us-east-1" {
            words.push("--create-bucket-configuration".into());
            words.push(format!("LocationConstraint={region}"));
        }
        Fix {
            target: format!("bucket {bucket} in {region}"),
            applicability: Applicability::Unsafe,
            edit: Edit::Run {
                command: Command {
                    words,
                    after: vec![],
                    file_name: String::new(),
                    order: 0,
                    then: vec![],
                    split: None,
                },
            },
            note: None,
            snippet: None,
        }
    }

    /// The command that applies the fix, exactly as it runs: the document from
    /// the written file, or inline (never a file that does not hold the fix).
    pub(crate) fn command(&self) -> Option<String> {
        self.command_from(true)
    }

    /// The command with its document inline, whatever `--write-fixes` wrote: what
    /// a page sent to someone without the files shows.
    pub(crate) fn inline_command(&self) -> Option<String> {
        self.command_from(false)
    }

    /// Where the command goes among the others (`Command::order`): buckets first,
    /// the trust policy last.
    pub(crate) fn order(&self) -> u8 {
        match &self.edit {
            Edit::Run { command } => command.order,
            Edit::Policy { apply: Some(a), .. } => a.order,
            _ => u8::MAX,
        }
    }

    /// Whether the command runs as printed (it holds no value to fill in).
    pub(crate) fn runs_as_printed(&self) -> bool {
        match &self.edit {
            Edit::Run { command } => !command.has_placeholder(),
            Edit::Policy { apply: Some(a), .. } => !a.has_placeholder(),
            _ => false,
        }
    }

    fn command_from(&self, written: bool) -> Option<String> {
        match &self.edit {
            Edit::Field { .. } | Edit::Rename { .. } => None,
            Edit::Run { command } => Some(command.line(None)),
            Edit::Policy {
                document,
                apply,
                file,
                ..
            } => {
                let apply = apply.as_ref()?;
                // One word either way: the DIR of `--write-fixes` is the user's to name.
                let word = match file.as_ref().filter(|_| written) {
                    Some(f) => crate::shell::quote(&format!("file://{f}")),
                    None => crate::shell::quote(
                        &serde_json::to_string(document).expect("a JSON value always serialises"),
                    ),
                };
                Some(apply.line(Some(&word)))
            }
        }
    }

    /// One line for a table cell, in the syntax of the user's file.
    pub(crate) fn title(&self) -> String {
        match &self.edit {
            Edit::Field { field, form, value } => {
                let key = field.key_in(*form);
                match (form, value) {
                    (_, Value::Null) => format!("remove {key}"),
                    (Form::Toml, v) => format!("{key} = {}", toml_value(v)),
                    (Form::Json | Form::Labels, v) => format!("\"{key}\": {v}"),
                    (Form::AwsConfig, Value::String(v)) => format!("{key} = {v}"),
                    // Another tool's source: the property as it is written there.
                    (_, Value::String(v)) => format!("{key}={v}"),
                    (_, v) => format!("{key}={v}"),
                }
            }
            Edit::Rename { from, to, .. } => format!("rename {from} to {to}"),
            Edit::Run { command } => command.line(None),
            Edit::Policy { statements, .. } => {
                let sids: Vec<&str> = statements.iter().filter_map(|s| s.get("Sid")?.as_str()).collect();
                match sids.as_slice() {
                    [] => format!("edit {}", self.target),
                    _ => format!("{} in {}", sids.join(", "), self.target),
                }
            }
        }
    }

    /// The JSON that fixes it: for a field, the fragment of the connection file
    /// (nested as the file nests it) with the corrected value.
    pub(crate) fn payload(&self) -> Value {
        match &self.edit {
            Edit::Field { field, form, value } => {
                let key = field.key_in(*form);
                let mut fragment = Map::new();
                match key.split_once('.') {
                    Some((table, leaf)) if *form != Form::Labels => {
                        fragment.insert(table.to_string(), json!({ leaf: value }));
                    }
                    _ => {
                        fragment.insert(key.to_string(), value.clone());
                    }
                }
                Value::Object(fragment)
            }
            Edit::Policy { document, .. } => document.clone(),
            Edit::Run { .. } => Value::Null,
            Edit::Rename { from, to, .. } => json!({ "rename": { "from": from, "to": to } }),
        }
    }

    /// What a person reads of the fix, in order: each body under its label (none
    /// for a field: its fragment speaks for itself), with the language it is in.
    /// A fix in the language of a plan or template is that snippet alone.
    pub(crate) fn bodies(&self) -> Vec<(Option<String>, &'static str, String)> {
        let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("a JSON value always serialises");
        if let Some(snippet) = &self.snippet {
            let text = snippet.text.trim_end().to_string();
            return vec![(Some(format!("{}:", snippet.instruction)), snippet.language, text)];
        }
        match &self.edit {
            Edit::Field { .. } | Edit::Rename { .. } => vec![(None, "json", pretty(&self.payload()))],
            // A document with a command is printed once, with its step
            // (`report::steps`), not once per finding; one without (`--fix-format
            // json`, the vendor's side) is printed here.
            Edit::Policy {
                statements,
                document,
                apply,
                ..
            } => {
                let mut out = vec![(
                    Some("Statements:".into()),
                    "json",
                    pretty(&Value::Array(statements.clone())),
                )];
                if apply.is_none() {
                    out.push((Some("Corrected document:".into()), "json", pretty(document)));
                }
                out
            }
            Edit::Run { .. } => Vec::new(),
        }
    }

    /// The command a person is shown: none when the fix is a snippet to edit in a
    /// plan's or template's source (running it would drift from that source).
    pub(crate) fn shown_command(&self) -> Option<String> {
        match self.snippet {
            Some(_) => None,
            None => self.command(),
        }
    }

    /// The frozen v1 JSON shape of a fix (DESIGN §8).
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "target": self.target,
            "title": self.title(),
            "applicability": self.applicability.as_str(),
        });
        match &self.edit {
            Edit::Field { field, form, value } => {
                out["kind"] = json!("field");
                out["field"] = json!(field.key_in(*form));
                out["value"] = value.clone();
                out["payload"] = self.payload();
            }
            Edit::Policy {
                statements,
                file,
                source,
                ..
            } => {
                out["kind"] = json!("policy");
                out["file"] = json!(file);
                out["replaces"] = json!(source);
                out["statements"] = json!(statements);
                out["document"] = self.payload();
                out["command"] = json!(self.command());
            }
            Edit::Run { .. } => {
                out["kind"] = json!("command");
                out["command"] = json!(self.command());
            }
            Edit::Rename { from, to, .. } => {
                out["kind"] = json!("rename");
                out["field"] = json!(from);
                out["value"] = json!(to);
                out["payload"] = self.payload();
            }
        }
        if let Some(note) = &self.note {
            out["note"] = json!(note);
        }
        if let Some(snippet) = &self.snippet {
            out["snippet"] = json!({
                "language": snippet.language,
                "instruction": snippet.instruction,
                "text": snippet.text,
            });
        }
        out
    }
}

/// A JSON scalar or list written as TOML (the values fixes produce are strings,
/// booleans and lists of strings, which JSON and TOML spell alike).
fn toml_value(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_fixes_speak_the_files_language() {
        let mut conn = Connection::default();
        let fix = Fix::field(&conn, FieldId::DataCatalog, "awsdatacatalog", Applicability::Safe);
        assert_eq!(fix.title(), "data_catalog = \"awsdatacatalog\"");
        assert_eq!(fix.payload(), json!({"data_catalog": "awsdatacatalog"}));
        let fix = Fix::field(
            &conn,
            FieldId::RoleArn,
            "arn:aws:iam::111122223333:role/r",
            Applicability::Safe,
        );
        assert_eq!(
            fix.title(),
            "auth.role_arn = \"arn:aws:iam::111122223333:role/r\""
        );
        assert_eq!(
            fix.payload(),
            json!({"auth": {"role_arn": "arn:aws:iam::111122223333:role/r"}})
        );
        conn.form = Form::Labels;
        let fix = Fix::field(
            &conn,
            FieldId::RoleArn,
            "arn:aws:iam::111122223333:role/r",
            Applicability::Safe,
        );
        assert_eq!(
            fix.title(),
            "\"AWS Role ARN\": \"arn:aws:iam::111122223333:role/r\""
        );
        assert_eq!(
            fix.payload(),
            json!({"AWS Role ARN": "arn:aws:iam::111122223333:role/r"})
        );
        assert_eq!(fix.target, "connection field AWS Role ARN");
        let fix = Fix::field(&conn, FieldId::SecretAccessKey, Value::Null, Applicability::Safe);
        assert_eq!(fix.title(), "remove AWS Secret Access Key");
    }
}
