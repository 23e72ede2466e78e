//! Per-run counters, the one-line summary and the metric names, all generated from one list.
//! Every record read ends up in exactly one of `entries_sent`, `entries_failed` or a
//! `dropped` reason, so `records_in = entries_sent + entries_failed + dropped`.

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
    /// Refused by the intake on its own (HTTP 400 for a body holding only this entry): no
    /// retry can change that, and the rest of its body was delivered.
    RejectedByIntake,
    /// Valid JSON but not an object (`null`, a number, a string, an array) where a record or
    /// finding should be: not a log.
    NotARecord,
    /// A Security Hub copy of a finding whose product is forwarded directly
    /// (`SECURITYHUB_SKIP_COPIES_OF`).
    SecurityHubCopy,
    /// Delivered before, by the invocation that put the object's continuation on the failure
    /// queue: resuming the object skips it.
    AlreadyDelivered,
}

impl DropReason {
    /// Every reason, in summary order.
    pub(crate) const ALL: [DropReason; 10] = [
        DropReason::EntryTooLarge,
        DropReason::RecordTooLarge,
        DropReason::BelowMinSeverity,
        DropReason::Archived,
        DropReason::Excluded,
        DropReason::NotIncluded,
        DropReason::RejectedByIntake,
        DropReason::NotARecord,
        DropReason::SecurityHubCopy,
        DropReason::AlreadyDelivered,
    ];

    /// CloudWatch metric name.
    pub(crate) fn metric_name(self) -> &'static str {
        match self {
            DropReason::EntryTooLarge => "DroppedEntryTooLarge",
            DropReason::RecordTooLarge => "DroppedRecordTooLarge",
            DropReason::BelowMinSeverity => "DroppedBelowMinSeverity",
            DropReason::Archived => "DroppedArchived",
            DropReason::Excluded => "DroppedExcluded",
            DropReason::NotIncluded => "DroppedNotIncluded",
            DropReason::RejectedByIntake => "DroppedRejectedByIntake",
            DropReason::NotARecord => "DroppedNotARecord",
            DropReason::SecurityHubCopy => "DroppedSecurityHubCopy",
            DropReason::AlreadyDelivered => "DroppedAlreadyDelivered",
        }
    }

    /// Name used in the summary.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DropReason::EntryTooLarge => "dropped_entry_too_large",
            DropReason::RecordTooLarge => "dropped_record_too_large",
            DropReason::BelowMinSeverity => "dropped_below_min_severity",
            DropReason::Archived => "dropped_archived",
            DropReason::Excluded => "dropped_excluded",
            DropReason::NotIncluded => "dropped_not_included",
            DropReason::RejectedByIntake => "dropped_rejected_by_intake",
            DropReason::NotARecord => "dropped_not_a_record",
            DropReason::SecurityHubCopy => "dropped_security_hub_copy",
            DropReason::AlreadyDelivered => "dropped_already_delivered",
        }
    }
}

/// One counter as the summary line and the metrics show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter {
    /// Name in the summary line (`records_in`).
    pub(crate) name: &'static str,
    /// CloudWatch metric name (`RecordsIn`).
    pub(crate) metric: &'static str,
    /// CloudWatch unit.
    pub(crate) unit: &'static str,
    /// Value.
    pub(crate) value: u64,
    /// Left out of the summary line while zero (the per-reason drop counters).
    pub(crate) summary_if_zero: bool,
}

