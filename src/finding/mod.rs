//! Security findings from every AWS finding service, read by one parser per family into one
//! model ([`Finding`]) that both the Datadog log entry and the Slack alert are built from, so
//! the two can never disagree about a finding's type, severity, title or account.
//!
//! The families are a table ([`family::FAMILIES`]): a row says how a finding event is
//! recognised (`source`, `detail-type`), which `ddsource` its logs get, whether the event
//! carries one finding or a list, and which reader parses it.

pub(crate) mod family;
mod guardduty;
mod novelty;
mod others;
mod security_hub;

use std::borrow::Cow;

pub(crate) use self::family::{FAMILIES, Family, FindingShape};
use crate::severity::Band;

/// One finding, as both the log entry and the alert see it. Fields of an unexpected type
/// are treated as absent.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Finding<'a> {
    /// The family (`None` only in a default value).
    pub(crate) family: Option<&'static Family>,
    /// The finding's id (GuardDuty `id`, ASFF `Id`, Inspector `findingArn`…).
    pub(crate) id: Option<Cow<'a, str>>,
    /// What kind of finding it is (→ `evt.name`): GuardDuty `type`, ASFF `Types[0]`…
    pub(crate) kind: Option<Cow<'a, str>>,
    /// The title (→ `message`).
    pub(crate) title: Option<Cow<'a, str>>,
    /// The severity on GuardDuty's 0–10 scale; label-based families map their label to the
    /// bottom of its band (Low 1, Medium 4, High 7, Critical 9).
    pub(crate) severity: Option<f64>,
    /// The severity as the service writes it, when it is a label (`HIGH`, `Medium`).
    pub(crate) severity_label: Option<Cow<'a, str>>,
    /// The finding's date: last update, else creation.
    pub(crate) date: Option<Cow<'a, str>>,
    /// When the finding was created.
    pub(crate) created_at: Option<Cow<'a, str>>,
    /// The affected account.
    pub(crate) account: Option<Cow<'a, str>>,
    /// The region.
    pub(crate) region: Option<Cow<'a, str>>,
    /// `aws`, `aws-us-gov`, `aws-cn`.
    pub(crate) partition: Option<Cow<'a, str>>,
    /// An EC2 instance id (→ `host`).
    pub(crate) instance_id: Option<Cow<'a, str>>,
    /// The remote IP of the activity (→ `network.client.ip`).
    pub(crate) remote_ip: Option<Cow<'a, str>>,
    /// A sample finding (GuardDuty CreateSampleFindings, ASFF `Sample`, Macie `sample`).
    pub(crate) sample: bool,
    /// Archived, suppressed, resolved or closed: nothing to act on.
    pub(crate) closed: bool,
    /// How many times the activity was seen (GuardDuty `service.count`, Macie `count`).
    pub(crate) count: Option<u64>,
    /// When the activity was first and last seen.
    pub(crate) first_seen: Option<Cow<'a, str>>,
    /// See `first_seen`.
    pub(crate) last_seen: Option<Cow<'a, str>>,
    /// The affected resource, for people: `AwsS3Bucket arn:…` (see `resource_text`).
    pub(crate) resource: Option<String>,
    /// GuardDuty: the raw `resource`, described only when an alert shows it.
    pub(crate) resource_raw: Option<&'a [u8]>,
    /// Security Hub: the product that reported the finding (`guardduty`, `inspector`…).
    pub(crate) product: Option<Cow<'a, str>>,
    /// What the finding itself says about being new (OCSF `activity_id`), if anything.
    pub(crate) novelty: Novelty,
}

/// What the finding itself says about being new, when its format says it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Novelty {
    /// The format does not say.
    #[default]
    Unknown,
    /// A new finding (OCSF `activity_id` 1).
    New,
    /// An update of an existing finding (OCSF `activity_id` 2).
    Update,
}

/// A finding that is not a valid JSON object (or repeats a member its reader reads).
#[derive(Debug, thiserror::Error)]
#[error("not a valid JSON object")]
pub struct InvalidFinding;

