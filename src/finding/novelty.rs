//! Whether a finding event is the first publication of a finding or a re-publication of it,
//! without any state, so that a cold container decides as a warm one does.
//!
//! GuardDuty publishes a new finding to EventBridge within about 5 minutes of creating it,
//! then re-publishes it at the detector's publishing frequency (15 minutes at the shortest)
//! when more occurrences raise `service.count`; `updatedAt` moves even in the first event
//! (the real samples show it 5 minutes after `createdAt`, with no `service.count`). Macie
//! does the same with `count`. So a finding is an update only when its count grew *and* the
//! event is published more than [`FIRST_PUBLICATION_WINDOW`] after the finding was created.
//! Other families: OCSF says it (`activity_id` 1 Create, 2 Update); Inspector re-publishes
//! when a finding is observed again (`lastObservedAt` moves); Security Hub ASFF and Access
//! Analyzer findings count as new when published within the window of their creation;
//! every Malware Protection scan result is new.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{Finding, FindingShape, Novelty};

/// The longest time between a finding's creation and its first publication (GuardDuty's
/// shortest publishing frequency: re-publications come later).
pub(crate) const FIRST_PUBLICATION_WINDOW: Duration = Duration::minutes(15);

fn instant(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?.trim(), &Rfc3339).ok()
}

impl Finding<'_> {
    /// Whether this event is the finding's first publication, given the EventBridge event's
    /// `time` (when it was published).
    pub(crate) fn is_first_publication(&self, event_time: Option<&str>) -> bool {
        match self.novelty {
            Novelty::New => return true,
            Novelty::Update => return false,
            Novelty::Unknown => {}
        }
        let young = match (instant(self.created_at.as_deref()), instant(event_time)) {
            (Some(created), Some(published)) => Some(published - created < FIRST_PUBLICATION_WINDOW),
            _ => None,
        };
        match self.family.map(|f| f.shape) {
            Some(FindingShape::MalwareScan) => true,
            Some(FindingShape::Inspector) => self.first_seen.is_none() || self.first_seen == self.last_seen,
            Some(FindingShape::GuardDuty | FindingShape::Macie) | None => {
                self.count.is_none_or(|count| count <= 1) || young == Some(true)
            }
            Some(FindingShape::Asff | FindingShape::Ocsf | FindingShape::AccessAnalyzer) => {
                young.unwrap_or(self.created_at.is_none() || self.created_at == self.date)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::family::{FAMILIES, guardduty};

    fn guardduty_finding(created: &str, count: Option<u64>) -> Finding<'static> {
        Finding { family: Some(guardduty()), created_at: Some(created.to_owned().into()), count, ..Finding::default() }
    }

    #[test]
    fn guardduty_first_publications_and_re_publications() {
        let published = Some("2026-07-22T18:47:18Z");
        // The real sample: updatedAt 5 minutes after createdAt, no count.
        assert!(guardduty_finding("2026-07-22T18:42:17.000Z", None).is_first_publication(published));
        // Several occurrences before the first publication.
        assert!(guardduty_finding("2026-07-22T18:42:17.000Z", Some(4)).is_first_publication(published));
        // A re-publication: count grown, hours later; also without the event's time.
        assert!(!guardduty_finding("2026-07-22T12:00:00Z", Some(42)).is_first_publication(published));
        assert!(!guardduty_finding("2026-07-22T12:00:00Z", Some(2)).is_first_publication(None));
        assert!(guardduty_finding("2026-07-22T12:00:00Z", Some(1)).is_first_publication(published));
    }

    #[test]
    fn other_families() {
        let family = |shape| FAMILIES.iter().find(|f| f.shape == shape);
        let ocsf = Finding { family: family(FindingShape::Ocsf), novelty: Novelty::Update, ..Finding::default() };
        assert!(!ocsf.is_first_publication(None));
        let hub = Finding {
            family: family(FindingShape::Asff),
            created_at: Some("2026-01-01T00:00:00Z".into()),
            date: Some("2026-01-02T00:00:00Z".into()),
            ..Finding::default()
        };
        assert!(!hub.is_first_publication(Some("2026-01-02T00:00:05Z")));
        assert!(hub.is_first_publication(Some("2026-01-01T00:04:00Z")));
        assert!(!hub.is_first_publication(None), "without the event's time: created = updated");
        let inspector = Finding {
            family: family(FindingShape::Inspector),
            first_seen: Some("Dec 3, 2021, 6:02:30 PM".into()),
            last_seen: Some("Dec 9, 2021, 6:02:30 PM".into()),
            ..Finding::default()
        };
        assert!(!inspector.is_first_publication(None));
        let scan = Finding { family: family(FindingShape::MalwareScan), ..Finding::default() };
        assert!(scan.is_first_publication(None));
    }
}
