//! Writing the model as `nines/v1` documents.

use serde_json::{Map, Value, json};

use nines_core::model::{
    Action, Alerting, Approval, Budgeting, BurnRateWindow, BurnThreshold, Catalog, Composite,
    Condition, DEFAULT_OBJECTIVE, ErrorBudgetPolicy, Exclusion, Indicator, Labels, MemberSource,
    NoDataAlert, NotificationTarget, Objective, Op, Ownership, PromQuery, RawKind, Recurrence,
    Review, Schedule, SecretSource, Service, Sla, Sli, SliKind, SliRef, Slo, TargetDelivery,
    Window,
};
use nines_core::{Duration, Ratio};

use super::{Conversion, Output};

fn insert(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_string(), value.into());
}

fn insert_some<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        insert(map, key, value);
    }
}

fn insert_labels(map: &mut Map<String, Value>, key: &str, labels: &Labels) {
    if !labels.is_empty() {
        insert(
            map,
            key,
            labels
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<_, _>>(),
        );
    }
}

fn percent(ratio: Ratio) -> Value {
    Value::String(ratio.to_string())
}

fn duration(value: Duration) -> Value {
    Value::String(value.to_string())
}

/// A review interval as it was likely written: `6mo` rather than `4380h` for a number of
/// months that is not a number of days (a month is a twelfth of 365 days).
fn review_every(value: Duration) -> Value {
    let month = Duration::from_days(365).div(12);
    let day = Duration::from_days(1);
    if !day.divides(value) && month.divides(value) {
        return Value::String(format!("{}mo", value.as_millis() / month.as_millis()));
    }
    duration(value)
}

/// A number, written without `.0` when it is whole (`6`, not `6.0`).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return Value::from(value as i64);
    }
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// Writes the whole catalog: one Service document per service, then policies and
/// notification targets.
pub fn write(catalog: &Catalog, conversion: &mut Conversion) {
    for service_name in catalog.service_names() {
        let service = catalog
            .service(&service_name)
            .cloned()
            .unwrap_or_else(|| Service::new(&service_name));
        let document = service_document(catalog, &service);
        conversion.outputs.push(Output {
            name: service_name,
            documents: vec![document],
            side: Vec::new(),
        });
    }
    let mut shared = Vec::new();
    for policy in &catalog.policies {
        shared.push(policy_document(policy));
    }
    for target in &catalog.notification_targets {
        shared.push(notification_target_document(target));
    }
    for source in &catalog.data_sources {
        conversion.note(
            &source.origin,
            format!(
                "DataSource `{}` ({}) has no nines/v1 form: give its address on the command line (e.g. --prometheus URL)",
                source.name, source.kind
            ),
        );
    }
    for (owner, sli) in &catalog.slis {
        if owner.is_none()
            && !catalog
                .slos
                .iter()
                .any(|slo| uses_sli(slo, sli.name.as_deref()))
        {
            conversion.note(&sli.origin, format!("SLI `{}` is used by no SLO; nines/v1 keeps SLIs inside services, so it is not written", sli.name.as_deref().unwrap_or("?")));
        }
    }
    if !shared.is_empty() {
        conversion.outputs.push(Output {
            name: "policies".to_string(),
            documents: shared,
            side: Vec::new(),
        });
    }
}

fn uses_sli(slo: &Slo, name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let named = |sli: &SliRef| matches!(sli, SliRef::Named { name: used, .. } if used == name);
    match &slo.indicator {
        Indicator::Sli(sli) => named(sli),
        Indicator::Composite(composite) => {
            composite.members.iter().any(|member| match &member.source {
                MemberSource::Indicator { sli, .. } => named(sli),
                MemberSource::Slo { .. } => false,
            })
        }
    }
}

