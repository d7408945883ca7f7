//! `nines demo`: the example shop with 35 days of history and live traffic.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use nines_core::engine::{Engine, Options};
use nines_core::report::{self, Report};
use nines_core::source::Millis;
use nines_server::{AppState, Specs, Token};
use nines_store::Batch;

use crate::cli::{DemoArgs, Status};
use crate::commands::serve::{
    auth, init_logging, open_store, report_spec_error, serve, server_config, start_alerting_with,
};
use crate::demo::{Incidents, SPECS, history, live_events};
use crate::output;

const DAY: Millis = 86_400_000;

/// The demo's own temporary directory: removed when the demo ends, whether it returns,
/// fails or is stopped by SIGINT or SIGTERM (a directory given with --data is kept).
struct Scratch {
    path: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match std::fs::remove_dir_all(&self.path) {
            Ok(()) => tracing::debug!(path = %self.path.display(), "removed the demo's directory"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                output::message(&format!(
                    "warning: cannot remove the demo's directory {}: {error}",
                    self.path.display()
                ));
            }
        }
    }
}

/// Until dropped, SIGINT or SIGTERM removes `path` and exits: seeding is one blocking
/// write that a signal could otherwise interrupt with the directory left behind. Once
/// the server runs, its own graceful shutdown takes over (and [`Scratch`] cleans up).
struct SeedingGuard {
    cancel: Option<tokio::sync::oneshot::Sender<()>>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl SeedingGuard {
    fn watch(path: PathBuf) -> std::io::Result<SeedingGuard> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        let watcher = std::thread::spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = crate::commands::serve::shutdown_signal() => {
                        let _ = std::fs::remove_dir_all(&path);
                        output::message("stopped while seeding; the demo's directory is removed");
                        std::process::exit(0);
                    }
                    _ = cancelled => {}
                }
            });
        });
        Ok(SeedingGuard {
            cancel: Some(cancel),
            watcher: Some(watcher),
        })
    }
}

impl Drop for SeedingGuard {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

pub fn run(args: &DemoArgs) -> anyhow::Result<Status> {
    init_logging(args.server.log_format);
    let directory = args
        .data
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("nines-demo-{}", std::process::id())));
    // Declared before the store and the server, dropped after them.
    let scratch = args.data.is_none().then(|| Scratch {
        path: directory.clone(),
    });
    let seeding = match &scratch {
        Some(scratch) => Some(SeedingGuard::watch(scratch.path.clone())?),
        None => None,
    };
    let specs_directory = directory.join("specs");
    std::fs::create_dir_all(&specs_directory)?;
    for (name, text) in SPECS {
        let path = specs_directory.join(name);
        if !path.exists() {
            std::fs::write(&path, text)?;
        }
    }
    let specs = match Specs::load(std::slice::from_ref(&specs_directory)) {
        Ok(specs) => specs,
        Err(error) => {
            report_spec_error(&error);
            return Ok(Status::Error);
        }
    };
    let Ok(store) = open_store(&directory.join("store"), &args.server.store, &specs.catalog) else {
        return Ok(Status::Error);
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let incidents = Incidents::at(now);
    if store.view().span().is_none() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message("seeding 35 days of traffic");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        // History up to the start of this minute; live events take over from there.
        let until = now.div_euclid(60_000) * 60_000;
        let deltas = history(&specs.catalog, now - 35 * DAY, until, &incidents);
        let intervals = deltas.len();
        store.write(Batch {
            deltas,
            ..Batch::default()
        })?;
        bar.finish_and_clear();
        tracing::info!(intervals, "seeded 35 days of traffic");
    } else {
        tracing::info!(path = %directory.display(), "the store has data: not seeding it again");
    }
    store.prepare(&specs.catalog);
    drop(seeding);
    let table = {
        let engine = Engine::new(&specs.catalog, Options::default());
        let view = store.view();
        report::table(&Report::of_service(
            engine.evaluate_all(&*view, now),
            now,
            None,
        ))
    };
    if args.no_serve {
        output::table(&table);
        return Ok(Status::Success);
    }
    let generated = Token::generate()?;
    let Ok(auth) = auth(&args.server, Some(generated), false) else {
        return Ok(Status::Error);
    };
    let token = auth.write.as_ref().map(|token| token.reveal().to_string());
    let Ok(config) = server_config(&args.server, vec![specs_directory.clone()], auth) else {
        return Ok(Status::Error);
    };
    let state = Arc::new(AppState::new(store, specs, config));
    let Some(shared) = state.shared_store() else {
        return Ok(Status::Error);
    };
    if start_alerting_with(&state, shared, &args.server, false).is_err() {
        return Ok(Status::Error);
    }
    state.set_alert_observer(Arc::new(print_transitions));
    let rate = args.rate;
    let directory_shown: PathBuf = directory.clone();
    serve(state, &args.server.listen, move |address| {
        let base = format!("http://{address}");
        tracing::info!("listening on {base}");
        output::data(&banner(&base, token.as_deref(), &directory_shown, &table));
        if rate > 0
            && let Some(token) = token
        {
            tokio::spawn(send_live_events(base, token, rate, incidents));
        }
    })
}

