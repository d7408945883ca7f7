//! The toolkit every format decoder uses: strict mappings, typed scalars, diagnostics.
//!
//! Each reader reports its own problem (wrong type, bad duration, unknown field with a
//! "did you mean") at the node's position and returns `None`, so a decoder keeps going
//! and the user sees every problem of a file in one run, not one per run.

use std::sync::Arc;

use nines_core::model::{Labels, Location, Origin};
use nines_core::name::{check_name, suggest_name};
use nines_core::{Duration, Ratio};

use crate::diag::{Diagnostic, Rule};
use crate::yaml::{Node, Value};

/// Decoding context: the file, its format and the diagnostics found so far.
#[derive(Debug)]
pub struct Cx<'d> {
    /// The file as the user named it.
    pub file: Arc<str>,
    /// The format being decoded (`nines`, `openslo`, `sloth`, `pyrra`).
    pub format: &'static str,
    /// Problems found.
    pub diagnostics: &'d mut Vec<Diagnostic>,
}

/// A diagnostic just reported, to which a hint may be added.
#[derive(Debug)]
pub struct Reported<'a>(&'a mut Diagnostic);

impl Reported<'_> {
    /// Adds a fix hint.
    pub fn hint(self, hint: impl Into<String>) {
        self.0.hint = Some(hint.into());
    }
}

impl<'d> Cx<'d> {
    /// A context for `file` in `format`.
    pub fn new(file: Arc<str>, format: &'static str, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Cx {
            file,
            format,
            diagnostics,
        }
    }
    /// The location of `node`.
    pub fn location(&self, node: &Node) -> Location {
        Location::new(self.file.clone(), node.position.line, node.position.column)
    }
    /// An origin for an item starting at `node`.
    pub fn origin(&self, node: &Node) -> Origin {
        Origin::new(self.location(node), self.format)
    }
    /// Reports a problem at `node`.
    pub fn report(&mut self, rule: Rule, node: &Node, message: impl Into<String>) -> Reported<'_> {
        let diagnostic = Diagnostic::new(rule, self.location(node), message);
        self.diagnostics.push(diagnostic);
        let last = self.diagnostics.len() - 1;
        Reported(&mut self.diagnostics[last])
    }
    /// Number of errors reported so far (to tell whether a part decoded cleanly).
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == crate::diag::Severity::Error)
            .count()
    }
}

/// A mapping opened for decoding, whose unknown keys were already reported.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'n> {
    node: &'n Node,
    entries: &'n [(Node, Node)],
}

