//! The dashboard of `nines serve`: HTML pages rendered on the server from the same
//! statuses the API serves, with inline SVG charts and a little JavaScript in a static file.
//!
//! - [`Provider`]: what the pages need from the server (reports at instants, one SLO's
//!   reports over time, the gate, a suggestion, the catalog, the read token). The server
//!   implements it; this crate never imports the server.
//! - [`router`]: the pages (`/slo/{service}/{slo}`, `/service/{service}`, `/gate`,
//!   `/login`) and the embedded assets; [`overview`] is what the server answers at `/`
//!   when a browser asks for HTML ([`wants_html`]).
//! - `charts`: SVG line charts and sparklines, each with `<title>` hovers and a table.
//! - `risk`: the state of an objective (healthy, at risk, alerting, exhausted, no data).
//!
//! Every text from specs or data goes through maud, which escapes it. Responses carry a
//! Content-Security-Policy that allows only this server's own scripts and styles.

#![deny(missing_docs)]

mod assets;
mod charts;
mod filter;
mod format;
mod layout;
mod pages;
mod risk;

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use axum::routing::get;
use nines_core::engine::suggest::Suggestion;
use nines_core::model::Catalog;
use nines_core::report::{GateDecision, Report};
use nines_core::source::Millis;

pub use layout::CONTENT_SECURITY_POLICY;
pub use pages::overview::overview;

/// The cookie that carries the read token of a browser that typed it once.
pub const TOKEN_COOKIE: &str = "nines_token";

/// Why a page could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Nothing by that name (an unknown service, SLO or objective).
    #[error("{0}")]
    NotFound(String),
    /// A query parameter is wrong.
    #[error("{0}")]
    BadQuery(String),
    /// The server failed to evaluate (the store or backend).
    #[error("{0}")]
    Failed(String),
}

/// What the pages read from the server. Every number a page shows comes through here, from
/// the same evaluation the API answers with, so a page never shows a number the API does
/// not.
pub trait Provider: Send + Sync + 'static {
    /// The specs in force, held while a page is built.
    type Catalog: Deref<Target = Catalog> + Send;

    /// The catalog in force (names, owners, labels, policies, origins).
    fn catalog(&self) -> Self::Catalog;

    /// The report of every SLO at each of `instants`, in that order (the first is the
    /// page's "now"; the others feed sparklines). The report at the first instant equals
    /// `GET /api/v1/slos?at=` at that instant.
    fn reports(
        &self,
        instants: Vec<Millis>,
    ) -> impl Future<Output = Result<Vec<Report>, PageError>> + Send;

    /// One SLO's report (every objective) at each of `instants`, as the series endpoint
    /// computes its points.
    fn slo_reports(
        &self,
        service: String,
        slo: String,
        instants: Vec<Millis>,
    ) -> impl Future<Output = Result<Vec<Report>, PageError>> + Send;

    /// The release gate's decision for `service`, as `GET /api/v1/gate`.
    fn gate(
        &self,
        service: String,
        change_type: Option<String>,
        at: Millis,
    ) -> impl Future<Output = Result<GateDecision, PageError>> + Send;

    /// The achievable target of one objective from history, as `GET /api/v1/suggest`
    /// (`None` without history).
    fn suggest(
        &self,
        service: String,
        slo: String,
        objective: String,
        at: Millis,
    ) -> impl Future<Output = Result<Option<Suggestion>, PageError>> + Send;

    /// True when this request may read pages: no read token is configured, or the request
    /// carries it (bearer header or [`TOKEN_COOKIE`]).
    fn may_read(&self, headers: &HeaderMap) -> bool;

    /// True when `token` is the read (or write) token: the login form's check.
    fn token_accepted(&self, token: &str) -> bool;

    /// The store's interval length (one minute by default): chart steps are multiples.
    fn resolution(&self) -> Millis;

    /// True when evaluating every SLO at a few dozen past instants is cheap (the embedded
    /// store: two lookups a window); false for a Prometheus-compatible backend, where each
    /// instant costs queries, and the overview then draws no sparklines.
    fn history_is_cheap(&self) -> bool {
        true
    }

    /// Now, in milliseconds since the epoch.
    fn now(&self) -> Millis {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// True when the request prefers HTML: a browser's `Accept` names `text/html`; curl and
/// scripts (`*/*`, `application/json`, `text/plain`) keep the text table.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|parameter| {
                parameter
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (media.eq_ignore_ascii_case("text/html")
                || media.eq_ignore_ascii_case("application/xhtml+xml"))
                && !refused
        })
}

/// The dashboard's routes other than `/` (which the server negotiates): an SLO, a
/// service, the gate, the token form and the embedded assets.
pub fn router<P: Provider>(provider: Arc<P>) -> Router {
    Router::new()
        .route("/slo/{service}/{slo}", get(pages::slo::page::<P>))
        .route("/service/{service}", get(pages::service::page::<P>))
        .route("/gate", get(pages::gate::page::<P>))
        .route(
            "/login",
            get(pages::login::form::<P>).post(pages::login::submit::<P>),
        )
        .route("/assets/dashboard.css", get(assets::stylesheet))
        .route("/assets/dashboard.js", get(assets::script))
        .route("/assets/favicon.svg", get(assets::favicon))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(provider)
}

/// Largest body a page takes (the token form): a token and a path fit many times over.
pub const MAX_FORM_BYTES: usize = 8 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn browsers_get_html_and_scripts_keep_text() {
        // issue 11.1
        assert!(wants_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(wants_html(&accept("TEXT/HTML")));
        assert!(!wants_html(&accept("*/*")));
        assert!(!wants_html(&accept("text/plain")));
        assert!(!wants_html(&accept("application/json")));
        assert!(!wants_html(&accept("text/html;q=0, text/plain")));
        assert!(!wants_html(&HeaderMap::new()));
    }
}
