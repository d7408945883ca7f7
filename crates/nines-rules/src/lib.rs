//! Prometheus rules from SLO specs: `nines generate prometheus`.
//!
//! For every objective of an SLO with a Prometheus source, two rule groups:
//!
//! 1. **burn rates** (the ruler's default interval): the error ratio over every window
//!    of the SLO's burn-rate table, `errors(w) / valid(w)` as event counts, recorded only
//!    when there was traffic (`valid > 0`), so no idle window records NaN or Inf; the burn
//!    rate over each (`ratio / budget`), for dashboards; then the **alerts**, one rule per
//!    row of the table, long AND short window above `factor × budget`, labelled with the
//!    window pair, severity and factor (a service without traffic records no ratio and so
//!    never pages). Alerts sit in the same group as the ratios because a group's rules run
//!    in order: they read this evaluation's ratios, not the previous one's;
//! 2. **SLO window** (every 5 minutes): 5-minute error and valid counts, recorded at the
//!    group's own interval so they partition time, and the SLO-window error ratio chained
//!    from them: `sum_over_time(errors5m[30d]) / sum_over_time(valid5m[30d])`, the
//!    event-weighted ratio read from 8,640 recorded points instead of 30 days of raw
//!    samples; objective, budget, budget remaining.
//!
//! Names follow nines' scheme (`nines:sli_error:ratio_rate1h`) or, with
//! [`Naming::Sloth`], Sloth's (`slo:sli_error:ratio_rate1h`, `sloth_id`...), so existing
//! Sloth dashboards keep working; the values are event-weighted either way.
//!
//! Each objective also gets a no-data alert (Pyrra's `absent` alert), composites get rules
//! combining their members as `nines report` does, and every objective that gets no rules
//! is listed in [`Generated::skipped`] with its reason.

#![deny(missing_docs)]

mod composite;
mod names;
mod objective;
pub mod queries;
mod render;

use std::collections::BTreeMap;
use std::sync::Arc;

use nines_core::Duration;
use nines_core::model::{CalendarUnit, Catalog, Indicator, Slo, Window};

pub use crate::names::{SLOTH_WINDOW, is_label_name};
pub use crate::render::{ALL_SERVICES_NAMESPACE, render, render_all, render_groups};

/// Metric and label names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Naming {
    /// `nines:sli_error:ratio_rate5m`, labels `nines_service`, `nines_slo`, `nines_objective`.
    #[default]
    Nines,
    /// Sloth's names (`slo:sli_error:ratio_rate5m`, `sloth_id`, `sloth_service`,
    /// `sloth_slo`), for dashboards built on Sloth.
    Sloth,
}

/// The file layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A Prometheus rule file: `groups:`.
    #[default]
    Rules,
    /// A prometheus-operator `PrometheusRule` resource.
    Operator,
    /// A Mimir, Cortex or Thanos ruler namespace file (`namespace:` and `groups:`, as
    /// `mimirtool rules load` reads).
    Mimir,
    /// vmalert groups (Prometheus-compatible groups; vmalert reads them as they are).
    Vmalert,
}

/// Generation settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Names.
    pub naming: Naming,
    /// Layout.
    pub format: Format,
    /// Interval of the SLO-window group (and the length of its recorded counts).
    pub slo_window_interval: Duration,
    /// Labels added to every rule (e.g. `team`, or the operator's rule selector labels
    /// on the `PrometheusRule` metadata).
    pub labels: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            naming: Naming::Nines,
            format: Format::Rules,
            slo_window_interval: Duration::from_minutes(5),
            labels: BTreeMap::new(),
        }
    }
}

/// An objective rules were not generated for, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Skipped {
    /// `service/slo`.
    pub slo: String,
    /// The objective.
    pub objective: String,
    /// Why.
    pub reason: String,
}

