//! Finding entries, for every finding family. A finding's log has the same layout whichever
//! way it came: the EventBridge envelope members at the top level and the finding under
//! `detail` — copied from the event, synthesised around a GuardDuty export line, or rebuilt
//! for each finding of a Security Hub event (under `detail.finding`) — so Datadog's rules on
//! `@detail-type`, `@evt.name` and `@detail.*` match either way.

use super::rules::Rules;
use super::{EntryContext, append_members};
use crate::finding::Finding;
use crate::json;
use crate::severity::Band;
use crate::stats::DropReason;

/// Why `rules` keep this finding out of Datadog, if they do: a GuardDuty finding below
/// `GUARDDUTY_MIN_SEVERITY` (one without a readable severity is kept) or archived with
/// `GUARDDUTY_SKIP_ARCHIVED`; a Security Hub copy of a product forwarded directly.
pub(crate) fn dropped_by(finding: &Finding<'_>, rules: &Rules) -> Option<DropReason> {
    let family = finding.family?;
    if family.is_list() {
        let product = finding.product.as_deref()?;
        return rules.hub_copies_of.iter().any(|p| p == product).then_some(DropReason::SecurityHubCopy);
    }
    if family.source != "guardduty" {
        return None;
    }
    if finding.severity.is_some_and(|severity| severity < rules.min_severity) {
        Some(DropReason::BelowMinSeverity)
    } else if finding.closed && rules.skip_archived {
        Some(DropReason::Archived)
    } else {
        None
    }
}

/// Envelope fields used when the finding itself lacks them.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvelopeFallback<'a> {
    /// Envelope `time`.
    pub time: Option<&'a str>,
    /// The S3 object an export line came from (its provenance).
    pub origin: Option<super::ObjectOrigin<'a>>,
}

/// How the finding is carried in the entry.
#[derive(Debug, Clone, Copy)]
pub enum FindingBody<'a> {
    /// A compact EventBridge event carrying one finding: its members are copied to the top
    /// level.
    Event(&'a [u8]),
    /// A GuardDuty export line: the EventBridge envelope is synthesised around it
    /// (`detail-type`, `source`, `account`, `region`, `time` from the finding).
    Export(&'a [u8]),
    /// One finding of a Security Hub event.
    Split {
        /// The event's other top-level members, as `,"name":value…`.
        envelope: &'a [u8],
        /// The other members of its `detail`, as `"name":value,…` (each followed by a comma).
        detail: &'a [u8],
        /// The finding, written under `detail.finding`.
        finding: &'a [u8],
    },
}

/// An EventBridge `time` from a finding's date: EventBridge writes whole seconds
/// (`2026-11-24T11:47:03Z` for `updatedAt` `2026-11-24T11:47:03.204Z`).
fn event_time(date: &str) -> std::borrow::Cow<'_, str> {
    match (date.find('.'), date.strip_suffix('Z')) {
        (Some(dot), Some(_)) if date[dot + 1..date.len() - 1].bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}Z", &date[..dot]).into()
        }
        _ => date.into(),
    }
}

