//! CloudTrail log files (`{"Records":[…]}`, also Insights files): streamed record by
//! record, never holding the file.

use std::io::{self, BufRead};

use super::decode::ReadError;
use super::scan::{Scanner, malformed};
use super::scope::ObjectScope;
use crate::entry::EntryContext;
use crate::entry::cloudtrail::{RecordSummary, RecordWriter};
use crate::json_validate;
use crate::limits::MAX_RECORD_BYTES;
use crate::sink::{BatchOut, EntrySink};
use crate::stats::DropReason;

/// Reads every record of a CloudTrail file into `sink`.
pub fn read_records<R: BufRead, O: BatchOut>(
    reader: R,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let mut scanner = Scanner::new(reader);
    let mut key = Vec::new();
    let mut record = Vec::new();
    let mut found = false;
    if scanner.peek()?.is_none() {
        return Ok(());
    }
    scanner.expect(b'{', "a CloudTrail file is a JSON object with a Records array")?;
    if scanner.peek()? == Some(b'}') {
        return Err(ReadError::Format("the file has no Records array".into()));
    }
    loop {
        if !scanner.read_value(&mut key, 256)? || key.first() != Some(&b'"') {
            return Err(malformed("expected a member name").into());
        }
        scanner.expect(b':', "expected `:` after a member name")?;
        if key == b"\"Records\"" && !found {
            found = true;
            if scanner.peek()? != Some(b'[') {
                return Err(ReadError::Format("\"Records\" is not an array".into()));
            }
            scanner.bump();
            read_array(&mut scanner, &mut record, scope, sink)?;
        } else {
            scanner.read_value(&mut record, 0)?;
        }
        match scanner.peek()? {
            Some(b',') => scanner.bump(),
            Some(b'}') => break,
            Some(_) => return Err(malformed("expected `,` or `}` after a member").into()),
            None => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated CloudTrail file").into()),
        }
    }
    scanner.bump();
    if !found {
        return Err(ReadError::Format("the file has no Records array".into()));
    }
    if scanner.peek()?.is_some() {
        return Err(ReadError::Format("unexpected data after the Records object".into()));
    }
    Ok(())
}

fn read_array<R: BufRead, O: BatchOut>(
    scanner: &mut Scanner<R>,
    record: &mut Vec<u8>,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    if scanner.peek()? == Some(b']') {
        scanner.bump();
        return Ok(());
    }
    let (ctx, origin) = (scope.ctx, scope.origin);
    let writer = RecordWriter::new(scope.attrs.clone());
    loop {
        if !forward_in_place(scanner, &writer, ctx, sink)? {
            if scanner.read_value(record, MAX_RECORD_BYTES)? {
                forward_record(record, &writer, scope, sink)?;
            } else {
                sink.drop_record(DropReason::RecordTooLarge);
                tracing::warn!(
                    bucket = origin.bucket,
                    key = origin.key,
                    "skipped a CloudTrail record over {MAX_RECORD_BYTES} bytes"
                );
            }
        }
        match scanner.peek()? {
            Some(b',') => scanner.bump(),
            Some(b']') => {
                scanner.bump();
                return Ok(());
            }
            Some(_) => return Err(malformed("expected `,` or `]` after a record").into()),
            None => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated CloudTrail file").into()),
        }
    }
}

/// The fast path: when the buffer holds the whole next record, valid and compact (as AWS
/// writes them), its entry is built from the buffer and the record consumed. Returns false,
/// consuming nothing, for any other record.
fn forward_in_place<R: BufRead, O: BatchOut>(
    scanner: &mut Scanner<R>,
    writer: &RecordWriter,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<bool, ReadError> {
    let buffered = scanner.buffered()?;
    let window = &buffered[..buffered.len().min(MAX_RECORD_BYTES)];
    let Some((summary, len)) = RecordSummary::parse_prefix(window) else { return Ok(false) };
    let record = &window[..len];
    let committed = sink.commit(&ctx.rules, record, |out| writer.write(out, ctx, &summary, record));
    scanner.consume(len);
    committed?;
    Ok(true)
}

/// A record copied out of the stream (compact): its entry when it is a valid JSON object,
/// else a plain message.
fn forward_record<O: BatchOut>(
    record: &[u8],
    writer: &RecordWriter,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let (ctx, origin) = (scope.ctx, scope.origin);
    // The record is copied into the entry as is: the summary only parses when the record is
    // a valid JSON object.
    match RecordSummary::parse(record) {
        Ok(summary) => sink.commit(&ctx.rules, record, |out| writer.write(out, ctx, &summary, record))?,
        Err(_) if record.first() != Some(&b'{') && json_validate::validate(record, |_, _| {}) => {
            // `null`, a number, a string, an array: valid JSON, but not a record.
            sink.drop_record(DropReason::NotARecord);
            tracing::warn!(bucket = origin.bucket, key = origin.key, "skipped a Records element that is not an object");
        }
        Err(_) => sink.commit_invalid(&ctx.rules, &scope.attrs, record)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::context;
    use crate::entry::{ObjectAttrs, ObjectOrigin};

    /// Reads `file` with a buffer of `capacity` bytes; returns the bodies and the counters.
    fn read(file: &[u8], capacity: usize) -> (Vec<u8>, crate::stats::Stats) {
        let mut sink = EntrySink::new(Vec::new());
        let reader = io::BufReader::with_capacity(capacity, file);
        let ctx = context();
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let attrs = ObjectAttrs::new(&ctx, "cloudtrail", "cloudtrail", Some(origin));
        read_records(reader, &ObjectScope { ctx: &ctx, origin, attrs }, &mut sink).unwrap();
        let (stats, batches, finished) = sink.finish();
        finished.unwrap();
        (batches.iter().flat_map(|b| b.raw_body().unwrap()).collect(), stats)
    }

    #[test]
    fn in_place_and_copied_records_give_the_same_entries() {
        let file = br#"{"Records":[{"eventName":"A","eventTime":"2026-11-24T11:00:00Z"},
            { "eventName" : "Spaced", "x" : [ 1, 2 ] },{"eventName":"Dup","eventName":"Dup"},
            {"eventName":"Bad","n":01},"a string",{"eventName":"\u0042","userIdentity":{"arn":"arn:aws:sts::1:assumed-role/r/i-0abc"}},
            {"eventName":"Last","errorCode":"AccessDenied"}]}"#;
        // A 1-byte buffer never holds a whole record: everything takes the copying path.
        let (copied, copied_stats) = read(file, 1);
        let (in_place, in_place_stats) = read(file, 1 << 16);
        assert_eq!(String::from_utf8(in_place).unwrap(), String::from_utf8(copied).unwrap());
        assert_eq!(in_place_stats.to_string(), copied_stats.to_string());
        assert_eq!((in_place_stats.records_in, in_place_stats.invalid_json), (7, 2));
        assert_eq!(in_place_stats.dropped_for(DropReason::NotARecord), 1, "\"a string\" is not a record");
    }
}
