//! Sloth specs: `version: prometheus/v1` (snake_case keys) and the Kubernetes
//! `sloth.slok.dev/v1` `PrometheusServiceLevel` (the same spec with camelCase keys).
//!
//! Sloth has no per-SLO window: its period is a command-line flag, 30 days by default, so
//! Sloth SLOs load with a rolling 30-day window. Sloth's page and ticket alerts are the
//! SRE Workbook's table, which is also nines' default.

use nines_core::Ratio;
use nines_core::model::{
    Alerting, Budgeting, Catalog, Counted, DEFAULT_OBJECTIVE, Indicator, Labels, Objective,
    PromQuery, PrometheusSource, RawKind, Sli, SliKind, SliRef, Slo, Window,
};

use crate::decode::{Cx, Fields, boolean, list, mark, name, number, string, string_map};
use crate::diag::Rule;
use crate::yaml::Node;

/// Sloth's default SLO period (`--default-slo-period`).
pub const DEFAULT_PERIOD: nines_core::Duration = nines_core::Duration::from_days(30);

/// Key spellings of the two forms.
struct Keys {
    form: &'static str,
    error_query: &'static str,
    total_query: &'static str,
    error_ratio_query: &'static str,
    page_alert: &'static str,
    ticket_alert: &'static str,
    plugins: &'static str,
}

const NATIVE_KEYS: Keys = Keys {
    form: "Sloth prometheus/v1",
    error_query: "error_query",
    total_query: "total_query",
    error_ratio_query: "error_ratio_query",
    page_alert: "page_alert",
    ticket_alert: "ticket_alert",
    plugins: "slo_plugins",
};
const CRD_KEYS: Keys = Keys {
    form: "Sloth PrometheusServiceLevel",
    error_query: "errorQuery",
    total_query: "totalQuery",
    error_ratio_query: "errorRatioQuery",
    page_alert: "pageAlert",
    ticket_alert: "ticketAlert",
    plugins: "sloPlugins",
};

/// Decodes one Sloth document (either form) into `catalog`.
pub fn decode_document(cx: &mut Cx<'_>, root: &Node, catalog: &mut Catalog) {
    if root.get("apiVersion").is_some() {
        let Some(fields) = Fields::open(
            cx,
            root,
            "a PrometheusServiceLevel",
            &["apiVersion", "kind", "metadata", "spec", "status"],
        ) else {
            return;
        };
        let kind = fields
            .get("kind")
            .and_then(Node::as_scalar)
            .unwrap_or_default();
        if kind != "PrometheusServiceLevel" {
            cx.report(
                Rule::UnknownKind,
                fields.get("kind").unwrap_or(root),
                format!("unsupported kind `{kind}` for sloth.slok.dev/v1"),
            )
            .hint("nines reads `kind: PrometheusServiceLevel`");
            return;
        }
        let Some(spec) = fields.require(cx, "spec", "the PrometheusServiceLevel") else {
            return;
        };
        decode_spec(
            cx,
            spec,
            &CRD_KEYS,
            &["service", "labels", "sloPlugins", "slos"],
            catalog,
        );
    } else {
        decode_spec(
            cx,
            root,
            &NATIVE_KEYS,
            &["version", "service", "labels", "slo_plugins", "slos"],
            catalog,
        );
    }
}

fn decode_spec(cx: &mut Cx<'_>, node: &Node, keys: &Keys, known: &[&str], catalog: &mut Catalog) {
    let Some(fields) = Fields::open(cx, node, &format!("a {} spec", keys.form), known) else {
        return;
    };
    let _ = fields.get(keys.plugins);
    let Some(service) = fields
        .require(cx, "service", "the spec")
        .and_then(|node| name(cx, node, "service"))
    else {
        return;
    };
    let labels = fields
        .get("labels")
        .map(|node| string_map(cx, node, "labels"))
        .unwrap_or_default();
    let Some(slos_node) = fields.get("slos") else {
        cx.report(Rule::MissingField, node, "at least one SLO is required")
            .hint("add `slos:` with at least one SLO");
        return;
    };
    let items = list(cx, slos_node, "slos");
    if items.is_empty() {
        cx.report(
            Rule::MissingField,
            slos_node,
            "at least one SLO is required",
        )
        .hint("add an SLO under `slos:`");
    }
    for item in items {
        if let Some(slo) = decode_slo(cx, item, keys, &service, &labels) {
            catalog.slos.push(slo);
        }
    }
}

const SLO_FIELDS_NATIVE: &[&str] = &[
    "name",
    "description",
    "objective",
    "labels",
    "plugins",
    "sli",
    "alerting",
];

