//! Error budget policies: the consequences that make an SLO more than a number.

use std::fmt;

use crate::model::{Origin, Ownership, Review};
use crate::{Duration, Ratio};

/// An error budget policy: ordered states, the first whose condition holds applies.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorBudgetPolicy {
    /// Where it was written.
    pub origin: Origin,
    /// Name, unique in a catalog; SLOs and services refer to it by this name.
    pub name: String,
    /// The policy in words.
    pub description: Option<String>,
    /// States in order of precedence.
    pub states: Vec<PolicyState>,
    /// Who owns and approved the policy.
    pub ownership: Ownership,
    /// When it was last reviewed.
    pub review: Review,
}

/// One state of a policy: a condition and what it demands.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyState {
    /// Where it was written.
    pub origin: Origin,
    /// Name such as `healthy`, `frozen`.
    pub name: String,
    /// The state in words.
    pub description: Option<String>,
    /// When the state applies.
    pub when: Condition,
    /// What the state demands.
    pub actions: Vec<Action>,
}

/// When a policy state applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// Always (the fallback state).
    Always,
    /// Remaining budget over the SLO window is below this share (may be negative).
    RemainingBelow(Ratio),
    /// More than this share of the window's budget was consumed within `within`
    /// (one incident burning 20% of a four-week budget, say).
    ConsumedAbove {
        /// The look-back period.
        within: Duration,
        /// The share of the whole window's budget.
        share: Ratio,
    },
    /// The burn rate over `window` exceeds `rate`.
    BurnRateAbove {
        /// The look-back period.
        window: Duration,
        /// The burn rate.
        rate: f64,
    },
}

impl fmt::Display for Condition {
    /// The spelling used in native specs: `remaining < 0%`, `consumed(24h) > 20%`,
    /// `burn(1h) > 14.4`, `always`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Always => formatter.write_str("always"),
            Condition::RemainingBelow(share) => write!(formatter, "remaining < {share}"),
            Condition::ConsumedAbove { within, share } => {
                write!(formatter, "consumed({within}) > {share}")
            }
            Condition::BurnRateAbove { window, rate } => {
                write!(
                    formatter,
                    "burn({window}) > {}",
                    crate::ratio::format_decimal(*rate, 6)
                )
            }
        }
    }
}

/// Something a policy state demands.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Halt changes of `scope` (releases by default), except the listed change types.
    Freeze {
        /// What is frozen: `releases`, `changes`, `features`...
        scope: String,
        /// Change types still allowed: `security`, `p0`...
        except: Vec<String>,
    },
    /// A postmortem is required.
    Postmortem {
        /// What it must produce, e.g. "at least one P0 action item".
        requirement: Option<String>,
    },
    /// Escalate to someone (the CTO, in the SRE Workbook's example).
    Escalate {
        /// Who.
        to: String,
    },
    /// Notify targets by name.
    Notify {
        /// Notification target names.
        targets: Vec<String>,
    },
    /// Anything else, in words.
    Other {
        /// The action.
        text: String,
    },
}

impl Action {
    /// True when this action blocks a change of `change_type`.
    pub fn blocks(&self, change_type: Option<&str>) -> bool {
        match self {
            Action::Freeze { except, .. } => match change_type {
                Some(kind) => !except
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(kind)),
                None => true,
            },
            _ => false,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Freeze { scope, except } if except.is_empty() => {
                write!(formatter, "freeze {scope}")
            }
            Action::Freeze { scope, except } => {
                write!(formatter, "freeze {scope} except {}", except.join(", "))
            }
            Action::Postmortem { requirement: None } => formatter.write_str("postmortem"),
            Action::Postmortem {
                requirement: Some(text),
            } => write!(formatter, "postmortem ({text})"),
            Action::Escalate { to } => write!(formatter, "escalate to {to}"),
            Action::Notify { targets } => write!(formatter, "notify {}", targets.join(", ")),
            Action::Other { text } => formatter.write_str(text),
        }
    }
}
