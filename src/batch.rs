//! Exact-size request bodies: a JSON array of at most 1000 entries and at most 5,000,000
//! bytes including brackets and commas. Bodies are sealed uncompressed by the reader and
//! compressed later, off the reader's thread, so reading and compressing use separate cores.
//! Entry boundaries are kept so a body the intake refuses as too large can be split in halves.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::compress::{self, Codec, Compression};
use crate::limits::{MAX_BODY_BYTES, MAX_ENTRIES_PER_BATCH, MAX_ENTRY_BYTES};

/// A sealed request body, uncompressed until [`Batch::compressed`] is called.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The body as sent.
    pub body: Bytes,
    /// Its uncompressed length.
    pub raw_len: usize,
    /// Where each entry ends in the uncompressed body.
    entry_ends: Vec<u32>,
    /// Each entry's record: its index among the records read from its object (or event).
    records: Vec<u64>,
    /// How `body` is compressed.
    pub compression: Compression,
}

impl Batch {
    /// Number of log entries in the body.
    pub fn entries(&self) -> usize {
        self.entry_ends.len()
    }

    /// The uncompressed body.
    pub fn raw_body(&self) -> io::Result<Vec<u8>> {
        compress::decompress(&self.body, self.compression.codec)
    }

    /// The body compressed with `compression` (an uncompressed body only; a compressed one
    /// is returned as is). The uncompressed buffer goes back to `pool`.
    pub fn compressed(self, compression: Compression, pool: &BodyPool) -> io::Result<Batch> {
        if self.compression.codec != Codec::None || compression.codec == Codec::None {
            return Ok(self);
        }
        let body = compress::compress(&self.body, compression)?;
        let Batch { body: raw, raw_len, entry_ends, records, .. } = self;
        pool.give(raw);
        Ok(Batch { body, raw_len, entry_ends, records, compression })
    }

    /// The index of each entry's record among the records read from its object.
    pub(crate) fn records(&self) -> &[u64] {
        &self.records
    }

    /// Each entry's JSON text, from an uncompressed body returned by [`Batch::raw_body`].
    pub fn entry_slices<'a>(&'a self, raw: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut start = 1;
        self.entry_ends.iter().map(move |&end| {
            let entry = &raw[start..end as usize];
            start = end as usize + 1;
            entry
        })
    }

    /// Splits the body into two bodies of half the entries each, compressed like this one;
    /// `None` for one entry.
    pub fn split(&self) -> io::Result<Option<(Batch, Batch)>> {
        if self.entries() < 2 {
            return Ok(None);
        }
        let raw = self.raw_body()?;
        let mid = self.entries() / 2;
        let pool = BodyPool::default();
        let mut halves = [BatchBuilder::new(), BatchBuilder::new()];
        for (i, (entry, record)) in self.entry_slices(&raw).zip(&self.records).enumerate() {
            halves[usize::from(i >= mid)].push(entry, *record);
        }
        let [mut first, mut second] = halves;
        match first.finish().zip(second.finish()) {
            Some((a, b)) => Ok(Some((a.compressed(self.compression, &pool)?, b.compressed(self.compression, &pool)?))),
            None => Ok(None),
        }
    }
}

/// Buffers of uncompressed bodies, handed back once a body is compressed: a long object
/// reuses the same few 5 MB buffers instead of allocating (and page-faulting) one per body,
/// and memory does not fragment across the threads that compress.
#[derive(Debug, Clone, Default)]
pub struct BodyPool(Arc<Mutex<Vec<Vec<u8>>>>);

/// Buffers a pool keeps; more are freed.
const POOLED_BODIES: usize = 8;

impl BodyPool {
    /// An empty buffer, reused when one is available.
    pub fn take(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default()
    }

    /// Takes back the buffer of an uncompressed body (a body still shared elsewhere is just
    /// dropped).
    pub fn give(&self, body: Bytes) {
        let Ok(body) = body.try_into_mut() else { return };
        let mut buffer = Vec::from(body);
        buffer.clear();
        let mut pooled = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if pooled.len() < POOLED_BODIES {
            pooled.push(buffer);
        }
    }
}

/// Builds uncompressed bodies entry by entry, sealing one when the next entry would not fit.
#[derive(Debug, Default)]
pub(crate) struct BatchBuilder {
    raw: Vec<u8>,
    entry_ends: Vec<u32>,
    records: Vec<u64>,
    pool: BodyPool,
}

impl BatchBuilder {
    /// An empty builder.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An empty builder taking its buffers from `pool`.
    pub(crate) fn with_pool(pool: BodyPool) -> Self {
        Self { pool, ..Self::default() }
    }

    /// Adds one entry (at most [`MAX_ENTRY_BYTES`]; larger ones are shrunk or dropped
    /// before this), built from the `record`-th record of its object. Returns the body sealed
    /// to make room for it, if any.
    pub(crate) fn push(&mut self, entry: &[u8], record: u64) -> Option<Batch> {
        debug_assert!(entry.len() <= MAX_ENTRY_BYTES);
        let full =
            self.entry_ends.len() == MAX_ENTRIES_PER_BATCH || self.raw.len() + 1 + entry.len() + 1 > MAX_BODY_BYTES;
        let sealed = if full { self.seal() } else { None };
        if self.raw.is_empty() {
            if self.raw.capacity() == 0 {
                self.raw.reserve(MAX_BODY_BYTES.min(entry.len().saturating_mul(64).max(64 * 1024)));
            }
            self.raw.push(b'[');
        } else {
            self.raw.push(b',');
        }
        self.raw.extend_from_slice(entry);
        self.entry_ends.push(self.raw.len() as u32);
        self.records.push(record);
        sealed
    }

