//! The command line: `invoke` handles Lambda event payloads, one after another, through the
//! same code path as Lambda; `replay` forwards local files, folders, S3 prefixes or a manifest
//! (backfill); `plan` writes the S3 Batch Operations manifest of a time window. `invoke` (per
//! event) and `replay` end with a one-line summary on stderr and exit 0 only on full success. `attach`, `detach`
//! and `doctor` wire buckets to the function and check the wiring (`wiring`).

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::alert::{Alerts, SlackSettings};
use crate::api_key::{ApiKey, ApiKeySource};
use crate::aws_sdk::SharedSdkConfig;
use crate::backfill::{KeyFilter, PlanRequest, TimeWindow};
use crate::config::Config;
use crate::deadline::Deadline;
use crate::failure_queue::FailureQueue;
use crate::format::sources::{self, Source};
use crate::intake::{DryRunIntake, HttpIntake, Intake};
use crate::pipeline::{Forwarder, Outcome};
use crate::replay;
use crate::store::S3Store;
use crate::wiring;

mod wire;

/// Ships AWS security logs and findings to the Datadog logs intake. Runs as an AWS
/// Lambda function when AWS_LAMBDA_RUNTIME_API is set; otherwise as this command.
#[derive(Parser, Debug)]
#[command(name = "security-log-forwarder", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Handle Lambda event payloads (a finding, an S3/SNS/SQS notification, a CloudWatch Logs
    /// or Kinesis event, …), one after another in one process, as one warm function instance
    /// handles successive invocations.
    Invoke {
        /// Write each log entry to stdout as one JSON line instead of sending it.
        #[arg(long)]
        dry_run: bool,
        /// The event JSON files, or `-` for stdin.
        #[arg(required = true)]
        events: Vec<String>,
    },
    /// Forward local files or folders, every object under s3://bucket[/prefix], or the
    /// objects of a manifest.
    Replay {
        /// Write each log entry to stdout as one JSON line instead of sending it.
        #[arg(long)]
        dry_run: bool,
        /// A Batch Operations CSV manifest (`bucket,key` lines, keys URL-encoded), as `plan`
        /// writes it.
        #[arg(long)]
        manifest: Option<std::path::PathBuf>,
        /// Record completed objects in this file; the same command run again skips them.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        #[command(flatten)]
        filters: Filters,
        /// Files, folders or s3:// URLs.
        #[arg(required_unless_present = "manifest")]
        sources: Vec<String>,
    },
    /// Re-send the events on the failure queue (Lambda's on-failure destination): each
    /// message is deleted only when its event was delivered; the others stay on the queue.
    Redrive {
        /// The failure queue's URL (default: FAILURE_QUEUE_URL).
        #[arg(long)]
        queue: Option<String>,
        /// Stop after this many messages.
        #[arg(long)]
        max: Option<u64>,
        /// List what would be re-sent (event type, object or finding, age); send and delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Seconds a message stays hidden while it is handled, and before one that failed again
        /// can be received again.
        #[arg(long, default_value_t = 300)]
        visibility: u64,
    },
    /// Write the S3 Batch Operations CSV manifest of the CloudTrail / GuardDuty-export objects
    /// under s3://bucket/prefix in a time window, walking only its date folders.
    Plan {
        #[command(flatten)]
        filters: Filters,
        /// s3://bucket/AWSLogs/ (or the trail's own prefix, or a folder below AWSLogs/).
        source: String,
    },
    /// Send a bucket's new objects to the function: adds our notification configuration (or
    /// turns on EventBridge delivery), keeping every other configuration as it was. With
    /// --log-group / --log-group-prefix: puts our subscription filter on log groups, keeping
    /// their other filters; with --account-policy: the account-level subscription filter
    /// policy (every group of the account and Region but the excluded ones).
    Attach {
        #[command(flatten)]
        target: Target,
        /// With --account-policy: a group to leave out (repeat for several).
        #[arg(long = "exclude-log-group", requires = "account_policy")]
        exclude_log_groups: Vec<String>,
        /// With --account-policy: `LogGroupName NOT IN ["a", "b"]`, merged with --exclude-log-group.
        #[arg(long, requires = "account_policy")]
        selection_criteria: Option<String>,
        /// The subscription filter pattern (empty: every event).
        #[arg(long, default_value = "")]
        filter_pattern: String,
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
    /// Remove our notification configuration from a bucket (or our subscription filter from
    /// log groups), keeping the others.
    Detach {
        #[command(flatten)]
        target: Target,
        /// Also remove any function configuration sending to this function.
        #[arg(long)]
        function_arn: Option<String>,
        /// Print the configuration before and after; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the wiring with this environment: configuration, API key, intake, each bucket's
    /// permissions, notification and newest objects, and each log group's subscription,
    /// permission and newest event. Exit 1 when a check fails.
    Doctor {
        /// The function's ARN (inside Lambda, its own name is used).
        #[arg(long)]
        function_arn: Option<String>,
        /// A bucket the function reads (repeat for several), s3://BUCKET.
        #[arg(long = "bucket")]
        buckets: Vec<String>,
        /// A CloudWatch Logs group that should send to the function (repeat for several).
        #[arg(long = "log-group")]
        log_groups: Vec<String>,
        /// Check every group whose name starts with this.
        #[arg(long)]
        log_group_prefix: Option<String>,
    },
}

/// What `attach` and `detach` wire: a bucket, log groups, or the account's subscription filter
/// policy.
#[derive(Args, Debug)]
struct Target {
    /// The bucket, s3://BUCKET (none with --log-group / --log-group-prefix / --account-policy).
    #[arg(required_unless_present_any = ["log_groups", "log_group_prefix", "account_policy"])]
    bucket: Option<String>,
    /// A CloudWatch Logs group (repeat for several).
    #[arg(long = "log-group")]
    log_groups: Vec<String>,
    /// Every group whose name starts with this (with --dry-run: listed).
    #[arg(long)]
    log_group_prefix: Option<String>,
    /// The account-level subscription filter policy (one per account and Region): `attach`
    /// puts ours, always excluding the function's own log group; `detach` removes ours only
    /// when it sends to our function (--function-arn, or else any Lambda function).
    #[arg(long, conflicts_with_all = ["bucket", "log_groups", "log_group_prefix"])]
    account_policy: bool,
}

impl Cli {
    /// Whether this is `doctor`, which reports a configuration that does not load itself.
    pub fn is_doctor(&self) -> bool {
        matches!(self.command, Some(Command::Doctor { .. }))
    }
}

/// Which objects `plan` and `replay` take, by the dates and folders of their keys.
#[derive(Args, Debug)]
struct Filters {
    /// First day (2026-09-01, UTC) or instant (2026-09-01T12:00:00Z) included.
    #[arg(long)]
    since: Option<String>,
    /// First day or instant excluded.
    #[arg(long)]
    until: Option<String>,
    /// Only these accounts (comma-separated).
    #[arg(long, value_delimiter = ',')]
    accounts: Vec<String>,
    /// Only these regions (comma-separated).
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// Only this kind's logs: a kind of the table of sources with a date layout (cloudtrail,
    /// guardduty, vpc, waf, elb, route53, network-firewall, cloudfront, s3-access).
    #[arg(long, value_parser = parse_kind)]
    kind: Option<&'static Source>,
}

fn parse_kind(text: &str) -> Result<&'static Source, String> {
    sources::backfilled().find(|row| row.name.eq_ignore_ascii_case(text)).ok_or_else(|| {
        let names: Vec<&str> = sources::backfilled().map(|row| row.name).collect();
        format!("{text:?}: expected one of {}", names.join(", "))
    })
}

