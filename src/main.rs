//! The `security-log-forwarder` binary: Lambda mode when `AWS_LAMBDA_RUNTIME_API` is set,
//! the command line otherwise.

use std::process::ExitCode;

use clap::Parser;
use security_log_forwarder::{cli, config::Config, lambda, logging, wiring};

fn main() -> ExitCode {
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let cli = if in_lambda { None } else { Some(cli::Cli::parse()) };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            if let Some(cli) = &cli
                && cli.is_doctor()
            {
                return wiring::doctor_without_config(&err);
            }
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match cli {
        Some(cli) => runtime.block_on(cli::run(cli, config)),
        None => match runtime.block_on(lambda::run(config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
    }
}
