//! The walk of a backfill: the folders (or name prefixes) to list whole for a time window,
//! found by following each kind's date layout in the table of sources — one walk for every
//! kind:
//! - `AWSLogs/[o-…/]<account>/<service>/`, the row's folders (region, log type, web ACL,
//!   firewall, VPC), then one `YYYY/MM/DD/` folder per day of the window (Hive style:
//!   `aws-account-id=…/aws-service=…/aws-region=…/year=…/month=…/day=…/`);
//! - S3 access logs: `<prefix>YYYY-MM-DD-` per day, and partitioned
//!   `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/` folders;
//! - CloudFront: `<prefix><distribution>.YYYY-MM-DD-` per day, the distributions found by one
//!   listing at `.`.
//!
//! Folders are listed a level at a time, a few at once; `--accounts`, `--regions` and
//! `--kind` prune as soon as the level that names them is reached.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use time::{Date, OffsetDateTime};

use super::filter::{KeyFilter, is_account, is_organization};
use crate::format::key_names::is_distribution_id;
use crate::format::sources::{DateLayout, PathPart, aws_logs_service};
use crate::store::{ObjectError, ObjectStore};

/// A plan that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A listing failed.
    #[error(transparent)]
    List(#[from] ObjectError),
    /// No `AWSLogs/` folder where the plan starts.
    #[error(
        "s3://{bucket}/{prefix} holds no AWSLogs/ folder: give the trail's (or the export's) prefix, e.g. s3://{bucket}/AWSLogs/, or --kind cloudfront or s3-access with their log prefix"
    )]
    NoAwsLogs {
        /// Bucket.
        bucket: String,
        /// Prefix given.
        prefix: String,
    },
}

/// Listings in flight at once.
pub const LISTINGS_IN_FLIGHT: usize = 16;

/// What the folders below a node are.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// `AWSLogs/`: organizations and accounts.
    Top,
    /// `AWSLogs/o-…/`: accounts.
    Accounts,
    /// `…/<account>/`: service folders.
    Services,
    /// The row's folders still to pass, then the date folders (Hive-style names or not).
    Path(&'static [PathPart], bool),
    /// An S3 access log prefix: dated names, and partitioned account folders.
    AccessLogs,
    /// A CloudFront log prefix: distributions, then dated names.
    Distributions,
}

/// A prefix and what is below it.
type Node = (String, Next);

/// The prefixes to list whole under `bucket`/`prefix`, in key order: each day of the
/// window under every folder the filters keep (the folder itself when the window has no
/// start); and the LIST requests it took.
pub async fn leaf_prefixes<S: ObjectStore>(
    store: &S,
    bucket: &str,
    prefix: &str,
    filter: &KeyFilter,
) -> Result<(Vec<String>, u64), PlanError> {
    let walk = Walk { store, bucket, filter };
    let days = filter.window.days(OffsetDateTime::now_utc());
    let (mut leaves, mut listings) = (Vec::new(), 0);
    let mut nodes = match walk.start(prefix, &mut listings).await? {
        Start::Node(node) => vec![node],
        Start::Leaf(prefix) => return Ok((vec![prefix], listings)),
    };
    while !nodes.is_empty() {
        let expanded: Vec<(Vec<Node>, Vec<String>, u64)> = stream::iter(nodes)
            .map(|node| walk.expand(node, days.as_deref()))
            .buffered(LISTINGS_IN_FLIGHT)
            .try_collect()
            .await?;
        nodes = Vec::new();
        for (children, found, listed) in expanded {
            nodes.extend(children);
            leaves.extend(found);
            listings += listed;
        }
    }
    leaves.sort();
    Ok((leaves, listings))
}

/// What a walk reads.
struct Walk<'a, S> {
    store: &'a S,
    bucket: &'a str,
    filter: &'a KeyFilter,
}

enum Start {
    Node(Node),
    /// A prefix below every level the walk knows: listed whole.
    Leaf(String),
}

