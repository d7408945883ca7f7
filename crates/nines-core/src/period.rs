//! Period reports (issue 12.2): how every objective did over a past calendar period
//! (`2026-11`, `2026-Q4`, `2026`, `last-month`) or any `[from, to)`, with the previous
//! periods for the trend, the biggest budget consumers, the policy states entered and the
//! alerts raised, and an SLA statement per contractual period with the credit owed.
//!
//! The numbers are the engine's: each SLO is evaluated at the period's end over a window
//! that is exactly the period, so attainment, budget and data quality mean what they mean
//! in `nines report`. Policy states and alerts are the engine's too, read by stepping
//! through the period with each SLO's own window (hourly for periods up to 92 days, every
//! six hours beyond; a state held less than a step can be missed, and the report says the
//! step).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::Duration;
use crate::engine::calendar;
use crate::engine::{Engine, Options, SloStatus};
use crate::model::{Budgeting, CalendarUnit, Catalog, Window};
use crate::source::{DataSource, Millis, TimeRange};

/// The JSON schema name of [`PeriodReport`].
pub const SCHEMA: &str = "nines.period-report/v1";

/// How many periods before the reported one the trend shows.
pub const TREND_PERIODS: usize = 3;

/// The most budget-consuming episodes listed per objective.
pub const MAX_CONSUMERS: usize = 5;

/// The longest `--from/--to` range: ten years of hourly steps is already 87,600
/// evaluations per SLO.
pub const MAX_PERIOD: Duration = Duration::from_days(3_660);

const HOUR: Millis = 3_600_000;

/// A reporting period: `[start, end)` in a time zone, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// `2026-11`, `2026-Q4`, `2026`, or `FROM..TO`.
    pub label: String,
    /// The calendar unit, for named periods (previous periods follow it).
    pub unit: Option<CalendarUnit>,
    /// Inclusive start.
    pub start: Millis,
    /// Exclusive end.
    pub end: Millis,
    /// The zone its boundaries are in.
    pub zone: String,
}

/// Why a period was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not one of the accepted spellings.
    #[error(
        "`{0}` is not a period: write a month (2026-11), a quarter (2026-Q4), a year (2026), last-month, last-quarter, last-year, this-month, this-quarter or this-year"
    )]
    Unknown(String),
    /// Starts after now.
    #[error("the period {0} has not started yet")]
    Future(String),
    /// `from` is not before `to`, or the range is too long or out of range.
    #[error("{0}")]
    Range(String),
}

impl Period {
    /// Parses a named period in `zone` (an IANA name; `UTC` when empty), `now` deciding
    /// `last-month` and the like.
    pub fn parse(text: &str, zone: &str, now: Millis) -> Result<Period, PeriodError> {
        let tz = calendar::zone(zone);
        let today = jiff::Timestamp::from_millisecond(now)
            .map_err(|_| PeriodError::Unknown(text.to_string()))?
            .to_zoned_datetime(tz.clone())
            .date();
        let word = text.trim().to_ascii_lowercase();
        let (unit, inside, relative) = match word.as_str() {
            "this-month" => (CalendarUnit::Month, today, 0),
            "last-month" => (CalendarUnit::Month, today, -1),
            "this-quarter" => (CalendarUnit::Quarter, today, 0),
            "last-quarter" => (CalendarUnit::Quarter, today, -1),
            "this-year" => (CalendarUnit::Year, today, 0),
            "last-year" => (CalendarUnit::Year, today, -1),
            other => {
                let (unit, date) =
                    named(other).ok_or_else(|| PeriodError::Unknown(text.to_string()))?;
                (unit, date, 0)
            }
        };
        let midday = instant(inside, &tz) + 12 * HOUR;
        let mut range = calendar::period(unit, 1, &tz, None, midday);
        if relative < 0 {
            range = calendar::period(unit, 1, &tz, None, range.start - 1);
        }
        let period = Period {
            label: label(unit, range.start, &tz),
            unit: Some(unit),
            start: range.start,
            end: range.end,
            zone: zone_name(zone),
        };
        period.check(now)?;
        Ok(period)
    }

