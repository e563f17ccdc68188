//! A CloudFormation template (YAML with its short-form tags, or JSON): the role
//! the connection names, its policies and boundary, and the bucket policies.
//! Intrinsic functions are resolved where the template alone decides them
//! (parameter defaults, `AWS::Partition`, `AWS::Region` and `AWS::AccountId` from
//! the connection, names of resources that set them); anything else — a
//! condition, an import, a generated name — leaves its document unknown.
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>)

use super::{Declarations, Document, Principal};
use crate::error::Fatal;
use crate::facts::Observed;
use crate::policy::PolicyKind;
use crate::policy::site::{Language, Site};
use crate::yaml::{self, Node, Yaml};
use serde_json::{Map, Value};
use std::path::Path;

struct Template<'a> {
    file: String,
    json: bool,
    root: Node,
    principal: &'a Principal,
}

/// A resolved value: `None` is `AWS::NoValue` (the key is left out).
type Resolved = Result<Option<Value>, String>;

/// Read the template `text` (from `path`).
pub(super) fn read(path: &Path, text: &str, principal: &Principal) -> Result<Declarations, Fatal> {
    let root = yaml::parse(text).map_err(|(at, message)| Fatal::input(path, Some(at), message))?;
    let Some(resources) = root.get("Resources").filter(|r| !r.entries().is_empty()) else {
        return Err(Fatal::input(
            path,
            Some(root.entries().first().map_or(root.at, |(k, _)| k.at)),
            "no Resources: not a CloudFormation template (--cloudformation reads one, YAML or JSON)",
        ));
    };
    for (key, resource) in resources.entries() {
        if resource.get("Type").and_then(Node::as_str).is_none() {
            return Err(Fatal::input(
                path,
                Some(key.at),
                format!("resource {} has no Type", key.as_str().unwrap_or("?")),
            ));
        }
    }
    let template = Template {
        file: path.display().to_string(),
        json: text.trim_start().starts_with('{'),
        root: root.clone(),
        principal,
    };
    Ok(template.declared())
}

