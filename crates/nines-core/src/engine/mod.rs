//! The error budget engine: from a catalog and counts to statuses, at an instant.
//!
//! Pure arithmetic over a [`DataSource`]: the SLI over the window with its confidence
//! interval, the budget in events or slices, burn rates over fixed windows, time to
//! exhaustion, each alert row evaluated long-and-short, the policy state, the SLA's
//! attainment and credit, the aspirational target, and data quality. Formulas follow
//! the SRE Workbook (see `docs/engine.md`); every division is guarded so that no NaN or
//! infinity reaches a status.

pub mod calendar;
mod stats;
mod status;
pub mod suggest;

use std::collections::HashMap;

pub use stats::{SIGNIFICANT_DIGITS, round_significant, tidy, wilson_interval};
pub use status::{
    AlertStatus, BURN_WINDOW_LABELS, Budget, BudgetUnit, BurnRates, DataQuality, Freshness,
    MemberStatus, ObjectiveStatus, PolicyReason, PolicyStatus, SlaStatus, SloStatus,
};

use crate::Duration;
use crate::model::{
    Budgeting, BurnRateWindow, Catalog, Condition, ErrorBudgetPolicy, Indicator, MemberSource,
    NoData, Objective, Sla, SliKind, Slo, Window,
};
use crate::source::{
    Counts, DataError, DataSource, Millis, SliceCounts, SliceRule, TimeRange, millis,
};

/// The windows of [`BURN_WINDOW_LABELS`].
pub const BURN_WINDOWS: [Duration; 7] = [
    Duration::from_minutes(5),
    Duration::from_minutes(30),
    Duration::from_hours(1),
    Duration::from_hours(2),
    Duration::from_hours(6),
    Duration::from_days(1),
    Duration::from_days(3),
];

/// The burn rate that "current" means for time to exhaustion: one hour, long enough not
/// to swing with every minute, short enough to reflect what is happening now.
pub const CURRENT_BURN_WINDOW: Duration = Duration::from_hours(1);

/// Tunables of the engine.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Options {
    /// Valid events below which a window counts as low traffic. By default
    /// `10 / (1 − target)`: fewer events than that and one bad event spends more than a
    /// tenth of the budget.
    pub low_traffic_events: Option<f64>,
}

/// How an objective's time slices are judged, for time-slice budgeting.
pub fn slice_plan(slo: &Slo, objective: &Objective) -> Option<(Duration, SliceRule)> {
    let threshold = slo
        .sli()
        .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. }));
    slice_plan_for(&slo.budgeting, objective, threshold)
}

fn slice_plan_for(
    budgeting: &Budgeting,
    objective: &Objective,
    threshold: bool,
) -> Option<(Duration, SliceRule)> {
    match budgeting {
        Budgeting::Occurrences => None,
        Budgeting::Timeslices { slice } => Some((
            *slice,
            match objective.slice_target {
                Some(target) => SliceRule::RatioAtLeast(target.fraction()),
                None if threshold => SliceRule::AllGood,
                None => SliceRule::RatioAtLeast(1.0),
            },
        )),
        // Ratio-timeslices reads only the ratio sums, which do not depend on the rule.
        Budgeting::RatioTimeslices { slice } => Some((*slice, SliceRule::AllGood)),
    }
}

/// What one objective (or composite member) needs at evaluation time.
#[derive(Clone, Debug)]
struct Measured {
    objective: Objective,
    series: String,
    budgeting: Budgeting,
    slice: Option<(Duration, SliceRule)>,
}

#[derive(Clone, Debug)]
struct Member {
    name: String,
    weight: f64,
    measured: Measured,
}

/// Everything about an SLO that does not depend on the instant, computed once.
#[derive(Clone, Debug)]
struct Plan<'c> {
    slo: &'c Slo,
    objectives: Vec<Measured>,
    /// For composites: the composite's own objective (or the weighted mean of its
    /// members' targets) and a name for its series.
    composite: Option<Measured>,
    rows: Vec<BurnRateWindow>,
    window_length: Duration,
    policy: Option<&'c ErrorBudgetPolicy>,
    sla: Option<&'c Sla>,
    members: Vec<Member>,
    /// The rule for missing data in force.
    no_data: NoData,
}

/// Evaluates a catalog's SLOs against a data source.
#[derive(Debug)]
pub struct Engine<'c> {
    options: Options,
    plans: Vec<Plan<'c>>,
    zones: HashMap<String, jiff::tz::TimeZone>,
}

impl<'c> Engine<'c> {
    /// Plans every SLO of `catalog` once; evaluation then reads counts only.
    pub fn new(catalog: &'c Catalog, options: Options) -> Self {
        let mut zones = HashMap::new();
        let mut remember_zone = |window: &Window| {
            if let Window::Calendar { zone, .. } = window {
                zones
                    .entry(zone.clone())
                    .or_insert_with(|| calendar::zone(zone));
            }
        };
        let mut plans = Vec::with_capacity(catalog.slos.len());
        for slo in &catalog.slos {
            remember_zone(&slo.window);
            let sla = catalog.sla_of(slo);
            if let Some(sla) = sla {
                remember_zone(&sla.window);
            }
            plans.push(plan(catalog, slo, sla));
        }
        Engine {
            options,
            plans,
            zones,
        }
    }

