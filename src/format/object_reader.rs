//! Reads one object: decodes its bytes, settles its kind (by its first bytes when its key
//! said nothing) and hands the stream to the record reader its row in the table of sources
//! names. Runs on a blocking thread.

use std::io::{BufRead, Read};
use std::sync::Arc;

use super::cloudtrail;
use super::decode::{ReadError, decoded};
use super::flow_parquet;
use super::lines::{self, LineFormat};
use super::object_kind::ObjectKind;
use super::scope::ObjectScope;
use super::sources::Reader;
use super::vpcflow;
use crate::entry::{EntryContext, ObjectAttrs, ObjectOrigin};
use crate::sink::{BatchOut, EntrySink};
use crate::store::RangeRead;

/// What an object held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectRead {
    /// Its records (possibly none, as a CloudTrail file with an empty `Records` array).
    Records,
    /// Nothing at all: 0 bytes, or an empty gzip member.
    Empty,
    /// A kind that is skipped, recognised by its first bytes: nothing read or sent.
    Skipped(ObjectKind),
}

/// UTF-8's byte-order mark, which some writers put first; it is not part of the content.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads a whole object of `kind` from `raw` (of `size` bytes, when known) into `sink`,
/// failing when it decompresses to more than `max_bytes`.
pub fn read_object<O: BatchOut>(
    raw: impl Read + Send,
    size: Option<u64>,
    kind: ObjectKind,
    max_bytes: u64,
    ctx: &EntryContext,
    origin: ObjectOrigin<'_>,
    sink: &mut EntrySink<O>,
) -> Result<ObjectRead, ReadError> {
    let mut reader = decoded(raw, size, max_bytes)?;
    let head = reader.fill_buf()?;
    if head.is_empty() {
        return Ok(ObjectRead::Empty);
    }
    if head.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    let kind = match kind {
        ObjectKind::Lines | ObjectKind::Unknown => ObjectKind::of_head(reader.fill_buf()?).unwrap_or(kind),
        known => known,
    };
    let source = kind.source();
    if source.skip.is_some() {
        return Ok(ObjectRead::Skipped(kind));
    }
    let attrs = ObjectAttrs::new(ctx, source.ddsource, source.service, Some(origin));
    let scope = ObjectScope { ctx, origin, attrs, source };
    let format = match source.reader {
        Reader::CloudTrail => return cloudtrail::read_records(reader, &scope, sink).map(|()| ObjectRead::Records),
        Reader::Findings => LineFormat::Findings,
        // Events rows are matched by no key or first bytes; read as lines if named anyway.
        Reader::Lines | Reader::Events => LineFormat::Plain { comments: false },
        Reader::CommentedLines => LineFormat::Plain { comments: true },
        Reader::JsonLines(how) => LineFormat::Json(how),
        Reader::FlowLines => return vpcflow::read_flow_lines(reader, &scope, sink).map(|()| ObjectRead::Records),
        Reader::FlowParquet => {
            return Err(ReadError::Format("a Parquet object is read by byte ranges, not as a stream".into()));
        }
    };
    lines::read_lines(reader, format, &scope, sink)?;
    Ok(ObjectRead::Records)
}

