//! The command line: `invoke` handles one Lambda event payload through the same code path as
//! Lambda; `replay` forwards local files, folders or S3 prefixes (backfill). Both end with a
//! one-line summary on stderr and exit 0 only on full success.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::alert::{Alerts, SlackSettings};
use crate::api_key::{ApiKey, ApiKeySource};
use crate::aws_sdk::SharedSdkConfig;
use crate::config::Config;
use crate::deadline::Deadline;
use crate::intake::{DryRunIntake, HttpIntake, Intake};
use crate::pipeline::{Forwarder, Outcome};
use crate::replay;
use crate::source::S3Store;

/// Ships GuardDuty findings and CloudTrail logs to the Datadog logs intake. Runs as an AWS
/// Lambda function when AWS_LAMBDA_RUNTIME_API is set; otherwise as this command.
#[derive(Parser, Debug)]
#[command(name = "security-log-forwarder", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Handle one Lambda event payload (EventBridge finding or S3/SNS/SQS notification).
    Invoke {
        /// Write each log entry to stdout as one JSON line instead of sending it.
        #[arg(long)]
        dry_run: bool,
        /// The event JSON file, or `-` for stdin.
        event: String,
    },
    /// Forward local files or folders, or every object under s3://bucket[/prefix].
    Replay {
        /// Write each log entry to stdout as one JSON line instead of sending it.
        #[arg(long)]
        dry_run: bool,
        /// Files, folders or s3:// URLs.
        #[arg(required = true)]
        sources: Vec<String>,
    },
}

/// Runs the command line; prints usage without a subcommand.
pub async fn run(cli: Cli, config: Config) -> ExitCode {
    let (dry_run, work) = match cli.command {
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return ExitCode::from(2);
        }
        Some(Command::Invoke { dry_run, event }) => (dry_run, Work::Invoke(event)),
        Some(Command::Replay { dry_run, sources }) => (dry_run, Work::Replay(sources)),
    };
    let dry_run = dry_run || {
        let missing = config.api_key == ApiKeySource::None;
        if missing {
            eprintln!(
                "no API key configured (DD_API_KEY or DD_API_KEY_SECRET_ARN): running as a dry run, nothing is sent"
            );
        }
        missing
    };
    let sdk = SharedSdkConfig::from_env();
    if dry_run {
        // A dry run shows the Slack message it would post, and posts nothing.
        let alerts = config.slack.clone().map(SlackSettings::dry_run);
        return work.run(config, DryRunIntake::stdout(), alerts, sdk).await;
    }
    let key = match ApiKey::resolve(&config.api_key, &sdk).await {
        Ok(Some(key)) => key,
        Ok(None) => return fail("no API key configured", "set DD_API_KEY or DD_API_KEY_SECRET_ARN"),
        Err(err) => return fail(&crate::error_chain(&err), "check the secret and the credentials used to read it"),
    };
    let client = match crate::http_client::build() {
        Ok(client) => client,
        Err(err) => {
            return fail(&format!("cannot build the HTTP client: {err}"), "check the TLS set-up of this machine");
        }
    };
    let alerts = match config.slack.clone() {
        None => None,
        Some(slack) => match slack.connect(client.clone(), &sdk).await {
            Ok(alerts) => Some(alerts),
            Err(err) => return fail(&crate::error_chain(&err), "check the Slack webhook secret"),
        },
    };
    let intake = HttpIntake::with_client(client, &config.intake, Arc::new(key));
    work.run(config, intake, alerts, sdk).await
}

enum Work {
    Invoke(String),
    Replay(Vec<String>),
}

impl Work {
    async fn run<I: Intake>(self, config: Config, intake: I, alerts: Option<Alerts>, sdk: SharedSdkConfig) -> ExitCode {
        let store = S3Store::new(sdk);
        let forwarder = match alerts {
            Some(alerts) => Forwarder::with_alerts(config.forwarder, intake, store, alerts),
            None => Forwarder::new(config.forwarder, intake, store),
        };
        let outcome = match self {
            Work::Invoke(path) => match read_event(&path) {
                Ok(event) => forwarder.handle(&event, Deadline::none()).await,
                Err(err) => {
                    return fail(&format!("cannot read {path}: {err}"), "pass an event JSON file, or - for stdin");
                }
            },
            Work::Replay(sources) => replay::replay(&forwarder, &sources).await,
        };
        report(outcome)
    }
}

fn read_event(path: &str) -> std::io::Result<Vec<u8>> {
    if path == "-" {
        let mut event = Vec::new();
        std::io::stdin().read_to_end(&mut event)?;
        Ok(event)
    } else {
        std::fs::read(path)
    }
}

fn report(outcome: Outcome) -> ExitCode {
    eprintln!("summary {}", outcome.stats);
    match outcome.error {
        None => ExitCode::SUCCESS,
        Some(err) => {
            if outcome.partial_batch {
                eprintln!("response {}", outcome.response);
            }
            fail(&err.describe(), err.hint())
        }
    }
}

fn fail(what: &str, what_to_do: &str) -> ExitCode {
    eprintln!("error: {what} ({what_to_do})");
    ExitCode::FAILURE
}
