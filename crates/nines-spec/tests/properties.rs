//! Property tests: conversions keep the model, and no input makes the loader panic.

use nines_core::expr::Filter;
use nines_core::model::{
    Action, Alerting, Approval, Budgeting, BurnRateWindow, BurnThreshold, CalendarUnit, Catalog,
    Composite, CompositeMember, Condition, Counted, CreditTier, DEFAULT_OBJECTIVE,
    ErrorBudgetPolicy, EventSource, Exclusion, Indicator, Labels, MemberSource, NoDataAlert,
    NotificationTarget, Objective, ObjectiveThreshold, Op, Origin, Ownership, PolicyState,
    PromQuery, PrometheusSource, RawKind, Recurrence, Review, Schedule, SecretSource, Service, Sla,
    Sli, SliKind, SliRef, Slo, TargetDelivery, Window,
};
use nines_core::{Duration, Ratio};
use nines_spec::convert::{Target, convert};
use nines_spec::{Source, load_sources};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?"
}

fn label_map() -> impl Strategy<Value = Labels> {
    proptest::collection::btree_map("[a-z][a-z_]{0,6}", "[a-zA-Z0-9 ./-]{0,10}", 0..3)
}

fn target() -> impl Strategy<Value = Ratio> {
    prop::sample::select(vec![0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.97123])
        .prop_map(Ratio::from_fraction)
}

fn zone() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "UTC",
        "Europe/Paris",
        "America/New_York",
        "Asia/Tokyo",
    ])
    .prop_map(str::to_string)
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        (1u64..=90).prop_map(|days| Window::rolling(Duration::from_days(days))),
        (1u64..=48).prop_map(|hours| Window::rolling(Duration::from_hours(hours))),
        (
            prop::sample::select(vec![
                CalendarUnit::Week,
                CalendarUnit::Month,
                CalendarUnit::Quarter
            ]),
            1u32..=2,
            zone(),
            proptest::option::of((1i8..=28, 0i8..=23))
        )
            .prop_map(|(unit, count, zone, anchor)| {
                let anchor = anchor
                    .map(|(day, hour)| jiff::civil::date(2025, 3, day).at(hour, 0, 0, 0))
                    .filter(|start| count != 1 || !unit.is_period_start(*start));
                Window::Calendar {
                    unit,
                    count,
                    zone,
                    anchor,
                }
            }),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    prop::sample::select(vec![
        "route == \"/api\"",
        "status < 500",
        "status >= 500 || error == 'timeout'",
        "method in [\"GET\", \"POST\"] && !(path.startsWith(\"/health\"))",
        "duration_seconds * 1000 <= 300",
    ])
    .prop_map(|text| Filter::parse(text).unwrap())
}

fn selector() -> impl Strategy<Value = String> {
    ("[a-z_]{1,8}", "[a-z]{1,5}")
        .prop_map(|(metric, job)| format!("{metric}_total{{job=\"{job}\"}}"))
}

