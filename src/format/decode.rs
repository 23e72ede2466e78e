//! Decoding an object's bytes: gzip (multi-member) or zstd detected by their magic bytes,
//! with a cap on the decompressed size, and the error type of everything that reads an
//! object. Objects are streamed, except a small gzip object, which is decompressed whole
//! (bounded by [`WHOLE_MAX_DECOMPRESSED`]) because that halves the CPU of inflating it.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::gunzip;
use crate::sink::SinkError;
use crate::store::ObjectChanged;

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

/// The compressed stream is damaged: a corrupt deflate or zstd block, a CRC or size that does
/// not match, a bad header on a following member, data after the last member that is no
/// member, or a stream that ends mid-member. Raised only for what the decoder itself found,
/// never for a failure of the bytes' source (a lost connection, a replaced object).
#[derive(Debug, thiserror::Error)]
#[error("corrupt {encoding} data")]
pub(crate) struct Corrupt {
    /// `gzip` or `zstd`.
    pub(crate) encoding: &'static str,
    /// What the decoder said.
    #[source]
    pub(crate) source: io::Error,
}

/// The decoded content is not what its format allows: malformed or truncated JSON, data
/// after the document.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Malformed(pub(crate) String);

impl Malformed {
    /// An `InvalidData` error carrying `what`.
    pub(crate) fn error(what: impl Into<String>) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, Self(what.into()))
    }

    /// An `UnexpectedEof` error carrying `what`: the content stops mid-value.
    pub(crate) fn truncated(what: impl Into<String>) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, Self(what.into()))
    }
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
    /// Whether the I/O error carries a `T`.
    fn carries<T: std::error::Error + 'static>(&self) -> bool {
        matches!(self, Self::Io(err) if err.get_ref().is_some_and(|inner| inner.is::<T>()))
    }

    /// Whether reading stopped at `DD_MAX_OBJECT_SIZE_MB`.
    pub(crate) fn is_too_large(&self) -> bool {
        self.carries::<TooLarge>()
    }

    /// Whether the object was replaced while it was read.
    pub(crate) fn is_object_changed(&self) -> bool {
        self.carries::<ObjectChanged>()
    }

    /// Whether the object's content itself is damaged ([`Corrupt`] compression,
    /// [`Malformed`] content, a [`Self::Format`] problem): no retry can read further, so the
    /// records before the damage count and the object is reported as damaged, not failed.
    /// Anything else (a lost connection, a replaced object, the size cap, an unexplained
    /// I/O error) is not damage.
    pub(crate) fn is_damage(&self) -> bool {
        match self {
            Self::Format(_) => true,
            Self::Sink(_) => false,
            Self::Io(_) => self.carries::<Corrupt>() || self.carries::<Malformed>(),
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
    let source_failed = Arc::new(AtomicBool::new(false));
    let mut raw = BufReader::with_capacity(READ_BUFFER, Source { inner: raw, failed: source_failed.clone() });
    let decoder: Box<dyn Read + Send + 'a> = match sniff(raw.fill_buf()?) {
        Encoding::Gzip => {
            let gzip = flate2::bufread::MultiGzDecoder::new(raw);
            Box::new(Decoding { inner: gzip, encoding: "gzip", source_failed })
        }
        Encoding::Zstd => {
            let zstd = zstd::stream::read::Decoder::with_buffer(raw)?;
            Box::new(Decoding { inner: zstd, encoding: "zstd", source_failed })
        }
        Encoding::Plain => Box::new(raw),
    };
    Ok(Box::new(BufReader::with_capacity(READ_BUFFER, Capped { inner: decoder, left: max, max })))
}

/// The object's raw bytes, noting when reading them failed, so that a decoder's error can be
/// told apart from its source's.
struct Source<R> {
    inner: R,
    failed: Arc<AtomicBool>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| self.failed.store(true, Ordering::Relaxed))
    }
}

/// A decoder whose own errors become [`Corrupt`]; its source's errors pass unchanged.
struct Decoding<D> {
    inner: D,
    encoding: &'static str,
    source_failed: Arc<AtomicBool>,
}

impl<D: Read> Read for Decoding<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|err| {
            if self.source_failed.load(Ordering::Relaxed) || err.kind() == io::ErrorKind::Interrupted {
                err
            } else {
                io::Error::new(io::ErrorKind::InvalidData, Corrupt { encoding: self.encoding, source: err })
            }
        })
    }
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

    /// Yields `bytes`, then fails with `failure`.
    struct FailingSource {
        bytes: Cursor<Vec<u8>>,
        failure: Option<io::Error>,
    }

    impl Read for FailingSource {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.bytes.read(buf)? {
                0 => Err(self.failure.take().unwrap_or_else(|| io::ErrorKind::BrokenPipe.into())),
                n => Ok(n),
            }
        }
    }

    fn read_error(source: impl Read + Send, size: Option<u64>) -> ReadError {
        let mut out = Vec::new();
        let err = match decoded(source, size, u64::MAX).and_then(|mut r| r.read_to_end(&mut out)) {
            Ok(_) => panic!("read to the end"),
            Err(err) => err,
        };
        ReadError::Io(err)
    }

    #[test]
    fn the_decoders_errors_are_damage_and_the_sources_are_not() {
        let data = b"line one\nline two\n".repeat(50_000);
        let gz = gzip(&data);
        let zst = zstd::encode_all(&data[..], 1).unwrap();
        for compressed in [&gz, &zst] {
            // The source fails mid-object with an error of no known type (a reset) or with a
            // lost connection: not damage, the object can be read again.
            for failure in [
                io::Error::new(io::ErrorKind::InvalidData, "reset by a proxy"),
                io::Error::other(crate::store::ConnectionLost(io::ErrorKind::ConnectionReset.into())),
                io::Error::other(ObjectChanged),
            ] {
                let half = compressed[..compressed.len() / 2].to_vec();
                let err = read_error(FailingSource { bytes: Cursor::new(half), failure: Some(failure) }, None);
                assert!(!err.is_damage(), "{err}");
            }
            // The decoder finds the damage: corrupt, whatever ErrorKind the codec chose.
            let mut flipped = compressed.clone();
            let middle = flipped.len() / 2;
            flipped[middle..middle + 8].iter_mut().for_each(|b| *b ^= 0x5a);
            for size in [None, Some(flipped.len() as u64)] {
                let err = read_error(Cursor::new(flipped.clone()), size);
                assert!(err.is_damage(), "{err}");
                assert!(crate::error_chain(&err).starts_with("corrupt "), "{}", crate::error_chain(&err));
            }
        }
    }
}
