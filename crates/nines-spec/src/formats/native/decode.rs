//! Reading `apiVersion: nines/v1` documents into the model.

use nines_core::expr::Filter;
use nines_core::model::{
    Action, Alerting, Approval, Budgeting, BurnRateWindow, BurnThreshold, CalendarUnit, Catalog,
    Composite, CompositeMember, Condition, Counted, CreditTier, DEFAULT_OBJECTIVE,
    ErrorBudgetPolicy, EventSource, Exclusion, FieldUnit, Indicator, MemberSource, NoDataAlert,
    NotificationTarget, Objective, ObjectiveThreshold, Op, Ownership, PolicyState, PromQuery,
    PrometheusSource, RawKind, Recurrence, Review, Schedule, Service, Sla, Sli, SliKind, SliRef,
    Slo, Window,
};
use nines_core::{Duration, Ratio};

use crate::decode::{
    self as d, Cx, Fields, boolean, duration, list, mark, name, number, percent, string,
    string_map, strings,
};
use crate::diag::Rule;
use crate::yaml::Node;

const SERVICE_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "displayName",
    "description",
    "labels",
    "owner",
    "approvers",
    "review",
    "policy",
    "noData",
    "notify",
    "zone",
    "slas",
    "slis",
    "slos",
];
const SLO_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "description",
    "sli",
    "composite",
    "target",
    "aspirational",
    "objectives",
    "window",
    "zone",
    "budgeting",
    "slice",
    "sliceTarget",
    "sla",
    "policy",
    "alerting",
    "owner",
    "approvers",
    "review",
    "labels",
    "annotations",
    "exclusions",
    "noData",
];
const SLI_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "description",
    "labels",
    "latency",
    "threshold",
    "raw",
    "events",
    "prometheus",
    "external",
];
const EXTERNAL_FIELDS: &[&str] = &["dataSource", "type", "good", "bad", "valid", "value"];
const EVENT_FIELDS: &[&str] = &["valid", "good", "bad", "field", "unit"];
const PROMETHEUS_FIELDS: &[&str] = &[
    "valid",
    "good",
    "bad",
    "histogram",
    "nativeHistogram",
    "value",
    "groupBy",
    "dataSource",
];
const OBJECTIVE_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "target",
    "aspirational",
    "threshold",
    "sliceTarget",
];
const ALERTING_FIELDS: &[&str] = &[
    "enabled",
    "name",
    "noDataAlert",
    "windows",
    "notify",
    "runbook",
    "dashboard",
    "labels",
    "annotations",
];
const WINDOW_ROW_FIELDS: &[&str] = &[
    "name",
    "severity",
    "long",
    "short",
    "budget",
    "factor",
    "for",
    "labels",
    "annotations",
];
const SLA_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "description",
    "customer",
    "target",
    "window",
    "zone",
    "credits",
];
const SLA_DOCUMENT_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "service",
    "name",
    "displayName",
    "description",
    "customer",
    "target",
    "window",
    "zone",
    "credits",
];
const CREDIT_FIELDS: &[&str] = &["below", "credit"];
const POLICY_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "description",
    "owner",
    "approvers",
    "review",
    "states",
];
const STATE_FIELDS: &[&str] = &["name", "description", "when", "actions"];
const TARGET_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "type",
    "target",
    "description",
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
const EXCLUSION_FIELDS: &[&str] = &[
    "name", "reason", "from", "to", "every", "on", "at", "for", "zone",
];
const COMPOSITE_FIELDS: &[&str] = &["members"];
const MEMBER_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "slo",
    "objective",
    "weight",
    "sli",
    "target",
    "sliceTarget",
    "threshold",
];
const APPROVER_FIELDS: &[&str] = &["name", "role", "approved"];
const REVIEW_FIELDS: &[&str] = &["last", "every"];

/// The kinds of native documents.
pub const KINDS: &[&str] = &["Service", "SLA", "ErrorBudgetPolicy", "NotificationTarget"];

/// Decodes one native document into `catalog`.
pub fn decode_document(cx: &mut Cx<'_>, root: &Node, catalog: &mut Catalog) {
    let kind = root
        .get("kind")
        .and_then(Node::as_scalar)
        .unwrap_or("Service");
    match kind {
        "Service" => decode_service(cx, root, catalog),
        "SLA" => {
            let service = root
                .get("service")
                .and_then(|node| name(cx, node, "service"));
            let Some(service) = service else {
                cx.report(Rule::MissingField, root, "an SLA document has no `service`")
                    .hint("add `service:` naming the service the agreement covers");
                return;
            };
            let defaults = ServiceDefaults { zone: "UTC".into() };
            if let Some(sla) = decode_sla(cx, root, &service, &defaults, SLA_DOCUMENT_FIELDS) {
                catalog.slas.push(sla);
            }
        }
        "ErrorBudgetPolicy" => {
            if let Some(policy) = decode_policy(cx, root) {
                catalog.policies.push(policy);
            }
        }
        "NotificationTarget" => {
            if let Some(target) = decode_notification_target(cx, root) {
                catalog.notification_targets.push(target);
            }
        }
        other => {
            let node = root.get("kind").unwrap_or(root);
            let reported = cx.report(
                Rule::UnknownKind,
                node,
                format!("unknown kind `{other}` for nines/v1"),
            );
            match d::did_you_mean(other, KINDS) {
                Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
                None => reported.hint(format!("nines/v1 kinds: {}", KINDS.join(", "))),
            }
        }
    }
}

/// Defaults a service passes down to what it contains.
struct ServiceDefaults {
    zone: String,
}

fn decode_service(cx: &mut Cx<'_>, root: &Node, catalog: &mut Catalog) {
    let Some(fields) = Fields::open(cx, root, "a service", SERVICE_FIELDS) else {
        return;
    };
    let Some(service_name) = fields
        .require(cx, "name", "the service")
        .and_then(|node| d::name_lenient(cx, node, "service name"))
    else {
        return;
    };
    let mut service = Service::new(&service_name);
    service.origin = cx.origin(root);
    mark(cx, &mut service.origin, "name", fields.get("name"));
    service.display_name = fields
        .get("displayName")
        .and_then(|node| string(cx, node, "displayName"));
    service.description = fields
        .get("description")
        .and_then(|node| string(cx, node, "description"));
    service.labels = fields
        .get("labels")
        .map(|node| string_map(cx, node, "labels"))
        .unwrap_or_default();
    service.ownership = ownership(cx, &fields, &mut service.origin);
    service.review = review(cx, &fields, &mut service.origin);
    mark(cx, &mut service.origin, "policy", fields.get("policy"));
    service.policy = fields
        .get("policy")
        .and_then(|node| name(cx, node, "policy"));
    service.no_data = fields.get("noData").and_then(|node| no_data(cx, node));
    mark(cx, &mut service.origin, "notify", fields.get("notify"));
    if let Some(node) = fields.get("notify") {
        service.notify = strings(cx, node, "notify");
    }
    let defaults = ServiceDefaults {
        zone: fields
            .get("zone")
            .and_then(|node| d::zone(cx, node, "zone"))
            .unwrap_or_else(|| "UTC".into()),
    };

    if let Some(node) = fields.get("slas") {
        for item in list(cx, node, "slas") {
            if let Some(sla) = decode_sla(cx, item, &service_name, &defaults, SLA_FIELDS) {
                catalog.slas.push(sla);
            }
        }
    }
    if let Some(node) = fields.get("slis") {
        for item in list(cx, node, "slis") {
            if let Some(sli) = decode_sli(cx, item, true) {
                catalog.slis.push((Some(service_name.clone()), sli));
            }
        }
    }
    if let Some(node) = fields.get("slos") {
        for item in list(cx, node, "slos") {
            if let Some(slo) = decode_slo(cx, item, &service_name, &defaults) {
                catalog.slos.push(slo);
            }
        }
    }
    catalog.services.push(service);
}

