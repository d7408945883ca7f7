//! The alert state machine (issue 10.1, 10.2, 10.5) and its timing against the SRE
//! Workbook (issue 10, "How it is checked": a total outage pages within 2 evaluation
//! intervals of the Workbook's time; a 0.5× burn never pages).

use super::*;
use crate::engine::{Engine, Options, SloStatus};
use crate::expr::Filter;
use crate::memory::MemorySource;
use crate::model::{
    Action, Alerting, Budgeting, Catalog, Condition, ErrorBudgetPolicy, EventSource, Indicator,
    Objective, Origin, Ownership, PolicyState, Review, Service, Sli, SliKind, SliRef, Slo, Window,
};
use crate::{Duration, Ratio};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// The evaluation interval `nines serve` uses by default.
const INTERVAL: i64 = 30 * SECOND;
/// `2026-11-02T00:00:00Z`.
const T0: i64 = 1_793_577_600_000;

fn slo(name: &str, target: f64, days: u64) -> Slo {
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
    Slo {
        origin: Origin::default(),
        service: "shop".into(),
        name: name.into(),
        display_name: None,
        description: None,
        indicator: Indicator::Sli(SliRef::Inline(Box::new(sli))),
        window: Window::rolling(Duration::from_days(days)),
        budgeting: Budgeting::Occurrences,
        objectives: vec![Objective::new(
            crate::model::DEFAULT_OBJECTIVE,
            Ratio::from_fraction(target),
        )],
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

fn catalog(slos: Vec<Slo>) -> Catalog {
    Catalog {
        services: vec![Service::new("shop")],
        slos,
        ..Catalog::default()
    }
}

/// `per_minute` events a minute from `from` to `to`, `bad` of them bad.
fn traffic(source: &mut MemorySource, series: &str, from: i64, to: i64, per_minute: u64, bad: u64) {
    let mut at = from;
    while at < to {
        source.add(series, at, (per_minute - bad) as f64, per_minute as f64);
        at += MINUTE;
    }
}

fn minutes() -> MemorySource {
    MemorySource::new(Duration::from_minutes(1))
}

/// Steps `book` at every `INTERVAL` from `from` (inclusive) to `to` (exclusive),
/// returning every change with its instant.
fn run(
    catalog: &Catalog,
    source: &MemorySource,
    book: &mut AlertBook,
    from: i64,
    to: i64,
    every: i64,
) -> Vec<Change> {
    let engine = Engine::new(catalog, Options::default());
    let mut changes = Vec::new();
    let mut at = from;
    while at < to {
        let statuses = engine.evaluate_all(source, at);
        changes.extend(step(book, &statuses, at));
        at += every;
    }
    changes
}

fn alert_changes(changes: &[Change]) -> Vec<&AlertTransition> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::Alert(transition) => Some(transition),
            _ => None,
        })
        .collect()
}

fn fired_at(changes: &[Change], id: &str) -> Option<i64> {
    alert_changes(changes)
        .into_iter()
        .find(|transition| transition.event == AlertEvent::Firing && transition.alert.id == id)
        .map(|transition| transition.at)
}

