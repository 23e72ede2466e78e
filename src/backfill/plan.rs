//! Planning a backfill: the objects of a log-archive bucket that fall in a time window, found
//! by walking only the date folders that can hold them (`backfill::walk`, driven by the
//! table of sources' date layouts) instead of listing the whole bucket. Listings run a few
//! at a time; objects come out in key order of their folders. Files of skipped kinds
//! (digests, Config) are left out and counted.

use futures_util::stream::{self, StreamExt};

pub use super::filter::KeyFilter;
pub use super::walk::PlanError;
use super::walk::{LISTINGS_IN_FLIGHT, leaf_prefixes};
use crate::format::ObjectKind;
use crate::store::{ObjectError, ObjectStore};

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// The bucket.
    pub bucket: String,
    /// Where the trail's `AWSLogs/` is, or a folder below it.
    pub prefix: String,
    /// Which objects.
    pub filter: KeyFilter,
}

/// An object of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedObject {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What a plan came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanTotals {
    /// Objects planned.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Files of skipped kinds left out (CloudTrail digests, Config…).
    pub digests: u64,
    /// List requests made.
    pub listings: u64,
    /// Keys those requests returned (planned or not).
    pub keys_listed: u64,
}

/// Lists the objects `request` selects, calling `found` for each in order.
pub async fn plan<S: ObjectStore>(
    store: &S,
    request: &PlanRequest,
    mut found: impl FnMut(&PlannedObject, &PlanTotals),
) -> Result<PlanTotals, PlanError> {
    let mut totals = PlanTotals::default();
    let leaves = leaf_folders(store, request, &mut totals).await?;
    let mut listings = stream::iter(leaves)
        .map(|prefix| async move { list_folder(store, &request.bucket, &prefix).await })
        .buffered(LISTINGS_IN_FLIGHT);
    while let Some(listed) = listings.next().await {
        let (objects, pages) = listed?;
        totals.listings += pages;
        totals.keys_listed += objects.len() as u64;
        for (key, size) in objects {
            if keep(request, &key, &mut totals) {
                totals.objects += 1;
                totals.bytes += size;
                found(&PlannedObject { key, size }, &totals);
            }
        }
    }
    Ok(totals)
}

/// The prefixes to list whole for `request` (see `backfill::walk`), in key order.
pub async fn leaf_folders<S: ObjectStore>(
    store: &S,
    request: &PlanRequest,
    totals: &mut PlanTotals,
) -> Result<Vec<String>, PlanError> {
    let (leaves, listings) = leaf_prefixes(store, &request.bucket, &request.prefix, &request.filter).await?;
    totals.listings += listings;
    Ok(leaves)
}

/// Whether a listed key is planned: digest files are counted and left out, then the filters.
pub fn keep(request: &PlanRequest, key: &str, totals: &mut PlanTotals) -> bool {
    if ObjectKind::of_key(key).skipped().is_some() {
        totals.digests += 1;
        return false;
    }
    // The walk pruned most folders already; keys of a folder given deeper than the filters'
    // levels are checked here.
    request.filter.selects(key)
}

/// Every key under `prefix` with its size, and the pages it took.
pub async fn list_folder<S: ObjectStore>(
    store: &S,
    bucket: &str,
    prefix: &str,
) -> Result<(Vec<(String, u64)>, u64), ObjectError> {
    let (mut objects, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let page = store.list(bucket, prefix, token).await?;
        pages += 1;
        objects.extend(page.objects);
        match page.next {
            Some(next) => token = Some(next),
            None => return Ok((objects, pages)),
        }
    }
}
