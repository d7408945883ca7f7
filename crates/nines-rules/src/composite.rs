//! Rules for composite SLOs, combining members as `nines report` does: each member is
//! measured with its own SLI and target, and the composite's burn rates are the weighted
//! mean of the members' burn rates (weights are relative; a member without traffic is
//! left out of the mean, as the engine leaves it out).
//!
//! Every member's error ratio over each window, and its 5-minute counts, are recorded
//! under the composite's identity with a `nines_member` label; the composite's own series
//! carry `nines_member=""` (no label) and are built from those recordings.

use nines_core::model::{Catalog, Composite, MemberSource, Objective, Slo};
use nines_core::{Duration, Ratio};

use crate::names::{Names, rule_labels, selector};
use crate::objective::{Window, alert_name, burn_alert, group_name, meta_rules, record};
use crate::queries::SliQueries;
use crate::{Group, Labels, Options, number};

/// The label that tells a member's recordings from the composite's own.
pub const MEMBER_LABEL: &str = "nines_member";

/// One member, resolved: what it reads and how much it weighs.
struct Member {
    name: String,
    weight: f64,
    queries: SliQueries,
    budget: f64,
}

fn resolve(catalog: &Catalog, slo: &Slo, composite: &Composite) -> Result<Vec<Member>, String> {
    let mut members = Vec::new();
    for member in &composite.members {
        let (sli, objective): (_, &Objective) = match &member.source {
            MemberSource::Slo {
                service,
                slo: name,
                objective,
            } => {
                let service = service.as_deref().unwrap_or(&slo.service);
                let target = catalog.slo(service, name).ok_or_else(|| {
                    format!(
                        "member `{}`: the SLO {service}/{name} is not defined",
                        member.name
                    )
                })?;
                let chosen = match objective {
                    Some(objective) => target.objective(objective),
                    None => target.objectives.first(),
                }
                .ok_or_else(|| {
                    format!(
                        "member `{}`: {service}/{name} has no such objective",
                        member.name
                    )
                })?;
                (target.sli(), chosen)
            }
            MemberSource::Indicator { sli, objective } => (sli.get(), &**objective),
        };
        let sli = sli.ok_or_else(|| {
            format!(
                "member `{}` is itself a composite or an unresolved SLI: composites of composites get no rules",
                member.name
            )
        })?;
        let threshold = objective
            .threshold
            .as_ref()
            .map(|threshold| threshold.value);
        let queries = SliQueries::new(sli, threshold)
            .map_err(|reason| format!("member `{}`: {reason}", member.name))?;
        members.push(Member {
            name: member.name.clone(),
            weight: member.weight,
            queries,
            budget: 1.0 - objective.target.fraction(),
        });
    }
    if members.is_empty() {
        return Err("the composite has no members".to_string());
    }
    Ok(members)
}

/// `sum without (nines_member) (w₁ × metric{member₁} or w₂ × metric{member₂} ...)` divided
/// by the sum of the weights of the members present: the weighted mean over the members
/// that have a value.
fn weighted_mean(metric: &str, own: &str, members: &[Member]) -> String {
    let inner = own.trim_start_matches('{').trim_end_matches('}');
    let term = |member: &Member, value: &str| {
        format!(
            "{value} * {metric}{{{inner},{MEMBER_LABEL}={}}}",
            nines_spec::promql::quote(&member.name),
            value = value
        )
    };
    let numerator: Vec<String> = members
        .iter()
        .map(|member| term(member, &number(member.weight)))
        .collect();
    let weights: Vec<String> = members
        .iter()
        .map(|member| format!("{} + 0 * {}", number(member.weight), term(member, "1")))
        .collect();
    format!(
        "sum without ({MEMBER_LABEL}) ({}) / sum without ({MEMBER_LABEL}) ({})",
        numerator.join(" or "),
        weights.join(" or ")
    )
}

/// The composite's objective: its own, or the weighted mean of its members' targets (as
/// the engine synthesizes it).
pub(crate) fn composite_objective(
    slo: &Slo,
    catalog: &Catalog,
    composite: &Composite,
) -> Objective {
    if let Some(objective) = slo.objectives.first() {
        return objective.clone();
    }
    let members = resolve(catalog, slo, composite).unwrap_or_default();
    let total: f64 = members.iter().map(|member| member.weight).sum();
    let mean = members
        .iter()
        .map(|member| member.weight * (1.0 - member.budget))
        .sum::<f64>()
        / total.max(f64::MIN_POSITIVE);
    Objective::new(
        nines_core::model::DEFAULT_OBJECTIVE,
        Ratio::from_fraction(mean),
    )
}