fn service_document(catalog: &Catalog, service: &Service) -> Value {
    let mut map = Map::new();
    insert(&mut map, "apiVersion", "nines/v1");
    insert(&mut map, "kind", "Service");
    insert(&mut map, "name", service.name.clone());
    insert_some(&mut map, "displayName", service.display_name.clone());
    insert_some(&mut map, "description", service.description.clone());
    insert_labels(&mut map, "labels", &service.labels);
    write_ownership(&mut map, &service.ownership);
    write_review(&mut map, &service.review);
    insert_some(&mut map, "policy", service.policy.clone());
    if !service.notify.is_empty() {
        insert(&mut map, "notify", service.notify.clone());
    }
    let slas: Vec<Value> = catalog
        .slas
        .iter()
        .filter(|sla| sla.service == service.name)
        .map(sla_value)
        .collect();
    if !slas.is_empty() {
        insert(&mut map, "slas", slas);
    }
    // Named SLIs this service's SLOs use: its own, and global (OpenSLO) ones copied in.
    let mut slis: Vec<Value> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for (owner, sli) in &catalog.slis {
        let Some(name) = sli.name.clone() else {
            continue;
        };
        let used = catalog
            .slos_of(&service.name)
            .any(|slo| uses_sli(slo, Some(&name)));
        let own = owner.as_deref() == Some(service.name.as_str());
        if (own || (owner.is_none() && used)) && !written.contains(&name) {
            slis.push(sli_value(sli, true));
            written.push(name);
        }
    }
    if !slis.is_empty() {
        insert(&mut map, "slis", slis);
    }
    let slos: Vec<Value> = catalog
        .slos_of(&service.name)
        .map(|slo| slo_value(service, slo))
        .collect();
    if !slos.is_empty() {
        insert(&mut map, "slos", slos);
    }
    Value::Object(map)
}

pub(super) fn ownership_value(ownership: &Ownership) -> Map<String, Value> {
    let mut map = Map::new();
    write_ownership(&mut map, ownership);
    map
}

fn write_ownership(map: &mut Map<String, Value>, ownership: &Ownership) {
    insert_some(map, "owner", ownership.owner.clone());
    if !ownership.approvers.is_empty() {
        insert(
            map,
            "approvers",
            ownership
                .approvers
                .iter()
                .map(approval_value)
                .collect::<Vec<_>>(),
        );
    }
}

fn approval_value(approval: &Approval) -> Value {
    if approval.role.is_none() && approval.date.is_none() {
        return Value::String(approval.name.clone());
    }
    let mut map = Map::new();
    insert(&mut map, "name", approval.name.clone());
    insert_some(&mut map, "role", approval.role.clone());
    insert_some(
        &mut map,
        "approved",
        approval.date.map(|date| date.to_string()),
    );
    Value::Object(map)
}

pub(super) fn write_review(map: &mut Map<String, Value>, review: &Review) {
    if *review == Review::default() {
        return;
    }
    let mut inner = Map::new();
    insert_some(
        &mut inner,
        "last",
        review.last_reviewed.map(|date| date.to_string()),
    );
    if review.interval != nines_core::model::DEFAULT_REVIEW_INTERVAL {
        insert(&mut inner, "every", review_every(review.interval));
    }
    insert(map, "review", inner);
}

fn sla_value(sla: &Sla) -> Value {
    let mut map = Map::new();
    insert(&mut map, "name", sla.name.clone());
    insert_some(&mut map, "displayName", sla.display_name.clone());
    insert_some(&mut map, "description", sla.description.clone());
    insert_some(&mut map, "customer", sla.customer.clone());
    insert(&mut map, "target", percent(sla.target));
    write_window(&mut map, &sla.window);
    if !sla.credits.is_empty() {
        let credits: Vec<Value> = sla
            .credits
            .iter()
            .map(|tier| json!({"below": percent(tier.below), "credit": percent(tier.credit)}))
            .collect();
        insert(&mut map, "credits", credits);
    }
    Value::Object(map)
}

/// `window: 28d`, `window: month` + `zone:`, or the mapping form for anchored or
/// multi-period calendar windows.
pub(super) fn write_window(map: &mut Map<String, Value>, window: &Window) {
    match window {
        Window::Rolling { length } => insert(map, "window", duration(*length)),
        Window::Calendar {
            unit,
            count: 1,
            zone,
            anchor: None,
        } => {
            insert(map, "window", unit.as_str());
            insert(map, "zone", zone.clone());
        }
        Window::Calendar {
            unit,
            count,
            zone,
            anchor,
        } => {
            let mut inner = Map::new();
            insert(&mut inner, "calendar", unit.as_str());
            if *count != 1 {
                insert(&mut inner, "count", *count);
            }
            insert_some(&mut inner, "start", anchor.map(|start| start.to_string()));
            insert(&mut inner, "zone", zone.clone());
            insert(map, "window", inner);
        }
    }
}

