//! Fixes to policy documents: statements to add, a Deny narrowed, a resource
//! corrected — always merged into the user's own document, with every other
//! statement kept, and the AWS CLI command that would apply it (printed, never run).

use super::{Applicability, Edit, Fix};
use crate::aws::arn::{Arn, IamResource};
use crate::connection::{AuthType, Connection, FieldId};
use crate::policy::Policy;
use crate::policy::decode::Origin;
use crate::policy::model::PolicyKind;
use serde_json::{Value, json};

/// Who the policy belongs to, for the target's words and the CLI command.
fn owner(conn: &Connection) -> (String, String) {
    match conn.auth.auth_type {
        Some(AuthType::AccessKey) => ("user".into(), "<USER_NAME>".into()),
        _ => {
            // The role's name: for a session ARN (`assumed-role/ROLE/SESSION`,
            // which ROLE002 reports) the role's, never the session's.
            let name = conn
                .value(FieldId::RoleArn)
                .and_then(|a| Arn::parse(a.trim()).ok())
                .and_then(|arn| match arn.iam_resource() {
                    IamResource::Role { name, .. } | IamResource::AssumedRole { role: name, .. } => {
                        Some(name)
                    }
                    _ => None,
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "<ROLE_NAME>".into());
            ("role".into(), name)
        }
    }
}

/// The file a corrected document goes to, and how the target is named.
fn destination(conn: &Connection, policy: Option<&Policy>, bucket: Option<&str>) -> (String, String, String) {
    let (kind, name) = owner(conn);
    // A document read from the AWS CLI's output names its owner
    // (`aws iam get-user-policy` prints UserName): the real user, not a placeholder.
    let name = policy.and_then(|p| p.name_of(&kind)).map_or(name, str::to_string);
    let Some(p) = policy else {
        let file = "athena-doctor-policy.json".to_string();
        let command = match kind.as_str() {
            "user" => format!(
                "aws iam put-user-policy --user-name {name} --policy-name athena-doctor --policy-document file://{file}"
            ),
            _ => format!(
                "aws iam put-role-policy --role-name {name} --policy-name athena-doctor --policy-document file://{file}"
            ),
        };
        return (
            file,
            format!("new inline policy athena-doctor of {kind} {name}"),
            command,
        );
    };
    let file = p.path.clone().unwrap_or_else(|| "policy.json".into());
    let stem = std::path::Path::new(&file)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "policy".into());
    match (p.kind, p.origin) {
        (PolicyKind::Trust, _) => (
            file.clone(),
            format!("trust policy of role {name}"),
            format!("aws iam update-assume-role-policy --role-name {name} --policy-document file://{file}"),
        ),
        (PolicyKind::Resource, _) => {
            let b = bucket.unwrap_or("<BUCKET>");
            (
                file.clone(),
                format!("bucket policy of {b}"),
                format!("aws s3api put-bucket-policy --bucket {b} --policy file://{file}"),
            )
        }
        (PolicyKind::Boundary, _) | (_, Origin::ManagedPolicy) => {
            let what = if p.kind == PolicyKind::Boundary {
                "permissions boundary"
            } else {
                "managed policy"
            };
            (
                file.clone(),
                format!("{what} {stem}"),
                format!(
                    "aws iam create-policy-version --policy-arn <POLICY_ARN> --policy-document file://{file} --set-as-default"
                ),
            )
        }
        _ => {
            let policy_name = p.name_of("policy").unwrap_or(&stem).to_string();
            let command = match kind.as_str() {
                "user" => format!(
                    "aws iam put-user-policy --user-name {name} --policy-name {policy_name} --policy-document file://{file}"
                ),
                _ => format!(
                    "aws iam put-role-policy --role-name {name} --policy-name {policy_name} --policy-document file://{file}"
                ),
            };
            (
                file,
                format!("inline policy {policy_name} of {kind} {name}"),
                command,
            )
        }
    }
}