impl<'a> Finding<'a> {
    /// Reads one finding of `family` (the EventBridge `detail`, one element of a Security
    /// Hub `findings` list, or a GuardDuty export line). Fails when `finding` is not a valid
    /// JSON object (UTF-8 included).
    pub fn parse(family: &'static Family, finding: &'a [u8]) -> Result<Self, InvalidFinding> {
        let mut parsed = match family.shape {
            FindingShape::GuardDuty => guardduty::parse(finding)?,
            FindingShape::MalwareScan => others::malware_scan(finding)?,
            FindingShape::Inspector => others::inspector(finding)?,
            FindingShape::Macie => others::macie(finding)?,
            FindingShape::AccessAnalyzer => others::access_analyzer(finding)?,
            FindingShape::Asff => security_hub::asff(finding)?,
            FindingShape::Ocsf => security_hub::ocsf(finding)?,
        };
        parsed.family = Some(family);
        Ok(parsed)
    }

    /// The same finding, owning its text (without the raw GuardDuty `resource`, which only
    /// borrows).
    pub(crate) fn into_owned(self) -> Finding<'static> {
        fn own(text: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            text.map(|t| Cow::Owned(t.into_owned()))
        }
        Finding {
            family: self.family,
            id: own(self.id),
            kind: own(self.kind),
            title: own(self.title),
            severity: self.severity,
            severity_label: own(self.severity_label),
            date: own(self.date),
            created_at: own(self.created_at),
            account: own(self.account),
            region: own(self.region),
            partition: own(self.partition),
            instance_id: own(self.instance_id),
            remote_ip: own(self.remote_ip),
            sample: self.sample,
            closed: self.closed,
            count: self.count,
            first_seen: own(self.first_seen),
            last_seen: own(self.last_seen),
            resource: self.resource,
            resource_raw: None,
            product: own(self.product),
            novelty: self.novelty,
        }
    }

    /// The severity band, when the finding has a severity.
    pub(crate) fn band(&self) -> Option<Band> {
        self.severity.map(Band::of)
    }

    /// The part of a GuardDuty type before `:`, the threat purpose (→ `evt.category`).
    pub(crate) fn threat_purpose(&self) -> Option<&str> {
        match self.family?.shape {
            FindingShape::GuardDuty => self.kind.as_deref()?.split_once(':').map(|(purpose, _)| purpose),
            _ => None,
        }
    }

    /// The `ddsource` of the finding's logs.
    pub(crate) fn source(&self) -> &'static str {
        self.family.map_or("guardduty", |f| f.source)
    }

    /// The affected resource, for people: `Instance i-0abc (web-1)`, `AccessKey alice (ASIA…)`.
    pub(crate) fn resource_text(&self) -> String {
        if let Some(text) = &self.resource {
            return text.clone();
        }
        let raw = self.resource_raw.and_then(|raw| serde_json::from_slice(raw).ok()).unwrap_or_default();
        guardduty::describe(&raw)
    }

    /// The text the message shows: the title, else the kind, else the family's name.
    pub(crate) fn headline(&self) -> &str {
        self.title.as_deref().or(self.kind.as_deref()).unwrap_or_else(|| self.family.map_or("finding", |f| f.name))
    }
}

/// A label (`HIGH`, `Medium`, `INFORMATIONAL`) → a score at the bottom of its band.
pub(crate) fn label_score(label: &str) -> Option<f64> {
    Some(match label.to_ascii_uppercase().as_str() {
        "INFORMATIONAL" | "INFO" => 0.0,
        "LOW" => 1.0,
        "MEDIUM" => 4.0,
        "HIGH" => 7.0,
        "CRITICAL" => 9.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fall_in_their_band() {
        for (label, band) in
            [("LOW", Band::Low), ("Medium", Band::Medium), ("HIGH", Band::High), ("CRITICAL", Band::Critical)]
        {
            assert_eq!(label_score(label).map(Band::of), Some(band), "{label}");
        }
        assert_eq!(label_score("INFORMATIONAL"), Some(0.0));
        assert_eq!(label_score("UNTRIAGED"), None);
    }
}