pub(crate) fn ownership(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    origin: &mut nines_core::model::Origin,
) -> Ownership {
    mark(cx, origin, "owner", fields.get("owner"));
    mark(cx, origin, "approvers", fields.get("approvers"));
    let owner = fields
        .get("owner")
        .and_then(|node| string(cx, node, "owner"));
    let mut approvers = Vec::new();
    if let Some(node) = fields.get("approvers") {
        for item in list(cx, node, "approvers") {
            if let Some(text) = item.as_scalar() {
                approvers.push(Approval {
                    name: text.to_string(),
                    role: None,
                    date: None,
                });
                continue;
            }
            let Some(approver) = Fields::open(cx, item, "an approver", APPROVER_FIELDS) else {
                continue;
            };
            let Some(approver_name) = approver
                .require(cx, "name", "the approver")
                .and_then(|node| string(cx, node, "name"))
            else {
                continue;
            };
            approvers.push(Approval {
                name: approver_name,
                role: approver
                    .get("role")
                    .and_then(|node| string(cx, node, "role")),
                date: approver
                    .get("approved")
                    .and_then(|node| d::date(cx, node, "approved")),
            });
        }
    }
    Ownership { owner, approvers }
}

pub(crate) fn review(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    origin: &mut nines_core::model::Origin,
) -> Review {
    let mut review = Review::default();
    let Some(node) = fields.get("review") else {
        return review;
    };
    mark(cx, origin, "review", Some(node));
    let Some(review_fields) = Fields::open(cx, node, "review", REVIEW_FIELDS) else {
        return review;
    };
    review.last_reviewed = review_fields
        .get("last")
        .and_then(|node| d::date(cx, node, "review.last"));
    if let Some(interval) = review_fields
        .get("every")
        .and_then(|node| d::review_interval(cx, node, "review.every"))
    {
        review.interval = interval;
    }
    review
}

fn decode_slo(
    cx: &mut Cx<'_>,
    node: &Node,
    service: &str,
    defaults: &ServiceDefaults,
) -> Option<Slo> {
    let fields = Fields::open(cx, node, "an SLO", SLO_FIELDS)?;
    let slo_name = fields
        .require(cx, "name", "the SLO")
        .and_then(|node| d::name_lenient(cx, node, "SLO name"))?;
    let mut origin = cx.origin(node);
    for field in [
        "name",
        "window",
        "sla",
        "policy",
        "budgeting",
        "slice",
        "alerting",
        "sli",
        "composite",
        "objectives",
        "labels",
    ] {
        mark(cx, &mut origin, field, fields.get(field));
    }
    mark(cx, &mut origin, "target", fields.get("target"));

    // Every part is decoded before any is given up on, so one run reports them all.
    let indicator = match (fields.get("sli"), fields.get("composite")) {
        (Some(_), Some(composite)) => {
            cx.report(
                Rule::InvalidSli,
                composite,
                "an SLO has either `sli` or `composite`, not both",
            )
            .hint("move the composite into an SLO of its own");
            None
        }
        (Some(sli), None) => match sli.as_scalar() {
            Some(_) => name(cx, sli, "SLI name").map(|name| {
                Indicator::Sli(SliRef::Named {
                    name,
                    resolved: None,
                })
            }),
            None => decode_sli(cx, sli, false).map(|mut sli| {
                // An inline SLI named like its SLO is the same as an unnamed one.
                if sli.name.as_deref() == Some(slo_name.as_str()) {
                    sli.name = None;
                }
                Indicator::Sli(SliRef::Inline(Box::new(sli)))
            }),
        },
        (None, Some(composite)) => decode_composite(cx, composite).map(Indicator::Composite),
        (None, None) => {
            cx.report(
                Rule::MissingField,
                node,
                format!("SLO `{slo_name}` has no `sli`"),
            )
            .hint("add `sli:` with `events:` or `prometheus:` (or `composite:` to combine SLOs)");
            None
        }
    };
    let zone = fields
        .get("zone")
        .and_then(|node| d::zone(cx, node, "zone"))
        .unwrap_or_else(|| defaults.zone.clone());
    let window = match fields.get("window") {
        Some(node) => window(cx, node, &zone),
        None => {
            cx.report(
                Rule::MissingField,
                node,
                format!("SLO `{slo_name}` has no `window`"),
            )
            .hint("add `window: 28d` (rolling) or `window: month` (calendar)");
            None
        }
    };
    let budgeting = budgeting(cx, &fields);
    let composite = matches!(indicator, Some(Indicator::Composite(_)));
    let objectives = if composite && !fields.has("target") && !fields.has("objectives") {
        Some(Vec::new())
    } else {
        objectives(cx, &fields, node, &slo_name)
    };
    let ownership = ownership(cx, &fields, &mut origin);
    let review = review(cx, &fields, &mut origin);
    let alerting = match fields.get("alerting") {
        Some(node) => alerting(cx, node),
        None => Some(Alerting::default()),
    };
    let mut exclusions = Vec::new();
    if let Some(node) = fields.get("exclusions") {
        for item in list(cx, node, "exclusions") {
            exclusions.extend(exclusion(cx, item, &zone));
        }
    }
    let (indicator, window, budgeting, objectives, alerting) =
        (indicator?, window?, budgeting?, objectives?, alerting?);
    Some(Slo {
        origin,
        service: service.to_string(),
        name: slo_name,
        display_name: fields
            .get("displayName")
            .and_then(|node| string(cx, node, "displayName")),
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        indicator,
        window,
        budgeting,
        objectives,
        sla: fields.get("sla").and_then(|node| name(cx, node, "sla")),
        policy: fields
            .get("policy")
            .and_then(|node| name(cx, node, "policy")),
        alerting,
        ownership,
        review,
        labels: fields
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default(),
        annotations: fields
            .get("annotations")
            .map(|node| string_map(cx, node, "annotations"))
            .unwrap_or_default(),
        exclusions,
        no_data: fields.get("noData").and_then(|node| no_data(cx, node)),
    })
}

const NO_DATA_FIELDS: &[&str] = &["after", "gate"];

/// `noData: {after: 1h, gate: freeze|allow}` (issue 8.5): when an SLO's data is stale,
/// and whether the release gate lets changes through meanwhile.
fn no_data(cx: &mut Cx<'_>, node: &Node) -> Option<nines_core::model::NoData> {
    use nines_core::model::{NoData, NoDataGate};
    let fields = Fields::open(cx, node, "noData", NO_DATA_FIELDS)?;
    let mut rule = NoData::default();
    if let Some(after) = fields.get("after") {
        rule.after = duration(cx, after, "noData.after")?;
        if rule.after.is_zero() {
            cx.report(Rule::InvalidValue, after, "noData.after must be above 0")
                .hint("the longest a working pipeline goes without data, e.g. `1h`");
            return None;
        }
    }
    if let Some(gate) = fields.get("gate") {
        rule.gate = match string(cx, gate, "noData.gate")?.as_str() {
            "freeze" => NoDataGate::Freeze,
            "allow" => NoDataGate::Allow,
            other => {
                cx.report(
                    Rule::InvalidValue,
                    gate,
                    format!("noData.gate `{other}` is neither `freeze` nor `allow`"),
                )
                .hint("`freeze` refuses releases while the SLO has no data; `allow` lets them through");
                return None;
            }
        };
    }
    Some(rule)
}

