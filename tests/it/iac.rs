//! Infrastructure as code before apply: Terraform plans and CloudFormation
//! templates read by the binary, findings on the lines that declare the
//! documents, and fixes in the input's language applied as printed.
//!
//! No `terraform` binary or AWS account is reachable here, so a Terraform fix is
//! applied as Terraform would: its snippet is parsed and evaluated as HCL
//! (hcl-rs, with `jsonencode`), and the value it gives goes into the plan where
//! `terraform plan` would put it. A CloudFormation snippet is pasted into the
//! template's text, at the line its instruction names, and the template re-read.

use crate::common;

use common::{connection_file, doctor, failures, root, scenarios, stdout_json};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn run(dir: &Path, args: &[&str]) -> (Value, i32) {
    let output = doctor()
        .current_dir(dir)
        .args(["doctor", "--offline", "-c", "connection.toml", "-f", "json"])
        .args(args)
        .output()
        .unwrap();
    (stdout_json(&output), output.status.code().unwrap_or(-1))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("athena-doctor-iac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// (code, file, line) of each failure, as code scanning reads them (SARIF).
fn placed(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    placed_as(dir, "connection.toml", args)
}

/// [`placed`] for the connection file `config`.
fn placed_as(dir: &Path, config: &str, args: &[&str]) -> Vec<(String, String, u64)> {
    // Its own directory: tests run in parallel in one process.
    let scratch = tempfile::tempdir().unwrap();
    let sarif = scratch.path().join("placed.sarif");
    doctor()
        .current_dir(dir)
        .args(["doctor", "--offline", "-c", config, "-f", "json", "--sarif"])
        .arg(&sarif)
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let mut out: Vec<(String, String, u64)> = report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "pass" && r["level"] == "error")
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                at["artifactLocation"]["uri"].as_str().unwrap_or("").to_string(),
                at["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_terraform_plan_is_judged_at_the_lines_of_its_tf_files() {
    let dir = root().join("fixtures/iac/terraform");
    let (report, status) = run(&dir, &["--terraform-plan", "plan.json"]);
    assert_eq!(status, 1);
    assert_eq!(
        placed(&dir, &["--terraform-plan", "plan.json"]),
        vec![
            // Nothing grants Glue: the role's declaration, where the grant goes.
            ("ATHENA002".into(), "modules/athena_role/main.tf".into(), 22),
            // The data source's `statement` block the trust policy is built from.
            ("TRUST001".into(), "modules/athena_role/main.tf".into(), 11),
        ]
    );
    let trust = &failures(&report)[0]["fix"]["snippet"];
    assert_eq!(trust["language"], "hcl");
    assert!(
        trust["instruction"]
            .as_str()
            .unwrap()
            .contains("replace data.aws_iam_policy_document.trust"),
        "{trust}"
    );
    // The attachment's policy ARN is known only after apply: the doctor followed
    // the configuration's reference to the aws_iam_policy and read its document
    // (the workgroup grants it holds pass).
    let passes: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        passes.contains(&"ATHENA001") && passes.contains(&"S3002"),
        "{passes:?}"
    );
    // Each statement of a `jsonencode` document is placed at its own `Effect` line.
    let cited: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == "S3003" && c["status"] == "pass")
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    for (i, (sid, line)) in [("AthenaDataBucket", 47), ("AthenaDataObjects", 53)]
        .iter()
        .enumerate()
    {
        let want = format!("(Sid {sid}) of module.athena_role.aws_iam_policy.athena policy, line {line}");
        assert!(cited[i].contains(&want), "{want} in {cited:?}");
    }

    // Code scanning and annotations land on the same lines, with the snippet.
    let sarif = temp("sarif").with_extension("sarif");
    let output = doctor()
        .current_dir(&dir)
        .args([
            "doctor",
            "--offline",
            "-c",
            "connection.toml",
            "--terraform-plan",
            "plan.json",
        ])
        .args(["-f", "github", "--sarif"])
        .arg(&sarif)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("::error file=modules/athena_role/main.tf,line=11,col=3,title=TRUST001"),
        "{text}"
    );
    assert!(
        text.contains("data \"aws_iam_policy_document\" \"trust\" {%0A"),
        "{text}"
    );
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "modules/athena_role/main.tf");
    assert_eq!(location["region"]["startLine"], 11);
}

/// The HCL evaluation context of a fix: `jsonencode`, and the role's name for
/// `aws_iam_role.this.name`.
fn hcl_context(role_name: &str) -> hcl::eval::Context<'static> {
    use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
    fn jsonencode(args: FuncArgs) -> Result<hcl::Value, String> {
        serde_json::to_string(&args[0])
            .map(hcl::Value::String)
            .map_err(|e| e.to_string())
    }
    let mut ctx = Context::new();
    ctx.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    let mut role = hcl::Map::new();
    role.insert("name".to_string(), hcl::Value::from(role_name));
    let mut roles = hcl::Map::new();
    // The fixture's role (in its module) and the generated plans' role.
    roles.insert("this".to_string(), hcl::Value::Object(role.clone()));
    roles.insert("athena".to_string(), hcl::Value::Object(role));
    ctx.declare_var("aws_iam_role", hcl::Value::Object(roles));
    ctx
}

