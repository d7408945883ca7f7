use nines_core::model::{Catalog, Objective, Origin, Service, Sli, SliKind, SliRef, Slo, Window};
use nines_core::source::{DataSource, TimeRange};
use nines_core::{Duration, Ratio};

use super::*;

fn slo(service: &str, name: &str) -> Slo {
    Slo {
        origin: Origin::default(),
        service: service.into(),
        name: name.into(),
        display_name: None,
        description: None,
        indicator: Indicator::Sli(SliRef::Inline(Box::new(Sli::new(SliKind::Ratio {
            counted: nines_core::model::Counted::Good,
        })))),
        window: Window::rolling(Duration::from_days(28)),
        budgeting: nines_core::model::Budgeting::Occurrences,
        objectives: vec![Objective::new("default", Ratio::from_fraction(0.99))],
        sla: None,
        policy: None,
        alerting: Default::default(),
        ownership: Default::default(),
        review: Default::default(),
        labels: Default::default(),
        annotations: Default::default(),
        exclusions: Vec::new(),
        no_data: None,
    }
}

fn catalog() -> Catalog {
    Catalog {
        services: vec![Service::new("checkout"), Service::new("search")],
        slos: vec![
            slo("checkout", "availability"),
            slo("checkout", "latency"),
            slo("search", "latency"),
        ],
        ..Catalog::default()
    }
}

#[test]
fn reads_csv_in_any_column_order_and_row_order() {
    let names = SeriesNames::new(&catalog());
    let text = "sli,valid,timestamp,bad\ncheckout/availability,100,2026-11-01T00:05:00Z,3\navailability,50,1793491200,0\n";
    let rows = parse_csv("c.csv", text, &names).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].series, "checkout/availability");
    assert_eq!((rows[0].good, rows[0].valid), (97, 100));
    assert_eq!(rows[1].at, 1_793_491_200_000);
}

#[test]
fn reads_ndjson_and_json_arrays() {
    let names = SeriesNames::new(&catalog());
    let text = "{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":9,\"valid\":10}\n\n{\"ts\":1793491200000,\"sli\":\"checkout/latency\",\"bad\":1,\"total\":4}\n";
    let rows = parse_ndjson("c.ndjson", text, &names).unwrap();
    assert_eq!(
        rows[1],
        Row {
            at: 1_793_491_200_000,
            series: "checkout/latency".into(),
            good: 3,
            valid: 4,
            line: 3,
        }
    );
    let array = parse("c.json", "[{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":1,\"valid\":1}]", &names).unwrap();
    assert_eq!(array.len(), 1);
}