/// `28d` (rolling), `month` / `calendar month` (calendar in `zone`), or
/// `{calendar: month, zone: ...}`.
pub(crate) fn window(cx: &mut Cx<'_>, node: &Node, zone: &str) -> Option<Window> {
    if node.as_mapping().is_some() {
        let fields = Fields::open(
            cx,
            node,
            "window",
            &["calendar", "count", "zone", "rolling", "start"],
        )?;
        let zone = fields
            .get("zone")
            .and_then(|node| d::zone(cx, node, "zone"))
            .unwrap_or_else(|| zone.to_string());
        if let Some(rolling) = fields.get("rolling") {
            return rolling_window(cx, rolling);
        }
        let unit_node = fields.require(cx, "calendar", "window")?;
        let text = string(cx, unit_node, "calendar")?;
        let Some(unit) = CalendarUnit::parse(&text) else {
            cx.report(
                Rule::InvalidWindow,
                unit_node,
                format!("`{text}` is not a calendar period"),
            )
            .hint("use week, month, quarter or year");
            return None;
        };
        let mut window = Window::calendar(unit, zone);
        if let Some(count_node) = fields.get("count") {
            let count = number(cx, count_node, "count")?;
            if count < 1.0 || count.fract() != 0.0 || count > 1000.0 {
                cx.report(
                    Rule::InvalidWindow,
                    count_node,
                    "count is a whole number of periods, at least 1",
                )
                .hint("e.g. `count: 2` for two-week windows");
                return None;
            }
            if let Window::Calendar { count: slot, .. } = &mut window {
                *slot = count as u32;
            }
        }
        if let Some(start_node) = fields.get("start") {
            let start_text = string(cx, start_node, "start")?;
            match start_text
                .trim()
                .replace(' ', "T")
                .parse::<jiff::civil::DateTime>()
            {
                Ok(start) => {
                    // An anchor that changes nothing is the same as none.
                    if let Window::Calendar { anchor, count, .. } = &mut window {
                        *anchor = nines_core::model::significant_anchor(unit, *count, start);
                    }
                }
                Err(_) => {
                    cx.report(
                        Rule::InvalidDate,
                        start_node,
                        format!("`{start_text}` is not a local date and time"),
                    )
                    .hint("write e.g. `2026-01-05T00:00:00` (local time in the window's zone)");
                    return None;
                }
            }
        }
        return Some(window);
    }
    let text = string(cx, node, "window")?;
    if let Some(unit) = CalendarUnit::parse(&text) {
        return Some(Window::calendar(unit, zone));
    }
    rolling_window(cx, node)
}

fn rolling_window(cx: &mut Cx<'_>, node: &Node) -> Option<Window> {
    let text = string(cx, node, "window")?;
    match text.parse::<Duration>() {
        Ok(length) if length.is_zero() => {
            cx.report(Rule::InvalidWindow, node, "the window is empty")
                .hint("use e.g. `28d`");
            None
        }
        Ok(length) if !length.is_whole_minutes() => {
            cx.report(
                Rule::InvalidWindow,
                node,
                format!("rolling window `{text}` is not a whole number of minutes"),
            )
            .hint("rolling windows are whole minutes, hours, days or weeks, e.g. `28d`");
            None
        }
        Ok(length) => Some(Window::rolling(length)),
        Err(problem) => {
            cx.report(Rule::InvalidWindow, node, format!("window: {problem}"))
                .hint("write a rolling window such as `28d` or a calendar period: week, month, quarter, year");
            None
        }
    }
}

fn budgeting(cx: &mut Cx<'_>, fields: &Fields<'_>) -> Option<Budgeting> {
    let method = match fields.get("budgeting") {
        Some(node) => string(cx, node, "budgeting")?,
        None => "occurrences".to_string(),
    };
    let slice = fields
        .get("slice")
        .and_then(|node| duration(cx, node, "slice"));
    let normalized = method.to_ascii_lowercase().replace(['_', ' '], "-");
    match normalized.as_str() {
        "occurrences" => {
            if let Some(node) = fields.get("slice").or(fields.get("sliceTarget")) {
                cx.report(
                    Rule::InconsistentTimeSlices,
                    node,
                    "time-slice settings on an SLO budgeted by occurrences",
                )
                .hint("remove them, or set `budgeting: timeslices`");
            }
            Some(Budgeting::Occurrences)
        }
        "timeslices" | "ratio-timeslices" => {
            let Some(slice) = slice else {
                if fields.get("slice").is_none() {
                    cx.report(
                        Rule::InconsistentTimeSlices,
                        fields.node(),
                        format!("`budgeting: {method}` needs a slice length"),
                    )
                    .hint("add `slice: 1m`");
                }
                return None;
            };
            if slice.is_zero() {
                if let Some(node) = fields.get("slice") {
                    cx.report(
                        Rule::InconsistentTimeSlices,
                        node,
                        "the slice length is zero",
                    )
                    .hint("use e.g. `slice: 1m`");
                }
                return None;
            }
            Some(if normalized == "timeslices" {
                Budgeting::Timeslices { slice }
            } else {
                Budgeting::RatioTimeslices { slice }
            })
        }
        _ => {
            let node = fields.get("budgeting").unwrap_or(fields.node());
            let reported = cx.report(
                Rule::InvalidValue,
                node,
                format!("unknown budgeting method `{method}`"),
            );
            match d::did_you_mean(&method, &["occurrences", "timeslices", "ratio-timeslices"]) {
                Some(suggestion) => reported.hint(format!("did you mean `{suggestion}`?")),
                None => reported.hint("use occurrences, timeslices or ratio-timeslices"),
            }
            None
        }
    }
}

pub(crate) fn objectives(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    slo_node: &Node,
    slo_name: &str,
) -> Option<Vec<Objective>> {
    match (fields.get("target"), fields.get("objectives")) {
        (Some(target_node), None) => {
            let target = d::target(cx, target_node, "target");
            let aspirational = fields
                .get("aspirational")
                .and_then(|node| d::target(cx, node, "aspirational target"));
            let slice_target = fields
                .get("sliceTarget")
                .and_then(|node| d::share(cx, node, "sliceTarget"));
            let mut objective = Objective::new(DEFAULT_OBJECTIVE, target?);
            objective.origin = cx.origin(target_node);
            mark(cx, &mut objective.origin, "target", Some(target_node));
            mark(
                cx,
                &mut objective.origin,
                "aspirational",
                fields.get("aspirational"),
            );
            mark(
                cx,
                &mut objective.origin,
                "sliceTarget",
                fields.get("sliceTarget"),
            );
            objective.aspirational = aspirational;
            objective.slice_target = slice_target;
            Some(vec![objective])
        }
        (None, Some(list_node)) => {
            for shorthand in ["aspirational", "sliceTarget"] {
                if let Some(node) = fields.key(shorthand).filter(|_| fields.has(shorthand)) {
                    cx.report(
                        Rule::InvalidValue,
                        node,
                        format!(
                            "`{shorthand}` goes inside each objective when `objectives` is used"
                        ),
                    )
                    .hint(format!("move `{shorthand}` into the objectives"));
                }
            }
            let items = list(cx, list_node, "objectives");
            if items.is_empty() {
                cx.report(
                    Rule::MissingField,
                    list_node,
                    format!("SLO `{slo_name}` has an empty objective list"),
                )
                .hint("add at least one objective with a `target`");
                return None;
            }
            let mut out = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let Some(objective_fields) =
                    Fields::open(cx, item, "an objective", OBJECTIVE_FIELDS)
                else {
                    continue;
                };
                let Some(target_node) = objective_fields.require(cx, "target", "the objective")
                else {
                    continue;
                };
                let Some(target) = d::target(cx, target_node, "target") else {
                    continue;
                };
                let objective_name = match objective_fields.get("name") {
                    Some(node) => match name(cx, node, "objective name") {
                        Some(text) => text,
                        None => continue,
                    },
                    None if items.len() == 1 => DEFAULT_OBJECTIVE.to_string(),
                    None => format!("objective-{}", index + 1),
                };
                let mut objective = Objective::new(objective_name, target);
                objective.origin = cx.origin(item);
                mark(
                    cx,
                    &mut objective.origin,
                    "name",
                    objective_fields.get("name"),
                );
                mark(cx, &mut objective.origin, "target", Some(target_node));
                mark(
                    cx,
                    &mut objective.origin,
                    "aspirational",
                    objective_fields.get("aspirational"),
                );
                mark(
                    cx,
                    &mut objective.origin,
                    "threshold",
                    objective_fields.get("threshold"),
                );
                mark(
                    cx,
                    &mut objective.origin,
                    "sliceTarget",
                    objective_fields.get("sliceTarget"),
                );
                objective.display_name = objective_fields
                    .get("displayName")
                    .and_then(|node| string(cx, node, "displayName"));
                objective.aspirational = objective_fields
                    .get("aspirational")
                    .and_then(|node| d::target(cx, node, "aspirational target"));
                objective.slice_target = objective_fields
                    .get("sliceTarget")
                    .and_then(|node| d::share(cx, node, "sliceTarget"));
                objective.threshold = objective_fields
                    .get("threshold")
                    .and_then(|node| threshold(cx, node))
                    .map(|(op, value)| ObjectiveThreshold { op, value });
                out.push(objective);
            }
            (!out.is_empty()).then_some(out)
        }
        (Some(_), Some(list_node)) => {
            cx.report(
                Rule::InvalidValue,
                list_node,
                "an SLO has either `target` or `objectives`, not both",
            )
            .hint("move `target` into the objectives list");
            None
        }
        (None, None) => {
            cx.report(
                Rule::MissingField,
                slo_node,
                format!("SLO `{slo_name}` has no `target`"),
            )
            .hint("add `target: 99.9%` (never 100%: a 100% target leaves no error budget)");
            None
        }
    }
}

