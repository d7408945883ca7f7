//! Writing the model as OpenSLO v1 documents.
//!
//! Everything OpenSLO can express goes in its own fields, so other OpenSLO tools read the
//! output as they expect. What it cannot express travels in the `nines.dev/extensions`
//! annotation (in the native format's vocabulary) and is listed in the conversion notes;
//! SLAs and error budget policies, which OpenSLO has no kind for, are written as
//! `nines/v1` documents beside the OpenSLO ones.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use nines_core::model::{
    Alerting, Budgeting, BurnThreshold, Catalog, Counted, DEFAULT_OBJECTIVE, Indicator, Labels,
    MemberSource, Objective, PromQuery, RawKind, Service, Sli, SliKind, SliRef, Slo, Window,
};
use nines_core::name::suggest_name;
use nines_core::{Duration, Ratio};

use super::native;
use super::{Conversion, Output};
use crate::formats::openslo::{DOCUMENTS, EXTENSIONS, default_row_name};

fn insert(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_string(), value.into());
}

fn insert_some<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        insert(map, key, value);
    }
}

/// A number, written without `.0` when it is whole (`6`, not `6.0`).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return Value::from(value as i64);
    }
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

fn labels_value(labels: &Labels) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect(),
    )
}

/// `metadata` with labels, annotations and, when non-empty, the extensions annotation.
fn metadata(
    name: &str,
    display_name: Option<&str>,
    labels: &Labels,
    annotations: &Labels,
    extensions: Map<String, Value>,
) -> Value {
    let mut map = Map::new();
    insert(&mut map, "name", name);
    insert_some(&mut map, "displayName", display_name);
    if !labels.is_empty() {
        insert(&mut map, "labels", labels_value(labels));
    }
    let mut all = annotations.clone();
    if !extensions.is_empty() {
        all.insert(
            EXTENSIONS.to_string(),
            Value::Object(extensions).to_string(),
        );
    }
    if !all.is_empty() {
        insert(&mut map, "annotations", labels_value(&all));
    }
    Value::Object(map)
}

fn document(kind: &str, metadata: Value, spec: Map<String, Value>) -> Value {
    json!({"apiVersion": "openslo/v1", "kind": kind, "metadata": metadata, "spec": Value::Object(spec)})
}

/// OpenSLO's duration shorthand for a whole number of minutes, or `None`.
fn shorthand(duration: Duration) -> Option<String> {
    if duration.is_zero() || !duration.is_whole_minutes() {
        return None;
    }
    let minutes = duration.as_millis() / 60_000;
    Some(
        if minutes.is_multiple_of(60 * 24 * 7) && !minutes.is_multiple_of(60 * 24) {
            format!("{}w", minutes / (60 * 24 * 7))
        } else if minutes.is_multiple_of(60 * 24) {
            format!("{}d", minutes / (60 * 24))
        } else if minutes.is_multiple_of(60) {
            format!("{}h", minutes / 60)
        } else {
            format!("{minutes}m")
        },
    )
}

