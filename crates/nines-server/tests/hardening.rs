//! The server against clients that hold it, flood it or fill its disk (issue 9 items 5,
//! 6, 7, 8, 10 and issue 8 items 8, 14): raw TCP where a well-behaved HTTP client would
//! hide the behaviour, a real tmpfs for the full disk.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nines_server::{AppState, Auth, Limits, ServerConfig, Specs, Token};
use nines_store::{Store, StoreConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WRITE: &str = "write-token-for-tests-0001";

const SPEC: &str = r#"apiVersion: nines/v1
name: shop
owner: team-shop
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/checkout"
        good: status < 500
"#;

struct Directory(PathBuf);

impl Directory {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("nines-hardening-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Directory(path)
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server {
    base: String,
    address: std::net::SocketAddr,
    client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

fn auth() -> Auth {
    Auth {
        write: Some(Token::new(WRITE).unwrap()),
        read: None,
        insecure_no_auth: false,
    }
}

impl Server {
    /// A server over a store in `store_directory` with `limits`.
    async fn start(specs_directory: &Path, store_directory: &Path, limits: Limits) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let specs = specs_directory.join("specs");
        std::fs::create_dir_all(&specs).unwrap();
        std::fs::write(specs.join("shop.yaml"), SPEC).unwrap();
        let loaded = Specs::load(std::slice::from_ref(&specs)).unwrap();
        let store = Store::open(store_directory, StoreConfig::default()).unwrap();
        let config = ServerConfig {
            spec_paths: vec![specs],
            auth: auth(),
            max_body_bytes: 1024 * 1024,
            limits,
            ..ServerConfig::default()
        };
        let state = Arc::new(AppState::new(store, loaded, config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(nines_server::run(listener, state, async move {
            let _ = stop.await;
        }));
        Server {
            base: format!("http://{address}"),
            address,
            client: reqwest::Client::new(),
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(WRITE)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let (status, _, body) = self
            .request(reqwest::Method::POST, path, headers, body)
            .await;
        (status, body)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (status, _, body) = self.request(reqwest::Method::GET, path, &[], "").await;
        (status, body)
    }

    /// Valid events of `shop/availability` over its window.
    async fn valid(&self) -> f64 {
        let (status, body) = self.get("/api/v1/slos/shop/availability").await;
        assert_eq!(status, 200, "{body}");
        body["objectives"][0]["valid"].as_f64().unwrap()
    }

    /// Stops the server; panics when that takes longer than `within`.
    async fn stop_within(mut self, within: Duration) {
        let _ = self.shutdown.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(within, task)
            .await
            .expect("the server stops within its shutdown timeout")
            .unwrap()
            .unwrap();
    }
}

/// Reads what the server sends until it closes the connection or `within` passes;
/// `None` when it kept the connection open.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut buffer = [0u8; 4096];
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&received).into_owned()),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

fn count_line(seconds_ago: i64, valid: u64) -> String {
    let t = jiff::Timestamp::now().as_second() - seconds_ago;
    format!(
        "{{\"timestamp\": {t}, \"sli\": \"shop/availability\", \"good\": {valid}, \"valid\": {valid}}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_checked_before_the_body_is_read() {
    // issue 9.6: an unauthenticated 16 MiB upload was read whole before the 401.
    let directory = Directory::new("token-first");
    let server = Server::start(&directory.0, &directory.0.join("store"), Limits::default()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\ncontent-length: 16777216\r\n\r\n",
        )
        .await
        .unwrap();
    // Not a byte of the announced body is sent: the answer must not wait for it.
    let mut buffer = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .expect("the 401 comes before the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // An authenticated body larger than the limit is refused from its declared length,
    // again without a byte of it sent. (Over reqwest the client may still be writing the
    // body when the server answers and closes, which ends in a broken pipe, not a status.)
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\nauthorization: Bearer {WRITE}\r\ncontent-length: {}\r\n\r\n",
                2 * 1024 * 1024
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the 413 comes before the body");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("body_too_large"), "{answer}");
    server.stop_within(Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_cut_and_health_checks_answer_at_the_cap() {
    // issue 9.5: partial requests were held forever, and enough idle connections stopped
    // the server answering anyone, health checks included.
    let directory = Directory::new("slowloris");
    let limits = Limits {
        max_connections: 4,
        header_timeout: Duration::from_secs(3),
        body_timeout: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(2),
    };
    let server = Server::start(&directory.0, &directory.0.join("store"), limits).await;
    // Every regular slot held by a silent connection, and many more knocking.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(server.address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut flood = Vec::new();
    for _ in 0..60 {
        flood.push(TcpStream::connect(server.address).await.unwrap());
    }
    // Flood connections beyond the headroom are closed at once; the ones in the headroom
    // after a second of silence.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (status, body) = server.get("/-/healthy").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/-/ready").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/api/v1/slos").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("too_many_connections")),
        "{body}"
    );
    // The silent connections are closed after the header timeout, without a response.
    for stream in &mut idle {
        let closed = read_until_closed(stream, Duration::from_secs(5)).await;
        assert_eq!(
            closed.as_deref(),
            Some(""),
            "an idle connection stayed open"
        );
    }
    let (status, body) = server.get("/api/v1/slos").await;
    assert_eq!(status, 200, "{body}");

    // Slowloris headers: one byte every 200 ms never completes the head in time.
    let mut dripping = TcpStream::connect(server.address).await.unwrap();
    let started = Instant::now();
    let drip = async {
        for byte in b"POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\nx-slow: "
            .iter()
            .cycle()
        {
            if dripping.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            if started.elapsed() > Duration::from_secs(10) {
                break;
            }
        }
    };
    drip.await;
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "a dripping header was held {:?}",
        started.elapsed()
    );

    // A slow body: headers complete, body dripped: 408 body_timeout.
    let mut slow = TcpStream::connect(server.address).await.unwrap();
    slow.write_all(
        format!("POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\nauthorization: Bearer {WRITE}\r\ncontent-length: 1000\r\n\r\n{{").as_bytes(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut slow, Duration::from_secs(6))
        .await
        .expect("a slow body is cut off");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
    drop(flood);
    server.stop_within(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_bounded_with_a_partial_request_open() {
    // issue 9.5: SIGTERM waited 61 s on an open partial request.
    let directory = Directory::new("shutdown");
    let limits = Limits {
        header_timeout: Duration::from_secs(120),
        body_timeout: Duration::from_secs(120),
        shutdown_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let server = Server::start(&directory.0, &directory.0.join("store"), limits).await;
    let mut partial = TcpStream::connect(server.address).await.unwrap();
    partial
        .write_all(
            format!("POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\nauthorization: Bearer {WRITE}\r\ncontent-length: 1000\r\n\r\n{{").as_bytes(),
        )
        .await
        .unwrap();
    let mut head_only = TcpStream::connect(server.address).await.unwrap();
    head_only
        .write_all(b"GET /api/v1/slos HTTP/1.1\r\nhost: ")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    server.stop_within(Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encodings_depth_methods_and_instants_get_clear_answers() {
    let directory = Directory::new("answers");
    let server = Server::start(&directory.0, &directory.0.join("store"), Limits::default()).await;
    // issue 9.10: gzip was ignored (the compressed bytes parsed as JSON).
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(count_line(60, 7).as_bytes()).unwrap();
    let (status, body) = server
        .post(
            "/api/v1/counts",
            &[("content-encoding", "gzip")],
            encoder.finish().unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.valid().await, 7.0);
    let snappy = snap::raw::Encoder::new()
        .compress_vec(count_line(60, 5).as_bytes())
        .unwrap();
    let (status, body) = server
        .post("/api/v1/counts", &[("content-encoding", "snappy")], snappy)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.valid().await, 12.0);
    let (status, body) = server
        .post("/api/v1/counts", &[("content-encoding", "br")], "x")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_encoding"))
    );
    // A gzip bomb: 2 MiB of zeros in a few kB, over the 1 MiB limit once inflated.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&vec![b'0'; 2 * 1024 * 1024]).unwrap();
    let (status, body) = server
        .post(
            "/api/v1/counts",
            &[("content-encoding", "gzip")],
            bomb.finish().unwrap(),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("body_too_large")),
        "{body}"
    );
    // issue 9.10: JSON depth bounded with a clear 400.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let (status, body) = server.post("/api/v1/events", &[], deep).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("too_deep")),
        "{body}"
    );
    assert_eq!(server.valid().await, 12.0);

    // issue 8.14: GET on a POST route answered an empty 405.
    let (status, headers, body) = server
        .request(reqwest::Method::GET, "/api/v1/counts", &[], "")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed")),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("POST"),
        "{body}"
    );
    assert_eq!(headers["allow"], "POST");
    // issue 8.14: the per-service route.
    let (status, body) = server.get("/api/v1/slos/shop").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["objectives"][0]["slo"], "availability", "{body}");
    let (status, body) = server.get("/api/v1/slos/shpo").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    // issue 9.8: far-future instants answered 200 with `"at": ""`.
    for at in ["253402300799", "9999-12-31T00:00:00Z", "9999-12-31"] {
        let (status, body) = server.get(&format!("/api/v1/slos?at={at}")).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "{at}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("2099-12-31"),
            "{body}"
        );
        let (status, _) = server
            .get(&format!("/api/v1/gate?service=shop&at={at}"))
            .await;
        assert_eq!(status, 400);
    }
    server.stop_within(Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_takes_history_in_chunks_that_count_once() {
    // issue 8.8: history older than the lateness had no way into a running server.
    let directory = Directory::new("backfill");
    let server = Server::start(&directory.0, &directory.0.join("store"), Limits::default()).await;
    let old: String = (0..24)
        .map(|hour| count_line(3_600 * (hour + 2), 10))
        .collect();
    let (status, body) = server.post("/api/v1/counts", &[], old.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("out_of_window"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nines import --server"),
        "{body}"
    );
    let key = [("idempotency-key", "history-chunk-1")];
    let (status, body) = server.post("/api/v1/backfill", &key, old.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["duplicate"], false);
    let (status, body) = server.post("/api/v1/backfill", &key, old).await;
    assert_eq!(
        (status, body["duplicate"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(server.valid().await, 240.0);
    // Older than the store keeps at full resolution: refused, with the way out.
    let (status, body) = server
        .post("/api/v1/backfill", &[], count_line(86_400 * 400, 1))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("out_of_window"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--retention"),
        "{body}"
    );
    server.stop_within(Duration::from_secs(15)).await;
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted and removed on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(name: &str, size: &str) -> Tmpfs {
        let path = std::env::temp_dir().join(format!("nines-tmpfs-{name}-{}", std::process::id()));
        let _ = std::process::Command::new("umount").arg(&path).output();
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .expect("the `mount` command runs");
        assert!(
            mounted.status.success(),
            "this test needs a real small tmpfs and could not mount one at {} (run it as root, or where `mount -t tmpfs` is allowed): {}",
            path.display(),
            String::from_utf8_lossy(&mounted.stderr)
        );
        Tmpfs(path)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fills the file system holding `path` with one file; returns it.
fn fill(directory: &Path) -> PathBuf {
    let path = directory.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0xa5u8; 64 * 1024];
    loop {
        if file.write_all(&block).is_err() {
            break;
        }
    }
    // Fill the last partial block too.
    while file.write_all(&[0xa5]).is_ok() {}
    let _ = file.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_507_readiness_says_so_and_writes_resume_when_space_returns() {
    // issue 9.7: after one "no space left" every later write failed with 500, even once
    // space was freed, while /-/ready stayed 200.
    let tmpfs = Tmpfs::mount("full-disk", "8m");
    let directory = Directory::new("full-disk");
    let server = Server::start(&directory.0, &tmpfs.0.join("store"), Limits::default()).await;
    let (status, body) = server.post("/api/v1/counts", &[], count_line(60, 3)).await;
    assert_eq!(status, 200, "{body}");
    let mut acknowledged = 3.0;
    let filler = fill(&tmpfs.0);
    // History across many chunks needs new pages: the disk has none left.
    let mut refused = None;
    for attempt in 0..40i64 {
        let batch: String = (0..500)
            .map(|minute| count_line(60 * (minute * 40 + attempt + 2), 1))
            .collect();
        let (status, body) = server.post("/api/v1/backfill", &[], batch).await;
        match status {
            200 => acknowledged += 500.0,
            _ => {
                refused = Some((status, body));
                break;
            }
        }
    }
    let (status, body) = refused.expect("a write fails once the disk is full");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (507, Some("insufficient_storage")),
        "{body}"
    );
    // Still full: still 507 (not 500), and readiness says why.
    let (status, body) = server
        .post("/api/v1/backfill", &[], count_line(7_200, 1))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (507, Some("insufficient_storage")),
        "{body}"
    );
    let (status, body) = server.get("/-/ready").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.as_str().unwrap().contains("disk is full"), "{body}");
    // Nothing of a refused batch counts.
    assert_eq!(server.valid().await, acknowledged);
    // Space returns: readiness and writes recover without a restart.
    std::fs::remove_file(&filler).unwrap();
    let mut ready = false;
    for _ in 0..30 {
        if server.get("/-/ready").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "readiness did not recover once space was freed");
    let (status, body) = server.post("/api/v1/counts", &[], count_line(60, 4)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.valid().await, acknowledged + 4.0);
    server.stop_within(Duration::from_secs(15)).await;
}
