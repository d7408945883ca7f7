//! Pyrra `apiVersion: pyrra.dev/v1alpha1`, `kind: ServiceLevelObjective`.
//!
//! Pyrra has no service field: nines takes the service from the label
//! `pyrra.dev/service` (or `service`), else from the namespace. Pyrra's alert table
//! (factors 14, 7, 2 and 1, windows scaled from a 28-day table) is kept as the SLO's
//! burn-rate table, so alerts behave as they did under Pyrra.

use nines_core::model::{
    Alerting, Budgeting, BurnRateWindow, BurnThreshold, Catalog, Counted, DEFAULT_OBJECTIVE,
    Indicator, Labels, Objective, Origin, PromQuery, PrometheusSource, RawKind, Sli, SliKind,
    SliRef, Slo, Window,
};
use nines_core::{Duration, Ratio};

use crate::decode::{Cx, Fields, boolean, mark, name, string, string_map, strings};
use crate::diag::Rule;
use crate::yaml::Node;

/// Pyrra v0.10 spec fields about how Pyrra lays out its own rules: nines generates its own
/// rules, so they are loaded with a warning and not used.
const IGNORED_SPEC_FIELDS: &[(&str, &str)] = &[
    (
        "performanceOverAccuracy",
        "it selects Pyrra's own rule layout (subqueries for long windows); nines computes windows its own way",
    ),
    (
        "ruleOutput",
        "it labels the split PrometheusRule resources Pyrra writes with performanceOverAccuracy; nines does not split its rules that way",
    ),
];

/// Pyrra's `alerting.severities` keys for the burn-rate tiers, in the order of
/// [`pyrra_windows`] (its `alertSeverityLabel` window index 0 to 3).
const SEVERITY_TIERS: [&str; 4] = ["fastBurn", "mediumBurn", "slowBurn", "longTermBurn"];

/// The severity Pyrra gives its absent alert unless `severities.absent` says otherwise.
const PYRRA_ABSENT_SEVERITY: &str = "critical";

const INDICATORS: &[&str] = &["ratio", "latency", "latencyNative", "bool_gauge"];

/// Decodes one Pyrra document into `catalog`.
pub fn decode_document(cx: &mut Cx<'_>, root: &Node, catalog: &mut Catalog) {
    if let Some(slo) = decode(cx, root) {
        catalog.slos.push(slo);
    }
}