/// Writes the whole catalog.
pub fn write(catalog: &Catalog, conversion: &mut Conversion) {
    let sli_names = shared_sli_names(catalog);
    let slo_names = shared_slo_names(catalog);
    for service_name in catalog.service_names() {
        let mut documents = Vec::new();
        let mut side = Vec::new();
        if let Some(service) = catalog.service(&service_name) {
            documents.push(service_document(service));
        } else {
            documents.push(service_document(&Service::new(&service_name)));
        }
        for (owner, sli) in &catalog.slis {
            if owner.as_deref() == Some(service_name.as_str()) {
                documents.push(sli_document(sli, &sli_names, owner.as_deref()));
            }
        }
        for slo in catalog.slos_of(&service_name) {
            documents.extend(slo_document(
                catalog, slo, &sli_names, &slo_names, conversion,
            ));
        }
        for sla in catalog
            .slas
            .iter()
            .filter(|sla| sla.service == service_name)
        {
            conversion.note(
                &sla.origin,
                format!(
                    "SLA `{}/{}` has no OpenSLO kind: kept as a nines/v1 SLA document (the `{DOCUMENTS}` annotation of the Service, or {service_name}.nines.yaml with --out-dir)",
                    sla.service, sla.name
                ),
            );
            side.push(native::sla_document(sla));
        }
        conversion.outputs.push(Output {
            name: service_name,
            documents,
            side,
        });
    }
    let mut shared = Vec::new();
    for (owner, sli) in &catalog.slis {
        if owner.is_none() {
            shared.push(sli_document(sli, &sli_names, None));
        }
    }
    for source in &catalog.data_sources {
        let mut spec = Map::new();
        insert_some(&mut spec, "description", source.description.clone());
        insert(&mut spec, "type", source.kind.clone());
        insert(&mut spec, "connectionDetails", source.connection.clone());
        shared.push(document(
            "DataSource",
            metadata(
                &source.name,
                None,
                &Labels::new(),
                &Labels::new(),
                Map::new(),
            ),
            spec,
        ));
    }
    for target in &catalog.notification_targets {
        let mut spec = Map::new();
        insert(&mut spec, "target", target.target.clone());
        insert_some(&mut spec, "description", target.description.clone());
        let mut extensions = Map::new();
        insert_some(&mut extensions, "type", target.kind.clone());
        if !target.more_targets.is_empty() {
            insert(&mut extensions, "targets", target.more_targets.clone());
        }
        extensions.extend(native::target_delivery_value(&target.delivery));
        shared.push(document(
            "AlertNotificationTarget",
            metadata(
                &target.name,
                None,
                &Labels::new(),
                &Labels::new(),
                extensions,
            ),
            spec,
        ));
    }
    let mut side = Vec::new();
    for policy in &catalog.policies {
        conversion.note(&policy.origin, format!("error budget policy `{}` has no OpenSLO kind: kept as a nines/v1 ErrorBudgetPolicy document (the `{DOCUMENTS}` annotation of the first Service, or shared.nines.yaml with --out-dir)", policy.name));
        side.push(native::policy_document(policy));
    }
    if !shared.is_empty() || !side.is_empty() {
        conversion.outputs.push(Output {
            name: "shared".to_string(),
            documents: shared,
            side,
        });
    }
}

/// OpenSLO SLI names are global; nines' named SLIs belong to a service. A name used by
/// one service keeps its name; a name several services use becomes `service-name`.
fn shared_sli_names(catalog: &Catalog) -> HashMap<(Option<String>, String), String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, sli) in &catalog.slis {
        if let Some(name) = &sli.name {
            *counts.entry(name.clone()).or_default() += 1;
        }
    }
    catalog
        .slis
        .iter()
        .filter_map(|(owner, sli)| {
            let name = sli.name.clone()?;
            let written = match owner {
                Some(service) if counts.get(&name).copied().unwrap_or(0) > 1 => {
                    suggest_name(&format!("{service}-{name}"))
                }
                _ => name.clone(),
            };
            Some(((owner.clone(), name), written))
        })
        .collect()
}

/// OpenSLO SLO names are global too: a name several services use becomes
/// `service-name` (the nines name is kept in the extensions).
fn shared_slo_names(catalog: &Catalog) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for slo in &catalog.slos {
        *counts.entry(slo.name.clone()).or_default() += 1;
    }
    counts
}

fn service_document(service: &Service) -> Value {
    let mut extensions = native::ownership_value(&service.ownership);
    native::write_review(&mut extensions, &service.review);
    insert_some(&mut extensions, "policy", service.policy.clone());
    if !service.notify.is_empty() {
        insert(&mut extensions, "notify", service.notify.clone());
    }
    let mut spec = Map::new();
    insert_some(&mut spec, "description", service.description.clone());
    document(
        "Service",
        metadata(
            &service.name,
            service.display_name.as_deref(),
            &service.labels,
            &Labels::new(),
            extensions,
        ),
        spec,
    )
}

fn metric_source(query: &PromQuery, data_source: Option<&str>) -> Value {
    let mut source = Map::new();
    insert_some(&mut source, "metricSourceRef", data_source);
    insert(&mut source, "type", "Prometheus");
    insert(&mut source, "spec", json!({"query": query.text()}));
    json!({"metricSource": source})
}

fn external_source(kind: Option<&str>, data_source: Option<&str>, spec: &Value) -> Value {
    let mut source = Map::new();
    insert_some(&mut source, "metricSourceRef", data_source);
    insert_some(&mut source, "type", kind);
    insert(&mut source, "spec", spec.clone());
    json!({"metricSource": source})
}

fn events_source(filter: &str, field: Option<&str>) -> Value {
    let mut spec = Map::new();
    insert(&mut spec, "filter", filter);
    insert_some(&mut spec, "field", field);
    json!({"metricSource": {"type": "nines", "spec": spec}})
}

