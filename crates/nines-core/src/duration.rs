//! Durations as people write them in SLO specs: `28d`, `1h30m`, `250ms`.
//!
//! Held as whole milliseconds so that window arithmetic is exact: a 30-day window is
//! exactly 2,592,000,000 ms and 12 five-minute windows make exactly one hour. Floating
//! point seconds would make "is the short window shorter than the long one" fragile.

use std::fmt;
use std::str::FromStr;

/// A non-negative length of time with millisecond resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

/// Why a duration string was refused. The message names the offending part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing to parse.
    #[error("empty duration")]
    Empty,
    /// A number was not followed by a unit.
    #[error("`{0}` has no unit: write e.g. `{0}m`, `{0}h` or `{0}d`")]
    MissingUnit(String),
    /// A unit we do not know.
    #[error("unknown unit `{unit}` in `{input}`: use ms, s, m, h, d, w or y")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole input.
        input: String,
    },
    /// A character that is neither a digit nor a unit letter.
    #[error("`{0}` is not a duration: write e.g. `28d`, `1h30m` or `250ms`")]
    Malformed(String),
    /// Larger than any window we can represent.
    #[error("`{0}` is too long")]
    Overflow(String),
    /// Finer than a millisecond.
    #[error("`{0}` is finer than one millisecond")]
    TooFine(String),
}

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;
const MS_PER_WEEK: u64 = 7 * MS_PER_DAY;
/// A "year" in a duration is 365 days. Calendar years are a [`crate::Window`] concept;
/// as a plain length (a review interval, say) 365 days is what people mean.
const MS_PER_YEAR: u64 = 365 * MS_PER_DAY;

/// Units in display order, largest first.
const UNITS: [(&str, u64); 7] = [
    ("y", MS_PER_YEAR),
    ("w", MS_PER_WEEK),
    ("d", MS_PER_DAY),
    ("h", MS_PER_HOUR),
    ("m", MS_PER_MINUTE),
    ("s", MS_PER_SECOND),
    ("ms", 1),
];

impl Duration {
    /// Zero length.
    pub const ZERO: Duration = Duration { millis: 0 };

    /// From whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Duration { millis }
    }
    /// From whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration {
            millis: secs * MS_PER_SECOND,
        }
    }
    /// From whole minutes.
    pub const fn from_minutes(minutes: u64) -> Self {
        Duration {
            millis: minutes * MS_PER_MINUTE,
        }
    }
    /// From whole hours.
    pub const fn from_hours(hours: u64) -> Self {
        Duration {
            millis: hours * MS_PER_HOUR,
        }
    }
    /// From whole days.
    pub const fn from_days(days: u64) -> Self {
        Duration {
            millis: days * MS_PER_DAY,
        }
    }
    /// From whole weeks.
    pub const fn from_weeks(weeks: u64) -> Self {
        Duration {
            millis: weeks * MS_PER_WEEK,
        }
    }

    /// Whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
    /// Seconds, as a float for rate arithmetic.
    pub fn as_secs_f64(self) -> f64 {
        self.millis as f64 / MS_PER_SECOND as f64
    }
    /// Whole seconds, rounded down.
    pub const fn as_secs(self) -> u64 {
        self.millis / MS_PER_SECOND
    }
    /// True for a zero length.
    pub const fn is_zero(self) -> bool {
        self.millis == 0
    }
    /// True when the duration is a whole number of minutes (what rolling windows need).
    pub const fn is_whole_minutes(self) -> bool {
        self.millis.is_multiple_of(MS_PER_MINUTE)
    }
    /// True when `self` divides `other` exactly (a slice length and its window, say).
    pub const fn divides(self, other: Duration) -> bool {
        self.millis != 0 && other.millis.is_multiple_of(self.millis)
    }
    /// `self / other` as a float; 0 when `other` is zero, so callers never see NaN.
    pub fn ratio_to(self, other: Duration) -> f64 {
        if other.millis == 0 {
            0.0
        } else {
            self.millis as f64 / other.millis as f64
        }
    }
    /// Sum, saturating instead of overflowing.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration {
            millis: self.millis.saturating_add(other.millis),
        }
    }
    /// Difference, zero when `other` is longer.
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration {
            millis: self.millis.saturating_sub(other.millis),
        }
    }
    /// Multiply by a whole number, saturating.
    pub const fn saturating_mul(self, times: u64) -> Duration {
        Duration {
            millis: self.millis.saturating_mul(times),
        }
    }
    /// Divide by a whole number (rounding down); dividing by zero gives zero.
    pub const fn div(self, by: u64) -> Duration {
        match self.millis.checked_div(by) {
            Some(millis) => Duration { millis },
            None => Duration::ZERO,
        }
    }
    /// As a jiff signed duration for timestamp arithmetic.
    pub fn to_signed(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_millis(i64::try_from(self.millis).unwrap_or(i64::MAX))
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    /// Parses one or more `<number><unit>` groups: `28d`, `1h30m`, `1.5h`, `250ms`.
    /// Units: `ms`, `s`, `m`, `h`, `d`, `w`, `y` (365 days).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        let bytes = text.as_bytes();
        let mut position = 0;
        let mut total: u64 = 0;
        while position < bytes.len() {
            let number_start = position;
            while position < bytes.len()
                && (bytes[position].is_ascii_digit() || bytes[position] == b'.')
            {
                position += 1;
            }
            let number = &text[number_start..position];
            if number.is_empty() {
                return Err(DurationError::Malformed(input.to_string()));
            }
            let unit_start = position;
            while position < bytes.len() && bytes[position].is_ascii_alphabetic() {
                position += 1;
            }
            let unit = &text[unit_start..position];
            if unit.is_empty() {
                if position < bytes.len() {
                    return Err(DurationError::Malformed(input.to_string()));
                }
                return Err(DurationError::MissingUnit(number.to_string()));
            }
            let scale = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(|| DurationError::UnknownUnit {
                    unit: unit.to_string(),
                    input: input.to_string(),
                })?;
            total = total
                .checked_add(scale_number(number, scale, input)?)
                .ok_or_else(|| DurationError::Overflow(input.to_string()))?;
        }
        Ok(Duration { millis: total })
    }
}

