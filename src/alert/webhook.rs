//! Posting a message to a Slack incoming webhook: `200 ok` is success; 429 (incoming webhooks
//! take about one message a second), 5xx and connection errors are retried with backoff and
//! jitter, honouring `Retry-After`, within the deadline; any other answer is permanent and
//! reported with Slack's error code (`invalid_payload`, `no_service`, `channel_is_archived`…).
//! The URL is a credential: it is never logged or put in an error.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};

use crate::deadline::Deadline;
use crate::retry::{RetrySettings, backoff, parse_retry_after};

/// Shortest time worth starting a request in before the deadline.
const MIN_REQUEST_TIME: Duration = Duration::from_millis(300);

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
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let timeout =
                deadline.remaining().map_or(self.retry.request_timeout, |left| left.min(self.retry.request_timeout));
            if timeout < MIN_REQUEST_TIME {
                return Err(WebhookError::Deadline { attempts: attempt - 1, last: "no time left".into() });
            }
            let sent = self
                .client
                .post(&self.url)
                .header(CONTENT_TYPE, "application/json")
                .timeout(timeout)
                .body(body.clone())
                .send()
                .await;
            let (last, retry_after) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let location = crate::http_client::location_host(&response);
                    let retry_after =
                        response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
                    let answer = response.text().await.unwrap_or_default();
                    match status {
                        200..=299 => return Ok(u64::from(attempt - 1)),
                        300..=399 => return Err(WebhookError::Redirected { status, location }),
                        429 | 500..=599 => (format!("HTTP {status} {}", error_code(&answer)), retry_after),
                        _ => return Err(WebhookError::Refused { status, code: error_code(&answer) }),
                    }
                }
                // The client's error may quote the URL: only its kind is kept.
                Err(err) if err.is_timeout() => ("timeout".to_owned(), None),
                Err(err) if err.is_connect() => ("connection failed".to_owned(), None),
                Err(_) => ("request failed".to_owned(), None),
            };
            if attempt >= self.retry.max_attempts {
                return Err(WebhookError::Unavailable { attempts: attempt, last });
            }
            let wait = backoff(&self.retry, attempt - 1, retry_after);
            if deadline.remaining().is_some_and(|left| wait + MIN_REQUEST_TIME >= left) {
                return Err(WebhookError::Deadline { attempts: attempt, last });
            }
            tracing::warn!(attempt, last = %last, wait_ms = wait.as_millis() as u64, "Slack alert not taken; retrying");
            tokio::time::sleep(wait).await;
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
