//! CloudTrail record entries: the record's own fields stay at the top level (where
//! Datadog's CloudTrail pipeline and Cloud SIEM rules read `eventName`, `userIdentity.*`,
//! `sourceIPAddress`…), preceded by the few attributes Datadog cannot derive from the record:
//! `ddsource`, `service`, `DD_TAGS`, `host` for instance sessions, provenance, and a date only
//! when the record's own is clamped. The standard attributes the pipeline derives itself
//! (`evt.*`, `usr.*`, `network.client.ip`) are written only with `DD_STANDARD_ATTRIBUTES`.

use std::borrow::Cow;

use super::{EntryContext, ObjectAttrs, ObjectOrigin, append_members};
use crate::fields::{Fields, members, text};
use crate::json;
use crate::json_validate;

/// The raw top-level fields of a valid record that an entry may need, read in the record's
/// validation pass; each value is decoded only when the entry asks for it.
#[derive(Debug, Default)]
pub struct RecordSummary<'a> {
    raw: RawRecord<'a>,
}

/// What Datadog's CloudTrail pipeline derives from a record (written with
/// `DD_STANDARD_ATTRIBUTES`).
#[derive(Debug, Default, PartialEq)]
struct StandardAttributes<'a> {
    /// `eventName` (→ `evt.name`).
    event_name: Option<Cow<'a, str>>,
    /// Whether `errorCode` is present (→ `evt.outcome: failure`).
    failed: bool,
    /// `sourceIPAddress` when it is an IP address (→ `network.client.ip`).
    client_ip: Option<Cow<'a, str>>,
    /// `userIdentity.principalId` (→ `usr.id`).
    user_id: Option<Cow<'a, str>>,
    /// `userIdentity.userName`, else the assumed-role session name (→ `usr.name`).
    user_name: Option<Cow<'a, str>>,
}

/// A record that is not a valid JSON object (or names a field the summary reads twice).
#[derive(Debug, thiserror::Error)]
#[error("not a valid JSON object")]
pub struct InvalidRecord;

/// The raw text of the top-level fields the summary reads.
#[derive(Debug, Default)]
struct RawRecord<'a> {
    event_name: Option<&'a [u8]>,
    event_time: Option<&'a [u8]>,
    error_code: Option<&'a [u8]>,
    user_identity: Option<&'a [u8]>,
    source_ip: Option<&'a [u8]>,
    duplicate: bool,
}

impl<'a> Fields<'a> for RawRecord<'a> {
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<&'a [u8]>> {
        Some(match name {
            b"\"eventName\"" => &mut self.event_name,
            b"\"eventTime\"" => &mut self.event_time,
            b"\"errorCode\"" => &mut self.error_code,
            b"\"userIdentity\"" => &mut self.user_identity,
            b"\"sourceIPAddress\"" => &mut self.source_ip,
            _ => return None,
        })
    }

    fn duplicate(&mut self) -> &mut bool {
        &mut self.duplicate
    }
}

#[derive(Default)]
struct RawIdentity<'a> {
    arn: Option<&'a [u8]>,
    principal_id: Option<&'a [u8]>,
    user_name: Option<&'a [u8]>,
    duplicate: bool,
}

impl<'a> Fields<'a> for RawIdentity<'a> {
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<&'a [u8]>> {
        Some(match name {
            b"\"arn\"" => &mut self.arn,
            b"\"principalId\"" => &mut self.principal_id,
            b"\"userName\"" => &mut self.user_name,
            _ => return None,
        })
    }

    fn duplicate(&mut self) -> &mut bool {
        &mut self.duplicate
    }
}

impl<'a> RawIdentity<'a> {
    /// The identity's fields, when `raw` is an object naming none of them twice.
    fn parse(raw: Option<&'a [u8]>) -> Option<Self> {
        let raw = raw.filter(|r| r.first() == Some(&b'{'))?;
        let mut identity = Self::default();
        let valid = members(raw, |name, value| identity.note(name, value));
        (valid && !identity.duplicate).then_some(identity)
    }
}

impl<'a> RecordSummary<'a> {
    /// Reads the summary of a record. Fails when `record` is not a valid JSON object (UTF-8
    /// included) or repeats one of the fields read here.
    pub fn parse(record: &'a [u8]) -> Result<Self, InvalidRecord> {
        if record.first() != Some(&b'{') {
            return Err(InvalidRecord);
        }
        let mut raw = RawRecord::default();
        if !members(record, |name, value| raw.note(name, value)) {
            return Err(InvalidRecord);
        }
        raw.checked()
    }

