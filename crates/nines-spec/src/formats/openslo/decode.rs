//! Reading OpenSLO v1 (all seven kinds, inline and by reference across files).
//!
//! Documents are collected first and decoded once every file is read, because an SLO may
//! name an SLI, alert policy, condition, notification target or data source defined in
//! another file. What OpenSLO cannot express (owners, reviews, SLAs, aspirational targets,
//! event filters...) travels in the `nines.dev/extensions` annotation, a JSON object in
//! the native format's vocabulary.

use std::collections::HashMap;
use std::sync::Arc;

use nines_core::Ratio;
use nines_core::expr::Filter;
use nines_core::model::{
    Alerting, Budgeting, BurnRateWindow, BurnThreshold, CalendarUnit, Catalog, Composite,
    CompositeMember, Counted, DEFAULT_OBJECTIVE, DataSource, EventSource, ExternalSource,
    Indicator, Labels, MemberSource, NotificationTarget, Objective, ObjectiveThreshold, Op,
    PromQuery, PrometheusSource, RawKind, Service, Sli, SliKind, SliRef, Slo, Window,
};
use nines_core::name::suggest_name;

use crate::decode::{self as d, Cx, Fields, boolean, list, mark, name, number, string, string_map};
use crate::diag::{Diagnostic, Rule};
use crate::formats::native;
use crate::yaml::Node;

/// The annotation carrying what OpenSLO cannot express.
pub const EXTENSIONS: &str = "nines.dev/extensions";

/// The text of the [`DOCUMENTS`] annotation of an OpenSLO document, if any.
pub fn side_documents(document: &Node) -> Option<&str> {
    document
        .get("metadata")?
        .get("annotations")?
        .get(DOCUMENTS)?
        .as_scalar()
}

/// The annotation of an OpenSLO Service that carries `nines/v1` documents OpenSLO has no
/// kind for (SLAs, error budget policies), as YAML text, so that a converted stream stays
/// pure OpenSLO and reads back as the model it was written from.
pub const DOCUMENTS: &str = "nines.dev/documents";

/// The seven kinds of OpenSLO v1.
pub const KINDS: &[&str] = &[
    "Service",
    "SLI",
    "SLO",
    "DataSource",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
];

const ENVELOPE_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const METADATA_FIELDS: &[&str] = &["name", "displayName", "labels", "annotations"];
const INLINE_FIELDS: &[&str] = &["metadata", "spec"];
const INLINE_KIND_FIELDS: &[&str] = &["kind", "metadata", "spec"];

/// One collected document.
#[derive(Debug)]
struct Document<'n> {
    file: Arc<str>,
    kind: String,
    name: String,
    node: &'n Node,
}

/// OpenSLO documents gathered from every file, decoded together by [`Collector::finish`].
#[derive(Debug, Default)]
pub struct Collector<'n> {
    documents: Vec<Document<'n>>,
}

/// An object's metadata.
#[derive(Debug, Default)]
struct Metadata {
    name: String,
    display_name: Option<String>,
    labels: Labels,
    annotations: Labels,
    /// The parsed `nines.dev/extensions` annotation.
    extensions: Option<Node>,
}

impl<'n> Collector<'n> {
    /// Checks a document's envelope and keeps it for [`Collector::finish`].
    pub fn add(&mut self, cx: &mut Cx<'_>, document: &'n Node) {
        let Some(fields) = Fields::open(cx, document, "an OpenSLO document", ENVELOPE_FIELDS)
        else {
            return;
        };
        let Some(kind) = fields
            .require(cx, "kind", "the document")
            .and_then(|node| string(cx, node, "kind"))
        else {
            return;
        };
        if !KINDS.contains(&kind.as_str()) {
            let node = fields.get("kind").unwrap_or(document);
            let reported = cx.report(
                Rule::UnknownKind,
                node,
                format!("unsupported kind `{kind}` for openslo/v1"),
            );
            match d::did_you_mean(&kind, KINDS) {
                Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
                None => reported.hint(format!("OpenSLO v1 kinds: {}", KINDS.join(", "))),
            }
            return;
        }
        let Some(metadata) = fields.require(cx, "metadata", "the document") else {
            return;
        };
        let Some(name_node) = metadata.get("name") else {
            cx.report(Rule::MissingField, metadata, "metadata has no `name`")
                .hint("add `name:` (a DNS label)");
            return;
        };
        let Some(object_name) = name(cx, name_node, "metadata.name") else {
            return;
        };
        if kind != "Service" && fields.require(cx, "spec", "the document").is_none() {
            return;
        }
        self.documents.push(Document {
            file: cx.file.clone(),
            kind,
            name: object_name,
            node: document,
        });
    }

    /// Decodes everything collected into `catalog`.
    pub fn finish(self, diagnostics: &mut Vec<Diagnostic>, catalog: &mut Catalog) {
        if self.documents.is_empty() {
            return;
        }
        let mut index: HashMap<(&str, &str), &Document<'n>> = HashMap::new();
        let mut unique: Vec<&Document<'n>> = Vec::with_capacity(self.documents.len());
        for document in &self.documents {
            let key = (document.kind.as_str(), document.name.as_str());
            if let Some(first) = index.get(&key) {
                let mut cx = Cx::new(document.file.clone(), "openslo", diagnostics);
                let first_location =
                    Cx::new(first.file.clone(), "openslo", &mut Vec::new()).location(first.node);
                cx.report(
                    Rule::DuplicateName,
                    document.node,
                    format!("{} `{}` is defined twice", document.kind, document.name),
                )
                .hint(format!(
                    "the first definition is at {first_location}; rename or remove one"
                ));
                continue;
            }
            index.insert(key, document);
            unique.push(document);
        }
        let mut state = State {
            index,
            data_sources: HashMap::new(),
            slis: HashMap::new(),
        };
        for document in &unique {
            let mut cx = Cx::new(document.file.clone(), "openslo", diagnostics);
            match document.kind.as_str() {
                "DataSource" => {
                    if let Some(source) = decode_data_source(&mut cx, document.node) {
                        state
                            .data_sources
                            .insert(source.name.clone(), source.kind.clone());
                        catalog.data_sources.push(source);
                    }
                }
                "AlertNotificationTarget" => {
                    if let Some(target) = decode_notification_target(&mut cx, document.node, true) {
                        catalog.notification_targets.push(target);
                    }
                }
                "Service" => catalog
                    .services
                    .extend(decode_service(&mut cx, document.node)),
                _ => {}
            }
        }
        for document in self
            .documents
            .iter()
            .filter(|document| document.kind == "SLI")
        {
            let mut cx = Cx::new(document.file.clone(), "openslo", diagnostics);
            if let Some(sli) = decode_sli_object(&mut cx, document.node, &state) {
                state.slis.insert(document.name.clone(), sli.clone());
                let owner = sli_owner(document.node);
                catalog.slis.push((owner, sli));
            }
        }
        let mut parts = Vec::new();
        let mut positions = HashMap::new();
        for document in self
            .documents
            .iter()
            .filter(|document| document.kind == "SLO")
        {
            let mut cx = Cx::new(document.file.clone(), "openslo", diagnostics);
            let mut split = Split::default();
            if let Some(slo) = decode_slo(&mut cx, document.node, &state, catalog, &mut split) {
                match split.part_of.take() {
                    Some(whole) => parts.push((slo, whole, split.positions)),
                    None => {
                        positions.insert((slo.service.clone(), slo.name.clone()), split.positions);
                        catalog.slos.push(slo);
                    }
                }
            }
        }
        merge_parts(catalog, parts, positions);
        // Alert policies and conditions are validated even when no SLO uses them.
        for document in &unique {
            let mut cx = Cx::new(document.file.clone(), "openslo", diagnostics);
            match document.kind.as_str() {
                "AlertPolicy" => {
                    let _ =
                        decode_alert_policy_spec(&mut cx, document.node, &state, catalog, false);
                }
                "AlertCondition" => {
                    let _ = decode_condition_object(&mut cx, document.node);
                }
                _ => {}
            }
        }
    }
}

/// Where an SLO written by nines as several OpenSLO SLOs (one per latency threshold)
/// belongs: the nines SLO it is part of and its objectives' positions in it.
#[derive(Default)]
struct Split {
    part_of: Option<String>,
    positions: Vec<usize>,
}

/// The SLO and positions of each part's whole, keyed by service and SLO name.
type Positions = HashMap<(String, String), Vec<usize>>;