    /// The period `[from, to)` (both already within the accepted timestamp range).
    pub fn range(from: Millis, to: Millis, zone: &str, now: Millis) -> Result<Period, PeriodError> {
        if from >= to {
            return Err(PeriodError::Range("--from must be before --to".to_string()));
        }
        if to - from > MAX_PERIOD.as_millis() as i64 {
            return Err(PeriodError::Range(format!(
                "a report covers at most {MAX_PERIOD}; split the range"
            )));
        }
        let period = Period {
            label: format!(
                "{}..{}",
                crate::report::timestamp(from),
                crate::report::timestamp(to)
            ),
            unit: None,
            start: from,
            end: to,
            zone: zone_name(zone),
        };
        period.check(now)?;
        Ok(period)
    }

    fn check(&self, now: Millis) -> Result<(), PeriodError> {
        if self.start >= now {
            return Err(PeriodError::Future(self.label.clone()));
        }
        crate::timestamp::check(self.start)
            .and_then(|_| crate::timestamp::check(self.end - 1))
            .map_err(|problem| PeriodError::Range(problem.to_string()))?;
        Ok(())
    }

    /// The same unit's period just before this one (named periods only).
    pub fn previous(&self) -> Option<Period> {
        let unit = self.unit?;
        let tz = calendar::zone(&self.zone);
        let range = calendar::period(unit, 1, &tz, None, self.start - 1);
        let start_ok = crate::timestamp::check(range.start).is_ok();
        start_ok.then(|| Period {
            label: label(unit, range.start, &tz),
            unit: Some(unit),
            start: range.start,
            end: range.end,
            zone: self.zone.clone(),
        })
    }

    /// The part of the period measured by `now`: `[start, min(end, now))`.
    pub fn measured(&self, now: Millis) -> TimeRange {
        TimeRange::new(self.start, self.end.min(now))
    }
}

fn zone_name(zone: &str) -> String {
    if zone.trim().is_empty() {
        "UTC".to_string()
    } else {
        zone.to_string()
    }
}

/// `2026-11`, `2026-q4`, `2026`: the unit and a date inside.
fn named(text: &str) -> Option<(CalendarUnit, Date)> {
    let number = |part: &str| -> Option<i16> {
        (!part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    match text.split_once('-') {
        None => {
            let year = number(text).filter(|_| text.len() == 4)?;
            Some((CalendarUnit::Year, Date::new(year, 1, 1).ok()?))
        }
        Some((year, rest)) => {
            let year = number(year).filter(|_| year.len() == 4)?;
            if let Some(quarter) = rest.strip_prefix('q') {
                let quarter = number(quarter).filter(|q| (1..=4).contains(q))?;
                let month = i8::try_from((quarter - 1) * 3 + 1).ok()?;
                Some((CalendarUnit::Quarter, Date::new(year, month, 1).ok()?))
            } else {
                let month = number(rest).filter(|_| rest.len() == 2)?;
                let month = i8::try_from(month).ok()?;
                Some((CalendarUnit::Month, Date::new(year, month, 1).ok()?))
            }
        }
    }
}

fn instant(date: Date, tz: &TimeZone) -> Millis {
    date.to_zoned_datetime(tz.clone())
        .map(|zoned| zoned.timestamp().as_millisecond())
        .unwrap_or_default()
}

fn label(unit: CalendarUnit, start: Millis, tz: &TimeZone) -> String {
    let date = jiff::Timestamp::from_millisecond(start)
        .map(|at| at.to_zoned_datetime(tz.clone()).date())
        .unwrap_or_default();
    match unit {
        CalendarUnit::Week => format!(
            "{}-W{:02}",
            date.iso_week_date().year(),
            date.iso_week_date().week()
        ),
        CalendarUnit::Month => format!("{:04}-{:02}", date.year(), date.month()),
        CalendarUnit::Quarter => format!("{:04}-Q{}", date.year(), (date.month() - 1) / 3 + 1),
        CalendarUnit::Year => format!("{:04}", date.year()),
    }
}

/// The whole report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PeriodReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The period.
    pub period: PeriodInfo,
    /// When the report was made, RFC 3339.
    pub generated_at: String,
    /// One row per objective, services in name order.
    pub objectives: Vec<PeriodRow>,
    /// One statement per SLO with an SLA.
    pub slas: Vec<SlaStatement>,
}

/// The period as reported.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PeriodInfo {
    /// Its label.
    pub label: String,
    /// Start, RFC 3339.
    pub start: String,
    /// End (exclusive), RFC 3339.
    pub end: String,
    /// The zone of its boundaries.
    pub zone: String,
    /// True when the period has not ended: measured up to `generated_at`.
    pub partial: bool,
    /// The step of the policy and alert timeline, in seconds.
    pub step_seconds: i64,
}

