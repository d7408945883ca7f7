//! The conformance suite: for each format, valid documents load without errors, and
//! every invalid document reports its rule at its position.
//!
//! Fixtures live in `tests/conformance/<format>/{valid,invalid}/`. An invalid fixture's
//! first line says what it must produce: `# expect: <rule-id> <line>:<column>`.

use std::path::{Path, PathBuf};

use nines_spec::{Severity, Source, load_sources, validate_loaded};

const FORMATS: &[&str] = &["native", "openslo", "sloth", "pyrra"];

/// Reviews in fixtures are judged as of this day, so results do not age.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn fixtures(format: &str, kind: &str) -> Vec<(String, String)> {
    let directory = root().join(format).join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "json")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = format!(
                "{format}/{kind}/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn validate(name: &str, text: &str) -> nines_spec::Validation {
    let loaded = load_sources(&[Source {
        name: name.into(),
        text: text.to_string(),
    }]);
    validate_loaded(loaded, today())
}

/// `# expect: rule 12:7` → (rule, 12, 7).
fn expectation(name: &str, text: &str) -> (String, u32, u32) {
    let header = text.lines().next().unwrap_or_default();
    let rest = header
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{name}: first line must be `# expect: <rule> <line>:<column>`"));
    let (rule, position) = rest
        .split_once(' ')
        .unwrap_or_else(|| panic!("{name}: no position"));
    let (line, column) = position.split_once(':').unwrap();
    (
        rule.to_string(),
        line.parse().unwrap(),
        column.parse().unwrap(),
    )
}

#[test]
fn every_invalid_document_reports_its_rule_at_its_position() {
    let mut checked = 0;
    for format in FORMATS {
        for (name, text) in fixtures(format, "invalid") {
            let (rule, line, column) = expectation(&name, &text);
            let validation = validate(&name, &text);
            let found = validation.diagnostics.iter().find(|diagnostic| {
                diagnostic.rule == rule
                    && diagnostic.location.line == line
                    && diagnostic.location.column == column
            });
            let Some(found) = found else {
                let got: Vec<String> = validation
                    .diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                panic!(
                    "{name}: expected {rule} at {line}:{column}, got:\n{}",
                    got.join("\n")
                );
            };
            assert!(found.hint.is_some(), "{name}: {rule} has no fix hint");
            assert!(!found.message.is_empty());
            if found.severity == Severity::Error {
                assert!(
                    !validation.is_valid(),
                    "{name}: an error must make the spec invalid"
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 40,
        "the suite needs at least 40 invalid documents, has {checked}"
    );
}

#[test]
fn every_rule_is_exercised_by_a_fixture() {
    let mut used = Vec::new();
    for format in FORMATS {
        for (name, text) in fixtures(format, "invalid") {
            used.push(expectation(&name, &text).0);
        }
    }
    for rule in nines_spec::Rule::ALL {
        assert!(
            used.iter().any(|id| id == rule.id()),
            "no fixture exercises rule `{}`",
            rule.id()
        );
    }
}

#[test]
fn valid_documents_load_without_errors() {
    for format in FORMATS {
        let documents = fixtures(format, "valid");
        assert!(!documents.is_empty(), "{format} has no valid fixtures");
        for (name, text) in documents {
            let validation = validate(&name, &text);
            let errors: Vec<String> = validation.errors().map(ToString::to_string).collect();
            assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
            assert!(
                !validation.loaded.catalog.slos.is_empty(),
                "{name}: no SLO loaded"
            );
        }
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn the_examples_are_clean() {
    for directory in ["", "openslo"] {
        let validation =
            nines_spec::validate_paths(&[examples().join(directory)], today()).unwrap();
        let all: Vec<String> = validation
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(all.is_empty(), "examples/{directory}:\n{}", all.join("\n"));
    }
}

#[test]
fn the_openslo_examples_are_the_same_shop() {
    let native = nines_spec::load_paths(&[examples().join("shop")]).unwrap();
    let openslo = nines_spec::load_paths(&[examples().join("openslo")]).unwrap();
    assert!(openslo.diagnostics.is_empty(), "{:?}", openslo.diagnostics);
    let mut left = native.catalog.clone();
    let mut right = openslo.catalog.clone();
    for catalog in [&mut left, &mut right] {
        catalog.slos.sort_by_key(|slo| slo.qualified_name());
        catalog.services.sort_by(|a, b| a.name.cmp(&b.name));
        catalog.slis.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        catalog.slas.sort_by(|a, b| a.name.cmp(&b.name));
        catalog
            .notification_targets
            .sort_by(|a, b| a.name.cmp(&b.name));
    }
    assert_eq!(left.services, right.services);
    assert_eq!(left.slos, right.slos);
    assert_eq!(left.slas, right.slas);
    assert_eq!(left.policies, right.policies);
    assert_eq!(left.notification_targets, right.notification_targets);
}

#[test]
fn rendered_messages() {
    for format in FORMATS {
        let mut rendered = String::new();
        for (name, text) in fixtures(format, "invalid") {
            let validation = validate(&name, &text);
            for diagnostic in &validation.diagnostics {
                rendered.push_str(&diagnostic.to_string());
                rendered.push('\n');
            }
        }
        insta::assert_snapshot!(format!("messages_{format}"), rendered);
    }
}
