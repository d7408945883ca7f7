//! Fractions written as percentages: targets (`99.9%`), budget shares (`2%`), credits.
//!
//! People write `99.9%`; arithmetic wants `0.999`. Parsing shifts the decimal point in the
//! text rather than dividing by 100 in floating point, so `99.9%` becomes the double
//! nearest to 0.999 and prints back as `99.9%`.

use std::fmt;
use std::str::FromStr;

/// A fraction, usually in [0, 1]. Displayed as a percentage.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Ratio(f64);

/// Why a percentage was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatioError {
    /// Not a number followed by `%`.
    #[error("`{0}` is not a percentage: write e.g. `99.9%`")]
    Malformed(String),
    /// A bare number where a percentage was expected.
    #[error("`{0}` has no `%`: write `{0}%` for a percentage")]
    MissingPercent(String),
}

/// Decimal places kept when a fraction is rounded for display or complemented: enough for
/// targets such as 99.99999% (seven nines) with room to spare, few enough to hide
/// binary floating-point noise such as 1 − 0.999 = 0.0010000000000000009.
const DECIMALS: i32 = 12;

impl Ratio {
    /// Zero.
    pub const ZERO: Ratio = Ratio(0.0);
    /// One (100%).
    pub const ONE: Ratio = Ratio(1.0);

    /// From a fraction such as 0.999. Non-finite inputs become 0 so that no NaN can enter
    /// the model.
    pub fn from_fraction(fraction: f64) -> Self {
        if fraction.is_finite() {
            Ratio(fraction)
        } else {
            Ratio(0.0)
        }
    }
    /// From a percentage number such as 99.9.
    pub fn from_percent(percent: f64) -> Self {
        Self::from_fraction(round_decimals(percent / 100.0))
    }
    /// The fraction, e.g. 0.999.
    pub const fn fraction(self) -> f64 {
        self.0
    }
    /// The percentage, e.g. 99.9.
    pub fn percent(self) -> f64 {
        round_decimals(self.0 * 100.0)
    }
    /// `1 − self`, rounded to hide floating-point noise: the error budget of a target.
    pub fn complement(self) -> Ratio {
        Ratio(round_decimals(1.0 - self.0))
    }
    /// Parses a fraction written either as a percentage (`99.9%`) or as a plain number in
    /// [0, 1] (`0.999`), as OpenSLO's `target` is.
    pub fn parse_fraction_or_percent(text: &str) -> Result<Ratio, RatioError> {
        let trimmed = text.trim();
        if trimmed.ends_with('%') {
            return trimmed.parse();
        }
        parse_decimal(trimmed, 0)
            .map(Ratio)
            .ok_or_else(|| RatioError::Malformed(text.to_string()))
    }
}

impl FromStr for Ratio {
    type Err = RatioError;

    /// Parses `99.9%`, `2%`, `-5%` (negative shares appear in policy thresholds).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let Some(number) = trimmed.strip_suffix('%') else {
            if parse_decimal(trimmed, 0).is_some() {
                return Err(RatioError::MissingPercent(trimmed.to_string()));
            }
            return Err(RatioError::Malformed(text.to_string()));
        };
        parse_decimal(number.trim_end(), 2)
            .map(Ratio)
            .ok_or_else(|| RatioError::Malformed(text.to_string()))
    }
}

/// Parses a plain decimal and divides it by `10^shift` by moving the decimal point in the
/// text, so that `99.9` with shift 2 parses as the literal `0.999`.
fn parse_decimal(text: &str, shift: usize) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    let padded = format!("{}{}", "0".repeat(shift), whole);
    let split = padded.len() - shift;
    let literal = format!(
        "{}{}.{}{}",
        if negative { "-" } else { "" },
        &padded[..split],
        &padded[split..],
        fraction
    );
    literal
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

/// Rounds to [`DECIMALS`] decimal places.
fn round_decimals(value: f64) -> f64 {
    let scale = 10f64.powi(DECIMALS);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { value }
}

impl fmt::Display for Ratio {
    /// `99.9%`, `2%`, `99.95%`: the percentage with trailing zeros removed.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}%", format_decimal(self.percent(), 10))
    }
}

/// Formats with at most `places` decimals and no trailing zeros: `99.9`, `2`, `-0.5`.
pub fn format_decimal(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

impl serde::Serialize for Ratio {
    /// Serialised as the fraction (a number), which is what scripts compute with.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages_exactly() {
        assert_eq!("99.9%".parse::<Ratio>().unwrap().fraction(), 0.999);
        assert_eq!("97.123%".parse::<Ratio>().unwrap().fraction(), 0.97123);
        assert_eq!("2%".parse::<Ratio>().unwrap().fraction(), 0.02);
        assert_eq!("100%".parse::<Ratio>().unwrap().fraction(), 1.0);
        assert_eq!("-5%".parse::<Ratio>().unwrap().fraction(), -0.05);
        assert_eq!(".5%".parse::<Ratio>().unwrap().fraction(), 0.005);
    }

    #[test]
    fn refuses_numbers_without_percent_sign() {
        assert_eq!(
            "99.9".parse::<Ratio>(),
            Err(RatioError::MissingPercent("99.9".into()))
        );
        assert!(matches!(
            "abc%".parse::<Ratio>(),
            Err(RatioError::Malformed(_))
        ));
        assert!(matches!(
            "%".parse::<Ratio>(),
            Err(RatioError::Malformed(_))
        ));
        assert!(matches!(
            "1e3%".parse::<Ratio>(),
            Err(RatioError::Malformed(_))
        ));
    }

    #[test]
    fn complement_hides_floating_point_noise() {
        assert_eq!(
            "99.9%".parse::<Ratio>().unwrap().complement().fraction(),
            0.001
        );
        assert_eq!(
            "97%".parse::<Ratio>().unwrap().complement().fraction(),
            0.03
        );
    }

    #[test]
    fn displays_as_short_percentages() {
        assert_eq!(Ratio::from_fraction(0.999).to_string(), "99.9%");
        assert_eq!(Ratio::from_fraction(0.02).to_string(), "2%");
        assert_eq!(Ratio::from_fraction(0.99999).to_string(), "99.999%");
        assert_eq!(Ratio::from_fraction(f64::NAN).to_string(), "0%");
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(thousandths in 0u32..100_000) {
            let ratio = Ratio::from_fraction(f64::from(thousandths) / 100_000.0);
            let back: Ratio = ratio.to_string().parse().unwrap();
            proptest::prop_assert!((back.fraction() - ratio.fraction()).abs() < 1e-12);
        }
    }
}
