//! `terraform show -json PLAN` (format 1.x): the role the connection names, its
//! trust, inline, attached and boundary policies, and the bucket policies, as
//! they will be after apply. Values known only after apply stay unknown.
//!
//! The plan's shape: `resource_changes[]` holds each resource's `change.after`
//! (its values after apply; `null` when destroyed) and `change.after_unknown`
//! (`true` for each value known only after apply); `configuration` holds the
//! expressions, whose `references` name the resources a value comes from
//! (<https://developer.hashicorp.com/terraform/internals/json-format>).

use super::source::Sources;
use super::{Declarations, Document, Principal};
use crate::error::Fatal;
use crate::facts::Observed;
use crate::location::Location;
use crate::policy::PolicyKind;
use crate::policy::site::{Language, Site};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One managed resource of the plan, as it will be after apply.
struct Resource {
    address: String,
    /// `module.a.module.b`, empty for the root module.
    module: String,
    kind: String,
    name: String,
    after: Value,
    unknown: Value,
    /// Its name before the plan: how a destroyed resource is still recognised.
    name_before: Option<String>,
    /// Destroyed by the plan (and not created again).
    gone: bool,
    /// Where its change sits in the plan.
    at: Location,
}

/// A value of a resource after apply.
enum Got<'a> {
    Known(&'a Value),
    Unknown,
    Absent,
}

impl Resource {
    fn get(&self, key: &str) -> Got<'_> {
        if self.unknown.get(key).is_some_and(|u| u == &Value::Bool(true)) {
            return Got::Unknown;
        }
        match self.after.get(key) {
            Some(Value::Null) | None => Got::Absent,
            Some(v) => Got::Known(v),
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Got::Known(v) => v.as_str(),
            _ => None,
        }
    }

    /// `type.name`, as references in the module's configuration write it.
    fn local(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }
}

struct Plan<'a> {
    path: &'a Path,
    resources: Vec<Resource>,
    configuration: Value,
    source_dir: PathBuf,
    sources: Sources,
}

/// Read the plan `text` (from `path`).
pub(super) fn read(
    path: &Path,
    text: &str,
    source_dir: Option<&Path>,
    principal: &Principal,
) -> Result<Declarations, Fatal> {
    let positioned = crate::policy::json::parse(text)
        .map_err(|e| Fatal::input(path, Some(Location::of_offset(text, e.offset)), e.message))?;
    let plan: Value = serde_json::from_str(text).map_err(|e| Fatal::input(path, None, e))?;
    let version = plan.get("format_version").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("1.") {
        return Err(Fatal::input(
            path,
            Some(Location { line: 1, column: 1 }),
            format!(
                "format_version {version:?}: not the JSON of `terraform show -json PLAN` (format 1.x), which \
                 --terraform-plan reads"
            ),
        ));
    }
    let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) else {
        return Err(Fatal::input(
            path,
            Some(Location { line: 1, column: 1 }),
            "no resource_changes: this is state, not a plan (write it with `terraform plan -out PLAN` and \
             `terraform show -json PLAN`)",
        ));
    };
    let offsets: Vec<usize> = match positioned.get("resource_changes").map(|n| &n.value) {
        Some(crate::policy::json::Value::Array(items)) => items.iter().map(|n| n.offset).collect(),
        _ => Vec::new(),
    };
    let resources = changes
        .iter()
        .enumerate()
        .filter(|(_, rc)| rc.get("mode").and_then(Value::as_str) == Some("managed"))
        .map(|(i, rc)| {
            let s = |k: &str| rc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let change = rc.get("change").cloned().unwrap_or(Value::Null);
            let actions: Vec<&str> = change
                .get("actions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            Resource {
                address: s("address"),
                module: s("module_address"),
                kind: s("type"),
                name: s("name"),
                gone: actions == ["delete"],
                name_before: change
                    .pointer("/before/name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                after: change.get("after").cloned().unwrap_or(Value::Null),
                unknown: change.get("after_unknown").cloned().unwrap_or(Value::Null),
                at: Location::of_offset(text, offsets.get(i).copied().unwrap_or(0)),
            }
        })
        .collect();
    let plan = Plan {
        path,
        resources,
        configuration: plan.get("configuration").cloned().unwrap_or(Value::Null),
        source_dir: source_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default()),
        sources: Sources::default(),
    };
    Ok(plan.declared(principal))
}

