//! The one way text reaches a shell: every word of a command the doctor prints or
//! writes (fix commands, `apply.sh`, triage's "ask the customer to run") goes
//! through [`quote`], and every name put in a `# …` line of a script through
//! [`comment`]. Both are total: a name from a file, a snapshot, AWS output or a
//! pasted log can never end a word, start a command or a line, or run a
//! substitution.
//!
//! - Printable text is quoted by `shlex` (POSIX single quotes where needed, and its
//!   care for `!`, `^` and fish's backslashes); a word that is plainly safe stays bare.
//! - A word holding a control character (newline, CR, ESC, DEL, the C1 range) or an
//!   invisible Unicode format character (bidirectional overrides, line separators)
//!   is written whole in bash's `$'…'` form, each such character as its UTF-8 bytes
//!   (`\x0a`), so the printed line stays one line and shows what is there.
//! - NUL cannot be carried by any shell word (arguments are C strings: `$'\x00'`
//!   would silently cut the word short, naming something else). Inputs refuse it
//!   with exit 2 (AWS names never hold one); should one still arrive here, it is
//!   written as `␀` (U+2400), so the command names something no account has and
//!   fails, instead of acting on a shorter name.

/// The visible stand-in for a NUL: a word holding one cannot be passed intact.
pub(crate) const NUL_MARK: char = '\u{2400}';

/// Whether `c` must not appear raw in a printed command or comment.
fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Bidirectional embeddings, overrides and isolates (Trojan Source).
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            // Line and paragraph separators, zero-width characters, the BOM.
            | '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// One shell word that the shell reads back as exactly `word` (a NUL excepted:
/// see the module's note). Never fails, never returns text with a raw control
/// character or a newline.
pub(crate) fn quote(word: &str) -> String {
    if word.chars().any(unprintable) {
        return ansi_c(word);
    }
    // Without NUL and control characters shlex cannot refuse; were it ever to, the
    // `$'…'` form is as exact.
    shlex::try_quote(word).map_or_else(|_| ansi_c(word), |q| q.into_owned())
}

/// Words as one command line, each quoted.
pub(crate) fn join<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// bash's `$'…'`: backslash, quote and `!` (history expansion in an interactive
/// shell) escaped, control and format characters as their UTF-8 bytes.
fn ansi_c(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 8);
    out.push_str("$'");
    for c in word.chars() {
        match c {
            '\0' => out.push(NUL_MARK),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '!' => out.push_str("\\x21"),
            c if unprintable(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `text` for a `# …` line of a script: one line (newlines and every other control
/// character written as escapes, via `style::printable`), nothing invisible.
pub(crate) fn comment(text: &str) -> String {
    let printable = crate::style::printable(text);
    if !printable.chars().any(unprintable) {
        return printable.into_owned();
    }
    printable
        .chars()
        .map(|c| {
            if unprintable(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_specials_are_single_quoted() {
        assert_eq!(quote("bi-athena"), "bi-athena");
        assert_eq!(quote("arn:aws:iam::1:role/x"), "arn:aws:iam::1:role/x");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$(touch X)"), "'$(touch X)'");
    }

    #[test]
    fn control_characters_take_the_ansi_c_form_on_one_line() {
        assert_eq!(quote("a\nb"), "$'a\\x0ab'");
        assert_eq!(quote("it's\r!\\"), "$'it\\'s\\x0d\\x21\\\\'");
        assert_eq!(quote("\u{1b}[2J"), "$'\\x1b[2J'");
        assert_eq!(quote("x\u{202e}y"), "$'x\\xe2\\x80\\xaey'");
        assert_eq!(quote("bi\0`id`"), "$'bi\u{2400}`id`'");
        for w in ["a\nb", "\u{85}", "\u{7f}", "\0"] {
            assert!(!quote(w).chars().any(unprintable), "{w:?}");
        }
    }

    #[test]
    fn comments_are_one_printable_line() {
        assert_eq!(
            comment("evil\ntouch PWNED\n#.toml"),
            "evil\\ntouch PWNED\\n#.toml"
        );
        assert_eq!(comment("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(comment("plain"), "plain");
    }
}