/// Histogram queries written for OpenSLO readers: the bucket at the threshold (as
/// Prometheus 3 writes `le`) and the count.
fn histogram_queries(histogram: &str, threshold: Duration) -> (PromQuery, PromQuery) {
    let (metric, matchers) = match histogram.find('{') {
        Some(index) => (
            &histogram[..index],
            histogram[index + 1..histogram.len() - 1].trim(),
        ),
        None => (histogram, ""),
    };
    let le = nines_core::ratio::format_decimal(threshold.as_secs_f64(), 6);
    let separator = if matchers.is_empty() { "" } else { "," };
    (
        PromQuery::Selector(format!(
            "{metric}_bucket{{{matchers}{separator}le=\"{le}\"}}"
        )),
        PromQuery::Selector(if matchers.is_empty() {
            format!("{metric}_count")
        } else {
            format!("{metric}_count{{{matchers}}}")
        }),
    )
}

/// The spec of an SLI and the extensions it needs.
fn sli_spec(sli: &Sli, bucket: Option<Duration>) -> (Map<String, Value>, Map<String, Value>) {
    let mut spec = Map::new();
    let mut extensions = Map::new();
    insert_some(&mut spec, "description", sli.description.clone());
    let data_source = sli
        .prometheus
        .as_ref()
        .and_then(|prometheus| prometheus.data_source.clone());
    let prometheus = sli.prometheus.as_ref();
    let external = sli.external.as_ref();
    let events = sli.events.as_ref();
    // Events go in OpenSLO fields only when nothing else can; otherwise in extensions.
    let events_in_fields = prometheus.is_none() && external.is_none() && events.is_some();
    // The events source is always kept whole in the extensions: the `nines` metric
    // sources below only exist so that OpenSLO tools see a complete SLI.
    insert_some(&mut extensions, "events", native::events_value(sli));
    let ext_side = |side: &Option<Value>| {
        side.as_ref().map(|spec| {
            external_source(
                external.and_then(|e| e.kind.as_deref()),
                external.and_then(|e| e.data_source.as_deref()),
                spec,
            )
        })
    };
    match &sli.kind {
        SliKind::Ratio { .. } | SliKind::Latency { .. } => {
            let mut ratio = Map::new();
            insert(&mut ratio, "counter", true);
            let (side_key, side, total) = if let SliKind::Latency { threshold } = &sli.kind {
                insert(&mut extensions, "latency", threshold.to_string());
                let histogram = prometheus.and_then(|prometheus| prometheus.histogram.clone());
                if let Some(histogram) = &histogram {
                    let mut prom_ext = Map::new();
                    insert(&mut prom_ext, "histogram", histogram.clone());
                    if prometheus.is_some_and(|prometheus| prometheus.native_histogram) {
                        insert(&mut prom_ext, "nativeHistogram", true);
                    }
                    insert(&mut extensions, "prometheus", prom_ext);
                    let (good, total) = histogram_queries(histogram, bucket.unwrap_or(*threshold));
                    (
                        "good",
                        Some(metric_source(&good, data_source.as_deref())),
                        Some(metric_source(&total, data_source.as_deref())),
                    )
                } else if let Some(prometheus) = prometheus {
                    (
                        "good",
                        prometheus
                            .good
                            .as_ref()
                            .map(|q| metric_source(q, data_source.as_deref())),
                        prometheus
                            .valid
                            .as_ref()
                            .map(|q| metric_source(q, data_source.as_deref())),
                    )
                } else if events_in_fields {
                    let events = events.expect("checked");
                    let valid = events
                        .valid
                        .as_ref()
                        .map_or("true".to_string(), |filter| filter.source().to_string());
                    (
                        "good",
                        Some(events_source(&valid, events.field.as_deref())),
                        Some(events_source(&valid, events.field.as_deref())),
                    )
                } else {
                    (
                        "good",
                        external.and_then(|e| ext_side(&e.good)),
                        external.and_then(|e| ext_side(&e.valid)),
                    )
                }
            } else {
                let counted = match &sli.kind {
                    SliKind::Ratio { counted } => *counted,
                    _ => Counted::Good,
                };
                let key = if counted == Counted::Good {
                    "good"
                } else {
                    "bad"
                };
                if let Some(prometheus) = prometheus {
                    let side = if counted == Counted::Good {
                        prometheus.good.as_ref()
                    } else {
                        prometheus.bad.as_ref()
                    };
                    (
                        key,
                        side.map(|q| metric_source(q, data_source.as_deref())),
                        prometheus
                            .valid
                            .as_ref()
                            .map(|q| metric_source(q, data_source.as_deref())),
                    )
                } else if let Some(external) = external {
                    let side = if counted == Counted::Good {
                        &external.good
                    } else {
                        &external.bad
                    };
                    (key, ext_side(side), ext_side(&external.valid))
                } else {
                    let events = events.expect("an SLI has a source");
                    let (key, filter) = match (&events.good, &events.bad) {
                        (Some(good), _) => ("good", good.source().to_string()),
                        (None, Some(bad)) => ("bad", bad.source().to_string()),
                        (None, None) => ("good", "true".to_string()),
                    };
                    let valid = events
                        .valid
                        .as_ref()
                        .map_or("true".to_string(), |filter| filter.source().to_string());
                    (
                        key,
                        Some(events_source(&filter, None)),
                        Some(events_source(&valid, None)),
                    )
                }
            };
            insert_some(&mut ratio, side_key, side);
            insert_some(&mut ratio, "total", total);
            if let Some(prometheus) =
                prometheus.filter(|prometheus| !prometheus.group_by.is_empty())
            {
                let entry = extensions
                    .entry("prometheus")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(inner) = entry {
                    insert(inner, "groupBy", prometheus.group_by.clone());
                }
            }
            insert(&mut spec, "ratioMetric", ratio);
        }
        SliKind::Threshold { op, value } => {
            insert(
                &mut extensions,
                "threshold",
                native::threshold_text(*op, *value, false),
            );
            let source =
                if let Some(query) = prometheus.and_then(|prometheus| prometheus.value.as_ref()) {
                    Some(metric_source(query, data_source.as_deref()))
                } else if let Some(external) = external {
                    ext_side(&external.value)
                } else {
                    events.map(|events| {
                        events_source(
                            events
                                .valid
                                .as_ref()
                                .map_or("true", |filter| filter.source()),
                            events.field.as_deref(),
                        )
                    })
                };
            insert_some(&mut spec, "thresholdMetric", source);
        }
        SliKind::Raw { raw } => {
            let source = match (
                prometheus.and_then(|prometheus| prometheus.value.as_ref()),
                external,
            ) {
                (Some(query), _) => Some(metric_source(query, data_source.as_deref())),
                (None, Some(external)) => ext_side(&external.value),
                _ => None,
            };
            let mut ratio = Map::new();
            insert_some(&mut ratio, "raw", source);
            insert(
                &mut ratio,
                "rawType",
                if *raw == RawKind::Success {
                    "success"
                } else {
                    "failure"
                },
            );
            insert(&mut spec, "ratioMetric", ratio);
        }
    }
    (spec, extensions)
}