pub(super) fn threshold_text(op: Op, value: f64, as_duration: bool) -> String {
    if as_duration && value >= 0.0 {
        let millis = (value * 1000.0).round();
        if (millis / 1000.0 - value).abs() < 1e-9 {
            return format!("{} {}", op.symbol(), Duration::from_millis(millis as u64));
        }
    }
    format!(
        "{} {}",
        op.symbol(),
        nines_core::ratio::format_decimal(value, 12)
    )
}

pub(super) fn events_value(sli: &Sli) -> Option<Value> {
    let events = sli.events.as_ref()?;
    let mut map = Map::new();
    insert_some(
        &mut map,
        "valid",
        events
            .valid
            .as_ref()
            .map(|filter| filter.source().to_string()),
    );
    insert_some(
        &mut map,
        "good",
        events
            .good
            .as_ref()
            .map(|filter| filter.source().to_string()),
    );
    insert_some(
        &mut map,
        "bad",
        events
            .bad
            .as_ref()
            .map(|filter| filter.source().to_string()),
    );
    insert_some(&mut map, "field", events.field.clone());
    insert_some(
        &mut map,
        "unit",
        events.unit.map(|unit| unit.name().to_string()),
    );
    Some(Value::Object(map))
}

fn query(query: &PromQuery) -> Value {
    Value::String(query.text().to_string())
}

pub(super) fn sli_value(sli: &Sli, with_name: bool) -> Value {
    let mut map = Map::new();
    if with_name {
        insert_some(&mut map, "name", sli.name.clone());
    }
    insert_some(&mut map, "displayName", sli.display_name.clone());
    insert_some(&mut map, "description", sli.description.clone());
    insert_labels(&mut map, "labels", &sli.labels);
    match &sli.kind {
        SliKind::Ratio { .. } => {}
        SliKind::Latency { threshold } => insert(&mut map, "latency", duration(*threshold)),
        SliKind::Threshold { op, value } => {
            insert(&mut map, "threshold", threshold_text(*op, *value, false))
        }
        SliKind::Raw {
            raw: RawKind::Success,
        } => insert(&mut map, "raw", "success"),
        SliKind::Raw {
            raw: RawKind::Failure,
        } => insert(&mut map, "raw", "error"),
    }
    insert_some(&mut map, "events", events_value(sli));
    if let Some(prometheus) = &sli.prometheus {
        let mut inner = Map::new();
        insert_some(&mut inner, "valid", prometheus.valid.as_ref().map(query));
        insert_some(&mut inner, "good", prometheus.good.as_ref().map(query));
        insert_some(&mut inner, "bad", prometheus.bad.as_ref().map(query));
        insert_some(&mut inner, "histogram", prometheus.histogram.clone());
        if prometheus.native_histogram {
            insert(&mut inner, "nativeHistogram", true);
        }
        insert_some(&mut inner, "value", prometheus.value.as_ref().map(query));
        if !prometheus.group_by.is_empty() {
            insert(&mut inner, "groupBy", prometheus.group_by.clone());
        }
        insert_some(&mut inner, "dataSource", prometheus.data_source.clone());
        insert(&mut map, "prometheus", inner);
    }
    if let Some(external) = &sli.external {
        let mut inner = Map::new();
        insert_some(&mut inner, "dataSource", external.data_source.clone());
        insert_some(&mut inner, "type", external.kind.clone());
        insert_some(&mut inner, "good", external.good.clone());
        insert_some(&mut inner, "bad", external.bad.clone());
        insert_some(&mut inner, "valid", external.valid.clone());
        insert_some(&mut inner, "value", external.value.clone());
        insert(&mut map, "external", inner);
    }
    Value::Object(map)
}

fn sli_ref_value(sli: &SliRef) -> Value {
    match sli {
        SliRef::Inline(inline) => sli_value(inline, true),
        SliRef::Named { name, .. } => Value::String(name.clone()),
    }
}

