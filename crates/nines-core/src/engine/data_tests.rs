//! Stale and missing data (issue 8.5) and young windows (issue 8.6), against numbers
//! computed by hand.

use super::tests::{DAY, HOUR, MINUTE, T0, catalog, close, rolling, slo, status};
use super::*;
use crate::Ratio;
use crate::memory::MemorySource;
use crate::model::{Action, NoData, NoDataGate, Origin, Ownership, PolicyState, Review};
use crate::report::{GateOptions, gate_with};

/// A policy that freezes below 0% remaining and is `healthy` otherwise.
fn standard_policy() -> ErrorBudgetPolicy {
    ErrorBudgetPolicy {
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
                    except: Vec::new(),
                }],
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
    }
}

fn with_policy(mut slo: Slo, no_data: Option<NoData>) -> Catalog {
    slo.policy = Some("standard".into());
    slo.no_data = no_data;
    let mut catalog = catalog(vec![slo]);
    catalog.policies.push(standard_policy());
    catalog
}

/// 100 valid events a minute in `[from, until)`, all good.
fn steady(source: &mut MemorySource, from: i64, until: i64) {
    let mut at = from;
    while at < until {
        source.add("shop/a", at, 100.0, 100.0);
        at += MINUTE;
    }
}

// issue 8.5: a pipeline that never delivered is not healthy, and the gate says so.
#[test]
fn an_slo_that_never_received_data_is_in_no_policy_state_and_the_gate_refuses() {
    let catalog = with_policy(slo("a", 0.999, rolling(28), Budgeting::Occurrences), None);
    let source = MemorySource::new(Duration::from_minutes(1));
    let status = status(&catalog, &source, T0);
    assert_eq!(
        status.freshness,
        Freshness::Missing {
            looked_back: Duration::from_days(28)
        }
    );
    let policy = status.policy.as_ref().unwrap();
    assert_eq!(policy.state, None, "not `healthy`");
    assert_eq!(policy.no_data, Some(NoDataGate::Freeze));
    assert!(policy.blocks(None));
    assert_eq!(
        status.no_data_reason().unwrap(),
        "never received data for shop/a (none in the last 28d)"
    );
    let statuses = [status];
    let closed = gate_with(&statuses, "shop", None, T0, GateOptions::default());
    assert!(!closed.allowed);
    assert!(closed.blockers[0].no_data);
    let open = gate_with(
        &statuses,
        "shop",
        None,
        T0,
        GateOptions {
            allow_no_data: true,
        },
    );
    assert!(open.allowed);
    assert_eq!(
        open.without_data,
        ["never received data for shop/a (none in the last 28d)"]
    );
}

// issue 8.5: data that stopped two hours ago is stale after the default hour, current
// with `noData.after: 3h`; the reason names the last interval with data.
#[test]
fn data_that_stopped_is_stale_after_the_configured_time() {
    let mut source = MemorySource::new(Duration::from_minutes(1));
    steady(&mut source, T0 - 30 * DAY, T0 - 2 * HOUR);
    source.refresh();
    let default = with_policy(slo("a", 0.999, rolling(28), Budgeting::Occurrences), None);
    let stale = status(&default, &source, T0);
    // The last interval with data starts a minute before the data stopped.
    assert_eq!(
        stale.freshness,
        Freshness::Stale {
            last: Some(T0 - 2 * HOUR - MINUTE)
        }
    );
    assert_eq!(
        stale.no_data_reason().unwrap(),
        "no data for shop/a since 2026-11-01T21:59:00Z (stale after 1h)"
    );
    assert_eq!(stale.policy.as_ref().unwrap().state, None);
    let statuses = [stale];
    let decision = gate_with(&statuses, "shop", None, T0, GateOptions::default());
    assert!(!decision.allowed);
    assert_eq!(
        decision.blockers[0].reason.as_deref(),
        Some("no data for shop/a since 2026-11-01T21:59:00Z (stale after 1h)")
    );

    let patient = with_policy(
        slo("a", 0.999, rolling(28), Budgeting::Occurrences),
        Some(NoData {
            after: Duration::from_hours(3),
            gate: NoDataGate::Freeze,
        }),
    );
    let current = status(&patient, &source, T0);
    assert_eq!(current.freshness, Freshness::Current);
    assert_eq!(
        current
            .policy
            .as_ref()
            .unwrap()
            .state
            .map(|state| state.name.as_str()),
        Some("healthy")
    );
    let statuses = [current];
    assert!(gate_with(&statuses, "shop", None, T0, GateOptions::default()).allowed);
}

