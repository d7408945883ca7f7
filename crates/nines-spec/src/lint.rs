//! Semantic rules over a resolved catalog: the seed's practices, checked the same way
//! whichever format a spec was written in.

use nines_core::model::{
    Budgeting, BurnThreshold, Catalog, Condition, Indicator, MemberSource, Objective, Review, Sla,
    SliKind, Slo, Window,
};
use nines_core::{Duration, Ratio};

use crate::diag::{Diagnostic, Rule};

/// More SLOs than this on one service draws a warning: "quality > quantity".
pub const MAX_SLOS_PER_SERVICE: usize = 5;
/// Windows longer than this draw a warning: too slow to guide engineering decisions.
pub const MAX_WINDOW: Duration = Duration::from_days(90);

/// Runs every semantic rule. `today` decides whether reviews are overdue.
pub fn lint(catalog: &Catalog, today: jiff::civil::Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for slo in &catalog.slos {
        lint_slo(catalog, slo, today, &mut out);
    }
    for sla in &catalog.slas {
        lint_sla(sla, &mut out);
    }
    for policy in &catalog.policies {
        lint_policy(policy, today, &mut out);
    }
    for service in catalog.service_names() {
        let slos: Vec<&Slo> = catalog.slos_of(&service).collect();
        if slos.len() > MAX_SLOS_PER_SERVICE {
            let extra = slos[MAX_SLOS_PER_SERVICE];
            out.push(
                Diagnostic::new(
                    Rule::TooManySlos,
                    extra.origin.field("name"),
                    format!("service `{service}` has {} SLOs; more than {MAX_SLOS_PER_SERVICE} dilutes attention", slos.len()),
                )
                .hint("keep the few SLOs users feel; merge or drop the rest (quality over quantity)"),
            );
        }
    }
    out
}

/// Target ranges are checked while decoding (each format has its own spelling); what is
/// left here relates two values.
fn aspirational_above_target(objective: &Objective, out: &mut Vec<Diagnostic>) {
    let Some(aspirational) = objective.aspirational else {
        return;
    };
    if aspirational.fraction() <= objective.target.fraction() {
        out.push(
            Diagnostic::new(
                Rule::AspirationalBelowTarget,
                objective.origin.field("aspirational"),
                format!("aspirational target {aspirational} is not above the achievable target {}", objective.target),
            )
            .hint("the aspirational target states what the business wants beyond what is achievable today; raise it or drop it"),
        );
    }
}

fn lint_slo(catalog: &Catalog, slo: &Slo, today: jiff::civil::Date, out: &mut Vec<Diagnostic>) {
    let name = slo.qualified_name();
    if slo.objectives.is_empty() && !matches!(slo.indicator, Indicator::Composite(_)) {
        out.push(
            Diagnostic::new(
                Rule::MissingField,
                slo.origin.location(),
                format!("SLO `{name}` has no objective"),
            )
            .hint("add `target: 99.9%`"),
        );
    }
    for objective in &slo.objectives {
        aspirational_above_target(objective, out);
    }
    lint_sla_margin(catalog, slo, out);
    lint_sli(slo, out);
    lint_time_slices(slo, out);
    lint_window(slo, out);
    lint_alerting(slo, out);
    lint_composite(catalog, slo, out);
    lint_people(slo, today, out);
    if slo.policy.is_none() {
        out.push(
            Diagnostic::new(
                Rule::NoErrorBudgetPolicy,
                slo.origin.field("name"),
                format!("SLO `{name}` has no error budget policy: missing it has no consequences"),
            )
            .hint(governance_hint(
                slo,
                "`policy: <name>` (an ErrorBudgetPolicy)",
            )),
        );
    }
}

