//! The IAM policy language: decoding documents as IAM and the CLI hand them out,
//! parsing with positions, wildcard matching, conditions, and evaluation.

pub(crate) mod condition;
pub(crate) mod context;
pub(crate) mod decode;
pub(crate) mod evaluate;
pub(crate) mod json;
pub(crate) mod model;
pub(crate) mod site;
pub(crate) mod wildcard;

#[cfg(test)]
mod tests;

#[cfg(test)]
thread_local! {
    /// Units of work judging policies costs (statements visited, bytes scanned
    /// for positions): the linearity test counts them instead of timing.
    pub(crate) static WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Count `units` of work (only tests count; elsewhere this is nothing).
#[inline]
pub(crate) fn work(units: usize) {
    #[cfg(test)]
    WORK.with(|w| w.set(w.get() + units as u64));
    #[cfg(not(test))]
    let _ = units;
}

pub(crate) use context::Context;
pub(crate) use evaluate::{Decision, Guarded, PolicySet, Principal, Request, evaluate, guard};
pub(crate) use model::{Effect, PolicyKind};

use crate::location::Location;
use decode::{Envelope, Origin};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A policy document as found in a file (or an AWS answer), parsed and validated.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Policy {
    /// How findings name it: a file name, or `bucket policy of B`.
    pub name: String,
    /// The file it came from, when it came from one.
    pub path: Option<String>,
    pub kind: PolicyKind,
    /// The text positions refer to (the file, or the decoded document).
    pub text: String,
    pub envelope: Envelope,
    pub origin: Origin,
    /// Names the CLI's output carried: role, user, policy name, ARN.
    pub names: Vec<(&'static str, String)>,
    pub document: model::Document,
    /// The document as JSON, for fixes that merge into it.
    pub json: serde_json::Value,
    /// The text exactly as read (what a snapshot stores, so a replay re-reads it the same).
    pub source: String,
    /// Where an encoded document sits in `source`: findings point there.
    pub file_offset: Option<usize>,
    /// Where infrastructure as code declares it (then `path` is that file).
    pub site: Option<site::Site>,
    /// Each statement's offset and where it is written, placed in one pass when
    /// the policy is read: a decision citing thousands of statements must not
    /// rescan the text for each (sorted by offset).
    pub statement_locations: Vec<(usize, Location)>,
}

/// Why a policy could not be read: the position (in `Policy::text` terms) and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyError {
    pub location: Location,
    /// The JSON pointer of the element at fault, when the JSON parsed.
    pub pointer: Option<String>,
    pub message: String,
    /// True when positions refer to a decoded or embedded document, not the file.
    pub in_decoded: bool,
    /// The file is refused (exit 2), never reported as an invalid document.
    pub refused: bool,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pointer {
            Some(p) if !p.is_empty() => write!(f, "{} (at {p})", self.message)?,
            _ => f.write_str(&self.message)?,
        }
        if self.in_decoded {
            f.write_str(" [position in the decoded document]")?;
        }
        Ok(())
    }
}

impl Policy {
    pub(crate) fn from_text(
        name: &str,
        path: Option<&str>,
        text: &str,
        kind: PolicyKind,
    ) -> Result<Policy, PolicyError> {
        let extracted = decode::extract(text).map_err(|e| PolicyError {
            location: Location::of_offset(&e.text, e.offset),
            pointer: None,
            in_decoded: e.text != text,
            message: e.message,
            refused: e.refused,
        })?;
        let in_decoded = matches!(
            extracted.envelope,
            Envelope::PercentEncoded | Envelope::Embedded(_)
        );
        let prefix = match extracted.envelope {
            Envelope::Member(p) => p,
            _ => "",
        };
        let document = model::parse_document(&extracted.node, kind).map_err(|e| PolicyError {
            location: Location::of_offset(&extracted.text, e.offset),
            pointer: Some(format!("{prefix}{}", e.pointer)),
            message: e.message,
            in_decoded,
            refused: false,
        })?;
        let offsets: Vec<usize> = document.statements.iter().map(|s| s.offset).collect();
        let statement_locations = match extracted.file_offset {
            // Inside an encoded string, the string's position stands for all.
            Some(anchor) => {
                let at = Location::of_offset(text, anchor);
                offsets.iter().map(|o| (*o, at)).collect()
            }
            None => locate_all(&extracted.text, offsets),
        };
        Ok(Policy {
            statement_locations,
            name: name.to_string(),
            path: path.map(str::to_string),
            kind,
            json: extracted.node.to_serde(),
            text: extracted.text,
            envelope: extracted.envelope,
            origin: extracted.origin,
            names: extracted.names,
            document,
            source: text.to_string(),
            file_offset: extracted.file_offset,
            site: None,
        })
    }

