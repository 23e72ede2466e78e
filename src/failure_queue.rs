//! The failure queue (an SQS queue, Lambda's on-failure destination): the only code that talks
//! to it. The function puts continuations of partly delivered objects on it; `redrive`
//! receives, deletes and releases its messages; `doctor` reads its depth.

use std::time::Duration;

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, MessageSystemAttributeName,
    QueueAttributeName,
};
use tokio::sync::OnceCell;

use crate::aws_sdk::SharedSdkConfig;

/// A failure of a request to the queue (the queue URL is named, never a message body).
#[derive(Debug, thiserror::Error)]
#[error("SQS {action} on {queue} failed")]
pub struct QueueError {
    /// `SendMessage`, `ReceiveMessage`…
    pub action: &'static str,
    /// The queue URL.
    pub queue: String,
    /// The SDK's error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// One message received.
#[derive(Debug, Clone)]
pub struct QueueMessage {
    /// Message id.
    pub id: String,
    /// The receipt handle, to delete or release it.
    pub receipt: String,
    /// The body.
    pub body: String,
    /// When it was first sent, in milliseconds since the epoch.
    pub sent_ms: Option<u64>,
    /// How many times it was received, this time included.
    pub receive_count: u32,
}

/// The queue's depth, as SQS approximates it.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueDepth {
    /// Messages waiting.
    pub visible: u64,
    /// Messages received and not yet deleted or released.
    pub in_flight: u64,
}

/// The failure queue.
pub struct FailureQueue {
    sdk: SharedSdkConfig,
    client: OnceCell<aws_sdk_sqs::Client>,
    url: String,
}

impl std::fmt::Debug for FailureQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FailureQueue({})", self.url)
    }
}

impl FailureQueue {
    /// The queue at `url`; its client is built on first use.
    pub fn new(sdk: SharedSdkConfig, url: impl Into<String>) -> Self {
        Self { sdk, client: OnceCell::new(), url: url.into() }
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn client(&self) -> &aws_sdk_sqs::Client {
        self.client.get_or_init(|| async { aws_sdk_sqs::Client::new(self.sdk.get().await) }).await
    }

    fn error(&self, action: &'static str, source: impl std::error::Error + Send + Sync + 'static) -> QueueError {
        QueueError { action, queue: self.url.clone(), source: Box::new(source) }
    }

    /// Puts `body` on the queue.
    pub async fn put(&self, body: String) -> Result<(), QueueError> {
        let sent = self.client().await.send_message().queue_url(&self.url).message_body(body).send().await;
        sent.map(|_| ()).map_err(|e| self.error("SendMessage", e))
    }

    /// Receives up to 10 messages, hidden for `visibility`; waits up to `wait` for the first.
    pub async fn receive(&self, visibility: Duration, wait: Duration) -> Result<Vec<QueueMessage>, QueueError> {
        let received = self
            .client()
            .await
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .visibility_timeout(i32::try_from(visibility.as_secs()).unwrap_or(i32::MAX))
            .wait_time_seconds(i32::try_from(wait.as_secs().min(20)).unwrap_or(0))
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| self.error("ReceiveMessage", e))?;
        Ok(received
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let attribute = |name: MessageSystemAttributeName| {
                    m.attributes.as_ref().and_then(|a| a.get(&name)).and_then(|v| v.parse::<u64>().ok())
                };
                let sent_ms = attribute(MessageSystemAttributeName::SentTimestamp);
                let receive_count = attribute(MessageSystemAttributeName::ApproximateReceiveCount).unwrap_or(1) as u32;
                Some(QueueMessage {
                    id: m.message_id?,
                    receipt: m.receipt_handle?,
                    body: m.body.unwrap_or_default(),
                    sent_ms,
                    receive_count,
                })
            })
            .collect())
    }

    /// Deletes messages by receipt handle (at most 10); returns how many SQS did not delete.
    pub async fn delete(&self, receipts: &[&str]) -> Result<usize, QueueError> {
        if receipts.is_empty() {
            return Ok(0);
        }
        let entries = receipts
            .iter()
            .enumerate()
            .filter_map(|(i, receipt)| {
                DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(*receipt).build().ok()
            })
            .collect();
        let deleted = self
            .client()
            .await
            .delete_message_batch()
            .queue_url(&self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| self.error("DeleteMessageBatch", e))?;
        Ok(deleted.failed.len())
    }

    /// Keeps messages being handled hidden for another `visibility` (at most 10).
    pub async fn extend(&self, receipts: &[&str], visibility: Duration) -> Result<(), QueueError> {
        if receipts.is_empty() {
            return Ok(());
        }
        let seconds = i32::try_from(visibility.as_secs()).unwrap_or(i32::MAX);
        let entries = receipts
            .iter()
            .enumerate()
            .filter_map(|(i, receipt)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*receipt)
                    .visibility_timeout(seconds)
                    .build()
                    .ok()
            })
            .collect();
        self.client()
            .await
            .change_message_visibility_batch()
            .queue_url(&self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.error("ChangeMessageVisibilityBatch", e))
    }

    /// Makes a message visible again now (a dry run, or a message left for later).
    pub async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        let changed = self
            .client()
            .await
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(0)
            .send()
            .await;
        changed.map(|_| ()).map_err(|e| self.error("ChangeMessageVisibility", e))
    }

    /// The queue's approximate depth.
    pub async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let attributes = self
            .client()
            .await
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| self.error("GetQueueAttributes", e))?;
        let get = |name: QueueAttributeName| {
            attributes.attributes.as_ref().and_then(|a| a.get(&name)).and_then(|v| v.parse().ok()).unwrap_or(0)
        };
        Ok(QueueDepth {
            visible: get(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        })
    }
}