fn objective_value(objective: &Objective, sli_kind: Option<&SliKind>) -> Value {
    let mut map = Map::new();
    insert(&mut map, "name", objective.name.clone());
    insert_some(&mut map, "displayName", objective.display_name.clone());
    insert(&mut map, "target", percent(objective.target));
    insert_some(
        &mut map,
        "aspirational",
        objective.aspirational.map(percent),
    );
    if let Some(threshold) = &objective.threshold {
        let latency = matches!(sli_kind, Some(SliKind::Latency { .. }));
        insert(
            &mut map,
            "threshold",
            threshold_text(threshold.op, threshold.value, latency),
        );
    }
    insert_some(&mut map, "sliceTarget", objective.slice_target.map(percent));
    Value::Object(map)
}

fn write_objectives(
    map: &mut Map<String, Value>,
    objectives: &[Objective],
    sli_kind: Option<&SliKind>,
) {
    match objectives {
        [] => {}
        [only]
            if only.name == DEFAULT_OBJECTIVE
                && only.display_name.is_none()
                && only.threshold.is_none() =>
        {
            insert(map, "target", percent(only.target));
            insert_some(map, "aspirational", only.aspirational.map(percent));
            insert_some(map, "sliceTarget", only.slice_target.map(percent));
        }
        many => insert(
            map,
            "objectives",
            many.iter()
                .map(|objective| objective_value(objective, sli_kind))
                .collect::<Vec<_>>(),
        ),
    }
}

fn composite_value(composite: &Composite) -> Value {
    let members: Vec<Value> = composite
        .members
        .iter()
        .map(|member| {
            let mut map = Map::new();
            match &member.source {
                MemberSource::Slo {
                    service,
                    slo,
                    objective,
                } => {
                    if member.name != *slo {
                        insert(&mut map, "name", member.name.clone());
                    }
                    let reference = match service {
                        Some(service) => format!("{service}/{slo}"),
                        None => slo.clone(),
                    };
                    insert(&mut map, "slo", reference);
                    insert_some(&mut map, "objective", objective.clone());
                }
                MemberSource::Indicator { sli, objective } => {
                    insert(&mut map, "name", member.name.clone());
                    insert_some(&mut map, "displayName", objective.display_name.clone());
                    insert(&mut map, "sli", sli_ref_value(sli));
                    insert(&mut map, "target", percent(objective.target));
                    insert_some(&mut map, "sliceTarget", objective.slice_target.map(percent));
                    if let Some(threshold) = &objective.threshold {
                        let latency = sli
                            .get()
                            .is_some_and(|sli| matches!(sli.kind, SliKind::Latency { .. }));
                        insert(
                            &mut map,
                            "threshold",
                            threshold_text(threshold.op, threshold.value, latency),
                        );
                    }
                }
            }
            insert(&mut map, "weight", number(member.weight));
            Value::Object(map)
        })
        .collect();
    json!({ "members": members })
}

pub(super) fn row_value(row: &BurnRateWindow) -> Value {
    let mut map = Map::new();
    insert_some(&mut map, "name", row.name.clone());
    insert(&mut map, "severity", row.severity.clone());
    insert(&mut map, "long", duration(row.long));
    insert(&mut map, "short", duration(row.short));
    match &row.threshold {
        BurnThreshold::BudgetShare(share) => insert(&mut map, "budget", percent(*share)),
        BurnThreshold::Factor(factor) => insert(&mut map, "factor", number(*factor)),
    }
    insert_some(&mut map, "for", row.for_duration.map(duration));
    insert_labels(&mut map, "labels", &row.labels);
    insert_labels(&mut map, "annotations", &row.annotations);
    Value::Object(map)
}

/// The native alerting block; `windows` and `notify` only when `with_rows`/`with_notify`.
pub(super) fn alerting_value(
    alerting: &Alerting,
    with_rows: bool,
    with_notify: bool,
) -> Map<String, Value> {
    let mut map = Map::new();
    if alerting.disabled {
        insert(&mut map, "enabled", false);
    }
    insert_some(&mut map, "name", alerting.name.clone());
    if alerting.no_data != NoDataAlert::default() {
        let mut own = Map::new();
        if alerting.no_data.disabled {
            insert(&mut own, "enabled", false);
        }
        insert_some(&mut own, "name", alerting.no_data.name.clone());
        insert_some(&mut own, "severity", alerting.no_data.severity.clone());
        insert(&mut map, "noDataAlert", own);
    }
    if with_rows && !alerting.windows.is_empty() {
        insert(
            &mut map,
            "windows",
            alerting.windows.iter().map(row_value).collect::<Vec<_>>(),
        );
    }
    if with_notify && !alerting.notify.is_empty() {
        insert(&mut map, "notify", alerting.notify.clone());
    }
    insert_some(&mut map, "runbook", alerting.runbook.clone());
    insert_some(&mut map, "dashboard", alerting.dashboard.clone());
    insert_labels(&mut map, "labels", &alerting.labels);
    insert_labels(&mut map, "annotations", &alerting.annotations);
    map
}