/// Puts the objectives of each part of a split SLO back into its whole, in their
/// original order; a part whose whole is not loaded stays an SLO of its own.
fn merge_parts(
    catalog: &mut Catalog,
    parts: Vec<(Slo, String, Vec<usize>)>,
    mut positions: Positions,
) {
    for (part, whole_name, part_positions) in parts {
        let key = (part.service.clone(), whole_name.clone());
        let Some(whole) = catalog
            .slos
            .iter_mut()
            .find(|slo| slo.service == part.service && slo.name == whole_name)
        else {
            catalog.slos.push(part);
            continue;
        };
        let whole_positions = positions.entry(key).or_default();
        for (objective, position) in part.objectives.into_iter().zip(part_positions) {
            whole.objectives.push(objective);
            whole_positions.push(position);
        }
    }
    for ((service, name), order) in positions {
        let Some(slo) = catalog
            .slos
            .iter_mut()
            .find(|slo| slo.service == service && slo.name == name)
        else {
            continue;
        };
        if order.len() != slo.objectives.len() {
            continue;
        }
        let mut placed: Vec<_> = order.into_iter().zip(slo.objectives.drain(..)).collect();
        placed.sort_by_key(|(position, _)| *position);
        slo.objectives = placed.into_iter().map(|(_, objective)| objective).collect();
    }
}

struct State<'c, 'n> {
    index: HashMap<(&'c str, &'c str), &'c Document<'n>>,
    /// Data source name → type.
    data_sources: HashMap<String, String>,
    /// SLIs defined as their own documents.
    slis: HashMap<String, Sli>,
}

impl State<'_, '_> {
    fn names_of(&self, kind: &str) -> Vec<&str> {
        self.index
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, name)| *name)
            .collect()
    }
}

fn unresolved(cx: &mut Cx<'_>, node: &Node, kind: &str, name: &str, available: &[&str]) {
    let reported = cx.report(
        Rule::UnresolvedReference,
        node,
        format!("no {kind} named `{name}`"),
    );
    match d::did_you_mean(name, available) {
        Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
        None if available.is_empty() => reported.hint(format!(
            "define an OpenSLO {kind} named `{name}` in one of the files"
        )),
        None => reported.hint(format!("defined: {}", available.join(", "))),
    }
}

fn metadata(cx: &mut Cx<'_>, node: &Node) -> Option<Metadata> {
    let fields = Fields::open(cx, node, "metadata", METADATA_FIELDS)?;
    let object_name = fields
        .require(cx, "name", "metadata")
        .and_then(|node| name(cx, node, "metadata.name"))?;
    let display_name = fields
        .get("displayName")
        .and_then(|node| string(cx, node, "displayName"));
    if let (Some(text), Some(node)) = (&display_name, fields.get("displayName"))
        && text.chars().count() > 63
    {
        cx.report(
            Rule::InvalidValue,
            node,
            "displayName is longer than 63 characters",
        )
        .hint("shorten it; put details in `description`");
    }
    let labels = fields
        .get("labels")
        .map(|node| string_map(cx, node, "labels"))
        .unwrap_or_default();
    let mut annotations = fields
        .get("annotations")
        .map(|node| string_map(cx, node, "annotations"))
        .unwrap_or_default();
    // Read by the loader as nines/v1 documents (see [`side_documents`]), not a label.
    annotations.remove(DOCUMENTS);
    let extensions = annotations.remove(EXTENSIONS).and_then(|text| {
        let position = fields
            .get("annotations")
            .and_then(|node| node.get(EXTENSIONS))
            .map_or(node.position, |node| node.position);
        let mut parsed = match crate::yaml::parse_documents(&text) {
            Ok(mut documents) if documents.len() == 1 => documents.remove(0),
            _ => {
                let at = fields
                    .get("annotations")
                    .and_then(|node| node.get(EXTENSIONS))
                    .unwrap_or(node);
                cx.report(
                    Rule::InvalidValue,
                    at,
                    format!("annotation `{EXTENSIONS}` is not a JSON object"),
                )
                .hint("it holds a JSON object with nines fields such as {\"owner\": \"team\"}");
                return None;
            }
        };
        parsed.relocate(position);
        Some(parsed)
    });
    Some(Metadata {
        name: object_name,
        display_name,
        labels,
        annotations,
        extensions,
    })
}

fn description(cx: &mut Cx<'_>, fields: &Fields<'_>) -> Option<String> {
    let node = fields.get("description")?;
    let text = string(cx, node, "description")?;
    if text.chars().count() > 1050 {
        cx.report(
            Rule::InvalidValue,
            node,
            "description is longer than 1050 characters",
        )
        .hint("OpenSLO limits descriptions to 1050 characters");
    }
    Some(text)
}

fn decode_data_source(cx: &mut Cx<'_>, root: &Node) -> Option<DataSource> {
    let meta = metadata(cx, root.get("metadata")?)?;
    let spec = root.get("spec")?;
    let fields = Fields::open(
        cx,
        spec,
        "a DataSource spec",
        &["description", "type", "connectionDetails"],
    )?;
    let kind = fields
        .require(cx, "type", "the DataSource")
        .and_then(|node| string(cx, node, "type"))?;
    let connection = fields
        .require(cx, "connectionDetails", "the DataSource")?
        .to_json();
    Some(DataSource {
        origin: cx.origin(root),
        name: meta.name,
        kind,
        connection,
        description: description(cx, &fields),
    })
}

fn decode_notification_target(
    cx: &mut Cx<'_>,
    node: &Node,
    standalone: bool,
) -> Option<NotificationTarget> {
    let _ = standalone;
    let metadata_node = d::child(cx, node, "metadata", "the AlertNotificationTarget")?;
    let meta = metadata(cx, metadata_node)?;
    let spec = node.get("spec")?;
    let fields = Fields::open(
        cx,
        spec,
        "an AlertNotificationTarget spec",
        &["target", "description"],
    )?;
    let target = fields
        .require(cx, "target", "the AlertNotificationTarget")
        .and_then(|node| string(cx, node, "target"))?;
    let mut decoded = NotificationTarget {
        origin: cx.origin(node),
        name: meta.name,
        kind: None,
        target,
        more_targets: Vec::new(),
        description: description(cx, &fields),
        delivery: Default::default(),
    };
    mark(cx, &mut decoded.origin, "target", fields.get("target"));
    if let Some(extensions) = &meta.extensions {
        let extension_fields = Fields::open(cx, extensions, EXTENSIONS, TARGET_EXTENSIONS)?;
        decoded.kind = extension_fields
            .get("type")
            .and_then(|node| string(cx, node, "type"));
        // More addresses of the same kind (the rest of an Alertmanager HA pair).
        if let Some(more) = extension_fields.get("targets") {
            decoded.more_targets = d::strings(cx, more, "targets");
        }
        decoded.delivery = crate::target::delivery(cx, &extension_fields);
        crate::target::check(cx, extensions, &decoded, &extension_fields);
    }
    Some(decoded)
}

/// The `nines.dev/extensions` of an AlertNotificationTarget: its kind, more addresses,
/// and the delivery settings of the native format.
const TARGET_EXTENSIONS: &[&str] = &[
    "type",
    "targets",
    "secret",
    "headers",
    "routingKey",
    "smtp",
    "tls",
    "from",
    "username",
    "password",
    "match",
];

const SERVICE_EXTENSIONS: &[&str] = &["owner", "approvers", "review", "policy", "notify"];

fn decode_service(cx: &mut Cx<'_>, root: &Node) -> Option<Service> {
    let meta = metadata(cx, root.get("metadata")?)?;
    let mut service = Service::new(meta.name);
    service.origin = cx.origin(root);
    // issue 8.11: a v1 Service's `spec` (only a description) is optional for OpenSLO tools.
    if let Some(spec) = root.get("spec").filter(|spec| !spec.is_null()) {
        let fields = Fields::open(cx, spec, "a Service spec", &["description"])?;
        service.description = description(cx, &fields);
    }
    service.display_name = meta.display_name;
    service.labels = meta.labels;
    if let Some(extensions) = &meta.extensions {
        let extension_fields = Fields::open(cx, extensions, EXTENSIONS, SERVICE_EXTENSIONS)?;
        service.ownership = native::ownership(cx, &extension_fields, &mut service.origin);
        service.review = native::review(cx, &extension_fields, &mut service.origin);
        service.policy = extension_fields
            .get("policy")
            .and_then(|node| name(cx, node, "policy"));
        mark(
            cx,
            &mut service.origin,
            "policy",
            extension_fields.get("policy"),
        );
        mark(
            cx,
            &mut service.origin,
            "notify",
            extension_fields.get("notify"),
        );
        if let Some(node) = extension_fields.get("notify") {
            service.notify = d::strings(cx, node, "notify");
        }
    }
    Some(service)
}

/// One side of a ratio, or a threshold/raw metric, as OpenSLO's `metricSource` gives it.
enum Side {
    Prometheus(PromQuery, Option<String>),
    Events(Filter, Option<String>),
    External {
        data_source: Option<String>,
        kind: Option<String>,
        spec: serde_json::Value,
    },
}

fn is_prometheus_type(kind: &str) -> bool {
    matches!(
        kind.to_ascii_lowercase().as_str(),
        "prometheus"
            | "thanos"
            | "mimir"
            | "cortex"
            | "victoriametrics"
            | "amazonprometheus"
            | "grafanacloud"
    )
}

