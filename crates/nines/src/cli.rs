//! Command-line interface: commands, options and exit statuses.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

const EXIT_STATUSES: &str = "\
Exit status:
  0  success (validate: specs valid, warnings allowed)
  1  the check failed (validate: specs invalid)
  2  usage error, or a file or directory could not be read";

/// Service level objectives as code: validate, measure, alert, gate and report.
#[derive(Debug, Parser)]
#[command(name = "nines", version, about, after_help = EXIT_STATUSES, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// JSON, for scripts (a stable schema, see docs/).
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check SLO specs (nines, OpenSLO, Sloth, Pyrra) and explain every problem.
    #[command(after_help = "\
Examples:
  nines validate examples/
  nines validate slos/checkout.yaml slos/openslo/ --output json
  nines validate specs/ --today 2026-06-01    # judge review dates as of a given day

Each problem is printed as FILE:LINE:COLUMN: SEVERITY[RULE]: MESSAGE, with a hint.
Rules are listed with `nines validate --list-rules` and in docs/rules.md.

Exit status:
  0  valid (warnings allowed)
  1  invalid: at least one error
  2  usage error, or a path could not be read")]
    Validate(ValidateArgs),
    /// Write specs in another format (nines <-> OpenSLO), reporting what cannot be expressed.
    #[command(after_help = "\
Examples:
  nines convert --to openslo examples/ > openslo.yaml
  nines convert --to nines sloth/ --out-dir converted/
  nines convert --to nines openslo/checkout.yaml

What the target format cannot express is listed on stderr (and carried in the
`nines.dev/extensions` annotation for OpenSLO), never dropped silently.

Exit status:
  0  converted
  1  the input has errors (run `nines validate` to see them); nothing is written
  2  usage error, or a path could not be read or written")]
    Convert(ConvertArgs),
    /// The status of every SLO from exported counts: SLI, budget, burn, alerts, policy, SLA.
    #[command(after_help = "\
Examples:
  nines report --spec examples/shop --counts examples/counts/shop.csv
  nines report --spec slos/ --counts counts.ndjson --at 2026-11-01T00:00:00Z --output json
  nines report --spec slos/ --counts counts.csv --service checkout --output markdown

Counts files are CSV or NDJSON rows of `timestamp, sli, good (or bad), valid`
(docs/counts.md). The JSON form is the stable schema of docs/report-json.md.

Exit status:
  0  printed
  2  usage error, invalid specs, or unreadable counts (with file and line)")]
    Report(ReportArgs),
    /// Release gate: exit 0 when the error budget policy allows a change, 1 when frozen.
    #[command(after_help = "\
Examples:
  nines gate --spec slos/ --counts counts.csv --service checkout
  nines gate --spec slos/ --counts counts.csv --service checkout --change-type security
  nines gate ... --output json      # the decision, for pipelines that want details

A change is frozen when any SLO of the service is in a policy state with a `freeze`
action that does not exempt the change type. The reason and the exempt types are printed.

Exit status:
  0  the change may go
  1  frozen
  2  usage error, unknown service, invalid specs or unreadable counts")]
    Gate(GateArgs),
    /// Suggest an achievable target from history, with the evidence.
    #[command(after_help = "\
Examples:
  nines suggest --spec slos/ --counts history.csv
  nines suggest --spec slos/ --counts history.csv --slo checkout/availability --share 95%

The suggestion is the strongest readable target (99.9%, 99.95%, ...) that was met in
--share of the past windows (90% by default), with the distribution of attainment and
its distance from the aspirational target.

Exit status:
  0  printed
  2  usage error, invalid specs or unreadable counts")]
    Suggest(SuggestArgs),
}

/// Where specs and counts come from, shared by the commands that measure.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Spec files or directories.
    #[arg(long = "spec", required = true, value_name = "PATH")]
    pub specs: Vec<PathBuf>,
    /// Counts files (CSV or NDJSON).
    #[arg(long = "counts", required = true, value_name = "FILE")]
    pub counts: Vec<PathBuf>,
    /// Evaluate at this instant (RFC 3339, a date, or Unix seconds); now by default.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Grid of the counts: rows are placed on intervals of this length.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub resolution: String,
}

/// Output of `nines report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// An aligned table.
    Table,
    /// JSON (docs/report-json.md).
    Json,
    /// A markdown table.
    Markdown,
}

/// Options of `nines report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub output: ReportFormat,
}

/// Options of `nines gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The service being deployed.
    #[arg(long, required = true)]
    pub service: String,
    /// The kind of change (`feature`, `security`, `p0`...): freezes may exempt it.
    #[arg(long, value_name = "TYPE")]
    pub change_type: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Options of `nines suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this SLO (`service/slo`); every SLO by default.
    #[arg(long)]
    pub slo: Option<String>,
    /// Only this objective of the SLO.
    #[arg(long)]
    pub objective: Option<String>,
    /// Share of past windows the suggested target must have been met in.
    #[arg(long, default_value = "90%")]
    pub share: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Options of `nines validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Spec files or directories (searched recursively for *.yaml, *.yml, *.json).
    #[arg(required_unless_present = "list_rules")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// The day reviews are judged against (YYYY-MM-DD); today by default.
    #[arg(long, value_name = "DATE")]
    pub today: Option<jiff::civil::Date>,
    /// Treat warnings as errors (exit 1 when there is any).
    #[arg(long)]
    pub strict: bool,
    /// List every rule with its id, severity and summary, then exit.
    #[arg(long)]
    pub list_rules: bool,
}

/// Target formats of `nines convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetFormat {
    /// The native `nines/v1` format.
    Nines,
    /// OpenSLO v1.
    Openslo,
}

/// Options of `nines convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: TargetFormat,
    /// Spec files or directories to convert.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write one file per service into this directory instead of printing to stdout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Output format of the conversion report on stderr.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Exit statuses, documented in `--help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: success.
    Success,
    /// 1: the check failed.
    Failure,
    /// 2: usage or I/O error.
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}
