//! CloudTrail record entries: the record's own fields stay at the top level (where
//! Datadog's CloudTrail pipeline and Cloud SIEM rules read `eventName`, `userIdentity.*`,
//! `sourceIPAddress`…), preceded by our attributes.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{EntryContext, ObjectOrigin, append_members, write_origin};
use crate::json::{self, lenient_object, lenient_str};

/// The record fields the entry needs.
#[derive(Debug, Default, PartialEq)]
pub struct RecordSummary<'a> {
    /// `eventName` (→ `evt.name`).
    pub event_name: Option<Cow<'a, str>>,
    /// `eventTime` (→ `timestamp`).
    pub event_time: Option<Cow<'a, str>>,
    /// Whether `errorCode` is present (→ `evt.outcome: failure`).
    pub failed: bool,
    /// `recipientAccountId`, else `userIdentity.accountId` (→ `aws_account` tag).
    pub account: Option<Cow<'a, str>>,
    /// `awsRegion` (→ `region` tag).
    pub region: Option<Cow<'a, str>>,
    /// The EC2 instance id when `userIdentity.arn` is an assumed role whose session name is
    /// an instance id (→ `host`).
    pub instance_id: Option<Cow<'a, str>>,
    /// `sourceIPAddress` when it is an IP address (→ `network.client.ip`).
    pub client_ip: Option<Cow<'a, str>>,
    /// `userIdentity.principalId` (→ `usr.id`).
    pub user_id: Option<Cow<'a, str>>,
    /// `userIdentity.userName`, else the assumed-role session name (→ `usr.name`).
    pub user_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(rename = "eventName", borrow)]
    event_name: Option<&'a RawValue>,
    #[serde(rename = "eventTime", borrow)]
    event_time: Option<&'a RawValue>,
    #[serde(rename = "errorCode", borrow)]
    error_code: Option<&'a RawValue>,
    #[serde(rename = "recipientAccountId", borrow)]
    recipient_account_id: Option<&'a RawValue>,
    #[serde(rename = "awsRegion", borrow)]
    aws_region: Option<&'a RawValue>,
    #[serde(rename = "userIdentity", borrow)]
    user_identity: Option<&'a RawValue>,
    #[serde(rename = "sourceIPAddress", borrow)]
    source_ip: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawIdentity<'a> {
    #[serde(borrow)]
    arn: Option<&'a RawValue>,
    #[serde(rename = "accountId", borrow)]
    account_id: Option<&'a RawValue>,
    #[serde(rename = "principalId", borrow)]
    principal_id: Option<&'a RawValue>,
    #[serde(rename = "userName", borrow)]
    user_name: Option<&'a RawValue>,
}

impl<'a> RecordSummary<'a> {
    /// Reads the summary of a record. Fails when `record` is not a valid JSON object.
    pub fn parse(record: &'a [u8]) -> Result<Self, serde_json::Error> {
        let raw: RawRecord<'a> = serde_json::from_slice(record)?;
        let identity = lenient_object::<RawIdentity>(raw.user_identity);
        let arn = identity.as_ref().and_then(|i| lenient_str(i.arn));
        let session = arn.as_deref().and_then(assumed_role_session).map(|s| Cow::Owned(s.to_owned()));
        let user_name = identity.as_ref().and_then(|i| lenient_str(i.user_name)).or(session);
        Ok(Self {
            event_name: lenient_str(raw.event_name),
            event_time: lenient_str(raw.event_time),
            failed: raw.error_code.is_some_and(|code| code.get() != "null"),
            account: lenient_str(raw.recipient_account_id)
                .or_else(|| identity.as_ref().and_then(|i| lenient_str(i.account_id))),
            region: lenient_str(raw.aws_region),
            instance_id: arn.and_then(instance_session),
            client_ip: lenient_str(raw.source_ip).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok()),
            user_id: identity.as_ref().and_then(|i| lenient_str(i.principal_id)),
            user_name,
        })
    }
}

