//! Service level objectives: an indicator, a window, a budgeting method and targets.

use crate::model::{Alerting, Exclusion, Labels, NoData, Origin, Ownership, Review, Sli, Window};
use crate::{Duration, Ratio};

/// A service level objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Where it was written.
    pub origin: Origin,
    /// The service it belongs to.
    pub service: String,
    /// Name, unique within the service.
    pub name: String,
    /// Human title.
    pub display_name: Option<String>,
    /// What it promises, in words.
    pub description: Option<String>,
    /// What is measured: one SLI, or a weighted composite of several.
    pub indicator: Indicator,
    /// The measurement period.
    pub window: Window,
    /// How good events are budgeted: by occurrences or by time slices.
    pub budgeting: Budgeting,
    /// One or more targets over the indicator.
    pub objectives: Vec<Objective>,
    /// The SLA this SLO protects, by name (within the service).
    pub sla: Option<String>,
    /// The error budget policy that gives the SLO consequences, by name.
    pub policy: Option<String>,
    /// Burn-rate alerting.
    pub alerting: Alerting,
    /// Who owns it and who approved it (executive buy-in).
    pub ownership: Ownership,
    /// When it was last reviewed and how often it must be.
    pub review: Review,
    /// Free-form labels, copied to generated rules and alerts.
    pub labels: Labels,
    /// Free-form annotations.
    pub annotations: Labels,
    /// Periods removed from both good and valid events (maintenance windows).
    pub exclusions: Vec<Exclusion>,
    /// When its data counts as stale and what the gate does then; the service's default
    /// (then [`NoData::default`]) when absent.
    pub no_data: Option<NoData>,
}

/// What an SLO measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Indicator {
    /// A single SLI, written inline or referred to by name.
    Sli(SliRef),
    /// A weighted combination of other objectives.
    Composite(Composite),
}

/// An SLI written inline, or a reference to a named SLI (resolved after loading).
#[derive(Clone, Debug, PartialEq)]
pub enum SliRef {
    /// Defined in place.
    Inline(Box<Sli>),
    /// Defined elsewhere under this name. After resolution `resolved` holds a copy.
    Named {
        /// The referenced SLI's name.
        name: String,
        /// The SLI, once references are resolved.
        resolved: Option<Box<Sli>>,
    },
}

impl SliRef {
    /// The SLI, when inline or resolved.
    pub fn get(&self) -> Option<&Sli> {
        match self {
            SliRef::Inline(sli) => Some(sli),
            SliRef::Named { resolved, .. } => resolved.as_deref(),
        }
    }
}

/// A composite SLO's members.
#[derive(Clone, Debug, PartialEq)]
pub struct Composite {
    /// The weighted members.
    pub members: Vec<CompositeMember>,
}

/// One member of a composite SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct CompositeMember {
    /// Where it was written.
    pub origin: Origin,
    /// Name of the member, unique within the composite.
    pub name: String,
    /// Relative weight (OpenSLO `compositeWeight`), 1 by default.
    pub weight: f64,
    /// What the member measures.
    pub source: MemberSource,
}

/// Where a composite member's indicator and target come from.
#[derive(Clone, Debug, PartialEq)]
pub enum MemberSource {
    /// Another SLO (and one of its objectives), by name.
    Slo {
        /// Its service; the composite's own service when absent.
        service: Option<String>,
        /// The SLO's name.
        slo: String,
        /// The objective's name; the SLO's only objective when absent.
        objective: Option<String>,
    },
    /// An indicator and objective of its own (OpenSLO composite objectives).
    Indicator {
        /// The indicator.
        sli: SliRef,
        /// The member's target (and slice target, threshold).
        objective: Box<Objective>,
    },
}

/// How an objective's budget is counted.
#[derive(Clone, Debug, PartialEq)]
pub enum Budgeting {
    /// Each event counts: SLI = good events / valid events.
    Occurrences,
    /// The window is cut into slices; a slice is good when its own ratio meets the
    /// objective's slice target (or the threshold holds). SLI = good slices / slices.
    Timeslices {
        /// Length of one slice.
        slice: Duration,
    },
    /// SLI = the mean of per-slice ratios.
    RatioTimeslices {
        /// Length of one slice.
        slice: Duration,
    },
}

