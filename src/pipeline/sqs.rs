//! SQS batches: each message's objects are read, and the messages whose notification or
//! objects failed are returned in `batchItemFailures`, so only they come back to the queue
//! (with `ReportBatchItemFailures` on the event source mapping).

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};

use super::errors::{self, ForwardError};
use super::{Forwarder, ObjectSource, Outcome};
use crate::deadline::Deadline;
use crate::dispatch::{DispatchError, SqsMessage};
use crate::intake::Intake;
use crate::stats::Stats;
use crate::store::ObjectStore;

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    pub(super) async fn forward_sqs(&self, messages: Vec<SqsMessage>, deadline: Deadline) -> Outcome {
        let mut stats = Stats::default();
        let mut failed = vec![false; messages.len()];
        let mut errors = Vec::new();
        let mut objects = Vec::new();
        for (i, message) in messages.iter().enumerate() {
            match &message.notification {
                Ok(n) => {
                    stats.notifications_ignored += n.ignored;
                    objects.extend(n.objects.iter().cloned().map(|o| (i, ObjectSource::S3(o))));
                }
                Err(err) => {
                    tracing::error!(message_id = %message.message_id, error = %err, "unreadable SQS message; reported as a batch item failure");
                    failed[i] = true;
                    errors.push(ForwardError::Dispatch(DispatchError::Notification(err.clone())));
                }
            }
        }
        let total = objects.len() + errors.len();
        for (i, report) in self.forward_objects(objects, deadline).await {
            stats.merge(&report.stats);
            if let Some(err) = report.error {
                if let Some(message_failed) = failed.get_mut(i) {
                    *message_failed = true;
                }
                errors.push(err);
            }
        }
        Outcome {
            stats,
            response: batch_response(&messages, &failed),
            error: errors::combine(errors, total),
            partial_batch: true,
        }
    }
}

/// `{"batchItemFailures":[{"itemIdentifier":…},…]}` for the failed messages.
fn batch_response(messages: &[SqsMessage], failed: &[bool]) -> serde_json::Value {
    let mut response = SqsBatchResponse::default();
    for (message, _) in messages.iter().zip(failed).filter(|(_, failed)| **failed) {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = message.message_id.clone();
        response.batch_item_failures.push(failure);
    }
    serde_json::to_value(&response).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrival::s3_notification::NotificationError;

    #[test]
    fn only_failed_messages_are_listed() {
        let messages: Vec<SqsMessage> = ["m1", "m2", "m3"]
            .iter()
            .map(|id| SqsMessage { message_id: (*id).to_owned(), notification: Err(NotificationError("x".into())) })
            .collect();
        let response = batch_response(&messages, &[false, true, true]);
        assert_eq!(
            response,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]})
        );
        assert_eq!(batch_response(&messages, &[false; 3]), serde_json::json!({"batchItemFailures": []}));
    }
}
