//! The only code that talks to Datadog: sending request bodies to the logs intake with
//! retries, behind the [`Intake`] trait (the HTTP intake, or a dry run writing entries to
//! stdout).

pub mod dry_run;
pub mod http;
pub mod retry;

use std::future::Future;

use crate::batch::Batch;
use crate::deadline::Deadline;

/// Why entries were not delivered.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum IntakeError {
    /// 401/403 (after re-reading a rotated key where possible).
    #[error(
        "the Datadog intake rejected the API key (HTTP {status}): check DD_API_KEY / DD_API_KEY_SECRET_ARN and DD_SITE"
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
    #[error("the Datadog intake is unavailable after {attempts} attempts (last: {last})")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// Last status or connection error.
        last: String,
    },
    /// Retrying further would pass the Lambda deadline.
    #[error("stopped retrying to stay within the Lambda deadline after {attempts} attempts (last: {last})")]
    Deadline {
        /// Attempts made.
        attempts: u32,
        /// Last status or connection error.
        last: String,
    },
    /// A body could not be re-encoded for splitting.
    #[error("could not split a request body: {0}")]
    Split(String),
    /// A body could not be compressed.
    #[error("could not compress a request body: {0}")]
    Compress(String),
}

impl IntakeError {
    /// Short name used as the Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::ApiKeyRejected { .. } => "ApiKeyRejected",
            Self::Rejected { .. } => "IntakeRejected",
            Self::Unavailable { .. } => "IntakeUnavailable",
            Self::Deadline { .. } => "DeadlineExceeded",
            Self::Split(_) => "IntakeRejected",
            Self::Compress(_) => "InternalError",
        }
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
    /// Compressed bytes of the body (set by the pipeline, not by the intake).
    pub bytes_sent: u64,
    /// The first error, if any entry failed.
    pub error: Option<IntakeError>,
}

/// Where bodies are delivered.
pub trait Intake: Send + Sync + 'static {
    /// Delivers one body (retrying, splitting on 413) before `deadline`.
    fn deliver(&self, batch: Batch, deadline: Deadline) -> impl Future<Output = Delivery> + Send;
}
