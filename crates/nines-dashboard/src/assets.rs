//! The stylesheet, script and icon, embedded so `cargo build` alone gives a complete
//! binary: no npm, no CDN, nothing fetched at run time.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

/// The stylesheet: light and dark themes through `prefers-color-scheme`.
const STYLESHEET: &str = include_str!("../assets/dashboard.css");
/// The script: refresh every 30 s and a few conveniences; the pages work without it.
const SCRIPT: &str = include_str!("../assets/dashboard.js");
/// The icon browsers ask for.
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// How long browsers may keep an asset: five minutes, so an upgraded server's assets
/// reach open tabs soon without asking for them on every refresh.
const ASSET_CACHE: &str = "public, max-age=300";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, ASSET_CACHE)],
        body,
    )
}

/// `GET /assets/dashboard.css`.
pub async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

/// `GET /assets/dashboard.js`.
pub async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /assets/favicon.svg`.
pub async fn favicon() -> impl IntoResponse {
    asset("image/svg+xml", FAVICON)
}
