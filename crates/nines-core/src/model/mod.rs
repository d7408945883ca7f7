//! The SLO model shared by every spec format, the engine, the store and the backends.
//!
//! Formats decode into these types; nothing here knows about YAML, files or HTTP. Every
//! item keeps an [`Origin`] so rules can point at where it was written.

mod alerting;
mod catalog;
mod exclusion;
mod no_data;
mod origin;
mod people;
mod policy;
mod sla;
mod sli;
mod slo;
mod window;

use std::collections::BTreeMap;

pub use alerting::{Alerting, BurnRateWindow, BurnThreshold, NoDataAlert};
pub use catalog::{
    Catalog, DataSource, MeasuredSeries, NotificationTarget, SecretSource, Service, SmtpTls,
    TargetDelivery,
};
pub use exclusion::{Exclusion, Recurrence, Schedule};
pub use no_data::{DEFAULT_STALE_AFTER, NoData, NoDataGate};
pub use origin::{Location, Origin};
pub use people::{Approval, DEFAULT_REVIEW_INTERVAL, Ownership, Review};
pub use policy::{Action, Condition, ErrorBudgetPolicy, PolicyState};
pub use sla::{CreditTier, Sla};
pub use sli::{
    Counted, EventSource, ExternalSource, FieldUnit, Op, PromQuery, PrometheusSource, RawKind, Sli,
    SliKind, is_selector,
};
pub use slo::{
    Budgeting, Composite, CompositeMember, DEFAULT_OBJECTIVE, Indicator, MemberSource, Objective,
    ObjectiveThreshold, SliRef, Slo,
};
pub use window::{CalendarUnit, DEFAULT_CALENDAR_ANCHOR, Window, significant_anchor};

/// Labels and annotations: sorted so output is stable.
pub type Labels = BTreeMap<String, String>;
