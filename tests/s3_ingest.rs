//! S3 ingestion against the S3 emulator: every notification shape, key encodings, object
//! kinds, missing objects, SQS partial failures, large objects and replay of a prefix.

mod support;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, Outcome};
use security_log_forwarder::store::S3Store;
use support::intake::TestIntake;
use support::moto;

const KEY: &str = "s3-test-key";
use support::moto::{EXPORT_KEY, TRAIL_KEY, seed_sample_objects};

fn forwarder(intake: &TestIntake) -> Forwarder<HttpIntake, S3Store> {
    support::forwarder(&intake.url(), KEY, &[])
}

async fn handle(intake: &TestIntake, event: &[u8]) -> Outcome {
    handle_with(intake, event, &[]).await
}

async fn handle_with(intake: &TestIntake, event: &[u8], vars: &[(&str, &str)]) -> Outcome {
    let outcome = support::forwarder(&intake.url(), KEY, vars).handle(event, Deadline::none()).await;
    assert!(outcome.stats.balanced(), "unbalanced: {}", outcome.stats);
    assert!(intake.requests().iter().all(|r| r.oversized_entries == 0 && r.stale_timestamps == 0));
    outcome
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn s3_event(bucket: &str, encoded_key: &str) -> Vec<u8> {
    serde_json::json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": encoded_key}}
    }]})
    .to_string()
    .into_bytes()
}

fn eventbridge_event(bucket: &str, key: &str) -> Vec<u8> {
    serde_json::json!({"version": "0", "source": "aws.s3", "detail-type": "Object Created",
        "detail": {"bucket": {"name": bucket}, "object": {"key": key}}})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn every_notification_shape_in_events() {
    seed_sample_objects().await;
    for (file, entries, skipped, ignored) in [
        ("s3-put-cloudtrail.json", 3, 1, 0),
        ("s3-put-guardduty-export.json", 5, 0, 0),
        ("sns-s3-cloudtrail.json", 3, 0, 0),
        ("sqs-s3-guardduty-export.json", 8, 0, 0),
        ("sqs-sns-s3-cloudtrail.json", 3, 0, 0),
        ("eventbridge-s3-object-created.json", 5, 0, 0),
        ("sqs-s3-test-event.json", 0, 0, 1),
        ("s3-put-waf.json", 2, 0, 0),
        ("s3-put-elb.json", 2, 0, 0),
        ("s3-put-route53.json", 2, 0, 0),
        ("s3-put-network-firewall.json", 1, 0, 0),
        ("s3-put-cloudfront.json", 2, 0, 0),
        ("s3-put-s3-access.json", 2, 0, 0),
        ("s3-put-config.json", 0, 1, 0),
    ] {
        let intake = TestIntake::start(KEY).await;
        let outcome = handle(&intake, &sample(file)).await;
        assert!(outcome.error.is_none(), "{file}: {:?}", outcome.error);
        assert_eq!(outcome.stats.entries_sent, entries, "{file}");
        assert_eq!(outcome.stats.objects_skipped, skipped, "{file}");
        assert_eq!(outcome.stats.notifications_ignored, ignored, "{file}");
        assert_eq!(intake.accepted_entries().len() as u64, entries, "{file}");
        if outcome.partial_batch {
            assert_eq!(outcome.response["batchItemFailures"], serde_json::json!([]), "{file}");
        }
    }
}

#[tokio::test]
async fn cloudtrail_and_export_entries() {
    seed_sample_objects().await;
    let intake = TestIntake::start(KEY).await;
    handle(&intake, &s3_event("slf-cloudtrail", TRAIL_KEY)).await;
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["ddsource"], "cloudtrail");
    assert_eq!(e["eventName"], "GetObject");
    assert!(e.get("evt").is_none() && e.get("timestamp").is_none(), "Datadog derives them: {e}");
    assert_eq!(e["userIdentity"]["userName"], "alice");
    assert!(e.get("aws").is_none() && e.get("s3ref").is_none(), "no provenance by default: {e}");
    let intake = TestIntake::start(KEY).await;
    handle_with(&intake, &s3_event("slf-cloudtrail", TRAIL_KEY), &[("DD_PROVENANCE", "s3")]).await;
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["aws"]["s3"]["bucket"], "slf-cloudtrail");
    assert_eq!(e["aws"]["s3"]["key"], TRAIL_KEY);

    let intake = TestIntake::start(KEY).await;
    handle(&intake, &s3_event("slf-guardduty-export", EXPORT_KEY)).await;
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["ddsource"], "guardduty");
    assert_eq!(e["evt"]["name"], "UnauthorizedAccess:EC2/SSHBruteForce");
    assert_eq!(e["detail"]["id"], "f0");
    assert_eq!(e["status"], "info");
    assert_eq!(e["host"], "i-0000000000000000");
    let intake = TestIntake::start(KEY).await;
    handle_with(&intake, &s3_event("slf-guardduty-export", EXPORT_KEY), &[("DD_PROVENANCE", "ref")]).await;
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["s3ref"].as_str().map(str::len), Some(12), "{e}");
}

