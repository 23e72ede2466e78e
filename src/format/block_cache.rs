//! A random-access object as the Parquet reader wants it: read in fixed blocks through a
//! small cache, so the many small reads of a Parquet file (a page header, then its page, for
//! each column in turn) become a few large ranged reads, and memory stays bounded.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

use crate::store::RangeRead;

/// Bytes read per ranged read.
const BLOCK: u64 = 1024 * 1024;

/// Blocks kept: enough for one block per column of a flow log (up to ~40 columns) while the
/// reader reads them side by side.
const KEPT_BLOCKS: usize = 24;

/// An object read in cached blocks; cheap to clone (the cache is shared).
#[derive(Clone)]
pub(crate) struct BlockCache {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn RangeRead>,
    size: u64,
    blocks: Mutex<Blocks>,
}

/// The blocks kept; the least recently used goes first.
#[derive(Default)]
struct Blocks {
    kept: Vec<Kept>,
    /// Counts uses, to date them.
    clock: u64,
}

struct Kept {
    index: u64,
    bytes: Bytes,
    used: u64,
}

impl BlockCache {
    /// Reads `source` through a cache of blocks.
    pub(crate) fn new(source: Arc<dyn RangeRead>) -> Self {
        let size = source.size();
        Self { inner: Arc::new(Inner { source, size, blocks: Mutex::new(Blocks::default()) }) }
    }

    /// The block at `index`, read if not cached.
    fn block(&self, index: u64) -> io::Result<Bytes> {
        {
            let mut blocks = self.inner.blocks.lock().unwrap_or_else(PoisonError::into_inner);
            blocks.clock += 1;
            let now = blocks.clock;
            if let Some(found) = blocks.kept.iter_mut().find(|kept| kept.index == index) {
                found.used = now;
                return Ok(found.bytes.clone());
            }
        }
        let bytes = self.inner.source.read_range(index * BLOCK, BLOCK as usize)?;
        let mut blocks = self.inner.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        if blocks.kept.len() >= KEPT_BLOCKS
            && let Some(oldest) = blocks.kept.iter().enumerate().min_by_key(|(_, kept)| kept.used).map(|(at, _)| at)
        {
            blocks.kept.swap_remove(oldest);
        }
        let used = blocks.clock;
        blocks.kept.push(Kept { index, bytes: bytes.clone(), used });
        Ok(bytes)
    }

    /// Bytes `start..start + len`, from blocks, or read directly when longer than a block.
    fn range(&self, start: u64, len: usize) -> io::Result<Bytes> {
        let end = start.saturating_add(len as u64);
        if end > self.inner.size {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "a read past the end of the object"));
        }
        if len as u64 > BLOCK {
            return self.inner.source.read_range(start, len);
        }
        let first = self.block(start / BLOCK)?;
        let offset = (start % BLOCK) as usize;
        if offset + len <= first.len() {
            return Ok(first.slice(offset..offset + len));
        }
        let mut joined = Vec::with_capacity(len);
        joined.extend_from_slice(&first[offset.min(first.len())..]);
        let second = self.block(start / BLOCK + 1)?;
        let rest = len - joined.len();
        joined.extend_from_slice(second.get(..rest).unwrap_or(&second));
        Ok(joined.into())
    }
}

impl Length for BlockCache {
    fn len(&self) -> u64 {
        self.inner.size
    }
}

impl ChunkReader for BlockCache {
    type T = BlockReader;

    fn get_read(&self, start: u64) -> parquet::errors::Result<BlockReader> {
        Ok(BlockReader { cache: self.clone(), at: start })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.range(start, length).map_err(|err| ParquetError::External(Box::new(err)))
    }
}

/// Sequential reads from a position of a [`BlockCache`].
pub(crate) struct BlockReader {
    cache: BlockCache,
    at: u64,
}

impl Read for BlockReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.cache.inner.size || buf.is_empty() {
            return Ok(0);
        }
        let block = self.cache.block(self.at / BLOCK)?;
        let offset = (self.at % BLOCK) as usize;
        let available = block.get(offset..).unwrap_or_default();
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An object in memory, read by ranges.
    pub(crate) struct Memory(pub(crate) Vec<u8>);

    impl RangeRead for Memory {
        fn size(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_range(&self, start: u64, len: usize) -> io::Result<Bytes> {
            let start = start as usize;
            Ok(Bytes::copy_from_slice(&self.0[start..(start + len).min(self.0.len())]))
        }
    }

    #[test]
    fn ranges_across_blocks_and_reads_to_the_end() {
        let data: Vec<u8> = (0..3 * BLOCK + 100).map(|i| (i % 251) as u8).collect();
        let cache = BlockCache::new(Arc::new(Memory(data.clone())));
        for (start, len) in
            [(0, 10), (BLOCK - 5, 10), (BLOCK, BLOCK as usize), (5, 2 * BLOCK as usize), (3 * BLOCK, 100)]
        {
            let got = cache.get_bytes(start, len).unwrap();
            assert_eq!(&got[..], &data[start as usize..start as usize + len], "{start} {len}");
        }
        assert!(cache.get_bytes(3 * BLOCK, 101).is_err(), "past the end");
        let mut all = Vec::new();
        cache.get_read(BLOCK - 3).unwrap().read_to_end(&mut all).unwrap();
        assert_eq!(all, data[(BLOCK - 3) as usize..]);
    }
}
