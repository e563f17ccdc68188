//! `--write-fixes DIR`: the fixes of one report as files — each corrected
//! document once (the fixes to one document merged), the corrected connection
//! file, and `apply.sh`. Pure: it returns the files and names them in the fixes;
//! the command writes them. Nothing here runs anything.

use super::compose::{applied, document_key};
use super::{Applicability, Edit, Finding, Fix};
use crate::connection::source::{Change, rewrite};
use crate::connection::{Connection, FieldId, Form};
use crate::shell::comment;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The script's name in DIR.
pub(crate) const SCRIPT: &str = "apply.sh";

/// The connection file as read, to be corrected in its own format.
pub(crate) struct ConnectionText<'a> {
    pub connection: &'a Connection,
    /// The file name to write (the input's own name).
    pub name: String,
    /// The input's text; `None` when replaying a snapshot (the file is then
    /// written from the snapshot's fields).
    pub text: Option<String>,
}

/// The files to write, by name, in the order written.
pub(crate) struct Bundle {
    pub files: Vec<(String, String)>,
}

/// One comment line per finding: its code, what it changes, how safely.
fn about(check: &impl Finding, fix: &Fix) -> String {
    let note = fix
        .note
        .as_deref()
        .map(|n| format!("\n#   why here: {}", comment(n)))
        .unwrap_or_default();
    format!(
        "# {} {} ({}): {}{note}",
        check.code(),
        check.name(),
        fix.applicability.as_str(),
        comment(&fix.title())
    )
}

