//! Statuses: the same report schema as `nines report` (`docs/report-json.md`), one SLO,
//! a series for charts, the release gate and target suggestions.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use nines_core::Duration;
use nines_core::engine::suggest::SuggestRequest;
use nines_core::engine::{Engine, Options};
use nines_core::report::{self, Report};
use nines_core::source::{Millis, millis};

use super::{Params, now, text};
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::{AppState, Specs};

fn unknown_slo(specs: &Specs, service: &str, slo: &str) -> ApiError {
    let wanted = format!("{service}/{slo}");
    let known: Vec<String> = specs
        .catalog
        .slos
        .iter()
        .map(|slo| slo.qualified_name())
        .collect();
    let hint = known
        .iter()
        .min_by_key(|name| strsim::levenshtein(name, &wanted))
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default();
    ApiError::not_found(format!("no SLO `{wanted}`{hint}"))
}

fn render(report: &Report, format: &str) -> Result<Response, ApiError> {
    Ok(match format {
        "table" => text(report::table(report)),
        "markdown" => text(report::markdown(report)),
        _ => Json(report).into_response(),
    })
}

/// 404 with the services there are, unless `service` has SLOs.
pub(super) fn known_service(specs: &Specs, service: &str) -> Result<(), ApiError> {
    let names = specs.catalog.service_names();
    if names.iter().any(|name| name == service) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no service `{service}`; services: {}",
            names.join(", ")
        )))
    }
}

/// The report of every SLO (of one service with `service=`) at `at` (now by default).
pub(super) async fn build_report(
    state: &Arc<AppState>,
    at: Millis,
    service: Option<String>,
) -> Result<Report, ApiError> {
    if let Some(service) = &service {
        known_service(&state.specs(), service)?;
    }
    state
        .evaluate(at, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            Ok(Report::of_service(
                engine.evaluate_all(source, at),
                at,
                service.as_deref(),
            ))
        })
        .await
        .map(|report| with_unmeasured(state, report))
}

/// The report of every SLO at each of `instants` (one evaluation pass, one engine): the
/// dashboard's overview and its sparklines. Each equals `build_report` at its instant.
pub(crate) async fn reports_at(
    state: &Arc<AppState>,
    instants: Vec<Millis>,
) -> Result<Vec<Report>, ApiError> {
    let Some(last) = instants.iter().copied().max() else {
        return Ok(Vec::new());
    };
    let reports = state
        .evaluate(last, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            Ok(instants
                .iter()
                .map(|at| Report::of_service(engine.evaluate_all(source, *at), *at, None))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(reports
        .into_iter()
        .map(|report| with_unmeasured(state, report))
        .collect())
}

/// One SLO's report (every objective) at each of `instants`, with the instants where it
/// has no status left out: the series endpoint's points and the dashboard's charts.
pub(crate) async fn slo_reports(
    state: &Arc<AppState>,
    service: String,
    slo: String,
    instants: Vec<Millis>,
) -> Result<Vec<Report>, ApiError> {
    let Some(last) = instants.iter().copied().max() else {
        return Ok(Vec::new());
    };
    state
        .evaluate(last, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            Ok(instants
                .iter()
                .filter_map(|at| {
                    engine
                        .evaluate(source, &service, &slo, *at)
                        .map(|status| Report::new(&[status], *at))
                })
                .collect::<Vec<_>>())
        })
        .await
}

/// Adds the store's counts of events an SLI could not judge to each row's data quality
/// (issue 8.7).
fn with_unmeasured(state: &AppState, mut report: Report) -> Report {
    if let Some(store) = state.store() {
        store.note_unmeasured(&mut report);
    }
    report
}

/// `GET /`: the dashboard's overview for a browser (`Accept: text/html`), otherwise the
/// status table in words, with where to look next.
pub async fn index(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if nines_dashboard::wants_html(&headers) {
        let pages = crate::pages::Pages(state);
        return Ok(nines_dashboard::overview(&pages, &headers, &uri, &query).await);
    }
    state.config.auth.check(Access::Read, &headers)?;
    let at = now();
    let report = build_report(&state, at, None).await?;
    let mut body = format!(
        "nines: {} SLO objective(s) at {}\n\n",
        report.objectives.len(),
        report.at
    );
    body.push_str(&report::table(&report));
    body.push_str(
        "\nJSON: /api/v1/slos   one SLO: /api/v1/slos/{service}/{slo}   \
         chart data: /api/v1/slos/{service}/{slo}/series\n\
         gate: /api/v1/gate?service=NAME   suggest: /api/v1/suggest   \
         server: /api/v1/status   (docs/api.md)\n",
    );
    Ok(text(body))
}

/// `GET /api/v1/slos?at=&service=&format=json|table|markdown`.
pub async fn slos(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "table", "markdown"])?;
    let at = params.instant("at")?.unwrap_or_else(now);
    let service = params.get("service").map(str::to_string);
    render(&build_report(&state, at, service).await?, format)
}

