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

#![deny(missing_docs)]

pub mod queries;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use nines_core::Duration;
use nines_core::model::{
    Alerting, BurnRateWindow, CalendarUnit, Catalog, Indicator, Objective, Slo, Window,
};

use crate::queries::SliQueries;

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
    /// One file per service, in service order.
    pub files: Vec<File>,
    /// Objectives without rules.
    pub skipped: Vec<Skipped>,
    /// Notes on approximations (calendar windows, time slices).
    pub notes: Vec<String>,
    /// Recording and alerting rules in all.
    pub rules: usize,
}

/// The names of the series and labels a naming scheme uses.
struct Names {
    naming: Naming,
}

impl Names {
    fn ratio(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_error:ratio_rate{window}"),
            Naming::Sloth => format!("slo:sli_error:ratio_rate{window}"),
        }
    }
    fn burn(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:slo_burn_rate:ratio_rate{window}"),
            Naming::Sloth => format!("slo:burn_rate:ratio_rate{window}"),
        }
    }
    fn errors_recorded(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_errors:increase{window}"),
            Naming::Sloth => format!("slo:sli_errors:increase{window}"),
        }
    }
    fn valid_recorded(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_valid:increase{window}"),
            Naming::Sloth => format!("slo:sli_valid:increase{window}"),
        }
    }
    fn fixed(&self, nines: &str, sloth: &str) -> String {
        match self.naming {
            Naming::Nines => nines.to_string(),
            Naming::Sloth => sloth.to_string(),
        }
    }
    /// The labels that identify an objective's series.
    fn identity(&self, slo: &Slo, objective: &Objective) -> Vec<(String, String)> {
        match self.naming {
            Naming::Nines => vec![
                ("nines_service".into(), slo.service.clone()),
                ("nines_slo".into(), slo.name.clone()),
                ("nines_objective".into(), objective.name.clone()),
            ],
            Naming::Sloth => {
                let suffix = if slo.objectives.len() > 1 {
                    format!("-{}", objective.name)
                } else {
                    String::new()
                };
                vec![
                    (
                        "sloth_id".into(),
                        format!("{}-{}{suffix}", slo.service, slo.name),
                    ),
                    ("sloth_service".into(), slo.service.clone()),
                    ("sloth_slo".into(), format!("{}{suffix}", slo.name)),
                ]
            }
        }
    }
}

