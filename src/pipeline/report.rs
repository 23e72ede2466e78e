//! What an invocation and each of its objects come to: counters and the first failure.

use super::errors::{ForwardError, ObjectName};
use crate::format::ObjectKind;
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
}

impl ObjectReport {
    /// An object skipped on purpose (its kind's row in the table of sources says why), or
    /// `None` for one to read.
    pub(super) fn skipped(kind: ObjectKind, name: &ObjectName) -> Option<Self> {
        // An object of no known kind is skipped only after its first bytes are looked at.
        let why = kind.skipped().filter(|_| kind != ObjectKind::Unknown)?;
        tracing::info!(object = %name, kind = kind.source().name, "skipped: {why}");
        Some(Self { stats: Stats { objects_skipped: 1, ..Stats::default() }, error: None })
    }

    pub(super) fn failed(error: ForwardError) -> Self {
        tracing::error!(error = %error.describe(), "cannot read object");
        Self { stats: Stats { objects_failed: 1, ..Stats::default() }, error: Some(error) }
    }
}
