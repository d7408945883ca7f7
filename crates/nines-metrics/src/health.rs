//! nines' own health: requests by route and code, records ingested by outcome, request
//! and evaluation latency, reloads, and the gauges the server reads at scrape time
//! (store size, notification queue).
//!
//! Cardinality is bounded by construction: routes are the server's matched patterns
//! (`/api/v1/slos/{service}/{slo}`, `(none)` for no route), codes are HTTP statuses,
//! endpoints and outcomes are fixed words.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::exposition::{Encoder, Kind};

/// Bucket bounds of the latency histograms, in seconds: from a millisecond (a small
/// batch) to ten seconds (past any request timeout nines sets).
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram with [`LATENCY_BUCKETS`].
#[derive(Clone, Debug, Default)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when written).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(index) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[index] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn write(&self, encoder: &mut Encoder, labels: &[(&str, &str)]) {
        let mut cumulative = 0;
        for (bound, count) in LATENCY_BUCKETS.iter().zip(self.buckets) {
            cumulative += count;
            let mut le = String::new();
            crate::exposition::write_number(&mut le, *bound);
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            encoder.sample_suffixed("_bucket", &with_le, cumulative as f64);
        }
        let mut with_le = labels.to_vec();
        with_le.push(("le", "+Inf"));
        encoder.sample_suffixed("_bucket", &with_le, self.count as f64);
        encoder.sample_suffixed("_sum", labels, self.sum);
        encoder.sample_suffixed("_count", labels, self.count as f64);
    }
}

/// What happened to ingested records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Committed to the store.
    Accepted,
    /// In a batch that was refused (nothing of it was kept).
    Refused,
    /// In a batch whose idempotency key was already applied (counted once before).
    Duplicate,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Refused => "refused",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// The server's counters, shared by every request.
