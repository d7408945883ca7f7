//! `nines generate prometheus` as a user runs it.

mod harness;

use harness::{Nines, TempDir};

#[test]
fn generates_rules_for_the_example_shop() {
    let run = Nines::new()
        .args(["generate", "prometheus", "examples/shop"])
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    for expected in [
        "nines:sli_error:ratio_rate1h",
        "nines:sli_error:ratio_rate28d",
        "alert: CheckoutAvailabilityErrorBudgetBurn",
        "runbook_url: https://runbooks.shop.example.com/checkout/availability",
        "long_window: 6h",
    ] {
        assert!(run.stdout.contains(expected), "{expected}");
    }
    assert!(
        run.stderr.contains("skipped order-pipeline/freshness"),
        "threshold SLIs are reported, not dropped: {}",
        run.stderr
    );
}

#[test]
fn writes_one_file_per_service_in_each_layout() {
    let directory = TempDir::new();
    let run = Nines::new()
        .args([
            "generate",
            "prometheus",
            "--format",
            "operator",
            "--naming",
            "sloth",
            "--label",
            "release=kube-prometheus",
            "--output",
            "json",
            "examples/shop",
            "--out-dir",
        ])
        .arg(directory.path())
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    let summary: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    // checkout, payments, search and the composite storefront (issue 8.3).
    assert_eq!(summary["files"].as_array().unwrap().len(), 4);
    let checkout = std::fs::read_to_string(directory.path().join("checkout.rules.yaml")).unwrap();
    assert!(checkout.contains("kind: PrometheusRule"));
    assert!(checkout.contains("release: kube-prometheus"));
    assert!(checkout.contains("slo:sli_error:ratio_rate5m"));
    assert!(checkout.contains("sloth_id: checkout-availability"));
}

#[test]
fn refuses_bad_options_and_invalid_specs() {
    let bad_label = Nines::new()
        .args([
            "generate",
            "prometheus",
            "--label",
            "9bad=x",
            "examples/shop",
        ])
        .run();
    assert_eq!(bad_label.status, 2);
    assert!(
        bad_label.stderr.contains("not a Prometheus label name"),
        "{}",
        bad_label.stderr
    );
    let directory = TempDir::new();
    directory.write(
        "bad.yaml",
        "apiVersion: nines/v1\nname: x\nslos:\n  - name: a\n    target: 100%\n    window: 28d\n    sli:\n      prometheus:\n        valid: x_total\n        bad: x_total{code=\"500\"}\n",
    );
    let invalid = Nines::new()
        .args(["generate", "prometheus"])
        .arg(directory.path())
        .run();
    assert_eq!(invalid.status, 1, "{invalid:?}");
    assert!(
        invalid.stderr.contains("target-out-of-range"),
        "{}",
        invalid.stderr
    );
    assert!(invalid.stdout.is_empty());
}

