//! One module per command; each turns parsed arguments into a [`Status`].

mod alerts;
mod convert;
mod data;
mod demo;
mod gate;
mod generate;
mod import;
mod remote;
mod report;
mod serve;
mod suggest;
mod validate;

use crate::cli::{Cli, Command, Status};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Alerts(args) => alerts::run(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Suggest(args) => suggest::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Generate(crate::cli::GenerateCommand::Prometheus(args)) => {
            generate::prometheus(&args)
        }
    }
}

/// Today's date in the local time zone: the default for review checks.
pub fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}