/// What `aws_iam_policy_document` makes of its `statement` blocks (the JSON
/// Terraform would put in the role's `assume_role_policy`).
fn policy_document(data: &Value) -> String {
    let as_list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        other => vec![other.clone()],
    };
    let mut statements = Vec::new();
    for s in as_list(&data["statement"]) {
        let mut out = serde_json::Map::new();
        for (block, key) in [("sid", "Sid"), ("effect", "Effect")] {
            if let Some(v) = s.get(block) {
                out.insert(key.into(), v.clone());
            }
        }
        for (block, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = s.get(block) {
                out.insert(key.into(), v.clone());
            }
        }
        for (block, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
            let mut principals = serde_json::Map::new();
            for p in as_list(s.get(block).unwrap_or(&Value::Null)) {
                principals.insert(p["type"].as_str().unwrap().into(), p["identifiers"].clone());
            }
            if !principals.is_empty() {
                out.insert(key.into(), Value::Object(principals));
            }
        }
        let mut conditions = serde_json::Map::new();
        for c in as_list(s.get("condition").unwrap_or(&Value::Null)) {
            let test = conditions
                .entry(c["test"].as_str().unwrap().to_string())
                .or_insert_with(|| json!({}));
            test[c["variable"].as_str().unwrap()] = c["values"].clone();
        }
        if !conditions.is_empty() {
            out.insert("Condition".into(), Value::Object(conditions));
        }
        statements.push(Value::Object(out));
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Put a Terraform fix into the plan as `terraform plan` would after the edit.
fn apply_terraform(plan: &mut Value, snippet: &Value, role_name: &str) {
    let text = snippet["text"].as_str().unwrap();
    let instruction = snippet["instruction"].as_str().unwrap();
    let evaluated: Value = hcl::eval::from_str(text, &hcl_context(role_name))
        .unwrap_or_else(|e| panic!("the snippet is not HCL Terraform evaluates ({e}):\n{text}"));
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    let role = changes
        .iter()
        .position(|c| c["type"] == "aws_iam_role" && c["change"]["after"]["name"] == role_name)
        .unwrap();
    if let Some(data) = evaluated.pointer("/data/aws_iam_policy_document") {
        // Replacing the data source changes what the role's attribute holds.
        let (_, block) = data.as_object().unwrap().iter().next().unwrap();
        assert!(instruction.contains("assume_role_policy"), "{instruction}");
        changes[role]["change"]["after"]["assume_role_policy"] = json!(policy_document(block));
    } else if let Some(resources) = evaluated.pointer("/resource/aws_iam_role_policy") {
        let (name, block) = resources.as_object().unwrap().iter().next().unwrap();
        assert_eq!(block["role"], role_name, "the new policy names the role");
        let module = changes[role]["module_address"].clone();
        let prefix = module.as_str().map(|m| format!("{m}.")).unwrap_or_default();
        changes.push(json!({
            "address": format!("{prefix}aws_iam_role_policy.{name}"),
            "module_address": module,
            "mode": "managed", "type": "aws_iam_role_policy", "name": name,
            "change": {"actions": ["create"], "before": null, "after": {
                "name": block["name"], "role": role_name, "policy": block["policy"]},
                "after_unknown": {"id": true}},
        }));
    } else {
        // "set ATTRIBUTE of TYPE.NAME to": that resource's attribute.
        let (attribute, value) = evaluated.as_object().unwrap().iter().next().unwrap();
        let local = instruction
            .rsplit_once(" of ")
            .and_then(|(_, rest)| rest.strip_suffix(" to"))
            .unwrap_or_else(|| panic!("no resource in {instruction}"));
        let target = changes
            .iter()
            .position(|c| c["address"].as_str().unwrap().ends_with(local))
            .unwrap_or_else(|| panic!("{local} is not in the plan"));
        changes[target]["change"]["after"][attribute] = value.clone();
    }
}

/// Put a CloudFormation JSON snippet into a JSON template where its instruction says.
fn apply_template_json(template: &mut Value, snippet: &Value) {
    let instruction = snippet["instruction"].as_str().unwrap();
    let value: Value = serde_json::from_str(snippet["text"].as_str().unwrap()).unwrap();
    let resources = template["Resources"].as_object_mut().unwrap();
    if instruction.starts_with("add under Resources") {
        resources.extend(value.as_object().unwrap().clone());
    } else if let Some((_, rest)) = instruction.split_once("replace the Policies item ") {
        let (name, rest) = rest.split_once(" of ").unwrap();
        let id = rest.strip_suffix(" with").unwrap();
        let items = resources[id]["Properties"]["Policies"].as_array_mut().unwrap();
        let item = items
            .iter_mut()
            .find(|i| i["PolicyName"] == name.trim_matches('"'))
            .unwrap();
        *item = value[0].clone();
    } else {
        let (_, rest) = instruction.split_once(", replace ").unwrap();
        let (attribute, rest) = rest.split_once(" of ").unwrap();
        let id = rest.split_once(' ').unwrap().0;
        resources[id]["Properties"][attribute] = value[attribute].clone();
    }
}

#[test]
fn terraform_fixes_applied_as_printed_clear_their_findings() {
    let dir = temp("terraform-fix");
    copy_dir(&root().join("fixtures/iac/terraform"), &dir);
    let (before, _) = run(&dir, &["--terraform-plan", "plan.json"]);
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let fixed: Vec<String> = failures(&before)
        .iter()
        .map(|c| {
            apply_terraform(&mut plan, &c["fix"]["snippet"], "bi-athena");
            c["code"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(fixed, ["TRUST001", "ATHENA002"]);
    std::fs::write(dir.join("plan.json"), plan.to_string()).unwrap();
    let (after, status) = run(&dir, &["--terraform-plan", "plan.json"]);
    assert_eq!(failures(&after), Vec::<&Value>::new(), "{after:#}");
    assert_eq!(status, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Paste a CloudFormation snippet where its instruction says.
fn apply_cloudformation(template: &str, snippet: &Value) -> String {
    let instruction = snippet["instruction"].as_str().unwrap();
    let text = snippet["text"].as_str().unwrap();
    let mut lines: Vec<String> = template.lines().map(str::to_string).collect();
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    if instruction.starts_with("add under Resources") {
        let at = lines.iter().position(|l| l == "Resources:").unwrap();
        for (i, l) in text.lines().enumerate() {
            lines.insert(at + 1 + i, format!("  {l}"));
        }
    } else {
        // "in FILE:LINE, replace …": the block at LINE, to the next line as
        // shallow (a key) or shallower (a list item's dash).
        let line: usize = instruction
            .split_once(", replace")
            .and_then(|(head, _)| head.rsplit(':').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no line in {instruction}"));
        let start = line - 1;
        let indent = indent_of(&lines[start]);
        let is_item = lines[start].trim_start().starts_with("- ");
        let end = (start + 1..lines.len())
            .find(|&i| {
                let l = &lines[i];
                !l.trim().is_empty()
                    && (indent_of(l) < indent
                        || (indent_of(l) == indent && (!is_item || l.trim_start().starts_with("- "))))
            })
            .unwrap_or(lines.len());
        let pad = " ".repeat(indent);
        let replacement: Vec<String> = text.lines().map(|l| format!("{pad}{l}")).collect();
        lines.splice(start..end, replacement);
    }
    lines.join("\n") + "\n"
}

#[test]
fn a_cloudformation_template_is_judged_at_its_lines_and_its_snippets_fix_it() {
    let dir = temp("cloudformation");
    copy_dir(&root().join("fixtures/iac/cloudformation"), &dir);
    let (before, status) = run(&dir, &["--cloudformation", "template.yaml"]);
    assert_eq!(status, 1);
    assert_eq!(
        placed(&dir, &["--cloudformation", "template.yaml"]),
        vec![
            // Glue for the second schema: the role's declaration.
            ("ATHENA002".into(), "template.yaml".into(), 17),
            // The statement whose `!Ref ExternalId` default differs in case.
            ("TRUST002".into(), "template.yaml".into(), 24),
        ]
    );
    let mut template = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
    // Apply from the last line up, so earlier line numbers stay true.
    let mut snippets: Vec<&Value> = failures(&before).iter().map(|c| &c["fix"]["snippet"]).collect();
    snippets.sort_by_key(|s| std::cmp::Reverse(s["instruction"].as_str().unwrap().to_string()));
    for snippet in snippets {
        assert_eq!(snippet["language"], "yaml");
        template = apply_cloudformation(&template, snippet);
    }
    std::fs::write(dir.join("template.yaml"), &template).unwrap();
    let (after, status) = run(&dir, &["--cloudformation", "template.yaml"]);
    assert_eq!(failures(&after), Vec::<&Value>::new(), "{template}\n{after:#}");
    assert_eq!(status, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What a scenario's files become in IaC: the documents, by role.
struct Documents {
    role: String,
    account: String,
    trust: Option<Value>,
    identity: Vec<Value>,
    boundary: Option<Value>,
    buckets: Vec<(String, Value)>,
}

/// A scenario's documents, when they are bare documents of a role connection
/// (IaC matches roles by name; CLI wrappers are the file readers' business).
fn documents(dir: &Path, expected: &Value) -> Option<Documents> {
    let connection = std::fs::read_to_string(connection_file(dir)).ok()?;
    let role_arn = connection
        .lines()
        .find_map(|l| l.trim().strip_prefix("role_arn = \"")?.strip_suffix('"'))?;
    let (account, role) = role_arn.strip_prefix("arn:aws:iam::")?.split_once(":role/")?;
    let results = connection
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("s3_output_bucket = \"s3://")?
                .split('/')
                .next()
        })
        .map(str::to_string);
    let read = |file: &str| -> Option<Value> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file)).ok()?).ok()?;
        v.get("Statement").is_some().then_some(v)
    };
    let args: Vec<&str> = expected["args"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut docs = Documents {
        role: role.rsplit('/').next()?.to_string(),
        account: account.to_string(),
        trust: None,
        identity: vec![],
        boundary: None,
        buckets: vec![],
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).copied().unwrap_or("");
        match args[i] {
            "--policy" => docs.identity.push(read(value)?),
            "--trust-policy" => docs.trust = Some(read(value)?),
            "--boundary" => docs.boundary = Some(read(value)?),
            "--bucket-policy" => match value.split_once('=') {
                Some((bucket, file)) => docs.buckets.push((bucket.to_string(), read(file)?)),
                None => docs.buckets.push((results.clone()?, read(value)?)),
            },
            _ => return None,
        }
        i += 2;
    }
    Some(docs)
}

fn terraform_plan(d: &Documents) -> Value {
    let change = |kind: &str, name: &str, after: Value, unknown: Value| {
        json!({"address": format!("{kind}.{name}"), "mode": "managed", "type": kind, "name": name,
               "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown}})
    };
    let boundary_arn = format!("arn:aws:iam::{}:policy/boundary", d.account);
    let mut role_after = json!({"name": d.role, "path": "/", "permissions_boundary": null});
    let mut role_unknown =
        json!({"arn": true, "id": true, "inline_policy": true, "managed_policy_arns": true});
    match &d.trust {
        Some(t) => role_after["assume_role_policy"] = json!(t.to_string()),
        // A trust policy built from what only apply knows.
        None => role_unknown["assume_role_policy"] = json!(true),
    }
    let mut changes = vec![];
    if let Some(b) = &d.boundary {
        role_after["permissions_boundary"] = json!(boundary_arn);
        changes.push(
            json!({"address": "aws_iam_policy.boundary", "mode": "managed", "type": "aws_iam_policy",
            "name": "boundary", "change": {"actions": ["update"], "before": {}, "after":
            {"name": "boundary", "arn": boundary_arn, "policy": b.to_string()}, "after_unknown": {}}}),
        );
    }
    changes.push(change("aws_iam_role", "athena", role_after, role_unknown));
    for (i, p) in d.identity.iter().enumerate() {
        changes.push(change(
            "aws_iam_role_policy",
            &format!("p{i}"),
            json!({"name": format!("p{i}"), "role": d.role, "policy": p.to_string()}),
            json!({"id": true}),
        ));
    }
    for (i, (bucket, p)) in d.buckets.iter().enumerate() {
        changes.push(change(
            "aws_s3_bucket_policy",
            &format!("b{i}"),
            json!({"bucket": bucket, "policy": p.to_string()}),
            json!({"id": true}),
        ));
    }
    // A scenario without identity policies leaves them unknown: an inline policy
    // the configuration sets from what only apply knows.
    let configured = if d.identity.is_empty() {
        json!([{"address": "aws_iam_role.athena", "mode": "managed", "type": "aws_iam_role", "name": "athena",
                "expressions": {"inline_policy": [{"policy": {"references": ["aws_s3_bucket.x.arn"]}}]}}])
    } else {
        json!([])
    };
    json!({"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
           "configuration": {"root_module": {"resources": configured}}})
}

fn cloudformation_template(d: &Documents) -> Value {
    let mut resources = serde_json::Map::new();
    let mut role = json!({"Type": "AWS::IAM::Role", "Properties": {"RoleName": d.role}});
    if let Some(t) = &d.trust {
        role["Properties"]["AssumeRolePolicyDocument"] = t.clone();
    }
    let policies: Vec<Value> = d
        .identity
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"PolicyName": format!("p{i}"), "PolicyDocument": p}))
        .collect();
    role["Properties"]["Policies"] = json!(policies);
    if d.identity.is_empty() {
        // Without identity policies, a policy only the deploy knows.
        role["Properties"]["ManagedPolicyArns"] = json!([{"Fn::ImportValue": "shared-athena-policy"}]);
    }
    if let Some(b) = &d.boundary {
        role["Properties"]["PermissionsBoundary"] = json!({"Ref": "Boundary"});
        resources.insert(
            "Boundary".into(),
            json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "boundary", "PolicyDocument": b}}),
        );
    }
    resources.insert("AthenaRole".into(), role);
    for (i, (bucket, p)) in d.buckets.iter().enumerate() {
        resources.insert(
            format!("BucketPolicy{i}"),
            json!({"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": bucket, "PolicyDocument": p}}),
        );
    }
    json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
}

