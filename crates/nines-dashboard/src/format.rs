//! Numbers and times as the pages print them.

use nines_core::report;
use nines_core::source::Millis;

/// Digits after the point of an SLI or target: enough to tell 99.95% from 99.9%.
pub const SLI_DECIMALS: usize = 3;

/// A fraction as a percentage (`99.953%`), or an em dash when unknown.
pub fn percent(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(value) if value.is_finite() => report::percent(value, decimals),
        _ => "—".to_string(),
    }
}

/// A burn rate: `14.4×`.
pub fn rate(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{}×", trim(value, 2)),
        _ => "—".to_string(),
    }
}

/// A number with at most `decimals` decimals, trailing zeros removed.
pub fn trim(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A whole count with thousands separators: `1 234 567` (thin spaces would not copy well).
pub fn count(value: f64) -> String {
    let whole = value.round() as i128;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if whole < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// An instant as RFC 3339 (what the API prints).
pub fn instant(at: Millis) -> String {
    report::timestamp(at)
}

/// An instant in short form for axes: `11-29 14:05` (UTC).
pub fn short_instant(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|ts| ts.strftime("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Parses an RFC 3339 instant the report printed.
pub fn parse_instant(text: &str) -> Option<Millis> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|ts| ts.as_millisecond())
}

/// A duration in seconds for people: `2d 4h`.
pub fn seconds(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => report::human_seconds(value),
        _ => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(0.0), "0");
        assert_eq!(trim(14.400, 2), "14.4");
        assert_eq!(trim(2.0, 2), "2");
        assert_eq!(rate(Some(1.0)), "1×");
        assert_eq!(percent(None, 2), "—");
        assert_eq!(short_instant(1_795_953_600_000), "11-29 12:00");
    }
}
