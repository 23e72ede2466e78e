//! Request body compression (gzip with the pure-Rust zlib-rs backend, or zstd) and the
//! inverse, used only on rare paths (splitting a 413'd body, dry runs).

use std::io::{self, Read, Write};

use bytes::Bytes;

/// Request body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// `Content-Encoding: gzip` (documented by the intake; the default).
    Gzip,
    /// `Content-Encoding: zstd` (accepted by the intake but undocumented: opt-in).
    Zstd,
    /// No compression.
    None,
}

/// The codec and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    /// Which codec.
    pub codec: Codec,
    /// Codec level (gzip 0–9, zstd 1–19).
    pub level: i32,
}

impl Compression {
    /// No compression.
    pub const NONE: Compression = Compression { codec: Codec::None, level: 0 };
}

/// Compresses a whole request body.
pub(crate) fn compress(raw: &[u8], compression: Compression) -> io::Result<Bytes> {
    match compression.codec {
        Codec::None => Ok(Bytes::copy_from_slice(raw)),
        Codec::Gzip => {
            let level = flate2::Compression::new(compression.level.clamp(0, 9) as u32);
            // Room for a 3:1 ratio (gzip-1 on logs is about 3.4:1), so the output is not reallocated.
            let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 3 + 64), level);
            encoder.write_all(raw)?;
            Ok(Bytes::from(encoder.finish()?))
        }
        Codec::Zstd => Ok(Bytes::from(zstd::bulk::compress(raw, compression.level)?)),
    }
}

/// Decompresses a body made by [`compress`].
pub(crate) fn decompress(body: &[u8], codec: Codec) -> io::Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(body.len() * 8);
    match codec {
        Codec::None => raw.extend_from_slice(body),
        Codec::Gzip => {
            flate2::read::GzDecoder::new(body).read_to_end(&mut raw)?;
        }
        Codec::Zstd => {
            zstd::stream::read::Decoder::new(body)?.read_to_end(&mut raw)?;
        }
    }
    Ok(raw)
}

/// The `Content-Encoding` header value for a codec.
pub(crate) fn content_encoding(codec: Codec) -> Option<&'static str> {
    match codec {
        Codec::Gzip => Some("gzip"),
        Codec::Zstd => Some("zstd"),
        Codec::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let raw = br#"[{"message":"hello"},{"message":"world"}]"#.repeat(50);
        for (codec, level) in [(Codec::Gzip, 6), (Codec::Gzip, 1), (Codec::Zstd, 3), (Codec::None, 0)] {
            let body = compress(&raw, Compression { codec, level }).unwrap();
            assert_eq!(decompress(&body, codec).unwrap(), raw, "{codec:?}");
        }
    }
}
