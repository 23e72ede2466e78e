//! The Datadog logs intake's documented limits and the forwarder's own safety caps.

use std::time::Duration;

/// Largest request body the intake accepts, uncompressed, brackets and commas included.
pub(crate) const MAX_BODY_BYTES: usize = 5_000_000;
/// Largest number of log entries in one request array.
pub(crate) const MAX_ENTRIES_PER_BATCH: usize = 1000;
/// Largest single log entry; the intake truncates anything longer, so we shrink it first.
pub(crate) const MAX_ENTRY_BYTES: usize = 1_000_000;
/// Largest raw record (CloudTrail record or JSON line) read into memory; larger ones are
/// skipped without being buffered and counted.
pub(crate) const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;
/// The intake drops logs dated further in the past than this (after answering 202).
pub(crate) const MAX_PAST: Duration = Duration::from_secs(18 * 3600);
/// The intake drops logs dated further in the future than this.
pub(crate) const MAX_FUTURE: Duration = Duration::from_secs(2 * 3600);
/// Margin kept inside the timestamp window so a log is still inside it when indexed.
pub(crate) const WINDOW_MARGIN: Duration = Duration::from_secs(10 * 60);
