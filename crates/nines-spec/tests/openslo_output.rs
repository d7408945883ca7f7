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

fn shop() -> Vec<Source> {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let mut sources: Vec<Source> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .map(|path| Source {
            name: path.display().to_string().into(),
            text: std::fs::read_to_string(&path).unwrap(),
        })
        .collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    sources
}

#[test]
fn the_stream_is_pure_openslo_and_reads_back_as_the_same_model() {
    // issue 8.12: SLAs and error budget policies were written as nines/v1 documents in
    // the middle of the OpenSLO stream.
    let loaded = load_sources(&shop());
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|d| d.severity != nines_spec::Severity::Error)
    );
    let catalog = loaded.catalog;
    assert!(
        !catalog.slas.is_empty() && !catalog.policies.is_empty(),
        "the example has both"
    );
    let text = convert(&catalog, Target::OpenSlo).render();
    let versions: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("apiVersion: "))
        .collect();
    assert!(!versions.is_empty());
    assert!(
        versions.iter().all(|version| *version == "openslo/v1"),
        "{versions:?}\n{text}"
    );
    let back = load("openslo.yaml", &text);
    assert_eq!(back.slas, catalog.slas);
    assert_eq!(back.policies, catalog.policies);
    assert_eq!(back.slos.len(), catalog.slos.len());
    // And with --out-dir, the side files hold the same documents as nines/v1 text.
    let conversion = convert(&catalog, Target::OpenSlo);
    let files = conversion.files();
    let payments = files
        .iter()
        .find(|(stem, _)| stem == "payments.nines")
        .expect("payments has an SLA: payments.nines.yaml");
    assert!(
        payments
            .1
            .iter()
            .all(|document| document["apiVersion"] == "nines/v1")
    );
    assert!(
        files
            .iter()
            .filter(|(stem, _)| !stem.ends_with(".nines"))
            .all(|(_, documents)| documents
                .iter()
                .all(|document| document["apiVersion"] == "openslo/v1"))
    );
    let sources: Vec<Source> = files
        .iter()
        .map(|(stem, documents)| Source {
            name: format!("{stem}.yaml").into(),
            text: nines_spec::emit::documents(None, documents),
        })
        .collect();
    let from_files = load_sources(&sources);
    let errors: Vec<String> = from_files
        .diagnostics
        .iter()
        .filter(|d| d.severity == nines_spec::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(from_files.catalog.slas, catalog.slas);
    assert_eq!(from_files.catalog.policies, catalog.policies);
}

#[test]
fn a_named_sli_whose_threshold_no_objective_uses_reads_back_as_the_reference() {
    // issue 8.12: the SLI says 300ms, the objectives 1s then 200ms: neither OpenSLO SLO may
    // count in le="0.3", and nines must read back the reference and the objective order.
    let text = r#"apiVersion: nines/v1
name: checkout
slis:
  - name: request-latency
    latency: 300ms
    prometheus:
      histogram: http_request_duration_seconds{job="checkout"}
slos:
  - name: latency
    window: 28d
    sli: request-latency
    objectives:
      - name: acceptable
        target: 99%
        threshold: "<= 1s"
      - name: fast
        target: 95%
        threshold: "<= 200ms"
"#;
    let catalog = load("checkout.yaml", text);
    let conversion = convert(&catalog, Target::OpenSlo);
    let rendered = conversion.render();
    let queries: Vec<String> = conversion
        .outputs
        .iter()
        .flat_map(|output| &output.documents)
        .filter(|document| document["kind"] == "SLO")
        .map(|slo| {
            slo["spec"]["indicator"]["spec"]["ratioMetric"]["good"]["metricSource"]["spec"]["query"]
                .as_str()
                .unwrap_or_else(|| panic!("no inline good query in {slo}"))
                .to_string()
        })
        .collect();
    assert_eq!(queries.len(), 2, "{rendered}");
    assert!(
        queries.iter().all(|query| !query.contains("le=\"0.3\"")),
        "{queries:?}"
    );
    let back = load("openslo.yaml", &rendered);
    assert_eq!(back.slos, catalog.slos, "{rendered}");
    let names: Vec<&str> = back.slos[0]
        .objectives
        .iter()
        .map(|objective| objective.name.as_str())
        .collect();
    assert_eq!(names, ["acceptable", "fast"]);
}
