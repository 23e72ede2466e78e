//! `doctor`'s look at the failure queue: how many events wait there and how old the oldest
//! one seen is, with what to do about them.

use std::time::{Duration, SystemTime};

use crate::aws_sdk::SharedSdkConfig;
use crate::failure_queue::FailureQueue;
use crate::timestamp::human_age;

/// Reports the failure queue's depth and the age of the oldest message among up to ten
/// sampled (SQS gives no oldest-message age but through CloudWatch: the sample is made
/// visible again at once, and counts as one receive of each message sampled).
pub(super) async fn failure_queue_status(sdk: &SharedSdkConfig, url: &str) -> Result<String, (String, &'static str)> {
    let queue = FailureQueue::new(sdk.clone(), url);
    let depth = match queue.depth().await {
        Ok(depth) => depth,
        Err(err) => {
            let fix = "check FAILURE_QUEUE_URL and the sqs:GetQueueAttributes permission";
            return Err((crate::error_chain(&err), fix));
        }
    };
    if depth.visible + depth.in_flight == 0 {
        return Ok("empty: no failed events".to_owned());
    }
    let oldest = match queue.receive(Duration::from_secs(1), Duration::ZERO).await {
        Ok(sample) => {
            for message in &sample {
                let _ = queue.release(&message.receipt).await;
            }
            sample.iter().filter_map(|m| m.sent_ms).min()
        }
        Err(_) => None,
    };
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
    let age = oldest.map_or_else(
        || "age unknown".to_owned(),
        |sent| format!("oldest seen {}", human_age(Duration::from_millis(now.saturating_sub(sent)))),
    );
    Ok(format!(
        "{} failed events waiting, {} being handled ({age}); see them with `redrive --dry-run`, re-send them with `redrive` (docs/operations.md, \"After an outage\")",
        depth.visible, depth.in_flight
    ))
}
