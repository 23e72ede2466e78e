//! Objects read in pieces, for formats that need random access (Parquet reads its footer
//! first): an S3 object read by ranged GETs pinned to one version, or a local file.

use std::io;
use std::os::unix::fs::FileExt;

use bytes::Bytes;

/// An object read by byte ranges (use it on a blocking thread).
pub trait RangeRead: Send + Sync {
    /// The object's size in bytes.
    fn size(&self) -> u64;
    /// Bytes `start..start + len` (fewer only at the end of the object).
    fn read_range(&self, start: u64, len: usize) -> io::Result<Bytes>;
    /// How many times a read resumed after a broken connection.
    fn resumes(&self) -> u32 {
        0
    }
}

/// A local file (replay).
impl RangeRead for std::fs::File {
    fn size(&self) -> u64 {
        self.metadata().map_or(0, |m| m.len())
    }

    fn read_range(&self, start: u64, len: usize) -> io::Result<Bytes> {
        let len = len.min(usize::try_from(self.size().saturating_sub(start)).unwrap_or(usize::MAX));
        let mut buf = vec![0; len];
        self.read_exact_at(&mut buf, start)?;
        Ok(buf.into())
    }
}