/// `"<= 300ms"`, `"< 0.5"`, `">= 1"`, or `{op: lte, value: 0.3}`: an operator and a value;
/// durations become seconds.
pub(crate) fn threshold(cx: &mut Cx<'_>, node: &Node) -> Option<(Op, f64)> {
    if node.as_mapping().is_some() {
        let fields = Fields::open(cx, node, "threshold", &["op", "value"])?;
        let op_node = fields.require(cx, "op", "threshold")?;
        let op_text = string(cx, op_node, "op")?;
        let Some(op) = Op::parse(&op_text) else {
            cx.report(
                Rule::InvalidValue,
                op_node,
                format!("unknown operator `{op_text}`"),
            )
            .hint("use <, <=, > or >=");
            return None;
        };
        let value_node = fields.require(cx, "value", "threshold")?;
        return threshold_value(cx, value_node).map(|value| (op, value));
    }
    let text = string(cx, node, "threshold")?;
    let trimmed = text.trim();
    let (op, rest) = ["<=", ">=", "<", ">"]
        .iter()
        .find_map(|symbol| {
            trimmed
                .strip_prefix(symbol)
                .map(|rest| (Op::parse(symbol), rest))
        })
        .unwrap_or((None, trimmed));
    let Some(op) = op else {
        cx.report(
            Rule::InvalidValue,
            node,
            format!("threshold `{text}` has no operator"),
        )
        .hint("write e.g. `<= 300ms` or `>= 0.99`");
        return None;
    };
    let rest = rest.trim();
    if let Ok(value) = rest.parse::<f64>()
        && value.is_finite()
    {
        return Some((op, value));
    }
    match rest.parse::<Duration>() {
        Ok(duration) => Some((op, duration.as_secs_f64())),
        Err(_) => {
            cx.report(
                Rule::InvalidValue,
                node,
                format!("threshold `{text}`: `{rest}` is neither a number nor a duration"),
            )
            .hint("write e.g. `<= 300ms`, `<= 26h` or `>= 0.99`");
            None
        }
    }
}

fn threshold_value(cx: &mut Cx<'_>, node: &Node) -> Option<f64> {
    if let Some(text) = node.as_scalar()
        && let Ok(duration) = text.parse::<Duration>()
    {
        return Some(duration.as_secs_f64());
    }
    number(cx, node, "threshold value")
}

/// Decodes an SLI; `named` SLIs (in a service's `slis:` list) must have a name.
pub(crate) fn decode_sli(cx: &mut Cx<'_>, node: &Node, named: bool) -> Option<Sli> {
    let fields = Fields::open(cx, node, "an SLI", SLI_FIELDS)?;
    let sli_name = if named {
        Some(
            fields
                .require(cx, "name", "the SLI")
                .and_then(|node| name(cx, node, "SLI name"))?,
        )
    } else {
        fields
            .get("name")
            .and_then(|node| name(cx, node, "SLI name"))
    };
    let errors_before = cx.error_count();
    let mut origin = cx.origin(node);
    for field in ["latency", "threshold", "raw", "events", "prometheus"] {
        mark(cx, &mut origin, field, fields.get(field));
    }
    let kinds: Vec<&str> = ["latency", "threshold", "raw"]
        .into_iter()
        .filter(|key| fields.has(key))
        .collect();
    if kinds.len() > 1 {
        let node = fields.get(kinds[1]).unwrap_or(node);
        cx.report(
            Rule::InvalidSli,
            node,
            format!(
                "an SLI is one kind: `{}` and `{}` cannot both be set",
                kinds[0], kinds[1]
            ),
        )
        .hint("keep one of latency, threshold or raw (or none for a ratio of events)");
        return None;
    }
    let is_latency = fields.has("latency");
    let events = fields
        .get("events")
        .and_then(|node| event_source(cx, node, is_latency));
    let prometheus = fields
        .get("prometheus")
        .and_then(|node| prometheus_source(cx, node));
    let external = fields
        .get("external")
        .and_then(|node| external_source(cx, node));
    let kind = if let Some(node) = fields.get("latency") {
        SliKind::Latency {
            threshold: duration(cx, node, "latency")?,
        }
    } else if let Some(node) = fields.get("threshold") {
        let (op, value) = threshold(cx, node)?;
        SliKind::Threshold { op, value }
    } else if let Some(node) = fields.get("raw") {
        let text = string(cx, node, "raw")?;
        let raw = match text.as_str() {
            "success" | "success-ratio" => RawKind::Success,
            "error" | "errors" | "failure" | "error-ratio" => RawKind::Failure,
            _ => {
                cx.report(
                    Rule::InvalidValue,
                    node,
                    format!("`raw: {text}` must say which ratio the query returns"),
                )
                .hint("use `raw: success` or `raw: error`");
                return None;
            }
        };
        SliKind::Raw { raw }
    } else if events.is_none() && prometheus.is_none() && external.is_some() {
        let counted = if external
            .as_ref()
            .is_some_and(|external| external.bad.is_some())
        {
            Counted::Bad
        } else {
            Counted::Good
        };
        SliKind::Ratio { counted }
    } else {
        SliKind::Ratio {
            counted: counted_side(cx, node, events.as_ref(), prometheus.as_ref())?,
        }
    };
    if cx.error_count() > errors_before {
        return None;
    }
    let mut sli = Sli::new(kind);
    sli.origin = origin;
    sli.name = sli_name;
    sli.display_name = fields
        .get("displayName")
        .and_then(|node| string(cx, node, "displayName"));
    sli.description = fields
        .get("description")
        .and_then(|node| string(cx, node, "description"));
    sli.labels = fields
        .get("labels")
        .map(|node| string_map(cx, node, "labels"))
        .unwrap_or_default();
    sli.events = events;
    sli.prometheus = prometheus;
    sli.external = external;
    Some(sli)
}

