//! Terminal styling in one place: colour only on a terminal, never with NO_COLOR;
//! and text from inputs made printable, so that a name or an AWS message holding
//! ESC, CR or a newline cannot clear the screen or forge an `error:` line.

use std::io::IsTerminal;

/// `--color`: owned here, below the command line that reads it, so that nothing
/// that styles text depends on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    /// `never`/`always` decide; `auto` colours a terminal unless `NO_COLOR` is set
    /// (https://no-color.org) or the terminal is `TERM=dumb` (it shows escapes as
    /// text), and `CLICOLOR_FORCE` colours even a pipe.
    pub(crate) fn detect(choice: ColorChoice, to_stdout: bool) -> Style {
        let tty = to_stdout && std::io::stdout().is_terminal();
        Style {
            color: Self::decide(choice, tty, |name| std::env::var_os(name)),
        }
    }

    /// The decision, from the choice, whether the output is a terminal, and the
    /// environment as `env` reads it (a function, so it is testable without
    /// touching the process's environment).
    fn decide(choice: ColorChoice, tty: bool, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
        match choice {
            ColorChoice::Never => false,
            ColorChoice::Always => true,
            ColorChoice::Auto if set("NO_COLOR") => false,
            ColorChoice::Auto if set("CLICOLOR_FORCE") => true,
            ColorChoice::Auto => tty && env("TERM").is_none_or(|t| t != "dumb"),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// `text` with every control character written as its escape (`\u{1b}`, `\r`,
/// `\n`): what a terminal or a CI log shows of text that came from an input.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, Style, printable};

    #[test]
    fn a_dumb_terminal_gets_no_colour_unless_forced() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let auto = ColorChoice::Auto;
        assert!(Style::decide(auto, true, env(&[("TERM", "xterm-256color")])));
        assert!(Style::decide(auto, true, env(&[])));
        assert!(!Style::decide(auto, true, env(&[("TERM", "dumb")])));
        assert!(!Style::decide(auto, false, env(&[("TERM", "xterm")])));
        assert!(!Style::decide(
            auto,
            true,
            env(&[("TERM", "xterm"), ("NO_COLOR", "1")])
        ));
        assert!(Style::decide(
            auto,
            true,
            env(&[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")])
        ));
        assert!(Style::decide(ColorChoice::Always, true, env(&[("TERM", "dumb")])));
        assert!(!Style::decide(ColorChoice::Never, true, env(&[])));
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(printable("plain — ü"), "plain — ü");
        assert_eq!(
            printable("Acme\u{1b}[2J\r\nerror: fake\t"),
            "Acme\\u{1b}[2J\\r\\nerror: fake\\t"
        );
    }
}
