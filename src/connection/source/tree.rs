//! YAML and JSON sources (dbt's `profiles.yml`, Grafana's provisioning file
//! or API JSON, Metabase's API JSON) as the tree the CloudFormation reader
//! uses (`crate::yaml`: each node's line and column, aliases bounded),
//! plus what their readers and rewriters share: a node's byte span as
//! written, values that come from the environment, and in-place edits that
//! keep every other byte (a block mapping gets a line at its keys'
//! indentation, a JSON object an entry after its `{`).

use super::{MASK, Reading, bad, nearest};
use crate::connection::FieldId;
use crate::error::Fatal;
use crate::location::Location;
use crate::yaml::{self, Node, Yaml};
use std::path::Path;

/// Parse a YAML or JSON source; an error is bad input at its position.
pub(super) fn parse(path: &Path, text: &str) -> Result<Node, Fatal> {
    yaml::parse(text).map_err(|(at, message)| Fatal::input(path, Some(at), message))
}

/// Parse the source a fix rewrites: the model's copy has secrets masked as
/// `****`, which YAML would read as an alias, so each unquoted mask is read as
/// `"**"` (the same four bytes: every offset stays where it was).
pub(super) fn parse_masked(text: &str) -> Result<Node, String> {
    let mut lenient = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(MASK) {
        let before = &rest[..i];
        lenient.push_str(before);
        let quoted = before.ends_with(['"', '\'']) || lenient.ends_with(['"', '\'']);
        lenient.push_str(if quoted { MASK } else { "\"**\"" });
        rest = &rest[i + MASK.len()..];
    }
    lenient.push_str(rest);
    yaml::parse(&lenient).map_err(|(at, message)| format!("{at}: {message}"))
}

/// The byte offset of a 1-based line and column (in characters).
pub(super) fn offset(text: &str, at: Location) -> usize {
    let mut start = 0;
    for _ in 1..at.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[start..];
    start
        + line
            .char_indices()
            .nth(at.column.saturating_sub(1) as usize)
            .map_or(line.len(), |(i, _)| i)
}

/// Whether the mapping `map` is written in flow style (`{…}`: JSON).
pub(super) fn is_flow(text: &str, map: &Node) -> bool {
    text[offset(text, map.at)..].starts_with('{')
}

/// A scalar as written: its byte range with its quotes, and the range of
/// its content (inside the quotes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub inner: (usize, usize),
}

/// Where the scalar `node` is written. `flow`: inside `{…}`/`[…]`, where a
/// plain scalar also ends at `,`, `}` or `]`.
pub(super) fn span(text: &str, node: &Node, flow: bool) -> Span {
    let start = offset(text, node.at);
    let rest = &text[start..];
    let bytes = rest.as_bytes();
    match bytes.first() {
        Some(b'"') => {
            let mut i = 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            let close = i.min(bytes.len());
            let end = start + (close + 1).min(bytes.len());
            Span {
                start,
                end,
                inner: (start + 1, start + close),
            }
        }
        Some(b'\'') => {
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let close = i.min(bytes.len());
            Span {
                start,
                end: start + (close + 1).min(bytes.len()),
                inner: (start + 1, start + close),
            }
        }
        _ => {
            let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            let mut end = rest[..line_end].find(" #").unwrap_or(line_end);
            if flow {
                end = rest[..end].find([',', '}', ']']).unwrap_or(end);
            }
            let end = start + rest[..end].trim_end().len();
            Span {
                start,
                end,
                inner: (start, end),
            }
        }
    }
}

/// The mapping's scalar entries: key name, key node, value node.
pub(super) fn scalars(map: &Node) -> impl Iterator<Item = (&str, &Node, &Node)> {
    map.entries()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, k, v)).filter(|_| matches!(v.value, Yaml::Scalar(..))))
}

