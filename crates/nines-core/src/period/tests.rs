//! Period reports against numbers computed by hand.

use super::*;
use crate::Ratio;
use crate::engine::tests::{catalog, rolling, slo};
use crate::memory::MemorySource;
use crate::model::{CreditTier, Origin, Sla};

const MINUTE: Millis = 60_000;

fn utc(text: &str) -> Millis {
    text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// `valid` events a minute in `[from, until)`, `bad` of them bad.
fn traffic(source: &mut MemorySource, from: Millis, until: Millis, valid: f64, bad: f64) {
    let mut at = from;
    while at < until {
        source.add("shop/a", at, valid - bad, valid);
        at += MINUTE;
    }
}

#[test]
fn periods_parse_in_their_zone_across_dst() {
    let now = utc("2027-01-15T00:00:00Z");
    let november = Period::parse("2026-11", "", now).unwrap();
    assert_eq!(
        (november.start, november.end, november.label.as_str()),
        (
            utc("2026-11-01T00:00:00Z"),
            utc("2026-12-01T00:00:00Z"),
            "2026-11"
        )
    );
    // October 2026 in Paris: summer time ends on the 25th, so the month has 745 hours.
    let october = Period::parse("2026-10", "Europe/Paris", now).unwrap();
    assert_eq!(october.start, utc("2026-09-30T22:00:00Z"));
    assert_eq!(october.end, utc("2026-10-31T23:00:00Z"));
    assert_eq!((october.end - october.start) / 3_600_000, 745);
    let quarter = Period::parse("2026-q4", "", now).unwrap();
    assert_eq!(
        (quarter.start, quarter.end, quarter.label.as_str()),
        (
            utc("2026-10-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
            "2026-Q4"
        )
    );
    assert_eq!(quarter.previous().unwrap().label, "2026-Q3");
    let last = Period::parse("last-month", "", now).unwrap();
    assert_eq!(last.label, "2026-12");
    assert_eq!(
        Period::parse("2026", "", now).unwrap().end,
        utc("2027-01-01T00:00:00Z")
    );
    for wrong in ["2026-13", "2026-Q5", "26-11", "november", "2026-1", ""] {
        assert!(
            matches!(Period::parse(wrong, "", now), Err(PeriodError::Unknown(_))),
            "{wrong}"
        );
    }
    assert!(matches!(
        Period::parse("2027-02", "", now),
        Err(PeriodError::Future(_))
    ));
}

// A 99.9% SLO in November 2026 (30 days, 100 events a minute: 4,320,000 events) with an
// outage from 02:00 to 04:00 on the 10th at 50% errors: 120 minutes × 50 = 6,000 bad.
// By hand: attainment 1 − 6,000 / 4,320,000 = 0.998611..., missed; the month allowed
// 0.1% × 4,320,000 = 4,320 bad, so 6,000 / 4,320 = 138.9% of the budget went, all of it
// in one two-hour episode. October (31 days, no errors) attained 100%.
#[test]
fn a_month_with_a_known_outage() {
    let catalog = catalog(vec![slo("a", 0.999, rolling(30), Budgeting::Occurrences)]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    let outage = (utc("2026-11-10T02:00:00Z"), utc("2026-11-10T04:00:00Z"));
    traffic(
        &mut source,
        utc("2026-10-01T00:00:00Z"),
        outage.0,
        100.0,
        0.0,
    );
    traffic(&mut source, outage.0, outage.1, 100.0, 50.0);
    traffic(
        &mut source,
        outage.1,
        utc("2026-12-01T00:00:00Z"),
        100.0,
        0.0,
    );
    source.refresh();
    let now = utc("2026-12-05T00:00:00Z");
    let period = Period::parse("2026-11", "UTC", now).unwrap();
    let report = report(&catalog, &source, &period, now);
    let row = &report.objectives[0];
    assert_eq!((row.valid, row.bad), (4_320_000.0, 6_000.0));
    let attainment = row.attainment.unwrap();
    assert!(
        (attainment - (1.0 - 6_000.0 / 4_320_000.0)).abs() < 1e-12,
        "{attainment}"
    );
    assert_eq!(row.met, Some(false));
    assert!((row.budget_allowed.unwrap() - 4_320.0).abs() < 1e-6);
    assert!((row.budget_consumed.unwrap() - 6_000.0 / 4_320.0).abs() < 1e-9);
    let consumers = row.consumers.as_ref().unwrap();
    assert_eq!(consumers.len(), 1, "{consumers:?}");
    assert_eq!(consumers[0].start, "2026-11-10T02:00:00Z");
    assert_eq!(consumers[0].end, "2026-11-10T04:00:00Z");
    assert_eq!(consumers[0].duration_seconds, 7_200);
    assert_eq!(consumers[0].bad, 6_000.0);
    assert_eq!(row.trend[0].label, "2026-10");
    assert_eq!(row.trend[0].attainment, Some(1.0));
    assert_eq!(row.trend[0].met, Some(true));
    // Before October there is nothing: no attainment, not "100%".
    assert_eq!(row.trend[1].label, "2026-09");
    assert_eq!(row.trend[1].attainment, None);
    assert!(!report.period.partial);
    // The outage burned at 500× (50% errors on a 0.1% budget): both page rows fired once.
    assert_eq!(row.alerts.get("page"), Some(&2), "{:?}", row.alerts);
}

// The same traffic in Paris time: October has 745 hours there, so 44,700 minutes of one
// event each.
#[test]
fn a_month_in_a_zone_with_a_dst_change_counts_its_extra_hour() {
    let catalog = catalog(vec![slo("a", 0.99, rolling(30), Budgeting::Occurrences)]);
    let mut source = MemorySource::new(Duration::from_minutes(1));
    traffic(
        &mut source,
        utc("2026-09-01T00:00:00Z"),
        utc("2026-11-05T00:00:00Z"),
        1.0,
        0.0,
    );
    source.refresh();
    let now = utc("2026-11-05T00:00:00Z");
    let paris = report(
        &catalog,
        &source,
        &Period::parse("2026-10", "Europe/Paris", now).unwrap(),
        now,
    );
    assert_eq!(paris.objectives[0].valid, 44_700.0);
    let utc_month = report(
        &catalog,
        &source,
        &Period::parse("2026-10", "UTC", now).unwrap(),
        now,
    );
    assert_eq!(utc_month.objectives[0].valid, 44_640.0);
}

// An SLA of 99.5% a month, 10% credit below: November has 1% errors all month (attainment
// 99%, credit owed), October and December none. The quarter's statement lists three
// months, one breached.
#[test]
fn an_sla_breached_in_one_month_only() {
    let mut slo = slo("a", 0.999, rolling(30), Budgeting::Occurrences);
    slo.sla = Some("contract".into());
    let mut catalog = catalog(vec![slo]);
    catalog.slas.push(Sla {
        origin: Origin::default(),
        service: "shop".into(),
        name: "contract".into(),
        display_name: None,
        description: None,
        customer: Some("ACME".into()),
        target: Ratio::from_fraction(0.995),
        window: Window::Calendar {
            unit: CalendarUnit::Month,
            count: 1,
            zone: "UTC".into(),
            anchor: None,
        },
        credits: vec![CreditTier {
            below: Ratio::from_fraction(0.995),
            credit: Ratio::from_fraction(0.10),
        }],
    });
    let mut source = MemorySource::new(Duration::from_minutes(1));
    traffic(
        &mut source,
        utc("2026-10-01T00:00:00Z"),
        utc("2026-11-01T00:00:00Z"),
        100.0,
        0.0,
    );
    traffic(
        &mut source,
        utc("2026-11-01T00:00:00Z"),
        utc("2026-12-01T00:00:00Z"),
        100.0,
        1.0,
    );
    traffic(
        &mut source,
        utc("2026-12-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
        100.0,
        0.0,
    );
    source.refresh();
    let now = utc("2027-01-10T00:00:00Z");
    let report = report(
        &catalog,
        &source,
        &Period::parse("2026-Q4", "", now).unwrap(),
        now,
    );
    let statement = &report.slas[0];
    assert_eq!(statement.customer.as_deref(), Some("ACME"));
    type Month<'a> = (&'a str, Option<f64>, Option<bool>, Option<f64>);
    let months: Vec<Month<'_>> = statement
        .periods
        .iter()
        .map(|period| {
            (
                period.start.as_str(),
                period.attainment,
                period.met,
                period.credit,
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-10-01T00:00:00Z", Some(1.0), Some(true), Some(0.0)),
            ("2026-11-01T00:00:00Z", Some(0.99), Some(false), Some(0.1)),
            ("2026-12-01T00:00:00Z", Some(1.0), Some(true), Some(0.0)),
        ]
    );
    // The quarter: 92 days × 1,440 × 100 events, 30 × 1,440 of them bad.
    let row = &report.objectives[0];
    assert_eq!((row.valid, row.bad), (13_248_000.0, 43_200.0));
}