/// One line on stdout per alert that fires or resolves and per policy change, as the
/// evaluator commits them.
fn print_transitions(committed: &nines_alerting::Committed) {
    for entry in &committed.entries {
        if let Some(line) = transition_line(entry) {
            output::data(&format!("{line}\n"));
        }
    }
}

/// `ALERT firing   checkout/latency page-6h (page): burning 7.2× over 6h, 6.8× over 30m`,
/// `POLICY checkout/latency: healthy → frozen: freeze releases except p0, security`.
fn transition_line(entry: &nines_alerting::HistoryEntry) -> Option<String> {
    use nines_core::alerts::AlertEvent;
    if let Some(transition) = &entry.alert {
        let alert = &transition.alert;
        let subject = format!(
            "{}/{} {} ({})",
            alert.service, alert.slo, alert.row, alert.severity
        );
        let burns = match (alert.long_burn, alert.short_burn) {
            (Some(long), Some(short)) => format!(
                ": burning {long:.1}× over {}, {short:.1}× over {}",
                alert.long_window.as_deref().unwrap_or("?"),
                alert.short_window.as_deref().unwrap_or("?")
            ),
            _ => String::new(),
        };
        return match transition.event {
            AlertEvent::Firing => Some(format!("{} ALERT firing   {subject}{burns}", entry.at)),
            AlertEvent::Resolved => Some(format!(
                "{} ALERT resolved {subject}{}",
                entry.at,
                transition
                    .reason
                    .as_ref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_default()
            )),
            AlertEvent::Pending | AlertEvent::Cancelled => None,
        };
    }
    let policy = entry.policy.as_ref()?;
    Some(format!(
        "{} POLICY {}/{}: {} → {}: {}",
        entry.at,
        policy.service,
        policy.slo,
        policy.from.as_deref().unwrap_or("(first seen)"),
        policy.to.as_deref().unwrap_or("no state"),
        policy.in_words
    ))
}

fn banner(base: &str, token: Option<&str>, directory: &std::path::Path, table: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Dashboard: {base}/   (open it in a browser; docs/dashboard.md)\n"
    );
    let _ = writeln!(
        text,
        "nines demo: the example shop with 35 days of traffic, live events every second\n"
    );
    let _ = writeln!(text, "{table}");
    let _ = writeln!(text, "Where to look:");
    let _ = writeln!(
        text,
        "  {base}/                                  the dashboard in a browser; the status table with curl"
    );
    let _ = writeln!(
        text,
        "  {base}/api/v1/slos                       every status as JSON (docs/report-json.md)"
    );
    let _ = writeln!(
        text,
        "  {base}/api/v1/slos/checkout/latency/series?step=10m  the last day, for charts"
    );
    let _ = writeln!(
        text,
        "  {base}/api/v1/gate?service=checkout&format=text  the release gate"
    );
    let _ = writeln!(
        text,
        "  {base}/api/v1/alerts                     pending and firing alerts (also: nines alerts --server {base})"
    );
    let _ = writeln!(
        text,
        "  {base}/api/v1/status                     what the server holds"
    );
    let _ = writeln!(
        text,
        "\nAlerts that fire or resolve and policy changes are printed below as they happen."
    );
    if let Some(token) = token {
        let _ = writeln!(text, "\nWrite token (generated for this run): {token}");
        let _ = writeln!(
            text,
            "  curl -H 'Authorization: Bearer {token}' --data-binary '{{\"route\":\"/api/checkout\",\"status\":503}}' {base}/api/v1/events"
        );
    }
    let _ = writeln!(
        text,
        "\nSpecs: {} (edit, then `kill -HUP {}` or POST /-/reload)",
        directory.join("specs").display(),
        std::process::id()
    );
    let _ = writeln!(
        text,
        "Also: nines report --server {base}    nines gate --server {base} --service checkout"
    );
    let _ = writeln!(text, "Stop with Ctrl-C.");
    text
}

/// Posts `rate` events a second to the demo's own server, through the public API.
async fn send_live_events(base: String, token: String, rate: u32, incidents: Incidents) {
    crate::commands::remote::install_tls_provider();
    let Ok(client) = reqwest::Client::builder().build() else {
        tracing::warn!("cannot build an HTTP client: no live events");
        return;
    };
    let url = format!("{base}/api/v1/events");
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut tick: u64 = 0;
    loop {
        ticker.tick().await;
        let now = jiff::Timestamp::now().as_millisecond();
        let body = live_events(now, rate, tick, &incidents);
        tick += 1;
        let sent = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => tracing::warn!(status = %response.status(), "live events refused"),
            Err(error) => tracing::debug!(%error, "live events not sent"),
        }
    }
}