/// The name of the environment variable a templated value reads, when the
/// value is one the tool fills in at run time: dbt's `{{ env_var('X') }}`,
/// Grafana's `$X` / `${X}`. `Some("")` for a template naming no variable.
pub(super) fn templated(value: &str) -> Option<String> {
    let v = value.trim();
    if let Some(i) = v.find("{{") {
        let inner = &v[i..];
        let name = inner
            .find("env_var(")
            .map(|j| &inner[j + "env_var(".len()..])
            .and_then(|s| s.trim_start().strip_prefix(['\'', '"']))
            .and_then(|s| s.find(['\'', '"']).map(|e| &s[..e]))
            .unwrap_or("");
        return Some(name.to_string());
    }
    let rest = v.split_once('$')?.1;
    let rest = rest.strip_prefix('{').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// A value as YAML or JSON writes it: plain where plain reads back as the
/// same string, else double-quoted (JSON's escapes are YAML's too).
pub(super) fn literal(value: &str, flow: bool) -> String {
    let plain = !flow
        && !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@-+".contains(c))
        && !value.starts_with(['-', ':', '@', '.', '+'])
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        && value.parse::<f64>().is_err();
    if plain {
        value.to_string()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// Byte-range edits to a text, made from the last to the first.
#[derive(Default)]
pub(super) struct Edits(Vec<(usize, usize, String)>);

impl Edits {
    pub(super) fn push(&mut self, start: usize, end: usize, with: String) {
        self.0.push((start, end, with));
    }

    pub(super) fn apply(mut self, text: &str) -> String {
        self.0.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        let mut out = text.to_string();
        let mut floor = usize::MAX;
        for (start, end, with) in self.0 {
            // Overlapping edits (two changes to one entry): the first made wins.
            if end > floor {
                continue;
            }
            out.replace_range(start..end, &with);
            floor = start;
        }
        out
    }

    /// Replace the scalar `value` (quotes included) with `new`.
    pub(super) fn replace(&mut self, text: &str, value: &Node, flow: bool, new: &str) {
        let s = span(text, value, flow);
        self.push(s.start, s.end, literal(new, flow));
    }

    /// Insert `key: value` (`value` already written as YAML/JSON) into `map`.
    pub(super) fn insert(&mut self, text: &str, map: &Node, key: &str, value: &str) -> Result<(), String> {
        let flow = is_flow(text, map);
        let start = offset(text, map.at);
        if flow {
            let first = map.entries().first().map(|(k, _)| offset(text, k.at));
            let entry = format!("{}: {value}", serde_json::to_string(key).unwrap_or_default());
            match first {
                Some(k) => {
                    let ws = &text[start + 1..k];
                    self.push(start + 1, start + 1, format!("{ws}{entry},"));
                }
                None => self.push(start + 1, start + 1, entry),
            }
            return Ok(());
        }
        let Some((first, _)) = map.entries().first() else {
            return Err(format!("cannot add `{key}` to an empty mapping"));
        };
        let k = offset(text, first.at);
        let line_start = text[..k].rfind('\n').map_or(0, |i| i + 1);
        let prefix = &text[line_start..k];
        let value = value.replace('\n', &format!("\n{}", " ".repeat(prefix.chars().count())));
        // A nested mapping starts on the next line: no space after the colon.
        let value = if value.starts_with('\n') {
            value
        } else {
            format!(" {value}")
        };
        if prefix.trim().is_empty() {
            self.push(line_start, line_start, format!("{prefix}{key}:{value}\n"));
        } else {
            // `- name: x`: the new key goes on the next line, at the key's column.
            let indent = " ".repeat(prefix.chars().count());
            match text[k..].find('\n') {
                Some(i) => self.push(k + i + 1, k + i + 1, format!("{indent}{key}:{value}\n")),
                None => self.push(text.len(), text.len(), format!("\n{indent}{key}:{value}")),
            }
        }
        Ok(())
    }

    /// Remove the entry `key`/`value` (a scalar) from `map`.
    pub(super) fn remove(&mut self, text: &str, map: &Node, key: &Node, value: &Node) {
        let flow = is_flow(text, map);
        let k = offset(text, key.at);
        let v = span(text, value, flow);
        if flow {
            let after = &text[v.end..];
            let trimmed = after.trim_start();
            if let Some(rest) = trimmed.strip_prefix(',') {
                let gap = rest.len() - rest.trim_start().len();
                let end = text.len() - rest.len() + gap;
                self.push(k, end, String::new());
            } else {
                let before = text[..k].trim_end();
                let start = if before.ends_with(',') {
                    before.len() - 1
                } else {
                    k
                };
                self.push(start, v.end, String::new());
            }
            return;
        }
        let line_start = text[..k].rfind('\n').map_or(0, |i| i + 1);
        let end = text[v.end..].find('\n').map_or(text.len(), |i| v.end + i + 1);
        if text[line_start..k].trim().is_empty() {
            self.push(line_start, end, String::new());
        } else {
            // The entry shares its line with `- `: keep the dash, empty the entry.
            self.push(k, v.end, "{}".to_string());
        }
    }

    /// Set (`Some`) or remove (`None`) the scalar entry `key` of `map`.
    pub(super) fn set(
        &mut self,
        text: &str,
        map: &Node,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), String> {
        let flow = is_flow(text, map);
        match (map.entry(key), value) {
            (Some((_, v)), Some(new)) => {
                self.replace(text, v, flow, new);
                Ok(())
            }
            (Some((k, v)), None) => {
                self.remove(text, map, k, v);
                Ok(())
            }
            (None, Some(new)) => self.insert(text, map, key, &literal(new, flow)),
            (None, None) => Ok(()),
        }
    }
}

/// What the keys of one mapping of a tool's source mean.
pub(super) struct Keys<'k> {
    /// Keys that fill a field.
    pub fields: &'k [(&'k str, FieldId)],
    /// The key holding the secret access key.
    pub secret: &'k [&'k str],
    /// Keys holding other values never echoed (a session token).
    pub masked: &'k [&'k str],
    /// The other keys the tool reads.
    pub others: &'k [&'k str],
    /// How findings name a key of this mapping (`jsonData.` before Grafana's).
    pub prefix: &'k str,
    /// The tool, for "not a setting of …".
    pub tool: &'k str,
}

