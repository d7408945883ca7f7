//! Pre-aggregated counts: `{sli, timestamp, good|bad, valid}` records, as NDJSON or a
//! JSON array (the same records as a counts file).

use nines_counts::{CountsError, Row, SeriesNames};

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
            } else if message.contains("unknown SLI `") {
                "unknown_sli"
            } else if message.contains("is ambiguous") {
                "ambiguous_sli"
            } else if message.contains("more than one record may carry") {
                "count_limit"
            } else {
                "invalid_row"
            };
            BatchError::new(line, code, message)
        }
        CountsError::Io { source, .. } => BatchError::new(1, "invalid_row", source.to_string()),
    })?;
    deltas_from_rows(rows, window)
}

/// Checks parsed counts rows against `window` (the accepted range, lateness and the
/// future skew) and sums them per interval: the deltas of a counts batch or import.
pub fn deltas_from_rows(rows: Vec<Row>, window: &Window) -> Result<Vec<Delta>, BatchError> {
    let mut deltas = Vec::with_capacity(rows.len());
    for row in rows {
        window
            .check(row.at)
            .map_err(|message| BatchError::new(row.line, "out_of_window", message))?;
        deltas.push(Delta {
            series: row.series,
            at: row.at,
            // Rows carry at most MAX_RECORD_COUNT events, far below i64::MAX.
            good: i64::try_from(row.good).unwrap_or(i64::MAX),
            valid: row.valid,
        });
    }
    Ok(aggregate(deltas, window.resolution))
}
