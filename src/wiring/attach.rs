//! `attach`: adds our function configuration to a bucket's notification configuration (or
//! turns on its EventBridge delivery), keeping every other configuration exactly as it was.
//! Refuses when another consumer's configuration overlaps ours; changes nothing the second
//! time.

use super::merge::{self, OUR_ID, our_id};
use super::{Applied, Buckets, WiringError, apply};

/// How S3 events reach the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Via {
    /// A Lambda function notification on the bucket.
    #[default]
    Function,
    /// The bucket's EventBridge delivery and the stack's rule.
    EventBridge,
}

/// What to attach.
#[derive(Debug, Clone, Default)]
pub struct AttachRequest {
    /// Bucket name.
    pub bucket: String,
    /// The function (needed for [`Via::Function`]).
    pub function_arn: Option<String>,
    /// Key prefix filter.
    pub prefix: Option<String>,
    /// Key suffix filter.
    pub suffix: Option<String>,
    /// The route.
    pub via: Via,
    /// Print before and after, write nothing.
    pub dry_run: bool,
}

/// Attaches the bucket as `request` says, printing what it did.
pub async fn attach(buckets: &Buckets, request: &AttachRequest) -> Result<(), WiringError> {
    let bucket = request.bucket.as_str();
    let current = buckets.notifications(bucket).await?;
    let function = request.function_arn.as_deref();
    let others = current.destinations.iter().filter(|d| !merge::is_ours(d, function)).count();
    match request.via {
        Via::Function => {
            let arn = request.function_arn.as_deref().ok_or(WiringError::NoFunction)?;
            let ours = merge::ours(arn, request.prefix.as_deref(), request.suffix.as_deref());
            let merged = merge::attach_function(&current, ours)
                .map_err(|other| WiringError::Overlap { bucket: bucket.to_owned(), other: other.describe() })?;
            match apply(buckets, bucket, &current, &merged, request.dry_run).await? {
                Applied::Unchanged => println!("s3://{bucket}: already attached to {arn} (nothing written)"),
                Applied::DryRun => {}
                Applied::Written => println!(
                    "s3://{bucket}: attached `{}`: s3:ObjectCreated:*{} -> {arn}; {others} other configuration(s) kept as they were",
                    our_id(request.prefix.as_deref().unwrap_or(""), request.suffix.as_deref().unwrap_or("")),
                    filter_text(request)
                ),
            }
            if current.event_bridge {
                println!(
                    "note: EventBridge delivery is also on for s3://{bucket}; if the stack's S3 rule (EnableS3EventBridgeRule) covers this bucket, every object is forwarded twice"
                );
            }
        }
        Via::EventBridge => {
            let merged = merge::attach_event_bridge(&current, function);
            let removed = current.destinations.len() - merged.destinations.len();
            match apply(buckets, bucket, &current, &merged, request.dry_run).await? {
                Applied::Unchanged => println!("s3://{bucket}: EventBridge delivery already on (nothing written)"),
                Applied::DryRun => {}
                Applied::Written => {
                    println!(
                        "s3://{bucket}: EventBridge delivery on; {others} other configuration(s) kept as they were"
                    );
                    if removed > 0 {
                        println!(
                            "removed our function configuration `{OUR_ID}`: with both routes every object would be forwarded twice"
                        );
                    }
                }
            }
            if !request.dry_run {
                println!(
                    "next: deploy the stack with EnableS3EventBridgeRule=true and this bucket as CloudTrailBucketName or GuardDutyExportBucketName: its rule sends the bucket's Object Created events to the function"
                );
            }
        }
    }
    Ok(())
}

fn filter_text(request: &AttachRequest) -> String {
    let mut text = String::new();
    for (name, value) in [("prefix", &request.prefix), ("suffix", &request.suffix)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            text.push_str(&format!(" {name} {value}"));
        }
    }
    text
}