fn lint_sla_margin(catalog: &Catalog, slo: &Slo, out: &mut Vec<Diagnostic>) {
    let Some(sla) = catalog.sla_of(slo) else {
        return;
    };
    for objective in &slo.objectives {
        let stricter = |value: Ratio| value.fraction() > sla.target.fraction();
        if !stricter(objective.target) {
            out.push(
                Diagnostic::new(
                    Rule::SloNotStricterThanSla,
                    objective.origin.field("target"),
                    format!(
                        "target {} of `{}` is not stricter than SLA `{}` ({}): the SLA would be breached before the SLO warns",
                        objective.target,
                        slo.qualified_name(),
                        sla.name,
                        sla.target
                    ),
                )
                .hint(format!("set the SLO above {} so the margin absorbs surprises (under-promise, over-deliver)", sla.target)),
            );
        }
        if let Some(aspirational) = objective.aspirational
            && !stricter(aspirational)
        {
            out.push(
                    Diagnostic::new(
                        Rule::SloNotStricterThanSla,
                        objective.origin.field("aspirational"),
                        format!("aspirational target {aspirational} of `{}` is not stricter than SLA `{}` ({})", slo.qualified_name(), sla.name, sla.target),
                    )
                    .hint(format!("an aspirational target aims above the contract: set it above {}", sla.target)),
                );
        }
    }
}

fn lint_sli(slo: &Slo, out: &mut Vec<Diagnostic>) {
    let Some(sli) = slo.sli() else { return };
    let location = slo.origin.field("sli");
    let mut problem = |message: String, hint: &str| {
        out.push(Diagnostic::new(Rule::InvalidSli, location.clone(), message).hint(hint));
    };
    if sli.has_no_source() {
        problem(
            format!("the SLI of `{}` has no source", slo.qualified_name()),
            "add `events:` or `prometheus:`",
        );
        return;
    }
    match &sli.kind {
        SliKind::Ratio { .. } => {
            if let Some(prometheus) = &sli.prometheus
                && prometheus.valid.is_none()
            {
                problem(
                    "the prometheus source of a ratio SLI needs `valid` (all events that count)"
                        .into(),
                    "add `valid:` with the total counter selector",
                );
            }
        }
        SliKind::Latency { threshold } => {
            if threshold.is_zero() {
                problem(
                    "a latency threshold of 0 makes every event bad".into(),
                    "set e.g. `latency: 300ms`",
                );
            }
            if let Some(events) = &sli.events
                && events.field.is_none()
            {
                problem("a latency SLI over events needs `field`, the attribute holding the latency in seconds".into(), "add `field: duration_seconds` under `events`");
            }
            if let Some(prometheus) = &sli.prometheus
                && prometheus.histogram.is_none()
                && (prometheus.good.is_none() || prometheus.valid.is_none())
            {
                problem("a latency SLI from Prometheus needs `histogram` (or `good` and `valid` counters)".into(), "add `histogram: http_request_duration_seconds{job=\"api\"}`");
            }
        }
        SliKind::Threshold { .. } => {
            if sli
                .events
                .as_ref()
                .is_some_and(|events| events.field.is_none())
            {
                problem("a threshold SLI over events needs `field`, the attribute holding the measured value".into(), "add `field:` under `events`");
            }
            if sli
                .prometheus
                .as_ref()
                .is_some_and(|prometheus| prometheus.value.is_none())
            {
                problem("a threshold SLI from Prometheus needs `value`, the query of the measured value".into(), "add `value:` under `prometheus`");
            }
        }
        SliKind::Raw { .. } => {
            if sli.events.is_some() {
                problem(
                    "a raw ratio comes from a query; the events source has no ratio to read".into(),
                    "drop `events`, or make the SLI a ratio of good events",
                );
            }
            if sli
                .prometheus
                .as_ref()
                .is_some_and(|prometheus| prometheus.value.is_none())
            {
                problem(
                    "a raw SLI from Prometheus needs `value`, the ratio query".into(),
                    "add `value:` under `prometheus`",
                );
            }
        }
    }
    for objective in &slo.objectives {
        if objective.threshold.is_some()
            && matches!(sli.kind, SliKind::Ratio { .. } | SliKind::Raw { .. })
        {
            out.push(
                Diagnostic::new(
                    Rule::InvalidSli,
                    objective.origin.field("threshold"),
                    "an objective threshold only applies to latency and threshold SLIs",
                )
                .hint("remove `threshold`, or make the SLI a latency or threshold SLI"),
            );
        }
    }
}