    /// Reads the summary of the record that `text` starts with, when that record is a
    /// complete, valid and compact JSON object; returns it with the record's length. `None`
    /// means: read the record the slow way (it may be incomplete, spaced or invalid).
    pub fn parse_prefix(text: &'a [u8]) -> Option<(Self, usize)> {
        if text.first() != Some(&b'{') {
            return None;
        }
        let mut raw = RawRecord::default();
        let end = json_validate::compact_prefix(text, |name, value| raw.note(name, value))?;
        raw.checked().ok().map(|summary| (summary, end))
    }

    /// `eventTime` (→ the log date).
    pub fn event_time(&self) -> Option<Cow<'a, str>> {
        text(self.raw.event_time)
    }

    /// The EC2 instance id when `userIdentity.arn` is an assumed role whose session name is
    /// an instance id (→ `host`). The identity is read only when it names an assumed role.
    pub fn instance_id(&self) -> Option<Cow<'a, str>> {
        let identity = self.raw.user_identity?;
        memchr::memmem::find(identity, b"assumed-role/")?;
        let arn = RawIdentity::parse(Some(identity)).and_then(|i| text(i.arn));
        arn.and_then(assumed_role_session).filter(|session| is_instance_id(session))
    }

    /// The standard attributes Datadog's CloudTrail pipeline derives.
    fn standard_attributes(&self) -> StandardAttributes<'a> {
        let identity = RawIdentity::parse(self.raw.user_identity);
        let session = identity.as_ref().and_then(|i| text(i.arn)).and_then(assumed_role_session);
        StandardAttributes {
            event_name: text(self.raw.event_name),
            failed: self.raw.error_code.is_some_and(|code| code != b"null"),
            client_ip: text(self.raw.source_ip).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok()),
            user_id: identity.as_ref().and_then(|i| text(i.principal_id)),
            user_name: identity.as_ref().and_then(|i| text(i.user_name)).or(session),
        }
    }
}

impl<'a> RawRecord<'a> {
    /// The summary, unless a field it reads appears twice.
    fn checked(self) -> Result<RecordSummary<'a>, InvalidRecord> {
        if self.duplicate {
            return Err(InvalidRecord);
        }
        Ok(RecordSummary { raw: self })
    }
}

