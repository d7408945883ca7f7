//! SLO and SLA windows: rolling (the last 28 days) or calendar (this month, in a zone).

use std::fmt;

use crate::Duration;

/// The period over which an objective is measured.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    /// The last `length` up to the evaluation time; a whole number of minutes.
    Rolling {
        /// Length of the window.
        length: Duration,
    },
    /// Calendar periods (this week, this month...) in a time zone, restarting at each
    /// period boundary. `count` periods make one window (two-week sprints, say), counted
    /// from `anchor` when given.
    Calendar {
        /// Week, month, quarter or year.
        unit: CalendarUnit,
        /// Units per window, normally 1.
        count: u32,
        /// IANA time zone name such as `Europe/Paris`; `UTC` by default.
        zone: String,
        /// Start of one period, for multi-unit windows (OpenSLO's `calendar.startTime`).
        anchor: Option<jiff::civil::DateTime>,
    },
}

/// Units of calendar windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarUnit {
    /// ISO week, starting on Monday.
    Week,
    /// Calendar month.
    Month,
    /// Calendar quarter (January, April, July, October).
    Quarter,
    /// Calendar year.
    Year,
}

/// Where periods of a multi-period calendar window start counting when the spec gives no
/// anchor: Monday 2024-01-01 00:00, which also starts a month, a quarter and a year.
pub const DEFAULT_CALENDAR_ANCHOR: jiff::civil::DateTime =
    jiff::civil::date(2024, 1, 1).at(0, 0, 0, 0);

impl CalendarUnit {
    /// The word used in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarUnit::Week => "week",
            CalendarUnit::Month => "month",
            CalendarUnit::Quarter => "quarter",
            CalendarUnit::Year => "year",
        }
    }
    /// Parses `week`, `month`, `quarter`, `year` (also `weekly`, `monthly`, ...).
    pub fn parse(word: &str) -> Option<CalendarUnit> {
        match word.trim().to_ascii_lowercase().as_str() {
            "week" | "weekly" | "calendar week" => Some(CalendarUnit::Week),
            "month" | "monthly" | "calendar month" => Some(CalendarUnit::Month),
            "quarter" | "quarterly" | "calendar quarter" => Some(CalendarUnit::Quarter),
            "year" | "yearly" | "annual" | "calendar year" => Some(CalendarUnit::Year),
            _ => None,
        }
    }
    /// True when `start` is where a period of this unit naturally begins (Monday 00:00,
    /// the 1st of a month or quarter, January 1st): an anchor there changes nothing.
    pub fn is_period_start(self, start: jiff::civil::DateTime) -> bool {
        let midnight = start.time() == jiff::civil::Time::midnight();
        midnight
            && match self {
                CalendarUnit::Week => start.weekday() == jiff::civil::Weekday::Monday,
                CalendarUnit::Month => start.day() == 1,
                CalendarUnit::Quarter => start.day() == 1 && (start.month() - 1) % 3 == 0,
                CalendarUnit::Year => start.day() == 1 && start.month() == 1,
            }
    }
    /// A typical length, used where one number must stand for the period (burn-rate
    /// factors in generated rules): 7, 30, 91 and 365 days.
    pub fn nominal_length(self) -> Duration {
        match self {
            CalendarUnit::Week => Duration::from_days(7),
            CalendarUnit::Month => Duration::from_days(30),
            CalendarUnit::Quarter => Duration::from_days(91),
            CalendarUnit::Year => Duration::from_days(365),
        }
    }
    /// The longest a period can be (31-day month, 92-day quarter, 366-day year, plus an
    /// hour for a DST change): what retention must cover.
    pub fn longest_length(self) -> Duration {
        let hour = Duration::from_hours(1);
        match self {
            CalendarUnit::Week => Duration::from_days(7).saturating_add(hour),
            CalendarUnit::Month => Duration::from_days(31).saturating_add(hour),
            CalendarUnit::Quarter => Duration::from_days(92).saturating_add(hour),
            CalendarUnit::Year => Duration::from_days(366).saturating_add(hour),
        }
    }
}

/// The anchor to keep for a calendar window of `count` `unit`s starting at `start`:
/// `None` when it changes nothing (a natural period start for single periods, or the
/// default anchor), so equal windows compare equal however they were written.
pub fn significant_anchor(
    unit: CalendarUnit,
    count: u32,
    start: jiff::civil::DateTime,
) -> Option<jiff::civil::DateTime> {
    let redundant = (count == 1 && unit.is_period_start(start)) || start == DEFAULT_CALENDAR_ANCHOR;
    (!redundant).then_some(start)
}

impl Window {
    /// A rolling window of `length`.
    pub fn rolling(length: Duration) -> Self {
        Window::Rolling { length }
    }
    /// One calendar `unit` in `zone`.
    pub fn calendar(unit: CalendarUnit, zone: impl Into<String>) -> Self {
        Window::Calendar {
            unit,
            count: 1,
            zone: zone.into(),
            anchor: None,
        }
    }
    /// A single number for the window's length: exact for rolling windows, typical for
    /// calendar ones (see [`CalendarUnit::nominal_length`]).
    pub fn nominal_length(&self) -> Duration {
        match self {
            Window::Rolling { length } => *length,
            Window::Calendar { unit, count, .. } => {
                unit.nominal_length().saturating_mul(u64::from(*count))
            }
        }
    }
    /// The longest this window can be, for retention.
    pub fn longest_length(&self) -> Duration {
        match self {
            Window::Rolling { length } => *length,
            Window::Calendar { unit, count, .. } => {
                unit.longest_length().saturating_mul(u64::from(*count))
            }
        }
    }
    /// True for calendar windows.
    pub fn is_calendar(&self) -> bool {
        matches!(self, Window::Calendar { .. })
    }
}

impl fmt::Display for Window {
    /// `28d` or `calendar month (Europe/Paris)`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Rolling { length } => write!(formatter, "{length}"),
            Window::Calendar {
                unit, count, zone, ..
            } => {
                if *count == 1 {
                    write!(formatter, "calendar {} ({zone})", unit.as_str())
                } else {
                    write!(formatter, "{count} calendar {}s ({zone})", unit.as_str())
                }
            }
        }
    }
}
