//! Rule generation for 10,000 SLOs: `cargo bench -p nines-rules --bench generate`.
//! Goal: under one second. The specs (2,000 services × 5 SLOs: ratio and histogram
//! latency SLIs, default and custom burn-rate tables) are loaded once, untimed; the timed
//! part builds every group and renders every file as YAML.

use divan::Bencher;
use nines_rules::{Options, generate, render};

const SERVICES: usize = 2_000;

fn main() {
    divan::main();
}

fn specs() -> String {
    let mut text = String::new();
    for service in 0..SERVICES {
        text.push_str(&format!(
            "---\napiVersion: nines/v1\nname: svc-{service:04}\nowner: team-{service}\nslos:\n"
        ));
        for slo in 0..5 {
            if slo % 2 == 0 {
                text.push_str(&format!(
                    "  - name: availability-{slo}\n    target: 99.9%\n    window: 28d\n    sli:\n      prometheus:\n        valid: http_requests_total{{job=\"svc-{service}\",route=\"/r{slo}\"}}\n        bad: http_requests_total{{job=\"svc-{service}\",route=\"/r{slo}\",code=~\"5..\"}}\n"
                ));
            } else {
                text.push_str(&format!(
                    "  - name: latency-{slo}\n    target: 99%\n    window: 30d\n    sli:\n      latency: 300ms\n      prometheus:\n        histogram: http_request_duration_seconds{{job=\"svc-{service}\",route=\"/r{slo}\"}}\n    alerting:\n      windows:\n        - {{severity: page, long: 1h, short: 5m, factor: 14.4}}\n        - {{severity: ticket, long: 1d, short: 2h, factor: 3}}\n"
                ));
            }
        }
    }
    text
}

#[divan::bench(sample_count = 10)]
fn ten_thousand_slos(bencher: Bencher) {
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "slos.yaml".into(),
        text: specs(),
    }]);
    assert_eq!(loaded.catalog.slos.len(), SERVICES * 5);
    let options = Options::default();
    bencher.bench(|| {
        let generated = generate(&loaded.catalog, &options);
        assert!(generated.skipped.is_empty());
        generated
            .files
            .iter()
            .map(|file| render(file).len())
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10)]
fn ten_thousand_slos_generate_only(bencher: Bencher) {
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "slos.yaml".into(),
        text: specs(),
    }]);
    let options = Options::default();
    bencher.bench(|| generate(&loaded.catalog, &options).rules);
}