/// Form-encodes a key the way S3 notifications do.
fn form_encode(key: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'*')
        .remove(b'/')
        .remove(b' ');
    percent_encoding::utf8_percent_encode(key, KEEP).to_string().replace(' ', "+")
}

#[tokio::test]
async fn keys_with_special_characters() {
    let s3 = moto::s3().await;
    let keys = ["logs/with space.log", "logs/plus+sign.log", "logs/100%.log", "logs/k=v/a.log", "logs/café 日本.log"];
    for key in keys {
        moto::put(&s3, "slf-keys", key, format!("line of {key}\n").into_bytes()).await;
    }
    for key in keys {
        let intake = TestIntake::start(KEY).await;
        let outcome = handle_with(&intake, &s3_event("slf-keys", &form_encode(key)), &[("DD_PROVENANCE", "s3")]).await;
        assert!(outcome.error.is_none(), "{key}: {:?}", outcome.error);
        assert_eq!(intake.accepted_entries()[0]["message"], format!("line of {key}"), "{key}");
        assert_eq!(intake.accepted_entries()[0]["aws"]["s3"]["key"], key);

        // EventBridge: the key as given first, the decoded form only after NoSuchKey.
        for given in [key.to_string(), form_encode(key)] {
            let intake = TestIntake::start(KEY).await;
            let outcome = handle(&intake, &eventbridge_event("slf-keys", &given)).await;
            assert!(outcome.error.is_none(), "{given}: {:?}", outcome.error);
            assert_eq!(outcome.stats.entries_sent, 1, "{given}");
        }
    }
}

#[tokio::test]
async fn object_kinds_and_bad_lines() {
    let s3 = moto::s3().await;
    let multi = [moto::gzip(b"{\"Records\":[{\"eventName\":\"A\"},"), moto::gzip(b"{\"eventName\":\"B\"}]}")].concat();
    let trail = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1300Z_Multi0000Member0.json.gz";
    moto::put(&s3, "slf-kinds", trail, multi).await;
    moto::put(&s3, "slf-kinds", "app/empty.log", Vec::new()).await;
    moto::put(&s3, "slf-kinds", "app/plain.log", b"first line\nsecond line\n".to_vec()).await;
    let export = "AWSLogs/1/GuardDuty/us-east-1/2026/11/24/bad-line.jsonl.gz";
    moto::put(
        &s3,
        "slf-kinds",
        export,
        moto::gzip(b"{\"type\":\"Recon:EC2/Portscan\",\"severity\":5}\nnot json at all\n"),
    )
    .await;

    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-kinds", trail)).await;
    assert_eq!(outcome.stats.entries_sent, 2);
    let names: Vec<_> = intake.accepted_entries().iter().map(|e| e["eventName"].clone()).collect();
    assert_eq!(names, ["A", "B"]);

    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-kinds", "app/empty.log")).await;
    assert!(outcome.error.is_none());
    assert_eq!((outcome.stats.records_in, outcome.stats.objects), (0, 1));

    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-kinds", "app/plain.log")).await;
    assert_eq!(outcome.stats.entries_sent, 2);
    assert_eq!(intake.accepted_entries()[1]["ddsource"], "s3");

    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-kinds", export)).await;
    assert!(outcome.error.is_none());
    assert_eq!((outcome.stats.entries_sent, outcome.stats.invalid_json), (2, 1));
    assert_eq!(intake.accepted_entries()[1]["message"], "not json at all");
    assert_eq!(intake.accepted_entries()[1]["ddsource"], "guardduty");
}

