//! The same incidents, run by `promtool test rules` over nines' rules (default and Sloth
//! naming), over the rules nines generates from Sloth's and Pyrra's own example specs, and
//! over the rules Sloth itself generated for those specs (`tests/peers/sloth/_gen`):
//! a total outage, a 10× burn, a 2× burn for three days, an idle service and a service
//! whose metrics have no series. Every expected time is computed by hand below from the
//! SRE Workbook's detection time, `factor × budget × long window / error ratio` (plus the
//! row's `for:`), never read from the generated rules. Issue 8.2, 8.3, 8.5.

use std::path::{Path, PathBuf};
use std::process::Command;

use nines_rules::{Format, Naming, Options, generate, render_all};
use serde_json::{Value, json};

const PROMTOOL: &str = "/usr/bin/promtool";

fn peers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("nines-peers-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// nines' rules for the specs at `paths`, as the one file stdout gets.
fn nines_rules(paths: &[PathBuf], naming: Naming) -> String {
    let loaded = nines_spec::load_paths(paths).unwrap();
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|diagnostic| diagnostic.severity != nines_spec::Severity::Error),
        "{:?}",
        loaded.diagnostics
    );
    let options = Options {
        naming,
        ..Options::default()
    };
    let generated = generate(&loaded.catalog, &options);
    assert!(!generated.files.is_empty(), "{:?}", generated.skipped);
    render_all(&generated.files, Format::Rules)
}

/// Sloth's own generated file, without the empty document Sloth writes before it.
fn sloth_rules(name: &str) -> String {
    let text = std::fs::read_to_string(peers().join("sloth/_gen").join(name)).unwrap();
    match text.split_once("\n---\n") {
        Some((_, rules)) => rules.to_string(),
        None => text,
    }
}

/// How one rule set names its alerts.
struct Alerts {
    /// Alert name of the burn-rate alerts.
    burn: &'static str,
    /// The label and values that tell the page from the ticket.
    severity_label: &'static str,
    page: &'static str,
    ticket: &'static str,
    /// The no-data alert's name, when the rule set has one.
    no_data: Option<&'static str>,
    /// Extra matchers picking this SLO's alerts when the file holds several.
    only: &'static str,
}

/// One check: is an alert of `kind` firing at minute `at`?
#[derive(Clone, Copy)]
enum Kind {
    Page,
    Ticket,
    NoData,
}

fn check(alerts: &Alerts, kind: Kind, minute: u32, expect: bool) -> Value {
    let selector = match kind {
        Kind::Page => format!(
            "alertname=\"{}\",{}=\"{}\"",
            alerts.burn, alerts.severity_label, alerts.page
        ),
        Kind::Ticket => format!(
            "alertname=\"{}\",{}=\"{}\"",
            alerts.burn, alerts.severity_label, alerts.ticket
        ),
        Kind::NoData => format!(
            "alertname=\"{}\"",
            alerts.no_data.unwrap_or("no-such-alert")
        ),
    };
    let only = if alerts.only.is_empty() {
        String::new()
    } else {
        format!(",{}", alerts.only)
    };
    let count = format!("count(ALERTS{{{selector}{only},alertstate=\"firing\"}})");
    if expect {
        json!({"expr": format!("clamp_max({count}, 1)"), "eval_time": format!("{minute}m"),
               "exp_samples": [{"labels": "{}", "value": 1}]})
    } else {
        json!({"expr": count, "eval_time": format!("{minute}m"), "exp_samples": []})
    }
}

/// A counter growing by `per_minute` during each phase of `minutes`.
fn counter(phases: &[(u32, f64)]) -> String {
    let mut parts = Vec::new();
    let mut value = 0.0;
    for (index, &(minutes, per_minute)) in phases.iter().enumerate() {
        if index == 0 {
            parts.push(format!("{value}+{per_minute}x{minutes}"));
        } else {
            parts.push(format!(
                "{}+{per_minute}x{}",
                value + per_minute,
                minutes - 1
            ));
        }
        value += per_minute * f64::from(minutes);
    }
    parts.join(" ")
}

