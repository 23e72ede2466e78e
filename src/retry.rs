//! Retrying a request, for every HTTP destination (the Datadog intake, the Slack webhook):
//! exponential backoff with full jitter, honouring `Retry-After`, until the deadline (less the
//! time one request needs) — the attempt count is only an optional cap. Without a deadline
//! (the command line) attempts are capped at [`ATTEMPTS_WITHOUT_DEADLINE`] unless set.

use std::time::Duration;

use crate::deadline::Deadline;

/// Attempts per request when there is neither a deadline nor a cap.
pub const ATTEMPTS_WITHOUT_DEADLINE: u32 = 6;

/// Shortest time worth starting a request in before the deadline.
pub(crate) const MIN_REQUEST_TIME: Duration = Duration::from_millis(300);

/// Retry and timeout settings for requests to one destination.
#[derive(Debug, Clone)]
pub struct RetrySettings {
    /// Attempts per request, first one included; `None`: until the deadline (or
    /// [`ATTEMPTS_WITHOUT_DEADLINE`] without one).
    pub max_attempts: Option<u32>,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// First backoff step; doubles per attempt, full jitter.
    pub base_backoff: Duration,
    /// Largest backoff step.
    pub max_backoff: Duration,
}

/// How one attempt ended.
pub(crate) enum Attempt<T, L> {
    /// Finished: success or an answer not worth retrying.
    Done(T),
    /// A transient failure (`last` says what), to retry, after `retry_after` when the server
    /// asked for it.
    Retry {
        /// What went wrong.
        last: L,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// Why retrying stopped.
#[derive(Debug)]
pub(crate) enum GaveUp<L> {
    /// The attempt cap was reached.
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// How the last one ended.
        last: L,
    },
    /// The deadline left no time for another attempt (`last` is `None` when none was made).
    Deadline {
        /// Attempts made.
        attempts: u32,
        /// How the last one ended.
        last: Option<L>,
    },
}

/// Runs `attempt` (given the timeout for its request) until it is done, the cap is reached
/// or no time is left before `deadline`; returns what it ended with and the attempts made.
/// `what` names the destination in the warnings.
pub(crate) async fn with_retries<T, L: std::fmt::Display, F: Future<Output = Attempt<T, L>>>(
    settings: &RetrySettings,
    deadline: Deadline,
    what: &'static str,
    mut attempt: impl FnMut(Duration) -> F,
) -> Result<(T, u32), GaveUp<L>> {
    let cap = match (settings.max_attempts, deadline.remaining()) {
        (Some(cap), _) => cap,
        (None, Some(_)) => u32::MAX,
        (None, None) => ATTEMPTS_WITHOUT_DEADLINE,
    };
    let mut last = None;
    let mut made: u32 = 0;
    loop {
        let timeout = deadline.remaining().map_or(settings.request_timeout, |left| left.min(settings.request_timeout));
        if timeout < MIN_REQUEST_TIME {
            return Err(GaveUp::Deadline { attempts: made, last });
        }
        made += 1;
        let (failure, retry_after) = match attempt(timeout).await {
            Attempt::Done(done) => return Ok((done, made)),
            Attempt::Retry { last, retry_after } => (last, retry_after),
        };
        if made >= cap {
            return Err(GaveUp::Exhausted { attempts: made, last: failure });
        }
        let mut wait = backoff(settings, made - 1, retry_after);
        if let Some(left) = deadline.remaining() {
            // One last attempt just before the deadline rather than none.
            let latest = left.saturating_sub(MIN_REQUEST_TIME * 2);
            if latest < MIN_REQUEST_TIME / 2 {
                return Err(GaveUp::Deadline { attempts: made, last: Some(failure) });
            }
            wait = wait.min(latest);
        }
        tracing::warn!(destination = what, attempt = made, last = %failure, wait_ms = wait.as_millis() as u64, "request failed; retrying");
        last = Some(failure);
        tokio::time::sleep(wait).await;
    }
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

/// The `Retry-After` of an answer, in seconds.
pub(crate) fn retry_after_of(response: &reqwest::Response) -> Option<Duration> {
    response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after)
}

/// What kind of failure a request without an answer had (never the error's text, which may
/// quote a URL that is a credential).
pub(crate) fn transport_kind(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn settings(max_attempts: Option<u32>) -> RetrySettings {
        RetrySettings {
            max_attempts,
            request_timeout: Duration::from_secs(1),
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
        }
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let s = RetrySettings {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            ..settings(None)
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

    /// Fails `failures` times, then succeeds; counts the attempts.
    async fn run(s: &RetrySettings, deadline: Deadline, failures: u32) -> (Result<u32, GaveUp<&'static str>>, u32) {
        let mut calls = 0;
        let result = with_retries(s, deadline, "test", |_timeout| {
            calls += 1;
            let done = calls > failures;
            async move { if done { Attempt::Done(()) } else { Attempt::Retry { last: "HTTP 503", retry_after: None } } }
        })
        .await;
        (result.map(|((), made)| made), calls)
    }

    #[tokio::test]
    async fn with_a_deadline_it_retries_until_the_deadline_not_a_count() {
        let deadline = Deadline::at(Instant::now() + Duration::from_secs(3));
        let (result, calls) = run(&settings(None), deadline, 40).await;
        assert!(matches!(result, Ok(41)), "{calls} attempts");
        let deadline = Deadline::at(Instant::now() + Duration::from_millis(900));
        let started = Instant::now();
        let (result, calls) = run(&settings(None), deadline, u32::MAX).await;
        assert!(matches!(result, Err(GaveUp::Deadline { last: Some("HTTP 503"), .. })), "{calls}");
        assert!(started.elapsed() < Duration::from_millis(900), "past the deadline");
    }

    #[tokio::test]
    async fn the_cap_applies_and_without_a_deadline_there_is_a_default_one() {
        let (result, calls) = run(&settings(Some(3)), Deadline::none(), 10).await;
        assert!(matches!(result, Err(GaveUp::Exhausted { attempts: 3, .. })) && calls == 3);
        let (result, calls) = run(&settings(None), Deadline::none(), 10).await;
        assert!(matches!(result, Err(GaveUp::Exhausted { .. })) && calls == ATTEMPTS_WITHOUT_DEADLINE);
        let (result, _) = run(&settings(None), Deadline::none(), 2).await;
        assert!(matches!(result, Ok(3)));
        let passed = Deadline::at(Instant::now());
        let (result, calls) = run(&settings(None), passed, 0).await;
        assert!(matches!(result, Err(GaveUp::Deadline { attempts: 0, last: None })) && calls == 0);
    }

    #[tokio::test]
    async fn retry_after_is_waited_within_the_deadline() {
        let deadline = Deadline::at(Instant::now() + Duration::from_secs(2));
        let started = Instant::now();
        let mut calls = 0;
        let result: Result<((), u32), GaveUp<&str>> = with_retries(&settings(None), deadline, "test", |_| {
            calls += 1;
            async { Attempt::Retry { last: "HTTP 429", retry_after: Some(Duration::from_secs(60)) } }
        })
        .await;
        // The Retry-After is longer than the time left: one last attempt just before the deadline.
        assert!(matches!(result, Err(GaveUp::Deadline { .. })));
        assert_eq!(calls, 2);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