/// `{metadata, spec}` of an SLI, named `name`.
/// `bucket` replaces the latency threshold in the histogram queries only (the SLI's own
/// threshold stays in the extensions): an SLO split by threshold counts each part's
/// objectives in their own `le` bucket.
fn sli_object(
    sli: &Sli,
    name: &str,
    mut extra: Map<String, Value>,
    bucket: Option<Duration>,
) -> (Value, Value) {
    let (spec, mut extensions) = sli_spec(sli, bucket);
    extensions.append(&mut extra);
    (
        metadata(
            name,
            sli.display_name.as_deref(),
            &sli.labels,
            &Labels::new(),
            extensions,
        ),
        Value::Object(spec),
    )
}

fn sli_document(
    sli: &Sli,
    names: &HashMap<(Option<String>, String), String>,
    owner: Option<&str>,
) -> Value {
    let name = sli.name.clone().unwrap_or_default();
    let written = names
        .get(&(owner.map(str::to_string), name.clone()))
        .cloned()
        .unwrap_or_else(|| name.clone());
    let mut extra = Map::new();
    if let Some(owner) = owner {
        insert(&mut extra, "service", owner);
        if written != name {
            insert(&mut extra, "name", name);
        }
    }
    let (metadata, spec) = sli_object(sli, &written, extra, None);
    json!({"apiVersion": "openslo/v1", "kind": "SLI", "metadata": metadata, "spec": spec})
}

fn indicator_fields(
    map: &mut Map<String, Value>,
    sli: &SliRef,
    slo: &Slo,
    names: &HashMap<(Option<String>, String), String>,
) {
    indicator_fields_at(map, sli, slo, names, None);
}

