//! One Datadog log entry from one raw record, written straight into a reused buffer: our
//! attributes first, then the record itself copied as raw JSON (never parsed into a tree
//! and serialized again). Entries over the 1 MB limit are shrunk or dropped here.
//!
//! The layout of each kind is documented in docs/log-layout.md.

pub(crate) mod cloudtrail;
pub(crate) mod finding;
pub(crate) mod flow;
pub(crate) mod json_record;
pub(crate) mod log_event;
pub(crate) mod plain;
pub(crate) mod provenance;
pub(crate) mod record_date;
pub(crate) mod rules;
mod shrink;
pub(crate) mod tags;
pub(crate) mod waf;

use crate::json;
use crate::limits::MAX_ENTRY_BYTES;
use crate::stats::{DropReason, Stats};
use crate::timestamp::{Clock, LogDate};

/// What users configure about entries.
#[derive(Debug, Clone)]
pub struct EntrySettings {
    /// `DD_TAGS` and our own tags.
    pub tags: tags::Tags,
    /// `DD_SOURCE`.
    pub source_override: Option<String>,
    /// Severity threshold, archived findings, include/exclude patterns, scrubbing.
    pub rules: rules::Rules,
    /// `DD_STANDARD_ATTRIBUTES`: also write the standard attributes (`evt.*`, `usr.*`,
    /// `network.client.ip`) that Datadog's CloudTrail pipeline derives itself.
    pub standard_attributes: bool,
    /// `DD_PROVENANCE`: what each log says about the object it came from.
    pub provenance: provenance::Provenance,
    /// `DD_LOG_EVENT_ID`: also write each CloudWatch Logs event's `id`.
    pub log_event_id: bool,
}

/// What every entry builder needs: the settings and the clock.
#[derive(Debug, Clone)]
pub struct EntryContext {
    /// `DD_TAGS` and our own tags.
    pub tags: tags::Tags,
    /// `DD_SOURCE`.
    pub source_override: Option<String>,
    /// Processing time and the intake's date window.
    pub clock: Clock,
    /// Severity threshold, archived findings, include/exclude patterns, scrubbing.
    pub rules: rules::Rules,
    /// Whether to write the standard attributes Datadog's integration pipelines derive.
    pub standard_attributes: bool,
    /// What each log says about the object it came from.
    pub provenance: provenance::Provenance,
    /// Whether to write each CloudWatch Logs event's `id`.
    pub log_event_id: bool,
}

impl EntryContext {
    /// A context for entries built now (or at `clock`'s time).
    pub(crate) fn new(settings: &EntrySettings, clock: Clock) -> Self {
        Self {
            tags: settings.tags.clone(),
            source_override: settings.source_override.clone(),
            clock,
            rules: settings.rules.clone(),
            standard_attributes: settings.standard_attributes,
            provenance: settings.provenance,
            log_event_id: settings.log_event_id,
        }
    }
}

/// The S3 object a record came from (its provenance: see [`provenance`]).
#[derive(Debug, Clone, Copy)]
pub struct ObjectOrigin<'a> {
    /// Bucket name.
    pub bucket: &'a str,
    /// Object key (decoded).
    pub key: &'a str,
}

/// The CloudWatch Logs stream an event came from (its provenance: see [`provenance`]).
#[derive(Debug, Clone, Copy)]
pub struct LogOrigin<'a> {
    /// The account owning the group.
    pub owner: &'a str,
    /// The log group.
    pub group: &'a str,
    /// The log stream.
    pub stream: &'a str,
}

/// What every log of one object (or one event) shares, rendered once:
/// `{"ddsource":…,"service":…`, `DD_TAGS` and the provenance the settings ask for.
#[derive(Debug, Clone)]
pub struct ObjectAttrs {
    prefix: Vec<u8>,
}

impl ObjectAttrs {
    /// The shared attributes of logs of `ddsource` / `service` from `origin` (if any).
    pub fn new(ctx: &EntryContext, ddsource: &str, service: &str, origin: Option<ObjectOrigin<'_>>) -> Self {
        let mut prefix = Vec::with_capacity(128);
        ctx.begin(&mut prefix, ddsource, service);
        ctx.write_tags(&mut prefix, &[]);
        ctx.provenance.write(&mut prefix, origin);
        Self { prefix }
    }

    /// The shared attributes of logs of `ddsource` / `service` from a CloudWatch Logs stream.
    pub fn for_log_stream(ctx: &EntryContext, ddsource: &str, service: &str, origin: LogOrigin<'_>) -> Self {
        let mut prefix = Vec::with_capacity(128);
        ctx.begin(&mut prefix, ddsource, service);
        ctx.write_tags(&mut prefix, &[]);
        ctx.provenance.write_log(&mut prefix, origin);
        Self { prefix }
    }

    /// Starts an entry in a cleared `out`: the shared attributes, without the closing brace.
    pub(crate) fn start(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.prefix);
    }
}

impl EntryContext {
    /// Writes `{"ddsource":…,"service":…` into a cleared `out`.
    fn begin(&self, out: &mut Vec<u8>, source: &str, service: &str) {
        out.clear();
        out.extend_from_slice(b"{\"ddsource\":");
        json::write_str(out, self.source_override.as_deref().unwrap_or(source));
        out.extend_from_slice(b",\"service\":");
        json::write_str(out, self.tags.service.as_deref().unwrap_or(service));
    }

