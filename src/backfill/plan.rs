//! Planning a backfill: the objects of a log-archive bucket that fall in a time window, found
//! by walking only the folders that can hold them —
//! `AWSLogs/[o-…/]<account>/<service>/<region>/YYYY/MM/DD/` for every service folder the table
//! of sources reads (CloudTrail, GuardDuty, WAF, load balancers, Route 53, Network Firewall…)
//! — instead of listing the whole bucket. Listings run a few at a time; objects come out in key order of their
//! folders. Files of skipped kinds (digests, Config) are left out and counted.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use time::OffsetDateTime;

use super::window::{TimeWindow, key_time};
use crate::format::ObjectKind;
use crate::format::sources::aws_logs_service;
use crate::store::{ObjectError, ObjectStore};

/// Listings in flight at once.
const LISTINGS_IN_FLIGHT: usize = 16;

/// Which service's logs to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// `…/CloudTrail/…` files.
    CloudTrail,
    /// `…/GuardDuty/…` findings exports.
    GuardDuty,
}

impl LogKind {
    fn folder(self) -> &'static str {
        match self {
            Self::CloudTrail => "CloudTrail",
            Self::GuardDuty => "GuardDuty",
        }
    }
}

/// Which objects a backfill takes, by what their keys say (`plan` and `replay` alike).
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    /// The time window (by the keys' dates).
    pub window: TimeWindow,
    /// Only these accounts (all when empty).
    pub accounts: Vec<String>,
    /// Only these regions (all when empty).
    pub regions: Vec<String>,
    /// Only this kind (both when unset).
    pub kind: Option<LogKind>,
}

impl KeyFilter {
    /// Whether it takes every object.
    pub fn is_empty(&self) -> bool {
        self.window.is_open() && self.accounts.is_empty() && self.regions.is_empty() && self.kind.is_none()
    }

    /// Whether a key passes: its date, and its account, service and region folders when it
    /// has the `AWSLogs/` layout (a key without it passes only without those filters).
    pub fn selects(&self, key: &str) -> bool {
        if !self.window.admits(key_time(key)) {
            return false;
        }
        match layout(key) {
            Some(parts) => {
                self.wants_account(parts.account)
                    && self.wants_region(parts.region)
                    && self.wants_service(parts.service)
            }
            None => self.accounts.is_empty() && self.regions.is_empty(),
        }
    }

    fn wants_account(&self, account: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account)
    }

    fn wants_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// Any service folder, or the one `kind` names.
    fn wants_service(&self, service: &str) -> bool {
        self.kind.is_none_or(|kind| kind.folder() == service)
    }
}

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
}

/// A plan that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A listing failed.
    #[error(transparent)]
    List(#[from] ObjectError),
    /// No `AWSLogs/` folder where the plan starts.
    #[error(
        "s3://{bucket}/{prefix} holds no AWSLogs/ folder: give the trail's (or the export's) prefix, e.g. s3://{bucket}/AWSLogs/"
    )]
    NoAwsLogs {
        /// Bucket.
        bucket: String,
        /// Prefix given.
        prefix: String,
    },
}

/// The folder levels below `AWSLogs/`, top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// `AWSLogs/`: organizations and accounts.
    Root,
    /// `AWSLogs/o-…/`: accounts.
    Organization,
    /// `…/<account>/`: services.
    Account,
    /// `…/CloudTrail/`: regions.
    Service,
    /// `…/<region>/`: dated folders, listed whole or day by day.
    Region,
    /// Anything deeper: listed whole.
    Dated,
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

/// The folders to list whole, in key order: the day folders of the window under every
/// region folder the filters keep (or the region folders themselves when the window has no
/// start), found a level at a time, a few listings at once.
pub async fn leaf_folders<S: ObjectStore>(
    store: &S,
    request: &PlanRequest,
    totals: &mut PlanTotals,
) -> Result<Vec<String>, PlanError> {
    let mut folders = vec![start_folder(store, request, totals).await?];
    while folders.iter().any(|(_, level)| *level < Level::Region) {
        let (deeper, ready): (Vec<_>, Vec<_>) = folders.into_iter().partition(|(_, level)| *level < Level::Region);
        let children: Vec<Vec<(String, Level)>> = stream::iter(deeper)
            .map(|(prefix, level)| async move {
                let names = store.folders(&request.bucket, &prefix).await?;
                Ok::<_, ObjectError>(names.into_iter().filter_map(|child| descend(request, &child, level)).collect())
            })
            .buffered(LISTINGS_IN_FLIGHT)
            .try_collect()
            .await?;
        totals.listings += children.len() as u64;
        folders = ready.into_iter().chain(children.into_iter().flatten()).collect();
        folders.sort();
    }
    Ok(leaf_prefixes(folders, &request.filter.window))
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

struct Layout<'a> {
    account: &'a str,
    service: &'a str,
    region: &'a str,
}

/// `…AWSLogs/[o-…/]<account>/<service>/<region>/…` read from a key.
fn layout(key: &str) -> Option<Layout<'_>> {
    let (_, tail) = key.rsplit_once("AWSLogs/")?;
    let mut parts = tail.split('/').peekable();
    if parts.peek().is_some_and(|p| is_organization(p)) {
        parts.next();
    }
    let (account, service, region) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Layout { account, service, region })
}

