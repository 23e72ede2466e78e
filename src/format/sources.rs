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

use super::key_names::{cloudfront_name, config_check, delivery_check, is_flow_parquet, s3_access_name};
use super::object_kind::ObjectKind;

pub use crate::entry::json_record::Members;
pub use crate::entry::record_date::{DateFormat, LineDate};

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
    /// Text whose lines starting with `#` are headers (`#Version`, `#Fields`), never sent.
    CommentedLines,
    /// One JSON object a line, sent as attributes (`format::lines`, `entry::json_record`).
    JsonLines(Members),
    /// CloudWatch Logs events of a log group that S3 never holds: a JSON object message
    /// becomes the log's attributes, text is sent raw as `message` (`format::log_events`).
    Events,
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
    /// A top-level JSON member (CloudTrail's `eventTime`, WAF's `timestamp`): a `timestamp`
    /// is written only when the date is clamped.
    Member(&'static str, DateFormat),
    /// In a text line: a `timestamp` is written only when the date is clamped.
    Line(LineDate),
    /// Found by the reader's entry builder (a GuardDuty finding's `updatedAt`).
    Reader,
    /// None known: the intake dates the log on arrival.
    Unknown,
}

/// Where a kind files its objects by date, for `plan` and `replay`: one generic walk
/// (`backfill::walk`) follows it for every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLayout {
    /// `…AWSLogs/[o-…/]<account>/<service>/`, then these folders, then `YYYY/MM/DD/` (hour
    /// and minute folders below are listed with their day). Hive-style keys
    /// (`aws-account-id=…/aws-service=…/aws-region=…/year=…/month=…/day=…/`) follow the
    /// same layout.
    AwsLogs(&'static [PathPart]),
    /// Under the log prefix: files named `YYYY-MM-DD-HH-MM-SS-…`, or, partitioned,
    /// `<account>/<region>/<bucket>/YYYY/MM/DD/` folders of them (S3 server access logs).
    DatedNames,
    /// Under the log prefix: files named `<distribution>.YYYY-MM-DD-HH.…` (CloudFront).
    DistributionNames,
    /// No date in the key.
    None,
}

/// A folder between a kind's service folder and its date folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart {
    /// The Region (`--regions` prunes here).
    Region,
    /// Any name: a log type, a web ACL, a firewall, a VPC, a bucket.
    Named,
}

