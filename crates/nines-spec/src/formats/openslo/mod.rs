//! OpenSLO v1 (`apiVersion: openslo/v1`): all seven kinds, inline and by reference.

mod decode;

pub(crate) use decode::default_row_name;
pub use decode::{Collector, DOCUMENTS, EXTENSIONS, KINDS, side_documents};
