//! Decoding an object's bytes: gzip (multi-member) or zstd detected by their magic bytes,
//! with a cap on the decompressed size, and the error type of everything that reads an
//! object. Objects are streamed, except a small gzip object, which is decompressed whole
//! (bounded by [`WHOLE_MAX_DECOMPRESSED`]) because that halves the CPU of inflating it.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use super::gunzip;
use crate::sink::SinkError;
use crate::store::{ConnectionLost, ObjectChanged};

/// Read buffer size, for the raw bytes and for the decoded stream.
const READ_BUFFER: usize = 256 * 1024;

/// Objects up to this compressed size are read into memory before decoding…
const WHOLE_MAX_COMPRESSED: u64 = 2 * 1024 * 1024;

/// …and, when they are one gzip member of at most this many bytes, decompressed in one call.
const WHOLE_MAX_DECOMPRESSED: usize = 8 * 1024 * 1024;

/// The object decompresses to more than `DD_MAX_OBJECT_SIZE_MB`.
#[derive(Debug, thiserror::Error)]
#[error(
    "the object decompresses to more than {max_mib} MiB (DD_MAX_OBJECT_SIZE_MB): a decompression bomb, or an object to split"
)]
pub(crate) struct TooLarge {
    /// The cap, in MiB.
    pub(crate) max_mib: u64,
}

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

impl ReadError {
    /// Whether reading stopped at `DD_MAX_OBJECT_SIZE_MB`.
    pub(crate) fn is_too_large(&self) -> bool {
        matches!(self, Self::Io(err) if err.get_ref().is_some_and(|inner| inner.is::<TooLarge>()))
    }

    /// Whether the object's content itself is damaged (malformed JSON structure, trailing
    /// data, corrupt or truncated compression): no retry can read further, so the records
    /// before the damage count and the object is reported as damaged, not failed. A lost
    /// connection, a replaced object or the size cap are not damage.
    pub(crate) fn is_damage(&self) -> bool {
        match self {
            Self::Format(_) => true,
            Self::Sink(_) => false,
            Self::Io(err) => {
                let typed = err.get_ref().is_some_and(|inner| {
                    inner.is::<ConnectionLost>() || inner.is::<TooLarge>() || inner.is::<ObjectChanged>()
                });
                !typed && matches!(err.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof)
            }
        }
    }
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

/// Wraps `raw` (of `size` bytes, when known) in the decoder its first bytes call for, reading
/// at most `max` decompressed bytes (more is an error, not a silent cut).
pub fn decoded<'a>(
    raw: impl Read + Send + 'a,
    size: Option<u64>,
    max: u64,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    let mut raw = raw;
    if size.is_some_and(|size| size <= WHOLE_MAX_COMPRESSED) {
        let mut whole = Vec::with_capacity(size.unwrap_or(0) as usize);
        (&mut raw).take(WHOLE_MAX_COMPRESSED + 1).read_to_end(&mut whole)?;
        let limit = WHOLE_MAX_DECOMPRESSED.min(usize::try_from(max).unwrap_or(usize::MAX));
        if whole.len() as u64 <= WHOLE_MAX_COMPRESSED
            && sniff(&whole) == Encoding::Gzip
            && let Some(decompressed) = gunzip::single_member(&whole, limit)
        {
            return Ok(Box::new(Cursor::new(decompressed)));
        }
        return streamed(Cursor::new(whole).chain(raw), max);
    }
    streamed(raw, max)
}

/// The streaming decoder for `raw`.
fn streamed<'a>(raw: impl Read + Send + 'a, max: u64) -> io::Result<Box<dyn BufRead + Send + 'a>> {
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
            None => Err(io::Error::new(io::ErrorKind::InvalidData, TooLarge { max_mib: self.max / (1024 * 1024) })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::gzip;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Encoding::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Encoding::Zstd);
        assert_eq!(sniff(b"{\"Records\""), Encoding::Plain);
        assert_eq!(sniff(b""), Encoding::Plain);
    }

    fn read_all(raw: &[u8], size: Option<u64>, max: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decoded(raw, size, max)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn whole_and_streamed_decoding_agree() {
        let data = br#"{"eventName":"A","n":"0123456789"},"#.repeat(20_000);
        let one = gzip(&data);
        let two = [gzip(&data[..1000]), gzip(&data[1000..])].concat();
        for gz in [&one, &two] {
            for size in [None, Some(gz.len() as u64)] {
                assert_eq!(read_all(gz, size, u64::MAX).unwrap(), data, "size {size:?}");
            }
        }
        // The cap holds on both paths, and a truncated object is an error on both.
        for size in [None, Some(one.len() as u64)] {
            let err = read_all(&one, size, 1000).unwrap_err();
            assert!(err.to_string().contains("DD_MAX_OBJECT_SIZE_MB"), "{err}");
            assert!(!ReadError::Io(err).is_damage(), "over the cap is not damage");
            let cut = &one[..one.len() - 10];
            let err = read_all(cut, size.map(|s| s - 10), u64::MAX).unwrap_err();
            assert!(ReadError::Io(err).is_damage(), "a truncated object is damaged");
        }
        // A wrong size hint changes nothing.
        assert_eq!(read_all(&one, Some(10), u64::MAX).unwrap(), data);
    }
}
