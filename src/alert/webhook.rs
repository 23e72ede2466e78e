//! Posting a message to a Slack incoming webhook: `200 ok` is success; 429 (incoming webhooks
//! take about one message a second), 5xx and connection errors are retried with backoff and
//! jitter, honouring `Retry-After`, within the deadline; any other answer is permanent and
//! reported with Slack's error code (`invalid_payload`, `no_service`, `channel_is_archived`…).
//! The URL is a credential: it is never logged or put in an error.

use reqwest::header::CONTENT_TYPE;

use crate::deadline::Deadline;
use crate::retry::{Attempt, GaveUp, RetrySettings, retry_after_of, transport_kind, with_retries};

/// A Slack incoming webhook.
pub struct SlackWebhook {
    client: reqwest::Client,
    url: String,
    retry: RetrySettings,
}

impl std::fmt::Debug for SlackWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackWebhook(<redacted>)")
    }
}

/// Why a message was not posted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Slack refused the message for good (HTTP 4xx but 429): a revoked webhook, an archived
    /// channel, a payload it does not take.
    #[error("Slack refused the alert (HTTP {status}, {code})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Slack's error code from the answer's body (`no_service`, `invalid_payload`…).
        code: String,
    },
    /// The webhook answered with a redirect, never followed (it would carry the message and
    /// the webhook's secret path to another host).
    #[error("the Slack webhook answered HTTP {status} redirecting to {location}; redirects are not followed")]
    Redirected {
        /// HTTP status.
        status: u16,
        /// Scheme, host and port of the `Location` header.
        location: String,
    },
    /// Slack stayed unavailable or rate-limited for every attempt allowed.
    #[error("Slack did not take the alert after {attempts} attempts ({last})")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// The last status or connection problem (never the URL).
        last: String,
    },
    /// Retrying further would pass the Lambda deadline.
    #[error("stopped retrying the Slack alert to stay within the Lambda deadline after {attempts} attempts ({last})")]
    Deadline {
        /// Attempts made.
        attempts: u32,
        /// The last status or connection problem.
        last: String,
    },
}

impl WebhookError {
    /// Whether a retry of the invocation cannot help (the webhook or channel must change).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Refused { .. } | Self::Redirected { .. })
    }
}

impl SlackWebhook {
    /// A webhook at `url`, posted to with `client` (the shared HTTP client).
    pub fn new(client: reqwest::Client, url: String, retry: RetrySettings) -> Self {
        Self { client, url, retry }
    }

    /// Posts `message` (Block Kit JSON); returns the retries it took.
    pub(crate) async fn post(&self, message: &serde_json::Value, deadline: Deadline) -> Result<u64, WebhookError> {
        let body = message.to_string();
        let body = &body;
        let posted = with_retries(&self.retry, deadline, "Slack", |timeout| async move {
            let request = self.client.post(&self.url).header(CONTENT_TYPE, "application/json").timeout(timeout);
            match request.body(body.clone()).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let location = crate::http_client::location_host(&response);
                    let retry_after = retry_after_of(&response);
                    let answer = response.text().await.unwrap_or_default();
                    match status {
                        200..=299 => Attempt::Done(Ok(())),
                        300..=399 => Attempt::Done(Err(WebhookError::Redirected { status, location })),
                        429 | 500..=599 => {
                            Attempt::Retry { last: format!("HTTP {status} {}", error_code(&answer)), retry_after }
                        }
                        _ => Attempt::Done(Err(WebhookError::Refused { status, code: error_code(&answer) })),
                    }
                }
                // The client's error may quote the URL: only its kind is kept.
                Err(err) => Attempt::Retry { last: transport_kind(&err).to_owned(), retry_after: None },
            }
        })
        .await;
        match posted {
            Ok((done, attempts)) => done.map(|()| u64::from(attempts - 1)),
            Err(GaveUp::Exhausted { attempts, last }) => Err(WebhookError::Unavailable { attempts, last }),
            Err(GaveUp::Deadline { attempts, last }) => {
                Err(WebhookError::Deadline { attempts, last: last.unwrap_or_else(|| "no time left".into()) })
            }
        }
    }
}

/// Slack's error code from an answer's body: a short token such as `no_service`, or
/// `unknown` (the body is never echoed otherwise).
fn error_code(answer: &str) -> String {
    let code = answer.trim();
    let token = !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if token { code.to_owned() } else { "unknown".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_tokens_only() {
        assert_eq!(error_code("no_service\n"), "no_service");
        assert_eq!(error_code("channel_is_archived"), "channel_is_archived");
        assert_eq!(error_code("<html>https://hooks.slack.com/services/T/B/secret</html>"), "unknown");
        assert_eq!(error_code(""), "unknown");
    }
}