// issue 10, "How it is checked": with the default table and a 30-day 99.9% SLO, a total
// outage (every event bad from T0, burn rate 1 / 0.001 = 1000) fires each row when both
// windows pass the row's factor. The long window's error ratio after x seconds of outage
// is x / long, its burn 1000·x / long, so the row fires when x = factor · long / 1000:
// 1h/5m (14.4): 14.4 · 3600 / 1000 = 51.84 s (the short window passes 14.4 at 4.32 s);
// 6h/30m (6): 6 · 21600 / 1000 = 129.6 s; 1d/2h (3): 259.2 s; 3d/6h (1): 259.2 s.
// Each must fire within 2 evaluation intervals (60 s) of that instant.
#[test]
fn a_total_outage_fires_each_default_row_within_two_intervals_of_the_workbook_time() {
    let catalog = catalog(vec![slo("checkout", 0.999, 30)]);
    let mut source = minutes();
    traffic(&mut source, "shop/checkout", T0 - 35 * DAY, T0, 1_000, 0);
    traffic(&mut source, "shop/checkout", T0, T0 + HOUR, 1_000, 1_000);
    source.refresh();
    let mut book = AlertBook::default();
    let changes = run(
        &catalog,
        &source,
        &mut book,
        T0 - 10 * MINUTE,
        T0 + 10 * MINUTE,
        INTERVAL,
    );
    let expected = [
        ("shop/checkout/default/page-1h", 51_840),
        ("shop/checkout/default/page-6h", 129_600),
        ("shop/checkout/default/ticket-1d", 259_200),
        ("shop/checkout/default/ticket-3d", 259_200),
    ];
    for (id, workbook_ms) in expected {
        let fired = fired_at(&changes, id).unwrap_or_else(|| panic!("{id} never fired"));
        let late = (fired - T0) - workbook_ms;
        assert!(
            late.abs() <= 2 * INTERVAL,
            "{id} fired {} s after the outage began; the Workbook says {} s",
            (fired - T0) / 1000,
            workbook_ms as f64 / 1000.0
        );
    }
    // Nothing fired before the outage.
    assert!(
        alert_changes(&changes)
            .iter()
            .all(|transition| transition.at >= T0)
    );
    let page = &book.instances["shop/checkout/default/page-1h"];
    assert_eq!(page.state, AlertState::Firing);
    assert_eq!(page.severity, "page");
    assert!(page.long_burn.unwrap() > 14.4 && page.short_burn.unwrap() > 14.4);
}

// issue 10, "How it is checked": a steady 0.5× burn (an error ratio of 0.05% against a
// 0.1% budget) spends half the budget over the window and must never page nor ticket:
// every row's factor (14.4, 6, 3, 1) is above 0.5.
#[test]
fn a_steady_half_burn_over_days_never_pages_nor_tickets() {
    let catalog = catalog(vec![slo("checkout", 0.999, 30)]);
    let mut source = minutes();
    // 2,000 events a minute, 1 bad: an error ratio of 0.0005, burn rate 0.5.
    traffic(
        &mut source,
        "shop/checkout",
        T0 - 35 * DAY,
        T0 + 4 * DAY,
        2_000,
        1,
    );
    source.refresh();
    let mut book = AlertBook::default();
    let changes = run(
        &catalog,
        &source,
        &mut book,
        T0 - 2 * DAY,
        T0 + 4 * DAY,
        10 * MINUTE,
    );
    assert_eq!(alert_changes(&changes), Vec::<&AlertTransition>::new());
    assert!(book.instances.is_empty());
}

/// `slos` as a catalog that lives as long as the test process: statuses borrow it.
fn leaked(slos: Vec<Slo>) -> &'static Catalog {
    Box::leak(Box::new(catalog(slos)))
}