impl Plan<'_> {
    fn declared(&self, principal: &Principal) -> Declarations {
        let mut declared = Declarations::default();
        self.bucket_policies(&mut declared);
        self.resources(&mut declared, principal);
        let Some(role_name) = &principal.role else {
            return declared;
        };
        let roles: Vec<usize> = self.of_kind("aws_iam_role").collect();
        let chosen = roles.iter().copied().find(|&i| {
            let r = &self.resources[i];
            match &principal.resource {
                Some(address) => &r.address == address,
                None => r.text("name").or(r.name_before.as_deref().filter(|_| r.gone)) == Some(role_name),
            }
        });
        let Some(role) = chosen else {
            let named: Vec<String> = roles
                .iter()
                .map(|&i| {
                    let r = &self.resources[i];
                    format!(
                        "{} ({})",
                        r.address,
                        r.text("name").unwrap_or("name known after apply")
                    )
                })
                .collect();
            let wanted = match &principal.resource {
                Some(address) => format!("at {address}"),
                None => format!("named {role_name}"),
            };
            declared.not_found = Some(format!(
                "{} declares no aws_iam_role {wanted}{} (--iac-role ADDRESS picks one whose name is known only \
                 after apply)",
                self.path.display(),
                if named.is_empty() {
                    String::new()
                } else {
                    format!("; it declares {}", named.join(", "))
                }
            ));
            return declared;
        };
        if self.resources[role].gone {
            declared.not_found = Some(format!(
                "{} destroys {}: after apply the role does not exist",
                self.path.display(),
                self.resources[role].address
            ));
            return declared;
        }
        declared.principal = Some(self.site(role, "", None));
        declared.trust = Some(self.document(role, "assume_role_policy", PolicyKind::Trust));
        let mut identity = Vec::new();
        // The role's own `inline_policy` blocks and `managed_policy_arns`: read
        // only when the configuration sets them (then they are exclusive). Unset,
        // the provider fills them from today's account, which the attached
        // resources below already say as they will be after apply.
        match self.resources[role].get("inline_policy") {
            _ if !self.configured(role, "inline_policy") => {}
            Got::Unknown => identity.push(Document::unknown(format!(
                "the inline_policy blocks of {} are known only after apply",
                self.resources[role].address
            ))),
            Got::Known(Value::Array(list)) => {
                for (i, item) in list.iter().enumerate() {
                    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                    let unknown = self.resources[role]
                        .unknown
                        .pointer(&format!("/inline_policy/{i}/policy"))
                        .is_some_and(|u| u == &Value::Bool(true));
                    let attribute = format!("inline_policy \"{name}\"");
                    let site = self.site(
                        role,
                        &attribute,
                        Some(&format!(r#"name[ \t]*=[ \t]*"{}""#, regex::escape(name))),
                    );
                    identity.push(match item.get("policy").and_then(Value::as_str) {
                        Some(text) if !unknown && !text.is_empty() => Document::known(
                            text,
                            site,
                            PolicyKind::Identity,
                            &[("role", role_name), ("policy", name)],
                        ),
                        Some(_) | None if !unknown => continue,
                        _ => Document::unknown(format!(
                            "the policy of {attribute} of {} is known only after apply",
                            self.resources[role].address
                        )),
                    });
                }
            }
            _ => {}
        }
        // aws_iam_role_policy resources naming the role.
        for i in self.attached_to(role, &["aws_iam_role_policy"], "role") {
            let name = self.resources[i].text("name").unwrap_or("").to_string();
            let mut doc = self.document(i, "policy", PolicyKind::Identity);
            doc.names = vec![("role", role_name.clone()), ("policy", name)];
            identity.push(doc);
        }
        // Attachments, and managed_policy_arns.
        for i in self.attached_to(role, &["aws_iam_role_policy_attachment"], "role") {
            identity.push(self.managed(i, "policy_arn", PolicyKind::Identity));
        }
        for i in self.of_kind("aws_iam_policy_attachment").collect::<Vec<_>>() {
            let roles = match self.resources[i].get("roles") {
                Got::Known(Value::Array(list)) => {
                    list.iter().filter_map(Value::as_str).any(|r| r == role_name)
                }
                _ => self
                    .references(i, "roles")
                    .iter()
                    .any(|r| r == &self.resources[role].local()),
            };
            if roles && !self.resources[i].gone {
                identity.push(self.managed(i, "policy_arn", PolicyKind::Identity));
            }
        }
        match self.resources[role].get("managed_policy_arns") {
            _ if !self.configured(role, "managed_policy_arns") => {}
            Got::Known(Value::Array(arns)) => {
                for arn in arns.iter().filter_map(Value::as_str) {
                    identity.push(self.managed_arn(role, arn, PolicyKind::Identity));
                }
            }
            Got::Unknown => {
                let referenced = self.referenced(role, "managed_policy_arns", "aws_iam_policy");
                if referenced.is_empty() {
                    identity.push(Document::unknown(format!(
                        "managed_policy_arns of {} is known only after apply",
                        self.resources[role].address
                    )));
                }
                for p in referenced {
                    identity.push(self.document(p, "policy", PolicyKind::Identity));
                }
            }
            _ => {}
        }
        declared.identity = Some(identity);
        declared.boundary = Some(match self.resources[role].get("permissions_boundary") {
            Got::Absent => None,
            Got::Known(v) => Some(self.managed_arn(role, v.as_str().unwrap_or(""), PolicyKind::Boundary)),
            Got::Unknown => Some(
                match self
                    .referenced(role, "permissions_boundary", "aws_iam_policy")
                    .first()
                {
                    Some(&p) => self.document(p, "policy", PolicyKind::Boundary),
                    None => Document::unknown(format!(
                        "permissions_boundary of {} is known only after apply",
                        self.resources[role].address
                    )),
                },
            ),
        });
        declared
    }

    fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = usize> + 's {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.kind == kind)
            .map(|(i, _)| i)
    }

    /// Resources of `kinds` whose `key` names the role (or refers to it, when the
    /// name is known only after apply), not destroyed.
    fn attached_to(&self, role: usize, kinds: &[&str], key: &str) -> Vec<usize> {
        let role_res = &self.resources[role];
        let name = role_res.text("name");
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| kinds.contains(&r.kind.as_str()) && !r.gone)
            .filter(|(i, r)| match r.get(key) {
                Got::Known(v) => v.as_str().is_some() && v.as_str() == name,
                Got::Unknown => {
                    r.module == role_res.module && self.references(*i, key).contains(&role_res.local())
                }
                Got::Absent => false,
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The policy a `policy_arn` attribute names: a known ARN of a policy the plan
    /// declares, or the `aws_iam_policy` its expression refers to.
    fn managed(&self, i: usize, key: &str, kind: PolicyKind) -> Document {
        match self.resources[i].get(key) {
            Got::Known(v) => {
                let arn = v.as_str().unwrap_or("").to_string();
                self.managed_arn(i, &arn, kind)
            }
            _ => match self.referenced(i, key, "aws_iam_policy").first() {
                Some(&p) => self.document(p, "policy", kind),
                None => Document::unknown(format!(
                    "{key} of {} is known only after apply, and refers to no aws_iam_policy of the plan",
                    self.resources[i].address
                )),
            },
        }
    }

    fn managed_arn(&self, from: usize, arn: &str, kind: PolicyKind) -> Document {
        let found = self
            .of_kind("aws_iam_policy")
            .find(|&p| self.resources[p].text("arn") == Some(arn));
        match found {
            Some(p) => {
                let mut doc = self.document(p, "policy", kind);
                doc.names.push(("arn", arn.to_string()));
                doc
            }
            None => Document::unknown(format!(
                "{arn} (named by {}) is not declared in the plan, so its document is not known (an AWS managed \
                 or existing policy: give it with --policy FILE, or run live)",
                self.resources[from].address
            )),
        }
    }

    /// The resources of `kind` that attribute `key` of resource `i` refers to.
    fn referenced(&self, i: usize, key: &str, kind: &str) -> Vec<usize> {
        let module = self.resources[i].module.clone();
        let mut found = Vec::new();
        for reference in self.references(i, key) {
            if let Some(p) = self
                .resources
                .iter()
                .position(|r| r.kind == kind && r.module == module && r.local() == reference && !r.gone)
                && !found.contains(&p)
            {
                found.push(p);
            }
        }
        found
    }

    /// Resource `i` as the configuration writes it.
    fn configuration_of(&self, i: usize) -> Option<&Value> {
        let r = &self.resources[i];
        let (module, _) = self.module(&r.module)?;
        module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("address").and_then(Value::as_str) == Some(&r.local()))
    }

    /// Whether the configuration sets attribute (or block) `key` of resource `i`.
    fn configured(&self, i: usize, key: &str) -> bool {
        self.configuration_of(i)
            .and_then(|c| c.get("expressions")?.get(key))
            .is_some()
    }

    /// The resources (`type.name`) attribute `key` of resource `i` refers to, as
    /// the configuration writes them.
    fn references(&self, i: usize, key: &str) -> Vec<String> {
        self.configuration_of(i)
            .and_then(|c| c.pointer(&format!("/expressions/{key}/references")))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(resource_of_reference)
            .collect()
    }

    /// The configuration of module `address` and the directory of its source.
    fn module(&self, address: &str) -> Option<(&Value, PathBuf)> {
        let mut module = self.configuration.get("root_module")?;
        let mut dir = self.source_dir.clone();
        for call in address
            .split('.')
            .collect::<Vec<_>>()
            .chunks(2)
            .filter(|c| c.len() == 2)
        {
            let name = call[1].split('[').next().unwrap_or(call[1]);
            let called = module.get("module_calls")?.get(name)?;
            if let Some(source) = called.get("source").and_then(Value::as_str)
                && (source.starts_with("./") || source.starts_with("../"))
            {
                dir = normalized(&dir.join(source));
            }
            module = called.get("module")?;
        }
        Some((module, dir))
    }

    /// Where resource `i` (and, with `attribute`, what holds its document) is
    /// written: its `.tf` block, or its change in the plan.
    fn site(&self, i: usize, attribute: &str, locate: Option<&str>) -> Site {
        let (address, kind, name, at) = {
            let r = &self.resources[i];
            (r.address.clone(), r.kind.clone(), r.name.clone(), r.at)
        };
        let module = self.resources[i].module.clone();
        let dir = self.module(&module).map(|(_, d)| d);
        let document_source = self
            .references(i, attribute)
            .into_iter()
            .find(|r| r.starts_with("data.aws_iam_policy_document."));
        let mut site = Site {
            language: Language::Terraform,
            file: self.path.display().to_string(),
            resource: address,
            resource_type: kind.clone(),
            attribute: attribute.to_string(),
            anchor: at,
            statements: Vec::new(),
            document_source: document_source.clone(),
        };
        let Some(dir) = dir else { return site };
        if let Some(data) = &document_source {
            let data_name = data.rsplit('.').next().unwrap_or("");
            if let Some(block) = self
                .sources
                .block(&dir, "data", "aws_iam_policy_document", data_name)
            {
                site.statements = block.statements(block.start, true);
            }
        }
        if let Some(block) = self.sources.block(&dir, "resource", &kind, &name) {
            site.file = block.file.clone();
            site.anchor = block.location();
            let pattern = locate.map(str::to_string).or_else(|| {
                (!attribute.is_empty()).then(|| format!(r"^[ \t]*{}[ \t]*=", regex::escape(attribute)))
            });
            if let Some(from) = pattern.and_then(|p| block.find(block.start, &p)) {
                site.anchor = Location::of_offset(
                    &block.text,
                    from + (block.text[from..].len() - block.text[from..].trim_start().len()),
                );
                if document_source.is_none() {
                    site.statements = block.statements(from, false);
                }
            }
        }
        site
    }

    /// The document attribute `key` of resource `i` holds.
    fn document(&self, i: usize, key: &str, kind: PolicyKind) -> Document {
        let site = self.site(i, key, None);
        let r = &self.resources[i];
        match r.get(key) {
            Got::Known(Value::String(text)) => Document::known(text, site, kind, &[]),
            Got::Unknown => Document::unknown(format!("{key} of {} is known only after apply", r.address)),
            _ => Document::unknown(format!("{} has no {key}", r.address)),
        }
    }

    /// The bucket resource `i` is about: its `bucket` value, or the name of the
    /// `aws_s3_bucket` it refers to when that value is known only after apply.
    fn bucket_of(&self, i: usize) -> Option<String> {
        match self.resources[i].get("bucket") {
            Got::Known(v) => v.as_str().map(str::to_string),
            _ => self
                .referenced(i, "bucket", "aws_s3_bucket")
                .first()
                .and_then(|&b| self.resources[b].text("bucket").map(str::to_string)),
        }
    }

    /// The connection's workgroup and each bucket's default encryption.
    fn resources(&self, declared: &mut Declarations, principal: &Principal) {
        let found = self.of_kind("aws_athena_workgroup").find(|&i| {
            !self.resources[i].gone && self.resources[i].text("name") == Some(&principal.workgroup)
        });
        if let Some(i) = found {
            let r = &self.resources[i];
            let configuration = r.after.pointer("/configuration/0");
            let workgroup = crate::facts::WorkgroupFacts {
                name: principal.workgroup.clone(),
                enabled: r.text("state") != Some("DISABLED"),
                // The provider's default is to enforce.
                enforced: configuration
                    .and_then(|c| c.get("enforce_workgroup_configuration"))
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                output_location: configuration
                    .and_then(|c| c.pointer("/result_configuration/0/output_location"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                settings: workgroup_settings(
                    configuration,
                    r.unknown.pointer("/configuration/0"),
                    &r.address,
                ),
            };
            declared.resources.workgroup = Some((workgroup, self.site(i, "", None)));
        }
        for i in self
            .of_kind("aws_s3_bucket_server_side_encryption_configuration")
            .collect::<Vec<_>>()
        {
            let r = &self.resources[i];
            let bucket = self.bucket_of(i);
            let Some(bucket) = bucket.filter(|_| !r.gone) else {
                continue;
            };
            let default = r
                .after
                .pointer("/rule/0/apply_server_side_encryption_by_default/0");
            let unknown = r
                .unknown
                .pointer("/rule/0/apply_server_side_encryption_by_default/0/kms_master_key_id")
                .is_some_and(|u| u == &Value::Bool(true));
            let algorithm = default
                .and_then(|d| d.get("sse_algorithm"))
                .and_then(Value::as_str);
            let key = default
                .and_then(|d| d.get("kms_master_key_id"))
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            let observed = if unknown && algorithm.is_some_and(|a| a.starts_with("aws:kms")) {
                Observed::NotCollected(format!("the KMS key of {} is known only after apply", r.address))
            } else {
                Observed::Known(super::kms_key(algorithm, key))
            };
            declared.resources.bucket_keys.insert(bucket, observed);
        }
    }

    fn bucket_policies(&self, declared: &mut Declarations) {
        for i in self.of_kind("aws_s3_bucket_policy").collect::<Vec<_>>() {
            if self.resources[i].gone {
                continue;
            }
            let bucket = self.bucket_of(i);
            let doc = self.document(i, "policy", PolicyKind::Resource);
            match bucket {
                Some(bucket) => declared.buckets.push((bucket, doc)),
                None => declared.warnings.push(format!(
                    "{}: its bucket is known only after apply; its policy is not checked",
                    self.resources[i].address
                )),
            }
        }
    }
}

/// `aws_iam_policy.p.arn` → `aws_iam_policy.p`; `data.x.y.json` → `data.x.y`.
fn resource_of_reference(reference: &str) -> String {
    let parts: Vec<&str> = reference.split('.').collect();
    let take = if parts.first() == Some(&"data") { 3 } else { 2 };
    parts
        .iter()
        .take(take)
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// `a/./b/../c` → `a/c`, without touching the file system (a module's source
/// directory as people read it in an annotation).
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// An `aws_athena_workgroup`'s `configuration` block as the settings the rules
/// judge; a setting known only after apply (a key created by the same plan)
/// leaves them unknown, naming it.
fn workgroup_settings(
    configuration: Option<&Value>,
    unknown: Option<&Value>,
    address: &str,
) -> crate::facts::Observed<crate::facts::WorkgroupSettings> {
    use crate::facts::{Observed, WorkgroupSettings};
    const SETTINGS: &[&str] = &[
        "/result_configuration/0/encryption_configuration/0/kms_key_arn",
        "/result_configuration/0/encryption_configuration/0/encryption_option",
        "/result_configuration/0/expected_bucket_owner",
        "/result_configuration/0/acl_configuration/0/s3_acl_option",
        "/managed_query_results_configuration/0/encryption_configuration/0/kms_key",
        "/engine_version/0/selected_engine_version",
        "/bytes_scanned_cutoff_per_query",
    ];
    if let Some(unknown) = unknown
        && let Some(at) = SETTINGS
            .iter()
            .find(|p| unknown.pointer(p) == Some(&Value::Bool(true)))
    {
        return Observed::NotCollected(format!(
            "the workgroup's {} of {address} is known only after apply",
            at.trim_start_matches('/').replace("/0/", ".")
        ));
    }
    let text = |p: &str| {
        configuration
            .and_then(|c| c.pointer(p))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let flag = |p: &str| configuration.and_then(|c| c.pointer(p)).and_then(Value::as_bool) == Some(true);
    Observed::Known(WorkgroupSettings {
        result_encryption: text("/result_configuration/0/encryption_configuration/0/encryption_option"),
        result_key: text("/result_configuration/0/encryption_configuration/0/kms_key_arn"),
        expected_bucket_owner: text("/result_configuration/0/expected_bucket_owner"),
        acl: text("/result_configuration/0/acl_configuration/0/s3_acl_option"),
        minimum_encryption: false,
        managed_results: flag("/managed_query_results_configuration/0/enabled"),
        managed_results_key: text(
            "/managed_query_results_configuration/0/encryption_configuration/0/kms_key",
        ),
        identity_center: flag("/identity_center_configuration/0/enable_identity_center"),
        access_grants: flag("/query_results_s3_access_grants_configuration/0/enable_s3_access_grants"),
        engine: text("/engine_version/0/selected_engine_version"),
        requester_pays: flag("/requester_pays_enabled"),
        scan_cutoff: configuration
            .and_then(|c| c.get("bytes_scanned_cutoff_per_query"))
            .and_then(Value::as_i64)
            .filter(|n| *n > 0),
    })
}