/// Build the files for the failing checks' fixes, and point each fix's `file`
/// (and so its command) at the file written for it under `dir` (as given).
pub(crate) fn plan(
    checks: &mut [impl Finding],
    conn: &ConnectionText,
    dir: &str,
    unsafe_fixes: bool,
) -> Result<Bundle, String> {
    // The documents of the tiers this run applies (idempotent when the
    // command already composed them with the same flag).
    super::compose::compose(checks, unsafe_fixes);
    let mut files: Vec<(String, String)> = Vec::new();
    // (order, text) of each apply.sh section.
    let mut sections: Vec<(u8, String)> = Vec::new();
    let mut fields: Vec<(FieldId, Value)> = Vec::new();
    let mut renames: Vec<Change> = Vec::new();
    let mut field_notes: Vec<String> = Vec::new();
    let joined = |name: &str| {
        if dir.is_empty() || dir == "." {
            name.to_string()
        } else {
            format!("{}/{name}", dir.trim_end_matches('/'))
        }
    };

    // Policy fixes grouped by the document they change.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut seen_runs: Vec<String> = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let Some(fix) = check.fix().filter(|_| check.failed()) else {
            continue;
        };
        let use_it = applied(fix.applicability, unsafe_fixes);
        match &fix.edit {
            // A profile's setting is written in the AWS config file, which
            // the bundle never rewrites (it holds other profiles' keys): said.
            Edit::Field {
                form: crate::connection::Form::AwsConfig,
                ..
            } => field_notes.push(format!(
                "{}\n#   not applied: {}",
                about(check, fix),
                fix.snippet.as_ref().map_or_else(
                    || "edit the AWS config file".to_string(),
                    |s| comment(&format!(
                        "{}: `{}` (by hand: the AWS config file holds other profiles' keys)",
                        s.instruction, s.text
                    ))
                )
            )),
            Edit::Field { field, value, .. } => {
                if use_it {
                    fields.push((*field, value.clone()));
                    field_notes.push(about(check, fix));
                } else {
                    field_notes.push(format!(
                        "{}\n#   not applied: {}",
                        about(check, fix),
                        why_not(fix)
                    ));
                }
            }
            Edit::Rename { from, to, .. } => {
                if use_it {
                    renames.push(Change::Rename {
                        from: from.clone(),
                        to: to.clone(),
                    });
                    field_notes.push(about(check, fix));
                } else {
                    field_notes.push(format!(
                        "{}\n#   not applied: {}",
                        about(check, fix),
                        why_not(fix)
                    ));
                }
            }
            Edit::Run { command } => {
                let line = command.line(None);
                if seen_runs.contains(&line) {
                    continue;
                }
                seen_runs.push(line.clone());
                sections.push((command.order, section(&about(check, fix), &line, use_it, fix)));
            }
            Edit::Policy { .. } => {
                let key = document_key(fix).expect("a policy fix has a document");
                groups.entry(key).or_default().push(i);
            }
        }
    }

    // Which fix is written to which file: set once the checks are no longer read.
    // Each fix already carries its tier's merged document (`compose`): the
    // files hold exactly the documents the report prints.
    let mut written: Vec<(usize, String)> = Vec::new();
    for (name, members) in groups {
        let fix_of = |i: usize| checks[i].fix().expect("grouped by fix");
        let document_of = |i: usize| match &fix_of(i).edit {
            Edit::Policy { document, .. } => document.clone(),
            _ => unreachable!("only policy fixes are grouped"),
        };
        let order = match &fix_of(members[0]).edit {
            Edit::Policy { apply, .. } => apply.as_ref().map_or(9, |a| a.order),
            _ => unreachable!("only policy fixes are grouped"),
        };
        let is_applied = |i: usize| {
            let fix = fix_of(i);
            fix_runs(fix) && applied(fix.applicability, unsafe_fixes)
        };
        let (ran, others): (Vec<usize>, Vec<usize>) = members.iter().partition(|i| is_applied(**i));
        if let Some(&first) = ran.first() {
            files.push((name.clone(), pretty(&document_of(first))));
            let comments: Vec<String> = ran.iter().map(|&i| about(&checks[i], fix_of(i))).collect();
            let line = command_for(fix_of(first), &name).expect("an applied fix has a command");
            sections.push((order, format!("{}\n{line}\n", comments.join("\n"))));
            written.extend(ran.iter().map(|&i| (i, joined(&name))));
        }
        // The others, one file per document: the unsafe fixes left out share one
        // (the applied changes and all of theirs), so that uncommenting its
        // command keeps the applied changes.
        let mut files_of_others: Vec<(Value, String, Vec<usize>)> = Vec::new();
        for &i in &others {
            let document = document_of(i);
            match files_of_others.iter_mut().find(|(d, _, _)| *d == document) {
                Some((_, _, same)) => same.push(i),
                None => {
                    let stem = name.trim_end_matches(".json");
                    let own = format!(
                        "{stem}.{}-{}.json",
                        checks[i].code().to_ascii_lowercase(),
                        files_of_others.len() + 1
                    );
                    files_of_others.push((document, own, vec![i]));
                }
            }
        }
        for (document, own, same) in files_of_others {
            files.push((own.clone(), pretty(&document)));
            written.extend(same.iter().map(|&i| (i, joined(&own))));
            let fix = fix_of(same[0]);
            let comments: Vec<String> = same.iter().map(|&i| about(&checks[i], fix_of(i))).collect();
            let text = match command_for(fix, &own) {
                Some(line) => section(&comments.join("\n"), &line, false, fix),
                None => format!(
                    "{}\n#   not applied: {}; the document is {own}\n",
                    comments.join("\n"),
                    why_not(fix)
                ),
            };
            sections.push((order, text));
        }
    }

    for (i, path) in written {
        set_file(&mut checks[i], path);
    }
    let conn_text = match conn.connection.form.is_omni() {
        true => corrected_connection(conn, &fields)?,
        false => corrected_source(conn, &fields, renames)?,
    };
    files.push((conn.name.clone(), conn_text));
    sections.sort_by_key(|(order, _)| *order);
    files.push((
        SCRIPT.to_string(),
        script(conn, &sections, &field_notes, unsafe_fixes),
    ));
    Ok(Bundle { files })
}

/// Whether the fix has a command at all (the vendor's side has none here).
fn fix_runs(fix: &Fix) -> bool {
    matches!(&fix.edit, Edit::Policy { apply: Some(_), .. } | Edit::Run { .. })
}

fn why_not(fix: &Fix) -> &'static str {
    match fix.applicability {
        Applicability::DisplayOnly if !fix_runs(fix) => "not a change to this account",
        Applicability::DisplayOnly => "display-only, it holds a value to fill in",
        Applicability::Unsafe => "unsafe, re-run with --unsafe-fixes to include it",
        Applicability::Safe => "safe",
    }
}

