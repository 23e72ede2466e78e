//! Wiring a bucket to the function, and checking the wiring: `attach` and `detach` merge our
//! configuration into a bucket's notification configuration (or turn on its EventBridge
//! delivery) keeping every other configuration as it was; `doctor` checks, with the
//! function's environment, everything a finding needs to arrive. Administrative commands of
//! the command line: only they change or inspect bucket configurations.

pub mod account_policy;
mod attach;
mod bucket;
mod check_report;
mod detach;
mod doctor;
mod finding_rules;
pub mod function;
mod log_group_checks;
pub mod log_groups;
pub mod merge;
pub mod notification;
mod objects;
mod queue;
mod routes;
mod rule_metrics;

pub use attach::{AttachRequest, Via, attach};
pub use bucket::Buckets;
pub use detach::detach;
pub use doctor::{DoctorRequest, doctor, doctor_without_config};

use notification::Notifications;

/// A wiring command failed.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// Not `s3://BUCKET` (or a bare bucket name).
    #[error("`{0}` is not a bucket (expected s3://BUCKET)")]
    NotABucket(String),
    /// Not a Lambda function ARN.
    #[error("`{0}` is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)")]
    NotAFunctionArn(String),
    /// `attach` through a function notification needs the function.
    #[error("attach needs --function-arn (or --via eventbridge)")]
    NoFunction,
    /// Reading the notification configuration failed.
    #[error("cannot read the notification configuration of s3://{bucket}: {problem}")]
    Read {
        /// Bucket.
        bucket: String,
        /// S3's code and message.
        problem: String,
        /// What the SDK said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Writing it failed (nothing changed).
    #[error("cannot write the notification configuration of s3://{bucket}: {problem}")]
    Write {
        /// Bucket.
        bucket: String,
        /// S3's code and message.
        problem: String,
        /// What the SDK said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A log group could not be read or changed, or has no free subscription slot.
    #[error("log group {group}: {problem}")]
    LogGroup {
        /// The group (or the prefix listed).
        group: String,
        /// What went wrong.
        problem: String,
    },
    /// The account's subscription filter policy could not be read or changed, or is another
    /// consumer's.
    #[error("account subscription filter policy: {problem}")]
    AccountPolicy {
        /// What went wrong.
        problem: String,
    },
    /// Another consumer's configuration overlaps ours: S3 would refuse it (nothing changed).
    #[error(
        "s3://{bucket}: the configuration {other} already receives object-created events for keys ours would match, and S3 sends an event to one destination only; the bucket is unchanged"
    )]
    Overlap {
        /// Bucket.
        bucket: String,
        /// The other configuration's Id, kind and ARN.
        other: String,
    },
}

impl WiringError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::NotABucket(_) | Self::NotAFunctionArn(_) | Self::NoFunction => "see --help",
            Self::Read { .. } => "check the bucket name, the Region and the s3:GetBucketNotification permission",
            Self::Write { .. } => {
                "S3 checks it may invoke the function: deploy the stack with this bucket as CloudTrailBucketName or GuardDutyExportBucketName first; writing needs s3:PutBucketNotification"
            }
            Self::LogGroup { .. } => {
                "check the group name and Region; putting a filter needs logs:PutSubscriptionFilter and the stack's permission for logs.amazonaws.com to invoke the function; a full group needs one of its filters removed first"
            }
            Self::AccountPolicy { .. } => {
                "an account has one subscription filter policy per Region: subscribe groups one by one with --log-group / --log-group-prefix instead, or remove the other policy first; putting one needs logs:PutAccountPolicy"
            }
            Self::Overlap { .. } => {
                "run again with --via eventbridge (and deploy with EnableS3EventBridgeRule=true), or narrow --prefix/--suffix so that no key matches both"
            }
        }
    }
}

/// The bucket named by `s3://BUCKET` (or `BUCKET`); a key part is refused.
pub fn bucket_name(url: &str) -> Result<String, WiringError> {
    let name = url.strip_prefix("s3://").unwrap_or(url).trim_end_matches('/');
    let valid = (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if valid { Ok(name.to_owned()) } else { Err(WiringError::NotABucket(url.to_owned())) }
}

/// Checks that `arn` is a Lambda function ARN.
pub fn function_arn(arn: &str) -> Result<String, WiringError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let valid = parts.len() >= 7
        && parts[0] == "arn"
        && parts[2] == "lambda"
        && parts[5] == "function"
        && parts[3..5].iter().chain(&parts[6..7]).all(|p| !p.is_empty());
    if valid { Ok(arn.to_owned()) } else { Err(WiringError::NotAFunctionArn(arn.to_owned())) }
}

/// How a merge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    /// Nothing to change: nothing written.
    Unchanged,
    /// A dry run: before and after printed, nothing written.
    DryRun,
    /// Written.
    Written,
}

/// Writes `merged` unless it equals `current` or this is a dry run (then prints both).
async fn apply(
    buckets: &Buckets,
    bucket: &str,
    current: &Notifications,
    merged: &Notifications,
    dry_run: bool,
) -> Result<Applied, WiringError> {
    if dry_run {
        println!("s3://{bucket} notification configuration now:\n{}", pretty(current));
        println!("after (dry run, nothing written):\n{}", pretty(merged));
        return Ok(Applied::DryRun);
    }
    if merged == current {
        return Ok(Applied::Unchanged);
    }
    buckets.write(bucket, merged).await?;
    Ok(Applied::Written)
}

fn pretty(n: &Notifications) -> String {
    serde_json::to_string_pretty(&n.to_json()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_urls_and_function_arns() {
        assert_eq!(bucket_name("s3://my-trail.logs").unwrap(), "my-trail.logs");
        assert_eq!(bucket_name("my-bucket/").unwrap(), "my-bucket");
        assert!(bucket_name("s3://my-bucket/AWSLogs").is_err());
        assert!(bucket_name("s3://My_Bucket").is_err());
        assert!(function_arn("arn:aws:lambda:us-east-1:111122223333:function:fwd").is_ok());
        assert!(function_arn("arn:aws-cn:lambda:cn-north-1:111122223333:function:fwd:live").is_ok());
        assert!(function_arn("arn:aws:sqs:us-east-1:111122223333:function:fwd").is_err());
        assert!(function_arn("fwd").is_err());
    }
}
