//! `detach`: removes our configuration (and, given the function's ARN, any function
//! configuration sending to it) from a bucket's notification configuration, keeping the
//! others. EventBridge delivery is left as it is: other consumers may depend on it.

use super::merge;
use super::{Applied, Buckets, WiringError, apply};

/// Detaches `bucket`, printing what it did.
pub async fn detach(
    buckets: &Buckets,
    bucket: &str,
    function_arn: Option<&str>,
    dry_run: bool,
) -> Result<(), WiringError> {
    let current = buckets.notifications(bucket).await?;
    let merged = merge::detach(&current, function_arn);
    let removed: Vec<String> =
        current.destinations.iter().filter(|d| !merged.destinations.contains(d)).map(|d| d.describe()).collect();
    match apply(buckets, bucket, &current, &merged, dry_run).await? {
        Applied::Unchanged => println!("s3://{bucket}: no configuration of ours to remove (nothing written)"),
        Applied::DryRun => {}
        Applied::Written => println!(
            "s3://{bucket}: removed {}; {} other configuration(s) kept as they were",
            removed.join(", "),
            merged.destinations.len()
        ),
    }
    if merged.event_bridge && !dry_run {
        println!(
            "note: EventBridge delivery stays on for s3://{bucket} (others may use it); the stack's rule stops with EnableS3EventBridgeRule=false"
        );
    }
    Ok(())
}