    /// The SLOs planned, in catalog order.
    pub fn slos(&self) -> impl Iterator<Item = &'c Slo> + '_ {
        self.plans.iter().map(|plan| plan.slo)
    }

    /// The status of every SLO at `at`. Statuses borrow from the engine, so a status
    /// copies no names, rows or series keys.
    pub fn evaluate_all<'e>(&'e self, source: &dyn DataSource, at: Millis) -> Vec<SloStatus<'e>> {
        let mut periods = Periods::default();
        let mut statuses = Vec::with_capacity(self.plans.len());
        for index in 0..self.plans.len() {
            statuses.push(self.evaluate_index(source, index, at, &mut periods));
        }
        statuses
    }

    /// The status of one SLO at `at`, if the catalog has it.
    pub fn evaluate<'e>(
        &'e self,
        source: &dyn DataSource,
        service: &str,
        slo: &str,
        at: Millis,
    ) -> Option<SloStatus<'e>> {
        let index = self
            .plans
            .iter()
            .position(|plan| plan.slo.service == service && plan.slo.name == slo)?;
        Some(self.evaluate_index(source, index, at, &mut Periods::default()))
    }

    fn zone(&self, name: &str) -> jiff::tz::TimeZone {
        self.zones
            .get(name)
            .cloned()
            .unwrap_or_else(|| calendar::zone(name))
    }

    /// The period of `window` containing `at`, and the measured part `[start, at)`.
    fn period_cached(&self, window: &Window, at: Millis, periods: &mut Periods) -> TimeRange {
        if let Window::Rolling { length } = window {
            return TimeRange::ending_at(at, *length);
        }
        if let Some((_, range)) = periods.entries.iter().find(|(known, _)| known == window) {
            return *range;
        }
        let range = self.period_uncached(window, at);
        periods.entries.push((window.clone(), range));
        range
    }

    fn period_uncached(&self, window: &Window, at: Millis) -> TimeRange {
        match window {
            Window::Rolling { length } => TimeRange::ending_at(at, *length),
            Window::Calendar {
                unit,
                count,
                zone,
                anchor,
            } => calendar::period(*unit, *count, &self.zone(zone), *anchor, at),
        }
    }

    fn evaluate_index<'e>(
        &'e self,
        source: &dyn DataSource,
        index: usize,
        at: Millis,
        periods: &mut Periods,
    ) -> SloStatus<'e> {
        let plan = &self.plans[index];
        let slo = plan.slo;
        let period = self.period_cached(&slo.window, at, periods);
        let window = TimeRange::new(period.start, at.min(period.end));
        let period_length = match slo.window {
            Window::Rolling { length } => length,
            Window::Calendar { .. } => {
                Duration::from_millis(u64::try_from(period.length()).unwrap_or(0))
            }
        };
        // Exclusions over everything any measurement below may read.
        let earliest = window
            .start
            .min(at - millis(BURN_WINDOWS[6]))
            .min(at - self.longest_lookback(plan));
        let exclusions = calendar::excluded(&slo.exclusions, TimeRange::new(earliest, at));
        let meter = Meter {
            source,
            exclusions: &exclusions,
            at,
        };

        let (objectives, members) = if plan.members.is_empty() {
            let objectives = plan
                .objectives
                .iter()
                .map(|measured| {
                    self.objective_status(
                        &meter,
                        measured,
                        &plan.rows,
                        Frame {
                            window,
                            period_length,
                            nominal: plan.window_length,
                            no_data: plan.no_data,
                        },
                    )
                })
                .collect();
            (objectives, Vec::new())
        } else {
            self.composite_status(&meter, plan, window, period_length)
        };
        let freshness = objectives.iter().fold(Freshness::Current, |worst, status| {
            worst.worst(status.data_quality.freshness)
        });
        let policy = plan
            .policy
            .map(|policy| evaluate_policy(policy, &objectives, &meter, plan, freshness));
        let sla = plan
            .sla
            .and_then(|sla| self.sla_status(source, plan, sla, at, periods));
        SloStatus {
            slo,
            at,
            window,
            period,
            objectives,
            policy,
            sla,
            members,
            freshness,
            no_data: plan.no_data,
        }
    }

    fn longest_lookback(&self, plan: &Plan<'_>) -> i64 {
        let rows = plan
            .rows
            .iter()
            .map(|row| millis(row.long))
            .max()
            .unwrap_or(0);
        let policy = plan
            .policy
            .map(|policy| {
                policy
                    .states
                    .iter()
                    .map(|state| match state.when {
                        Condition::ConsumedAbove { within, .. } => millis(within),
                        Condition::BurnRateAbove { window, .. } => millis(window),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        rows.max(policy)
    }

    fn objective_status<'e>(
        &'e self,
        meter: &Meter<'_>,
        measured: &'e Measured,
        rows: &'e [BurnRateWindow],
        frame: Frame,
    ) -> ObjectiveStatus<'e> {
        let Frame {
            window,
            period_length,
            nominal,
            no_data,
        } = frame;
        let objective = &measured.objective;
        let fraction = objective.target.complement().fraction();
        let mut error = None;
        // The common case, counts without exclusions or slices, reads every window in one
        // batch that shares the end instant; the rest goes window by window.
        let batched = (meter.exclusions.is_empty() && window.end == meter.at)
            .then(|| {
                let mut starts = [0; 1 + BURN_WINDOWS.len()];
                starts[0] = window.start;
                for (slot, length) in starts[1..].iter_mut().zip(BURN_WINDOWS) {
                    *slot = meter.at - millis(length);
                }
                let mut counts = [Counts::default(); 1 + BURN_WINDOWS.len()];
                meter
                    .source
                    .sums_ending_at(&measured.series, meter.at, &starts, &mut counts)?;
                let slices = match measured.slice {
                    Some((slice, rule)) => {
                        let mut slices = [SliceCounts::default(); 1 + BURN_WINDOWS.len()];
                        meter.source.slices_ending_at(
                            &measured.series,
                            meter.at,
                            &starts,
                            slice,
                            rule,
                            &mut slices,
                        )?;
                        Some(slices)
                    }
                    None => None,
                };
                Ok::<_, DataError>((counts, slices))
            })
            .and_then(|result| match result {
                Ok(batch) => Some(batch),
                Err(problem) => {
                    error.get_or_insert(problem.to_string());
                    None
                }
            });
        let mut read = |range: TimeRange| match meter.measure(measured, range) {
            Ok(measure) => measure,
            Err(problem) => {
                error.get_or_insert(problem.to_string());
                Measure::default()
            }
        };
        let batched_read = batched.is_some();
        let (whole, windows): (Measure, [Measure; 7]) = match batched {
            Some((counts, slices)) => {
                let measure = |index: usize| Measure {
                    counts: counts[index],
                    slices: slices.as_ref().map(|slices| slices[index]),
                };
                (measure(0), std::array::from_fn(|index| measure(index + 1)))
            }
            None => (
                read(window),
                std::array::from_fn(|index| {
                    read(TimeRange::ending_at(meter.at, BURN_WINDOWS[index]))
                }),
            ),
        };
        let mut burn = BurnRates::default();
        for (slot, measure) in burn.windows.iter_mut().zip(&windows) {
            *slot = burn_rate(measure, &measured.budgeting, fraction);
        }
        burn.whole = burn_rate(&whole, &measured.budgeting, fraction);
        let alerts = rows
            .iter()
            .map(|row| {
                let factor = row.factor(nominal);
                let burn_over = |length: Duration, burn: &BurnRates| match BURN_WINDOWS.iter().position(|known| *known == length) {
                    Some(index) => burn.windows[index],
                    None => None,
                };
                let long_burn = burn_over(row.long, &burn).or_else(|| burn_rate(&read(TimeRange::ending_at(meter.at, row.long)), &measured.budgeting, fraction));
                let short_burn = burn_over(row.short, &burn).or_else(|| burn_rate(&read(TimeRange::ending_at(meter.at, row.short)), &measured.budgeting, fraction));
                let holds = matches!((long_burn, short_burn), (Some(long), Some(short)) if long > factor && short > factor);
                AlertStatus { row, factor, long_burn, short_burn, holds }
            })
            .collect();
        let freshness = freshness(
            meter,
            measured,
            &whole,
            batched_read.then_some(&windows),
            no_data.after,
            nominal,
        );
        let data_since = young_since(meter, measured, &whole, window, nominal);
        let scale = data_since.and_then(|since| {
            let observed = TimeRange::new(since, window.end);
            let whole_length = (window.length() - meter.excluded_within(window)) as f64;
            let observed_length = (observed.length() - meter.excluded_within(observed)) as f64;
            let scale = whole_length / observed_length;
            (observed_length > 0.0 && scale.is_finite() && scale > 1.0).then_some(scale)
        });
        let budget = budget(&whole, &measured.budgeting, fraction, period_length, scale);
        let sli = error_ratio(&whole, &measured.budgeting).map(|ratio| finite(1.0 - ratio));
        let sli_interval = match measured.budgeting {
            Budgeting::Occurrences => wilson_interval(whole.counts.good, whole.counts.valid),
            _ => whole
                .slices
                .and_then(|slices| wilson_interval(slices.good, slices.with_data)),
        };
        let time_to_exhaustion =
            time_to_exhaustion(budget.remaining, burn.get("1h"), period_length);
        let low_traffic_threshold = self
            .options
            .low_traffic_events
            .unwrap_or_else(|| if fraction > 0.0 { 10.0 / fraction } else { 0.0 });
        let no_data =
            whole.counts.valid <= 0.0 && whole.slices.is_none_or(|slices| slices.with_data <= 0.0);
        let data_quality = DataQuality {
            no_data,
            gaps: whole
                .counts
                .intervals
                .saturating_sub(whole.counts.intervals_with_data),
            coverage: (whole.counts.intervals > 0)
                .then(|| whole.counts.intervals_with_data as f64 / whole.counts.intervals as f64),
            low_traffic: matches!(measured.budgeting, Budgeting::Occurrences)
                && !no_data
                && whole.counts.valid < low_traffic_threshold,
            low_traffic_threshold,
            excluded_ms: meter.excluded_within(window),
            freshness,
            data_since,
            window_coverage: window_coverage(&whole, window, data_since),
        };
        ObjectiveStatus {
            objective,
            series: &measured.series,
            counts: whole.counts,
            spent_in_windows: std::array::from_fn(|index| spent_of(&windows[index], budget.unit)),
            slices: whole.slices,
            sli,
            sli_interval,
            budget,
            burn,
            time_to_exhaustion,
            alerts,
            aspirational_met: objective
                .aspirational
                .zip(sli)
                .map(|(aspirational, sli)| sli >= aspirational.fraction()),
            data_quality,
            error,
        }
    }

    /// Composite SLOs: members are measured over the composite's window with their own
    /// targets; their budgets and burn rates combine by weight. Under time slices a slice
    /// is bad when any member's slice is bad (OpenSLO).
    fn composite_status<'e>(
        &'e self,
        meter: &Meter<'_>,
        plan: &'e Plan<'c>,
        window: TimeRange,
        period_length: Duration,
    ) -> (Vec<ObjectiveStatus<'e>>, Vec<MemberStatus>) {
        let statuses: Vec<(f64, ObjectiveStatus<'_>)> = plan
            .members
            .iter()
            .map(|member| {
                (
                    member.weight,
                    self.objective_status(
                        meter,
                        &member.measured,
                        &[],
                        Frame {
                            window,
                            period_length,
                            nominal: plan.window_length,
                            no_data: plan.no_data,
                        },
                    ),
                )
            })
            .collect();
        let members: Vec<MemberStatus> = plan
            .members
            .iter()
            .zip(&statuses)
            .map(|(member, (_, status))| MemberStatus {
                name: member.name.clone(),
                weight: member.weight,
                series: member.measured.series.clone(),
                target: member.measured.objective.target.fraction(),
                sli: status.sli,
                consumed: status.budget.consumed,
            })
            .collect();
        let composite = plan
            .composite
            .as_ref()
            .expect("composites are planned with an objective");
        let objective = &composite.objective;
        let target = objective.target;
        let fraction = target.complement().fraction();
        let weighted = |value: &dyn Fn(&ObjectiveStatus<'_>) -> Option<f64>| -> Option<f64> {
            let (sum, weights) = statuses
                .iter()
                .filter_map(|(weight, status)| value(status).map(|value| (weight * value, *weight)))
                .fold((0.0, 0.0), |(sum, weights), (value, weight)| {
                    (sum + value, weights + weight)
                });
            (weights > 0.0).then(|| finite(sum / weights))
        };
        let mut counts = Counts::default();
        for (_, status) in &statuses {
            counts.add(&status.counts);
        }
        let mut burn = BurnRates::default();
        for index in 0..BURN_WINDOWS.len() {
            burn.windows[index] = weighted(&|status| status.burn.windows[index]);
        }
        burn.whole = weighted(&|status| status.burn.whole);
        let (sli, budget, slices) = if let Budgeting::Timeslices { slice } = plan.slo.budgeting {
            let joint = joint_slices(meter, &plan.members, window, slice);
            let measure = Measure {
                counts,
                slices: Some(joint),
            };
            let sli = error_ratio(&measure, &plan.slo.budgeting).map(|ratio| finite(1.0 - ratio));
            (
                sli,
                budget(&measure, &plan.slo.budgeting, fraction, period_length, None),
                Some(joint),
            )
        } else {
            let consumed = weighted(&|status| status.budget.consumed);
            let sli = weighted(&|status| status.sli.map(|sli| 1.0 - sli))
                .map(|error| finite(1.0 - error));
            let budget = Budget {
                fraction,
                unit: BudgetUnit::Events,
                allowed: None,
                spent: 0.0,
                consumed,
                remaining: consumed.map(|consumed| finite(1.0 - consumed)),
                extrapolated_by: None,
            };
            (sli, budget, None)
        };
        let alerts = plan
            .rows
            .iter()
            .map(|row| {
                let factor = row.factor(plan.window_length);
                let index = |length: Duration| BURN_WINDOWS.iter().position(|known| *known == length);
                let long_burn = index(row.long).and_then(|index| burn.windows[index]);
                let short_burn = index(row.short).and_then(|index| burn.windows[index]);
                let holds = matches!((long_burn, short_burn), (Some(long), Some(short)) if long > factor && short > factor);
                AlertStatus { row, factor, long_burn, short_burn, holds }
            })
            .collect();
        let no_data = statuses
            .iter()
            .all(|(_, status)| status.data_quality.no_data);
        let status = ObjectiveStatus {
            objective,
            series: &composite.series,
            counts,
            spent_in_windows: [0.0; 7],
            slices,
            sli,
            sli_interval: None,
            budget,
            burn,
            time_to_exhaustion: time_to_exhaustion(budget.remaining, burn.get("1h"), period_length),
            alerts,
            aspirational_met: objective
                .aspirational
                .zip(sli)
                .map(|(aspirational, sli)| sli >= aspirational.fraction()),
            data_quality: DataQuality {
                no_data,
                gaps: statuses
                    .iter()
                    .map(|(_, status)| status.data_quality.gaps)
                    .sum(),
                coverage: None,
                low_traffic: statuses
                    .iter()
                    .any(|(_, status)| status.data_quality.low_traffic),
                low_traffic_threshold: 0.0,
                excluded_ms: meter.excluded_within(window),
                freshness: statuses
                    .iter()
                    .fold(Freshness::Current, |worst, (_, status)| {
                        worst.worst(status.data_quality.freshness)
                    }),
                data_since: None,
                window_coverage: statuses
                    .iter()
                    .filter_map(|(_, status)| status.data_quality.window_coverage)
                    .min_by(f64::total_cmp),
            },
            error: statuses.iter().find_map(|(_, status)| status.error.clone()),
        };
        (vec![status], members)
    }

    fn sla_status<'e>(
        &'e self,
        source: &dyn DataSource,
        plan: &'e Plan<'c>,
        sla: &'e Sla,
        at: Millis,
        periods: &mut Periods,
    ) -> Option<SlaStatus<'e>> {
        let measured = plan
            .objectives
            .iter()
            .find(|measured| measured.objective.threshold.is_none())
            .or(plan.objectives.first())?;
        let period = self.period_cached(&sla.window, at, periods);
        let meter = Meter {
            source,
            exclusions: &[],
            at,
        };
        let measure = meter
            .measure(measured, TimeRange::new(period.start, at.min(period.end)))
            .ok()?;
        let attainment =
            error_ratio(&measure, &measured.budgeting).map(|ratio| finite(1.0 - ratio));
        Some(SlaStatus {
            sla,
            period,
            attainment,
            met: attainment.map(|attainment| attainment >= sla.target.fraction()),
            credit: attainment
                .and_then(|attainment| sla.credit_owed(attainment))
                .map(|tier| tier.credit.fraction()),
            margin: tidy(finite(
                measured.objective.target.fraction() - sla.target.fraction(),
            )),
        })
    }
}

