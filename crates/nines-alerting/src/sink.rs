//! The contract between alert evaluation and delivery: the evaluator hands every
//! notification to a [`NotificationSink`] while it builds its one commit, so a state change
//! and its outbox records land in the store together; delivery sends once that commit
//! succeeded.

use nines_core::model::Catalog;
use nines_store::RecordOp;

use crate::notification::Notification;

/// Where notifications go: delivery's outbox and senders, or nowhere ([`NullSink`]).
pub trait NotificationSink: Send + Sync + std::fmt::Debug {
    /// Adds to `ops` the outbox records for `notification` (one per target it routes to).
    /// Called while the evaluation builds its one commit, so state change and outbox land
    /// together.
    fn enqueue(&self, notification: &Notification, catalog: &Catalog, ops: &mut Vec<RecordOp>);
    /// Called after that commit succeeded: the sender may send.
    fn committed(&self);
    /// After each evaluation: every alert firing now, as alert_firing notifications with
    /// their original ids (Alertmanager targets re-send them every resend interval, as
    /// Prometheus does).
    fn firing(&self, alerts: &[Notification]);
    /// What delivery wants shown in /api/v1/status (pending, sent, failed, dropped
    /// counts...).
    fn status(&self) -> serde_json::Value;
}

/// A sink that routes to nothing: for tests and for runs without notification targets.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullSink;

impl NotificationSink for NullSink {
    fn enqueue(&self, _notification: &Notification, _catalog: &Catalog, _ops: &mut Vec<RecordOp>) {}

    fn committed(&self) {}

    fn firing(&self, _alerts: &[Notification]) {}

    fn status(&self) -> serde_json::Value {
        serde_json::json!({ "targets": 0, "note": "no notification targets: nothing is sent" })
    }
}