/// `number × scale` exactly, for a decimal `number` such as `1.5`.
fn scale_number(number: &str, scale: u64, input: &str) -> Result<u64, DurationError> {
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return Err(DurationError::Malformed(input.to_string()));
    }
    let overflow = || DurationError::Overflow(input.to_string());
    let whole_value: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| overflow())?
    };
    let mut millis = whole_value.checked_mul(scale).ok_or_else(overflow)?;
    if !fraction.is_empty() {
        if fraction.len() > 12 {
            return Err(DurationError::TooFine(input.to_string()));
        }
        let digits: u64 = fraction.parse().map_err(|_| overflow())?;
        let denominator = 10u64.pow(fraction.len() as u32);
        let scaled = u128::from(digits) * u128::from(scale);
        if scaled % u128::from(denominator) != 0 {
            return Err(DurationError::TooFine(input.to_string()));
        }
        let part = u64::try_from(scaled / u128::from(denominator)).map_err(|_| overflow())?;
        millis = millis.checked_add(part).ok_or_else(overflow)?;
    }
    Ok(millis)
}

impl fmt::Display for Duration {
    /// The shortest exact spelling: `28d`, `1h30m`, `250ms`, `0s`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            return formatter.write_str("0s");
        }
        // The largest unit that divides exactly, up to days: `28d` (what SREs say, rather than
        // `4w`), `90m` rather than `1h30m`. A single unit is also what Prometheus accepts in a
        // range selector.
        let (name, scale) = UNITS[2..]
            .iter()
            .find(|(_, scale)| self.millis.is_multiple_of(*scale))
            .copied()
            .unwrap_or(("ms", 1));
        write!(formatter, "{}{}", self.millis / scale, name)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        assert_eq!("28d".parse::<Duration>().unwrap(), Duration::from_days(28));
        assert_eq!(
            "1h30m".parse::<Duration>().unwrap(),
            Duration::from_minutes(90)
        );
        assert_eq!(
            "250ms".parse::<Duration>().unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            "1.5h".parse::<Duration>().unwrap(),
            Duration::from_minutes(90)
        );
        assert_eq!(
            "0.3s".parse::<Duration>().unwrap(),
            Duration::from_millis(300)
        );
        assert_eq!("1y".parse::<Duration>().unwrap(), Duration::from_days(365));
        assert_eq!("2w".parse::<Duration>().unwrap(), Duration::from_days(14));
    }

    #[test]
    fn refuses_malformed_input_with_a_reason() {
        assert_eq!("".parse::<Duration>(), Err(DurationError::Empty));
        assert!(matches!(
            "30".parse::<Duration>(),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            "3x".parse::<Duration>(),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            "d".parse::<Duration>(),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            "1..5h".parse::<Duration>(),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            "0.0001s".parse::<Duration>(),
            Err(DurationError::TooFine(_))
        ));
        assert!(matches!(
            "99999999999999999999d".parse::<Duration>(),
            Err(DurationError::Overflow(_))
        ));
        assert!(matches!(
            "-5m".parse::<Duration>(),
            Err(DurationError::Malformed(_))
        ));
    }

    #[test]
    fn displays_the_shortest_exact_spelling() {
        assert_eq!(Duration::from_days(28).to_string(), "28d");
        assert_eq!(Duration::from_days(365).to_string(), "365d");
        assert_eq!(Duration::from_days(30).to_string(), "30d");
        assert_eq!(Duration::from_minutes(90).to_string(), "90m");
        assert_eq!(Duration::from_millis(250).to_string(), "250ms");
        assert_eq!(Duration::from_millis(1500).to_string(), "1500ms");
        assert_eq!(Duration::ZERO.to_string(), "0s");
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(millis in 0u64..10_000_000_000_000) {
            let duration = Duration::from_millis(millis);
            proptest::prop_assert_eq!(duration.to_string().parse::<Duration>().unwrap(), duration);
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = input.parse::<Duration>();
        }
    }
}
