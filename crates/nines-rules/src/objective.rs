//! The rules of one objective: ratios and burn rates over every window with the alerts
//! that read them, the no-data alert, and the SLO window chained from recorded counts.

use nines_core::Duration;
use nines_core::model::{Alerting, BurnRateWindow, Objective, Slo};

use crate::names::{Names, camel, rule_labels, selector};
use crate::queries::SliQueries;
use crate::{Group, Labels, Naming, Options, Rule, number, window_length};

/// Pyrra's default burn-rate alert name (`defaultAlertname` in Pyrra's `slo/slo.go`).
const PYRRA_ALERT_NAME: &str = "ErrorBudgetBurn";
/// Pyrra's default no-data alert name (`defaultAlertnameAbsent`).
const PYRRA_NO_DATA_NAME: &str = "SLOMetricAbsent";

/// The shortest wait of a no-data alert: a shorter `for:` would page on one missed scrape
/// or on the restart of a service's only target.
const NO_DATA_MINIMUM_WAIT: Duration = Duration::from_minutes(1);

pub(crate) fn record(name: &str, expr: String, labels: &Labels) -> Rule {
    Rule::Record {
        record: name.to_string(),
        expr,
        labels: labels.clone(),
    }
}

pub(crate) fn group_name(slo: &Slo, objective: &Objective, part: &str) -> String {
    if slo.objectives.len() > 1 {
        format!(
            "nines-{}-{}-{}-{part}",
            slo.service, slo.name, objective.name
        )
    } else {
        format!("nines-{}-{}-{part}", slo.service, slo.name)
    }
}

/// The burn-rate alert name: the spec's (Sloth's and Pyrra's `alerting.name`) unless it is
/// blank, which Prometheus refuses (`alert: ""`); then the derived one, with a note. Pyrra
/// specs without a name keep Pyrra's default, `ErrorBudgetBurn`, so Alertmanager routes
/// written for Pyrra keep matching (the identity labels tell SLOs apart).
pub(crate) fn alert_name(slo: &Slo, notes: &mut Vec<String>) -> String {
    let derived = if slo.origin.format() == Some("pyrra") {
        PYRRA_ALERT_NAME.to_string()
    } else {
        format!("{}{}ErrorBudgetBurn", camel(&slo.service), camel(&slo.name))
    };
    match slo.alerting.name.as_deref().map(str::trim) {
        Some("") => {
            notes.push(format!(
                "{}: `alerting.name` is empty, which Prometheus refuses: the alert is named {derived}",
                slo.qualified_name()
            ));
            derived
        }
        Some(name) => name.to_string(),
        None => derived,
    }
}

/// The SLO-window figures shared by single objectives and composites.
pub(crate) struct Window {
    pub(crate) length: Duration,
    pub(crate) rows: Vec<BurnRateWindow>,
    /// Every long and short window of the table, and 5m for the current burn.
    pub(crate) windows: Vec<Duration>,
}