fn selector(identity: &[(String, String)]) -> String {
    let parts: Vec<String> = identity
        .iter()
        .map(|(name, value)| format!("{name}={}", nines_spec::promql::quote(value)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// A number as PromQL reads it, without binary noise (`1 − 0.999` is `0.001`).
fn number(value: f64) -> String {
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
fn window_length(window: &Window) -> (Duration, bool) {
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

fn record(name: &str, expr: String, labels: &Labels) -> Rule {
    Rule::Record {
        record: name.to_string(),
        expr,
        labels: labels.clone(),
    }
}

fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn group_name(slo: &Slo, objective: &Objective, part: &str) -> String {
    if slo.objectives.len() > 1 {
        format!(
            "nines-{}-{}-{}-{part}",
            slo.service, slo.name, objective.name
        )
    } else {
        format!("nines-{}-{}-{part}", slo.service, slo.name)
    }
}

/// Rules for one objective: three groups, or why none.
fn objective_groups(
    slo: &Slo,
    objective: &Objective,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<Vec<Group>, String> {
    let sli = slo
        .sli()
        .ok_or("composite SLOs get no rules of their own (their members do)")?;
    let threshold = objective
        .threshold
        .as_ref()
        .map(|threshold| threshold.value);
    let queries = SliQueries::new(sli, threshold)?;
    let names = Names {
        naming: options.naming,
    };
    let identity = names.identity(slo, objective);
    let mut label_list: Vec<(String, String)> = options
        .labels
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .filter(|(name, _)| !identity.iter().any(|(own, _)| own == name))
        .collect();
    label_list.extend(identity.iter().cloned());
    let labels: Labels = label_list.clone().into();
    let budget = 1.0 - objective.target.fraction();
    let (slo_window, calendar) = window_length(&slo.window);
    if calendar {
        notes.push(format!(
            "{}: the calendar window {} is followed as a rolling {slo_window} in rules (`nines report` follows the calendar)",
            slo.qualified_name(),
            slo.window
        ));
    }
    if slo.budgeting.slice().is_some() {
        notes.push(format!(
            "{}: budgeted in time slices; rules alert on the event ratio over each window",
            slo.qualified_name()
        ));
    }
    let alerting = slo.alerting.clone();
    let rows = alerting.effective_windows(slo_window);
    // Windows: every long and short window of the table, and 5m for current burn.
    let mut windows: Vec<Duration> = rows
        .iter()
        .flat_map(|row| [row.long, row.short])
        .chain([Duration::from_minutes(5)])
        .collect();
    windows.sort();
    windows.dedup();
    let own = selector(&identity);

    // 1. Error ratio and burn rate over each window.
    let mut window_rules = Vec::new();
    for window in &windows {
        let ratio = format!(
            "({errors}) / (({valid}) > 0)",
            errors = queries.errors(*window),
            valid = queries.valid(*window)
        );
        let with_window: Labels = if options.naming == Naming::Sloth {
            let mut list = label_list.clone();
            list.push(("sloth_window".into(), window.to_string()));
            list.into()
        } else {
            labels.clone()
        };
        window_rules.push(record(&names.ratio(*window), ratio, &with_window));
        window_rules.push(record(
            &names.burn(*window),
            format!("{}{own} / {}", names.ratio(*window), number(budget)),
            &with_window,
        ));
    }

    // 2. The SLO window, chained from counts recorded at the group's interval.
    let step = options.slo_window_interval;
    let errors_step = names.errors_recorded(step);
    let valid_step = names.valid_recorded(step);
    let slo_ratio = names.ratio(slo_window);
    let mut slo_rules = vec![
        record(&errors_step, queries.errors(step), &labels),
        record(&valid_step, queries.valid(step), &labels),
        record(
            &slo_ratio,
            format!(
                "sum_over_time({errors_step}{own}[{slo_window}]) / (sum_over_time({valid_step}{own}[{slo_window}]) > 0)"
            ),
            &labels,
        ),
        record(
            &names.fixed("nines:slo_objective:ratio", "slo:objective:ratio"),
            format!("vector({})", number(objective.target.fraction())),
            &labels,
        ),
        record(
            &names.fixed("nines:slo_error_budget:ratio", "slo:error_budget:ratio"),
            format!("vector({})", number(budget)),
            &labels,
        ),
        record(
            &names.fixed(
                "nines:slo_period_burn_rate:ratio",
                "slo:period_burn_rate:ratio",
            ),
            format!("{slo_ratio}{own} / {}", number(budget)),
            &labels,
        ),
        record(
            &names.fixed(
                "nines:slo_budget_remaining:ratio",
                "slo:period_error_budget_remaining:ratio",
            ),
            format!(
                "1 - {}{own}",
                names.fixed(
                    "nines:slo_period_burn_rate:ratio",
                    "slo:period_burn_rate:ratio"
                )
            ),
            &labels,
        ),
        record(
            &names.fixed(
                "nines:slo_current_burn_rate:ratio",
                "slo:current_burn_rate:ratio",
            ),
            format!(
                "{}{own} / {}",
                names.ratio(Duration::from_minutes(5)),
                number(budget)
            ),
            &labels,
        ),
    ];
    if options.naming == Naming::Sloth {
        slo_rules.push(record(
            "slo:time_period:days",
            format!("vector({})", number(slo_window.as_secs_f64() / 86_400.0)),
            &labels,
        ));
    }

    // 3. Alerts, one per row.
    let alert_name = alerting
        .name
        .clone()
        .unwrap_or_else(|| format!("{}{}ErrorBudgetBurn", camel(&slo.service), camel(&slo.name)));
    let alert_rules: Vec<Rule> = rows
        .iter()
        .map(|row| {
            alert(
                &alerting,
                row,
                slo,
                objective,
                &names,
                &own,
                &labels,
                &alert_name,
                budget,
                slo_window,
            )
        })
        .collect();

    // Alerts share the group of the ratios they read: rules of one group run in order,
    // so an alert always sees this evaluation's ratios, never the previous one's.
    window_rules.extend(alert_rules);
    let groups = vec![
        Group {
            name: group_name(slo, objective, "burn-rates"),
            interval: None,
            rules: window_rules,
        },
        Group {
            name: group_name(slo, objective, "slo-window"),
            interval: Some(step),
            rules: slo_rules,
        },
    ];
    Ok(groups)
}

#[allow(clippy::too_many_arguments)]
fn alert(
    alerting: &Alerting,
    row: &BurnRateWindow,
    slo: &Slo,
    objective: &Objective,
    names: &Names,
    own: &str,
    labels: &[(String, String)],
    alert_name: &str,
    budget: f64,
    slo_window: Duration,
) -> Rule {
    let factor = row.factor(slo_window);
    let threshold = number(factor * budget);
    let expr = format!(
        "({long}{own} > {threshold}) and ({short}{own} > {threshold})",
        long = names.ratio(row.long),
        short = names.ratio(row.short),
    );
    let mut alert_labels: Vec<(String, String)> = labels.to_vec();
    let mut set = |name: &str, value: String| match alert_labels
        .iter_mut()
        .find(|(existing, _)| existing == name)
    {
        Some(entry) => entry.1 = value,
        None => alert_labels.push((name.to_string(), value)),
    };
    set("severity", row.severity.clone());
    set("long_window", row.long.to_string());
    set("short_window", row.short.to_string());
    set("burn_factor", number(factor));
    for (name, value) in alerting.labels.iter().chain(row.labels.iter()) {
        set(name, value.clone());
    }
    let target = nines_core::report::percent(objective.target.fraction(), 4);
    let mut annotations: Vec<(String, String)> = Vec::new();
    annotations.push((
        "summary".into(),
        format!(
            "{}: error budget burning {} times too fast over {} and {}",
            slo.qualified_name(),
            nines_core::ratio::format_decimal(factor, 2),
            row.long,
            row.short
        ),
    ));
    annotations.push((
        "description".into(),
        format!(
            "The error ratio of {} over {} is {{{{ $value | humanizePercentage }}}} (target {target}, alert above {}): at this rate {} of the {} budget is spent in {}.",
            slo.qualified_name(),
            row.long,
            nines_core::report::percent(factor * budget, 4),
            nines_core::report::percent(row.budget_share(slo_window), 2),
            slo_window,
            row.long
        ),
    ));
    if let Some(runbook) = &alerting.runbook {
        annotations.push(("runbook_url".into(), runbook.clone()));
    }
    if let Some(dashboard) = &alerting.dashboard {
        annotations.push(("dashboard_url".into(), dashboard.clone()));
    }
    for (name, value) in alerting.annotations.iter().chain(row.annotations.iter()) {
        match annotations
            .iter_mut()
            .find(|(existing, _)| existing == name)
        {
            Some(entry) => entry.1 = value.clone(),
            None => annotations.push((name.clone(), value.clone())),
        }
    }
    Rule::Alert {
        alert: alert_name.to_string(),
        expr,
        for_duration: row.for_duration,
        labels: alert_labels,
        annotations,
    }
}

/// Rules for every SLO of `catalog` with a Prometheus source, one file per service.
pub fn generate(catalog: &Catalog, options: &Options) -> Generated {
    let mut generated = Generated::default();
    let mut by_service: BTreeMap<String, Vec<Group>> = BTreeMap::new();
    for slo in &catalog.slos {
        if matches!(slo.indicator, Indicator::Composite(_)) {
            continue;
        }
        if slo.sli().is_none_or(|sli| sli.prometheus.is_none()) {
            continue;
        }
        for objective in &slo.objectives {
            match objective_groups(slo, objective, options, &mut generated.notes) {
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

fn pairs(out: &mut String, key: &str, pairs: &[(String, String)], level: usize) {
    if pairs.is_empty() {
        return;
    }
    let pad = "  ".repeat(level);
    let _ = writeln!(out, "{pad}{key}:");
    for (name, value) in pairs {
        let _ = writeln!(
            out,
            "{pad}  {}: {}",
            nines_spec::emit::key(name),
            nines_spec::emit::scalar(value, level + 2)
        );
    }
}

/// Writes `groups:` and the groups at `level`.
fn write_groups(out: &mut String, groups: &[Group], level: usize) {
    let pad = "  ".repeat(level);
    let _ = writeln!(out, "{pad}groups:");
    for group in groups {
        let _ = writeln!(
            out,
            "{pad}  - name: {}",
            nines_spec::emit::scalar(&group.name, level + 2)
        );
        if let Some(interval) = group.interval {
            let _ = writeln!(out, "{pad}    interval: {interval}");
        }
        let _ = writeln!(out, "{pad}    rules:");
        for rule in &group.rules {
            match rule {
                Rule::Record {
                    record,
                    expr,
                    labels,
                } => {
                    let _ = writeln!(out, "{pad}      - record: {record}");
                    let _ = writeln!(
                        out,
                        "{pad}        expr: {}",
                        nines_spec::emit::scalar(expr, level + 5)
                    );
                    pairs(out, "labels", labels, level + 4);
                }
                Rule::Alert {
                    alert,
                    expr,
                    for_duration,
                    labels,
                    annotations,
                } => {
                    let _ = writeln!(
                        out,
                        "{pad}      - alert: {}",
                        nines_spec::emit::scalar(alert, level + 5)
                    );
                    let _ = writeln!(
                        out,
                        "{pad}        expr: {}",
                        nines_spec::emit::scalar(expr, level + 5)
                    );
                    if let Some(duration) = for_duration {
                        let _ = writeln!(out, "{pad}        for: {duration}");
                    }
                    pairs(out, "labels", labels, level + 4);
                    pairs(out, "annotations", annotations, level + 4);
                }
            }
        }
    }
}

const HEADER: &str =
    "# Generated by `nines generate prometheus`; edit the SLO specs, not this file.\n";

/// Renders a file as YAML in its layout, with a header saying where it came from.
pub fn render(file: &File) -> String {
    let mut out = String::with_capacity(file.groups.len() * 4096);
    out.push_str(HEADER);
    match file.format {
        Format::Rules | Format::Vmalert => write_groups(&mut out, &file.groups, 0),
        Format::Mimir => {
            let _ = writeln!(
                out,
                "namespace: {}",
                nines_spec::emit::scalar(&format!("nines-{}", file.service), 1)
            );
            write_groups(&mut out, &file.groups, 0);
        }
        Format::Operator => {
            out.push_str("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n");
            let _ = writeln!(
                out,
                "  name: {}",
                nines_spec::emit::scalar(&format!("nines-{}", file.service), 2)
            );
            pairs(&mut out, "labels", &file.metadata_labels, 1);
            out.push_str("spec:\n");
            write_groups(&mut out, &file.groups, 1);
        }
    }
    out
}

/// Renders only the rule groups (what `promtool check rules` reads), for any layout.
pub fn render_groups(file: &File) -> String {
    let mut out = String::from(HEADER);
    write_groups(&mut out, &file.groups, 0);
    out
}