/// `GET /api/v1/slos/{service}?at=&format=`: the SLOs of one service (404 with the
/// services there are when it has none).
pub async fn service(
    State(state): State<Arc<AppState>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "table", "markdown"])?;
    let at = params.instant("at")?.unwrap_or_else(now);
    render(&build_report(&state, at, Some(service)).await?, format)
}

/// `GET /api/v1/slos/{service}/{slo}?at=&format=`: one SLO's objectives.
pub async fn slo(
    State(state): State<Arc<AppState>>,
    Path((service, slo)): Path<(String, String)>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "table", "markdown"])?;
    let at = params.instant("at")?.unwrap_or_else(now);
    let specs = state.specs();
    if specs.catalog.slo(&service, &slo).is_none() {
        return Err(unknown_slo(&specs, &service, &slo));
    }
    let report = state
        .evaluate(at, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            let status = engine
                .evaluate(source, &service, &slo, at)
                .ok_or_else(|| unknown_slo(specs, &service, &slo))?;
            Ok(Report::new(&[status], at))
        })
        .await?;
    let report = with_unmeasured(&state, report);
    render(&report, format)
}

/// One point of a series.
#[derive(serde::Serialize)]
struct Point {
    at: String,
    sli: Option<f64>,
    good: f64,
    valid: f64,
    budget_remaining: Option<f64>,
    burn_rates: report::BurnRateMap,
    alerts: Vec<String>,
    policy_state: Option<String>,
}

/// `GET /api/v1/slos/{service}/{slo}/series?from=&to=&step=&objective=`: the status of
/// one objective at evenly spaced instants, for charts.
pub async fn series(
    State(state): State<Arc<AppState>>,
    Path((service, slo)): Path<(String, String)>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let to = params.instant("to")?.unwrap_or_else(now);
    let from = params
        .instant("from")?
        .unwrap_or(to - millis(Duration::from_days(1)));
    if from > to {
        return Err(ApiError::query("`from` is after `to`"));
    }
    let resolution = state
        .store()
        .map_or(60_000, |store| millis(store.config().resolution));
    let step = match params.get("step") {
        Some(text) => {
            let step: Duration = text
                .parse()
                .map_err(|problem| ApiError::query(format!("`step={text}`: {problem}")))?;
            millis(step)
        }
        None => ((to - from) / 240).max(resolution).div_euclid(resolution) * resolution,
    };
    if step <= 0 {
        return Err(ApiError::query("`step` must be longer than zero"));
    }
    let points = (to - from) / step + 1;
    // Each point of a backend costs queries: fewer of them.
    let limit = if state.store().is_some() {
        state.config.max_series_points
    } else {
        state.config.max_series_points.min(500)
    };
    if points > limit as i64 {
        return Err(ApiError::query(format!(
            "{points} points asked, at most {limit}: use a longer `step` or a shorter range"
        )));
    }
    let objective = params.get("objective").map(str::to_string);
    let specs = state.specs();
    let Some(definition) = specs.catalog.slo(&service, &slo) else {
        return Err(unknown_slo(&specs, &service, &slo));
    };
    let objective = match objective {
        Some(name) => {
            if !definition
                .objectives
                .iter()
                .any(|objective| objective.name == name)
            {
                return Err(ApiError::not_found(format!(
                    "SLO `{service}/{slo}` has no objective `{name}`; objectives: {}",
                    definition
                        .objectives
                        .iter()
                        .map(|objective| objective.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            name
        }
        None => definition
            .objectives
            .first()
            .map(|objective| objective.name.clone())
            .unwrap_or_default(),
    };
    let instants: Vec<Millis> = (0..)
        .map(|index| from + step * index)
        .take_while(|at| *at <= to)
        .collect();
    let reports = slo_reports(&state, service.clone(), slo.clone(), instants).await?;
    let points: Vec<Point> = reports
        .into_iter()
        .filter_map(|report| {
            let at = report.at;
            report
                .objectives
                .into_iter()
                .find(|row| row.objective == objective)
                .map(|row| Point {
                    at,
                    sli: row.sli,
                    good: row.good,
                    valid: row.valid,
                    budget_remaining: row.budget_remaining,
                    burn_rates: row.burn_rates,
                    alerts: row.alerts.into_iter().map(|alert| alert.name).collect(),
                    policy_state: row.policy_state.and_then(|policy| policy.state),
                })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "schema": "nines.series/v1",
        "service": service,
        "slo": slo,
        "objective": objective,
        "from": report::timestamp(from),
        "to": report::timestamp(to),
        "step_seconds": step / 1000,
        "points": points,
    }))
    .into_response())
}

/// The release gate's decision for `service` at `at` (the gate endpoint and the
/// dashboard's "may I ship?").
pub(crate) async fn gate_decision(
    state: &Arc<AppState>,
    service: String,
    change_type: Option<String>,
    at: Millis,
) -> Result<report::GateDecision, ApiError> {
    state
        .evaluate(at, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            let statuses = engine.evaluate_all(source, at);
            Ok(report::gate(
                &statuses,
                &service,
                change_type.as_deref(),
                at,
            ))
        })
        .await
}

/// `GET /api/v1/gate?service=&change_type=&at=&format=json|text`: the release gate.
pub async fn gate(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "text"])?;
    let at = params.instant("at")?.unwrap_or_else(now);
    let service = params
        .get("service")
        .ok_or_else(|| ApiError::query("`service` is required"))?
        .to_string();
    let change_type = params.get("change_type").map(str::to_string);
    known_service(&state.specs(), &service)?;
    let decision = gate_decision(&state, service, change_type, at).await?;
    Ok(match format {
        "text" => text(report::gate_text(&decision)),
        _ => Json(decision).into_response(),
    })
}