impl<S: ObjectStore> Walk<'_, S> {
    /// Where the walk starts: the prefix's place in its kind's layout.
    async fn start(&self, given: &str, listings: &mut u64) -> Result<Start, PlanError> {
        let mut prefix = given.to_owned();
        match self.filter.kind.map(|row| row.backfill) {
            Some(DateLayout::DatedNames) => return Ok(Start::Node((prefix, Next::AccessLogs))),
            Some(DateLayout::DistributionNames) => return Ok(Start::Node((prefix, Next::Distributions))),
            _ => {}
        }
        if prefix.ends_with("AWSLogs") {
            prefix.push('/');
        }
        if let Some((_, tail)) = prefix.rsplit_once("AWSLogs/") {
            return Ok(place(tail).map_or(Start::Leaf(prefix.clone()), |next| Start::Node((prefix.clone(), next))));
        }
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        *listings += 1;
        let root = format!("{prefix}AWSLogs/");
        if self.store.folders(self.bucket, &prefix, "/").await?.contains(&root) {
            Ok(Start::Node((root, Next::Top)))
        } else {
            Err(PlanError::NoAwsLogs { bucket: self.bucket.to_owned(), prefix: given.to_owned() })
        }
    }

    /// The children of a node to walk further, the prefixes to list whole, and the listings
    /// it took.
    async fn expand(
        &self,
        (prefix, next): Node,
        days: Option<&[Date]>,
    ) -> Result<(Vec<Node>, Vec<String>, u64), ObjectError> {
        let filter = self.filter;
        let (delimiter, leaves) = match next {
            Next::Path([], hive) => {
                return Ok((Vec::new(), dated_for(&prefix, days, if hive { hive_day } else { day_folder }), 0));
            }
            // Not a folder, or no window start: its names (and partitioned folders) listed
            // as they are.
            Next::AccessLogs if days.is_none() || !(prefix.is_empty() || prefix.ends_with('/')) => {
                return Ok((Vec::new(), dated_for(&prefix, days, dated_name), 0));
            }
            Next::AccessLogs => ("/", dated_for(&prefix, days, dated_name)),
            Next::Distributions => (".", Vec::new()),
            _ => ("/", Vec::new()),
        };
        let children = self.store.folders(self.bucket, &prefix, delimiter).await?;
        let mut nodes = Vec::new();
        let mut found = leaves;
        for child in children {
            let name = child.strip_prefix(prefix.as_str()).unwrap_or(&child);
            let name = name.strip_suffix(delimiter).unwrap_or(name);
            let below = match next {
                Next::Top if is_organization(name) => Some(Next::Accounts),
                Next::Top | Next::Accounts => {
                    let account = name.strip_prefix("aws-account-id=").unwrap_or(name);
                    (is_account(account) && filter.wants_account(Some(account))).then_some(Next::Services)
                }
                Next::Services => {
                    aws_logs_service(name).filter(|row| filter.wants_kind(row)).and_then(|row| match row.backfill {
                        DateLayout::AwsLogs(path) => Some(Next::Path(path, name.starts_with("aws-service="))),
                        _ => None,
                    })
                }
                Next::Path([part, rest @ ..], hive) => {
                    let region = name.strip_prefix("aws-region=").unwrap_or(name);
                    (*part == PathPart::Named || filter.wants_region(Some(region))).then_some(Next::Path(rest, hive))
                }
                Next::AccessLogs => (is_account(name) && filter.wants_account(Some(name)))
                    .then_some(Next::Path(&[PathPart::Region, PathPart::Named], false)),
                Next::Distributions => {
                    if is_distribution_id(name) {
                        found.extend(dated_for(&child, days, dated_name));
                    }
                    None
                }
                Next::Path([], _) => None,
            };
            if let Some(below) = below {
                nodes.push((child, below));
            }
        }
        Ok((nodes, found, 1))
    }
}

/// What is below a folder given by what follows `AWSLogs/` in it; `None` for a prefix that
/// is not a whole folder or is below the row's folders (listed whole).
fn place(tail: &str) -> Option<Next> {
    let mut parts: Vec<&str> = tail.split('/').collect();
    if parts.pop().is_some_and(|last| !last.is_empty()) {
        return None;
    }
    if parts.first().is_some_and(|p| is_organization(p)) {
        parts.remove(0);
        if parts.is_empty() {
            return Some(Next::Accounts);
        }
    }
    match parts[..] {
        [] => Some(Next::Top),
        [_] => Some(Next::Services),
        [_, service, ref below @ ..] => {
            let DateLayout::AwsLogs(path) = aws_logs_service(service)?.backfill else { return None };
            let rest = path.get(below.len()..)?;
            Some(Next::Path(rest, service.starts_with("aws-service=")))
        }
    }
}

/// The prefix's leaves: one per day of the window, named by `name`, or the prefix itself.
fn dated_for(prefix: &str, days: Option<&[Date]>, name: fn(&str, &Date) -> String) -> Vec<String> {
    days.map_or_else(|| vec![prefix.to_owned()], |days| days.iter().map(|day| name(prefix, day)).collect())
}

/// `<prefix>YYYY/MM/DD/`.
fn day_folder(prefix: &str, day: &Date) -> String {
    format!("{prefix}{:04}/{:02}/{:02}/", day.year(), u8::from(day.month()), day.day())
}

/// `<prefix>year=YYYY/month=MM/day=DD/`.
fn hive_day(prefix: &str, day: &Date) -> String {
    format!("{prefix}year={:04}/month={:02}/day={:02}/", day.year(), u8::from(day.month()), day.day())
}

/// `<prefix>YYYY-MM-DD-`: the names of a day's files.
fn dated_name(prefix: &str, day: &Date) -> String {
    format!("{prefix}{:04}-{:02}-{:02}-", day.year(), u8::from(day.month()), day.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_placed_in_its_kinds_layout() {
        assert!(matches!(place(""), Some(Next::Top)));
        assert!(matches!(place("o-abc123/"), Some(Next::Accounts)));
        assert!(matches!(place("o-abc123/111122223333/"), Some(Next::Services)));
        assert!(matches!(place("111122223333/CloudTrail/"), Some(Next::Path([PathPart::Region], false))));
        assert!(matches!(place("o-abc123/111122223333/CloudTrail/us-east-1/"), Some(Next::Path([], false))));
        assert!(matches!(
            place("aws-account-id=111122223333/aws-service=vpcflowlogs/"),
            Some(Next::Path([PathPart::Region], true))
        ));
        assert!(matches!(
            place("111122223333/network-firewall/alert/"),
            Some(Next::Path([PathPart::Region, PathPart::Named], false))
        ));
        assert!(place("111122223333/CloudTrail/us-east-1/2026/").is_none());
        assert!(place("1111").is_none());
    }

    #[test]
    fn days_are_named_in_each_style() {
        let day = Date::from_calendar_date(2026, time::Month::February, 7).unwrap();
        assert_eq!(day_folder("p/", &day), "p/2026/02/07/");
        assert_eq!(hive_day("p/", &day), "p/year=2026/month=02/day=07/");
        assert_eq!(dated_name("logs/", &day), "logs/2026-02-07-");
    }
}
