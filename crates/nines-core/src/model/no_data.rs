//! What an SLO without current data means: when its counts count as stale, and whether
//! the release gate lets changes through meanwhile.
//!
//! A broken pipeline must not look healthy: with no data for longer than `after` (or
//! none at all), the engine reports the SLO as stale or without data, the policy shows
//! that instead of its fallback state, and the gate refuses unless the spec says
//! `gate: allow` (issue 8.5).

use crate::Duration;

/// How long an SLO may go without data before it counts as stale, by default. An hour:
/// longer than any export interval or scrape gap a working pipeline shows, short enough
/// that a release after a broken deploy of the pipeline is caught the same morning.
/// Services with a few events an hour (or exports less often than hourly) raise it with
/// `noData: {after: ...}`.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_hours(1);

/// What the release gate does for an SLO without current data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NoDataGate {
    /// Refuse changes until data arrives again (the default: unknown is not healthy).
    #[default]
    Freeze,
    /// Let changes through (the SLO is reported as without data all the same).
    Allow,
}

impl NoDataGate {
    /// The spelling in specs: `freeze`, `allow`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoDataGate::Freeze => "freeze",
            NoDataGate::Allow => "allow",
        }
    }
}

/// An SLO's (or a service's default) rule for missing data: `noData: {after: 1h, gate:
/// freeze}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoData {
    /// Without data for longer than this, the SLO's data is stale.
    pub after: Duration,
    /// What the gate does meanwhile.
    pub gate: NoDataGate,
}

impl Default for NoData {
    fn default() -> Self {
        NoData {
            after: DEFAULT_STALE_AFTER,
            gate: NoDataGate::Freeze,
        }
    }
}
