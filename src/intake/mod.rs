//! The only code that talks to Datadog: sending request bodies to the logs intake with
//! retries, behind the [`Intake`] trait (the HTTP intake, or a dry run writing entries to
//! stdout); and the key and reachability checks `doctor` runs ([`check`]).

pub mod check;
mod dry_run;
mod http;
mod verdict;

pub use dry_run::DryRunIntake;
pub use http::{HttpIntake, HttpSettings};

use std::future::Future;

use crate::batch::Batch;
use crate::deadline::Deadline;

/// How the last attempt of a request ended, when it did not end with an answer we act on.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// A status that is retried (408, 429, 5xx).
    #[error("HTTP {0}")]
    Status(u16),
    /// No answer: connection refused or reset, timeout, TLS failure.
    #[error("{kind}")]
    Transport {
        /// `timeout`, `connection failed` or `request failed`.
        kind: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The deadline left no time for another request.
    #[error("no time left for a request")]
    NoTimeLeft,
    /// A redirect, not followed: it would carry the API key to another host.
    #[error("HTTP {status} redirecting to {location}, not followed")]
    Redirected {
        /// HTTP status.
        status: u16,
        /// Scheme, host and port of the `Location` header.
        location: String,
    },
    /// Writing entries (dry run) failed.
    #[error("writing entries failed")]
    Write(#[source] std::io::Error),
}

/// Why entries were not delivered.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// 401/403 (after re-reading a rotated key where possible).
    #[error(
        "the Datadog intake rejected the API key (HTTP {status}): check the key's source (DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME, DD_KMS_API_KEY or DD_API_KEY) and DD_SITE"
    )]
    ApiKeyRejected {
        /// HTTP status.
        status: u16,
    },
    /// A permanent refusal of the body (400 and other 4xx).
    #[error("the Datadog intake rejected {entries} entries (HTTP {status}); not retried")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Entries in the refused body.
        entries: usize,
    },
    /// Transient failures outlasted the attempts allowed.
    #[error("the Datadog intake is unavailable after {attempts} attempts")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// How the last one ended.
        #[source]
        last: AttemptError,
    },
    /// Retrying further would pass the Lambda deadline.
    #[error("stopped retrying to stay within the Lambda deadline after {attempts} attempts")]
    Deadline {
        /// Attempts made.
        attempts: u32,
        /// How the last one ended.
        #[source]
        last: AttemptError,
    },
    /// The intake (or a proxy, or `DD_URL`) answered with a redirect, which is never followed:
    /// it would carry the API key to another host.
    #[error(
        "the Datadog intake answered HTTP {status} redirecting to {location}; redirects are not followed (they would carry the API key): check DD_URL, DD_SITE and the proxy"
    )]
    Redirected {
        /// HTTP status (301, 302, 307, 308…).
        status: u16,
        /// Scheme, host and port of the `Location` header (no path: it may carry a token).
        location: String,
    },
    /// The proxy refused the request for want of credentials (407).
    #[error(
        "the proxy asked for credentials (HTTP {status}): put them in the proxy URL, http://user:password@host:port"
    )]
    ProxyAuthentication {
        /// HTTP status.
        status: u16,
    },
    /// A body refused as too large could not be decoded to be split.
    #[error("could not split a request body the intake refused as too large")]
    Split(#[source] std::io::Error),
}

impl IntakeError {
    /// Whether delivery of the remaining bodies should stop (they would fail the same way).
    pub(crate) fn stops_delivery(&self) -> bool {
        matches!(
            self,
            Self::ApiKeyRejected { .. }
                | Self::Deadline { .. }
                | Self::Redirected { .. }
                | Self::ProxyAuthentication { .. }
        )
    }
}

/// What became of one body's entries.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Entries the intake accepted.
    pub accepted: u64,
    /// Entries not delivered.
    pub failed: u64,
    /// Requests retried.
    pub retries: u64,
    /// Entries the intake refused on their own (HTTP 400 for a body of just that entry),
    /// dropped: the index of each one's record in its object. The rest of their body was
    /// delivered.
    pub rejected: Vec<u64>,
    /// Extra requests spent isolating the refused entries.
    pub isolating_requests: u64,
    /// The first error, if any entry failed.
    pub error: Option<IntakeError>,
}

/// Where bodies are delivered.
pub trait Intake: Send + Sync + 'static {
    /// Delivers one body (retrying, splitting on 413) before `deadline`.
    fn deliver(&self, batch: Batch, deadline: Deadline) -> impl Future<Output = Delivery> + Send;
}
