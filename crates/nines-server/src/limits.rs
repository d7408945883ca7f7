//! Every bound the server puts on what a client can make it hold: connections, time and
//! bytes. Each value says why it is what it is; the ones an operator may want to change
//! are fields of [`Limits`] with `nines serve` flags, the others are constants.

use std::time::Duration;

/// Default most connections served at once (`--max-connections`). Far above what the
/// agents, Prometheus remote-write queues and dashboards of one installation open, far
/// below the 1,024 open files a process gets by default (the store and the runtime need
/// some of those too).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Connections accepted beyond the cap for health checks only: a load balancer or the
/// kubelet probing `/-/healthy` or `/-/ready` still gets an answer while the regular slots
/// are full. Any other request on these slots gets 503 `too_many_connections`.
pub const HEALTH_CHECK_HEADROOM: usize = 32;

/// Files kept free for everything that is not a connection (the store, its directory,
/// spec files on reload, the runtime): when the open-file limit is too low for the
/// connection cap plus the headroom plus these, the cap is lowered to fit.
pub const RESERVED_FILES: usize = 64;

/// How long a health-check slot waits for the request line before closing: probes send
/// it at once, so an idle connection in the headroom is dropped quickly and the headroom
/// stays free for the next probe.
pub const HEALTH_CHECK_REQUEST_LINE_TIMEOUT: Duration = Duration::from_secs(1);

/// Default time a client has to send the request line and headers
/// (`--header-timeout`); also how long an idle keep-alive connection is kept. Real
/// clients send headers in one packet; 15 s covers a slow mobile link while a slowloris
/// client dripping headers (or a connection left open and silent) gives its slot back
/// within that time.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// Default time a client has to send the whole body once the headers are in
/// (`--body-timeout`): a full 16 MiB batch at 2.5 Mbit/s. A client dripping a body
/// byte by byte is cut off with 408 `body_timeout`.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time shutdown waits for requests in flight (`--shutdown-timeout`) before
/// closing the connections still open. Every acknowledged write is already fsynced, so
/// nothing is lost by cutting a request short; 10 s fits well inside Kubernetes' default
/// 30 s termination grace period.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request head (request line and headers) hyper buffers: 64 KiB holds any real
/// client's headers, including a long bearer token and tracing headers.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Bodies of this many largest-size batches may be held in memory at once; further
/// writes wait (up to [`BODY_QUEUE_TIMEOUT`]) for one to finish. With the default 16 MiB
/// body limit that is 64 MiB of bodies, whatever the number of clients.
pub const CONCURRENT_FULL_BODIES: usize = 4;

/// How long a write waits for room among the bodies in memory before it is answered
/// 503 `server_busy` (with `Retry-After`).
pub const BODY_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Deepest nesting of arrays and objects accepted in a JSON body: events and counts are
/// flat records with small attribute maps; 32 levels leave room for any real payload and
/// keep every parser far from its recursion limit.
pub const MAX_JSON_DEPTH: usize = 32;

/// The limits of one server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most connections served at once (plus [`HEALTH_CHECK_HEADROOM`] for probes).
    pub max_connections: usize,
    /// Time to send the request head; also the keep-alive idle time.
    pub header_timeout: Duration,
    /// Time to send the body.
    pub body_timeout: Duration,
    /// Time shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}
