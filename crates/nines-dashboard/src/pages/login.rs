//! The read token form: asked once, then kept in an `HttpOnly`, `SameSite=Strict` cookie
//! that the server accepts for pages.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use maud::html;

use crate::layout::{self, respond};
use crate::{Provider, TOKEN_COOKIE};

/// How long the browser keeps the token: a working week, then it asks again.
const COOKIE_MAX_AGE_SECONDS: u64 = 7 * 86_400;

/// Where to go after the form: a path on this server only (never `//host` or a URL), so
/// the form cannot be used to send someone elsewhere.
fn local_path(next: Option<&String>) -> String {
    next.map(|next| next.trim())
        .filter(|next| next.starts_with('/') && !next.starts_with("//") && !next.contains('\\'))
        .filter(|next| next.bytes().all(|byte| byte.is_ascii_graphic()))
        .unwrap_or("/")
        .to_string()
}

/// The form, answered with 401 (the page needs the token).
pub fn ask(next: &str, wrong: bool) -> Response {
    respond(
        StatusCode::UNAUTHORIZED,
        layout::page(
            "Read token",
            None,
            html! {
                h1 { "This server needs its read token" }
                @if wrong { p.error role="alert" { "That token is not accepted." } }
                form.login method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label { "Read token" input type="password" name="token" autocomplete="current-password" required autofocus; }
                    button type="submit" { "Open the dashboard" }
                }
                p.sub { "The token is kept in an HttpOnly cookie for this site only, for 7 days." }
            },
        ),
    )
}

/// `GET /login?next=`.
pub async fn form<P: Provider>(
    State(_provider): State<Arc<P>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    ask(&local_path(query.get("next")), false)
}

/// `POST /login` (`token`, `next`): sets the cookie and goes on, or asks again.
pub async fn submit<P: Provider>(
    State(provider): State<Arc<P>>,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let next = local_path(fields.get("next"));
    let token = fields
        .get("token")
        .map(|token| token.trim())
        .unwrap_or_default();
    if !provider.token_accepted(token) {
        tracing::warn!("dashboard login refused: wrong token");
        return ask(&next, true);
    }
    let cookie = format!(
        "{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}"
    );
    let mut response = respond(
        StatusCode::SEE_OTHER,
        html! { a href=(next) { "continue" } },
    );
    if let (Ok(cookie), Ok(location)) =
        (HeaderValue::from_str(&cookie), HeaderValue::from_str(&next))
    {
        response.headers_mut().insert(SET_COOKIE, cookie);
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        let path = |text: &str| local_path(Some(&text.to_string()));
        assert_eq!(path("/slo/a/b?objective=x"), "/slo/a/b?objective=x");
        assert_eq!(path("//evil.example/"), "/");
        assert_eq!(path("https://evil.example/"), "/");
        assert_eq!(path("/\\evil.example"), "/");
        assert_eq!(local_path(None), "/");
    }
}
