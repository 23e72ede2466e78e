//! CloudWatch Logs subscriptions: `{"awslogs":{"data":"<base64 gzip JSON>"}}` delivered
//! directly, or the same `data` in each record of a Kinesis Data Streams event
//! (`Records[].kinesis.data`, the usual cross-account and high-volume path). Here the base64
//! and gzip are undone; `format::logs_payload` reads the JSON.

use std::io::Read;

use base64::Engine;
use serde::Deserialize;

/// Decoded payloads larger than this are refused: CloudWatch Logs sends at most 1 MB of
/// events per payload, so anything far larger is not a subscription payload.
pub const MAX_DECODED_BYTES: u64 = 16 * 1024 * 1024;

/// Why a subscription payload could not be decoded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AwsLogsError {
    /// `data` is missing or not a string.
    #[error("the CloudWatch Logs event has no `data` string")]
    NoData,
    /// `data` is not base64.
    #[error("the CloudWatch Logs data is not base64: {0}")]
    NotBase64(String),
    /// The decoded bytes are not gzip, or the gzip stream is damaged.
    #[error("the CloudWatch Logs data is not a valid gzip stream: {0}")]
    NotGzip(String),
    /// Larger than [`MAX_DECODED_BYTES`] once decompressed.
    #[error("the CloudWatch Logs data decompresses to more than {} MiB", MAX_DECODED_BYTES >> 20)]
    TooLarge,
}

/// Decodes a subscription payload's `data`: base64, then gzip, into the payload's JSON.
pub fn decode_data(data: &str) -> Result<Vec<u8>, AwsLogsError> {
    let mut decoder = PayloadDecoder::default();
    decoder.decode(data)?;
    Ok(decoder.json)
}

/// Decodes payload after payload into the same two buffers (the base64-decoded gzip and the
/// JSON), so that a Kinesis event's payloads are not all held, nor their memory fetched anew.
#[derive(Default)]
pub struct PayloadDecoder {
    compressed: Vec<u8>,
    json: Vec<u8>,
}

impl PayloadDecoder {
    /// Decodes `data` (base64, then gzip); the JSON is returned, valid until the next call.
    pub fn decode(&mut self, data: &str) -> Result<&[u8], AwsLogsError> {
        self.compressed.clear();
        decode_base64(data.trim(), &mut self.compressed).map_err(|e| AwsLogsError::NotBase64(e.to_string()))?;
        if !self.compressed.starts_with(&[0x1f, 0x8b]) {
            return Err(AwsLogsError::NotGzip("it does not start with the gzip magic bytes".into()));
        }
        // One member (what CloudWatch Logs writes) in one libdeflate call, at about half the
        // CPU of streaming inflate; anything else through the streaming decoder, which says
        // what is wrong.
        let max = MAX_DECODED_BYTES as usize;
        if crate::format::gunzip::single_member_into(&self.compressed, max, &mut self.json) {
            return Ok(&self.json);
        }
        flate2::read::MultiGzDecoder::new(&self.compressed[..])
            .take(MAX_DECODED_BYTES + 1)
            .read_to_end(&mut self.json)
            .map_err(|e| AwsLogsError::NotGzip(e.to_string()))?;
        if self.json.len() > max {
            return Err(AwsLogsError::TooLarge);
        }
        Ok(&self.json)
    }
}

/// Appends `data` decoded from base64 (standard alphabet, padded) to `out`, vectorised; on
/// an error the `base64` crate decodes it again, to name what is wrong.
fn decode_base64(data: &str, out: &mut Vec<u8>) -> Result<(), base64::DecodeError> {
    let len = out.len();
    if base64_simd::STANDARD.decode_append(data, out).is_ok() {
        return Ok(());
    }
    out.truncate(len);
    base64::engine::general_purpose::STANDARD.decode_vec(data, out)
}

/// One record of a Kinesis Data Streams event.
#[derive(Debug)]
pub struct KinesisRecord {
    /// `kinesis.sequenceNumber`, reported back in `batchItemFailures`.
    pub sequence_number: String,
    /// Its `data`: a subscription payload, base64 and gzip, decoded when it is read
    /// ([`PayloadDecoder`]).
    pub data: Result<String, AwsLogsError>,
}

#[derive(Deserialize)]
struct RawKinesisRecord {
    kinesis: Option<RawKinesis>,
}

