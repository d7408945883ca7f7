//! Diagnostics: what is wrong, where, under which rule, and how to fix it.

use std::fmt;

use nines_core::model::Location;

/// Whether a problem makes the spec invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec is invalid: nines will not measure it.
    Error,
    /// The spec works but breaks a practice the seed asks for.
    Warning,
}

/// One problem found in a spec.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The rule's stable id, e.g. `target-out-of-range` (see `docs/rules.md`).
    pub rule: &'static str,
    /// Where: `file:line:column`.
    #[serde(flatten)]
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic under `rule`, with the rule's severity.
    pub fn new(rule: Rule, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: rule.severity(),
            rule: rule.id(),
            location,
            message: message.into(),
            hint: None,
        }
    }
    /// Adds a fix hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error[rule]: message` with the hint on the next line.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            formatter,
            "{}: {severity}[{}]: {}",
            self.location, self.rule, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(formatter, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, line, column, then rule, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            &a.location.file,
            a.location.line,
            a.location.column,
            a.rule,
            &a.message,
        )
            .cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
                b.rule,
                &b.message,
            ))
    });
}

macro_rules! rules {
    ($( $variant:ident => ($id:literal, $severity:ident, $summary:literal), )*) => {
        /// Every rule `nines validate` checks. The ids are stable: scripts and CI configs
        /// may match on them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Rule {
            $( #[doc = $summary] $variant, )*
        }

        impl Rule {
            /// All rules, in documentation order.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The stable id.
            pub fn id(self) -> &'static str {
                match self { $( Rule::$variant => $id, )* }
            }
            /// Error or warning.
            pub fn severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$severity, )* }
            }
            /// One line on what the rule checks.
            pub fn summary(self) -> &'static str {
                match self { $( Rule::$variant => $summary, )* }
            }
        }
    };
}

rules! {
    YamlSyntax => ("yaml-syntax", Error, "The file is not valid YAML or JSON."),
    UnknownDocument => ("unknown-document", Error, "A document is not in a format nines reads (nines/v1, openslo/v1, Sloth prometheus/v1 or sloth.slok.dev/v1, pyrra.dev/v1alpha1)."),
    UnsupportedVersion => ("unsupported-version", Error, "A known format, but a version nines does not read."),
    UnknownKind => ("unknown-kind", Error, "A `kind` the format does not define."),
    UnknownField => ("unknown-field", Error, "A field the format does not define (often a typo: the message suggests the closest field)."),
    MissingField => ("missing-field", Error, "A required field is absent."),
    WrongType => ("wrong-type", Error, "A field holds the wrong kind of value (a list where a string is expected, say)."),
    InvalidValue => ("invalid-value", Error, "A field's value is not one of those allowed."),
    InvalidName => ("invalid-name", Error, "A name is not a DNS label: lowercase letters, digits and `-`, at most 63 characters."),
    InvalidDuration => ("invalid-duration", Error, "A duration cannot be read (write `28d`, `1h30m`, `250ms`)."),
    InvalidPercentage => ("invalid-percentage", Error, "A percentage cannot be read (write `99.9%`)."),
    InvalidTimeZone => ("invalid-time-zone", Error, "A time zone is not an IANA name such as `Europe/Paris`."),
    InvalidDate => ("invalid-date", Error, "A date or time cannot be read (write `2026-03-01` or `2026-03-01T02:00:00Z`)."),
    InvalidWindow => ("invalid-window", Error, "A window is not a whole number of minutes, or not a known calendar period."),
    InvalidFilter => ("invalid-filter", Error, "An event filter expression does not parse."),
    InvalidQuery => ("invalid-query", Error, "A PromQL query is malformed or lacks what its format requires (such as Sloth's `{{.window}}`)."),
    InvalidSli => ("invalid-sli", Error, "An SLI is incomplete or contradictory: no source, both good and bad, a latency SLI without a threshold..."),
    TargetOutOfRange => ("target-out-of-range", Error, "A target is 0% or less, or 100% or more: a 100% target leaves no error budget."),
    SloNotStricterThanSla => ("slo-not-stricter-than-sla", Error, "An SLO's target (or aspirational target) is not stricter than the SLA it protects."),
    DuplicateName => ("duplicate-name", Error, "Two items of the same kind share a name in the same scope."),
    UnresolvedReference => ("unresolved-reference", Error, "A reference names something that is not defined."),
    InconsistentTimeSlices => ("inconsistent-time-slices", Error, "Time-slice settings do not fit the budgeting method or the window."),
    AlertWindowOrder => ("alert-window-order", Error, "An alert's short window is not shorter than its long window, or is longer than the SLO window."),
    CompositeMixedBudgeting => ("composite-mixed-budgeting", Error, "A composite SLO's members use different budgeting methods."),
    InvalidSla => ("invalid-sla", Error, "An SLA is not measurable: a rolling window, or credit tiers out of range."),
    InvalidTarget => ("invalid-target", Error, "A notification target cannot deliver: no usable URL, a missing routing key or sender, a secret written in the spec, plain-text SMTP beyond loopback, or a field its kind does not use."),
    InvalidPolicy => ("invalid-policy", Error, "An error budget policy has no states, unreachable states or unknown conditions."),
    MissingOwner => ("missing-owner", Warning, "No owner: nobody is accountable for the SLO."),
    MissingApprover => ("missing-approver", Warning, "No approver: the SLO lacks recorded executive buy-in."),
    ReviewMissing => ("review-missing", Warning, "No review date: SLOs must be reviewed at least yearly."),
    ReviewOverdue => ("review-overdue", Warning, "The last review is older than the review interval."),
    NoErrorBudgetPolicy => ("no-error-budget-policy", Warning, "No error budget policy: missing the SLO has no consequences."),
    TooManySlos => ("too-many-slos", Warning, "More than five SLOs on one service: quality over quantity."),
    AlertNeverFires => ("alert-never-fires", Warning, "An alert row cannot fire at this target, even at 100% errors."),
    WindowTooLong => ("window-too-long", Warning, "An SLO window longer than 90 days reacts too slowly to guide engineering."),
    AspirationalBelowTarget => ("aspirational-below-target", Warning, "The aspirational target is not above the achievable target."),
    IgnoredField => ("ignored-field", Warning, "A field the peer tool accepts that nines does not use (or that the peer itself ignores): the file loads, and the message says what is ignored."),
    TargetLooksLikeFraction => ("target-looks-like-fraction", Warning, "A percentage field holds a value below 1, probably a fraction written where a percentage is expected."),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|rule| rule.id()).collect();
        for id in &ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
