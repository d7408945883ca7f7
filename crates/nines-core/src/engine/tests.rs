//! The engine against the numbers a person can check by hand (SLO primer, sections 2 and
//! 3, from the SRE Workbook), calendar windows across DST, and property tests.

use proptest::prelude::*;

use super::*;
use crate::Ratio;
use crate::expr::Filter;
use crate::memory::MemorySource;
use crate::model::{
    Action, Alerting, CalendarUnit, Condition, CreditTier, EventSource, Exclusion, Objective,
    Origin, Ownership, PolicyState, Recurrence, Review, Schedule, Service, Sla, Sli, SliRef,
};

pub(super) const SECOND: i64 = 1_000;
pub(super) const MINUTE: i64 = 60 * SECOND;
pub(super) const HOUR: i64 = 60 * MINUTE;
pub(super) const DAY: i64 = 24 * HOUR;

/// `2026-11-02T00:00:00Z`, a Monday: far from month ends so rolling windows are clean.
pub(super) const T0: i64 = 1_793_577_600_000;

pub(crate) fn sli() -> Sli {
    let mut sli = Sli::new(SliKind::Ratio {
        counted: crate::model::Counted::Good,
    });
    sli.events = Some(EventSource {
        valid: None,
        good: Some(Filter::parse("status < 500").unwrap()),
        bad: None,
        field: None,
        unit: None,
    });
    sli
}

pub(crate) fn slo(name: &str, target: f64, window: Window, budgeting: Budgeting) -> Slo {
    let mut objective = Objective::new(
        crate::model::DEFAULT_OBJECTIVE,
        Ratio::from_fraction(target),
    );
    if matches!(budgeting, Budgeting::Timeslices { .. }) {
        objective.slice_target = Some(Ratio::from_fraction(0.95));
    }
    Slo {
        origin: Origin::default(),
        service: "shop".into(),
        name: name.into(),
        display_name: None,
        description: None,
        indicator: Indicator::Sli(SliRef::Inline(Box::new(sli()))),
        window,
        budgeting,
        objectives: vec![objective],
        sla: None,
        policy: None,
        alerting: Alerting::default(),
        ownership: Ownership::default(),
        review: Review::default(),
        labels: Default::default(),
        annotations: Default::default(),
        exclusions: Vec::new(),
        no_data: None,
    }
}

pub(crate) fn catalog(slos: Vec<Slo>) -> Catalog {
    Catalog {
        services: vec![Service::new("shop")],
        slos,
        ..Catalog::default()
    }
}

pub(crate) fn rolling(days: u64) -> Window {
    Window::rolling(Duration::from_days(days))
}

pub(super) fn status<'c>(catalog: &'c Catalog, source: &dyn DataSource, at: i64) -> SloStatus<'c> {
    // Statuses borrow from their engine; in tests, letting the engine live forever keeps
    // each check a one-liner.
    let engine: &'c Engine<'c> = Box::leak(Box::new(Engine::new(catalog, Options::default())));
    engine.evaluate_all(source, at).remove(0)
}

/// Marks `series` as measured before any 28- or 30-day window ending near `T0` (one
/// interval of zero events 45 days earlier): the Workbook's windows are mature, and a
/// window whose data starts inside it would be budgeted on its expected events instead
/// (issue 8.6, `docs/engine.md`). Nothing in the windows changes.
pub(super) fn with_history(source: &mut MemorySource, series: &str) {
    source.add(series, T0 - 45 * DAY, 0.0, 0.0);
}

pub(super) fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

#[test]
fn three_million_requests_allow_three_thousand_errors_and_1500_use_half() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(28), Budgeting::Occurrences)]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    source.add("shop/a", T0 - 10 * DAY, 3_000_000.0 - 1_500.0, 3_000_000.0);
    with_history(&mut source, "shop/a");
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    close(objective.budget.allowed.unwrap(), 3_000.0);
    close(objective.budget.spent, 1_500.0);
    close(objective.budget.consumed.unwrap(), 0.5);
    close(objective.budget.remaining.unwrap(), 0.5);
    close(objective.sli.unwrap(), 0.9995);
}