/// One objective over the period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PeriodRow {
    /// Service.
    pub service: String,
    /// SLO.
    pub slo: String,
    /// Objective (`default` for a single target).
    pub objective: String,
    /// Target, as a fraction.
    pub target: f64,
    /// The SLI over the period (good ÷ valid, or good slices ÷ slices); `null` without
    /// data.
    pub attainment: Option<f64>,
    /// Attainment at or above target; `null` without data.
    pub met: Option<bool>,
    /// Good events in the period.
    pub good: f64,
    /// Valid events in the period.
    pub valid: f64,
    /// Bad events in the period.
    pub bad: f64,
    /// Bad events (or slices) the period allowed: for occurrences, (1 − target) × the
    /// period's valid events; `null` without data.
    pub budget_allowed: Option<f64>,
    /// Bad events (or slices) in the period.
    pub budget_spent: f64,
    /// Share of the period's budget spent, `null` without data.
    pub budget_consumed: Option<f64>,
    /// Share of the period's intervals with data.
    pub coverage: Option<f64>,
    /// The previous periods, most recent first (named periods only).
    pub trend: Vec<TrendPoint>,
    /// The episodes that spent most budget (hours burning faster than 1×), largest
    /// first; `null` when not computed (see `consumers_note`).
    pub consumers: Option<Vec<Consumer>>,
    /// Why consumers are not listed, when they are not.
    pub consumers_note: Option<String>,
    /// Policy states held during the period.
    pub policy: Option<PolicySummary>,
    /// Alert episodes raised during the period, by severity.
    pub alerts: BTreeMap<String, u64>,
    /// A data source error, when counts could not be read.
    pub error: Option<String>,
}

/// One earlier period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrendPoint {
    /// Its label.
    pub label: String,
    /// Attainment, `null` without data.
    pub attainment: Option<f64>,
    /// Met, `null` without data.
    pub met: Option<bool>,
    /// Share of its budget spent.
    pub budget_consumed: Option<f64>,
}

/// A run of hours that burned budget faster than the SLO allows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Consumer {
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339.
    pub end: String,
    /// Length in seconds.
    pub duration_seconds: i64,
    /// Bad events in it.
    pub bad: f64,
    /// Share of the period's budget it spent.
    pub budget_share: Option<f64>,
}

/// The policy over the period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PolicySummary {
    /// The policy's name.
    pub policy: String,
    /// Seconds in each state (`no data` and `none` included), at the report's step.
    pub seconds_in_state: BTreeMap<String, i64>,
    /// Seconds during which releases were frozen.
    pub frozen_seconds: i64,
    /// The states entered, in order, with when.
    pub entered: Vec<StateEntered>,
}

/// A state change during the period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StateEntered {
    /// The state (`no data`, `none`, or the state's name).
    pub state: String,
    /// When (the step at which it was first seen), RFC 3339.
    pub at: String,
}

/// An SLA over each of its contractual periods overlapping the report's period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SlaStatement {
    /// Service.
    pub service: String,
    /// The SLO measured for it.
    pub slo: String,
    /// The SLA.
    pub sla: String,
    /// Who it is with.
    pub customer: Option<String>,
    /// The contractual minimum, as a fraction.
    pub target: f64,
    /// Each contractual period.
    pub periods: Vec<SlaPeriod>,
}

/// One contractual period.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SlaPeriod {
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339.
    pub end: String,
    /// True when it has not ended.
    pub partial: bool,
    /// Attainment; `null` without data.
    pub attainment: Option<f64>,
    /// Met; `null` without data.
    pub met: Option<bool>,
    /// The credit owed, as a share of the period's bill (0 when met); `null` without
    /// data.
    pub credit: Option<f64>,
}