pub(super) fn exclusion_value(exclusion: &Exclusion) -> Value {
    let mut map = Map::new();
    insert(&mut map, "name", exclusion.name.clone());
    insert_some(&mut map, "reason", exclusion.reason.clone());
    match &exclusion.schedule {
        Schedule::Once { start, end } => {
            insert(&mut map, "from", start.to_string());
            insert(&mut map, "to", end.to_string());
        }
        Schedule::Recurring {
            every,
            at,
            duration: length,
            zone,
        } => {
            match every {
                Recurrence::Daily => insert(&mut map, "every", "day"),
                Recurrence::Weekly(day) => {
                    insert(&mut map, "every", "week");
                    insert(&mut map, "on", format!("{day:?}").to_ascii_lowercase());
                }
                Recurrence::Monthly(day) => {
                    insert(&mut map, "every", "month");
                    insert(&mut map, "on", i64::from(*day));
                }
            }
            let format = if at.second() == 0 {
                "%H:%M"
            } else {
                "%H:%M:%S"
            };
            insert(&mut map, "at", at.strftime(format).to_string());
            insert(&mut map, "for", duration(*length));
            insert(&mut map, "zone", zone.clone());
        }
    }
    Value::Object(map)
}

fn slo_value(service: &Service, slo: &Slo) -> Value {
    let mut map = Map::new();
    insert(&mut map, "name", slo.name.clone());
    insert_some(&mut map, "displayName", slo.display_name.clone());
    insert_some(&mut map, "description", slo.description.clone());
    match &slo.indicator {
        Indicator::Sli(sli) => {
            insert(&mut map, "sli", sli_ref_value(sli));
        }
        Indicator::Composite(composite) => {
            insert(&mut map, "composite", composite_value(composite))
        }
    }
    let sli_kind = slo.sli().map(|sli| &sli.kind);
    write_objectives(&mut map, &slo.objectives, sli_kind);
    write_window(&mut map, &slo.window);
    match &slo.budgeting {
        Budgeting::Occurrences => {}
        Budgeting::Timeslices { slice } => {
            insert(&mut map, "budgeting", "timeslices");
            insert(&mut map, "slice", duration(*slice));
        }
        Budgeting::RatioTimeslices { slice } => {
            insert(&mut map, "budgeting", "ratio-timeslices");
            insert(&mut map, "slice", duration(*slice));
        }
    }
    insert_some(&mut map, "sla", slo.sla.clone());
    if slo.policy != service.policy {
        insert_some(&mut map, "policy", slo.policy.clone());
    }
    let alerting = alerting_value(&slo.alerting, true, true);
    if !alerting.is_empty() {
        insert(&mut map, "alerting", alerting);
    }
    if slo.ownership.owner != service.ownership.owner {
        insert_some(&mut map, "owner", slo.ownership.owner.clone());
    }
    if slo.ownership.approvers != service.ownership.approvers {
        write_ownership(
            &mut map,
            &Ownership {
                owner: None,
                approvers: slo.ownership.approvers.clone(),
            },
        );
    }
    if slo.review != service.review {
        write_review(&mut map, &slo.review);
    }
    insert_labels(&mut map, "labels", &slo.labels);
    insert_labels(&mut map, "annotations", &slo.annotations);
    if !slo.exclusions.is_empty() {
        insert(
            &mut map,
            "exclusions",
            slo.exclusions
                .iter()
                .map(exclusion_value)
                .collect::<Vec<_>>(),
        );
    }
    Value::Object(map)
}

fn condition_text(condition: &Condition) -> String {
    condition.to_string()
}