pub(crate) fn groups(
    catalog: &Catalog,
    slo: &Slo,
    composite: &Composite,
    objective: &Objective,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<Vec<Group>, String> {
    let members = resolve(catalog, slo, composite)?;
    let names = Names {
        naming: options.naming,
    };
    let identity = names.identity(slo, objective);
    let label_list = rule_labels(options, slo, &identity, notes);
    let labels: Labels = label_list.clone().into();
    let window = Window::of(slo, notes);
    let own = selector(&identity);
    // The composite's own series: the identity without a member label.
    let own_composite = format!(
        "{}{MEMBER_LABEL}=\"\"}}",
        own.trim_end_matches('}').to_string() + ","
    );
    let member_labels = |member: &Member, window_length: Option<Duration>| -> Labels {
        let mut list = match window_length {
            Some(length) => names.with_window(&label_list, length),
            None => label_list.clone(),
        };
        list.push((MEMBER_LABEL.to_string(), member.name.clone()));
        list.into()
    };
    let member_own = |member: &Member| {
        format!(
            "{}{MEMBER_LABEL}={}}}",
            own.trim_end_matches('}').to_string() + ",",
            nines_spec::promql::quote(&member.name)
        )
    };

    // 1. Each member's ratio and burn rate over each window, then the composite's.
    let mut window_rules = Vec::new();
    for length in &window.windows {
        for member in &members {
            let with_window = member_labels(member, Some(*length));
            window_rules.push(record(
                &names.ratio(*length),
                member.queries.error_ratio(*length),
                &with_window,
            ));
            window_rules.push(record(
                &names.burn(*length),
                format!(
                    "{}{} / {}",
                    names.ratio(*length),
                    member_own(member),
                    number(member.budget)
                ),
                &with_window,
            ));
        }
        let with_window: Labels = names.with_window(&label_list, *length).into();
        window_rules.push(record(
            &names.ratio(*length),
            weighted_mean(&names.ratio(*length), &own, &members),
            &with_window,
        ));
        window_rules.push(record(
            &names.burn(*length),
            weighted_mean(&names.burn(*length), &own, &members),
            &with_window,
        ));
    }
    // Alerts compare the weighted burn rate with each row's factor: the composite's
    // "budget" is 1 in burn-rate units.
    let alert_name = alert_name(slo, notes);
    for row in &window.rows {
        window_rules.push(burn_alert(
            &slo.alerting,
            row,
            &slo.qualified_name(),
            objective.target.fraction(),
            &names,
            &|length| names.burn(length),
            &own_composite,
            &label_list,
            &alert_name,
            1.0,
            window.length,
        ));
    }

    // 2. The SLO window: members' counts, their ratios over the composite's window, and
    // the weighted means.
    let step = options.slo_window_interval;
    let slo_window = window.length;
    let mut slo_rules = Vec::new();
    for member in &members {
        let plain = member_labels(member, None);
        let member_selector = member_own(member);
        let ratio = if member.queries.has_counts() {
            let errors_step = names.errors_recorded(step);
            let valid_step = names.valid_recorded(step);
            slo_rules.push(record(&errors_step, member.queries.errors(step), &plain));
            slo_rules.push(record(&valid_step, member.queries.valid(step), &plain));
            format!(
                "sum_over_time({errors_step}{member_selector}[{slo_window}]) / (sum_over_time({valid_step}{member_selector}[{slo_window}]) > 0)"
            )
        } else {
            format!(
                "avg_over_time({}{member_selector}[{slo_window}])",
                names.ratio(Duration::from_minutes(5))
            )
        };
        if !window.windows.contains(&slo_window) {
            slo_rules.push(record(
                &names.ratio(slo_window),
                ratio,
                &member_labels(member, Some(slo_window)),
            ));
        }
        slo_rules.push(record(
            &names.fixed(
                "nines:slo_period_burn_rate:ratio",
                "slo:period_burn_rate:ratio",
            ),
            format!(
                "{}{member_selector} / {}",
                names.ratio(slo_window),
                number(member.budget)
            ),
            &plain,
        ));
    }
    if !window.windows.contains(&slo_window) {
        slo_rules.push(record(
            &names.ratio(slo_window),
            weighted_mean(&names.ratio(slo_window), &own, &members),
            &names.with_window(&label_list, slo_window).into(),
        ));
    }
    let period_burn = names.fixed(
        "nines:slo_period_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
    );
    slo_rules.push(record(
        &period_burn,
        weighted_mean(&period_burn, &own, &members),
        &labels,
    ));
    let budget = 1.0 - objective.target.fraction();
    let meta = meta_rules(
        slo,
        objective,
        &names,
        &own_composite,
        &labels,
        budget,
        slo_window,
    );
    // The composite's period burn is the members' weighted mean, recorded above; keep the
    // rest of the dashboard series (objective, budget, remaining, current burn).
    let period_burn_name = period_burn.clone();
    slo_rules.extend(meta.into_iter().filter(
        |rule| !matches!(rule, crate::Rule::Record { record, .. } if *record == period_burn_name),
    ));
    let current_burn = names.fixed(
        "nines:slo_current_burn_rate:ratio",
        "slo:current_burn_rate:ratio",
    );
    for rule in &mut slo_rules {
        if let crate::Rule::Record { record, expr, .. } = rule
            && *record == current_burn
        {
            *expr = format!("{}{own_composite}", names.burn(Duration::from_minutes(5)));
        }
    }
    notes.push(format!(
        "{}: a composite: its burn rates are the weighted mean of its members' (each against its own target), as `nines report` computes them",
        slo.qualified_name()
    ));
    Ok(vec![
        Group {
            name: group_name(slo, objective, "burn-rates"),
            interval: None,
            rules: window_rules,
        },
        Group {
            name: group_name(slo, objective, "slo-window"),
            interval: Some(step),
            rules: slo_rules,
        },
    ])
}
