//! Alerting for nines, a room the server mounts: alerts evaluated every interval and kept
//! as instances with a state machine, notifications committed to an outbox in the store
//! before they are sent, and delivery to the targets the specs name.
//!
//! - [`notification`]: the one event schema every target receives in its own format
//!   (alert firing or resolved, policy state changed, review overdue), with a stable id
//!   receivers de-duplicate on.
//! - [`sink`]: the contract between evaluation and delivery ([`NotificationSink`]), and
//!   [`NullSink`], which routes to nothing.
//! - [`evaluate`]: the [`Evaluator`]: the engine's statuses in, the alert state machine
//!   (`nines_core::alerts`) stepped, one commit of instances, history, marks and outbox.
//! - [`state`], [`history`]: how the alert state and its history sit in the store.
//! - [`api`]: `GET /api/v1/alerts` and `GET /api/v1/alerts/history`, a router the server
//!   mounts behind its read token.
//! - Delivery, the [`Delivery`] sink: [`outbox`] (records committed with the state change,
//!   the sender with retries, backoff, bounds and status), [`routing`] (which targets get a
//!   notification), [`targets`] and [`secret`] (destinations, secrets read when sending),
//!   [`deliver`] (one renderer per kind: Alertmanager, webhook, Slack, PagerDuty, e-mail).
//!   `docs/alerting.md`.

#![deny(missing_docs)]

pub mod api;
pub mod deliver;
pub mod evaluate;
mod evaluate_notifications;
pub mod history;
pub mod notification;
pub mod outbox;
pub mod routing;
pub mod secret;
pub mod sink;
pub mod state;
pub mod targets;

pub use evaluate::{Committed, Evaluator, Outcome, Settings};
pub use evaluate_notifications::{alert_notification_id, duration_in_words};
pub use history::HistoryEntry;
pub use notification::{
    AlertInfo, Event, Notification, PolicyChange, ReviewReminder, SCHEMA_VERSION,
};
pub use outbox::{Delivery, DeliveryConfig, DeliveryError, RecordStore};
pub use sink::{NotificationSink, NullSink};
pub use state::StateError;
