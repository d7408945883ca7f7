//! Alerting for nines, a room the server mounts: alerts evaluated every interval and kept
//! as instances with a state machine, notifications committed to an outbox in the store
//! before they are sent, and delivery to the targets the specs name.
//!
//! - [`notification`]: the one event schema every target receives in its own format
//!   (alert firing or resolved, policy state changed, review overdue), with a stable id
//!   receivers de-duplicate on.
//! - [`sink`]: the contract between evaluation and delivery ([`NotificationSink`]), and
//!   [`NullSink`], which routes to nothing.

#![deny(missing_docs)]

pub mod deliver;
pub mod notification;
pub mod outbox;
pub mod routing;
pub mod secret;
pub mod sink;
pub mod targets;

pub use notification::{
    AlertInfo, Event, Notification, PolicyChange, ReviewReminder, SCHEMA_VERSION,
};
pub use outbox::{Delivery, DeliveryConfig, DeliveryError, RecordStore};
pub use sink::{NotificationSink, NullSink};