/// (code, subject, severity) of each failure: what a finding says, whichever
/// file it was read from.
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = failures(report)
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            // A statement's subject names its policy as the input does (a file
            // name, a resource): the statement is what must agree.
            let subject = s("subject");
            let subject = subject
                .find(" statement ")
                .map_or(subject.clone(), |at| subject[at + 1..].to_string());
            (s("code"), subject, s("severity"))
        })
        .collect();
    out.sort();
    out
}

/// Every scenario whose documents a plan or template can declare gives the same
/// findings from a Terraform plan and from a CloudFormation template as from its
/// files: each rule IaC can reveal is revealed the same way.
#[test]
fn every_scenario_declared_in_terraform_and_cloudformation_finds_the_same() {
    let mut compared = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    let mut snippets = 0;
    for dir in scenarios() {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let Some(docs) = documents(&dir, &expected) else {
            continue;
        };
        if docs.identity.is_empty() && docs.trust.is_none() && docs.buckets.is_empty() {
            continue;
        }
        let args: Vec<&str> = expected["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let conn = connection_file(&dir);
        let conn = conn.file_name().unwrap().to_str().unwrap();
        let files = doctor()
            .current_dir(&dir)
            .args(["doctor", "--offline", "-c", conn, "-f", "json"])
            .args(&args)
            .output()
            .unwrap();
        let from_files = verdicts(&stdout_json(&files));
        let work = temp(&format!(
            "scenario-{}",
            dir.file_name().unwrap().to_string_lossy()
        ));
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("plan.json"), terraform_plan(&docs).to_string()).unwrap();
        std::fs::write(
            work.join("template.json"),
            serde_json::to_string_pretty(&cloudformation_template(&docs)).unwrap(),
        )
        .unwrap();
        for (flag, file) in [
            ("--terraform-plan", "plan.json"),
            ("--cloudformation", "template.json"),
        ] {
            let output = doctor()
                .current_dir(&dir)
                .args(["doctor", "--offline", "-c", conn, "-f", "json", flag])
                .arg(work.join(file))
                .output()
                .unwrap();
            let report = stdout_json(&output);
            let declared = verdicts(&report);
            assert_eq!(
                declared,
                from_files,
                "{} from {flag}:\n{}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(output.status.code(), files.status.code(), "{}", dir.display());
            // Each snippet applied as printed clears the findings it was printed
            // for (safe fixes to one document share one snippet).
            let path = work.join(file);
            let original = std::fs::read_to_string(&path).unwrap();
            let mut distinct: Vec<&Value> = Vec::new();
            for c in failures(&report) {
                let snippet = &c["fix"]["snippet"];
                if !snippet.is_null() && !distinct.contains(&snippet) {
                    distinct.push(snippet);
                }
            }
            for snippet in distinct {
                let mut input: Value = serde_json::from_str(&original).unwrap();
                match flag {
                    "--terraform-plan" => apply_terraform(&mut input, snippet, &docs.role),
                    _ => apply_template_json(&mut input, snippet),
                }
                std::fs::write(&path, input.to_string()).unwrap();
                let after = doctor()
                    .current_dir(&dir)
                    .args(["doctor", "--offline", "-c", conn, "-f", "json", flag])
                    .arg(&path)
                    .output()
                    .unwrap();
                let after = stdout_json(&after);
                let key = |c: &Value| (c["code"].clone(), c["subject"].clone(), c["message"].clone());
                let remaining: Vec<_> = failures(&after).into_iter().map(key).collect();
                for c in failures(&report)
                    .into_iter()
                    .filter(|c| &c["fix"]["snippet"] == snippet)
                {
                    assert!(
                        !remaining.contains(&key(c)),
                        "{} from {flag}: the snippet for {} {} did not clear it:\n{}",
                        dir.display(),
                        c["code"],
                        c["subject"],
                        snippet["text"].as_str().unwrap()
                    );
                }
                snippets += 1;
            }
            std::fs::write(&path, original).unwrap();
        }
        codes.extend(from_files.into_iter().map(|(code, _, _)| code));
        compared.push(dir.file_name().unwrap().to_string_lossy().to_string());
        std::fs::remove_dir_all(&work).unwrap();
    }
    assert!(snippets >= 40, "only {snippets} snippets applied");
    assert!(
        compared.len() >= 30,
        "only {} scenarios compared: {compared:?}",
        compared.len()
    );
    // The permission and trust rules IaC can reveal, each revealed by some scenario.
    for code in [
        "TRUST001",
        "TRUST002",
        "TRUST004",
        "TRUST006",
        "S3002",
        "S3003",
        "S3004",
        "ATHENA001",
        "ATHENA002",
    ] {
        assert!(
            codes.contains(code),
            "no scenario reveals {code} through IaC: {codes:?}"
        );
    }
}

/// A plan of one role with `extra` resources, its attachments' ARNs as given.
fn plan_with(role: Value, extra: Vec<Value>) -> Value {
    let mut changes = vec![role];
    changes.extend(extra);
    json!({"format_version": "1.2", "resource_changes": changes, "configuration": {"root_module": {}}})
}

fn role_change(actions: &[&str], after: Value) -> Value {
    json!({"address": "aws_iam_role.athena", "mode": "managed", "type": "aws_iam_role", "name": "athena",
           "change": {"actions": actions, "after": after, "after_unknown": {"arn": true}}})
}

fn skip_reason<'a>(report: &'a Value, code: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code && c["status"] == "skip")
        .and_then(|c| c["message"].as_str())
        .unwrap_or_else(|| panic!("{code} did not skip: {report:#}"))
}

