//! Pre-aggregated counts: `{sli, timestamp, good|bad, valid}` records, as NDJSON or a
//! JSON array (the same records as a counts file).

use nines_counts::{CountsError, SeriesNames};

use super::{BatchError, Window, aggregate};
use crate::store::Delta;

/// Parses a batch of counts into deltas.
pub fn parse_counts(
    body: &[u8],
    names: &SeriesNames,
    window: &Window,
) -> Result<Vec<Delta>, BatchError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| BatchError::new(1, "invalid_encoding", "the body is not UTF-8 text"))?;
    let rows = nines_counts::parse_ndjson("body", text, names).map_err(|error| match error {
        CountsError::Row { line, message, .. } => {
            let code = if message.starts_with("invalid JSON") {
                "invalid_json"
            } else if message.contains("unknown SLI `") || message.contains("is ambiguous") {
                "unknown_sli"
            } else {
                "invalid_row"
            };
            BatchError::new(line, code, message)
        }
        CountsError::Io { source, .. } => BatchError::new(1, "invalid_row", source.to_string()),
    })?;
    let mut deltas = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        window
            .check(row.at)
            .map_err(|message| BatchError::new(index + 1, "out_of_window", message))?;
        deltas.push(Delta {
            series: row.series,
            at: row.at,
            good: row.good,
            valid: row.valid,
        });
    }
    Ok(aggregate(deltas, window.resolution))
}