fn metric_source(cx: &mut Cx<'_>, node: &Node, what: &str, state: &State<'_, '_>) -> Option<Side> {
    let outer = Fields::open(cx, node, what, &["metricSource"])?;
    let source_node = outer.require(cx, "metricSource", what)?;
    let fields = Fields::open(
        cx,
        source_node,
        "metricSource",
        &["metricSourceRef", "type", "spec"],
    )?;
    let reference = fields
        .get("metricSourceRef")
        .and_then(|node| name(cx, node, "metricSourceRef"));
    let mut kind = fields.get("type").and_then(|node| string(cx, node, "type"));
    if let (Some(reference), Some(node)) = (&reference, fields.get("metricSourceRef")) {
        match state.data_sources.get(reference) {
            Some(source_kind) => {
                kind.get_or_insert_with(|| source_kind.clone());
            }
            // issue 8.11: with the type and query inline, the reference only names where
            // the query runs; OpenSLO tools accept it undefined.
            None if kind.is_some() => {
                cx.report(
                    Rule::IgnoredField,
                    node,
                    format!(
                        "metricSourceRef `{reference}` names no DataSource in these specs: ignored, the type and query are given inline"
                    ),
                )
                .hint("define the DataSource (or pass its file) if its connection details matter");
            }
            None => unresolved(
                cx,
                node,
                "DataSource",
                reference,
                &state.names_of("DataSource"),
            ),
        }
    }
    let spec_node = fields.require(cx, "spec", "metricSource")?;
    if spec_node.as_mapping().is_none_or(<[_]>::is_empty) {
        cx.report(
            Rule::MissingField,
            spec_node,
            "metricSource.spec must be a non-empty mapping",
        )
        .hint("put the query there, e.g. `query: sum(rate(http_requests_total[5m]))`");
        return None;
    }
    match kind.as_deref() {
        Some(kind) if is_prometheus_type(kind) => {
            // issue 8.11: `metricSource.spec` is free-form in OpenSLO (`dimensions`, say):
            // keys other than the query load, named in a warning.
            let spec = Fields::open_free_form(
                cx,
                spec_node,
                "the Prometheus metricSource spec",
                &["query", "promql"],
                "nines reads only the `query`",
            )?;
            let query_node = spec.get("query").or(spec.get("promql"));
            let Some(query_node) = query_node else {
                cx.report(
                    Rule::MissingField,
                    spec_node,
                    "the Prometheus metricSource has no `query`",
                )
                .hint("add `query:` with a PromQL expression");
                return None;
            };
            let text = string(cx, query_node, "query")?;
            if let Err(problem) = crate::promql::check(&text) {
                cx.report(Rule::InvalidQuery, query_node, format!("query: {problem}"))
                    .hint("fix the PromQL expression");
                return None;
            }
            Some(Side::Prometheus(PromQuery::classify(&text), reference))
        }
        Some("nines") => {
            let spec = Fields::open(
                cx,
                spec_node,
                "a nines metricSource spec",
                &["filter", "field"],
            )?;
            let filter_node = spec.require(cx, "filter", "the nines metricSource")?;
            let text = string(cx, filter_node, "filter")?;
            match Filter::parse(&text) {
                Ok(filter) => Some(Side::Events(
                    filter,
                    spec.get("field").and_then(|node| string(cx, node, "field")),
                )),
                Err(problem) => {
                    cx.report(
                        Rule::InvalidFilter,
                        filter_node,
                        format!("filter: {}", problem.message),
                    )
                    .hint("filters use CEL syntax");
                    None
                }
            }
        }
        _ => Some(Side::External {
            data_source: reference,
            kind,
            spec: spec_node.to_json(),
        }),
    }
}

const SLI_SPEC_FIELDS: &[&str] = &["description", "thresholdMetric", "ratioMetric"];
const RATIO_FIELDS: &[&str] = &["counter", "good", "bad", "total", "rawType", "raw"];
const SLI_EXTENSIONS: &[&str] = &[
    "latency",
    "threshold",
    "events",
    "prometheus",
    "service",
    "name",
];

fn decode_sli_object(cx: &mut Cx<'_>, root: &Node, state: &State<'_, '_>) -> Option<Sli> {
    decode_sli_inline(cx, root, state)
}

/// The service a written-out nines SLI belongs to (OpenSLO SLIs are global; nines' belong
/// to a service), from its extensions.
fn sli_owner(root: &Node) -> Option<String> {
    let text = root
        .get("metadata")?
        .get("annotations")?
        .get(EXTENSIONS)?
        .as_scalar()?;
    let parsed = crate::yaml::parse_documents(text).ok()?;
    parsed
        .first()?
        .get("service")?
        .as_scalar()
        .map(str::to_string)
}

/// The name a named SLI is referred to by: its nines name when the extensions keep one.
fn sli_display_name(sli: &Sli, written: &str) -> String {
    sli.name.clone().unwrap_or_else(|| written.to_string())
}

/// Decodes `{metadata, spec}` (an SLI document, or an inline `indicator`).
fn decode_sli_inline(cx: &mut Cx<'_>, node: &Node, state: &State<'_, '_>) -> Option<Sli> {
    let metadata_node = d::child(cx, node, "metadata", "the indicator")?;
    let meta = metadata(cx, metadata_node)?;
    let spec_node = d::child(cx, node, "spec", "the indicator")?;
    let fields = Fields::open(cx, spec_node, "an SLI spec", SLI_SPEC_FIELDS)?;
    let errors_before = cx.error_count();
    let mut sides: Vec<(Counted, Side)> = Vec::new();
    let mut valid: Option<Side> = None;
    let mut value: Option<Side> = None;
    let kind = match (fields.get("ratioMetric"), fields.get("thresholdMetric")) {
        (Some(_), Some(node)) => {
            cx.report(
                Rule::InvalidSli,
                node,
                "[ratioMetric, thresholdMetric] are mutually exclusive, provide only one of them",
            )
            .hint("keep one");
            return None;
        }
        (None, None) => {
            cx.report(
                Rule::InvalidSli,
                spec_node,
                "one of [ratioMetric, thresholdMetric] must be set, none was provided",
            )
            .hint("add `ratioMetric:` (good or bad over total) or `thresholdMetric:`");
            return None;
        }
        (None, Some(threshold_node)) => {
            value = metric_source(cx, threshold_node, "thresholdMetric", state);
            // The bound lives on the SLO's objectives; filled in when an SLO uses this SLI.
            SliKind::Threshold {
                op: Op::Lte,
                value: 0.0,
            }
        }
        (Some(ratio_node), None) => {
            let ratio = Fields::open(cx, ratio_node, "ratioMetric", RATIO_FIELDS)?;
            if let Some(counter) = ratio.get("counter") {
                let _ = boolean(cx, counter, "counter");
            }
            let present: Vec<&str> = ["good", "bad", "raw"]
                .into_iter()
                .filter(|key| ratio.has(key))
                .collect();
            if present.len() > 1 {
                cx.report(
                    Rule::InvalidSli,
                    ratio.get(present[1]).unwrap_or(ratio_node),
                    format!(
                        "[{}] are mutually exclusive, provide only one of them",
                        present.join(", ")
                    ),
                )
                .hint("a ratio is good/total, bad/total, or raw");
                return None;
            }
            match (ratio.get("total"), ratio.get("raw")) {
                (Some(total), None) => {
                    valid = metric_source(cx, total, "total", state);
                    if let Some(good) = ratio.get("good") {
                        sides.extend(
                            metric_source(cx, good, "good", state)
                                .map(|side| (Counted::Good, side)),
                        );
                        SliKind::Ratio {
                            counted: Counted::Good,
                        }
                    } else if let Some(bad) = ratio.get("bad") {
                        sides.extend(
                            metric_source(cx, bad, "bad", state).map(|side| (Counted::Bad, side)),
                        );
                        SliKind::Ratio {
                            counted: Counted::Bad,
                        }
                    } else {
                        cx.report(
                            Rule::InvalidSli,
                            ratio_node,
                            "one of [bad, good] properties must be set, none was provided",
                        )
                        .hint("add `good:` or `bad:` next to `total:`");
                        return None;
                    }
                }
                (None, Some(raw)) => {
                    value = metric_source(cx, raw, "raw", state);
                    let raw_type = ratio
                        .require(cx, "rawType", "a raw ratioMetric")
                        .and_then(|node| string(cx, node, "rawType"))?;
                    match raw_type.as_str() {
                        "success" => SliKind::Raw {
                            raw: RawKind::Success,
                        },
                        "failure" => SliKind::Raw {
                            raw: RawKind::Failure,
                        },
                        other => {
                            cx.report(
                                Rule::InvalidValue,
                                ratio.get("rawType").unwrap_or(ratio_node),
                                format!("rawType `{other}` must be one of: success, failure"),
                            )
                            .hint("use `success` or `failure`");
                            return None;
                        }
                    }
                }
                (Some(_), Some(node)) => {
                    cx.report(
                        Rule::InvalidSli,
                        node,
                        "[raw, total] are mutually exclusive, provide only one of them",
                    )
                    .hint("use raw with rawType, or good/bad with total");
                    return None;
                }
                (None, None) => {
                    cx.report(
                        Rule::InvalidSli,
                        ratio_node,
                        "one of [raw, total] properties must be set, none was provided",
                    )
                    .hint("add `total:` (with good or bad) or `raw:`");
                    return None;
                }
            }
        }
    };
    if cx.error_count() > errors_before {
        return None;
    }
    let mut sli = Sli::new(kind);
    sli.origin = cx.origin(node);
    sli.name = Some(meta.name);
    sli.display_name = meta.display_name;
    sli.description = description(cx, &fields);
    sli.labels = meta.labels;
    let mut prometheus = PrometheusSource::default();
    let mut events = EventSource {
        valid: None,
        good: None,
        bad: None,
        field: None,
        unit: None,
    };
    let mut external = ExternalSource {
        data_source: None,
        kind: None,
        good: None,
        bad: None,
        valid: None,
        value: None,
    };
    let (mut has_prometheus, mut has_events, mut has_external) = (false, false, false);
    let mut place = |slot: &str, side: Side| match side {
        Side::Prometheus(query, reference) => {
            has_prometheus = true;
            prometheus.data_source = prometheus.data_source.take().or(reference);
            match slot {
                "good" => prometheus.good = Some(query),
                "bad" => prometheus.bad = Some(query),
                "valid" => prometheus.valid = Some(query),
                _ => prometheus.value = Some(query),
            }
        }
        Side::Events(filter, field) => {
            has_events = true;
            events.field = events.field.take().or(field);
            match slot {
                "good" => events.good = Some(filter),
                "bad" => events.bad = Some(filter),
                "valid" => events.valid = (filter.source().trim() != "true").then_some(filter),
                _ => {}
            }
        }
        Side::External {
            data_source,
            kind,
            spec,
        } => {
            has_external = true;
            external.data_source = external.data_source.take().or(data_source);
            external.kind = external.kind.take().or(kind);
            match slot {
                "good" => external.good = Some(spec),
                "bad" => external.bad = Some(spec),
                "valid" => external.valid = Some(spec),
                _ => external.value = Some(spec),
            }
        }
    };
    for (counted, side) in sides {
        place(
            if counted == Counted::Good {
                "good"
            } else {
                "bad"
            },
            side,
        );
    }
    if let Some(side) = valid {
        place("valid", side);
    }
    if let Some(side) = value {
        place("value", side);
    }
    if has_prometheus {
        sli.prometheus = Some(prometheus);
    }
    if has_events {
        sli.events = Some(events);
    }
    if has_external {
        sli.external = Some(external);
    }
    if let Some(extensions) = &meta.extensions {
        apply_sli_extensions(cx, extensions, &mut sli)?;
    }
    Some(sli)
}

