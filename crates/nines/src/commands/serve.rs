//! `nines serve`, and the pieces `nines demo` and `nines import` share with it.

use std::path::Path;
use std::sync::Arc;

use nines_core::model::Catalog;
use nines_server::{AppState, Auth, ServerConfig, SpecError, Specs, Token};
use nines_store::{Store, StoreConfig};

use crate::cli::{LogFormat, ServeArgs, ServerArgs, Status, StoreArgs};
use crate::commands::data::{Reported, fail, parse_duration};
use crate::output;

pub fn run(args: &ServeArgs) -> anyhow::Result<Status> {
    init_logging(args.server.log_format);
    let specs = match Specs::load(&args.specs) {
        Ok(specs) => specs,
        Err(error) => {
            report_spec_error(&error);
            return Ok(Status::Error);
        }
    };
    for warning in &specs.warnings {
        tracing::warn!("{warning}");
    }
    let reading_backend = args.backend.prometheus.is_some();
    let Ok(auth) = auth(&args.server, None, reading_backend) else {
        return Ok(Status::Error);
    };
    // The store holds the counts, and the alert state in both modes: with --prometheus
    // it is opened in --data for the alert state alone.
    let Ok(store) = open_store(&args.data, &args.server.store, &specs.catalog) else {
        return Ok(Status::Error);
    };
    let store = Arc::new(store);
    let data = if reading_backend {
        let Ok(backend) = crate::commands::data::backend(&args.backend) else {
            return Ok(Status::Error);
        };
        nines_server::Data::Prometheus(backend)
    } else {
        nines_server::Data::Store(store.clone())
    };
    let Ok(config) = server_config(&args.server, args.specs.clone(), auth) else {
        return Ok(Status::Error);
    };
    let state = Arc::new(AppState::with_data(data, specs, config));
    if start_alerting(&state, store, &args.server).is_err() {
        return Ok(Status::Error);
    }
    serve(state, &args.server.listen, |address| {
        tracing::info!("listening on http://{address}");
    })
}

/// Where notifications go: delivery's outbox and sender over `store`, routed by the
/// specs' targets and `--alertmanager`.
pub fn notification_sink(
    state: &AppState,
    store: Arc<Store>,
    args: &ServerArgs,
    spec_targets: bool,
) -> Result<Arc<dyn nines_alerting::NotificationSink>, Reported> {
    let mut catch_all = Vec::new();
    for url in &args.alertmanagers {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(fail(&format!(
                "--alertmanager `{url}` is not an http:// or https:// URL"
            )));
        }
        catch_all.push(url.clone());
    }
    let std_duration =
        |duration: nines_core::Duration| std::time::Duration::from_millis(duration.as_millis());
    let config = nines_alerting::DeliveryConfig {
        catch_all_alertmanagers: catch_all,
        resend_interval: std_duration(parse_duration("--resend-interval", &args.resend_interval)?),
        eval_interval: std_duration(eval_interval(&args.eval_interval)?),
        retry_for: std_duration(parse_duration(
            "--notify-retry-for",
            &args.notify_retry_for,
        )?),
        spec_targets,
        ..nines_alerting::DeliveryConfig::default()
    };
    let catalog = Arc::new(state.specs().catalog.clone());
    let delivery = nines_alerting::Delivery::start(store, catalog, config)
        .map_err(|problem| fail(&problem.to_string()))?;
    Ok(Arc::new(delivery))
}

/// Turns alert evaluation on: state loaded from `store`, evaluated every
/// `--eval-interval`, routes under /api/v1/alerts.
pub fn start_alerting(
    state: &AppState,
    store: Arc<Store>,
    args: &ServerArgs,
) -> Result<Arc<nines_alerting::Evaluator>, Reported> {
    start_alerting_with(state, store, args, true)
}

/// [`start_alerting`], delivering to the specs' targets only when `spec_targets` (the
/// demo's example targets are fictional hosts: it delivers to `--alertmanager` only).
pub fn start_alerting_with(
    state: &AppState,
    store: Arc<Store>,
    args: &ServerArgs,
    spec_targets: bool,
) -> Result<Arc<nines_alerting::Evaluator>, Reported> {
    let settings = nines_alerting::Settings {
        external_url: args
            .external_url
            .as_ref()
            .map(|url| url.trim_end_matches('/').to_string()),
    };
    let sink = notification_sink(state, store.clone(), args, spec_targets)?;
    let evaluator = nines_alerting::Evaluator::open(store, sink, settings)
        .map_err(|problem| fail(&problem.to_string()))?;
    let evaluator = Arc::new(evaluator);
    state.set_alerting(evaluator.clone());
    Ok(evaluator)
}

