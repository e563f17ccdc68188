//! Fixes in the language of the file that declares the policy: a Terraform
//! block (`jsonencode`, or an `aws_iam_policy_document` data source when the
//! document is built by one) or a CloudFormation YAML/JSON snippet, each naming
//! the resource and line to change. Pure: it writes text, it applies nothing.

use super::{Edit, Finding, Fix, policy::OWN_POLICY};
use crate::policy::site::{Language, Site};
use serde_json::Value;
use std::fmt::Write;

/// `--fix-format`: the form fixes are printed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FixFormat {
    /// The corrected JSON documents, with no command.
    Json,
    /// The corrected JSON documents and the AWS CLI command that applies them.
    Cli,
    /// A Terraform block naming the resource to change.
    Terraform,
    /// A CloudFormation snippet (YAML, or JSON for a JSON template).
    Cloudformation,
}

/// A fix written in the language of the file it changes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Snippet {
    /// `hcl`, `yaml` or `json`.
    pub language: &'static str,
    /// What to do with it, naming the file, line and resource.
    pub instruction: String,
    pub text: String,
}

/// Put every fix of `checks` in `format`, or by default in the language of the
/// plan or template the facts came from (cli when none).
pub(crate) fn convert_all(
    checks: &mut [impl Finding],
    facts: &crate::facts::Facts,
    format: Option<FixFormat>,
) {
    let languages = facts
        .principal_site
        .iter()
        .map(|s| s.language)
        .chain(checks.iter().filter_map(|c| match &c.fix()?.edit {
            Edit::Policy { site, .. } => site.as_ref().map(|s| s.language),
            _ => None,
        }));
    let format = format.unwrap_or(match languages.into_iter().next() {
        Some(Language::Terraform) => FixFormat::Terraform,
        Some(Language::CloudFormation { .. }) => FixFormat::Cloudformation,
        None => FixFormat::Cli,
    });
    if matches!(format, FixFormat::Terraform | FixFormat::Cloudformation) {
        merge_safe_fixes(checks);
    }
    for fix in checks.iter_mut().filter_map(|c| c.fix_mut()) {
        convert(fix, format);
    }
}