/// Declares the counters once: the struct fields, `merge` and the ordered list behind the
/// summary line and the metrics. `before_drops` come before the drop counters in the summary,
/// `after_drops` after them, and `when_used` last, in the summary only when not zero (they
/// belong to optional features).
macro_rules! counters {
    (
        before_drops { $( $(#[$b_doc:meta])* $b_field:ident => $b_metric:literal, $b_unit:literal; )* }
        after_drops { $( $(#[$a_doc:meta])* $a_field:ident => $a_metric:literal, $a_unit:literal; )* }
        when_used { $( $(#[$o_doc:meta])* $o_field:ident => $o_metric:literal, $o_unit:literal; )* }
    ) => {
        /// Counters for one invocation, object or replay.
        #[derive(Debug, Default, Clone, PartialEq, Eq)]
        pub struct Stats {
            $( $(#[$b_doc])* pub $b_field: u64, )*
            $( $(#[$a_doc])* pub $a_field: u64, )*
            $( $(#[$o_doc])* pub $o_field: u64, )*
            /// Records dropped on purpose, by [`DropReason`] index.
            pub(crate) dropped: [u64; DropReason::ALL.len()],
        }

        impl Stats {
            /// Adds `other` into `self`.
            pub fn merge(&mut self, other: &Stats) {
                $( self.$b_field += other.$b_field; )*
                $( self.$a_field += other.$a_field; )*
                $( self.$o_field += other.$o_field; )*
                for (mine, theirs) in self.dropped.iter_mut().zip(other.dropped) {
                    *mine += theirs;
                }
            }

            /// Every counter in summary order: the leading ones, `dropped` (the total), one per
            /// drop reason, then the others.
            pub(crate) fn counters(&self) -> Vec<Counter> {
                let mut all = vec![
                    $( Counter { name: stringify!($b_field), metric: $b_metric, unit: $b_unit, value: self.$b_field, summary_if_zero: true }, )*
                    Counter { name: "dropped", metric: "Dropped", unit: "Count", value: self.dropped_total(), summary_if_zero: true },
                ];
                all.extend(DropReason::ALL.iter().map(|reason| Counter {
                    name: reason.name(),
                    metric: reason.metric_name(),
                    unit: "Count",
                    value: self.dropped_for(*reason),
                    summary_if_zero: false,
                }));
                all.extend([
                    $( Counter { name: stringify!($a_field), metric: $a_metric, unit: $a_unit, value: self.$a_field, summary_if_zero: true }, )*
                ]);
                all.extend([
                    $( Counter { name: stringify!($o_field), metric: $o_metric, unit: $o_unit, value: self.$o_field, summary_if_zero: false }, )*
                ]);
                all
            }
        }
    };
}

counters! {
    before_drops {
        /// Records read from the event or objects.
        records_in => "RecordsIn", "Count";
        /// Entries the intake accepted (or, in a dry run, written to stdout).
        entries_sent => "EntriesSent", "Count";
        /// Entries that could not be delivered (the run fails).
        entries_failed => "EntriesFailed", "Count";
    }
    after_drops {
        /// Entries sent with their largest strings shortened to fit the 1 MB entry limit.
        truncated => "Truncated", "Count";
        /// Records that were not valid JSON and were sent as a plain `message`.
        invalid_json => "InvalidJson", "Count";
        /// Entries sent with a date clamped into the intake's window.
        clamped_dates => "ClampedDates", "Count";
        /// Request bodies built.
        batches => "Batches", "Count";
        /// Uncompressed body bytes.
        bytes_raw => "BytesRaw", "Bytes";
        /// Body bytes after compression.
        bytes_compressed => "BytesCompressed", "Bytes";
        /// Intake requests retried.
        retries => "Retries", "Count";
        /// Extra intake requests spent isolating entries the intake refused (HTTP 400).
        isolating_requests => "IsolatingRequests", "Count";
        /// S3 objects read.
        objects => "Objects", "Count";
        /// S3 objects skipped on purpose (CloudTrail digests).
        objects_skipped => "ObjectsSkipped", "Count";
        /// S3 objects that could not be read to the end.
        objects_failed => "ObjectsFailed", "Count";
        /// Notification records ignored on purpose (not ObjectCreated, S3 test events).
        notifications_ignored => "NotificationsIgnored", "Count";
    }
    when_used {
        /// Objects whose content is damaged (malformed, trailing data, corrupt or truncated
        /// compression): the records before the damage were read, the rest cannot be.
        objects_damaged => "ObjectsDamaged", "Count";
        /// Objects with no content at all (0 bytes, or an empty gzip member).
        objects_empty => "ObjectsEmpty", "Count";
        /// Records that do not match their object's format (a flow-log line whose fields do
        /// not match the header): sent as a plain `message`.
        malformed_records => "MalformedRecords", "Count";
        /// S3 reads resumed with a ranged GET after the connection broke mid-object.
        resumed_reads => "ResumedReads", "Count";
        /// CloudWatch Logs `CONTROL_MESSAGE` payloads (reachability checks): dropped, never sent.
        control_messages => "ControlMessages", "Count";
        /// Slack alerts posted (or written, in a dry run).
        alerts_sent => "AlertsSent", "Count";
        /// Slack alerts that could not be posted (the invocation fails).
        alerts_failed => "AlertsFailed", "Count";
        /// Findings below `SLACK_MIN_SEVERITY` (or without a severity): no alert.
        alerts_skipped_below_severity => "AlertsSkippedBelowSeverity", "Count";
        /// Archived findings: no alert.
        alerts_skipped_archived => "AlertsSkippedArchived", "Count";
        /// Updates of an existing finding (without `SLACK_ALERT_UPDATES`): no alert.
        alerts_skipped_update => "AlertsSkippedUpdate", "Count";
        /// Sample findings (with `SLACK_INCLUDE_SAMPLES=false`): no alert.
        alerts_skipped_sample => "AlertsSkippedSample", "Count";
        /// Events re-processed from the failure queue (invocation records and continuations).
        redriven => "Redriven", "Count";
        /// Partly delivered objects whose rest was put on the failure queue as a continuation
        /// (their undelivered entries count in `entries_failed`; the invocation succeeds).
        continuations_queued => "ContinuationsQueued", "Count";
        /// Objects of a re-processed event that no longer exist: skipped, not retried.
        objects_missing => "ObjectsMissing", "Count";
    }
}

impl Stats {
    /// Counts one record dropped for `reason`.
    pub(crate) fn drop_record(&mut self, reason: DropReason) {
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

    /// Whether every record was sent, failed or dropped on purpose.
    pub fn balanced(&self) -> bool {
        self.records_in == self.entries_sent + self.entries_failed + self.dropped_total()
    }
}

impl fmt::Display for Stats {
    /// The summary line: `records_in=… entries_sent=… entries_failed=… dropped=…`, then
    /// `dropped_<reason>=…` for each reason that occurred, then the other counters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.counters().into_iter().filter(|c| c.value != 0 || c.summary_if_zero);
        for (i, counter) in shown.enumerate() {
            let separator = if i == 0 { "" } else { " " };
            write!(f, "{separator}{}={}", counter.name, counter.value)?;
        }
        Ok(())
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
        assert_eq!(
            b.to_string(),
            "records_in=6 entries_sent=2 entries_failed=2 dropped=2 dropped_entry_too_large=2 truncated=0 \
             invalid_json=0 clamped_dates=0 batches=0 bytes_raw=0 bytes_compressed=0 retries=0 isolating_requests=0 objects=0 \
             objects_skipped=0 objects_failed=0 notifications_ignored=0"
        );
    }

    #[test]
    fn optional_counters_show_only_when_used() {
        let quiet = Stats::default().to_string();
        assert!(!quiet.contains("alerts_"), "{quiet}");
        let used = Stats { alerts_sent: 1, ..Stats::default() }.to_string();
        assert!(used.ends_with(" notifications_ignored=0 alerts_sent=1"), "{used}");
    }

    #[test]
    fn every_counter_is_listed_once() {
        let counters = Stats::default().counters();
        let mut names: Vec<&str> = counters.iter().map(|c| c.metric).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), counters.len());
        assert_eq!(counters.len(), 40);
    }
}
