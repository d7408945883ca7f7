//! What the fuzz targets share: a small fixed catalog, a fixed clock, and the one
//! spec-loading harness the four spec targets run (each on its own format's corpus).

use std::sync::OnceLock;

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_spec::{Source, load_sources};
use nines_store::ingest::Window;

/// 2026-11-29T12:00:00Z: the fixed "now" of every target, so runs replay exactly.
pub const NOW: i64 = 1_795_953_600_000;

/// A catalog with an events SLI, a latency SLI (histogram and events field) and a
/// Prometheus ratio, so that events, counts and remote write all have series to match.
const SPEC: &str = r#"
apiVersion: nines/v1
name: shop
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/checkout" && method in ["POST", "PUT"]
        good: status < 500
      prometheus:
        valid: http_requests_total{job="shop"}
        bad: http_requests_total{job="shop",code=~"5.."}
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route.startsWith("/checkout")
        field: duration_seconds
      prometheus:
        histogram: http_request_duration_seconds{job="shop"}
"#;

/// The fixed catalog, loaded once per process.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let loaded = load_sources(&[Source {
            name: "shop.yaml".into(),
            text: SPEC.into(),
        }]);
        assert!(
            loaded
                .diagnostics
                .iter()
                .all(|diagnostic| diagnostic.severity != nines_spec::Severity::Error),
            "the fuzz catalog does not load: {:?}",
            loaded.diagnostics
        );
        loaded.catalog
    })
}

/// The store's default acceptance window around [`NOW`].
pub fn window() -> Window {
    Window {
        received: NOW,
        lateness: Duration::from_hours(1),
        future_skew: Duration::from_minutes(5),
        resolution: Duration::from_minutes(1),
    }
}

/// Loads `data` as one spec file the way `nines validate` does (load, resolve, lint),
/// then converts what loaded to both output formats. Any panic, stack overflow, hang or
/// runaway allocation is a finding; diagnostics are the expected outcome of bad input.
pub fn load_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = load_sources(&[Source {
        name: "fuzz.yaml".into(),
        text: text.to_string(),
    }]);
    let today = jiff::civil::date(2026, 11, 29);
    let validation = nines_spec::validate_loaded(loaded, today);
    if validation.is_valid() {
        let catalog = &validation.loaded.catalog;
        for target in [
            nines_spec::convert::Target::Native,
            nines_spec::convert::Target::OpenSlo,
        ] {
            let _ = nines_spec::convert::convert(catalog, target).render();
        }
    }
}