/// `GET /api/v1/suggest?slo=service/slo&objective=&share=90%&at=&format=json|text`.
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = params.format(&["json", "text"])?;
    let at = params.instant("at")?.unwrap_or_else(now);
    let share = match params.get("share") {
        None => 0.9,
        Some(text) => match text.parse::<nines_core::Ratio>() {
            Ok(share) if share.fraction() > 0.0 && share.fraction() <= 1.0 => share.fraction(),
            _ => {
                return Err(ApiError::query(format!(
                    "`share={text}` must be a percentage above 0% and at most 100%, e.g. 90%"
                )));
            }
        },
    };
    let wanted = params.get("slo").map(str::to_string);
    let objective = params.get("objective").map(str::to_string);
    let specs = state.specs();
    let targets: Vec<(String, String)> = match &wanted {
        Some(reference) => {
            let Some((service, slo)) = reference.split_once('/') else {
                return Err(ApiError::query(format!(
                    "`slo={reference}`: write service/slo"
                )));
            };
            if specs.catalog.slo(service, slo).is_none() {
                return Err(unknown_slo(&specs, service, slo));
            }
            vec![(service.to_string(), slo.to_string())]
        }
        None => specs
            .catalog
            .slos
            .iter()
            .map(|slo| (slo.service.clone(), slo.name.clone()))
            .collect(),
    };
    let Some(history) = state.history(at) else {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "no_data",
            "the store holds no data yet: nothing to suggest from",
        ));
    };
    let suggestions = suggestions(&state, targets, objective, at, history, share).await?;
    Ok(match format {
        "text" => text(report::suggestions_text(&suggestions)),
        _ => Json(suggestions).into_response(),
    })
}

/// Achievable targets of `targets` (service, SLO) from `history` (the suggest endpoint and
/// the dashboard's SLO page).
pub(crate) async fn suggestions(
    state: &Arc<AppState>,
    targets: Vec<(String, String)>,
    objective: Option<String>,
    at: Millis,
    history: nines_core::source::TimeRange,
    share: f64,
) -> Result<Vec<nines_core::engine::suggest::Suggestion>, ApiError> {
    state
        .evaluate(at, move |specs, source| {
            let engine = Engine::new(&specs.catalog, Options::default());
            let mut suggestions = Vec::new();
            for (service, slo) in &targets {
                let request = SuggestRequest {
                    service,
                    slo,
                    objective: objective.as_deref(),
                    at,
                    history,
                    share,
                };
                if let Some(suggestion) = engine.suggest(source, &request) {
                    suggestions.push(suggestion);
                }
            }
            Ok(suggestions)
        })
        .await
}