impl<'n> Fields<'n> {
    /// Opens `node` as a mapping described as `what` (for messages), reporting any key not
    /// in `known` as an unknown field with the closest known one as a suggestion.
    pub fn open(cx: &mut Cx<'_>, node: &'n Node, what: &str, known: &[&str]) -> Option<Fields<'n>> {
        Fields::open_ignoring(cx, node, what, known, &[])
    }
    /// Like [`Fields::open`], but the keys in `ignored` (key, reason) are accepted with an
    /// `ignored-field` warning giving the reason: fields a peer tool accepts that nines
    /// does not use, so the peer's own files load.
    pub fn open_ignoring(
        cx: &mut Cx<'_>,
        node: &'n Node,
        what: &str,
        known: &[&str],
        ignored: &[(&str, &str)],
    ) -> Option<Fields<'n>> {
        let Some(entries) = node.as_mapping() else {
            cx.report(
                Rule::WrongType,
                node,
                format!("{what} must be a mapping, found {}", node.kind_name()),
            )
            .hint("write `key: value` lines, indented under it");
            return None;
        };
        for (key, _) in entries {
            let name = key.as_scalar().unwrap_or_default();
            if let Some((_, reason)) = ignored.iter().find(|(ignored, _)| *ignored == name) {
                cx.report(
                    Rule::IgnoredField,
                    key,
                    format!("`{}` in {what} is ignored: {reason}", excerpt(name)),
                );
                continue;
            }
            if !known.contains(&name) {
                let reported = cx.report(
                    Rule::UnknownField,
                    key,
                    format!("unknown field `{}` in {what}", excerpt(name)),
                );
                match did_you_mean(name, known) {
                    Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
                    None => reported.hint(format!("known fields: {}", known.join(", "))),
                }
            }
        }
        Some(Fields { node, entries })
    }
    /// Opens a free-form mapping (one whose keys the peer format leaves open): keys not in
    /// `known` load with an `ignored-field` warning saying `reason`.
    pub fn open_free_form(
        cx: &mut Cx<'_>,
        node: &'n Node,
        what: &str,
        known: &[&str],
        reason: &str,
    ) -> Option<Fields<'n>> {
        let entries = node.as_mapping().unwrap_or_default();
        let ignored: Vec<(&str, &str)> = entries
            .iter()
            .filter_map(|(key, _)| key.as_scalar())
            .filter(|key| !known.contains(key))
            .map(|key| (key, reason))
            .collect();
        Fields::open_ignoring(cx, node, what, known, &ignored)
    }
    /// The mapping node itself.
    pub fn node(&self) -> &'n Node {
        self.node
    }
    /// The value of `key`; `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(name, _)| name.as_scalar() == Some(key))
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    }
    /// The key node of `key`, for positions.
    pub fn key(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(name, _)| name.as_scalar() == Some(key))
            .map(|(name, _)| name)
    }
    /// True when `key` is present with a non-null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// The value of `key`, reporting it as missing from `what` when absent.
    pub fn require(&self, cx: &mut Cx<'_>, key: &str, what: &str) -> Option<&'n Node> {
        let value = self.get(key);
        if value.is_none() {
            cx.report(
                Rule::MissingField,
                self.node,
                format!("{what} has no `{key}`"),
            )
            .hint(format!("add `{key}:`"));
        }
        value
    }
}

/// The child `key` of a mapping `node`, reported as missing from `what` when absent.
/// For nodes not opened with [`Fields`] (already checked elsewhere).
pub fn child<'n>(cx: &mut Cx<'_>, node: &'n Node, key: &str, what: &str) -> Option<&'n Node> {
    let value = node.get(key).filter(|value| !value.is_null());
    if value.is_none() {
        cx.report(Rule::MissingField, node, format!("{what} has no `{key}`"))
            .hint(format!("add `{key}:`"));
    }
    value
}

/// Longest text quoted back in a message; longer values are cut with their length noted.
const MAX_QUOTED_CHARS: usize = 80;

/// `text` as quoted in a message: cut to [`MAX_QUOTED_CHARS`] characters, so that a huge
/// value is not echoed back whole.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} bytes)", &text[..cut], text.len()))
        }
    }
}

/// The known name closest to `name`, if one is close enough to be a typo. Only candidates
/// whose length is within the accepted distance are compared (the edit distance is at
/// least the difference in length), so a huge `name` costs nothing (issue 9.9).
pub fn did_you_mean<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let longest = known
        .iter()
        .map(|candidate| candidate.len())
        .max()
        .unwrap_or(0);
    if name.len() > 2 * longest + 2 {
        return None;
    }
    let normalize = |text: &str| text.to_ascii_lowercase().replace(['_', '-'], "");
    let wanted = normalize(name);
    if let Some(exact) = known
        .iter()
        .find(|candidate| normalize(candidate) == wanted)
    {
        return Some(exact);
    }
    known
        .iter()
        .filter(|candidate| {
            normalize(candidate).len().abs_diff(wanted.len()) <= (candidate.len() / 3).max(1)
        })
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&wanted, &normalize(candidate)),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| *candidate)
}

/// A string from any scalar.
pub fn string(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    match &node.value {
        Value::Scalar { text, .. } => Some(text.clone()),
        _ => {
            cx.report(
                Rule::WrongType,
                node,
                format!("{what} must be a string, found {}", node.kind_name()),
            )
            .hint("write a single value on the same line; quote it if it contains `: `");
            None
        }
    }
}

/// A DNS-label name.
pub fn name(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    let text = string(cx, node, what)?;
    match check_name(&text) {
        Ok(()) => Some(text),
        Err(problem) => {
            cx.report(Rule::InvalidName, node, format!("{what}: {problem}"))
                .hint(format!("use `{}`", suggest_name(&text)));
            None
        }
    }
}