/// The command with its document read from `name` beside the script: `$here`
/// expands in double quotes, and a name that is not a plain word (the names the
/// doctor gives are) is quoted on its own.
fn command_for(fix: &Fix, name: &str) -> Option<String> {
    let quoted = crate::shell::quote(name);
    let word = if quoted == name {
        format!("\"file://$here/{name}\"")
    } else {
        format!("\"file://$here/\"{quoted}")
    };
    match &fix.edit {
        Edit::Policy { apply: Some(a), .. } => Some(a.line(Some(&word))),
        _ => None,
    }
}

/// A section of the script: the comment, then the command, commented out unless
/// it is applied.
fn section(comment: &str, line: &str, use_it: bool, fix: &Fix) -> String {
    if use_it {
        format!("{comment}\n{line}\n")
    } else {
        format!("{comment}\n#   not applied: {}\n# {line}\n", why_not(fix))
    }
}

fn set_file(check: &mut impl Finding, path: String) {
    if let Some(Fix {
        edit: Edit::Policy { file, .. },
        ..
    }) = check.fix_mut()
    {
        *file = Some(path);
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("a JSON value always serialises");
    s.push('\n');
    s
}

fn script(conn: &ConnectionText, sections: &[(u8, String)], fields: &[String], unsafe_fixes: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env bash");
    let _ = writeln!(
        out,
        "# Written by athena-doctor --write-fixes for {}. The doctor never runs it:",
        comment(&conn.connection.path)
    );
    let _ = writeln!(
        out,
        "# read it, then run it with the AWS CLI and credentials of the account to change."
    );
    let _ = writeln!(
        out,
        "# {} display-only ones always are (they hold a value to fill in).",
        if unsafe_fixes {
            "Unsafe fixes are included (--unsafe-fixes);"
        } else {
            "Unsafe fixes are commented out (re-run with --unsafe-fixes to include them);"
        }
    );
    let _ = writeln!(
        out,
        "# Order: buckets, bucket policies, the principal's policies, its boundary, the trust policy."
    );
    let _ = writeln!(out, "set -euo pipefail");
    // The script's own directory, whatever its name holds: no `dirname` (a
    // substitution drops trailing newlines), and a `.` after `pwd` keeps them.
    let _ = writeln!(
        out,
        "case \"${{BASH_SOURCE[0]}}\" in */*) here=\"${{BASH_SOURCE[0]%/*}}\" ;; *) here=. ;; esac"
    );
    let _ = writeln!(
        out,
        "here=\"$(CDPATH='' cd -- \"$here\" && pwd && echo .)\"; here=\"${{here%?.}}\""
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "# The corrected connection file is {} (no command: use it in the BI tool).",
        comment(&conn.name)
    );
    if fields.is_empty() {
        let _ = writeln!(out, "# No connection field changes.");
    }
    for f in fields {
        let _ = writeln!(out, "{f}");
    }
    for (_, s) in sections {
        let _ = writeln!(out);
        out.push_str(s);
    }
    if sections.is_empty() {
        let _ = writeln!(out, "\n# No AWS change is needed.");
    }
    out
}

/// The connection file with the field fixes made, in its own format: TOML edited
/// in place (comments and order kept), JSON re-written with its keys in order.
/// The secret access key is never copied.
fn corrected_connection(conn: &ConnectionText, fields: &[(FieldId, Value)]) -> Result<String, String> {
    let c = conn.connection;
    let mut edits: Vec<(&'static str, Option<Value>)> = fields
        .iter()
        .map(|(id, v)| (id.key_in(c.form), (!v.is_null()).then(|| v.clone())))
        .collect();
    edits.push((FieldId::SecretAccessKey.key_in(c.form), None));
    if c.auth.access_key_id_holds_secret.is_some()
        && !fields.iter().any(|(id, _)| *id == FieldId::AccessKeyId)
    {
        edits.push((FieldId::AccessKeyId.key_in(c.form), None));
    }
    let text = match &conn.text {
        Some(t) => t.clone(),
        None => from_model(c),
    };
    match c.form {
        Form::Toml => {
            let mut doc: toml_edit::DocumentMut = text
                .trim_start_matches('\u{feff}')
                .parse()
                .map_err(|e| format!("{e}"))?;
            for (key, value) in edits {
                let (table, leaf) = match key.split_once('.') {
                    Some((t, l)) => (Some(t), l),
                    None => (None, key),
                };
                let holder: &mut dyn toml_edit::TableLike = match table {
                    Some(t) => {
                        let item = doc.entry(t).or_insert(toml_edit::table());
                        match item.as_table_like_mut() {
                            Some(t) => t,
                            None => return Err(format!("`{t}` is not a table")),
                        }
                    }
                    None => doc.as_table_mut(),
                };
                match value {
                    Some(v) => {
                        holder.insert(leaf, toml_edit::value(toml_value(&v)));
                    }
                    None => {
                        holder.remove(leaf);
                    }
                }
            }
            Ok(doc.to_string())
        }
        Form::Jdbc2
        | Form::Jdbc3
        | Form::Jdbc4
        | Form::SqlAlchemy
        | Form::OdbcIni
        | Form::OdbcReg
        | Form::Dbt
        | Form::Grafana
        | Form::Metabase
        | Form::AwsConfig => {
            unreachable!("another tool's source is corrected by corrected_source")
        }
        Form::Json | Form::Labels => {
            let mut doc: Value =
                serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
            for (key, value) in edits {
                let (holder, leaf) = match key.split_once('.') {
                    Some((t, l)) if c.form == Form::Json => {
                        let obj = doc.as_object_mut().ok_or("the connection is not a JSON object")?;
                        let t = obj.entry(t).or_insert_with(|| Value::Object(Default::default()));
                        (t, l)
                    }
                    _ => (&mut doc, key),
                };
                let Some(obj) = holder.as_object_mut() else {
                    return Err(format!("`{key}` is not in a JSON object"));
                };
                match value {
                    Some(v) => {
                        obj.insert(leaf.to_string(), v);
                    }
                    None => {
                        obj.remove(leaf);
                    }
                }
            }
            Ok(pretty(&doc))
        }
    }
}

/// Another tool's source with the fixes made in its own syntax: the renames,
/// the fields, and every secret taken out (the corrected file never copies one).
fn corrected_source(
    conn: &ConnectionText,
    fields: &[(FieldId, Value)],
    mut changes: Vec<Change>,
) -> Result<String, String> {
    let c = conn.connection;
    let text = conn
        .text
        .as_ref()
        .or(c.text.as_ref())
        .ok_or("the connection's source text is not known")?;
    changes.extend(fields.iter().map(|(id, v)| {
        let value = match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            v => Some(v.to_string()),
        };
        Change::Set(*id, value)
    }));
    changes.push(Change::DropSecrets);
    rewrite(c.form, text, &changes)
}

fn toml_value(v: &Value) -> toml_edit::Value {
    match v {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => n
            .as_i64()
            .map(toml_edit::Value::from)
            .unwrap_or_else(|| n.to_string().into()),
        Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for item in items {
                a.push(toml_value(item));
            }
            toml_edit::Value::Array(a)
        }
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

/// A snapshot holds the connection's fields, not its file: write them in the
/// snapshot's form (the `[doctor]` table is not kept).
fn from_model(c: &Connection) -> String {
    use FieldId::{AuthType, DataBuckets};
    let mut doc = serde_json::Map::new();
    let mut put = |key: &str, v: Value| match key.split_once('.') {
        Some((t, l)) if c.form != Form::Labels => {
            let table = doc.entry(t).or_insert_with(|| Value::Object(Default::default()));
            if let Some(o) = table.as_object_mut() {
                o.insert(l.to_string(), v);
            }
        }
        _ => {
            doc.insert(key.to_string(), v);
        }
    };
    // Every field the model holds as text; the auth type and the data buckets are
    // typed, and the secret is never in the model.
    for id in FieldId::ALL {
        match id {
            AuthType => {
                if let Some(t) = c.auth.auth_type {
                    let v = match c.form {
                        Form::Labels => t.label().to_string(),
                        _ => serde_json::to_value(t)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    };
                    put(id.key_in(c.form), Value::String(v));
                }
            }
            DataBuckets if !c.data_buckets.is_empty() => {
                let list = c
                    .data_buckets
                    .iter()
                    .map(|f| Value::String(f.raw.clone()))
                    .collect();
                put(id.key_in(c.form), Value::Array(list));
            }
            _ => {
                if let Some(f) = c.field(id) {
                    put(id.key_in(c.form), Value::String(f.raw.clone()));
                }
            }
        }
    }
    let doc = Value::Object(doc);
    match c.form {
        Form::Toml => toml::to_string(&doc).unwrap_or_default(),
        _ => pretty(&doc),
    }
}
