//! Resolving the data options shared by `report`, `gate` and `suggest` into settings:
//! a valid catalog, a prepared source and an instant.

use nines_core::Duration;
use nines_core::memory::MemorySource;
use nines_core::model::Catalog;
use nines_core::source::Millis;

use crate::cli::DataArgs;
use crate::output;

/// What a measuring command works on.
pub struct Data {
    pub catalog: Catalog,
    pub source: MemorySource,
    pub at: Millis,
}

/// A failure already reported to the user: the command exits 2.
pub struct Reported;

impl Data {
    /// Loads specs (refusing invalid ones, with their diagnostics) and counts.
    pub fn load(args: &DataArgs) -> Result<Data, Reported> {
        let at = match &args.at {
            Some(text) => parse_at(text).map_err(|message| fail(&message))?,
            None => jiff::Timestamp::now().as_millisecond(),
        };
        let resolution: Duration = args
            .resolution
            .parse()
            .map_err(|problem| fail(&format!("--resolution: {problem}")))?;
        if resolution.is_zero() {
            return Err(fail("--resolution must be longer than zero"));
        }
        let loaded =
            nines_spec::load_paths(&args.specs).map_err(|problem| fail(&problem.to_string()))?;
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == nines_spec::Severity::Error)
            .collect();
        if !errors.is_empty() {
            for diagnostic in &errors {
                output::message(&diagnostic.to_string());
            }
            return Err(fail(&format!(
                "{} error(s) in the specs (see `nines validate`)",
                errors.len()
            )));
        }
        let source = nines_counts::load(&args.counts, &loaded.catalog, resolution)
            .map_err(|problem| fail(&problem.to_string()))?;
        Ok(Data {
            catalog: loaded.catalog,
            source,
            at,
        })
    }
}

fn fail(message: &str) -> Reported {
    output::error(message);
    Reported
}

/// `--at`: RFC 3339, a date (midnight UTC), Unix seconds, or `now`.
pub fn parse_at(text: &str) -> Result<Millis, String> {
    let text = text.trim();
    if text == "now" {
        return Ok(jiff::Timestamp::now().as_millisecond());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map(|zoned| zoned.timestamp().as_millisecond())
            .map_err(|problem| format!("--at {text}: {problem}"));
    }
    nines_counts::parse_timestamp(text).map_err(|problem| format!("--at: {problem}"))
}