    /// Writes `,"ddtags":"<DD_TAGS>,k:v,…"`, skipping pairs with an empty value; nothing at
    /// all when there is no tag.
    fn write_tags(&self, out: &mut Vec<u8>, pairs: &[(&str, &str)]) {
        let mut pairs = pairs.iter().filter(|(_, v)| !v.is_empty()).peekable();
        if self.tags.common_json.is_empty() && pairs.peek().is_none() {
            return;
        }
        out.extend_from_slice(b",\"ddtags\":\"");
        out.extend_from_slice(self.tags.common_json.as_bytes());
        let mut first = self.tags.common_json.is_empty();
        for (name, value) in pairs {
            if !first {
                out.push(b',');
            }
            first = false;
            json::write_str_body(out, name);
            out.push(b':');
            json::write_str_body(out, value);
        }
        out.push(b'"');
    }

    /// Writes `,"timestamp":…`: the record's own date, or the processing time (and
    /// `"timestamp_clamped":true`) when the record's date is outside the intake's window or
    /// unreadable. True when clamped. The original date stays where the record has it.
    fn write_date(&self, out: &mut Vec<u8>, original: Option<&str>) -> bool {
        out.extend_from_slice(b",\"timestamp\":");
        match self.clock.log_date(original) {
            LogDate::Original(date) | LogDate::Missing(date) => {
                json::write_str(out, date);
                false
            }
            LogDate::Clamped { now, .. } => {
                json::write_str(out, now);
                out.extend_from_slice(b",\"timestamp_clamped\":true");
                true
            }
        }
    }

    /// For a record dated `date` (its own, when known): nothing when the date is inside the
    /// intake's window or unknown, else `,"timestamp":<now>,"timestamp_clamped":true`. True
    /// when clamped.
    fn write_clamped(&self, out: &mut Vec<u8>, date: Option<time::OffsetDateTime>) -> bool {
        match date {
            Some(date) if !self.clock.admits(date) => {
                out.extend_from_slice(b",\"timestamp\":");
                json::write_str(out, self.clock.now_text());
                out.extend_from_slice(b",\"timestamp_clamped\":true");
                true
            }
            _ => false,
        }
    }

    /// For a record whose own date attribute Datadog reads by default (CloudTrail's
    /// `eventTime`): nothing when that date is inside the intake's window (or missing: the
    /// intake then dates the log on arrival), else `,"timestamp":<now>,"timestamp_clamped":true`,
    /// which Datadog reads before `eventTime`. True when clamped.
    fn write_date_if_clamped(&self, out: &mut Vec<u8>, original: Option<&str>) -> bool {
        match self.clock.log_date(original) {
            LogDate::Original(_) | LogDate::Missing(_) => false,
            LogDate::Clamped { now, .. } => {
                write_clamped(out, now);
                true
            }
        }
    }
}

/// Writes `,"timestamp":<now>,"timestamp_clamped":true`.
fn write_clamped(out: &mut Vec<u8>, now: &str) {
    out.extend_from_slice(b",\"timestamp\":");
    json::write_str(out, now);
    out.extend_from_slice(b",\"timestamp_clamped\":true");
}

/// Writes `,"network":{"client":{"ip":…}}`.
fn write_client_ip(out: &mut Vec<u8>, ip: &str) {
    out.extend_from_slice(b",\"network\":{\"client\":{\"ip\":");
    json::write_str(out, ip);
    out.extend_from_slice(b"}}");
}

/// Appends the members of a compact JSON object (`{…}`) after attributes already written,
/// i.e. `,"a":1,"b":2`, or nothing for `{}`.
fn append_members(out: &mut Vec<u8>, compact_object: &[u8]) {
    let inner = &compact_object[1..compact_object.len() - 1];
    if !inner.is_empty() {
        out.push(b',');
        out.extend_from_slice(inner);
    }
}

/// Outcome of fitting a built entry into the 1 MB limit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fit {
    /// The entry fits as built.
    Fits,
    /// The entry was shrunk (largest strings cut, `"truncated":true` added) and fits.
    Truncated,
    /// The entry could not be made to fit: drop it.
    TooLarge,
}

/// Makes sure `entry` is at most [`MAX_ENTRY_BYTES`], shrinking it in place if needed, and
/// counts the outcome in `stats`.
pub(crate) fn fit_entry(entry: &mut Vec<u8>, stats: &mut Stats) -> Fit {
    if entry.len() <= MAX_ENTRY_BYTES {
        return Fit::Fits;
    }
    match shrink::shrink(entry, MAX_ENTRY_BYTES) {
        Some(smaller) => {
            *entry = smaller;
            stats.truncated += 1;
            Fit::Truncated
        }
        None => {
            stats.drop_record(DropReason::EntryTooLarge);
            tracing::warn!(bytes = entry.len(), "dropped a log entry over 1,000,000 bytes that could not be shrunk");
            Fit::TooLarge
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use time::macros::datetime;

    /// A context with fixed tags and a clock at 2026-11-24T12:00:00Z.
    pub(crate) fn context() -> EntryContext {
        EntryContext {
            tags: tags::Tags { common_json: "env:test".into(), service: None },
            source_override: None,
            clock: Clock::at(datetime!(2026-11-24 12:00 UTC)),
            rules: rules::Rules::default(),
            standard_attributes: false,
            provenance: provenance::Provenance::None,
            log_event_id: false,
        }
    }

    /// gzip of `data` (fast level).
    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Parses a built entry.
    pub(crate) fn parse(entry: &[u8]) -> serde_json::Value {
        serde_json::from_slice(entry)
            .unwrap_or_else(|e| panic!("invalid entry {e}: {}", String::from_utf8_lossy(entry)))
    }
}