#[test]
fn a_month_of_minutes_is_43200_slices_of_which_43_may_be_bad() {
    let catalog = catalog(vec![slo(
        "a",
        0.999,
        rolling(30),
        Budgeting::Timeslices {
            slice: Duration::from_minutes(1),
        },
    )]);
    for (bad, overspent) in [(43, false), (44, true)] {
        let mut source = MemorySource::new(Duration::from_minutes(1));
        for minute in 0..(30 * 24 * 60) {
            let good = if minute < bad { 50.0 } else { 100.0 };
            source.add("shop/a", T0 - 30 * DAY + minute * MINUTE, good, 100.0);
        }
        source.prepare(&catalog);
        let objective = &status(&catalog, &source, T0).objectives[0];
        let slices = objective.slices.unwrap();
        close(slices.with_data, 43_200.0);
        close(slices.bad(), bad as f64);
        close(objective.budget.allowed.unwrap(), 43.2);
        assert_eq!(objective.budget.allowed.unwrap().floor(), 43.0);
        assert_eq!(
            objective.budget.remaining.unwrap() < 0.0,
            overspent,
            "{bad} bad slices"
        );
        assert_eq!(objective.budget.unit, BudgetUnit::Slices);
    }
}

#[test]
fn the_97_123_percent_example_budgets() {
    // 3,663,253 requests at 97.123% success, judged against three objectives.
    let valid = 3_663_253.0;
    let good = (valid * 0.97123_f64).round();
    let mut source = MemorySource::new(Duration::from_minutes(1));
    let mut slos = Vec::new();
    for (name, target) in [
        ("availability", 0.97),
        ("latency-450", 0.90),
        ("latency-900", 0.99),
    ] {
        slos.push(slo(name, target, rolling(28), Budgeting::Occurrences));
        source.add(&format!("shop/{name}"), T0 - DAY, good, valid);
        with_history(&mut source, &format!("shop/{name}"));
    }
    source.refresh();
    let catalog = catalog(slos);
    let engine = Engine::new(&catalog, Options::default());
    let allowed: Vec<f64> = engine
        .evaluate_all(&source, T0)
        .iter()
        .map(|status| status.objectives[0].budget.allowed.unwrap().floor())
        .collect();
    assert_eq!(allowed, vec![109_897.0, 366_325.0, 36_632.0]);
}

#[test]
fn burn_rates_empty_a_30_day_budget_in_the_expected_time() {
    let month = Duration::from_days(30);
    let hours =
        |burn: f64| time_to_exhaustion(Some(1.0), Some(burn), month).unwrap() as f64 / HOUR as f64;
    close(hours(1.0), 720.0);
    close(hours(2.0), 360.0);
    close(hours(10.0), 72.0);
    // Burn 1000 → 43 minutes; a 35× burn, which a 1h/36× alert never catches, → 20.5 hours.
    close(hours(1000.0) * 60.0, 43.2);
    assert!((hours(35.0) - 20.57).abs() < 0.01);
    // At 99.999% per month a full outage (burn 100,000) empties the budget in ~26 seconds.
    let seconds = time_to_exhaustion(
        Some(1.0),
        Some(1.0 / Ratio::from_fraction(0.99999).complement().fraction()),
        month,
    )
    .unwrap() as f64
        / 1000.0;
    assert!((seconds - 25.92).abs() < 0.01, "{seconds}");
    assert_eq!(time_to_exhaustion(Some(-0.2), Some(3.0), month), Some(0));
    assert_eq!(time_to_exhaustion(Some(0.5), Some(0.0), month), None);
    assert_eq!(time_to_exhaustion(None, Some(3.0), month), None);
}

/// A 1-second source with `per_second` valid requests for the day before `start` and a
/// bad share of `error` (per second) from `start` for `duration` seconds.
fn incident(per_second: f64, error: f64, start: i64, duration: i64, until: i64) -> MemorySource {
    let mut source = MemorySource::new(Duration::from_secs(1));
    let mut at = start - DAY;
    while at < until {
        let bad = if at >= start && at < start + duration * SECOND {
            per_second * error
        } else {
            0.0
        };
        source.add("shop/a", at, per_second - bad, per_second);
        at += SECOND;
    }
    source.refresh();
    source
}

