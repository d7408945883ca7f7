//! `GET /slo/{service}/{slo}?objective=&range=window|7d|1d|6h&at=`: one objective over
//! time (budget burn-down, SLI, burn rates, volumes, alert rows and policy state), its
//! spec and the suggestion from history.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use nines_core::engine::calendar;
use nines_core::model::Slo;
use nines_core::report::Row;
use nines_core::source::{Millis, TimeRange};

use super::{at_param, authorize, badge, budget_bar};
use crate::charts::{Lane, Line, Rule, Segment, TimeChart, Unit, timeline};
use crate::format::{self, SLI_DECIMALS};
use crate::layout::{self, error_page, respond};
use crate::risk::State as Risk;
use crate::{PageError, Provider};

/// Points of a chart: one every 6 pixels of the chart's width, and each point is one
/// evaluation of this SLO, which keeps the page far under 100 ms from the store.
pub const CHART_POINTS: i64 = 120;

/// The ranges a reader can pick.
const RANGES: [(&str, &str, Option<Millis>); 4] = [
    ("window", "whole window", None),
    ("7d", "7 days", Some(7 * 86_400_000)),
    ("1d", "1 day", Some(86_400_000)),
    ("6h", "6 hours", Some(6 * 3_600_000)),
];

/// The SLO page.
pub async fn page<P: Provider>(
    State(provider): State<Arc<P>>,
    Path((service, slo)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = authorize(&*provider, &headers, &uri) {
        return refused;
    }
    match build(&*provider, &service, &slo, &query).await {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(&error),
    }
}

/// The evenly spaced instants ending exactly at `to`, at most [`CHART_POINTS`], spaced by
/// a whole number of intervals.
fn instants(from: Millis, to: Millis, resolution: Millis) -> (Vec<Millis>, Millis) {
    let resolution = resolution.max(1);
    let raw = ((to - from) / (CHART_POINTS - 1)).max(resolution);
    let step = (raw + resolution - 1) / resolution * resolution;
    let mut out: Vec<Millis> = (0..CHART_POINTS)
        .map(|index| to - step * index)
        .take_while(|at| *at >= from)
        .collect();
    out.reverse();
    (out, step)
}

fn row_of<'a>(report: &'a nines_core::report::Report, objective: &str) -> Option<&'a Row> {
    report
        .objectives
        .iter()
        .find(|row| row.objective == objective)
}

