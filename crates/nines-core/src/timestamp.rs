//! Timestamps as people and programs write them, and the one range nines accepts.
//!
//! Every timestamp that enters nines (an event, a counts record, a remote-write sample, an
//! `at=` query, `--at`, a period bound) is checked against [`EARLIEST`] and [`LATEST`] where
//! it enters, so no arithmetic further in (window starts, chunk indexes, calendar periods)
//! ever sees a value it cannot represent. Data is further refused when it lies in the future
//! beyond a small skew; that check needs a clock and lives with the code that has one.

use crate::source::Millis;

/// 2000-01-01T00:00:00Z: nothing an SLO measures today is older; a timestamp before it is
/// almost always seconds read as milliseconds or a zero value.
pub const EARLIEST: Millis = 946_684_800_000;

/// 2100-01-01T00:00:00Z (exclusive): far enough ahead for any `at` or period a team asks
/// about, near enough that window and chunk arithmetic never overflows.
pub const LATEST: Millis = 4_102_444_800_000;

/// The documented range, for messages.
pub const RANGE_TEXT: &str = "2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z";

/// Why a timestamp was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not RFC 3339, a date, Unix seconds or Unix milliseconds.
    #[error("`{0}` is not a timestamp: use RFC 3339 (2026-11-01T00:00:00Z) or Unix seconds")]
    Malformed(String),
    /// Parsed, but outside [`EARLIEST`]..[`LATEST`].
    #[error("`{0}` is outside the accepted range ({RANGE_TEXT})")]
    OutOfRange(String),
}

/// Checks that `millis` lies in the accepted range.
pub fn check(millis: Millis) -> Result<Millis, TimestampError> {
    if (EARLIEST..LATEST).contains(&millis) {
        Ok(millis)
    } else {
        Err(TimestampError::OutOfRange(format_millis(millis)))
    }
}

/// True when `millis` lies in the accepted range.
pub fn in_range(millis: Millis) -> bool {
    (EARLIEST..LATEST).contains(&millis)
}

/// Parses RFC 3339, Unix seconds (with an optional fraction), or Unix milliseconds (13
/// digits or more), and checks the range.
pub fn parse(text: &str) -> Result<Millis, TimestampError> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        let value: f64 = text
            .parse()
            .map_err(|_| TimestampError::Malformed(text.to_string()))?;
        let whole_digits = text
            .split('.')
            .next()
            .unwrap_or_default()
            .trim_start_matches('-')
            .len();
        let millis = if whole_digits >= 13 {
            value
        } else {
            value * 1000.0
        };
        if !millis.is_finite() || millis.abs() >= 1e16 {
            return Err(TimestampError::OutOfRange(text.to_string()));
        }
        let millis = millis.round() as Millis;
        return if in_range(millis) {
            Ok(millis)
        } else {
            Err(TimestampError::OutOfRange(text.to_string()))
        };
    }
    let millis = match text.parse::<jiff::Timestamp>() {
        Ok(timestamp) => timestamp.as_millisecond(),
        // An RFC 3339 form whose year lies outside the range (jiff's own range ends in
        // 9999, before the offset is applied) is out of range, not malformed.
        Err(_) if year_outside_range(text) => {
            return Err(TimestampError::OutOfRange(text.to_string()));
        }
        Err(_) => return Err(TimestampError::Malformed(text.to_string())),
    };
    if in_range(millis) {
        Ok(millis)
    } else {
        Err(TimestampError::OutOfRange(text.to_string()))
    }
}

/// True for text shaped like `YYYY-MM-DDT...` whose year lies outside 2000-2099.
fn year_outside_range(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 11 || bytes[4] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
        return false;
    }
    match text[..4].parse::<u32>() {
        Ok(year) => !(2000..2100).contains(&year),
        Err(_) => false,
    }
}

/// RFC 3339 in UTC with seconds (and milliseconds when not whole), or the raw number when
/// it cannot be represented.
pub fn format_millis(millis: Millis) -> String {
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(timestamp) if millis % 1000 == 0 => {
            format!("{}", timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
        }
        Ok(timestamp) => format!("{}", timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")),
        Err(_) => format!("{millis} ms since the epoch"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_people_write() {
        assert_eq!(parse("2026-11-01T00:00:00Z"), Ok(1_793_491_200_000));
        assert_eq!(parse("1793491200"), Ok(1_793_491_200_000));
        assert_eq!(parse("1793491200.5"), Ok(1_793_491_200_500));
        assert_eq!(parse("1793491200000"), Ok(1_793_491_200_000));
    }

    #[test]
    fn refuses_far_future_and_far_past_in_one_range() {
        // issue 9.8: `253402300799` and `9999-12-31T...` get the same clear refusal.
        assert!(matches!(
            parse("253402300799"),
            Err(TimestampError::OutOfRange(_))
        ));
        assert!(matches!(
            parse("9999-12-31T23:59:59Z"),
            Err(TimestampError::OutOfRange(_))
        ));
        assert!(matches!(parse("0"), Err(TimestampError::OutOfRange(_))));
        assert!(matches!(parse("1e400"), Err(TimestampError::Malformed(_))));
        assert!(matches!(
            parse("yesterday"),
            Err(TimestampError::Malformed(_))
        ));
        assert_eq!(check(LATEST - 1), Ok(LATEST - 1));
        assert!(check(LATEST).is_err());
        assert!(check(EARLIEST - 1).is_err());
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_millis(1_793_491_200_000), "2026-11-01T00:00:00Z");
        assert_eq!(format_millis(1_793_491_200_250), "2026-11-01T00:00:00.250Z");
        assert_eq!(parse(&format_millis(EARLIEST)), Ok(EARLIEST));
    }
}