/// Safe fixes to one declared document become one corrected document: a snippet
/// replaces the whole block, so two snippets each with one change would undo each
/// other (and two new `aws_iam_role_policy` blocks of one name would clash).
fn merge_safe_fixes(checks: &mut [impl Finding]) {
    use std::collections::BTreeMap;
    let key = |fix: &Fix| match &fix.edit {
        Edit::Policy { site: Some(s), .. } if fix.applicability == super::Applicability::Safe => Some((
            s.file.clone(),
            s.resource.clone(),
            s.attribute.clone(),
            fix.target.clone(),
        )),
        _ => None,
    };
    let mut groups: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for (i, check) in checks.iter().enumerate() {
        if let Some(k) = check.fix().and_then(key) {
            groups.entry(k).or_default().push(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let mut all = Vec::new();
        let mut base = Value::Null;
        for &i in members {
            if let Some(Fix {
                edit: Edit::Policy { changes, base: b, .. },
                ..
            }) = checks[i].fix()
            {
                all.extend(changes.iter().cloned());
                base = b.clone();
            }
        }
        let merged = super::policy::changed(&base, &all);
        let codes: Vec<&str> = members.iter().map(|&i| checks[i].code()).collect();
        let note = format!("one document for the safe fixes of {}", codes.join(", "));
        for &i in members {
            if let Some(fix) = checks[i].fix_mut()
                && let Edit::Policy { document, .. } = &mut fix.edit
            {
                *document = merged.clone();
                fix.note = Some(match fix.note.take() {
                    Some(n) => format!("{n}; {note}"),
                    None => note.clone(),
                });
            }
        }
    }
}

/// Put `fix` in `format`: a snippet where its document is declared in that
/// language; `json` drops the command. Fixes IaC does not declare keep their form.
fn convert(fix: &mut Fix, format: FixFormat) {
    let Edit::Policy {
        document,
        apply,
        site,
        ..
    } = &mut fix.edit
    else {
        return;
    };
    match (format, site.as_ref().map(|s| s.language)) {
        (FixFormat::Cli, _) => {}
        (FixFormat::Json, _) => *apply = None,
        (FixFormat::Terraform, Some(Language::Terraform)) => {
            fix.snippet = site.as_ref().map(|s| terraform(s, document));
        }
        (FixFormat::Cloudformation, Some(Language::CloudFormation { json })) => {
            fix.snippet = site.as_ref().map(|s| cloudformation(s, document, json));
        }
        _ => {}
    }
}

fn terraform(site: &Site, document: &Value) -> Snippet {
    // Inside its module, a resource is named without the module's path.
    let local: Vec<&str> = site.resource.rsplitn(3, '.').take(2).collect();
    let local = match local.as_slice() {
        [name, kind] => format!("{kind}.{name}"),
        _ => site.resource.clone(),
    };
    let module = site
        .resource
        .strip_suffix(&local)
        .map(|m| m.trim_end_matches('.'))
        .filter(|m| !m.is_empty());
    let in_module = module.map(|m| format!(" (in {m})")).unwrap_or_default();
    let mut text = String::new();
    let instruction = if site.attribute.is_empty() {
        let _ = writeln!(text, "resource \"aws_iam_role_policy\" \"athena_doctor\" {{");
        let _ = writeln!(text, "  name   = \"{OWN_POLICY}\"");
        let _ = writeln!(text, "  role   = {local}.name");
        let _ = writeln!(text, "  policy = {}", jsonencode(document, 1));
        text.push_str("}\n");
        format!(
            "add to {}{in_module}, beside {local} (line {})",
            site.file, site.anchor.line
        )
    } else if let Some(data) = &site.document_source {
        let name = data.rsplit('.').next().unwrap_or("");
        let _ = writeln!(text, "data \"aws_iam_policy_document\" \"{name}\" {{");
        policy_document(&mut text, document);
        text.push_str("}\n");
        format!(
            "in {}{in_module}, replace {data} (the {} of {local}) with",
            site.file, site.attribute
        )
    } else if let Some(name) = site.attribute.strip_prefix("inline_policy ") {
        let _ = writeln!(text, "inline_policy {{");
        let _ = writeln!(text, "  name   = {name}");
        let _ = writeln!(text, "  policy = {}", jsonencode(document, 1));
        text.push_str("}\n");
        format!(
            "in {}:{}{in_module}, replace the inline_policy block {name} of {local} with",
            site.file, site.anchor.line
        )
    } else {
        let _ = writeln!(text, "{} = {}", site.attribute, jsonencode(document, 0));
        format!(
            "in {}:{}{in_module}, set {} of {local} to",
            site.file, site.anchor.line, site.attribute
        )
    };
    Snippet {
        language: "hcl",
        instruction,
        text,
    }
}

/// `jsonencode({...})`, indented for `depth` levels.
fn jsonencode(value: &Value, depth: usize) -> String {
    let mut out = String::from("jsonencode(");
    hcl_value(&mut out, value, depth);
    out.push(')');
    out
}

fn hcl_value(out: &mut String, value: &Value, depth: usize) {
    let pad = "  ".repeat(depth + 1);
    let close = "  ".repeat(depth);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (k, v) in map {
                let key = if is_identifier(k) {
                    k.clone()
                } else {
                    hcl_string(k)
                };
                let _ = write!(out, "{pad}{key} = ");
                hcl_value(out, v, depth + 1);
                out.push('\n');
            }
            let _ = write!(out, "{close}}}");
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                hcl_value(out, item, depth + 1);
                out.push_str(",\n");
            }
            let _ = write!(out, "{close}]");
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => out.push_str(&hcl_string(s)),
        other => out.push_str(&other.to_string()),
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A quoted HCL string: JSON's escapes, and `${`/`%{` doubled so that Terraform
/// does not read a policy variable (`${aws:username}`) as its own.
fn hcl_string(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string always serialises")
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// The body of an `aws_iam_policy_document` data source for `document`.
fn policy_document(out: &mut String, document: &Value) {
    let list = |v: &Value| -> String {
        let items: Vec<String> = match v {
            Value::Array(items) => items
                .iter()
                .map(|i| hcl_string(i.as_str().unwrap_or_default()))
                .collect(),
            Value::String(s) => vec![hcl_string(s)],
            _ => Vec::new(),
        };
        format!("[{}]", items.join(", "))
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    for s in &statements {
        out.push_str("  statement {\n");
        if let Some(sid) = s.get("Sid").and_then(Value::as_str) {
            let _ = writeln!(out, "    sid    = {}", hcl_string(sid));
        }
        if let Some(effect) = s.get("Effect").and_then(Value::as_str) {
            let _ = writeln!(out, "    effect = {}", hcl_string(effect));
        }
        for (key, block) in [
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ] {
            if let Some(v) = s.get(key) {
                let _ = writeln!(out, "    {block} = {}", list(v));
            }
        }
        for (key, block) in [("Principal", "principals"), ("NotPrincipal", "not_principals")] {
            match s.get(key) {
                Some(Value::String(star)) => {
                    let _ = writeln!(
                        out,
                        "    {block} {{\n      type        = \"*\"\n      identifiers = [{}]\n    }}",
                        hcl_string(star)
                    );
                }
                Some(Value::Object(map)) => {
                    for (kind, ids) in map {
                        let _ = writeln!(
                            out,
                            "    {block} {{\n      type        = {}\n      identifiers = {}\n    }}",
                            hcl_string(kind),
                            list(ids)
                        );
                    }
                }
                _ => {}
            }
        }
        for (test, keys) in s
            .get("Condition")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (variable, values) in keys.as_object().into_iter().flatten() {
                let values = match values {
                    Value::Array(_) | Value::String(_) => list(values),
                    other => format!("[{}]", hcl_string(&other.to_string())),
                };
                let _ = writeln!(
                    out,
                    "    condition {{\n      test     = {}\n      variable = {}\n      values   = {values}\n    }}",
                    hcl_string(test),
                    hcl_string(variable)
                );
            }
        }
        out.push_str("  }\n");
    }
}

fn cloudformation(site: &Site, document: &Value, json: bool) -> Snippet {
    let (instruction, value) = if site.attribute.is_empty() {
        let resource = serde_json::json!({
            "AthenaDoctorPolicy": {
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {
                    "PolicyName": OWN_POLICY,
                    "RoleName": {"Ref": site.resource},
                    "PolicyDocument": document,
                }
            }
        });
        (
            format!(
                "add under Resources of {} (beside {}, line {})",
                site.file, site.resource, site.anchor.line
            ),
            resource,
        )
    } else if let Some(name) = site.attribute.strip_prefix("Policies ") {
        let item = serde_json::json!([{
            "PolicyName": name.trim_matches('"'),
            "PolicyDocument": document,
        }]);
        (
            format!(
                "in {}:{}, replace the Policies item {name} of {} with",
                site.file, site.anchor.line, site.resource
            ),
            item,
        )
    } else {
        let mut property = serde_json::Map::new();
        property.insert(site.attribute.clone(), document.clone());
        (
            format!(
                "in {}:{}, replace {} of {} ({}) with",
                site.file, site.anchor.line, site.attribute, site.resource, site.resource_type
            ),
            Value::Object(property),
        )
    };
    let (language, text) = if json {
        let text = serde_json::to_string_pretty(&value).expect("a JSON value always serialises");
        ("json", format!("{text}\n"))
    } else {
        let mut text = String::new();
        yaml_value(&mut text, &value, 0);
        ("yaml", text)
    };
    Snippet {
        language,
        instruction,
        text,
    }
}

/// Block YAML; every string double-quoted (JSON's escapes are YAML's), and a
/// `{"Ref": X}` written as the short form `!Ref X`.
fn yaml_value(out: &mut String, value: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let _ = write!(out, "{pad}{}:", yaml_key(k));
                yaml_child(out, v, depth);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                let _ = write!(out, "{pad}-");
                match item {
                    Value::Object(map) if !map.is_empty() && ref_of(item).is_none() => {
                        // The first key on the dash's line, the others under it.
                        let mut text = String::new();
                        yaml_value(&mut text, item, depth + 1);
                        out.push(' ');
                        out.push_str(text.trim_start());
                    }
                    _ => yaml_child(out, item, depth),
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", yaml_scalar(other));
        }
    }
}

/// What follows `key:` or `-`: a scalar on the same line, a collection below.
fn yaml_child(out: &mut String, value: &Value, depth: usize) {
    if let Some(name) = ref_of(value) {
        let _ = writeln!(out, " !Ref {name}");
        return;
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml_value(out, value, depth + 1);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            yaml_value(out, value, depth + 1);
        }
        other => {
            let _ = writeln!(out, " {}", yaml_scalar(other));
        }
    }
}

fn ref_of(value: &Value) -> Option<&str> {
    match value.as_object() {
        Some(map) if map.len() == 1 => map.get("Ref")?.as_str(),
        _ => None,
    }
}

fn yaml_key(key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric()) && !key.is_empty() {
        key.to_string()
    } else {
        yaml_scalar(&Value::String(key.to_string()))
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) => serde_json::to_string(s).expect("a string always serialises"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terraform_strings_never_interpolate() {
        assert_eq!(
            hcl_string("arn:aws:s3:::b/${aws:username}/*"),
            r#""arn:aws:s3:::b/$${aws:username}/*""#
        );
        let mut out = String::new();
        hcl_value(
            &mut out,
            &json!({"Condition": {"StringEquals": {"sts:ExternalId": "x"}}}),
            0,
        );
        assert_eq!(
            out,
            "{\n  Condition = {\n    StringEquals = {\n      \"sts:ExternalId\" = \"x\"\n    }\n  }\n}"
        );
    }

    #[test]
    fn yaml_lists_of_maps_start_on_the_dash() {
        let mut out = String::new();
        yaml_value(
            &mut out,
            &json!({"Statement": [{"Effect": "Allow", "Action": ["a", "b"]}], "R": {"Ref": "X"}}),
            0,
        );
        assert_eq!(
            out,
            "Statement:\n  - Effect: \"Allow\"\n    Action:\n      - \"a\"\n      - \"b\"\nR: !Ref X\n"
        );
    }
}
