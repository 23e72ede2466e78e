//! Between entries and the intake: fits each built entry into the 1 MB limit, packs it into
//! the current body and hands sealed (uncompressed) bodies on. Keeps the books so every
//! record read is sent, dropped with a reason, or counted as failed.

use crate::batch::{Batch, BatchBuilder, BodyPool};
use crate::entry::rules::Rules;
use crate::entry::{self, Fit};
use crate::stats::Stats;

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

/// Collects entries into bodies.
pub struct EntrySink<O: BatchOut> {
    /// The entry being built; reused for every record.
    pub entry: Vec<u8>,
    /// Counters for what went through this sink.
    pub stats: Stats,
    builder: BatchBuilder,
    pending: u64,
    scrubbed: Vec<u8>,
    out: O,
}

impl<O: BatchOut> EntrySink<O> {
    /// A sink sending bodies to `out`.
    pub fn new(out: O) -> Self {
        Self::with_pool(out, BodyPool::default())
    }

    /// A sink sending bodies to `out`, their buffers taken from `pool`.
    pub fn with_pool(out: O, pool: BodyPool) -> Self {
        Self {
            entry: Vec::with_capacity(4096),
            stats: Stats::default(),
            builder: BatchBuilder::with_pool(pool),
            pending: 0,
            scrubbed: Vec::new(),
            out,
        }
    }

    /// Takes the entry built in `self.entry` (its record already counted in `records_in`),
    /// unless `rules` filter it out by `match_text` (its message, or its record's JSON);
    /// scrubs it when scrubbing is on.
    pub fn commit(&mut self, rules: &Rules, match_text: &[u8]) -> Result<(), SinkError> {
        if let Some(reason) = rules.filtered_out(match_text) {
            self.stats.drop_record(reason);
            return Ok(());
        }
        if let Some(scrubber) = &rules.scrubber {
            if scrubber.scrub_entry(&self.entry, &mut self.scrubbed) {
                std::mem::swap(&mut self.entry, &mut self.scrubbed);
            }
        }
        if entry::fit_entry(&mut self.entry, &mut self.stats) == Fit::TooLarge {
            return Ok(());
        }
        let sealed = self.builder.push(&self.entry);
        self.pending += 1;
        match sealed {
            Some(batch) => self.hand_on(batch),
            None => Ok(()),
        }
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
