//! `GET /service/{service}`: one service's objectives and its gate decision.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use nines_core::report::Row;

use super::{at_param, authorize, rows_table};
use crate::filter::{self, Sort};
use crate::layout::{self, error_page, respond};
use crate::risk::State as Risk;
use crate::{PageError, Provider};

/// The service page.
pub async fn page<P: Provider>(
    State(provider): State<Arc<P>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = authorize(&*provider, &headers, &uri) {
        return refused;
    }
    match build(&*provider, &service, &query).await {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(&error),
    }
}

async fn build<P: Provider>(
    provider: &P,
    service: &str,
    query: &HashMap<String, String>,
) -> Result<Markup, PageError> {
    let (at, _) = at_param(provider, query)?;
    let services = provider.catalog().service_names();
    if !services.iter().any(|known| known == service) {
        return Err(PageError::NotFound(format!(
            "no service `{service}`; services: {}",
            services.join(", ")
        )));
    }
    let report = provider
        .reports(vec![at])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| PageError::Failed("no report".to_string()))?;
    let decision = provider.gate(service.to_string(), None, at).await?;
    let mut rows: Vec<(Risk, &Row)> = report
        .objectives
        .iter()
        .filter(|row| row.service == service)
        .map(|row| (Risk::of(row), row))
        .collect();
    filter::sort(&mut rows, Sort::Risk);
    let catalog = provider.catalog();
    let owner = catalog
        .services
        .iter()
        .find(|known| known.name == service)
        .and_then(|known| known.ownership.owner.clone());
    let main = html! {
        h1 { "Service " (service) }
        @if let Some(owner) = &owner { p.sub { "owner " (owner) } }
        h2 { "May I ship?" }
        (super::gate::decision(&decision))
        h2 { "Objectives" }
        (rows_table(&rows, &HashMap::new()))
        p.sub { a href={ "/?service=" (service) } { "This service on the overview" } " · "
            a href={ "/api/v1/slos/" (service) } { "JSON" } }
    };
    Ok(layout::page(service, Some(&report.at), main))
}
