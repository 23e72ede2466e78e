//! `doctor`: checks, with the function's environment, everything a finding needs to arrive,
//! one line per check (`✓ name: detail` or `✗ name: problem — fix: …`): the configuration,
//! the API key (resolved, then accepted by the site), the intake, the route to each endpoint
//! (`routes`), and for each bucket that it
//! is readable, notifies the function (or EventBridge), and that its newest CloudTrail file and
//! GuardDuty export can be read and decrypted, which EventBridge rules send which finding
//! families to the function and when each last matched, and each log group's subscription
//! (`log_group_checks`). Sends no logs and never prints the key.

use std::process::ExitCode;

use super::check_report::Report;
use super::merge::{self, FunctionRef};
use super::objects::ParquetCheck;
use super::rule_metrics::{CloudWatch, MatchedEvents, describe};
use super::{Buckets, bucket_name, finding_rules, function_arn, objects};
use crate::api_key::{ApiKey, ApiKeySource};
use crate::aws_sdk::SharedSdkConfig;
use crate::config::{Config, ConfigError};
use crate::format::ObjectKind;
use crate::format::sources::Reader;
use crate::intake::check::{KeyVerdict, host_of, reach_intake, validate_key};
use crate::store::ObjectErrorKind;
use crate::store::S3Store;

/// Bytes read from the start of each newest object.
const HEAD_BYTES: u64 = 1024;

/// What to check beyond the configuration.
#[derive(Debug, Clone, Default)]
pub struct DoctorRequest {
    /// The function (`--function-arn`); inside Lambda its own name is used instead.
    pub function_arn: Option<String>,
    /// Buckets to check (`s3://B` or `B`).
    pub buckets: Vec<String>,
    /// CloudWatch Logs groups to check.
    pub log_groups: Vec<String>,
    /// Check every group whose name starts with this.
    pub log_group_prefix: Option<String>,
}

/// The report when the configuration does not load: one ✗ naming the variable.
pub fn doctor_without_config(err: &ConfigError) -> ExitCode {
    let mut report = Report::default();
    report.fail("configuration", err, format_args!("correct {} (see docs/configuration.md)", err.var));
    report.exit()
}

/// Runs every check; exit status 1 when any fails.
pub async fn doctor(config: &Config, sdk: &SharedSdkConfig, request: &DoctorRequest) -> ExitCode {
    let mut report = Report::default();
    report.pass("configuration", format_args!("valid (site {}, intake {})", config.site, host_of(&config.intake.url)));
    check_datadog(&mut report, config, sdk).await;
    for route in super::routes::routes(config, sdk).await {
        let name = format!("route to {} ({})", route.name, route.endpoint);
        match route.outcome {
            Ok(detail) => report.pass(&name, detail),
            Err(problem) => report.fail(
                &name,
                problem,
                "give the subnets a route to it (VPC endpoint, PrivateLink, NAT gateway) or set HTTPS_PROXY; see docs/network.md",
            ),
        }
    }
    let function = match request.function_arn.as_deref().map(function_arn).transpose() {
        Ok(arn) => arn.map(FunctionRef::Arn).or_else(|| config.lambda_function.clone().map(FunctionRef::Name)),
        Err(err) => {
            report.fail("function", err, "pass the ARN from the stack's ForwarderFunctionArn output");
            None
        }
    };
    if let Some(url) = &config.failure_queue_url {
        match super::queue::failure_queue_status(sdk, url).await {
            Ok(status) => report.pass("failure queue", status),
            Err((problem, fix)) => report.fail("failure queue", problem, fix),
        }
    }
    if let Some(function) = &function {
        check_finding_rules(&mut report, sdk, function, &CloudWatch::new(config, sdk)).await;
    }
    let store = S3Store::new(sdk.clone());
    let buckets = Buckets::new(sdk).await;
    for url in &request.buckets {
        match bucket_name(url) {
            Ok(bucket) => check_bucket(&mut report, &store, &buckets, &bucket, function.as_ref()).await,
            Err(err) => report.fail("bucket", err, "name it as s3://BUCKET"),
        }
    }
    let prefix = request.log_group_prefix.as_deref();
    super::log_group_checks::check_log_groups(&mut report, sdk, function.as_ref(), &request.log_groups, prefix).await;
    report.exit()
}