/// The indicator of an SLO whose histogram queries count in the `bucket` (`le`) bucket
/// when it is not the SLI's own threshold; a named SLI is then written inline, its name
/// kept in the extensions so that nines reads the reference back.
fn indicator_fields_at(
    map: &mut Map<String, Value>,
    sli: &SliRef,
    slo: &Slo,
    names: &HashMap<(Option<String>, String), String>,
    bucket: Option<Duration>,
) -> Option<String> {
    if let (Some(bucket), SliRef::Named { name, resolved }) = (bucket, sli)
        && let Some(resolved) = resolved
    {
        let written = names
            .get(&(Some(slo.service.clone()), name.clone()))
            .or_else(|| names.get(&(None, name.clone())))
            .cloned()
            .unwrap_or_else(|| name.clone());
        let (metadata, spec) = sli_object(resolved, &written, Map::new(), Some(bucket));
        insert(
            map,
            "indicator",
            json!({"metadata": metadata, "spec": spec}),
        );
        return Some(written);
    }
    match sli {
        SliRef::Named { name, .. } => {
            let written = names
                .get(&(Some(slo.service.clone()), name.clone()))
                .or_else(|| names.get(&(None, name.clone())))
                .cloned()
                .unwrap_or_else(|| name.clone());
            insert(map, "indicatorRef", written);
        }
        SliRef::Inline(inline) => {
            // An unnamed inline SLI takes its SLO's (nines) name, which reads back as unnamed.
            let name = inline.name.clone().unwrap_or_else(|| slo.name.clone());
            let (metadata, spec) = sli_object(inline, &name, Map::new(), bucket);
            insert(
                map,
                "indicator",
                json!({"metadata": metadata, "spec": spec}),
            );
        }
    }
    None
}

fn time_window(window: &Window) -> Value {
    match window {
        Window::Rolling { length } => {
            json!([{"duration": shorthand(*length).unwrap_or_else(|| length.to_string()), "isRolling": true}])
        }
        Window::Calendar {
            unit,
            count,
            zone,
            anchor,
        } => {
            let letter = match unit {
                nines_core::model::CalendarUnit::Week => "w",
                nines_core::model::CalendarUnit::Month => "M",
                nines_core::model::CalendarUnit::Quarter => "Q",
                nines_core::model::CalendarUnit::Year => "Y",
            };
            // 2024-01-01 is a Monday and the start of a month, quarter and year.
            let start = anchor.map_or_else(
                || "2024-01-01 00:00:00".to_string(),
                |start| start.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            );
            json!([{"duration": format!("{count}{letter}"), "isRolling": false, "calendar": {"startTime": start, "timeZone": zone}}])
        }
    }
}

/// OpenSLO fields of one objective, plus its extension entry (empty when not needed).
fn objective_fields(
    objective: &Objective,
    slo: &Slo,
    sli_kind: Option<&SliKind>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut map = Map::new();
    let mut extension = Map::new();
    insert_some(&mut map, "displayName", objective.display_name.clone());
    if let Some(SliKind::Threshold { op, value }) = sli_kind {
        let (op, value) = objective
            .threshold
            .as_ref()
            .map_or((*op, *value), |threshold| (threshold.op, threshold.value));
        insert(&mut map, "op", op.openslo());
        insert(&mut map, "value", number(value));
    } else if let Some(threshold) = &objective.threshold {
        let latency = matches!(sli_kind, Some(SliKind::Latency { .. }));
        insert(
            &mut extension,
            "threshold",
            native::threshold_text(threshold.op, threshold.value, latency),
        );
    }
    insert(&mut map, "target", number(objective.target.fraction()));
    insert_some(
        &mut map,
        "timeSliceTarget",
        objective.slice_target.map(|ratio| number(ratio.fraction())),
    );
    if let Some(slice) = slo.budgeting.slice() {
        insert(
            &mut map,
            "timeSliceWindow",
            shorthand(slice).unwrap_or_else(|| slice.to_string()),
        );
    }
    insert_some(
        &mut extension,
        "aspirational",
        objective.aspirational.map(|ratio: Ratio| ratio.to_string()),
    );
    (map, extension)
}

