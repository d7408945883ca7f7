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

/// Where counts come from.
pub enum Counts {
    /// Read from counts files.
    Files(MemorySource),
    /// A store directory.
    Store(Box<Store>),
    /// A Prometheus-compatible backend, queried for the windows the engine reads.
    Backend(Box<nines_prometheus::Backend>, tokio::runtime::Runtime),
}

/// What a measuring command works on, locally.
pub struct Data {
    pub catalog: Catalog,
    pub counts: Counts,
    pub at: Millis,
    /// What the backend failed to answer so far (empty for files and stores).
    backend_failures: std::cell::RefCell<Vec<String>>,
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
        let counts = match (&args.data, &args.backend.prometheus) {
            (_, Some(_)) => {
                let backend = backend(&args.backend)?;
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|problem| fail(&problem.to_string()))?;
                // An unreachable or failing backend is an error, not a report of errors.
                runtime
                    .block_on(backend.check())
                    .map_err(|problem| fail(&format!("backend error: {problem}")))?;
                Counts::Backend(Box::new(backend), runtime)
            }
            (Some(directory), None) => {
                let config = StoreConfig {
                    resolution,
                    ..StoreConfig::default()
                };
                let store =
                    Store::open(directory, config).map_err(|problem| fail(&problem.to_string()))?;
                store.prepare(&catalog);
                Counts::Store(Box::new(store))
            }
            (None, None) => Counts::Files(
                nines_counts::load(&args.counts, &catalog, resolution)
                    .map_err(|problem| fail(&problem.to_string()))?,
            ),
        };
        Ok(Data {
            catalog,
            counts,
            at,
            backend_failures: std::cell::RefCell::default(),
        })
    }

    /// Runs `work` on the counts as a data source (for a backend: once to learn the
    /// windows it reads, then on the fetched answers; warnings go to stderr).
    pub fn with_source<R>(&self, work: impl Fn(&dyn DataSource) -> R) -> R {
        match &self.counts {
            Counts::Files(source) => work(source),
            Counts::Store(store) => work(&*store.view()),
            Counts::Backend(backend, runtime) => {
                let (result, fetched) =
                    runtime.block_on(backend.evaluate(&self.catalog, self.at, work));
                for warning in &fetched.warnings {
                    output::message(&format!("warning: {warning}"));
                }
                if let Some(failure) = fetched.failure() {
                    self.backend_failures.borrow_mut().push(failure);
                }
                result
            }
        }
    }

    /// True when the counts come from a Prometheus-compatible backend.
    pub fn is_backend(&self) -> bool {
        matches!(self.counts, Counts::Backend(..))
    }

    /// Adds a store's counts of events an SLI could not judge to the rows (issue 8.7);
    /// counts files and backends do not count them.
    pub fn note_unmeasured(&self, report: &mut nines_core::report::Report) {
        if let Counts::Store(store) = &self.counts {
            store.note_unmeasured(report);
        }
    }

    /// Why the backend's answers cannot be trusted, when a query failed (unreachable,
    /// too slow, an HTTP error, an answer that is not the API's JSON). The statuses that
    /// needed the failed queries carry the error and no counts: a command must not take
    /// them for "no data" nor for a measured state, so it exits 2 (`gate` refuses).
    pub fn backend_failure(&self) -> Option<String> {
        self.backend_failures
            .borrow()
            .first()
            .map(|failure| format!("backend error: {failure}"))
    }

    /// The earliest and latest instants with data (a backend: the last 90 days).
    pub fn span(&self) -> Option<TimeRange> {
        match &self.counts {
            Counts::Files(source) => source.span(),
            Counts::Store(store) => store.view().span(),
            Counts::Backend(..) => Some(TimeRange::new(self.at - 90 * 86_400_000, self.at)),
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

/// Candidates shown after "did you mean" or in a list of known names.
const NAMES_SHOWN: usize = 8;

/// Largest edit distance still offered as "did you mean" (a typo, not another name).
const TYPO_DISTANCE: usize = 3;

/// "no KIND `WANTED` in the specs", with the closest known name when one is a likely
/// typo, else the known names (at most [`NAMES_SHOWN`]).
pub fn unknown_name<S: AsRef<str>>(kind: &str, wanted: &str, known: &[S]) -> String {
    let closest = known
        .iter()
        .map(AsRef::as_ref)
        .map(|name| (strsim::damerau_levenshtein(wanted, name), name))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, name)| *distance <= TYPO_DISTANCE.min(name.chars().count() / 2 + 1));
    match closest {
        Some((_, name)) => format!("no {kind} `{wanted}` in the specs; did you mean `{name}`?"),
        None if known.is_empty() => format!("no {kind} `{wanted}` in the specs (they define none)"),
        None => {
            let shown: Vec<&str> = known.iter().take(NAMES_SHOWN).map(AsRef::as_ref).collect();
            let more = if known.len() > NAMES_SHOWN {
                ", ..."
            } else {
                ""
            };
            format!(
                "no {kind} `{wanted}` in the specs; known: {}{more}",
                shown.join(", ")
            )
        }
    }
}

/// Checks that `service` is in the catalog; else prints which one was meant.
pub fn check_service(catalog: &Catalog, service: &str) -> Result<(), Reported> {
    let known = catalog.service_names();
    if known.iter().any(|name| name == service) {
        return Ok(());
    }
    Err(fail(&unknown_name("service", service, &known)))
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
        // A date is midnight UTC, within the same range as every other form.
        return date
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .and_then(|zoned| nines_core::timestamp::check(zoned.timestamp().as_millisecond()).ok())
            .ok_or_else(|| {
                format!(
                    "--at: `{text}` is outside the accepted range ({})",
                    nines_core::timestamp::RANGE_TEXT
                )
            });
    }
    nines_counts::parse_timestamp(text).map_err(|problem| format!("--at: {problem}"))
}

/// A backend from the connection options, checked to answer.
pub fn backend(args: &crate::cli::PrometheusArgs) -> Result<nines_prometheus::Backend, Reported> {
    let Some(url) = &args.prometheus else {
        return Err(fail("--prometheus URL is required"));
    };
    let mut config = nines_prometheus::Config::new(url);
    config.tenant = args.prometheus_tenant.clone();
    config.auth = match (&args.prometheus_token, &args.prometheus_user) {
        (Some(token), _) => nines_prometheus::Auth::Bearer(token.clone()),
        (None, Some(user)) => nines_prometheus::Auth::Basic {
            user: user.clone(),
            password: args.prometheus_password.clone().unwrap_or_default(),
        },
        (None, None) => nines_prometheus::Auth::None,
    };
    config.ca_file = args.prometheus_ca.clone();
    config.client_identity = args.prometheus_cert.clone();
    let timeout = parse_duration("--prometheus-timeout", &args.prometheus_timeout)?;
    config.timeout = std::time::Duration::from_millis(
        u64::try_from(nines_core::source::millis(timeout)).unwrap_or(30_000),
    );
    nines_prometheus::Backend::new(config).map_err(|problem| fail(&problem.to_string()))
}
