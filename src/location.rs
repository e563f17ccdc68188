//! Positions in input files: byte offsets turned into the line:column people read.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A 1-based line and column (in characters) inside a text file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Location {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl Location {
    /// The location of byte `offset` in `text`; offsets past the end clamp to the end,
    /// and offsets inside a multi-byte character count that character.
    pub(crate) fn of_offset(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        crate::policy::work(before.len());
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            line: clamp(line),
            column: clamp(column),
        }
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a key is written in a small configuration file: the first line whose
/// first token is `key` (TOML: `key =`) or `"key"` (JSON: `"key":`).
///
/// Connection files are flat and small, and every key we look for is unique in
/// them, so a line scan is exact for them and needs no span-aware parser.
pub(crate) fn locate_key(text: &str, key: &str) -> Option<Location> {
    let quoted = format!("\"{key}\"");
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        for token in [key, quoted.as_str()] {
            if let Some(rest) = trimmed.strip_prefix(token) {
                let rest = rest.trim_start();
                if rest.starts_with('=') || rest.starts_with(':') {
                    return Some(Location::of_offset(text, offset + indent));
                }
            }
        }
        // JSON written on one line: look for `"key"` followed by a colon anywhere.
        if let Some(pos) = line.find(&quoted) {
            let rest = line[pos + quoted.len()..].trim_start();
            if rest.starts_with(':') {
                return Some(Location::of_offset(text, offset + pos));
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Location::of_offset(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of_offset(text, 6), Location { line: 2, column: 1 });
        // 'é' is two bytes: the '=' after it is the 4th character.
        assert_eq!(Location::of_offset(text, 10), Location { line: 2, column: 4 });
        assert_eq!(Location::of_offset(text, 999), Location { line: 3, column: 1 });
    }

    #[test]
    fn keys_are_found_in_toml_and_json() {
        let toml = "display_name = \"x\"\n[auth]\n  role_arn = \"y\"\n";
        assert_eq!(
            locate_key(toml, "role_arn"),
            Some(Location { line: 3, column: 3 })
        );
        let json = "{\n  \"Data Catalog\": \"x\",\n  \"region\" : \"y\"}";
        assert_eq!(
            locate_key(json, "Data Catalog"),
            Some(Location { line: 2, column: 3 })
        );
        assert_eq!(locate_key(json, "region"), Some(Location { line: 3, column: 3 }));
        let one_line = "{\"a\": 1, \"region\": \"y\"}";
        assert_eq!(
            locate_key(one_line, "region"),
            Some(Location { line: 1, column: 10 })
        );
        assert_eq!(locate_key(toml, "region"), None);
        // A value that merely contains the key is not the key.
        assert_eq!(locate_key("x = \"region\"\n", "region"), None);
    }
}
