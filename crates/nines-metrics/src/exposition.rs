//! The two formats Prometheus scrapes: the text format 0.0.4 and OpenMetrics 1.0.
//!
//! Written by hand: the SLO metrics are rebuilt from statuses on every scrape (10,000
//! objectives, several families each), which a registry of long-lived metric objects
//! would only slow down, and the format is a few lines of escaping. `promtool check
//! metrics` and a real Prometheus scrape check it in the tests.

use std::fmt::Write as _;

/// Which format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`: what Prometheus asks for by default.
    Text,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it names it, else text.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Text,
        }
    }
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// A metric family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value that goes up and down.
    Gauge,
    /// A monotonic count; samples are written `<name>_total`.
    Counter,
    /// Constant 1 with labels that describe something; samples are written `<name>_info`.
    Info,
    /// Buckets, sum and count.
    Histogram,
}

/// Writes families and samples in one format.
#[derive(Debug)]
pub struct Encoder {
    format: Format,
    out: String,
    /// The current family's sample name (with `_total` or `_info`).
    sample_name: String,
}

impl Encoder {
    /// An empty exposition.
    pub fn new(format: Format) -> Self {
        Encoder {
            format,
            out: String::with_capacity(64 * 1024),
            sample_name: String::new(),
        }
    }

    /// Starts a family `name` (without `_total` or `_info`) with its help text.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let (type_name, sample_name) = match (kind, self.format) {
            (Kind::Counter, Format::Text) => {
                let total = format!("{name}_total");
                (total.clone(), total)
            }
            (Kind::Counter, Format::OpenMetrics) => (name.to_string(), format!("{name}_total")),
            (Kind::Info, Format::Text) => {
                let info = format!("{name}_info");
                (info.clone(), info)
            }
            (Kind::Info, Format::OpenMetrics) => (name.to_string(), format!("{name}_info")),
            _ => (name.to_string(), name.to_string()),
        };
        let type_word = match (kind, self.format) {
            (Kind::Gauge, _) | (Kind::Info, Format::Text) => "gauge",
            (Kind::Counter, _) => "counter",
            (Kind::Info, Format::OpenMetrics) => "info",
            (Kind::Histogram, _) => "histogram",
        };
        self.out.push_str("# HELP ");
        self.out.push_str(&type_name);
        self.out.push(' ');
        escape_help(&mut self.out, help);
        self.out.push('\n');
        let _ = writeln!(self.out, "# TYPE {type_name} {type_word}");
        self.sample_name = sample_name;
    }

    /// One sample of the current family. Values that are not finite are not written:
    /// an unknown number is an absent series, never a made-up one.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let name = std::mem::take(&mut self.sample_name);
        self.sample_named(&name, labels, value);
        self.sample_name = name;
    }

    /// A sample with its own suffix (`_bucket`, `_sum`, `_count` of a histogram).
    pub fn sample_suffixed(&mut self, suffix: &str, labels: &[(&str, &str)], value: f64) {
        let name = format!("{}{suffix}", self.sample_name);
        self.sample_named(&name, labels, value);
    }

    fn sample_named(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (index, (label, text)) in labels.iter().enumerate() {
                if index > 0 {
                    self.out.push(',');
                }
                self.out.push_str(label);
                self.out.push_str("=\"");
                escape_value(&mut self.out, text);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        write_number(&mut self.out, value);
        self.out.push('\n');
    }

    /// The exposition, terminated as the format wants.
    pub fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

/// A number as Prometheus reads it: integers without a fraction, others in the
/// shortest form that reads back to the same `f64`.
pub fn write_number(out: &mut String, value: f64) {
    let magnitude = value.abs();
    if value == value.trunc() && magnitude < 1e15 {
        let _ = write!(out, "{}", value as i64);
    } else if (1e-5..1e15).contains(&magnitude) {
        let _ = write!(out, "{value}");
    } else {
        let _ = write!(out, "{value:e}");
    }
}

fn escape_value(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
}

fn escape_help(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
}

/// A label name Prometheus accepts, from any text: characters outside
/// `[a-zA-Z0-9_]` become `_`, and a leading digit gets a `_` before it
/// (`app.kubernetes.io/name` becomes `app_kubernetes_io_name`).
pub fn label_name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || character == '_' {
                character
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|character: char| character.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_infos_are_named_per_format() {
        let mut text = Encoder::new(Format::Text);
        text.family("nines_reloads", Kind::Counter, "Spec reloads.");
        text.sample(&[("outcome", "ok")], 2.0);
        text.family("nines_build", Kind::Info, "Build.");
        text.sample(&[("version", "0.1.0")], 1.0);
        assert_eq!(
            text.finish(),
            "# HELP nines_reloads_total Spec reloads.\n# TYPE nines_reloads_total counter\nnines_reloads_total{outcome=\"ok\"} 2\n# HELP nines_build_info Build.\n# TYPE nines_build_info gauge\nnines_build_info{version=\"0.1.0\"} 1\n"
        );
        let mut open = Encoder::new(Format::OpenMetrics);
        open.family("nines_reloads", Kind::Counter, "Spec reloads.");
        open.sample(&[], 2.0);
        open.family("nines_build", Kind::Info, "Build.");
        open.sample(&[], 1.0);
        assert_eq!(
            open.finish(),
            "# HELP nines_reloads Spec reloads.\n# TYPE nines_reloads counter\nnines_reloads_total 2\n# HELP nines_build Build.\n# TYPE nines_build info\nnines_build_info 1\n# EOF\n"
        );
    }

    #[test]
    fn values_are_escaped_and_unknown_numbers_left_out() {
        let mut text = Encoder::new(Format::Text);
        text.family("x", Kind::Gauge, "a\\b\nc");
        text.sample(&[("name", "say \"hi\"\\\n")], 0.999);
        text.sample(&[("name", "nan")], f64::NAN);
        text.sample(&[("name", "inf")], f64::INFINITY);
        assert_eq!(
            text.finish(),
            "# HELP x a\\\\b\\nc\n# TYPE x gauge\nx{name=\"say \\\"hi\\\"\\\\\\n\"} 0.999\n"
        );
    }

    #[test]
    fn numbers_read_back_exactly() {
        for value in [
            0.0,
            1.0,
            -3.0,
            0.999,
            1e-7,
            123_456_789.0,
            2.5e20,
            -0.25,
            1.0 / 3.0,
            5e-324,
        ] {
            let mut out = String::new();
            write_number(&mut out, value);
            assert_eq!(out.parse::<f64>().unwrap(), value, "{out}");
        }
    }

    #[test]
    fn label_names_are_made_valid() {
        assert_eq!(
            label_name("app.kubernetes.io/name"),
            "app_kubernetes_io_name"
        );
        assert_eq!(label_name("9lives"), "_9lives");
        assert_eq!(label_name("team"), "team");
        assert_eq!(label_name(""), "_");
    }
}
