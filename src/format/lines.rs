//! Line-oriented objects: GuardDuty findings exports (one finding a line, each sent in the
//! shape of its EventBridge event), JSON-lines logs (WAF, Route 53 Resolver, Network Firewall:
//! one record a line, sent as attributes) and text logs (one log a line, sent raw). Lines are
//! read with a length cap so a file without
//! newlines cannot exhaust memory.

use std::io::BufRead;

use super::decode::ReadError;
use super::scope::ObjectScope;
use super::sources::RecordDate;
use crate::entry::finding::{EnvelopeFallback, FindingBody, dropped_by, write_finding};
use crate::entry::json_record::{Members, write_record};
use crate::entry::plain;
use crate::entry::record_date::{self, line_date};
use crate::finding::Finding;
use crate::finding::family::guardduty;
use crate::limits::MAX_RECORD_BYTES;
use crate::sink::{BatchOut, EntrySink, SinkError};
use crate::stats::DropReason;

/// What the lines of an object hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineFormat {
    /// One GuardDuty finding per line.
    Findings,
    /// Text: each line becomes the `message` of a log; with `comments`, lines starting with
    /// `#` are headers, not records.
    Plain {
        /// Whether `#` lines are headers.
        comments: bool,
    },
    /// One JSON object per line, sent as attributes.
    Json(Members),
}

/// Reads every non-blank line of an object into `sink`.
pub(crate) fn read_lines<R: BufRead, O: BatchOut>(
    mut reader: R,
    format: LineFormat,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let origin = scope.origin;
    let date_member = date_member(scope.source.date);
    let mut line = Vec::new();
    loop {
        let (fits, more) = read_capped_line(&mut reader, &mut line, MAX_RECORD_BYTES)?;
        if !more && line.is_empty() && fits {
            return Ok(());
        }
        let text = trim(&line);
        if fits && text.is_empty() {
            continue;
        }
        if !fits {
            sink.drop_record(DropReason::RecordTooLarge);
            tracing::warn!(bucket = origin.bucket, key = origin.key, "skipped a line over {MAX_RECORD_BYTES} bytes");
            continue;
        }
        match format {
            LineFormat::Findings => forward_finding(text, scope, sink)?,
            LineFormat::Plain { comments: true } if text.first() == Some(&b'#') => {}
            LineFormat::Plain { .. } => {
                let date = match scope.source.date {
                    RecordDate::Line(kind) => line_date(kind, text),
                    _ => None,
                };
                sink.commit(&scope.ctx.rules, text, |out| plain::write_line(out, scope.ctx, &scope.attrs, date, text))?
            }
            LineFormat::Json(how) => forward_json(text, how, date_member.as_ref(), scope, sink)?,
        }
    }
}

/// A record's date member, quoted as it appears in the record, and how it is written.
pub(crate) type DateMember = (Vec<u8>, record_date::DateFormat);

/// The date member of a row whose records are dated by one.
pub(crate) fn date_member(date: RecordDate) -> Option<DateMember> {
    match date {
        RecordDate::Member(name, format) => Some((format!("\"{name}\"").into_bytes(), format)),
        _ => None,
    }
}

/// Builds and commits the entry for one JSON-lines record of an object.
fn forward_json<O: BatchOut>(
    line: &[u8],
    how: Members,
    date_member: Option<&DateMember>,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    if !commit_json_record(line, how, date_member, scope.ctx, &scope.attrs, sink, |_| {})? {
        let (bucket, key) = (scope.origin.bucket, scope.origin.key);
        tracing::warn!(bucket, key, "skipped a line that is JSON but not an object");
    }
    Ok(())
}