/// A gauge holding `value` during each phase of `minutes`.
fn gauge(phases: &[(u32, f64)]) -> String {
    phases
        .iter()
        .enumerate()
        .map(|(index, &(minutes, value))| {
            let repeats = if index == 0 { minutes } else { minutes - 1 };
            format!("{value}x{repeats}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a spec's SLI reads, fed with phases of `(minutes, error ratio)`; `None` as the
/// ratio means traffic stands still (counters flat, gauges good).
#[derive(Clone, Copy)]
enum Input {
    /// Good and bad counters: `good{...}` and `bad{...}` series names with labels.
    Counters {
        good: &'static str,
        bad: &'static str,
    },
    /// A gauge of the good share (1 good, 0 bad): Sloth's raw satisfaction ratio, Pyrra's
    /// `bool_gauge`.
    Gauge { series: &'static str },
}

/// Requests a minute: large enough that one error is far below every threshold.
const RATE: f64 = 1000.0;

fn input(input: Input, phases: &[(u32, Option<f64>)]) -> Value {
    match input {
        Input::Counters { good, bad } => {
            let good_phases: Vec<(u32, f64)> = phases
                .iter()
                .map(|&(minutes, ratio)| (minutes, ratio.map_or(0.0, |ratio| RATE * (1.0 - ratio))))
                .collect();
            let bad_phases: Vec<(u32, f64)> = phases
                .iter()
                .map(|&(minutes, ratio)| (minutes, ratio.map_or(0.0, |ratio| RATE * ratio)))
                .collect();
            json!([
                {"series": good, "values": counter(&good_phases)},
                {"series": bad, "values": counter(&bad_phases)},
            ])
        }
        Input::Gauge { series } => {
            let values: Vec<(u32, f64)> = phases
                .iter()
                .map(|&(minutes, ratio)| (minutes, 1.0 - ratio.unwrap_or(0.0)))
                .collect();
            json!([{"series": series, "values": gauge(&values)}])
        }
    }
}

/// Expected times (minutes) for one spec, computed by hand from its burn-rate table.
struct Expected {
    /// The SLO's error budget (1 − target).
    budget: f64,
    /// Outage after 120 healthy minutes: the page fires after `page_outage.0` and by
    /// `page_outage.1`.
    page_outage: (u32, u32),
    /// 10× burn after 360 healthy minutes: the page fires after `.0` and by `.1`.
    page_ten_times: (u32, u32),
    /// No series at all: the no-data alert fires after `.0` and by `.1`.
    no_data: (u32, u32),
}

fn scenarios(spec: Input, alerts: &Alerts, expected: &Expected) -> Vec<Value> {
    let budget = expected.budget;
    let mut tests = Vec::new();
    let (before, by) = expected.page_outage;
    tests.push(json!({
        "name": "total outage pages within the Workbook's detection time",
        "interval": "1m",
        "input_series": input(spec, &[(120, Some(0.0)), (60, Some(1.0))]),
        "promql_expr_test": [
            check(alerts, Kind::Page, 119, false),
            check(alerts, Kind::Page, before, false),
            check(alerts, Kind::Page, by, true),
            check(alerts, Kind::NoData, by, false),
        ],
    }));
    let (before, by) = expected.page_ten_times;
    tests.push(json!({
        "name": "a 10x burn pages on the 6h window",
        "interval": "1m",
        "input_series": input(spec, &[(360, Some(0.0)), (300, Some(10.0 * budget))]),
        "promql_expr_test": [
            check(alerts, Kind::Page, 359, false),
            check(alerts, Kind::Page, before, false),
            check(alerts, Kind::Page, by, true),
        ],
    }));
    tests.push(json!({
        "name": "an idle service raises nothing",
        "interval": "1m",
        "input_series": input(spec, &[(600, None)]),
        "promql_expr_test": [
            check(alerts, Kind::Page, 60, false),
            check(alerts, Kind::Ticket, 60, false),
            check(alerts, Kind::NoData, 60, false),
            check(alerts, Kind::Page, 540, false),
            check(alerts, Kind::Ticket, 540, false),
            check(alerts, Kind::NoData, 540, false),
        ],
    }));
    let (before, by) = expected.no_data;
    let mut no_data_checks = vec![
        check(alerts, Kind::Page, by, false),
        check(alerts, Kind::Ticket, by, false),
    ];
    if alerts.no_data.is_some() {
        no_data_checks.push(check(alerts, Kind::NoData, before, false));
        no_data_checks.push(check(alerts, Kind::NoData, by, true));
    } else {
        // Sloth generates no absent alert: nothing fires, nothing can.
        no_data_checks.push(check(alerts, Kind::NoData, by, false));
    }
    tests.push(json!({
        "name": "metrics without any series raise the no-data alert",
        "interval": "1m",
        "input_series": [{"series": "up{job=\"unrelated\"}", "values": gauge(&[(120, 1.0)])}],
        "promql_expr_test": no_data_checks,
    }));
    tests
}

/// Twice the budget rate for three days, from the start: the ticket, never the page.
/// Evaluated every 5 minutes to keep three days affordable.
fn slow_burn(spec: Input, alerts: &Alerts, budget: f64) -> Vec<Value> {
    vec![json!({
        "name": "a 2x burn for three days raises the ticket, never the page",
        "interval": "1m",
        "input_series": input(spec, &[(4320, Some(2.0 * budget))]),
        "promql_expr_test": [
            check(alerts, Kind::Page, 60, false),
            check(alerts, Kind::Ticket, 1440, true),
            check(alerts, Kind::Page, 1440, false),
            check(alerts, Kind::Ticket, 4320, true),
            check(alerts, Kind::Page, 4320, false),
            check(alerts, Kind::NoData, 4320, false),
        ],
    })]
}

fn run(name: &str, rules: &str, fast: Vec<Value>, slow: Vec<Value>) {
    assert!(
        Path::new(PROMTOOL).exists(),
        "these tests need promtool: apt-get install prometheus (scripts/test.sh installs it)"
    );
    let directory = TempDir::new(name);
    std::fs::write(directory.0.join("rules.yaml"), rules).unwrap();
    let mut suites = Vec::new();
    for (file, interval, tests) in [("fast.yaml", "1m", fast), ("slow.yaml", "5m", slow)] {
        let suite = json!({
            "rule_files": ["rules.yaml"],
            "evaluation_interval": interval,
            "tests": tests,
        });
        let path = directory.0.join(file);
        std::fs::write(&path, nines_spec::emit::documents(None, &[suite])).unwrap();
        suites.push(path);
    }
    let output = Command::new(PROMTOOL)
        .current_dir(&directory.0)
        .arg("test")
        .arg("rules")
        .args(&suites)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name}: promtool test rules failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

const API_SPEC: &str = r#"apiVersion: nines/v1
name: api
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      prometheus:
        valid: http_requests_total{job="api"}
        bad: http_requests_total{job="api",code=~"5.."}
"#;

const API_INPUT: Input = Input::Counters {
    good: "http_requests_total{job=\"api\",code=\"200\"}",
    bad: "http_requests_total{job=\"api\",code=\"500\"}",
};

/// 99.9% over 30 days with the Workbook's table (page 14.4 on 1h/5m and 6 on 6h/30m,
/// ticket 3 on 1d/2h and 1 on 3d/6h):
/// - outage: 14.4 × 0.001 × 60 min = 0.86 min on the 1h window: fired by 123m, not at 119m;
/// - 10× burn: 14.4 is never reached; 6 × 0.001 × 360 min / 0.01 = 216 min on the 6h
///   window: not at 360 + 210, fired by 360 + 222;
/// - no data: 0.86 min rounds to a wait of 1 min (the floor): not at 0m, fired by 4m.
const THREE_NINES_30D: Expected = Expected {
    budget: 0.001,
    page_outage: (119, 123),
    page_ten_times: (570, 582),
    no_data: (0, 4),
};

#[test]
fn default_and_sloth_naming_fire_at_the_same_times() {
    // issue 8.2: with `--naming sloth` the `and` between windows must match.
    let directory = TempDir::new("api-spec");
    let spec = directory.0.join("api.yaml");
    std::fs::write(&spec, API_SPEC).unwrap();
    for (naming, severity_label) in [
        (Naming::Nines, "severity"),
        (Naming::Sloth, "sloth_severity"),
    ] {
        let alerts = Alerts {
            burn: "ApiAvailabilityErrorBudgetBurn",
            severity_label,
            page: "page",
            ticket: "ticket",
            no_data: Some("ApiAvailabilityNoData"),
            only: "",
        };
        let rules = nines_rules(std::slice::from_ref(&spec), naming);
        run(
            &format!("api-{naming:?}"),
            &rules,
            scenarios(API_INPUT, &alerts, &THREE_NINES_30D),
            slow_burn(API_INPUT, &alerts, 0.001),
        );
    }
}

const SLOTH_GETTING_STARTED: Input = Input::Counters {
    good: "http_request_duration_seconds_count{job=\"myservice\",code=\"200\"}",
    bad: "http_request_duration_seconds_count{job=\"myservice\",code=\"500\"}",
};

#[test]
fn sloth_getting_started_fires_as_sloths_own_rules_do() {
    // issue 8.2: Sloth's rules, and nines' from Sloth's spec, page and ticket at the same
    // times. Sloth's spec labels its alerts `severity: pageteam` / `slack`; both tell page
    // from ticket with `sloth_severity`.
    let spec = peers().join("sloth/getting-started.yml");
    let sloth = Alerts {
        burn: "MyServiceHighErrorRate",
        severity_label: "sloth_severity",
        page: "page",
        ticket: "ticket",
        no_data: None,
        only: "",
    };
    run(
        "sloth-getting-started-sloth",
        &sloth_rules("getting-started.yml"),
        scenarios(SLOTH_GETTING_STARTED, &sloth, &THREE_NINES_30D),
        slow_burn(SLOTH_GETTING_STARTED, &sloth, 0.001),
    );
    let nines_sloth = Alerts {
        no_data: Some("MyserviceRequestsAvailabilityNoData"),
        ..sloth
    };
    run(
        "sloth-getting-started-nines-sloth",
        &nines_rules(std::slice::from_ref(&spec), Naming::Sloth),
        scenarios(SLOTH_GETTING_STARTED, &nines_sloth, &THREE_NINES_30D),
        slow_burn(SLOTH_GETTING_STARTED, &nines_sloth, 0.001),
    );
    let nines_default = Alerts {
        severity_label: "severity",
        page: "pageteam",
        ticket: "slack",
        ..nines_sloth
    };
    run(
        "sloth-getting-started-nines",
        &nines_rules(std::slice::from_ref(&spec), Naming::Nines),
        scenarios(SLOTH_GETTING_STARTED, &nines_default, &THREE_NINES_30D),
        slow_burn(SLOTH_GETTING_STARTED, &nines_default, 0.001),
    );
}

#[test]
fn sloth_raw_ratio_fires_as_sloths_own_rules_do() {
    // issue 8.3: Sloth's `raw` SLI gets rules (Sloth makes 17 for this spec), averaged over
    // each window as Sloth does, and they fire when Sloth's do.
    let input = Input::Gauge {
        series: "unifipoller_client_satisfaction_ratio{client=\"laptop\"}",
    };
    // 95% over 30 days, the Workbook's table:
    // - outage: 14.4 × 0.05 = 0.72 of the 1h window must be bad: 43.2 min after the
    //   outage starts: not at 120 + 40, fired by 120 + 46;
    // - 10× burn (error ratio 0.5): 14.4 × 0.05 = 0.72 is never reached; 6 × 0.05 × 360 /
    //   0.5 = 216 min on the 6h window: not at 360 + 210, fired by 360 + 222;
    // - no data: the wait is 0.72 × 60 = 43.2 min, rounded to 43: not at 40m, by 46m.
    let expected = Expected {
        budget: 0.05,
        page_outage: (160, 166),
        page_ten_times: (570, 582),
        no_data: (40, 46),
    };
    let sloth = Alerts {
        burn: "WifiClientSatisfaction",
        severity_label: "sloth_severity",
        page: "page",
        ticket: "ticket",
        no_data: None,
        only: "",
    };
    let sloth_text = sloth_rules("raw-home-wifi.yml");
    assert_eq!(
        sloth_text.matches("- record:").count() + sloth_text.matches("- alert:").count(),
        17,
        "Sloth's own file for raw-home-wifi has 17 rules"
    );
    run(
        "sloth-raw-sloth",
        &sloth_text,
        scenarios(input, &sloth, &expected),
        slow_burn(input, &sloth, 0.05),
    );
    let nines_sloth = Alerts {
        no_data: Some("HomeWifiWifiClientSatisfactionNoData"),
        ..sloth
    };
    run(
        "sloth-raw-nines-sloth",
        &nines_rules(&[peers().join("sloth/raw-home-wifi.yml")], Naming::Sloth),
        scenarios(input, &nines_sloth, &expected),
        slow_burn(input, &nines_sloth, 0.05),
    );
}

#[test]
fn pyrra_ratio_and_bool_gauge_fire_on_pyrras_table() {
    // issue 8.3 and 8.5: Pyrra's specs keep Pyrra's table (factors 14, 7, 2, 1 with `for:`)
    // and get Pyrra's absent alert, `SLOMetricAbsent`, with severity critical.
    //
    // nginx-api-errors, 99.9% over 4w: rows 1h/5m ×14 for 2m, 6h/30m ×7 for 15m,
    // 1d/2h ×2 for 1h, 4d/6h ×1 for 3h.
    // - outage: 14 × 0.001 × 60 = 0.84 min, then 2m pending: not at 121m, by 126m;
    // - 10×: 14 never; 7 × 0.001 × 360 / 0.01 = 252 min + 15m: not at 360 + 262, by
    //   360 + 272;
    // - no data: Pyrra's wait, 0.84 min + 2m = 2.84 rounds to 3m: not at 1m, by 6m.
    let nginx = Input::Counters {
        good: "nginx_ingress_controller_requests{namespace=\"lastfm\",ingress=\"lastfm\",service=\"lastfm\",status=\"200\"}",
        bad: "nginx_ingress_controller_requests{namespace=\"lastfm\",ingress=\"lastfm\",service=\"lastfm\",status=\"500\"}",
    };
    let alerts = Alerts {
        burn: "ErrorBudgetBurn",
        severity_label: "severity",
        page: "critical",
        ticket: "warning",
        no_data: Some("SLOMetricAbsent"),
        only: "nines_slo=\"nginx-api-errors\"",
    };
    let expected = Expected {
        budget: 0.001,
        page_outage: (121, 126),
        page_ten_times: (622, 632),
        no_data: (1, 6),
    };
    run(
        "pyrra-nginx",
        &nines_rules(&[peers().join("pyrra/nginx.yaml")], Naming::Nines),
        scenarios(nginx, &alerts, &expected),
        slow_burn(nginx, &alerts, 0.001),
    );
    // prometheus-blackbox-probe-success, a bool_gauge at 99% over 7d: Pyrra's table
    // scaled to 7d is 15m/1m ×14 for 1m, 90m/8m ×7 for 4m, 6h/30m ×2 for 15m,
    // 1d/90m ×1 for 45m.
    // - outage: 14 × 0.01 × 15 = 2.1 min + 1m pending: not at 121m, by 126m;
    // - 10× (0.1): 14 × 0.01 = 0.14 never; 7 × 0.01 × 90 / 0.1 = 63 min + 4m: not at
    //   360 + 60, by 360 + 70;
    // - no data: 2.1 + 1 = 3.1 rounds to 3m: not at 1m, by 6m.
    let probe = Input::Gauge {
        series: "probe_success{target=\"https://example.com\"}",
    };
    let alerts = Alerts {
        only: "nines_slo=\"prometheus-blackbox-probe-success\"",
        ..alerts
    };
    let expected = Expected {
        budget: 0.01,
        page_outage: (121, 126),
        page_ten_times: (420, 430),
        no_data: (1, 6),
    };
    run(
        "pyrra-probe",
        &nines_rules(
            &[peers().join("pyrra/prometheus-probe-success.yaml")],
            Naming::Nines,
        ),
        scenarios(probe, &alerts, &expected),
        slow_burn(probe, &alerts, 0.01),
    );
}
