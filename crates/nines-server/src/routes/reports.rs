//! `GET /api/v1/reports`: period reports (the arithmetic is `nines_core::period`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use nines_core::period::{self, Depth, Period};

use super::status::known_service;
use super::{Params, now};
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::{AppState, Data};

/// `GET /api/v1/reports?period=2026-11|2026-Q4|2026|last-month...` (or `from=&to=`)
/// `&zone=&service=&format=json|table|markdown|csv`: how every objective did over the
/// period, and each SLA's statement (docs/reports.md).
pub async fn reports(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "table", "markdown", "csv"])?;
    let zone = params.get("zone").unwrap_or("UTC").to_string();
    if jiff::tz::db().get(&zone).is_err() {
        return Err(ApiError::query(format!(
            "`zone={zone}`: not a time zone of the IANA database (e.g. UTC, Europe/Paris)"
        )));
    }
    let at = params.instant("at")?.unwrap_or_else(now);
    let chosen = match (
        params.get("period"),
        params.instant("from")?,
        params.instant("to")?,
    ) {
        (Some(named), None, None) => Period::parse(named, &zone, at),
        (None, Some(from), Some(to)) => Period::range(from, to, &zone, at),
        _ => {
            return Err(ApiError::query(
                "give `period` (2026-11, 2026-Q4, 2026, last-month...) or both `from` and `to`",
            ));
        }
    }
    .map_err(|problem| ApiError::query(problem.to_string()))?;
    let service = params.get("service").map(str::to_string);
    if let Some(service) = &service {
        known_service(&state.specs(), service)?;
    }
    let depth = Depth {
        timeline: matches!(state.data, Data::Store(_)),
    };
    let mut report = state
        .evaluate(at, move |specs, source| {
            Ok(period::report_with(
                &specs.catalog,
                source,
                &chosen,
                at,
                depth,
            ))
        })
        .await?;
    if let Some(service) = &service {
        report.objectives.retain(|row| &row.service == service);
        report
            .slas
            .retain(|statement| &statement.service == service);
    }
    Ok(match format {
        "table" => super::text(period::table(&report)),
        "markdown" => super::text(period::markdown(&report)),
        "csv" => super::text(period::csv(&report)),
        _ => Json(report).into_response(),
    })
}