/// `arn:aws:sts::123:assumed-role/Role/session` → `session`.
fn assumed_role_session(arn: &str) -> Option<&str> {
    let (_, resource) = arn.split_once(":assumed-role/")?;
    resource.split_once('/').map(|(_, session)| session)
}

/// The session name of an assumed-role ARN when it is an EC2 instance id.
fn instance_session(arn: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let session = assumed_role_session(&arn)?;
    let is_instance =
        session.len() > 2 && session.starts_with("i-") && session[2..].bytes().all(|b| b.is_ascii_hexdigit());
    is_instance.then(|| Cow::Owned(session.to_owned()))
}

/// Writes the entry for one record (`record` must be a compact JSON object); returns true
/// when its date was clamped.
pub fn write_record(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    summary: &RecordSummary<'_>,
    origin: ObjectOrigin<'_>,
    record: &[u8],
) -> bool {
    ctx.begin(out, "cloudtrail", "cloudtrail");
    ctx.write_tags(
        out,
        &[
            ("aws_account", summary.account.as_deref().unwrap_or("")),
            ("region", summary.region.as_deref().unwrap_or("")),
        ],
    );
    if let Some(host) = &summary.instance_id {
        out.extend_from_slice(b",\"host\":");
        json::write_str(out, host);
    }
    let clamped = ctx.write_date(out, summary.event_time.as_deref());
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
    write_origin(out, origin);
    append_members(out, record);
    out.push(b'}');
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};

    const ORIGIN: ObjectOrigin = ObjectOrigin { bucket: "trail-bucket", key: "AWSLogs/x.json.gz" };

    fn entry(record: &str) -> serde_json::Value {
        let summary = RecordSummary::parse(record.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_record(&mut out, &context(), &summary, ORIGIN, record.as_bytes());
        parse(&out)
    }

    #[test]
    fn layout() {
        let v = entry(
            r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/ec2-role/i-0123456789abcdef0","accountId":"123456789012"},"eventTime":"2026-11-24T11:59:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","errorCode":"Client.UnauthorizedOperation","recipientAccountId":"210987654321"}"#,
        );
        assert_eq!(v["ddsource"], "cloudtrail");
        assert_eq!(v["service"], "cloudtrail");
        assert_eq!(v["evt"]["name"], "DescribeInstances");
        assert_eq!(v["evt"]["outcome"], "failure");
        assert_eq!(v["host"], "i-0123456789abcdef0");
        assert_eq!(v["timestamp"], "2026-11-24T11:59:00Z");
        assert_eq!(v["eventName"], "DescribeInstances");
        assert_eq!(v["userIdentity"]["type"], "AssumedRole");
        assert_eq!(v["aws"]["s3"]["bucket"], "trail-bucket");
        assert_eq!(v["aws"]["s3"]["key"], "AWSLogs/x.json.gz");
        assert!(v["ddtags"].as_str().unwrap().ends_with(",aws_account:210987654321,region:us-east-1"));
        assert_eq!(v["network"]["client"]["ip"], "198.51.100.7");
        assert_eq!(v["usr"]["name"], "i-0123456789abcdef0");
        assert!(v["usr"].get("id").is_none());
    }

    #[test]
    fn success_without_error_code_and_empty_record() {
        let v = entry(
            r#"{"eventName":"ListBuckets","errorCode":null,"sourceIPAddress":"s3.amazonaws.com","userIdentity":{"arn":"arn:aws:iam::1:user/bob","principalId":"AIDA1","userName":"bob"}}"#,
        );
        assert_eq!(v["evt"]["outcome"], "success");
        assert!(v.get("network").is_none());
        assert_eq!((v["usr"]["id"].as_str(), v["usr"]["name"].as_str()), (Some("AIDA1"), Some("bob")));
        assert!(v.get("host").is_none());
        let v = entry("{}");
        assert_eq!(v["evt"]["outcome"], "success");
        assert!(v["evt"].get("name").is_none());
        assert_eq!(v["timestamp"], "2026-11-24T12:00:00Z");
    }
}
