//! What to do with each answer of the Datadog logs intake.

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
    /// 407: the proxy wants (other) credentials.
    ProxyAuthentication,
    /// 3xx: a redirect, never followed (it would carry the API key to another host).
    Redirected,
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
        300..=399 => Verdict::Redirected,
        407 => Verdict::ProxyAuthentication,
        _ => Verdict::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        for (status, expected) in [
            (200, Verdict::Accepted),
            (301, Verdict::Redirected),
            (307, Verdict::Redirected),
            (308, Verdict::Redirected),
            (202, Verdict::Accepted),
            (400, Verdict::Rejected),
            (401, Verdict::KeyRejected),
            (403, Verdict::KeyRejected),
            (404, Verdict::Rejected),
            (407, Verdict::ProxyAuthentication),
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
}
