//! The native format, `apiVersion: nines/v1`: short, readable, percentages and durations
//! as people write them, with sensible defaults. See `docs/spec-format.md`.

mod decode;

pub use decode::{KINDS, decode_document};
pub(crate) use decode::{alerting, event_source, exclusion, ownership, review, threshold};