/// A source nines does not query itself (an OpenSLO metric source of another type), kept
/// so that conversions lose nothing.
fn external_source(cx: &mut Cx<'_>, node: &Node) -> Option<nines_core::model::ExternalSource> {
    let fields = Fields::open(cx, node, "external", EXTERNAL_FIELDS)?;
    Some(nines_core::model::ExternalSource {
        data_source: fields
            .get("dataSource")
            .and_then(|node| string(cx, node, "dataSource")),
        kind: fields.get("type").and_then(|node| string(cx, node, "type")),
        good: fields.get("good").map(Node::to_json),
        bad: fields.get("bad").map(Node::to_json),
        valid: fields.get("valid").map(Node::to_json),
        value: fields.get("value").map(Node::to_json),
    })
}

/// Whether a ratio SLI's sources name good or bad events. Sources may differ (events
/// naming good ones, Prometheus bad ones); the Prometheus side is recorded.
fn counted_side(
    cx: &mut Cx<'_>,
    node: &Node,
    events: Option<&EventSource>,
    prometheus: Option<&PrometheusSource>,
) -> Option<Counted> {
    let mut sides = Vec::new();
    if let Some(events) = events {
        match (events.good.is_some(), events.bad.is_some()) {
            (true, true) => {
                cx.report(
                    Rule::InvalidSli,
                    node,
                    "the events source sets both `good` and `bad`",
                )
                .hint("keep one: `good` for good events or `bad` for bad ones");
                return None;
            }
            (true, false) => sides.push(("events", Counted::Good)),
            (false, true) => sides.push(("events", Counted::Bad)),
            (false, false) => {
                cx.report(
                    Rule::InvalidSli,
                    node,
                    "the events source says which events are valid but not which are good",
                )
                .hint("add `good:` (or `bad:`) under `events`, or `latency:` for a latency SLI");
                return None;
            }
        }
    }
    if let Some(prometheus) = prometheus {
        match (prometheus.good.is_some(), prometheus.bad.is_some()) {
            (true, true) => {
                cx.report(
                    Rule::InvalidSli,
                    node,
                    "the prometheus source sets both `good` and `bad`",
                )
                .hint("keep one: `good` for good events or `bad` for bad ones");
                return None;
            }
            (true, false) => sides.push(("prometheus", Counted::Good)),
            (false, true) => sides.push(("prometheus", Counted::Bad)),
            (false, false) => {
                cx.report(Rule::InvalidSli, node, "the prometheus source has no `good` or `bad` query")
                    .hint("add `bad:` (or `good:`) with a counter selector, `histogram:` with `latency:`, or `value:` with `threshold:`");
                return None;
            }
        }
    }
    match sides.as_slice() {
        [] => {
            cx.report(
                Rule::InvalidSli,
                node,
                "the SLI has no source: nothing says where its data comes from",
            )
            .hint(
                "add `events:` (embedded store) or `prometheus:` (Prometheus-compatible backend)",
            );
            None
        }
        [(_, counted)] => Some(*counted),
        // Each source keeps its own side; the kind records the query-based one, which is
        // what other formats (OpenSLO's good/bad) express.
        [.., (_, counted)] => Some(*counted),
    }
}

fn filter(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Filter> {
    let text = string(cx, node, what)?;
    match Filter::parse(&text) {
        Ok(filter) => Some(filter),
        Err(problem) => {
            // Point inside the expression when it sits on one line after the key.
            let mut location = cx.location(node);
            let plain_single_line = !text.contains('\n');
            if plain_single_line {
                let quote = matches!(&node.value, crate::yaml::Value::Scalar { plain: false, .. });
                location.column +=
                    u32::try_from(text[..problem.offset.min(text.len())].chars().count())
                        .unwrap_or(0)
                        + u32::from(quote);
            }
            cx.diagnostics.push(
                crate::diag::Diagnostic::new(
                    Rule::InvalidFilter,
                    location,
                    format!("{what}: {}", problem.message),
                )
                .hint("filters use CEL syntax: `status < 500 && route == \"/checkout\"`"),
            );
            None
        }
    }
}

/// True when `field` is an attribute path: names joined by dots, no operators or spaces.
fn is_attribute_path(field: &str) -> bool {
    field.split('.').all(|segment| {
        !segment.is_empty()
            && segment
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | ':'))
    })
}

pub(crate) fn event_source(cx: &mut Cx<'_>, node: &Node, is_latency: bool) -> Option<EventSource> {
    let fields = Fields::open(cx, node, "events", EVENT_FIELDS)?;
    if let Some(node) = fields.get("field")
        && let Some(text) = node.as_scalar()
        && !is_attribute_path(text)
    {
        // issue 8.7: `latency_ms / 1000` was taken as an attribute name and read nothing.
        cx.report(
            Rule::InvalidValue,
            node,
            format!("events.field `{text}` is not an attribute path"),
        )
        .hint("name the attribute (`latency_ms`, `http.duration`); to read milliseconds, add `unit: ms`");
        return None;
    }
    let unit = match fields.get("unit") {
        Some(node) => {
            let text = string(cx, node, "events.unit")?;
            if !is_latency {
                cx.report(
                    Rule::InvalidValue,
                    node,
                    "events.unit applies to latency SLIs only".to_string(),
                )
                .hint("a threshold SLI compares the field's number as written");
                return None;
            }
            match FieldUnit::parse(&text) {
                Some(unit) => Some(unit),
                None => {
                    cx.report(
                        Rule::InvalidValue,
                        node,
                        format!("events.unit `{text}` is not a unit of time"),
                    )
                    .hint("use s, ms, us or ns");
                    return None;
                }
            }
        }
        None => None,
    };
    Some(EventSource {
        unit,
        valid: fields
            .get("valid")
            .and_then(|node| filter(cx, node, "events.valid")),
        good: fields
            .get("good")
            .and_then(|node| filter(cx, node, "events.good")),
        bad: fields
            .get("bad")
            .and_then(|node| filter(cx, node, "events.bad")),
        field: fields
            .get("field")
            .and_then(|node| string(cx, node, "events.field")),
    })
}