/// Applies `nines.dev/extensions` of an SLI: a latency threshold, an events source next
/// to a Prometheus one, and Prometheus details OpenSLO has no field for.
fn apply_sli_extensions(cx: &mut Cx<'_>, extensions: &Node, sli: &mut Sli) -> Option<()> {
    let fields = Fields::open(cx, extensions, EXTENSIONS, SLI_EXTENSIONS)?;
    if let Some(node) = fields.get("name") {
        sli.name = Some(name(cx, node, "name")?);
    }
    if let Some(node) = fields.get("service") {
        let _ = name(cx, node, "service")?;
    }
    if let Some(node) = fields.get("latency") {
        sli.kind = SliKind::Latency {
            threshold: d::duration(cx, node, "latency")?,
        };
    }
    if let Some(node) = fields.get("threshold") {
        let (op, value) = native::threshold(cx, node)?;
        sli.kind = SliKind::Threshold { op, value };
    }
    if let Some(node) = fields.get("events") {
        let is_latency = matches!(sli.kind, SliKind::Latency { .. });
        sli.events = Some(native::event_source(cx, node, is_latency)?);
    }
    if let Some(node) = fields.get("prometheus") {
        let prometheus_fields = Fields::open(
            cx,
            node,
            "prometheus",
            &["histogram", "nativeHistogram", "groupBy"],
        )?;
        let prometheus = sli.prometheus.get_or_insert_with(PrometheusSource::default);
        if let Some(histogram) = prometheus_fields
            .get("histogram")
            .and_then(|node| string(cx, node, "histogram"))
        {
            // The ratioMetric queries were written from the histogram for other tools.
            prometheus.histogram = Some(histogram);
            prometheus.good = None;
            prometheus.valid = None;
        }
        if let Some(native_histogram) = prometheus_fields
            .get("nativeHistogram")
            .and_then(|node| boolean(cx, node, "nativeHistogram"))
        {
            prometheus.native_histogram = native_histogram;
        }
        if let Some(group_by) = prometheus_fields.get("groupBy") {
            prometheus.group_by = d::strings(cx, group_by, "groupBy");
        }
    }
    Some(())
}

const SLO_SPEC_FIELDS: &[&str] = &[
    "description",
    "service",
    "indicator",
    "indicatorRef",
    "timeWindow",
    "budgetingMethod",
    "objectives",
    "alertPolicies",
];
const OBJECTIVE_FIELDS: &[&str] = &[
    "displayName",
    "op",
    "value",
    "target",
    "targetPercent",
    "timeSliceTarget",
    "timeSliceWindow",
    "indicator",
    "indicatorRef",
    "compositeWeight",
];
const SLO_EXTENSIONS: &[&str] = &[
    "partOf",
    "positions",
    "indicatorRef",
    "owner",
    "approvers",
    "review",
    "sla",
    "policy",
    "exclusions",
    "objectives",
    "alerting",
    "zone",
    "target",
    "defaultWindows",
    "name",
];
const OBJECTIVE_EXTENSIONS: &[&str] = &["name", "aspirational", "threshold", "slo", "objective"];