fn decode_slo(
    cx: &mut Cx<'_>,
    node: &Node,
    keys: &Keys,
    service: &str,
    spec_labels: &Labels,
) -> Option<Slo> {
    let fields = Fields::open(cx, node, "a Sloth SLO", SLO_FIELDS_NATIVE)?;
    let errors_before = cx.error_count();
    let slo_name = fields
        .require(cx, "name", "the SLO")
        .and_then(|node| name(cx, node, "SLO name"));
    let objective_node = fields.require(cx, "objective", "the SLO");
    let target = objective_node.and_then(|node| {
        let value = number(cx, node, "objective")?;
        if value <= 0.0 || value > 100.0 {
            cx.report(
                Rule::TargetOutOfRange,
                node,
                format!("objective must >0 and <=100, found {value}"),
            )
            .hint("Sloth objectives are percentages, e.g. `objective: 99.9`");
            return None;
        }
        if value >= 100.0 {
            cx.report(
                Rule::TargetOutOfRange,
                node,
                "objective 100 leaves no error budget: no SLO is 100% (Sloth accepts it, nines does not)",
            )
            .hint("choose the reliability users need, e.g. `objective: 99.9`");
            return None;
        }
        if value < 1.0 {
            cx.report(
                Rule::TargetLooksLikeFraction,
                node,
                format!(
                    "objective {value} is a percentage: this SLO asks for {value}% good events"
                ),
            )
            .hint(format!(
                "if you meant {}, write `objective: {}`",
                Ratio::from_fraction(value),
                nines_core::ratio::format_decimal(value * 100.0, 10)
            ));
        }
        Some(Ratio::from_percent(value))
    });
    let sli = fields
        .require(cx, "sli", "the SLO")
        .and_then(|node| decode_sli(cx, node, keys));
    let alerting = match fields.get("alerting") {
        Some(node) => decode_alerting(cx, node, keys),
        None => {
            cx.report(Rule::MissingField, node, "the SLO has no `alerting`")
                .hint("add `alerting: {name: MyAlert}`");
            None
        }
    };
    let mut labels = spec_labels.clone();
    labels.extend(
        fields
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default(),
    );
    if cx.error_count() > errors_before {
        return None;
    }
    let mut origin = cx.origin(node);
    mark(cx, &mut origin, "name", fields.get("name"));
    mark(cx, &mut origin, "sli", fields.get("sli"));
    mark(cx, &mut origin, "alerting", fields.get("alerting"));
    let mut objective = Objective::new(DEFAULT_OBJECTIVE, target?);
    objective.origin = cx.origin(objective_node?);
    mark(cx, &mut objective.origin, "target", objective_node);
    Some(Slo {
        origin,
        service: service.to_string(),
        name: slo_name?,
        display_name: None,
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        indicator: Indicator::Sli(SliRef::Inline(Box::new(sli?))),
        window: Window::rolling(DEFAULT_PERIOD),
        budgeting: Budgeting::Occurrences,
        objectives: vec![objective],
        sla: None,
        policy: None,
        alerting: alerting?,
        ownership: Default::default(),
        review: Default::default(),
        labels,
        annotations: Labels::new(),
        exclusions: Vec::new(),
        no_data: None,
    })
}

fn windowed_query(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    let text = string(cx, node, what)?;
    if text.trim().is_empty() {
        cx.report(
            Rule::InvalidQuery,
            node,
            format!("{what}: query is required"),
        )
        .hint("write the PromQL query");
        return None;
    }
    if !crate::promql::has_window_placeholder(&text) {
        cx.report(
            Rule::InvalidQuery,
            node,
            format!("{what}: template must contain the {{{{ .window }}}} variable"),
        )
        .hint("Sloth renders each window into the query: write ranges as `[{{.window}}]`");
        return None;
    }
    if let Err(problem) = crate::promql::check(&text) {
        cx.report(Rule::InvalidQuery, node, format!("{what}: {problem}"))
            .hint("fix the PromQL expression");
        return None;
    }
    Some(text.trim().to_string())
}

