//! Which objects a backfill takes, by what their keys say: the window (the date a key
//! carries), the kind, and the account and Region the key names where its kind's date
//! layout puts them.

use super::window::{TimeWindow, key_time};
use crate::format::ObjectKind;
use crate::format::key_names::s3_access_name;
use crate::format::sources::{DateLayout, PathPart, Source, aws_logs_service};

/// Which objects a backfill takes, by what their keys say (`plan` and `replay` alike).
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    /// The time window (by the keys' dates).
    pub window: TimeWindow,
    /// Only these accounts (all when empty).
    pub accounts: Vec<String>,
    /// Only these regions (all when empty).
    pub regions: Vec<String>,
    /// Only this kind's logs (its row and the rows of the same `ddsource`, e.g. VPC flow
    /// logs in text and Parquet), or every kind.
    pub kind: Option<&'static Source>,
}

impl KeyFilter {
    /// Whether it takes every object.
    pub fn is_empty(&self) -> bool {
        self.window.is_open() && self.accounts.is_empty() && self.regions.is_empty() && self.kind.is_none()
    }

    /// Whether a key passes: its date, its kind, and the account and region its key names.
    /// A key that names no account (or Region) passes only without `accounts` (`regions`):
    /// Route 53 Resolver keys name a VPC, not a Region.
    pub fn selects(&self, key: &str) -> bool {
        if !self.window.admits(key_time(key)) {
            return false;
        }
        if self.kind.is_some() && !self.wants_kind(ObjectKind::of_key(key).source()) {
            return false;
        }
        let place = KeyPlace::of(key);
        self.wants_account(place.account) && self.wants_region(place.region)
    }

    pub(super) fn wants_account(&self, account: Option<&str>) -> bool {
        self.accounts.is_empty() || account.is_some_and(|account| self.accounts.iter().any(|a| a == account))
    }

    pub(super) fn wants_region(&self, region: Option<&str>) -> bool {
        self.regions.is_empty() || region.is_some_and(|region| self.regions.iter().any(|r| r == region))
    }

    /// Any kind, or the logs of the one `kind` names.
    pub(super) fn wants_kind(&self, row: &Source) -> bool {
        self.kind.is_none_or(|kind| kind.ddsource == row.ddsource)
    }
}

/// The account and Region a key names, where its kind's layout puts them.
#[derive(Debug, Default, PartialEq, Eq)]
struct KeyPlace<'a> {
    account: Option<&'a str>,
    region: Option<&'a str>,
}

impl<'a> KeyPlace<'a> {
    fn of(key: &'a str) -> Self {
        if let Some((_, tail)) = key.rsplit_once("AWSLogs/") {
            return Self::aws_logs(tail).unwrap_or_default();
        }
        // Partitioned S3 access logs: `<account>/<region>/<bucket>/YYYY/MM/DD/<name>`.
        let parts: Vec<&str> = key.split('/').collect();
        match parts[..] {
            [.., account, region, _, _, _, _, name] if is_account(account) && s3_access_name(name) => {
                Self { account: Some(account), region: Some(region) }
            }
            _ => Self::default(),
        }
    }

    /// `[o-…/]<account>/<service>/` and the service's folders (Hive-style names too).
    fn aws_logs(tail: &'a str) -> Option<Self> {
        let mut parts = tail.split('/').peekable();
        if parts.peek().is_some_and(|p| is_organization(p)) {
            parts.next();
        }
        let account = parts.next()?;
        let account = account.strip_prefix("aws-account-id=").unwrap_or(account);
        let DateLayout::AwsLogs(path) = aws_logs_service(parts.next()?)?.backfill else { return None };
        let mut region = None;
        for (part, name) in path.iter().zip(parts) {
            if *part == PathPart::Region {
                region = Some(name.strip_prefix("aws-region=").unwrap_or(name));
            }
        }
        Some(Self { account: Some(account), region })
    }
}

/// `o-…`: an organization trail's folder.
pub fn is_organization(name: &str) -> bool {
    name.len() > 2 && name.starts_with("o-") && name[2..].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Twelve digits.
pub fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::sources::named;

    #[test]
    fn filters_read_the_key_where_its_kinds_layout_puts_them() {
        let filter = KeyFilter {
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into()],
            kind: named("cloudtrail"),
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

        let place = |key| KeyPlace::of(key);
        let at = |account, region| KeyPlace { account: Some(account), region };
        assert_eq!(
            place("AWSLogs/111122223333/network-firewall/alert/eu-west-1/fw-1/2026/09/01/07/a.log.gz"),
            at("111122223333", Some("eu-west-1"))
        );
        assert_eq!(
            place("p/AWSLogs/111122223333/WAFLogs/eu-west-1/acl-1/2026/09/01/07/05/a.log.gz"),
            at("111122223333", Some("eu-west-1"))
        );
        assert_eq!(
            place(
                "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=09/day=01/a.log.gz"
            ),
            at("111122223333", Some("eu-west-1"))
        );
        assert_eq!(
            place("AWSLogs/111122223333/vpcdnsquerylogs/vpc-0a1b/2026/09/01/a.log.gz"),
            at("111122223333", None)
        );
        assert_eq!(
            place("access/111122223333/eu-west-1/my-bucket/2026/09/01/2026-09-01-07-00-00-0A1B2C3D4E5F6A7B"),
            at("111122223333", Some("eu-west-1"))
        );
        assert_eq!(place("access/2026-09-01-07-00-00-0A1B2C3D4E5F6A7B"), KeyPlace::default());
    }
}
