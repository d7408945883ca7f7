//! `nines`: service level objectives as code.
//!
//! This file only parses arguments and maps outcomes to exit statuses; every command
//! lives in [`commands`] and every decision in the library crates.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod demo;
mod output;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(status) => status.into(),
        Err(error) => {
            output::error(&format!("{error:#}"));
            cli::Status::Error.into()
        }
    }
}
