//! GuardDuty findings delivered by an EventBridge rule: one finding per event.

use super::envelope::Envelope;
use crate::entry::finding::{EnvelopeFallback, FindingBody, FindingSummary, write_finding};
use crate::entry::{EntryContext, ObjectAttrs};
use crate::json::{self, lenient_str};
use crate::sink::{BatchOut, EntrySink, SinkError};

/// A GuardDuty finding event, as recognised by dispatch.
#[derive(Debug)]
pub struct FindingEvent<'a> {
    /// The whole event as received.
    pub(crate) raw: &'a [u8],
    /// Its top level, parsed once.
    pub(crate) envelope: Envelope<'a>,
}

/// Builds the entry for a GuardDuty finding event into `sink`.
pub(crate) fn forward_finding<O: BatchOut>(
    event: &FindingEvent<'_>,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    let mut compact = Vec::with_capacity(event.raw.len());
    json::write_compact(&mut compact, event.raw);
    // serde_json does not check the UTF-8 of members it skips: the whole event is copied
    // into the entry, so it must be valid, and its envelope readable.
    if event.envelope.partial || std::str::from_utf8(&compact).is_err() {
        let attrs = ObjectAttrs::new(ctx, "guardduty", "guardduty", None);
        return sink.commit_invalid(&ctx.rules, &attrs, &compact);
    }
    let envelope = &event.envelope;
    let detail = envelope.detail.map(|d| d.get().as_bytes()).unwrap_or(b"{}");
    let summary = FindingSummary::parse(detail).unwrap_or_default();
    if let Some(reason) = summary.dropped_by(&ctx.rules) {
        sink.drop_record(reason);
        return Ok(());
    }
    let account = lenient_str(envelope.account);
    let region = lenient_str(envelope.region);
    let time = lenient_str(envelope.time);
    let fallback = EnvelopeFallback {
        account: account.as_deref(),
        region: region.as_deref(),
        time: time.as_deref(),
        origin: None,
    };
    let mut compact_detail = Vec::new();
    let match_text = match summary.title.as_deref() {
        Some(title) => title.as_bytes(),
        None => {
            json::write_compact(&mut compact_detail, detail);
            &compact_detail
        }
    };
    sink.commit(&ctx.rules, match_text, |out| {
        write_finding(out, ctx, &summary, fallback, FindingBody::Envelope(&compact))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::context;

    #[test]
    fn envelope_members_at_top_level_and_admin_account_fallback() {
        let event = r#"{
          "version": "0", "id": "e-1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
          "account": "111111111111", "time": "2026-11-24T11:58:00Z", "region": "us-east-1", "resources": [],
          "detail": {"type": "UnauthorizedAccess:EC2/SSHBruteForce", "severity": 8, "title": "SSH brute force",
                     "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0123abcd"}}}
        }"#;
        let mut sink = EntrySink::new(Vec::new());
        let event = FindingEvent { raw: event.as_bytes(), envelope: Envelope::parse(event.as_bytes()).unwrap() };
        forward_finding(&event, &context(), &mut sink).unwrap();
        let (stats, batches, _) = sink.finish();
        assert_eq!(stats.records_in, 1);
        let raw = batches[0].raw_body().unwrap();
        assert!(!raw.contains(&b'\n'), "entries are one line");
        let v: Vec<serde_json::Value> = serde_json::from_slice(&raw).unwrap();
        let v = &v[0];
        assert_eq!(v["evt"]["name"], "UnauthorizedAccess:EC2/SSHBruteForce");
        assert_eq!(v["status"], "error");
        assert_eq!(v["host"], "i-0123abcd");
        assert_eq!(v["timestamp"], "2026-11-24T11:58:00Z");
        assert_eq!(v["detail-type"], "GuardDuty Finding");
        assert_eq!(v["account"], "111111111111");
        assert_eq!(v["detail"]["severity"], 8);
        assert!(v["ddtags"].as_str().unwrap().contains("aws_account:111111111111,region:us-east-1,severity:high"));
    }
}
