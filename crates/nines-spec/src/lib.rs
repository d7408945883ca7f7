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
