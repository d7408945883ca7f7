//! The page shell (head, navigation, footer), the security headers every page carries, and
//! error pages.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY as CSP_HEADER, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::PageError;

/// The Content-Security-Policy of every page: scripts, styles and images only from this
/// server (no `unsafe-inline`, no other host), no plugins, no framing, forms posting only
/// here. The charts are inline SVG elements, which need no `img-src`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// An HTML response with the security headers.
pub fn respond(status: StatusCode, page: Markup) -> Response {
    let mut response = (status, page.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        CSP_HEADER,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A whole page: `title` in the tab, `main` in the body.
pub fn page(title: &str, at: Option<&str>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · nines" }
                link rel="stylesheet" href="/assets/dashboard.css";
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                script src="/assets/dashboard.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "nines" }
                    nav {
                        a href="/" { "Overview" }
                        a href="/gate" { "May I ship?" }
                        a href="/api/v1/slos" { "API" }
                    }
                    @if let Some(at) = at {
                        span.at { "at " time datetime=(at) { (at) } }
                    }
                }
                main id="main" data-at=[at] { (main) }
                footer {
                    "Numbers from the same evaluation as " a href="/api/v1/slos" { "/api/v1/slos" }
                    ". Refreshes every 30 s. "
                    "(docs/dashboard.md)"
                }
            }
        }
    }
}

/// The page for an error, with the status it carries.
pub fn error_page(error: &PageError) -> Response {
    let status = match error {
        PageError::NotFound(_) => StatusCode::NOT_FOUND,
        PageError::BadQuery(_) => StatusCode::BAD_REQUEST,
        PageError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    respond(
        status,
        page(
            "Error",
            None,
            html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or_default()) }
                p.error { (error.to_string()) }
                p { a href="/" { "Back to the overview" } }
            },
        ),
    )
}