const AWS_LOGS: DateLayout = DateLayout::AwsLogs(&[PathPart::Region]);

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
        kind: ObjectKind::CloudTrailInsight,
        name: "cloudtrail-insight",
        keys: &[KeyPattern::FileToken("CloudTrail-Insight"), KeyPattern::Folder("CloudTrail-Insight")],
        head: None,
        reader: Reader::CloudTrail,
        ddsource: "cloudtrail",
        service: "cloudtrail",
        date: RecordDate::Member("eventTime", DateFormat::Rfc3339),
        backfill: AWS_LOGS,
        skip: Some(
            "CloudTrail Insights events are summaries of the trail's own events; Datadog reads no rule from them",
        ),
    },
    Source {
        kind: ObjectKind::Config,
        name: "config",
        keys: &[KeyPattern::FileToken("Config"), KeyPattern::Folder("Config"), KeyPattern::FileName(config_check)],
        head: Some(HeadPattern::StartsWith(b"{\"fileVersion\":")),
        reader: Reader::Lines,
        ddsource: "config",
        service: "config",
        date: RecordDate::Unknown,
        backfill: AWS_LOGS,
        skip: Some("AWS Config history and snapshots describe resources, they are not logs"),
    },
    Source {
        kind: ObjectKind::AwsCheck,
        name: "aws-check",
        keys: &[KeyPattern::FileName(delivery_check)],
        head: None,
        reader: Reader::Lines,
        ddsource: "s3",
        service: "s3",
        date: RecordDate::Unknown,
        backfill: DateLayout::None,
        skip: Some("a file AWS writes to test that it can deliver to the bucket"),
    },
    Source {
        kind: ObjectKind::CloudTrail,
        name: "cloudtrail",
        keys: &[KeyPattern::FileToken("CloudTrail")],
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
    // Kinds that live only in CloudWatch Logs groups (routed by `format::log_routes`).
    log_group_row(ObjectKind::EksAudit, "eks-audit", "kubernetes.audit"),
    log_group_row(ObjectKind::EksApiServer, "eks-apiserver", "kube-apiserver"),
    log_group_row(ObjectKind::EksScheduler, "eks-scheduler", "kube_scheduler"),
    log_group_row(ObjectKind::EksControllerManager, "eks-controller-manager", "kube-controller-manager"),
    log_group_row(ObjectKind::EksAuthenticator, "eks-authenticator", "aws-iam-authenticator"),
    log_group_row(ObjectKind::Lambda, "lambda", "lambda"),
    log_group_row(ObjectKind::CloudWatchLogs, "cloudwatch", "cloudwatch"),
    // VPC Flow Logs.
    Source {
        kind: ObjectKind::VpcFlowParquet,
        name: "vpc-parquet",
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
        name: "vpc",
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
    Source {
        kind: ObjectKind::Waf,
        name: "waf",
        keys: &[KeyPattern::Contains("aws-waf-logs"), KeyPattern::Contains("waflogs"), KeyPattern::Folder("WAFLogs")],
        head: Some(HeadPattern::FirstLineHas(b"\"webaclId\"")),
        reader: Reader::JsonLines(Members::Waf),
        ddsource: "waf",
        service: "waf",
        date: RecordDate::Member("timestamp", DateFormat::EpochMillis),
        backfill: DateLayout::AwsLogs(&[PathPart::Region, PathPart::Named]),
        skip: None,
    },
    Source {
        kind: ObjectKind::LoadBalancer,
        name: "elb",
        keys: &[KeyPattern::Folder("elasticloadbalancing"), KeyPattern::FileToken("elasticloadbalancing")],
        head: None,
        reader: Reader::Lines,
        ddsource: "elb",
        service: "elb",
        date: RecordDate::Line(LineDate::IsoField { within: 3 }),
        backfill: AWS_LOGS,
        skip: None,
    },
    Source {
        kind: ObjectKind::Route53Resolver,
        name: "route53",
        keys: &[KeyPattern::Folder("vpcdnsquerylogs"), KeyPattern::Contains("_vpcdnsquerylogs_")],
        head: Some(HeadPattern::FirstLineHas(b"\"query_name\"")),
        reader: Reader::JsonLines(Members::AsIs),
        ddsource: "route53",
        service: "route53",
        date: RecordDate::Member("query_timestamp", DateFormat::Rfc3339),
        backfill: DateLayout::AwsLogs(&[PathPart::Named]),
        skip: None,
    },
    Source {
        kind: ObjectKind::NetworkFirewall,
        name: "network-firewall",
        keys: &[KeyPattern::Folder("network-firewall")],
        head: Some(HeadPattern::FirstLineHas(b"\"firewall_name\"")),
        reader: Reader::JsonLines(Members::AsIs),
        ddsource: "network-firewall",
        service: "network-firewall",
        date: RecordDate::Member("event_timestamp", DateFormat::EpochSeconds),
        backfill: DateLayout::AwsLogs(&[PathPart::Named, PathPart::Region, PathPart::Named]),
        skip: None,
    },
    Source {
        kind: ObjectKind::CloudFront,
        name: "cloudfront",
        keys: &[KeyPattern::FileName(cloudfront_name)],
        head: Some(HeadPattern::StartsWith(b"#Version:")),
        reader: Reader::CommentedLines,
        ddsource: "cloudfront",
        service: "cloudfront",
        date: RecordDate::Line(LineDate::TabDateTime),
        backfill: DateLayout::DistributionNames,
        skip: None,
    },
    Source {
        kind: ObjectKind::S3Access,
        name: "s3-access",
        keys: &[KeyPattern::FileName(s3_access_name)],
        head: None,
        reader: Reader::Lines,
        ddsource: "s3",
        service: "s3",
        date: RecordDate::Line(LineDate::Bracketed),
        backfill: DateLayout::DatedNames,
        skip: None,
    },
    // An object of no known kind when `DD_UNKNOWN_OBJECTS=skip` (its first bytes are still
    // looked at).
    Source {
        kind: ObjectKind::Unknown,
        name: "unknown",
        keys: &[],
        head: None,
        reader: Reader::Lines,
        ddsource: "s3",
        service: "s3",
        date: RecordDate::Unknown,
        backfill: DateLayout::None,
        skip: Some("an object of no known kind (DD_UNKNOWN_OBJECTS=skip)"),
    },
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

/// A row for a kind that only CloudWatch Logs groups hold: matched by no key or first
/// bytes, only by the routes of `format::log_routes`; dated by its events' timestamps.
const fn log_group_row(kind: ObjectKind, name: &'static str, ddsource: &'static str) -> Source {
    Source {
        kind,
        name,
        keys: &[],
        head: None,
        reader: Reader::Events,
        ddsource,
        service: ddsource,
        date: RecordDate::Unknown,
        backfill: DateLayout::None,
        skip: None,
    }
}

/// The row of `kind`.
pub fn source(kind: ObjectKind) -> &'static Source {
    SOURCES.iter().find(|row| row.kind == kind).unwrap_or(&SOURCES[SOURCES.len() - 1])
}

/// The row read (not skipped) whose objects are filed under the `AWSLogs/<account>/<service>/`
/// folder `folder` (`aws-service=<service>` in the Hive style): what `plan` walks.
pub fn aws_logs_service(folder: &str) -> Option<&'static Source> {
    let folder = folder.strip_prefix("aws-service=").unwrap_or(folder);
    SOURCES.iter().filter(|row| row.skip.is_none() && matches!(row.backfill, DateLayout::AwsLogs(_))).find(|row| {
        row.keys
            .iter()
            .any(|key| matches!(key, KeyPattern::Folder(name) | KeyPattern::FileToken(name) if *name == folder))
    })
}

/// The rows `plan --kind` accepts: read, with a date layout.
pub fn backfilled() -> impl Iterator<Item = &'static Source> {
    SOURCES.iter().filter(|row| row.skip.is_none() && row.backfill != DateLayout::None)
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
        let layout = |folder| aws_logs_service(folder).map(|row| row.backfill);
        assert_eq!(layout("CloudTrail"), Some(AWS_LOGS));
        assert_eq!(layout("aws-service=vpcflowlogs"), Some(AWS_LOGS));
        assert_eq!(layout("WAFLogs"), Some(DateLayout::AwsLogs(&[PathPart::Region, PathPart::Named])));
        assert_eq!(
            layout("network-firewall"),
            Some(DateLayout::AwsLogs(&[PathPart::Named, PathPart::Region, PathPart::Named]))
        );
        assert_eq!(layout("Config"), None, "skipped kinds are not walked");
        // Rows matched by no key and no first bytes: the fallbacks (the unknown object, the
        // generic lines) and the log-group kinds, which only CloudWatch Logs routes reach.
        let last = SOURCES.len() - 1;
        let log_group_only =
            |row: &&Source| row.keys.is_empty() && row.head.is_none() && row.kind != ObjectKind::Unknown;
        for row in SOURCES[..last].iter().filter(log_group_only) {
            assert_eq!(row.reader, Reader::Events, "{row:?} is matched by nothing but log routes");
        }
    }
}
