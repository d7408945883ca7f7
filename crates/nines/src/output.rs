//! The one place that writes to the terminal: data to stdout, messages to stderr.
//!
//! Colour only on a terminal: never when the stream is piped or redirected, never with
//! `NO_COLOR` set to anything (https://no-color.org), never with `TERM=dumb`. Colour is
//! added after the text is laid out, around words only, so columns stay aligned and the
//! uncoloured text is byte for byte what a pipe gets.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// Words of a status table and their colours, longest first so that `no data` is
/// coloured as a whole. Red: the budget is gone or a rule is broken; yellow: attention;
/// green: fine.
const TABLE_WORDS: [(&str, &str); 9] = [
    ("exhausted", RED),
    ("frozen", RED),
    ("breached", RED),
    ("no data", YELLOW),
    ("overdue", YELLOW),
    ("at-risk", YELLOW),
    ("warning", YELLOW),
    ("healthy", GREEN),
    ("met", GREEN),
];

/// Whether a stream gets colour: a terminal, no `NO_COLOR`, a terminal that can.
fn colour(terminal: bool) -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
    terminal && !no_colour && !dumb
}

fn stdout_colour() -> bool {
    colour(std::io::stdout().is_terminal())
}

fn stderr_colour() -> bool {
    colour(std::io::stderr().is_terminal())
}

/// Writes data to stdout. A closed pipe (`nines ... | head`) is not an error.
pub fn data(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes a status table (`report`, `demo`) to stdout, its states coloured on a terminal.
pub fn table(text: &str) {
    if stdout_colour() {
        data(&colour_table(text));
    } else {
        data(text);
    }
}

/// Writes `validate`'s diagnostics to stdout, severities coloured on a terminal.
pub fn diagnostics(text: &str) {
    if stdout_colour() {
        data(&colour_diagnostics(text));
    } else {
        data(text);
    }
}

/// Writes a JSON value to stdout, pretty-printed.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    data(&text);
    Ok(())
}

/// Writes a message to stderr.
pub fn message(text: &str) {
    eprintln!("{text}");
}

/// Writes an error to stderr.
pub fn error(text: &str) {
    if stderr_colour() {
        eprintln!("{BOLD_RED}error{RESET}: {text}");
    } else {
        eprintln!("error: {text}");
    }
}

/// Whether `text[start..end]` is a whole word (not part of `metadata`, `unhealthy`).
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !joins(before) && !joins(after)
}

/// Colours the state words of every row but the header; `error:` lines in red.
fn colour_table(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index == 0 {
            out.push_str(line);
            continue;
        }
        if let Some(rest) = line.trim_start().strip_prefix("error:") {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(&format!("{indent}{RED}error:{RESET}{rest}"));
            continue;
        }
        out.push_str(&colour_words(line, &TABLE_WORDS));
    }
    out
}

/// Wraps each whole occurrence of the words in their colour.
fn colour_words(line: &str, words: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut position = 0;
    'scan: while position < line.len() {
        for (word, code) in words {
            let end = position + word.len();
            if line[position..].starts_with(word) && whole_word(line, position, end) {
                out.push_str(code);
                out.push_str(word);
                out.push_str(RESET);
                position = end;
                continue 'scan;
            }
        }
        let Some(next) = line[position..].chars().next() else {
            break;
        };
        out.push(next);
        position += next.len_utf8();
    }
    out
}

/// Colours `error[rule]` red and `warning[rule]` yellow in `FILE:LINE:COLUMN: ...` lines,
/// and the section titles.
fn colour_diagnostics(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let coloured =
            [(": error[", RED), (": warning[", YELLOW)]
                .iter()
                .find_map(|(marker, code)| {
                    let start = line.find(marker)? + 2;
                    let end = start + line[start..].find('[')?;
                    Some(format!(
                        "{}{code}{}{RESET}{}",
                        &line[..start],
                        &line[start..end],
                        &line[end..]
                    ))
                });
        match coloured {
            Some(coloured) => out.push_str(&coloured),
            None if line.starts_with("Errors (") => out.push_str(&format!("{RED}{line}")),
            None => out.push_str(line),
        }
        if line.starts_with("Errors (") {
            // The title's colour ends with its line.
            let trimmed = out.trim_end_matches('\n').len();
            out.truncate(trimmed);
            out.push_str(RESET);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_coloured_as_whole_words_and_columns_keep_their_width() {
        // issue 8.14
        let table = "SLO  POLICY\na/b  exhausted (frozen)\nc/d  healthy\ne/f  unhealthy metadata\n  error: cannot reach\n";
        let coloured = colour_table(table);
        assert!(coloured.contains(&format!("{RED}exhausted{RESET} ({RED}frozen{RESET})")));
        assert!(coloured.contains(&format!("{GREEN}healthy{RESET}\n")));
        assert!(coloured.contains("unhealthy metadata"), "{coloured}");
        assert!(coloured.contains(&format!("  {RED}error:{RESET} cannot reach")));
        let plain: String = coloured
            .replace(RED, "")
            .replace(GREEN, "")
            .replace(RESET, "");
        assert_eq!(plain, table);
    }

    #[test]
    fn severities_are_coloured() {
        let text = "Errors (1):\na.yaml:8:13: error[target-out-of-range]: target 100%\n\nWarnings (1):\na.yaml:6:11: warning[missing-approver]: no approver\n";
        let coloured = colour_diagnostics(text);
        assert!(coloured.contains(&format!(": {RED}error{RESET}[target-out-of-range]")));
        assert!(coloured.contains(&format!(": {YELLOW}warning{RESET}[missing-approver]")));
        let plain = coloured
            .replace(RED, "")
            .replace(YELLOW, "")
            .replace(RESET, "");
        assert_eq!(plain, text);
    }
}
