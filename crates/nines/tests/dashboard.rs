//! The dashboard of `nines serve` (issue 11): content negotiation at `/`, the pages'
//! safety headers and escaping over HTTP, and the whole dashboard in a real headless
//! Chromium driven by `tests/browser/dashboard.mjs` (playwright-core, installed by
//! `scripts/test.sh`).

mod harness;

use std::path::PathBuf;
use std::process::Command;

use harness::{ServerProcess, TempDir, client, repo};
use serde_json::{Value, json};

const WRITE_TOKEN: &str = "dashboard-write-token-0123456789";
const READ_TOKEN: &str = "dashboard-read-token-0123456789";
const XSS: &str = "<img src=x onerror=alert(1)>";

const SHOP: &str = r#"apiVersion: nines/v1
kind: Service
name: shop
owner: team-shop
policy: standard
labels:
  tier: critical
slas:
  - {name: contract, target: 99.5%, window: month, credits: [{below: 99.5%, credit: 10%}]}
slos:
  - name: availability
    displayName: Checkout requests succeed
    sla: contract
    target: 99.9%
    aspirational: 99.95%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
  - name: latency
    target: 99%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: duration_seconds < 0.3
"#;

const SEARCH: &str = r#"apiVersion: nines/v1
kind: Service
name: search
owner: team-search
policy: standard
slos:
  - name: queries
    target: 99.5%
    window: 28d
    sli:
      events:
        valid: route == "/search"
        good: status < 500
"#;

const POLICY: &str = r#"apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: standard
states:
  - name: exhausted
    when: remaining < 0%
    actions:
      - freeze: releases
        except: [security]
  - name: at-risk
    when: remaining < 25%
    actions:
      - do: Review risky changes with the on-call lead.
  - name: healthy
    when: always
    actions:
      - do: Releases proceed as normal.
"#;

fn evil() -> String {
    format!(
        r#"apiVersion: nines/v1
kind: Service
name: evil
owner: team-evil
slos:
  - name: xss
    displayName: "{XSS}"
    description: "<script>alert(2)</script>"
    target: 99%
    window: 28d
    sli:
      events:
        valid: route == "/evil"
        good: status < 500
"#
    )
}

/// A server over the specs above, with both tokens, and 27 days of history.
fn seeded_server(directory: &TempDir) -> ServerProcess {
    directory.write("specs/shop.yaml", SHOP);
    directory.write("specs/search.yaml", SEARCH);
    directory.write("specs/policy.yaml", POLICY);
    directory.write("specs/evil.yaml", &evil());
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    let server = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
        ],
        &[
            ("NINES_WRITE_TOKEN", WRITE_TOKEN),
            ("NINES_READ_TOKEN", READ_TOKEN),
        ],
    );
    seed(&server.base);
    server
}

/// History through `/api/v1/backfill` (hourly records for 27 days), the last 10 minutes
/// through `/api/v1/counts`: shop/availability burns fast in the last two hours
/// (alerting), shop/latency spends half its budget (healthy), search/queries spends 80%
/// of its (at risk), evil/xss has no data.
fn seed(base: &str) {
    let now = jiff::Timestamp::now().as_second() / 60 * 60;
    let hour = 3_600;
    let mut history = Vec::new();
    for step in (3..27 * 24).rev() {
        let at = now - step * hour;
        history.push(
            json!({"timestamp": at, "sli": "shop/availability", "good": 1000, "valid": 1000}),
        );
        history.push(json!({"timestamp": at, "sli": "shop/latency", "good": 995, "valid": 1000}));
        history.push(json!({"timestamp": at, "sli": "search/queries", "good": 996, "valid": 1000}));
    }
    // The incident: 10% errors for the last two hours.
    for minute in (11..120).rev() {
        let at = now - minute * 60;
        history.push(json!({"timestamp": at, "sli": "shop/availability", "good": 18, "valid": 20}));
    }
    post(base, "/api/v1/backfill", &history);
    let recent: Vec<Value> = (1..=10)
        .rev()
        .flat_map(|minute| {
            let at = now - minute * 60;
            [
                json!({"timestamp": at, "sli": "shop/availability", "good": 18, "valid": 20}),
                json!({"timestamp": at, "sli": "shop/latency", "good": 20, "valid": 20}),
                json!({"timestamp": at, "sli": "search/queries", "good": 20, "valid": 20}),
            ]
        })
        .collect();
    post(base, "/api/v1/counts", &recent);
}

fn post(base: &str, path: &str, records: &[Value]) {
    let response = client()
        .post(format!("{base}{path}"))
        .bearer_auth(WRITE_TOKEN)
        .body(serde_json::to_string(records).unwrap())
        .send()
        .unwrap();
    let status = response.status();
    assert!(
        status.is_success(),
        "{path}: {status} {}",
        response.text().unwrap()
    );
}

