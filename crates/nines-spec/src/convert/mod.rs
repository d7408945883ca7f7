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
    /// `nines/v1` documents the target format has no kind for (SLAs and error budget
    /// policies in OpenSLO output): a side file `<name>.nines.yaml` beside `<name>.yaml`,
    /// or, in one stream, the [`crate::formats::openslo::DOCUMENTS`] annotation of an
    /// OpenSLO Service, so that the stream holds only the target format.
    pub side: Vec<Value>,
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
        self.render_with(None)
    }

    /// Every document as one multi-document YAML text under a `#` comment `header`. The
    /// side documents ride in the [`crate::formats::openslo::DOCUMENTS`] annotation of
    /// their output's Service (the first Service for shared ones), never as documents of
    /// their own: the stream is pure target format.
    pub fn render_with(&self, header: Option<&str>) -> String {
        let mut documents: Vec<Value> = Vec::new();
        // Side documents by the index of the Service document that carries them.
        let mut carried: Vec<(usize, Vec<Value>)> = Vec::new();
        let mut homeless: Vec<Value> = Vec::new();
        for output in &self.outputs {
            let start = documents.len();
            documents.extend(output.documents.iter().cloned());
            let service =
                (start..documents.len()).find(|index| documents[*index]["kind"] == "Service");
            match service {
                Some(index) => carried.push((index, output.side.clone())),
                None => homeless.extend(output.side.iter().cloned()),
            }
        }
        match carried.first_mut() {
            Some((_, side)) => side.extend(homeless),
            // Nothing to attach them to (no service at all): written as they are.
            None => documents.extend(homeless),
        }
        for (index, side) in carried {
            if !side.is_empty() {
                attach_side(&mut documents[index], &side);
            }
        }
        crate::emit::documents(header, &documents)
    }

    /// The files of `--out-dir`: each output as `<name>.yaml` and its side documents as
    /// `<name>.nines.yaml`, file stem first.
    pub fn files(&self) -> Vec<(String, &[Value])> {
        let mut files = Vec::new();
        for output in &self.outputs {
            if !output.documents.is_empty() {
                files.push((output.name.clone(), output.documents.as_slice()));
            }
            if !output.side.is_empty() {
                files.push((format!("{}.nines", output.name), output.side.as_slice()));
            }
        }
        files
    }
}

/// Adds `side` to `document`'s metadata as the side documents annotation.
fn attach_side(document: &mut Value, side: &[Value]) {
    let text = crate::emit::documents(None, side);
    if let Some(metadata) = document.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(
                crate::formats::openslo::DOCUMENTS.to_string(),
                Value::String(text),
            );
        }
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
