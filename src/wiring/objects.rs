//! Finds a bucket's newest object of every kind the table of sources reads (CloudTrail,
//! GuardDuty exports, WAF, load balancers…) without listing it all: a bounded first listing
//! finds one key of each kind and counts the skipped files seen (digests, Config…); then the
//! `YYYY/MM/DD` folders (Hive-style `year=…/month=…/day=…` too) above that key are walked
//! down to the latest day, whose objects are listed for the newest. A Parquet object is read
//! as the function reads it: its size from HeadObject, then its footer by a ranged GET.

use crate::deadline::Deadline;
use crate::format::ObjectKind;
use crate::store::s3_store::{ListedObject, S3Store};
use crate::store::{ObjectError, ObjectErrorKind, ObjectStore};

/// Pages (of up to 1000 keys) read at most by one listing.
const MAX_PAGES: usize = 3;

/// What the listing found.
#[derive(Debug, Default)]
pub(super) struct Survey {
    /// The newest object of each kind read, when there are any.
    pub(super) newest: Vec<(ObjectKind, ListedObject)>,
    /// Digest files among the keys listed first.
    pub(super) digests: usize,
    /// Other skipped files among the keys listed first, by kind.
    pub(super) skipped: Vec<(ObjectKind, usize)>,
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
                ObjectKind::Lines => {}
                kind if kind.source().reader == crate::format::sources::Reader::Events => {}
                kind if kind.skipped().is_some() => match survey.skipped.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, count)) => *count += 1,
                    None => survey.skipped.push((kind, 1)),
                },
                kind => keep_newest(&mut seeds, kind, object),
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

/// What a Parquet object's ends say.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ParquetCheck {
    /// Both ends carry the `PAR1` magic; the footer's length.
    Footer(u32),
    /// Not a Parquet file: no `PAR1` at one end.
    NotParquet,
}

/// Reads a Parquet object's first 4 bytes and its last 8 (footer length and magic) by
/// ranged GETs, as the function does.
pub(super) async fn parquet_ends(store: &S3Store, bucket: &str, key: &str) -> Result<ParquetCheck, ObjectError> {
    let source = store.open_ranged(bucket, key, None, Deadline::none()).await?;
    // A failed range keeps the S3 error's class.
    let io_error = |source: std::io::Error| {
        let kind =
            source.get_ref().and_then(|e| e.downcast_ref::<ObjectError>()).map_or(ObjectErrorKind::Other, |e| e.kind);
        ObjectError { bucket: bucket.to_owned(), key: key.to_owned(), kind, source: Box::new(source) }
    };
    let ends = tokio::task::spawn_blocking(move || {
        let size = source.size();
        if size < 12 {
            return Ok(None);
        }
        Ok(Some((source.read_range(0, 4)?, source.read_range(size - 8, 8)?)))
    })
    .await
    .map_err(|err| io_error(std::io::Error::other(err)))?
    .map_err(io_error)?;
    Ok(match ends {
        Some((head, tail)) if &head[..] == b"PAR1" && tail.len() == 8 && &tail[4..] == b"PAR1" => {
            ParquetCheck::Footer(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]))
        }
        _ => ParquetCheck::NotParquet,
    })
}

/// The folder above a key's `YYYY/MM/DD/` (or `year=…/month=…/day=…/`) date folders
/// (`AWSLogs/1/CloudTrail/us-east-1/`).
fn date_root(key: &str) -> Option<String> {
    let segments: Vec<&str> = key.split('/').collect();
    let digits = |s: &str, n: usize, field: &str| {
        let s = s.strip_prefix(field).unwrap_or(s);
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
    };
    let at = segments
        .windows(4)
        .position(|w| digits(w[0], 4, "year=") && digits(w[1], 2, "month=") && digits(w[2], 2, "day="))?;
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
        assert_eq!(
            date_root("AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=01/day=02/hour=03/f.log.parquet").as_deref(),
            Some("AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/")
        );
        assert_eq!(date_root("GuardDuty/x.jsonl.gz"), None);
        assert_eq!(date_root("2026/11/24"), None, "a date folder holds the object");
    }
}
