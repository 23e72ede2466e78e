//! What an invocation and each of its objects come to: counters and the first failure.

use super::errors::{ErrorType, ForwardError, ObjectName};
use crate::format::ObjectKind;
use crate::record_set::RecordSet;
use crate::stats::Stats;

/// The result of one invocation.
#[derive(Debug)]
pub struct Outcome {
    /// Counters.
    pub stats: Stats,
    /// The Lambda response (an SQS batch response lists the failed messages).
    pub response: serde_json::Value,
    /// Set when anything was not delivered; the invocation fails unless it is an SQS batch.
    pub error: Option<ForwardError>,
    /// Whether failures are reported per item in `response` (an SQS batch's failed messages,
    /// Batch Operations' task results), so the invocation itself succeeds.
    pub partial_batch: bool,
}

impl Outcome {
    pub(super) fn summary(stats: Stats, error: Option<ForwardError>) -> Self {
        let response = serde_json::json!({ "summary": stats.to_string() });
        Self { stats, response, error, partial_batch: false }
    }
}

/// What became of one object.
#[derive(Debug, Default)]
pub struct ObjectReport {
    /// Counters.
    pub stats: Stats,
    /// Set when the object was not fully delivered.
    pub error: Option<ForwardError>,
    /// The records (by index) delivered this time, for a continuation.
    pub(crate) delivered: RecordSet,
}

impl ObjectReport {
    /// An object skipped on purpose (its kind's row in the table of sources says why), or
    /// `None` for one to read.
    pub(super) fn skipped(kind: ObjectKind, name: &ObjectName) -> Option<Self> {
        // An object of no known kind is skipped only after its first bytes are looked at.
        let why = kind.skipped().filter(|_| kind != ObjectKind::Unknown)?;
        tracing::info!(object = %name, kind = kind.source().name, "skipped: {why}");
        Some(Self { stats: Stats { objects_skipped: 1, ..Stats::default() }, ..Self::default() })
    }

    pub(super) fn failed(error: ForwardError) -> Self {
        tracing::error!(error = %error.describe(), "cannot read object");
        Self { stats: Stats { objects_failed: 1, ..Stats::default() }, error: Some(error), ..Self::default() }
    }

    /// For an event back from the failure queue: an object that no longer exists is counted
    /// as missing and skipped, so that its message is not retried forever.
    pub(super) fn missing_is_skipped(mut self) -> Self {
        if self.error.as_ref().is_some_and(|e| e.error_type() == ErrorType::ObjectNotFound) {
            self.error = None;
            self.stats.objects_failed -= 1;
            self.stats.objects_missing += 1;
        }
        self
    }
}