    /// Seals what has been pushed, if anything.
    pub(crate) fn finish(&mut self) -> Option<Batch> {
        self.seal()
    }

    fn seal(&mut self) -> Option<Batch> {
        if self.entry_ends.is_empty() {
            return None;
        }
        self.raw.push(b']');
        let raw = std::mem::replace(&mut self.raw, self.pool.take());
        Some(Batch {
            raw_len: raw.len(),
            body: Bytes::from(raw),
            entry_ends: std::mem::take(&mut self.entry_ends),
            records: std::mem::take(&mut self.records),
            compression: Compression::NONE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::Codec;

    const GZIP: Compression = Compression { codec: Codec::Gzip, level: 1 };

    fn entry_of_len(len: usize) -> Vec<u8> {
        let mut e = br#"{"message":""#.to_vec();
        e.resize(len - 2, b'x');
        e.extend_from_slice(br#""}"#);
        e
    }

    fn build(entries: &[Vec<u8>]) -> Vec<Batch> {
        let mut b = BatchBuilder::new();
        let mut out: Vec<Batch> = entries.iter().enumerate().filter_map(|(i, e)| b.push(e, i as u64)).collect();
        out.extend(b.finish());
        out.into_iter().map(|batch| batch.compressed(GZIP, &BodyPool::default()).unwrap()).collect()
    }

    fn check_valid(batch: &Batch) -> Vec<serde_json::Value> {
        let raw = batch.raw_body().unwrap();
        assert_eq!(raw.len(), batch.raw_len);
        assert!(raw.len() <= MAX_BODY_BYTES);
        let v: Vec<serde_json::Value> = serde_json::from_slice(&raw).unwrap();
        assert_eq!(v.len(), batch.entries());
        assert!(v.len() <= MAX_ENTRIES_PER_BATCH);
        v
    }

    #[test]
    fn exactly_1000_entries_fit_and_1001_split() {
        let small = entry_of_len(20);
        let batches = build(&vec![small.clone(); 1000]);
        assert_eq!(batches.len(), 1);
        assert_eq!(check_valid(&batches[0]).len(), 1000);
        let batches = build(&vec![small; 1001]);
        assert_eq!(batches.iter().map(Batch::entries).collect::<Vec<_>>(), [1000, 1]);
    }

    #[test]
    fn exactly_5_000_000_bytes_fit_and_one_more_does_not() {
        // Five entries of 999_999 bytes: 2 + 4 commas + 4_999_995 = 5_000_001 bytes, too many.
        // Four of 999_999 and one of 999_998 make exactly 5_000_000.
        let mut entries = vec![entry_of_len(999_999); 4];
        entries.push(entry_of_len(999_998));
        let batches = build(&entries);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].raw_len, MAX_BODY_BYTES);
        check_valid(&batches[0]);
        let batches = build(&vec![entry_of_len(999_999); 5]);
        assert_eq!(batches.iter().map(Batch::entries).collect::<Vec<_>>(), [4, 1]);
        batches.iter().for_each(|b| {
            check_valid(b);
        });
    }

    #[test]
    fn escape_heavy_entries_are_measured_as_written() {
        let s = "\"\\\n".repeat(100_000);
        let mut e = Vec::new();
        e.extend_from_slice(br#"{"message":"#);
        crate::json::write_str(&mut e, &s);
        e.push(b'}');
        assert!(e.len() <= MAX_ENTRY_BYTES);
        let batches = build(&vec![e; 12]);
        assert_eq!(batches.len(), 2);
        for b in &batches {
            let v = check_valid(b);
            assert_eq!(v[0]["message"].as_str().unwrap(), s);
        }
    }

    #[test]
    fn compressed_bodies_give_their_buffer_back() {
        let pool = BodyPool::default();
        let mut builder = BatchBuilder::with_pool(pool.clone());
        builder.push(&entry_of_len(100_000), 0);
        let batch = builder.finish().unwrap();
        let compressed = batch.compressed(GZIP, &pool).unwrap();
        assert_eq!(check_valid(&compressed).len(), 1);
        let reused = pool.take();
        assert!(reused.is_empty() && reused.capacity() >= 100_002);
        assert_eq!(pool.take().capacity(), 0, "one buffer was given back");
    }

    #[test]
    fn split_halves_keep_every_entry() {
        let entries: Vec<Vec<u8>> = (0..7).map(|i| format!(r#"{{"n":{i}}}"#).into_bytes()).collect();
        let batch = build(&entries).remove(0);
        let (a, b) = batch.split().unwrap().unwrap();
        assert_eq!((a.entries(), b.entries()), (3, 4));
        assert_eq!((a.records(), b.records()), (&[0, 1, 2][..], &[3, 4, 5, 6][..]));
        let mut all = check_valid(&a);
        all.extend(check_valid(&b));
        let ns: Vec<i64> = all.iter().map(|v| v["n"].as_i64().unwrap()).collect();
        assert_eq!(ns, (0..7).collect::<Vec<_>>());
        let (single, _) = a.split().unwrap().unwrap();
        assert!(single.split().unwrap().is_none());
    }
}