// issue 8.5: `noData.gate: allow` lets the release through, still reported.
#[test]
fn the_spec_can_let_releases_through_without_data() {
    let catalog = with_policy(
        slo("a", 0.999, rolling(28), Budgeting::Occurrences),
        Some(NoData {
            after: Duration::from_hours(1),
            gate: NoDataGate::Allow,
        }),
    );
    let source = MemorySource::new(Duration::from_minutes(1));
    let statuses = [status(&catalog, &source, T0)];
    assert!(!statuses[0].policy.as_ref().unwrap().blocks(None));
    let decision = gate_with(&statuses, "shop", None, T0, GateOptions::default());
    assert!(decision.allowed);
    assert_eq!(decision.without_data.len(), 1);
}

// issue 8.5: a budget spent before the pipeline broke still freezes (the state holds on
// the data there is); only the `always` fallback gives way to "no data".
#[test]
fn a_spent_budget_stays_frozen_when_data_stops() {
    let catalog = with_policy(slo("a", 0.999, rolling(28), Budgeting::Occurrences), None);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    steady(&mut source, T0 - 30 * DAY, T0 - 2 * HOUR);
    source.add("shop/a", T0 - 3 * HOUR, 0.0, 10_000.0);
    source.refresh();
    let status = status(&catalog, &source, T0);
    assert!(!status.freshness.is_current());
    let policy = status.policy.as_ref().unwrap();
    assert_eq!(
        policy.state.map(|state| state.name.as_str()),
        Some("exhausted")
    );
    assert!(policy.blocks(None));
}

/// A rolling 28-day window with 84 minutes (1.4 h) of data at 100 valid events a minute
/// and `bad` bad events in the last minute; `mature` adds history before the window.
fn young_window(bad: f64, mature: bool) -> (Catalog, MemorySource) {
    let catalog = with_policy(slo("a", 0.999, rolling(28), Budgeting::Occurrences), None);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    steady(&mut source, T0 - 84 * MINUTE, T0 - MINUTE);
    source.add("shop/a", T0 - MINUTE, 100.0, 100.0 + bad);
    if mature {
        source.add("shop/a", T0 - 40 * DAY, 100.0, 100.0);
    }
    source.refresh();
    (catalog, source)
}

// issue 8.6: a burst that would not exhaust a full window's budget does not freeze a
// young one. 84 minutes of a 40,320-minute window: the 8,400 + 20 valid events seen
// extrapolate by 40,320 / 84 = 480 to 4,041,600 expected, whose 0.1% is 4,041.6 bad
// events; 20 bad spend 20 / 4,041.6 = 0.4949% of it.
#[test]
fn a_burst_that_a_full_window_absorbs_does_not_freeze_a_young_one() {
    let (catalog, source) = young_window(20.0, false);
    let status = status(&catalog, &source, T0);
    let objective = &status.objectives[0];
    close(objective.budget.extrapolated_by.unwrap(), 480.0);
    close(objective.budget.allowed.unwrap(), 4_041.6);
    close(objective.budget.consumed.unwrap(), 20.0 / 4_041.6);
    assert_eq!(objective.data_quality.data_since, Some(T0 - 84 * MINUTE));
    close(objective.data_quality.coverage.unwrap(), 84.0 / 40_320.0);
    close(
        objective.data_quality.window_coverage.unwrap(),
        84.0 / 40_320.0,
    );
    let policy = status.policy.as_ref().unwrap();
    assert_eq!(
        policy.state.map(|state| state.name.as_str()),
        Some("healthy")
    );
    // The SLI and burn rates are what was observed: 20 bad of 8,420.
    close(objective.sli.unwrap(), 8_400.0 / 8_420.0);
}

// issue 8.6: a burst that would exhaust a full window's budget freezes a young one too.
#[test]
fn a_burst_that_would_exhaust_a_full_window_freezes_a_young_one() {
    let (catalog, source) = young_window(5_000.0, false);
    let partial = status(&catalog, &source, T0);
    let objective = &partial.objectives[0];
    // 8,400 + 5,000 valid events × 480 = 6,432,000 expected; 0.1% is 6,432.
    close(objective.budget.allowed.unwrap(), 6_432.0);
    close(objective.budget.remaining.unwrap(), 1.0 - 5_000.0 / 6_432.0);
    let (catalog, source) = young_window(10_000.0, false);
    let status = status(&catalog, &source, T0);
    let objective = &status.objectives[0];
    // 18,400 × 480 = 8,832,000 expected; 0.1% is 8,832 < 10,000 bad: exhausted.
    close(objective.budget.allowed.unwrap(), 8_832.0);
    assert!(objective.budget.remaining.unwrap() < 0.0);
    let policy = status.policy.as_ref().unwrap();
    assert_eq!(
        policy.state.map(|state| state.name.as_str()),
        Some("exhausted")
    );
}

