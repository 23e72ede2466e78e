//! Per-run counters and the one-line summary. Every record read ends up in exactly one of
//! `entries_sent`, `entries_failed` or a `dropped` reason, so
//! `records_in = entries_sent + entries_failed + dropped`.

use std::fmt;

/// Why a record was deliberately not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The entry stayed over 1,000,000 bytes even after shrinking its largest strings.
    EntryTooLarge,
    /// The raw record was over the reader's cap and was skipped without being buffered.
    RecordTooLarge,
    /// A GuardDuty finding below `GUARDDUTY_MIN_SEVERITY`.
    BelowMinSeverity,
    /// An archived GuardDuty finding (`GUARDDUTY_SKIP_ARCHIVED`).
    Archived,
    /// Matched `EXCLUDE_AT_MATCH`.
    Excluded,
    /// Did not match `INCLUDE_AT_MATCH`.
    NotIncluded,
}

impl DropReason {
    /// Every reason, in summary order.
    pub const ALL: [DropReason; 6] = [
        DropReason::EntryTooLarge,
        DropReason::RecordTooLarge,
        DropReason::BelowMinSeverity,
        DropReason::Archived,
        DropReason::Excluded,
        DropReason::NotIncluded,
    ];

    /// CloudWatch metric name.
    pub fn metric_name(self) -> &'static str {
        match self {
            DropReason::EntryTooLarge => "DroppedEntryTooLarge",
            DropReason::RecordTooLarge => "DroppedRecordTooLarge",
            DropReason::BelowMinSeverity => "DroppedBelowMinSeverity",
            DropReason::Archived => "DroppedArchived",
            DropReason::Excluded => "DroppedExcluded",
            DropReason::NotIncluded => "DroppedNotIncluded",
        }
    }

    /// Name used in the summary.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::EntryTooLarge => "entry_too_large",
            DropReason::RecordTooLarge => "record_too_large",
            DropReason::BelowMinSeverity => "below_min_severity",
            DropReason::Archived => "archived",
            DropReason::Excluded => "excluded",
            DropReason::NotIncluded => "not_included",
        }
    }
}

/// Counters for one invocation, object or replay.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Records read from the event or objects.
    pub records_in: u64,
    /// Entries the intake accepted (or, in a dry run, written to stdout).
    pub entries_sent: u64,
    /// Entries that could not be delivered (the run fails).
    pub entries_failed: u64,
    /// Records dropped on purpose, by [`DropReason`] index.
    pub dropped: [u64; DropReason::ALL.len()],
    /// Entries sent with their largest strings shortened to fit the 1 MB entry limit.
    pub truncated: u64,
    /// Records that were not valid JSON and were sent as a plain `message`.
    pub invalid_json: u64,
    /// Entries sent with a date clamped into the intake's window.
    pub clamped_dates: u64,
    /// Request bodies built.
    pub batches: u64,
    /// Uncompressed body bytes.
    pub bytes_raw: u64,
    /// Body bytes after compression.
    pub bytes_compressed: u64,
    /// Intake requests retried.
    pub retries: u64,
    /// S3 objects read.
    pub objects: u64,
    /// S3 objects skipped on purpose (CloudTrail digests).
    pub objects_skipped: u64,
    /// S3 objects that could not be read to the end.
    pub objects_failed: u64,
    /// Notification records ignored on purpose (not ObjectCreated, S3 test events).
    pub notifications_ignored: u64,
}

impl Stats {
    /// Counts one record dropped for `reason`.
    pub fn drop_record(&mut self, reason: DropReason) {
        self.dropped[reason as usize] += 1;
    }

    /// Records dropped for `reason`.
    pub fn dropped_for(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize]
    }

    /// Records dropped for any reason.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    /// Whether every record was sent or dropped on purpose.
    pub fn balanced(&self) -> bool {
        self.records_in == self.entries_sent + self.entries_failed + self.dropped_total()
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.records_in += other.records_in;
        self.entries_sent += other.entries_sent;
        self.entries_failed += other.entries_failed;
        for (mine, theirs) in self.dropped.iter_mut().zip(other.dropped) {
            *mine += theirs;
        }
        self.truncated += other.truncated;
        self.invalid_json += other.invalid_json;
        self.clamped_dates += other.clamped_dates;
        self.batches += other.batches;
        self.bytes_raw += other.bytes_raw;
        self.bytes_compressed += other.bytes_compressed;
        self.retries += other.retries;
        self.objects += other.objects;
        self.objects_skipped += other.objects_skipped;
        self.objects_failed += other.objects_failed;
        self.notifications_ignored += other.notifications_ignored;
    }
}

impl fmt::Display for Stats {
    /// The summary line: `records_in=… entries_sent=… dropped=… (reason=…) …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "records_in={} entries_sent={} entries_failed={} dropped={}",
            self.records_in,
            self.entries_sent,
            self.entries_failed,
            self.dropped_total()
        )?;
        for reason in DropReason::ALL {
            let n = self.dropped_for(reason);
            if n > 0 {
                write!(f, " dropped_{}={n}", reason.name())?;
            }
        }
        write!(
            f,
            " truncated={} invalid_json={} clamped_dates={} batches={} bytes_raw={} bytes_compressed={} retries={} objects={} objects_skipped={} objects_failed={} notifications_ignored={}",
            self.truncated,
            self.invalid_json,
            self.clamped_dates,
            self.batches,
            self.bytes_raw,
            self.bytes_compressed,
            self.retries,
            self.objects,
            self.objects_skipped,
            self.objects_failed,
            self.notifications_ignored
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_and_balance() {
        let mut a = Stats { records_in: 3, entries_sent: 1, ..Stats::default() };
        a.drop_record(DropReason::EntryTooLarge);
        a.entries_failed = 1;
        assert!(a.balanced());
        let mut b = Stats::default();
        b.merge(&a);
        b.merge(&a);
        assert_eq!(b.records_in, 6);
        assert_eq!(b.dropped_for(DropReason::EntryTooLarge), 2);
        let line = b.to_string();
        assert!(line.starts_with("records_in=6 entries_sent=2 entries_failed=2 dropped=2 dropped_entry_too_large=2 "));
    }
}