impl Budgeting {
    /// The spec word: `occurrences`, `timeslices`, `ratio-timeslices`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Budgeting::Occurrences => "occurrences",
            Budgeting::Timeslices { .. } => "timeslices",
            Budgeting::RatioTimeslices { .. } => "ratio-timeslices",
        }
    }
    /// The slice length for time-slice methods.
    pub fn slice(&self) -> Option<Duration> {
        match self {
            Budgeting::Occurrences => None,
            Budgeting::Timeslices { slice } | Budgeting::RatioTimeslices { slice } => Some(*slice),
        }
    }
    /// True when two methods are the same kind, ignoring slice lengths.
    pub fn same_method(&self, other: &Budgeting) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// One target over an SLO's indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// Where it was written.
    pub origin: Origin,
    /// Name, unique within the SLO (`default` for a single unnamed objective).
    pub name: String,
    /// Human title.
    pub display_name: Option<String>,
    /// The achievable target, strictly between 0% and 100%.
    pub target: Ratio,
    /// The aspirational target the business wants: tracked, never acted on.
    pub aspirational: Option<Ratio>,
    /// For threshold and latency SLIs, this objective's own bound (OpenSLO `op`/`value`).
    pub threshold: Option<ObjectiveThreshold>,
    /// For time-slice budgeting, the share of a slice's events that must be good for the
    /// slice to be good (OpenSLO `timeSliceTarget`).
    pub slice_target: Option<Ratio>,
}

/// An objective's own bound for threshold SLIs.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveThreshold {
    /// The comparison.
    pub op: crate::model::Op,
    /// The bound; for latency SLIs, in seconds.
    pub value: f64,
}

/// The name of the single objective of an SLO written with a plain `target:`.
pub const DEFAULT_OBJECTIVE: &str = "default";

impl Objective {
    /// An objective named `name` with `target`.
    pub fn new(name: impl Into<String>, target: Ratio) -> Self {
        Objective {
            origin: Origin::default(),
            name: name.into(),
            display_name: None,
            target,
            aspirational: None,
            threshold: None,
            slice_target: None,
        }
    }
}

impl Slo {
    /// `service/slo`, the name used in URLs, counts files and messages.
    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.service, self.name)
    }
    /// The SLI of a non-composite SLO, once resolved.
    pub fn sli(&self) -> Option<&Sli> {
        match &self.indicator {
            Indicator::Sli(sli) => sli.get(),
            Indicator::Composite(_) => None,
        }
    }
    /// An objective by name.
    pub fn objective(&self, name: &str) -> Option<&Objective> {
        self.objectives
            .iter()
            .find(|objective| objective.name == name)
    }
    /// The SLI's name: a named SLI's own, or the SLO's name for an inline SLI.
    pub fn sli_name(&self) -> &str {
        match &self.indicator {
            Indicator::Sli(SliRef::Named { name, .. }) => name,
            Indicator::Sli(SliRef::Inline(sli)) => sli.name.as_deref().unwrap_or(&self.name),
            Indicator::Composite(_) => &self.name,
        }
    }
    /// The series key of a composite's indicator member: `service/slo/member`.
    pub fn member_series_key(&self, member: &str) -> String {
        format!("{}/{}/{member}", self.service, self.name)
    }

    /// The key under which an objective's counts are stored and looked up:
    /// `service/sli` when the objective uses the SLI as it is (SLOs sharing a named SLI
    /// share its counts), `service/sli/objective` when the objective brings its own
    /// threshold (each threshold has its own good count).
    pub fn series_key(&self, objective: &Objective) -> String {
        if objective.threshold.is_some() {
            format!("{}/{}/{}", self.service, self.sli_name(), objective.name)
        } else {
            format!("{}/{}", self.service, self.sli_name())
        }
    }
}
