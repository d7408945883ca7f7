//! `GET /gate?service=&change_type=`: "may I ship?", the release gate's decision.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use nines_core::report::GateDecision;

use super::{at_param, authorize};
use crate::layout::{self, error_page, respond};
use crate::{PageError, Provider};

/// The decision in words, with what blocks it.
pub fn decision(decision: &GateDecision) -> Markup {
    html! {
        section.gate data-allowed=(decision.allowed) {
            @if decision.allowed {
                p.verdict.allowed { span aria-hidden="true" { "✔ " } "Yes: " (decision.service) " may ship"
                    @if let Some(change) = &decision.change_type { " (" (change) ")" } "." }
            } @else {
                p.verdict.blocked { span aria-hidden="true" { "✖ " } "No: " (decision.service) " is frozen"
                    @if let Some(change) = &decision.change_type { " for " (change) } "." }
            }
            @if !decision.blockers.is_empty() {
                table.data {
                    thead { tr { th scope="col" { "SLO" } th scope="col" { "policy" } th scope="col" { "state" } th scope="col" { "why" } th scope="col" { "actions" } th scope="col" { "still allowed" } } }
                    tbody {
                        @for blocker in &decision.blockers {
                            tr {
                                td { (blocker.slo) }
                                td { (blocker.policy) }
                                td { (blocker.state) @if blocker.no_data { " (no data)" } }
                                td { (blocker.reason.as_deref().unwrap_or("—")) }
                                td { (blocker.actions.join("; ")) }
                                td { @if blocker.exempt.is_empty() { "—" } @else { (blocker.exempt.join(", ")) } }
                            }
                        }
                    }
                }
            }
            @if !decision.without_data.is_empty() {
                p.warn { "Without data: " (decision.without_data.join(", ")) }
            }
            p.sub { "SLOs considered: " (decision.slos.len()) " · at " (decision.at) " · as "
                code { "GET /api/v1/gate?service=" (decision.service) } }
        }
    }
}

/// The gate page.
pub async fn page<P: Provider>(
    State(provider): State<Arc<P>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = authorize(&*provider, &headers, &uri) {
        return refused;
    }
    match build(&*provider, &query).await {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(&error),
    }
}

async fn build<P: Provider>(
    provider: &P,
    query: &HashMap<String, String>,
) -> Result<Markup, PageError> {
    let (at, _) = at_param(provider, query)?;
    let services = provider.catalog().service_names();
    let service = query
        .get("service")
        .map(|text| text.trim())
        .filter(|text| !text.is_empty());
    let change_type = query
        .get("change_type")
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    let outcome = match service {
        Some(service) => {
            if !services.iter().any(|known| known == service) {
                return Err(PageError::NotFound(format!(
                    "no service `{service}`; services: {}",
                    services.join(", ")
                )));
            }
            Some(
                provider
                    .gate(service.to_string(), change_type.clone(), at)
                    .await?,
            )
        }
        None => None,
    };
    let main = html! {
        h1 { "May I ship?" }
        form.filters method="get" action="/gate" {
            label { "Service" select name="service" {
                @for name in &services { option value=(name) selected[service == Some(name.as_str())] { (name) } }
            } }
            label { "Change type" input type="text" name="change_type" placeholder="e.g. security-fix" value=[change_type.as_deref()]; }
            button type="submit" { "Ask the gate" }
        }
        @if let Some(outcome) = &outcome { (decision(outcome)) }
    };
    Ok(layout::page(
        "May I ship?",
        Some(&nines_core::report::timestamp(at)),
        main,
    ))
}