// issue 8.6: a mature window (data before it) is never scaled, however little of it has
// data: 0.1% of the 8,420 events seen.
#[test]
fn a_mature_window_with_little_data_keeps_its_observed_budget() {
    let (catalog, source) = young_window(20.0, true);
    let objective = &status(&catalog, &source, T0).objectives[0];
    assert_eq!(objective.budget.extrapolated_by, None);
    assert_eq!(objective.data_quality.data_since, None);
    assert_eq!(objective.data_quality.window_coverage, Some(1.0));
    close(objective.budget.allowed.unwrap(), 8.42);
    close(objective.budget.consumed.unwrap(), 20.0 / 8.42);
}

// issue 8.6: a calendar month is scaled to its measured part, not the whole month: data
// from noon on the 1st, evaluated at midnight on the 2nd, counts twice (24 h / 12 h).
#[test]
fn a_young_calendar_window_is_scaled_to_the_period_so_far() {
    let catalog = with_policy(
        slo(
            "a",
            0.999,
            Window::calendar(crate::model::CalendarUnit::Month, "UTC"),
            Budgeting::Occurrences,
        ),
        None,
    );
    // T0 is 2026-11-02T00:00Z: the month so far is the 1st.
    let mut source = MemorySource::new(Duration::from_minutes(1));
    steady(&mut source, T0 - 12 * HOUR, T0);
    source.refresh();
    let objective = &status(&catalog, &source, T0).objectives[0];
    close(objective.budget.extrapolated_by.unwrap(), 2.0);
    close(objective.budget.allowed.unwrap(), 0.001 * 72_000.0 * 2.0);
}

// issue 8.5: an SLO without a policy has no consequences, with data or without: the gate
// lets the change through and says the SLO has no data.
#[test]
fn an_slo_without_a_policy_is_listed_not_gated_without_data() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(28), Budgeting::Occurrences)]);
    let source = MemorySource::new(Duration::from_minutes(1));
    let statuses = [status(&catalog, &source, T0)];
    assert!(statuses[0].policy.is_none());
    let decision = gate_with(&statuses, "shop", None, T0, GateOptions::default());
    assert!(decision.allowed);
    assert_eq!(
        decision.without_data,
        ["never received data for shop/a (none in the last 28d); no policy, so not gated"]
    );
}

/// A source whose every read fails, as a Prometheus that is down.
struct Failing;

impl DataSource for Failing {
    fn resolution(&self) -> Duration {
        Duration::from_minutes(1)
    }
    fn intervals(
        &self,
        _series: &str,
        _range: TimeRange,
    ) -> Result<Vec<crate::source::Interval>, DataError> {
        Err(DataError::Failed("connection refused".to_string()))
    }
}

// `serve --prometheus`'s gate let releases through while the backend was down: an SLO
// whose numbers could not be read closes the gate, even with `--allow-no-data`.
#[test]
fn a_backend_error_closes_the_gate_even_when_no_data_is_allowed() {
    let guarded = with_policy(slo("a", 0.999, rolling(28), Budgeting::Occurrences), None);
    let statuses = [status(&guarded, &Failing, T0)];
    assert!(statuses[0].objectives[0].error.is_some());
    for allow_no_data in [false, true] {
        let decision = gate_with(&statuses, "shop", None, T0, GateOptions { allow_no_data });
        assert!(!decision.allowed, "allow_no_data={allow_no_data}");
        assert_eq!(decision.blockers[0].state, "not measured");
        assert!(
            decision.blockers[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("connection refused")
        );
    }
    // Without a policy it is listed, not gated.
    let bare = catalog(vec![slo("a", 0.999, rolling(28), Budgeting::Occurrences)]);
    let statuses = [status(&bare, &Failing, T0)];
    let decision = gate_with(&statuses, "shop", None, T0, GateOptions::default());
    assert!(decision.allowed);
    assert!(decision.without_data[0].contains("not measured"));
}
