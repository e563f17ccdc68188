//! Text wrapped to a width for the terminal: lines break between words; a word
//! longer than the width (an ARN, an S3 URL, a JSON path) breaks after one of its
//! own separators (`/`, `:`, `,`, `.`, `-`, `=`, `_`, `*`) as late as fits. A run
//! with no separator (`ListBucketMultipartUploads`) is never cut: a table gives
//! its column the room (`grid`), and a run wider than the whole line stands on a
//! line of its own, whole. Widths are display columns, not bytes.

use unicode_width::UnicodeWidthStr;

/// The separators a long token may break after.
const SOFT: &[char] = &['/', ':', ',', '.', '-', '=', '_', '*'];

pub(crate) fn width(text: &str) -> usize {
    text.width()
}

/// The pieces of `word` no wrapping splits: each ends after a separator (the
/// last one at the word's end).
fn atoms(word: &str) -> impl Iterator<Item = &str> {
    word.split_inclusive(SOFT)
}

/// The narrowest a column can be without cutting any run that has no separator:
/// the widest such run of `text` (with the separator it ends in).
pub(crate) fn narrowest(text: &str) -> usize {
    text.split([' ', '\n'])
        .flat_map(atoms)
        .map(width)
        .max()
        .unwrap_or(0)
}

/// `text` in lines of at most `max` columns (at least 1), except a run with no
/// separator wider than `max`, which has a line of its own. Its own newlines are kept.
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
            // whole lines, each cut after a separator, as late as fits.
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
                // No separator within the line: the first run, whole, on a
                // line of its own (wider than asked, never cut).
                let (head, tail) = match cut(rest, max) {
                    Some(parts) => parts,
                    None => {
                        let first = atoms(rest).next().unwrap_or(rest);
                        if first.len() == rest.len() {
                            break;
                        }
                        rest.split_at(first.len())
                    }
                };
                lines.push(head.to_string());
                rest = tail;
            }
            line.push_str(rest);
        }
        lines.push(line);
    }
    lines
}

/// The layout of a `grid`: each column's width, and whether they fit in `width`.
/// A column marked `whole` is as wide as its widest line; the others share what
/// is left equally, each at least as wide as its widest run without a separator
/// (a column whose run is wider than the share takes its run, and the others
/// share the rest). When even the narrowest layout is wider than `width`, it is
/// that layout, not fitting.
fn layout(header: &[&str], rows: &[Vec<String>], whole: &[bool], width: usize) -> (Vec<usize>, bool) {
    let sizes: Vec<usize> = (0..header.len())
        .map(|i| {
            let cells = rows
                .iter()
                .map(|r| r[i].as_str())
                .chain(std::iter::once(header[i]));
            if whole[i] {
                cells.flat_map(|c| c.split('\n')).map(self::width).max()
            } else {
                cells.map(narrowest).max()
            }
            .unwrap_or(1)
            .max(1)
        })
        .collect();
    // A border and a space either side of each column, and the last border.
    let border = 3 * header.len() + 1;
    if sizes.iter().sum::<usize>() + border > width {
        return (sizes, false);
    }
    let mut sizes = sizes;
    let fixed: usize = (0..header.len()).filter(|&i| whole[i]).map(|i| sizes[i]).sum();
    let mut left = width - fixed - border;
    let mut open: Vec<usize> = (0..header.len()).filter(|&i| !whole[i]).collect();
    while !open.is_empty() {
        let share = left / open.len();
        let (wide, narrow): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&i| sizes[i] > share);
        if wide.is_empty() {
            for &i in &open {
                sizes[i] = share;
            }
            break;
        }
        left -= wide.iter().map(|&i| sizes[i]).sum::<usize>();
        open = narrow;
    }
    (sizes, true)
}

/// Whether a `grid` of these cells fits in `width` without cutting a run that
/// has no separator: when not, a caller that can stack should.
pub(crate) fn fits(header: &[&str], rows: &[Vec<String>], whole: &[bool], width: usize) -> bool {
    layout(header, rows, whole, width).1
}

/// A table `width` columns wide (see `layout`): codes, names and places in the
/// columns marked `whole` are never broken, and the other columns wrap at words,
/// never inside a run without a separator. When that cannot fit in `width` the
/// table is wider (`fits` says so first). Drawn as the findings table is.
pub(crate) fn grid(header: &[&str], rows: &[Vec<String>], whole: &[bool], width: usize) -> String {
    use comfy_table::{ContentArrangement, Table, presets};
    let (sizes, _) = layout(header, rows, whole, width);
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
                        wrap(cell, sizes[i]).join("\n")
                    }
                })
                .collect::<Vec<_>>(),
        );
    }
    format!("{table}")
}

/// The longest head of `word` that ends with a separator and fits in `room`.
fn cut(word: &str, room: usize) -> Option<(&str, &str)> {
    let mut end = 0;
    let mut used = 0;
    for atom in atoms(word) {
        used += width(atom);
        if used > room || end + atom.len() == word.len() {
            break;
        }
        end += atom.len();
    }
    (end > 0).then(|| word.split_at(end))
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
            wrap("see abcdefghij now", 4),
            ["see", "abcdefghij", "now"],
            "no separator: never cut, a line of its own"
        );
        assert_eq!(
            wrap("action: s3:ListBucketMultipartUploads", 20),
            ["action: s3:", "ListBucketMultipartUploads"],
            "cut after the separator, the run whole"
        );
    }

    #[test]
    fn a_column_is_given_the_width_of_its_longest_run() {
        let rows = vec![vec![
            "S3002".to_string(),
            "may s3:ListBucketMultipartUploads on it".to_string(),
            "short".to_string(),
        ]];
        let header = ["Code", "Why", "What"];
        let whole = [true, false, false];
        // An equal share would be 13 columns: the run needs 26.
        let table = grid(&header, &rows, &whole, 50);
        assert!(table.contains("ListBucketMultipartUploads"), "{table}");
        assert!(table.lines().all(|l| width(l) <= 50), "{table}");
        assert!(fits(&header, &rows, &whole, 50));
        assert!(
            !fits(&header, &rows, &whole, 40),
            "the run and the borders need 41"
        );
        let wider = grid(&header, &rows, &whole, 40);
        assert!(
            wider.contains("ListBucketMultipartUploads"),
            "never cut:\n{wider}"
        );
    }

    proptest! {
        /// Whatever the text, no line is wider than asked but a run without a
        /// separator that is wider alone, no such run is cut, and no word is lost
        /// or reordered.
        #[test]
        fn lines_fit_and_keep_every_word(text in "[ a-zA-Z0-9:/.,_-]{0,200}", max in 1usize..60) {
            let lines = wrap(&text, max);
            for line in &lines {
                prop_assert!(
                    width(line) <= max || atoms(line).count() == 1,
                    "{line:?} is wider than {max}"
                );
            }
            let runs = |t: &str| -> Vec<String> {
                t.split(|c: char| c == ' ' || SOFT.contains(&c))
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let kept: Vec<String> = lines.iter().flat_map(|l| runs(l)).collect();
            prop_assert_eq!(kept, runs(&text), "a run was cut");
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(joined, original);
        }
    }
}
