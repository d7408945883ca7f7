//! Validating 10,000 SLOs spread over 1,000 files (the goal: under one second on 2 cores).
//!
//! `cargo bench -p nines-spec --bench validate`. The files are generated in memory so the
//! figure is parsing, decoding, resolving and linting; `bench/validate.sh` times the same
//! corpus end to end through the `nines` binary, file reads included.

use nines_spec::{Source, load_sources, validate_loaded};

fn main() {
    divan::main();
}

/// One file: two services of five SLOs each, a mix of every SLI kind and budgeting method.
pub fn corpus(files: usize) -> Vec<Source> {
    let mut sources: Vec<Source> = (0..files)
        .map(|index| Source {
            name: format!("specs/service-{index:04}.yaml").into(),
            text: file(index),
        })
        .collect();
    sources.push(Source {
        name: "specs/policy.yaml".into(),
        text: "apiVersion: nines/v1\nkind: ErrorBudgetPolicy\nname: standard\nreview: {last: 2026-06-01}\nstates:\n  - name: frozen\n    when: remaining < 0%\n    actions: [{freeze: releases, except: [security, p0]}]\n  - name: ok\n".into(),
    });
    sources
}

fn file(index: usize) -> String {
    let mut text = String::new();
    for half in 0..2 {
        text.push_str(&format!(
            "---\napiVersion: nines/v1\nkind: Service\nname: service-{index}-{half}\nowner: team-{index}\napprovers:\n  - {{name: Jane Doe, role: VP Engineering, approved: 2026-05-01}}\nreview: {{last: 2026-05-01}}\npolicy: standard\nslas:\n  - {{name: contract, target: 99.5%, window: month, credits: [{{below: 99.5%, credit: 10%}}]}}\nslos:\n"
        ));
        text.push_str(&format!(
            r#"  - name: availability
    target: 99.9%
    aspirational: 99.95%
    window: 28d
    sla: contract
    sli:
      events:
        valid: route == "/api/{index}" && method in ["GET", "POST"]
        good: status < 500
      prometheus:
        valid: http_requests_total{{job="svc-{index}"}}
        bad: http_requests_total{{job="svc-{index}",code=~"5.."}}
    alerting:
      runbook: https://runbooks.example.com/{index}
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events: {{valid: "route == '/api/{index}'", field: duration_seconds}}
      prometheus:
        histogram: http_request_duration_seconds{{job="svc-{index}"}}
  - name: search
    target: 99%
    window: 28d
    budgeting: timeslices
    slice: 1m
    sliceTarget: 95%
    sli:
      latency: 500ms
      prometheus:
        histogram: search_duration_seconds{{job="svc-{index}"}}
  - name: freshness
    target: 99%
    window: month
    zone: Europe/Paris
    budgeting: timeslices
    slice: 1h
    sli:
      threshold: "<= 26h"
      prometheus:
        value: time() - max(last_success_timestamp_seconds{{job="svc-{index}"}})
    alerting:
      windows:
        - {{severity: ticket, long: 6h, short: 30m, factor: 6}}
  - name: journey
    target: 99.5%
    window: 28d
    composite:
      members:
        - {{slo: availability, weight: 2}}
        - {{slo: latency}}
"#
        ));
    }
    text
}

#[divan::bench(sample_count = 10)]
fn validate_10k_slos_in_1k_files(bencher: divan::Bencher) {
    let sources = corpus(1000);
    let check = validate_loaded(
        load_sources(&[sources[0].clone(), sources[sources.len() - 1].clone()]),
        jiff::civil::date(2026, 11, 29),
    );
    let problems: Vec<String> = check
        .diagnostics
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect();
    assert!(
        check.is_valid() && check.diagnostics.is_empty(),
        "{}",
        problems.join("\n")
    );
    bencher.bench_local(|| {
        let validation = validate_loaded(
            load_sources(divan::black_box(&sources)),
            jiff::civil::date(2026, 11, 29),
        );
        assert_eq!(validation.loaded.catalog.slos.len(), 10_000);
        assert!(validation.is_valid());
        validation
    });
}