fn decode(cx: &mut Cx<'_>, root: &Node) -> Option<Slo> {
    let fields = Fields::open(
        cx,
        root,
        "a Pyrra ServiceLevelObjective",
        &["apiVersion", "kind", "metadata", "spec", "status"],
    )?;
    let kind = fields
        .get("kind")
        .and_then(Node::as_scalar)
        .unwrap_or_default();
    if kind != "ServiceLevelObjective" {
        cx.report(
            Rule::UnknownKind,
            fields.get("kind").unwrap_or(root),
            format!("unsupported kind `{kind}` for pyrra.dev/v1alpha1"),
        )
        .hint("nines reads `kind: ServiceLevelObjective`");
        return None;
    }
    let metadata_node = fields.require(cx, "metadata", "the ServiceLevelObjective")?;
    let metadata = Fields::open(
        cx,
        metadata_node,
        "metadata",
        &["name", "namespace", "labels", "annotations"],
    )?;
    let errors_before = cx.error_count();
    let slo_name = match metadata.get("name") {
        Some(node) => name(cx, node, "metadata.name"),
        None => {
            cx.report(Rule::MissingField, metadata_node, "name must be set")
                .hint("add `name:` under metadata");
            None
        }
    };
    let labels = metadata
        .get("labels")
        .map(|node| string_map(cx, node, "labels"))
        .unwrap_or_default();
    let annotations = metadata
        .get("annotations")
        .map(|node| string_map(cx, node, "annotations"))
        .unwrap_or_default();
    let namespace = metadata
        .get("namespace")
        .and_then(|node| string(cx, node, "namespace"));
    let service_text = labels
        .get("pyrra.dev/service")
        .or_else(|| labels.get("service"))
        .cloned()
        .or(namespace)
        .or_else(|| slo_name.clone());
    let service = service_text.and_then(|text| match nines_core::name::check_name(&text) {
        Ok(()) => Some(text),
        Err(problem) => {
            cx.report(
                Rule::InvalidName,
                metadata_node,
                format!("service (from the pyrra.dev/service label or the namespace): {problem}"),
            )
            .hint(format!(
                "set the label `pyrra.dev/service: {}`",
                nines_core::name::suggest_name(&text)
            ));
            None
        }
    });
    let spec_node = fields.require(cx, "spec", "the ServiceLevelObjective")?;
    let spec = Fields::open_ignoring(
        cx,
        spec_node,
        "a Pyrra spec",
        &[
            "description",
            "target",
            "window",
            "indicator",
            "alerting",
            "partial_response_strategy",
        ],
        IGNORED_SPEC_FIELDS,
    )?;
    let target_node = spec.get("target");
    let target = match target_node {
        None => {
            cx.report(Rule::MissingField, spec_node, "target must be set")
                .hint("add `target: \"99.9\"` (a percentage)");
            None
        }
        Some(node) => {
            let text = string(cx, node, "target")?;
            match text.trim().parse::<f64>() {
                Ok(value)
                    if value.is_finite()
                        && (value <= 0.0 || value >= 100.0)
                        && (0.0..=100.0).contains(&value) =>
                {
                    cx.report(
                        Rule::TargetOutOfRange,
                        node,
                        format!("target {value} leaves {} error budget: an SLO is above 0 and below 100", if value >= 100.0 { "no" } else { "all of its" }),
                    )
                    .hint("Pyrra targets are percentages, e.g. `target: \"99.9\"`");
                    None
                }
                Ok(value) if value.is_finite() && (0.0..=100.0).contains(&value) => {
                    if value > 0.0 && value < 1.0 {
                        cx.report(
                            Rule::TargetLooksLikeFraction,
                            node,
                            format!(
                                "target is from 0-100 ({value}), not 0-1 ({})",
                                nines_core::ratio::format_decimal(value / 100.0, 10)
                            ),
                        )
                        .hint(format!(
                            "if you meant {}, write `target: \"{}\"`",
                            Ratio::from_fraction(value),
                            nines_core::ratio::format_decimal(value * 100.0, 10)
                        ));
                    }
                    Some(Ratio::from_percent(value))
                }
                Ok(_) => {
                    cx.report(
                        Rule::TargetOutOfRange,
                        node,
                        "target must be between 0 and 100",
                    )
                    .hint("Pyrra targets are percentages, e.g. `target: \"99.9\"`");
                    None
                }
                Err(_) => {
                    cx.report(
                        Rule::InvalidPercentage,
                        node,
                        format!("target `{text}` is not a number"),
                    )
                    .hint("write e.g. `target: \"99.9\"`");
                    None
                }
            }
        }
    };
    let window = match spec.get("window") {
        None => {
            cx.report(Rule::MissingField, spec_node, "window must be set")
                .hint("add `window: 28d`");
            None
        }
        Some(node) => crate::decode::duration(cx, node, "window").and_then(|length| {
            if length.is_zero() || !length.is_whole_minutes() {
                cx.report(
                    Rule::InvalidWindow,
                    node,
                    format!("window `{length}` is not a whole number of minutes"),
                )
                .hint("use e.g. `28d`");
                None
            } else {
                Some(length)
            }
        }),
    };
    let sli = spec
        .require(cx, "indicator", "the spec")
        .and_then(|node| indicator(cx, node));
    let mut alerting = Alerting {
        windows: window.map(pyrra_windows).unwrap_or_default(),
        ..Alerting::default()
    };
    if let Some(node) = spec.get("alerting") {
        let alert_fields = Fields::open(
            cx,
            node,
            "alerting",
            &[
                "name",
                "disabled",
                "burnrates",
                "absent",
                "absentName",
                "severities",
            ],
        )?;
        alerting.name = alert_fields
            .get("name")
            .and_then(|node| string(cx, node, "name"))
            .filter(|name| !name.is_empty());
        let disabled = alert_fields
            .get("disabled")
            .and_then(|node| boolean(cx, node, "disabled"))
            .unwrap_or(false);
        let burnrates = alert_fields
            .get("burnrates")
            .and_then(|node| boolean(cx, node, "burnrates"))
            .unwrap_or(true);
        // Pyrra: `absent` defaults to true; `absent: false` drops the absent alert only.
        alerting.no_data.disabled = !alert_fields
            .get("absent")
            .and_then(|node| boolean(cx, node, "absent"))
            .unwrap_or(true);
        alerting.no_data.name = alert_fields
            .get("absentName")
            .and_then(|node| string(cx, node, "absentName"))
            .filter(|name| !name.is_empty());
        if let Some(node) = alert_fields.get("severities") {
            severities(cx, node, &mut alerting);
        }
        alerting.disabled = disabled || !burnrates;
        alerting.disabled = disabled || !burnrates;
    }
    if cx.error_count() > errors_before {
        return None;
    }
    let mut origin = cx.origin(root);
    mark(cx, &mut origin, "name", metadata.get("name"));
    mark(cx, &mut origin, "window", spec.get("window"));
    mark(cx, &mut origin, "sli", spec.get("indicator"));
    let mut objective = Objective::new(DEFAULT_OBJECTIVE, target?);
    objective.origin = cx.origin(target_node?);
    mark(cx, &mut objective.origin, "target", target_node);
    let own_labels: Labels = labels
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("pyrra.dev/")
                .map(|key| (key.to_string(), value.clone()))
        })
        .filter(|(key, _)| key != "service")
        .collect();
    let own_annotations: Labels = annotations
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("pyrra.dev/")
                .map(|key| (key.to_string(), value.clone()))
        })
        .collect();
    Some(Slo {
        origin,
        service: service?,
        name: slo_name?,
        display_name: None,
        description: spec
            .get("description")
            .and_then(|node| string(cx, node, "description"))
            .filter(|text| !text.is_empty()),
        indicator: Indicator::Sli(SliRef::Inline(Box::new(sli?))),
        window: Window::rolling(window?),
        budgeting: Budgeting::Occurrences,
        objectives: vec![objective],
        sla: None,
        policy: None,
        alerting,
        ownership: Default::default(),
        review: Default::default(),
        labels: own_labels,
        annotations: own_annotations,
        exclusions: Vec::new(),
        no_data: None,
    })
}