async fn build<P: Provider>(
    provider: &P,
    service: &str,
    slo_name: &str,
    query: &HashMap<String, String>,
) -> Result<Markup, PageError> {
    let catalog = provider.catalog();
    let Some(slo) = catalog.slo(service, slo_name) else {
        return Err(PageError::NotFound(format!(
            "no SLO `{service}/{slo_name}`"
        )));
    };
    let objective = match query
        .get("objective")
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
    {
        Some(name) => {
            if !slo
                .objectives
                .iter()
                .any(|objective| objective.name == name)
            {
                return Err(PageError::NotFound(format!(
                    "SLO `{service}/{slo_name}` has no objective `{name}`; objectives: {}",
                    slo.objectives
                        .iter()
                        .map(|objective| objective.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            name.to_string()
        }
        None => slo
            .objectives
            .first()
            .map(|objective| objective.name.clone())
            .unwrap_or_default(),
    };
    let range_key = query.get("range").map(String::as_str).unwrap_or("window");
    let Some(range) = RANGES.iter().find(|(key, _, _)| *key == range_key) else {
        return Err(PageError::BadQuery(format!(
            "`range={range_key}`: use one of window, 7d, 1d, 6h"
        )));
    };
    let (at, past) = at_param(provider, query)?;
    let now_report = provider
        .slo_reports(service.to_string(), slo_name.to_string(), vec![at])
        .await?;
    let current = now_report
        .first()
        .and_then(|report| row_of(report, &objective))
        .cloned()
        .ok_or_else(|| PageError::NotFound(format!("no status for `{service}/{slo_name}`")))?;
    let window_start = format::parse_instant(&current.window.start).unwrap_or(at);
    let period_end = format::parse_instant(&current.window.period_end)
        .unwrap_or(at)
        .max(at);
    let from = match range.2 {
        None => window_start,
        Some(length) => at - length,
    };
    let (points, step) = instants(from, at, provider.resolution());
    let reports = provider
        .slo_reports(service.to_string(), slo_name.to_string(), points.clone())
        .await?;
    let rows: Vec<Option<&Row>> = reports
        .iter()
        .map(|report| row_of(report, &objective))
        .collect();
    let value = |pick: &dyn Fn(&Row) -> Option<f64>| -> Vec<Option<f64>> {
        rows.iter().map(|row| row.and_then(pick)).collect()
    };

    // The time axis: to the period's end for calendar windows; a rolling window's axis
    // reaches a quarter further when there is a forecast to draw.
    let forecast_room = if current.time_to_exhaustion_seconds.is_some() && period_end <= at {
        (at - from) / 4
    } else {
        0
    };
    let domain_end = if range.2.is_none() {
        period_end.max(at + forecast_room)
    } else {
        at + forecast_room
    };
    let domain = (from, domain_end);
    let shaded: Vec<(Millis, Millis)> =
        calendar::excluded(&slo.exclusions, TimeRange::new(from, domain_end))
            .into_iter()
            .map(|range| (range.start, range.end))
            .collect();

    let mut budget = TimeChart {
        key: "budget",
        title: "Error budget remaining".to_string(),
        summary: format!(
            "Error budget remaining from {} to {}, now {}",
            format::instant(from),
            format::instant(at),
            format::percent(current.budget_remaining, 1)
        ),
        instants: points.clone(),
        domain,
        range: (0.0, 1.0),
        unit: Unit::Percent(0),
        log: false,
        lines: vec![Line {
            name: "budget remaining".to_string(),
            style: 0,
            values: value(&|row| row.budget_remaining),
        }],
        rules: vec![Rule {
            name: "exhausted".to_string(),
            value: 0.0,
            class: "threshold",
        }],
        segments: Vec::new(),
        shaded: shaded.clone(),
    };
    if range.2.is_none() {
        let ideal_end = if period_end > at { period_end } else { at };
        budget.segments.push(Segment {
            name: "ideal: spent evenly over the window".to_string(),
            from: (window_start, 1.0),
            to: (ideal_end, 0.0),
            class: "ideal",
        });
    }
    if let (Some(seconds), Some(remaining)) =
        (current.time_to_exhaustion_seconds, current.budget_remaining)
    {
        let empty_at = at + (seconds * 1000.0) as i64;
        let (end, end_value) = if empty_at > domain_end && empty_at > at {
            let share = (domain_end - at) as f64 / (empty_at - at) as f64;
            (domain_end, remaining * (1.0 - share))
        } else {
            (empty_at, 0.0)
        };
        budget.segments.push(Segment {
            name: format!(
                "forecast at the current burn: empty {}",
                format::instant(empty_at)
            ),
            from: (at, remaining),
            to: (end, end_value),
            class: "forecast",
        });
    }
    budget.fit(0.0, 1.0);

    let mut sli = TimeChart {
        key: "sli",
        title: "SLI against the target".to_string(),
        summary: format!(
            "SLI from {} to {}, now {}, target {}",
            format::instant(from),
            format::instant(at),
            format::percent(current.sli, SLI_DECIMALS),
            format::percent(Some(current.target), SLI_DECIMALS)
        ),
        instants: points.clone(),
        domain,
        range: (0.0, 1.0),
        unit: Unit::Percent(SLI_DECIMALS),
        log: false,
        lines: vec![Line {
            name: "SLI".to_string(),
            style: 1,
            values: value(&|row| row.sli),
        }],
        rules: vec![Rule {
            name: "target".to_string(),
            value: current.target,
            class: "target",
        }],
        segments: Vec::new(),
        shaded: shaded.clone(),
    };
    if let Some(aspirational) = &current.aspirational {
        sli.rules.push(Rule {
            name: "aspirational".to_string(),
            value: aspirational.target,
            class: "aspiration",
        });
    }
    sli.fit((current.target - (1.0 - current.target)).max(0.0), 1.0);

    // Burn rates: the windows alert rows read, and the whole window.
    let mut windows: Vec<&str> = Vec::new();
    for alert in &current.alert_rows {
        for window in [alert.long.as_str(), alert.short.as_str()] {
            if !windows.contains(&window) {
                windows.push(window);
            }
        }
    }
    if windows.is_empty() {
        windows = current
            .burn_rates
            .0
            .iter()
            .map(|(window, _)| *window)
            .filter(|window| *window != "window")
            .collect();
    }
    windows.push("window");
    let mut burn = TimeChart {
        key: "burn",
        title: "Burn rates against the alert thresholds".to_string(),
        summary: format!(
            "Burn rates over {} windows from {} to {}",
            windows.len(),
            format::instant(from),
            format::instant(at)
        ),
        instants: points.clone(),
        domain,
        range: (0.0, 1.0),
        unit: Unit::Rate,
        log: true,
        lines: windows
            .iter()
            .enumerate()
            .map(|(index, window)| Line {
                name: format!("{window} burn"),
                style: index + 2,
                values: value(&|row| {
                    row.burn_rates
                        .0
                        .iter()
                        .find(|(label, _)| label == window)
                        .and_then(|(_, rate)| *rate)
                }),
            })
            .collect(),
        rules: current
            .alert_rows
            .iter()
            .map(|alert| Rule {
                name: format!(
                    "{} ({} over {}/{})",
                    alert.name, alert.severity, alert.long, alert.short
                ),
                value: alert.factor,
                class: "threshold",
            })
            .collect(),
        segments: Vec::new(),
        shaded: shaded.clone(),
    };
    burn.fit(0.1, 1.0);

    let mut volume = TimeChart {
        key: "volume",
        title: "Events in the window (good and valid)".to_string(),
        summary: format!(
            "Good and valid events in the window, now {} good of {} valid",
            format::count(current.good),
            format::count(current.valid)
        ),
        instants: points.clone(),
        domain,
        range: (0.0, 1.0),
        unit: Unit::Count,
        log: false,
        lines: vec![
            Line {
                name: "valid".to_string(),
                style: 4,
                values: value(&|row| Some(row.valid)),
            },
            Line {
                name: "good".to_string(),
                style: 1,
                values: value(&|row| Some(row.good)),
            },
        ],
        rules: Vec::new(),
        segments: Vec::new(),
        shaded,
    };
    volume.fit(0.0, 1.0);

    let alert_lanes: Vec<Lane> = current
        .alert_rows
        .iter()
        .map(|alert| Lane {
            name: alert.name.clone(),
            values: rows
                .iter()
                .map(|row| {
                    row.and_then(|row| row.alerts.iter().find(|firing| firing.name == alert.name))
                        .map(|_| "holding".to_string())
                })
                .collect(),
        })
        .collect();
    let policy_lane = vec![Lane {
        name: "policy".to_string(),
        values: rows
            .iter()
            .map(|row| {
                row.and_then(|row| row.policy_state.as_ref())
                    .and_then(|policy| policy.state.clone())
            })
            .collect(),
    }];

    let suggestion = provider
        .suggest(
            service.to_string(),
            slo_name.to_string(),
            objective.clone(),
            at,
        )
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "dashboard: no suggestion");
            None
        });
    let sla_periods = sla_history(provider, service, slo_name, &objective, &current).await;
    let state = Risk::of(&current);
    let base = format!("/slo/{service}/{slo_name}");
    let link = |range: &str| {
        let mut href = format!("{base}?objective={objective}&range={range}");
        if past {
            href.push_str("&at=");
            href.push_str(&format::instant(at));
        }
        href
    };

    let main = html! {
        p.crumbs { a href="/" { "Overview" } " › " a href={ "/service/" (service) } { (service) } " › " (slo_name) }
        h1 { (current.display_name.as_deref().unwrap_or(slo_name)) " " (badge(state)) }
        @if let Some(description) = &slo.description { p.description { (description) } }
        @if past { p.notice { "Showing the past: " (format::instant(at)) ". " a href=(link(range.0).split("&at=").next().unwrap_or(&base)) { "Back to now" } } }
        nav.ranges aria-label="time range" {
            @if slo.objectives.len() > 1 {
                span { "Objective: " }
                @for candidate in &slo.objectives {
                    @if candidate.name == objective { strong { (candidate.name) } } @else {
                        a href={ (base) "?objective=" (candidate.name) "&range=" (range.0) } { (candidate.name) }
                    }
                    " "
                }
                " · "
            }
            span { "Range: " }
            @for (key, label, _) in RANGES {
                @if key == range.0 { strong aria-current="true" { (label) } } @else { a href=(link(key)) data-range=(key) { (label) } }
                " "
            }
            form.at method="get" action=(base) {
                input type="hidden" name="objective" value=(objective);
                input type="hidden" name="range" value=(range.0);
                label { "at " input type="text" name="at" placeholder="2026-11-29T12:00:00Z" value=[past.then(|| format::instant(at))]; }
                button type="submit" { "Go" }
            }
        }
        section.facts-now {
            dl.big {
                div { dt { "SLI" } dd data-sli=[current.sli] { (format::percent(current.sli, SLI_DECIMALS)) } }
                div { dt { "Target" } dd { (format::percent(Some(current.target), SLI_DECIMALS))
                    @if let Some(aspirational) = &current.aspirational { span.sub { "aspirational " (format::percent(Some(aspirational.target), SLI_DECIMALS)) } } } }
                div { dt { "Budget remaining" } dd data-budget=[current.budget_remaining] { (budget_bar(current.budget_remaining)) } }
                div { dt { "Fastest burn" } dd { @match &current.fastest_burn { Some(burn) => { (format::rate(Some(burn.rate))) span.sub { (burn.window) } }, None => "—" } } }
                div { dt { "Empty in" } dd { (format::seconds(current.time_to_exhaustion_seconds)) } }
                div { dt { "Valid events" } dd { (format::count(current.valid)) span.sub { (format::count(current.good)) " good, " (format::count(current.bad)) " bad" } } }
                div { dt { "Window" } dd { (current.window.description) span.sub { "since " (current.window.start.get(..16).unwrap_or(&current.window.start).replace('T', " ")) } } }
                div { dt { "Coverage" } dd { (format::percent(current.data_quality.window_coverage, 1)) span.sub { "data " (current.data_quality.state) } } }
            }
        }
        div.charts {
            (budget.render())
            (sli.render())
            (burn.render())
            (volume.render())
        }
        section {
            h2 { "Alert rows" }
            table.data.alerts {
                thead { tr { th scope="col" { "row" } th scope="col" { "severity" } th scope="col" { "windows" } th scope="col" { "threshold" } th scope="col" { "long burn" } th scope="col" { "short burn" } th scope="col" { "holds" } } }
                tbody {
                    @for alert in &current.alert_rows {
                        tr class=@if alert.holds { "holding" } {
                            td { (alert.name) } td { (alert.severity) } td { (alert.long) " / " (alert.short) }
                            td { (format::rate(Some(alert.factor))) } td { (format::rate(alert.long_burn)) } td { (format::rate(alert.short_burn)) }
                            td { @if alert.holds { "▲ yes" } @else { "no" } }
                        }
                    }
                }
            }
            div.charts {
                (timeline("alerts", "Alert rows holding over time (from statuses)", &points, &alert_lanes))
                (timeline("policy", "Policy state over time", &points, &policy_lane))
            }
            // ALERT HISTORY (issue 10, nines-alerting): once `/api/v1/alerts` and its history
            // land, the fired/resolved/notified records go here, beside the rows above.
            p.sub id="alert-history" { "Alert history (notifications sent, acknowledgements) will show here once the alerting service is in place; the timeline above is computed from statuses." }
            @if let Some(policy) = &current.policy_state {
                p { "Policy " strong { (policy.policy) } ": " (policy.state.as_deref().unwrap_or("no state applies"))
                    @if let Some(reason) = &policy.reason { " (" (reason) ")" }
                    @if policy.frozen { " — " span.frozen { "freezes changes" } @if !policy.exempt.is_empty() { " except " (policy.exempt.join(", ")) } } }
                @if !policy.actions.is_empty() { ul { @for action in &policy.actions { li { (action) } } } }
            }
        }
        @if let Some(sla) = &current.sla {
            section {
                h2 { "SLA " (sla.name) }
                table.data.sla {
                    thead { tr { th scope="col" { "period" } th scope="col" { "attainment" } th scope="col" { "target" } th scope="col" { "met" } th scope="col" { "margin" } th scope="col" { "credit" } } }
                    tbody {
                        @for (index, period) in sla_periods.iter().enumerate() {
                            tr {
                                td { (period.period_start) " to " (period.period_end) @if index == 0 { " (current)" } }
                                td { (format::percent(period.attainment, SLI_DECIMALS)) }
                                td { (format::percent(Some(period.target), SLI_DECIMALS)) }
                                td { @match period.met { Some(true) => "✔ met", Some(false) => "✖ missed", None => "—" } }
                                td { (format::trim(period.margin * 100.0, 3)) " points" }
                                td { (format::percent(period.credit, 1)) }
                            }
                        }
                    }
                }
                p.sub { "The current period and up to " (SLA_PERIODS - 1) " before it, each as evaluated at its last millisecond." }
            }
        }
        (spec_facts(slo, &current))
        section {
            h2 { "Achievable target from history" }
            @match &suggestion {
                Some(suggestion) if suggestion.achievable.is_some() => {
                    p { "Met in " (format::percent(Some(suggestion.share), 0)) " of " (suggestion.windows) " past windows of " (suggestion.window) ": "
                        strong { (format::percent(suggestion.achievable, SLI_DECIMALS)) }
                        " (target " (format::percent(Some(suggestion.current), SLI_DECIMALS)) ")" }
                },
                Some(suggestion) => p.quiet { "Not enough history for a suggestion: " (suggestion.windows) " past windows of " (suggestion.window) " with data." },
                None => p.quiet { "Not enough history for a suggestion." },
            }
        }
        p.sub { "Step " (format::seconds(Some(step as f64 / 1000.0))) ", " (points.len()) " points · "
            a href={ "/api/v1/slos/" (service) "/" (slo_name) "/series?objective=" (objective) "&from=" (format::instant(points.first().copied().unwrap_or(at))) "&to=" (format::instant(at)) "&step=" (step / 1000) "s" } { "the same series as JSON" } }
    };
    Ok(layout::page(
        &format!("{service}/{slo_name}"),
        Some(&format::instant(at)),
        main,
    ))
}

/// SLA periods the SLO page lists: the current one and five before it (half a year of
/// monthly periods), each one more evaluation of this SLO.
const SLA_PERIODS: usize = 6;

/// The SLA's current period and those before it, newest first: each evaluated at the
/// last millisecond of its period (the current one at the page's instant).
async fn sla_history<P: Provider>(
    provider: &P,
    service: &str,
    slo: &str,
    objective: &str,
    current: &Row,
) -> Vec<nines_core::report::SlaInfo> {
    let mut periods: Vec<nines_core::report::SlaInfo> = current.sla.iter().cloned().collect();
    while periods.len() < SLA_PERIODS {
        let Some(start) = periods
            .last()
            .and_then(|period| format::parse_instant(&period.period_start))
        else {
            break;
        };
        let Ok(reports) = provider
            .slo_reports(service.to_string(), slo.to_string(), vec![start - 1])
            .await
        else {
            break;
        };
        let Some(period) = reports
            .first()
            .and_then(|report| row_of(report, objective))
            .and_then(|row| row.sla.clone())
            .filter(|period| period.attainment.is_some())
        else {
            break;
        };
        periods.push(period);
    }
    periods
}

fn spec_facts(slo: &Slo, row: &Row) -> Markup {
    let origin = slo.origin.location();
    html! {
        section.spec {
            h2 { "Spec" }
            dl.facts {
                dt { "Owner" } dd { (slo.ownership.owner.as_deref().or(row.owner.as_deref()).unwrap_or("—")) }
                dt { "Approvers" } dd {
                    @if slo.ownership.approvers.is_empty() { "—" }
                    @for (index, approval) in slo.ownership.approvers.iter().enumerate() {
                        @if index > 0 { ", " } (approval.name) @if let Some(role) = &approval.role { " (" (role) ")" }
                    }
                }
                dt { "Review" } dd { "last " (row.review.last.as_deref().unwrap_or("never")) ", due " (row.review.due.as_deref().unwrap_or("—"))
                    @if row.review.overdue { " " span.overdue { "(overdue)" } } }
                dt { "Policy" } dd { (slo.policy.as_deref().unwrap_or("—")) }
                dt { "Budgeting" } dd { (row.budgeting) }
                dt { "Defined at" } dd { code.origin { (origin.to_string()) } }
                @if !slo.labels.is_empty() {
                    dt { "Labels" } dd { @for (key, value) in &slo.labels { code { (key) "=" (value) } " " } }
                }
                @if !slo.annotations.is_empty() {
                    dt { "Annotations" } dd { @for (key, value) in &slo.annotations { code { (key) "=" (value) } " " } }
                }
                @if !slo.exclusions.is_empty() {
                    dt { "Exclusions" } dd { ul { @for exclusion in &slo.exclusions {
                        li { (exclusion.name) @if let Some(reason) = &exclusion.reason { ": " (reason) } }
                    } } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_end_at_the_page_instant_on_whole_intervals() {
        let (points, step) = instants(0, 86_400_000, 60_000);
        assert_eq!(points.last(), Some(&86_400_000));
        assert_eq!(step % 60_000, 0);
        assert!(points.len() as i64 <= CHART_POINTS);
        assert!(points.first().is_some_and(|first| *first >= 0));
        // A range shorter than the points at one interval each.
        let (points, step) = instants(0, 600_000, 60_000);
        assert_eq!((points.len(), step), (11, 60_000));
    }
}