fn plan<'c>(catalog: &'c Catalog, slo: &'c Slo, sla: Option<&'c Sla>) -> Plan<'c> {
    let threshold = slo
        .sli()
        .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. }));
    let objectives = slo
        .objectives
        .iter()
        .map(|objective| Measured {
            objective: objective.clone(),
            series: slo.series_key(objective),
            budgeting: slo.budgeting.clone(),
            slice: slice_plan_for(&slo.budgeting, objective, threshold),
        })
        .collect();
    let mut members = Vec::new();
    if let Indicator::Composite(composite) = &slo.indicator {
        for member in &composite.members {
            let measured = match &member.source {
                MemberSource::Slo {
                    service,
                    slo: name,
                    objective,
                } => {
                    let service = service.as_deref().unwrap_or(&slo.service);
                    let Some(target) = catalog.slo(service, name) else {
                        continue;
                    };
                    let chosen = match objective {
                        Some(objective) => target.objective(objective),
                        None => target.objectives.first(),
                    };
                    let Some(chosen) = chosen else { continue };
                    Measured {
                        objective: chosen.clone(),
                        series: target.series_key(chosen),
                        budgeting: target.budgeting.clone(),
                        slice: slice_plan(target, chosen),
                    }
                }
                MemberSource::Indicator { sli, objective } => {
                    let threshold = sli
                        .get()
                        .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. }));
                    Measured {
                        objective: (**objective).clone(),
                        series: slo.member_series_key(&member.name),
                        budgeting: slo.budgeting.clone(),
                        slice: slice_plan_for(&slo.budgeting, objective, threshold),
                    }
                }
            };
            members.push(Member {
                name: member.name.clone(),
                weight: member.weight,
                measured,
            });
        }
    }
    let composite = matches!(slo.indicator, Indicator::Composite(_)).then(|| {
        let objective = slo.objectives.first().cloned().unwrap_or_else(|| {
            let total: f64 = members.iter().map(|member| member.weight).sum();
            let mean = members
                .iter()
                .map(|member| member.weight * member.measured.objective.target.fraction())
                .sum::<f64>()
                / total.max(f64::MIN_POSITIVE);
            Objective::new(
                crate::model::DEFAULT_OBJECTIVE,
                crate::Ratio::from_fraction(mean),
            )
        });
        Measured {
            objective,
            series: slo.qualified_name(),
            budgeting: slo.budgeting.clone(),
            slice: None,
        }
    });
    let window_length = slo.window.nominal_length();
    Plan {
        slo,
        objectives,
        composite,
        rows: slo.alerting.effective_windows(window_length),
        window_length,
        policy: catalog.policy_of(slo),
        sla,
        members,
        no_data: catalog.no_data_of(slo),
    }
}