fn decode_slo(
    cx: &mut Cx<'_>,
    root: &Node,
    state: &State<'_, '_>,
    catalog: &mut Catalog,
    split: &mut Split,
) -> Option<Slo> {
    let meta = metadata(cx, root.get("metadata")?)?;
    let spec_node = root.get("spec")?;
    let fields = Fields::open(cx, spec_node, "an SLO spec", SLO_SPEC_FIELDS)?;
    let errors_before = cx.error_count();
    let service = fields
        .require(cx, "service", "the SLO")
        .and_then(|node| name(cx, node, "service"));
    let mut origin = cx.origin(root);
    mark(
        cx,
        &mut origin,
        "name",
        root.get("metadata").and_then(|node| node.get("name")),
    );
    for (field, key) in [
        ("window", "timeWindow"),
        ("budgeting", "budgetingMethod"),
        ("objectives", "objectives"),
        ("alerting", "alertPolicies"),
    ] {
        mark(cx, &mut origin, field, fields.get(key));
    }
    mark(
        cx,
        &mut origin,
        "sli",
        fields.get("indicator").or(fields.get("indicatorRef")),
    );
    let extensions = match &meta.extensions {
        Some(node) => Some(Fields::open(cx, node, EXTENSIONS, SLO_EXTENSIONS)?),
        None => None,
    };
    let zone = extensions
        .and_then(|extensions| extensions.get("zone"))
        .and_then(|node| d::zone(cx, node, "zone"));
    // The nines name, when the OpenSLO name had to be made globally unique.
    let slo_name = match extensions.and_then(|extensions| extensions.get("name")) {
        Some(node) => name(cx, node, "name")?,
        None => meta.name.clone(),
    };
    let window = time_window(cx, &fields, spec_node, zone.as_deref());
    let objective_nodes: &[Node] = match fields.get("objectives") {
        Some(node) => list(cx, node, "objectives"),
        None => {
            cx.report(Rule::MissingField, spec_node, "the SLO has no `objectives`")
                .hint("add `objectives: [{target: 0.999}]`");
            &[]
        }
    };
    let composite = objective_nodes
        .iter()
        .any(|node| node.get("indicator").is_some() || node.get("indicatorRef").is_some());
    let spec_indicator = fields.get("indicator").or(fields.get("indicatorRef"));
    if composite && spec_indicator.is_some() {
        cx.report(Rule::InvalidSli, spec_indicator.unwrap_or(spec_node), "'indicator' or 'indicatorRef' fields must either be defined on the 'spec' level (standard SLOs) or on the 'spec.objectives[*]' level (composite SLOs), but not both")
            .hint("remove the spec-level indicator, or the objectives' indicators");
        return None;
    }
    let budgeting_name = fields
        .require(cx, "budgetingMethod", "the SLO")
        .and_then(|node| string(cx, node, "budgetingMethod"));
    let budgeting_kind = match budgeting_name.as_deref() {
        Some(method @ ("Occurrences" | "Timeslices" | "RatioTimeslices")) => Some(method),
        Some(other) => {
            let node = fields.get("budgetingMethod").unwrap_or(spec_node);
            let reported = cx.report(Rule::InvalidValue, node, format!("budgetingMethod `{other}` must be one of: Occurrences, Timeslices, RatioTimeslices"));
            match d::did_you_mean(other, &["Occurrences", "Timeslices", "RatioTimeslices"]) {
                Some(suggestion) => {
                    reported.hint(format!("did you mean `{suggestion}`? (case matters)"))
                }
                None => reported.hint("use Occurrences, Timeslices or RatioTimeslices"),
            }
            None
        }
        None => None,
    };
    let indicator_sli = if composite {
        None
    } else {
        match (fields.get("indicator"), fields.get("indicatorRef")) {
            (Some(inline), None) => {
                Fields::open(cx, inline, "an inline indicator", INLINE_FIELDS)?;
                decode_sli_inline(cx, inline, state).map(|mut sli| {
                    // An inline SLI named like its SLO is the same as an unnamed one.
                    if sli.name.as_deref() == Some(slo_name.as_str()) {
                        sli.name = None;
                    }
                    (SliRef::Inline(Box::new(sli)), true)
                })
            }
            (None, Some(reference)) => {
                let sli_name = name(cx, reference, "indicatorRef")?;
                match state.slis.get(&sli_name) {
                    Some(sli) => Some((
                        SliRef::Named {
                            name: sli_display_name(sli, &sli_name),
                            resolved: Some(Box::new(sli.clone())),
                        },
                        false,
                    )),
                    None => {
                        if !state.index.contains_key(&("SLI", sli_name.as_str())) {
                            unresolved(cx, reference, "SLI", &sli_name, &state.names_of("SLI"));
                        }
                        None
                    }
                }
            }
            (Some(_), Some(node)) => {
                cx.report(Rule::InvalidSli, node, "[indicator, indicatorRef] properties are mutually exclusive, provide only one of them").hint("keep one");
                None
            }
            (None, None) => {
                cx.report(Rule::MissingField, spec_node, "'indicator' or 'indicatorRef' fields must either be defined on the 'spec' level (standard SLOs) or on the 'spec.objectives[*]' level (composite SLOs), but none were provided")
                    .hint("add `indicatorRef: <SLI name>` or an inline `indicator:`");
                None
            }
        }
    };
    // An SLO split by latency threshold writes a named SLI inline (its queries count in
    // another bucket) and keeps the reference here.
    let indicator_sli = match extensions.and_then(|extensions| extensions.get("indicatorRef")) {
        Some(reference) if !composite => {
            let sli_name = name(cx, reference, "indicatorRef")?;
            match state.slis.get(&sli_name) {
                Some(sli) => Some((
                    SliRef::Named {
                        name: sli_display_name(sli, &sli_name),
                        resolved: Some(Box::new(sli.clone())),
                    },
                    false,
                )),
                None => {
                    unresolved(cx, reference, "SLI", &sli_name, &state.names_of("SLI"));
                    None
                }
            }
        }
        _ => indicator_sli,
    };
    if let Some(extensions) = extensions {
        split.part_of = extensions
            .get("partOf")
            .and_then(|node| name(cx, node, "partOf"));
        if let Some(node) = extensions.get("positions") {
            split.positions = list(cx, node, "positions")
                .iter()
                .filter_map(|item| number(cx, item, "positions"))
                .map(|position| position.max(0.0) as usize)
                .collect();
        }
    }
    let objective_extensions: Vec<Node> = extensions
        .and_then(|extensions| extensions.get("objectives"))
        .map(|node| list(cx, node, "objectives").to_vec())
        .unwrap_or_default();
    let sli_kind = indicator_sli
        .as_ref()
        .and_then(|(sli, _)| sli.get().map(|sli| sli.kind.clone()));
    let mut slice_window: Option<(nines_core::Duration, &Node)> = None;
    let mut objectives = Vec::new();
    let mut members = Vec::new();
    // A threshold SLI written by nines carries its own bound in its extensions; objectives
    // whose op/value differ from it are overrides. Otherwise the first objective's bound
    // is the SLI's.
    let indicator_node = match (
        fields.get("indicator"),
        fields.get("indicatorRef").and_then(Node::as_scalar),
    ) {
        (Some(inline), _) => Some(inline),
        (None, Some(reference)) => state
            .index
            .get(&("SLI", reference))
            .map(|document| document.node),
        _ => None,
    };
    let bound_known = indicator_node.is_some_and(threshold_in_extensions);
    let mut threshold_bound: Option<(Op, f64)> = match (&sli_kind, bound_known) {
        (Some(SliKind::Threshold { op, value }), true) => Some((*op, *value)),
        _ => None,
    };
    for (index, node) in objective_nodes.iter().enumerate() {
        let Some(objective_fields) = Fields::open(cx, node, "an objective", OBJECTIVE_FIELDS)
        else {
            continue;
        };
        let extension = objective_extensions.get(index);
        let extension_fields = match extension {
            Some(extension) => Fields::open(
                cx,
                extension,
                "an objective extension",
                OBJECTIVE_EXTENSIONS,
            ),
            None => None,
        };
        let target = match (
            objective_fields.get("target"),
            objective_fields.get("targetPercent"),
        ) {
            (Some(node), None) => number(cx, node, "target").map(|value| {
                (
                    Ratio::from_fraction(value),
                    node,
                    (0.0..1.0).contains(&value),
                    "target must be in [0, 1)",
                )
            }),
            (None, Some(node)) => number(cx, node, "targetPercent").map(|value| {
                (
                    Ratio::from_percent(value),
                    node,
                    (0.0..100.0).contains(&value),
                    "targetPercent must be in [0, 100)",
                )
            }),
            (Some(_), Some(node)) => {
                cx.report(Rule::InvalidValue, node, "[target, targetPercent] properties are mutually exclusive, provide only one of them").hint("keep one");
                None
            }
            (None, None) => {
                cx.report(
                    Rule::MissingField,
                    node,
                    "one of [target, targetPercent] properties must be set, none was provided",
                )
                .hint("add `target: 0.999` (a fraction) or `targetPercent: 99.9`");
                None
            }
        };
        let Some((target, target_node, in_range, range_message)) = target else {
            continue;
        };
        if !in_range {
            cx.report(Rule::TargetOutOfRange, target_node, format!("{range_message}, found {}", target_node.as_scalar().unwrap_or_default()))
                .hint("OpenSLO targets are fractions below 1 (target) or percentages below 100 (targetPercent)");
            continue;
        }
        let display_name = objective_fields
            .get("displayName")
            .and_then(|node| string(cx, node, "displayName"));
        let objective_name = match extension_fields.and_then(|fields| fields.get("name")) {
            Some(node) => name(cx, node, "objective name"),
            None if objective_nodes.len() == 1 && !composite => Some(DEFAULT_OBJECTIVE.to_string()),
            None => Some(
                display_name
                    .as_deref()
                    .map(suggest_name)
                    .unwrap_or_else(|| format!("objective-{}", index + 1)),
            ),
        };
        let Some(objective_name) = objective_name else {
            continue;
        };
        let mut objective = Objective::new(objective_name, target);
        objective.origin = cx.origin(node);
        mark(cx, &mut objective.origin, "target", Some(target_node));
        objective.display_name = display_name;
        if let Some(slice_target_node) = objective_fields.get("timeSliceTarget") {
            mark(
                cx,
                &mut objective.origin,
                "sliceTarget",
                Some(slice_target_node),
            );
            if let Some(value) = number(cx, slice_target_node, "timeSliceTarget") {
                if value <= 0.0 || value > 1.0 {
                    cx.report(
                        Rule::TargetOutOfRange,
                        slice_target_node,
                        "timeSliceTarget must be in (0, 1]",
                    )
                    .hint("e.g. `timeSliceTarget: 0.95`");
                } else {
                    objective.slice_target = Some(Ratio::from_fraction(value));
                }
            }
        }
        if let Some(window_node) = objective_fields.get("timeSliceWindow") {
            let slice = match window_node
                .as_scalar()
                .and_then(|text| text.parse::<u64>().ok())
            {
                Some(minutes) => Some(nines_core::Duration::from_minutes(minutes)),
                None => duration_shorthand(cx, window_node, "timeSliceWindow"),
            };
            if let Some(slice) = slice {
                match slice_window {
                    Some((first, first_node)) if first != slice => {
                        let first_at = cx.location(first_node);
                        cx.report(Rule::InconsistentTimeSlices, window_node, format!("timeSliceWindow {slice} differs from {first} of another objective"))
                            .hint(format!("nines budgets an SLO with one slice length; use {first} (as at {first_at})"));
                    }
                    Some(_) => {}
                    None => slice_window = Some((slice, window_node)),
                }
            }
        } else if matches!(budgeting_kind, Some("Timeslices" | "RatioTimeslices")) {
            cx.report(
                Rule::InconsistentTimeSlices,
                node,
                format!(
                    "`budgetingMethod: {}` needs timeSliceWindow on every objective",
                    budgeting_kind.unwrap_or_default()
                ),
            )
            .hint("add `timeSliceWindow: 1m`");
        }
        // A composite objective's own indicator decides whether it is a threshold.
        let objective_is_threshold = match (
            objective_fields.get("indicator"),
            objective_fields
                .get("indicatorRef")
                .and_then(Node::as_scalar),
        ) {
            (Some(inline), _) => inline
                .get("spec")
                .and_then(|spec| spec.get("thresholdMetric"))
                .is_some(),
            (None, Some(reference)) => state
                .slis
                .get(reference)
                .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. })),
            _ => matches!(sli_kind, Some(SliKind::Threshold { .. })),
        };
        if budgeting_kind == Some("Timeslices")
            && objective.slice_target.is_none()
            && !objective_is_threshold
        {
            cx.report(
                Rule::InconsistentTimeSlices,
                node,
                "`budgetingMethod: Timeslices` needs timeSliceTarget on every objective",
            )
            .hint("add `timeSliceTarget: 0.95`");
        }
        let op_value = match (objective_fields.get("op"), objective_fields.get("value")) {
            (Some(op_node), Some(value_node)) => {
                let op_text = string(cx, op_node, "op");
                let op = op_text.as_deref().and_then(|text| match text {
                    "lt" | "lte" | "gt" | "gte" => Op::parse(text),
                    _ => None,
                });
                if op.is_none() {
                    cx.report(
                        Rule::InvalidValue,
                        op_node,
                        "op must be one of: gt, lt, gte, lte",
                    )
                    .hint("e.g. `op: lte`");
                }
                op.zip(number(cx, value_node, "value"))
            }
            // issue 8.11: OpenSLO's own ratio examples write `op` without `value`; it
            // compares a threshold metric's value, so alone it means nothing.
            (Some(node), None) => {
                cx.report(
                    Rule::IgnoredField,
                    node,
                    "`op` without `value` is ignored: it compares a threshold metric's value with `value`",
                )
                .hint("remove `op`, or add `value` for a threshold metric");
                None
            }
            (None, Some(node)) => {
                cx.report(Rule::MissingField, node, "op and value go together")
                    .hint("set both `op` and `value`, or neither");
                None
            }
            (None, None) => None,
        };
        if let Some(extension_fields) = extension_fields {
            if let Some(node) = extension_fields.get("aspirational") {
                mark(cx, &mut objective.origin, "aspirational", Some(node));
                objective.aspirational = d::target(cx, node, "aspirational target");
            }
            if let Some(node) = extension_fields.get("threshold") {
                mark(cx, &mut objective.origin, "threshold", Some(node));
                objective.threshold =
                    native::threshold(cx, node).map(|(op, value)| ObjectiveThreshold { op, value });
            }
        }
        if composite {
            let weight = match objective_fields.get("compositeWeight") {
                Some(node) => match number(cx, node, "compositeWeight") {
                    Some(weight) if weight > 0.0 => weight,
                    Some(_) => {
                        cx.report(
                            Rule::InvalidValue,
                            node,
                            "compositeWeight must be greater than '0'",
                        )
                        .hint("weights are relative; the default is 1");
                        continue;
                    }
                    None => continue,
                },
                None => 1.0,
            };
            let slo_reference = extension_fields
                .and_then(|fields| fields.get("slo"))
                .and_then(|node| string(cx, node, "slo"));
            let source = if let Some(reference) = slo_reference {
                let (member_service, member_slo) = match reference.split_once('/') {
                    Some((service, slo)) => (Some(service.to_string()), slo.to_string()),
                    None => (None, reference),
                };
                let member_objective = extension_fields
                    .and_then(|fields| fields.get("objective"))
                    .and_then(|node| name(cx, node, "objective"));
                MemberSource::Slo {
                    service: member_service,
                    slo: member_slo,
                    objective: member_objective,
                }
            } else {
                let sli = match (
                    objective_fields.get("indicator"),
                    objective_fields.get("indicatorRef"),
                ) {
                    (Some(inline), None) => decode_sli_inline(cx, inline, state)
                        .map(|sli| SliRef::Inline(Box::new(sli))),
                    (None, Some(reference)) => {
                        let Some(sli_name) = name(cx, reference, "indicatorRef") else {
                            continue;
                        };
                        match state.slis.get(&sli_name) {
                            Some(sli) => Some(SliRef::Named {
                                name: sli_display_name(sli, &sli_name),
                                resolved: Some(Box::new(sli.clone())),
                            }),
                            None => {
                                if !state.index.contains_key(&("SLI", sli_name.as_str())) {
                                    unresolved(
                                        cx,
                                        reference,
                                        "SLI",
                                        &sli_name,
                                        &state.names_of("SLI"),
                                    );
                                }
                                None
                            }
                        }
                    }
                    _ => {
                        cx.report(Rule::InvalidSli, node, "[indicator, indicatorRef] properties are mutually exclusive, provide only one of them").hint("each composite objective has one indicator");
                        None
                    }
                };
                let Some(mut sli) = sli else { continue };
                if let (Some((op, value)), SliRef::Inline(inline)) = (op_value, &mut sli)
                    && matches!(inline.kind, SliKind::Threshold { .. })
                {
                    inline.kind = SliKind::Threshold { op, value };
                }
                MemberSource::Indicator {
                    sli,
                    objective: Box::new(objective.clone()),
                }
            };
            let mut member_origin = cx.origin(node);
            mark(cx, &mut member_origin, "slo", Some(node));
            members.push(CompositeMember {
                origin: member_origin,
                name: objective.name.clone(),
                weight,
                source,
            });
            continue;
        }
        match (&sli_kind, op_value) {
            (Some(SliKind::Threshold { .. }), Some((op, value))) => match threshold_bound {
                None => threshold_bound = Some((op, value)),
                Some(bound) if bound != (op, value) => {
                    objective.threshold = Some(ObjectiveThreshold { op, value })
                }
                Some(_) => {}
            },
            (Some(SliKind::Threshold { .. }), None)
                if indicator_sli.as_ref().is_some_and(|(_, inline)| *inline) =>
            {
                cx.report(
                    Rule::MissingField,
                    node,
                    "an objective over a thresholdMetric needs `op` and `value`",
                )
                .hint("add e.g. `op: lte` and `value: 0.5`");
            }
            (Some(SliKind::Ratio { .. } | SliKind::Raw { .. }), Some(_))
                if indicator_sli.as_ref().is_some_and(|(_, inline)| *inline) =>
            {
                if let Some(op_node) = objective_fields.get("op") {
                    cx.report(
                        Rule::InvalidValue,
                        op_node,
                        "op and value are forbidden with a ratioMetric indicator",
                    )
                    .hint("remove `op` and `value`; they only apply to thresholdMetric");
                }
            }
            _ => {}
        }
        objectives.push(objective);
    }
    let budgeting = match (budgeting_kind, slice_window) {
        (Some("Occurrences"), _) => Some(Budgeting::Occurrences),
        (Some("Timeslices"), Some((slice, _))) => Some(Budgeting::Timeslices { slice }),
        (Some("RatioTimeslices"), Some((slice, _))) => Some(Budgeting::RatioTimeslices { slice }),
        _ => None,
    };
    let indicator = if composite {
        if members.is_empty() {
            return None;
        }
        Indicator::Composite(Composite { members })
    } else {
        let (mut sli, _) = indicator_sli?;
        let bound = if bound_known { None } else { threshold_bound };
        if let (Some((op, value)), Some(resolved)) = (bound, sli_mut(&mut sli))
            && matches!(resolved.kind, SliKind::Threshold { .. })
        {
            resolved.kind = SliKind::Threshold { op, value };
        }
        Indicator::Sli(sli)
    };
    if composite && let Some(node) = extensions.and_then(|extensions| extensions.get("target")) {
        let mut objective = Objective::new(DEFAULT_OBJECTIVE, d::target(cx, node, "target")?);
        objective.origin = cx.origin(node);
        mark(cx, &mut objective.origin, "target", Some(node));
        objectives.push(objective);
    }
    let mut alerting = Alerting::default();
    if let Some(extensions) = extensions
        && let Some(node) = extensions.get("alerting")
    {
        alerting = native::alerting(cx, node)?;
    }
    if let Some(policies) = fields.get("alertPolicies") {
        let mut rows = Vec::new();
        for item in list(cx, policies, "alertPolicies") {
            if let Some((policy_rows, notify)) = decode_alert_policy_ref(cx, item, state, catalog) {
                rows.extend(policy_rows);
                for target in notify {
                    if !alerting.notify.contains(&target) {
                        alerting.notify.push(target);
                    }
                }
            }
        }
        if !rows.is_empty() {
            alerting.windows = rows;
        }
    }
    // Rows written out from nines' defaults go on following the SLO window.
    if let Some(node) = extensions.and_then(|extensions| extensions.get("defaultWindows"))
        && boolean(cx, node, "defaultWindows") == Some(true)
    {
        alerting.windows.clear();
    }
    let mut slo = Slo {
        origin,
        service: service?,
        name: slo_name,
        display_name: meta.display_name,
        description: description(cx, &fields),
        indicator,
        window: window?,
        budgeting: budgeting?,
        objectives,
        sla: None,
        policy: None,
        alerting,
        ownership: Default::default(),
        review: Default::default(),
        labels: meta.labels,
        annotations: meta.annotations,
        exclusions: Vec::new(),
        no_data: None,
    };
    if let Some(extensions) = extensions {
        slo.ownership = native::ownership(cx, &extensions, &mut slo.origin);
        slo.review = native::review(cx, &extensions, &mut slo.origin);
        mark(cx, &mut slo.origin, "sla", extensions.get("sla"));
        mark(cx, &mut slo.origin, "policy", extensions.get("policy"));
        slo.sla = extensions.get("sla").and_then(|node| name(cx, node, "sla"));
        slo.policy = extensions
            .get("policy")
            .and_then(|node| name(cx, node, "policy"));
        if let Some(node) = extensions.get("exclusions") {
            let default_zone = zone.clone().unwrap_or_else(|| "UTC".into());
            for item in list(cx, node, "exclusions") {
                slo.exclusions
                    .extend(native::exclusion(cx, item, &default_zone));
            }
        }
    }
    (cx.error_count() == errors_before).then_some(slo)
}