    /// Where a statement (or element) is written, as line:column of the file. A
    /// document inside an encoded string has no positions of its own in the file:
    /// that string's position stands for all of it.
    pub(crate) fn location(&self, offset: usize) -> Location {
        if let Some(site) = &self.site {
            // The statement holding `offset` (statements start in document order).
            let index = self
                .document
                .statements
                .partition_point(|s| s.offset <= offset)
                .checked_sub(1);
            return index.map_or(site.anchor, |i| site.statement(self.document.statements[i].index));
        }
        if let Ok(i) = self
            .statement_locations
            .binary_search_by_key(&offset, |(o, _)| *o)
        {
            return self.statement_locations[i].1;
        }
        match self.file_offset {
            Some(anchor) => Location::of_offset(&self.source, anchor),
            None => Location::of_offset(&self.text, offset),
        }
    }

    /// A pointer that is valid in the file (it includes the CLI wrapper's path).
    pub(crate) fn pointer(&self, inner: &str) -> String {
        match self.envelope {
            Envelope::Member(p) => format!("{p}{inner}"),
            _ => inner.to_string(),
        }
    }

    pub(crate) fn name_of(&self, what: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(w, _)| *w == what)
            .map(|(_, v)| v.as_str())
    }
}

/// Where each of `offsets` is in `text`, as `Location::of_offset` says, in one
/// pass over the text (sorted by offset).
fn locate_all(text: &str, mut offsets: Vec<usize>) -> Vec<(usize, Location)> {
    offsets.sort_unstable();
    offsets.dedup();
    let (mut line, mut column, mut at) = (1usize, 1usize, 0usize);
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(offsets.len());
    for offset in offsets {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end > at {
            work(end - at);
            for c in text[at..end].chars() {
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            at = end;
        }
        out.push((
            offset,
            Location {
                line: clamp(line),
                column: clamp(column),
            },
        ));
    }
    out
}

/// Snapshots store a policy as the text it was read from; reading re-parses it.
#[derive(Serialize, Deserialize)]
struct StoredPolicy {
    name: String,
    path: Option<String>,
    kind: String,
    text: String,
    /// How a live read found it (inline, managed) and the names its fix needs;
    /// absent in snapshots written before fixes needed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Origin>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    names: Vec<(String, String)>,
    /// Where infrastructure as code declares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    site: Option<site::Site>,
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = match self.kind {
            PolicyKind::Identity => "identity",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
        };
        StoredPolicy {
            name: self.name.clone(),
            path: self.path.clone(),
            kind: kind.to_string(),
            text: self.source.clone(),
            origin: Some(self.origin),
            names: self
                .names
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            site: self.site.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Policy, D::Error> {
        let stored = StoredPolicy::deserialize(d)?;
        let kind = match stored.kind.as_str() {
            "identity" => PolicyKind::Identity,
            "boundary" => PolicyKind::Boundary,
            "resource" => PolicyKind::Resource,
            "trust" => PolicyKind::Trust,
            other => return Err(serde::de::Error::custom(format!("unknown policy kind `{other}`"))),
        };
        let mut policy = Policy::from_text(&stored.name, stored.path.as_deref(), &stored.text, kind)
            .map_err(|e| serde::de::Error::custom(format!("policy `{}`: {e}", stored.name)))?;
        if let Some(origin) = stored.origin {
            policy.origin = origin;
        }
        policy.site = stored.site;
        for (what, value) in stored.names {
            // Only the names fixes read are kept (they are `&'static str` keys).
            if let Some(key) = [
                "role", "user", "group", "policy", "arn", "attached", "id", "type", "endpoint", "vpc",
                "service",
            ]
            .into_iter()
            .find(|k| *k == what)
            {
                policy.names.retain(|(k, _)| *k != key);
                policy.names.push((key, value));
            }
        }
        Ok(policy)
    }
}
