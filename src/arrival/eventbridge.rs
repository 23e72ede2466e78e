//! Finding events delivered by an EventBridge rule, for every family of the table: one
//! finding per event, or (Security Hub) a list of findings split into one log each.

use super::envelope::Envelope;
use super::split::{SplitEvent, rewrite_asff};
use crate::entry::finding::{EnvelopeFallback, FindingBody, dropped_by, write_finding};
use crate::entry::{EntryContext, ObjectAttrs};
use crate::finding::{Family, Finding, FindingShape};
use crate::json::{self, lenient_str};
use crate::sink::{BatchOut, EntrySink, SinkError};
use crate::stats::DropReason;

/// A finding event, as recognised by dispatch.
#[derive(Debug)]
pub struct FindingEvent<'a> {
    /// The whole event as received.
    pub(crate) raw: &'a [u8],
    /// Its top level, parsed once.
    pub(crate) envelope: Envelope<'a>,
    /// Its row in the table of finding families.
    pub(crate) family: &'static Family,
}

impl FindingEvent<'_> {
    /// The envelope's `account`, `region` and `time`.
    pub(crate) fn fallback_texts(&self) -> [Option<String>; 3] {
        let e = &self.envelope;
        [e.account, e.region, e.time].map(|raw| lenient_str(raw).map(|t| t.into_owned()))
    }
}

/// Builds the entries of a finding event into `sink`; returns its findings that alerts may
/// consider (not those dropped as Security Hub copies of products forwarded directly).
pub(crate) fn forward_findings<'a, O: BatchOut>(
    event: &FindingEvent<'a>,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<Vec<Finding<'a>>, SinkError> {
    let mut compact = Vec::with_capacity(event.raw.len());
    json::write_compact(&mut compact, event.raw);
    // serde_json does not check the UTF-8 of members it skips: the whole event is copied
    // into the entries, so it must be valid, and its envelope readable.
    if event.envelope.partial || std::str::from_utf8(&compact).is_err() {
        let attrs = ObjectAttrs::new(ctx, event.family.source, event.family.source, None);
        sink.commit_invalid(&ctx.rules, &attrs, &compact)?;
        return Ok(Vec::new());
    }
    let [_, _, time] = event.fallback_texts();
    let fallback = EnvelopeFallback { time: time.as_deref(), origin: None };
    // A Security Hub event without a `detail.findings` list is kept whole, as one log.
    if event.family.is_list()
        && let Some(split) = SplitEvent::read(&compact)
    {
        return forward_split(event.family, &split, fallback, ctx, sink);
    }
    let detail = event.envelope.detail.map(|d| d.get().as_bytes()).unwrap_or(b"{}");
    let finding = match Finding::parse(event.family, detail) {
        Ok(finding) => finding,
        Err(_) => Finding { family: Some(event.family), ..Finding::default() },
    };
    if let Some(reason) = dropped_by(&finding, &ctx.rules) {
        sink.drop_record(reason);
        return Ok(Vec::new());
    }
    let mut compact_detail = Vec::new();
    let match_text = match finding.title.as_deref() {
        Some(title) => title.as_bytes(),
        None => {
            json::write_compact(&mut compact_detail, detail);
            &compact_detail
        }
    };
    sink.commit(&ctx.rules, match_text, |out| {
        write_finding(out, ctx, &finding, fallback, FindingBody::Event(&compact))
    })?;
    Ok(vec![finding])
}