/// True when an SLI object's extensions give its threshold.
fn threshold_in_extensions(node: &Node) -> bool {
    let Some(text) = node
        .get("metadata")
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get(EXTENSIONS))
        .and_then(Node::as_scalar)
    else {
        return false;
    };
    crate::yaml::parse_documents(text)
        .ok()
        .and_then(|documents| {
            documents
                .first()
                .map(|document| document.get("threshold").is_some())
        })
        .unwrap_or(false)
}

fn sli_mut(sli: &mut SliRef) -> Option<&mut Sli> {
    match sli {
        SliRef::Inline(inline) => Some(inline),
        SliRef::Named { resolved, .. } => resolved.as_deref_mut(),
    }
}

/// OpenSLO's duration shorthand: a whole number and one of m h d w M Q Y.
fn duration_shorthand(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<nines_core::Duration> {
    let text = string(cx, node, what)?;
    match parse_shorthand(&text) {
        Some((count, unit)) => Some(shorthand_length(count, unit)),
        None => {
            cx.report(Rule::InvalidDuration, node, format!("invalid duration shorthand: {text}, expected [0-9]+[mhdwMQY]"))
                .hint("OpenSLO durations are a whole number and one of m, h, d, w, M, Q, Y: `5m`, `28d`, `1M`");
            None
        }
    }
}

fn parse_shorthand(text: &str) -> Option<(u64, char)> {
    let unit = text.chars().last()?;
    if !"mhdwMQY".contains(unit) {
        return None;
    }
    let count = &text[..text.len() - unit.len_utf8()];
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((count.parse().ok()?, unit))
}

/// The length of a shorthand as the OpenSLO SDK reads it: M = 30d, Q = 90d, Y = 365d.
fn shorthand_length(count: u64, unit: char) -> nines_core::Duration {
    use nines_core::Duration;
    let one = match unit {
        'm' => Duration::from_minutes(1),
        'h' => Duration::from_hours(1),
        'd' => Duration::from_days(1),
        'w' => Duration::from_weeks(1),
        'M' => Duration::from_days(30),
        'Q' => Duration::from_days(90),
        _ => Duration::from_days(365),
    };
    one.saturating_mul(count)
}

fn time_window(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    spec: &Node,
    zone_hint: Option<&str>,
) -> Option<Window> {
    let Some(node) = fields.get("timeWindow") else {
        cx.report(Rule::MissingField, spec, "the SLO has no `timeWindow`")
            .hint("add `timeWindow: [{duration: 28d, isRolling: true}]`");
        return None;
    };
    let items = list(cx, node, "timeWindow");
    if items.len() != 1 {
        cx.report(
            Rule::InvalidWindow,
            node,
            format!(
                "timeWindow must have exactly one item, found {}",
                items.len()
            ),
        )
        .hint("keep a single window");
        return None;
    }
    let item = &items[0];
    let window_fields = Fields::open(
        cx,
        item,
        "a timeWindow",
        &["duration", "isRolling", "calendar"],
    )?;
    let duration_node = window_fields.require(cx, "duration", "the timeWindow")?;
    let text = string(cx, duration_node, "duration")?;
    let Some((count, unit)) = parse_shorthand(&text).filter(|(count, _)| *count > 0) else {
        cx.report(
            Rule::InvalidDuration,
            duration_node,
            format!("invalid duration shorthand: {text}, expected [0-9]+[mhdwMQY]"),
        )
        .hint("e.g. `28d` (rolling) or `1M` (calendar month)");
        return None;
    };
    let rolling = match window_fields.get("isRolling") {
        Some(node) => boolean(cx, node, "isRolling")?,
        None => false,
    };
    let calendar = window_fields.get("calendar");
    match (rolling, calendar) {
        (true, Some(node)) => {
            cx.report(
                Rule::InvalidWindow,
                node,
                "'calendar' cannot be set when 'isRolling' is true",
            )
            .hint("remove `calendar`, or set `isRolling: false`");
            None
        }
        (false, None) => {
            cx.report(Rule::InvalidWindow, item, "'calendar' must be set when 'isRolling' is false")
                .hint("add `calendar: {startTime: 2024-01-01 00:00:00, timeZone: UTC}`, or set `isRolling: true`");
            None
        }
        (true, None) => Some(Window::rolling(shorthand_length(count, unit))),
        (false, Some(node)) => {
            let calendar_fields = Fields::open(cx, node, "calendar", &["startTime", "timeZone"])?;
            let zone = match calendar_fields.get("timeZone") {
                Some(zone_node) => d::zone(cx, zone_node, "timeZone")?,
                None => zone_hint.unwrap_or("UTC").to_string(),
            };
            let unit = match unit {
                'w' => CalendarUnit::Week,
                'M' => CalendarUnit::Month,
                'Q' => CalendarUnit::Quarter,
                'Y' => CalendarUnit::Year,
                _ => {
                    cx.report(Rule::InvalidWindow, duration_node, format!("a calendar window of `{text}` is not supported"))
                        .hint("calendar windows are weeks (w), months (M), quarters (Q) or years (Y); use `isRolling: true` for other lengths");
                    return None;
                }
            };
            let anchor = match calendar_fields.get("startTime") {
                Some(start_node) => {
                    let start_text = string(cx, start_node, "startTime")?;
                    match jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", start_text.trim()) {
                        Ok(start) => Some(start),
                        Err(_) => {
                            cx.report(Rule::InvalidDate, start_node, format!("string must be a valid date and time in '2006-01-02 15:04:05' format: `{start_text}`"))
                                .hint("write e.g. `2024-01-01 00:00:00` (local time, no zone)");
                            return None;
                        }
                    }
                }
                None => None,
            };
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            let anchor =
                anchor.and_then(|start| nines_core::model::significant_anchor(unit, count, start));
            Some(Window::Calendar {
                unit,
                count,
                zone,
                anchor,
            })
        }
    }
}

