//! What an alert says about a finding: a view of the one parsed [`Finding`] the log entry is
//! built from too, so the alert and the log always agree. Everything here is untrusted text:
//! it is escaped when the message is built.

use crate::finding::{FAMILIES, Family, Finding};
use crate::severity::Band;

/// The fields of a finding an alert shows or decides on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlertFinding {
    /// The family (its name, console page and log attributes).
    pub(crate) family: &'static Family,
    /// The finding's id.
    pub(crate) id: String,
    /// Its kind (the log's `evt.name`), e.g. `UnauthorizedAccess:EC2/SSHBruteForce`.
    pub(crate) kind: String,
    /// The title (the log's `message`).
    pub(crate) title: String,
    /// The severity on GuardDuty's 0–10 scale.
    pub(crate) severity: Option<f64>,
    /// The severity as shown: the service's label, else the score.
    pub(crate) severity_text: String,
    /// The affected account, else the envelope's `account`.
    pub(crate) account: String,
    /// The region, else the envelope's `region`.
    pub(crate) region: String,
    /// `aws`, `aws-us-gov`, `aws-cn`.
    pub(crate) partition: String,
    /// When the activity was first seen.
    pub(crate) first_seen: String,
    /// When it was last seen.
    pub(crate) last_seen: String,
    /// How many times it was seen.
    pub(crate) count: Option<u64>,
    /// A sample finding.
    pub(crate) sample: bool,
    /// Archived, suppressed, resolved or closed.
    pub(crate) closed: bool,
    /// A re-publication of a finding rather than its first publication.
    pub(crate) update: bool,
    /// The affected resource, described by its type and identifiers.
    pub(crate) resource: String,
}

impl Default for AlertFinding {
    fn default() -> Self {
        Self {
            family: &FAMILIES[0],
            id: String::new(),
            kind: String::new(),
            title: String::new(),
            severity: None,
            severity_text: String::new(),
            account: String::new(),
            region: String::new(),
            partition: String::new(),
            first_seen: String::new(),
            last_seen: String::new(),
            count: None,
            sample: false,
            closed: false,
            update: false,
            resource: String::new(),
        }
    }
}

/// The envelope of the event a finding came in: fallbacks and the publication time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EventContext<'a> {
    /// `account`.
    pub(crate) account: &'a str,
    /// `region`.
    pub(crate) region: &'a str,
    /// `time`: when the event was published.
    pub(crate) time: Option<&'a str>,
}

impl AlertFinding {
    /// The alert's view of `finding`, which arrived in an event with `context`.
    pub(crate) fn of(finding: &Finding<'_>, context: EventContext<'_>) -> Self {
        let text = |value: &Option<std::borrow::Cow<'_, str>>| value.as_deref().unwrap_or_default().to_owned();
        let or = |value: String, fallback: &str| if value.is_empty() { fallback.to_owned() } else { value };
        let severity_text = match (&finding.severity_label, finding.severity) {
            (Some(label), _) => label.to_string(),
            (None, Some(score)) => score.to_string(),
            (None, None) => String::new(),
        };
        Self {
            family: finding.family.unwrap_or(&FAMILIES[0]),
            id: text(&finding.id),
            kind: text(&finding.kind),
            title: text(&finding.title),
            severity: finding.severity,
            severity_text,
            account: or(text(&finding.account), context.account),
            region: or(text(&finding.region), context.region),
            partition: text(&finding.partition),
            first_seen: text(&finding.first_seen),
            last_seen: text(&finding.last_seen),
            count: finding.count,
            sample: finding.sample,
            closed: finding.closed,
            update: !finding.is_first_publication(context.time),
            resource: finding.resource_text(),
        }
    }

    /// The severity band (Low without a severity).
    pub(crate) fn band(&self) -> Band {
        Band::of(self.severity.unwrap_or(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::family::guardduty;

    fn alert(detail: &[u8], context: EventContext<'_>) -> AlertFinding {
        AlertFinding::of(&Finding::parse(guardduty(), detail).unwrap(), context)
    }

    #[test]
    fn reads_what_an_alert_shows() {
        let detail = br#"{"id":"f1","type":"Backdoor:EC2/C&CActivity.B","title":"EC2 talks to <C&C>","severity":"8.5",
            "accountId":"111122223333","region":"eu-west-1","partition":"aws",
            "createdAt":"2026-12-01T10:00:00.000Z","updatedAt":"2026-12-01T10:00:00.000Z",
            "resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0abc","tags":[{"key":"Name","value":"web-1"}]}},
            "service":{"eventFirstSeen":"2026-12-01T09:55:00Z","eventLastSeen":"2026-12-01T09:59:00Z","count":3,
                       "archived":false,"additionalInfo":{"sample":true}}}"#;
        let f = alert(detail, EventContext { account: "999", region: "us-east-1", time: Some("2026-12-01T10:04:00Z") });
        assert_eq!(f.severity, Some(8.5));
        assert_eq!((f.account.as_str(), f.region.as_str()), ("111122223333", "eu-west-1"));
        assert_eq!(f.resource, "Instance i-0abc (web-1)");
        assert_eq!(f.count, Some(3));
        assert!(f.sample && !f.closed && !f.update);
    }

    #[test]
    fn updates_fallbacks_and_other_resources() {
        let detail = br#"{"createdAt":"2026-12-01T10:00:00Z","updatedAt":"2026-12-01T16:00:00Z",
            "resource":{"resourceType":"AccessKey","accessKeyDetails":{"userName":"alice","accessKeyId":"ASIA1"}},
            "service":{"archived":"true","count":5}}"#;
        let f = alert(detail, EventContext { account: "999", region: "us-east-1", time: Some("2026-12-01T16:05:00Z") });
        assert!(f.update && f.closed);
        assert_eq!((f.account.as_str(), f.region.as_str()), ("999", "us-east-1"));
        assert_eq!(f.resource, "AccessKey alice (ASIA1)");
        let bucket = br#"{"resource":{"resourceType":"S3Bucket","s3BucketDetails":[{"name":"a"},{"name":"b"}]}}"#;
        assert_eq!(alert(bucket, EventContext::default()).resource, "S3Bucket a, b");
        assert_eq!(alert(b"{}", EventContext::default()).resource, "resource");
    }
}
