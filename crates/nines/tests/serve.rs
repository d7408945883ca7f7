//! `nines serve`, `import` and `demo` as processes: secure defaults, crash safety,
//! signals, history import and the commands that read a store or a server.

mod harness;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::{Nines, ServerProcess, TempDir, client};
use serde_json::Value;

const TOKEN: &str = "crash-test-token-0123456789";

const SPEC: &str = r#"apiVersion: nines/v1
name: shop
owner: team-shop
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route == "/api/checkout" && status < 500
        field: duration_seconds
"#;

fn serve(directory: &TempDir) -> ServerProcess {
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
        ],
        &[("NINES_WRITE_TOKEN", TOKEN)],
    )
}

/// (good, valid) per SLO of the `shop` service, from a server.
fn totals(base: &str) -> HashMap<String, (f64, f64)> {
    let report: Value = client()
        .get(format!("{base}/api/v1/slos"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    report["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["slo"].as_str().unwrap().to_string(),
                (
                    row["good"].as_f64().unwrap(),
                    row["valid"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn serve_refuses_to_start_without_a_write_token() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let run = Nines::new()
        .args(["serve", "--specs"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(directory.path().join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .env("NINES_WRITE_TOKEN", "")
        .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("no write token"), "{}", run.stderr);
    assert!(run.stderr.contains("--insecure-no-auth"), "{}", run.stderr);
    let short = Nines::new()
        .args(["serve", "--specs"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(directory.path().join("data"))
        .env("NINES_WRITE_TOKEN", "short")
        .run();
    assert_eq!(short.status, 2);
    assert!(
        short.stderr.contains("at least 16 characters"),
        "{}",
        short.stderr
    );
}

/// One client's batch: counts for both SLIs, so a half-applied batch would show.
#[derive(Clone, Copy, Debug)]
struct Sent {
    availability: (f64, f64),
    latency: (f64, f64),
}

fn batch(client_index: u64, number: u64) -> (String, Sent) {
    let valid = 10 + (client_index * 7919 + number * 104_729) % 1000;
    let slow = 1 + (valid * 3) % (valid / 2);
    let sent = Sent {
        availability: ((valid - 1) as f64, valid as f64),
        latency: ((valid - 1 - slow) as f64, (valid - 1) as f64),
    };
    let t = jiff::Timestamp::now().as_second() - 5;
    let body = format!(
        "{{\"timestamp\": {t}, \"sli\": \"shop/availability\", \"good\": {}, \"valid\": {}}}\n\
         {{\"timestamp\": {t}, \"sli\": \"shop/latency\", \"good\": {}, \"valid\": {}}}\n",
        sent.availability.0, sent.availability.1, sent.latency.0, sent.latency.1
    );
    (body, sent)
}

#[test]
fn acknowledged_writes_survive_sigkill_and_no_batch_is_half_applied() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = serve(&directory);
    let acknowledged = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let unknown = Arc::new(Mutex::new(Vec::<(String, String, Sent)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client_index in 0..4u64 {
        let (base, acknowledged, unknown, stop) = (
            server.base.clone(),
            acknowledged.clone(),
            unknown.clone(),
            stop.clone(),
        );
        clients.push(std::thread::spawn(move || {
            let http = client();
            for number in 0.. {
                let (body, sent) = batch(client_index, number);
                let key = format!("client-{client_index}-{number}");
                let answer = http
                    .post(format!("{base}/api/v1/counts"))
                    .bearer_auth(TOKEN)
                    .header("idempotency-key", &key)
                    .body(body.clone())
                    .send();
                match answer {
                    Ok(response) if response.status().is_success() => {
                        acknowledged.lock().unwrap().push(sent);
                    }
                    // The server died with this batch in flight: applied or not, unknown.
                    _ => {
                        unknown.lock().unwrap().push((key, body, sent));
                        return;
                    }
                }
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    server.signal("KILL");
    let started = Instant::now();
    for handle in clients {
        handle.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(server);
    let acknowledged = acknowledged.lock().unwrap().clone();
    let unknown = unknown.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 4,
        "clients got batches through: {}",
        acknowledged.len()
    );
    assert_eq!(
        unknown.len(),
        4,
        "every client had a batch in flight or refused"
    );

    let server = serve(&directory);
    let found = totals(&server.base);
    let sum = |sents: &[Sent], pick: fn(&Sent) -> (f64, f64)| {
        sents.iter().fold((0.0, 0.0), |acc, sent| {
            (acc.0 + pick(sent).0, acc.1 + pick(sent).1)
        })
    };
    let base_availability = sum(&acknowledged, |sent| sent.availability);
    let base_latency = sum(&acknowledged, |sent| sent.latency);
    // What was found is every acknowledged batch plus some of the in-flight ones, each
    // whole: the same subset explains both SLIs.
    let explained = (0..1u32 << unknown.len()).any(|subset| {
        let chosen: Vec<Sent> = unknown
            .iter()
            .enumerate()
            .filter(|(index, _)| subset >> index & 1 == 1)
            .map(|(_, (_, _, sent))| *sent)
            .collect();
        let extra_availability = sum(&chosen, |sent| sent.availability);
        let extra_latency = sum(&chosen, |sent| sent.latency);
        found["availability"]
            == (
                base_availability.0 + extra_availability.0,
                base_availability.1 + extra_availability.1,
            )
            && found["latency"]
                == (
                    base_latency.0 + extra_latency.0,
                    base_latency.1 + extra_latency.1,
                )
    });
    assert!(
        explained,
        "found {found:?}; acknowledged {base_availability:?} / {base_latency:?}; in flight {unknown:?}"
    );
    // Clients retry what they could not confirm; idempotency keys make it count once.
    let http = client();
    for (key, body, _) in &unknown {
        let response = http
            .post(format!("{}/api/v1/counts", server.base))
            .bearer_auth(TOKEN)
            .header("idempotency-key", key)
            .body(body.clone())
            .send()
            .unwrap();
        assert!(response.status().is_success());
    }
    let all: Vec<Sent> = acknowledged
        .iter()
        .copied()
        .chain(unknown.iter().map(|(_, _, sent)| *sent))
        .collect();
    let found = totals(&server.base);
    assert_eq!(found["availability"], sum(&all, |sent| sent.availability));
    assert_eq!(found["latency"], sum(&all, |sent| sent.latency));
}

#[test]
fn sighup_reloads_specs_refuses_invalid_ones_and_sigterm_drains() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let mut server = serve(&directory);
    assert_eq!(totals(&server.base).len(), 2);
    let with_search = format!(
        "{SPEC}  - name: search\n    target: 99.5%\n    window: 7d\n    sli:\n      events:\n        valid: route == \"/api/search\"\n        good: status < 500\n"
    );
    directory.write("specs/shop.yaml", &with_search);
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while totals(&server.base).len() != 3 {
        assert!(Instant::now() < deadline, "reloaded: {}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    directory.write(
        "specs/shop.yaml",
        &with_search.replace("target: 99.5%", "target: 101%"),
    );
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("specs refused") {
        assert!(Instant::now() < deadline, "refused: {}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.log().contains("target-out-of-range"),
        "{}",
        server.log()
    );
    assert_eq!(totals(&server.base).len(), 3, "the running specs stay");
    server.signal("TERM");
    assert_eq!(server.wait(), Some(0), "{}", server.log());
    assert!(server.log().contains("fsynced"), "{}", server.log());
}

#[test]
fn report_gate_and_suggest_ask_a_server_and_read_a_store() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = serve(&directory);
    let t = jiff::Timestamp::now().as_second() - 60;
    let body = format!(
        "{{\"timestamp\": {t}, \"route\": \"/api/checkout\", \"status\": 200, \"duration_seconds\": 0.1}}\n\
         {{\"timestamp\": {t}, \"route\": \"/api/checkout\", \"status\": 502, \"duration_seconds\": 0.1}}\n"
    );
    let response = client()
        .post(format!("{}/api/v1/events", server.base))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .unwrap();
    assert!(response.status().is_success());
    let report = Nines::new()
        .args(["report", "--server", &server.base, "--output", "json"])
        .run();
    assert_eq!(report.status, 0, "{report:?}");
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(json["objectives"][0]["valid"], 2.0);
    let table = Nines::new()
        .args(["report", "--server", &server.base])
        .run();
    // The table groups SLOs under their service (issue 8.14).
    assert!(
        table
            .stdout
            .contains("shop (owner: team-shop)\n  availability "),
        "{table:?}"
    );
    let gate = Nines::new()
        .args(["gate", "--server", &server.base, "--service", "shop"])
        .run();
    assert_eq!(gate.status, 0, "{gate:?}");
    assert!(gate.stdout.starts_with("go: shop"), "{gate:?}");
    let unknown = Nines::new()
        .args(["gate", "--server", &server.base, "--service", "nope"])
        .run();
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("no service `nope`"), "{unknown:?}");
    let suggest = Nines::new()
        .args([
            "suggest",
            "--server",
            &server.base,
            "--slo",
            "shop/availability",
        ])
        .run();
    assert_eq!(suggest.status, 0, "{suggest:?}");
    // The store is locked while the server runs: a clear error, not a corrupt read.
    let locked = Nines::new()
        .args(["report", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(directory.path().join("data"))
        .run();
    assert_eq!(locked.status, 2);
    assert!(locked.stderr.contains("in use"), "{locked:?}");
    server.signal("TERM");
    drop(server);
    // Once it stopped, the store reads directly, with the same numbers.
    let offline = Nines::new()
        .args(["report", "--output", "json", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(directory.path().join("data"))
        .run();
    assert_eq!(offline.status, 0, "{offline:?}");
    let json: Value = serde_json::from_str(&offline.stdout).unwrap();
    assert_eq!(json["objectives"][0]["good"], 1.0);
    assert_eq!(json["objectives"][0]["valid"], 2.0);
    let down = Nines::new()
        .args(["report", "--server", "http://127.0.0.1:9"])
        .run();
    assert_eq!(down.status, 2);
    assert!(down.stderr.contains("cannot reach"), "{down:?}");
}

fn log_line(at: jiff::Timestamp, path: &str, status: u16, seconds: f64) -> String {
    let time = at.strftime("%d/%b/%Y:%H:%M:%S +0000");
    format!(
        "203.0.113.7 - - [{time}] \"POST {path}?v=2 HTTP/1.1\" {status} 512 \"-\" \"Mozilla/5.0\" {seconds:.3}\n"
    )
}

#[test]
fn import_reads_access_logs_all_or_nothing() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 20);
    let mut log = String::new();
    // Twenty days, one line every ten minutes: one in 50 a 503, one in 25 slow.
    let lines = 20 * 24 * 6;
    for index in 0..lines {
        let at = start + jiff::SignedDuration::from_mins(10 * index);
        let status = if index % 50 == 0 { 503 } else { 200 };
        let seconds = if index % 25 == 1 { 0.8 } else { 0.05 };
        log.push_str(&log_line(at, "/api/checkout", status, seconds));
        log.push_str(&log_line(at, "/static/app.js", 200, 0.001));
    }
    let access = directory.write("access.log", &log);
    let data = directory.path().join("data");
    let imported = Nines::new()
        .args([
            "import",
            "--format",
            "combined-log",
            "--output",
            "json",
            "--spec",
        ])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&data)
        .arg(&access)
        .run();
    assert_eq!(imported.status, 0, "{imported:?}");
    let summary: Value = serde_json::from_str(&imported.stdout).unwrap();
    assert_eq!(summary["records"], 2 * lines);
    assert_eq!(summary["unmatched"], lines, "static files feed no SLI");
    let report = Nines::new()
        .args(["report", "--output", "json", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&data)
        .run();
    assert_eq!(report.status, 0, "{report:?}");
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    let row = |slo: &str| {
        json["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["slo"] == slo)
            .unwrap()
            .clone()
    };
    let failed = (0..lines).filter(|index| index % 50 == 0).count() as f64;
    let slow = (0..lines)
        .filter(|index| index % 25 == 1 && index % 50 != 0)
        .count() as f64;
    assert_eq!(row("availability")["valid"], lines as f64);
    assert_eq!(row("availability")["bad"], failed);
    assert_eq!(row("latency")["valid"], lines as f64 - failed);
    assert_eq!(row("latency")["bad"], slow);

    // A bad line anywhere: FILE:LINE, and nothing of the file is imported.
    let fresh = directory.path().join("fresh");
    let broken = directory.write(
        "broken.log",
        &format!("{}this is not a log line\n", &log[..log.len() / 2]),
    );
    let refused = Nines::new()
        .args(["import", "--format", "combined-log", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&fresh)
        .arg(&broken)
        .run();
    assert_eq!(refused.status, 2, "{refused:?}");
    let expected_line = log[..log.len() / 2].lines().count() + 1;
    assert!(
        refused.stderr.contains(&format!(
            "broken.log:{expected_line}: not a combined log line"
        )),
        "{}",
        refused.stderr
    );
    let empty = Nines::new()
        .args(["report", "--output", "json", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&fresh)
        .run();
    let json: Value = serde_json::from_str(&empty.stdout).unwrap();
    assert_eq!(json["objectives"][0]["valid"], 0.0);
    assert_eq!(json["objectives"][0]["data_quality"]["no_data"], true);
}

#[test]
fn import_reads_ndjson_and_csv_events() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let t = jiff::Timestamp::now().as_second() - 86_400;
    let ndjson = directory.write(
        "events.ndjson",
        &format!(
            "{{\"timestamp\": {t}, \"route\": \"/api/checkout\", \"status\": 200, \"duration_seconds\": 0.2}}\n\
             {{\"timestamp\": {t}, \"route\": \"/api/checkout\", \"status\": 500}}\n"
        ),
    );
    let csv = directory.write(
        "events.csv",
        &format!("timestamp,route,status,duration_seconds\n{t},/api/checkout,200,0.9\n"),
    );
    let data = directory.path().join("data");
    for (format, file) in [("ndjson", &ndjson), ("csv", &csv)] {
        let run = Nines::new()
            .args(["import", "--format", format, "--spec"])
            .arg(directory.path().join("specs"))
            .arg("--data")
            .arg(&data)
            .arg(file)
            .run();
        assert_eq!(run.status, 0, "{run:?}");
    }
    let report = Nines::new()
        .args(["report", "--output", "json", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&data)
        .run();
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(json["objectives"][0]["good"], 2.0);
    assert_eq!(json["objectives"][0]["valid"], 3.0);
    assert_eq!(
        json["objectives"][1]["good"], 1.0,
        "0.2 s is fast, 0.9 s slow"
    );
    assert_eq!(json["objectives"][1]["valid"], 2.0);
    let bad = directory.write("bad.ndjson", "{\"route\": \"/api/checkout\"}\n{oops}\n");
    let refused = Nines::new()
        .args(["import", "--format", "ndjson", "--spec"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(&data)
        .arg(&bad)
        .run();
    assert_eq!(refused.status, 2);
    assert!(
        refused.stderr.contains("bad.ndjson:2: invalid JSON"),
        "{}",
        refused.stderr
    );
}

#[test]
fn demo_seeds_a_store_that_tells_its_stories() {
    let directory = TempDir::new();
    let run = Nines::new()
        .args(["demo", "--no-serve", "--data"])
        .arg(directory.path())
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    for story in [
        "checkout (owner",
        "  availability",
        "at-risk",
        "page-6h",
        "met (",
    ] {
        assert!(run.stdout.contains(story), "{story}: {}", run.stdout);
    }
    assert!(directory.path().join("specs/checkout.yaml").exists());
}

#[test]
fn demo_serves_live_traffic_with_a_generated_token() {
    let directory = TempDir::new();
    let data = directory.path().display().to_string();
    let server = ServerProcess::start(
        &[
            "demo",
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
            "--rate",
            "50",
        ],
        &[("NINES_WRITE_TOKEN", "")],
    );
    let http = client();
    let valid = |http: &reqwest::blocking::Client| -> f64 {
        let report: Value = http
            .get(format!("{}/api/v1/slos/checkout/availability", server.base))
            .send()
            .unwrap()
            .json()
            .unwrap();
        report["objectives"][0]["valid"].as_f64().unwrap()
    };
    let before = valid(&http);
    let deadline = Instant::now() + Duration::from_secs(20);
    while valid(&http) <= before {
        assert!(
            Instant::now() < deadline,
            "live events arrive: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Writes need the generated token.
    let refused = http
        .post(format!("{}/api/v1/events", server.base))
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
}

#[test]
fn import_sends_history_to_a_running_server_and_retried_chunks_count_once() {
    // issue 8.8: history could not reach a running server (body limit, then
    // out_of_window, then `import` refused while `serve` held the store).
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = serve(&directory);
    // A week, one request a minute (a day of it is 1,440): 10,080 availability intervals
    // and 9,828 latency ones (503s are not valid for latency), two backfill chunks.
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 7 + 2);
    let lines = 7 * 24 * 60;
    let mut log = String::new();
    for index in 0..lines {
        let at = start + jiff::SignedDuration::from_mins(index);
        let status = if index % 40 == 0 { 503 } else { 200 };
        log.push_str(&log_line(at, "/api/checkout", status, 0.05));
    }
    let access = directory.write("access.log", &log);
    let specs = directory.path().join("specs");
    // The store is held by the server: the refusal names the way out.
    let held = Nines::new()
        .args(["import", "--format", "combined-log", "--spec"])
        .arg(&specs)
        .arg("--data")
        .arg(directory.path().join("data"))
        .arg(&access)
        .run();
    assert_eq!(held.status, 2, "{held:?}");
    assert!(held.stderr.contains("--server"), "{}", held.stderr);
    let import = || {
        Nines::new()
            .args(["import", "--format", "combined-log", "--output", "json"])
            .args(["--server", &server.base, "--spec"])
            .arg(&specs)
            .arg(&access)
            .env("NINES_WRITE_TOKEN", TOKEN)
            .run()
    };
    let first = import();
    assert_eq!(first.status, 0, "{first:?}");
    let summary: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(summary["intervals"], 10_080 + 9_828, "{summary}");
    assert_eq!(summary["chunks"], 2, "{summary}");
    assert_eq!(summary["duplicate_chunks"], 0, "{summary}");
    let failed = (0..lines).filter(|index| index % 40 == 0).count() as f64;
    let expected = (lines as f64 - failed, lines as f64);
    assert_eq!(totals(&server.base)["availability"], expected);
    // The same import again (a retry after a lost answer, or a re-run): every chunk is
    // known by its key and counts once.
    let again = import();
    assert_eq!(again.status, 0, "{again:?}");
    let summary: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(summary["duplicate_chunks"], 2, "{summary}");
    assert_eq!(totals(&server.base)["availability"], expected);
    // issue 9.8: a far-future `--at` gets the same range as everything else.
    let far = Nines::new()
        .args(["report", "--server", &server.base, "--at", "9999-12-31"])
        .run();
    assert_eq!(far.status, 2, "{far:?}");
    assert!(far.stderr.contains("2099-12-31"), "{}", far.stderr);
    // Without the token: a clear refusal, nothing sent.
    let refused = Nines::new()
        .args(["import", "--format", "combined-log"])
        .args(["--server", &server.base, "--spec"])
        .arg(&specs)
        .arg(&access)
        .env("NINES_WRITE_TOKEN", "")
        .run();
    assert_eq!(refused.status, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("NINES_WRITE_TOKEN"),
        "{}",
        refused.stderr
    );
}

#[test]
fn insecure_no_auth_on_a_reachable_address_needs_an_explicit_flag() {
    // issue 9.10: `--insecure-no-auth --listen 0.0.0.0` started without a word.
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    let args = [
        "serve",
        "--specs",
        &specs,
        "--data",
        &data,
        "--insecure-no-auth",
        "--listen",
        "0.0.0.0:0",
    ];
    let refused = Nines::new().args(args).env("NINES_WRITE_TOKEN", "").run();
    assert_eq!(refused.status, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("--insecure-allow-remote"),
        "{}",
        refused.stderr
    );
    let mut with_flag = args.to_vec();
    with_flag.push("--insecure-allow-remote");
    let server = ServerProcess::start(&with_flag, &[("NINES_WRITE_TOKEN", "")]);
    assert!(server.log().contains("WARNING"), "{}", server.log());
}

#[test]
fn sigterm_is_bounded_with_a_partial_request_open_and_refusals_log_their_code() {
    // issue 9.5: SIGTERM waited 61 s on an open partial request. Issue 8.14: refused
    // requests were logged without their error code.
    use std::io::Write as _;
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    let mut server = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
            "--shutdown-timeout",
            "2s",
        ],
        &[("NINES_WRITE_TOKEN", TOKEN)],
    );
    let response = client()
        .get(format!("{}/api/v1/counts", server.base))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut partial = std::net::TcpStream::connect(&address).unwrap();
    partial
        .write_all(
            format!(
                "POST /api/v1/counts HTTP/1.1\r\nhost: nines\r\nauthorization: Bearer {TOKEN}\r\ncontent-length: 1000\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    server.signal("TERM");
    assert_eq!(server.wait(), Some(0), "{}", server.log());
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "shutdown took {:?}",
        started.elapsed()
    );
    let log = server.log();
    let refusal = log
        .lines()
        .find(|line| line.contains("request refused"))
        .unwrap_or_else(|| panic!("no refusal logged: {log}"));
    assert!(refusal.contains("method_not_allowed"), "{refusal}");
    assert!(refusal.contains("status=405"), "{refusal}");
    assert!(refusal.contains("/api/v1/counts"), "{refusal}");
    assert!(log.contains("shutdown timeout"), "{log}");
}

#[test]
fn a_sigterm_right_after_listening_is_a_graceful_shutdown() {
    // The signal handlers used to be installed after "listening on" was logged, so a
    // SIGTERM sent as soon as the line appeared could kill the process unannounced.
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let mut server = serve(&directory);
    server.signal("TERM");
    assert_eq!(server.wait(), Some(0), "{}", server.log());
    assert!(server.log().contains("stopped"), "{}", server.log());
}

#[test]
fn under_a_low_open_file_limit_idle_connections_do_not_stop_health_checks() {
    // issue 9.5: under a 1,024 open-file limit, 1,100 idle connections stopped the server
    // answering anyone, health checks included. Here the limit is 256 (soft and hard, so
    // the server cannot raise it) and 1,100 connections stay silent.
    use std::io::BufRead;
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_nines"))
        .args(["serve", "--listen", "127.0.0.1:0", "--specs"])
        .arg(directory.path().join("specs"))
        .arg("--data")
        .arg(directory.path().join("data"))
        .env("NINES_WRITE_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sh starts nines");
    let stderr = child.stderr.take().unwrap();
    let (found, address) = std::sync::mpsc::channel();
    let log = Arc::new(Mutex::new(String::new()));
    let shared = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(start) = line.find("listening on http://") {
                let _ = found.send(line[start + "listening on ".len()..].trim().to_string());
            }
            shared.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let base = address
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the server did not start: {}", log.lock().unwrap())
        });
    assert!(
        log.lock().unwrap().contains("open-file limit is too low"),
        "{}",
        log.lock().unwrap()
    );
    let address = base.trim_start_matches("http://").to_string();
    let idle: Vec<std::net::TcpStream> = (0..1_100)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    assert!(idle.len() > 1_000, "only {} connections opened", idle.len());
    std::thread::sleep(Duration::from_secs(2));
    let answer = |path: &str| {
        client()
            .get(format!("{base}{path}"))
            .timeout(Duration::from_secs(5))
            .send()
            .map(|response| response.status().as_u16())
    };
    let healthy = answer("/-/healthy");
    let ready = answer("/-/ready");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(healthy.ok(), Some(200), "{}", log.lock().unwrap());
    assert_eq!(ready.ok(), Some(200), "{}", log.lock().unwrap());
    drop(idle);
}