/// What only apply knows is unknown, said in the skip, never guessed; a plan
/// that destroys the role, or does not declare it, says so.
#[test]
fn values_known_only_after_apply_are_unknown_and_said() {
    let dir = temp("unknown");
    copy_dir(&root().join("fixtures/iac/terraform"), &dir);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}]})
    .to_string();
    let attach = json!({"address": "aws_iam_role_policy_attachment.a", "mode": "managed",
        "type": "aws_iam_role_policy_attachment", "name": "a", "change": {"actions": ["create"],
        "after": {"role": "bi-athena", "policy_arn": "arn:aws:iam::aws:policy/AmazonAthenaFullAccess"},
        "after_unknown": {"id": true}}});
    let cases = [
        // An AWS managed policy: its document is not in the plan.
        (
            plan_with(
                role_change(
                    &["create"],
                    json!({"name": "bi-athena", "assume_role_policy": trust}),
                ),
                vec![attach],
            ),
            "S3002",
            "arn:aws:iam::aws:policy/AmazonAthenaFullAccess (named by aws_iam_role_policy_attachment.a) is not declared in the plan",
        ),
        // The trust policy comes from something only apply knows.
        (
            plan_with(
                json!({"address": "aws_iam_role.athena", "mode": "managed", "type": "aws_iam_role", "name": "athena",
                       "change": {"actions": ["create"], "after": {"name": "bi-athena"},
                                  "after_unknown": {"assume_role_policy": true}}}),
                vec![],
            ),
            "TRUST001",
            "assume_role_policy of aws_iam_role.athena is known only after apply",
        ),
        (
            plan_with(
                json!({"address": "aws_iam_role.athena", "mode": "managed", "type": "aws_iam_role",
                       "name": "athena", "change": {"actions": ["delete"], "before": {"name": "bi-athena"},
                       "after": null, "after_unknown": {}}}),
                vec![],
            ),
            "TRUST001",
            "destroys aws_iam_role.athena: after apply the role does not exist",
        ),
        (
            plan_with(
                role_change(&["create"], json!({"name": "other", "assume_role_policy": trust})),
                vec![],
            ),
            "TRUST001",
            "declares no aws_iam_role named bi-athena; it declares aws_iam_role.athena (other)",
        ),
    ];
    for (plan, code, reason) in cases {
        std::fs::write(dir.join("unknown.json"), plan.to_string()).unwrap();
        let (report, _) = run(&dir, &["--terraform-plan", "unknown.json"]);
        assert!(
            skip_reason(&report, code).contains(reason),
            "{code}: {}",
            skip_reason(&report, code)
        );
    }
    // A replaced role is read as the one apply creates.
    let replaced = plan_with(
        role_change(
            &["delete", "create"],
            json!({"name": "bi-athena", "assume_role_policy": trust}),
        ),
        vec![],
    );
    std::fs::write(dir.join("unknown.json"), replaced.to_string()).unwrap();
    let (report, _) = run(&dir, &["--terraform-plan", "unknown.json"]);
    assert_eq!(status_of(&report, "TRUST001")[0].0, "pass", "{report:#}");
    // A role whose name is known only after apply is picked by its address.
    let plan = plan_with(
        json!({"address": "aws_iam_role.athena", "mode": "managed", "type": "aws_iam_role", "name": "athena",
               "change": {"actions": ["create"], "after": {"assume_role_policy": trust},
                          "after_unknown": {"name": true}}}),
        vec![],
    );
    std::fs::write(dir.join("unknown.json"), plan.to_string()).unwrap();
    let (report, _) = run(
        &dir,
        &[
            "--terraform-plan",
            "unknown.json",
            "--iac-role",
            "aws_iam_role.athena",
        ],
    );
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "TRUST001" && c["status"] == "pass"),
        "{report:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file that is not a plan or template is bad input at its position (exit 2),