fn promtool_check(path: &std::path::Path) -> std::process::Output {
    let promtool = "/usr/bin/promtool";
    assert!(
        std::path::Path::new(promtool).exists(),
        "this test needs promtool: apt-get install prometheus"
    );
    std::process::Command::new(promtool)
        .arg("check")
        .arg("rules")
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn stdout_is_one_loadable_file_for_every_service() {
    // issue 8.1: `generate prometheus examples/ > rules.yaml` wrote one `groups:` document
    // per service back to back ("mapping key "groups" already defined").
    let directory = TempDir::new();
    for naming in ["nines", "sloth"] {
        let run = Nines::new()
            .args(["generate", "prometheus", "--naming", naming, "examples/"])
            .run();
        assert_eq!(run.status, 0, "{run:?}");
        let path = directory.write(&format!("rules-{naming}.yaml"), &run.stdout);
        let checked = promtool_check(&path);
        assert!(
            checked.status.success(),
            "promtool check rules: {}\n{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
        assert_eq!(
            run.stdout.matches("\ngroups:").count(),
            1,
            "one groups list"
        );
        for service in [
            "checkout",
            "payments",
            "search",
            "storefront",
            "catalog-api",
            "inventory",
            "recommendations",
        ] {
            assert!(
                run.stdout.contains(&format!("- name: nines-{service}-")),
                "{service} is in the one file"
            );
        }
    }
    // The operator layout: one PrometheusRule per service, separated by `---`.
    let run = Nines::new()
        .args([
            "generate",
            "prometheus",
            "--format",
            "operator",
            "examples/shop",
        ])
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    let documents = run.stdout.split("\n---\n").count();
    assert_eq!(
        run.stdout.matches("kind: PrometheusRule").count(),
        documents
    );
    assert!(documents >= 4, "{documents}");
    // Mimir: one namespace file.
    let run = Nines::new()
        .args([
            "generate",
            "prometheus",
            "--format",
            "mimir",
            "examples/shop",
        ])
        .run();
    assert_eq!(run.stdout.matches("namespace:").count(), 1);
    assert!(run.stdout.contains("namespace: nines\n"));
}

#[test]
fn a_spec_without_prometheus_queries_fails_and_says_why() {
    // issue 8.3: only event SLIs printed `0 rule(s) in 0 file(s)` with exit 0.
    let directory = TempDir::new();
    directory.write(
        "events.yaml",
        "apiVersion: nines/v1\nname: web\nslos:\n  - name: availability\n    target: 99.9%\n    window: 28d\n    sli:\n      events:\n        good: \"status < 500\"\n",
    );
    let run = Nines::new()
        .args(["generate", "prometheus"])
        .arg(directory.path())
        .run();
    assert_eq!(run.status, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("skipped web/availability (default): the SLI has only an events source"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no rules generated"), "{}", run.stderr);
    let json = Nines::new()
        .args(["generate", "prometheus", "--output", "json"])
        .arg(directory.path())
        .run();
    assert_eq!(json.status, 1);
    let summary: serde_json::Value = serde_json::from_str(&json.stderr).unwrap();
    assert_eq!(summary["generated"], false);
    assert_eq!(summary["skipped"][0]["slo"], "web/availability");
}

#[test]
fn composites_get_rules_and_every_skip_is_listed() {
    // issue 8.3: the composite purchase journey got no rules and was not listed.
    let run = Nines::new()
        .args([
            "generate",
            "prometheus",
            "--output",
            "json",
            "examples/shop",
        ])
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("- name: nines-storefront-purchase-journey-burn-rates")
    );
    assert!(
        run.stdout
            .contains("alert: StorefrontPurchaseJourneyErrorBudgetBurn")
    );
    let summary: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    let skipped: Vec<&str> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["slo"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["order-pipeline/freshness"]);
}

#[test]
fn an_empty_alert_name_never_reaches_the_rules() {
    // issue 8.4: `alerting.name: ""` produced `alert: ""`, which promtool refuses.
    let directory = TempDir::new();
    directory.write(
        "sloth.yaml",
        "version: prometheus/v1\nservice: web\nslos:\n  - name: requests\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(http_requests_total[{{.window}}]))\n    alerting:\n      name: \"\"\n",
    );
    let run = Nines::new()
        .args(["generate", "prometheus"])
        .arg(directory.path())
        .run();
    if run.status == 1 {
        // The Sloth decoder refuses it (issue 8.4, spec side): fine, nothing written.
        assert!(run.stdout.is_empty());
        return;
    }
    assert_eq!(run.status, 0, "{run:?}");
    assert!(!run.stdout.contains("alert: \"\""), "{}", run.stdout);
    assert!(run.stdout.contains("alert: WebRequestsErrorBudgetBurn"));
    assert!(
        run.stderr.contains("`alerting.name` is empty"),
        "{}",
        run.stderr
    );
    let path = directory.write("rules.yaml", &run.stdout);
    assert!(promtool_check(&path).status.success());
}