fn page_row_holds(catalog: &Catalog, source: &MemorySource, at: i64) -> bool {
    status(catalog, source, at).objectives[0].alerts[0].holds
}

#[test]
fn a_full_outage_at_999_fires_the_1h_page_after_52_seconds_and_resets_5_minutes_after() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(30), Budgeting::Occurrences)]);
    let row = &Alerting::default_windows()[0];
    close(row.factor(Duration::from_days(30)), 14.4);
    let start = T0;
    let source = incident(10.0, 1.0, start, 3_600, start + 2 * HOUR);
    // detection time = (1 − SLO) / error ratio × long window × factor = 51.84 s
    assert!(!page_row_holds(&catalog, &source, start + 51 * SECOND));
    assert!(page_row_holds(&catalog, &source, start + 52 * SECOND));
    // The errors stop after an hour; the 5-minute short window lets go within 5 minutes.
    let stop = start + HOUR;
    assert!(page_row_holds(&catalog, &source, stop + 295 * SECOND));
    assert!(!page_row_holds(&catalog, &source, stop + 296 * SECOND));
    // The long window alone would have kept it firing for most of an hour.
    let long = status(&catalog, &source, stop + 296 * SECOND).objectives[0].alerts[0]
        .long_burn
        .unwrap();
    assert!(long > 14.4);
}

#[test]
fn fifteen_percent_errors_for_ten_minutes_page_after_about_5_minutes_and_stop_about_5_after() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(30), Budgeting::Occurrences)]);
    let start = T0;
    let source = incident(100.0, 0.15, start, 600, start + HOUR);
    // Long window: 0.15 × d / 3600 > 0.0144 from d = 346 s.
    assert!(!page_row_holds(&catalog, &source, start + 345 * SECOND));
    assert!(page_row_holds(&catalog, &source, start + 346 * SECOND));
    // Short window after the errors stop: 0.15 × (300 − d) / 300 > 0.0144 until d = 271 s.
    let stop = start + 600 * SECOND;
    assert!(page_row_holds(&catalog, &source, stop + 271 * SECOND));
    assert!(!page_row_holds(&catalog, &source, stop + 272 * SECOND));
}

#[test]
fn one_failure_at_ten_requests_an_hour_spends_14_percent_of_the_budget_and_is_flagged() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(30), Budgeting::Occurrences)]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    for hour in 0..(30 * 24) {
        let good = if hour == 100 { 9.0 } else { 10.0 };
        source.add("shop/a", T0 - 30 * DAY + hour * HOUR, good, 10.0);
    }
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    assert!((objective.budget.consumed.unwrap() - 0.1389).abs() < 1e-4);
    assert!(objective.data_quality.low_traffic);
    close(objective.data_quality.low_traffic_threshold, 10_000.0);
    // 720 of 43,200 minutes have data: the rest are gaps, not 100%.
    assert_eq!(objective.data_quality.gaps, 43_200 - 720);
}

#[test]
fn no_data_is_neither_zero_nor_one_hundred_percent() {
    let catalog = catalog(vec![
        slo("a", 0.999, rolling(28), Budgeting::Occurrences),
        slo(
            "b",
            0.99,
            rolling(28),
            Budgeting::Timeslices {
                slice: Duration::from_minutes(1),
            },
        ),
    ]);
    let source = MemorySource::new(Duration::from_minutes(1));
    let engine = Engine::new(&catalog, Options::default());
    for status in engine.evaluate_all(&source, T0) {
        let objective = &status.objectives[0];
        assert_eq!(objective.sli, None);
        assert_eq!(objective.budget.consumed, None);
        assert_eq!(objective.budget.remaining, None);
        assert_eq!(objective.burn.whole, None);
        assert!(objective.burn.windows.iter().all(Option::is_none));
        assert!(objective.data_quality.no_data);
        assert!(objective.alerts.iter().all(|alert| !alert.holds));
        assert_eq!(objective.time_to_exhaustion, None);
    }
}

