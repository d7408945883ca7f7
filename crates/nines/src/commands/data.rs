//! Resolving the data options shared by `report`, `gate` and `suggest`: local specs with
//! counts files or a store, or a running server.

use nines_core::Duration;
use nines_core::memory::MemorySource;
use nines_core::model::Catalog;
use nines_core::source::{DataSource, Millis, TimeRange};
use nines_store::{Store, StoreConfig};

use crate::cli::DataArgs;
use crate::commands::remote::Remote;
use crate::output;

/// Counts held locally.
pub enum Counts {
    /// Read from counts files.
    Files(MemorySource),
    /// A store directory.
    Store(Box<Store>),
}

/// What a measuring command works on, locally.
pub struct Data {
    pub catalog: Catalog,
    pub counts: Counts,
    pub at: Millis,
}

/// Local data or a server.
pub enum Target {
    Local(Data),
    Remote(Remote),
}

/// A failure already reported to the user: the command exits 2.
pub struct Reported;

impl Target {
    /// Resolves the options: a server, or specs with counts files or a store.
    pub fn resolve(args: &DataArgs) -> Result<Target, Reported> {
        if let Some(url) = &args.server {
            return Remote::new(url, args.token.as_deref(), args.at.as_deref())
                .map(Target::Remote)
                .map_err(|message| fail(&message));
        }
        Data::load(args).map(Target::Local)
    }
}

impl Data {
    /// Loads specs (refusing invalid ones, with their diagnostics) and counts.
    pub fn load(args: &DataArgs) -> Result<Data, Reported> {
        let at = match &args.at {
            Some(text) => parse_at(text).map_err(|message| fail(&message))?,
            None => jiff::Timestamp::now().as_millisecond(),
        };
        let resolution: Duration = parse_duration("--resolution", &args.resolution)?;
        let catalog = load_specs(&args.specs)?;
        let counts = match &args.data {
            Some(directory) => {
                let config = StoreConfig {
                    resolution,
                    ..StoreConfig::default()
                };
                let store =
                    Store::open(directory, config).map_err(|problem| fail(&problem.to_string()))?;
                store.prepare(&catalog);
                Counts::Store(Box::new(store))
            }
            None => Counts::Files(
                nines_counts::load(&args.counts, &catalog, resolution)
                    .map_err(|problem| fail(&problem.to_string()))?,
            ),
        };
        Ok(Data {
            catalog,
            counts,
            at,
        })
    }

    /// Runs `work` on the counts as a data source.
    pub fn with_source<R>(&self, work: impl FnOnce(&dyn DataSource) -> R) -> R {
        match &self.counts {
            Counts::Files(source) => work(source),
            Counts::Store(store) => work(&*store.view()),
        }
    }

    /// The earliest and latest instants with data.
    pub fn span(&self) -> Option<TimeRange> {
        match &self.counts {
            Counts::Files(source) => source.span(),
            Counts::Store(store) => store.view().span(),
        }
    }
}

/// Loads and validates specs: errors are printed and refuse the command.
pub fn load_specs(paths: &[std::path::PathBuf]) -> Result<Catalog, Reported> {
    let today = jiff::ZonedDateTime::now().date();
    let validation =
        nines_spec::validate_paths(paths, today).map_err(|problem| fail(&problem.to_string()))?;
    let errors: Vec<_> = validation.errors().collect();
    if !errors.is_empty() {
        for diagnostic in &errors {
            output::message(&diagnostic.to_string());
        }
        return Err(fail(&format!(
            "{} error(s) in the specs (see `nines validate`)",
            errors.len()
        )));
    }
    Ok(validation.loaded.catalog)
}

/// A duration option, or a reported error.
pub fn parse_duration(option: &str, text: &str) -> Result<Duration, Reported> {
    let duration: Duration = text
        .parse()
        .map_err(|problem| fail(&format!("{option} `{text}`: {problem}")))?;
    if duration.is_zero() {
        return Err(fail(&format!("{option} must be longer than zero")));
    }
    Ok(duration)
}

pub fn fail(message: &str) -> Reported {
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