impl Filters {
    fn filter(self) -> Result<KeyFilter, String> {
        let window = TimeWindow::parse(self.since.as_deref(), self.until.as_deref()).map_err(|e| e.to_string())?;
        Ok(KeyFilter { window, accounts: self.accounts, regions: self.regions, kind: self.kind })
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
        Some(Command::Invoke { dry_run, events }) => (dry_run, Work::Invoke(events)),
        Some(Command::Replay { dry_run, manifest, checkpoint, filters, sources }) => match filters.filter() {
            Ok(filter) => (dry_run, Work::Replay(sources, replay::ReplayOptions { filter, manifest, checkpoint })),
            Err(err) => return fail(&err, "see --help"),
        },
        Some(Command::Plan { filters, source }) => return plan(filters, &source, &config).await,
        Some(Command::Redrive { queue, max, dry_run, visibility }) => {
            let Some(queue) = queue.or_else(|| config.failure_queue_url.clone()) else {
                return fail("no failure queue given", "pass --queue URL or set FAILURE_QUEUE_URL");
            };
            if !dry_run && config.api_key == ApiKeySource::None {
                // Never delete messages whose events went nowhere.
                return fail("no API key configured", "set DD_API_KEY or DD_API_KEY_SECRET_ARN, or pass --dry-run");
            }
            let options = crate::redrive::RedriveOptions { max, dry_run, visibility: Duration::from_secs(visibility) };
            (dry_run, Work::Redrive(queue, options))
        }
        Some(Command::Doctor { function_arn, buckets, log_groups, log_group_prefix }) => {
            let request = wiring::DoctorRequest { function_arn, buckets, log_groups, log_group_prefix };
            return wiring::doctor(&config, &SharedSdkConfig::new(config.aws.clone()), &request).await;
        }
        Some(command) => return wire::wire(command, &config).await,
    };
    let dry_run = dry_run
        || {
            let missing = config.api_key == ApiKeySource::None;
            if missing {
                eprintln!(
                    "no API key configured (DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME, DD_KMS_API_KEY or DD_API_KEY): running as a dry run, nothing is sent"
                );
            }
            missing
        };
    let sdk = SharedSdkConfig::new(config.aws.clone());
    if dry_run {
        // A dry run shows the Slack message it would post, and posts nothing.
        let alerts = config.slack.clone().map(SlackSettings::dry_run);
        return work.run(config, DryRunIntake::stdout(), alerts, sdk).await;
    }
    let key = match ApiKey::resolve(&config.api_key, &sdk).await {
        Ok(Some(key)) => key,
        Ok(None) => {
            return fail(
                "no API key configured",
                "set DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME, DD_KMS_API_KEY or DD_API_KEY",
            );
        }
        Err(err) => {
            return fail(
                &crate::error_chain(&err),
                "check the key's secret, parameter or ciphertext and the credentials used to read it",
            );
        }
    };
    let client = match crate::http_client::build(&config.proxies) {
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
    Invoke(Vec<String>),
    Replay(Vec<String>, replay::ReplayOptions),
    Redrive(String, crate::redrive::RedriveOptions),
}

impl Work {
    async fn run<I: Intake>(self, config: Config, intake: I, alerts: Option<Alerts>, sdk: SharedSdkConfig) -> ExitCode {
        let store = S3Store::new(sdk.clone());
        let forwarder = match alerts {
            Some(alerts) => Forwarder::with_alerts(config.forwarder, intake, store, alerts),
            None => Forwarder::new(config.forwarder, intake, store),
        };
        let queue_url = match &self {
            Work::Redrive(url, _) => Some(url.clone()),
            _ => config.failure_queue_url.clone(),
        };
        if let Some(url) = queue_url {
            forwarder.set_failure_queue(FailureQueue::new(sdk.clone(), url));
        }
        let outcome = match self {
            Work::Invoke(paths) => return invoke(&forwarder, &paths).await,
            Work::Replay(sources, options) => match replay::replay(&forwarder, &sources, &options).await {
                Ok(outcome) => outcome,
                Err(replay::ReplayError::Interrupted { done }) => {
                    eprintln!("interrupted after {done} objects; run the same command again to continue");
                    return ExitCode::from(130);
                }
                Err(err) => return fail(&crate::error_chain(&err), "check the manifest, checkpoint or prefix given"),
            },
            Work::Redrive(url, options) => return redrive(&forwarder, FailureQueue::new(sdk, url), &options).await,
        };
        report(outcome)
    }
}

/// `invoke`: each event handled in turn, its summary (and partial-batch response) on stderr;
/// exit 1 when any failed, after the rest were handled, as later invocations would be.
async fn invoke<I: Intake>(forwarder: &Forwarder<I, S3Store>, paths: &[String]) -> ExitCode {
    let mut exit = ExitCode::SUCCESS;
    for path in paths {
        let event = match read_event(path) {
            Ok(event) => event,
            Err(err) => return fail(&format!("cannot read {path}: {err}"), "pass event JSON files, or - for stdin"),
        };
        if paths.len() > 1 {
            eprintln!("event {path}");
        }
        let code = report(forwarder.handle(&event, Deadline::none()).await);
        if code != ExitCode::SUCCESS {
            exit = code;
        }
    }
    exit
}

/// `redrive`: a progress bar on a terminal, the summary on stderr; exit 1 when any payload
/// still fails.
async fn redrive<I: Intake>(
    forwarder: &Forwarder<I, S3Store>,
    queue: FailureQueue,
    options: &crate::redrive::RedriveOptions,
) -> ExitCode {
    use std::io::IsTerminal;
    let depth = queue.depth().await.map(|d| d.visible).unwrap_or(0);
    let length = options.max.map_or(depth, |max| max.min(depth));
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(length);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} messages {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |summary: &crate::redrive::RedriveSummary| {
        if let Some(bar) = &bar {
            bar.set_position(summary.received);
            let failing: u64 = summary.still_failing.values().sum();
            bar.set_message(format!("re-sent {} failing {failing}", summary.resent));
        }
    };
    let started = std::time::Instant::now();
    let done = crate::redrive::redrive(forwarder, &queue, options, &progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = match done {
        Ok(summary) => summary,
        Err(err) => return fail(&crate::error_chain(&err), "check the queue URL and the credentials"),
    };
    let verb = if options.dry_run { "listed (dry run, nothing sent)" } else { "redrive" };
    eprintln!("{verb} {summary} in {:.1} s", started.elapsed().as_secs_f64());
    if !options.dry_run {
        eprintln!("summary {}", summary.stats);
    }
    if summary.still_failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        fail(
            "some events still fail and stay on the queue",
            "see the errors above; run redrive again once the cause is fixed",
        )
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
    if outcome.partial_batch {
        eprintln!("response {}", outcome.response);
    }
    match outcome.error {
        None => ExitCode::SUCCESS,
        Some(err) => fail(&err.describe(), err.hint()),
    }
}

/// `plan`: the manifest on stdout, the totals (and a progress spinner on a terminal) on stderr.
async fn plan(filters: Filters, source: &str, config: &Config) -> ExitCode {
    use std::io::{IsTerminal, Write};
    let Some(rest) = source.strip_prefix("s3://") else {
        return fail(&format!("{source:?} is not an s3:// URL"), "give s3://bucket/AWSLogs/");
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let filter = match filters.filter() {
        Ok(filter) => filter,
        Err(err) => return fail(&err, "see --help"),
    };
    let request = PlanRequest { bucket: bucket.to_owned(), prefix: prefix.to_owned(), filter };
    let store = S3Store::new(SharedSdkConfig::new(config.aws.clone()));
    let bar = std::io::stderr().is_terminal().then(indicatif::ProgressBar::new_spinner);
    let started = std::time::Instant::now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = Ok(());
    let planned = crate::backfill::plan(&store, &request, |object, totals| {
        if written.is_ok() {
            written = writeln!(out, "{}", crate::backfill::manifest::line(bucket, &object.key));
        }
        if let Some(bar) = &bar {
            bar.set_message(format!("{} objects, {}", totals.objects, indicatif::HumanBytes(totals.bytes)));
            bar.tick();
        }
    })
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let totals = match planned {
        Ok(totals) => totals,
        Err(err) => return fail(&crate::error_chain(&err), "check the bucket, the prefix and the credentials"),
    };
    if let Err(err) = written.and_then(|()| out.flush()) {
        return fail(&format!("cannot write the manifest: {err}"), "check the output");
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "planned {} objects, {} ({} bytes); {} digest files left out; {} list requests ({} keys) in {:.1} s ({:.0} objects/s)",
        totals.objects,
        indicatif::HumanBytes(totals.bytes),
        totals.bytes,
        totals.digests,
        totals.listings,
        totals.keys_listed,
        seconds,
        totals.objects as f64 / seconds.max(1e-9)
    );
    ExitCode::SUCCESS
}

fn fail(what: &str, what_to_do: &str) -> ExitCode {
    eprintln!("error: {what} ({what_to_do})");
    ExitCode::FAILURE
}