fn sli() -> impl Strategy<Value = Sli> {
    let kind = prop_oneof![
        prop::sample::select(vec![Counted::Good, Counted::Bad])
            .prop_map(|counted| SliKind::Ratio { counted }),
        (1u64..2000).prop_map(|ms| SliKind::Latency {
            threshold: Duration::from_millis(ms)
        }),
        (
            prop::sample::select(vec![Op::Lt, Op::Lte, Op::Gt, Op::Gte]),
            0u32..100_000
        )
            .prop_map(|(op, value)| SliKind::Threshold {
                op,
                value: f64::from(value) / 4.0
            }),
        prop::sample::select(vec![RawKind::Success, RawKind::Failure])
            .prop_map(|raw| SliKind::Raw { raw }),
    ];
    (
        kind,
        any::<bool>(),
        any::<bool>(),
        filter(),
        filter(),
        selector(),
        selector(),
        proptest::option::of("[a-zA-Z ]{1,12}"),
        label_map(),
    )
        .prop_map(
            |(
                kind,
                with_events,
                with_prometheus,
                valid,
                side,
                good_query,
                valid_query,
                description,
                labels,
            )| {
                let mut sli = Sli::new(kind.clone());
                sli.description = description;
                sli.labels = labels;
                let (with_events, with_prometheus) = match kind {
                    SliKind::Raw { .. } => (false, true),
                    _ => (with_events, with_prometheus || !with_events),
                };
                if with_events {
                    let field = matches!(kind, SliKind::Latency { .. } | SliKind::Threshold { .. })
                        .then(|| "value".to_string());
                    let (good, bad) = match kind {
                        SliKind::Ratio {
                            counted: Counted::Good,
                        } => (Some(side), None),
                        SliKind::Ratio {
                            counted: Counted::Bad,
                        } => (None, Some(side)),
                        _ => (None, None),
                    };
                    sli.events = Some(EventSource {
                        valid: Some(valid),
                        good,
                        bad,
                        field,
                        unit: None,
                    });
                }
                if with_prometheus {
                    let mut prometheus = PrometheusSource::default();
                    match kind {
                        SliKind::Ratio { counted } => {
                            prometheus.valid = Some(PromQuery::Selector(valid_query));
                            let side = Some(PromQuery::Selector(good_query));
                            if counted == Counted::Good {
                                prometheus.good = side
                            } else {
                                prometheus.bad = side
                            }
                        }
                        SliKind::Latency { .. } => {
                            prometheus.histogram = Some(good_query.replace("_total", "_seconds"))
                        }
                        SliKind::Threshold { .. } => {
                            prometheus.value =
                                Some(PromQuery::Expression(format!("max({good_query})")))
                        }
                        SliKind::Raw { .. } => {
                            prometheus.value = Some(PromQuery::Windowed(format!(
                                "sum(rate({good_query}[{{{{.window}}}}]))"
                            )));
                        }
                    }
                    sli.prometheus = Some(prometheus);
                }
                sli
            },
        )
}

fn objectives(kind: SliKind, timeslices: bool) -> impl Strategy<Value = Vec<Objective>> {
    let single = (
        target(),
        proptest::option::of(0.0f64..0.5),
        proptest::option::of(target()),
    )
        .prop_map(move |(target, aspirational_gap, slice_target)| {
            let mut objective = Objective::new(DEFAULT_OBJECTIVE, target);
            objective.aspirational = aspirational_gap.map(|gap| {
                Ratio::from_fraction(
                    target.fraction() + (1.0 - target.fraction()) * gap.max(0.01) * 0.9,
                )
            });
            objective.slice_target = if timeslices {
                Some(slice_target.unwrap_or(Ratio::from_fraction(0.95)))
            } else {
                None
            };
            objective
        });
    let with_thresholds = matches!(kind, SliKind::Latency { .. } | SliKind::Threshold { .. });
    proptest::collection::vec((single, proptest::option::of(1u32..500)), 1..3).prop_map(
        move |items| {
            let count = items.len();
            items
                .into_iter()
                .enumerate()
                .map(|(index, (mut objective, threshold))| {
                    if count > 1 {
                        objective.name = format!("objective-{}", index + 1);
                    }
                    if with_thresholds && count > 1 {
                        objective.threshold = threshold.map(|value| ObjectiveThreshold {
                            op: Op::Lte,
                            value: f64::from(value) / 1000.0,
                        });
                    }
                    objective
                })
                .collect()
        },
    )
}

fn alerting() -> impl Strategy<Value = Alerting> {
    let row = (
        prop::sample::select(vec!["page", "ticket"]),
        1u64..=24,
        prop_oneof![
            (1u32..50).prop_map(|p| BurnThreshold::BudgetShare(Ratio::from_percent(f64::from(p)))),
            (1u32..200).prop_map(|f| BurnThreshold::Factor(f64::from(f) / 10.0))
        ],
        proptest::option::of(1u64..10),
        label_map(),
    )
        .prop_map(
            |(severity, hours, threshold, for_minutes, labels)| BurnRateWindow {
                origin: Origin::default(),
                name: None,
                severity: severity.to_string(),
                long: Duration::from_hours(hours),
                short: Duration::from_minutes(hours * 5),
                threshold,
                for_duration: for_minutes.map(Duration::from_minutes),
                labels,
                annotations: Labels::new(),
            },
        );
    (
        any::<bool>(),
        proptest::collection::vec(row, 0..3),
        any::<bool>(),
        proptest::option::of("[A-Z][a-zA-Z]{2,10}"),
        proptest::option::of("https://runbooks/[a-z]{1,8}"),
        (
            any::<bool>(),
            proptest::option::of("[A-Z][a-zA-Z]{2,10}"),
            proptest::option::of(prop::sample::select(vec!["page", "critical"])),
        ),
    )
        .prop_map(
            |(
                disabled,
                windows,
                notify,
                name,
                runbook,
                (no_data_off, no_data_name, no_data_severity),
            )| Alerting {
                disabled: disabled && windows.is_empty(),
                windows,
                notify: if notify {
                    vec!["oncall".to_string()]
                } else {
                    Vec::new()
                },
                runbook,
                dashboard: None,
                labels: Labels::new(),
                annotations: Labels::new(),
                name,
                no_data: NoDataAlert {
                    disabled: no_data_off,
                    name: no_data_name,
                    severity: no_data_severity.map(str::to_string),
                },
            },
        )
}

