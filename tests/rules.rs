//! Filtering and scrubbing through the whole pipeline against the test intake: severity
//! threshold, archived findings, include/exclude (counted by reason), and scrubbing of string
//! values only — bodies stay valid JSON whatever the rule matches.

mod support;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, ObjectReport};
use security_log_forwarder::stats::DropReason;
use security_log_forwarder::store::ObjectBody;
use security_log_forwarder::store::S3Store;
use support::intake::TestIntake;
use support::s3_name;

const KEY: &str = "rules-key";

fn forwarder(intake: &TestIntake, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    support::forwarder(&intake.url(), KEY, vars)
}

fn event(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn read(forwarder: &Forwarder<HttpIntake, S3Store>, kind: ObjectKind, body: String) -> ObjectReport {
    let reader = ObjectBody::plain(Box::new(std::io::Cursor::new(body.into_bytes())), None);
    let report = forwarder.forward_reader(reader, kind, s3_name("bucket", "key"), Deadline::none()).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    assert!(report.stats.balanced(), "{}", report.stats);
    report
}

#[tokio::test]
async fn severity_threshold_and_archived_findings_on_both_paths() {
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(&intake, &[("GUARDDUTY_MIN_SEVERITY", "7"), ("GUARDDUTY_SKIP_ARCHIVED", "true")]);
    for (file, sent) in
        [("guardduty-finding-low.json", 0), ("guardduty-finding-medium.json", 0), ("guardduty-finding-high.json", 1)]
    {
        let outcome = f.handle(&event(file), Deadline::none()).await;
        assert!(outcome.error.is_none());
        assert_eq!(outcome.stats.entries_sent, sent, "{file}");
        assert_eq!(outcome.stats.dropped_for(DropReason::BelowMinSeverity), 1 - sent, "{file}");
    }
    let lines = [
        r#"{"type":"A:B/C","severity":8,"title":"kept","service":{"archived":false}}"#,
        r#"{"type":"A:B/C","severity":8,"title":"archived","service":{"archived":true}}"#,
        r#"{"type":"A:B/C","severity":3,"title":"low"}"#,
    ]
    .join("\n");
    let report = read(&f, ObjectKind::GuardDutyExport, lines).await;
    assert_eq!(report.stats.entries_sent, 1);
    assert_eq!(report.stats.dropped_for(DropReason::Archived), 1);
    assert_eq!(report.stats.dropped_for(DropReason::BelowMinSeverity), 1);
    let line = report.stats.to_string();
    assert!(line.contains("dropped_below_min_severity=1") && line.contains("dropped_archived=1"), "{line}");
}

#[tokio::test]
async fn include_and_exclude_match_the_message_or_the_record() {
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(
        &intake,
        &[("INCLUDE_AT_MATCH", r#""eventSource":"(iam|sts)\."#), ("EXCLUDE_AT_MATCH", "AssumeRole")],
    );
    let records = [
        r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}"#,
        r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#,
    ];
    let report = read(&f, ObjectKind::CloudTrail, format!(r#"{{"Records":[{}]}}"#, records.join(","))).await;
    assert_eq!(report.stats.entries_sent, 1);
    assert_eq!(report.stats.dropped_for(DropReason::Excluded), 1);
    assert_eq!(report.stats.dropped_for(DropReason::NotIncluded), 1);
    assert_eq!(intake.accepted_entries()[0]["eventName"], "CreateAccessKey");

    // Findings match on their message (the title), plain lines on the line.
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(&intake, &[("EXCLUDE_AT_MATCH", "^Unprotected port")]);
    let outcome = f.handle(&event("guardduty-finding-low.json"), Deadline::none()).await;
    assert_eq!(outcome.stats.dropped_for(DropReason::Excluded), 1);
    let outcome = f.handle(&event("guardduty-finding-high.json"), Deadline::none()).await;
    assert_eq!(outcome.stats.entries_sent, 1);
}

#[tokio::test]
async fn scrubbing_rewrites_values_only_and_keeps_json_valid() {
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(
        &intake,
        &[
            ("REDACT_IP", "true"),
            ("REDACT_EMAIL", "true"),
            ("DD_SCRUBBING_RULE", r#"AKIA[0-9A-Z]{16}|[{}":,\\]"#),
            ("DD_SCRUBBING_RULE_REPLACEMENT", "#"),
        ],
    );
    let record = r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","sourceIPAddress":"203.0.113.9","eventTime":"2026-11-24T12:00:00Z",
        "userIdentity":{"userName":"zoë","accessKeyId":"AKIAABCDEFGHIJKLMNOP"},
        "requestParameters":{"tags":[{"key":"owner","value":"Zoë Müller <zoe.muller@example.fr>"}],"cidr":"2001:db8:85a3::8a2e:370:7334","policy":"{\"Version\":\"2012-10-17\"}"},
        "203.0.113.10":"key that looks like an address"}"#;
    let report = read(&f, ObjectKind::CloudTrail, format!(r#"{{"Records":[{record}]}}"#)).await;
    assert_eq!(report.stats.entries_sent, 1);
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["sourceIPAddress"], "xxx.xxx.xxx.xxx");
    assert_eq!(e["userIdentity"]["accessKeyId"], "#");
    assert_eq!(e["userIdentity"]["userName"], "zoë");
    assert_eq!(e["requestParameters"]["tags"][0]["value"], "Zoë Müller <xxxxx@xxxxx.com>");
    assert_eq!(e["requestParameters"]["cidr"], "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx");
    assert_eq!(e["requestParameters"]["policy"], "##Version###2012-10-17##");
    assert_eq!(e["203.0.113.10"], "key that looks like an address");
    assert_eq!(e["eventTime"], "2026-11-24T12:00:00Z");
    assert_eq!(e["eventName"], "CreateUser");
}

#[tokio::test]
async fn the_users_groups_with_both_built_ins_on_and_our_attributes_untouched() {
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(
        &intake,
        &[
            ("REDACT_IP", "true"),
            ("REDACT_EMAIL", "true"),
            ("DD_SCRUBBING_RULE", r"(AKIA)[0-9A-Z]{12}([0-9A-Z]{4})|i-[0-9a-f]{17}|trail-10"),
            ("DD_SCRUBBING_RULE_REPLACEMENT", "$1…$2"),
            ("DD_TAGS", "owner:sec@example.com,team:trail-10"),
            // The Forwarder-compatible provenance, so the S3 bucket and key are in every log.
            ("DD_PROVENANCE", "s3"),
        ],
    );
    let record = r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","sourceIPAddress":"203.0.113.9",
        "userIdentity":{"arn":"arn:aws:sts::123456789012:assumed-role/web/i-0123456789abcdef0","accessKeyId":"AKIAABCDEFGHIJKLMNOP"},
        "responseElements":{"note":"for ops@example.com from trail-10"}}"#;
    let reader =
        ObjectBody::plain(Box::new(std::io::Cursor::new(format!(r#"{{"Records":[{record}]}}"#).into_bytes())), None);
    let (bucket, key) = ("trail-10", "AWSLogs/203.0.113.7/CloudTrail/ops@example.com.json");
    let report = f.forward_reader(reader, ObjectKind::CloudTrail, s3_name(bucket, key), Deadline::none()).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let e = &intake.accepted_entries()[0];
    // The user's $1 and $2 are the user's groups, with both built-in rules on.
    assert_eq!(e["userIdentity"]["accessKeyId"], "AKIA…MNOP");
    assert_eq!(e["sourceIPAddress"], "xxx.xxx.xxx.xxx");
    assert_eq!(e["responseElements"]["note"], "for xxxxx@xxxxx.com from …");
    assert_eq!(e["userIdentity"]["arn"], "arn:aws:sts::123456789012:assumed-role/web/…");
    // Our own attributes: the S3 bucket and key, the tags and the host, as they are.
    assert_eq!(e["aws"]["s3"]["bucket"], bucket);
    assert_eq!(e["aws"]["s3"]["key"], key);
    assert_eq!(e["ddtags"], "owner:sec@example.com,team:trail-10");
    assert_eq!(e["host"], "i-0123456789abcdef0");
    assert_eq!(e["ddsource"], "cloudtrail");
}
