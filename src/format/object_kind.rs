//! What an S3 object holds, decided from its key.

/// The kinds of object the forwarder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A CloudTrail log or Insights file: one log per record.
    CloudTrail,
    /// A CloudTrail digest file: skipped (it holds hashes, not events).
    CloudTrailDigest,
    /// A GuardDuty findings export (`…/GuardDuty/…`, JSON Lines): one log per finding.
    GuardDutyExport,
    /// Anything else: one log per line.
    Lines,
}

impl ObjectKind {
    /// Classifies a (decoded) key. CloudTrail file names look like
    /// `<account>_CloudTrail[-Insight|-Digest]_<region>_<…>.json.gz` in every partition.
    pub fn of_key(key: &str) -> Self {
        let name = key.rsplit('/').next().unwrap_or(key);
        let in_folder = |folder: &str| key.split('/').any(|segment| segment == folder);
        let trail_token = name
            .split_once('_')
            .filter(|(account, _)| !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|(_, rest)| rest.split_once('_'))
            .map(|(token, _)| token);
        match trail_token {
            Some("CloudTrail-Digest") => return Self::CloudTrailDigest,
            Some("CloudTrail" | "CloudTrail-Insight") => return Self::CloudTrail,
            _ => {}
        }
        if in_folder("CloudTrail-Digest") {
            Self::CloudTrailDigest
        } else if in_folder("GuardDuty") {
            Self::GuardDutyExport
        } else {
            Self::Lines
        }
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
        ] {
            assert_eq!(ObjectKind::of_key(key), kind, "{key}");
        }
    }
}
