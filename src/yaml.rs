//! YAML (and JSON, which YAML reads) as a tree that keeps each node's line and
//! its tag: CloudFormation's short forms (`!Sub`, `!Ref`, …) are tags, and
//! findings point at lines. Anchors and aliases are expanded, within a bound
//! (`limits::YAML_ALIAS_NODES_MIN`): an alias bomb is bad input at the alias
//! that would pass it, not memory without end.

use crate::limits;
use crate::location::Location;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub value: Yaml,
    pub at: Location,
    /// `Sub` for `!Sub` (the suffix of a local `!` tag).
    pub tag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Yaml {
    /// A scalar, and whether it was quoted (a quoted `true` is a string).
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value of `key` in a mapping.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Yaml::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Yaml::Scalar(s, _) if self.tag.is_none() => Some(s),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Yaml::Map(entries) => entries,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match &self.value {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }
}

struct Builder {
    /// Open collections: the node, a key waiting for its value, the anchor, and
    /// how many nodes it holds so far (itself included).
    stack: Vec<(Node, Option<Node>, usize, usize)>,
    /// Each anchor's node and how many nodes it holds.
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// How many nodes anchors may copy and aliases produce, and how many more.
    limit: usize,
    budget: usize,
    /// The alias (or anchor) that would have passed the budget.
    refused: Option<(Location, String)>,
}

fn location(mark: Marker) -> Location {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Location {
        line: clamp(mark.line()),
        column: clamp(mark.col() + 1),
    }
}

fn local_tag(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    tag.filter(|t| t.handle == "!").map(|t| t.suffix)
}

impl Builder {
    fn new(text: &str) -> Builder {
        Builder {
            stack: Vec::new(),
            anchors: std::collections::HashMap::new(),
            root: None,
            limit: text.len().max(limits::YAML_ALIAS_NODES_MIN),
            budget: text.len().max(limits::YAML_ALIAS_NODES_MIN),
            refused: None,
        }
    }

    /// Take `nodes` from the budget, or refuse at `at` (copying a node is what
    /// costs memory, so anchors count as aliases do).
    fn spend(&mut self, nodes: usize, at: Location, what: &str) -> bool {
        if nodes <= self.budget {
            self.budget -= nodes;
            return true;
        }
        let message = format!(
            "{what} would make anchors and aliases produce more than {} nodes (the limit: {} \
             or one a byte of the file, whichever is more); is it an alias bomb?",
            self.limit,
            limits::YAML_ALIAS_NODES_MIN
        );
        self.refused.get_or_insert((at, message));
        false
    }

    fn push_value(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor > 0 && self.spend(size, node.at, "this anchor") {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((parent, pending, _, count)) => match &mut parent.value {
                Yaml::Seq(items) => {
                    *count += size;
                    items.push(node);
                }
                Yaml::Map(entries) => {
                    *count += size;
                    match pending.take() {
                        None => *pending = Some(node),
                        Some(key) => entries.push((key, node)),
                    }
                }
                Yaml::Scalar(..) => {}
            },
        }
    }

    fn open(&mut self, value: Yaml, at: Location, anchor: usize, tag: Option<yaml_rust2::parser::Tag>) {
        let node = Node {
            value,
            at,
            tag: local_tag(tag),
        };
        self.stack.push((node, None, anchor, 1));
    }

    fn close(&mut self) {
        if let Some((node, _, anchor, size)) = self.stack.pop() {
            self.push_value(node, anchor, size);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.refused.is_some() {
            // Refused: the rest of the document is read (for its syntax errors)
            // but not built.
            return;
        }
        let at = location(mark);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                let node = Node {
                    value: Yaml::Scalar(value, quoted),
                    at,
                    tag: local_tag(tag),
                };
                self.push_value(node, anchor, 1);
            }
            Event::SequenceStart(anchor, tag) => self.open(Yaml::Seq(Vec::new()), at, anchor, tag),
            Event::MappingStart(anchor, tag) => self.open(Yaml::Map(Vec::new()), at, anchor, tag),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return;
                };
                if self.spend(size, at, "this alias") {
                    let node = self.anchors[&id].0.clone();
                    self.push_value(node, 0, size);
                }
            }
            _ => {}
        }
    }
}

/// Parse the first document of `text`; an error says where.
pub(crate) fn parse(text: &str) -> Result<Node, (Location, String)> {
    let mut builder = Builder::new(text);
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| (location(*e.marker()), e.info().to_string()))?;
    if let Some(refused) = builder.refused {
        return Err(refused);
    }
    builder.root.ok_or_else(|| {
        (
            Location { line: 1, column: 1 },
            "the file holds no YAML document".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_lines_and_aliases_are_kept() {
        let text = "A: &x\n  B: !Sub '${AWS::Region}'\nC: *x\nD: [1, \"true\"]\n";
        let root = parse(text).unwrap();
        let b = root.get("A").unwrap().get("B").unwrap();
        assert_eq!(b.tag.as_deref(), Some("Sub"));
        assert_eq!(b.at.line, 2);
        assert_eq!(root.get("C"), root.get("A"));
        let d = root.get("D").unwrap().items();
        assert_eq!(d[1].value, Yaml::Scalar("true".into(), true));
        let (at, message) = parse("A: [1,\n").unwrap_err();
        assert!(at.line >= 1 && !message.is_empty());
    }

    #[test]
    fn alias_expansion_is_bounded_and_the_refusal_placed() {
        // Each level holds ten times the last: level 6 passes 100,000 nodes.
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g"];
        for pair in names.windows(2) {
            let aliases = vec![format!("*{}", pair[0]); 10].join(", ");
            text.push_str(&format!("{}: &{} [{aliases}]\n", pair[1], pair[1]));
        }
        let (at, message) = parse(&text).unwrap_err();
        assert!((5..=7).contains(&at.line) && at.column > 1, "{at:?}");
        assert!(message.contains("100000 nodes"), "{message}");
        // Four levels (11,111 nodes a copy) are well within it.
        let small: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
        let root = parse(&small).unwrap();
        assert_eq!(root.get("d").unwrap().items().len(), 10);
    }
}
