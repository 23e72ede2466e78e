//! CloudWatch Logs event entries for groups that S3 never holds (EKS, Lambda, any other
//! group): a message that is a compact JSON object becomes the log's attributes, any other
//! message is sent raw as `message` (Datadog's pipelines parse text). The log is dated by the
//! event's `timestamp` (ms), clamped into the intake's window like every other date.

use super::{EntryContext, ObjectAttrs, append_members};
use crate::json;
use crate::json_validate;

/// One CloudWatch Logs event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event<'a> {
    /// The event id, written only with `DD_LOG_EVENT_ID`.
    pub(crate) id: &'a str,
    /// When it happened (ms since the epoch).
    pub(crate) timestamp: Option<i64>,
    /// The message.
    pub(crate) message: &'a str,
}

impl EntryContext {
    /// Writes `,"id":…` when the settings ask for event ids.
    pub(crate) fn write_event_id(&self, out: &mut Vec<u8>, id: &str) {
        if self.log_event_id && !id.is_empty() {
            out.extend_from_slice(b",\"id\":");
            json::write_str(out, id);
        }
    }

    /// Writes `,"timestamp":<ms>`, or the processing time with `"timestamp_clamped":true` and
    /// `"original_timestamp":<ms>` when `ms` is outside the intake's window; nothing without a
    /// date (the intake dates the log on arrival). True when clamped.
    fn write_date_ms(&self, out: &mut Vec<u8>, ms: Option<i64>) -> bool {
        let Some(ms) = ms else { return false };
        if self.clock.in_window_ms(ms) {
            out.extend_from_slice(b",\"timestamp\":");
            out.extend_from_slice(ms.to_string().as_bytes());
            return false;
        }
        out.extend_from_slice(b",\"timestamp\":");
        json::write_str(out, self.clock.now_text());
        out.extend_from_slice(b",\"timestamp_clamped\":true,\"original_timestamp\":");
        out.extend_from_slice(ms.to_string().as_bytes());
        true
    }
}

/// Writes the entry of one event; true when its date was clamped. A JSON object message that
/// has its own `timestamp` member keeps it (no second one is written).
pub(crate) fn write_event(out: &mut Vec<u8>, ctx: &EntryContext, attrs: &ObjectAttrs, event: Event<'_>) -> bool {
    attrs.start(out);
    ctx.write_event_id(out, event.id);
    let message = event.message.trim_end_matches(['\n', '\r']);
    let mut own_timestamp = false;
    let object = message.starts_with('{')
        && json_validate::compact_prefix(message.as_bytes(), |name, _| own_timestamp |= name == b"\"timestamp\"")
            == Some(message.len());
    let clamped = if own_timestamp { false } else { ctx.write_date_ms(out, event.timestamp) };
    if object {
        append_members(out, message.as_bytes());
    } else {
        out.extend_from_slice(b",\"message\":");
        json::write_str(out, message);
    }
    out.push(b'}');
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};
    use crate::entry::{LogOrigin, provenance::Provenance};

    const NOON_MS: i64 = 1_795_521_600_000;
    const ORIGIN: LogOrigin = LogOrigin { owner: "123456789012", group: "/aws/eks/prod/cluster", stream: "s" };

    fn entry(ctx: &EntryContext, event: Event<'_>) -> (String, bool) {
        let attrs = ObjectAttrs::for_log_stream(ctx, "kubernetes.audit", "kubernetes.audit", ORIGIN);
        let mut out = Vec::new();
        let clamped = write_event(&mut out, ctx, &attrs, event);
        (String::from_utf8(out).unwrap(), clamped)
    }

    #[test]
    fn json_becomes_attributes_and_text_stays_raw() {
        let ctx = context();
        let audit = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}"#;
        let (text, clamped) = entry(&ctx, Event { id: "1", timestamp: Some(NOON_MS - 60_000), message: audit });
        assert_eq!(
            text,
            r#"{"ddsource":"kubernetes.audit","service":"kubernetes.audit","ddtags":"env:test","timestamp":1795521540000,"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}"#
        );
        assert!(!clamped);
        let (text, _) = entry(&ctx, Event { id: "1", timestamp: None, message: "I1124 12:00:00 started \"x\"\n" });
        assert_eq!(parse(text.as_bytes())["message"], "I1124 12:00:00 started \"x\"");
        assert!(parse(text.as_bytes()).get("timestamp").is_none());
        let (text, _) = entry(&ctx, Event { id: "1", timestamp: None, message: "{\"spaced\": true}" });
        assert_eq!(parse(text.as_bytes())["message"], "{\"spaced\": true}", "JSON that is not compact goes raw");
    }

    #[test]
    fn stale_dates_are_clamped_and_kept() {
        let (text, clamped) = entry(&context(), Event { id: "1", timestamp: Some(1_600_000_000_000), message: "x" });
        let v = parse(text.as_bytes());
        assert!(clamped);
        assert_eq!(
            (v["timestamp"].as_str(), v["original_timestamp"].as_i64()),
            (Some("2026-11-24T12:00:00Z"), Some(1_600_000_000_000))
        );
        let (text, clamped) = entry(
            &context(),
            Event { id: "1", timestamp: Some(1), message: r#"{"timestamp":"2026-11-24T11:00:00Z"}"# },
        );
        assert_eq!(parse(text.as_bytes())["timestamp"], "2026-11-24T11:00:00Z");
        assert!(!clamped);
    }

    #[test]
    fn event_id_and_provenance_on_request() {
        let ctx = EntryContext { log_event_id: true, provenance: Provenance::S3, ..context() };
        let (text, _) = entry(&ctx, Event { id: "3195", timestamp: None, message: "x" });
        let v = parse(text.as_bytes());
        assert_eq!(v["id"], "3195");
        assert_eq!(v["aws"]["awslogs"]["logGroup"], "/aws/eks/prod/cluster");
        let (text, _) = entry(&context(), Event { id: "3195", timestamp: None, message: "x" });
        assert!(parse(text.as_bytes()).get("id").is_none());
    }
}
