//! Retrying a request: exponential backoff with full jitter, honouring `Retry-After`, for
//! every HTTP destination (the Datadog intake, the Slack webhook).

use std::time::Duration;

/// Retry and timeout settings for requests to one destination.
#[derive(Debug, Clone)]
pub struct RetrySettings {
    /// Attempts per request body, first one included.
    pub max_attempts: u32,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// First backoff step; doubles per attempt, full jitter.
    pub base_backoff: Duration,
    /// Largest backoff step.
    pub max_backoff: Duration,
}

/// Exponential backoff with full jitter: a random wait in `[0, min(max, base·2^attempt)]`.
/// When the server asked for a `Retry-After`, the jitter is added on top of it, so that many
/// concurrent invocations told to wait the same second do not all come back in the same instant.
pub(crate) fn backoff(settings: &RetrySettings, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let ceiling = settings.base_backoff.saturating_mul(1u32 << attempt.min(16)).min(settings.max_backoff);
    let jittered = ceiling.mul_f64(fastrand::f64());
    retry_after.unwrap_or_default() + jittered
}

/// Parses a `Retry-After` value in seconds (HTTP dates are ignored: the backoff applies).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(|secs| Duration::from_secs(secs.min(300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let s = RetrySettings {
            max_attempts: 5,
            request_timeout: Duration::from_secs(1),
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        };
        for attempt in 0..40 {
            let d = backoff(&s, attempt, None);
            assert!(d <= Duration::from_secs(2));
            assert!(d <= Duration::from_millis(100) * 2u32.pow(attempt.min(5)));
        }
        for attempt in 0..5 {
            let d = backoff(&s, attempt, Some(Duration::from_secs(3)));
            assert!(d >= Duration::from_secs(3) && d <= Duration::from_secs(5));
        }
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
