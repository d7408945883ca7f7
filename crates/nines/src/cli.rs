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
