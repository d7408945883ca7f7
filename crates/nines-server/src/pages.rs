//! The dashboard's mount: [`nines_dashboard::Provider`] over the running state, so the
//! pages read exactly what the API answers (the same functions compute both).

use std::ops::Deref;
use std::sync::Arc;

use axum::http::HeaderMap;
use nines_core::engine::suggest::Suggestion;
use nines_core::model::Catalog;
use nines_core::report::{GateDecision, Report};
use nines_core::source::{Millis, millis};
use nines_dashboard::PageError;

use crate::error::ApiError;
use crate::routes::status;
use crate::state::{AppState, Specs};

/// The running state, as the dashboard sees it.
#[derive(Debug)]
pub struct Pages(pub Arc<AppState>);

/// The specs in force, held while a page is built.
#[derive(Debug)]
pub struct HeldCatalog(Arc<Specs>);

impl Deref for HeldCatalog {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.0.catalog
    }
}

fn page_error(error: ApiError) -> PageError {
    match error.status.as_u16() {
        404 => PageError::NotFound(error.message),
        400 => PageError::BadQuery(error.message),
        _ => PageError::Failed(error.message),
    }
}

/// Share of past windows a suggested target must have been met in: the suggest
/// endpoint's default.
const SUGGESTION_SHARE: f64 = 0.9;

impl nines_dashboard::Provider for Pages {
    type Catalog = HeldCatalog;

    fn catalog(&self) -> HeldCatalog {
        HeldCatalog(self.0.specs())
    }

    async fn reports(&self, instants: Vec<Millis>) -> Result<Vec<Report>, PageError> {
        status::reports_at(&self.0, instants)
            .await
            .map_err(page_error)
    }

    async fn slo_reports(
        &self,
        service: String,
        slo: String,
        instants: Vec<Millis>,
    ) -> Result<Vec<Report>, PageError> {
        status::slo_reports(&self.0, service, slo, instants)
            .await
            .map_err(page_error)
    }

    async fn gate(
        &self,
        service: String,
        change_type: Option<String>,
        at: Millis,
    ) -> Result<GateDecision, PageError> {
        status::gate_decision(&self.0, service, change_type, at)
            .await
            .map_err(page_error)
    }

    async fn suggest(
        &self,
        service: String,
        slo: String,
        objective: String,
        at: Millis,
    ) -> Result<Option<Suggestion>, PageError> {
        let Some(history) = self.0.history(at) else {
            return Ok(None);
        };
        let suggestions = status::suggestions(
            &self.0,
            vec![(service, slo)],
            Some(objective),
            at,
            history,
            SUGGESTION_SHARE,
        )
        .await
        .map_err(page_error)?;
        Ok(suggestions.into_iter().next())
    }

    fn may_read(&self, headers: &HeaderMap) -> bool {
        self.0.config.auth.may_read_page(headers)
    }

    fn token_accepted(&self, token: &str) -> bool {
        self.0.config.auth.token_reads(token.as_bytes())
    }

    fn history_is_cheap(&self) -> bool {
        self.0.store().is_some()
    }

    fn resolution(&self) -> Millis {
        self.0
            .store()
            .map_or(60_000, |store| millis(store.config().resolution))
    }
}
