//! Spec formats of nines: native `nines/v1`, OpenSLO v1, Sloth and Pyrra.
//!
//! Everything is read into the one model of [`nines_core::model`]:
//!
//! 1. [`load`] finds files, parses YAML/JSON with positions, detects each document's
//!    format and decodes it ([`formats`]);
//! 2. [`resolve`] links references across files (SLIs, SLAs, policies, composites) and
//!    applies service defaults;
//! 3. [`lint`] checks the seed's rules on the resolved model;
//! 4. [`convert`] writes the model back out as native or OpenSLO documents.
//!
//! Problems are [`diag::Diagnostic`]s with `file:line:column`, a rule id and a hint.

#![deny(missing_docs)]

pub mod convert;
pub mod decode;
pub mod diag;
pub mod emit;
pub mod formats;
pub mod lint;
pub mod load;
pub mod promql;
pub mod resolve;
pub mod target;
pub mod yaml;

use std::path::PathBuf;

pub use diag::{Diagnostic, Rule, Severity};
pub use load::{LoadError, Loaded, Source, load_paths, load_sources};

/// The result of `nines validate`: the catalog and every diagnostic, sorted.
#[derive(Clone, Debug)]
pub struct Validation {
    /// What was loaded.
    pub loaded: Loaded,
    /// Load, resolution and lint diagnostics together, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    /// Errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
    }
    /// Warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Warning)
    }
    /// True when there is no error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }
}

/// Loads and lints `paths`. `today` decides whether reviews are overdue.
pub fn validate_paths(
    paths: &[PathBuf],
    today: jiff::civil::Date,
) -> Result<Validation, LoadError> {
    Ok(validate_loaded(load_paths(paths)?, today))
}

/// Loads `paths` with the documents of `context` alongside, so that references from the
/// files checked (a policy, a shared SLI, a service's owners) resolve to definitions kept
/// elsewhere. Only what is defined in `paths` is kept in the catalog, and only problems in
/// `paths` are reported: the context is there to be referred to, not checked.
pub fn load_with_context(paths: &[PathBuf], context: &[PathBuf]) -> Result<Loaded, LoadError> {
    if context.is_empty() {
        return load_paths(paths);
    }
    let checked: std::collections::HashSet<String> = load::collect_files(paths)?
        .iter()
        .map(|file| file.display().to_string())
        .collect();
    let mut all: Vec<PathBuf> = paths.to_vec();
    for file in load::collect_files(context)? {
        if !checked.contains(&file.display().to_string()) {
            all.push(file);
        }
    }
    let mut loaded = load_paths(&all)?;
    let in_checked =
        |origin: &nines_core::model::Origin| checked.contains(&*origin.location().file);
    loaded
        .diagnostics
        .retain(|diagnostic| checked.contains(&*diagnostic.location.file));
    let catalog = &mut loaded.catalog;
    catalog.services.retain(|item| in_checked(&item.origin));
    catalog.slis.retain(|(_, item)| in_checked(&item.origin));
    catalog.slos.retain(|item| in_checked(&item.origin));
    catalog.slas.retain(|item| in_checked(&item.origin));
    catalog.policies.retain(|item| in_checked(&item.origin));
    catalog
        .notification_targets
        .retain(|item| in_checked(&item.origin));
    catalog.data_sources.retain(|item| in_checked(&item.origin));
    loaded.files = checked.len();
    Ok(loaded)
}

/// Like [`validate_paths`], with `context` loaded to resolve references (see
/// [`load_with_context`]).
pub fn validate_with_context(
    paths: &[PathBuf],
    context: &[PathBuf],
    today: jiff::civil::Date,
) -> Result<Validation, LoadError> {
    Ok(validate_loaded(load_with_context(paths, context)?, today))
}

/// Lints already-loaded specs.
pub fn validate_loaded(loaded: Loaded, today: jiff::civil::Date) -> Validation {
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(lint::lint(&loaded.catalog, today));
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    Validation {
        loaded,
        diagnostics,
    }
}
