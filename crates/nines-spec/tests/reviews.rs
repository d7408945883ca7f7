//! Review intervals as reviews are spoken of (issue 8.14): months and quarters.

use nines_core::Duration;
use nines_spec::{Source, load_sources, validate_loaded};

fn service(every: &str) -> nines_spec::Validation {
    let text = format!(
        "apiVersion: nines/v1\nkind: Service\nname: api\nowner: team-api\nreview:\n  last: 2026-06-01\n  every: {every}\nslos:\n  - name: a\n    window: 28d\n    target: 99%\n    sli:\n      events:\n        good: \"status < 500\"\n"
    );
    validate_loaded(
        load_sources(&[Source {
            name: "api.yaml".into(),
            text,
        }]),
        jiff::civil::date(2026, 11, 29),
    )
}

fn interval(every: &str) -> Duration {
    let validation = service(every);
    let errors: Vec<_> = validation.errors().collect();
    assert!(errors.is_empty(), "{every}: {errors:?}");
    validation.loaded.catalog.services[0].review.interval
}

// issue 8.14: `review.every: 6mo` was refused.
#[test]
fn months_quarters_and_years_are_accepted() {
    let year = Duration::from_days(365);
    assert_eq!(interval("6mo"), year.div(2));
    assert_eq!(interval("6M"), year.div(2));
    assert_eq!(interval("1q"), year.div(4));
    assert_eq!(interval("1Q"), year.div(4));
    assert_eq!(interval("1Y"), year);
    assert_eq!(interval("12mo"), interval("1y"));
    assert_eq!(interval("4q"), interval("1y"));
    assert_eq!(interval("180d"), Duration::from_days(180));
}

// A review last done on 2026-06-01 every quarter is overdue on 2026-11-29; every 6 months
// (due about 2026-12-01) it is not yet.
#[test]
fn month_intervals_decide_overdue_reviews() {
    let overdue = |every: &str| {
        service(every)
            .warnings()
            .any(|warning| warning.rule == "review-overdue")
    };
    assert!(overdue("1q"));
    assert!(!overdue("6mo"));
}

#[test]
fn other_units_are_refused_clearly() {
    for every in ["6 weeks", "6mon", "0mo", "q"] {
        let validation = service(every);
        let error = validation
            .errors()
            .find(|error| error.rule == "invalid-duration")
            .unwrap_or_else(|| panic!("{every}: {:?}", validation.diagnostics));
        assert_eq!(error.location.line, 7, "{every}");
    }
}
