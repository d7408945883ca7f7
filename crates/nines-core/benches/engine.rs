//! Full status of 10,000 SLOs over 30 days of 1-minute counts, after loading.
//!
//! `cargo bench -p nines-core --bench engine`. Goal: under 20 ms for all 10,000 (constant
//! cost per window, not a scan). Each SLO has its own series of 43,200 one-minute
//! intervals; the mix is 80% rolling 28-day occurrences, 10% calendar months with an SLA,
//! 10% one-minute time slices; every SLO has the default four alert rows and a policy with
//! remaining, burn and consumed-within conditions.

use nines_core::engine::{Engine, Options};
use nines_core::memory::MemorySource;
use nines_core::model::{
    Action, Alerting, Budgeting, CalendarUnit, Catalog, Condition, Counted, CreditTier,
    ErrorBudgetPolicy, Indicator, Objective, Origin, PolicyState, Service, Sla, Sli, SliKind,
    SliRef, Slo, Window,
};
use nines_core::{Duration, Ratio};

const SLOS: usize = 10_000;
const MINUTES: i64 = 30 * 24 * 60;
/// 2026-11-29T00:00:00Z.
const AT: i64 = 1_795_910_400_000;

fn main() {
    divan::main();
}

fn slo(index: usize) -> Slo {
    let (window, budgeting, sla) = match index % 10 {
        0 => (
            Window::calendar(CalendarUnit::Month, "Europe/Paris"),
            Budgeting::Occurrences,
            Some("contract".to_string()),
        ),
        1 => (
            Window::rolling(Duration::from_days(28)),
            Budgeting::Timeslices {
                slice: Duration::from_minutes(1),
            },
            None,
        ),
        _ => (
            Window::rolling(Duration::from_days(28)),
            Budgeting::Occurrences,
            None,
        ),
    };
    let mut objective = Objective::new(
        "default",
        Ratio::from_fraction([0.99, 0.995, 0.999, 0.9995][index % 4]),
    );
    if matches!(budgeting, Budgeting::Timeslices { .. }) {
        objective.slice_target = Some(Ratio::from_fraction(0.95));
    }
    Slo {
        origin: Origin::default(),
        service: format!("service-{}", index / 5),
        name: format!("slo-{}", index % 5),
        display_name: None,
        description: None,
        indicator: Indicator::Sli(SliRef::Inline(Box::new(Sli::new(SliKind::Ratio {
            counted: Counted::Good,
        })))),
        window,
        budgeting,
        objectives: vec![objective],
        sla,
        policy: Some("standard".into()),
        alerting: Alerting::default(),
        ownership: Default::default(),
        review: Default::default(),
        labels: Default::default(),
        annotations: Default::default(),
        exclusions: Vec::new(),
    }
}

fn catalog() -> Catalog {
    let slos: Vec<Slo> = (0..SLOS).map(slo).collect();
    let mut services: Vec<Service> = slos.iter().map(|slo| Service::new(&slo.service)).collect();
    services.dedup_by(|a, b| a.name == b.name);
    let slas = services
        .iter()
        .map(|service| Sla {
            origin: Origin::default(),
            service: service.name.clone(),
            name: "contract".into(),
            display_name: None,
            description: None,
            customer: None,
            target: Ratio::from_fraction(0.98),
            window: Window::calendar(CalendarUnit::Month, "UTC"),
            credits: vec![CreditTier {
                below: Ratio::from_fraction(0.98),
                credit: Ratio::from_fraction(0.1),
            }],
        })
        .collect();
    let state = |name: &str, when: Condition, actions: Vec<Action>| PolicyState {
        origin: Origin::default(),
        name: name.into(),
        description: None,
        when,
        actions,
    };
    let policy = ErrorBudgetPolicy {
        origin: Origin::default(),
        name: "standard".into(),
        description: None,
        states: vec![
            state(
                "exhausted",
                Condition::RemainingBelow(Ratio::ZERO),
                vec![Action::Freeze {
                    scope: "releases".into(),
                    except: vec!["security".into()],
                }],
            ),
            state(
                "fast-burn",
                Condition::BurnRateAbove {
                    window: Duration::from_hours(1),
                    rate: 14.4,
                },
                Vec::new(),
            ),
            state(
                "incident",
                Condition::ConsumedAbove {
                    within: Duration::from_days(1),
                    share: Ratio::from_fraction(0.2),
                },
                Vec::new(),
            ),
            state("healthy", Condition::Always, Vec::new()),
        ],
        ownership: Default::default(),
        review: Default::default(),
    };
    Catalog {
        services,
        slos,
        slas,
        policies: vec![policy],
        ..Catalog::default()
    }
}

/// 30 days of one-minute counts per SLO, with a deterministic error pattern.
fn source(catalog: &Catalog) -> MemorySource {
    let mut source = MemorySource::new(Duration::from_minutes(1));
    let start = AT - MINUTES * 60_000;
    for (index, slo) in catalog.slos.iter().enumerate() {
        let key = slo.series_key(&slo.objectives[0]);
        let mut state = index as u64 * 2_654_435_761 + 1;
        for minute in 0..MINUTES {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let valid = 100.0 + (state % 900) as f64;
            let bad = if state.is_multiple_of(97) {
                (state % 50) as f64
            } else {
                0.0
            };
            source.add(&key, start + minute * 60_000, valid - bad, valid);
        }
    }
    source.prepare(catalog);
    source
}

/// Builds the catalog and its 30 days of counts once for both benchmarks (about 3.5 GB).
fn fixture() -> &'static (Catalog, MemorySource) {
    static FIXTURE: std::sync::OnceLock<&'static (Catalog, MemorySource)> =
        std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let catalog = catalog();
        let source = source(&catalog);
        Box::leak(Box::new((catalog, source)))
    })
}

/// The goal is about this figure.
#[divan::bench(sample_count = 30)]
fn status_of_10k_slos_over_30_days(bencher: divan::Bencher) {
    let (catalog, source) = fixture();
    let engine = Engine::new(catalog, Options::default());
    bencher.bench_local(|| {
        let statuses = engine.evaluate_all(divan::black_box(source), AT);
        assert_eq!(statuses.len(), SLOS);
        statuses.len()
    });
}
