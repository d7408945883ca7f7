//! Statistics for small samples.

/// The 95% normal quantile.
const Z_95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of `successes` out of `trials`, or `None` without
/// trials. Unlike the normal approximation it stays inside [0, 1] and is honest for
/// small samples and ratios near 1, which is where SLIs live.
pub fn wilson_interval(successes: f64, trials: f64) -> Option<(f64, f64)> {
    if trials.is_nan() || trials <= 0.0 || !successes.is_finite() || !trials.is_finite() {
        return None;
    }
    let p = (successes / trials).clamp(0.0, 1.0);
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / trials;
    let center = (p + z2 / (2.0 * trials)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt() / denominator;
    let (low, high) = (
        (center - half).clamp(0.0, 1.0),
        (center + half).clamp(0.0, 1.0),
    );
    (low.is_finite() && high.is_finite()).then_some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_textbook_values() {
        // 9 of 10: Wilson 95% interval (0.5958, 0.9821).
        let (low, high) = wilson_interval(9.0, 10.0).unwrap();
        assert!(
            (low - 0.5958).abs() < 1e-4 && (high - 0.9821).abs() < 1e-4,
            "{low} {high}"
        );
        // All good in 10 trials: the upper bound is 1, the lower one well below.
        let (low, high) = wilson_interval(10.0, 10.0).unwrap();
        assert!(
            (high - 1.0).abs() < 1e-12 && (low - 0.7225).abs() < 1e-4,
            "{low}"
        );
        // A million requests pin the SLI down.
        let (low, high) = wilson_interval(999_000.0, 1_000_000.0).unwrap();
        assert!(high - low < 1.3e-4);
        assert_eq!(wilson_interval(0.0, 0.0), None);
    }
}

/// Significant digits kept in figures derived by floating-point arithmetic (burn-rate
/// factors, margins, budgets) before they are shown: twelve keep every digit a count or
/// a target can carry and drop the binary noise of the last two (`0.05 × 112` is
/// `5.6000000000000005`, `0.999 − 0.995` is `0.0040000000000000036`; issue 8.14).
pub const SIGNIFICANT_DIGITS: i32 = 12;

/// `value` rounded to `digits` significant digits, so that it prints as people write it
/// (`5.6`, `0.004`, `0.933333333333`); zero, non-finite values and values too small to
/// scale come back unchanged.
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let exponent = digits - 1 - magnitude;
    if exponent.abs() > 300 {
        return value;
    }
    // Multiply or divide by an exact power of ten (up to 10^22), so the last step is one
    // correctly rounded operation.
    let rounded = if exponent >= 0 {
        let scale = 10f64.powi(exponent);
        (value * scale).round() / scale
    } else {
        let scale = 10f64.powi(-exponent);
        (value / scale).round() * scale
    };
    if rounded.is_finite() { rounded } else { value }
}

/// [`round_significant`] to [`SIGNIFICANT_DIGITS`].
pub fn tidy(value: f64) -> f64 {
    round_significant(value, SIGNIFICANT_DIGITS)
}

#[cfg(test)]
mod significant_tests {
    use super::*;

    // issue 8.14: the noise seen in `nines report --output json`.
    #[test]
    fn rounding_to_significant_digits_removes_binary_noise() {
        assert_eq!(tidy(0.05 * 112.0).to_string(), "5.6");
        assert_eq!(tidy(0.999 - 0.995).to_string(), "0.004");
        assert_eq!(tidy(0.1 * 28.0 / 3.0).to_string(), "0.933333333333");
        assert_eq!(
            tidy(-0.126_126_126_126_126_13).to_string(),
            "-0.126126126126"
        );
        assert_eq!(tidy(3_663_253.0 * 0.03).to_string(), "109897.59");
        assert_eq!(tidy(0.0), 0.0);
        assert_eq!(round_significant(123_456.0, 2), 120_000.0);
        assert_eq!(tidy(f64::MIN_POSITIVE), f64::MIN_POSITIVE);
    }
}
