//! GuardDuty findings delivered by an EventBridge rule: one finding per event.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::entry::EntryContext;
use crate::entry::finding::{EnvelopeFallback, FindingBody, FindingSummary, write_finding};
use crate::json::{self, lenient_str};
use crate::sink::{BatchOut, EntrySink, SinkError};

/// The envelope fields the forwarder reads.
#[derive(Deserialize)]
pub struct Envelope<'a> {
    /// `source`, e.g. `aws.guardduty`.
    #[serde(borrow)]
    pub source: Option<&'a RawValue>,
    /// `detail-type`, e.g. `GuardDuty Finding`.
    #[serde(rename = "detail-type", borrow)]
    pub detail_type: Option<&'a RawValue>,
    /// `detail`: the finding.
    #[serde(borrow)]
    pub detail: Option<&'a RawValue>,
    #[serde(borrow)]
    account: Option<&'a RawValue>,
    #[serde(borrow)]
    region: Option<&'a RawValue>,
    #[serde(borrow)]
    time: Option<&'a RawValue>,
}

/// Builds the entry for a GuardDuty finding event (already recognised by dispatch) into
/// `sink`.
pub fn forward_finding<O: BatchOut>(
    event: &[u8],
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    let mut compact = Vec::with_capacity(event.len());
    json::write_compact(&mut compact, event);
    sink.stats.records_in += 1;
    let envelope: Option<Envelope> =
        std::str::from_utf8(&compact).ok().and_then(|text| serde_json::from_str(text).ok());
    let envelope = match envelope {
        Some(envelope) => envelope,
        None => {
            sink.stats.invalid_json += 1;
            crate::entry::plain::write_message(&mut sink.entry, ctx, "guardduty", None, &compact);
            return sink.commit(&ctx.rules, &compact);
        }
    };
    let detail = envelope.detail.map(|d| d.get().as_bytes()).unwrap_or(b"{}");
    let summary = FindingSummary::parse(detail).unwrap_or_default();
    if summary.below(ctx.rules.min_severity) {
        sink.stats.drop_record(crate::stats::DropReason::BelowMinSeverity);
        return Ok(());
    }
    if summary.archived && ctx.rules.skip_archived {
        sink.stats.drop_record(crate::stats::DropReason::Archived);
        return Ok(());
    }
    let account = lenient_str(envelope.account);
    let region = lenient_str(envelope.region);
    let time = lenient_str(envelope.time);
    let fallback = EnvelopeFallback { account: account.as_deref(), region: region.as_deref(), time: time.as_deref() };
    if write_finding(&mut sink.entry, ctx, &summary, fallback, FindingBody::Envelope(&compact)) {
        sink.stats.clamped_dates += 1;
    }
    sink.commit(&ctx.rules, summary.title.as_deref().map_or(detail, str::as_bytes))
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
        forward_finding(event.as_bytes(), &context(), &mut sink).unwrap();
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