#[tokio::test]
async fn missing_objects_and_truncated_gzip_fail_with_context() {
    let s3 = moto::s3().await;
    moto::bucket(&s3, "slf-missing").await;
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-missing", "no/such+key.log")).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "ObjectNotFound");
    assert!(err.describe().contains("s3://slf-missing/no/such key.log"), "{err}");

    // A bucket that does not exist is its own error, not a missing key.
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-no-such-bucket", "a.log")).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "BucketNotFound");
    assert!(err.describe().contains("s3://slf-no-such-bucket/a.log: NoSuchBucket"), "{}", err.describe());

    // A truncated object is damaged: what was before the cut is delivered, the object counted.
    let whole = moto::gzip(&moto::cloudtrail_body(500));
    let trail = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1300Z_Truncated0000000.json.gz";
    moto::put(&s3, "slf-missing", trail, whole[..whole.len() / 2].to_vec()).await;
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-missing", trail)).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!((outcome.stats.objects_damaged, outcome.stats.objects_failed), (1, 0));
}

#[tokio::test]
async fn sqs_batches_report_only_the_failed_messages() {
    seed_sample_objects().await;
    let good = String::from_utf8(s3_event("slf-cloudtrail", TRAIL_KEY)).unwrap();
    let bad = String::from_utf8(s3_event("slf-cloudtrail", "AWSLogs/missing.json")).unwrap();
    let event = serde_json::json!({"Records": [
        {"messageId": "good-1", "eventSource": "aws:sqs", "body": good},
        {"messageId": "bad-2", "eventSource": "aws:sqs", "body": bad},
        {"messageId": "junk-3", "eventSource": "aws:sqs", "body": "{not json"},
    ]});
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, event.to_string().as_bytes()).await;
    assert!(outcome.partial_batch);
    assert_eq!(outcome.stats.entries_sent, 3);
    assert_eq!(
        outcome.response["batchItemFailures"],
        serde_json::json!([{"itemIdentifier": "bad-2"}, {"itemIdentifier": "junk-3"}])
    );
    assert!(outcome.error.is_some());
}

#[tokio::test]
async fn a_200_mb_object_streams_through() {
    let s3 = moto::s3().await;
    let record = r#"{"eventVersion":"1.08","eventName":"PutObject","eventSource":"s3.amazonaws.com","awsRegion":"us-east-1","requestParameters":{"bucketName":"data","key":"PADDING"}}"#
        .replace("PADDING", &"p".repeat(1800));
    let per_chunk = 10_000;
    let chunk = vec![record.as_str(); per_chunk].join(",");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    use std::io::Write;
    encoder.write_all(b"{\"Records\":[").unwrap();
    let chunks = 200_000_000 / chunk.len() + 1;
    for i in 0..chunks {
        if i > 0 {
            encoder.write_all(b",").unwrap();
        }
        encoder.write_all(chunk.as_bytes()).unwrap();
    }
    encoder.write_all(b"]}").unwrap();
    let key = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1400Z_Large00000000000.json.gz";
    moto::put(&s3, "slf-large", key, encoder.finish().unwrap()).await;
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &s3_event("slf-large", key)).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.entries_sent, (chunks * per_chunk) as u64);
    assert!(outcome.stats.bytes_raw > 200_000_000);
    assert!(intake.requests().iter().all(|r| r.status == 202));
}

#[tokio::test]
async fn replay_reads_a_whole_prefix() {
    let s3 = moto::s3().await;
    for i in 0..3 {
        let key = format!(
            "AWSLogs/9/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T150{i}Z_Replay0000000000.json.gz"
        );
        moto::put(&s3, "slf-replay", &key, moto::gzip(&moto::cloudtrail_body(4))).await;
    }
    moto::put(&s3, "slf-replay", "AWSLogs/9/CloudTrail-Digest/us-east-1/2026/11/24/d.json.gz", moto::gzip(b"{}")).await;
    let intake = TestIntake::start(KEY).await;
    let outcome = security_log_forwarder::replay::replay(
        &forwarder(&intake),
        &["s3://slf-replay/AWSLogs/9/".to_string()],
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!((outcome.stats.objects, outcome.stats.objects_skipped, outcome.stats.entries_sent), (3, 1, 12));
}