#[test]
fn calendar_months_follow_local_time_across_dst_in_two_zones() {
    let paris = Window::calendar(CalendarUnit::Month, "Europe/Paris");
    let new_york = Window::calendar(CalendarUnit::Month, "America/New_York");
    let catalog = catalog(vec![
        slo("paris", 0.99, paris, Budgeting::Occurrences),
        slo("ny", 0.99, new_york, Budgeting::Occurrences),
    ]);
    let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let mut source = MemorySource::new(Duration::from_minutes(1));
    // Paris: 2026-02-28T23:30Z is already March 1st locally; 22:30Z is still February.
    source.add("shop/paris", at("2026-02-28T22:30:00Z"), 0.0, 100.0);
    source.add("shop/paris", at("2026-02-28T23:30:00Z"), 90.0, 100.0);
    source.add("shop/paris", at("2026-03-31T21:30:00Z"), 100.0, 100.0);
    // New York: 2026-11-01T04:30Z is November locally (EDT); December starts 05:00Z (EST).
    source.add("shop/ny", at("2026-11-01T03:30:00Z"), 0.0, 100.0);
    source.add("shop/ny", at("2026-11-01T04:30:00Z"), 99.0, 100.0);
    source.add("shop/ny", at("2026-12-01T04:30:00Z"), 100.0, 100.0);
    source.add("shop/ny", at("2026-12-01T05:30:00Z"), 0.0, 100.0);
    source.refresh();
    let engine = Engine::new(&catalog, Options::default());
    let paris = engine
        .evaluate(&source, "shop", "paris", at("2026-03-31T21:59:00Z"))
        .unwrap();
    assert_eq!(paris.window.start, at("2026-02-28T23:00:00Z"));
    assert_eq!(paris.period.end, at("2026-03-31T22:00:00Z"));
    close(paris.objectives[0].counts.valid, 200.0);
    close(paris.objectives[0].sli.unwrap(), 0.95);
    let november = engine
        .evaluate(&source, "shop", "ny", at("2026-12-01T04:59:00Z"))
        .unwrap();
    assert_eq!(
        november.period.length(),
        (30 * 24 + 1) * HOUR,
        "November has the extra DST hour"
    );
    close(november.objectives[0].counts.valid, 200.0);
    close(november.objectives[0].sli.unwrap(), 0.995);
    // The partial period of December holds one interval so far.
    let december = engine
        .evaluate(&source, "shop", "ny", at("2026-12-01T06:00:00Z"))
        .unwrap();
    close(december.objectives[0].counts.valid, 100.0);
    close(december.objectives[0].sli.unwrap(), 0.0);
}

