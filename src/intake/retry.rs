//! What to do with each intake answer, and how long to wait before retrying.

use std::time::Duration;

/// Retry and timeout settings for intake requests.
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

/// The verdict on one response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// 2xx: delivered.
    Accepted,
    /// 408, 429, 5xx: retry after a backoff.
    Retry,
    /// 413: split the body in halves.
    Split,
    /// 401/403: the API key is wrong (or was rotated).
    KeyRejected,
    /// Any other 4xx (400…): permanent for this body.
    Rejected,
}

/// Classifies an HTTP status.
pub(crate) fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Accepted,
        408 | 429 | 500..=599 => Verdict::Retry,
        413 => Verdict::Split,
        401 | 403 => Verdict::KeyRejected,
        _ => Verdict::Rejected,
    }
}

/// Exponential backoff with full jitter: a random wait in `[0, min(max, base·2^attempt)]`,
/// but at least what the server asked for in `Retry-After`.
pub(crate) fn backoff(settings: &RetrySettings, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let ceiling = settings.base_backoff.saturating_mul(1u32 << attempt.min(16)).min(settings.max_backoff);
    let jittered = ceiling.mul_f64(fastrand::f64());
    jittered.max(retry_after.unwrap_or_default())
}

/// Parses a `Retry-After` value in seconds (HTTP dates are ignored: the backoff applies).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(|secs| Duration::from_secs(secs.min(300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        for (status, expected) in [
            (200, Verdict::Accepted),
            (202, Verdict::Accepted),
            (400, Verdict::Rejected),
            (401, Verdict::KeyRejected),
            (403, Verdict::KeyRejected),
            (404, Verdict::Rejected),
            (408, Verdict::Retry),
            (413, Verdict::Split),
            (429, Verdict::Retry),
            (500, Verdict::Retry),
            (502, Verdict::Retry),
            (503, Verdict::Retry),
            (504, Verdict::Retry),
        ] {
            assert_eq!(verdict(status), expected, "{status}");
        }
    }

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
        assert!(backoff(&s, 0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