fn lint_time_slices(slo: &Slo, out: &mut Vec<Diagnostic>) {
    let threshold_sli = slo
        .sli()
        .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. }));
    let objectives: Vec<&Objective> = slo.objectives.iter().collect();
    match &slo.budgeting {
        Budgeting::Occurrences => {
            for objective in objectives
                .iter()
                .filter(|objective| objective.slice_target.is_some())
            {
                out.push(
                    Diagnostic::new(
                        Rule::InconsistentTimeSlices,
                        objective.origin.field("sliceTarget"),
                        "a slice target on an SLO budgeted by occurrences",
                    )
                    .hint("remove it, or budget by `timeslices`"),
                );
            }
        }
        Budgeting::Timeslices { slice } => {
            check_slice(slo, *slice, out);
            if !threshold_sli {
                for objective in objectives
                    .iter()
                    .filter(|objective| objective.slice_target.is_none())
                {
                    out.push(
                        Diagnostic::new(
                            Rule::InconsistentTimeSlices,
                            objective.origin.field("target"),
                            format!("objective `{}` of `{}` is budgeted by time slices but has no slice target", objective.name, slo.qualified_name()),
                        )
                        .hint("add `sliceTarget: 95%`: the share of a slice's events that must be good for the slice to be good"),
                    );
                }
            }
        }
        Budgeting::RatioTimeslices { slice } => {
            check_slice(slo, *slice, out);
            for objective in objectives
                .iter()
                .filter(|objective| objective.slice_target.is_some())
            {
                out.push(
                    Diagnostic::new(Rule::InconsistentTimeSlices, objective.origin.field("sliceTarget"), "ratio-timeslices averages slice ratios; a slice target has no meaning there")
                        .hint("remove `sliceTarget`, or budget by `timeslices`"),
                );
            }
        }
    }
}

fn check_slice(slo: &Slo, slice: Duration, out: &mut Vec<Diagnostic>) {
    let location = slo.origin.field("slice");
    if !slice.as_millis().is_multiple_of(1000) || slice.is_zero() {
        out.push(
            Diagnostic::new(
                Rule::InconsistentTimeSlices,
                location,
                format!("slice length {slice} is not a whole number of seconds"),
            )
            .hint("use e.g. `slice: 1m`"),
        );
        return;
    }
    match &slo.window {
        Window::Rolling { length } => {
            if !slice.divides(*length) {
                out.push(
                    Diagnostic::new(
                        Rule::InconsistentTimeSlices,
                        location,
                        format!("slice length {slice} does not divide the {length} window"),
                    )
                    .hint("pick a slice that divides the window, e.g. 1m or 5m"),
                );
            }
        }
        Window::Calendar { .. } => {
            if !slice.divides(Duration::from_hours(1)) {
                out.push(
                    Diagnostic::new(Rule::InconsistentTimeSlices, location, format!("slice length {slice} does not divide an hour, so calendar periods do not hold whole slices"))
                        .hint("use a slice that divides an hour: 1m, 5m, 10m, 15m, 30m or 1h"),
                );
            }
        }
    }
}

fn lint_window(slo: &Slo, out: &mut Vec<Diagnostic>) {
    let too_long = match &slo.window {
        Window::Rolling { length } => *length > MAX_WINDOW,
        Window::Calendar { unit, count, .. } => {
            unit.nominal_length().saturating_mul(u64::from(*count)) > Duration::from_days(92)
        }
    };
    if too_long {
        out.push(
            Diagnostic::new(Rule::WindowTooLong, slo.origin.field("window"), format!("the {} window of `{}` is longer than 90 days", slo.window, slo.qualified_name()))
                .hint("windows of 28 or 30 days (or a calendar month or quarter) balance stability and reaction time"),
        );
    }
}