/// The statuses of `catalog` at `T0` over 1,000 good events a minute for 35 days.
fn healthy(catalog: &'static Catalog) -> Vec<SloStatus<'static>> {
    let mut source = minutes();
    for slo in &catalog.slos {
        traffic(
            &mut source,
            &format!("shop/{}", slo.name),
            T0 - 35 * DAY,
            T0 + DAY,
            1_000,
            0,
        );
    }
    source.refresh();
    let engine: &'static Engine<'static> =
        Box::leak(Box::new(Engine::new(catalog, Options::default())));
    engine.evaluate_all(&source, T0)
}

/// `statuses` at `at` with the first objective's row `row` made to hold (or not).
fn holding(
    statuses: &[SloStatus<'static>],
    row: usize,
    holds: bool,
    at: i64,
) -> Vec<SloStatus<'static>> {
    let mut statuses = statuses.to_vec();
    for status in &mut statuses {
        status.at = at;
        let alert = &mut status.objectives[0].alerts[row];
        alert.holds = holds;
        if holds {
            alert.long_burn = Some(alert.factor * 2.0);
            alert.short_burn = Some(alert.factor * 3.0);
        }
    }
    statuses
}

fn events(changes: &[Change]) -> Vec<(String, AlertEvent, i64)> {
    alert_changes(changes)
        .into_iter()
        .map(|transition| (transition.alert.id.clone(), transition.event, transition.at))
        .collect()
}

// issue 10.1: a row without `for:` fires on the first evaluation it holds, stays firing
// without a second notification while it holds, and resolves when it stops.
#[test]
fn a_row_without_for_fires_at_once_and_resolves_once() {
    let catalog = leaked(vec![slo("checkout", 0.999, 30)]);
    let statuses = healthy(catalog);
    let id = "shop/checkout/default/page-1h".to_string();
    let mut book = AlertBook::default();
    assert!(step(&mut book, &statuses, T0).is_empty());
    let fired = step(
        &mut book,
        &holding(&statuses, 0, true, T0 + INTERVAL),
        T0 + INTERVAL,
    );
    assert_eq!(
        events(&fired),
        [(id.clone(), AlertEvent::Firing, T0 + INTERVAL)]
    );
    let instance = &book.instances[&id];
    assert_eq!(
        (instance.active_at, instance.fired_at),
        (T0 + INTERVAL, Some(T0 + INTERVAL))
    );
    assert_eq!(instance.long_burn, Some(14.4 * 2.0));
    assert!(
        step(
            &mut book,
            &holding(&statuses, 0, true, T0 + 2 * INTERVAL),
            T0 + 2 * INTERVAL
        )
        .is_empty()
    );
    let resolved = step(
        &mut book,
        &holding(&statuses, 0, false, T0 + 3 * INTERVAL),
        T0 + 3 * INTERVAL,
    );
    let transitions = alert_changes(&resolved);
    assert_eq!(
        events(&resolved),
        [(id.clone(), AlertEvent::Resolved, T0 + 3 * INTERVAL)]
    );
    assert_eq!(transitions[0].alert.fired_at, Some(T0 + INTERVAL));
    assert_eq!(transitions[0].resolved_at, Some(T0 + 3 * INTERVAL));
    assert!(book.instances.is_empty());
}

// issue 10.1: with `for: 2m` the alert is pending for two minutes, then fires; a
// condition that stops before is cancelled and never fires.
#[test]
fn for_keeps_an_alert_pending_then_fires_or_cancels() {
    let mut with_for = slo("checkout", 0.999, 30);
    let mut rows = Alerting::default_windows();
    rows[0].for_duration = Some(Duration::from_minutes(2));
    with_for.alerting.windows = rows;
    let catalog = leaked(vec![with_for]);
    let statuses = healthy(catalog);
    let id = "shop/checkout/default/page-1h".to_string();
    let mut book = AlertBook::default();
    let mut all = Vec::new();
    for tick in 0..=4 {
        let at = T0 + tick * INTERVAL;
        all.extend(step(&mut book, &holding(&statuses, 0, true, at), at));
    }
    // Pending at T0, firing once 2 minutes have passed (T0 + 4 intervals).
    assert_eq!(
        events(&all),
        [
            (id.clone(), AlertEvent::Pending, T0),
            (id.clone(), AlertEvent::Firing, T0 + 4 * INTERVAL)
        ]
    );
    assert_eq!(book.instances[&id].active_at, T0);
    let mut book = AlertBook::default();
    let mut all = Vec::new();
    for (tick, holds) in [(0, true), (1, true), (2, false), (3, false)] {
        let at = T0 + tick * INTERVAL;
        all.extend(step(&mut book, &holding(&statuses, 0, holds, at), at));
    }
    assert_eq!(
        events(&all),
        [
            (id.clone(), AlertEvent::Pending, T0),
            (id, AlertEvent::Cancelled, T0 + 2 * INTERVAL)
        ]
    );
}

// issue 10.1: a backend error must never resolve a firing alert as if healthy; nor do
// burn windows without data. The state is kept and says why.
#[test]
fn an_error_or_missing_burn_data_keeps_a_firing_alert_firing() {
    let catalog = leaked(vec![slo("checkout", 0.999, 30)]);
    let statuses = healthy(catalog);
    let id = "shop/checkout/default/page-1h";
    let mut book = AlertBook::default();
    step(&mut book, &holding(&statuses, 0, true, T0), T0);
    let mut failing = holding(&statuses, 0, false, T0 + INTERVAL);
    failing[0].objectives[0].error = Some("connection refused".into());
    failing[0].freshness = crate::engine::Freshness::Missing {
        looked_back: Duration::from_days(30),
    };
    assert!(step(&mut book, &failing, T0 + INTERVAL).is_empty());
    let instance = &book.instances[id];
    assert_eq!(instance.state, AlertState::Firing);
    assert!(
        instance
            .held
            .as_deref()
            .unwrap()
            .contains("connection refused"),
        "{:?}",
        instance.held
    );
    let mut silent = holding(&statuses, 0, false, T0 + 2 * INTERVAL);
    silent[0].objectives[0].alerts[0].short_burn = None;
    assert!(step(&mut book, &silent, T0 + 2 * INTERVAL).is_empty());
    assert!(
        book.instances[id]
            .held
            .as_deref()
            .unwrap()
            .contains("no data")
    );
    let recovered = step(
        &mut book,
        &holding(&statuses, 0, false, T0 + 3 * INTERVAL),
        T0 + 3 * INTERVAL,
    );
    assert_eq!(
        events(&recovered),
        [(id.to_string(), AlertEvent::Resolved, T0 + 3 * INTERVAL)]
    );
}

// issue 10.2: data that stops arriving raises the SLO's no-data alert (ticket unless the
// spec says) once `noData.after` (1h by default) has passed; it resolves when data
// returns. Disabled alerting, or a disabled no-data alert, raises nothing.
#[test]
fn data_that_stops_raises_a_no_data_alert_unless_disabled() {
    let quiet_default = slo("checkout", 0.999, 30);
    let mut paged = slo("search", 0.999, 30);
    paged.alerting.no_data.severity = Some("page".into());
    let mut off = slo("cart", 0.999, 30);
    off.alerting.no_data.disabled = true;
    let mut all_off = slo("orders", 0.999, 30);
    all_off.alerting.disabled = true;
    let catalog = catalog(vec![quiet_default, paged, off, all_off]);
    let mut source = minutes();
    for name in ["checkout", "search", "cart", "orders"] {
        // Data stops at T0.
        traffic(
            &mut source,
            &format!("shop/{name}"),
            T0 - 35 * DAY,
            T0,
            1_000,
            0,
        );
    }
    traffic(
        &mut source,
        "shop/checkout",
        T0 + 3 * HOUR,
        T0 + 4 * HOUR,
        1_000,
        0,
    );
    source.refresh();
    let mut book = AlertBook::default();
    let changes = run(
        &catalog,
        &source,
        &mut book,
        T0,
        T0 + 3 * HOUR + 15 * MINUTE,
        5 * MINUTE,
    );
    let transitions = alert_changes(&changes);
    let fired: Vec<(&str, &str, i64)> = transitions
        .iter()
        .filter(|transition| transition.event == AlertEvent::Firing)
        .map(|transition| {
            (
                transition.alert.id.as_str(),
                transition.alert.severity.as_str(),
                transition.at,
            )
        })
        .collect();
    // Stale once the last data (the interval starting at T0 - 1m) is more than an hour old.
    let first = fired[0].2;
    assert!(
        first > T0 && first <= T0 + HOUR + 5 * MINUTE,
        "fired at T0 + {} min",
        (first - T0) / MINUTE
    );
    assert_eq!(
        fired
            .iter()
            .map(|(id, severity, _)| (*id, *severity))
            .collect::<Vec<_>>(),
        [
            ("shop/checkout/no-data", "ticket"),
            ("shop/search/no-data", "page")
        ]
    );
    assert_eq!(transitions[0].alert.kind, AlertKind::NoData);
    let resolved: Vec<&str> = transitions
        .iter()
        .filter(|transition| transition.event == AlertEvent::Resolved)
        .map(|transition| transition.alert.id.as_str())
        .collect();
    assert_eq!(resolved, ["shop/checkout/no-data"]);
}

fn policy() -> ErrorBudgetPolicy {
    let state = |name: &str, when: Condition, actions: Vec<Action>| PolicyState {
        origin: Origin::default(),
        name: name.into(),
        description: None,
        when,
        actions,
    };
    ErrorBudgetPolicy {
        origin: Origin::default(),
        name: "standard".into(),
        description: None,
        states: vec![
            state(
                "exhausted",
                Condition::RemainingBelow(Ratio::from_percent(0.0)),
                vec![
                    Action::Freeze {
                        scope: "releases".into(),
                        except: vec!["p0".into(), "security".into()],
                    },
                    Action::Escalate { to: "cto".into() },
                ],
            ),
            state(
                "healthy",
                Condition::Always,
                // An action on the fallback state: a first start must still not announce
                // it (the demo's `healthy` says "Releases proceed as normal.").
                vec![Action::Other {
                    text: "Releases proceed as normal.".into(),
                }],
            ),
        ],
        ownership: Ownership::default(),
        review: Review::default(),
    }
}

// issue 10.5: a policy changing state is one change, with the new state's actions in
// words; a first evaluation of a healthy SLO announces nothing, one of a frozen SLO does.
#[test]
fn a_policy_change_is_announced_once_with_its_actions_in_words() {
    let mut governed = slo("checkout", 0.99, 30);
    governed.policy = Some("standard".into());
    let mut catalog = catalog(vec![governed]);
    catalog.policies.push(policy());
    let mut source = minutes();
    traffic(&mut source, "shop/checkout", T0 - 35 * DAY, T0, 1_000, 0);
    // 2 hours of total outage spend 2h / (30d × 1%) = 28% of the budget per... ×100:
    // 120,000 bad events against 0.01 × 43.2 million valid = 432,000 allowed: over a
    // day (1,440,000 bad) the budget is overspent.
    traffic(&mut source, "shop/checkout", T0, T0 + DAY, 1_000, 1_000);
    source.refresh();
    let mut book = AlertBook::default();
    let changes = run(&catalog, &source, &mut book, T0 - HOUR, T0 + DAY, HOUR);
    let policies: Vec<&PolicyTransition> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Policy(policy) => Some(policy),
            _ => None,
        })
        .collect();
    assert_eq!(policies.len(), 1, "{policies:?}");
    let change = policies[0];
    assert_eq!(
        (change.from.as_deref(), change.to.as_deref()),
        (Some("healthy"), Some("exhausted"))
    );
    assert_eq!(
        change.in_words,
        "freeze releases except p0, security; escalate to cto"
    );
    // 432,000 allowed at 1,000 bad a minute: overspent after 432 minutes (7.2 h), seen
    // at the first hourly evaluation after: T0 + 8h.
    assert_eq!(change.at, T0 + 8 * HOUR);
    // A fresh book (a first start) at a frozen instant announces the frozen state.
    let mut fresh = AlertBook::default();
    let changes = run(
        &catalog,
        &source,
        &mut fresh,
        T0 + 12 * HOUR,
        T0 + 13 * HOUR,
        HOUR,
    );
    let policies: Vec<&Change> = changes
        .iter()
        .filter(|change| matches!(change, Change::Policy(_)))
        .collect();
    assert!(
        matches!(
            &policies[..],
            [Change::Policy(PolicyTransition { from: None, to: Some(to), .. })] if to == "exhausted"
        ),
        "{policies:?}"
    );
}

