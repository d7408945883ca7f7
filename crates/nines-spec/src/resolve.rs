//! Cross-document resolution: duplicates, service defaults, and references by name.
//!
//! Runs once all files are decoded, so an SLO may name an SLI, SLA, policy or
//! notification target defined in any file.

use std::collections::HashMap;

use nines_core::model::{Catalog, Indicator, Location, MemberSource, Origin, SliRef};

use crate::decode::did_you_mean;
use crate::diag::{Diagnostic, Rule};

/// Resolves `catalog` in place, reporting what does not resolve.
pub fn resolve(catalog: &mut Catalog, diagnostics: &mut Vec<Diagnostic>) {
    merge_governance_services(catalog, diagnostics);
    report_duplicates(catalog, diagnostics);
    inherit_service_defaults(catalog);
    resolve_slis(catalog, diagnostics);
    check_references(catalog, diagnostics);
}

/// A `nines/v1` Service beside an OpenSLO Service of the same name adds what OpenSLO has no
/// field for (owner, approvers, review, policy), as it does for Sloth and Pyrra services,
/// instead of being a second definition (issue 8.12). A field given in both is an error.
fn merge_governance_services(catalog: &mut Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let mut index = 0;
    while index < catalog.services.len() {
        let service = &catalog.services[index];
        if service.origin.format() != Some("nines") {
            index += 1;
            continue;
        }
        let openslo: Vec<usize> = catalog
            .services
            .iter()
            .enumerate()
            .filter(|(_, other)| {
                other.name == service.name && other.origin.format() == Some("openslo")
            })
            .map(|(position, _)| position)
            .collect();
        let [target] = openslo[..] else {
            index += 1;
            continue;
        };
        let governance = catalog.services.remove(index);
        let target = if target > index { target - 1 } else { target };
        let merged = &mut catalog.services[target];
        let both = |field: &'static str, diagnostics: &mut Vec<Diagnostic>| {
            diagnostics.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    governance.origin.field(field),
                    format!(
                        "service `{}`: `{field}` is given both here and in the OpenSLO Service",
                        governance.name
                    ),
                )
                .hint(format!(
                    "keep one: the OpenSLO one is at {}",
                    merged.origin.field(field)
                )),
            );
        };
        if governance.ownership.owner.is_some() {
            if merged.ownership.owner.is_some() {
                both("owner", diagnostics);
            } else {
                merged
                    .ownership
                    .owner
                    .clone_from(&governance.ownership.owner);
            }
        }
        if !governance.ownership.approvers.is_empty() {
            if merged.ownership.approvers.is_empty() {
                merged
                    .ownership
                    .approvers
                    .clone_from(&governance.ownership.approvers);
            } else {
                both("approvers", diagnostics);
            }
        }
        if governance.review != nines_core::model::Review::default() {
            if merged.review == nines_core::model::Review::default() {
                merged.review = governance.review.clone();
            } else {
                both("review", diagnostics);
            }
        }
        if governance.policy.is_some() {
            if merged.policy.is_some() {
                both("policy", diagnostics);
            } else {
                merged.policy.clone_from(&governance.policy);
            }
        }
        for field in ["owner", "approvers", "review", "policy"] {
            if let Some(location) = governance.origin.field_if_written(field)
                && merged.origin.field_if_written(field).is_none()
            {
                merged.origin.set_field(field, location);
            }
        }
    }
}

fn duplicate(
    diagnostics: &mut Vec<Diagnostic>,
    what: &str,
    name: &str,
    first: &Origin,
    second: &Origin,
) {
    diagnostics.push(
        Diagnostic::new(
            Rule::DuplicateName,
            second.field("name"),
            format!("{what} `{name}` is defined twice"),
        )
        .hint(format!(
            "the first definition is at {}; rename or remove one",
            first.field("name")
        )),
    );
}