#[derive(Deserialize)]
struct RawKinesis {
    #[serde(rename = "sequenceNumber")]
    sequence_number: Option<String>,
    data: Option<String>,
}

/// Reads the records of a Kinesis event (`Records`, raw JSON) by serde; a record without
/// `data` fails alone. Fails when `Records` is not an array of records with sequence numbers.
/// (`kinesis_records::kinesis_records` reads the usual form directly first.)
pub(super) fn serde_records(records: &str) -> Result<Vec<KinesisRecord>, String> {
    let raw: Vec<RawKinesisRecord> =
        serde_json::from_str(records).map_err(|e| format!("Kinesis Records are not records: {e}"))?;
    raw.into_iter()
        .enumerate()
        .map(|(i, record)| {
            let kinesis = record.kinesis.ok_or_else(|| format!("Kinesis Records[{i}] has no `kinesis` member"))?;
            let sequence_number =
                kinesis.sequence_number.ok_or_else(|| format!("Kinesis Records[{i}] has no sequenceNumber"))?;
            Ok(KinesisRecord { sequence_number, data: kinesis.data.ok_or(AwsLogsError::NoData) })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// base64(gzip(`json`)), as CloudWatch Logs sends it.
    pub(crate) fn encode(json: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(crate::entry::test_support::gzip(json))
    }

    #[test]
    fn decodes_and_names_bad_data() {
        assert_eq!(decode_data(&encode(b"{\"a\":1}")).unwrap(), b"{\"a\":1}");
        assert!(matches!(decode_data("%%%"), Err(AwsLogsError::NotBase64(_))));
        let not_gzip = base64::engine::general_purpose::STANDARD.encode(b"{\"a\":1}");
        assert!(matches!(decode_data(&not_gzip), Err(AwsLogsError::NotGzip(_))));
        let gz = crate::entry::test_support::gzip(b"{\"a\":1}");
        let cut = base64::engine::general_purpose::STANDARD.encode(&gz[..gz.len() - 6]);
        assert!(matches!(decode_data(&cut), Err(AwsLogsError::NotGzip(_))));
        let bomb = encode(&vec![b' '; (MAX_DECODED_BYTES + 10) as usize]);
        assert!(matches!(decode_data(&bomb), Err(AwsLogsError::TooLarge)));
    }

    #[test]
    fn base64_decoded_as_the_base64_crate_decodes_it() {
        let engine = base64::engine::general_purpose::STANDARD;
        let bytes: Vec<u8> = (0..80u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..bytes.len() {
            let text = engine.encode(&bytes[..len]);
            let mut damaged = vec![text.clone(), format!("{text}="), format!("{text}A"), format!(" {text}")];
            for at in 0..text.len() {
                for with in ["!", "=", "A", "/", "-", "", "\n"] {
                    damaged.push(format!("{}{with}{}", &text[..at], &text[at + 1..]));
                }
            }
            for data in damaged {
                let mut ours = b"kept".to_vec();
                let result = decode_base64(&data, &mut ours);
                let theirs = engine.decode(&data);
                assert_eq!(result.is_ok(), theirs.is_ok(), "{data:?}");
                if let Ok(theirs) = theirs {
                    assert_eq!(ours[4..], theirs[..], "{data:?}");
                }
                assert_eq!(&ours[..4], b"kept");
            }
        }
    }

    #[test]
    fn kinesis_records_fail_alone() {
        let records = serde_json::json!([
            {"eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "1", "data": encode(b"{}")}},
            {"eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "2", "data": "bm90IGd6aXA="}},
        ])
        .to_string();
        let records = serde_records(&records).unwrap();
        let mut decoder = PayloadDecoder::default();
        assert_eq!(decoder.decode(records[0].data.as_deref().unwrap()).unwrap(), b"{}");
        assert_eq!(records[1].sequence_number, "2");
        assert!(matches!(decoder.decode(records[1].data.as_deref().unwrap()), Err(AwsLogsError::NotGzip(_))));
        assert_eq!(decoder.decode(&encode(b"[1]")).unwrap(), b"[1]", "the decoder is reused after a failure");
        assert!(serde_records(r#"[{"kinesis":{"data":"x"}}]"#).unwrap_err().contains("sequenceNumber"));
    }
}