/// Prints why specs were refused.
pub fn report_spec_error(error: &SpecError) {
    match error {
        SpecError::Invalid(diagnostics) => {
            for diagnostic in diagnostics {
                output::message(&diagnostic.to_string());
            }
            output::error(&format!(
                "{} error(s) in the specs (see `nines validate`)",
                diagnostics.len()
            ));
        }
        SpecError::Load(problem) => output::error(&problem.to_string()),
    }
}

/// Logs on stderr: `RUST_LOG` filters (info by default).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a terminal, and never with NO_COLOR set.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_writer(|| SingleLine(std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.with_writer(std::io::stderr).json().try_init(),
    };
}

/// Stderr for text logs, one line per event: a message that holds line breaks (a spec
/// diagnostic with its source excerpt) gets them written as `\n`, so log shippers and
/// `grep` see one event per line. The formatter writes each event in one call.
struct SingleLine<W>(W);

impl<W: std::io::Write> std::io::Write for SingleLine<W> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.write_all(buffer)?;
        Ok(buffer.len())
    }

    fn write_all(&mut self, buffer: &[u8]) -> std::io::Result<()> {
        let (body, end) = match buffer.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (buffer, &b""[..]),
        };
        if !body.contains(&b'\n') && !body.contains(&b'\r') {
            return self.0.write_all(buffer);
        }
        let mut line = Vec::with_capacity(buffer.len() + 16);
        for &byte in body {
            match byte {
                b'\n' => line.extend_from_slice(b"\\n"),
                b'\r' => line.extend_from_slice(b"\\r"),
                other => line.push(other),
            }
        }
        line.extend_from_slice(end);
        self.0.write_all(&line)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn read_token(file: Option<&Path>, variable: &str, what: &str) -> Result<Option<Token>, Reported> {
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|problem| {
            fail(&format!(
                "--{what}-token-file {}: {problem}",
                path.display()
            ))
        })?),
        None => std::env::var(variable)
            .ok()
            .filter(|text| !text.trim().is_empty()),
    };
    text.map(|text| {
        Token::new(&text).map_err(|problem| fail(&format!("the {what} token: {problem}")))
    })
    .transpose()
}

/// Tokens from files or the environment. Without a write token the server refuses to
/// start unless `--insecure-no-auth`; `generated` is used when given (the demo).
pub fn auth(
    args: &ServerArgs,
    generated: Option<Token>,
    reading_backend: bool,
) -> Result<Auth, Reported> {
    let write = match read_token(
        args.write_token_file.as_deref(),
        "NINES_WRITE_TOKEN",
        "write",
    )? {
        Some(token) => Some(token),
        None => generated,
    };
    let read = read_token(args.read_token_file.as_deref(), "NINES_READ_TOKEN", "read")?;
    // Reading from a backend, the server takes no data: without a token it only refuses
    // reloads over HTTP (SIGHUP still works).
    if write.is_none() && !args.insecure_no_auth && !reading_backend {
        return Err(fail(
            "no write token: set NINES_WRITE_TOKEN or --write-token-file (at least 16 characters, \
             e.g. `openssl rand -hex 16`), or pass --insecure-no-auth to accept unauthenticated writes",
        ));
    }
    if write.is_some() && args.insecure_no_auth {
        output::message("note: a write token is configured; --insecure-no-auth has no effect");
    }
    if write.is_none() && args.insecure_no_auth && !reading_backend && !is_loopback(&args.listen) {
        if !args.insecure_allow_remote {
            return Err(fail(&format!(
                "--insecure-no-auth with --listen {}: every host that reaches this address could write counts without a token; \
                 listen on 127.0.0.1, set a write token (NINES_WRITE_TOKEN), or add --insecure-allow-remote if you mean it",
                args.listen
            )));
        }
        output::message(&format!(
            "WARNING: writes need no token and {} is reachable from other hosts: anyone on the network can write counts",
            args.listen
        ));
    }
    Ok(Auth {
        write,
        read,
        insecure_no_auth: args.insecure_no_auth,
    })
}

/// True when `listen` names a loopback address (or `localhost`).
fn is_loopback(listen: &str) -> bool {
    if let Ok(address) = listen.parse::<std::net::SocketAddr>() {
        return address.ip().is_loopback();
    }
    listen
        .rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

/// `16M`, `512k`, `1G` or plain bytes.
fn parse_size(text: &str) -> Result<usize, Reported> {
    let trimmed = text.trim();
    let (number, unit) = match trimmed
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphabetic())
    {
        Some((index, _)) => trimmed.split_at(index),
        None => (trimmed, ""),
    };
    let multiplier: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(fail(&format!(
                "--max-body `{text}`: use bytes or a k, M or G suffix"
            )));
        }
    };
    number
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|value| value.checked_mul(multiplier))
        .filter(|value| *value > 0)
        .ok_or_else(|| fail(&format!("--max-body `{text}` is not a size")))
}

