//! The demo's world: the example shop's specs, embedded, and a traffic model with a
//! handful of incidents, used to seed 35 days of history and to send live events.
//!
//! Traffic follows a day (peak at 19:00 UTC, a trough before dawn) and a week (quieter
//! weekends), with a little noise. Incidents are placed relative to now so the demo
//! always shows them:
//! - checkout/availability: a total outage of 18 minutes nine days ago, spending most of
//!   the 28-day budget (the policy's `at-risk` state);
//! - payments/authorization: a slow burn at 1.6× the budget rate for the last 12 days;
//! - checkout/latency: a regression for the last five hours, 12% of requests slow, which
//!   the 6h/30m page row catches and which the live events keep going;
//! - order-pipeline/freshness: a failed nightly run twelve days ago, five stale hours;
//! - search/latency: now and then a slow minute.

use nines_core::model::Catalog;
use nines_core::source::Millis;
use nines_store::Delta;

/// The example shop's specs, as `(file name, text)`.
pub const SPECS: [(&str, &str); 6] = [
    (
        "checkout.yaml",
        include_str!("../../../examples/shop/checkout.yaml"),
    ),
    (
        "payments.yaml",
        include_str!("../../../examples/shop/payments.yaml"),
    ),
    (
        "pipeline.yaml",
        include_str!("../../../examples/shop/pipeline.yaml"),
    ),
    (
        "policies.yaml",
        include_str!("../../../examples/shop/policies.yaml"),
    ),
    (
        "search.yaml",
        include_str!("../../../examples/shop/search.yaml"),
    ),
    (
        "storefront.yaml",
        include_str!("../../../examples/shop/storefront.yaml"),
    ),
];

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// A deterministic generator (SplitMix64): the same minute gives the same noise.
fn noise(seed: u64) -> f64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// `share` of `count` as a whole number, rounded at random so that small shares of small
/// counts still add up to the right total over many minutes.
fn portion(count: f64, share: f64, seed: u64) -> f64 {
    (count * share + noise(seed)).floor().min(count)
}

/// Day of the week of `at` in UTC, Monday = 0 (1970-01-01 was a Thursday).
fn weekday(at: Millis) -> i64 {
    (at.div_euclid(DAY) + 3).rem_euclid(7)
}

/// Requests per minute at `at` for a service peaking at `peak`.
pub fn traffic(at: Millis, peak: f64) -> f64 {
    let hour = at.rem_euclid(DAY) as f64 / HOUR as f64;
    // 1970-01-01 was a Thursday: day 0 + 3 is Sunday.
    let weekday = weekday(at);
    let diurnal = 0.55 + 0.45 * ((hour - 19.0) / 24.0 * std::f64::consts::TAU).cos();
    let weekend = if weekday >= 5 { 0.7 } else { 1.0 };
    let jitter = 0.95 + 0.1 * noise(at as u64 ^ peak.to_bits());
    peak * diurnal * weekend * jitter
}

/// The incidents, placed relative to `now`.
#[derive(Clone, Copy, Debug)]
pub struct Incidents {
    /// Start of the checkout outage.
    pub outage: Millis,
    /// Start of the payments slow burn.
    pub slow_burn: Millis,
    /// Start of the checkout latency regression.
    pub regression: Millis,
    /// Start of the stale hours of the order pipeline.
    pub stale: Millis,
}

impl Incidents {
    /// Incidents for a demo started at `now`.
    pub fn at(now: Millis) -> Incidents {
        let today = now.div_euclid(DAY) * DAY;
        // About nine days ago, on a weekday: the outage then meets a weekday's traffic
        // and spends the same share of the budget whatever day the demo runs.
        let mut outage_day = today - 9 * DAY;
        while weekday(outage_day) >= 5 {
            outage_day -= DAY;
        }
        Incidents {
            outage: outage_day + 14 * HOUR + 10 * MINUTE,
            slow_burn: now - 12 * DAY,
            regression: now - 5 * HOUR,
            stale: today - 12 * DAY + 2 * HOUR + 24 * HOUR,
        }
    }
}

/// Bad share of checkout requests (server errors) at `at`.
pub fn checkout_errors(at: Millis, incidents: &Incidents) -> f64 {
    if (incidents.outage..incidents.outage + 18 * MINUTE).contains(&at) {
        1.0
    } else {
        0.0002
    }
}

/// Slow share of successful checkout requests at `at`.
pub fn checkout_slow(at: Millis, incidents: &Incidents) -> f64 {
    if at >= incidents.regression {
        0.12
    } else {
        0.002
    }
}