/// Applies Pyrra's `alerting.severities` (v0.10): one `severity` label per burn-rate
/// tier and one for the absent alert, which Pyrra labels `critical` when unset.
fn severities(cx: &mut Cx<'_>, node: &Node, alerting: &mut Alerting) {
    let mut known = SEVERITY_TIERS.to_vec();
    known.push("absent");
    let Some(fields) = Fields::open(cx, node, "alerting.severities", &known) else {
        return;
    };
    for (index, tier) in SEVERITY_TIERS.iter().enumerate() {
        let severity = fields
            .get(tier)
            .and_then(|node| string(cx, node, tier))
            .filter(|severity| !severity.is_empty());
        if let (Some(severity), Some(row)) = (severity, alerting.windows.get_mut(index)) {
            row.severity = severity;
        }
    }
    let absent = fields
        .get("absent")
        .and_then(|node| string(cx, node, "absent"))
        .filter(|severity| !severity.is_empty());
    // Without its own entry the absent alert stays `critical` in Pyrra even when
    // `fastBurn` renames the most urgent tier, so say so rather than follow that tier.
    alerting.no_data.severity = Some(absent.unwrap_or_else(|| PYRRA_ABSENT_SEVERITY.to_string()));
}

/// Parses `metric{...}` as a selector, reporting anything else.
fn selector(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<crate::promql::Selector> {
    let fields = Fields::open(cx, node, what, &["metric"])?;
    let metric_node = fields.require(cx, "metric", what)?;
    let text = string(cx, metric_node, "metric")?;
    if let Err(problem) = crate::promql::check(&text) {
        cx.report(
            Rule::InvalidQuery,
            metric_node,
            format!("failed to parse {what} metric: {problem}"),
        )
        .hint("write a selector such as `http_requests_total{job=\"api\"}`");
        return None;
    }
    match crate::promql::selector(&text) {
        Some(parsed) if parsed.metric.is_some() => Some(parsed),
        _ => {
            cx.report(
                Rule::InvalidQuery,
                metric_node,
                format!("{what} metric must be a vector selector with a metric name"),
            )
            .hint("write `metric_name{label=\"value\"}`, without functions");
            None
        }
    }
}

fn selector_text(parsed: &crate::promql::Selector, drop_label: Option<&str>) -> String {
    let matchers: Vec<String> = parsed
        .matchers
        .iter()
        .filter(|(label, _, _)| Some(label.as_str()) != drop_label)
        .map(|(label, op, value)| {
            format!("{label}{op}{}", serde_json::Value::String(value.clone()))
        })
        .collect();
    let metric = parsed.metric.clone().unwrap_or_default();
    if matchers.is_empty() {
        metric
    } else {
        format!("{metric}{{{}}}", matchers.join(","))
    }
}

fn indicator(cx: &mut Cx<'_>, node: &Node) -> Option<Sli> {
    let fields = Fields::open(cx, node, "indicator", INDICATORS)?;
    let present: Vec<&str> = INDICATORS
        .iter()
        .copied()
        .filter(|key| fields.has(key))
        .collect();
    let Some(kind) = present.first().copied() else {
        cx.report(
            Rule::InvalidSli,
            node,
            "one of ratio, latency, latencyNative or bool_gauge must be set",
        )
        .hint("add `ratio: {errors: {metric: ...}, total: {metric: ...}}`");
        return None;
    };
    if present.len() > 1 {
        cx.report(
            Rule::InvalidSli,
            fields.get(present[1]).unwrap_or(node),
            format!(
                "cannot have {} and {} indicators at the same time",
                present[0], present[1]
            ),
        )
        .hint("keep one");
        return None;
    }
    let body = fields.get(kind)?;
    let mut sli = match kind {
        "ratio" => {
            let ratio = Fields::open(cx, body, "ratio", &["errors", "total", "grouping"])?;
            let errors = ratio.get("errors").or_else(|| {
                cx.report(Rule::MissingField, body, "ratio errors metric must be set")
                    .hint("add `errors: {metric: ...}`");
                None
            });
            let total = ratio.get("total").or_else(|| {
                cx.report(Rule::MissingField, body, "ratio total metric must be set")
                    .hint("add `total: {metric: ...}`");
                None
            });
            let errors = errors.and_then(|node| selector(cx, node, "ratio errors"));
            let total = total.and_then(|node| selector(cx, node, "ratio total"));
            let mut sli = Sli::new(SliKind::Ratio {
                counted: Counted::Bad,
            });
            sli.prometheus = Some(PrometheusSource {
                bad: Some(PromQuery::Selector(selector_text(&errors?, None))),
                valid: Some(PromQuery::Selector(selector_text(&total?, None))),
                group_by: ratio
                    .get("grouping")
                    .map(|node| strings(cx, node, "grouping"))
                    .unwrap_or_default(),
                ..PrometheusSource::default()
            });
            sli
        }
        "latency" => {
            let latency = Fields::open(cx, body, "latency", &["success", "total", "grouping"])?;
            let success_node = latency.get("success").or_else(|| {
                cx.report(
                    Rule::MissingField,
                    body,
                    "latency success metric must be set",
                )
                .hint("add `success: {metric: x_bucket{le=\"0.3\"}}`");
                None
            });
            let total = latency.get("total").or_else(|| {
                cx.report(Rule::MissingField, body, "latency total metric must be set")
                    .hint("add `total: {metric: x_count}`");
                None
            });
            let success = success_node.and_then(|node| selector(cx, node, "latency success"));
            let total = total.and_then(|node| selector(cx, node, "latency total"));
            let (success, _total) = (success?, total?);
            let metric_node = success_node?.get("metric").unwrap_or(body);
            let Some(le) = success.equal_value("le") else {
                cx.report(
                    Rule::InvalidQuery,
                    metric_node,
                    "latency success metric must contain a le label matcher",
                )
                .hint("add `le=\"0.3\"` to pick the latency threshold bucket");
                return None;
            };
            let Some(seconds) = le
                .parse::<f64>()
                .ok()
                .filter(|value| value.is_finite() && *value > 0.0)
            else {
                cx.report(Rule::InvalidQuery, metric_node, format!("latency success metric must contain a le label matcher with a float value, found `{le}`")).hint("e.g. `le=\"0.3\"`");
                return None;
            };
            let threshold = Duration::from_millis((seconds * 1000.0).round() as u64);
            let base = success
                .metric
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches("_bucket")
                .to_string();
            let histogram = selector_text(
                &crate::promql::Selector {
                    metric: Some(base),
                    matchers: success.matchers.clone(),
                },
                Some("le"),
            );
            let mut sli = Sli::new(SliKind::Latency { threshold });
            sli.prometheus = Some(PrometheusSource {
                histogram: Some(histogram),
                group_by: latency
                    .get("grouping")
                    .map(|node| strings(cx, node, "grouping"))
                    .unwrap_or_default(),
                ..PrometheusSource::default()
            });
            sli
        }
        "latencyNative" => {
            let latency =
                Fields::open(cx, body, "latencyNative", &["latency", "total", "grouping"])?;
            let threshold_node = latency.require(cx, "latency", "latencyNative")?;
            let threshold =
                crate::decode::duration(cx, threshold_node, "latencyNative latency objective")?;
            let total_node = latency.require(cx, "total", "latencyNative")?;
            let total = selector(cx, total_node, "latencyNative total")?;
            let mut sli = Sli::new(SliKind::Latency { threshold });
            sli.prometheus = Some(PrometheusSource {
                histogram: Some(selector_text(&total, None)),
                native_histogram: true,
                group_by: latency
                    .get("grouping")
                    .map(|node| strings(cx, node, "grouping"))
                    .unwrap_or_default(),
                ..PrometheusSource::default()
            });
            sli
        }
        _ => {
            let gauge = Fields::open(cx, body, "bool_gauge", &["metric", "grouping"])?;
            let metric_node = gauge.require(cx, "metric", "bool_gauge")?;
            let wrapper = Node {
                position: body.position,
                value: crate::yaml::Value::Mapping(vec![(
                    Node {
                        position: metric_node.position,
                        value: crate::yaml::Value::Scalar {
                            text: "metric".into(),
                            plain: true,
                        },
                    },
                    metric_node.clone(),
                )]),
            };
            let parsed = selector(cx, &wrapper, "boolGauge")?;
            // A boolean gauge is good while it reads 1: the SLI is its mean over the window.
            let mut sli = Sli::new(SliKind::Raw {
                raw: RawKind::Success,
            });
            sli.prometheus = Some(PrometheusSource {
                value: Some(PromQuery::Windowed(format!(
                    "avg_over_time({}[{{{{.window}}}}])",
                    selector_text(&parsed, None)
                ))),
                group_by: gauge
                    .get("grouping")
                    .map(|node| strings(cx, node, "grouping"))
                    .unwrap_or_default(),
                ..PrometheusSource::default()
            });
            sli
        }
    };
    sli.origin = cx.origin(node);
    Some(sli)
}

/// Pyrra's burn-rate table for an SLO window `window` (its `Windows()`): the 28-day
/// table's windows scaled to `window`, rounded to the minute, with factors 14, 7, 2, 1.
pub fn pyrra_windows(window: Duration) -> Vec<BurnRateWindow> {
    let scale = |divisor: u64| {
        let millis = window.as_millis() / divisor;
        Duration::from_minutes(((millis + 30_000) / 60_000).max(1))
    };
    let row =
        |severity: &str, short: u64, long: u64, for_divisor: u64, factor: f64| BurnRateWindow {
            origin: Origin::default(),
            name: None,
            severity: severity.to_string(),
            long: scale(long),
            short: scale(short),
            threshold: BurnThreshold::Factor(factor),
            for_duration: Some(scale(for_divisor)),
            labels: Labels::new(),
            annotations: Labels::new(),
        };
    vec![
        row("critical", 28 * 24 * 12, 28 * 24, 28 * 24 * 30, 14.0),
        row("critical", 28 * 24 * 2, 28 * 4, 28 * 24 * 4, 7.0),
        row("warning", 28 * 12, 28, 28 * 24, 2.0),
        row("warning", 28 * 4, 7, 28 * 8, 1.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyrra_table_matches_pyrra_for_28_days() {
        let rows = pyrra_windows(Duration::from_days(28));
        let shape: Vec<(String, String, String)> = rows
            .iter()
            .map(|row| {
                (
                    row.short.to_string(),
                    row.long.to_string(),
                    row.for_duration.unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("5m".into(), "1h".into(), "2m".into()),
                ("30m".into(), "6h".into(), "15m".into()),
                ("2h".into(), "1d".into(), "1h".into()),
                ("6h".into(), "4d".into(), "3h".into()),
            ]
        );
    }
}
