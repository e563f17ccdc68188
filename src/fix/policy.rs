//! Fixes to policy documents: statements to add, a Deny narrowed, a resource
//! corrected — always merged into the user's own document, with every other
//! statement kept, and the AWS CLI command that would apply it (printed, never run).

use super::{Applicability, Command, Edit, Fix};
use crate::aws::arn::{Arn, IamResource};
use crate::connection::{AuthType, FieldId};
use crate::facts::Facts;
use crate::policy::Policy;
use crate::policy::decode::Origin;
use crate::policy::model::PolicyKind;
use serde_json::{Value, json};

/// One change to a document; fixes to the same document merge by their changes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// Append a statement (its Sid made unique in the document).
    Add(Value),
    /// Put these statements where statement `index` of the original was.
    Replace { index: usize, with: Vec<Value> },
}

/// The name of the inline policy a fix creates when it does not edit one.
pub(crate) const OWN_POLICY: &str = "athena-doctor";

/// Whose identity policies the fixes change: a role or a user, with its name when
/// the doctor knows it.
struct Owner {
    kind: &'static str,
    name: Option<String>,
    /// The partition and account a managed policy of the owner's would be
    /// created in (the role ARN's, else the region's partition and the account
    /// the facts know).
    partition: String,
    account: Option<String>,
}

impl Owner {
    fn of(facts: &Facts, policy: Option<&Policy>) -> Owner {
        let conn = &facts.connection;
        let kind = match conn.auth.auth_type {
            Some(AuthType::AccessKey) => "user",
            _ => "role",
        };
        // A document read from the AWS CLI's output, or live, names its owner.
        let named = policy.and_then(|p| p.name_of(kind)).map(str::to_string);
        let name = named.or_else(|| match kind {
            // The role's name: for a session ARN (`assumed-role/ROLE/SESSION`,
            // which ROLE002 reports) the role's, never the session's.
            "role" => conn
                .value(FieldId::RoleArn)
                .and_then(|a| Arn::parse(a.trim()).ok())
                .and_then(|arn| match arn.iam_resource() {
                    IamResource::Role { name, .. } | IamResource::AssumedRole { role: name, .. } => {
                        Some(name)
                    }
                    _ => None,
                }),
            // Live, the user behind the key: its policies name it, or the key's own
            // GetCallerIdentity did.
            _ => facts
                .identity_policies
                .known()
                .ok()
                .and_then(|ps| ps.iter().find_map(|p| p.name_of("user")))
                .map(str::to_string)
                .or_else(|| {
                    let probes = facts.live.as_ref().and_then(|l| l.probes.as_ref());
                    let arn = probes.known().ok()?.credentials.known().ok()?;
                    let arn = Arn::parse(arn).ok()?;
                    // `user/PATH/NAME`: the name is the last segment.
                    match arn.iam_resource() {
                        IamResource::User => arn.resource.rsplit('/').next().map(str::to_string),
                        _ => None,
                    }
                }),
        });
        let role_arn = conn
            .value(FieldId::RoleArn)
            .and_then(|a| Arn::parse(a.trim()).ok());
        let caller = facts
            .live
            .as_ref()
            .and_then(|l| l.probes.as_ref())
            .known()
            .ok()
            .and_then(|p| p.credentials.known().ok())
            .and_then(|a| Arn::parse(a).ok());
        let region = conn.region();
        let partition = match (&role_arn, &caller) {
            (Some(a), _) | (None, Some(a)) => a.partition.clone(),
            _ if region.starts_with("cn-") => "aws-cn".into(),
            _ if region.starts_with("us-gov-") => "aws-us-gov".into(),
            _ => "aws".into(),
        };
        let account = crate::permissions::account(conn).or_else(|| {
            caller
                .map(|a| a.account)
                .filter(|a| crate::aws::arn::is_account_id(a))
        });
        Owner {
            kind,
            name: name.filter(|n| !n.is_empty()),
            partition,
            account,
        }
    }

    fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("<{}_NAME>", self.kind.to_ascii_uppercase()))
    }

    /// `put-role-policy`/`put-user-policy` of inline policy `policy`.
    fn put(&self, policy: &str, target: &str) -> Command {
        let kind = self.kind;
        let mut command = put_command(
            &[
                "aws",
                "iam",
                &format!("put-{kind}-policy"),
                &format!("--{kind}-name"),
                &self.name(),
                "--policy-name",
                policy,
                "--policy-document",
            ],
            &[],
            target,
            3,
        );
        command.split = self.name.as_ref().map(|name| super::Split {
            kind,
            name: name.clone(),
            partition: self.partition.clone(),
            account: self.account.clone(),
            others: 0,
            taken: vec![],
        });
        command
    }
}

/// A file name that says what it holds: the target, in lowercase words.
pub(crate) fn file_name(target: &str) -> String {
    let mut out = String::new();
    for c in target.chars() {
        match c {
            'a'..='z' | '0'..='9' | '.' | '_' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            _ if !out.ends_with('-') && !out.is_empty() => out.push('-'),
            _ => {}
        }
    }
    format!("{}.json", out.trim_end_matches('-'))
}

/// An AWS CLI command putting a document in place: `words` before the document,
/// `after` it; its file named after `target`.
fn put_command(words: &[&str], after: &[&str], target: &str, order: u8) -> Command {
    Command {
        words: words.iter().map(|w| w.to_string()).collect(),
        after: after.iter().map(|w| w.to_string()).collect(),
        file_name: file_name(target),
        order,
        then: vec![],
        split: None,
    }
}

/// Where a corrected document goes: its target's words, the command that puts it
/// there, and why there when that is a choice.
struct Destination {
    target: String,
    command: Option<Command>,
    note: Option<String>,
}

