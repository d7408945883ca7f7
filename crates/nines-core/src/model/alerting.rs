//! Multi-window, multi-burn-rate alerting (SRE Workbook, "Alerting on SLOs").

use crate::model::{Labels, Origin};
use crate::{Duration, Ratio};

/// How an SLO alerts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Alerting {
    /// False when alerting is switched off for this SLO.
    pub disabled: bool,
    /// The burn-rate table; empty means [`Alerting::default_windows`].
    pub windows: Vec<BurnRateWindow>,
    /// Notification targets by name.
    pub notify: Vec<String>,
    /// Runbook link added to every alert.
    pub runbook: Option<String>,
    /// Dashboard link added to every alert.
    pub dashboard: Option<String>,
    /// Extra labels on every alert.
    pub labels: Labels,
    /// Extra annotations on every alert.
    pub annotations: Labels,
    /// The alert name in generated rules (Sloth's `alerting.name`, Pyrra's
    /// `alerting.name`); derived from the SLO when absent.
    pub name: Option<String>,
    /// The no-data alert of generated rules (Pyrra's `absent` alert): on unless disabled.
    pub no_data: NoDataAlert,
}

/// The alert generated rules raise when an SLI's metrics have no series at all (a broken
/// scrape or exporter), which burn-rate alerts cannot see: without data no ratio is
/// recorded and nothing burns. Pyrra's `alerting.absent`, `absentName` and
/// `severities.absent`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NoDataAlert {
    /// True when the spec switches the alert off (Pyrra `absent: false`).
    pub disabled: bool,
    /// The alert name (Pyrra `absentName`); derived from the SLO when absent.
    pub name: Option<String>,
    /// The `severity` label; the most urgent burn-rate row's when absent.
    pub severity: Option<String>,
}

/// One row of a burn-rate table: alert when both windows burn faster than the threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct BurnRateWindow {
    /// Where it was written.
    pub origin: Origin,
    /// Name of the row, for alert names; derived from severity and window when absent.
    pub name: Option<String>,
    /// `page`, `ticket` or any severity the user's routing knows.
    pub severity: String,
    /// The long window, which measures how much budget is being spent.
    pub long: Duration,
    /// The short window, which makes the alert reset soon after the errors stop.
    pub short: Duration,
    /// The burn rate both windows must exceed.
    pub threshold: BurnThreshold,
    /// How long the condition must hold before the alert fires (Prometheus `for:`).
    pub for_duration: Option<Duration>,
    /// Labels added to this row's alerts (routing keys, `severity: critical`...).
    pub labels: Labels,
    /// Annotations added to this row's alerts.
    pub annotations: Labels,
}

/// A burn-rate threshold, as a rate or as a share of budget spent within the long window.
#[derive(Clone, Debug, PartialEq)]
pub enum BurnThreshold {
    /// Burn rate, e.g. 14.4.
    Factor(f64),
    /// Share of the whole window's budget spent within the long window, e.g. 2%.
    BudgetShare(Ratio),
}

impl BurnRateWindow {
    /// The burn-rate factor for an SLO window of `slo_window`:
    /// `factor = share × window / long` (SRE Workbook), to twelve significant digits so
    /// that 5% over 28 days in 6 hours is `5.6`, not `5.6000000000000005` (issue 8.14).
    pub fn factor(&self, slo_window: Duration) -> f64 {
        match &self.threshold {
            BurnThreshold::Factor(factor) => *factor,
            BurnThreshold::BudgetShare(share) => {
                crate::engine::tidy(share.fraction() * slo_window.ratio_to(self.long))
            }
        }
    }
    /// The share of the window's budget this row lets burn within its long window:
    /// `share = factor × long / window`.
    pub fn budget_share(&self, slo_window: Duration) -> f64 {
        match &self.threshold {
            BurnThreshold::Factor(factor) => factor * self.long.ratio_to(slo_window),
            BurnThreshold::BudgetShare(share) => share.fraction(),
        }
    }
    /// A name for the row: its own, or `page-1h` style.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", self.severity, self.long))
    }
}

impl Alerting {
    /// The SRE Workbook's four rows, as budget shares so they scale with any window:
    /// page on 2% in 1h (short 5m) and 5% in 6h (30m); ticket on 10% in 1d (2h) and
    /// 10% in 3d (6h). For a 30-day window these are the factors 14.4, 6, 3 and 1.
    pub fn default_windows() -> Vec<BurnRateWindow> {
        let row = |severity: &str, long: Duration, short: Duration, percent: f64| BurnRateWindow {
            origin: Origin::default(),
            name: None,
            severity: severity.to_string(),
            long,
            short,
            threshold: BurnThreshold::BudgetShare(Ratio::from_percent(percent)),
            for_duration: None,
            labels: Labels::new(),
            annotations: Labels::new(),
        };
        vec![
            row(
                "page",
                Duration::from_hours(1),
                Duration::from_minutes(5),
                2.0,
            ),
            row(
                "page",
                Duration::from_hours(6),
                Duration::from_minutes(30),
                5.0,
            ),
            row(
                "ticket",
                Duration::from_days(1),
                Duration::from_hours(2),
                10.0,
            ),
            row(
                "ticket",
                Duration::from_days(3),
                Duration::from_hours(6),
                10.0,
            ),
        ]
    }
    /// The rows in force for an SLO window of `slo_window`: the SLO's own, or the
    /// defaults whose long window fits in the SLO window (a 3-day look-back means nothing
    /// for a 1-day SLO).
    pub fn effective_windows(&self, slo_window: Duration) -> Vec<BurnRateWindow> {
        if self.disabled {
            Vec::new()
        } else if self.windows.is_empty() {
            let mut rows = Self::default_windows();
            rows.retain(|row| row.long <= slo_window);
            rows
        } else {
            self.windows.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_factors_match_the_sre_workbook() {
        let thirty_days = Duration::from_days(30);
        let factors: Vec<f64> = Alerting::default_windows()
            .iter()
            .map(|row| row.factor(thirty_days))
            .collect();
        let expected = [14.4, 6.0, 3.0, 1.0];
        for (factor, expected) in factors.iter().zip(expected) {
            assert!((factor - expected).abs() < 1e-9, "{factor} != {expected}");
        }
        let twenty_eight_days = Duration::from_days(28);
        let factors: Vec<f64> = Alerting::default_windows()
            .iter()
            .map(|row| row.factor(twenty_eight_days))
            .collect();
        for (factor, expected) in factors.iter().zip([13.44, 5.6, 2.8, 0.9333333333]) {
            assert!((factor - expected).abs() < 1e-9, "{factor} != {expected}");
        }
    }

    // issue 8.14: the factors print as people write them.
    #[test]
    fn factors_print_without_floating_point_noise() {
        let printed: Vec<String> = Alerting::default_windows()
            .iter()
            .map(|row| row.factor(Duration::from_days(28)).to_string())
            .collect();
        assert_eq!(printed, ["13.44", "5.6", "2.8", "0.933333333333"]);
        let printed: Vec<String> = Alerting::default_windows()
            .iter()
            .map(|row| row.factor(Duration::from_days(30)).to_string())
            .collect();
        assert_eq!(printed, ["14.4", "6", "3", "1"]);
    }
}
