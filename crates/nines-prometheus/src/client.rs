//! The Prometheus HTTP API, as Prometheus, VictoriaMetrics, Thanos Query and the
//! Mimir/Cortex query frontend serve it: instant and range queries, build information,
//! flags. Bearer or basic auth, a tenant header, TLS with a custom CA or a client
//! certificate, timeouts, and retries with exponential backoff on what is worth retrying.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use nines_core::source::Millis;
use serde::Deserialize;

/// How to authenticate.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP basic authentication.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => formatter.write_str("None"),
            Auth::Bearer(_) => formatter.write_str("Bearer(***)"),
            Auth::Basic { user, .. } => write!(formatter, "Basic({user}, ***)"),
        }
    }
}

/// Where the backend is and how to talk to it.
#[derive(Clone, Debug)]
pub struct Config {
    /// Base URL: `http://prometheus:9090`, `https://mimir/prometheus`,
    /// `http://victoria:8428`.
    pub url: String,
    /// `X-Scope-OrgID` for Mimir, Cortex and multi-tenant Thanos.
    pub tenant: Option<String>,
    /// Credentials.
    pub auth: Auth,
    /// PEM file of CA certificates to trust (besides the system's).
    pub ca_file: Option<PathBuf>,
    /// PEM file with a client certificate and its key, for mutual TLS.
    pub client_identity: Option<PathBuf>,
    /// Per-request timeout.
    pub timeout: StdDuration,
    /// Retries after the first attempt, for connection errors, timeouts, 429 and 5xx.
    pub retries: u32,
    /// Queries in flight at once.
    pub concurrency: usize,
}

impl Config {
    /// Defaults for `url`: 30 s timeout, 3 retries, 8 queries at once.
    pub fn new(url: &str) -> Config {
        Config {
            url: url.trim_end_matches('/').to_string(),
            tenant: None,
            auth: Auth::None,
            ca_file: None,
            client_identity: None,
            timeout: StdDuration::from_secs(30),
            retries: 3,
            concurrency: 8,
        }
    }
}

/// What went wrong talking to the backend.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The configuration cannot be used (a bad URL, an unreadable CA file).
    #[error("{0}")]
    Config(String),
    /// The backend could not be reached at all.
    #[error(
        "cannot reach {url}: {reason} (after {attempts} attempt(s)); check --prometheus and that the backend runs"
    )]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The backend answered with an HTTP error.
    #[error("{url} answered {status}: {body}")]
    Http {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The body, shortened.
        body: String,
    },
    /// The backend answered with a PromQL error.
    #[error("the backend refused `{query}`: {kind}: {message}")]
    Query {
        /// The query.
        query: String,
        /// `bad_data`, `execution`, `timeout`...
        kind: String,
        /// Its message.
        message: String,
    },
    /// The answer was not the Prometheus API's JSON.
    #[error("{url}: unexpected answer: {reason}")]
    Decode {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// One series of an instant vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Value.
    pub value: f64,
}

/// One series of a range query.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// (milliseconds, value).
    pub points: Vec<(Millis, f64)>,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default, rename = "errorType")]
    error_type: String,
    #[serde(default)]
    error: String,
}

/// A client for one backend.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    config: Config,
}

fn seconds(at: Millis) -> String {
    format!("{}.{:03}", at.div_euclid(1000), at.rem_euclid(1000))
}

