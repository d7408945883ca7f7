//! The peers' own files (issue 8.11): example and test specs copied from Sloth, OpenSLO,
//! oslo, the OpenSLO Go SDK and Pyrra, with their origin in `tests/corpus/MANIFEST.md`.
//! Files the peer accepts load in nines (warnings allowed, naming what is ignored); files
//! the peer refuses are refused at the line the manifest names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nines_spec::{Severity, Source, load_sources, validate_loaded};

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// What the manifest says nines does with a file.
#[derive(Debug)]
enum Expected {
    Loads,
    Refused { rule: String, line: u32 },
}

/// The manifest's rows: file (relative to the corpus) → expectation.
fn manifest() -> BTreeMap<String, Expected> {
    let text = std::fs::read_to_string(root().join("MANIFEST.md")).expect("MANIFEST.md");
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let file = cells[1].trim_matches('`').to_string();
        let expected = match cells[7].split_whitespace().collect::<Vec<_>>()[..] {
            ["loads"] => Expected::Loads,
            ["refused", rule, line] => Expected::Refused {
                rule: rule.to_string(),
                line: line.parse().expect("line"),
            },
            _ => panic!("{file}: bad expectation `{}`", cells[7]),
        };
        rows.insert(file, expected);
    }
    rows
}

fn read(file: &str) -> Source {
    Source {
        name: file.into(),
        text: std::fs::read_to_string(root().join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}")),
    }
}

/// Groups files: those in a folder below the peer's folder load together.
fn groups(files: &[&String]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let parts: Vec<&str> = file.split('/').collect();
        let key = if parts.len() > 2 {
            parts[..parts.len() - 1].join("/")
        } else {
            (*file).clone()
        };
        groups.entry(key).or_default().push((*file).clone());
    }
    groups
}

