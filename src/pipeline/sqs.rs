//! SQS batches: each message's objects are read, and the messages whose notification or
//! objects failed are returned in `batchItemFailures`, so only they come back to the queue
//! (with `ReportBatchItemFailures` on the event source mapping).

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};

use super::errors::{self, ForwardError};
use super::{Forwarder, ObjectSource, Outcome};
use crate::deadline::Deadline;
use crate::dispatch::{DispatchError, SqsBody, SqsMessage};
use crate::intake::Intake;
use crate::stats::Stats;
use crate::store::ObjectStore;

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    pub(super) async fn forward_sqs(&self, messages: Vec<SqsMessage>, deadline: Deadline) -> Outcome {
        let mut stats = Stats::default();
        let ids: Vec<String> = messages.iter().map(|m| m.message_id.clone()).collect();
        let mut failed = vec![false; messages.len()];
        let mut errors = Vec::new();
        let mut objects = Vec::new();
        let mut events = 0;
        for (i, message) in messages.into_iter().enumerate() {
            match message.body {
                SqsBody::Notification(Ok(n)) => {
                    stats.notifications_ignored += n.ignored;
                    objects.extend(n.objects.into_iter().map(|o| (i, ObjectSource::S3(o))));
                }
                SqsBody::Notification(Err(err)) => {
                    tracing::error!(message_id = %message.message_id, error = %err, "unreadable SQS message; reported as a batch item failure");
                    failed[i] = true;
                    errors.push(ForwardError::Dispatch(DispatchError::Notification(err)));
                }
                // An event back from the failure queue is handled on its own, as what it holds.
                SqsBody::Redriven(event) => {
                    events += 1;
                    let outcome = self.forward_redriven(event, deadline).await;
                    stats.merge(&outcome.stats);
                    if let Some(err) = outcome.error {
                        tracing::error!(message_id = %message.message_id, error = %err.describe(), "an event from the failure queue failed again; reported as a batch item failure");
                        failed[i] = true;
                        errors.push(err);
                    }
                }
            }
        }
        let total = objects.len() + errors.len() + events;
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
            response: batch_response(&ids, &failed),
            error: errors::combine(errors, total),
            partial_batch: true,
        }
    }
}

/// `{"batchItemFailures":[{"itemIdentifier":…},…]}` for the failed messages.
fn batch_response(ids: &[String], failed: &[bool]) -> serde_json::Value {
    let mut response = SqsBatchResponse::default();
    for (id, _) in ids.iter().zip(failed).filter(|(_, failed)| **failed) {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id.clone();
        response.batch_item_failures.push(failure);
    }
    serde_json::to_value(&response).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failed_messages_are_listed() {
        let messages: Vec<String> = ["m1", "m2", "m3"].iter().map(|id| (*id).to_owned()).collect();
        let response = batch_response(&messages, &[false, true, true]);
        assert_eq!(
            response,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]})
        );
        assert_eq!(batch_response(&messages, &[false; 3]), serde_json::json!({"batchItemFailures": []}));
    }
}