/// Reads a whole object of a `kind` read by byte ranges (Parquet) into `sink`.
pub fn read_ranged_object<O: BatchOut>(
    source: Arc<dyn RangeRead>,
    kind: ObjectKind,
    ctx: &EntryContext,
    origin: ObjectOrigin<'_>,
    sink: &mut EntrySink<O>,
) -> Result<ObjectRead, ReadError> {
    if source.size() == 0 {
        return Ok(ObjectRead::Empty);
    }
    let source_row = kind.source();
    let attrs = ObjectAttrs::new(ctx, source_row.ddsource, source_row.service, Some(origin));
    let scope = ObjectScope { ctx, origin, attrs, source: source_row };
    flow_parquet::read_flow_parquet(source, &scope, sink)?;
    Ok(ObjectRead::Records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::gzip;
    use crate::stats::Stats;

    fn run(bytes: &[u8], kind: ObjectKind) -> (Stats, Result<ObjectRead, ReadError>, Vec<serde_json::Value>) {
        let ctx = crate::entry::test_support::context();
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let mut sink = EntrySink::new(Vec::new());
        let result = read_object(bytes, Some(bytes.len() as u64), kind, u64::MAX, &ctx, origin, &mut sink);
        let (mut stats, batches, finish) = sink.finish();
        finish.unwrap();
        let mut entries = Vec::new();
        for b in batches {
            stats.entries_sent += b.entries() as u64;
            entries.extend(serde_json::from_slice::<Vec<serde_json::Value>>(&b.raw_body().unwrap()).unwrap());
        }
        (stats, result, entries)
    }

    #[test]
    fn cloudtrail_multi_member_gzip_with_pretty_records() {
        let first = gzip(b"{\n  \"Records\": [\n    {\"eventName\": \"A\",\n     \"x\": \"keep  spaces\"},\n");
        let second = gzip(b"    {\"eventName\": \"B\"}, \"not an object\"\n  ], \"other\": {\"a\": [1]}\n}\n");
        let (stats, result, entries) = run(&[first, second].concat(), ObjectKind::CloudTrail);
        result.unwrap();
        assert_eq!(stats.records_in, 3);
        assert_eq!(stats.dropped_for(crate::stats::DropReason::NotARecord), 1);
        assert!(stats.balanced());
        assert_eq!(entries[0]["eventName"], "A");
        assert_eq!(entries[0]["x"], "keep  spaces");
        assert_eq!(entries[1]["eventName"], "B");
        assert_eq!(entries.len(), 2, "a string is not a record");
    }

    #[test]
    fn cloudtrail_structure_errors() {
        for (body, needle) in [
            (&b"{\"Records\": {}}"[..], "not an array"),
            (b"{\"logFiles\": []}", "no Records"),
            (b"[1,2]", "JSON object"),
            (b"{\"Records\": [{\"a\":1}", "truncated"),
            (b"{\"Records\": []} {\"Records\": []}", "after the Records object"),
        ] {
            let (_, result, _) = run(&gzip(body), ObjectKind::CloudTrail);
            let err = result.unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let records = vec![r#"{"eventName":"A","n":"0123456789abcdef"}"#; 2000].join(",");
        let data = gzip(format!(r#"{{"Records":[{records}]}}"#).as_bytes());
        let (_, result, _) = run(&data[..data.len() / 2], ObjectKind::CloudTrail);
        assert!(matches!(result, Err(ReadError::Io(_))), "{result:?}");
    }

    #[test]
    fn findings_export_and_plain_lines() {
        let lines = b"{\"type\":\"Recon:EC2/PortProbeUnprotectedPort\",\"severity\":5}\nnot json\n\n{\"type\":\"X:Y/Z\",\"severity\":9}";
        let (stats, result, entries) = run(&gzip(lines), ObjectKind::GuardDutyExport);
        result.unwrap();
        assert_eq!((stats.records_in, stats.invalid_json), (3, 1));
        assert_eq!(entries[0]["status"], "warn");
        assert_eq!(entries[1]["ddsource"], "guardduty");
        assert_eq!(entries[1]["message"], "not json");
        assert_eq!(entries[2]["status"], "critical");
        let (stats, _, entries) = run(b"a\nb\r\n", ObjectKind::Lines);
        assert_eq!(stats.records_in, 2);
        assert_eq!(entries[1]["message"], "b");
        assert_eq!(entries[1]["ddsource"], "s3");
    }

    #[test]
    fn findings_below_the_minimum_severity_are_dropped_and_counted() {
        let mut ctx = crate::entry::test_support::context();
        ctx.rules.min_severity = 7.0;
        let lines =
            b"{\"type\":\"A:B/C\",\"severity\":6.9}\n{\"type\":\"A:B/C\",\"severity\":7}\n{\"type\":\"A:B/C\"}\n";
        let mut sink = EntrySink::new(Vec::new());
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        read_object(&lines[..], None, ObjectKind::GuardDutyExport, u64::MAX, &ctx, origin, &mut sink).unwrap();
        let (stats, batches, _) = sink.finish();
        assert_eq!(stats.records_in, 3);
        assert_eq!(stats.dropped_for(crate::stats::DropReason::BelowMinSeverity), 1);
        assert_eq!(batches[0].entries(), 2);
    }

    #[test]
    fn a_decompression_bomb_hits_the_cap_with_a_clear_error() {
        let bomb = gzip(&vec![b'0'; 50 * 1024 * 1024]);
        assert!(bomb.len() < 1024 * 1024);
        let ctx = crate::entry::test_support::context();
        let mut sink = EntrySink::new(Vec::new());
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let err = read_object(&bomb[..], None, ObjectKind::Lines, 10 * 1024 * 1024, &ctx, origin, &mut sink)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 10 MiB (DD_MAX_OBJECT_SIZE_MB)"), "{err}");
    }

    #[test]
    fn invalid_utf8_inside_skipped_strings_is_never_copied() {
        // Found by fuzzing: serde_json skips unread strings without checking their UTF-8.
        let export = b"{\"type\":\"A:B/C\",\"other\":\"\xff\xfe\"}\n";
        let trail = b"{\"Records\":[{\"eventName\":\"A\",\"other\":\"\xff\"}]}";
        for (bytes, kind) in [(&export[..], ObjectKind::GuardDutyExport), (&trail[..], ObjectKind::CloudTrail)] {
            let (stats, result, entries) = run(bytes, kind);
            result.unwrap();
            assert_eq!((stats.records_in, stats.invalid_json), (1, 1), "{kind:?}");
            assert!(entries[0]["message"].as_str().unwrap().contains('\u{fffd}'));
        }
    }

    #[test]
    fn zstd_and_empty_objects() {
        let z = zstd::bulk::compress(b"one\ntwo\n", 3).unwrap();
        let (stats, result, _) = run(&z, ObjectKind::Lines);
        result.unwrap();
        assert_eq!(stats.records_in, 2);
        let (stats, result, _) = run(b"", ObjectKind::Lines);
        assert_eq!(result.unwrap(), ObjectRead::Empty);
        assert_eq!(stats.records_in, 0);
        let (stats, result, _) = run(&gzip(b""), ObjectKind::GuardDutyExport);
        assert_eq!(result.unwrap(), ObjectRead::Empty);
        assert_eq!(stats.records_in, 0);
        let (_, result, _) = run(&gzip(b"{\"Records\":[]}"), ObjectKind::CloudTrail);
        assert_eq!(result.unwrap(), ObjectRead::Records, "no records is not an empty object");
    }

    #[test]
    fn a_byte_order_mark_is_not_content() {
        let trail = [&b"\xef\xbb\xbf"[..], br#"{"Records":[{"eventName":"A"}]}"#].concat();
        let (stats, result, entries) = run(&gzip(&trail), ObjectKind::CloudTrail);
        result.unwrap();
        assert_eq!((stats.records_in, entries[0]["eventName"].as_str()), (1, Some("A")));
        let export = [&b"\xef\xbb\xbf"[..], b"{\"type\":\"A:B/C\",\"severity\":5}\n"].concat();
        let (stats, _, entries) = run(&export, ObjectKind::GuardDutyExport);
        assert_eq!((stats.records_in, stats.invalid_json, entries[0]["evt"]["name"].as_str()), (1, 0, Some("A:B/C")));
    }
}
