//! A small YAML writer for spec documents built as JSON values (keys keep their order).
//!
//! Block style throughout, strings quoted only when YAML would misread them, multi-line
//! text as literal blocks: output that reads like a hand-written spec and parses back to
//! the same value.

use std::fmt::Write as _;

use std::sync::LazyLock;

use serde_json::Value;

/// Scalars YAML 1.1 or 1.2 may read as something other than a string: integers in any
/// base, floats, sexagesimal numbers, dates and times.
static NUMERIC: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:[-+]?(?:0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$",
    )
    .expect("static regex")
});

/// Renders documents as one multi-document YAML text, with an optional leading comment.
pub fn documents(header: Option<&str>, documents: &[Value]) -> String {
    let mut out = String::new();
    if let Some(header) = header {
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
    }
    for (index, document) in documents.iter().enumerate() {
        if index > 0 || header.is_some() {
            out.push_str("---\n");
        }
        out.push_str(&document_text(document));
    }
    out
}

/// Renders one document.
pub fn document_text(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn is_empty_container(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.is_empty())
        || matches!(value, Value::Array(items) if items.is_empty())
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        out.push_str(&key_text(key));
        out.push(':');
        write_value_after_key(out, value, level);
    }
}

fn write_value_after_key(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, level + 1);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, level + 1);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, level + 1));
            out.push('\n');
        }
    }
}

fn write_sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first entry shares the dash's line; the rest align under it.
                let mut first = true;
                for (key, value) in map {
                    if !first {
                        indent(out, level + 1);
                    }
                    first = false;
                    out.push_str(&key_text(key));
                    out.push(':');
                    write_value_after_key(out, value, level + 1);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_sequence(out, inner, level + 1);
            }
            scalar => {
                out.push_str(&scalar_text(scalar, level + 1));
                out.push('\n');
            }
        }
    }
}

/// A string as a YAML scalar at indentation `level`: plain when it reads back the same,
/// else quoted (or a literal block for multi-line text).
pub fn scalar(text: &str, level: usize) -> String {
    string_text(text, level)
}

/// A mapping key, quoted only when needed.
pub fn key(text: &str) -> String {
    key_text(text)
}

fn key_text(key: &str) -> String {
    if is_plain_safe(key) {
        key.to_string()
    } else {
        quoted(key)
    }
}

fn scalar_text(value: &Value, level: usize) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(value) => value.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => string_text(text, level),
        other if is_empty_container(other) => {
            if other.is_array() {
                "[]".to_string()
            } else {
                "{}".to_string()
            }
        }
        other => quoted(&other.to_string()),
    }
}

fn string_text(text: &str, level: usize) -> String {
    if is_plain_safe(text) {
        return text.to_string();
    }
    if text.contains('\n') && literal_block_safe(text) {
        let chomp = if text.ends_with("\n\n") {
            "+"
        } else if text.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let mut out = format!("|{chomp}\n");
        let body = text.strip_suffix('\n').unwrap_or(text);
        for (index, line) in body.split('\n').enumerate() {
            if index > 0 {
                out.push('\n');
            }
            if !line.is_empty() {
                for _ in 0..level {
                    out.push_str("  ");
                }
                out.push_str(line);
            }
        }
        return out;
    }
    if text.contains('"') && !text.chars().any(char::is_control) {
        // Single quotes keep JSON and PromQL readable: only `'` needs escaping, as `''`.
        return format!("'{}'", text.replace('\'', "''"));
    }
    quoted(text)
}

fn literal_block_safe(text: &str) -> bool {
    let first = text.split('\n').next().unwrap_or_default();
    !first.starts_with(' ')
        && !text.chars().any(|c| c.is_control() && c != '\n')
        && !text.lines().any(|line| line.ends_with(' '))
}

/// JSON's double-quoted strings are valid YAML double-quoted scalars.
fn quoted(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// True when `text` reads back as the same string without quotes.
fn is_plain_safe(text: &str) -> bool {
    if text.is_empty() || text.trim() != text || text.chars().any(char::is_control) {
        return false;
    }
    let first = text.chars().next().unwrap_or(' ');
    // A leading `-` is fine before a non-space character (`-5%`), except `--` and `- `.
    let harmless_dash =
        first == '-' && text.len() > 1 && !text.starts_with("- ") && !text.starts_with("--");
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !harmless_dash {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') || text.contains('\t') {
        return false;
    }
    let lowered = text.to_ascii_lowercase();
    if matches!(
        lowered.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return false;
    }
    // Anything YAML (1.1 or 1.2) could read as a number, date or time keeps its quotes.
    if text.parse::<f64>().is_ok()
        || lowered == ".inf"
        || lowered == "-.inf"
        || lowered == ".nan"
        || NUMERIC.is_match(text)
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::yaml::parse_documents;

    #[test]
    fn writes_readable_yaml_that_parses_back() {
        let value = json!({
            "apiVersion": "nines/v1",
            "name": "checkout",
            "target": "99.9%",
            "window": "28d",
            "numbers": ["1_000", "0x1F", "1:30", "1e3", "07", ".5"],
            "filter": "route == \"/api\" && status < 500",
            "tricky": ["true", "1.5", "2026-01-01", "a: b", "#x", "- y", "", " lead", "trail ", "null", "-5%"],
            "description": "Line one\nline two\n",
            "list": [{"a": 1, "b": {"c": [1, 2]}}, {"d": []}],
            "empty": {},
            "number": 0.995,
            "flag": false,
        });
        let text = document_text(&value);
        let parsed = parse_documents(&text).unwrap();
        assert_eq!(parsed[0].to_json(), value, "{text}");
        assert!(text.contains("target: 99.9%\n"), "{text}");
        assert!(text.contains("window: 28d\n"), "{text}");
        assert!(
            text.contains("description: |\n  Line one\n  line two\n"),
            "{text}"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips(text in "\\PC{0,30}") {
            let value = json!({"key": text, "list": [text]});
            let parsed = parse_documents(&document_text(&value)).unwrap();
            proptest::prop_assert_eq!(parsed[0].to_json(), value);
        }
    }
}