/// The window an objective is measured over and the SLO-wide settings its status needs.
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// The measured part of the window, `[start, at)`.
    window: TimeRange,
    /// The whole period's length (time-slice budgets, time to exhaustion).
    period_length: Duration,
    /// The window's nominal length (alert factors, look-backs).
    nominal: Duration,
    /// The rule for missing data.
    no_data: NoData,
}

/// Calendar periods already computed for the instant being evaluated: many SLOs share a
/// zone and a unit, and a period costs several time zone conversions.
#[derive(Debug, Default)]
struct Periods {
    entries: Vec<(Window, TimeRange)>,
}

/// Counts (and slice outcomes) over a range, with exclusions taken out.
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    counts: Counts,
    slices: Option<SliceCounts>,
}

struct Meter<'a> {
    source: &'a dyn DataSource,
    exclusions: &'a [TimeRange],
    at: Millis,
}

impl Meter<'_> {
    fn measure(&self, measured: &Measured, range: TimeRange) -> Result<Measure, DataError> {
        let mut counts = self.source.sum(&measured.series, range)?;
        for excluded in self.exclusions {
            let overlap = excluded.intersect(&range);
            if overlap.is_empty() {
                continue;
            }
            let removed = self.source.sum(&measured.series, overlap)?;
            counts.good = (counts.good - removed.good).max(0.0);
            counts.valid = (counts.valid - removed.valid).max(0.0);
            counts.intervals_with_data = counts
                .intervals_with_data
                .saturating_sub(removed.intervals_with_data);
            counts.intervals = counts.intervals.saturating_sub(removed.intervals);
        }
        let slices = match measured.slice {
            Some((slice, rule)) => {
                let mut slices = self.source.slices(&measured.series, range, slice, rule)?;
                let slice_ms = millis(slice).max(1);
                for excluded in self.exclusions {
                    // Any slice touching an exclusion is left out.
                    let widened = TimeRange::new(
                        excluded.start.div_euclid(slice_ms) * slice_ms,
                        (excluded.end + slice_ms - 1).div_euclid(slice_ms) * slice_ms,
                    )
                    .intersect(&range);
                    if widened.is_empty() {
                        continue;
                    }
                    let removed = self.source.slices(&measured.series, widened, slice, rule)?;
                    slices.good = (slices.good - removed.good).max(0.0);
                    slices.with_data = (slices.with_data - removed.with_data).max(0.0);
                    slices.ratio_sum = (slices.ratio_sum - removed.ratio_sum).max(0.0);
                    slices.total = (slices.total - removed.total).max(0.0);
                }
                Some(slices)
            }
            None => None,
        };
        Ok(Measure { counts, slices })
    }

    fn excluded_within(&self, range: TimeRange) -> i64 {
        self.exclusions
            .iter()
            .map(|excluded| excluded.intersect(&range).length())
            .sum()
    }
}