/// The folder the walk starts from, and its level.
async fn start_folder<S: ObjectStore>(
    store: &S,
    request: &PlanRequest,
    totals: &mut PlanTotals,
) -> Result<(String, Level), PlanError> {
    let mut prefix = request.prefix.clone();
    if prefix.ends_with("AWSLogs") {
        prefix.push('/');
    }
    if let Some((_, tail)) = prefix.rsplit_once("AWSLogs/") {
        return Ok((prefix.clone(), level_of(tail)));
    }
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    totals.listings += 1;
    let folders = store.folders(&request.bucket, &prefix).await?;
    let root = format!("{prefix}AWSLogs/");
    if folders.contains(&root) {
        Ok((root, Level::Root))
    } else {
        Err(PlanError::NoAwsLogs { bucket: request.bucket.clone(), prefix: request.prefix.clone() })
    }
}

/// The level of a folder from what follows `AWSLogs/` in it.
fn level_of(tail: &str) -> Level {
    let mut parts: Vec<&str> = tail.split('/').collect();
    if parts.last().is_some_and(|last| !last.is_empty()) {
        // Not a whole folder name: list everything under it.
        return Level::Dated;
    }
    parts.pop();
    if parts.first().is_some_and(|p| is_organization(p)) {
        parts.remove(0);
        if parts.is_empty() {
            return Level::Organization;
        }
    }
    match parts.len() {
        0 => Level::Root,
        1 => Level::Account,
        2 => Level::Service,
        3 => Level::Region,
        _ => Level::Dated,
    }
}

/// The child folder `child` of a folder at `level`, if the request wants it.
fn descend(request: &PlanRequest, child: &str, level: Level) -> Option<(String, Level)> {
    let name = child.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let filter = &request.filter;
    let next = match level {
        Level::Root if is_organization(name) => Level::Organization,
        Level::Root | Level::Organization if is_account(name) && filter.wants_account(name) => Level::Account,
        Level::Account if aws_logs_service(name).is_some() && filter.wants_service(name) => Level::Service,
        Level::Service if filter.wants_region(name) => Level::Region,
        _ => return None,
    };
    Some((child.to_owned(), next))
}

/// The prefixes to list whole: a region folder's days in the window (each day's folder), or
/// the whole folder when the window has no start.
fn leaf_prefixes(folders: Vec<(String, Level)>, window: &TimeWindow) -> Vec<String> {
    let days = window.days(OffsetDateTime::now_utc());
    let mut leaves = Vec::new();
    for (prefix, level) in folders {
        // Only kinds whose day folders follow the region (CloudTrail, GuardDuty, flow logs,
        // load balancers…) are cut to the window's days; the others (a web ACL or a log type
        // in between) are listed whole and their keys filtered by date.
        let by_day = layout(&prefix).and_then(|l| aws_logs_service(l.service)) == Some((0, 0));
        match (&days, level) {
            (Some(days), Level::Region) if by_day => leaves.extend(
                days.iter()
                    .map(|day| format!("{prefix}{:04}/{:02}/{:02}/", day.year(), u8::from(day.month()), day.day())),
            ),
            _ => leaves.push(prefix),
        }
    }
    leaves
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

fn is_organization(name: &str) -> bool {
    name.len() > 2 && name.starts_with("o-") && name[2..].bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_cloudtrail_layout() {
        assert_eq!(level_of(""), Level::Root);
        assert_eq!(level_of("o-abc123/"), Level::Organization);
        assert_eq!(level_of("o-abc123/111122223333/"), Level::Account);
        assert_eq!(level_of("111122223333/"), Level::Account);
        assert_eq!(level_of("111122223333/CloudTrail/"), Level::Service);
        assert_eq!(level_of("o-abc123/111122223333/CloudTrail/us-east-1/"), Level::Region);
        assert_eq!(level_of("111122223333/CloudTrail/us-east-1/2026/"), Level::Dated);
        assert_eq!(level_of("1111"), Level::Dated);
    }

    #[test]
    fn filters_read_the_key() {
        let filter = KeyFilter {
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into()],
            kind: Some(LogKind::CloudTrail),
            ..KeyFilter::default()
        };
        let key = |account: &str, service: &str, region: &str| {
            format!(
                "AWSLogs/o-x1/{account}/{service}/{region}/2026/09/01/{account}_{service}_{region}_20260901T0000Z_a.json.gz"
            )
        };
        assert!(filter.selects(&key("111122223333", "CloudTrail", "eu-west-1")));
        assert!(!filter.selects(&key("444455556666", "CloudTrail", "eu-west-1")));
        assert!(!filter.selects(&key("111122223333", "CloudTrail", "us-east-1")));
        assert!(!filter.selects(&key("111122223333", "GuardDuty", "eu-west-1")));
        assert!(!filter.selects("other/file.json"));
        assert!(KeyFilter::default().selects("other/file.json"));
    }

    #[test]
    fn region_folders_become_day_folders() {
        let window = TimeWindow::parse(Some("2026-02-27"), Some("2026-03-02")).unwrap();
        let leaves = leaf_prefixes(vec![("AWSLogs/1/CloudTrail/us-east-1/".into(), Level::Region)], &window);
        assert_eq!(
            leaves,
            [
                "AWSLogs/1/CloudTrail/us-east-1/2026/02/27/",
                "AWSLogs/1/CloudTrail/us-east-1/2026/02/28/",
                "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/"
            ]
        );
        let open = leaf_prefixes(vec![("p/".into(), Level::Region)], &TimeWindow::default());
        assert_eq!(open, ["p/"]);
    }
}