fn slo_document(
    catalog: &Catalog,
    slo: &Slo,
    names: &HashMap<(Option<String>, String), String>,
    slo_names: &HashMap<String, usize>,
    conversion: &mut Conversion,
) -> Vec<Value> {
    let service = catalog
        .service(&slo.service)
        .cloned()
        .unwrap_or_else(|| Service::new(&slo.service));
    let mut spec = Map::new();
    let mut extensions = Map::new();
    insert_some(&mut spec, "description", slo.description.clone());
    insert(&mut spec, "service", slo.service.clone());
    let split = threshold_groups(slo);
    let own_bucket = match slo.sli().map(|sli| &sli.kind) {
        Some(SliKind::Latency { threshold }) => Some(*threshold),
        _ => None,
    };
    let mut objectives = Vec::new();
    let mut objective_extensions = Vec::new();
    match &slo.indicator {
        Indicator::Sli(sli) => {
            let primary = split.as_ref().map(|groups| &groups[0]);
            let bucket =
                primary.and_then(|(bucket, _)| (Some(*bucket) != own_bucket).then_some(*bucket));
            if let Some(reference) = indicator_fields_at(&mut spec, sli, slo, names, bucket) {
                insert(&mut extensions, "indicatorRef", reference);
            }
            if let Some((_, positions)) = primary {
                insert(&mut extensions, "positions", positions.clone());
            }
            let kind = sli.get().map(|sli| &sli.kind);
            let single_default =
                slo.objectives.len() == 1 && slo.objectives[0].name == DEFAULT_OBJECTIVE;
            for (position, objective) in slo.objectives.iter().enumerate() {
                if primary.is_some_and(|(_, positions)| !positions.contains(&position)) {
                    continue;
                }
                let (fields, mut extension) = objective_fields(objective, slo, kind);
                let derived = if single_default {
                    DEFAULT_OBJECTIVE.to_string()
                } else {
                    objective
                        .display_name
                        .as_deref()
                        .map(suggest_name)
                        .unwrap_or_default()
                };
                // A part of a split SLO may hold one objective, which would read back as
                // `default`: its name is always written.
                if objective.name != derived || split.is_some() {
                    extension.insert("name".to_string(), Value::String(objective.name.clone()));
                }
                objectives.push(Value::Object(fields));
                objective_extensions.push(extension);
            }
        }
        Indicator::Composite(composite) => {
            for member in &composite.members {
                let mut extension = Map::new();
                insert(&mut extension, "name", member.name.clone());
                let mut fields = match &member.source {
                    MemberSource::Indicator { sli, objective } => {
                        let kind = sli.get().map(|sli| &sli.kind);
                        let (mut fields, mut objective_extension) =
                            objective_fields(objective, slo, kind);
                        extension.append(&mut objective_extension);
                        indicator_fields(&mut fields, sli, slo, names);
                        fields
                    }
                    MemberSource::Slo {
                        service,
                        slo: member_slo,
                        objective,
                    } => {
                        let member_service = service.clone().unwrap_or_else(|| slo.service.clone());
                        insert(
                            &mut extension,
                            "slo",
                            match service {
                                Some(service) => format!("{service}/{member_slo}"),
                                None => member_slo.clone(),
                            },
                        );
                        insert_some(&mut extension, "objective", objective.clone());
                        let target = catalog.slo(&member_service, member_slo);
                        let target_objective = target.and_then(|target| match objective {
                            Some(name) => target.objective(name),
                            None => target.objectives.first(),
                        });
                        match (target, target_objective) {
                            (Some(target), Some(target_objective)) => {
                                let kind = target.sli().map(|sli| &sli.kind);
                                let (mut fields, _) =
                                    objective_fields(target_objective, target, kind);
                                if let Indicator::Sli(sli) = &target.indicator {
                                    indicator_fields(&mut fields, sli, target, names);
                                }
                                fields
                            }
                            _ => {
                                conversion.note(&member.origin, format!("composite member `{}` refers to an SLO that is not loaded; OpenSLO readers other than nines will not see its indicator", member.name));
                                Map::new()
                            }
                        }
                    }
                };
                insert(&mut fields, "compositeWeight", number(member.weight));
                if !fields.contains_key("displayName") {
                    insert(&mut fields, "displayName", member.name.clone());
                }
                objectives.push(Value::Object(fields));
                objective_extensions.push(extension);
            }
            match slo.objectives.as_slice() {
                [] => {}
                [only] => {
                    insert(&mut extensions, "target", only.target.to_string());
                }
                [first, ..] => {
                    insert(&mut extensions, "target", first.target.to_string());
                    conversion.note(&slo.origin, format!("composite `{}` has several objectives of its own; OpenSLO keeps only the first", slo.qualified_name()));
                }
            }
        }
    }
    insert(&mut spec, "timeWindow", time_window(&slo.window));
    insert(
        &mut spec,
        "budgetingMethod",
        match slo.budgeting {
            Budgeting::Occurrences => "Occurrences",
            Budgeting::Timeslices { .. } => "Timeslices",
            Budgeting::RatioTimeslices { .. } => "RatioTimeslices",
        },
    );
    insert(&mut spec, "objectives", objectives);
    if objective_extensions
        .iter()
        .any(|extension| !extension.is_empty())
    {
        insert(
            &mut extensions,
            "objectives",
            objective_extensions
                .into_iter()
                .map(Value::Object)
                .collect::<Vec<_>>(),
        );
    }
    write_alerting(&mut spec, &mut extensions, slo, conversion);
    if slo.ownership.owner != service.ownership.owner {
        insert_some(&mut extensions, "owner", slo.ownership.owner.clone());
    }
    if slo.ownership.approvers != service.ownership.approvers {
        let approvers = native::ownership_value(&nines_core::model::Ownership {
            owner: None,
            approvers: slo.ownership.approvers.clone(),
        });
        extensions.extend(approvers);
    }
    if slo.review != service.review {
        native::write_review(&mut extensions, &slo.review);
    }
    insert_some(&mut extensions, "sla", slo.sla.clone());
    if slo.policy != service.policy {
        insert_some(&mut extensions, "policy", slo.policy.clone());
    }
    if !slo.exclusions.is_empty() {
        insert(
            &mut extensions,
            "exclusions",
            slo.exclusions
                .iter()
                .map(native::exclusion_value)
                .collect::<Vec<_>>(),
        );
    }
    // `positions` is bookkeeping of a split SLO, said in its own note.
    let keys: Vec<&str> = extensions
        .keys()
        .map(String::as_str)
        .filter(|key| *key != "positions")
        .collect();
    if !keys.is_empty() {
        conversion.note(
            &slo.origin,
            format!(
                "SLO `{}`: {} kept in the `{EXTENSIONS}` annotation (no OpenSLO field)",
                slo.qualified_name(),
                keys.join(", ")
            ),
        );
    }
    let written_name = if slo_names.get(&slo.name).copied().unwrap_or(0) > 1 {
        insert(&mut extensions, "name", slo.name.clone());
        suggest_name(&format!("{}-{}", slo.service, slo.name))
    } else {
        slo.name.clone()
    };
    let mut written = vec![document(
        "SLO",
        metadata(
            &written_name,
            slo.display_name.as_deref(),
            &slo.labels,
            &slo.annotations,
            extensions,
        ),
        spec,
    )];
    if let (Some(groups), Indicator::Sli(sli)) = (&split, &slo.indicator) {
        for (bucket, positions) in &groups[1..] {
            written.push(part_document(slo, sli, &written_name, *bucket, positions));
        }
        conversion.note(
            &slo.origin,
            format!(
                "SLO `{}`: its objectives have {} latency thresholds; OpenSLO counts one `le` bucket per SLO, so it is written as {} SLOs, one per threshold (nines reads them back as one)",
                slo.qualified_name(),
                groups.len(),
                groups.len()
            ),
        );
    }
    written
}