/// Joint slice outcomes of composite members: a slice is good when every member with
/// data in it is good.
fn joint_slices(
    meter: &Meter<'_>,
    members: &[Member],
    range: TimeRange,
    slice: Duration,
) -> SliceCounts {
    let slice_ms = millis(slice).max(1);
    let aligned = crate::source::aligned_slices(range, slice_ms);
    let slots = usize::try_from(aligned.length() / slice_ms).unwrap_or(0);
    // Per slice: (any member had data, every member with data was good).
    let mut outcome = vec![(false, true); slots];
    for member in members {
        let rule = member
            .measured
            .slice
            .map_or(SliceRule::RatioAtLeast(1.0), |(_, rule)| rule);
        let Ok(intervals) = meter.source.intervals(&member.measured.series, aligned) else {
            continue;
        };
        let mut per_slice: Vec<(f64, f64)> = vec![(0.0, 0.0); slots];
        for interval in intervals {
            let slot =
                usize::try_from((interval.start - aligned.start) / slice_ms).unwrap_or(usize::MAX);
            if let Some(entry) = per_slice.get_mut(slot) {
                entry.0 += interval.good;
                entry.1 += interval.valid;
            }
        }
        for (slot, (good, valid)) in per_slice.into_iter().enumerate() {
            if valid > 0.0 {
                let judged = crate::source::judge_slice(good, valid, rule);
                outcome[slot].0 = true;
                outcome[slot].1 &= judged.good > 0.0;
            }
        }
    }
    let excluded = |slot: usize| {
        let start = aligned.start + slot as i64 * slice_ms;
        let slice_range = TimeRange::new(start, start + slice_ms);
        meter
            .exclusions
            .iter()
            .any(|excluded| !excluded.intersect(&slice_range).is_empty())
    };
    let mut counts = SliceCounts::default();
    for (slot, (data, good)) in outcome.into_iter().enumerate() {
        if excluded(slot) {
            continue;
        }
        counts.total += 1.0;
        if data {
            counts.with_data += 1.0;
            if good {
                counts.good += 1.0;
                counts.ratio_sum += 1.0;
            }
        }
    }
    counts
}

