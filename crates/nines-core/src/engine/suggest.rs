//! Achievable targets from history: the strongest readable target that was met in a
//! chosen share of past windows, with the evidence.

use crate::model::{Objective, Window};
use crate::source::{DataSource, Millis, TimeRange, millis};
use crate::{Duration, Ratio};

use super::{Engine, Meter, error_ratio};

/// Targets people write, strongest first: suggestions round down to one of these.
pub const READABLE_TARGETS: [f64; 17] = [
    0.99999, 0.99995, 0.9999, 0.9995, 0.999, 0.998, 0.995, 0.99, 0.98, 0.975, 0.97, 0.95, 0.9,
    0.85, 0.8, 0.75, 0.5,
];

/// What to suggest a target for, and from which history.
#[derive(Clone, Copy, Debug)]
pub struct SuggestRequest<'a> {
    /// The service.
    pub service: &'a str,
    /// The SLO.
    pub slo: &'a str,
    /// One objective; the SLO's first when absent.
    pub objective: Option<&'a str>,
    /// Windows end no later than this.
    pub at: Millis,
    /// The history to learn from.
    pub history: TimeRange,
    /// Share of windows the target must have been met in.
    pub share: f64,
}

/// The evidence for a suggestion: attainment over each past window.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suggestion {
    /// `service/slo`.
    pub slo: String,
    /// The objective.
    pub objective: String,
    /// Share of windows the suggested target must have been met in.
    pub share: f64,
    /// Windows evaluated (only those with data count).
    pub windows: usize,
    /// Window length (rolling) or period (calendar), for the reader.
    pub window: String,
    /// The attainment the share corresponds to, before rounding.
    pub quantile: Option<f64>,
    /// The suggestion: `quantile` rounded down to a readable target.
    pub achievable: Option<f64>,
    /// The current target.
    pub current: f64,
    /// The aspirational target, if any.
    pub aspirational: Option<f64>,
    /// Aspirational minus achievable, in percentage points.
    pub gap_to_aspirational_points: Option<f64>,
    /// How many times the aspirational budget fits in the achievable one: 5 means the
    /// aspiration allows a fifth of the errors history shows is achievable.
    pub budget_ratio_to_aspirational: Option<f64>,
    /// Lowest, 10th percentile, median, 90th percentile and highest attainment.
    pub distribution: Option<[f64; 5]>,
    /// Windows per readable band: `(lower bound, windows at or above it and below the
    /// next band)`, strongest band first.
    pub histogram: Vec<(f64, usize)>,
}

fn readable_floor(value: f64) -> Option<f64> {
    READABLE_TARGETS
        .iter()
        .copied()
        .find(|target| *target <= value + 1e-12)
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    let position = ((sorted.len() - 1) as f64 * share).round() as usize;
    sorted[position.min(sorted.len() - 1)]
}

impl Engine<'_> {
    /// Suggests an achievable target for an objective from the history in `history`,
    /// evaluated at windows ending up to `at`. Rolling windows slide by a day (or by
    /// their length when shorter); calendar windows take each complete past period.
    pub fn suggest(
        &self,
        source: &dyn DataSource,
        request: &SuggestRequest<'_>,
    ) -> Option<Suggestion> {
        let SuggestRequest {
            service,
            slo: slo_name,
            objective,
            at,
            history,
            share,
        } = *request;
        let plan = self
            .plans
            .iter()
            .find(|plan| plan.slo.service == service && plan.slo.name == slo_name)?;
        let measured = match objective {
            Some(name) => plan
                .objectives
                .iter()
                .find(|measured| measured.objective.name == name)?,
            None => plan.objectives.first()?,
        };
        let spec: &Objective = &measured.objective;
        let windows: Vec<TimeRange> = match &plan.slo.window {
            Window::Rolling { length } => {
                let length_ms = millis(*length);
                let step = millis(Duration::from_days(1)).min(length_ms).max(1);
                let mut ends = Vec::new();
                let mut end = at.min(history.end);
                while end - length_ms >= history.start && ends.len() < 10_000 {
                    ends.push(end);
                    end -= step;
                }
                ends.into_iter()
                    .map(|end| TimeRange::new(end - length_ms, end))
                    .collect()
            }
            Window::Calendar {
                unit,
                count,
                zone,
                anchor,
            } => {
                super::calendar::previous_periods(*unit, *count, &self.zone(zone), *anchor, at, 120)
                    .into_iter()
                    .filter(|period| period.start >= history.start)
                    .collect()
            }
        };
        let meter = Meter {
            source,
            exclusions: &[],
            at,
        };
        let mut attainments: Vec<f64> = windows
            .iter()
            .filter_map(|window| meter.measure(measured, *window).ok())
            .filter_map(|measure| error_ratio(&measure, &measured.budgeting))
            .map(|error| 1.0 - error)
            .collect();
        attainments.sort_by(|a, b| b.total_cmp(a));
        let quantile = (!attainments.is_empty()).then(|| {
            let needed =
                ((share * attainments.len() as f64).ceil() as usize).clamp(1, attainments.len());
            attainments[needed - 1]
        });
        let achievable = quantile.and_then(readable_floor);
        let aspirational = spec.aspirational.map(Ratio::fraction);
        let ascending: Vec<f64> = attainments.iter().rev().copied().collect();
        let distribution = (!ascending.is_empty()).then(|| {
            [
                ascending[0],
                percentile(&ascending, 0.1),
                percentile(&ascending, 0.5),
                percentile(&ascending, 0.9),
                ascending[ascending.len() - 1],
            ]
        });
        let mut histogram: Vec<(f64, usize)> = Vec::new();
        for value in &attainments {
            let band = readable_floor(*value).unwrap_or(0.0);
            match histogram.iter_mut().find(|(bound, _)| *bound == band) {
                Some(entry) => entry.1 += 1,
                None => histogram.push((band, 1)),
            }
        }
        let window = match &plan.slo.window {
            Window::Rolling { length } => length.to_string(),
            other => other.to_string(),
        };
        Some(Suggestion {
            slo: plan.slo.qualified_name(),
            objective: spec.name.clone(),
            share,
            windows: attainments.len(),
            window,
            quantile,
            achievable,
            current: spec.target.fraction(),
            aspirational,
            gap_to_aspirational_points: aspirational
                .zip(achievable)
                .map(|(aspirational, achievable)| (aspirational - achievable) * 100.0),
            budget_ratio_to_aspirational: aspirational
                .zip(achievable)
                .filter(|(aspirational, _)| *aspirational < 1.0)
                .map(|(aspirational, achievable)| (1.0 - achievable) / (1.0 - aspirational)),
            distribution,
            histogram,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_down_to_readable_targets() {
        assert_eq!(readable_floor(0.99937), Some(0.999));
        assert_eq!(readable_floor(0.9999), Some(0.9999));
        assert_eq!(readable_floor(0.9731), Some(0.97));
        assert_eq!(readable_floor(0.42), None);
    }
}