/// Decodes one `alertPolicies` item: `{alertPolicyRef: name}` or an inline AlertPolicy.
fn decode_alert_policy_ref(
    cx: &mut Cx<'_>,
    node: &Node,
    state: &State<'_, '_>,
    catalog: &mut Catalog,
) -> Option<(Vec<BurnRateWindow>, Vec<String>)> {
    if let Some(reference) = node.get("alertPolicyRef") {
        let _ = Fields::open(cx, node, "an alert policy reference", &["alertPolicyRef"])?;
        let policy_name = name(cx, reference, "alertPolicyRef")?;
        let Some(document) = state.index.get(&("AlertPolicy", policy_name.as_str())) else {
            unresolved(
                cx,
                reference,
                "AlertPolicy",
                &policy_name,
                &state.names_of("AlertPolicy"),
            );
            return None;
        };
        // Problems inside the policy are reported once, when the policy itself is checked.
        let mut scratch = Vec::new();
        let mut quiet = Cx::new(document.file.clone(), "openslo", &mut scratch);
        return decode_alert_policy_spec(&mut quiet, document.node, state, catalog, true);
    }
    let fields = Fields::open(cx, node, "an inline AlertPolicy", INLINE_KIND_FIELDS)?;
    let kind = fields
        .require(cx, "kind", "the inline AlertPolicy")
        .and_then(|node| string(cx, node, "kind"))?;
    if kind != "AlertPolicy" {
        cx.report(
            Rule::InvalidValue,
            fields.get("kind")?,
            format!("an inline alert policy has `kind: AlertPolicy`, found `{kind}`"),
        )
        .hint("write `kind: AlertPolicy`");
        return None;
    }
    decode_alert_policy_spec(cx, node, state, catalog, true)
}

const POLICY_SPEC_FIELDS: &[&str] = &[
    "description",
    "alertWhenNoData",
    "alertWhenResolved",
    "alertWhenBreaching",
    "conditions",
    "notificationTargets",
];