/// One line per EventBridge rule that sends findings to the function, with when it last
/// matched (from `metrics`, if reachable: never a failure), and one for the families no rule
/// sends.
async fn check_finding_rules(
    report: &mut Report,
    sdk: &SharedSdkConfig,
    function: &FunctionRef,
    metrics: &impl MatchedEvents,
) {
    let rules = match finding_rules::finding_rules(sdk, function).await {
        Ok(rules) => rules,
        Err(err) => {
            return report.fail(
                "finding rules",
                format_args!("cannot list the EventBridge rules: {}", crate::error_chain(&err)),
                "allow events:ListRules and events:ListTargetsByRule to whoever runs doctor",
            );
        }
    };
    if rules.is_empty() {
        return report.fail(
            "finding rules",
            "no EventBridge rule sends findings to the function",
            "deploy with ForwardGuardDutyFindings=true (or another Forward…Findings parameter)",
        );
    }
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    let matches = metrics.matches(&names).await;
    for (i, rule) in rules.iter().enumerate() {
        let detail = format_args!(
            "{} ({}) sends {}; {}",
            rule.name,
            rule.state,
            rule.families.join(", "),
            describe(matches.as_ref().map(|m| m.get(i).copied()))
        );
        if rule.state == "ENABLED" {
            report.pass("finding rule", detail);
        } else {
            report.fail("finding rule", detail, format_args!("enable it: aws events enable-rule --name {}", rule.name));
        }
    }
    let missing = finding_rules::unforwarded(&rules);
    if !missing.is_empty() {
        report.note(format_args!("finding families not forwarded: {}", missing.join(", ")));
    }
}

async fn check_datadog(report: &mut Report, config: &Config, sdk: &SharedSdkConfig) {
    let key = match &config.api_key {
        ApiKeySource::None => {
            report.fail(
                "API key",
                "none configured",
                "set DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME, DD_KMS_API_KEY (or DD_API_KEY)",
            );
            None
        }
        ApiKeySource::Plain(key) => {
            report.pass("API key", "from DD_API_KEY");
            Some(ApiKey::fixed(key))
        }
        source => {
            let (from, fix) = match source {
                ApiKeySource::Secret(arn) => (
                    format!("the secret {}", arn.split_once(":secret:").map_or(arn.as_str(), |(_, name)| name)),
                    "create the secret or correct DD_API_KEY_SECRET_ARN; the function's role needs secretsmanager:GetSecretValue on it",
                ),
                ApiKeySource::Ssm(name) => (
                    format!("the SSM parameter {name}"),
                    "create the SecureString parameter or correct DD_API_KEY_SSM_NAME; the function's role needs ssm:GetParameter on it (and kms:Decrypt on its key if it is not the AWS managed one)",
                ),
                _ => (
                    "DD_KMS_API_KEY".to_owned(),
                    "encrypt the key with a KMS key the function's role may kms:Decrypt, and put the base64 CiphertextBlob in DD_KMS_API_KEY",
                ),
            };
            match ApiKey::resolve(source, sdk).await {
                Ok(key) => {
                    report.pass("API key", format_args!("read from {from}"));
                    key
                }
                Err(err) => {
                    report.fail("API key", format_args!("{from} cannot be read: {}", crate::root_cause(&err)), fix);
                    None
                }
            }
        }
    };
    let client = match crate::http_client::build(&config.proxies) {
        Ok(client) => client,
        Err(err) => return report.fail("HTTP client", err, "check the TLS set-up of this machine"),
    };
    let validate_host = host_of(&config.intake.validate_url);
    if let Some(key) = key {
        match validate_key(&client, &config.intake, &key.current()).await {
            Ok(KeyVerdict::Valid) => report.pass("API key accepted", format_args!("valid for {validate_host}")),
            Ok(KeyVerdict::Rejected(status)) => report.fail(
                "API key accepted",
                format_args!("key rejected by {validate_host} (HTTP {status})"),
                format_args!("use an API key (not an application key) of the organisation at DD_SITE={}", config.site),
            ),
            Err(err) => report.fail(
                "API key accepted",
                format_args!("no answer: {}", crate::error_chain(&err)),
                "check DD_SITE / DD_URL and the route to Datadog (NAT gateway, proxy)",
            ),
        }
    }
    let intake_host = host_of(&config.intake.url);
    match reach_intake(&client, &config.intake).await {
        Ok(status) => report
            .pass("intake reachable", format_args!("{intake_host} answers (HTTP {status} to a GET; no logs sent)")),
        Err(err) => report.fail(
            "intake reachable",
            crate::error_chain(&err),
            "check DD_SITE / DD_URL and the route to Datadog (NAT gateway, proxy)",
        ),
    }
}