#[test]
fn every_corpus_file_is_listed_in_the_manifest() {
    let rows = manifest();
    let mut on_disk = Vec::new();
    let mut stack = vec![root()];
    while let Some(directory) = stack.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|name| name != "MANIFEST.md") {
                on_disk.push(
                    path.strip_prefix(root())
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    for file in &on_disk {
        assert!(rows.contains_key(file), "{file} is not in MANIFEST.md");
    }
    assert_eq!(
        on_disk.len(),
        rows.len(),
        "MANIFEST.md lists files that are not there"
    );
    assert!(rows.len() >= 80, "the corpus shrank: {}", rows.len());
}

#[test]
fn peer_files_load_or_are_refused_as_the_manifest_says() {
    let rows = manifest();
    let files: Vec<&String> = rows.keys().collect();
    let mut failures = Vec::new();
    for (_, members) in groups(&files) {
        let sources: Vec<Source> = members.iter().map(|file| read(file)).collect();
        let validation = validate_loaded(load_sources(&sources), today());
        for file in &members {
            let errors: Vec<_> = validation
                .diagnostics
                .iter()
                .filter(|diagnostic| {
                    diagnostic.severity == Severity::Error && &*diagnostic.location.file == file
                })
                .collect();
            match &rows[file] {
                Expected::Loads => {
                    if let Some(first) = errors.first() {
                        failures.push(format!("{file}: should load, but {first}"));
                    }
                }
                Expected::Refused { rule, line } => {
                    if !errors
                        .iter()
                        .any(|error| error.rule == rule && error.location.line == *line)
                    {
                        failures.push(format!(
                            "{file}: should be refused with {rule} at line {line}, found {:?}",
                            errors.iter().map(ToString::to_string).collect::<Vec<_>>()
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn diagnostics(name: &str, text: &str) -> Vec<(Severity, String, u32, String)> {
    let loaded = load_sources(&[Source {
        name: name.into(),
        text: text.to_string(),
    }]);
    validate_loaded(loaded, today())
        .diagnostics
        .into_iter()
        .map(|diagnostic| {
            (
                diagnostic.severity,
                diagnostic.rule.to_string(),
                diagnostic.location.line,
                diagnostic.message,
            )
        })
        .collect()
}

fn assert_loads_with_warning(name: &str, text: &str, line: u32, words: &str) {
    let found = diagnostics(name, text);
    let errors: Vec<_> = found.iter().filter(|d| d.0 == Severity::Error).collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    assert!(
        found
            .iter()
            .any(|d| d.1 == "ignored-field" && d.2 == line && d.3.contains(words)),
        "{name}: no ignored-field warning at line {line} with `{words}`: {found:?}"
    );
}

// issue 8.11: Pyrra v0.10 fields load, with a warning saying they are not used.
#[test]
fn pyrra_v0_10_fields_load_with_a_warning() {
    let text = r#"apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: http-errors
  labels:
    service: api
spec:
  target: "99"
  window: 2w
  performanceOverAccuracy: true
  ruleOutput:
    shortRulesLabels: {prometheus: fast}
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="api",code=~"5.."}
      total:
        metric: http_requests_total{job="api"}
  alerting:
    severities:
      fastBurn: critical
"#;
    assert_loads_with_warning("pyrra.yaml", text, 10, "performanceOverAccuracy");
    assert_loads_with_warning("pyrra.yaml", text, 11, "ruleOutput");
    // issue 8.5: `severities` is used now (burn-rate tiers and the absent alert), so it
    // loads without a word.
    let found = diagnostics("pyrra.yaml", text);
    assert!(
        !found.iter().any(|d| d.3.contains("severities")),
        "{found:?}"
    );
}

// issue 8.11: Sloth ignores `pageAlert` in a prometheus/v1 file; so does nines, saying so.
#[test]
fn sloth_page_alert_in_the_plain_form_loads_with_a_warning() {
    let text = r#"version: "prometheus/v1"
service: "api"
slos:
  - name: "requests"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: ApiErrors
      pageAlert:
        labels: {severity: critical}
"#;
    assert_loads_with_warning("sloth.yaml", text, 12, "page_alert");
}

// issue 8.4: `alerting.name: ""` would become `alert: ""`, which promtool refuses.
#[test]
fn sloth_empty_alert_name_is_refused_at_its_position() {
    let text = r#"version: "prometheus/v1"
service: "api"
slos:
  - name: "requests"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: ""
"#;
    let found = diagnostics("sloth.yaml", text);
    assert!(
        found
            .iter()
            .any(|d| d.0 == Severity::Error && d.1 == "invalid-value" && d.2 == 11),
        "{found:?}"
    );
}

// issue 8.11: OpenSLO files other OpenSLO tools accept.
#[test]
fn openslo_leniencies_of_the_peers_load_with_warnings() {
    let text = r#"apiVersion: openslo/v1
kind: Service
metadata:
  name: web
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: web
  indicator:
    metadata:
      name: good-requests
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: undefined-prometheus
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{code!~"5.."}[5m]))
              dimensions: [region]
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total[5m]))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: page
      spec:
        conditions:
          - kind: AlertCondition
            metadata:
              name: fast-burn
            spec:
              severity: page
              condition:
                kind: burnrate
                op: lte
                threshold: 14.4
                lookbackWindow: 1h
                alertAfter: 2m
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: on-call
            spec:
              target: pagerduty
"#;
    assert_loads_with_warning("openslo.yaml", text, 20, "undefined-prometheus");
    assert_loads_with_warning("openslo.yaml", text, 24, "dimensions");
    assert_loads_with_warning("openslo.yaml", text, 49, "op: lte");
    // Without `type`, the reference is what says how to query: an undefined one is an error.
    let strict = text.replace("            type: Prometheus\n            spec:\n              query: sum(rate(http_requests_total{code!~", "            spec:\n              query: sum(rate(http_requests_total{code!~");
    let found = diagnostics("openslo.yaml", &strict);
    assert!(
        found
            .iter()
            .any(|d| d.0 == Severity::Error && d.1 == "unresolved-reference" && d.2 == 20),
        "{found:?}"
    );
}