/// The server's settings from the options.
pub fn server_config(
    args: &ServerArgs,
    spec_paths: Vec<std::path::PathBuf>,
    auth: Auth,
) -> Result<ServerConfig, Reported> {
    let timeout = |flag: &str, text: &str| -> Result<std::time::Duration, Reported> {
        let duration = parse_duration(flag, text)?;
        if duration.is_zero() {
            return Err(fail(&format!("{flag} {text}: must be longer than zero")));
        }
        Ok(std::time::Duration::from_millis(duration.as_millis()))
    };
    if args.max_connections == 0 {
        return Err(fail("--max-connections must be at least 1"));
    }
    let limits = nines_server::Limits {
        max_connections: nines_server::fit_to_file_limit(args.max_connections),
        header_timeout: timeout("--header-timeout", &args.header_timeout)?,
        body_timeout: timeout("--body-timeout", &args.body_timeout)?,
        shutdown_timeout: timeout("--shutdown-timeout", &args.shutdown_timeout)?,
    };
    Ok(ServerConfig {
        spec_paths,
        auth,
        max_body_bytes: parse_size(&args.max_body)?,
        compact_every: parse_duration("--compact-every", &args.compact_every)?,
        eval_interval: eval_interval(&args.eval_interval)?,
        limits,
        ..ServerConfig::default()
    })
}

/// The shortest `--eval-interval`: one evaluation reads every SLO's windows; a second
/// is already finer than any window the default table looks at (5 minutes).
const MIN_EVAL_INTERVAL_MS: u64 = 1_000;

fn eval_interval(text: &str) -> Result<nines_core::Duration, Reported> {
    let interval = parse_duration("--eval-interval", text)?;
    if interval.as_millis() < MIN_EVAL_INTERVAL_MS {
        return Err(fail(&format!(
            "--eval-interval {text}: must be at least 1s"
        )));
    }
    Ok(interval)
}

/// The store's settings from the options: full-resolution retention covers the
/// catalog's longest window plus a month.
pub fn store_config(args: &StoreArgs, catalog: &Catalog) -> Result<StoreConfig, Reported> {
    let defaults = StoreConfig::default();
    let needed = StoreConfig::fine_retention_for(catalog);
    let fine_retention = match &args.retention {
        Some(text) => {
            let asked = parse_duration("--retention", text)?;
            if asked < needed {
                output::message(&format!(
                    "warning: --retention {asked} is shorter than the longest window plus a month ({needed}): older parts of windows are read from hourly roll-ups"
                ));
            }
            asked
        }
        None => defaults.fine_retention.max(needed),
    };
    Ok(StoreConfig {
        resolution: parse_duration("--resolution", &args.resolution)?,
        fine_retention,
        coarse_retention: parse_duration("--rollup-retention", &args.rollup_retention)?,
        lateness: parse_duration("--lateness", &args.lateness)?,
        ..defaults
    })
}

/// Opens the store in `directory`, compacting what aged while it was closed.
pub fn open_store(
    directory: &Path,
    args: &StoreArgs,
    catalog: &Catalog,
) -> Result<Store, Reported> {
    let config = store_config(args, catalog)?;
    let store = Store::open(directory, config).map_err(|problem| fail(&problem.to_string()))?;
    store
        .compact(catalog, jiff::Timestamp::now().as_millisecond())
        .map_err(|problem| fail(&problem.to_string()))?;
    Ok(store)
}

/// Runs the server on `listen` until SIGINT or SIGTERM; `ready` gets the bound address.
pub fn serve(
    state: Arc<AppState>,
    listen: &str,
    ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<Status> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(listener) => listener,
            Err(problem) => {
                output::error(&format!(
                    "cannot listen on {listen}: {problem} (use --listen, e.g. 127.0.0.1:0 for any free port)"
                ));
                return Ok(Status::Error);
            }
        };
        let shutdown = shutdown_signal();
        ready(listener.local_addr()?);
        nines_server::run(listener, state, shutdown).await?;
        Ok(Status::Success)
    })
}

/// SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: `serve` calls it before it says it is listening, so a
/// SIGTERM sent right after "listening" is a graceful shutdown, not the default kill.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = signal(SignalKind::terminate())
            .and_then(|terminate| Ok((terminate, signal(SignalKind::interrupt())?)));
        async move {
            match streams {
                Ok((mut terminate, mut interrupt)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async move {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::SingleLine;

    #[test]
    fn text_log_events_stay_on_one_line() {
        // issue 8.14: a message with line breaks (a spec diagnostic) spanned several lines.
        let mut line = SingleLine(Vec::new());
        line.write_all(b"WARN spec.yaml:3:5: warning\n  | target: 99%\r\n  ^ here\n")
            .unwrap();
        line.write_all(b"INFO plain\n").unwrap();
        assert_eq!(
            String::from_utf8(line.0).unwrap(),
            "WARN spec.yaml:3:5: warning\\n  | target: 99%\\r\\n  ^ here\nINFO plain\n"
        );
    }
}
