//! The table of sources: one row per kind of object a log-archive bucket holds, saying how
//! the kind is recognised (key patterns, and the first bytes for keys that say nothing), which
//! record reader reads it, the `ddsource` and `service` of its logs, where a record's date
//! is, how a backfill finds its date folders, and whether it is skipped.
//!
//! Adding a kind is one [`ObjectKind`] variant, one row in [`SOURCES`], one reader (a
//! [`Reader`] variant and its module under `format/`) and tests. Rows are tried in order:
//! the first whose key patterns match wins, so narrower rows come first.
//!
//! # Provenance
//!
//! Which file a log came from matters in an investigation, but Datadog bills every byte of
//! every log, and a 100-byte flow line cannot carry a 180-byte `aws.s3.bucket`/`aws.s3.key`.
//! So provenance is a per-object decision rendered once (`entry::ObjectAttrs`), with three
//! modes (`DD_PROVENANCE`, see `entry::provenance`):
//! - `none` (default): nothing per log. The record names what an investigator looks for
//!   (account, region, interface, load balancer, web ACL, event time), and our own log line
//!   for each object read names its bucket and key with its record count.
//! - `ref`: a short reference to the object, `"s3ref":"<12 hex>"` (23 bytes), which our own
//!   log line for the object also prints next to the bucket and key.
//! - `s3`: the Datadog Forwarder's `aws.s3.bucket` and `aws.s3.key`, for users whose queries
//!   rely on them.
//!
//! The same rule applies to every kind, CloudTrail and GuardDuty exports included.

use super::object_kind::ObjectKind;

/// One kind of object.
#[derive(Debug)]
pub struct Source {
    /// The kind this row describes.
    pub kind: ObjectKind,
    /// Its name in user rules (`DD_SOURCE_RULES`), `doctor` and the docs.
    pub name: &'static str,
    /// Key patterns recognising it: any one matches.
    pub keys: &'static [KeyPattern],
    /// First bytes recognising it when its key matches no row (renamed folders, Firehose
    /// prefixes); `None` when its content cannot be told apart.
    pub head: Option<HeadPattern>,
    /// The record reader.
    pub reader: Reader,
    /// `ddsource` of its logs: what Datadog's integration pipeline and Cloud SIEM rules key on.
    pub ddsource: &'static str,
    /// `service` of its logs.
    pub service: &'static str,
    /// Where a record's date is.
    pub date: RecordDate,
    /// How a backfill finds its date folders.
    pub backfill: DateLayout,
    /// Why objects of this kind are recognised and skipped (counted), or `None` to read them.
    pub skip: Option<&'static str>,
}