/// One log per finding of a Security Hub event.
fn forward_split<O: BatchOut>(
    family: &'static Family,
    split: &SplitEvent<'_>,
    fallback: EnvelopeFallback<'_>,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<Vec<Finding<'static>>, SinkError> {
    let mut kept = Vec::new();
    let mut rewritten = Vec::new();
    for raw in &split.findings {
        let raw = raw.get().as_bytes();
        let Ok(finding) = Finding::parse(family, raw) else {
            // Valid JSON (the whole event is) but not an object: not a finding.
            sink.drop_record(DropReason::NotARecord);
            tracing::warn!(family = family.name, "skipped an element of detail.findings that is not an object");
            continue;
        };
        let finding = finding.into_owned();
        if let Some(reason) = dropped_by(&finding, &ctx.rules) {
            sink.drop_record(reason);
            if reason != DropReason::SecurityHubCopy {
                kept.push(finding);
            }
            continue;
        }
        let body = if family.shape == FindingShape::Asff {
            rewritten.clear();
            rewrite_asff(&mut rewritten, raw);
            &rewritten[..]
        } else {
            raw
        };
        let match_text = finding.title.as_deref().map_or(raw, str::as_bytes);
        sink.commit(&ctx.rules, match_text, |out| {
            write_finding(
                out,
                ctx,
                &finding,
                fallback,
                FindingBody::Split { envelope: &split.envelope, detail: &split.detail, finding: body },
            )
        })?;
        kept.push(finding);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::context;
    use crate::finding::family::family_of;

    /// The logs of `event` and the findings alerts see.
    fn logs_and_findings(event: &str) -> (crate::stats::Stats, Vec<serde_json::Value>, Vec<Finding<'_>>) {
        let mut sink = EntrySink::new(Vec::new());
        let envelope = Envelope::parse(event.as_bytes()).unwrap();
        let family = family_of(
            &lenient_str(envelope.source).unwrap_or_default(),
            &lenient_str(envelope.detail_type).unwrap_or_default(),
        )
        .unwrap();
        let event = FindingEvent { raw: event.as_bytes(), envelope, family };
        let findings = forward_findings(&event, &context(), &mut sink).unwrap();
        let (stats, batches, _) = sink.finish();
        let logs = batches
            .iter()
            .flat_map(|b| serde_json::from_slice::<Vec<serde_json::Value>>(&b.raw_body().unwrap()).unwrap());
        (stats, logs.collect(), findings)
    }

    /// The log and the alert of every bundled finding event say the same: they are built
    /// from one parsed finding. A second parser for either would fail here as soon as the two
    /// disagree on a sample.
    #[test]
    fn the_log_and_the_alert_agree_for_every_sample() {
        use crate::alert::{AlertFinding, EventContext};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let mut checked = 0;
        for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(envelope) = Envelope::parse(text.as_bytes()) else { continue };
            let (Some(source), Some(detail_type)) = (lenient_str(envelope.source), lenient_str(envelope.detail_type))
            else {
                continue;
            };
            if family_of(&source, &detail_type).is_none() {
                continue;
            }
            let (_, logs, findings) = logs_and_findings(&text);
            assert_eq!(logs.len(), findings.len(), "{path:?}");
            for (log, finding) in logs.iter().zip(&findings) {
                let alert = AlertFinding::of(finding, EventContext::default());
                let name = format!("{path:?}");
                assert_eq!(log["evt"]["name"].as_str().unwrap_or_default(), alert.kind, "{name}");
                assert_eq!(log["message"].as_str().unwrap(), finding.headline(), "{name}");
                assert!(alert.title.is_empty() || log["message"] == alert.title.as_str(), "{name}");
                assert_eq!(log["status"], alert.band().status(), "{name}");
                // The account, Region and severity are the log's attributes, not tags.
                let tags = if finding.sample { "env:test,sample:true" } else { "env:test" };
                assert_eq!(log["ddtags"], tags, "{name}");
                assert!(log["account"].is_string() && log["region"].is_string(), "{name}");
                assert_eq!(log["ddsource"], alert.family.source, "{name}");
                checked += 1;
            }
        }
        assert!(checked >= 15, "only {checked} findings checked");
    }

    fn logs(event: &str) -> (crate::stats::Stats, Vec<serde_json::Value>) {
        let (stats, logs, _) = logs_and_findings(event);
        (stats, logs)
    }

    #[test]
    fn envelope_members_at_top_level() {
        let event = r#"{
          "version": "0", "id": "e-1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
          "account": "111111111111", "time": "2026-11-24T11:58:00Z", "region": "us-east-1", "resources": [],
          "detail": {"type": "UnauthorizedAccess:EC2/SSHBruteForce", "severity": 8, "title": "SSH brute force",
                     "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0123abcd"}}}
        }"#;
        let (stats, logs) = logs(event);
        assert_eq!(stats.records_in, 1);
        let v = &logs[0];
        assert_eq!(v["evt"]["name"], "UnauthorizedAccess:EC2/SSHBruteForce");
        assert_eq!(v["status"], "error");
        assert_eq!(v["host"], "i-0123abcd");
        assert_eq!(v["timestamp"], "2026-11-24T11:58:00Z");
        assert_eq!(v["detail-type"], "GuardDuty Finding");
        assert_eq!(v["account"], "111111111111");
        assert_eq!(v["detail"]["severity"], 8);
        assert_eq!((v["region"].as_str(), v["ddtags"].as_str()), (Some("us-east-1"), Some("env:test")), "only DD_TAGS");
    }

    #[test]
    fn security_hub_events_are_split_and_bad_elements_counted() {
        let event = r#"{"version":"0","id":"e","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub",
            "account":"1","time":"2026-11-24T11:58:00Z","region":"us-east-1","resources":["a","b"],
            "detail":{"findings":[
              {"Id":"f1","Types":["T/One"],"Title":"first","Severity":{"Label":"HIGH"},"AwsAccountId":"2",
               "Resources":[{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::b"},{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::c"}]},
              7,
              {"Id":"f2","Types":["T/Two"],"Title":"second","Severity":{"Label":"LOW"}}]}}"#;
        let (stats, logs) = logs(event);
        assert_eq!((stats.records_in, logs.len(), stats.dropped_for(DropReason::NotARecord)), (3, 2, 1));
        let first = &logs[0];
        assert_eq!((first["ddsource"].as_str(), first["message"].as_str()), (Some("securityhub"), Some("first")));
        assert_eq!(first["evt"]["name"], "T/One");
        assert_eq!(first["status"], "error");
        assert_eq!(first["detail-type"], "Security Hub Findings - Imported");
        assert!(first.get("resources").is_none(), "the event's list of every finding's ARN is not repeated");
        assert!(first["detail"].get("findings").is_none());
        assert_eq!(first["detail"]["finding"]["resources"]["AwsS3Bucket"]["Id"], "arn:aws:s3:::b");
        assert_eq!(first["detail"]["finding"]["resources"]["AwsS3Bucket #2"]["Id"], "arn:aws:s3:::c");
        assert!(first["detail"]["finding"].get("Resources").is_none());
        assert_eq!(logs[1]["detail"]["finding"]["Id"], "f2");
        assert_eq!(logs[1]["ddtags"], "env:test");
        assert_eq!((logs[1]["account"].as_str(), logs[1]["region"].as_str()), (Some("1"), Some("us-east-1")));
        assert_eq!(logs[1]["status"], "info");
    }
}