// issue 10.5: an overdue review reminds once per day at most.
#[test]
fn an_overdue_review_reminds_once_a_day() {
    let mut stale = slo("checkout", 0.999, 30);
    stale.review = Review {
        last_reviewed: Some(jiff::civil::date(2025, 10, 1)),
        interval: Duration::from_days(365),
    };
    stale.ownership.owner = Some("team-checkout".into());
    let catalog = leaked(vec![stale]);
    let statuses = healthy(catalog);
    let mut book = AlertBook::default();
    let mut reminders = Vec::new();
    // Every 30 minutes for two days from 2026-11-02T00:00Z.
    for tick in 0..96 {
        let at = T0 + tick * 30 * MINUTE;
        for change in step(&mut book, &holding(&statuses, 0, false, at), at) {
            if let Change::Review(review) = change {
                reminders.push(review);
            }
        }
    }
    assert_eq!(reminders.len(), 2, "{reminders:?}");
    assert_eq!((reminders[0].at, reminders[1].at), (T0, T0 + DAY));
    assert_eq!(reminders[0].due, "2026-10-01");
    assert_eq!(reminders[0].owner.as_deref(), Some("team-checkout"));
}

// issue 10.1: an SLO removed from the specs resolves its firing alerts, with the reason.
#[test]
fn a_removed_slo_resolves_its_alerts_and_says_why() {
    let catalog = leaked(vec![slo("checkout", 0.999, 30)]);
    let statuses = healthy(catalog);
    let mut book = AlertBook::default();
    step(&mut book, &holding(&statuses, 0, true, T0), T0);
    let changes = step(&mut book, &[], T0 + INTERVAL);
    let transitions = alert_changes(&changes);
    assert_eq!(transitions.len(), 1);
    assert_eq!(transitions[0].event, AlertEvent::Resolved);
    assert_eq!(
        transitions[0].reason.as_deref(),
        Some("the SLO was removed from the specs")
    );
    assert!(book.instances.is_empty());
}