fn decode_sli(cx: &mut Cx<'_>, node: &Node, keys: &Keys) -> Option<Sli> {
    let fields = Fields::open(cx, node, "a Sloth SLI", &["events", "raw", "plugin"])?;
    let present: Vec<&str> = ["events", "raw", "plugin"]
        .into_iter()
        .filter(|key| fields.has(key))
        .collect();
    match present.as_slice() {
        [] => {
            cx.report(Rule::InvalidSli, node, "at least one SLI type is required")
                .hint("add `events:` with error and total queries, or `raw:`");
            None
        }
        [_, second, ..] => {
            cx.report(
                Rule::InvalidSli,
                fields.get(second).unwrap_or(node),
                "only one SLI type is allowed",
            )
            .hint("keep one of events, raw or plugin");
            None
        }
        ["events"] => {
            let events = Fields::open(
                cx,
                fields.get("events")?,
                "events",
                &[keys.error_query, keys.total_query],
            )?;
            let error_node = events.require(cx, keys.error_query, "events");
            let total_node = events.require(cx, keys.total_query, "events");
            let error = error_node.and_then(|node| windowed_query(cx, node, keys.error_query));
            let total = total_node.and_then(|node| windowed_query(cx, node, keys.total_query));
            let (error, total) = (error?, total?);
            if error == total {
                cx.report(
                    Rule::InvalidSli,
                    total_node?,
                    "both error and total queries can't be the same",
                )
                .hint("the error query selects only the failed events");
                return None;
            }
            let mut sli = Sli::new(SliKind::Ratio {
                counted: Counted::Bad,
            });
            sli.origin = cx.origin(node);
            sli.prometheus = Some(PrometheusSource {
                bad: Some(PromQuery::Windowed(error)),
                valid: Some(PromQuery::Windowed(total)),
                ..PrometheusSource::default()
            });
            Some(sli)
        }
        ["raw"] => {
            let raw = Fields::open(cx, fields.get("raw")?, "raw", &[keys.error_ratio_query])?;
            let query_node = raw.require(cx, keys.error_ratio_query, "raw")?;
            let query = windowed_query(cx, query_node, keys.error_ratio_query)?;
            let mut sli = Sli::new(SliKind::Raw {
                raw: RawKind::Failure,
            });
            sli.origin = cx.origin(node);
            sli.prometheus = Some(PrometheusSource {
                value: Some(PromQuery::Windowed(query)),
                ..PrometheusSource::default()
            });
            Some(sli)
        }
        _ => {
            let plugin = fields.get("plugin")?;
            let id = plugin
                .get("id")
                .and_then(Node::as_scalar)
                .unwrap_or("?")
                .to_string();
            cx.report(Rule::InvalidSli, plugin, format!("SLI plugin `{id}` is Go code that only Sloth can run"))
                .hint("write the SLI as `events` (error and total queries) or `raw` so nines can measure it");
            None
        }
    }
}

/// Keys of the other form that Sloth accepts and ignores in `alerting` (its
/// `prometheus/v1` reader is not strict): loaded with a warning, ignored as Sloth does.
const IGNORED_NATIVE_ALERTING: &[(&str, &str)] = &[
    (
        "pageAlert",
        "Sloth's prometheus/v1 form reads `page_alert` and ignores `pageAlert`; so does nines (rename it to `page_alert` for it to take effect)",
    ),
    (
        "ticketAlert",
        "Sloth's prometheus/v1 form reads `ticket_alert` and ignores `ticketAlert`; so does nines (rename it to `ticket_alert` for it to take effect)",
    ),
];

fn decode_alerting(cx: &mut Cx<'_>, node: &Node, keys: &Keys) -> Option<Alerting> {
    let ignored = if keys.page_alert == NATIVE_KEYS.page_alert {
        IGNORED_NATIVE_ALERTING
    } else {
        &[]
    };
    let fields = Fields::open_ignoring(
        cx,
        node,
        "alerting",
        &[
            "name",
            "labels",
            "annotations",
            keys.page_alert,
            keys.ticket_alert,
        ],
        ignored,
    )?;
    let name = match fields.get("name") {
        Some(name_node) => {
            let name = string(cx, name_node, "name");
            // issue 8.4: `name: ""` became `alert: ""`, which Prometheus refuses; Sloth
            // refuses it too.
            if name.as_deref().is_some_and(|name| name.trim().is_empty()) {
                cx.report(Rule::InvalidValue, name_node, "the alert name is empty")
                    .hint("write the Prometheus alert name, e.g. `name: MyServiceHighErrorRate`");
                return None;
            }
            name
        }
        None => None,
    };
    let mut alerting = Alerting {
        name,
        labels: fields
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default(),
        annotations: fields
            .get("annotations")
            .map(|node| string_map(cx, node, "annotations"))
            .unwrap_or_default(),
        ..Alerting::default()
    };
    let mut rows = Alerting::default_windows();
    let mut customised = false;
    for (key, severity) in [(keys.page_alert, "page"), (keys.ticket_alert, "ticket")] {
        let Some(alert_node) = fields.get(key) else {
            continue;
        };
        let Some(alert) = Fields::open(
            cx,
            alert_node,
            key,
            &["disable", "labels", "annotations", "for"],
        ) else {
            continue;
        };
        let disabled = alert
            .get("disable")
            .and_then(|node| boolean(cx, node, "disable"))
            .unwrap_or(false);
        let labels = alert
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default();
        let annotations = alert
            .get("annotations")
            .map(|node| string_map(cx, node, "annotations"))
            .unwrap_or_default();
        let for_duration = alert
            .get("for")
            .and_then(|node| crate::decode::duration(cx, node, "for"));
        if disabled {
            rows.retain(|row| row.severity != severity);
            customised = true;
            continue;
        }
        if !labels.is_empty() || !annotations.is_empty() || for_duration.is_some() {
            customised = true;
            for row in rows.iter_mut().filter(|row| row.severity == severity) {
                row.labels.clone_from(&labels);
                row.annotations.clone_from(&annotations);
                row.for_duration = for_duration;
            }
        }
    }
    if rows.is_empty() {
        alerting.disabled = true;
    } else if customised {
        alerting.windows = rows;
    }
    if alerting.name.is_none() && !alerting.disabled {
        cx.report(Rule::MissingField, node, "alert name is required")
            .hint("add `name:` (the Prometheus alert name), or disable both alerts");
        return None;
    }
    Some(alerting)
}
