//! CloudTrail log files (`{"Records":[…]}`, also Insights files): streamed record by
//! record, never holding the file.

use std::io::{self, BufRead};

use super::scan::{Scanner, malformed};
use crate::entry::cloudtrail::{RecordSummary, write_record};
use crate::entry::{EntryContext, ObjectOrigin, plain};
use crate::limits::MAX_RECORD_BYTES;
use crate::sink::{BatchOut, EntrySink};
use crate::source::object_reader::ReadError;
use crate::stats::DropReason;

/// Reads every record of a CloudTrail file into `sink`.
pub fn read_records<R: BufRead, O: BatchOut>(
    reader: R,
    ctx: &EntryContext,
    origin: ObjectOrigin<'_>,
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
            read_array(&mut scanner, &mut record, ctx, origin, sink)?;
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
    ctx: &EntryContext,
    origin: ObjectOrigin<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    if scanner.peek()? == Some(b']') {
        scanner.bump();
        return Ok(());
    }
    loop {
        let kept = scanner.read_value(record, MAX_RECORD_BYTES)?;
        sink.stats.records_in += 1;
        if kept {
            build_entry(record, ctx, origin, sink);
            sink.commit(&ctx.rules, record)?;
        } else {
            sink.stats.drop_record(DropReason::RecordTooLarge);
            tracing::warn!(
                bucket = origin.bucket,
                key = origin.key,
                "skipped a CloudTrail record over {MAX_RECORD_BYTES} bytes"
            );
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

fn build_entry<O: BatchOut>(record: &[u8], ctx: &EntryContext, origin: ObjectOrigin<'_>, sink: &mut EntrySink<O>) {
    // The record is copied into the entry as is: it must be valid UTF-8 (serde_json does not
    // check strings it skips).
    let parsed = std::str::from_utf8(record).ok().and_then(|_| RecordSummary::parse(record).ok());
    match parsed {
        Some(summary) if record.first() == Some(&b'{') => {
            if write_record(&mut sink.entry, ctx, &summary, origin, record) {
                sink.stats.clamped_dates += 1;
            }
        }
        _ => {
            sink.stats.invalid_json += 1;
            plain::write_message(&mut sink.entry, ctx, "cloudtrail", Some(origin), record);
        }
    }
}