/// Labels shared by many rules.
pub type Labels = Arc<[(String, String)]>;

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// A recording rule.
    Record {
        /// The recorded series' name.
        record: String,
        /// The PromQL.
        expr: String,
        /// Labels added to the result.
        labels: Labels,
    },
    /// An alerting rule.
    Alert {
        /// The alert name.
        alert: String,
        /// The condition.
        expr: String,
        /// `for:`, when set.
        for_duration: Option<Duration>,
        /// Labels.
        labels: Vec<(String, String)>,
        /// Annotations.
        annotations: Vec<(String, String)>,
    },
}

/// A rule group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Its own evaluation interval, when not the ruler's default.
    pub interval: Option<Duration>,
    /// Its rules, evaluated in order.
    pub rules: Vec<Rule>,
}

/// One generated file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// Suggested file name: `<service>.rules.yaml`.
    pub name: String,
    /// The service.
    pub service: String,
    /// The layout.
    pub format: Format,
    /// Labels for a `PrometheusRule`'s metadata.
    pub metadata_labels: Vec<(String, String)>,
    /// The rule groups.
    pub groups: Vec<Group>,
}

/// What generation produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generated {
    /// The layout the files are in.
    pub format: Format,
    /// One file per service, in service order.
    pub files: Vec<File>,
    /// Objectives without rules.
    pub skipped: Vec<Skipped>,
    /// Notes on approximations (calendar windows, time slices).
    pub notes: Vec<String>,
    /// Recording and alerting rules in all.
    pub rules: usize,
}