fn report_duplicates(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    fn check<'a>(
        diagnostics: &mut Vec<Diagnostic>,
        what: &str,
        items: impl Iterator<Item = (String, &'a Origin)>,
    ) {
        let mut seen: HashMap<String, &Origin> = HashMap::new();
        for (key, origin) in items {
            match seen.get(&key) {
                Some(first) => duplicate(diagnostics, what, &key, first, origin),
                None => {
                    seen.insert(key, origin);
                }
            }
        }
    }
    check(
        diagnostics,
        "service",
        catalog
            .services
            .iter()
            .map(|service| (service.name.clone(), &service.origin)),
    );
    check(
        diagnostics,
        "SLO",
        catalog
            .slos
            .iter()
            .map(|slo| (slo.qualified_name(), &slo.origin)),
    );
    check(
        diagnostics,
        "SLA",
        catalog
            .slas
            .iter()
            .map(|sla| (format!("{}/{}", sla.service, sla.name), &sla.origin)),
    );
    check(
        diagnostics,
        "SLI",
        catalog.slis.iter().map(|(service, sli)| {
            (
                format!(
                    "{}/{}",
                    service.as_deref().unwrap_or(""),
                    sli.name.as_deref().unwrap_or("")
                ),
                &sli.origin,
            )
        }),
    );
    check(
        diagnostics,
        "error budget policy",
        catalog
            .policies
            .iter()
            .map(|policy| (policy.name.clone(), &policy.origin)),
    );
    check(
        diagnostics,
        "notification target",
        catalog
            .notification_targets
            .iter()
            .map(|target| (target.name.clone(), &target.origin)),
    );
    check(
        diagnostics,
        "data source",
        catalog
            .data_sources
            .iter()
            .map(|source| (source.name.clone(), &source.origin)),
    );
    for slo in &catalog.slos {
        check(
            diagnostics,
            &format!("objective of SLO `{}`", slo.qualified_name()),
            slo.objectives
                .iter()
                .map(|objective| (objective.name.clone(), &objective.origin)),
        );
        if let Indicator::Composite(composite) = &slo.indicator {
            check(
                diagnostics,
                &format!("member of composite `{}`", slo.qualified_name()),
                composite
                    .members
                    .iter()
                    .map(|member| (member.name.clone(), &member.origin)),
            );
        }
    }
    for policy in &catalog.policies {
        check(
            diagnostics,
            &format!("state of policy `{}`", policy.name),
            policy
                .states
                .iter()
                .map(|state| (state.name.clone(), &state.origin)),
        );
    }
}

/// SLOs take their service's owner, approvers, review and policy when they set none.
fn inherit_service_defaults(catalog: &mut Catalog) {
    let services: HashMap<String, nines_core::model::Service> = catalog
        .services
        .iter()
        .map(|service| (service.name.clone(), service.clone()))
        .collect();
    for slo in &mut catalog.slos {
        let Some(service) = services.get(&slo.service) else {
            continue;
        };
        // Inherited values point at where the service wrote them.
        if slo.ownership.owner.is_none() {
            slo.ownership.owner.clone_from(&service.ownership.owner);
            inherit_location(&mut slo.origin, &service.origin, "owner");
        }
        if slo.ownership.approvers.is_empty() {
            slo.ownership
                .approvers
                .clone_from(&service.ownership.approvers);
            inherit_location(&mut slo.origin, &service.origin, "approvers");
        }
        if slo.review.last_reviewed.is_none() {
            slo.review = service.review.clone();
            inherit_location(&mut slo.origin, &service.origin, "review");
        }
        if slo.policy.is_none() {
            slo.policy.clone_from(&service.policy);
        }
    }
}

fn inherit_location(origin: &mut Origin, from: &Origin, field: &'static str) {
    if origin.field_if_written(field).is_none()
        && let Some(location) = from.field_if_written(field)
    {
        origin.set_field(field, location);
    }
}

fn resolve_slis(catalog: &mut Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let named = catalog.slis.clone();
    let lookup = |service: &str, name: &str| {
        named
            .iter()
            .filter(|(owner, sli)| {
                sli.name.as_deref() == Some(name)
                    && owner.as_deref().is_none_or(|owner| owner == service)
            })
            .min_by_key(|(owner, _)| owner.is_none())
            .map(|(_, sli)| sli.clone())
    };
    let available = |service: &str| -> Vec<String> {
        named
            .iter()
            .filter(|(owner, _)| owner.as_deref().is_none_or(|owner| owner == service))
            .filter_map(|(_, sli)| sli.name.clone())
            .collect()
    };
    let resolve_ref =
        |service: &str, sli: &mut SliRef, location: Location, diagnostics: &mut Vec<Diagnostic>| {
            if let SliRef::Named { name, resolved } = sli {
                if resolved.is_some() {
                    return;
                }
                match lookup(service, name) {
                    Some(found) => *resolved = Some(Box::new(found)),
                    None => unresolved(diagnostics, location, "SLI", name, &available(service)),
                }
            }
        };
    for slo in &mut catalog.slos {
        let service = slo.service.clone();
        match &mut slo.indicator {
            Indicator::Sli(sli) => resolve_ref(&service, sli, slo.origin.field("sli"), diagnostics),
            Indicator::Composite(composite) => {
                for member in &mut composite.members {
                    if let MemberSource::Indicator { sli, .. } = &mut member.source {
                        resolve_ref(&service, sli, member.origin.field("sli"), diagnostics);
                    }
                }
            }
        }
    }
}