/// A key pattern.
#[derive(Debug, Clone, Copy)]
pub enum KeyPattern {
    /// The file name is `<account id>_<token>_…` (CloudTrail, VPC Flow Logs, load balancers,
    /// WAF, Config all name their files this way).
    FileToken(&'static str),
    /// A folder of the key is exactly this name.
    Folder(&'static str),
    /// The key contains this text anywhere (Firehose layouts).
    Contains(&'static str),
    /// The file name passes this test.
    FileName(fn(&str) -> bool),
}

/// First bytes of an object (after decompression).
#[derive(Debug, Clone, Copy)]
pub enum HeadPattern {
    /// The object starts with these bytes.
    StartsWith(&'static [u8]),
    /// The first line holds these bytes (a member name of a JSON-lines format).
    FirstLineHas(&'static [u8]),
}

/// The record readers (each a module under `format/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `{"Records":[…]}`, streamed record by record (`format::cloudtrail`).
    CloudTrail,
    /// GuardDuty findings, one a line, sent in the EventBridge envelope shape (`format::lines`).
    Findings,
    /// Text, one log per line sent raw as `message` (`format::lines`).
    Lines,
    /// VPC flow log Parquet, read by byte ranges: the same logs as its text form
    /// (`format::flow_parquet`).
    FlowParquet,
    /// VPC flow log text: the header skipped, default-format lines raw, custom-format lines
    /// as named attributes (`format::vpcflow`).
    FlowLines,
}

/// Where a record's date is, so that dates older than the intake keeps are clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordDate {
    /// A top-level JSON member that Datadog reads as the log date itself (CloudTrail's
    /// `eventTime`): a `timestamp` is written only when the date is clamped.
    Member(&'static str, DateFormat),
    /// Found by the reader's entry builder (a GuardDuty finding's `updatedAt`).
    Reader,
    /// None known: the intake dates the log on arrival.
    Unknown,
}

/// How a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// RFC 3339 (`2026-11-24T12:00:00Z`).
    Rfc3339,
    /// Seconds since the epoch (a flow record's `start`).
    EpochSeconds,
}

/// Where a kind files its objects by date, for `plan` and `replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLayout {
    /// `…AWSLogs/[o-…/]<account>/<service>/<region>/` then `extra` folders (a web ACL…),
    /// then `YYYY/MM/DD/`.
    AwsLogs {
        /// Folders between the region and the year.
        extra: u8,
    },
    /// No date in the key.
    None,
}

const AWS_LOGS: DateLayout = DateLayout::AwsLogs { extra: 0 };

/// The table. Order matters: the first row whose key patterns match wins.
pub const SOURCES: &[Source] = &[
    Source {
        kind: ObjectKind::CloudTrailDigest,
        name: "cloudtrail-digest",
        keys: &[KeyPattern::FileToken("CloudTrail-Digest"), KeyPattern::Folder("CloudTrail-Digest")],
        head: None,
        reader: Reader::Lines,
        ddsource: "cloudtrail",
        service: "cloudtrail",
        date: RecordDate::Unknown,
        backfill: AWS_LOGS,
        skip: Some("a CloudTrail digest file holds hashes, not events"),
    },
    Source {
        kind: ObjectKind::CloudTrail,
        name: "cloudtrail",
        keys: &[KeyPattern::FileToken("CloudTrail"), KeyPattern::FileToken("CloudTrail-Insight")],
        head: Some(HeadPattern::StartsWith(b"{\"Records\":")),
        reader: Reader::CloudTrail,
        ddsource: "cloudtrail",
        service: "cloudtrail",
        date: RecordDate::Member("eventTime", DateFormat::Rfc3339),
        backfill: AWS_LOGS,
        skip: None,
    },
    Source {
        kind: ObjectKind::GuardDutyExport,
        name: "guardduty",
        keys: &[KeyPattern::Folder("GuardDuty")],
        head: None,
        reader: Reader::Findings,
        ddsource: "guardduty",
        service: "guardduty",
        date: RecordDate::Reader,
        backfill: AWS_LOGS,
        skip: None,
    },
    Source {
        kind: ObjectKind::VpcFlowParquet,
        name: "vpcflow-parquet",
        keys: &[KeyPattern::FileName(is_flow_parquet)],
        head: None,
        reader: Reader::FlowParquet,
        ddsource: "vpc",
        service: "vpc",
        date: RecordDate::Member("start", DateFormat::EpochSeconds),
        backfill: AWS_LOGS,
        skip: None,
    },
    Source {
        kind: ObjectKind::VpcFlow,
        name: "vpcflow",
        keys: &[
            KeyPattern::FileToken("vpcflowlogs"),
            KeyPattern::Folder("vpcflowlogs"),
            KeyPattern::Folder("aws-service=vpcflowlogs"),
        ],
        head: Some(HeadPattern::StartsWith(b"version account-id interface-id ")),
        reader: Reader::FlowLines,
        ddsource: "vpc",
        service: "vpc",
        date: RecordDate::Member("start", DateFormat::EpochSeconds),
        backfill: AWS_LOGS,
        skip: None,
    },
    // Access logs, DNS, firewalls.

    // Anything else: the last row, matched by no pattern.
    Source {
        kind: ObjectKind::Lines,
        name: "lines",
        keys: &[],
        head: None,
        reader: Reader::Lines,
        ddsource: "s3",
        service: "s3",
        date: RecordDate::Unknown,
        backfill: DateLayout::None,
        skip: None,
    },
];

/// `<account>_vpcflowlogs_<region>_<flow log id>_<date>_<hash>.log.parquet`.
fn is_flow_parquet(name: &str) -> bool {
    name.ends_with(".parquet") && name.contains("_vpcflowlogs_")
}

/// The row of `kind`.
pub fn source(kind: ObjectKind) -> &'static Source {
    SOURCES.iter().find(|row| row.kind == kind).unwrap_or(&SOURCES[SOURCES.len() - 1])
}

/// The row named `name` (user rules).
pub fn named(name: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|row| row.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_and_one_name() {
        for (i, row) in SOURCES.iter().enumerate() {
            assert_eq!(source(row.kind).name, row.name);
            assert!(SOURCES[i + 1..].iter().all(|other| other.kind != row.kind && other.name != row.name), "{row:?}");
            assert_eq!(named(row.name).map(|r| r.kind), Some(row.kind));
        }
        assert!(SOURCES.last().is_some_and(|row| row.keys.is_empty() && row.head.is_none()), "the fallback is last");
    }
}
