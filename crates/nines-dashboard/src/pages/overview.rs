//! The overview at `/`: every objective grouped by service, sorted by risk, filtered and
//! sorted by the query string.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use nines_core::report::Row;
use nines_core::source::Millis;

use super::{at_param, authorize, budget_sparkline, rows_table};
use crate::filter::{self, Filter, Sort};
use crate::format;
use crate::layout::{error_page, page, respond};
use crate::risk::State;
use crate::{PageError, Provider};

/// Service, SLO and objective names.
type ObjectiveKey<'a> = (&'a str, &'a str, &'a str);

/// Points of an overview sparkline: the shape of the window in twelve steps. Each point is
/// one evaluation of every SLO, so this is what the overview's time is made of.
pub const SPARKLINE_POINTS: i64 = 12;

/// Distinct window starts the overview draws sparklines for: each costs
/// [`SPARKLINE_POINTS`] evaluations of every SLO, so a catalog with many window lengths
/// gets sparklines for the two most common (a page's worth of time), none for the rest.
pub const MAX_SPARKLINE_WINDOWS: usize = 2;

/// `GET /` for a browser: the overview page. The server calls this when the request
/// prefers HTML ([`crate::wants_html`]).
pub async fn overview<P: Provider>(
    provider: &P,
    headers: &HeaderMap,
    uri: &Uri,
    query: &HashMap<String, String>,
) -> Response {
    if let Some(refused) = authorize(provider, headers, uri) {
        return refused;
    }
    match build(provider, query).await {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(&error),
    }
}

/// The instants of each window's sparkline, keyed by the window's start.
fn sparkline_instants(rows: &[Row], at: Millis) -> BTreeMap<Millis, Vec<Millis>> {
    let mut starts: HashMap<Millis, usize> = HashMap::new();
    for row in rows {
        if let Some(start) = format::parse_instant(&row.window.start) {
            *starts.entry(start).or_default() += 1;
        }
    }
    let mut common: Vec<(Millis, usize)> = starts.into_iter().collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    common
        .into_iter()
        .take(MAX_SPARKLINE_WINDOWS)
        .filter(|(start, _)| *start < at)
        .map(|(start, _)| {
            let instants = (0..SPARKLINE_POINTS)
                .map(|index| start + (at - start) * (index + 1) / SPARKLINE_POINTS)
                .collect();
            (start, instants)
        })
        .collect()
}