/// Builds and commits the entry for one JSON-lines record (from S3 or a CloudWatch Logs
/// event): as attributes when it is an object (`finish` may append to the entry before its
/// closing brace), a counted plain message when it is not valid JSON. False when it is valid
/// JSON but not an object: then it is dropped and counted, for the caller to log.
pub(crate) fn commit_json_record<O: BatchOut>(
    line: &[u8],
    how: Members,
    date_member: Option<&DateMember>,
    ctx: &crate::entry::EntryContext,
    attrs: &crate::entry::ObjectAttrs,
    sink: &mut EntrySink<O>,
    finish: impl FnOnce(&mut Vec<u8>),
) -> Result<bool, SinkError> {
    let Some(members) = crate::entry::waf::members_of(line) else {
        if crate::json_validate::validate(line, |_, _| {}) {
            sink.drop_record(DropReason::NotARecord);
            return Ok(false);
        }
        return sink.commit_invalid(&ctx.rules, attrs, line).map(|()| true);
    };
    let date = date_member.and_then(|(name, format)| {
        let (_, raw) = members.iter().find(|(member, _)| member == name)?;
        record_date::parse(*format, raw)
    });
    sink.commit(&ctx.rules, line, |out| {
        let clamped = write_record(out, ctx, attrs, date, line, &members, how);
        finish(out);
        clamped
    })?;
    Ok(true)
}

/// Builds and commits the entry for one export line, unless the finding is filtered out.
fn forward_finding<O: BatchOut>(
    line: &[u8],
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    let (ctx, origin) = (scope.ctx, scope.origin);
    // The summary is read in the line's validation pass (UTF-8 included): the line is
    // copied into the entry as is.
    let Ok(summary) = Finding::parse(guardduty(), line) else {
        if line.first() != Some(&b'{') && crate::json_validate::validate(line, |_, _| {}) {
            // `null`, a number, a string, an array: valid JSON, but not a finding.
            sink.drop_record(DropReason::NotARecord);
            tracing::warn!(bucket = origin.bucket, key = origin.key, "skipped an export line that is not an object");
            return Ok(());
        }
        return sink.commit_invalid(&ctx.rules, &scope.attrs, line);
    };
    if let Some(reason) = dropped_by(&summary, &ctx.rules) {
        sink.drop_record(reason);
        return Ok(());
    }
    let match_text = summary.title.as_deref().map_or(line, str::as_bytes);
    sink.commit(&ctx.rules, match_text, |out| {
        let fallback = EnvelopeFallback { origin: Some(origin), ..EnvelopeFallback::default() };
        write_finding(out, ctx, &summary, fallback, FindingBody::Export(line))
    })
}

pub(crate) fn trim(line: &[u8]) -> &[u8] {
    let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |i| i + 1);
    &line[start..end]
}

/// Reads one line (without its `\n`) into `line`. Returns (fits, more): `fits` is false
/// when the line was longer than `max` (then consumed but not kept); `more` is false at
/// the end of the stream.
pub(crate) fn read_capped_line<R: BufRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(bool, bool)> {
    line.clear();
    let mut fits = true;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((fits, false));
        }
        let (segment, used, end) = match memchr::memchr(b'\n', buf) {
            Some(p) => (&buf[..p], p + 1, true),
            None => (buf, buf.len(), false),
        };
        if fits && line.len() + segment.len() <= max {
            line.extend_from_slice(segment);
        } else {
            fits = false;
            line.clear();
        }
        reader.consume(used);
        if end {
            return Ok((fits, true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_lines() {
        let input = b"short\r\n\n  \n".iter().chain(&[b'x'; 50]).chain(b"\nlast").copied().collect::<Vec<u8>>();
        let mut r = std::io::BufReader::with_capacity(4, &input[..]);
        let mut line = Vec::new();
        let mut seen = Vec::new();
        loop {
            let (fits, more) = read_capped_line(&mut r, &mut line, 10).unwrap();
            seen.push((fits, String::from_utf8(trim(&line).to_vec()).unwrap()));
            if !more {
                break;
            }
        }
        let expected = [(true, "short"), (true, ""), (true, ""), (false, ""), (true, "last")];
        assert_eq!(seen, expected.map(|(f, s)| (f, s.to_string())));
    }
}