fn ownership() -> impl Strategy<Value = Ownership> {
    (
        proptest::option::of(name()),
        proptest::collection::vec(
            (
                name(),
                proptest::option::of("[A-Z][a-z]{2,8}"),
                proptest::option::of(1i8..=28),
            ),
            0..3,
        ),
    )
        .prop_map(|(owner, approvers)| Ownership {
            owner,
            approvers: approvers
                .into_iter()
                .map(|(name, role, day)| Approval {
                    name,
                    role,
                    date: day.map(|day| jiff::civil::date(2026, 2, day)),
                })
                .collect(),
        })
}

fn review() -> impl Strategy<Value = Review> {
    (
        proptest::option::of(1i8..=28),
        prop::sample::select(vec![180u64, 365]),
    )
        .prop_map(|(day, days)| Review {
            last_reviewed: day.map(|day| jiff::civil::date(2026, 6, day)),
            interval: Duration::from_days(days),
        })
}

fn exclusion() -> impl Strategy<Value = Exclusion> {
    (
        name(),
        proptest::option::of("[a-zA-Z ]{1,12}"),
        any::<bool>(),
        0i64..1_000_000,
        1u64..300,
        zone(),
    )
        .prop_map(|(name, reason, once, offset, minutes, zone)| {
            let schedule = if once {
                let start = jiff::Timestamp::from_second(1_767_225_600 + offset * 60).unwrap();
                Schedule::Once {
                    start,
                    end: start + jiff::SignedDuration::from_mins(i64::try_from(minutes).unwrap()),
                }
            } else {
                Schedule::Recurring {
                    every: [
                        Recurrence::Daily,
                        Recurrence::Weekly(jiff::civil::Weekday::Sunday),
                        Recurrence::Monthly(3),
                    ][offset as usize % 3],
                    at: jiff::civil::time(2, 30, 0, 0),
                    duration: Duration::from_minutes(minutes),
                    zone,
                }
            };
            Exclusion {
                origin: Origin::default(),
                name,
                reason,
                schedule,
            }
        })
}

fn slo(service: String, index: usize) -> impl Strategy<Value = Slo> {
    (
        sli(),
        window(),
        any::<bool>(),
        alerting(),
        ownership(),
        review(),
        label_map(),
        proptest::collection::vec(exclusion(), 0..2),
        proptest::option::of("[A-Z][a-z ]{1,12}"),
    )
        .prop_flat_map(
            move |(
                sli,
                window,
                timeslices,
                alerting,
                ownership,
                review,
                labels,
                exclusions,
                display_name,
            )| {
                let timeslices = timeslices && !matches!(sli.kind, SliKind::Raw { .. });
                let service = service.clone();
                objectives(
                    sli.kind.clone(),
                    timeslices && !matches!(sli.kind, SliKind::Threshold { .. }),
                )
                .prop_map(move |objectives| Slo {
                    origin: Origin::default(),
                    service: service.clone(),
                    name: format!("slo-{index}"),
                    display_name: display_name.clone(),
                    description: None,
                    indicator: Indicator::Sli(SliRef::Inline(Box::new(sli.clone()))),
                    window: window.clone(),
                    budgeting: if timeslices {
                        Budgeting::Timeslices {
                            slice: Duration::from_minutes(1),
                        }
                    } else {
                        Budgeting::Occurrences
                    },
                    objectives,
                    sla: None,
                    policy: Some("standard".to_string()),
                    alerting: alerting.clone(),
                    ownership: ownership.clone(),
                    review: review.clone(),
                    labels: labels.clone(),
                    annotations: Labels::new(),
                    exclusions: exclusions.clone(),
                    no_data: None,
                })
            },
        )
}