/// Writes the entry for one finding into `out`; returns true when its date was clamped.
pub fn write_finding(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    finding: &Finding<'_>,
    fallback: EnvelopeFallback<'_>,
    body: FindingBody<'_>,
) -> bool {
    let source = finding.source();
    ctx.begin(out, source, source);
    let band = finding.band();
    // Only `DD_TAGS` and `sample:true`: the account and Region are the log's `account` and
    // `region` members, the severity its `status` and the finding's own severity field.
    ctx.write_tags(out, &[("sample", if finding.sample { "true" } else { "" })]);
    ctx.provenance.write(out, fallback.origin);
    if let Some(host) = &finding.instance_id {
        out.extend_from_slice(b",\"host\":");
        json::write_str(out, host);
    }
    out.extend_from_slice(b",\"status\":");
    json::write_str(out, band.map_or("info", Band::status));
    out.extend_from_slice(b",\"message\":");
    json::write_str(out, finding.headline());
    let clamped = ctx.write_date(out, finding.date.as_deref().or(fallback.time));
    if let Some(kind) = &finding.kind {
        out.extend_from_slice(b",\"evt\":{\"name\":");
        json::write_str(out, kind);
        if let Some(purpose) = finding.threat_purpose() {
            out.extend_from_slice(b",\"category\":");
            json::write_str(out, purpose);
        }
        out.push(b'}');
    }
    if let Some(ip) = &finding.remote_ip {
        super::write_client_ip(out, ip);
    }
    match body {
        FindingBody::Event(event) => append_members(out, event),
        FindingBody::Export(line) => {
            let family = finding.family.unwrap_or(crate::finding::family::guardduty());
            out.extend_from_slice(b",\"detail-type\":");
            json::write_str(out, family.detail_type);
            out.extend_from_slice(b",\"source\":");
            json::write_str(out, family.event_source);
            let time = finding.date.as_deref().map(event_time);
            let envelope = [
                ("account", finding.account.as_deref()),
                ("region", finding.region.as_deref()),
                ("time", time.as_deref()),
            ];
            for (name, value) in envelope {
                if let Some(value) = value {
                    out.extend_from_slice(b",\"");
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b"\":");
                    json::write_str(out, value);
                }
            }
            out.extend_from_slice(b",\"detail\":");
            out.extend_from_slice(line);
        }
        FindingBody::Split { envelope, detail, finding } => {
            out.extend_from_slice(envelope);
            out.extend_from_slice(b",\"detail\":{");
            out.extend_from_slice(detail);
            out.extend_from_slice(b"\"finding\":");
            out.extend_from_slice(finding);
            out.push(b'}');
        }
    }
    out.push(b'}');
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};
    use crate::finding::family::guardduty;

    fn gd(text: &[u8]) -> Finding<'_> {
        Finding::parse(guardduty(), text).unwrap()
    }

    const FINDING: &str = r#"{"schemaVersion":"2.0","accountId":"222222222222","region":"eu-west-1",
        "type":"Recon:EC2/PortProbeUnprotectedPort","title":"Unprotected port on EC2 instance i-0abc is being probed.",
        "severity":2,"updatedAt":"2026-11-24T11:30:00.000Z","createdAt":"2026-11-24T10:00:00.000Z",
        "resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0abc"}},
        "service":{"archived":false,"additionalInfo":{"value":"{}","type":"default","sample":true},
            "action":{"actionType":"PORT_PROBE","portProbeAction":{"portProbeDetails":[{"remoteIpDetails":{"ipAddressV4":"198.51.100.23"}}]}}}}"#;

    fn entry(summary: &Finding, body: FindingBody) -> serde_json::Value {
        let mut out = Vec::new();
        write_finding(&mut out, &context(), summary, EnvelopeFallback::default(), body);
        parse(&out)
    }

    #[test]
    fn layout_of_an_export_line() {
        let summary = gd(FINDING.as_bytes());
        let v = entry(&summary, FindingBody::Export(FINDING.as_bytes()));
        assert_eq!(v["ddsource"], "guardduty");
        assert_eq!(v["service"], "guardduty");
        assert_eq!(v["evt"]["name"], "Recon:EC2/PortProbeUnprotectedPort");
        assert_eq!(v["evt"]["category"], "Recon");
        assert_eq!(v["status"], "info");
        assert_eq!(v["host"], "i-0abc");
        assert_eq!(v["message"], "Unprotected port on EC2 instance i-0abc is being probed.");
        assert_eq!(v["timestamp"], "2026-11-24T11:30:00.000Z");
        assert_eq!(v["ddtags"], "env:test,sample:true");
        assert!(v.get("ddsourcecategory").is_none());
        assert_eq!(v["detail"]["schemaVersion"], "2.0");
        assert_eq!(v["network"]["client"]["ip"], "198.51.100.23");
        // The EventBridge envelope, synthesised from the finding.
        assert_eq!(v["detail-type"], "GuardDuty Finding");
        assert_eq!(v["source"], "aws.guardduty");
        assert_eq!(v["account"], "222222222222");
        assert_eq!(v["region"], "eu-west-1");
        assert_eq!(v["time"], "2026-11-24T11:30:00Z");
    }

    #[test]
    fn tolerates_wrong_types_and_missing_fields() {
        let odd = br#"{"type":7,"severity":"8.0","title":null,"description":"d","resource":"x","service":[]}"#;
        let s = gd(odd);
        assert_eq!(s.kind, None);
        assert_eq!(s.severity, Some(8.0));
        assert_eq!(s.title.as_deref(), Some("d"));
        let v = entry(&s, FindingBody::Export(odd));
        assert_eq!(v["status"], "error");
        assert!(v.get("evt").is_none());
        assert!(Finding::parse(guardduty(), b"[1]").is_err());
    }

    #[test]
    fn stale_finding_is_clamped_and_keeps_its_date() {
        let old = FINDING.replace("2026-11-24T11:30:00.000Z", "2026-10-01T00:00:00.000Z");
        let s = gd(old.as_bytes());
        let v = entry(&s, FindingBody::Export(old.as_bytes()));
        assert_eq!(v["timestamp"], "2026-11-24T12:00:00Z");
        assert_eq!(v["timestamp_clamped"], true);
        assert_eq!(v["detail"]["updatedAt"], "2026-10-01T00:00:00.000Z", "the original date stays in the finding");
    }
}