async fn check_bucket(
    report: &mut Report,
    store: &S3Store,
    buckets: &Buckets,
    bucket: &str,
    function: Option<&FunctionRef>,
) {
    let readable = match store.list_detailed(bucket, "", None, None).await {
        Ok(page) => {
            report.pass(&format!("s3://{bucket} readable"), format_args!("listed {} keys", page.objects.len()));
            true
        }
        Err(err) => {
            report.fail(&format!("s3://{bucket} readable"), err.kind, object_fix(err.kind, bucket));
            false
        }
    };
    let name = format!("s3://{bucket} notification");
    match buckets.notifications(bucket).await {
        Err(err) => report.fail(&name, err, "the caller needs s3:GetBucketNotification"),
        Ok(notifications) => {
            let ours = function.and_then(|f| notifications.destinations.iter().find(|d| merge::delivers_to(d, f)));
            match (ours, function) {
                (Some(d), _) => report.pass(&name, format_args!("{} receives s3:ObjectCreated events", d.describe())),
                (None, _) if notifications.event_bridge => report.pass(
                    &name,
                    "EventBridge delivery on (the stack needs EnableS3EventBridgeRule=true and this bucket as a parameter)",
                ),
                (None, Some(f)) => report.fail(
                    &name,
                    format_args!("no notification to {} and EventBridge delivery off", function_text(f)),
                    match f {
                        FunctionRef::Arn(arn) => format!("security-log-forwarder attach s3://{bucket} --function-arn {arn}"),
                        FunctionRef::Name(_) => format!("security-log-forwarder attach s3://{bucket} --function-arn ARN"),
                    },
                ),
                (None, None) => report.fail(
                    &name,
                    "no function to look for",
                    "pass --function-arn (the stack's ForwarderFunctionArn output)",
                ),
            }
        }
    }
    if readable {
        check_objects(report, store, bucket).await;
    }
}

async fn check_objects(report: &mut Report, store: &S3Store, bucket: &str) {
    let survey = match objects::survey(store, bucket).await {
        Ok(survey) => survey,
        Err(err) => return report.fail(&format!("s3://{bucket} objects"), &err, object_fix(err.kind, bucket)),
    };
    if survey.newest.is_empty() {
        report.fail(
            &format!("s3://{bucket} objects"),
            format_args!("no log file of a known kind among the {} keys listed", survey.listed),
            "check the trail's or the export's bucket and prefix (CloudTrail delivers about every 5 minutes)",
        );
    }
    for (kind, object) in &survey.newest {
        let name = match kind {
            ObjectKind::GuardDutyExport => format!("s3://{bucket} newest GuardDuty export readable"),
            ObjectKind::CloudTrail => format!("s3://{bucket} newest CloudTrail file readable"),
            kind => {
                let row = kind.source();
                format!("s3://{bucket} newest {} file readable (source:{})", row.name, row.ddsource)
            }
        };
        if kind.source().reader == Reader::FlowParquet {
            match objects::parquet_ends(store, bucket, &object.key).await {
                Ok(ParquetCheck::Footer(len)) => report.pass(
                    &name,
                    format_args!(
                        "{} (Parquet, {} bytes; its {len}-byte footer read by a ranged GET)",
                        object.key, object.size
                    ),
                ),
                Ok(ParquetCheck::NotParquet) => report.fail(
                    &name,
                    format_args!("{} is not a Parquet file (no PAR1 at its ends)", object.key),
                    "check what writes .parquet objects to this bucket; the function counts such a file as damaged",
                ),
                Err(err) => report.fail(&name, &err, object_fix(err.kind, bucket)),
            }
            continue;
        }
        match store.read_head(bucket, &object.key, HEAD_BYTES).await {
            Ok(head) => {
                let gzip = if head.starts_with(&[0x1f, 0x8b]) { ", gzip" } else { "" };
                report.pass(&name, format_args!("{} (first {} bytes read{gzip})", object.key, head.len()));
            }
            Err(err) => report.fail(&name, &err, object_fix(err.kind, bucket)),
        }
    }
    if survey.newest.iter().any(|(kind, _)| *kind == ObjectKind::CloudTrail) || survey.digests > 0 {
        report.pass(
            &format!("s3://{bucket} digest files"),
            format_args!("{} among the {} keys listed, skipped by the function", survey.digests, survey.listed),
        );
    }
    for (kind, count) in &survey.skipped {
        report.pass(
            &format!("s3://{bucket} {} files", kind.source().name),
            format_args!(
                "{count} among the {} keys listed, skipped by the function: {}",
                survey.listed,
                kind.skipped().unwrap_or("")
            ),
        );
    }
}

fn object_fix(kind: ObjectErrorKind, bucket: &str) -> String {
    match kind {
        ObjectErrorKind::AccessDenied => {
            format!(
                "grant the function's role s3:GetObject and s3:ListBucket on {bucket} (template: the bucket parameters)"
            )
        }
        ObjectErrorKind::KmsDenied => "add the bucket's KMS key to the stack's KmsKeyArns parameter".to_owned(),
        ObjectErrorKind::BucketNotFound => "check the bucket name and the Region".to_owned(),
        ObjectErrorKind::CredentialsExpired => "run again with fresh credentials".to_owned(),
        ObjectErrorKind::KmsUnavailable | ObjectErrorKind::Throttled => "run again in a moment".to_owned(),
        ObjectErrorKind::NotFound | ObjectErrorKind::Other => "check the bucket and the route to S3".to_owned(),
    }
}

fn function_text(function: &FunctionRef) -> &str {
    match function {
        FunctionRef::Arn(arn) | FunctionRef::Name(arn) => arn,
    }
}