fn unresolved(
    diagnostics: &mut Vec<Diagnostic>,
    location: Location,
    what: &str,
    name: &str,
    available: &[String],
) {
    let names: Vec<&str> = available.iter().map(String::as_str).collect();
    let hint = match did_you_mean(name, &names) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None if names.is_empty() => {
            format!("no {what} is defined; define `{name}` or fix the reference")
        }
        None => format!("defined: {}", names.join(", ")),
    };
    diagnostics.push(
        Diagnostic::new(
            Rule::UnresolvedReference,
            location,
            format!("no {what} named `{name}`"),
        )
        .hint(hint),
    );
}

fn check_references(catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let policies: Vec<String> = catalog
        .policies
        .iter()
        .map(|policy| policy.name.clone())
        .collect();
    let targets: Vec<String> = catalog
        .notification_targets
        .iter()
        .map(|target| target.name.clone())
        .collect();
    for service in &catalog.services {
        if let Some(policy) = &service.policy
            && !policies.contains(policy)
        {
            unresolved(
                diagnostics,
                service.origin.field("policy"),
                "error budget policy",
                policy,
                &policies,
            );
        }
        for target in &service.notify {
            if !targets.contains(target) {
                unresolved(
                    diagnostics,
                    service.origin.field("notify"),
                    "notification target",
                    target,
                    &targets,
                );
            }
        }
    }
    for slo in &catalog.slos {
        if let Some(sla) = &slo.sla
            && catalog.sla(&slo.service, sla).is_none()
        {
            let available: Vec<String> = catalog
                .slas
                .iter()
                .filter(|candidate| candidate.service == slo.service)
                .map(|candidate| candidate.name.clone())
                .collect();
            unresolved(
                diagnostics,
                slo.origin.field("sla"),
                &format!("SLA in service `{}`", slo.service),
                sla,
                &available,
            );
        }
        // A policy inherited from the service is reported once, at the service.
        let own_policy = slo.origin.field_if_written("policy").is_some();
        if let Some(policy) = &slo.policy
            && own_policy
            && !policies.contains(policy)
        {
            unresolved(
                diagnostics,
                slo.origin.field("policy"),
                "error budget policy",
                policy,
                &policies,
            );
        }
        for target in &slo.alerting.notify {
            if !targets.contains(target) {
                unresolved(
                    diagnostics,
                    slo.origin.field("alerting"),
                    "notification target",
                    target,
                    &targets,
                );
            }
        }
        if let Indicator::Composite(composite) = &slo.indicator {
            for member in &composite.members {
                let MemberSource::Slo {
                    service,
                    slo: member_slo,
                    objective,
                } = &member.source
                else {
                    continue;
                };
                let service = service.as_deref().unwrap_or(&slo.service);
                let Some(target) = catalog.slo(service, member_slo) else {
                    let available: Vec<String> = catalog
                        .slos_of(service)
                        .map(|candidate| candidate.name.clone())
                        .collect();
                    unresolved(
                        diagnostics,
                        member.origin.field("slo"),
                        &format!("SLO in service `{service}`"),
                        member_slo,
                        &available,
                    );
                    continue;
                };
                if matches!(target.indicator, Indicator::Composite(_)) {
                    diagnostics.push(
                        Diagnostic::new(
                            Rule::InvalidValue,
                            member.origin.field("slo"),
                            format!("`{service}/{member_slo}` is itself a composite"),
                        )
                        .hint(
                            "composites combine plain SLOs; list that composite's members instead",
                        ),
                    );
                }
                match objective {
                    Some(objective) if target.objective(objective).is_none() => {
                        let available: Vec<String> = target.objectives.iter().map(|candidate| candidate.name.clone()).collect();
                        unresolved(diagnostics, member.origin.field("slo"), &format!("objective in `{service}/{member_slo}`"), objective, &available);
                    }
                    None if target.objectives.len() > 1 => diagnostics.push(
                        Diagnostic::new(
                            Rule::InvalidValue,
                            member.origin.field("slo"),
                            format!("`{service}/{member_slo}` has {} objectives; the member must say which", target.objectives.len()),
                        )
                        .hint("add `objective:` naming one of them"),
                    ),
                    _ => {}
                }
            }
        }
    }
}
