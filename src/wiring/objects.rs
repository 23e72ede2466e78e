//! Finds a bucket's newest CloudTrail file and GuardDuty export without listing it all: a
//! bounded first listing finds one key of each kind and counts the digest files seen; then
//! the `YYYY/MM/DD` folders above that key are walked down to the latest day, whose objects
//! are listed for the newest.

use crate::format::ObjectKind;
use crate::store::s3_store::{ListedObject, ObjectError, S3Store};

/// Pages (of up to 1000 keys) read at most by one listing.
const MAX_PAGES: usize = 3;

/// What the listing found.
#[derive(Debug, Default)]
pub(super) struct Survey {
    /// The newest CloudTrail file and the newest GuardDuty export, when there are any.
    pub(super) newest: Vec<(ObjectKind, ListedObject)>,
    /// Digest files among the keys listed first.
    pub(super) digests: usize,
    /// Keys listed first.
    pub(super) listed: usize,
}

/// Surveys `bucket`.
pub(super) async fn survey(store: &S3Store, bucket: &str) -> Result<Survey, ObjectError> {
    let mut survey = Survey::default();
    let mut seeds: Vec<(ObjectKind, ListedObject)> = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = store.list_detailed(bucket, "", None, token).await?;
        survey.listed += page.objects.len();
        for object in page.objects {
            match ObjectKind::of_key(&object.key) {
                ObjectKind::CloudTrailDigest => survey.digests += 1,
                kind @ (ObjectKind::CloudTrail | ObjectKind::GuardDutyExport) => keep_newest(&mut seeds, kind, object),
                ObjectKind::Lines | ObjectKind::VpcFlow | ObjectKind::VpcFlowParquet => {}
            }
        }
        token = page.next;
        if token.is_none() {
            break;
        }
    }
    for (kind, seed) in seeds {
        let newest = match date_root(&seed.key) {
            Some(root) => latest_in_day(store, bucket, &root, kind).await?.unwrap_or(seed),
            None => seed,
        };
        survey.newest.push((kind, newest));
    }
    Ok(survey)
}

fn keep_newest(found: &mut Vec<(ObjectKind, ListedObject)>, kind: ObjectKind, object: ListedObject) {
    match found.iter_mut().find(|(k, _)| *k == kind) {
        Some((_, best)) if (object.modified, &object.key) > (best.modified, &best.key) => *best = object,
        Some(_) => {}
        None => found.push((kind, object)),
    }
}

/// The folder above a key's `YYYY/MM/DD/` date folders (`AWSLogs/1/CloudTrail/us-east-1/`).
fn date_root(key: &str) -> Option<String> {
    let segments: Vec<&str> = key.split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let at = segments.windows(4).position(|w| digits(w[0], 4) && digits(w[1], 2) && digits(w[2], 2))?;
    Some(segments[..at].iter().map(|s| format!("{s}/")).collect())
}

/// The newest object of `kind` in the latest `YYYY/MM/DD` folder under `root`.
async fn latest_in_day(
    store: &S3Store,
    bucket: &str,
    root: &str,
    kind: ObjectKind,
) -> Result<Option<ListedObject>, ObjectError> {
    let mut folder = root.to_owned();
    for _ in 0..3 {
        let listing = store.list_detailed(bucket, &folder, Some("/"), None).await?;
        match listing.folders.into_iter().max() {
            Some(latest) => folder = latest,
            None => return Ok(None),
        }
    }
    let mut found = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = store.list_detailed(bucket, &folder, None, token).await?;
        for object in page.objects.into_iter().filter(|o| ObjectKind::of_key(&o.key) == kind) {
            keep_newest(&mut found, kind, object);
        }
        token = page.next;
        if token.is_none() {
            break;
        }
    }
    Ok(found.pop().map(|(_, object)| object))
}

#[cfg(test)]
mod tests {
    use super::date_root;

    #[test]
    fn date_roots() {
        assert_eq!(
            date_root("AWSLogs/1/CloudTrail/us-east-1/2026/11/24/1_CloudTrail_us-east-1_x.json.gz").as_deref(),
            Some("AWSLogs/1/CloudTrail/us-east-1/")
        );
        assert_eq!(
            date_root("p/AWSLogs/o-1/1/GuardDuty/eu-west-1/2026/01/02/f.jsonl.gz").as_deref(),
            Some("p/AWSLogs/o-1/1/GuardDuty/eu-west-1/")
        );
        assert_eq!(date_root("GuardDuty/x.jsonl.gz"), None);
        assert_eq!(date_root("2026/11/24"), None, "a date folder holds the object");
    }
}