/// Failed share of payment authorisations at `at`.
pub fn payment_errors(at: Millis, incidents: &Incidents) -> f64 {
    if at >= incidents.slow_burn {
        0.0016
    } else {
        0.0004
    }
}

/// Slow share of searches in the minute at `at`.
pub fn search_slow(at: Millis) -> f64 {
    if noise(at as u64 ^ 0x5ea2c4) < 0.004 {
        0.2
    } else {
        0.015
    }
}

/// True when the warehouse is stale at `at`.
pub fn stale(at: Millis, incidents: &Incidents) -> bool {
    (incidents.stale..incidents.stale + 5 * HOUR).contains(&at)
}

/// Minute-by-minute counts from `start` to `end` for every series of `catalog` the model
/// knows (the example shop's).
pub fn history(catalog: &Catalog, start: Millis, end: Millis, incidents: &Incidents) -> Vec<Delta> {
    let series: Vec<(String, String)> = catalog
        .measured_series()
        .iter()
        .filter(|measured| measured.member.is_none())
        .map(|measured| (measured.slo.qualified_name(), measured.key()))
        .collect();
    let mut deltas = Vec::new();
    let mut at = start.div_euclid(MINUTE) * MINUTE;
    while at < end {
        let checkout = traffic(at, 1200.0).round();
        let seed = at as u64;
        let checkout_good = checkout - portion(checkout, checkout_errors(at, incidents), seed ^ 1);
        for (slo, key) in &series {
            let (good, valid) = match slo.as_str() {
                "checkout/availability" => (checkout_good, checkout),
                "checkout/latency" => (
                    checkout_good - portion(checkout_good, checkout_slow(at, incidents), seed ^ 2),
                    checkout_good,
                ),
                "payments/authorization" => {
                    let valid = traffic(at, 350.0).round();
                    (
                        valid - portion(valid, payment_errors(at, incidents), seed ^ 3),
                        valid,
                    )
                }
                "search/latency" => {
                    let valid = traffic(at, 900.0).round();
                    (valid - portion(valid, search_slow(at), seed ^ 4), valid)
                }
                "order-pipeline/freshness" => (if stale(at, incidents) { 0.0 } else { 1.0 }, 1.0),
                _ => continue,
            };
            deltas.push(Delta {
                series: key.clone(),
                at,
                // Whole numbers already (rounded traffic, whole portions).
                good: good as i64,
                valid: valid as u64,
            });
        }
        at += MINUTE;
    }
    deltas
}

