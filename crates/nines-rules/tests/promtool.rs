//! Generated rules against Prometheus' own tooling: every example's rules pass
//! `promtool check rules` in every layout and naming, and `promtool test rules` suites,
//! built from a 99.9% / 30-day spec, show when the alerts fire and resolve.

use std::path::{Path, PathBuf};
use std::process::Command;

use nines_core::model::Catalog;
use nines_rules::{Format, Generated, Naming, Options, generate, render_groups};
use serde_json::json;

const PROMTOOL: &str = "/usr/bin/promtool";

fn promtool() -> &'static str {
    assert!(
        Path::new(PROMTOOL).exists(),
        "these tests need promtool: apt-get install prometheus (scripts/test.sh installs it)"
    );
    PROMTOOL
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("nines-promtool-{name}-{}", std::process::id()));
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

fn examples() -> Catalog {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let loaded = nines_spec::load_paths(&[root]).unwrap();
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|diagnostic| diagnostic.severity != nines_spec::Severity::Error),
        "{:?}",
        loaded.diagnostics
    );
    loaded.catalog
}

fn check(directory: &Path, generated: &Generated) {
    let mut paths = Vec::new();
    for file in &generated.files {
        let path = directory.join(&file.name);
        std::fs::write(&path, render_groups(file)).unwrap();
        paths.push(path);
    }
    let output = Command::new(promtool())
        .arg("check")
        .arg("rules")
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool check rules failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// vmalert's own validation of the files as written (`vmalert -dryRun`).
fn vmalert_check(directory: &Path, generated: &Generated) {
    let vmalert = "/usr/bin/vmalert";
    assert!(
        Path::new(vmalert).exists(),
        "this test needs vmalert: apt-get install victoria-metrics (scripts/test.sh installs it)"
    );
    let vm_directory = directory.join("vmalert");
    std::fs::create_dir_all(&vm_directory).unwrap();
    for file in &generated.files {
        std::fs::write(vm_directory.join(&file.name), nines_rules::render(file)).unwrap();
    }
    let output = Command::new(vmalert)
        .arg("-dryRun")
        .arg(format!("-rule={}/*.yaml", vm_directory.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "vmalert -dryRun failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_example_passes_promtool_check_rules_in_every_layout() {
    let catalog = examples();
    for format in [
        Format::Rules,
        Format::Operator,
        Format::Mimir,
        Format::Vmalert,
    ] {
        for naming in [Naming::Nines, Naming::Sloth] {
            let directory = TempDir::new(&format!("{format:?}-{naming:?}"));
            let options = Options {
                format,
                naming,
                ..Options::default()
            };
            let generated = generate(&catalog, &options);
            assert!(
                generated.files.len() >= 5,
                "{format:?}: {}",
                generated.files.len()
            );
            assert!(generated.rules > 100);
            check(&directory.0, &generated);
            if format == Format::Vmalert {
                vmalert_check(&directory.0, &generated);
            }
            // The layout around the groups is what each tool expects, and reads back as
            // YAML with the same groups.
            let file = &generated.files[0];
            let text = nines_rules::render(file);
            let documents = nines_spec::yaml::parse_documents(&text).unwrap();
            let root = documents[0].to_json();
            let groups = match format {
                Format::Operator => {
                    assert_eq!(root["kind"], "PrometheusRule");
                    assert_eq!(
                        root["metadata"]["labels"]["app.kubernetes.io/managed-by"],
                        "nines"
                    );
                    root["spec"]["groups"].clone()
                }
                Format::Mimir => {
                    assert_eq!(root["namespace"], format!("nines-{}", file.service));
                    root["groups"].clone()
                }
                Format::Rules | Format::Vmalert => root["groups"].clone(),
            };
            assert_eq!(groups.as_array().unwrap().len(), file.groups.len());
            assert_eq!(groups[0]["name"], file.groups[0].name.as_str());
        }
    }
}

const SPEC: &str = r#"apiVersion: nines/v1
name: api
owner: team-api
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      prometheus:
        valid: http_requests_total{job="api"}
        bad: http_requests_total{job="api",code=~"5.."}
    alerting:
      runbook: https://runbooks.example.com/api
"#;

/// Values for a counter growing by `per_minute[i]` during each phase of `minutes[i]`.
fn counter(phases: &[(u32, f64)]) -> String {
    let mut parts = Vec::new();
    let mut value = 0.0;
    let mut first = true;
    for &(minutes, per_minute) in phases {
        if first {
            parts.push(format!("{value}+{per_minute}x{minutes}"));
            first = false;
        } else {
            // Continue from the last value without repeating it.
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

/// `count(firing alerts of severity)`: one sample when any fires, none when none does.
fn firing(severity: &str, at: &str, expect: bool) -> serde_json::Value {
    let expr = format!(
        "count(ALERTS{{alertname=\"ApiAvailabilityErrorBudgetBurn\",alertstate=\"firing\",severity=\"{severity}\"}}) > 0"
    );
    let samples = if expect {
        json!([{"labels": "{}", "value": 1}])
    } else {
        json!([])
    };
    // `> 0` keeps the count, so compare on `bool` for a stable value.
    let expr = if expect {
        format!("({expr}) > bool 0")
    } else {
        expr
    };
    json!({"expr": expr, "eval_time": at, "exp_samples": samples})
}

fn scenario(
    name: &str,
    ok: &[(u32, f64)],
    bad: &[(u32, f64)],
    checks: Vec<serde_json::Value>,
) -> serde_json::Value {
    json!({
        "name": name,
        "interval": "1m",
        "input_series": [
            {"series": "http_requests_total{job=\"api\",code=\"200\"}", "values": counter(ok)},
            {"series": "http_requests_total{job=\"api\",code=\"500\"}", "values": counter(bad)},
        ],
        "promql_expr_test": checks,
    })
}

#[test]
fn promtool_unit_tests_show_when_alerts_fire_and_resolve() {
    let catalog = nines_spec::load_sources(&[nines_spec::Source {
        name: "api.yaml".into(),
        text: SPEC.into(),
    }])
    .catalog;
    let generated = generate(&catalog, &Options::default());
    assert_eq!(generated.files.len(), 1);
    let directory = TempDir::new("unit");
    std::fs::write(
        directory.0.join("rules.yaml"),
        render_groups(&generated.files[0]),
    )
    .unwrap();
    // 1,000 requests a minute; the budget of a 99.9% SLO is 1 error a minute.
    let scenarios = vec![
        // A total outage after 2 hours: paged within two minutes, and not before.
        scenario(
            "total outage pages within 2 minutes",
            &[(120, 1000.0), (30, 0.0)],
            &[(120, 0.0), (30, 1000.0)],
            vec![firing("page", "119m", false), firing("page", "122m", true)],
        ),
        // Half the budget rate for three days: nothing, ever.
        scenario(
            "a steady 0.5x burn never alerts",
            &[(4320, 999.5)],
            &[(4320, 0.5)],
            vec![
                firing("page", "1h", false),
                firing("ticket", "1h", false),
                firing("page", "1d", false),
                firing("ticket", "1d", false),
                firing("page", "3d", false),
                firing("ticket", "3d", false),
            ],
        ),
        // 15% errors for ten minutes after 7 quiet hours: a page, gone about 5 minutes
        // after the errors stop.
        scenario(
            "15% errors for 10 minutes page, then resolve",
            &[(420, 1000.0), (10, 850.0), (60, 1000.0)],
            &[(420, 0.0), (10, 150.0), (60, 0.0)],
            vec![
                firing("page", "419m", false),
                firing("page", "426m", true),
                firing("page", "430m", true),
                firing("page", "437m", false),
            ],
        ),
        // Twice the budget rate: the slow-burn ticket, never a page.
        scenario(
            "a steady 2x burn raises the ticket, not the page",
            &[(1440, 998.0)],
            &[(1440, 2.0)],
            vec![
                firing("ticket", "7h", true),
                firing("page", "7h", false),
                firing("ticket", "1d", true),
                firing("page", "1d", false),
            ],
        ),
        // No traffic: no ratio is recorded (no NaN), nothing fires.
        scenario(
            "no traffic raises nothing",
            &[(600, 0.0)],
            &[(600, 0.0)],
            vec![
                firing("page", "1h", false),
                firing("ticket", "1h", false),
                firing("ticket", "9h", false),
                json!({"expr": "nines:sli_error:ratio_rate5m", "eval_time": "9h", "exp_samples": []}),
                json!({"expr": "nines:sli_error:ratio_rate30d", "eval_time": "9h", "exp_samples": []}),
            ],
        ),
        // The SLO-window ratio is event-weighted: a quiet hour with many errors and a busy
        // hour without any give errors / all requests, not the mean of the two ratios.
        scenario(
            "the SLO window weights events, not intervals",
            &[(60, 90.0), (60, 9900.0), (60, 0.0)],
            &[(60, 10.0), (60, 0.0), (60, 0.0)],
            vec![json!({
                // 600 errors in 600,000 requests: 0.1% (10 in units of 0.01%); the mean of the
                // hourly ratios would be 5% (500).
                "expr": "round(nines:sli_error:ratio_rate30d * 1e4)",
                "eval_time": "170m",
                "exp_samples": [{"labels": "{nines_objective=\"default\",nines_service=\"api\",nines_slo=\"availability\"}", "value": 10}],
            })],
        ),
    ];
    let suite = json!({
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": scenarios,
    });
    let suite_path = directory.0.join("tests.yaml");
    std::fs::write(&suite_path, nines_spec::emit::documents(None, &[suite])).unwrap();
    let output = Command::new(promtool())
        .current_dir(&directory.0)
        .arg("test")
        .arg("rules")
        .arg(&suite_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool test rules failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

const COMPOSITE_SPEC: &str = r#"apiVersion: nines/v1
name: shop
slos:
  - name: api
    target: 99.9%
    window: 30d
    sli:
      prometheus:
        valid: requests_total{job="api"}
        bad: requests_total{job="api",code="500"}
  - name: db
    target: 99%
    window: 30d
    sli:
      prometheus:
        valid: queries_total{job="db"}
        bad: queries_total{job="db",code="500"}
  - name: journey
    target: 99.5%
    window: 30d
    composite:
      members:
        - slo: api
          weight: 2
        - slo: db
          weight: 1
"#;

#[test]
fn composites_burn_as_the_weighted_mean_of_their_members() {
    // issue 8.3: composites got no rules. The api member (99.9%) runs at 1% errors, a burn
    // rate of 10; the db member (99%) at none, a burn rate of 0. Weighted 2:1 the
    // composite burns (2 × 10 + 1 × 0) / 3 = 6.667, above the 6h/30m page factor of 6 and
    // below 14.4; its budget remaining is 1 − 6.667 = −5.667. When db has no traffic it is
    // left out of the mean (as `nines report` leaves it out): the composite burns 10.
    let catalog = nines_spec::load_sources(&[nines_spec::Source {
        name: "shop.yaml".into(),
        text: COMPOSITE_SPEC.into(),
    }])
    .catalog;
    let generated = generate(&catalog, &Options::default());
    assert!(generated.skipped.is_empty(), "{:?}", generated.skipped);
    let directory = TempDir::new("composite");
    std::fs::write(
        directory.0.join("rules.yaml"),
        nines_rules::render_all(&generated.files, Format::Rules),
    )
    .unwrap();
    let journey = "nines_slo=\"journey\",nines_member=\"\"";
    let value = |expr: String, minute: u32, value: i64| {
        json!({"expr": expr, "eval_time": format!("{minute}m"),
               "exp_samples": [{"labels": "{}", "value": value}]})
    };
    let burn = format!("round(sum(nines:slo_burn_rate:ratio_rate1h{{{journey}}}) * 1000)");
    let remaining = format!("round(sum(nines:slo_budget_remaining:ratio{{{journey}}}) * 1000)");
    let page = "clamp_max(count(ALERTS{alertname=\"ShopJourneyErrorBudgetBurn\",alertstate=\"firing\",severity=\"page\",long_window=\"6h\"}), 1)";
    let fast_page = "count(ALERTS{alertname=\"ShopJourneyErrorBudgetBurn\",alertstate=\"firing\",long_window=\"1h\"})";
    let series = |db_per_minute: f64| {
        json!([
            {"series": "requests_total{job=\"api\",code=\"200\"}", "values": counter(&[(120, 990.0)])},
            {"series": "requests_total{job=\"api\",code=\"500\"}", "values": counter(&[(120, 10.0)])},
            {"series": "queries_total{job=\"db\",code=\"200\"}", "values": counter(&[(120, db_per_minute)])},
            {"series": "queries_total{job=\"db\",code=\"500\"}", "values": counter(&[(120, 0.0)])},
        ])
    };
    let suite = json!({
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "name": "weighted 2:1, burn rates 10 and 0",
                "interval": "1m",
                "input_series": series(1000.0),
                "promql_expr_test": [
                    value(burn.clone(), 90, 6667),
                    value(remaining.clone(), 90, -5667),
                    value(page.to_string(), 90, 1),
                    {"expr": fast_page, "eval_time": "90m", "exp_samples": []},
                ],
            },
            {
                "name": "a member without traffic is left out of the mean",
                "interval": "1m",
                "input_series": series(0.0),
                "promql_expr_test": [
                    value(burn, 90, 10000),
                    value(remaining, 90, -9000),
                ],
            },
        ],
    });
    let suite_path = directory.0.join("tests.yaml");
    std::fs::write(&suite_path, nines_spec::emit::documents(None, &[suite])).unwrap();
    let output = Command::new(promtool())
        .current_dir(&directory.0)
        .arg("test")
        .arg("rules")
        .arg(&suite_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool test rules failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
