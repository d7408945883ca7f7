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
    assert_eq!(summary["files"].as_array().unwrap().len(), 3);
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
