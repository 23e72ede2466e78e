//! Decoding an object's bytes: gzip (multi-member) or zstd detected by their magic bytes,
//! with a cap on the decompressed size, and the error type of everything that reads an
//! object. Nothing is held whole in memory.

use std::io::{self, BufRead, BufReader, Read};

use crate::sink::SinkError;

/// Read buffer size, for the raw bytes and for the decoded stream.
const READ_BUFFER: usize = 256 * 1024;

/// Why an object could not be read to the end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Reading, decompressing or JSON structure failed (truncated gzip, connection drop…).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The content is not what its key says.
    #[error("{0}")]
    Format(String),
    /// The entries could not be handed on.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// Compression found at the start of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// gzip magic `1f 8b`.
    Gzip,
    /// zstd magic `28 b5 2f fd`.
    Zstd,
    /// Anything else: read as is.
    Plain,
}

/// Detects the encoding from the first bytes.
pub fn sniff(head: &[u8]) -> Encoding {
    if head.starts_with(&[0x1f, 0x8b]) {
        Encoding::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Encoding::Zstd
    } else {
        Encoding::Plain
    }
}

/// Wraps `raw` in the decoder its first bytes call for, reading at most `max` decompressed
/// bytes (more is an error, not a silent cut).
pub(crate) fn decoded<'a>(raw: impl Read + Send + 'a, max: u64) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    let mut raw = BufReader::with_capacity(READ_BUFFER, raw);
    let decoder: Box<dyn Read + Send + 'a> = match sniff(raw.fill_buf()?) {
        Encoding::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        Encoding::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(raw)?),
        Encoding::Plain => Box::new(raw),
    };
    Ok(Box::new(BufReader::with_capacity(READ_BUFFER, Capped { inner: decoder, left: max, max })))
}

/// A reader that fails once more than `max` bytes have been read.
struct Capped<R> {
    inner: R,
    left: u64,
    max: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the object decompresses to more than {} MiB (DD_MAX_OBJECT_SIZE_MB): a decompression bomb, or an object to split",
                    self.max / (1024 * 1024)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Encoding::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Encoding::Zstd);
        assert_eq!(sniff(b"{\"Records\""), Encoding::Plain);
        assert_eq!(sniff(b""), Encoding::Plain);
    }
}