/// The document's statements as a list (IAM allows a single object).
fn statements_mut(doc: &mut Value) -> &mut Vec<Value> {
    if !doc.is_object() {
        *doc = json!({});
    }
    let map = doc.as_object_mut().expect("made an object");
    let list = match map.remove("Statement") {
        Some(Value::Array(a)) => a,
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    map.insert("Statement".into(), Value::Array(list));
    map.get_mut("Statement")
        .and_then(Value::as_array_mut)
        .expect("just inserted")
}

/// An empty document to add statements to.
fn new_document() -> Value {
    json!({"Version": "2012-10-17", "Statement": []})
}

impl Fix {
    /// Add `statements` to `policy` (or to a new inline policy when there is none).
    pub(crate) fn add_statements(
        conn: &Connection,
        policy: Option<&Policy>,
        bucket: Option<&str>,
        statements: Vec<Value>,
        applicability: Applicability,
    ) -> Fix {
        let mut document = policy.map_or_else(new_document, |p| p.json.clone());
        let list = statements_mut(&mut document);
        let mut added = Vec::new();
        for mut s in statements {
            // Keep Sids unique within the document.
            if let Some(sid) = s.get("Sid").and_then(Value::as_str).map(str::to_string) {
                let taken = |c: &str| {
                    list.iter()
                        .any(|x| x.get("Sid").and_then(Value::as_str) == Some(c))
                };
                let mut candidate = sid.clone();
                let mut n = 2;
                while taken(&candidate) {
                    candidate = format!("{sid}{n}");
                    n += 1;
                }
                s["Sid"] = json!(candidate);
            }
            list.push(s.clone());
            added.push(s);
        }
        let (file, target, command) = destination(conn, policy, bucket);
        Fix {
            target,
            applicability,
            edit: Edit::Policy {
                statements: added,
                document,
                file,
                command,
            },
        }
    }

    /// Replace statement `index` of `policy` with `statement`.
    pub(crate) fn replace_statement(
        conn: &Connection,
        policy: &Policy,
        bucket: Option<&str>,
        index: usize,
        statement: Value,
        applicability: Applicability,
    ) -> Fix {
        let mut document = policy.json.clone();
        let list = statements_mut(&mut document);
        if let Some(slot) = list.get_mut(index) {
            *slot = statement.clone();
        }
        let (file, target, command) = destination(conn, Some(policy), bucket);
        Fix {
            target,
            applicability,
            edit: Edit::Policy {
                statements: vec![statement],
                document,
                file,
                command,
            },
        }
    }
}

/// The JSON of statement `index` of a policy.
pub(crate) fn statement_json(policy: &Policy, index: usize) -> Value {
    match policy.json.get("Statement") {
        Some(Value::Array(list)) => list.get(index).cloned().unwrap_or(Value::Null),
        Some(single) if index == 0 => single.clone(),
        _ => Value::Null,
    }
}

/// Add `values` to `operator`/`key` of a statement's conditions (merging with a
/// block already there: for the negated operators used to narrow a Deny, another
/// value is one more exemption).
pub(crate) fn add_condition(statement: &mut Value, operator: &str, key: &str, values: &[&str]) {
    let conditions = statement
        .as_object_mut()
        .expect("a statement is an object")
        .entry("Condition")
        .or_insert_with(|| json!({}));
    let block = conditions
        .as_object_mut()
        .expect("Condition is an object")
        .entry(operator)
        .or_insert_with(|| json!({}));
    let block = block.as_object_mut().expect("an operator maps keys to values");
    let existing = block.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
    let mut list: Vec<Value> = match existing.as_ref().and_then(|k| block.remove(k)) {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => Vec::new(),
    };
    for v in values {
        if !list.iter().any(|x| x.as_str() == Some(v)) {
            list.push(json!(v));
        }
    }
    let value = if list.len() == 1 {
        list.remove(0)
    } else {
        Value::Array(list)
    };
    block.insert(existing.unwrap_or_else(|| key.to_string()), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_merge_into_existing_blocks() {
        let mut s = json!({"Effect": "Deny", "Condition": {"ArnNotEquals": {"aws:principalarn": "arn:a"}}});
        add_condition(&mut s, "ArnNotEquals", "aws:PrincipalArn", &["arn:b"]);
        add_condition(
            &mut s,
            "ForAllValues:StringNotEquals",
            "aws:CalledVia",
            &["athena.amazonaws.com"],
        );
        assert_eq!(
            s["Condition"],
            json!({"ArnNotEquals": {"aws:principalarn": ["arn:a", "arn:b"]},
                   "ForAllValues:StringNotEquals": {"aws:CalledVia": "athena.amazonaws.com"}})
        );
    }

    /// Every ARN form names its real owner: a role with a path by its name, a
    /// session ARN by its role, and a user named by the CLI output the policy was
    /// read from.
    #[test]
    fn fixes_name_the_real_owner() {
        let role_conn = |arn: &str| {
            let text = format!("[auth]\ntype = \"cross_account_role\"\nrole_arn = \"{arn}\"\n");
            crate::connection::from_text(std::path::Path::new("c.toml"), &text)
                .unwrap()
                .connection
        };
        for (arn, role) in [
            ("arn:aws:iam::111122223333:role/bi-athena", "bi-athena"),
            (
                "arn:aws:iam::111122223333:role/service/team/bi-athena",
                "bi-athena",
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/bi-athena/omni-session",
                "bi-athena",
            ),
        ] {
            let (kind, _, command) = destination(&role_conn(arn), None, None);
            assert_eq!(kind, "athena-doctor-policy.json");
            assert!(
                command.contains(&format!("--role-name {role} ")),
                "{arn}: {command}"
            );
        }
        let key_conn = crate::connection::from_text(
            std::path::Path::new("c.toml"),
            "[auth]\ntype = \"access_key\"\naccess_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n",
        )
        .unwrap()
        .connection;
        let from_cli = Policy::from_text(
            "policy u.json",
            Some("u.json"),
            r#"{"UserName": "bi-user", "PolicyName": "athena", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let (_, target, command) = destination(&key_conn, Some(&from_cli), None);
        assert_eq!(target, "inline policy athena of user bi-user");
        assert!(
            command.contains("--user-name bi-user --policy-name athena"),
            "{command}"
        );
        let (_, _, command) = destination(&key_conn, None, None);
        assert!(command.contains("--user-name <USER_NAME>"), "{command}");
    }

    #[test]
    fn added_statements_keep_the_others_and_get_unique_sids() {
        let p = Policy::from_text(
            "policy p.json",
            Some("p.json"),
            r#"{"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let conn = Connection::default();
        let fix = Fix::add_statements(
            &conn,
            Some(&p),
            None,
            vec![json!({"Sid": "A", "Effect": "Allow"})],
            Applicability::Safe,
        );
        let Edit::Policy {
            document,
            statements,
            file,
            command,
        } = &fix.edit
        else {
            panic!()
        };
        assert_eq!(document["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(statements[0]["Sid"], "A2");
        assert_eq!(file, "p.json");
        assert!(command.starts_with("aws iam put-role-policy --role-name <ROLE_NAME> --policy-name p "));
    }
}