/// A number as PromQL reads it, without binary noise (`1 − 0.999` is `0.001`).
pub(crate) fn number(value: f64) -> String {
    let rounded = (value * 1e12).round() / 1e12;
    let text = format!("{rounded}");
    if text.contains('e') || text.contains('.') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

/// The length rules use for the SLO window: rolling windows as they are, calendar windows
/// as their nominal length (rules cannot follow calendar periods).
pub(crate) fn window_length(window: &Window) -> (Duration, bool) {
    match window {
        Window::Rolling { length } => (*length, false),
        Window::Calendar { unit, count, .. } => {
            let days = match unit {
                CalendarUnit::Week => 7,
                CalendarUnit::Month => 30,
                CalendarUnit::Quarter => 90,
                CalendarUnit::Year => 365,
            };
            (Duration::from_days(days * u64::from(*count).max(1)), true)
        }
    }
}

/// Why an SLO without rules of its own gets none: no Prometheus source, or none that
/// rules can read. `None` when it has one.
fn source_problem(slo: &Slo) -> Option<String> {
    let sli = slo.sli()?;
    if sli.prometheus.is_some() {
        return None;
    }
    Some(if sli.events.is_some() {
        "the SLI has only an events source: rules need Prometheus queries (`nines report` and `nines serve` measure it from events and counts)".to_string()
    } else if let Some(external) = &sli.external {
        format!(
            "the SLI's source is {} (not Prometheus): rules need Prometheus queries",
            external
                .kind
                .as_deref()
                .or(external.data_source.as_deref())
                .unwrap_or("external")
        )
    } else {
        "the SLI has no source".to_string()
    })
}

/// Rules for every SLO of `catalog`, one file per service; every objective without rules
/// is in [`Generated::skipped`] with the reason.
pub fn generate(catalog: &Catalog, options: &Options) -> Generated {
    let mut generated = Generated {
        format: options.format,
        ..Generated::default()
    };
    let mut by_service: BTreeMap<String, Vec<Group>> = BTreeMap::new();
    for slo in &catalog.slos {
        let skip_all = match &slo.indicator {
            Indicator::Composite(_) => None,
            Indicator::Sli(_) => source_problem(slo),
        };
        // A composite is measured against one objective, its own or the weighted mean of
        // its members' targets (as the engine plans it).
        let objectives = match &slo.indicator {
            Indicator::Composite(composite) => {
                vec![composite::composite_objective(slo, catalog, composite)]
            }
            Indicator::Sli(_) => slo.objectives.clone(),
        };
        for objective in &objectives {
            let result = match (&slo.indicator, &skip_all) {
                (_, Some(reason)) => Err(reason.clone()),
                (Indicator::Composite(composite), None) => composite::groups(
                    catalog,
                    slo,
                    composite,
                    objective,
                    options,
                    &mut generated.notes,
                ),
                (Indicator::Sli(_), None) => {
                    objective::objective_groups(slo, objective, options, &mut generated.notes)
                }
            };
            match result {
                Ok(groups) => {
                    generated.rules += groups.iter().map(|group| group.rules.len()).sum::<usize>();
                    by_service
                        .entry(slo.service.clone())
                        .or_default()
                        .extend(groups);
                }
                Err(reason) => generated.skipped.push(Skipped {
                    slo: slo.qualified_name(),
                    objective: objective.name.clone(),
                    reason,
                }),
            }
        }
    }
    generated.notes.sort();
    generated.notes.dedup();
    let mut metadata_labels: Vec<(String, String)> = options
        .labels
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    metadata_labels.push(("app.kubernetes.io/managed-by".into(), "nines".into()));
    for (service, groups) in by_service {
        generated.files.push(File {
            name: format!("{service}.rules.yaml"),
            service,
            format: options.format,
            metadata_labels: metadata_labels.clone(),
            groups,
        });
    }
    generated
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"apiVersion: nines/v1
name: web
slos:
  - name: requests
    target: 99.9%
    window: 30d
    sli:
      prometheus:
        valid: http_requests_total{job="web"}
        bad: http_requests_total{job="web",code=~"5.."}
"#;

    fn catalog() -> Catalog {
        let loaded = nines_spec::load_sources(&[nines_spec::Source {
            name: "web.yaml".into(),
            text: SPEC.into(),
        }]);
        assert!(!loaded.catalog.slos.is_empty(), "{:?}", loaded.diagnostics);
        loaded.catalog
    }

    #[test]
    fn a_blank_alert_name_falls_back_with_a_note() {
        // issue 8.4: `alerting.name: ""` gave `alert: ""`, which Prometheus refuses,
        // whatever decoder let it through.
        for blank in ["", "  "] {
            let mut catalog = catalog();
            catalog.slos[0].alerting.name = Some(blank.to_string());
            let generated = generate(&catalog, &Options::default());
            let text = render_all(&generated.files, Format::Rules);
            assert!(!text.contains("alert: \"\""), "{text}");
            assert!(!text.contains("alert: \"  \""), "{text}");
            assert!(text.contains("alert: WebRequestsErrorBudgetBurn"));
            assert!(
                generated
                    .notes
                    .iter()
                    .any(|note| note.contains("`alerting.name` is empty")),
                "{:?}",
                generated.notes
            );
        }
    }

    #[test]
    fn the_no_data_alert_follows_the_spec() {
        // issue 8.5: Pyrra's absentName and absent: false, carried in the model.
        let mut catalog = catalog();
        catalog.slos[0].alerting.no_data.name = Some("WebMetricsMissing".into());
        catalog.slos[0].alerting.no_data.severity = Some("ticket".into());
        let text = render_all(
            &generate(&catalog, &Options::default()).files,
            Format::Rules,
        );
        let at = text
            .find("alert: WebMetricsMissing")
            .expect("named as the spec says");
        let rule = &text[at..];
        assert!(
            rule.contains("expr: absent(http_requests_total{job=\"web\"})"),
            "{rule}"
        );
        assert!(rule.contains("for: 1m"), "{rule}");
        assert!(rule.contains("severity: ticket"), "{rule}");
        catalog.slos[0].alerting.no_data.disabled = true;
        let text = render_all(
            &generate(&catalog, &Options::default()).files,
            Format::Rules,
        );
        assert!(!text.contains("absent("), "{text}");
    }
}