fn catalog() -> impl Strategy<Value = Catalog> {
    (proptest::collection::vec(
        (name(), ownership(), review(), 1usize..4, any::<bool>()),
        1..3,
    ))
    .prop_flat_map(|services| {
        let mut strategies = Vec::new();
        for (service_index, (service_name, _, _, count, _)) in services.iter().enumerate() {
            for index in 0..*count {
                strategies.push(slo(format!("{service_name}-{service_index}"), index).boxed());
            }
        }
        (Just(services), strategies)
    })
    .prop_map(|(services, slos)| {
        let mut catalog = Catalog::default();
        for (index, (name, ownership, review, _, with_sla)) in services.into_iter().enumerate() {
            let mut service = Service::new(format!("{name}-{index}"));
            service.ownership = ownership;
            service.review = review;
            service.policy = Some("standard".into());
            if with_sla {
                catalog.slas.push(Sla {
                    origin: Origin::default(),
                    service: service.name.clone(),
                    name: "contract".into(),
                    display_name: None,
                    description: None,
                    customer: Some("Everyone".into()),
                    target: Ratio::from_fraction(0.8),
                    window: Window::calendar(CalendarUnit::Month, "UTC"),
                    credits: vec![CreditTier {
                        below: Ratio::from_fraction(0.8),
                        credit: Ratio::from_fraction(0.1),
                    }],
                });
            }
            catalog.services.push(service);
        }
        for mut slo in slos {
            if catalog.slas.iter().any(|sla| sla.service == slo.service) {
                slo.sla = Some("contract".into());
            }
            catalog.slos.push(slo);
        }
        // A composite over the first two plain SLOs of the first service, when it has two
        // with the same budgeting method.
        let first = catalog.services[0].name.clone();
        let members: Vec<&Slo> = catalog.slos_of(&first).collect();
        if members.len() >= 2
            && members[0].budgeting == members[1].budgeting
            && members.iter().take(2).all(|slo| slo.objectives.len() == 1)
        {
            let composite = Slo {
                name: "journey".into(),
                indicator: Indicator::Composite(Composite {
                    members: members
                        .iter()
                        .take(2)
                        .enumerate()
                        .map(|(index, member)| CompositeMember {
                            origin: Origin::default(),
                            name: member.name.clone(),
                            weight: (index + 1) as f64,
                            source: MemberSource::Slo {
                                service: None,
                                slo: member.name.clone(),
                                objective: None,
                            },
                        })
                        .collect(),
                }),
                objectives: vec![Objective::new(
                    DEFAULT_OBJECTIVE,
                    Ratio::from_fraction(0.99),
                )],
                budgeting: members[0].budgeting.clone(),
                exclusions: Vec::new(),
                no_data: None,
                ..members[0].clone()
            };
            catalog.slos.push(composite);
        }
        catalog.policies.push(ErrorBudgetPolicy {
            origin: Origin::default(),
            name: "standard".into(),
            description: Some("Freeze when out of budget".into()),
            states: vec![
                PolicyState {
                    origin: Origin::default(),
                    name: "frozen".into(),
                    description: None,
                    when: Condition::RemainingBelow(Ratio::ZERO),
                    actions: vec![
                        Action::Freeze {
                            scope: "releases".into(),
                            except: vec!["security".into()],
                        },
                        Action::Postmortem { requirement: None },
                    ],
                },
                PolicyState {
                    origin: Origin::default(),
                    name: "ok".into(),
                    description: None,
                    when: Condition::Always,
                    actions: Vec::new(),
                },
            ],
            ownership: Ownership::default(),
            review: Review::default(),
        });
        catalog.notification_targets.push(NotificationTarget {
            origin: Origin::default(),
            name: "oncall".into(),
            kind: Some("webhook".into()),
            target: "https://hooks.example.com/x".into(),
            more_targets: Vec::new(),
            description: None,
            delivery: TargetDelivery {
                secret: Some(SecretSource::Env("HOOK_SECRET".into())),
                headers: vec![("X-Team".into(), SecretSource::Literal("shop".into()))],
                match_severity: vec!["page".into()],
                ..TargetDelivery::default()
            },
        });
        catalog
    })
}