/// Decodes an AlertPolicy's spec into burn-rate rows and notification target names.
/// Inline notification targets are added to the catalog when `register` is set.
fn decode_alert_policy_spec(
    cx: &mut Cx<'_>,
    node: &Node,
    state: &State<'_, '_>,
    catalog: &mut Catalog,
    register: bool,
) -> Option<(Vec<BurnRateWindow>, Vec<String>)> {
    let metadata_node = d::child(cx, node, "metadata", "the alert policy")?;
    let _ = metadata(cx, metadata_node)?;
    let spec = d::child(cx, node, "spec", "the alert policy")?;
    let fields = Fields::open(cx, spec, "an AlertPolicy spec", POLICY_SPEC_FIELDS)?;
    for flag in ["alertWhenNoData", "alertWhenResolved", "alertWhenBreaching"] {
        if let Some(flag_node) = fields.get(flag) {
            let _ = boolean(cx, flag_node, flag);
        }
    }
    let conditions_node = fields.require(cx, "conditions", "the AlertPolicy")?;
    let conditions = list(cx, conditions_node, "conditions");
    if conditions.len() != 1 {
        cx.report(
            Rule::InvalidValue,
            conditions_node,
            format!(
                "conditions must have exactly one item, found {}",
                conditions.len()
            ),
        )
        .hint("OpenSLO allows one condition per alert policy; write one policy per burn-rate row");
        return None;
    }
    let mut rows = Vec::new();
    let condition = &conditions[0];
    if let Some(reference) = condition.get("conditionRef") {
        let _ = Fields::open(cx, condition, "a condition reference", &["conditionRef"])?;
        let condition_name = name(cx, reference, "conditionRef")?;
        match state
            .index
            .get(&("AlertCondition", condition_name.as_str()))
        {
            Some(document) => {
                let mut scratch = Vec::new();
                let mut quiet = Cx::new(document.file.clone(), "openslo", &mut scratch);
                rows.extend(decode_condition_object(&mut quiet, document.node));
            }
            None => unresolved(
                cx,
                reference,
                "AlertCondition",
                &condition_name,
                &state.names_of("AlertCondition"),
            ),
        }
    } else {
        let inline = Fields::open(
            cx,
            condition,
            "an inline AlertCondition",
            INLINE_KIND_FIELDS,
        )?;
        let kind = inline
            .require(cx, "kind", "the inline AlertCondition")
            .and_then(|node| string(cx, node, "kind"))?;
        if kind != "AlertCondition" {
            cx.report(
                Rule::InvalidValue,
                inline.get("kind")?,
                format!("an inline condition has `kind: AlertCondition`, found `{kind}`"),
            )
            .hint("write `kind: AlertCondition`");
            return None;
        }
        rows.extend(decode_condition_object(cx, condition));
    }
    let targets_node = fields.require(cx, "notificationTargets", "the AlertPolicy")?;
    let targets = list(cx, targets_node, "notificationTargets");
    if targets.is_empty() {
        cx.report(
            Rule::MissingField,
            targets_node,
            "notificationTargets must have at least one item",
        )
        .hint("add `- targetRef: <name>`");
    }
    let mut notify = Vec::new();
    for target in targets {
        if let Some(reference) = target.get("targetRef") {
            let _ = Fields::open(cx, target, "a target reference", &["targetRef"]);
            if let Some(target_name) = name(cx, reference, "targetRef") {
                if !state
                    .index
                    .contains_key(&("AlertNotificationTarget", target_name.as_str()))
                {
                    unresolved(
                        cx,
                        reference,
                        "AlertNotificationTarget",
                        &target_name,
                        &state.names_of("AlertNotificationTarget"),
                    );
                }
                notify.push(target_name);
            }
            continue;
        }
        let Some(inline) = Fields::open(
            cx,
            target,
            "an inline AlertNotificationTarget",
            INLINE_KIND_FIELDS,
        ) else {
            continue;
        };
        let kind = inline
            .require(cx, "kind", "the inline AlertNotificationTarget")
            .and_then(|node| string(cx, node, "kind"));
        if kind.as_deref() != Some("AlertNotificationTarget") {
            if let Some(kind_node) = inline.get("kind") {
                cx.report(
                    Rule::InvalidValue,
                    kind_node,
                    "an inline target has `kind: AlertNotificationTarget`",
                )
                .hint("write `kind: AlertNotificationTarget`");
            }
            continue;
        }
        if let Some(decoded) = decode_notification_target(cx, target, false) {
            notify.push(decoded.name.clone());
            if register
                && !catalog
                    .notification_targets
                    .iter()
                    .any(|existing| existing.name == decoded.name)
            {
                catalog.notification_targets.push(decoded);
            }
        }
    }
    Some((rows, notify))
}

const CONDITION_SPEC_FIELDS: &[&str] = &["description", "severity", "condition"];
const CONDITION_FIELDS: &[&str] = &["kind", "op", "threshold", "lookbackWindow", "alertAfter"];
const CONDITION_EXTENSIONS: &[&str] = &["short", "budget", "labels", "annotations"];

/// The row name nines writes when a row has none, so reading it back gives `None`.
pub(crate) fn default_row_name(severity: &str, long: nines_core::Duration) -> String {
    suggest_name(&format!("{severity}-{long}"))
}

/// Decodes an AlertCondition (document or inline) into a burn-rate row.
fn decode_condition_object(cx: &mut Cx<'_>, node: &Node) -> Option<BurnRateWindow> {
    let metadata_node = d::child(cx, node, "metadata", "the alert condition")?;
    let meta = metadata(cx, metadata_node)?;
    let spec = d::child(cx, node, "spec", "the alert condition")?;
    let fields = Fields::open(cx, spec, "an AlertCondition spec", CONDITION_SPEC_FIELDS)?;
    let severity = fields
        .require(cx, "severity", "the AlertCondition")
        .and_then(|node| string(cx, node, "severity"));
    let condition_node = fields.require(cx, "condition", "the AlertCondition")?;
    let condition = Fields::open(cx, condition_node, "condition", CONDITION_FIELDS)?;
    let kind = condition
        .require(cx, "kind", "the condition")
        .and_then(|node| string(cx, node, "kind"));
    if let Some(kind) = &kind
        && kind != "burnrate"
    {
        cx.report(
            Rule::InvalidValue,
            condition.get("kind")?,
            format!("condition kind `{kind}` must be one of: burnrate"),
        )
        .hint("write `kind: burnrate`");
        return None;
    }
    let op_node = condition.require(cx, "op", "the condition")?;
    let op = string(cx, op_node, "op")?;
    match op.as_str() {
        "gt" | "gte" => {}
        "lt" | "lte" => {
            // issue 8.11: OpenSLO's own README writes `op: lte` on a burn-rate condition
            // and its SDK accepts it; a burn-rate alert can only mean "above".
            cx.report(
                Rule::IgnoredField,
                op_node,
                format!(
                    "`op: {op}` is ignored: a burn-rate alert fires when the burn rate is above the threshold, as with `op: gt`"
                ),
            )
            .hint("write `op: gt` to say what nines does");
        }
        _ => {
            cx.report(
                Rule::InvalidValue,
                op_node,
                "op must be one of: gt, lt, gte, lte",
            )
            .hint("write `op: gt`");
            return None;
        }
    }
    let threshold = condition
        .require(cx, "threshold", "the condition")
        .and_then(|node| number(cx, node, "threshold"));
    let long = condition
        .require(cx, "lookbackWindow", "the condition")
        .and_then(|node| duration_shorthand(cx, node, "lookbackWindow"));
    let for_duration = condition
        .get("alertAfter")
        .and_then(|node| duration_shorthand(cx, node, "alertAfter"))
        .filter(|value| !value.is_zero());
    let (long, severity, factor) = (long?, severity?, threshold?);
    let mut row = BurnRateWindow {
        origin: cx.origin(node),
        name: None,
        severity,
        long,
        // The SRE Workbook's short windows are one twelfth of the long ones.
        short: nines_core::Duration::from_minutes((long.as_millis() / 12 / 60_000).max(1)),
        threshold: BurnThreshold::Factor(factor),
        for_duration,
        labels: Labels::new(),
        annotations: Labels::new(),
    };
    mark(cx, &mut row.origin, "long", condition.get("lookbackWindow"));
    mark(cx, &mut row.origin, "factor", condition.get("threshold"));
    if meta.name != default_row_name(&row.severity, row.long) {
        row.name = Some(meta.name);
    }
    if let Some(extensions) = &meta.extensions {
        let extension_fields = Fields::open(cx, extensions, EXTENSIONS, CONDITION_EXTENSIONS)?;
        if let Some(node) = extension_fields.get("short") {
            row.short = d::duration(cx, node, "short")?;
        }
        if let Some(node) = extension_fields.get("budget") {
            row.threshold = BurnThreshold::BudgetShare(d::percent(cx, node, "budget")?);
        }
        row.labels = extension_fields
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default();
        row.annotations = extension_fields
            .get("annotations")
            .map(|node| string_map(cx, node, "annotations"))
            .unwrap_or_default();
    }
    Some(row)
}
