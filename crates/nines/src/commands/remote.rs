//! Asking a running `nines serve` instead of reading counts locally.

use std::time::Duration;

use crate::commands::data::parse_at;

/// A server to ask.
pub struct Remote {
    base: String,
    client: reqwest::blocking::Client,
    token: Option<String>,
    at: Option<String>,
}

/// Installs the TLS crypto provider once (ring: no C toolchain beyond cc needed).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Remote {
    /// A client for `url` (http or https), with an optional bearer token and `--at`.
    pub fn new(url: &str, token: Option<&str>, at: Option<&str>) -> Result<Remote, String> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "--server `{url}` must be an http:// or https:// URL, e.g. http://127.0.0.1:9099"
            ));
        }
        let at = at
            .map(|text| parse_at(text).map(|millis| millis.to_string()))
            .transpose()?;
        install_tls_provider();
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("nines/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|problem| format!("cannot build an HTTP client: {problem}"))?;
        Ok(Remote {
            base,
            client,
            token: token.map(str::to_string),
            at,
        })
    }

    /// GETs `path` with `params` (and `at`), returning the body of a 2xx answer or the
    /// server's error in words.
    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<String, String> {
        let mut query: Vec<(&str, &str)> = params.to_vec();
        if let Some(at) = &self.at {
            query.push(("at", at));
        }
        let url = format!("{}{path}", self.base);
        let mut request = self.client.get(&url).query(&query);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .map_err(|problem| format!("cannot reach {}: {problem}", self.base))?;
        let status = response.status();
        let body = response
            .text()
            .map_err(|problem| format!("{url}: cannot read the answer: {problem}"))?;
        if status.is_success() {
            return Ok(body);
        }
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|value| {
                let error = value.get("error")?;
                Some(format!(
                    "{} ({})",
                    error.get("message")?.as_str()?,
                    error.get("code")?.as_str()?
                ))
            })
            .unwrap_or(body);
        Err(format!("the server answered {status}: {detail}"))
    }
}