/// The first place two values' debug forms differ, with some context.
fn first_difference<T: std::fmt::Debug>(left: &T, right: &T) -> String {
    let origins = regex::Regex::new(r"origin: Origin \{ location: (None|Some\(Location \{[^}]*\}\)), fields: \[[^\]]*\], format: [^}]*\}, ").unwrap();
    let (left, right) = (
        origins.replace_all(&format!("{left:?}"), "").into_owned(),
        origins.replace_all(&format!("{right:?}"), "").into_owned(),
    );
    let at = left
        .chars()
        .zip(right.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let start = at.saturating_sub(200);
    let window = |text: &str| text.chars().skip(start).take(400).collect::<String>();
    format!("left:  ...{}\nright: ...{}", window(&left), window(&right))
}

fn load(text: String, name: &str) -> Catalog {
    let loaded = load_sources(&[Source {
        name: name.into(),
        text: text.clone(),
    }]);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == nines_spec::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{}\n---\n{text}", errors.join("\n"));
    loaded.catalog
}

fn normalized(mut catalog: Catalog) -> Catalog {
    catalog.slos.sort_by_key(|slo| slo.qualified_name());
    catalog.services.sort_by(|a, b| a.name.cmp(&b.name));
    catalog
        .slas
        .sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    catalog
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// native → OpenSLO → native keeps the model.
    #[test]
    fn native_to_openslo_and_back_keeps_the_model(catalog in catalog()) {
        let native_text = convert(&catalog, Target::Native).render();
        let native = normalized(load(native_text, "generated.yaml"));
        let openslo_text = convert(&native, Target::OpenSlo).render();
        let back = normalized(load(openslo_text.clone(), "openslo.yaml"));
        prop_assert_eq!(&native.services, &back.services, "{}", openslo_text);
        prop_assert_eq!(&native.slas, &back.slas);
        prop_assert_eq!(&native.policies, &back.policies);
        prop_assert_eq!(&native.notification_targets, &back.notification_targets);
        for (left, right) in native.slos.iter().zip(&back.slos) {
            prop_assert!(left == right, "{}\n---\n{}", first_difference(left, right), openslo_text);
        }
        prop_assert_eq!(native.slos.len(), back.slos.len());
        // And writing the model as native text again gives the same text.
        prop_assert_eq!(convert(&native, Target::Native).render(), convert(&back, Target::Native).render());
    }

    /// The generated model survives being written as native text and read back.
    #[test]
    fn native_text_round_trips(catalog in catalog()) {
        let first = normalized(load(convert(&catalog, Target::Native).render(), "a.yaml"));
        let second = normalized(load(convert(&first, Target::Native).render(), "b.yaml"));
        prop_assert_eq!(first, second);
    }

    /// No bytes make the loader panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let loaded = load_sources(&[Source { name: "fuzz.yaml".into(), text }]);
        let _ = nines_spec::lint::lint(&loaded.catalog, jiff::civil::date(2026, 1, 1));
    }

    /// Mutations of real specs (the harder case: mostly valid YAML) never panic.
    #[test]
    fn mutated_specs_never_panic(index in 0usize..6, edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, "[ -~\n]{0,3}"), 1..6)) {
        let sources = [
            include_str!("../../../examples/shop/checkout.yaml"),
            include_str!("../../../examples/shop/payments.yaml"),
            include_str!("../../../examples/shop/policies.yaml"),
            include_str!("../../../examples/openslo/order-pipeline.yaml"),
            include_str!("../../../examples/sloth/catalog-api.yaml"),
            include_str!("../../../examples/pyrra/recommendations.yaml"),
        ];
        let mut text: Vec<char> = sources[index].chars().collect();
        for (position, operation, insert) in edits {
            if text.is_empty() { break; }
            let at = position.index(text.len());
            match operation {
                0 => { text.remove(at); }
                1 => { for (offset, c) in insert.chars().enumerate() { text.insert(at + offset, c); } }
                2 => { text.truncate(at); }
                _ => { let c = text[at]; text.insert(at, c); }
            }
        }
        let text: String = text.into_iter().collect();
        let loaded = load_sources(&[Source { name: "mutated.yaml".into(), text }]);
        let _ = nines_spec::lint::lint(&loaded.catalog, jiff::civil::date(2026, 1, 1));
        let _ = convert(&loaded.catalog, Target::OpenSlo).render();
        let _ = convert(&loaded.catalog, Target::Native).render();
    }
}
