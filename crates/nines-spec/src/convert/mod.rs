//! Writing specs in another format, so teams can migrate either way.
//!
//! A conversion produces documents grouped by output file (one per service, plus shared
//! policies) and notes on everything the target format cannot express. Nothing is
//! dropped silently: it is either carried (OpenSLO's `nines.dev/extensions` annotation,
//! nines/v1 documents for SLAs and policies) or listed in the notes.

mod native;
mod openslo;

use nines_core::model::{Catalog, Location, Origin};
use serde_json::Value;

/// The formats nines writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `nines/v1`.
    Native,
    /// OpenSLO v1.
    OpenSlo,
}

/// Documents meant for one file.
#[derive(Clone, Debug)]
pub struct Output {
    /// A file stem: the service name, or `shared`/`policies`.
    pub name: String,
    /// The documents, in order.
    pub documents: Vec<Value>,
}

/// Something the target format could not express as such.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Note {
    /// Where the item was defined.
    #[serde(flatten)]
    pub location: Location,
    /// What happened to it.
    pub message: String,
}

/// The result of a conversion.
#[derive(Clone, Debug, Default)]
pub struct Conversion {
    /// Output files.
    pub outputs: Vec<Output>,
    /// What could not be expressed as such, and where it went.
    pub notes: Vec<Note>,
}

impl Conversion {
    fn note(&mut self, origin: &Origin, message: String) {
        self.notes.push(Note {
            location: origin.location(),
            message,
        });
    }
    /// Every document as one multi-document YAML text.
    pub fn render(&self) -> String {
        let documents: Vec<Value> = self
            .outputs
            .iter()
            .flat_map(|output| output.documents.iter().cloned())
            .collect();
        crate::emit::documents(None, &documents)
    }
}

/// Converts a loaded catalog.
pub fn convert(catalog: &Catalog, target: Target) -> Conversion {
    let mut conversion = Conversion::default();
    match target {
        Target::Native => native::write(catalog, &mut conversion),
        Target::OpenSlo => openslo::write(catalog, &mut conversion),
    }
    conversion
}
