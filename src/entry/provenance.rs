//! Provenance: which S3 object a log came from. Every byte of every log is billed, so it is
//! a per-object choice rendered once (see the table of sources' module doc for the design and
//! docs/log-layout.md for the bytes):
//! `none` writes nothing, `ref` a short reference that our own log line for the object also
//! prints, `s3` the Datadog Forwarder's `aws.s3.bucket` / `aws.s3.key`.

use super::{LogOrigin, ObjectOrigin};
use crate::json;

/// `DD_PROVENANCE`: what each log says about the object it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Provenance {
    /// Nothing: the record names its account, region and resource itself.
    #[default]
    None,
    /// `"s3ref":"<12 hex>"`: [`object_ref`] of the bucket and key (23 bytes).
    Ref,
    /// `"aws":{"s3":{"bucket":…,"key":…}}`, as the Datadog Forwarder writes it.
    S3,
}

impl Provenance {
    /// From `DD_PROVENANCE` (`none`, `ref`, `s3`; any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "ref" => Some(Self::Ref),
            "s3" => Some(Self::S3),
            _ => None,
        }
    }

    /// Appends this provenance for an object (nothing for a record that came from none).
    pub(crate) fn write(self, out: &mut Vec<u8>, origin: Option<ObjectOrigin<'_>>) {
        let Some(origin) = origin else { return };
        match self {
            Self::None => {}
            Self::Ref => {
                out.extend_from_slice(b",\"s3ref\":\"");
                out.extend_from_slice(object_ref(origin.bucket, origin.key).as_bytes());
                out.push(b'"');
            }
            Self::S3 => {
                out.extend_from_slice(b",\"aws\":{\"s3\":{\"bucket\":");
                json::write_str(out, origin.bucket);
                out.extend_from_slice(b",\"key\":");
                json::write_str(out, origin.key);
                out.extend_from_slice(b"}}");
            }
        }
    }
}

impl Provenance {
    /// Appends this provenance for a CloudWatch Logs stream: nothing, `"cwlref":"<12 hex>"`
    /// (24 bytes) of the owner, group and stream, or the Datadog Forwarder's
    /// `aws.awslogs.{logGroup,logStream,owner}`.
    pub(crate) fn write_log(self, out: &mut Vec<u8>, origin: LogOrigin<'_>) {
        match self {
            Self::None => {}
            Self::Ref => {
                out.extend_from_slice(b",\"cwlref\":\"");
                out.extend_from_slice(log_ref(origin).as_bytes());
                out.push(b'"');
            }
            Self::S3 => {
                out.extend_from_slice(b",\"aws\":{\"awslogs\":{\"logGroup\":");
                json::write_str(out, origin.group);
                out.extend_from_slice(b",\"logStream\":");
                json::write_str(out, origin.stream);
                out.extend_from_slice(b",\"owner\":");
                json::write_str(out, origin.owner);
                out.extend_from_slice(b"}}");
            }
        }
    }
}

/// A short, stable reference to a log stream, printed with the owner, group and stream by our
/// own log line for each payload read (as [`object_ref`] for objects).
pub(crate) fn log_ref(origin: LogOrigin<'_>) -> String {
    object_ref(origin.owner, &format!("{}\n{}", origin.group, origin.stream))
}

/// A short, stable reference to an object: 12 hex digits (48 bits) of FNV-1a over
/// `bucket/key`. Our own log line for each object read prints it with the bucket and key,
/// so a log's `s3ref` leads back to its object.
pub(crate) fn object_ref(bucket: &str, key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bucket.bytes().chain([b'/']).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_their_bytes() {
        let origin = Some(ObjectOrigin { bucket: "b", key: "AWSLogs/k.log.gz" });
        let written = |mode: Provenance| {
            let mut out = Vec::new();
            mode.write(&mut out, origin);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(Provenance::None), "");
        assert_eq!(written(Provenance::Ref).len(), 23);
        assert_eq!(written(Provenance::Ref), format!(",\"s3ref\":\"{}\"", object_ref("b", "AWSLogs/k.log.gz")));
        assert_eq!(written(Provenance::S3), r#","aws":{"s3":{"bucket":"b","key":"AWSLogs/k.log.gz"}}"#);
        assert_ne!(object_ref("b", "k1"), object_ref("b", "k2"));
        assert_eq!(Provenance::parse("S3"), Some(Provenance::S3));
        assert_eq!(Provenance::parse("bucket"), None);
    }

    #[test]
    fn log_stream_modes_and_their_bytes() {
        let origin = LogOrigin { owner: "123456789012", group: "/aws/eks/p/cluster", stream: "kube-apiserver-audit-1" };
        let written = |mode: Provenance| {
            let mut out = Vec::new();
            mode.write_log(&mut out, origin);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(Provenance::None), "");
        assert_eq!(written(Provenance::Ref), format!(",\"cwlref\":\"{}\"", log_ref(origin)));
        assert_eq!(written(Provenance::Ref).len(), 24);
        assert_eq!(
            written(Provenance::S3),
            r#","aws":{"awslogs":{"logGroup":"/aws/eks/p/cluster","logStream":"kube-apiserver-audit-1","owner":"123456789012"}}"#
        );
    }
}
