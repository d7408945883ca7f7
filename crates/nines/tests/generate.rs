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

/// A Pyrra v0.10 SLO on `http_requests_total{job="web"}` with the given `alerting` block.
fn pyrra_spec(alerting: &str) -> String {
    format!(
        "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: web-requests\n  labels:\n    pyrra.dev/service: web\nspec:\n  target: \"99.5\"\n  window: 28d\n  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{{job=\"web\",code=~\"5..\"}}\n      total:\n        metric: http_requests_total{{job=\"web\"}}\n{alerting}"
    )
}

fn generate_pyrra(alerting: &str) -> String {
    let directory = TempDir::new();
    directory.write("web.yaml", &pyrra_spec(alerting));
    let run = Nines::new()
        .args(["generate", "prometheus"])
        .arg(directory.path())
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    assert!(!run.stderr.contains("is ignored"), "{}", run.stderr);
    let path = directory.write("rules.yaml", &run.stdout);
    assert!(promtool_check(&path).status.success(), "{}", run.stdout);
    run.stdout
}

/// The text of the alert rule named `name` in `rules`, up to the next rule.
fn alert_rule<'a>(rules: &'a str, name: &str) -> &'a str {
    let start = rules
        .find(&format!("alert: {name}\n"))
        .unwrap_or_else(|| panic!("no alert {name} in\n{rules}"));
    let rest = &rules[start..];
    let end = rest[1..]
        .find("- alert:")
        .or_else(|| rest[1..].find("- record:"));
    end.map_or(rest, |end| &rest[..end + 1])
}

#[test]
fn pyrra_absent_name_and_severities_reach_the_no_data_alert() {
    // issue 8.5: the Pyrra decoder dropped `absent`, `absentName` and `severities.absent`.
    let rules = generate_pyrra(
        "  alerting:\n    absentName: WebMetricsMissing\n    severities:\n      absent: ticket\n      fastBurn: page\n",
    );
    let absent = alert_rule(&rules, "WebMetricsMissing");
    assert!(
        absent.contains("absent(http_requests_total{job=\"web\"})"),
        "{absent}"
    );
    assert!(absent.contains("severity: ticket"), "{absent}");
    assert!(!rules.contains("alert: SLOMetricAbsent"), "{rules}");
    // `fastBurn` relabels Pyrra's fastest tier (1h/5m) only.
    assert!(rules.contains("severity: page"), "{rules}");
    assert!(
        rules.contains("severity: critical"),
        "mediumBurn keeps Pyrra's default: {rules}"
    );
}

#[test]
fn pyrra_absent_false_drops_only_the_absent_alert() {
    // issue 8.5: Pyrra `absent: false` switches the absent alert off, burn rates stay.
    let rules = generate_pyrra("  alerting:\n    absent: false\n");
    assert!(!rules.contains("absent("), "{rules}");
    assert!(
        rules.contains("ErrorBudgetBurn"),
        "burn-rate alerts stay: {rules}"
    );
    // Without an `alerting` block Pyrra's default applies: the absent alert, named and
    // labelled as Pyrra names and labels it.
    let rules = generate_pyrra("");
    let absent = alert_rule(&rules, "SLOMetricAbsent");
    assert!(absent.contains("severity: critical"), "{absent}");
}

#[test]
fn a_pyrra_absent_alert_survives_conversion_to_nines() {
    // issue 8.5: `nines convert --to nines` of a Pyrra spec kept no trace of `absentName`
    // and `absent: false`; the nines/v1 `alerting.noDataAlert` carries them.
    let directory = TempDir::new();
    directory.write(
        "web.yaml",
        &pyrra_spec("  alerting:\n    absentName: WebMetricsMissing\n    severities:\n      absent: ticket\n"),
    );
    let converted = Nines::new()
        .args(["convert", "--to", "nines"])
        .arg(directory.path().join("web.yaml"))
        .run();
    assert_eq!(converted.status, 0, "{converted:?}");
    assert!(
        converted.stdout.contains("noDataAlert"),
        "{}",
        converted.stdout
    );
    let native = TempDir::new();
    native.write("web.yaml", &converted.stdout);
    let run = Nines::new()
        .args(["generate", "prometheus"])
        .arg(native.path())
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    let absent = alert_rule(&run.stdout, "WebMetricsMissing");
    assert!(absent.contains("severity: ticket"), "{absent}");
}
