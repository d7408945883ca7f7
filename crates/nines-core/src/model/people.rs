//! Ownership, approvals and reviews: the seed's "executive buy-in" and "re-reviewed".

use crate::Duration;

/// Who owns an SLO and who approved it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ownership {
    /// The owning team or person.
    pub owner: Option<String>,
    /// Approvals, ideally including someone with authority over priorities.
    pub approvers: Vec<Approval>,
}

/// One approval.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    /// Who approved.
    pub name: String,
    /// Their role (`VP Engineering`), which shows the buy-in's weight.
    pub role: Option<String>,
    /// When they approved.
    pub date: Option<jiff::civil::Date>,
}

/// When an SLO was last reviewed and how often it must be.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// Date of the last review.
    pub last_reviewed: Option<jiff::civil::Date>,
    /// Longest time between reviews; one year by default.
    pub interval: Duration,
}

/// The seed: an SLO "should change at most within a year".
pub const DEFAULT_REVIEW_INTERVAL: Duration = Duration::from_days(365);

impl Default for Review {
    fn default() -> Self {
        Review {
            last_reviewed: None,
            interval: DEFAULT_REVIEW_INTERVAL,
        }
    }
}

impl Review {
    /// The date the next review is due, if a last review is known.
    pub fn due(&self) -> Option<jiff::civil::Date> {
        let days = i64::try_from(self.interval.as_secs() / 86_400).unwrap_or(i64::MAX);
        self.last_reviewed.and_then(|date| {
            date.checked_add(jiff::Span::new().days(days.min(3_650_000)))
                .ok()
        })
    }
    /// True when the review is overdue on `today`.
    pub fn is_overdue(&self, today: jiff::civil::Date) -> bool {
        self.due().is_some_and(|due| due < today)
    }
}