/// Replaces a non-finite value by 0; the callers only produce finite values, this is the
/// last guard between arithmetic and a report.
fn finite(value: f64) -> f64 {
    if value.is_finite() { value } else { 0.0 }
}

/// Bad over valid (or bad slices over slices with data, or the mean missing ratio), or
/// `None` with no data.
fn error_ratio(measure: &Measure, budgeting: &Budgeting) -> Option<f64> {
    match budgeting {
        Budgeting::Occurrences => (measure.counts.valid > 0.0)
            .then(|| finite(measure.counts.bad() / measure.counts.valid).clamp(0.0, 1.0)),
        Budgeting::Timeslices { .. } => measure
            .slices
            .filter(|slices| slices.with_data > 0.0)
            .map(|slices| finite(slices.bad() / slices.with_data).clamp(0.0, 1.0)),
        Budgeting::RatioTimeslices { .. } => measure
            .slices
            .filter(|slices| slices.with_data > 0.0)
            .map(|slices| finite(1.0 - slices.ratio_sum / slices.with_data).clamp(0.0, 1.0)),
    }
}

/// Bad events, or bad slices, of a measure.
fn spent_of(measure: &Measure, unit: BudgetUnit) -> f64 {
    match unit {
        BudgetUnit::Events => measure.counts.bad(),
        BudgetUnit::Slices => measure.slices.map(|slices| slices.bad()).unwrap_or(0.0),
    }
}