/// What to compute beyond the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Depth {
    /// Step through the period for policy states and alerts, and scan it hour by hour
    /// for the biggest consumers. Off against a Prometheus backend, where each step and
    /// hour is a query of its own.
    pub timeline: bool,
}

impl Default for Depth {
    fn default() -> Self {
        Depth { timeline: true }
    }
}

/// Builds the report of `catalog` over `period`, reading `source`; `now` bounds what is
/// measured.
pub fn report(
    catalog: &Catalog,
    source: &dyn DataSource,
    period: &Period,
    now: Millis,
) -> PeriodReport {
    report_with(catalog, source, period, now, Depth::default())
}

/// [`report`], computing what `depth` asks for.
pub fn report_with(
    catalog: &Catalog,
    source: &dyn DataSource,
    period: &Period,
    now: Millis,
    depth: Depth,
) -> PeriodReport {
    let measured = period.measured(now);
    let (current, trend) = {
        let current = totals(catalog, source, measured);
        let mut trend: Vec<(String, Vec<Totals>)> = Vec::new();
        let mut previous = period.previous();
        for _ in 0..TREND_PERIODS {
            let Some(earlier) = previous else { break };
            trend.push((
                earlier.label.clone(),
                totals(catalog, source, earlier.measured(now)),
            ));
            previous = earlier.previous();
        }
        (current, trend)
    };
    let step = if measured.length() > 92 * 24 * HOUR {
        6 * HOUR
    } else {
        HOUR
    };
    let timeline = if depth.timeline {
        timeline(catalog, source, measured, step)
    } else {
        BTreeMap::new()
    };
    let mut objectives = Vec::new();
    for (index, totals) in current.into_iter().enumerate() {
        let key = (
            totals.service.clone(),
            totals.slo.clone(),
            totals.objective.clone(),
        );
        let consumers = match (&totals.budgeting, totals.composite, &totals.error) {
            _ if !depth.timeline => (
                None,
                Some("not computed against a Prometheus backend (a query per hour)".to_string()),
            ),
            (_, _, Some(_)) => (None, Some("not measured".to_string())),
            (_, true, _) => (
                None,
                Some("a composite's budget is its members': see theirs".to_string()),
            ),
            (Budgeting::Occurrences, false, None) => {
                (Some(consumers(source, &totals, measured)), None)
            }
            _ => (
                None,
                Some("time-slice budgets are spent by slices: see the SLI over time".to_string()),
            ),
        };
        let (policy, alerts) = timeline
            .get(&(key.0.clone(), key.1.clone()))
            .map(|found| {
                (
                    found.policy.clone(),
                    found.alerts.get(&key.2).cloned().unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        objectives.push(PeriodRow {
            trend: trend
                .iter()
                .filter_map(|(label, earlier)| {
                    earlier.get(index).map(|point| TrendPoint {
                        label: label.clone(),
                        attainment: point.attainment,
                        met: point.met,
                        budget_consumed: point.consumed,
                    })
                })
                .collect(),
            service: totals.service,
            slo: totals.slo,
            objective: totals.objective,
            target: totals.target,
            attainment: totals.attainment,
            met: totals.met,
            good: totals.good,
            valid: totals.valid,
            bad: totals.bad,
            budget_allowed: totals.allowed,
            budget_spent: totals.spent,
            budget_consumed: totals.consumed,
            coverage: totals.coverage,
            consumers: consumers.0,
            consumers_note: consumers.1,
            policy,
            alerts,
            error: totals.error,
        });
    }
    objectives.sort_by(|a, b| a.service.cmp(&b.service));
    PeriodReport {
        schema: SCHEMA,
        period: PeriodInfo {
            label: period.label.clone(),
            start: crate::report::timestamp(period.start),
            end: crate::report::timestamp(period.end),
            zone: period.zone.clone(),
            partial: now < period.end,
            step_seconds: if depth.timeline { step / 1000 } else { 0 },
        },
        generated_at: crate::report::timestamp(now),
        objectives,
        slas: sla_statements(catalog, source, period, now),
    }
}

/// One objective's totals over a range.
#[derive(Clone, Debug)]
struct Totals {
    service: String,
    slo: String,
    objective: String,
    series: String,
    target: f64,
    budgeting: Budgeting,
    composite: bool,
    attainment: Option<f64>,
    met: Option<bool>,
    good: f64,
    valid: f64,
    bad: f64,
    allowed: Option<f64>,
    spent: f64,
    consumed: Option<f64>,
    coverage: Option<f64>,
    error: Option<String>,
}

/// Every objective's totals over `range`: the engine at `range.end` over a rolling window
/// exactly `range` long.
fn totals(catalog: &Catalog, source: &dyn DataSource, range: TimeRange) -> Vec<Totals> {
    let length = Duration::from_millis(u64::try_from(range.length()).unwrap_or(0));
    let mut scoped = catalog.clone();
    for slo in &mut scoped.slos {
        slo.window = Window::Rolling { length };
    }
    let engine = Engine::new(&scoped, Options::default());
    let statuses = engine.evaluate_all(source, range.end);
    let mut out = Vec::new();
    for status in &statuses {
        for objective in &status.objectives {
            let sli = objective.sli;
            // A period that is over is budgeted on the events it had: a young window's
            // extrapolation to the events it would have had makes no sense afterwards.
            let target = objective.objective.target.fraction();
            let (allowed, consumed) = match status.slo.budgeting {
                Budgeting::Occurrences if status.members.is_empty() => {
                    let allowed = (1.0 - target) * objective.counts.valid;
                    let consumed = (allowed > 0.0).then(|| objective.budget.spent / allowed);
                    ((allowed > 0.0).then_some(allowed), consumed)
                }
                _ => (objective.budget.allowed, objective.budget.consumed),
            };
            out.push(Totals {
                service: status.slo.service.clone(),
                slo: status.slo.name.clone(),
                objective: objective.objective.name.clone(),
                series: objective.series.to_string(),
                target: objective.objective.target.fraction(),
                budgeting: status.slo.budgeting.clone(),
                composite: !status.members.is_empty(),
                attainment: sli,
                met: sli.map(|sli| sli >= objective.objective.target.fraction()),
                good: objective.counts.good,
                valid: objective.counts.valid,
                bad: objective.counts.bad(),
                allowed,
                spent: objective.budget.spent,
                consumed,
                coverage: objective.data_quality.coverage,
                error: objective.error.clone(),
            });
        }
    }
    out
}

/// Runs of hours in `range` whose error ratio exceeded the budget (burn rate above 1),
/// largest first.
fn consumers(source: &dyn DataSource, totals: &Totals, range: TimeRange) -> Vec<Consumer> {
    let fraction = 1.0 - totals.target;
    let mut runs: Vec<(Millis, Millis, f64)> = Vec::new();
    let mut open: Option<(Millis, f64)> = None;
    let mut at = range.start;
    while at < range.end {
        let hour = TimeRange::new(at, (at + HOUR).min(range.end));
        let counts = source.sum(&totals.series, hour).unwrap_or_default();
        let bad = counts.bad();
        let burning = counts.valid > 0.0 && bad > fraction * counts.valid;
        match (&mut open, burning) {
            (Some((_, total)), true) => *total += bad,
            (None, true) => open = Some((hour.start, bad)),
            (Some((start, total)), false) => {
                runs.push((*start, hour.start, *total));
                open = None;
            }
            (None, false) => {}
        }
        at = hour.end;
    }
    if let Some((start, total)) = open {
        runs.push((start, range.end, total));
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    runs.truncate(MAX_CONSUMERS);
    runs.into_iter()
        .map(|(start, end, bad)| Consumer {
            start: crate::report::timestamp(start),
            end: crate::report::timestamp(end),
            duration_seconds: (end - start) / 1000,
            bad,
            budget_share: totals
                .allowed
                .filter(|allowed| *allowed > 0.0)
                .map(|allowed| bad / allowed),
        })
        .collect()
}

/// Policy states and alert episodes of one SLO over the period.
#[derive(Clone, Debug, Default)]
struct Timeline {
    policy: Option<PolicySummary>,
    /// Per objective: severity → episodes.
    alerts: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Steps through `range` every `step` with the SLOs' own windows.
fn timeline(
    catalog: &Catalog,
    source: &dyn DataSource,
    range: TimeRange,
    step: Millis,
) -> BTreeMap<(String, String), Timeline> {
    let engine = Engine::new(catalog, Options::default());
    let mut out: BTreeMap<(String, String), Timeline> = BTreeMap::new();
    // Per (service, slo, objective, row): holding at the previous step.
    let mut holding: BTreeMap<(String, String, String, usize), bool> = BTreeMap::new();
    let mut last_state: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut at = range.start;
    while at < range.end {
        let next = (at + step).min(range.end);
        let seconds = (next - at) / 1000;
        // The state over [at, next) is the one evaluated at `at` (the windows ending
        // there), as an evaluator running every step would have held it.
        let statuses: Vec<SloStatus<'_>> = engine.evaluate_all(source, at);
        for status in &statuses {
            let key = (status.slo.service.clone(), status.slo.name.clone());
            let entry = out.entry(key.clone()).or_default();
            if let Some(policy) = &status.policy {
                let state = match (policy.state, policy.no_data) {
                    (Some(state), _) => state.name.clone(),
                    (None, Some(_)) => "no data".to_string(),
                    (None, None) => "none".to_string(),
                };
                let summary = entry.policy.get_or_insert_with(|| PolicySummary {
                    policy: policy.policy.name.clone(),
                    seconds_in_state: BTreeMap::new(),
                    frozen_seconds: 0,
                    entered: Vec::new(),
                });
                *summary.seconds_in_state.entry(state.clone()).or_default() += seconds;
                if policy.blocks(None) {
                    summary.frozen_seconds += seconds;
                }
                if last_state.get(&key) != Some(&state) {
                    summary.entered.push(StateEntered {
                        state: state.clone(),
                        at: crate::report::timestamp(at),
                    });
                    last_state.insert(key.clone(), state);
                }
            }
            for objective in &status.objectives {
                let name = objective.objective.name.clone();
                for (row, alert) in objective.alerts.iter().enumerate() {
                    let id = (key.0.clone(), key.1.clone(), name.clone(), row);
                    let before = holding.insert(id, alert.holds).unwrap_or(false);
                    if alert.holds && !before {
                        *entry
                            .alerts
                            .entry(name.clone())
                            .or_default()
                            .entry(alert.row.severity.clone())
                            .or_default() += 1;
                    }
                }
            }
        }
        at = next;
    }
    out
}

/// Each SLO's SLA over its contractual periods overlapping `period`.
fn sla_statements(
    catalog: &Catalog,
    source: &dyn DataSource,
    period: &Period,
    now: Millis,
) -> Vec<SlaStatement> {
    let engine = Engine::new(catalog, Options::default());
    let mut out = Vec::new();
    for slo in &catalog.slos {
        let Some(sla) = catalog.sla_of(slo) else {
            continue;
        };
        let Window::Calendar {
            unit,
            count,
            zone,
            anchor,
        } = &sla.window
        else {
            continue;
        };
        let tz = calendar::zone(zone);
        let mut periods = Vec::new();
        let mut at = period.start;
        let end = period.end.min(now);
        while at < end {
            let contract = calendar::period(*unit, *count, &tz, *anchor, at);
            let until = contract.end.min(now);
            let status = engine
                .evaluate(source, &slo.service, &slo.name, until - 1)
                .and_then(|status| status.sla);
            periods.push(SlaPeriod {
                start: crate::report::timestamp(contract.start),
                end: crate::report::timestamp(contract.end),
                partial: now < contract.end,
                attainment: status.as_ref().and_then(|status| status.attainment),
                met: status.as_ref().and_then(|status| status.met),
                credit: status
                    .as_ref()
                    .and_then(|status| status.attainment.map(|_| status.credit.unwrap_or(0.0))),
            });
            if contract.end <= at {
                break;
            }
            at = contract.end;
        }
        out.push(SlaStatement {
            service: slo.service.clone(),
            slo: slo.name.clone(),
            sla: sla.name.clone(),
            customer: sla.customer.clone(),
            target: sla.target.fraction(),
            periods,
        });
    }
    out
}

mod render;
pub use render::{csv, markdown, table};

#[cfg(test)]
mod tests;