fn lint_alerting(slo: &Slo, out: &mut Vec<Diagnostic>) {
    let window = slo.window.nominal_length();
    let defaulted = slo.alerting.windows.is_empty();
    for row in slo.alerting.effective_windows(window) {
        let location = if defaulted {
            slo.origin.field("alerting")
        } else {
            row.origin.field("short")
        };
        if row.short >= row.long {
            out.push(
                Diagnostic::new(Rule::AlertWindowOrder, location.clone(), format!("short window {} is not shorter than long window {}", row.short, row.long))
                    .hint("the short window (about 1/12 of the long one) makes the alert reset soon after errors stop"),
            );
        }
        if row.long > window {
            out.push(
                Diagnostic::new(
                    Rule::AlertWindowOrder,
                    row.origin.field("long"),
                    format!(
                        "long window {} is longer than the {} SLO window",
                        row.long, slo.window
                    ),
                )
                .hint("alert windows look back within the SLO window"),
            );
        }
        if let BurnThreshold::Factor(factor) = row.threshold
            && factor <= 0.0
        {
            out.push(
                Diagnostic::new(
                    Rule::InvalidValue,
                    row.origin.field("factor"),
                    "a burn-rate factor must be above 0",
                )
                .hint("use e.g. `factor: 14.4`"),
            );
        }
        // The fastest possible burn is a full outage: error ratio 1.
        for objective in &slo.objectives {
            let budget = objective.target.complement().fraction();
            if budget <= 0.0 || budget >= 1.0 {
                continue;
            }
            let max_burn = 1.0 / budget;
            let factor = row.factor(window);
            if factor > max_burn {
                let per_hour = Duration::from_hours(1).ratio_to(window) * max_burn * 100.0;
                out.push(
                    Diagnostic::new(
                        Rule::AlertNeverFires,
                        location.clone(),
                        format!(
                            "the {} row ({}% of budget in {}) needs a burn rate of {}, but at a {} target a full outage burns at most {}: it can never fire",
                            row.severity,
                            nines_core::ratio::format_decimal(row.budget_share(window) * 100.0, 2),
                            row.long,
                            nines_core::ratio::format_decimal(factor, 3),
                            objective.target,
                            nines_core::ratio::format_decimal(max_burn, 3),
                        ),
                    )
                    .hint(format!(
                        "at {} a full outage spends {}% of the budget per hour: lower the row's budget share or lengthen its window",
                        objective.target,
                        nines_core::ratio::format_decimal(per_hour, 2)
                    )),
                );
            }
        }
    }
}

fn lint_composite(catalog: &Catalog, slo: &Slo, out: &mut Vec<Diagnostic>) {
    let Indicator::Composite(composite) = &slo.indicator else {
        return;
    };
    for member in &composite.members {
        let MemberSource::Slo {
            service,
            slo: member_slo,
            ..
        } = &member.source
        else {
            continue;
        };
        let service = service.as_deref().unwrap_or(&slo.service);
        let Some(target) = catalog.slo(service, member_slo) else {
            continue;
        };
        if !target.budgeting.same_method(&slo.budgeting)
            || target.budgeting.slice() != slo.budgeting.slice()
        {
            out.push(
                Diagnostic::new(
                    Rule::CompositeMixedBudgeting,
                    member.origin.field("slo"),
                    format!(
                        "member `{service}/{member_slo}` is budgeted by {} but composite `{}` by {}",
                        describe_budgeting(&target.budgeting),
                        slo.qualified_name(),
                        describe_budgeting(&slo.budgeting)
                    ),
                )
                .hint("all members of a composite must use the composite's budgeting method and slice length"),
            );
        }
    }
}

fn describe_budgeting(budgeting: &Budgeting) -> String {
    match budgeting.slice() {
        Some(slice) => format!("{} ({slice} slices)", budgeting.as_str()),
        None => budgeting.as_str().to_string(),
    }
}

/// Where to add governance fields, in the vocabulary of the SLO's own format: formats
/// without such fields take a nines/v1 Service document for the same service.
fn governance_hint(slo: &Slo, native_example: &str) -> String {
    match slo.origin.format() {
        Some("openslo") => format!(
            "add {native_example} to the `nines.dev/extensions` annotation of the SLO or of its Service `{}`",
            slo.service
        ),
        Some("sloth" | "pyrra") => format!(
            "add a nines/v1 Service document named `{}` with {native_example}; its SLOs inherit it",
            slo.service
        ),
        _ => format!("add {native_example} to the SLO or its service"),
    }
}