fn burn_rate(measure: &Measure, budgeting: &Budgeting, fraction: f64) -> Option<f64> {
    if fraction <= 0.0 {
        return None;
    }
    error_ratio(measure, budgeting).map(|ratio| finite(ratio / fraction))
}

/// The budget of a measure. `scale`, for a young window only, multiplies the observed
/// events (or slices with data) into the whole window's expected ones; time slices are
/// already budgeted on the whole window's slices and ignore it.
fn budget(
    measure: &Measure,
    budgeting: &Budgeting,
    fraction: f64,
    period_length: Duration,
    scale: Option<f64>,
) -> Budget {
    let scale = match budgeting {
        Budgeting::Timeslices { .. } => None,
        _ => scale,
    };
    let (unit, allowed, spent) = match budgeting {
        Budgeting::Occurrences => {
            let valid = measure.counts.valid;
            (
                BudgetUnit::Events,
                (valid > 0.0).then_some(fraction * valid * scale.unwrap_or(1.0)),
                measure.counts.bad(),
            )
        }
        Budgeting::Timeslices { slice } => {
            let slices = measure.slices.unwrap_or_default();
            let in_window = period_length.ratio_to(*slice).floor();
            let allowed =
                (slices.with_data > 0.0 && in_window > 0.0).then_some(fraction * in_window);
            (BudgetUnit::Slices, allowed, slices.bad())
        }
        Budgeting::RatioTimeslices { .. } => {
            let slices = measure.slices.unwrap_or_default();
            let allowed = (slices.with_data > 0.0)
                .then_some(fraction * slices.with_data * scale.unwrap_or(1.0));
            (
                BudgetUnit::Slices,
                allowed,
                (slices.with_data - slices.ratio_sum).max(0.0),
            )
        }
    };
    let consumed = allowed
        .filter(|allowed| *allowed > 0.0)
        .map(|allowed| finite(spent / allowed));
    Budget {
        fraction,
        unit,
        allowed: allowed.map(finite),
        spent: finite(spent),
        consumed,
        remaining: consumed.map(|consumed| finite(1.0 - consumed)),
        extrapolated_by: scale,
    }
}

/// The share of the measured window since its first data: 1 for a window with data
/// before it, `(end − first data) / length` for a young one, `None` without data.
fn window_coverage(whole: &Measure, window: TimeRange, data_since: Option<Millis>) -> Option<f64> {
    if whole.counts.is_empty() || window.is_empty() {
        return None;
    }
    Some(match data_since {
        Some(since) => {
            finite(TimeRange::new(since, window.end).length() as f64 / window.length() as f64)
        }
        None => 1.0,
    })
}

/// Whether data is current: any interval with data within `after` before the instant.
/// When not, looks for the last interval with data as far back as the SLO window (or
/// `after`, if longer), through [`DataSource::intervals`], backwards in doubling steps so
/// that a gap of an hour reads an hour or two, not the whole window. Sources that cannot
/// list intervals (the Prometheus path) leave the instant unknown.
fn freshness(
    meter: &Meter<'_>,
    measured: &Measured,
    whole: &Measure,
    batched: Option<&[Measure; 7]>,
    after: Duration,
    window_length: Duration,
) -> Freshness {
    let at = meter.at;
    let recent = match (
        batched,
        BURN_WINDOWS.iter().position(|known| *known == after),
    ) {
        (Some(windows), Some(index)) => Ok(windows[index].counts),
        _ => meter
            .source
            .sum(&measured.series, TimeRange::ending_at(at, after)),
    };
    if recent.is_ok_and(|counts| !counts.is_empty()) {
        return Freshness::Current;
    }
    let whole_has_data = !whole.counts.is_empty();
    let looked_back = window_length.max(after);
    let floor = at.saturating_sub(millis(looked_back));
    let mut end = at.saturating_sub(millis(after));
    let mut step = millis(after).max(1);
    while end > floor {
        let start = end.saturating_sub(step).max(floor);
        match meter
            .source
            .intervals(&measured.series, TimeRange::new(start, end))
        {
            Ok(intervals) => {
                if let Some(last) = intervals.last() {
                    return Freshness::Stale {
                        last: Some(last.start),
                    };
                }
            }
            Err(_) => {
                return if whole_has_data {
                    Freshness::Stale { last: None }
                } else {
                    Freshness::Missing { looked_back: after }
                };
            }
        }
        end = start;
        step = step.saturating_mul(2);
    }
    if whole_has_data {
        // Counted in the window, yet no interval listed: a source that sums but does not
        // list; the data is stale all the same.
        return Freshness::Stale { last: None };
    }
    Freshness::Missing { looked_back }
}

