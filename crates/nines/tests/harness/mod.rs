//! A small harness so CLI tests read as stories: a command builder and a temp dir.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `examples/` directory.
pub fn examples() -> PathBuf {
    repo().join("examples")
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A `nines` invocation being built.
#[derive(Debug)]
pub struct Nines {
    command: Command,
}

impl Nines {
    pub fn new() -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nines"));
        command.current_dir(repo()).env("NO_COLOR", "1");
        Nines { command }
    }
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.command.args(args);
        self
    }
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }
    pub fn run(mut self) -> Run {
        let output = self.command.output().expect("nines runs");
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("nines-test-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn path_text(&self) -> String {
        self.path.display().to_string()
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A `nines serve` (or `demo`) process: started on port 0, its address read from its log,
/// killed on drop.
#[derive(Debug)]
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServerProcess {
    /// Starts `nines ARGS` and waits (up to 60 s) for "listening on http://...".
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        use std::io::BufRead;
        let mut command = Command::new(env!("CARGO_BIN_EXE_nines"));
        command
            .current_dir(repo())
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("nines starts");
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (found, address) = std::sync::mpsc::channel();
        let shared = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(start) = line.find("listening on http://") {
                    let _ = found.send(line[start + "listening on ".len()..].trim().to_string());
                }
                let mut log = shared.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let base = match address.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start: {}", log.lock().unwrap());
            }
        };
        ServerProcess { child, base, log }
    }

    /// Sends a signal (`HUP`, `TERM`, `KILL`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits for the process to exit (up to 30 s) and returns its exit code.
    pub fn wait(&mut self) -> Option<i32> {
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP client for tests.
pub fn client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real Prometheus (Debian's `/usr/bin/prometheus`) with default settings unless `args`
/// say otherwise, killed on drop.
#[derive(Debug)]
pub struct Prometheus {
    pub child: std::process::Child,
    pub base: String,
    pub directory: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus in `directory` with `config` (YAML) and `args`; waits until ready.
    pub fn start_with(directory: &Path, config: &str, args: &[&str]) -> Prometheus {
        let binary = "/usr/bin/prometheus";
        assert!(
            Path::new(binary).exists(),
            "this test needs a real Prometheus: apt-get install prometheus (scripts/test.sh installs it)"
        );
        std::fs::create_dir_all(directory).unwrap();
        let config_path = directory.join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let port = free_port();
        let log_path = directory.join("prometheus.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                directory.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            directory: directory.to_path_buf(),
        };
        let http = client();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(response) = http.get(format!("{}/-/ready", prometheus.base)).send()
                && response.status().is_success()
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "prometheus did not become ready: {}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        prometheus
    }

    /// Starts Prometheus with nothing to scrape and default settings (retention included).
    pub fn start(directory: &Path, args: &[&str]) -> Prometheus {
        Prometheus::start_with(directory, "global:\n  scrape_interval: 15s\n", args)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