#[test]
fn exclusions_remove_events_from_good_and_valid() {
    let mut with_exclusion = slo("a", 0.99, rolling(7), Budgeting::Occurrences);
    with_exclusion.exclusions.push(Exclusion {
        origin: Origin::default(),
        name: "migration".into(),
        reason: None,
        schedule: Schedule::Once {
            start: jiff::Timestamp::from_millisecond(T0 - 2 * HOUR).unwrap(),
            end: jiff::Timestamp::from_millisecond(T0 - HOUR).unwrap(),
        },
    });
    let catalog = catalog(vec![with_exclusion]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    source.add("shop/a", T0 - 3 * HOUR, 100.0, 100.0);
    source.add("shop/a", T0 - 90 * MINUTE, 0.0, 100.0);
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    close(objective.counts.valid, 100.0);
    close(objective.sli.unwrap(), 1.0);
    assert_eq!(objective.data_quality.excluded_ms, HOUR);
}

#[test]
fn recurring_exclusions_apply_every_week() {
    let mut weekly = slo("a", 0.99, rolling(28), Budgeting::Occurrences);
    weekly.exclusions.push(Exclusion {
        origin: Origin::default(),
        name: "maintenance".into(),
        reason: None,
        schedule: Schedule::Recurring {
            every: Recurrence::Weekly(jiff::civil::Weekday::Sunday),
            at: jiff::civil::time(2, 0, 0, 0),
            duration: Duration::from_hours(1),
            zone: "UTC".into(),
        },
    });
    let catalog = catalog(vec![weekly]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    // Every Sunday at 02:30 UTC, an outage inside the maintenance window; every Monday at
    // 02:30, a good minute. T0 is a Monday at midnight.
    for week in 1..=4 {
        source.add(
            "shop/a",
            T0 - week * 7 * DAY - DAY + 2 * HOUR + 30 * MINUTE,
            0.0,
            50.0,
        );
        source.add(
            "shop/a",
            T0 - week * 7 * DAY + 2 * HOUR + 30 * MINUTE,
            50.0,
            50.0,
        );
    }
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    close(objective.sli.unwrap(), 1.0);
    assert_eq!(objective.data_quality.excluded_ms, 4 * HOUR);
}

#[test]
fn the_policy_state_follows_the_budget_and_freezes_releases() {
    let mut frozen = slo("a", 0.99, rolling(28), Budgeting::Occurrences);
    frozen.policy = Some("standard".into());
    let mut catalog = catalog(vec![frozen]);
    catalog.policies.push(ErrorBudgetPolicy {
        origin: Origin::default(),
        name: "standard".into(),
        description: None,
        states: vec![
            PolicyState {
                origin: Origin::default(),
                name: "exhausted".into(),
                description: None,
                when: Condition::RemainingBelow(Ratio::ZERO),
                actions: vec![Action::Freeze {
                    scope: "releases".into(),
                    except: vec!["security".into(), "p0".into()],
                }],
            },
            PolicyState {
                origin: Origin::default(),
                name: "incident".into(),
                description: None,
                when: Condition::ConsumedAbove {
                    within: Duration::from_days(1),
                    share: Ratio::from_fraction(0.2),
                },
                actions: vec![Action::Postmortem { requirement: None }],
            },
            PolicyState {
                origin: Origin::default(),
                name: "healthy".into(),
                description: None,
                when: Condition::Always,
                actions: Vec::new(),
            },
        ],
        ownership: Ownership::default(),
        review: Review::default(),
    });
    let state_at = |good_before: f64, good_today: f64| {
        let mut source = MemorySource::new(Duration::from_minutes(1));
        source.add("shop/a", T0 - 10 * DAY, good_before, 1000.0);
        source.add("shop/a", T0 - HOUR, good_today, 1000.0);
        with_history(&mut source, "shop/a");
        source.refresh();
        let status = status(&catalog, &source, T0);
        let policy = status.policy.unwrap();
        (
            policy.state.map(|state| state.name.clone()),
            policy.blocks(Some("feature")),
            policy.blocks(Some("security")),
        )
    };
    // 2,000 valid allow 20 bad. 30 bad → exhausted, frozen except security.
    assert_eq!(
        state_at(990.0, 980.0),
        (Some("exhausted".into()), true, false)
    );
    // 5 bad today out of 20 allowed: 25% in a day → a postmortem, no freeze.
    assert_eq!(
        state_at(1000.0, 995.0),
        (Some("incident".into()), false, false)
    );
    assert_eq!(
        state_at(1000.0, 999.0),
        (Some("healthy".into()), false, false)
    );
}

#[test]
fn the_sla_reports_attainment_and_the_credit_owed() {
    let mut payments = slo(
        "a",
        0.999,
        Window::calendar(CalendarUnit::Month, "UTC"),
        Budgeting::Occurrences,
    );
    payments.sla = Some("contract".into());
    let mut catalog = catalog(vec![payments]);
    catalog.slas.push(Sla {
        origin: Origin::default(),
        service: "shop".into(),
        name: "contract".into(),
        display_name: None,
        description: None,
        customer: None,
        target: Ratio::from_fraction(0.995),
        window: Window::calendar(CalendarUnit::Month, "UTC"),
        credits: vec![
            CreditTier {
                below: Ratio::from_fraction(0.995),
                credit: Ratio::from_fraction(0.10),
            },
            CreditTier {
                below: Ratio::from_fraction(0.99),
                credit: Ratio::from_fraction(0.25),
            },
            CreditTier {
                below: Ratio::from_fraction(0.95),
                credit: Ratio::from_fraction(1.0),
            },
        ],
    });
    let sla_at = |good: f64| {
        let mut source = MemorySource::new(Duration::from_minutes(1));
        source.add("shop/a", T0 + DAY, good, 1000.0);
        source.refresh();
        let status = status(&catalog, &source, T0 + 2 * DAY);
        let sla = status.sla.unwrap();
        (sla.met, sla.credit)
    };
    assert_eq!(sla_at(999.0), (Some(true), None));
    assert_eq!(sla_at(993.0), (Some(false), Some(0.10)));
    assert_eq!(sla_at(980.0), (Some(false), Some(0.25)));
    assert_eq!(sla_at(900.0), (Some(false), Some(1.0)));
}

#[test]
fn aspirational_targets_are_reported_not_acted_on() {
    let mut checkout = slo("a", 0.99, rolling(28), Budgeting::Occurrences);
    checkout.objectives[0].aspirational = Some(Ratio::from_fraction(0.999));
    let catalog = catalog(vec![checkout]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    source.add("shop/a", T0 - DAY, 995.0, 1000.0);
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    assert_eq!(objective.aspirational_met, Some(false));
    assert!(objective.budget.remaining.unwrap() > 0.0);
}

#[test]
fn composites_weigh_their_members() {
    let first = slo("a", 0.99, rolling(28), Budgeting::Occurrences);
    let second = slo("b", 0.99, rolling(28), Budgeting::Occurrences);
    let mut journey = slo("journey", 0.99, rolling(28), Budgeting::Occurrences);
    journey.indicator = Indicator::Composite(crate::model::Composite {
        members: vec![
            crate::model::CompositeMember {
                origin: Origin::default(),
                name: "a".into(),
                weight: 3.0,
                source: MemberSource::Slo {
                    service: None,
                    slo: "a".into(),
                    objective: None,
                },
            },
            crate::model::CompositeMember {
                origin: Origin::default(),
                name: "b".into(),
                weight: 1.0,
                source: MemberSource::Slo {
                    service: None,
                    slo: "b".into(),
                    objective: None,
                },
            },
        ],
    });
    let catalog = catalog(vec![first, second, journey]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    source.add("shop/a", T0 - DAY, 1000.0, 1000.0); // a spends nothing
    source.add("shop/b", T0 - DAY, 990.0, 1000.0); // b spends its whole budget
    with_history(&mut source, "shop/a");
    with_history(&mut source, "shop/b");
    source.refresh();
    let engine = Engine::new(&catalog, Options::default());
    let status = engine.evaluate(&source, "shop", "journey", T0).unwrap();
    close(status.objectives[0].budget.consumed.unwrap(), 0.25);
    assert_eq!(status.members.len(), 2);
}

fn arbitrary_source(points: &[(i64, u32, u32)]) -> MemorySource {
    let mut source = MemorySource::new(Duration::from_minutes(1));
    for &(minute, good, extra) in points {
        source.add(
            "shop/a",
            T0 - minute * MINUTE,
            f64::from(good),
            f64::from(good + extra),
        );
    }
    source.refresh();
    source
}

proptest! {
    #[test]
    fn consumed_plus_remaining_is_one_and_nothing_is_nan(
        points in proptest::collection::vec((0i64..60 * 24 * 30, 0u32..1000, 0u32..50), 0..200),
        target in prop::sample::select(vec![0.9, 0.99, 0.999, 0.9999]),
        budgeting in prop::sample::select(vec![0u8, 1, 2]),
    ) {
        let budgeting = match budgeting {
            0 => Budgeting::Occurrences,
            1 => Budgeting::Timeslices { slice: Duration::from_minutes(5) },
            _ => Budgeting::RatioTimeslices { slice: Duration::from_minutes(5) },
        };
        let catalog = catalog(vec![slo("a", target, rolling(28), budgeting)]);
        let mut source = arbitrary_source(&points);
        source.prepare(&catalog);
        let status = status(&catalog, &source, T0);
        let objective = &status.objectives[0];
        if let (Some(consumed), Some(remaining)) = (objective.budget.consumed, objective.budget.remaining) {
            prop_assert!((consumed + remaining - 1.0).abs() < 1e-9);
        }
        let mut numbers = vec![objective.budget.fraction, objective.budget.spent];
        numbers.extend(objective.sli);
        numbers.extend(objective.budget.allowed);
        numbers.extend(objective.budget.consumed);
        numbers.extend(objective.burn.whole);
        numbers.extend(objective.burn.windows.iter().flatten());
        numbers.extend(objective.sli_interval.iter().flat_map(|(a, b)| [*a, *b]));
        numbers.extend(objective.alerts.iter().flat_map(|alert| [alert.long_burn, alert.short_burn]).flatten());
        for number in numbers {
            prop_assert!(number.is_finite(), "{number}");
        }
    }

    #[test]
    fn window_sums_equal_a_brute_force_sum(
        points in proptest::collection::vec((0i64..60 * 24 * 10, 0u32..1000, 0u32..50), 0..300),
        start in 0i64..60 * 24 * 10,
        length in 0i64..60 * 24 * 10,
        offset in 0i64..MINUTE,
    ) {
        let source = arbitrary_source(&points);
        let range = TimeRange::new(T0 - start * MINUTE + offset, T0 - start * MINUTE + offset + length * MINUTE);
        let counts = source.sum("shop/a", range).unwrap();
        let (mut good, mut valid) = (0.0, 0.0);
        for &(minute, g, extra) in &points {
            let at = T0 - minute * MINUTE;
            if at >= range.start && at < range.end {
                good += f64::from(g);
                valid += f64::from(g + extra);
            }
        }
        prop_assert_eq!(counts.good, good);
        prop_assert_eq!(counts.valid, valid);
    }

    #[test]
    fn burn_rate_scales_linearly_with_errors(valid in 1_000u32..1_000_000, bad in 0u32..1_000, factor in 1u32..5) {
        prop_assume!(bad * factor <= valid);
        let catalog = catalog(vec![slo("a", 0.999, rolling(28), Budgeting::Occurrences)]);
        let burn = |bad: f64| {
            let mut source = MemorySource::new(Duration::from_minutes(1));
            source.add("shop/a", T0 - 10 * MINUTE, f64::from(valid) - bad, f64::from(valid));
            source.refresh();
            status(&catalog, &source, T0).objectives[0].burn.get("1h").unwrap()
        };
        let single = burn(f64::from(bad));
        let scaled = burn(f64::from(bad * factor));
        prop_assert!((scaled - single * f64::from(factor)).abs() < 1e-9 * scaled.max(1.0));
    }
}

#[test]
fn suggests_the_strongest_readable_target_met_in_most_windows() {
    let mut with_aspiration = slo("a", 0.999, rolling(7), Budgeting::Occurrences);
    with_aspiration.objectives[0].aspirational = Some(Ratio::from_fraction(0.9999));
    let catalog = catalog(vec![with_aspiration]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    // 60 days: most days 99.97% good, every tenth day 99.5% good.
    for day in 0..60 {
        let good = if day % 10 == 0 { 99_500.0 } else { 99_970.0 };
        source.add("shop/a", T0 - (60 - day) * DAY + HOUR, good, 100_000.0);
    }
    source.refresh();
    let engine = Engine::new(&catalog, Options::default());
    let history = source.span().unwrap();
    let request = |share| suggest::SuggestRequest {
        service: "shop",
        slo: "a",
        objective: None,
        at: T0,
        history,
        share,
    };
    let suggestion = engine.suggest(&source, &request(0.9)).unwrap();
    // 53 daily-sliding 7-day windows fit in the history; each holds one bad day or none:
    // attainment 99.9% (7 days, one bad day:
    // (6 × 99,970 + 99,500) / 700,000 = 99.903%) or 99.97%. 90% of windows are met at
    // 99.903%, which rounds down to 99.9%.
    assert_eq!(suggestion.windows, 53);
    assert!(
        (suggestion.quantile.unwrap() - 0.999_028_571).abs() < 1e-6,
        "{:?}",
        suggestion.quantile
    );
    assert_eq!(suggestion.achievable, Some(0.999));
    // The aspiration allows a tenth of the errors history shows are achievable.
    assert!((suggestion.budget_ratio_to_aspirational.unwrap() - 10.0).abs() < 1e-6);
    assert!((suggestion.gap_to_aspirational_points.unwrap() - 0.09).abs() < 1e-9);
    let strict = engine.suggest(&source, &request(0.2)).unwrap();
    assert_eq!(strict.achievable, Some(0.9995));
}
