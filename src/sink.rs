//! Between entries and the intake: every record a reader finds goes through one of the
//! sink's methods, which count it as exactly one of sent (packed into a body), dropped with a
//! reason, or — when its body cannot be handed on — failed. The books therefore balance by
//! construction. Built entries are fitted into the 1 MB limit, packed into the current body,
//! and sealed (uncompressed) bodies handed on.

use crate::batch::{Batch, BatchBuilder, BodyPool};
use crate::entry::rules::Rules;
use crate::entry::{self, Fit, ObjectAttrs, plain};
use crate::record_set::RecordSet;
use crate::stats::{DropReason, Stats};

/// Where sealed bodies go.
pub trait BatchOut {
    /// Hands on a body; gives it back when the receiving side has stopped.
    fn send(&mut self, batch: Batch) -> Result<(), Batch>;
}

impl BatchOut for Vec<Batch> {
    fn send(&mut self, batch: Batch) -> Result<(), Batch> {
        self.push(batch);
        Ok(())
    }
}

/// Why the sink stopped accepting entries.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Delivery stopped (intake refused the key, or the deadline is near).
    #[error("delivery stopped before the object was read to the end")]
    Stopped,
}

/// Whether building an entry clamped its date into the intake's window.
pub(crate) type Clamped = bool;

/// Collects entries into bodies.
pub struct EntrySink<O: BatchOut> {
    entry: Vec<u8>,
    stats: Stats,
    builder: BatchBuilder,
    pending: u64,
    scrubbed: Vec<u8>,
    skip: RecordSet,
    out: O,
}

impl<O: BatchOut> EntrySink<O> {
    /// A sink sending bodies to `out`.
    pub fn new(out: O) -> Self {
        Self::with_pool(out, BodyPool::default())
    }

    /// A sink sending bodies to `out`, their buffers taken from `pool`.
    pub(crate) fn with_pool(out: O, pool: BodyPool) -> Self {
        Self {
            entry: Vec::with_capacity(4096),
            stats: Stats::default(),
            builder: BatchBuilder::with_pool(pool),
            pending: 0,
            scrubbed: Vec::new(),
            skip: RecordSet::default(),
            out,
        }
    }

    /// Records (by index) delivered before, by an invocation this one resumes: they are
    /// counted as dropped (`already_delivered`) and not sent again.
    pub(crate) fn skip_delivered(&mut self, records: RecordSet) {
        self.skip = records;
    }

    /// Counts the next record as delivered before when it is one to skip.
    fn skipped(&mut self) -> bool {
        let skip = !self.skip.is_empty() && self.skip.contains(self.stats.records_in);
        if skip {
            self.drop_record(DropReason::AlreadyDelivered);
        }
        skip
    }

    /// One record read: unless `rules` filter it out by `match_text` (its message, or its
    /// record's JSON), `build` writes its entry into a cleared buffer (returning whether its
    /// date was clamped), which is scrubbed when scrubbing is on and packed into a body.
    pub(crate) fn commit(
        &mut self,
        rules: &Rules,
        match_text: &[u8],
        build: impl FnOnce(&mut Vec<u8>) -> Clamped,
    ) -> Result<(), SinkError> {
        if self.skipped() {
            return Ok(());
        }
        self.stats.records_in += 1;
        if let Some(reason) = rules.filtered_out(match_text) {
            self.stats.drop_record(reason);
            return Ok(());
        }
        self.entry.clear();
        if build(&mut self.entry) {
            self.stats.clamped_dates += 1;
        }
        if let Some(scrubber) = &rules.scrubber
            && scrubber.scrub_entry(&self.entry, &mut self.scrubbed)
        {
            std::mem::swap(&mut self.entry, &mut self.scrubbed);
        }
        if entry::fit_entry(&mut self.entry, &mut self.stats) == Fit::TooLarge {
            return Ok(());
        }
        let sealed = self.builder.push(&self.entry, self.stats.records_in - 1);
        self.pending += 1;
        match sealed {
            Some(batch) => self.hand_on(batch),
            None => Ok(()),
        }
    }

    /// One record read that is not what its object should hold (not valid JSON, not an
    /// object): sent as the plain `message` of a log with the object's attributes, and
    /// counted as invalid.
    pub(crate) fn commit_invalid(&mut self, rules: &Rules, attrs: &ObjectAttrs, text: &[u8]) -> Result<(), SinkError> {
        if self.skipped() {
            return Ok(());
        }
        self.stats.invalid_json += 1;
        self.commit(rules, text, |out| {
            plain::write_message(out, attrs, text);
            false
        })
    }

    /// One record read that does not match its object's format (a flow-log line whose fields
    /// do not match the header): sent as the plain `message` of a log, and counted.
    pub(crate) fn commit_malformed(
        &mut self,
        rules: &Rules,
        attrs: &ObjectAttrs,
        text: &[u8],
    ) -> Result<(), SinkError> {
        self.stats.malformed_records += 1;
        self.commit(rules, text, |out| {
            plain::write_message(out, attrs, text);
            false
        })
    }

    /// One record read and deliberately not sent.
    pub(crate) fn drop_record(&mut self, reason: DropReason) {
        self.stats.records_in += 1;
        self.stats.drop_record(reason);
    }

    /// Seals and hands on the last body; entries that could not be handed on are counted
    /// as failed. Returns the counters and the destination.
    pub fn finish(mut self) -> (Stats, O, Result<(), SinkError>) {
        let result = match self.builder.finish() {
            Some(batch) => self.hand_on(batch),
            None => Ok(()),
        };
        self.stats.entries_failed += self.pending;
        (self.stats, self.out, result)
    }

    fn hand_on(&mut self, batch: Batch) -> Result<(), SinkError> {
        let entries = batch.entries() as u64;
        self.pending -= entries;
        self.stats.batches += 1;
        self.stats.bytes_raw += batch.raw_len as u64;
        self.out.send(batch).map_err(|_| {
            self.stats.entries_failed += entries;
            SinkError::Stopped
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::context;

    /// Takes `accept` bodies, then refuses.
    struct Refusing(usize);

    impl BatchOut for Refusing {
        fn send(&mut self, batch: Batch) -> Result<(), Batch> {
            if self.0 == 0 {
                return Err(batch);
            }
            self.0 -= 1;
            Ok(())
        }
    }

    #[test]
    fn every_record_is_counted_once() {
        let ctx = context();
        let mut sink = EntrySink::new(Refusing(1));
        sink.drop_record(DropReason::BelowMinSeverity);
        let attrs = crate::entry::ObjectAttrs::new(&ctx, "cloudtrail", "cloudtrail", None);
        sink.commit_invalid(&ctx.rules, &attrs, b"not json").unwrap();
        for _ in 0..1000 {
            sink.commit(&ctx.rules, b"", |out| {
                out.extend_from_slice(br#"{"a":1}"#);
                true
            })
            .unwrap();
        }
        // The first body (1000 entries) is taken, the second (the last entry) refused.
        let (mut stats, _, result) = sink.finish();
        assert!(result.is_err());
        stats.entries_sent = 1000;
        assert!(stats.balanced(), "{stats}");
        assert_eq!((stats.records_in, stats.entries_failed, stats.invalid_json), (1002, 1, 1));
        assert_eq!(stats.clamped_dates, 1000);
    }
}
