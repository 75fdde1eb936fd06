//! `clickfence-server`: with no subcommand, serves; subcommands administer
//! accounts, sites, tokens, webhooks and blocks in the same database. The
//! command line lives in the library ([`clickfence_server::cli`]).

use std::process::ExitCode;

use clap::Parser;
use clickfence_server::cli::{run, Cli};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