/// and a CloudFormation template in JSON gets its fixes in JSON.
#[test]
fn bad_plans_and_templates_are_located_and_json_templates_get_json() {
    let dir = temp("bad");
    copy_dir(&root().join("fixtures/iac/cloudformation"), &dir);
    let cases = [
        (
            "state.json",
            "{\"format_version\": \"1.0\", \"values\": {}}",
            "--terraform-plan",
            "state.json:1:1: no resource_changes",
        ),
        (
            "old.json",
            "{\"format_version\": \"0.1\"}",
            "--terraform-plan",
            "old.json:1:1: format_version \"0.1\"",
        ),
        (
            "broken.json",
            "{\n  \"format_version\": \"1.2\",\n  oops\n}",
            "--terraform-plan",
            "broken.json:3:3:",
        ),
        (
            "broken.yaml",
            "Resources:\n  Role:\n    Type: [AWS::IAM::Role\n",
            "--cloudformation",
            "broken.yaml:4:",
        ),
        (
            "empty.yaml",
            "Description: nothing\n",
            "--cloudformation",
            "empty.yaml:1:1: no Resources",
        ),
        (
            "bad-policy.yaml",
            "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: bi-athena\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement: [{Effect: Maybe, Action: \"*\", Resource: \"*\"}]\n",
            "--cloudformation",
            "bad-policy.yaml:7:",
        ),
    ];
    for (file, text, flag, expected) in cases {
        std::fs::write(dir.join(file), text).unwrap();
        let output = doctor()
            .current_dir(&dir)
            .args(["doctor", "--offline", "-c", "connection.toml", flag, file])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{file}: expected {expected:?} in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The same template in JSON (fixtures/iac/cloudformation/template.json):
    // the same findings, fixes as JSON snippets.
    let (report, status) = run(&dir, &["--cloudformation", "template.json"]);
    assert_eq!(status, 1);
    let codes: Vec<&str> = failures(&report)
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["TRUST002", "ATHENA002"]);
    for c in failures(&report) {
        let snippet = &c["fix"]["snippet"];
        assert_eq!(snippet["language"], "json");
        let _: Value = serde_json::from_str(snippet["text"].as_str().unwrap()).expect("the snippet is JSON");
    }
    // --fix-format cli keeps the AWS CLI command instead.
    let (report, _) = run(
        &dir,
        &["--cloudformation", "template.json", "--fix-format", "cli"],
    );
    assert!(failures(&report)[0]["fix"]["snippet"].is_null());
    assert!(
        failures(&report)[0]["fix"]["command"]
            .as_str()
            .unwrap()
            .starts_with("aws iam update-assume-role-policy")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn status_of<'a>(report: &'a Value, code: &str) -> Vec<(&'a str, &'a str)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .map(|c| (c["status"].as_str().unwrap(), c["message"].as_str().unwrap_or("")))
        .collect()
}

