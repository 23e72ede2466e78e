//! What an S3 object holds: its kind, decided from its key by the table of sources
//! (`format::sources`), or from its first bytes when the key says nothing.

use super::sources::{HeadPattern, KeyPattern, SOURCES, Source, source};

/// The kinds of object the forwarder reads; each has one row in `format::sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A CloudTrail log or Insights file: one log per record.
    CloudTrail,
    /// A CloudTrail digest file: skipped (it holds hashes, not events).
    CloudTrailDigest,
    /// A GuardDuty findings export (`…/GuardDuty/…`, JSON Lines): one log per finding.
    GuardDutyExport,
    /// VPC Flow Logs in text (`…/vpcflowlogs/…`, `aws-service=vpcflowlogs`): one log per
    /// record, the header skipped.
    VpcFlow,
    /// VPC Flow Logs in Parquet (`…_vpcflowlogs_….parquet`): one log per row.
    VpcFlowParquet,
    /// Anything else: one log per line.
    Lines,
}

impl ObjectKind {
    /// Classifies a (decoded) key: the first row of the table whose key patterns match, else
    /// [`ObjectKind::Lines`].
    pub fn of_key(key: &str) -> Self {
        let parts = KeyParts::new(key);
        SOURCES.iter().find(|row| row.keys.iter().any(|p| parts.matches(p))).map_or(Self::Lines, |row| row.kind)
    }

    /// Classifies an object whose key matched no row by its first bytes (decompressed), or
    /// `None` when they match no row either.
    pub fn of_head(head: &[u8]) -> Option<Self> {
        let first_line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
        SOURCES
            .iter()
            .find(|row| match row.head {
                Some(HeadPattern::StartsWith(prefix)) => head.starts_with(prefix),
                Some(HeadPattern::FirstLineHas(text)) => memchr::memmem::find(first_line, text).is_some(),
                None => false,
            })
            .map(|row| row.kind)
    }

    /// This kind's row in the table of sources.
    pub fn source(self) -> &'static Source {
        source(self)
    }

    /// Why objects of this kind are skipped, when they are.
    pub fn skipped(self) -> Option<&'static str> {
        self.source().skip
    }
}

/// A key cut once into what the patterns look at.
struct KeyParts<'a> {
    key: &'a str,
    name: &'a str,
}

impl<'a> KeyParts<'a> {
    fn new(key: &'a str) -> Self {
        Self { key, name: key.rsplit('/').next().unwrap_or(key) }
    }

    fn matches(&self, pattern: &KeyPattern) -> bool {
        match *pattern {
            KeyPattern::FileToken(token) => self.file_token() == Some(token),
            KeyPattern::Folder(folder) => {
                let folders = self.key.rsplit_once('/').map_or("", |(folders, _)| folders);
                folders.split('/').any(|segment| segment == folder)
            }
            KeyPattern::Contains(text) => self.key.contains(text),
            KeyPattern::FileName(test) => test(self.name),
        }
    }

    /// `<account>_<token>_…` → `token`, when the name starts with an account id.
    fn file_token(&self) -> Option<&'a str> {
        let (account, rest) = self.name.split_once('_')?;
        if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.split_once('_').map(|(token, _)| token)
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectKind::{self, *};

    #[test]
    fn kinds_by_key() {
        for (key, kind) in [
            (
                "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_Ab12Cd34Ef56Gh78.json.gz",
                CloudTrail,
            ),
            (
                "p/AWSLogs/o-abc123/123456789012/CloudTrail/us-gov-west-1/2026/01/01/123456789012_CloudTrail_us-gov-west-1_20260101T0000Z_x.json.gz",
                CloudTrail,
            ),
            (
                "AWSLogs/123456789012/CloudTrail/cn-north-1/2026/01/01/123456789012_CloudTrail_cn-north-1_20260101T0000Z_x.json.gz",
                CloudTrail,
            ),
            (
                "AWSLogs/1/CloudTrail-Insight/us-east-1/2026/01/01/123456789012_CloudTrail-Insight_us-east-1_20260101T0000Z_x.json.gz",
                CloudTrail,
            ),
            (
                "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20260101T000000Z.json.gz",
                CloudTrailDigest,
            ),
            ("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/renamed.json.gz", CloudTrailDigest),
            ("AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/24/5f6a2c1e.jsonl.gz", GuardDutyExport),
            ("GuardDuty/x.jsonl.gz", GuardDutyExport),
            ("logs/app_CloudTrail_notes.txt", Lines),
            ("elb/access.log.gz", Lines),
            ("logs/GuardDuty", Lines),
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261124T1200Z_1a2b3c4d.log.gz",
                VpcFlow,
            ),
            (
                "p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=24/hour=12/x.log.gz",
                VpcFlow,
            ),
            ("flows/123456789012_vpcflowlogs_eu-west-1_fl-1_20261124T1200Z_ab.log.gz", VpcFlow),
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261124T1200Z_1a2b3c4d.log.parquet",
                VpcFlowParquet,
            ),
        ] {
            assert_eq!(ObjectKind::of_key(key), kind, "{key}");
        }
    }

    #[test]
    fn kinds_by_first_bytes() {
        assert_eq!(ObjectKind::of_head(b"{\"Records\":[{\"eventVersion\""), Some(CloudTrail));
        assert_eq!(ObjectKind::of_head(b"hello\nworld"), None);
        assert_eq!(ObjectKind::of_head(b"version account-id interface-id srcaddr dstaddr"), Some(VpcFlow));
        assert_eq!(ObjectKind::of_head(b""), None);
    }
}
