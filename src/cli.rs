//! The command line: `invoke` handles one Lambda event payload through the same code path as
//! Lambda; `replay` forwards local files, folders or S3 prefixes (backfill). Both end with a
//! one-line summary on stderr and exit 0 only on full success. `attach`, `detach` and
//! `doctor` wire buckets to the function and check the wiring (`wiring`).

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
use crate::wiring;

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
    /// Send a bucket's new objects to the function: adds our notification configuration (or
    /// turns on EventBridge delivery), keeping every other configuration as it was.
    Attach {
        /// The bucket, s3://BUCKET.
        bucket: String,
        /// The function's ARN (the stack's ForwarderFunctionArn output).
        #[arg(long)]
        function_arn: Option<String>,
        /// Only keys ending with this (CloudTrail: .json.gz, GuardDuty export: .jsonl.gz).
        #[arg(long)]
        suffix: Option<String>,
        /// Only keys starting with this.
        #[arg(long)]
        prefix: Option<String>,
        /// `function` (a bucket notification) or `eventbridge` (the bucket's EventBridge
        /// delivery, with the stack's rule).
        #[arg(long, default_value = "function", value_parser = ["function", "eventbridge"])]
        via: String,
        /// Print the configuration before and after; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove our notification configuration from a bucket, keeping the others.
    Detach {
        /// The bucket, s3://BUCKET.
        bucket: String,
        /// Also remove any function configuration sending to this function.
        #[arg(long)]
        function_arn: Option<String>,
        /// Print the configuration before and after; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the wiring with this environment: configuration, API key, intake, and each
    /// bucket's permissions, notification and newest objects. Exit 1 when a check fails.
    Doctor {
        /// The function's ARN (inside Lambda, its own name is used).
        #[arg(long)]
        function_arn: Option<String>,
        /// A bucket the function reads (repeat for several), s3://BUCKET.
        #[arg(long = "bucket")]
        buckets: Vec<String>,
    },
}

impl Cli {
    /// Whether this is `doctor`, which reports a configuration that does not load itself.
    pub fn is_doctor(&self) -> bool {
        matches!(self.command, Some(Command::Doctor { .. }))
    }
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
        Some(Command::Doctor { function_arn, buckets }) => {
            let request = wiring::DoctorRequest { function_arn, buckets };
            return wiring::doctor(&config, &SharedSdkConfig::from_env(), &request).await;
        }
        Some(command) => return wire(command).await,
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

/// `attach` or `detach`.
async fn wire(command: Command) -> ExitCode {
    let result = async {
        let sdk = SharedSdkConfig::from_env();
        match command {
            Command::Attach { bucket, function_arn, suffix, prefix, via, dry_run } => {
                let request = wiring::AttachRequest {
                    bucket: wiring::bucket_name(&bucket)?,
                    function_arn: function_arn.as_deref().map(wiring::function_arn).transpose()?,
                    prefix,
                    suffix,
                    via: if via == "eventbridge" { wiring::Via::EventBridge } else { wiring::Via::Function },
                    dry_run,
                };
                wiring::attach(&wiring::Buckets::new(&sdk).await, &request).await
            }
            Command::Detach { bucket, function_arn, dry_run } => {
                let bucket = wiring::bucket_name(&bucket)?;
                let function_arn = function_arn.as_deref().map(wiring::function_arn).transpose()?;
                wiring::detach(&wiring::Buckets::new(&sdk).await, &bucket, function_arn.as_deref(), dry_run).await
            }
            _ => Ok(()),
        }
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err.to_string(), err.hint()),
    }
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