impl Template<'_> {
    fn resources(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        self.root
            .get("Resources")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, k, v)))
    }

    fn of_type<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = (&'s str, &'s Node, &'s Node)> + 's {
        self.resources()
            .filter(move |(_, _, r)| r.get("Type").and_then(Node::as_str) == Some(kind))
    }

    fn resource(&self, id: &str) -> Option<&Node> {
        self.root.get("Resources")?.get(id)
    }

    fn kind_of(&self, id: &str) -> Option<&str> {
        self.resource(id)?.get("Type")?.as_str()
    }

    fn property<'s>(&self, resource: &'s Node, key: &str) -> Option<&'s Node> {
        resource.get("Properties")?.get(key)
    }

    fn declared(&self) -> Declarations {
        let mut declared = Declarations::default();
        self.resources_into(&mut declared);
        for (id, _, resource) in self.of_type("AWS::S3::BucketPolicy") {
            let bucket = self.property(resource, "Bucket").map(|b| self.text(b));
            match (bucket, self.property(resource, "PolicyDocument")) {
                (Some(Ok(bucket)), Some(doc)) => {
                    let document =
                        self.document(id, resource, "PolicyDocument", doc, PolicyKind::Resource, &[]);
                    declared.buckets.push((bucket, document));
                }
                (Some(Err(why)), _) => declared.warnings.push(format!(
                    "{id}: its bucket is not known before deploy ({why}); its policy is not checked"
                )),
                _ => {}
            }
        }
        let Some(role_name) = &self.principal.role else {
            return declared;
        };
        let roles: Vec<(&str, &Node)> = self.of_type("AWS::IAM::Role").map(|(id, _, r)| (id, r)).collect();
        let chosen = roles.iter().find(|(id, r)| match &self.principal.resource {
            Some(wanted) => id == wanted,
            None => self.property(r, "RoleName").map(|n| self.text(n)) == Some(Ok(role_name.clone())),
        });
        let Some(&(role_id, role)) = chosen else {
            let named: Vec<String> = roles
                .iter()
                .map(|(id, r)| {
                    let name = self
                        .property(r, "RoleName")
                        .map(|n| self.text(n).unwrap_or_else(|why| why))
                        .unwrap_or_else(|| "a name CloudFormation generates".into());
                    format!("{id} ({name})")
                })
                .collect();
            declared.not_found = Some(format!(
                "{} declares no AWS::IAM::Role named {role_name}{} (--iac-role LOGICAL_ID picks one whose name \
                 CloudFormation generates)",
                self.file,
                if named.is_empty() {
                    String::new()
                } else {
                    format!("; it declares {}", named.join(", "))
                }
            ));
            return declared;
        };
        declared.principal = Some(self.site(role_id, role, "", None));
        declared.trust = Some(match self.property(role, "AssumeRolePolicyDocument") {
            Some(doc) => self.document(
                role_id,
                role,
                "AssumeRolePolicyDocument",
                doc,
                PolicyKind::Trust,
                &[],
            ),
            None => Document::unknown(format!("{role_id} has no AssumeRolePolicyDocument")),
        });
        let mut identity = Vec::new();
        for item in self
            .property(role, "Policies")
            .map(Node::items)
            .unwrap_or_default()
        {
            let name = item
                .get("PolicyName")
                .map(|n| self.text(n).unwrap_or_default())
                .unwrap_or_default();
            if let Some(doc) = item.get("PolicyDocument") {
                let attribute = format!("Policies \"{name}\"");
                let mut document = self.document(role_id, role, &attribute, doc, PolicyKind::Identity, &[]);
                document.names = vec![("role", role_name.clone()), ("policy", name)];
                // The item is what a fix replaces: findings without a statement point at it.
                if let Ok((_, site, _)) = &mut document.body {
                    site.anchor = item.at;
                }
                identity.push(document);
            }
        }
        for item in self
            .property(role, "ManagedPolicyArns")
            .map(Node::items)
            .unwrap_or_default()
        {
            identity.push(self.managed(role_id, item, PolicyKind::Identity));
        }
        // Policies that name the role in their Roles (or RoleName).
        for kind in [
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::RolePolicy",
        ] {
            for (id, _, resource) in self.of_type(kind) {
                let names_role = match self.property(resource, "RoleName") {
                    Some(n) => self.is_role(n, role_id, role_name),
                    None => self
                        .property(resource, "Roles")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .any(|n| self.is_role(n, role_id, role_name)),
                };
                if names_role && let Some(doc) = self.property(resource, "PolicyDocument") {
                    let name = self
                        .property(resource, "PolicyName")
                        .or(self.property(resource, "ManagedPolicyName"))
                        .map(|n| self.text(n).unwrap_or_default())
                        .unwrap_or_default();
                    let mut document =
                        self.document(id, resource, "PolicyDocument", doc, PolicyKind::Identity, &[]);
                    document.names = vec![("role", role_name.clone()), ("policy", name)];
                    identity.push(document);
                }
            }
        }
        declared.identity = Some(identity);
        declared.boundary = Some(
            self.property(role, "PermissionsBoundary")
                .map(|b| self.managed(role_id, b, PolicyKind::Boundary)),
        );
        declared
    }

    /// An `AWS::Athena::WorkGroup`'s `WorkGroupConfiguration` as the settings the
    /// rules judge; a setting not known before deploy (an `!ImportValue`, a
    /// generated key) leaves them unknown, naming it.
    fn workgroup_settings(
        &self,
        id: &str,
        configuration: Option<&Node>,
    ) -> Observed<crate::facts::WorkgroupSettings> {
        let at = |path: &[&str]| path.iter().try_fold(configuration?, |node, key| node.get(key));
        let mut unknown = None;
        let mut text = |path: &[&str]| match at(path).map(|n| self.text(n)) {
            Some(Ok(v)) if !v.is_empty() => Some(v),
            Some(Err(why)) => {
                unknown.get_or_insert_with(|| {
                    format!("{} of {id} is not known before deploy: {why}", path.join("."))
                });
                None
            }
            _ => None,
        };
        let settings = crate::facts::WorkgroupSettings {
            result_encryption: text(&[
                "ResultConfiguration",
                "EncryptionConfiguration",
                "EncryptionOption",
            ]),
            result_key: text(&["ResultConfiguration", "EncryptionConfiguration", "KmsKey"]),
            expected_bucket_owner: text(&["ResultConfiguration", "ExpectedBucketOwner"]),
            acl: text(&["ResultConfiguration", "AclConfiguration", "S3AclOption"]),
            minimum_encryption: text(&["EnableMinimumEncryptionConfiguration"]).is_some_and(|v| v == "true"),
            managed_results: text(&["ManagedQueryResultsConfiguration", "Enabled"])
                .is_some_and(|v| v == "true"),
            managed_results_key: text(&[
                "ManagedQueryResultsConfiguration",
                "EncryptionConfiguration",
                "KmsKey",
            ]),
            identity_center: text(&["IdentityCenterConfiguration", "EnableIdentityCenter"])
                .is_some_and(|v| v == "true"),
            access_grants: text(&["QueryResultsS3AccessGrantsConfiguration", "EnableS3AccessGrants"])
                .is_some_and(|v| v == "true"),
            engine: text(&["EngineVersion", "SelectedEngineVersion"]),
            requester_pays: text(&["RequesterPaysEnabled"]).is_some_and(|v| v == "true"),
            scan_cutoff: text(&["BytesScannedCutoffPerQuery"]).and_then(|v| v.parse().ok()),
        };
        match unknown {
            Some(why) => Observed::NotCollected(why),
            None => Observed::Known(settings),
        }
    }

    /// The connection's workgroup and each bucket's default encryption.
    fn resources_into(&self, declared: &mut Declarations) {
        let wanted = &self.principal.workgroup;
        for (id, _, resource) in self.of_type("AWS::Athena::WorkGroup") {
            if self.property(resource, "Name").map(|n| self.text(n)) != Some(Ok(wanted.clone())) {
                continue;
            }
            let configuration = self.property(resource, "WorkGroupConfiguration");
            let value = |node: Option<&Node>| node.and_then(|n| self.text(n).ok());
            let workgroup = crate::facts::WorkgroupFacts {
                name: wanted.clone(),
                enabled: value(self.property(resource, "State")).as_deref() != Some("DISABLED"),
                enforced: value(configuration.and_then(|c| c.get("EnforceWorkGroupConfiguration")))
                    .is_none_or(|v| v == "true"),
                output_location: value(
                    configuration
                        .and_then(|c| c.get("ResultConfiguration"))
                        .and_then(|r| r.get("OutputLocation")),
                ),
                settings: self.workgroup_settings(id, configuration),
            };
            declared.resources.workgroup = Some((workgroup, self.site(id, resource, "", None)));
        }
        for (id, _, resource) in self.of_type("AWS::S3::Bucket") {
            let Some(Ok(bucket)) = self.property(resource, "BucketName").map(|n| self.text(n)) else {
                continue;
            };
            let Some(default) = self
                .property(resource, "BucketEncryption")
                .and_then(|e| e.get("ServerSideEncryptionConfiguration"))
                .and_then(|c| c.items().first())
                .and_then(|rule| rule.get("ServerSideEncryptionByDefault"))
            else {
                continue;
            };
            let algorithm = default.get("SSEAlgorithm").and_then(|a| self.text(a).ok());
            let observed = match default.get("KMSMasterKeyID").map(|k| self.text(k)) {
                Some(Err(why)) => {
                    Observed::NotCollected(format!("the KMS key of {id} is not known before deploy: {why}"))
                }
                Some(Ok(key)) => Observed::Known(super::kms_key(algorithm.as_deref(), Some(key))),
                None => Observed::Known(super::kms_key(algorithm.as_deref(), None)),
            };
            declared.resources.bucket_keys.insert(bucket, observed);
        }
    }

    /// Whether `node` (an item of `Roles`, or a `RoleName`) names the role.
    fn is_role(&self, node: &Node, role_id: &str, role_name: &str) -> bool {
        reference_of(node).is_some_and(|r| r == role_id) || self.text(node).is_ok_and(|n| n == role_name)
    }

    /// A managed policy named by ARN: one the template declares, or unknown.
    fn managed(&self, from: &str, node: &Node, kind: PolicyKind) -> Document {
        let declared = reference_of(node)
            .filter(|id| self.kind_of(id) == Some("AWS::IAM::ManagedPolicy"))
            .or_else(|| {
                let arn = self.text(node).ok()?;
                self.of_type("AWS::IAM::ManagedPolicy")
                    .find(|(id, _, _)| {
                        self.reference(id).ok().flatten().as_ref().and_then(Value::as_str) == Some(&arn)
                    })
                    .map(|(id, _, _)| id.to_string())
            });
        match declared.and_then(|id| Some((self.resource(&id)?, id))) {
            Some((resource, id)) => match self.property(resource, "PolicyDocument") {
                Some(doc) => self.document(&id, resource, "PolicyDocument", doc, kind, &[]),
                None => Document::unknown(format!("{id} has no PolicyDocument")),
            },
            None => Document::unknown(format!(
                "{} (named by {from}) is not declared in the template, so its document is not known (an AWS \
                 managed or existing policy: give it with --policy FILE, or run live)",
                self.text(node).unwrap_or_else(|why| why)
            )),
        }
    }

    fn document(
        &self,
        id: &str,
        resource: &Node,
        attribute: &str,
        doc: &Node,
        kind: PolicyKind,
        names: &[(&'static str, &str)],
    ) -> Document {
        let site = self.site(id, resource, attribute, Some(doc));
        let text = match doc.as_str() {
            // A document may be written as a JSON string.
            Some(text) => Ok(text.to_string()),
            None => self.resolve(doc).map(|v| v.unwrap_or(Value::Null).to_string()),
        };
        match text {
            Ok(text) => Document::known(&text, site, kind, names),
            Err(why) => Document::unknown(format!("{attribute} of {id} is not known before deploy: {why}")),
        }
    }

    fn site(&self, id: &str, resource: &Node, attribute: &str, doc: Option<&Node>) -> Site {
        let key_at = self
            .root
            .get("Resources")
            .and_then(|r| r.entry(id))
            .map_or(resource.at, |(k, _)| k.at);
        // The attribute's key, or the `Policies` item it names.
        let anchor = match attribute.split_once(' ') {
            Some(("Policies", _)) => doc.map_or(key_at, |d| d.at),
            _ => resource
                .get("Properties")
                .and_then(|p| p.entry(attribute))
                .map_or(key_at, |(k, _)| k.at),
        };
        let statements = doc
            .and_then(|d| d.get("Statement"))
            .map(|s| match &s.value {
                // A mapping's own mark is past its first key: the key is where it is read.
                Yaml::Seq(items) => items
                    .iter()
                    .map(|i| i.entries().first().map_or(i.at, |(k, _)| k.at))
                    .collect(),
                _ => vec![s.at],
            })
            .unwrap_or_default();
        Site {
            language: Language::CloudFormation { json: self.json },
            file: self.file.clone(),
            resource: id.to_string(),
            resource_type: resource
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            attribute: attribute.to_string(),
            anchor: if attribute.is_empty() { key_at } else { anchor },
            statements,
            document_source: None,
        }
    }

    /// A value that must be a string.
    fn text(&self, node: &Node) -> Result<String, String> {
        match self.resolve(node)? {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err("AWS::NoValue".into()),
        }
    }

    fn resolve(&self, node: &Node) -> Resolved {
        if let Some((function, argument)) = intrinsic(node) {
            return self.function(&function, &argument);
        }
        match &node.value {
            Yaml::Scalar(s, quoted) => Ok(Some(match (s.as_str(), quoted) {
                ("true" | "True" | "TRUE", false) => Value::Bool(true),
                ("false" | "False" | "FALSE", false) => Value::Bool(false),
                ("null" | "~" | "", false) => Value::Null,
                _ => Value::String(s.clone()),
            })),
            Yaml::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.resolve(item)?);
                }
                Ok(Some(Value::Array(out)))
            }
            Yaml::Map(entries) => {
                let mut out = Map::new();
                for (k, v) in entries {
                    if let (Some(key), Some(value)) = (k.as_str(), self.resolve(v)?) {
                        out.insert(key.to_string(), value);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
        }
    }

    fn function(&self, function: &str, argument: &Node) -> Resolved {
        let strings = |node: &Node| -> Result<Vec<String>, String> {
            match self.resolve(node)? {
                Some(Value::Array(items)) => Ok(items
                    .into_iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()),
                _ => Err(format!("Fn::{function} needs a list")),
            }
        };
        match function {
            "Ref" => self.reference(argument.as_str().unwrap_or("")),
            "GetAtt" => {
                let (id, attribute) = match &argument.value {
                    Yaml::Scalar(s, _) => s.split_once('.').map(|(a, b)| (a.to_string(), b.to_string())),
                    Yaml::Seq(items) if items.len() == 2 => {
                        Some((self.text(&items[0])?, self.text(&items[1])?))
                    }
                    _ => None,
                }
                .ok_or("Fn::GetAtt needs RESOURCE.ATTRIBUTE")?;
                self.attribute(&id, &attribute)
            }
            "Sub" => {
                let (pattern, vars) = match &argument.value {
                    Yaml::Seq(items) if items.len() == 2 => (self.text(&items[0])?, Some(&items[1])),
                    _ => (self.text(argument)?, None),
                };
                self.sub(&pattern, vars).map(|s| Some(Value::String(s)))
            }
            "Join" => match argument.items() {
                [delimiter, list] => Ok(Some(Value::String(strings(list)?.join(&self.text(delimiter)?)))),
                _ => Err("Fn::Join needs [DELIMITER, LIST]".into()),
            },
            "Select" => match argument.items() {
                [index, list] => {
                    let i: usize = self
                        .text(index)?
                        .parse()
                        .map_err(|_| "Fn::Select needs an index")?;
                    let list = strings(list)?;
                    list.get(i)
                        .map(|s| Some(Value::String(s.clone())))
                        .ok_or_else(|| format!("Fn::Select index {i} is past the list"))
                }
                _ => Err("Fn::Select needs [INDEX, LIST]".into()),
            },
            "Split" => match argument.items() {
                [delimiter, text] => {
                    let d = self.text(delimiter)?;
                    Ok(Some(Value::Array(
                        self.text(text)?
                            .split(d.as_str())
                            .map(|s| Value::String(s.into()))
                            .collect(),
                    )))
                }
                _ => Err("Fn::Split needs [DELIMITER, STRING]".into()),
            },
            "FindInMap" => match argument.items() {
                [map, first, second] => {
                    let (map, first, second) = (self.text(map)?, self.text(first)?, self.text(second)?);
                    let found = self
                        .root
                        .get("Mappings")
                        .and_then(|m| m.get(&map)?.get(&first)?.get(&second))
                        .ok_or_else(|| format!("Mappings {map}.{first}.{second} is not in the template"))?;
                    self.resolve(found)
                }
                _ => Err("Fn::FindInMap needs [MAP, KEY, KEY]".into()),
            },
            other => Err(format!("Fn::{other} is decided at deploy")),
        }
    }

    fn reference(&self, name: &str) -> Resolved {
        let p = self.principal;
        let pseudo =
            match name {
                "AWS::Partition" => Some(Ok(p.partition.clone())),
                "AWS::Region" => Some(Ok(p.region.clone())),
                "AWS::AccountId" => Some(p.account.clone().ok_or_else(|| {
                    "AWS::AccountId: the connection names no account (no role ARN)".to_string()
                })),
                "AWS::URLSuffix" => Some(Ok(if p.partition == "aws-cn" {
                    "amazonaws.com.cn".to_string()
                } else {
                    "amazonaws.com".to_string()
                })),
                "AWS::NoValue" => return Ok(None),
                _ if name.starts_with("AWS::") => Some(Err(format!("{name} is decided at deploy"))),
                _ => None,
            };
        if let Some(value) = pseudo {
            return value.map(|v| Some(Value::String(v)));
        }
        if let Some(parameter) = self.root.get("Parameters").and_then(|ps| ps.get(name)) {
            return match parameter.get("Default") {
                Some(default) => self.resolve(default),
                None => Err(format!(
                    "parameter {name} has no Default (its value is given at deploy)"
                )),
            };
        }
        let resource = self
            .resource(name)
            .ok_or_else(|| format!("Ref {name}: no such parameter or resource"))?;
        let named = |key: &str| -> Resolved {
            match self.property(resource, key) {
                Some(n) => self.resolve(n),
                None => Err(format!("{name} has no {key}: CloudFormation generates it")),
            }
        };
        match self.kind_of(name).unwrap_or("") {
            "AWS::IAM::Role" => named("RoleName"),
            "AWS::S3::Bucket" => named("BucketName"),
            "AWS::Athena::WorkGroup" => named("Name"),
            "AWS::IAM::ManagedPolicy" => {
                let policy = self.text(
                    &self
                        .property(resource, "ManagedPolicyName")
                        .cloned()
                        .ok_or_else(|| {
                            format!("{name} has no ManagedPolicyName: CloudFormation generates its ARN")
                        })?,
                )?;
                self.iam_arn("policy", resource, &policy)
            }
            other => Err(format!("Ref {name} ({other}) is decided at deploy")),
        }
    }

    /// `arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME` of a role or managed policy
    /// (its `Path` property, `/` by default).
    fn iam_arn(&self, kind: &str, resource: &Node, name: &str) -> Resolved {
        let path = match self.property(resource, "Path") {
            Some(n) => self.text(n)?,
            None => "/".into(),
        };
        let p = self.principal;
        let account = p
            .account
            .as_deref()
            .ok_or("AWS::AccountId: the connection names no account")?;
        Ok(Some(Value::String(format!(
            "arn:{}:iam::{account}:{kind}{path}{name}",
            p.partition
        ))))
    }

    fn attribute(&self, id: &str, attribute: &str) -> Resolved {
        let p = self.principal;
        match (self.kind_of(id).unwrap_or(""), attribute) {
            ("AWS::IAM::Role", "Arn") => {
                let name = self
                    .reference(id)?
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                self.iam_arn("role", self.resource(id).ok_or("no such resource")?, &name)
            }
            ("AWS::S3::Bucket", "Arn") => {
                let name = self
                    .reference(id)?
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                Ok(Some(Value::String(format!("arn:{}:s3:::{name}", p.partition))))
            }
            (kind, _) => Err(format!(
                "Fn::GetAtt {id}.{attribute} ({kind}) is decided at deploy"
            )),
        }
    }

    fn sub(&self, pattern: &str, vars: Option<&Node>) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or("Fn::Sub: `${` without `}`")?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(var) = vars.and_then(|v| v.get(name)) {
                out.push_str(&self.text(var)?);
            } else if let Some((id, attribute)) = name.split_once('.') {
                let value = self.attribute(id, attribute)?.unwrap_or_default();
                out.push_str(value.as_str().unwrap_or(""));
            } else {
                let value = self.reference(name)?.unwrap_or_default();
                out.push_str(&value.as_str().map_or_else(|| value.to_string(), str::to_string));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `!Ref X` / `{"Ref": "X"}`: the name it refers to.
fn reference_of(node: &Node) -> Option<String> {
    match intrinsic_parts(node)? {
        ("Ref", argument) => match argument.value {
            Yaml::Scalar(s, _) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A function call, in either form: its name (without `Fn::`) and argument.
fn intrinsic(node: &Node) -> Option<(String, Node)> {
    let (name, argument) = intrinsic_parts(node)?;
    Some((name.to_string(), argument.clone()))
}

fn intrinsic_parts(node: &Node) -> Option<(&str, Node)> {
    if let Some(tag) = &node.tag {
        let mut argument = node.clone();
        argument.tag = None;
        return Some((tag.as_str(), argument));
    }
    match node.entries() {
        [(key, value)] => {
            let key = key.as_str()?;
            let name = if key == "Ref" {
                key
            } else {
                key.strip_prefix("Fn::")?
            };
            Some((name, value.clone()))
        }
        _ => None,
    }
}
