//! What `convert --to openslo` writes means to other OpenSLO tools what it means to nines.

use nines_core::model::Catalog;
use nines_spec::convert::{Target, convert};
use nines_spec::{Source, load_sources};

/// A latency SLO with `<= 200ms` at 95% and `<= 1s` at 99% (issue 8.12).
const TWO_THRESHOLDS: &str = r#"apiVersion: nines/v1
name: checkout
slos:
  - name: latency
    window: 28d
    sli:
      latency: 200ms
      prometheus:
        histogram: http_request_duration_seconds{job="checkout"}
    objectives:
      - name: fast
        target: 95%
        threshold: "<= 200ms"
      - name: acceptable
        target: 99%
        threshold: "<= 1s"
"#;

fn load(name: &str, text: &str) -> Catalog {
    let loaded = load_sources(&[Source {
        name: name.into(),
        text: text.into(),
    }]);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == nines_spec::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{}\n---\n{text}", errors.join("\n"));
    loaded.catalog
}

#[test]
fn each_latency_threshold_counts_in_its_own_bucket() {
    // issue 8.12: both objectives were written under one indicator with le="0.2", which
    // any other OpenSLO tool reads as "99% within 200 ms".
    let catalog = load("checkout.yaml", TWO_THRESHOLDS);
    let conversion = convert(&catalog, Target::OpenSlo);
    let text = conversion.render();
    let slos: Vec<&serde_json::Value> = conversion
        .outputs
        .iter()
        .flat_map(|output| &output.documents)
        .filter(|document| document["kind"] == "SLO")
        .collect();
    // Each OpenSLO SLO: its objectives' targets and the `le` its good query counts.
    let mut seen: Vec<(Vec<f64>, String)> = slos
        .iter()
        .map(|slo| {
            let spec = &slo["spec"];
            let good =
                spec["indicator"]["spec"]["ratioMetric"]["good"]["metricSource"]["spec"]["query"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no good query in {slo}"))
                    .to_string();
            let targets = spec["objectives"]
                .as_array()
                .unwrap()
                .iter()
                .map(|objective| objective["target"].as_f64().unwrap())
                .collect();
            (targets, good)
        })
        .collect();
    seen.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    assert_eq!(
        seen,
        vec![
            (
                vec![0.95],
                "http_request_duration_seconds_bucket{job=\"checkout\",le=\"0.2\"}".to_string()
            ),
            (
                vec![0.99],
                "http_request_duration_seconds_bucket{job=\"checkout\",le=\"1\"}".to_string()
            ),
        ],
        "{text}"
    );
    // And nines reads the two OpenSLO SLOs back as the one it wrote.
    let back = load("openslo.yaml", &text);
    assert_eq!(back.slos.len(), 1, "{text}");
    assert_eq!(back.slos, catalog.slos);
}
