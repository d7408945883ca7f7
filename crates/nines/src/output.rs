//! The one place that writes to the terminal: data to stdout, messages to stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

/// Writes data to stdout. A closed pipe (`nines ... | head`) is not an error.
pub fn data(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
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
    eprintln!("error: {text}");
}