#[derive(Debug, Default)]
pub struct Health {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
    batches: Mutex<BTreeMap<(&'static str, Outcome), u64>>,
    records: Mutex<BTreeMap<(&'static str, Outcome), u64>>,
    evaluations: Mutex<Histogram>,
    reloads_ok: AtomicU64,
    reloads_refused: AtomicU64,
}

/// Values the server reads when it is scraped.
#[derive(Clone, Debug, Default)]
pub struct Gauges {
    /// Bytes of the store's file, when there is a store.
    pub store_disk_bytes: Option<u64>,
    /// Notifications waiting in the outbox, when alerting runs.
    pub notifications_pending: Option<u64>,
    /// Alerts firing after the last evaluation, when alerting runs.
    pub alerts_firing: Option<u64>,
    /// Objectives in the specs in force.
    pub objectives: usize,
    /// When the specs in force were loaded, seconds since the epoch.
    pub specs_loaded_seconds: Option<f64>,
    /// When the process started, seconds since the epoch.
    pub start_seconds: f64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl Health {
    /// Counts one answered request of `route` (the matched pattern) with `status`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        *lock(&self.requests)
            .entry((route.to_string(), status))
            .or_default() += 1;
        lock(&self.durations)
            .entry(route.to_string())
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one ingestion batch of `records` records (events, samples, count rows) on
    /// `endpoint` (`events`, `counts`, `write`, `backfill`).
    pub fn ingested(&self, endpoint: &'static str, outcome: Outcome, records: u64) {
        *lock(&self.batches).entry((endpoint, outcome)).or_default() += 1;
        *lock(&self.records).entry((endpoint, outcome)).or_default() += records;
    }

    /// Notes one evaluation of every SLO (for alerting or a scrape) and how long it took.
    pub fn evaluated(&self, elapsed: Duration) {
        lock(&self.evaluations).observe(elapsed.as_secs_f64());
    }

    /// Counts a spec reload.
    pub fn reloaded(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the health families.
    pub fn render(&self, encoder: &mut Encoder, gauges: &Gauges) {
        encoder.family("nines_build", Kind::Info, "The running nines' version.");
        encoder.sample(&[("version", env!("CARGO_PKG_VERSION"))], 1.0);
        encoder.family(
            "nines_start_time_seconds",
            Kind::Gauge,
            "When the process started, seconds since the epoch.",
        );
        encoder.sample(&[], gauges.start_seconds);
        encoder.family(
            "nines_http_requests",
            Kind::Counter,
            "HTTP requests answered, by matched route and status code.",
        );
        for ((route, code), count) in lock(&self.requests).iter() {
            let code = code.to_string();
            encoder.sample(&[("route", route), ("code", &code)], *count as f64);
        }
        encoder.family(
            "nines_http_request_duration_seconds",
            Kind::Histogram,
            "Time to answer an HTTP request (for ingestion routes, a whole batch: read, parse, fsynced commit), by matched route.",
        );
        for (route, histogram) in lock(&self.durations).iter() {
            histogram.write(encoder, &[("route", route)]);
        }
        encoder.family(
            "nines_ingest_batches",
            Kind::Counter,
            "Ingestion batches by endpoint and outcome (a refused batch changes nothing).",
        );
        for ((endpoint, outcome), count) in lock(&self.batches).iter() {
            encoder.sample(
                &[("endpoint", endpoint), ("outcome", outcome.as_str())],
                *count as f64,
            );
        }
        encoder.family(
            "nines_ingest_records",
            Kind::Counter,
            "Records (events, remote-write samples, count rows) in ingestion batches, by endpoint and outcome.",
        );
        for ((endpoint, outcome), count) in lock(&self.records).iter() {
            encoder.sample(
                &[("endpoint", endpoint), ("outcome", outcome.as_str())],
                *count as f64,
            );
        }
        encoder.family(
            "nines_evaluation_duration_seconds",
            Kind::Histogram,
            "Time to evaluate every SLO once (statuses for a scrape or for alerting).",
        );
        lock(&self.evaluations).write(encoder, &[]);
        encoder.family(
            "nines_spec_reloads",
            Kind::Counter,
            "Spec reloads (SIGHUP or POST /-/reload) by outcome; a refused reload keeps the running specs.",
        );
        encoder.sample(
            &[("outcome", "ok")],
            self.reloads_ok.load(Ordering::Relaxed) as f64,
        );
        encoder.sample(
            &[("outcome", "refused")],
            self.reloads_refused.load(Ordering::Relaxed) as f64,
        );
        encoder.family(
            "nines_objectives",
            Kind::Gauge,
            "Objectives in the specs in force.",
        );
        encoder.sample(&[], gauges.objectives as f64);
        if let Some(loaded) = gauges.specs_loaded_seconds {
            encoder.family(
                "nines_specs_loaded_timestamp_seconds",
                Kind::Gauge,
                "When the specs in force were loaded.",
            );
            encoder.sample(&[], loaded);
        }
        if let Some(bytes) = gauges.store_disk_bytes {
            encoder.family(
                "nines_store_disk_bytes",
                Kind::Gauge,
                "Bytes of the store's file on disk.",
            );
            encoder.sample(&[], bytes as f64);
        }
        if let Some(firing) = gauges.alerts_firing {
            encoder.family(
                "nines_alerts_firing",
                Kind::Gauge,
                "Alerts firing after the last alert evaluation.",
            );
            encoder.sample(&[], firing as f64);
        }
        if let Some(pending) = gauges.notifications_pending {
            encoder.family(
                "nines_notifications_pending",
                Kind::Gauge,
                "Notifications committed to the outbox and not yet delivered.",
            );
            encoder.sample(&[], pending as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::Format;

    #[test]
    fn histograms_are_cumulative_and_end_with_inf() {
        let health = Health::default();
        health.request("/api/v1/events", 200, Duration::from_millis(3));
        health.request("/api/v1/events", 200, Duration::from_millis(30));
        health.request("/api/v1/events", 400, Duration::from_secs(20));
        let mut encoder = Encoder::new(Format::Text);
        health.render(&mut encoder, &Gauges::default());
        let text = encoder.finish();
        assert!(
            text.contains("nines_http_requests_total{route=\"/api/v1/events\",code=\"200\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("nines_http_request_duration_seconds_bucket{route=\"/api/v1/events\",le=\"0.005\"} 1\n"), "{text}");
        assert!(text.contains("nines_http_request_duration_seconds_bucket{route=\"/api/v1/events\",le=\"0.05\"} 2\n"), "{text}");
        assert!(
            text.contains(
                "nines_http_request_duration_seconds_bucket{route=\"/api/v1/events\",le=\"10\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("nines_http_request_duration_seconds_bucket{route=\"/api/v1/events\",le=\"+Inf\"} 3\n"), "{text}");
        assert!(
            text.contains(
                "nines_http_request_duration_seconds_count{route=\"/api/v1/events\"} 3\n"
            ),
            "{text}"
        );
    }
}
