//! Where a model item came from, so that every rule can point at `file:line:column`.

use std::fmt;
use std::sync::Arc;

/// A position in a spec file. Lines and columns count from 1.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// The file as the user named it (or `<stdin>`).
    pub file: Arc<str>,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl Location {
    /// A location in `file`.
    pub fn new(file: Arc<str>, line: u32, column: u32) -> Self {
        Location { file, line, column }
    }
    /// A location for items made in code rather than read from a file.
    pub fn builtin() -> Self {
        Location {
            file: Arc::from("<builtin>"),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Where an item was defined, plus where each of its fields was written.
///
/// Field keys are semantic names shared by all formats (`"target"`, `"window"`), so a rule
/// written once against the model reports the right spot in a native, OpenSLO, Sloth or
/// Pyrra file alike.
///
/// Two origins always compare equal: where a spec was written is not part of what it
/// means, and conversions between formats must keep the meaning, not the positions.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    location: Option<Location>,
    fields: Vec<(&'static str, Location)>,
    format: Option<&'static str>,
}

impl Origin {
    /// An origin at `location`, read from a file in `format` (`"nines"`, `"openslo"`, ...).
    pub fn new(location: Location, format: &'static str) -> Self {
        Origin {
            location: Some(location),
            fields: Vec::new(),
            format: Some(format),
        }
    }
    /// Records where field `name` was written.
    pub fn set_field(&mut self, name: &'static str, location: Location) {
        self.fields.push((name, location));
    }
    /// Where the item starts.
    pub fn location(&self) -> Location {
        self.location.clone().unwrap_or_else(Location::builtin)
    }
    /// Where field `name` was written, or where the item starts when the field was not
    /// written (the place to add it).
    pub fn field(&self, name: &str) -> Location {
        self.field_if_written(name)
            .unwrap_or_else(|| self.location())
    }
    /// Where field `name` was written, if it was.
    pub fn field_if_written(&self, name: &str) -> Option<Location> {
        self.fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, location)| location.clone())
    }
    /// The format the item was read from, if it was read at all.
    pub fn format(&self) -> Option<&'static str> {
        self.format
    }
}

impl PartialEq for Origin {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
