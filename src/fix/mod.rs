//! Fixes as data: what to change, where, and the exact text that changes it.
//! Renderers print them; nothing here applies them.

pub(crate) mod policy;

use crate::connection::{Connection, FieldId, Form};
use serde_json::{Map, Value, json};

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
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Edit {
    /// Set a connection field to `value`, or remove it when `value` is null.
    Field {
        field: FieldId,
        form: Form,
        value: Value,
    },
    /// Change a policy document: the statements added or rewritten, the whole
    /// corrected document, the file to write it to, and the command that applies it.
    Policy {
        statements: Vec<Value>,
        document: Value,
        file: String,
        command: String,
    },
}

impl Fix {
    /// Set (or, with `Value::Null`, remove) one field of the connection.
    pub(crate) fn field(
        connection: &Connection,
        field: FieldId,
        value: impl Into<Value>,
        applicability: Applicability,
    ) -> Fix {
        Fix {
            target: format!("connection field {}", field.key_in(connection.form)),
            applicability,
            edit: Edit::Field {
                field,
                form: connection.form,
                value: value.into(),
            },
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
                }
            }
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
                command,
                ..
            } => {
                out["kind"] = json!("policy");
                out["file"] = json!(file);
                out["statements"] = json!(statements);
                out["document"] = self.payload();
                out["command"] = json!(command);
            }
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