fn destination(facts: &Facts, policy: Option<&Policy>, bucket: Option<&str>) -> Destination {
    let owner = Owner::of(facts, policy);
    let Some(p) = policy else {
        let target = format!(
            "new inline policy {OWN_POLICY} of {} {}",
            owner.kind,
            owner.name()
        );
        return Destination {
            command: Some(owner.put(OWN_POLICY, &target)),
            target,
            note: None,
        };
    };
    let stem = p
        .path
        .as_deref()
        .and_then(|f| std::path::Path::new(f).file_stem())
        .map(|s| s.to_string_lossy().to_string());
    match (p.kind, p.origin) {
        (PolicyKind::Trust, _) => {
            let name = owner.name();
            let target = format!("trust policy of role {name}");
            Destination {
                command: Some(put_command(
                    &[
                        "aws",
                        "iam",
                        "update-assume-role-policy",
                        "--role-name",
                        &name,
                        "--policy-document",
                    ],
                    &[],
                    &target,
                    5,
                )),
                target,
                note: None,
            }
        }
        (PolicyKind::Resource, Origin::KeyPolicy) => {
            let key = p.name_of("arn").unwrap_or("<KEY_ARN>").to_string();
            let target = format!("key policy of {key}");
            Destination {
                command: Some(put_command(
                    &[
                        "aws",
                        "kms",
                        "put-key-policy",
                        "--key-id",
                        &key,
                        "--policy-name",
                        "default",
                        "--policy",
                    ],
                    &[],
                    &target,
                    1,
                )),
                target,
                note: Some(
                    "put-key-policy replaces the whole key policy: the document is the one read, with the \
                     statement added"
                        .into(),
                ),
            }
        }
        (PolicyKind::Resource, Origin::VpcEndpoint) => {
            let id = p.name_of("endpoint").unwrap_or("<VPC_ENDPOINT_ID>").to_string();
            let target = format!("policy of VPC endpoint {id}");
            Destination {
                command: Some(put_command(
                    &[
                        "aws",
                        "ec2",
                        "modify-vpc-endpoint",
                        "--vpc-endpoint-id",
                        &id,
                        "--policy-document",
                    ],
                    &[],
                    &target,
                    1,
                )),
                target,
                note: Some(
                    "modify-vpc-endpoint replaces the endpoint's whole policy (the document is the one read, \
                     with the change), and the policy governs every request through the endpoint"
                        .into(),
                ),
            }
        }
        (PolicyKind::Resource, _) => {
            let b = bucket.map_or_else(|| "<BUCKET>".to_string(), str::to_string);
            let target = format!("bucket policy of {b}");
            Destination {
                command: Some(put_command(
                    &["aws", "s3api", "put-bucket-policy", "--bucket", &b, "--policy"],
                    &[],
                    &target,
                    1,
                )),
                target,
                note: None,
            }
        }
        (PolicyKind::Boundary, _) | (_, Origin::ManagedPolicy) => {
            let what = if p.kind == PolicyKind::Boundary {
                "permissions boundary"
            } else {
                "managed policy"
            };
            let arn = p.name_of("arn").map(str::to_string);
            let shown = arn.clone().or(stem).unwrap_or_else(|| p.name.clone());
            let arn = arn.unwrap_or_else(|| "<POLICY_ARN>".into());
            let target = format!("{what} {shown}");
            Destination {
                command: Some(put_command(
                    &[
                        "aws",
                        "iam",
                        "create-policy-version",
                        "--policy-arn",
                        &arn,
                        "--policy-document",
                    ],
                    &["--set-as-default"],
                    &target,
                    if p.kind == PolicyKind::Boundary { 4 } else { 2 },
                )),
                target,
                note: Some(format!(
                    "a new default version of {shown}: it changes every principal the policy is attached to \
                     ({}), and IAM keeps at most five versions (if it has five, delete the oldest non-default \
                     one first: aws iam list-policy-versions / delete-policy-version)",
                    match p.name_of("attached") {
                        Some(list) if !list.is_empty() => format!("attached to {list}"),
                        _ => format!(
                            "{} lists them",
                            crate::shell::join([
                                "aws",
                                "iam",
                                "list-entities-for-policy",
                                "--policy-arn",
                                &arn
                            ])
                        ),
                    }
                )),
            }
        }
        (PolicyKind::Identity, _) if p.name_of("group").is_some() => {
            let group = p.name_of("group").unwrap_or_default();
            let policy_name = p
                .name_of("policy")
                .map(str::to_string)
                .or(stem)
                .unwrap_or(p.name.clone());
            let target = format!("inline policy {policy_name} of group {group}");
            Destination {
                command: Some(put_command(
                    &[
                        "aws",
                        "iam",
                        "put-group-policy",
                        "--group-name",
                        group,
                        "--policy-name",
                        &policy_name,
                        "--policy-document",
                    ],
                    &[],
                    &target,
                    3,
                )),
                note: Some(format!(
                    "the {} {}'s grants live in this policy of its group {group}: the statements are added there, \
                     beside them (put-group-policy replaces the document: it is the one read, with the statements \
                     added), and reach every member of {group} ({} lists them)",
                    owner.kind,
                    owner.name(),
                    crate::shell::join(["aws", "iam", "get-group", "--group-name", group])
                )),
                target,
            }
        }
        _ => {
            let policy_name = p
                .name_of("policy")
                .map(str::to_string)
                .or(stem)
                .unwrap_or_else(|| OWN_POLICY.into());
            let target = format!("inline policy {policy_name} of {} {}", owner.kind, owner.name());
            Destination {
                command: Some(owner.put(&policy_name, &target)),
                target,
                note: None,
            }
        }
    }
}

/// The document with the changes made: replacements in place of the statements
/// they replace, additions appended with Sids kept unique.
pub(crate) fn changed(base: &Value, changes: &[Change]) -> Value {
    let mut document = base.clone();
    let list = statements_mut(&mut document);
    let mut slots: Vec<Vec<Value>> = list.drain(..).map(|s| vec![s]).collect();
    for change in changes {
        if let Change::Replace { index, with } = change
            && let Some(slot) = slots.get_mut(*index)
        {
            *slot = with.clone();
        }
    }
    list.extend(slots.into_iter().flatten());
    // Two fixes adding the same statement add it once.
    let without_sid = |s: &Value| {
        let mut s = s.clone();
        if let Some(o) = s.as_object_mut() {
            o.remove("Sid");
        }
        s
    };
    let mut added: Vec<Value> = Vec::new();
    for change in changes {
        if let Change::Add(s) = change
            && !added.contains(&without_sid(s))
            && !list.contains(s)
        {
            added.push(without_sid(s));
            let mut s = s.clone();
            unique_sid(list, &mut s);
            list.push(s);
        }
    }
    document
}