/// `arn:aws:sts::123:assumed-role/Role/session` → `session` (borrowed when the ARN is).
fn assumed_role_session(arn: Cow<'_, str>) -> Option<Cow<'_, str>> {
    fn session(arn: &str) -> Option<&str> {
        let resource = arn.splitn(6, ':').nth(5)?;
        resource.strip_prefix("assumed-role/")?.split_once('/').map(|(_, session)| session)
    }
    match arn {
        Cow::Borrowed(arn) => session(arn).map(Cow::Borrowed),
        Cow::Owned(arn) => session(&arn).map(|s| Cow::Owned(s.to_owned())),
    }
}

/// Whether a session name is an EC2 instance id (`i-` and hex digits).
fn is_instance_id(session: &str) -> bool {
    session.len() > 2 && session.starts_with("i-") && session[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes the entries of one object's records: the attributes every entry of the object
/// shares (source, service, tags, provenance) are rendered once, so each record costs a copy.
#[derive(Debug)]
pub struct RecordWriter {
    attrs: ObjectAttrs,
}

impl RecordWriter {
    /// The writer for records of the object at `origin`, with the object's shared attributes.
    pub fn new(attrs: ObjectAttrs) -> Self {
        Self { attrs }
    }

    /// The writer for records of the object at `origin`, as `cloudtrail` logs.
    pub fn for_object(ctx: &EntryContext, origin: ObjectOrigin<'_>) -> Self {
        Self::new(ObjectAttrs::new(ctx, "cloudtrail", "cloudtrail", Some(origin)))
    }

    /// Writes the entry for one record (`record` must be a compact JSON object); returns
    /// true when its date was clamped.
    pub fn write(&self, out: &mut Vec<u8>, ctx: &EntryContext, summary: &RecordSummary<'_>, record: &[u8]) -> bool {
        self.attrs.start(out);
        if let Some(host) = summary.instance_id() {
            out.extend_from_slice(b",\"host\":");
            json::write_str(out, &host);
        }
        let clamped = ctx.write_date_if_clamped(out, summary.event_time().as_deref());
        if ctx.standard_attributes {
            write_standard_attributes(out, &summary.standard_attributes());
        }
        append_members(out, record);
        out.push(b'}');
        clamped
    }
}

/// `evt.name`, `evt.outcome`, `network.client.ip`, `usr.id`, `usr.name`: what Datadog's
/// CloudTrail pipeline derives from the record, for logs that do not go through it.
fn write_standard_attributes(out: &mut Vec<u8>, summary: &StandardAttributes<'_>) {
    out.extend_from_slice(b",\"evt\":{");
    if let Some(name) = &summary.event_name {
        out.extend_from_slice(b"\"name\":");
        json::write_str(out, name);
        out.push(b',');
    }
    out.extend_from_slice(if summary.failed { b"\"outcome\":\"failure\"}" } else { b"\"outcome\":\"success\"}" });
    if let Some(ip) = &summary.client_ip {
        super::write_client_ip(out, ip);
    }
    if summary.user_id.is_some() || summary.user_name.is_some() {
        out.extend_from_slice(b",\"usr\":{");
        let mut first = true;
        for (name, value) in [("id", &summary.user_id), ("name", &summary.user_name)] {
            if let Some(value) = value {
                if !first {
                    out.push(b',');
                }
                first = false;
                json::write_str(out, name);
                out.push(b':');
                json::write_str(out, value);
            }
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};

    const ORIGIN: ObjectOrigin = ObjectOrigin { bucket: "trail-bucket", key: "AWSLogs/x.json.gz" };

    fn entry_with(record: &str, standard_attributes: bool) -> (String, serde_json::Value) {
        let summary = RecordSummary::parse(record.as_bytes()).unwrap();
        let mut out = Vec::new();
        let ctx = EntryContext { standard_attributes, ..context() };
        RecordWriter::for_object(&ctx, ORIGIN).write(&mut out, &ctx, &summary, record.as_bytes());
        (String::from_utf8(out.clone()).unwrap(), parse(&out))
    }

    const ASSUMED_ROLE: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/ec2-role/i-0123456789abcdef0","accountId":"123456789012"},"eventTime":"2026-11-24T11:59:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","errorCode":"Client.UnauthorizedOperation","recipientAccountId":"210987654321"}"#;

    #[test]
    fn lean_layout_adds_only_what_datadog_cannot_derive() {
        let (text, v) = entry_with(ASSUMED_ROLE, false);
        let record = &ASSUMED_ROLE[1..];
        assert_eq!(
            text,
            format!(
                r#"{{"ddsource":"cloudtrail","service":"cloudtrail","ddtags":"env:test","host":"i-0123456789abcdef0",{record}"#
            )
        );
        // No copy of what the record says: eventTime is the date, eventName the event name;
        // no provenance by default.
        for derived in ["timestamp", "evt", "usr", "network", "aws"] {
            assert!(v.get(derived).is_none(), "{derived}");
        }
    }

    #[test]
    fn a_stale_record_gets_the_processing_time_and_keeps_its_own() {
        let stale = ASSUMED_ROLE.replace("2026-11-24T11:59:00Z", "2023-07-10T11:42:36Z");
        let (_, v) = entry_with(&stale, false);
        assert_eq!(v["timestamp"], "2026-11-24T12:00:00Z");
        assert_eq!(v["timestamp_clamped"], true);
        assert_eq!(v["eventTime"], "2023-07-10T11:42:36Z");
        assert!(v.get("original_timestamp").is_none());
        let (_, v) = entry_with(r#"{"eventName":"NoDate"}"#, false);
        assert!(v.get("timestamp").is_none(), "the intake dates it on arrival");
    }

    #[test]
    fn standard_attributes_on_request() {
        let (_, v) = entry_with(ASSUMED_ROLE, true);
        assert_eq!(v["evt"]["name"], "DescribeInstances");
        assert_eq!(v["evt"]["outcome"], "failure");
        assert_eq!(v["network"]["client"]["ip"], "198.51.100.7");
        assert_eq!(v["usr"]["name"], "i-0123456789abcdef0");
        assert!(v["usr"].get("id").is_none());
        let (_, v) = entry_with(
            r#"{"eventName":"ListBuckets","errorCode":null,"sourceIPAddress":"s3.amazonaws.com","userIdentity":{"arn":"arn:aws:iam::1:user/bob","principalId":"AIDA1","userName":"bob"}}"#,
            true,
        );
        assert_eq!(v["evt"]["outcome"], "success");
        assert!(v.get("network").is_none());
        assert_eq!((v["usr"]["id"].as_str(), v["usr"]["name"].as_str()), (Some("AIDA1"), Some("bob")));
        assert!(v.get("host").is_none());
        let (_, v) = entry_with("{}", true);
        assert_eq!(v["evt"]["outcome"], "success");
        assert!(v["evt"].get("name").is_none());
    }
}