fn action_value(action: &Action) -> Value {
    match action {
        Action::Freeze { scope, except } => {
            let mut map = Map::new();
            insert(&mut map, "freeze", scope.clone());
            if !except.is_empty() {
                insert(&mut map, "except", except.clone());
            }
            Value::Object(map)
        }
        Action::Postmortem { requirement: None } => json!({"postmortem": true}),
        Action::Postmortem {
            requirement: Some(text),
        } => json!({"postmortem": text}),
        Action::Escalate { to } => json!({"escalate": to}),
        Action::Notify { targets } => json!({"notify": targets}),
        Action::Other { text } => json!({"do": text}),
    }
}

pub(super) fn policy_document(policy: &ErrorBudgetPolicy) -> Value {
    let mut map = Map::new();
    insert(&mut map, "apiVersion", "nines/v1");
    insert(&mut map, "kind", "ErrorBudgetPolicy");
    insert(&mut map, "name", policy.name.clone());
    insert_some(&mut map, "description", policy.description.clone());
    write_ownership(&mut map, &policy.ownership);
    write_review(&mut map, &policy.review);
    let states: Vec<Value> = policy
        .states
        .iter()
        .map(|state| {
            let mut inner = Map::new();
            insert(&mut inner, "name", state.name.clone());
            insert_some(&mut inner, "description", state.description.clone());
            insert(&mut inner, "when", condition_text(&state.when));
            if !state.actions.is_empty() {
                insert(
                    &mut inner,
                    "actions",
                    state.actions.iter().map(action_value).collect::<Vec<_>>(),
                );
            }
            Value::Object(inner)
        })
        .collect();
    insert(&mut map, "states", states);
    Value::Object(map)
}

pub(super) fn sla_document(sla: &Sla) -> Value {
    let mut map = Map::new();
    insert(&mut map, "apiVersion", "nines/v1");
    insert(&mut map, "kind", "SLA");
    insert(&mut map, "service", sla.service.clone());
    if let Value::Object(inner) = sla_value(sla) {
        map.extend(inner);
    }
    Value::Object(map)
}

pub(super) fn notification_target_document(target: &NotificationTarget) -> Value {
    let mut map = Map::new();
    insert(&mut map, "apiVersion", "nines/v1");
    insert(&mut map, "kind", "NotificationTarget");
    insert(&mut map, "name", target.name.clone());
    insert_some(&mut map, "type", target.kind.clone());
    if target.more_targets.is_empty() {
        insert(&mut map, "target", target.target.clone());
    } else {
        insert(
            &mut map,
            "target",
            target.addresses().map(str::to_string).collect::<Vec<_>>(),
        );
    }
    insert_some(&mut map, "description", target.description.clone());
    map.extend(target_delivery_value(&target.delivery));
    Value::Object(map)
}

/// A target's delivery settings in the native spelling: secrets as the references they
/// were written as (`{env: NAME}`, `{file: path}`), never as values.
pub(super) fn target_delivery_value(delivery: &TargetDelivery) -> Map<String, Value> {
    let source = |source: &SecretSource| match source {
        SecretSource::Literal(text) => Value::from(text.clone()),
        SecretSource::Env(name) => serde_json::json!({ "env": name }),
        SecretSource::File(path) => serde_json::json!({ "file": path }),
    };
    let mut map = Map::new();
    if let Some(secret) = &delivery.secret {
        insert(&mut map, "secret", source(secret));
    }
    if !delivery.headers.is_empty() {
        let headers: Map<String, Value> = delivery
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), source(value)))
            .collect();
        insert(&mut map, "headers", headers);
    }
    if let Some(key) = &delivery.routing_key {
        insert(&mut map, "routingKey", source(key));
    }
    insert_some(&mut map, "smtp", delivery.smtp.clone());
    insert_some(&mut map, "tls", delivery.tls.map(|tls| tls.as_str()));
    insert_some(&mut map, "from", delivery.from.clone());
    if let Some(username) = &delivery.username {
        insert(&mut map, "username", source(username));
    }
    if let Some(password) = &delivery.password {
        insert(&mut map, "password", source(password));
    }
    if !delivery.match_severity.is_empty() || !delivery.match_labels.is_empty() {
        let mut filter = Map::new();
        if !delivery.match_severity.is_empty() {
            insert(&mut filter, "severity", delivery.match_severity.clone());
        }
        insert_labels(&mut filter, "labels", &delivery.match_labels);
        insert(&mut map, "match", filter);
    }
    map
}
