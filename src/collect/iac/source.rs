//! Terraform source files, read only to place findings: the line of a resource
//! or data block, of an attribute in it, and of each policy statement. A plan
//! (`terraform show -json`) carries no positions, and a code-scanning alert is
//! useful only on the `.tf` lines a pull request changes.

use crate::location::Location;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

type Files = Rc<Vec<(String, Rc<str>)>>;

/// The `.tf` files of each module directory, read once.
#[derive(Default)]
pub(super) struct Sources {
    dirs: RefCell<BTreeMap<PathBuf, Files>>,
}

/// A block found in a file: its header's line and its text's byte range.
pub(super) struct Block {
    pub file: String,
    pub text: Rc<str>,
    pub start: usize,
    pub end: usize,
}

impl Sources {
    fn files(&self, dir: &Path) -> Files {
        let mut dirs = self.dirs.borrow_mut();
        let files = dirs.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut files: Vec<(String, Rc<str>)> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "tf"))
                .filter_map(|p| {
                    Some((
                        p.display().to_string(),
                        Rc::from(
                            crate::connection::read_input(&p, crate::limits::Input::TerraformPlan).ok()?,
                        ),
                    ))
                })
                .collect();
            files.sort();
            Rc::new(files)
        });
        Rc::clone(files)
    }

    /// `resource "TYPE" "NAME" {` (or `data`) in the module at `dir`.
    pub(super) fn block(&self, dir: &Path, keyword: &str, kind: &str, name: &str) -> Option<Block> {
        let header = regex::Regex::new(&format!(
            r#"(?m)^[ \t]*{keyword}[ \t]+"{}"[ \t]+"{}"[ \t]*\{{"#,
            regex::escape(kind),
            regex::escape(name)
        ))
        .expect("an escaped pattern compiles");
        self.files(dir).iter().find_map(|(file, text)| {
            let found = header.find(text)?;
            let open = found.end() - 1;
            Some(Block {
                file: file.clone(),
                text: Rc::clone(text),
                start: found.start() + (found.as_str().len() - found.as_str().trim_start().len()),
                end: closing_brace(text, open).unwrap_or(text.len()),
            })
        })
    }
}

impl Block {
    pub(super) fn location(&self) -> Location {
        Location::of_offset(&self.text, self.start)
    }

    /// Where `pattern` (a regular expression, multi-line) first matches after
    /// `from` inside the block.
    pub(super) fn find(&self, from: usize, pattern: &str) -> Option<usize> {
        let re = regex::Regex::new(&format!("(?m){pattern}")).ok()?;
        let from = from.clamp(self.start, self.end);
        re.find(&self.text[from..self.end]).map(|m| from + m.start())
    }

    /// The statements written after `from`: `statement {` blocks of an
    /// `aws_iam_policy_document`, or each `Effect` key of a `jsonencode` or
    /// heredoc document (one a statement).
    pub(super) fn statements(&self, from: usize, data_source: bool) -> Vec<Location> {
        let pattern = if data_source {
            r"(?m)^[ \t]*statement[ \t]*\{"
        } else {
            r#"(?m)^[ \t]*"?Effect"?[ \t]*[=:]"#
        };
        let re = regex::Regex::new(pattern).expect("a fixed pattern compiles");
        let from = from.clamp(self.start, self.end);
        re.find_iter(&self.text[from..self.end])
            .map(|m| {
                let at = from + m.start() + (m.as_str().len() - m.as_str().trim_start().len());
                Location::of_offset(&self.text, at)
            })
            .collect()
    }
}

/// The brace closing the one at `open`, skipping strings, heredocs and comments.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, open);
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => i = line_end(text, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(text, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |j| i + 2 + j + 1);
            }
            b'<' if text[i..].starts_with("<<") => {
                let rest = text[i + 2..].trim_start_matches('-');
                let marker: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !marker.is_empty() {
                    // The heredoc ends at a line holding only its marker.
                    let mut at = line_end(text, i);
                    while at < bytes.len() {
                        let next = line_end(text, at + 1);
                        if text[at + 1..next].trim() == marker {
                            break;
                        }
                        at = next;
                    }
                    i = at;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |j| from + j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_their_brace_whatever_their_strings_hold() {
        let dir = std::env::temp_dir().join(format!("athena-doctor-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "resource \"aws_iam_role\" \"r\" {\n  name = \"a}b\" # }\n  assume_role_policy = <<EOF\n{\"Statement\": [{\n  \"Effect\": \"Allow\"}]}\nEOF\n}\n\ndata \"aws_iam_policy_document\" \"d\" {\n  statement {\n    effect = \"Allow\"\n  }\n  statement {\n  }\n}\n";
        std::fs::write(dir.join("main.tf"), text).unwrap();
        let sources = Sources::default();
        let block = sources.block(&dir, "resource", "aws_iam_role", "r").unwrap();
        assert_eq!(block.location(), Location { line: 1, column: 1 });
        assert_eq!(&block.text[block.end - 1..block.end], "}");
        assert_eq!(Location::of_offset(&block.text, block.end).line, 7);
        let from = block
            .find(block.start, r"^[ \t]*assume_role_policy[ \t]*=")
            .unwrap();
        assert_eq!(
            block.statements(from, false),
            vec![Location { line: 5, column: 3 }]
        );
        let data = sources
            .block(&dir, "data", "aws_iam_policy_document", "d")
            .unwrap();
        let lines: Vec<u32> = data.statements(data.start, true).iter().map(|l| l.line).collect();
        assert_eq!(lines, vec![10, 13]);
        assert!(sources.block(&dir, "resource", "aws_iam_role", "other").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
