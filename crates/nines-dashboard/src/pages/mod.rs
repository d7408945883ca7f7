//! One module per page; shared pieces (the access check, the `at` parameter, the table of
//! objectives) here.

pub mod gate;
pub mod login;
pub mod overview;
pub mod service;
pub mod slo;

use std::collections::HashMap;

use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use nines_core::report::Row;
use nines_core::source::Millis;

use crate::charts;
use crate::format::{self, SLI_DECIMALS};
use crate::risk::State;
use crate::{PageError, Provider};

/// The token form (401) unless the request may read pages.
pub fn authorize<P: Provider>(provider: &P, headers: &HeaderMap, uri: &Uri) -> Option<Response> {
    if provider.may_read(headers) {
        return None;
    }
    let next = uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_string();
    Some(login::ask(&next, false))
}

/// The `at` parameter: RFC 3339, Unix seconds or milliseconds, or `now` (the default).
pub fn at_param<P: Provider>(
    provider: &P,
    query: &HashMap<String, String>,
) -> Result<(Millis, bool), PageError> {
    match query.get("at").map(|text| text.trim()) {
        None | Some("") | Some("now") => Ok((provider.now(), false)),
        Some(text) => nines_core::timestamp::parse(text)
            .map(|at| (at, true))
            .map_err(|problem| PageError::BadQuery(format!("`at`: {problem}"))),
    }
}

/// The link to an SLO's page.
pub fn slo_href(row: &Row) -> String {
    format!(
        "/slo/{}/{}?objective={}",
        row.service, row.slo, row.objective
    )
}

/// The state badge: a shape and words beside the colour.
pub fn badge(state: State) -> Markup {
    html! {
        span class={ "badge " (state.key()) } {
            span.icon aria-hidden="true" { (state.icon()) } " " (state.label())
        }
    }
}

/// Budget remaining as a bar with its number: a `<meter>` (no inline style, which the CSP
/// forbids; the browser marks a low value itself).
pub fn budget_bar(remaining: Option<f64>) -> Markup {
    html! {
        span.budget {
            meter min="0" max="1" low=(crate::risk::AT_RISK_BUDGET) optimum="1"
                value=(remaining.map_or(0.0, |left| left.clamp(0.0, 1.0))) aria-hidden="true" {}
            span.number { (format::percent(remaining, 1)) }
        }
    }
}

/// The objectives table of the overview and service pages.
pub fn rows_table(
    rows: &[(State, &Row)],
    sparklines: &HashMap<(String, String, String), Markup>,
) -> Markup {
    html! {
        table.slos {
            thead {
                tr {
                    th scope="col" { "State" }
                    th scope="col" { "SLO" }
                    th scope="col" { "SLI / target" }
                    th scope="col" { "Budget remaining" }
                    th scope="col" { "Fastest burn" }
                    th scope="col" { "Alerts" }
                    th scope="col" { "Policy" }
                    th scope="col" { "SLA" }
                    th scope="col" { "Coverage" }
                    th scope="col" { "Review due" }
                }
            }
            tbody {
                @for (state, row) in rows {
                    (row_line(*state, row, sparklines.get(&(row.service.clone(), row.slo.clone(), row.objective.clone()))))
                }
            }
        }
    }
}

fn row_line(state: State, row: &Row, sparkline: Option<&Markup>) -> Markup {
    html! {
        tr class={ "slo-row " (state.key()) }
            data-slo={ (row.service) "/" (row.slo) } data-objective=(row.objective)
            data-state=(state.key())
            data-budget=[row.budget_remaining] data-sli=[row.sli] {
            td { (badge(state)) }
            td.name {
                a href=(slo_href(row)) { (row.display_name.as_deref().unwrap_or(&row.slo)) }
                span.sub { (row.slo) " · " (row.objective) " · " (row.window.description) }
                @if let Some(owner) = &row.owner { span.sub { "owner " (owner) } }
                @if let Some(error) = &row.error { span.sub.error { (error) } }
            }
            td.num {
                span.sli { (format::percent(row.sli, SLI_DECIMALS)) }
                span.sub { "target " (format::percent(Some(row.target), SLI_DECIMALS)) }
            }
            td {
                (budget_bar(row.budget_remaining))
                @if let Some(spark) = sparkline { (spark) }
            }
            td.num {
                @match &row.fastest_burn {
                    Some(burn) => { (format::rate(Some(burn.rate))) span.sub { (burn.window) } },
                    None => "—",
                }
                @if let Some(seconds) = row.time_to_exhaustion_seconds {
                    span.sub { "empty in " (format::seconds(Some(seconds))) }
                }
            }
            td {
                @if row.alerts.is_empty() {
                    span.quiet { "none of " (row.alert_rows.len()) }
                } @else {
                    @for alert in &row.alerts {
                        span.alert { "▲ " (alert.name) " (" (alert.severity) ")" }
                    }
                }
            }
            td {
                @match &row.policy_state {
                    Some(policy) => {
                        span { (policy.state.as_deref().unwrap_or("no state")) }
                        @if policy.frozen {
                            span.frozen { "freezes changes" }
                            @if !policy.exempt.is_empty() { span.sub { "except " (policy.exempt.join(", ")) } }
                        }
                        span.sub { (policy.policy) }
                    },
                    None => span.quiet { "none" },
                }
            }
            td {
                @match &row.sla {
                    Some(sla) => {
                        span { (format::percent(sla.attainment, SLI_DECIMALS)) }
                        span.sub { "of " (format::percent(Some(sla.target), SLI_DECIMALS))
                            @match sla.met { Some(true) => " ✔ met", Some(false) => " ✖ missed", None => "" } }
                        @if let Some(credit) = sla.credit { @if credit > 0.0 { span.sub { "credit " (format::percent(Some(credit), 1)) } } }
                    },
                    None => span.quiet { "—" },
                }
            }
            td.num {
                (format::percent(row.data_quality.window_coverage, 1))
                @if row.data_quality.state != "current" { span.sub.warn { "data " (row.data_quality.state) } }
            }
            td {
                @match &row.review.due {
                    Some(due) => { @if row.review.overdue { span.overdue { (due) " (overdue)" } } @else { (due) } },
                    None => span.quiet { "—" },
                }
            }
        }
    }
}

/// A sparkline of the budget remaining at `points`.
pub fn budget_sparkline(points: &[(Millis, Option<f64>)]) -> Option<Markup> {
    let first = points.first()?.0;
    let last = points.last()?.0;
    charts::sparkline(
        points,
        &format!(
            "budget remaining {} → {}: {} → {}",
            format::short_instant(first),
            format::short_instant(last),
            format::percent(points.first()?.1, 1),
            format::percent(points.last()?.1, 1)
        ),
    )
}