impl Keys<'_> {
    /// The key of this mapping that holds `id`.
    pub(super) fn key_of(&self, id: FieldId) -> Option<&str> {
        match id {
            FieldId::SecretAccessKey => self.secret.first().copied(),
            _ => self.fields.iter().find(|(_, f)| *f == id).map(|(k, _)| *k),
        }
    }

    /// Whether `key` holds a secret or another value never echoed.
    pub(super) fn is_secret(&self, key: &str) -> bool {
        self.secret.contains(&key) || self.masked.contains(&key)
    }
}

/// A value a tool writes in place of a secret it keeps (Metabase's API
/// answers `**MetabasePass**`): the secret is not in the file.
fn redacted(value: &str) -> bool {
    let v = value.trim();
    v == "**MetabasePass**" || (v.len() >= 4 && v.chars().all(|c| c == '*'))
}

/// Read the scalar entries of `map` into the model as `keys` says: each value
/// at its position, the secret apart, a templated value reported unresolved,
/// and a key close to one the tool reads reported as its typo.
pub(super) fn read_map(reading: &mut Reading, text: &str, map: &Node, keys: &Keys) {
    let flow = is_flow(text, map);
    for (key, _, value) in scalars(map) {
        let Yaml::Scalar(raw, _) = &value.value else {
            continue;
        };
        let at = offset(text, value.at);
        let name = format!("{}{key}", keys.prefix);
        if keys.is_secret(key) {
            let s = span(text, value, flow);
            if templated(raw).is_some() || redacted(raw) {
                continue;
            }
            if keys.secret.contains(&key) {
                reading.secret(raw.clone(), s.inner.0, s.inner.1 - s.inner.0);
            } else {
                reading.mask(s.inner.0, s.inner.1 - s.inner.0);
            }
            continue;
        }
        if let Some((_, id)) = keys.fields.iter().find(|(k, _)| *k == key) {
            match templated(raw) {
                Some(var) => reading.unresolved(&name, &var, at),
                None => reading.set(*id, raw.clone(), at),
            }
            continue;
        }
        if keys.others.contains(&key) {
            continue;
        }
        let known = keys
            .fields
            .iter()
            .map(|(k, _)| *k)
            .chain(keys.secret.iter().copied())
            .chain(keys.masked.iter().copied())
            .chain(keys.others.iter().copied());
        let known: Vec<&str> = known.collect();
        let k = offset(text, map.entry(key).map_or(value.at, |(k, _)| k.at));
        if let Some(same) = known.iter().find(|n| n.eq_ignore_ascii_case(key)) {
            // The right name in the wrong case: certain, not a guess.
            reading.unknown(
                &name,
                Some(&format!("{}{same}", keys.prefix)),
                format!(
                    "`{name}` is not a setting of {}: names are case-sensitive",
                    keys.tool
                ),
                k,
            );
        } else if let Some(near) = nearest(key, known) {
            reading.typo(
                &name,
                &format!("{}{near}", keys.prefix),
                format!(
                    "`{name}` is not a setting of {} (names are case-sensitive)",
                    keys.tool
                ),
                k,
            );
        }
    }
}

