//! Where bytes enter: the accept loop, the connection cap with its health-check headroom,
//! the header timeout (hyper's, which also ends idle keep-alive connections) and the
//! bounded graceful shutdown.
//!
//! A connection beyond [`Limits::max_connections`] gets one of
//! [`HEALTH_CHECK_HEADROOM`] extra slots, where only `GET`/`HEAD` of `/-/healthy` and
//! `/-/ready` are served (one request, then the connection closes); anything else there
//! gets 503 `too_many_connections`. Beyond the headroom a connection is closed at once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::limits::{
    HEALTH_CHECK_HEADROOM, HEALTH_CHECK_REQUEST_LINE_TIMEOUT, Limits, MAX_HEADER_BYTES,
    RESERVED_FILES,
};

/// Pause after a failed `accept` (out of file descriptors above all) so the loop does not
/// spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// How often a refusal of the same kind is logged at most: a flood must not turn into a
/// flood of log lines.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// The slot a connection holds while it is open.
enum Slot {
    /// A regular slot: every route.
    Regular(#[allow(dead_code)] OwnedSemaphorePermit),
    /// A headroom slot: health checks only.
    HealthCheck(#[allow(dead_code)] OwnedSemaphorePermit),
}

/// Logs a refusal at most once per [`REFUSAL_LOG_EVERY`], with how many were refused.
struct RefusalLog {
    last: std::sync::Mutex<Option<std::time::Instant>>,
    count: AtomicU64,
}

impl RefusalLog {
    fn new() -> Self {
        RefusalLog {
            last: std::sync::Mutex::new(None),
            count: AtomicU64::new(0),
        }
    }
    fn note(&self, log: impl FnOnce(u64)) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if last.is_none_or(|at| at.elapsed() >= REFUSAL_LOG_EVERY) {
            *last = Some(std::time::Instant::now());
            log(self.count.swap(0, Ordering::Relaxed));
        }
    }
}

/// The connection cap that fits the process' open-file limit: raises the soft limit
/// towards the hard one when needed, and lowers the cap (with a warning) when even that
/// is not enough.
pub fn fit_to_file_limit(wanted: usize) -> usize {
    let needed = (wanted + HEALTH_CHECK_HEADROOM + RESERVED_FILES) as u64;
    let Some(available) = open_file_limit(needed) else {
        return wanted;
    };
    if available >= needed {
        return wanted;
    }
    let fitted = (available as usize)
        .saturating_sub(HEALTH_CHECK_HEADROOM + RESERVED_FILES)
        .max(1);
    tracing::warn!(
        open_file_limit = available,
        max_connections = fitted,
        asked = wanted,
        "the open-file limit is too low for --max-connections {wanted}: serving at most {fitted} connections (raise it with `ulimit -n` or LimitNOFILE=)"
    );
    fitted
}

/// The open-file limit after trying to raise the soft limit to `needed`.
#[cfg(unix)]
fn open_file_limit(needed: u64) -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current?;
    if current >= needed {
        return Some(current);
    }
    let raised = limit.maximum.map_or(needed, |maximum| maximum.min(needed));
    if raised > current {
        let mut wanted = limit;
        wanted.current = Some(raised);
        if setrlimit(Resource::Nofile, wanted).is_ok() {
            return Some(raised);
        }
    }
    Some(current)
}

#[cfg(not(unix))]
fn open_file_limit(_needed: u64) -> Option<u64> {
    None
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves; then stops
/// accepting, lets requests in flight finish for up to `limits.shutdown_timeout` and
/// closes what is still open.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_shutdown: impl FnOnce(),
) {
    let regular = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let headroom = Arc::new(Semaphore::new(HEALTH_CHECK_HEADROOM));
    let refusals = RefusalLog::new();
    let accept_errors = RefusalLog::new();
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_errors.note(|count| {
                        tracing::error!(%error, count, "cannot accept connections (open-file limit?)");
                    });
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let slot = match regular.clone().try_acquire_owned() {
            Ok(permit) => Slot::Regular(permit),
            Err(_) => match headroom.clone().try_acquire_owned() {
                Ok(permit) => Slot::HealthCheck(permit),
                Err(_) => {
                    refusals.note(|count| {
                        tracing::warn!(
                            count,
                            max_connections = limits.max_connections,
                            "connection refused: every slot is taken, health-check headroom included"
                        );
                    });
                    drop(stream);
                    continue;
                }
            },
        };
        connections.spawn(connection(
            stream,
            app.clone(),
            slot,
            limits,
            stopping.clone(),
        ));
    }
    drop(listener);
    on_shutdown();
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            timeout_seconds = limits.shutdown_timeout.as_secs_f64(),
            "shutdown timeout: closing the connections still open (acknowledged writes are all fsynced)"
        );
        connections.shutdown().await;
    }
}

/// True when the request starts as a health check: `GET` or `HEAD` of `/-/healthy` or
/// `/-/ready`.
fn is_health_check(head: &[u8]) -> bool {
    let path = head
        .strip_prefix(b"GET ")
        .or_else(|| head.strip_prefix(b"HEAD "));
    path.is_some_and(|path| {
        [&b"/-/healthy"[..], b"/-/ready"].iter().any(|route| {
            path.strip_prefix(*route)
                .and_then(|rest| rest.first())
                .is_some_and(|next| matches!(next, b' ' | b'?'))
        })
    })
}

/// Waits (up to [`HEALTH_CHECK_REQUEST_LINE_TIMEOUT`]) for enough of the request line to
/// tell a health check, without consuming it.
async fn peek_health_check(stream: &TcpStream) -> bool {
    let mut head = [0u8; 24];
    let looked = tokio::time::timeout(HEALTH_CHECK_REQUEST_LINE_TIMEOUT, async {
        loop {
            match stream.peek(&mut head).await {
                Ok(0) | Err(_) => return false,
                Ok(read) if read >= 20 || head[..read].contains(&b'\n') => {
                    return is_health_check(&head[..read]);
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await;
    looked.unwrap_or(false)
}

const TOO_MANY_CONNECTIONS: &str = "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"the server holds its maximum of connections (--max-connections); retry shortly, or reuse a kept-alive connection\"}}";

async fn connection(
    mut stream: TcpStream,
    app: Router,
    slot: Slot,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
) {
    let health_only = matches!(slot, Slot::HealthCheck(_));
    if health_only && !peek_health_check(&stream).await {
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{TOO_MANY_CONNECTIONS}",
            TOO_MANY_CONNECTIONS.len()
        );
        let _ = tokio::time::timeout(
            HEALTH_CHECK_REQUEST_LINE_TIMEOUT,
            stream.write_all(response.as_bytes()),
        )
        .await;
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEADER_BYTES)
        .keep_alive(!health_only);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(served);
    loop {
        tokio::select! {
            _ = served.as_mut() => break,
            changed = stopping.changed() => {
                // Finish the request in flight, then close; idle connections close now.
                served.as_mut().graceful_shutdown();
                if changed.is_err() {
                    let _ = served.as_mut().await;
                    break;
                }
            }
        }
    }
    drop(slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_checks_are_told_from_the_request_line() {
        assert!(is_health_check(b"GET /-/healthy HTTP/1.1\r\n"));
        assert!(is_health_check(b"HEAD /-/ready HTTP/1.1"));
        assert!(is_health_check(b"GET /-/ready?verbose HT"));
        assert!(!is_health_check(b"GET /-/readyz HTTP/1.1"));
        assert!(!is_health_check(b"POST /-/ready HTTP/1.1"));
        assert!(!is_health_check(b"GET /api/v1/slos HTTP/"));
        assert!(!is_health_check(b""));
    }
}
