//! Alert evaluation of 10,000 SLOs per interval (issue 10; goal: under 5% of one core at
//! a 30 s interval, i.e. under 1.5 s per evaluation).
//!
//! `cargo bench -p nines-alerting --bench evaluate`. 10,000 SLOs (2,000 services of 5),
//! 28-day 99.9% targets, the four default rows and the no-data alert each, a policy with
//! two states. Every tenth SLO is in a total outage for the last 10 minutes (its 1h and
//! 6h pages and its 1d ticket hold): 1,000 SLOs, about 3,000 firing alerts. The statuses
//! are computed once (the engine's cost is measured by `nines-core`'s `engine` bench);
//! what is timed:
//!
//! - `step_steady`: the state machine over 10,000 statuses whose alerts already fire
//!   (an ordinary interval: no transition);
//! - `evaluate_steady`: the evaluator's whole interval on a real store with the null
//!   sink: the step, the firing notifications handed to the sink (about 3,000 built), the
//!   history bounds checked; nothing to commit;
//! - `evaluate_burst`: the interval where all 1,000 outages start at once: the step,
//!   about 3,000 transitions and 1,000 policy changes built into notifications and history
//!   entries, and the one fsynced commit.

use std::sync::Arc;

use nines_alerting::{Evaluator, NullSink, Settings};
use nines_core::Duration;
use nines_core::alerts::{self, AlertBook};
use nines_core::engine::{Engine, Options, SloStatus};
use nines_core::memory::MemorySource;
use nines_core::model::Catalog;
use nines_store::{Store, StoreConfig};

const SERVICES: usize = 2_000;
const PER_SERVICE: usize = 5;
/// 2026-11-29T00:00:00Z.
const AT: i64 = 1_795_910_400_000;
const MINUTE: i64 = 60_000;

fn main() {
    divan::main();
}

fn catalog() -> Catalog {
    let mut text = String::from(
        "apiVersion: nines/v1\nkind: ErrorBudgetPolicy\nname: standard\nstates:\n  - name: exhausted\n    when: remaining < 0%\n    actions:\n      - freeze: releases\n        except: [p0, security]\n  - name: healthy\n    when: always\n",
    );
    for service in 0..SERVICES {
        text.push_str(&format!(
            "---\napiVersion: nines/v1\nname: service-{service}\nowner: team-{service}\npolicy: standard\nslos:\n"
        ));
        for slo in 0..PER_SERVICE {
            text.push_str(&format!(
                "  - name: slo-{slo}\n    target: 99.9%\n    window: 28d\n    labels: {{tier: critical}}\n    alerting:\n      runbook: https://runbooks.example.com/service-{service}\n    sli:\n      events:\n        good: status < 500\n"
            ));
        }
    }
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "bench.yaml".into(),
        text,
    }]);
    assert_eq!(loaded.catalog.slos.len(), SERVICES * PER_SERVICE);
    loaded.catalog
}

/// Two hours of 1,000 events a minute per SLO (and one empty interval 35 days back, so
/// the windows are mature); every tenth SLO all bad in the last 10 minutes.
fn source(catalog: &Catalog, outage: bool) -> MemorySource {
    let mut source = MemorySource::new(Duration::from_minutes(1));
    for (index, slo) in catalog.slos.iter().enumerate() {
        let series = format!("{}/{}", slo.service, slo.name);
        source.add(&series, AT - 35 * 1_440 * MINUTE, 0.0, 0.0);
        for minute in 1..=120 {
            let at = AT - minute * MINUTE;
            let bad = if outage && index % 10 == 0 && minute <= 10 {
                1_000.0
            } else {
                0.0
            };
            source.add(&series, at, 1_000.0 - bad, 1_000.0);
        }
    }
    source.refresh();
    source
}

struct Fixture {
    catalog: &'static Catalog,
    statuses: Vec<SloStatus<'static>>,
    calm: Vec<SloStatus<'static>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let catalog: &'static Catalog = Box::leak(Box::new(catalog()));
        let engine: &'static Engine<'static> =
            Box::leak(Box::new(Engine::new(catalog, Options::default())));
        let statuses = engine.evaluate_all(&source(catalog, true), AT);
        let calm = engine.evaluate_all(&source(catalog, false), AT - MINUTE);
        Fixture {
            catalog,
            statuses,
            calm,
        }
    })
}

fn directory() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "nines-alerting-bench-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ))
}

/// A store directory, removed on drop.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An evaluator on a fresh store that has seen the calm interval.
fn evaluator(fixture: &Fixture) -> (Evaluator, Scratch) {
    let path = directory();
    let store = Arc::new(Store::open(&path, StoreConfig::default()).unwrap());
    let evaluator = Evaluator::open(store, Arc::new(NullSink), Settings::default()).unwrap();
    evaluator.evaluate(fixture.catalog, &fixture.calm, AT - MINUTE);
    (evaluator, Scratch(path))
}

#[divan::bench(sample_count = 20)]
fn step_steady(bencher: divan::Bencher) {
    let fixture = fixture();
    let mut book = AlertBook::default();
    let fired = alerts::step(&mut book, &fixture.statuses, AT - MINUTE);
    assert!(fired.len() > 2_500, "{} transitions", fired.len());
    bencher
        .with_inputs(|| book.clone())
        .bench_local_values(|mut book| {
            let changes = alerts::step(&mut book, &fixture.statuses, AT);
            assert!(changes.is_empty());
            book
        });
}

#[divan::bench(sample_count = 10)]
fn evaluate_steady(bencher: divan::Bencher) {
    let fixture = fixture();
    let (evaluator, _scratch) = evaluator(fixture);
    evaluator.evaluate(fixture.catalog, &fixture.statuses, AT);
    let mut at = AT;
    bencher.bench_local(|| {
        at += 30_000;
        let committed = evaluator.evaluate(fixture.catalog, &fixture.statuses, at);
        assert_eq!(committed.outcome.transitions, 0);
    });
}

#[divan::bench(sample_count = 10)]
fn evaluate_burst(bencher: divan::Bencher) {
    let fixture = fixture();
    bencher
        .with_inputs(|| evaluator(fixture))
        .bench_local_values(|(evaluator, scratch)| {
            let committed = evaluator.evaluate(fixture.catalog, &fixture.statuses, AT);
            assert!(
                committed.outcome.transitions > 2_500,
                "{:?}",
                committed.outcome
            );
            assert_eq!(committed.outcome.error, None);
            (evaluator, scratch)
        });
}