/// Give `s` a Sid no statement of `list` has (`A`, `A2`, `A3`…).
fn unique_sid(list: &[Value], s: &mut Value) {
    let Some(sid) = s.get("Sid").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
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
    /// Make `changes` to `policy` (or to a new inline policy when there is none).
    /// Statements added to a managed policy go into the principal's own inline
    /// policy instead: a managed policy may be attached to other principals, and a
    /// grant for this connection should reach this connection only.
    pub(crate) fn change_policy(
        facts: &Facts,
        policy: Option<&Policy>,
        bucket: Option<&str>,
        changes: Vec<Change>,
        applicability: Applicability,
    ) -> Fix {
        let only_adds = changes.iter().all(|c| matches!(c, Change::Add(_)));
        // A document that cannot be named would be put back as a new policy: the
        // additions go into a new policy alone, never with a copy of its statements
        // (which would grant them twice, the copy outliving the original).
        let nameless = |p: &Policy| {
            p.kind == PolicyKind::Identity
                && p.name_of("policy").is_none()
                && p.path.is_none()
                && p.site.is_none()
        };
        let (policy, redirected) = match policy {
            Some(p) if only_adds && p.kind == PolicyKind::Identity && p.origin == Origin::ManagedPolicy => {
                (None, Some(p))
            }
            Some(p) if only_adds && nameless(p) => (None, None),
            other => (other, None),
        };
        let base = policy.map_or_else(new_document, |p| p.json.clone());
        let document = changed(&base, &changes);
        // The statements as they stand in the corrected document (Sids made unique).
        // Those already in the base are found by their text, once each, not by
        // comparing every statement with every other (a policy may hold thousands).
        let before: std::collections::HashSet<String> = match base.get("Statement") {
            Some(Value::Array(list)) => list.iter().map(Value::to_string).collect(),
            Some(single) => std::iter::once(single.to_string()).collect(),
            None => Default::default(),
        };
        let statements: Vec<Value> = document
            .get("Statement")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|s| !before.contains(&s.to_string()))
            .cloned()
            .collect();
        let mut to = destination(facts, policy, bucket);
        // The principal's other inline policies count against the same quota.
        if let Some(command) = to.command.as_mut()
            && let Some(split) = command.split.as_mut()
        {
            let edited = command
                .words
                .iter()
                .position(|w| w == "--policy-name")
                .and_then(|i| command.words.get(i + 1))
                .cloned();
            split.others = facts
                .identity_policies
                .known()
                .map(|list| {
                    list.iter()
                        .filter(|p| p.origin == Origin::InlinePolicy && p.name_of("group").is_none())
                        .filter(|p| p.name_of("policy").map(str::to_string) != edited)
                        .map(|p| crate::aws::quotas::size(&crate::aws::quotas::ROLE_INLINE, &p.json))
                        .sum()
                })
                .unwrap_or(0);
            split.taken = facts
                .identity_policies
                .known()
                .map(|list| {
                    list.iter()
                        .filter(|p| p.origin == Origin::ManagedPolicy)
                        .filter_map(|p| p.name_of("arn")?.rsplit('/').next().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
        }
        if let Some(managed) = redirected {
            to.note = Some(format!(
                "added as the {}'s own inline policy {OWN_POLICY}, not as a new version of {}: a managed policy \
                 may be attached to other principals, and IAM keeps at most five versions of it",
                Owner::of(facts, None).kind,
                managed.name
            ));
        }
        let placeholder = to.command.as_ref().is_some_and(Command::has_placeholder);
        Fix {
            target: to.target,
            // A command with a value to fill in cannot run as printed.
            applicability: if placeholder {
                Applicability::DisplayOnly
            } else {
                applicability
            },
            edit: Edit::Policy {
                statements,
                document,
                base,
                changes,
                apply: to.command,
                file: None,
                source: policy.and_then(|p| p.path.clone()),
                site: match policy {
                    Some(p) => p.site.clone(),
                    None => facts.principal_site.clone(),
                },
            },
            note: to.note,
            snippet: None,
        }
    }

    /// Add `statements` to `policy` (or to a new inline policy when there is none).
    pub(crate) fn add_statements(
        facts: &Facts,
        policy: Option<&Policy>,
        bucket: Option<&str>,
        statements: Vec<Value>,
        applicability: Applicability,
    ) -> Fix {
        let changes = statements.into_iter().map(Change::Add).collect();
        Fix::change_policy(facts, policy, bucket, changes, applicability)
    }

    /// Replace statement `index` of `policy` with `statement`.
    pub(crate) fn replace_statement(
        facts: &Facts,
        policy: &Policy,
        bucket: Option<&str>,
        index: usize,
        statement: Value,
        applicability: Applicability,
    ) -> Fix {
        let changes = vec![Change::Replace {
            index,
            with: vec![statement],
        }];
        Fix::change_policy(facts, Some(policy), bucket, changes, applicability)
    }

    /// Statements added to a document no AWS command changes (the session
    /// policy a BI tool sends on AssumeRole): the corrected document shown, with
    /// every statement of `policy` kept, and no command.
    pub(crate) fn statements_into(target: &str, policy: &Policy, statements: Vec<Value>) -> Fix {
        let mut fix = Fix::statements_for(target, statements);
        if let Edit::Policy {
            document,
            base,
            changes,
            source,
            statements,
            ..
        } = &mut fix.edit
        {
            *base = policy.json.clone();
            *document = changed(base, changes);
            *source = policy.path.clone();
            // The statements as they stand in the corrected document (Sids made unique).
            let before: std::collections::HashSet<String> = match base.get("Statement") {
                Some(Value::Array(list)) => list.iter().map(Value::to_string).collect(),
                Some(single) => std::iter::once(single.to_string()).collect(),
                None => Default::default(),
            };
            *statements = document
                .get("Statement")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|s| !before.contains(&s.to_string()))
                .cloned()
                .collect();
        }
        fix
    }

    /// Statements for a document that is not the customer's to change (the
    /// vendor's side): shown, with no command.
    pub(crate) fn statements_for(target: &str, statements: Vec<Value>) -> Fix {
        let base = new_document();
        let changes: Vec<Change> = statements.iter().cloned().map(Change::Add).collect();
        Fix {
            target: target.to_string(),
            applicability: Applicability::DisplayOnly,
            edit: Edit::Policy {
                document: changed(&base, &changes),
                statements,
                base,
                changes,
                apply: None,
                file: None,
                source: None,
                site: None,
            },
            note: None,
            snippet: None,
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
    use crate::facts::Observed;

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

    fn facts_of(text: &str) -> Facts {
        let mut facts = crate::rules::unread::healthy();
        facts.connection = crate::connection::from_text(std::path::Path::new("c.toml"), text)
            .unwrap()
            .connection;
        facts
    }

    fn command_of(fix: &Fix) -> String {
        fix.command().unwrap()
    }

    /// Every ARN form names its real owner: a role with a path by its name, a
    /// session ARN by its role, a user named by the CLI output the policy was read
    /// from or by the key's own identity, and a managed policy by its ARN.
    #[test]
    fn fixes_name_the_real_owner() {
        let statement =
            || vec![json!({"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})];
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
            let facts = facts_of(&format!(
                "[auth]\ntype = \"cross_account_role\"\nrole_arn = \"{arn}\"\n"
            ));
            let fix = Fix::add_statements(&facts, None, None, statement(), Applicability::Safe);
            assert_eq!(
                fix.target,
                format!("new inline policy athena-doctor of role {role}")
            );
            assert!(
                command_of(&fix).contains(&format!("--role-name {role} ")),
                "{arn}"
            );
            assert_eq!(fix.applicability, Applicability::Safe);
        }
        let mut key = facts_of("[auth]\ntype = \"access_key\"\naccess_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n");
        key.identity_policies = Observed::NotCollected("offline".into());
        let from_cli = Policy::from_text(
            "policy u.json",
            Some("u.json"),
            r#"{"UserName": "bi-user", "PolicyName": "athena", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let fix = Fix::add_statements(&key, Some(&from_cli), None, statement(), Applicability::Safe);
        assert_eq!(fix.target, "inline policy athena of user bi-user");
        assert!(command_of(&fix).contains("--user-name bi-user --policy-name athena"));
        // Not known: a placeholder, and a command with a placeholder is display-only.
        let fix = Fix::add_statements(&key, None, None, statement(), Applicability::Safe);
        assert!(
            command_of(&fix).contains("--user-name '<USER_NAME>'"),
            "{}",
            command_of(&fix)
        );
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        // A user with a path, from the key's own GetCallerIdentity.
        let Observed::Known(live) = &mut key.live else {
            panic!("healthy facts are live")
        };
        live.probes = Observed::Known(crate::facts::ProbeFacts {
            credentials: Observed::Known("arn:aws:iam::111122223333:user/team/bi-user".into()),
            assume_with_id: Observed::NotCollected("-".into()),
            assume_without_id: Observed::NotCollected("-".into()),
            session_duration: 3600,
            calls: vec![],
            query: Observed::NotCollected("-".into()),
            tables: Default::default(),
        });
        let fix = Fix::add_statements(&key, None, None, statement(), Applicability::Safe);
        assert!(
            command_of(&fix).contains("--user-name bi-user "),
            "{}",
            command_of(&fix)
        );
        // A managed policy read live: a replacement is a new default version of it,
        // by ARN; an addition goes into the principal's own inline policy.
        let role = facts_of(
            "[auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::111122223333:role/bi\"\n",
        );
        let mut managed = Policy::from_text(
            "managed policy arn:aws:iam::111122223333:policy/team/athena",
            None,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        managed.origin = Origin::ManagedPolicy;
        managed.names = vec![("arn", "arn:aws:iam::111122223333:policy/team/athena".into())];
        let fix = Fix::replace_statement(
            &role,
            &managed,
            None,
            0,
            json!({"Effect": "Allow"}),
            Applicability::Safe,
        );
        assert!(
            command_of(&fix).starts_with(
                "aws iam create-policy-version --policy-arn arn:aws:iam::111122223333:policy/team/athena \
                 --policy-document '"
            ),
            "{}",
            command_of(&fix)
        );
        assert!(command_of(&fix).ends_with(" --set-as-default"));
        assert!(fix.note.as_deref().unwrap().contains("five versions"));
        let fix = Fix::add_statements(&role, Some(&managed), None, statement(), Applicability::Safe);
        assert_eq!(fix.target, "new inline policy athena-doctor of role bi");
        assert!(
            fix.note
                .as_deref()
                .unwrap()
                .contains("not as a new version of managed policy")
        );
    }

    /// Printed without `--write-fixes`, the command carries the corrected document
    /// inline: run as printed, it applies exactly that document.
    #[test]
    fn printed_commands_carry_the_document() {
        let p = Policy::from_text(
            "policy p.json",
            Some("p.json"),
            r#"{"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let facts = facts_of(
            "[auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::111122223333:role/bi\"\n",
        );
        let fix = Fix::add_statements(
            &facts,
            Some(&p),
            None,
            vec![json!({"Sid": "A", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})],
            Applicability::Safe,
        );
        let Edit::Policy {
            document,
            statements,
            file,
            ..
        } = &fix.edit
        else {
            panic!()
        };
        assert_eq!(document["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(statements[0]["Sid"], "A2");
        assert_eq!(file, &None);
        let words = shlex::split(&command_of(&fix)).unwrap();
        assert_eq!(
            words[..8],
            [
                "aws",
                "iam",
                "put-role-policy",
                "--role-name",
                "bi",
                "--policy-name",
                "p",
                "--policy-document"
            ]
        );
        let inline: Value = serde_json::from_str(&words[8]).unwrap();
        assert_eq!(&inline, document);
    }

    /// Fixes to one document merge: replacements in place, additions appended once.
    #[test]
    fn changes_merge() {
        let base = json!({"Version": "2012-10-17", "Statement": [{"Sid": "A"}, {"Sid": "B"}]});
        let merged = changed(
            &base,
            &[
                Change::Add(json!({"Sid": "A", "Action": "x"})),
                Change::Replace {
                    index: 1,
                    with: vec![json!({"Sid": "B1"}), json!({"Sid": "B2"})],
                },
                Change::Add(json!({"Sid": "A", "Action": "x"})),
            ],
        );
        assert_eq!(
            merged["Statement"],
            json!([{"Sid": "A"}, {"Sid": "B1"}, {"Sid": "B2"}, {"Sid": "A2", "Action": "x"}])
        );
        assert_eq!(
            file_name("trust policy of role bi-athena"),
            "trust-policy-of-role-bi-athena.json"
        );
    }
}
