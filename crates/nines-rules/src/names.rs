//! Metric and label names of the two naming schemes, and the label sets rules carry.

use nines_core::Duration;
use nines_core::model::{Objective, Slo};

use crate::{Naming, Options};

/// The label Sloth's ratio recordings carry with their window (`sloth_window="5m"`).
/// Every join between windows must drop it, as Sloth's own alerts do
/// (`max(...) without (sloth_window)`), or long and short windows never match.
pub const SLOTH_WINDOW: &str = "sloth_window";

/// The names of the series and labels a naming scheme uses.
pub(crate) struct Names {
    pub(crate) naming: Naming,
}

impl Names {
    pub(crate) fn ratio(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_error:ratio_rate{window}"),
            Naming::Sloth => format!("slo:sli_error:ratio_rate{window}"),
        }
    }
    pub(crate) fn burn(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:slo_burn_rate:ratio_rate{window}"),
            Naming::Sloth => format!("slo:burn_rate:ratio_rate{window}"),
        }
    }
    pub(crate) fn errors_recorded(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_errors:increase{window}"),
            Naming::Sloth => format!("slo:sli_errors:increase{window}"),
        }
    }
    pub(crate) fn valid_recorded(&self, window: Duration) -> String {
        match self.naming {
            Naming::Nines => format!("nines:sli_valid:increase{window}"),
            Naming::Sloth => format!("slo:sli_valid:increase{window}"),
        }
    }
    pub(crate) fn fixed(&self, nines: &str, sloth: &str) -> String {
        match self.naming {
            Naming::Nines => nines.to_string(),
            Naming::Sloth => sloth.to_string(),
        }
    }
    /// The labels that identify an objective's series.
    pub(crate) fn identity(&self, slo: &Slo, objective: &Objective) -> Vec<(String, String)> {
        match self.naming {
            Naming::Nines => vec![
                ("nines_service".into(), slo.service.clone()),
                ("nines_slo".into(), slo.name.clone()),
                ("nines_objective".into(), objective.name.clone()),
            ],
            Naming::Sloth => {
                let suffix = if slo.objectives.len() > 1 {
                    format!("-{}", objective.name)
                } else {
                    String::new()
                };
                vec![
                    (
                        "sloth_id".into(),
                        format!("{}-{}{suffix}", slo.service, slo.name),
                    ),
                    ("sloth_service".into(), slo.service.clone()),
                    ("sloth_slo".into(), format!("{}{suffix}", slo.name)),
                ]
            }
        }
    }
    /// A series' own labels with its window, for Sloth's ratio recordings.
    pub(crate) fn with_window(
        &self,
        labels: &[(String, String)],
        window: Duration,
    ) -> Vec<(String, String)> {
        let mut list = labels.to_vec();
        if self.naming == Naming::Sloth {
            list.retain(|(name, _)| name != SLOTH_WINDOW);
            list.push((SLOTH_WINDOW.into(), window.to_string()));
        }
        list
    }
    /// `metric{own} > threshold`, with Sloth's window label dropped so that two windows
    /// of one objective can be joined with `and`.
    pub(crate) fn above(&self, metric: &str, own: &str, threshold: &str) -> String {
        match self.naming {
            Naming::Nines => format!("({metric}{own} > {threshold})"),
            Naming::Sloth => {
                format!("max without ({SLOTH_WINDOW}) ({metric}{own} > {threshold})")
            }
        }
    }
}

/// True for a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().enumerate().all(|(index, c)| {
            c == '_' || c.is_ascii_alphabetic() || (index > 0 && c.is_ascii_digit())
        })
}

/// The labels every rule of an objective carries: `--label`s, then the SLO's own labels
/// (Sloth's spec and SLO `labels`, Pyrra's `pyrra.dev/` labels, nines `labels`), then the
/// identity, each overriding the one before. Labels whose names Prometheus cannot hold
/// are left out with a note.
pub(crate) fn rule_labels(
    options: &Options,
    slo: &Slo,
    identity: &[(String, String)],
    notes: &mut Vec<String>,
) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: &str| match list.iter_mut().find(|(own, _)| own == name) {
        Some(entry) => entry.1 = value.to_string(),
        None => list.push((name.to_string(), value.to_string())),
    };
    for (name, value) in &options.labels {
        set(name, value);
    }
    for (name, value) in &slo.labels {
        if is_label_name(name) {
            set(name, value);
        } else {
            notes.push(format!(
                "{}: the label `{name}` is not a Prometheus label name and is left out of the rules",
                slo.qualified_name()
            ));
        }
    }
    list.retain(|(name, _)| !identity.iter().any(|(own, _)| own == name));
    list.extend(identity.iter().cloned());
    list
}

/// A selector on the identity labels: `{nines_service="a",...}`.
pub(crate) fn selector(identity: &[(String, String)]) -> String {
    let parts: Vec<String> = identity
        .iter()
        .map(|(name, value)| format!("{name}={}", nines_spec::promql::quote(value)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// `checkout-api` → `CheckoutApi`, for alert names.
pub(crate) fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