fn parse_value(value: &serde_json::Value) -> Option<f64> {
    // The API writes values as strings: "1.5", "NaN", "+Inf".
    let text = value.as_str()?;
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

fn labels_of(metric: &serde_json::Value) -> BTreeMap<String, String> {
    metric
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl Client {
    /// Builds the HTTP client (TLS roots, identity, timeouts).
    pub fn new(config: Config) -> Result<Client, BackendError> {
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err(BackendError::Config(format!(
                "`{}` is not an http:// or https:// URL",
                config.url
            )));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(StdDuration::from_secs(10)))
            .user_agent(concat!("nines/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|problem| {
                BackendError::Config(format!("CA file {}: {problem}", path.display()))
            })?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|problem| {
                BackendError::Config(format!("CA file {}: {problem}", path.display()))
            })?;
            if certificates.is_empty() {
                return Err(BackendError::Config(format!(
                    "CA file {} holds no PEM certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certificates);
        }
        if let Some(path) = &config.client_identity {
            let pem = std::fs::read(path).map_err(|problem| {
                BackendError::Config(format!("client certificate {}: {problem}", path.display()))
            })?;
            let identity = reqwest::Identity::from_pem(&pem).map_err(|problem| {
                BackendError::Config(format!("client certificate {}: {problem}", path.display()))
            })?;
            builder = builder.identity(identity);
        }
        let http = builder
            .build()
            .map_err(|problem| BackendError::Config(format!("HTTP client: {problem}")))?;
        Ok(Client { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A request to `path` with auth and tenant set, for inspection or sending.
    pub fn request(&self, path: &str, form: &[(&str, String)]) -> reqwest::RequestBuilder {
        // Queries go as POST forms (long PromQL fits); status endpoints only take GET.
        let url = format!("{}{path}", self.config.url);
        let mut request = if form.is_empty() {
            self.http.get(url)
        } else {
            self.http.post(url).form(form)
        };
        if let Some(tenant) = &self.config.tenant {
            request = request.header("X-Scope-OrgID", tenant);
        }
        match &self.config.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
        }
    }

    /// Calls `path` with `form`, retrying what is worth retrying; returns `data`.
    async fn call(
        &self,
        path: &str,
        form: &[(&str, String)],
        query: &str,
    ) -> Result<serde_json::Value, BackendError> {
        let url = format!("{}{path}", self.config.url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.request(path, form).send().await;
            let retry_in = StdDuration::from_millis(200 * (1 << (attempt - 1).min(5)));
            let can_retry = attempt <= self.config.retries;
            let response = match outcome {
                Ok(response) => response,
                Err(error) => {
                    if can_retry {
                        tracing::debug!(%url, %error, attempt, "backend request failed; retrying");
                        tokio::time::sleep(retry_in).await;
                        continue;
                    }
                    return Err(BackendError::Unreachable {
                        url,
                        reason: self.reason(&error),
                        attempts: attempt,
                    });
                }
            };
            let status = response.status();
            let body = match response.text().await {
                Ok(body) => body,
                // A connection cut or stalled mid-answer is retried like one never made.
                Err(error) if can_retry => {
                    tracing::debug!(%url, %error, attempt, "backend answer cut short; retrying");
                    tokio::time::sleep(retry_in).await;
                    continue;
                }
                Err(error) => {
                    return Err(BackendError::Unreachable {
                        url,
                        reason: format!("the answer was cut short: {}", self.reason(&error)),
                        attempts: attempt,
                    });
                }
            };
            if (status.as_u16() == 429 || status.is_server_error()) && can_retry {
                tracing::debug!(%url, status = status.as_u16(), attempt, "backend busy or failing; retrying");
                tokio::time::sleep(retry_in).await;
                continue;
            }
            let envelope: Result<Envelope, _> = serde_json::from_str(&body);
            return match envelope {
                Ok(envelope) if envelope.status == "success" => Ok(envelope.data),
                Ok(envelope) => Err(BackendError::Query {
                    query: query.to_string(),
                    kind: envelope.error_type,
                    message: envelope.error,
                }),
                Err(_) if !status.is_success() => Err(BackendError::Http {
                    url,
                    status: status.as_u16(),
                    body: body.chars().take(300).collect(),
                }),
                Err(error) => Err(BackendError::Decode {
                    url,
                    reason: error.to_string(),
                }),
            };
        }
    }

    /// Why a request failed, in words: a timeout names the limit, other errors their cause.
    fn reason(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!(
                "no answer within {:?} (--prometheus-timeout)",
                self.config.timeout
            );
        }
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        reason
    }

    /// An instant query at `at`.
    pub async fn query(&self, promql: &str, at: Millis) -> Result<Vec<Sample>, BackendError> {
        let data = self
            .call(
                "/api/v1/query",
                &[("query", promql.to_string()), ("time", seconds(at))],
                promql,
            )
            .await?;
        let kind = data["resultType"].as_str().unwrap_or_default();
        let decode_error = |reason: &str| BackendError::Decode {
            url: format!("{}/api/v1/query", self.config.url),
            reason: reason.to_string(),
        };
        match kind {
            // Every sample must read: one that does not is a broken answer, not a
            // missing series (which would read as "no data").
            "vector" => data["result"]
                .as_array()
                .ok_or_else(|| decode_error("no result array"))?
                .iter()
                .map(|item| {
                    let value = item["value"].get(1).and_then(parse_value).ok_or_else(|| {
                        decode_error(&format!("a sample without a value: {item}"))
                    })?;
                    Ok(Sample {
                        labels: labels_of(&item["metric"]),
                        value,
                    })
                })
                .collect(),
            "scalar" => data["result"]
                .get(1)
                .and_then(parse_value)
                .map(|value| {
                    vec![Sample {
                        labels: BTreeMap::new(),
                        value,
                    }]
                })
                .ok_or_else(|| decode_error("a scalar without a value")),
            other => Err(decode_error(&format!(
                "result type `{other}`, expected a vector"
            ))),
        }
    }

    /// A range query from `start` to `end` (inclusive) every `step`.
    pub async fn query_range(
        &self,
        promql: &str,
        start: Millis,
        end: Millis,
        step: Millis,
    ) -> Result<Vec<Series>, BackendError> {
        let data = self
            .call(
                "/api/v1/query_range",
                &[
                    ("query", promql.to_string()),
                    ("start", seconds(start)),
                    ("end", seconds(end)),
                    ("step", seconds(step)),
                ],
                promql,
            )
            .await?;
        let decode_error = |reason: String| BackendError::Decode {
            url: format!("{}/api/v1/query_range", self.config.url),
            reason,
        };
        if data["resultType"].as_str() != Some("matrix") {
            return Err(decode_error(format!(
                "result type `{}`, expected a matrix",
                data["resultType"].as_str().unwrap_or_default()
            )));
        }
        let result = data["result"]
            .as_array()
            .ok_or_else(|| decode_error("no result array".into()))?;
        result
            .iter()
            .map(|item| {
                let values = item["values"]
                    .as_array()
                    .ok_or_else(|| decode_error(format!("a series without values: {item}")))?;
                let points = values
                    .iter()
                    .map(|pair| {
                        let at = pair.get(0).and_then(serde_json::Value::as_f64);
                        let value = pair.get(1).and_then(parse_value);
                        match (at, value) {
                            (Some(at), Some(value)) => Ok(((at * 1000.0).round() as Millis, value)),
                            _ => Err(decode_error(format!("a point that does not read: {pair}"))),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Series {
                    labels: labels_of(&item["metric"]),
                    points,
                })
            })
            .collect()
    }

    /// `/api/v1/status/buildinfo`: the backend's name and version, when it says.
    pub async fn buildinfo(&self) -> Result<BTreeMap<String, String>, BackendError> {
        let data = self
            .call("/api/v1/status/buildinfo", &[], "buildinfo")
            .await?;
        Ok(labels_of(&data))
    }

    /// `/api/v1/status/flags` (Prometheus only): command-line flags. Other backends
    /// answer 404; that is `Ok(empty)`.
    pub async fn flags(&self) -> BTreeMap<String, String> {
        self.call("/api/v1/status/flags", &[], "flags")
            .await
            .map(|data| labels_of(&data))
            .unwrap_or_default()
    }

    /// How long the backend keeps samples, when it says (Prometheus only; `None` for
    /// backends without the status endpoints or with a size-only retention).
    ///
    /// `/api/v1/status/runtimeinfo`'s `storageRetention` is what the TSDB applies:
    /// `15d`, or `15d or 10GiB` when a size limit is set too. The
    /// `storage.tsdb.retention.time` flag is only a fallback for servers without that
    /// field: it reads `0s` when unset, although Prometheus then keeps 15 days.
    pub async fn retention(&self) -> Option<nines_core::Duration> {
        if let Ok(data) = self
            .call("/api/v1/status/runtimeinfo", &[], "runtimeinfo")
            .await
            && let Some(text) = data
                .get("storageRetention")
                .and_then(|value| value.as_str())
        {
            return retention_time(text);
        }
        let flags = self.flags().await;
        flags
            .get("storage.tsdb.retention.time")
            .and_then(|text| parse_prometheus_duration(text))
            .filter(|duration| !duration.is_zero())
    }
}

/// The time part of Prometheus' `storageRetention`: `15d`, `15d or 10GiB`, `10GiB`.
pub fn retention_time(text: &str) -> Option<nines_core::Duration> {
    text.split(" or ")
        .map(str::trim)
        .find_map(parse_prometheus_duration)
        .filter(|duration| !duration.is_zero())
}

/// A Prometheus duration (`15d`, `2w`, `1y`, `36h`, `1d12h`); `None` for sizes such as
/// `10GiB` and anything else.
pub fn parse_prometheus_duration(text: &str) -> Option<nines_core::Duration> {
    text.trim().parse::<nines_core::Duration>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_tenant_and_credentials() {
        let mut config = Config::new("https://mimir.example.com/prometheus/");
        config.tenant = Some("team-a".into());
        config.auth = Auth::Basic {
            user: "nines".into(),
            password: "secret".into(),
        };
        let client = Client::new(config).unwrap();
        let request = client
            .request("/api/v1/query", &[("query", "up".to_string())])
            .build()
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "https://mimir.example.com/prometheus/api/v1/query"
        );
        assert_eq!(request.headers()["x-scope-orgid"], "team-a");
        assert_eq!(request.headers()["authorization"], "Basic bmluZXM6c2VjcmV0");
        let mut bearer = Config::new("http://prometheus:9090");
        bearer.auth = Auth::Bearer("token-1".into());
        let request = Client::new(bearer)
            .unwrap()
            .request("/api/v1/query", &[])
            .build()
            .unwrap();
        assert_eq!(request.headers()["authorization"], "Bearer token-1");
        assert!(request.headers().get("x-scope-orgid").is_none());
        assert_eq!(
            format!("{:?}", Auth::Bearer("token-1".into())),
            "Bearer(***)"
        );
    }

    #[test]
    fn bad_configuration_is_explained() {
        assert!(
            Client::new(Config::new("prometheus:9090"))
                .unwrap_err()
                .to_string()
                .contains("not an http")
        );
        let mut config = Config::new("https://prometheus:9090");
        config.ca_file = Some("/nonexistent/ca.pem".into());
        assert!(
            Client::new(config)
                .unwrap_err()
                .to_string()
                .contains("CA file")
        );
    }

    #[test]
    fn retention_reads_the_time_part_of_storage_retention() {
        // issue 8.10: what /api/v1/status/runtimeinfo says, with or without a size limit.
        let days = nines_core::Duration::from_days;
        assert_eq!(retention_time("15d"), Some(days(15)));
        assert_eq!(retention_time("15d or 10GiB"), Some(days(15)));
        assert_eq!(retention_time("10GiB or 30d"), Some(days(30)));
        assert_eq!(retention_time("10GiB"), None);
        assert_eq!(retention_time("0s"), None);
        assert_eq!(parse_prometheus_duration("2w"), Some(days(14)));
        assert_eq!(parse_prometheus_duration("1y"), Some(days(365)));
        assert_eq!(
            parse_prometheus_duration("1d12h"),
            Some(nines_core::Duration::from_hours(36))
        );
    }

    #[test]
    fn values_and_instants_read_like_the_api_writes_them() {
        assert_eq!(seconds(1_795_953_600_123), "1795953600.123");
        assert_eq!(parse_value(&serde_json::json!("1.5")), Some(1.5));
        assert!(parse_value(&serde_json::json!("NaN")).unwrap().is_nan());
        assert_eq!(parse_value(&serde_json::json!("+Inf")), Some(f64::INFINITY));
    }
}