impl Window {
    pub(crate) fn of(slo: &Slo, notes: &mut Vec<String>) -> Window {
        let (length, calendar) = window_length(&slo.window);
        if calendar {
            notes.push(format!(
                "{}: the calendar window {} is followed as a rolling {length} in rules (`nines report` follows the calendar)",
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
        let rows = slo.alerting.effective_windows(length);
        let mut windows: Vec<Duration> = rows
            .iter()
            .flat_map(|row| [row.long, row.short])
            .chain([Duration::from_minutes(5)])
            .collect();
        windows.sort();
        windows.dedup();
        Window {
            length,
            rows,
            windows,
        }
    }
}

/// Rules for one objective: two groups, or why none.
pub(crate) fn objective_groups(
    slo: &Slo,
    objective: &Objective,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<Vec<Group>, String> {
    let sli = slo
        .sli()
        .ok_or("the SLI is not resolved (a reference to an SLI that is not defined)")?;
    let threshold = objective
        .threshold
        .as_ref()
        .map(|threshold| threshold.value);
    let queries = SliQueries::new(sli, threshold)?;
    let names = Names {
        naming: options.naming,
    };
    let identity = names.identity(slo, objective);
    let label_list = rule_labels(options, slo, &identity, notes);
    let labels: Labels = label_list.clone().into();
    let budget = 1.0 - objective.target.fraction();
    let window = Window::of(slo, notes);
    let own = selector(&identity);

    // 1. Error ratio and burn rate over each window.
    let mut window_rules = Vec::new();
    for length in &window.windows {
        let with_window: Labels = names.with_window(&label_list, *length).into();
        window_rules.push(record(
            &names.ratio(*length),
            queries.error_ratio(*length),
            &with_window,
        ));
        window_rules.push(record(
            &names.burn(*length),
            format!("{}{own} / {}", names.ratio(*length), number(budget)),
            &with_window,
        ));
    }

    // 2. The SLO window: chained from counts recorded at the group's interval, or for raw
    // ratios (which have no counts) the time average of the 5-minute ratio, as Sloth does.
    let step = options.slo_window_interval;
    let slo_ratio = names.ratio(window.length);
    let slo_window = window.length;
    let window_labels: Labels = names.with_window(&label_list, slo_window).into();
    let mut slo_rules = Vec::new();
    // When the SLO window is also a burn window (a 3-day SLO with the 3d/6h row), the
    // burn-rate group already records its ratio: a second rule for the same series would
    // make the two write conflicting samples.
    let recorded_already = window.windows.contains(&slo_window);
    if recorded_already {
        slo_rules.extend(
            [
                record(&names.errors_recorded(step), queries.errors(step), &labels),
                record(&names.valid_recorded(step), queries.valid(step), &labels),
            ]
            .into_iter()
            .filter(|_| queries.has_counts()),
        );
    } else if queries.has_counts() {
        let errors_step = names.errors_recorded(step);
        let valid_step = names.valid_recorded(step);
        slo_rules.push(record(&errors_step, queries.errors(step), &labels));
        slo_rules.push(record(&valid_step, queries.valid(step), &labels));
        slo_rules.push(record(
            &slo_ratio,
            format!(
                "sum_over_time({errors_step}{own}[{slo_window}]) / (sum_over_time({valid_step}{own}[{slo_window}]) > 0)"
            ),
            &window_labels,
        ));
    } else {
        notes.push(format!(
            "{}: a raw ratio has no event counts: its SLO-window ratio is the time average of the 5-minute ratio (as Sloth computes it), not events over events",
            slo.qualified_name()
        ));
        slo_rules.push(record(
            &slo_ratio,
            format!(
                "avg_over_time({}{own}[{slo_window}])",
                names.ratio(Duration::from_minutes(5))
            ),
            &window_labels,
        ));
    }
    slo_rules.extend(meta_rules(
        slo, objective, &names, &own, &labels, budget, slo_window,
    ));

    // 3. Alerts, one per row, and the no-data alert.
    let alert_name = alert_name(slo, notes);
    for row in &window.rows {
        window_rules.push(burn_alert(
            &slo.alerting,
            row,
            &slo.qualified_name(),
            objective.target.fraction(),
            &names,
            &|length| names.ratio(length),
            &own,
            &label_list,
            &alert_name,
            budget,
            slo_window,
        ));
    }
    if let Some(alert) = no_data_alert(slo, &window, budget, &queries.presence(), &label_list) {
        window_rules.push(alert);
    }

    // Alerts share the group of the ratios they read: rules of one group run in order,
    // so an alert always sees this evaluation's ratios, never the previous one's.
    Ok(vec![
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
    ])
}

/// Objective, budget, period burn, budget remaining and current burn, for dashboards;
/// with Sloth's naming also `slo:time_period:days` and `sloth_slo_info`.
pub(crate) fn meta_rules(
    slo: &Slo,
    objective: &Objective,
    names: &Names,
    own: &str,
    labels: &Labels,
    budget: f64,
    slo_window: Duration,
) -> Vec<Rule> {
    let period_burn = names.fixed(
        "nines:slo_period_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
    );
    let mut rules = vec![
        record(
            &names.fixed("nines:slo_objective:ratio", "slo:objective:ratio"),
            format!("vector({})", number(objective.target.fraction())),
            labels,
        ),
        record(
            &names.fixed("nines:slo_error_budget:ratio", "slo:error_budget:ratio"),
            format!("vector({})", number(budget)),
            labels,
        ),
        record(
            &period_burn,
            format!("{}{own} / {}", names.ratio(slo_window), number(budget)),
            labels,
        ),
        record(
            &names.fixed(
                "nines:slo_budget_remaining:ratio",
                "slo:period_error_budget_remaining:ratio",
            ),
            format!("1 - {period_burn}{own}"),
            labels,
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
            labels,
        ),
    ];
    if names.naming == Naming::Sloth {
        rules.push(record(
            "slo:time_period:days",
            format!("vector({})", number(slo_window.as_secs_f64() / 86_400.0)),
            labels,
        ));
        rules.push(sloth_info(slo, objective, labels));
    }
    rules
}

/// `sloth_slo_info`, the series Sloth's Grafana dashboards list SLOs from.
fn sloth_info(slo: &Slo, objective: &Objective, labels: &Labels) -> Rule {
    let mut list: Vec<(String, String)> = labels.to_vec();
    let spec = match slo.origin.format() {
        Some("sloth") => "prometheus/v1",
        _ => "nines/v1",
    };
    for (name, value) in [
        ("sloth_mode", "cli-gen-prom".to_string()),
        (
            "sloth_objective",
            nines_core::ratio::format_decimal(objective.target.fraction() * 100.0, 6),
        ),
        ("sloth_spec", spec.to_string()),
        (
            "sloth_version",
            format!("nines-{}", env!("CARGO_PKG_VERSION")),
        ),
    ] {
        list.retain(|(own, _)| own != name);
        list.push((name.to_string(), value));
    }
    record("sloth_slo_info", "vector(1)".to_string(), &list.into())
}

/// Sloth's severity names, which its dashboards and UI group alerts by.
fn sloth_severity(severity: &str) -> &'static str {
    match severity {
        "page" | "critical" => "page",
        _ => "ticket",
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn burn_alert(
    alerting: &Alerting,
    row: &BurnRateWindow,
    qualified_name: &str,
    target: f64,
    names: &Names,
    series: &dyn Fn(Duration) -> String,
    own: &str,
    labels: &[(String, String)],
    alert_name: &str,
    budget: f64,
    slo_window: Duration,
) -> Rule {
    let factor = row.factor(slo_window);
    let threshold = number(factor * budget);
    let expr = format!(
        "{long} and {short}",
        long = names.above(&series(row.long), own, &threshold),
        short = names.above(&series(row.short), own, &threshold),
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
    if names.naming == Naming::Sloth {
        set("sloth_severity", sloth_severity(&row.severity).to_string());
    }
    set("long_window", row.long.to_string());
    set("short_window", row.short.to_string());
    set("burn_factor", number(factor));
    for (name, value) in alerting.labels.iter().chain(row.labels.iter()) {
        set(name, value.clone());
    }
    let target = nines_core::report::percent(target, 4);
    let mut annotations: Vec<(String, String)> = Vec::new();
    annotations.push((
        "summary".into(),
        format!(
            "{qualified_name}: error budget burning {} times too fast over {} and {}",
            nines_core::ratio::format_decimal(factor, 2),
            row.long,
            row.short
        ),
    ));
    annotations.push((
        "description".into(),
        format!(
            "The error ratio of {qualified_name} over {} is {{{{ $value | humanizePercentage }}}} (target {target}, alert above {}): at this rate {} of the {} budget is spent in {}.",
            row.long,
            nines_core::report::percent(factor * budget, 4),
            nines_core::report::percent(row.budget_share(slo_window), 2),
            slo_window,
            row.long
        ),
    ));
    extra_annotations(&mut annotations, alerting, &row.annotations);
    Rule::Alert {
        alert: alert_name.to_string(),
        expr,
        for_duration: row.for_duration,
        labels: alert_labels,
        annotations,
    }
}

fn extra_annotations(
    annotations: &mut Vec<(String, String)>,
    alerting: &Alerting,
    row: &nines_core::model::Labels,
) {
    if let Some(runbook) = &alerting.runbook {
        annotations.push(("runbook_url".into(), runbook.clone()));
    }
    if let Some(dashboard) = &alerting.dashboard {
        annotations.push(("dashboard_url".into(), dashboard.clone()));
    }
    for (name, value) in alerting.annotations.iter().chain(row.iter()) {
        match annotations
            .iter_mut()
            .find(|(existing, _)| existing == name)
        {
            Some(entry) => entry.1 = value.clone(),
            None => annotations.push((name.clone(), value.clone())),
        }
    }
}

/// How long a no-data alert waits, as Pyrra's `AbsentDuration`: the time the most urgent
/// row takes to fire at a 100% error ratio (`factor × budget × long`) plus its `for:`,
/// rounded to the minute, at least [`NO_DATA_MINIMUM_WAIT`].
pub(crate) fn no_data_wait(row: &BurnRateWindow, slo_window: Duration, budget: f64) -> Duration {
    let seconds = row.factor(slo_window) * budget * row.long.as_secs_f64()
        + row.for_duration.map_or(0.0, |wait| wait.as_secs_f64());
    let minutes = (seconds / 60.0).round().max(0.0) as u64;
    Duration::from_minutes(minutes).max(NO_DATA_MINIMUM_WAIT)
}

/// The no-data alert (Pyrra's absent alert): `absent(...)` over the SLI's own metric, so
/// a broken scrape or exporter, which records no ratio and burns nothing, still pages.
/// An idle service (the counters exist and stand still) raises nothing.
pub(crate) fn no_data_alert(
    slo: &Slo,
    window: &Window,
    budget: f64,
    presence: &str,
    labels: &[(String, String)],
) -> Option<Rule> {
    let settings = &slo.alerting.no_data;
    let most_urgent = window.rows.first()?;
    if settings.disabled {
        return None;
    }
    let name = match settings.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ if slo.origin.format() == Some("pyrra") => PYRRA_NO_DATA_NAME.to_string(),
        _ => format!("{}{}NoData", camel(&slo.service), camel(&slo.name)),
    };
    let wait = no_data_wait(most_urgent, window.length, budget);
    let mut alert_labels: Vec<(String, String)> = labels.to_vec();
    alert_labels.retain(|(own, _)| own != "severity");
    alert_labels.push((
        "severity".into(),
        settings
            .severity
            .clone()
            .unwrap_or_else(|| most_urgent.severity.clone()),
    ));
    let mut annotations = vec![
        (
            "summary".into(),
            format!(
                "{}: no data: the SLI's metrics have no series",
                slo.qualified_name()
            ),
        ),
        (
            "description".into(),
            format!(
                "`{presence}` has returned nothing for {wait}: the SLO of {} cannot be measured and its burn-rate alerts cannot fire. Check the scrape target or exporter.",
                slo.qualified_name()
            ),
        ),
    ];
    extra_annotations(&mut annotations, &slo.alerting, &Default::default());
    Some(Rule::Alert {
        alert: name,
        expr: format!("absent({presence})"),
        for_duration: Some(wait),
        labels: alert_labels,
        annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nines_core::model::BurnThreshold;

    fn row(long: Duration, factor: f64, wait: Option<Duration>) -> BurnRateWindow {
        BurnRateWindow {
            origin: Default::default(),
            name: None,
            severity: "page".into(),
            long,
            short: Duration::from_minutes(5),
            threshold: BurnThreshold::Factor(factor),
            for_duration: wait,
            labels: Default::default(),
            annotations: Default::default(),
        }
    }

    #[test]
    fn no_data_waits_as_pyrra_does() {
        // issue 8.5, Pyrra's AbsentDuration: factor × budget × long + for, to the minute.
        let thirty_days = Duration::from_days(30);
        let hour = Duration::from_hours(1);
        // Pyrra, 99.9% over 4w: 14 × 0.001 × 60 min = 0.84 min, + 2m = 2.84: 3m.
        assert_eq!(
            no_data_wait(
                &row(hour, 14.0, Some(Duration::from_minutes(2))),
                Duration::from_days(28),
                0.001
            ),
            Duration::from_minutes(3)
        );
        // 95% over 30 days: 14.4 × 0.05 × 60 = 43.2 min: 43m.
        assert_eq!(
            no_data_wait(&row(hour, 14.4, None), thirty_days, 0.05),
            Duration::from_minutes(43)
        );
        // 99.99%: 14.4 × 0.0001 × 60 = 0.09 min rounds to 0; the floor is 1m.
        assert_eq!(
            no_data_wait(&row(hour, 14.4, None), thirty_days, 0.0001),
            Duration::from_minutes(1)
        );
    }
}