/// A name, reported when it is not a DNS label but returned anyway so that decoding can go
/// on and report the rest of the file in the same run.
pub fn name_lenient(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    let text = string(cx, node, what)?;
    if let Err(problem) = check_name(&text) {
        cx.report(Rule::InvalidName, node, format!("{what}: {problem}"))
            .hint(format!("use `{}`", suggest_name(&text)));
    }
    Some(text)
}

/// A duration such as `28d`.
pub fn duration(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Duration> {
    let text = string(cx, node, what)?;
    match text.parse::<Duration>() {
        Ok(value) => Some(value),
        Err(problem) => {
            cx.report(Rule::InvalidDuration, node, format!("{what}: {problem}"))
                .hint("durations are a number and a unit: ms, s, m, h, d, w (e.g. `28d`, `5m`)");
            None
        }
    }
}

/// A review interval: any duration (`180d`, `1y`), or months, quarters and years as reviews
/// are spoken of: `6mo`, `6M`, `1q`, `1Q`, `2y`, `1Y` (OpenSLO's `M`, `Q`, `Y`). A month is
/// a twelfth of a year and a quarter a fourth (365 days), so `12mo`, `4q` and `1y` agree.
pub fn review_interval(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Duration> {
    let text = string(cx, node, what)?;
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (count, unit) = trimmed.split_at(digits);
    let year = Duration::from_days(365);
    let per_unit = match unit.trim() {
        "mo" | "M" | "month" | "months" => Some(year.div(12)),
        "q" | "Q" | "quarter" | "quarters" => Some(year.div(4)),
        "Y" | "year" | "years" => Some(year),
        _ => None,
    };
    if let (Some(per_unit), Ok(count)) = (per_unit, count.parse::<u64>()) {
        if count == 0 {
            cx.report(
                Rule::InvalidDuration,
                node,
                format!("{what}: `{}` is no time at all", excerpt(&text)),
            )
            .hint("write how often the SLO is reviewed, e.g. `6mo`, `1q` or `1y`");
            return None;
        }
        return Some(per_unit.saturating_mul(count));
    }
    match text.parse::<Duration>() {
        Ok(value) if !value.is_zero() => Some(value),
        Ok(_) => {
            cx.report(
                Rule::InvalidDuration,
                node,
                format!("{what}: `{}` is no time at all", excerpt(&text)),
            )
            .hint("write how often the SLO is reviewed, e.g. `6mo`, `1q` or `1y`");
            None
        }
        Err(problem) => {
            cx.report(Rule::InvalidDuration, node, format!("{what}: {problem}"))
                .hint("a review interval is a duration (`180d`, `1y`) or months and quarters: `6mo`, `1q` (also OpenSLO's `6M`, `1Q`, `1Y`)");
            None
        }
    }
}

/// A percentage written with `%`, as the native format requires.
pub fn percent(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Ratio> {
    let text = match &node.value {
        Value::Scalar { text, .. } => text.clone(),
        _ => {
            cx.report(
                Rule::WrongType,
                node,
                format!("{what} must be a percentage, found {}", node.kind_name()),
            )
            .hint("write a percentage such as `99.9%`");
            return None;
        }
    };
    match text.parse::<Ratio>() {
        Ok(value) => Some(value),
        Err(_) => {
            let hint = match text.trim().parse::<f64>() {
                Ok(number) if number > 0.0 && number < 1.0 => {
                    format!(
                        "write `{}` (a percentage, not a fraction)",
                        Ratio::from_fraction(number)
                    )
                }
                Ok(number) => format!("write `{}%`", nines_core::ratio::format_decimal(number, 10)),
                Err(_) => "write a percentage such as `99.9%`".to_string(),
            };
            cx.report(
                Rule::InvalidPercentage,
                node,
                format!("{what}: `{}` is not a percentage", excerpt(&text)),
            )
            .hint(hint);
            None
        }
    }
}

/// A target percentage, strictly between 0% and 100%: a 100% target leaves no error
/// budget and makes every burn rate a division by zero.
pub fn target(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Ratio> {
    let value = percent(cx, node, what)?;
    let fraction = value.fraction();
    if fraction >= 1.0 {
        cx.report(
            Rule::TargetOutOfRange,
            node,
            format!("{what} {value} leaves no error budget: no SLO is 100%"),
        )
        .hint("choose a target users are happy with and that failure fits under, e.g. 99.9%");
        return None;
    }
    if fraction <= 0.0 {
        cx.report(
            Rule::TargetOutOfRange,
            node,
            format!("{what} {value} must be above 0%"),
        )
        .hint("choose a target users are happy with, e.g. 99.9%");
        return None;
    }
    Some(value)
}

/// A share in (0%, 100%]: slice targets, credits.
pub fn share(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Ratio> {
    let value = percent(cx, node, what)?;
    if value.fraction() <= 0.0 || value.fraction() > 1.0 {
        cx.report(
            Rule::TargetOutOfRange,
            node,
            format!("{what} {value} must be above 0% and at most 100%"),
        )
        .hint("e.g. 95%");
        return None;
    }
    Some(value)
}

/// A number (an unquoted scalar).
pub fn number(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<f64> {
    if let Value::Scalar { text, plain: true } = &node.value
        && let Ok(value) = text.trim().parse::<f64>()
        && value.is_finite()
        && !text.contains(|c: char| c.is_alphabetic() && c != 'e' && c != 'E')
    {
        return Some(value);
    }
    cx.report(
        Rule::WrongType,
        node,
        format!("{what} must be a number, found {}", node.kind_name()),
    )
    .hint("write a plain number such as `14.4`, without quotes");
    None
}

/// A boolean.
pub fn boolean(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<bool> {
    match node.as_scalar() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => {
            cx.report(
                Rule::WrongType,
                node,
                format!("{what} must be true or false, found {}", node.kind_name()),
            )
            .hint("write `true` or `false`");
            None
        }
    }
}

/// A list; a mapping or scalar is reported.
pub fn list<'n>(cx: &mut Cx<'_>, node: &'n Node, what: &str) -> &'n [Node] {
    match node.as_sequence() {
        Some(items) => items,
        None => {
            cx.report(
                Rule::WrongType,
                node,
                format!("{what} must be a list, found {}", node.kind_name()),
            )
            .hint("start each item with `- `");
            &[]
        }
    }
}

/// A list of strings; a single string is accepted as a one-item list.
pub fn strings(cx: &mut Cx<'_>, node: &Node, what: &str) -> Vec<String> {
    if let Some(text) = node.as_scalar() {
        return vec![text.to_string()];
    }
    list(cx, node, what)
        .iter()
        .filter_map(|item| string(cx, item, what))
        .collect()
}

/// A mapping of strings to strings (labels, annotations).
pub fn string_map(cx: &mut Cx<'_>, node: &Node, what: &str) -> Labels {
    let mut labels = Labels::new();
    let Some(entries) = node.as_mapping() else {
        cx.report(
            Rule::WrongType,
            node,
            format!("{what} must be a mapping, found {}", node.kind_name()),
        )
        .hint("write `name: value` pairs, one per line");
        return labels;
    };
    for (key, value) in entries {
        let key = key.as_scalar().unwrap_or_default().to_string();
        match &value.value {
            Value::Scalar { text, .. } => {
                labels.insert(
                    key,
                    if value.is_null() {
                        String::new()
                    } else {
                        text.clone()
                    },
                );
            }
            // OpenSLO allows a list of values per label key.
            Value::Sequence(items) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter_map(|item| string(cx, item, what))
                    .collect();
                labels.insert(key, texts.join(","));
            }
            Value::Mapping(_) => {
                cx.report(
                    Rule::WrongType,
                    value,
                    format!("{what} `{key}` must be a string, found a mapping"),
                )
                .hint("label values are plain strings");
            }
        }
    }
    labels
}

/// A calendar date, `2026-03-01`.
pub fn date(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<jiff::civil::Date> {
    let text = string(cx, node, what)?;
    match text.trim().parse::<jiff::civil::Date>() {
        Ok(value) => Some(value),
        Err(_) => {
            cx.report(
                Rule::InvalidDate,
                node,
                format!("{what}: `{}` is not a date", excerpt(&text)),
            )
            .hint("write a date as YYYY-MM-DD, e.g. `2026-03-01`");
            None
        }
    }
}

/// An instant, `2026-03-01T02:00:00Z` (an offset or `Z` is required: instants are global).
pub fn timestamp(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<jiff::Timestamp> {
    let text = string(cx, node, what)?;
    match text.trim().parse::<jiff::Timestamp>() {
        Ok(value) => Some(value),
        Err(_) => {
            cx.report(
                Rule::InvalidDate,
                node,
                format!("{what}: `{}` is not a timestamp", excerpt(&text)),
            )
            .hint("write an RFC 3339 timestamp with its offset, e.g. `2026-03-01T02:00:00Z`");
            None
        }
    }
}

/// A local time of day, `02:00`.
pub fn time_of_day(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<jiff::civil::Time> {
    let text = string(cx, node, what)?;
    match text.trim().parse::<jiff::civil::Time>() {
        Ok(value) => Some(value),
        Err(_) => {
            cx.report(
                Rule::InvalidDate,
                node,
                format!("{what}: `{}` is not a time of day", excerpt(&text)),
            )
            .hint("write a 24-hour time, e.g. `02:00`");
            None
        }
    }
}

/// An IANA time zone name, checked against the bundled time zone database.
pub fn zone(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    let text = string(cx, node, what)?;
    if check_zone(&text) {
        return Some(text);
    }
    let reported = cx.report(
        Rule::InvalidTimeZone,
        node,
        format!("{what}: `{}` is not an IANA time zone", excerpt(&text)),
    );
    match zone_suggestion(&text) {
        Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
        None => reported.hint(
            "use a name from the IANA database, e.g. `UTC`, `Europe/Paris`, `America/New_York`",
        ),
    }
    None
}

/// True when `name` is a zone in the bundled database.
pub fn check_zone(name: &str) -> bool {
    jiff::tz::db().get(name).is_ok()
}

/// Most edits between a mistyped zone name and the zone it suggests.
const MAX_ZONE_DISTANCE: usize = 3;

fn zone_suggestion(name: &str) -> Option<String> {
    // No IANA name is near this long: skip the search (issue 9.9: a 5 MB value took 169 s).
    const LONGEST_ZONE_NAME: usize = 40;
    if name.len() > LONGEST_ZONE_NAME + MAX_ZONE_DISTANCE {
        return None;
    }
    let names: Vec<String> = jiff::tz::db()
        .available()
        .map(|zone| zone.to_string())
        .collect();
    let lowered = name.to_ascii_lowercase().replace(' ', "_");
    if let Some(exact) = names
        .iter()
        .find(|candidate| candidate.to_ascii_lowercase() == lowered)
    {
        return Some(exact.clone());
    }
    names
        .iter()
        .filter(|candidate| candidate.len().abs_diff(lowered.len()) <= MAX_ZONE_DISTANCE)
        .map(|candidate| {
            (
                strsim::levenshtein(&lowered, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= MAX_ZONE_DISTANCE)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

/// Records where `field` was written in `origin`, when `node` is present.
pub fn mark(cx: &Cx<'_>, origin: &mut Origin, field: &'static str, node: Option<&Node>) {
    if let Some(node) = node {
        origin.set_field(field, cx.location(node));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_field_names() {
        let known = ["target", "window", "objectives", "errorQuery"];
        assert_eq!(did_you_mean("taget", &known), Some("target"));
        assert_eq!(did_you_mean("Target", &known), Some("target"));
        assert_eq!(did_you_mean("error_query", &known), Some("errorQuery"));
        assert_eq!(did_you_mean("objective", &known), Some("objectives"));
        assert_eq!(did_you_mean("zzz", &known), None);
    }

    #[test]
    fn knows_time_zones() {
        assert!(check_zone("Europe/Paris"));
        assert!(check_zone("UTC"));
        assert!(!check_zone("Europe/Pariss"));
        assert_eq!(
            zone_suggestion("Europe/Pariss").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            zone_suggestion("america/new york").as_deref(),
            Some("America/New_York")
        );
    }
}