/// `count` live events around `now`, as NDJSON, in the shapes the example specs' event
/// filters read. `tick` varies the noise between calls.
pub fn live_events(now: Millis, count: u32, tick: u64, incidents: &Incidents) -> String {
    let mut out = String::new();
    for index in 0..count {
        let roll = |salt: u64| noise(tick.wrapping_mul(1_000_003) ^ (u64::from(index) << 8) ^ salt);
        let at = now - (roll(1) * 1000.0) as Millis;
        let timestamp = at as f64 / 1000.0;
        let pick = roll(2);
        let line = if pick < 0.5 {
            let failed = roll(3) < checkout_errors(now, incidents);
            let slow = roll(4) < checkout_slow(now, incidents);
            let duration = if slow {
                0.3 + roll(5) * 0.9
            } else {
                0.04 + roll(5) * 0.2
            };
            format!(
                r#"{{"timestamp":{timestamp:.3},"route":"/api/checkout","status":{},"duration_seconds":{duration:.3}}}"#,
                if failed { 503 } else { 200 }
            )
        } else if pick < 0.85 {
            let slow = roll(3) < 0.015;
            let duration = if slow {
                0.5 + roll(4)
            } else {
                0.03 + roll(4) * 0.4
            };
            format!(
                r#"{{"timestamp":{timestamp:.3},"route":"/api/search","status":200,"duration_seconds":{duration:.3}}}"#
            )
        } else {
            let failed = roll(3) < payment_errors(now, incidents);
            format!(
                r#"{{"timestamp":{timestamp:.3},"route":"/api/payments/authorize","status":200,"error":"{}"}}"#,
                if failed { "gateway_timeout" } else { "" }
            )
        };
        out.push_str(&line);
        out.push('\n');
    }
    // The freshness probe reports once a minute: the nightly run lands at 02:00 UTC.
    if tick.is_multiple_of(60) {
        let last_run = (now - 2 * HOUR).div_euclid(DAY) * DAY + 2 * HOUR;
        let age = (now - last_run) / 1000;
        out.push_str(&format!(
            r#"{{"timestamp":{},"probe":"warehouse-freshness","age_seconds":{age}}}"#,
            now / 1000
        ));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nines_core::engine::{Engine, Options};
    use nines_core::memory::MemorySource;
    use nines_core::report::Report;
    use nines_spec::{Source, load_sources};

    /// 2026-11-29T12:00:00Z.
    const NOW: Millis = 1_795_953_600_000;

    fn catalog() -> Catalog {
        let sources: Vec<Source> = SPECS
            .iter()
            .map(|(name, text)| Source {
                name: (*name).into(),
                text: (*text).into(),
            })
            .collect();
        load_sources(&sources).catalog
    }

    #[test]
    fn traffic_follows_the_day_and_the_week() {
        let monday = 1_795_392_000_000; // 2026-11-23T00:00Z, a Monday
        let evening = traffic(monday + 19 * HOUR, 1000.0);
        let night = traffic(monday + 7 * HOUR, 1000.0);
        let saturday_evening = traffic(monday + 5 * DAY + 19 * HOUR, 1000.0);
        assert!(evening > 900.0 && night < 200.0, "{evening} {night}");
        assert!(
            (saturday_evening / evening - 0.7).abs() < 0.1,
            "{saturday_evening}"
        );
    }

    /// The demo's promise, whatever the day it runs: the seeded history shows the
    /// incidents it describes.
    #[test]
    fn the_seeded_history_tells_the_stories_every_day_of_the_week() {
        for day in 0..7 {
            stories_at(NOW + day * DAY + day * 3 * HOUR);
        }
    }

    fn stories_at(now: Millis) {
        let catalog = catalog();
        let incidents = Incidents::at(now);
        let mut source = MemorySource::new(nines_core::Duration::from_minutes(1));
        for delta in history(&catalog, now - 35 * DAY, now, &incidents) {
            source.add(
                &delta.series,
                delta.at,
                delta.good as f64,
                delta.valid as f64,
            );
        }
        source.prepare(&catalog);
        let engine = Engine::new(&catalog, Options::default());
        let report = Report::new(&engine.evaluate_all(&source, now), now);
        let row = |name: &str| {
            report
                .objectives
                .iter()
                .find(|row| format!("{}/{}", row.service, row.slo) == name)
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        let availability = row("checkout/availability");
        let remaining = availability.budget_remaining.unwrap();
        assert!(
            (0.0..0.25).contains(&remaining),
            "outage leaves {remaining} at {now}"
        );
        assert_eq!(
            availability
                .policy_state
                .as_ref()
                .and_then(|policy| policy.state.as_deref()),
            Some("at-risk")
        );
        let latency = row("checkout/latency");
        assert!(
            latency.alerts.iter().any(|alert| alert.severity == "page"),
            "the regression pages: {:?}",
            latency.alert_rows
        );
        let payments = row("payments/authorization");
        assert!(payments.sla.as_ref().unwrap().met == Some(true));
        let burn = payments
            .burn_rates
            .0
            .iter()
            .find(|(window, _)| *window == "1d")
            .and_then(|(_, rate)| *rate)
            .unwrap();
        assert!((1.2..2.0).contains(&burn), "slow burn {burn} at {now}");
        let freshness = row("order-pipeline/freshness");
        assert_eq!(freshness.slices.as_ref().unwrap().bad, 5.0);
        assert!(row("search/latency").budget_remaining.unwrap() > 0.0);
    }

    #[test]
    fn live_events_match_the_specs_filters() {
        let catalog = catalog();
        let rules = nines_store::ingest::events::EventRules::new(&catalog);
        let window = nines_store::ingest::Window {
            received: NOW,
            lateness: nines_core::Duration::from_hours(1),
            future_skew: nines_core::Duration::from_minutes(5),
            resolution: nines_core::Duration::from_minutes(1),
        };
        let body = live_events(NOW, 200, 0, &Incidents::at(NOW));
        let (deltas, summary) =
            nines_store::ingest::events::parse_events(body.as_bytes(), &rules, &window).unwrap();
        assert_eq!(summary.events, 201);
        assert_eq!(summary.unmatched, 0, "every live event feeds an SLI");
        for series in [
            "checkout/availability",
            "checkout/latency",
            "search/latency",
            "payments/authorizations",
            "order-pipeline/freshness",
        ] {
            assert!(
                deltas.iter().any(|delta| delta.series == series),
                "{series}"
            );
        }
    }
}