/// The edits that make `changes` to the mapping `map` read with `keys`.
/// `Change::Set` of a field this mapping does not hold is left to the caller
/// (`false` in the result's place).
pub(super) fn change_map(
    edits: &mut Edits,
    text: &str,
    map: &Node,
    keys: &Keys,
    change: &super::Change,
) -> Result<bool, String> {
    use super::Change;
    match change {
        Change::Set(id, value) => match keys.key_of(*id) {
            Some(key) => edits.set(text, map, key, value.as_deref()).map(|()| true),
            None => Ok(false),
        },
        Change::Rename { from, to } => {
            let (Some(from), Some(to)) = (from.strip_prefix(keys.prefix), to.strip_prefix(keys.prefix))
            else {
                return Ok(false);
            };
            match map.entry(from) {
                Some((k, _)) => {
                    let s = span(text, k, is_flow(text, map));
                    let quoted = s.inner != (s.start, s.end);
                    let (end, new) = match quoted {
                        true => (s.end, serde_json::to_string(to).unwrap_or_default()),
                        // A plain key ends where its name does (the span runs to the line's end).
                        false => (s.start + from.len(), to.to_string()),
                    };
                    edits.push(s.start, end, new);
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        Change::DropSecrets => {
            for (key, k, v) in scalars(map) {
                if keys.is_secret(key) {
                    edits.remove(text, map, k, v);
                }
            }
            Ok(true)
        }
    }
}

/// A source refused at a node.
pub(super) fn bad_at(path: &Path, text: &str, node: &Node, why: impl std::fmt::Display) -> Fatal {
    bad(path, text, offset(text, node.at), why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_offsets_follow_the_text() {
        let text = "a:\n  b: 'it''s' # c\n  c: \"x\\\"y\"\n  d: plain value  # note\n";
        let root = yaml::parse(text).unwrap();
        let a = root.get("a").unwrap();
        let b = a.get("b").unwrap();
        assert_eq!(b.at, Location { line: 2, column: 6 });
        let s = span(text, b, false);
        assert_eq!(&text[s.start..s.end], "'it''s'");
        let c = span(text, a.get("c").unwrap(), false);
        assert_eq!(&text[c.inner.0..c.inner.1], "x\\\"y");
        let d = span(text, a.get("d").unwrap(), false);
        assert_eq!(&text[d.start..d.end], "plain value");
        let json = "{\"k\": {\"x\": 1, \"y\": \"v\"}}";
        let root = yaml::parse(json).unwrap();
        let k = root.get("k").unwrap();
        assert!(is_flow(json, k));
        assert_eq!(
            &json[span(json, k.get("x").unwrap(), true).start..span(json, k.get("x").unwrap(), true).end],
            "1"
        );
    }

    #[test]
    fn edits_keep_every_other_byte() {
        let text = "p:\n  outputs:\n    dev:\n      type: athena\n      region_name: us-east-1 # here\n      secret: s\n";
        let root = yaml::parse(text).unwrap();
        let dev = root.get("p").unwrap().get("outputs").unwrap().get("dev").unwrap();
        let mut e = Edits::default();
        e.set(text, dev, "region_name", Some("eu-west-1")).unwrap();
        e.set(text, dev, "work_group", Some("my wg")).unwrap();
        e.set(text, dev, "secret", None).unwrap();
        assert_eq!(
            e.apply(text),
            "p:\n  outputs:\n    dev:\n      work_group: \"my wg\"\n      type: athena\n      region_name: eu-west-1 # here\n"
        );
        let json = "{\n  \"a\": \"x\",\n  \"s\": \"****\",\n  \"b\": 2\n}\n";
        let root = parse_masked(json).unwrap();
        let mut e = Edits::default();
        e.set(json, &root, "a", Some("y")).unwrap();
        e.set(json, &root, "s", None).unwrap();
        e.set(json, &root, "n", Some("new")).unwrap();
        assert_eq!(
            e.apply(json),
            "{\n  \"n\": \"new\",\n  \"a\": \"y\",\n  \"b\": 2\n}\n"
        );
        let item = "d:\n  - name: A\n    type: t\n";
        let root = yaml::parse(item).unwrap();
        let mut e = Edits::default();
        e.insert(item, &root.get("d").unwrap().items()[0], "jsonData", "\n  k: v")
            .unwrap();
        assert_eq!(
            e.apply(item),
            "d:\n  - name: A\n    jsonData:\n      k: v\n    type: t\n"
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text, read as each file source and rewritten with every kind of
        /// change: an error or a result, never a panic.
        #[test]
        fn readers_and_rewriters_never_panic(
            s in "(\\{|\\}|\\[|\\]|\"|'|: |:|,|-|\n|  |#|\\*|&a|é|\\\\|type: athena|outputs|datasources|grafana-athena-datasource|jsonData|\"engine\": \"athena\"|details|region_name|[a-z]{1,6})*"
        ) {
            let changes = [
                super::super::Change::Set(FieldId::Region, Some("eu-west-1".into())),
                super::super::Change::Set(FieldId::S3OutputBucket, None),
                super::super::Change::Set(FieldId::ExternalId, Some("x y".into())),
                super::super::Change::Rename { from: "jsonData.a".into(), to: "jsonData.b".into() },
                super::super::Change::DropSecrets,
            ];
            let path = std::path::Path::new("p");
            let _ = super::super::dbt::read(path, &s);
            let _ = super::super::grafana::read(path, &s);
            let _ = super::super::metabase::read(path, &s);
            let _ = super::super::dbt::rewrite(&s, &changes);
            let _ = super::super::grafana::rewrite(&s, &changes);
            let _ = super::super::metabase::rewrite(&s, &changes);
        }
    }

    /// Valid sources of each tool, for the mutation property below.
    const VALID: [&str; 3] = [
        "p:\n  target: d\n  outputs:\n    d:\n      type: athena\n      region_name: 'us-east-1' # r\n      aws_secret_access_key: \"k\"\n",
        "apiVersion: 1\ndatasources:\n  - name: A\n    type: grafana-athena-datasource\n    jsonData: {defaultRegion: x, catalog: \"c\"}\n    secureJsonData:\n      secretKey: s\n",
        "{\"name\": \"m\", \"engine\": \"athena\", \"details\": {\"region\": \"r\", \"secret_key\": \"s\", \"catalog\": 1}}",
    ];

    proptest! {
        /// A valid source with a few bytes inserted somewhere: read and
        /// rewritten, an error or a result, never a panic.
        #[test]
        fn mutated_sources_never_panic(which in 0usize..3, at in 0usize..400, insert in "\\PC{0,4}") {
            let mut text = VALID[which].to_string();
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &insert);
            let changes = [
                super::super::Change::Set(FieldId::Region, Some("eu-west-1".into())),
                super::super::Change::Set(FieldId::Workgroup, Some("w".into())),
                super::super::Change::Set(FieldId::DataCatalog, None),
                super::super::Change::DropSecrets,
            ];
            let path = std::path::Path::new("p");
            if let Ok(l) = super::super::dbt::read(path, &text) {
                let _ = super::super::dbt::rewrite(l.connection.text.as_deref().unwrap_or_default(), &changes);
            }
            if let Ok(l) = super::super::grafana::read(path, &text) {
                let _ = super::super::grafana::rewrite(l.connection.text.as_deref().unwrap_or_default(), &changes);
            }
            if let Ok(l) = super::super::metabase::read(path, &text) {
                let _ = super::super::metabase::rewrite(l.connection.text.as_deref().unwrap_or_default(), &changes);
            }
        }
    }

    #[test]
    fn masks_and_templates() {
        assert!(parse_masked("a: ****\nb: '****'\n").is_ok());
        assert_eq!(
            templated("{{ env_var('DBT_REGION') }}").as_deref(),
            Some("DBT_REGION")
        );
        assert_eq!(templated("{{ env_var(\"X\", 'd') }}").as_deref(), Some("X"));
        assert_eq!(templated("s3://${BUCKET}/x/").as_deref(), Some("BUCKET"));
        assert_eq!(templated("$AWS_REGION").as_deref(), Some("AWS_REGION"));
        assert_eq!(templated("s3://bucket/x/"), None);
        assert_eq!(literal("us-east-1", false), "us-east-1");
        assert_eq!(literal("true", false), "\"true\"");
        assert_eq!(literal("a b", false), "\"a b\"");
        assert_eq!(literal("x", true), "\"x\"");
    }
}