fn prom_query(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<PromQuery> {
    let text = string(cx, node, what)?;
    match crate::promql::check(&text) {
        Ok(()) => Some(PromQuery::classify(&text)),
        Err(problem) => {
            cx.report(Rule::InvalidQuery, node, format!("{what}: {problem}"))
                .hint("write a counter selector such as `http_requests_total{job=\"api\"}` or an expression");
            None
        }
    }
}

fn prometheus_source(cx: &mut Cx<'_>, node: &Node) -> Option<PrometheusSource> {
    let fields = Fields::open(cx, node, "prometheus", PROMETHEUS_FIELDS)?;
    let histogram = match fields.get("histogram") {
        Some(node) => {
            let text = string(cx, node, "prometheus.histogram")?;
            if !nines_core::model::is_selector(&text) {
                cx.report(Rule::InvalidQuery, node, format!("histogram `{text}` is not a metric selector"))
                    .hint("name the histogram without `_bucket`, e.g. `http_request_duration_seconds{job=\"api\"}`");
                return None;
            }
            Some(text)
        }
        None => None,
    };
    Some(PrometheusSource {
        good: fields
            .get("good")
            .and_then(|node| prom_query(cx, node, "prometheus.good")),
        bad: fields
            .get("bad")
            .and_then(|node| prom_query(cx, node, "prometheus.bad")),
        valid: fields
            .get("valid")
            .and_then(|node| prom_query(cx, node, "prometheus.valid")),
        histogram,
        value: fields
            .get("value")
            .and_then(|node| prom_query(cx, node, "prometheus.value")),
        group_by: fields
            .get("groupBy")
            .map(|node| strings(cx, node, "groupBy"))
            .unwrap_or_default(),
        native_histogram: fields
            .get("nativeHistogram")
            .and_then(|node| boolean(cx, node, "nativeHistogram"))
            .unwrap_or(false),
        data_source: fields
            .get("dataSource")
            .and_then(|node| string(cx, node, "dataSource")),
    })
}

fn decode_composite(cx: &mut Cx<'_>, node: &Node) -> Option<Composite> {
    let fields = Fields::open(cx, node, "composite", COMPOSITE_FIELDS)?;
    let members_node = fields.require(cx, "members", "composite")?;
    let mut members = Vec::new();
    for (index, item) in list(cx, members_node, "members").iter().enumerate() {
        let Some(member) = Fields::open(cx, item, "a composite member", MEMBER_FIELDS) else {
            continue;
        };
        let weight = match member.get("weight") {
            Some(node) => match number(cx, node, "weight") {
                Some(weight) if weight > 0.0 => weight,
                Some(_) => {
                    cx.report(
                        Rule::InvalidValue,
                        node,
                        "a member's weight must be greater than 0",
                    )
                    .hint("use e.g. `weight: 1`");
                    continue;
                }
                None => continue,
            },
            None => 1.0,
        };
        let mut origin = cx.origin(item);
        let explicit_name = match member.get("name") {
            Some(node) => match name(cx, node, "member name") {
                Some(text) => Some(text),
                None => continue,
            },
            None => None,
        };
        let source = match (member.get("slo"), member.get("sli")) {
            (Some(slo_node), None) => {
                for key in ["target", "sliceTarget", "threshold", "displayName"] {
                    if let Some(key_node) = member.key(key).filter(|_| member.has(key)) {
                        cx.report(Rule::InvalidValue, key_node, format!("`{key}` comes from the referenced SLO"))
                            .hint("remove it, or describe the member with `sli:` and `target:` instead of `slo:`");
                    }
                }
                mark(cx, &mut origin, "slo", Some(slo_node));
                let Some(reference) = string(cx, slo_node, "slo") else {
                    continue;
                };
                let (service, slo) = match reference.split_once('/') {
                    Some((service, slo)) => (Some(service.to_string()), slo.to_string()),
                    None => (None, reference.clone()),
                };
                let objective = member
                    .get("objective")
                    .and_then(|node| name(cx, node, "objective"));
                MemberSource::Slo {
                    service,
                    slo,
                    objective,
                }
            }
            (None, Some(sli_node)) => {
                mark(cx, &mut origin, "sli", Some(sli_node));
                let sli = match sli_node.as_scalar() {
                    Some(_) => name(cx, sli_node, "SLI name").map(|name| SliRef::Named {
                        name,
                        resolved: None,
                    }),
                    None => {
                        decode_sli(cx, sli_node, false).map(|sli| SliRef::Inline(Box::new(sli)))
                    }
                };
                let Some(target_node) = member.require(cx, "target", "a member with its own SLI")
                else {
                    continue;
                };
                let target = d::target(cx, target_node, "target");
                let (Some(sli), Some(target)) = (sli, target) else {
                    continue;
                };
                let member_name = explicit_name
                    .clone()
                    .unwrap_or_else(|| format!("member-{}", index + 1));
                let mut objective = Objective::new(member_name, target);
                objective.origin = cx.origin(item);
                mark(cx, &mut objective.origin, "target", Some(target_node));
                objective.display_name = member
                    .get("displayName")
                    .and_then(|node| string(cx, node, "displayName"));
                objective.slice_target = member
                    .get("sliceTarget")
                    .and_then(|node| d::share(cx, node, "sliceTarget"));
                objective.threshold = member
                    .get("threshold")
                    .and_then(|node| threshold(cx, node))
                    .map(|(op, value)| ObjectiveThreshold { op, value });
                MemberSource::Indicator {
                    sli,
                    objective: Box::new(objective),
                }
            }
            (Some(_), Some(node)) => {
                cx.report(
                    Rule::InvalidValue,
                    node,
                    "a member names an SLO (`slo:`) or brings its own SLI (`sli:`), not both",
                )
                .hint("keep one");
                continue;
            }
            (None, None) => {
                cx.report(Rule::MissingField, item, "the member has no `slo`")
                    .hint("add `slo: service/slo-name`");
                continue;
            }
        };
        let member_name = match (&explicit_name, &source) {
            (Some(explicit), _) => explicit.clone(),
            (None, MemberSource::Slo { slo, .. }) => slo.clone(),
            (None, MemberSource::Indicator { objective, .. }) => objective.name.clone(),
        };
        let member_name = if member_name.is_empty() {
            format!("member-{}", index + 1)
        } else {
            member_name
        };
        members.push(CompositeMember {
            origin,
            name: member_name,
            weight,
            source,
        });
    }
    if members.is_empty() {
        cx.report(
            Rule::MissingField,
            members_node,
            "a composite needs at least one member",
        )
        .hint("list members as `- slo: service/slo-name`");
        return None;
    }
    Some(Composite { members })
}

pub(crate) fn alerting(cx: &mut Cx<'_>, node: &Node) -> Option<Alerting> {
    let fields = Fields::open(cx, node, "alerting", ALERTING_FIELDS)?;
    let mut alerting = Alerting {
        name: fields
            .get("name")
            .and_then(|node| string(cx, node, "alerting.name")),
        disabled: fields
            .get("enabled")
            .and_then(|node| boolean(cx, node, "enabled"))
            .is_some_and(|enabled| !enabled),
        notify: fields
            .get("notify")
            .map(|node| strings(cx, node, "notify"))
            .unwrap_or_default(),
        runbook: fields
            .get("runbook")
            .and_then(|node| string(cx, node, "runbook")),
        dashboard: fields
            .get("dashboard")
            .and_then(|node| string(cx, node, "dashboard")),
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
    if let Some(windows) = fields.get("windows") {
        for item in list(cx, windows, "windows") {
            alerting.windows.extend(window_row(cx, item));
        }
    }
    if let Some(node) = fields.get("noDataAlert") {
        let own = Fields::open(
            cx,
            node,
            "alerting.noDataAlert",
            &["enabled", "name", "severity"],
        )?;
        alerting.no_data = NoDataAlert {
            disabled: own
                .get("enabled")
                .and_then(|node| boolean(cx, node, "enabled"))
                .is_some_and(|enabled| !enabled),
            name: own
                .get("name")
                .and_then(|node| string(cx, node, "noDataAlert.name")),
            severity: own
                .get("severity")
                .and_then(|node| string(cx, node, "noDataAlert.severity")),
        };
    }
    Some(alerting)
}

pub(crate) fn window_row(cx: &mut Cx<'_>, node: &Node) -> Option<BurnRateWindow> {
    let fields = Fields::open(cx, node, "an alert window", WINDOW_ROW_FIELDS)?;
    let severity = fields
        .require(cx, "severity", "the alert window")
        .and_then(|node| string(cx, node, "severity"));
    let long = fields
        .require(cx, "long", "the alert window")
        .and_then(|node| duration(cx, node, "long"));
    let short = fields
        .require(cx, "short", "the alert window")
        .and_then(|node| duration(cx, node, "short"));
    let threshold = match (fields.get("budget"), fields.get("factor")) {
        (Some(node), None) => BurnThreshold::BudgetShare(percent(cx, node, "budget")?),
        (None, Some(node)) => BurnThreshold::Factor(number(cx, node, "factor")?),
        (Some(_), Some(node)) => {
            cx.report(Rule::InvalidValue, node, "an alert window has `budget` or `factor`, not both")
                .hint("`budget: 2%` (share of the window's budget spent in `long`) or `factor: 14.4` (burn rate)");
            return None;
        }
        (None, None) => {
            cx.report(
                Rule::MissingField,
                node,
                "the alert window has no `budget` or `factor`",
            )
            .hint("add `budget: 2%` or `factor: 14.4`");
            return None;
        }
    };
    let mut origin = cx.origin(node);
    for field in ["long", "short", "budget", "factor"] {
        mark(cx, &mut origin, field, fields.get(field));
    }
    Some(BurnRateWindow {
        origin,
        name: fields.get("name").and_then(|node| name(cx, node, "name")),
        severity: severity?,
        long: long?,
        short: short?,
        threshold,
        for_duration: fields.get("for").and_then(|node| duration(cx, node, "for")),
        labels: fields
            .get("labels")
            .map(|node| string_map(cx, node, "labels"))
            .unwrap_or_default(),
        annotations: fields
            .get("annotations")
            .map(|node| string_map(cx, node, "annotations"))
            .unwrap_or_default(),
    })
}

fn decode_sla(
    cx: &mut Cx<'_>,
    node: &Node,
    service: &str,
    defaults: &ServiceDefaults,
    known: &[&str],
) -> Option<Sla> {
    let fields = Fields::open(cx, node, "an SLA", known)?;
    let sla_name = fields
        .require(cx, "name", "the SLA")
        .and_then(|node| name(cx, node, "SLA name"))?;
    let target_node = fields.require(cx, "target", "the SLA")?;
    let target = d::target(cx, target_node, "SLA target")?;
    let zone = fields
        .get("zone")
        .and_then(|node| d::zone(cx, node, "zone"))
        .unwrap_or_else(|| defaults.zone.clone());
    let window = match fields.get("window") {
        Some(node) => window(cx, node, &zone)?,
        None => Window::calendar(CalendarUnit::Month, zone),
    };
    let mut origin = cx.origin(node);
    mark(cx, &mut origin, "target", Some(target_node));
    mark(cx, &mut origin, "window", fields.get("window"));
    mark(cx, &mut origin, "credits", fields.get("credits"));
    let mut credits = Vec::new();
    if let Some(list_node) = fields.get("credits") {
        for item in list(cx, list_node, "credits") {
            let Some(tier) = Fields::open(cx, item, "a credit tier", CREDIT_FIELDS) else {
                continue;
            };
            let below = tier
                .require(cx, "below", "the credit tier")
                .and_then(|node| d::target(cx, node, "below"));
            let credit = tier
                .require(cx, "credit", "the credit tier")
                .and_then(|node| d::share(cx, node, "credit"));
            if let (Some(below), Some(credit)) = (below, credit) {
                credits.push(CreditTier { below, credit });
            }
        }
    }
    Some(Sla {
        origin,
        service: service.to_string(),
        name: sla_name,
        display_name: fields
            .get("displayName")
            .and_then(|node| string(cx, node, "displayName")),
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        customer: fields
            .get("customer")
            .and_then(|node| string(cx, node, "customer")),
        target,
        window,
        credits,
    })
}

pub(crate) fn exclusion(cx: &mut Cx<'_>, node: &Node, default_zone: &str) -> Option<Exclusion> {
    let fields = Fields::open(cx, node, "an exclusion", EXCLUSION_FIELDS)?;
    let exclusion_name = fields
        .require(cx, "name", "the exclusion")
        .and_then(|node| name(cx, node, "exclusion name"))?;
    let reason = fields
        .get("reason")
        .and_then(|node| string(cx, node, "reason"));
    let origin = cx.origin(node);
    let schedule = if fields.has("from") || fields.has("to") {
        for key in ["every", "on", "at", "for"] {
            if let Some(key_node) = fields.key(key).filter(|_| fields.has(key)) {
                cx.report(
                    Rule::InvalidValue,
                    key_node,
                    format!("`{key}` belongs to recurring exclusions, not to `from`/`to` ones"),
                )
                .hint("split it into two exclusions");
            }
        }
        let start = fields
            .require(cx, "from", "the exclusion")
            .and_then(|node| d::timestamp(cx, node, "from"))?;
        let end_node = fields.require(cx, "to", "the exclusion")?;
        let end = d::timestamp(cx, end_node, "to")?;
        if end <= start {
            cx.report(
                Rule::InvalidValue,
                end_node,
                "the exclusion ends before it starts",
            )
            .hint("`to` must be after `from`");
            return None;
        }
        Schedule::Once { start, end }
    } else {
        let every_node = fields.require(cx, "every", "the exclusion")?;
        let every = string(cx, every_node, "every")?;
        let recurrence = match every.as_str() {
            "day" | "daily" => Recurrence::Daily,
            "week" | "weekly" => {
                let on_node = fields.require(cx, "on", "a weekly exclusion")?;
                let day = string(cx, on_node, "on")?;
                let Some(weekday) = weekday(&day) else {
                    cx.report(
                        Rule::InvalidValue,
                        on_node,
                        format!("`{day}` is not a day of the week"),
                    )
                    .hint("use monday ... sunday");
                    return None;
                };
                Recurrence::Weekly(weekday)
            }
            "month" | "monthly" => {
                let on_node = fields.require(cx, "on", "a monthly exclusion")?;
                let day = number(cx, on_node, "on")?;
                if !(1.0..=28.0).contains(&day) || day.fract() != 0.0 {
                    cx.report(
                        Rule::InvalidValue,
                        on_node,
                        "a monthly exclusion's day must be 1 to 28",
                    )
                    .hint("every month has days 1 to 28");
                    return None;
                }
                Recurrence::Monthly(day as i8)
            }
            _ => {
                cx.report(
                    Rule::InvalidValue,
                    every_node,
                    format!("`every: {every}` is not a recurrence"),
                )
                .hint("use day, week or month, or `from`/`to` for a one-off exclusion");
                return None;
            }
        };
        let at = fields
            .require(cx, "at", "the exclusion")
            .and_then(|node| d::time_of_day(cx, node, "at"))?;
        let duration_node = fields.require(cx, "for", "the exclusion")?;
        let length = duration(cx, duration_node, "for")?;
        let zone = fields
            .get("zone")
            .and_then(|node| d::zone(cx, node, "zone"))
            .unwrap_or_else(|| default_zone.to_string());
        Schedule::Recurring {
            every: recurrence,
            at,
            duration: length,
            zone,
        }
    };
    Some(Exclusion {
        origin,
        name: exclusion_name,
        reason,
        schedule,
    })
}

fn weekday(text: &str) -> Option<jiff::civil::Weekday> {
    use jiff::civil::Weekday;
    match text.to_ascii_lowercase().as_str() {
        "monday" | "mon" => Some(Weekday::Monday),
        "tuesday" | "tue" => Some(Weekday::Tuesday),
        "wednesday" | "wed" => Some(Weekday::Wednesday),
        "thursday" | "thu" => Some(Weekday::Thursday),
        "friday" | "fri" => Some(Weekday::Friday),
        "saturday" | "sat" => Some(Weekday::Saturday),
        "sunday" | "sun" => Some(Weekday::Sunday),
        _ => None,
    }
}

pub(crate) fn decode_policy(cx: &mut Cx<'_>, root: &Node) -> Option<ErrorBudgetPolicy> {
    let fields = Fields::open(cx, root, "an error budget policy", POLICY_FIELDS)?;
    let policy_name = fields
        .require(cx, "name", "the policy")
        .and_then(|node| name(cx, node, "policy name"))?;
    let mut origin = cx.origin(root);
    mark(cx, &mut origin, "states", fields.get("states"));
    let ownership = ownership(cx, &fields, &mut origin);
    let review = review(cx, &fields, &mut origin);
    let states_node = fields.require(cx, "states", "the policy")?;
    let mut states = Vec::new();
    for item in list(cx, states_node, "states") {
        states.extend(policy_state(cx, item));
    }
    Some(ErrorBudgetPolicy {
        origin,
        name: policy_name,
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        states,
        ownership,
        review,
    })
}

fn policy_state(cx: &mut Cx<'_>, node: &Node) -> Option<PolicyState> {
    let fields = Fields::open(cx, node, "a policy state", STATE_FIELDS)?;
    let state_name = fields
        .require(cx, "name", "the state")
        .and_then(|node| name(cx, node, "state name"))?;
    let when = match fields.get("when") {
        Some(node) => condition(cx, node)?,
        None => Condition::Always,
    };
    let mut origin = cx.origin(node);
    mark(cx, &mut origin, "when", fields.get("when"));
    let mut actions = Vec::new();
    if let Some(list_node) = fields.get("actions") {
        for item in list(cx, list_node, "actions") {
            actions.extend(action(cx, item));
        }
    }
    Some(PolicyState {
        origin,
        name: state_name,
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        when,
        actions,
    })
}

/// Parses `always`, `remaining < 0%`, `consumed(24h) > 20%`, `burn(1h) > 14.4`.
pub(crate) fn parse_condition(text: &str) -> Result<Condition, String> {
    let text = text.trim();
    if text == "always" {
        return Ok(Condition::Always);
    }
    let hint = "write `remaining < 0%`, `consumed(24h) > 20%`, `burn(1h) > 14.4` or `always`";
    if let Some(rest) = text.strip_prefix("remaining") {
        let value = rest
            .trim()
            .strip_prefix('<')
            .ok_or_else(|| format!("`{text}`: remaining is compared with `<`; {hint}"))?;
        let share = value
            .trim()
            .parse::<Ratio>()
            .map_err(|problem| format!("`{text}`: {problem}"))?;
        return Ok(Condition::RemainingBelow(share));
    }
    for (function, is_burn) in [("consumed(", false), ("burn(", true)] {
        if let Some(rest) = text.strip_prefix(function) {
            let (window, rest) = rest
                .split_once(')')
                .ok_or_else(|| format!("`{text}`: missing `)`"))?;
            let window = window
                .trim()
                .parse::<Duration>()
                .map_err(|problem| format!("`{text}`: {problem}"))?;
            let value = rest
                .trim()
                .strip_prefix('>')
                .ok_or_else(|| format!("`{text}`: compare with `>`; {hint}"))?
                .trim();
            return if is_burn {
                let rate = value
                    .parse::<f64>()
                    .ok()
                    .filter(|rate| rate.is_finite() && *rate >= 0.0)
                    .ok_or_else(|| format!("`{text}`: `{value}` is not a burn rate"))?;
                Ok(Condition::BurnRateAbove { window, rate })
            } else {
                let share = value
                    .parse::<Ratio>()
                    .map_err(|problem| format!("`{text}`: {problem}"))?;
                Ok(Condition::ConsumedAbove {
                    within: window,
                    share,
                })
            };
        }
    }
    Err(format!("`{text}` is not a policy condition; {hint}"))
}

fn condition(cx: &mut Cx<'_>, node: &Node) -> Option<Condition> {
    let text = string(cx, node, "when")?;
    match parse_condition(&text) {
        Ok(condition) => Some(condition),
        Err(problem) => {
            cx.report(Rule::InvalidPolicy, node, problem).hint(
                "conditions: `remaining < 0%`, `consumed(24h) > 20%`, `burn(1h) > 14.4`, `always`",
            );
            None
        }
    }
}

const ACTION_KEYS: &[&str] = &["freeze", "except", "postmortem", "escalate", "notify", "do"];

fn action(cx: &mut Cx<'_>, node: &Node) -> Option<Action> {
    if let Some(text) = node.as_scalar() {
        return Some(match text {
            "freeze" => Action::Freeze {
                scope: "releases".into(),
                except: Vec::new(),
            },
            "postmortem" => Action::Postmortem { requirement: None },
            other => Action::Other {
                text: other.to_string(),
            },
        });
    }
    let fields = Fields::open(cx, node, "an action", ACTION_KEYS)?;
    let present: Vec<&str> = ["freeze", "postmortem", "escalate", "notify", "do"]
        .into_iter()
        .filter(|key| fields.has(key))
        .collect();
    if present.len() != 1 {
        cx.report(
            Rule::InvalidPolicy,
            node,
            "an action is exactly one of freeze, postmortem, escalate, notify or do",
        )
        .hint("write one action per list item");
        return None;
    }
    if fields.has("except")
        && present[0] != "freeze"
        && let Some(key) = fields.key("except")
    {
        cx.report(
            Rule::InvalidPolicy,
            key,
            "`except` only applies to `freeze`",
        )
        .hint("move it under the freeze action");
    }
    let value = fields.get(present[0])?;
    Some(match present[0] {
        "freeze" => Action::Freeze {
            scope: string(cx, value, "freeze")?,
            except: fields
                .get("except")
                .map(|node| strings(cx, node, "except"))
                .unwrap_or_default(),
        },
        "postmortem" => Action::Postmortem {
            requirement: match value.as_scalar() {
                Some("true") => None,
                _ => Some(string(cx, value, "postmortem")?),
            },
        },
        "escalate" => Action::Escalate {
            to: string(cx, value, "escalate")?,
        },
        "notify" => Action::Notify {
            targets: strings(cx, value, "notify"),
        },
        _ => Action::Other {
            text: string(cx, value, "do")?,
        },
    })
}

pub(crate) fn decode_notification_target(
    cx: &mut Cx<'_>,
    root: &Node,
) -> Option<NotificationTarget> {
    let fields = Fields::open(cx, root, "a notification target", TARGET_FIELDS)?;
    let target_name = fields
        .require(cx, "name", "the notification target")
        .and_then(|node| name(cx, node, "name"))?;
    let kind = fields.get("type").and_then(|node| string(cx, node, "type"));
    let (target, more_targets) = match fields.get("target") {
        Some(node) => crate::target::addresses(cx, node)?,
        // PagerDuty has one Events API: its URL is the default.
        None if kind.as_deref() == Some("pagerduty") => {
            (crate::target::PAGERDUTY_EVENTS_URL.to_string(), Vec::new())
        }
        None => {
            fields.require(cx, "target", "the notification target");
            return None;
        }
    };
    let delivery = crate::target::delivery(cx, &fields);
    let mut origin = cx.origin(root);
    mark(cx, &mut origin, "target", fields.get("target"));
    let decoded = NotificationTarget {
        origin,
        name: target_name,
        kind,
        target,
        more_targets,
        description: fields
            .get("description")
            .and_then(|node| string(cx, node, "description")),
        delivery,
    };
    crate::target::check(cx, root, &decoded, &fields);
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_policy_conditions() {
        assert_eq!(parse_condition("always"), Ok(Condition::Always));
        assert_eq!(
            parse_condition("remaining < 0%"),
            Ok(Condition::RemainingBelow(Ratio::ZERO))
        );
        assert_eq!(
            parse_condition("consumed(24h) > 20%"),
            Ok(Condition::ConsumedAbove {
                within: Duration::from_hours(24),
                share: Ratio::from_fraction(0.2)
            })
        );
        assert_eq!(
            parse_condition("burn(1h) > 14.4"),
            Ok(Condition::BurnRateAbove {
                window: Duration::from_hours(1),
                rate: 14.4
            })
        );
        assert!(parse_condition("remaining > 5%").is_err());
        assert!(parse_condition("burn(1h) > lots").is_err());
        assert!(parse_condition("whenever").is_err());
    }

    #[test]
    fn condition_display_round_trips() {
        for text in [
            "always",
            "remaining < -5%",
            "consumed(1d) > 20%",
            "burn(6h) > 6",
        ] {
            let condition = parse_condition(text).unwrap();
            assert_eq!(parse_condition(&condition.to_string()), Ok(condition));
        }
    }
}