/// The workgroup and bucket encryption a plan or template declares are judged
/// offline, as live inspection's would be; a key known only after apply is
/// unknown.
#[test]
fn declared_workgroups_and_bucket_encryption_are_judged() {
    let dir = temp("resources");
    copy_dir(&root().join("fixtures/iac/terraform"), &dir);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}]})
    .to_string();
    let managed = |kind: &str, name: &str, after: Value, unknown: Value| {
        json!({"address": format!("{kind}.{name}"), "mode": "managed", "type": kind, "name": name,
               "change": {"actions": ["create"], "after": after, "after_unknown": unknown}})
    };
    let plan = plan_with(
        role_change(
            &["create"],
            json!({"name": "bi-athena", "assume_role_policy": trust}),
        ),
        vec![
            managed(
                "aws_athena_workgroup",
                "primary",
                json!({"name": "primary", "state": "DISABLED", "configuration": [{
                    "enforce_workgroup_configuration": true,
                    "result_configuration": [{"output_location": "s3://elsewhere/results/"}]}]}),
                json!({}),
            ),
            managed(
                "aws_s3_bucket_server_side_encryption_configuration",
                "results",
                json!({"bucket": "acme-athena-results", "rule": [{"apply_server_side_encryption_by_default": [{
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}]}),
                json!({}),
            ),
            managed(
                "aws_s3_bucket_server_side_encryption_configuration",
                "lake",
                json!({"bucket": "acme-lake", "rule": [{"apply_server_side_encryption_by_default": [{
                    "sse_algorithm": "aws:kms"}]}]}),
                json!({"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": true}]}]}),
            ),
        ],
    );
    std::fs::write(dir.join("resources.json"), plan.to_string()).unwrap();
    let (report, status) = run(&dir, &["--terraform-plan", "resources.json"]);
    assert_eq!(status, 1);
    assert_eq!(
        status_of(&report, "ATHENA003")[0].0,
        "fail",
        "{:?}",
        status_of(&report, "ATHENA003")
    );
    assert!(
        status_of(&report, "ATHENA004")[0]
            .1
            .contains("s3://elsewhere/results/")
    );
    let kms = status_of(&report, "S3005");
    assert!(
        kms.iter()
            .any(|(s, m)| *s == "fail" && m.contains("key/1234abcd")),
        "{kms:?}"
    );
    assert!(
        kms.iter()
            .any(|(s, m)| *s == "skip" && m.contains("known only after apply")),
        "{kms:?}"
    );
    // The same resources in a template.
    let template = json!({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "bi-athena",
            "AssumeRolePolicyDocument": serde_json::from_str::<Value>(&trust).unwrap()}},
        "Workgroup": {"Type": "AWS::Athena::WorkGroup", "Properties": {"Name": "primary", "State": "DISABLED",
            "WorkGroupConfiguration": {"EnforceWorkGroupConfiguration": true,
                "ResultConfiguration": {"OutputLocation": "s3://elsewhere/results/"}}}},
        "Results": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-athena-results",
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}]}}},
        "Lake": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-lake",
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["LakeKey", "Arn"]}}}]}}},
        "LakeKey": {"Type": "AWS::KMS::Key", "Properties": {}},
    }});
    std::fs::write(dir.join("resources.template.json"), template.to_string()).unwrap();
    let (from_template, _) = run(&dir, &["--cloudformation", "resources.template.json"]);
    for code in ["ATHENA003", "ATHENA004"] {
        assert_eq!(
            status_of(&from_template, code)
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            status_of(&report, code).iter().map(|c| c.0).collect::<Vec<_>>(),
            "{code}"
        );
    }
    let kms = status_of(&from_template, "S3005");
    assert!(
        kms.iter().any(|(s, _)| *s == "fail") && kms.iter().any(|(s, _)| *s == "skip"),
        "{kms:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Live, a plan says what will be: its trust policy wins over the account's
/// (the account's is healthy, the plan's drops the External ID), while what the
/// plan does not declare (the role's existence) is read from the account.
#[test]
fn live_the_plan_wins_over_the_account() {
    if !common::moto::available() {
        return;
    }
    use common::moto::{aws, endpoint, runtime, unique};
    let role = unique("bi-iac").replace('-', "");
    let healthy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}]});
    runtime().block_on(async {
        aws()
            .await
            .iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(healthy.to_string())
            .send()
            .await
            .unwrap();
    });
    let dir = temp("live");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("connection.toml"),
        format!(
            "s3_output_bucket = \"s3://{role}-results/omni/\"\ndata_catalog = \"awsdatacatalog\"\nregion = \"us-east-1\"\n\
             [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::123456789012:role/{role}\"\n\
             external_id = \"omni-4f2a9c\"\ntrusted_account_id = \"999988887777\"\n"
        ),
    )
    .unwrap();
    let mut broken = healthy.clone();
    broken["Statement"][0]
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    let plan = plan_with(
        role_change(
            &["update"],
            json!({"name": role, "assume_role_policy": broken.to_string()}),
        ),
        vec![],
    );
    std::fs::write(dir.join("plan.json"), plan.to_string()).unwrap();
    let live = |extra: &[&str]| {
        let output = doctor()
            .current_dir(&dir)
            .env("AWS_ENDPOINT_URL", endpoint())
            .args(["doctor", "-c", "connection.toml", "-f", "json", "--timeout", "10"])
            .args(extra)
            .output()
            .unwrap();
        stdout_json(&output)
    };
    let account = live(&[]);
    assert_eq!(status_of(&account, "TRUST001")[0].0, "pass", "{account:#}");
    let planned = live(&["--terraform-plan", "plan.json"]);
    assert_eq!(status_of(&planned, "TRUST001")[0].0, "fail", "{planned:#}");
    assert_eq!(
        status_of(&planned, "ROLE003")[0].0,
        "pass",
        "the role's existence is the account's"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Today's workgroup settings, as a plan or template declares them, are judged
/// offline (each finding points at the declaration, no command against the
/// account); a setting known only after apply leaves them unknown.
#[test]
fn declared_workgroup_settings_are_judged() {
    let dir = temp("settings");
    copy_dir(&root().join("fixtures/iac/terraform"), &dir);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Condition": {"StringEquals": {"sts:ExternalId": "omni-4f2a9c"}}}]})
    .to_string();
    let plan = |configuration: Value, unknown: Value| {
        plan_with(
            role_change(
                &["create"],
                json!({"name": "bi-athena", "assume_role_policy": trust}),
            ),
            vec![
                json!({"address": "aws_athena_workgroup.primary", "mode": "managed",
                "type": "aws_athena_workgroup", "name": "primary",
                "change": {"actions": ["create"], "after": {"name": "primary", "state": "ENABLED",
                    "configuration": [configuration]}, "after_unknown": {"configuration": [unknown]}}}),
            ],
        )
    };
    let today = json!({"enforce_workgroup_configuration": false,
        "bytes_scanned_cutoff_per_query": 10485760,
        "engine_version": [{"selected_engine_version": "PySpark engine version 3"}],
        "identity_center_configuration": [{"enable_identity_center": true}],
        "managed_query_results_configuration": [{"enabled": true}]});
    std::fs::write(dir.join("settings.json"), plan(today, json!({})).to_string()).unwrap();
    let (report, _) = run(&dir, &["--terraform-plan", "settings.json"]);
    for code in ["ATHENA012", "ATHENA013", "ATHENA014", "ATHENA015"] {
        let found = status_of(&report, code);
        assert_eq!(found.len(), 1, "{code}: {found:?}");
        assert_eq!(found[0].0, "fail", "{code}: {found:?}");
    }
    let checks = report["checks"].as_array().unwrap();
    for check in checks
        .iter()
        .filter(|c| c["code"] == "ATHENA015" || c["code"] == "ATHENA012")
    {
        assert!(
            check["fix"].is_null(),
            "declared: the fix is the plan's, not a command: {check:#}"
        );
    }
    // The result key is a key the same plan creates: the settings are unknown.
    let keyed =
        json!({"result_configuration": [{"encryption_configuration": [{"encryption_option": "SSE_KMS"}]}]});
    let unknown = json!({"result_configuration": [{"encryption_configuration": [{"kms_key_arn": true}]}]});
    std::fs::write(dir.join("keyed.json"), plan(keyed, unknown).to_string()).unwrap();
    let (report, _) = run(&dir, &["--terraform-plan", "keyed.json"]);
    for code in ["ATHENA010", "ATHENA013"] {
        let found = status_of(&report, code);
        assert!(
            found
                .iter()
                .all(|(s, m)| *s == "skip" && m.contains("known only after apply")),
            "{code}: {found:?}"
        );
    }
    // The same settings in a template.
    let template = json!({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "bi-athena",
            "AssumeRolePolicyDocument": serde_json::from_str::<Value>(&trust).unwrap()}},
        "Workgroup": {"Type": "AWS::Athena::WorkGroup", "Properties": {"Name": "primary",
            "WorkGroupConfiguration": {"BytesScannedCutoffPerQuery": 10485760,
                "EngineVersion": {"SelectedEngineVersion": "PySpark engine version 3"},
                "ManagedQueryResultsConfiguration": {"Enabled": true}}}}}});
    std::fs::write(dir.join("settings.template.json"), template.to_string()).unwrap();
    let (from_template, _) = run(&dir, &["--cloudformation", "settings.template.json"]);
    for (code, status) in [
        ("ATHENA012", "fail"),
        ("ATHENA013", "pass"),
        ("ATHENA014", "fail"),
        ("ATHENA015", "fail"),
    ] {
        let found = status_of(&from_template, code);
        assert_eq!(
            found.iter().map(|c| c.0).collect::<Vec<_>>(),
            [status],
            "{code}: {found:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Another tool's source in a Terraform run: the same plan judged for a
/// Grafana data source that assumes the plan's role itself. The role's
/// permissions are the plan's (the same ATHENA002 at the same line), and its
/// trust policy is read from the plan for the source's own hop (TRUST007),
/// cited at the `assume_role_policy` line.
#[test]
fn another_tools_source_is_judged_against_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/iac/terraform"), dir.path());
    std::fs::write(
        dir.path().join("grafana.yaml"),
        "apiVersion: 1\ndatasources:\n  - name: Acme analytics\n    type: grafana-athena-datasource\n    \
         jsonData:\n      authType: default\n      assumeRoleArn: arn:aws:iam::111122223333:role/bi-athena\n      \
         externalId: omni-4f2a9c\n      defaultRegion: us-east-1\n      catalog: awsdatacatalog\n      \
         database: sales\n      outputLocation: s3://acme-athena-results/omni/\n",
    )
    .unwrap();
    let output = doctor()
        .current_dir(dir.path())
        .args(["doctor", "--offline", "-c", "grafana.yaml", "-f", "json"])
        .args(["--terraform-plan", "plan.json"])
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let codes: Vec<&str> = failures(&report)
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["ATHENA002"], "{report}");
    assert_eq!(
        placed_as(dir.path(), "grafana.yaml", &["--terraform-plan", "plan.json"]),
        vec![("ATHENA002".into(), "modules/athena_role/main.tf".into(), 22)]
    );
    let hop = common::check(&report, "TRUST007");
    let message = hop["message"].as_str().unwrap();
    assert!(
        message.starts_with("`jsonData.assumeRoleArn`")
            && message.contains("module.athena_role.aws_iam_role.this assume_role_policy (line 11)"),
        "{hop}"
    );
}
