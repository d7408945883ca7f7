//! Validating part of a spec tree whose references point elsewhere (issue 8.13):
//! `--context` loads the referenced documents without checking or converting them.

use std::path::{Path, PathBuf};

use nines_spec::{validate_paths, validate_with_context};

fn examples(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

// issue 8.13: `nines validate examples/sloth examples/pyrra` exited 1: their governance
// documents name the policy `standard`, defined in examples/shop.
#[test]
fn references_resolve_against_the_context() {
    let paths = [examples("sloth"), examples("pyrra")];
    let alone = validate_paths(&paths, today()).unwrap();
    assert!(
        alone
            .errors()
            .any(|error| error.rule == "unresolved-reference" && error.message.contains("standard")),
        "the examples no longer refer to a policy defined elsewhere: {:?}",
        alone.diagnostics
    );

    let with_context = validate_with_context(&paths, &[examples("shop")], today()).unwrap();
    let errors: Vec<_> = with_context.errors().collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The context is referred to, not checked nor counted.
    let services = with_context.loaded.catalog.service_names();
    assert!(
        services.iter().all(|name| !name.contains("checkout")),
        "{services:?}"
    );
    assert!(
        with_context
            .diagnostics
            .iter()
            .all(|diagnostic| !diagnostic.location.file.contains("shop")),
        "{:?}",
        with_context.diagnostics
    );
}

// issue 8.13: one OpenSLO file refers to SLIs and policies of `shared.yaml`.
#[test]
fn a_single_file_validates_with_its_folder_as_context() {
    let file = [examples("openslo").join("checkout.yaml")];
    assert!(!validate_paths(&file, today()).unwrap().is_valid());
    let validation = validate_with_context(&file, &[examples("openslo")], today()).unwrap();
    assert!(validation.is_valid(), "{:?}", validation.diagnostics);
    assert_eq!(validation.loaded.files, 1);
}

// issue 8.12: a nines/v1 Service beside the OpenSLO one adds owners, approvers, review and
// policy, as for Sloth and Pyrra, instead of being a duplicate.
#[test]
fn a_nines_service_adds_governance_to_an_openslo_service() {
    use nines_spec::{Source, load_sources, validate_loaded};
    let openslo = std::fs::read_to_string(examples("openslo").join("search.yaml"))
        .unwrap()
        .replacen(
            r#"    nines.dev/extensions: '{"owner":"team-discovery","approvers":[{"name":"Priya Raman","role":"VP Engineering","approved":"2026-08-20"}],"review":{"last":"2026-08-20"},"policy":"standard"}'"#,
            "    team: discovery",
            1,
        );
    let governance = "apiVersion: nines/v1\nkind: Service\nname: search\nowner: team-search-governance\npolicy: standard\n".to_string();
    let validation = validate_loaded(
        load_sources(&[
            Source {
                name: "search.yaml".into(),
                text: openslo,
            },
            Source {
                name: "governance.yaml".into(),
                text: governance,
            },
        ]),
        today(),
    );
    let services = &validation.loaded.catalog.services;
    let search: Vec<_> = services
        .iter()
        .filter(|service| service.name == "search")
        .collect();
    assert_eq!(search.len(), 1, "{:?}", validation.diagnostics);
    assert_eq!(
        search[0].ownership.owner.as_deref(),
        Some("team-search-governance")
    );
    assert_eq!(search[0].policy.as_deref(), Some("standard"));
    assert_eq!(search[0].display_name.as_deref(), Some("Product search"));
    assert!(
        !validation
            .errors()
            .any(|error| error.rule == "duplicate-name"),
        "{:?}",
        validation.diagnostics
    );
}
