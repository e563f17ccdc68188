//! Text wrapped to a width for the terminal: lines break between words; a word
//! longer than the width (an ARN, an S3 URL, a JSON path) breaks after one of its
//! own separators (`/`, `:`, `,`, `.`, `-`, `=`) as late as fits, and only where
//! it has none, anywhere. Widths are display columns, not bytes.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The separators a long token may break after, in the order tried.
const SOFT: &[char] = &['/', ':', ',', '.', '-', '=', '_', '*'];

pub(crate) fn width(text: &str) -> usize {
    text.width()
}

/// `text` in lines of at most `max` columns (at least 1). Its own newlines are kept.
pub(crate) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let room = if line.is_empty() {
                max
            } else {
                max.saturating_sub(width(&line) + 1)
            };
            if width(word) <= room {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            if width(word) <= max {
                lines.push(std::mem::take(&mut line));
                line.push_str(word);
                continue;
            }
            // Longer than a whole line: fill what is left of this one, then
            // whole lines, each cut after a separator where there is one.
            let mut rest = word;
            if !line.is_empty() {
                match cut(rest, room) {
                    Some((head, tail)) if room > 8 => {
                        line.push(' ');
                        line.push_str(head);
                        rest = tail;
                    }
                    _ => {}
                }
                lines.push(std::mem::take(&mut line));
            }
            while width(rest) > max {
                let (head, tail) = cut(rest, max).unwrap_or_else(|| hard_cut(rest, max));
                lines.push(head.to_string());
                rest = tail;
            }
            line.push_str(rest);
        }
        lines.push(line);
    }
    lines
}

/// A table `width` columns wide: the columns marked `whole` are as wide as their
/// widest line (codes, names, places: never broken); the others share the rest
/// equally and wrap at words. Drawn as the findings table is.
pub(crate) fn grid(header: &[&str], rows: &[Vec<String>], whole: &[bool], width: usize) -> String {
    use comfy_table::{ContentArrangement, Table, presets};
    let widest = |i: usize| {
        rows.iter()
            .flat_map(|r| r[i].split('\n'))
            .chain(std::iter::once(header[i]))
            .map(self::width)
            .max()
            .unwrap_or(1)
    };
    let fixed: usize = (0..header.len()).filter(|&i| whole[i]).map(widest).sum();
    let flexible = whole.iter().filter(|w| !**w).count().max(1);
    // A border and a space either side of each column, and the last border.
    let border = 3 * header.len() + 1;
    let share = (width.saturating_sub(fixed + border) / flexible).max(12);
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(header.to_vec());
    for row in rows {
        table.add_row(
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    if whole[i] {
                        cell.clone()
                    } else {
                        wrap(cell, share).join("\n")
                    }
                })
                .collect::<Vec<_>>(),
        );
    }
    format!("{table}")
}

/// The longest head of `word` that ends with a separator and fits in `room`.
fn cut(word: &str, room: usize) -> Option<(&str, &str)> {
    let mut best = None;
    let mut used = 0;
    for (i, c) in word.char_indices() {
        used += c.width().unwrap_or(0);
        if used > room {
            break;
        }
        let end = i + c.len_utf8();
        if SOFT.contains(&c) && end < word.len() {
            best = Some(end);
        }
    }
    // A head of a few characters is no better than a hard cut further on.
    best.filter(|&end| width(&word[..end]) * 3 >= room)
        .map(|end| word.split_at(end))
}

/// The head of `word` that fills `room` exactly (at least one character).
fn hard_cut(word: &str, room: usize) -> (&str, &str) {
    let mut used = 0;
    let mut end = 0;
    for (i, c) in word.char_indices() {
        used += c.width().unwrap_or(0);
        if used > room && end > 0 {
            break;
        }
        end = i + c.len_utf8();
    }
    word.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_are_kept_whole_and_tokens_break_after_separators() {
        let lines = wrap(
            "not allowed on arn:aws:s3:::acme-athena-results/omni/* (allowed on the bucket)",
            30,
        );
        assert_eq!(
            lines,
            [
                "not allowed on arn:aws:s3:::",
                "acme-athena-results/omni/*",
                "(allowed on the bucket)"
            ]
        );
        assert_eq!(wrap("a b", 10), ["a b"]);
        assert_eq!(wrap("first\nsecond", 10), ["first", "second"]);
        assert_eq!(
            wrap("abcdefghij", 4),
            ["abcd", "efgh", "ij"],
            "no separator: cut anywhere"
        );
    }

    proptest! {
        /// Whatever the text, no line is wider than asked (a character wider than
        /// the width alone excepted), and no word is lost or reordered.
        #[test]
        fn lines_fit_and_keep_every_word(text in "[ a-zA-Z0-9:/.,_-]{0,200}", max in 1usize..60) {
            let lines = wrap(&text, max);
            for line in &lines {
                prop_assert!(width(line) <= max, "{line:?} is wider than {max}");
            }
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(joined, original);
        }
    }
}