/// For a young window, the start of its first interval with data: the window has gaps,
/// data in it, and none in the SLO window's length before it (a series that began inside
/// the window, not a quiet mature one). `None` for every mature window, so their
/// numbers never change; `None` too when the source cannot list intervals.
fn young_since(
    meter: &Meter<'_>,
    measured: &Measured,
    whole: &Measure,
    window: TimeRange,
    window_length: Duration,
) -> Option<Millis> {
    if whole.counts.intervals_with_data == 0
        || whole.counts.intervals_with_data >= whole.counts.intervals
    {
        return None;
    }
    let before = TimeRange::new(
        window.start.saturating_sub(millis(window_length)),
        window.start,
    );
    let earlier = meter.source.sum(&measured.series, before).ok()?;
    if !earlier.is_empty() {
        return None;
    }
    // Forwards in doubling steps: a window that is a day old reads about a day.
    let mut start = window.start;
    let mut step = millis(CURRENT_BURN_WINDOW);
    while start < window.end {
        let end = start.saturating_add(step).min(window.end);
        let intervals = meter
            .source
            .intervals(&measured.series, TimeRange::new(start, end))
            .ok()?;
        if let Some(first) = intervals.first() {
            return (first.start > window.start).then_some(first.start);
        }
        start = end;
        step = step.saturating_mul(2);
    }
    None
}

/// `remaining × window / burn`, in milliseconds: zero once spent, `None` while nothing
/// burns (or nothing is known).
fn time_to_exhaustion(remaining: Option<f64>, burn: Option<f64>, window: Duration) -> Option<i64> {
    let remaining = remaining?;
    if remaining <= 0.0 {
        return Some(0);
    }
    let burn = burn.filter(|burn| *burn > 0.0)?;
    let value = remaining * window.as_millis() as f64 / burn;
    value.is_finite().then(|| value.min(i64::MAX as f64) as i64)
}

/// The first state whose condition holds. Without current data (issue 8.5) a state that
/// holds on the data there is (budget spent before the pipeline broke) still applies, but
/// the `always` fallback does not: the policy is then in no state, marked "no data".
fn evaluate_policy<'c>(
    policy: &'c ErrorBudgetPolicy,
    objectives: &[ObjectiveStatus<'c>],
    meter: &Meter<'_>,
    plan: &Plan<'c>,
    freshness: Freshness,
) -> PolicyStatus<'c> {
    let no_data = PolicyStatus {
        policy,
        state: None,
        reason: Some(PolicyReason::NoData {
            freshness,
            after: plan.no_data.after,
        }),
        no_data: Some(plan.no_data.gate),
    };
    for state in &policy.states {
        if !freshness.is_current() && matches!(state.when, Condition::Always) {
            return no_data;
        }
        let reason = match &state.when {
            Condition::Always => Some(PolicyReason::Always),
            Condition::RemainingBelow(share) => objectives.iter().find_map(|status| {
                let remaining = status.budget.remaining?;
                (remaining < share.fraction()).then(|| PolicyReason::RemainingBelow {
                    objective: &status.objective.name,
                    remaining,
                    share: *share,
                })
            }),
            Condition::BurnRateAbove { window, rate } => {
                objectives.iter().enumerate().find_map(|(index, status)| {
                    let burn = match BURN_WINDOWS.iter().position(|known| known == window) {
                        Some(slot) => status.burn.windows[slot],
                        None => plan.objectives.get(index).and_then(|measured| {
                            let measure = meter
                                .measure(measured, TimeRange::ending_at(meter.at, *window))
                                .ok()?;
                            burn_rate(&measure, &measured.budgeting, status.budget.fraction)
                        }),
                    }?;
                    (burn > *rate).then(|| PolicyReason::BurnRateAbove {
                        objective: &status.objective.name,
                        burn,
                        window: *window,
                        rate: *rate,
                    })
                })
            }
            Condition::ConsumedAbove { within, share } => {
                objectives.iter().enumerate().find_map(|(index, status)| {
                    let measured = plan.objectives.get(index)?;
                    let allowed = status.budget.allowed.filter(|allowed| *allowed > 0.0)?;
                    let spent = match BURN_WINDOWS.iter().position(|known| known == within) {
                        Some(slot) => status.spent_in_windows[slot],
                        None => {
                            let measure = meter
                                .measure(measured, TimeRange::ending_at(meter.at, *within))
                                .ok()?;
                            spent_of(&measure, status.budget.unit)
                        }
                    };
                    let consumed = finite(spent / allowed);
                    (consumed > share.fraction()).then(|| PolicyReason::ConsumedAbove {
                        objective: &status.objective.name,
                        consumed,
                        within: *within,
                        share: *share,
                    })
                })
            }
        };
        if let Some(reason) = reason {
            return PolicyStatus {
                policy,
                state: Some(state),
                reason: Some(reason),
                no_data: None,
            };
        }
    }
    if !freshness.is_current() {
        return no_data;
    }
    PolicyStatus {
        policy,
        state: None,
        reason: None,
        no_data: None,
    }
}

#[cfg(test)]
mod data_tests;
#[cfg(test)]
pub(crate) mod tests;