fn lint_people(slo: &Slo, today: jiff::civil::Date, out: &mut Vec<Diagnostic>) {
    let name = slo.qualified_name();
    if slo.ownership.owner.is_none() {
        out.push(
            Diagnostic::new(
                Rule::MissingOwner,
                slo.origin.field("name"),
                format!("SLO `{name}` has no owner"),
            )
            .hint(governance_hint(slo, "`owner: <team>`")),
        );
    }
    if slo.ownership.approvers.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::MissingApprover,
                slo.origin.field("name"),
                format!("SLO `{name}` has no approver: executive buy-in is not recorded"),
            )
            .hint(governance_hint(
                slo,
                "`approvers: [{name: ..., role: ..., approved: YYYY-MM-DD}]`",
            )),
        );
    }
    let hint = format!(
        "{} after reviewing it",
        governance_hint(slo, &format!("`review: {{last: {today}}}`"))
    );
    lint_review(
        &slo.review,
        &slo.origin,
        &format!("SLO `{name}`"),
        &hint,
        today,
        out,
    );
}

fn lint_review(
    review: &Review,
    origin: &nines_core::model::Origin,
    what: &str,
    missing_hint: &str,
    today: jiff::civil::Date,
    out: &mut Vec<Diagnostic>,
) {
    match review.last_reviewed {
        None => out.push(
            Diagnostic::new(Rule::ReviewMissing, origin.field("name"), format!("{what} has no review date"))
                .hint(format!("{missing_hint}; reviews are due every {}", review.interval)),
        ),
        Some(last) if review.is_overdue(today) => out.push(
            Diagnostic::new(
                Rule::ReviewOverdue,
                origin.field("review"),
                format!("{what} was last reviewed on {last}; a review was due by {}", review.due().map(|due| due.to_string()).unwrap_or_default()),
            )
            .hint("review the target against recent performance and business needs, then update `review.last`"),
        ),
        Some(_) => {}
    }
}

fn lint_sla(sla: &Sla, out: &mut Vec<Diagnostic>) {
    let fraction = sla.target.fraction();
    if !sla.window.is_calendar() {
        out.push(
            Diagnostic::new(
                Rule::InvalidSla,
                sla.origin.field("window"),
                format!(
                    "SLA `{}` has a rolling {} window; contracts are settled per calendar period",
                    sla.name, sla.window
                ),
            )
            .hint("use `window: month` (or quarter, year)"),
        );
    }
    for tier in &sla.credits {
        if tier.below.fraction() > fraction {
            out.push(
                Diagnostic::new(
                    Rule::InvalidSla,
                    sla.origin.field("credits"),
                    format!("credit tier below {} starts above the SLA target {}: a met SLA would owe credits", tier.below, sla.target),
                )
                .hint(format!("tiers start at or below {}", sla.target)),
            );
        }
    }
}

fn lint_policy(
    policy: &nines_core::model::ErrorBudgetPolicy,
    today: jiff::civil::Date,
    out: &mut Vec<Diagnostic>,
) {
    if policy.states.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::InvalidPolicy,
                policy.origin.field("states"),
                format!("policy `{}` has no states", policy.name),
            )
            .hint("add states such as `exhausted` (when: remaining < 0%) with a freeze action"),
        );
    }
    if let Some(position) = policy
        .states
        .iter()
        .position(|state| state.when == Condition::Always)
    {
        for unreachable in &policy.states[position + 1..] {
            out.push(
                Diagnostic::new(
                    Rule::InvalidPolicy,
                    unreachable.origin.location(),
                    format!(
                        "state `{}` can never apply: `{}` before it always applies",
                        unreachable.name, policy.states[position].name
                    ),
                )
                .hint("put the `always` state last"),
            );
        }
    }
    let hint = format!("add `review: {{last: {today}}}` to the policy once reviewed");
    lint_review(
        &policy.review,
        &policy.origin,
        &format!("policy `{}`", policy.name),
        &hint,
        today,
        out,
    );
}