async fn build<P: Provider>(
    provider: &P,
    query: &HashMap<String, String>,
) -> Result<Markup, PageError> {
    let filter = Filter::from_query(query).map_err(PageError::BadQuery)?;
    let (at, past) = at_param(provider, query)?;
    let report = provider
        .reports(vec![at])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| PageError::Failed("no report".to_string()))?;
    let catalog = provider.catalog();
    let states: Vec<(State, &Row)> = report
        .objectives
        .iter()
        .map(|row| (State::of(row), row))
        .collect();
    let mut shown: Vec<(State, &Row)> = states
        .iter()
        .copied()
        .filter(|(state, row)| filter.keeps(row, *state, &catalog))
        .collect();
    filter::sort(&mut shown, filter.sort());

    // Sparklines for the rows shown, one evaluation of every SLO per point.
    let shown_rows: Vec<Row> = shown.iter().map(|(_, row)| (*row).clone()).collect();
    let plan = if provider.history_is_cheap() {
        sparkline_instants(&shown_rows, at)
    } else {
        BTreeMap::new()
    };
    let instants: Vec<Millis> = plan
        .values()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let history = if instants.is_empty() {
        Vec::new()
    } else {
        provider.reports(instants.clone()).await?
    };
    let by_instant: HashMap<Millis, HashMap<ObjectiveKey<'_>, Option<f64>>> = instants
        .iter()
        .zip(&history)
        .map(|(instant, report)| {
            (
                *instant,
                report
                    .objectives
                    .iter()
                    .map(|row| {
                        (
                            (
                                row.service.as_str(),
                                row.slo.as_str(),
                                row.objective.as_str(),
                            ),
                            row.budget_remaining,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let mut sparklines = HashMap::new();
    for row in &shown_rows {
        let Some(start) = format::parse_instant(&row.window.start) else {
            continue;
        };
        let Some(points) = plan.get(&start) else {
            continue;
        };
        let key = (
            row.service.as_str(),
            row.slo.as_str(),
            row.objective.as_str(),
        );
        let values: Vec<(Millis, Option<f64>)> = points
            .iter()
            .map(|instant| {
                (
                    *instant,
                    by_instant
                        .get(instant)
                        .and_then(|rows| rows.get(&key))
                        .copied()
                        .flatten(),
                )
            })
            .collect();
        if let Some(markup) = budget_sparkline(&values) {
            sparklines.insert(
                (row.service.clone(), row.slo.clone(), row.objective.clone()),
                markup,
            );
        }
    }

    // Groups by service, in the order their first (worst, when by risk) row appears.
    let mut groups: Vec<(&str, Vec<(State, &Row)>)> = Vec::new();
    for (state, row) in &shown {
        match groups
            .iter_mut()
            .find(|(service, _)| *service == row.service)
        {
            Some((_, rows)) => rows.push((*state, row)),
            None => groups.push((row.service.as_str(), vec![(*state, row)])),
        }
    }
    let mut counts: BTreeMap<State, usize> = BTreeMap::new();
    for (state, _) in &states {
        *counts.entry(*state).or_default() += 1;
    }
    let services: BTreeSet<&str> = states.iter().map(|(_, row)| row.service.as_str()).collect();
    let owners: BTreeSet<&str> = states
        .iter()
        .filter_map(|(_, row)| row.owner.as_deref())
        .collect();
    let labels: BTreeSet<String> = catalog
        .slos
        .iter()
        .flat_map(|slo| {
            slo.labels
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
        })
        .collect();

    let main = html! {
        h1 { "Service level objectives" }
        @if past { p.notice { "Showing the past: " (report.at) ". " a href="/" { "Back to now" } } }
        ul.counts aria-label="objectives by state" {
            @for state in State::ALL {
                li { a class={ "badge " (state.key()) } href={ "/?state=" (state.key()) } data-count=(counts.get(&state).copied().unwrap_or(0)) {
                    span.icon aria-hidden="true" { (state.icon()) } " " (counts.get(&state).copied().unwrap_or(0)) " " (state.label())
                } }
            }
        }
        form.filters method="get" action="/" role="search" {
            label { "Service" select name="service" {
                option value="" { "all" }
                @for service in &services { option value=(service) selected[filter.service.as_deref() == Some(*service)] { (service) } }
            } }
            label { "Owner" select name="owner" {
                option value="" { "all" }
                @for owner in &owners { option value=(owner) selected[filter.owner.as_deref() == Some(*owner)] { (owner) } }
            } }
            label { "Label" input type="text" name="label" list="labels" placeholder="key=value" value=[filter.label.as_deref()]; }
            datalist id="labels" { @for label in &labels { option value=(label) {} } }
            label { "State" select name="state" {
                option value="" { "all" }
                @for state in State::ALL { option value=(state.key()) selected[filter.state == Some(state)] { (state.label()) } }
            } }
            label { "Search" input type="search" name="q" value=[filter.text.as_deref()] placeholder="name, owner…"; }
            label { "Sort" select name="sort" {
                @for sort in Sort::ALL { option value=(sort.key()) selected[filter.sort() == sort] { (sort.label()) } }
            } }
            @if past { input type="hidden" name="at" value=(report.at); }
            button type="submit" { "Apply" }
            a.reset href="/" { "Reset" }
        }
        p.shown { span id="shown" data-shown=(shown.len()) { (shown.len()) } " of " (states.len()) " objectives"
            @if filter.narrows() { " (filtered)" } }
        @for (service, rows) in &groups {
            section.service data-service=(service) {
                h2 { a href={ "/service/" (service) } { (service) } span.sub { (rows.len()) " objective(s)" } }
                (rows_table(rows, &sparklines))
            }
        }
        @if shown.is_empty() { p.empty { "No objective matches these filters." } }
    };
    Ok(page("Overview", Some(&report.at), main))
}
