//! Budget exclusions: periods whose events count neither as good nor as valid.

use crate::Duration;
use crate::model::Origin;

/// A period removed from the budget, such as a planned maintenance window.
#[derive(Clone, Debug, PartialEq)]
pub struct Exclusion {
    /// Where it was written.
    pub origin: Origin,
    /// Name, for reports.
    pub name: String,
    /// Why it is excluded (recorded for audits).
    pub reason: Option<String>,
    /// When.
    pub schedule: Schedule,
}

/// When an exclusion applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// Once, from `start` (inclusive) to `end` (exclusive).
    Once {
        /// Start.
        start: jiff::Timestamp,
        /// End.
        end: jiff::Timestamp,
    },
    /// Repeatedly, at a local time in a zone.
    Recurring {
        /// How often.
        every: Recurrence,
        /// Local start time.
        at: jiff::civil::Time,
        /// How long each occurrence lasts.
        duration: Duration,
        /// IANA time zone of `at`.
        zone: String,
    },
}

/// How often a recurring exclusion repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recurrence {
    /// Every day.
    Daily,
    /// Every week on this day.
    Weekly(jiff::civil::Weekday),
    /// Every month on this day of the month (1–28 so every month has it).
    Monthly(i8),
}