/// The objectives of a latency SLO grouped by the histogram bucket (`le`) each one counts
/// in, the group of the SLI's own threshold first, or `None` when one bucket serves all
/// (or the SLI has no histogram, whose queries cannot be moved to another bucket).
fn threshold_groups(slo: &Slo) -> Option<Vec<(Duration, Vec<usize>)>> {
    let sli = slo.sli()?;
    let SliKind::Latency { threshold } = &sli.kind else {
        return None;
    };
    sli.prometheus.as_ref()?.histogram.as_ref()?;
    let mut groups: Vec<(Duration, Vec<usize>)> = vec![(*threshold, Vec::new())];
    for (position, objective) in slo.objectives.iter().enumerate() {
        let bucket = objective.threshold.as_ref().map_or(*threshold, |own| {
            Duration::from_millis((own.value * 1000.0).round().max(0.0) as u64)
        });
        match groups.iter_mut().find(|(known, _)| *known == bucket) {
            Some((_, positions)) => positions.push(position),
            None => groups.push((bucket, vec![position])),
        }
    }
    groups.retain(|(_, positions)| !positions.is_empty());
    (groups.len() > 1).then_some(groups)
}

/// One more OpenSLO SLO for the objectives of a split SLO that count in `bucket`: the
/// same service, window and budgeting, an indicator whose good query names its own
/// `le`, and `partOf` in the extensions so that nines reads the parts back as one SLO.
fn part_document(
    slo: &Slo,
    sli: &SliRef,
    written_name: &str,
    bucket: Duration,
    positions: &[usize],
) -> Value {
    let mut spec = Map::new();
    let mut extensions = Map::new();
    insert_some(&mut spec, "description", slo.description.clone());
    insert(&mut spec, "service", slo.service.clone());
    let le = nines_core::ratio::format_decimal(bucket.as_secs_f64(), 6);
    let part_name = suggest_name(&format!("{written_name}-le-{le}"));
    // The part's indicator is the SLI at this threshold, named after the part: nines
    // reads the SLI from the whole, other tools read this one as it stands.
    if let Some(resolved) = sli.get() {
        let mut at_bucket = resolved.clone();
        at_bucket.kind = SliKind::Latency { threshold: bucket };
        let (metadata, indicator) = sli_object(&at_bucket, &part_name, Map::new(), None);
        insert(
            &mut spec,
            "indicator",
            json!({"metadata": metadata, "spec": indicator}),
        );
    }
    let kind = sli.get().map(|sli| &sli.kind);
    let mut objectives = Vec::new();
    let mut objective_extensions = Vec::new();
    for position in positions {
        let objective = &slo.objectives[*position];
        let (fields, mut extension) = objective_fields(objective, slo, kind);
        extension.insert("name".to_string(), Value::String(objective.name.clone()));
        objectives.push(Value::Object(fields));
        objective_extensions.push(Value::Object(extension));
    }
    insert(&mut spec, "timeWindow", time_window(&slo.window));
    insert(
        &mut spec,
        "budgetingMethod",
        match slo.budgeting {
            Budgeting::Occurrences => "Occurrences",
            Budgeting::Timeslices { .. } => "Timeslices",
            Budgeting::RatioTimeslices { .. } => "RatioTimeslices",
        },
    );
    insert(&mut spec, "objectives", objectives);
    insert(&mut extensions, "objectives", objective_extensions);
    insert(&mut extensions, "partOf", slo.name.clone());
    insert(&mut extensions, "positions", positions.to_vec());
    document(
        "SLO",
        metadata(
            &part_name,
            slo.display_name.as_deref(),
            &slo.labels,
            &Labels::new(),
            extensions,
        ),
        spec,
    )
}

