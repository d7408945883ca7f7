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