#[test]
fn bad_rows_name_their_line_and_reason() {
    let names = SeriesNames::new(&catalog());
    let cases = [
        (
            "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,checkout/availability,5,4\n",
            2,
            "good (5) exceeds valid (4)",
        ),
        (
            "timestamp,sli,good,valid\nyesterday,checkout/availability,1,1\n",
            2,
            "`yesterday` is not a timestamp",
        ),
        (
            "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,checkout/availabilty,1,1\n",
            2,
            "did you mean `checkout/availability`?",
        ),
        (
            "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,latency,1,1\n",
            2,
            "`latency` is ambiguous",
        ),
        (
            "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,search/latency,-1,1\n",
            2,
            "counts are never negative",
        ),
        (
            "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,search/latency,1\n",
            2,
            "malformed CSV",
        ),
        (
            "timestamp,sli,good,bad,valid\n",
            1,
            "exactly one of `good` and `bad`",
        ),
        (
            "timestamp,service,good,valid\n",
            1,
            "unknown column `service`",
        ),
        ("time,good,valid\n", 1, "no `sli` column"),
    ];
    for (text, line, fragment) in cases {
        match parse_csv("c.csv", text, &names) {
            Err(CountsError::Row {
                line: found,
                message,
                ..
            }) => {
                assert_eq!(found, line, "{text}: {message}");
                assert!(message.contains(fragment), "{text}: {message}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    let json = parse_ndjson(
        "c.ndjson",
        "{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":1,\"valid\":1}\n{\"sli\": 3}\n",
        &names,
    );
    assert!(
        matches!(json, Err(CountsError::Row { line: 2, .. })),
        "{json:?}"
    );
}

#[test]
fn counts_are_whole_numbers_within_the_record_limit() {
    // issue 9.3 and 9.10: fractional counts, numbers written as strings, exponents and
    // absurd values (1.7e308 twice made infinity) were accepted.
    let names = SeriesNames::new(&catalog());
    let csv = |cell: &str| {
        format!("timestamp,sli,good,valid\n2026-11-01T00:00:00Z,search/latency,0,{cell}\n")
    };
    for (cell, fragment) in [
        ("2.5", "whole numbers"),
        ("1e4", "whole numbers"),
        ("1.7e308", "whole numbers"),
        ("-0", "never negative"),
        ("1000000000001", "more than one record may carry"),
        ("99999999999999999999999", "more than one record may carry"),
        ("ten", "expected a whole number"),
    ] {
        let error = parse_csv("c.csv", &csv(cell), &names).unwrap_err();
        assert!(error.to_string().contains(fragment), "{cell}: {error}");
    }
    assert_eq!(
        parse_csv("c.csv", &csv("1000000000000"), &names).unwrap()[0].valid,
        1_000_000_000_000
    );
    let json = |value: &str| {
        format!(
            "{{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":0,\"valid\":{value}}}"
        )
    };
    for (value, fragment) in [
        ("\"10\"", "is a string"),
        ("10.5", "JSON integer"),
        ("10.0", "JSON integer"),
        ("1.7e308", "JSON integer"),
        ("-3", "never negative"),
        ("true", "not a count"),
        ("1000000000001", "more than one record may carry"),
    ] {
        let error = parse_ndjson("c.ndjson", &json(value), &names).unwrap_err();
        assert!(error.to_string().contains(fragment), "{value}: {error}");
    }
    let repeated = "{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":1,\"valid\":1,\"good\":0}";
    let error = parse_ndjson("c.ndjson", repeated, &names).unwrap_err();
    assert!(error.to_string().contains("appears twice"), "{error}");
    let synonyms = "{\"timestamp\":\"2026-11-01T00:00:00Z\",\"sli\":\"search/latency\",\"good\":1,\"valid\":1,\"total\":5}";
    let error = parse_ndjson("c.ndjson", synonyms, &names).unwrap_err();
    assert!(error.to_string().contains("name the same field"), "{error}");
}

#[test]
fn sums_past_the_interval_ceiling_are_refused_with_the_line() {
    // issue 9.1: two rows in one interval used to add up without bound.
    let catalog = catalog();
    let directory =
        std::env::temp_dir().join(format!("nines-counts-ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("big.csv");
    let row = "2026-11-01T00:00:30Z,search/latency,0,1000000000000\n";
    std::fs::write(&file, format!("timestamp,sli,good,valid\n{row}{row}{row}")).unwrap();
    let error = load(
        std::slice::from_ref(&file),
        &catalog,
        Duration::from_minutes(1),
    )
    .unwrap_err();
    assert!(
        matches!(&error, CountsError::Row { line: 4, message, .. } if message.contains("more than 2199023255552")),
        "{error}"
    );
    std::fs::write(&file, format!("timestamp,sli,good,valid\n{row}{row}")).unwrap();
    let source = load(
        std::slice::from_ref(&file),
        &catalog,
        Duration::from_minutes(1),
    )
    .unwrap();
    let counts = source
        .sum("search/latency", TimeRange::new(0, i64::MAX / 2))
        .unwrap();
    assert_eq!(counts.valid, 2e12);
    std::fs::remove_dir_all(directory).unwrap();
}

#[test]
fn a_rejected_file_changes_nothing() {
    let catalog = catalog();
    let directory = std::env::temp_dir().join(format!("nines-counts-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let good = directory.join("good.csv");
    let bad = directory.join("bad.csv");
    std::fs::write(
        &good,
        "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,search/latency,1,1\n",
    )
    .unwrap();
    std::fs::write(&bad, "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,search/latency,1,1\n2026-11-01T00:01:00Z,nope,1,1\n").unwrap();
    assert!(load(&[good.clone(), bad], &catalog, Duration::from_minutes(1)).is_err());
    let source = load(&[good], &catalog, Duration::from_minutes(1)).unwrap();
    let counts = source
        .sum("search/latency", TimeRange::new(0, i64::MAX / 2))
        .unwrap();
    assert_eq!(counts.valid, 1.0);
    std::fs::remove_dir_all(directory).unwrap();
}

proptest::proptest! {
    #[test]
    fn no_text_makes_the_parser_panic(text in "\\PC{0,200}") {
        let names = SeriesNames::new(&catalog());
        let _ = parse_csv("c.csv", &text, &names);
        let _ = parse_ndjson("c.ndjson", &text, &names);
    }
}