fn write_alerting(
    spec: &mut Map<String, Value>,
    extensions: &mut Map<String, Value>,
    slo: &Slo,
    conversion: &mut Conversion,
) {
    let alerting: &Alerting = &slo.alerting;
    // OpenSLO alert policies need a notification target each; rows without one stay in
    // the extensions. Default rows are written out (so OpenSLO readers see them) and
    // marked as defaults, so that they keep following the SLO window.
    let as_policies = !alerting.disabled && !alerting.notify.is_empty();
    let mut extension = native::alerting_value(alerting, !as_policies, false);
    if !as_policies {
        extension = native::alerting_value(alerting, true, true);
        if !extension.is_empty() {
            insert(extensions, "alerting", extension);
        }
        return;
    }
    if alerting.windows.is_empty() {
        insert(extensions, "defaultWindows", true);
    }
    let window = slo.window.nominal_length();
    let mut policies = Vec::new();
    for row in &alerting.effective_windows(window) {
        let row_name = row
            .name
            .clone()
            .unwrap_or_else(|| default_row_name(&row.severity, row.long));
        let mut condition = Map::new();
        insert(&mut condition, "kind", "burnrate");
        insert(&mut condition, "op", "gt");
        insert(&mut condition, "threshold", number(row.factor(window)));
        insert(
            &mut condition,
            "lookbackWindow",
            shorthand(row.long).unwrap_or_else(|| row.long.to_string()),
        );
        if let Some(for_duration) = row.for_duration {
            match shorthand(for_duration) {
                Some(text) => insert(&mut condition, "alertAfter", text),
                None => conversion.note(&row.origin, format!("alert `for: {for_duration}` is not a whole number of minutes; OpenSLO cannot express it and it is dropped")),
            }
        }
        let mut condition_extensions = Map::new();
        insert(&mut condition_extensions, "short", row.short.to_string());
        if let BurnThreshold::BudgetShare(share) = &row.threshold {
            insert(&mut condition_extensions, "budget", share.to_string());
        }
        if !row.labels.is_empty() {
            insert(
                &mut condition_extensions,
                "labels",
                labels_value(&row.labels),
            );
        }
        if !row.annotations.is_empty() {
            insert(
                &mut condition_extensions,
                "annotations",
                labels_value(&row.annotations),
            );
        }
        let condition_metadata = metadata(
            &row_name,
            None,
            &Labels::new(),
            &Labels::new(),
            condition_extensions,
        );
        let targets: Vec<Value> = alerting
            .notify
            .iter()
            .map(|target| json!({"targetRef": target}))
            .collect();
        let policy_name = suggest_name(&format!("{}-{}", slo.name, row_name));
        policies.push(json!({
            "kind": "AlertPolicy",
            "metadata": {"name": policy_name},
            "spec": {
                "alertWhenBreaching": true,
                "conditions": [{"kind": "AlertCondition", "metadata": condition_metadata, "spec": {"severity": row.severity, "condition": condition}}],
                "notificationTargets": targets,
            },
        }));
    }
    insert(spec, "alertPolicies", policies);
    if !extension.is_empty() {
        insert(extensions, "alerting", extension);
    }
}