#[test]
fn curl_keeps_the_text_table_and_browsers_get_the_dashboard() {
    // issue 11.1, 11.5
    let directory = TempDir::new();
    let server = seeded_server(&directory);
    let base = &server.base;
    let text = client()
        .get(format!("{base}/"))
        .bearer_auth(READ_TOKEN)
        .send()
        .unwrap();
    assert_eq!(text.status(), 200);
    assert!(
        text.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = text.text().unwrap();
    assert!(body.contains("SLO objective(s)"), "{body}");

    // Without the token: the API's JSON 401 for scripts, the token form for browsers.
    let refused = client().get(format!("{base}/")).send().unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.text().unwrap().contains("unauthorized"));
    let form = client()
        .get(format!("{base}/slo/shop/availability"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(form.status(), 401);
    assert!(form.text().unwrap().contains(r#"name="token""#));
    // The cookie opens pages but not the API.
    let cookie = format!("nines_token={READ_TOKEN}");
    let api = client()
        .get(format!("{base}/api/v1/slos"))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(api.status(), 401, "the API keeps to bearer tokens");

    let html = client()
        .get(format!("{base}/"))
        .header("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(html.status(), 200);
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let page = html.text().unwrap();
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "escaped name"
    );
    assert!(!page.contains("<img"), "no markup from a spec");
    assert!(!page.contains("<script>alert"), "no markup from a spec");
    assert!(!page.contains(" style="), "no inline styles (CSP)");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external URL"
    );
    for slo in [
        "shop/availability",
        "shop/latency",
        "search/queries",
        "evil/xss",
    ] {
        assert!(
            page.contains(&format!(r#"data-slo="{slo}""#)),
            "{slo} listed"
        );
    }
    // Pages go gzipped to a browser that accepts it (a 1,000-objective overview is ~1.4 MB).
    let zipped = client()
        .get(format!("{base}/"))
        .header("accept", "text/html")
        .header("accept-encoding", "gzip, deflate")
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let mut unzipped = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&zipped.bytes().unwrap()[..]),
        &mut unzipped,
    )
    .unwrap();
    assert!(unzipped.contains(r#"data-slo="shop/availability""#));
    // The SLO page: its charts, the SLA's periods, the spec's origin, escaping.
    let slo_page = client()
        .get(format!("{base}/slo/shop/availability?range=1d"))
        .header("accept", "text/html")
        .header("cookie", &cookie)
        .send()
        .unwrap()
        .text()
        .unwrap();
    for chart in ["budget", "sli", "burn", "volume", "alerts", "policy"] {
        assert!(
            slo_page.contains(&format!(r#"data-chart="{chart}""#)),
            "{chart}"
        );
    }
    assert!(slo_page.contains("SLA contract") && slo_page.contains("(current)"));
    assert!(slo_page.contains("shop.yaml:"), "the spec's file and line");
    let xss_page = client()
        .get(format!("{base}/slo/evil/xss"))
        .header("accept", "text/html")
        .header("cookie", &cookie)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(xss_page.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(!xss_page.contains("<script>alert") && !xss_page.contains("<img"));
    // The assets are embedded.
    for asset in ["/assets/dashboard.css", "/assets/dashboard.js"] {
        let response = client().get(format!("{base}{asset}")).send().unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.text().unwrap().len() > 500, "{asset}");
    }
    // A wrong token at the form is refused; the right one sets the cookie.
    let no_redirects = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let wrong = no_redirects
        .post(format!("{base}/login"))
        .form(&[("token", "not-the-token-0123456789"), ("next", "/")])
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = no_redirects
        .post(format!("{base}/login"))
        .form(&[("token", READ_TOKEN), ("next", "//evil.example/")])
        .send()
        .unwrap();
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/", "no open redirect");
    let set_cookie = right.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
}

fn browser_script() -> PathBuf {
    repo().join("tests/browser/dashboard.mjs")
}

#[test]
fn the_dashboard_in_headless_chromium() {
    // issue 11 "How it is checked": every check is in tests/browser/dashboard.mjs.
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's `chromium` (scripts/test.sh does)"
    );
    assert!(
        repo()
            .join("tests/browser/node_modules/playwright-core")
            .exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let directory = TempDir::new();
    let server = seeded_server(&directory);
    let screenshots = repo().join("target/dashboard-screenshots");
    let output = Command::new("node")
        .arg(browser_script())
        .current_dir(repo())
        .env("BASE", &server.base)
        .env("READ_TOKEN", READ_TOKEN)
        .env("SCREENSHOTS", &screenshots)
        .env("XSS_SLO", "evil/xss")
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs (install Debian's `nodejs`; scripts/test.sh does)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser checks failed:\n{stderr}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&output.stdout),
        server.log()
    );
    assert!(stderr.contains("all checks passed"), "{stderr}");
    for name in ["overview.png", "slo.png", "overview-phone.png"] {
        assert!(screenshots.join(name).exists(), "{name} written");
    }
}
