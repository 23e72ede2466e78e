//! The forwarder against a real HTTP test intake that enforces the Datadog limits and
//! fails on command: retries, splits, rejections, timeouts, deadlines. Every test checks
//! that records in = sent + failed + dropped.

mod support;

use std::time::{Duration, Instant};

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, ObjectName, Outcome};
use security_log_forwarder::stats::DropReason;
use security_log_forwarder::store::ObjectBody;
use security_log_forwarder::store::S3Store;
use support::intake::{Duplicates, Step, TestIntake};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn finding_event(severity: f64, updated_at: &str, title: &str) -> Vec<u8> {
    serde_json::json!({
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": updated_at, "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1", "partition": "aws",
            "id": "16afba5c5c43e07c9e3e5e2e544e95df", "type": "Recon:EC2/PortProbeUnprotectedPort",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-99999999"}},
            "severity": severity, "createdAt": updated_at, "updatedAt": updated_at, "title": title,
            "description": "EC2 instance has an unprotected port which is being probed by a known malicious host."
        }
    })
    .to_string()
    .into_bytes()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn forwarder(intake: &TestIntake, extra: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    forwarder_at(&intake.url(), extra)
}

fn forwarder_at(url: &str, extra: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    let mut vars = vec![("DD_TAGS", "env:test")];
    vars.extend_from_slice(extra);
    support::forwarder(url, KEY, &vars)
}

async fn send_finding(intake: &TestIntake, extra: &[(&str, &str)]) -> Outcome {
    let event = finding_event(8.0, &now_rfc3339(), "Unprotected port on EC2 instance i-99999999 is being probed");
    forwarder(intake, extra).handle(&event, Deadline::none()).await
}

/// A CloudTrail file with `n` records, as bytes.
fn cloudtrail_file(n: usize) -> Vec<u8> {
    let records: Vec<String> = (0..n)
        .map(|i| {
            format!(r#"{{"eventName":"GetObject","eventTime":"{}","n":{i},"awsRegion":"us-east-1"}}"#, now_rfc3339())
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(",")).into_bytes()
}

async fn send_cloudtrail(intake: &TestIntake, records: usize, extra: &[(&str, &str)]) -> Outcome {
    let forwarder = forwarder(intake, extra);
    let report = forwarder
        .forward_reader(
            ObjectBody::plain(Box::new(std::io::Cursor::new(cloudtrail_file(records))), None),
            ObjectKind::CloudTrail,
            ObjectName::S3 { bucket: "b".into(), key: "k".into() },
            Deadline::none(),
        )
        .await;
    Outcome { stats: report.stats, response: serde_json::Value::Null, error: report.error, partial_batch: false }
}

fn assert_balanced(outcome: &Outcome) {
    assert!(outcome.stats.balanced(), "unbalanced: {}", outcome.stats);
}

/// Every one of `distinct` records arrived, none twice (the figure is printed for the README).
fn assert_exactly_once(intake: &TestIntake, fault: &str, distinct: usize) {
    assert_eq!(intake.report_duplicates(fault), Duplicates { duplicated: 0, distinct }, "{fault}");
}

#[tokio::test]
async fn finding_is_delivered_with_headers_and_fields() {
    let intake = TestIntake::start(KEY).await;
    let outcome = send_finding(&intake, &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_balanced(&outcome);
    assert_eq!(outcome.stats.entries_sent, 1);
    let requests = intake.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.api_key.as_deref(), Some(KEY));
    assert_eq!(r.content_encoding.as_deref(), Some("zstd"), "zstd by default");
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(r.origin.as_deref(), Some("security-log-forwarder"));
    assert!(r.query.as_deref().unwrap_or("").is_empty());
    assert_eq!((r.oversized_entries, r.stale_timestamps), (0, 0));
    let entries = intake.accepted_entries();
    let e = &entries[0];
    assert_eq!(e["ddsource"], "guardduty");
    assert_eq!(e["service"], "guardduty");
    assert_eq!(e["evt"]["name"], "Recon:EC2/PortProbeUnprotectedPort");
    assert_eq!(e["status"], "error");
    assert_eq!(e["host"], "i-99999999");
    assert_eq!(e["detail"]["id"], "16afba5c5c43e07c9e3e5e2e544e95df");
    // Only DD_TAGS: the account and Region are the envelope's members, the severity `status`.
    assert_eq!(e["ddtags"], "env:test");
    assert_eq!((e["account"].as_str(), e["region"].as_str()), (Some("111122223333"), Some("us-east-1")));
}

#[tokio::test]
async fn every_codec_is_accepted() {
    for codec in ["gzip", "zstd", "none"] {
        let intake = TestIntake::start(KEY).await;
        let outcome = send_cloudtrail(&intake, 50, &[("DD_COMPRESSION", codec)]).await;
        assert!(outcome.error.is_none(), "{codec}: {:?}", outcome.error);
        assert_eq!(outcome.stats.entries_sent, 50);
        let expected = (codec != "none").then_some(codec);
        assert_eq!(intake.requests()[0].content_encoding.as_deref(), expected);
        assert_eq!(intake.accepted_entries().len(), 50);
    }
}

#[tokio::test]
async fn a_503_burst_is_retried_until_accepted() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Status(503), Step::Status(502), Step::Status(500)]);
    let outcome = send_finding(&intake, &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.retries, 3);
    assert_eq!(outcome.stats.entries_sent, 1);
    assert_eq!(intake.requests().len(), 4);
    assert_balanced(&outcome);
    assert_exactly_once(&intake, "5xx burst", 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::RetryAfter(429, 1)]);
    let started = Instant::now();
    let outcome = send_finding(&intake, &[]).await;
    assert!(outcome.error.is_none());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(outcome.stats.retries, 1);
    assert_exactly_once(&intake, "429 with Retry-After", 1);
}

#[tokio::test]
async fn a_413_splits_the_body_in_halves() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Status(413)]);
    let outcome = send_cloudtrail(&intake, 10, &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.entries_sent, 10);
    let sizes: Vec<usize> = intake.requests().iter().map(|r| r.entries).collect();
    assert_eq!(sizes, [10, 5, 5]);
    assert_exactly_once(&intake, "413 split", 10);
    assert_balanced(&outcome);
}

#[tokio::test]
async fn a_single_entry_refused_as_too_large_fails_the_run() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Status(413)]);
    let outcome = send_finding(&intake, &[]).await;
    assert_eq!(outcome.error.as_ref().unwrap().error_type().as_str(), "IntakeRejected");
    assert_eq!(outcome.stats.entries_failed, 1);
    assert_balanced(&outcome);
}

/// A CloudTrail object of `n` records whose record `poison` carries a text the intake refuses.
fn poisoned_cloudtrail(n: usize, poison: usize) -> Vec<u8> {
    let now = now_rfc3339();
    let records: Vec<String> = (0..n)
        .map(|i| {
            let tag = if i == poison { "POISON-RECORD" } else { "fine" };
            format!(r#"{{"eventName":"GetObject","eventTime":"{now}","n":{i},"eventID":"id-{i}","note":"{tag}"}}"#)
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(",")).into_bytes()
}

async fn send_object(intake: &TestIntake, object: Vec<u8>, extra: &[(&str, &str)]) -> Outcome {
    let report = forwarder(intake, extra)
        .forward_reader(
            ObjectBody::plain(Box::new(std::io::Cursor::new(object)), None),
            ObjectKind::CloudTrail,
            ObjectName::S3 { bucket: "trail".into(), key: "poisoned.json.gz".into() },
            Deadline::none(),
        )
        .await;
    Outcome { stats: report.stats, response: serde_json::Value::Null, error: report.error, partial_batch: false }
}

#[tokio::test]
async fn one_refused_record_is_isolated_and_the_rest_delivered() {
    let intake = TestIntake::start(KEY).await;
    intake.refuse_bodies_containing("POISON-RECORD");
    let outcome = send_object(&intake, poisoned_cloudtrail(2293, 1500), &[]).await;
    assert!(outcome.error.is_none(), "a permanent refusal of one record must not fail the object: {:?}", outcome.error);
    assert_balanced(&outcome);
    let stats = &outcome.stats;
    eprintln!("refused record isolated: {stats}");
    assert_eq!((stats.entries_sent, stats.dropped_for(DropReason::RejectedByIntake)), (2292, 1));
    assert_exactly_once(&intake, "400 for one record", 2292);
    // The body of 1000 entries holding it cost at most 2·log2(1000) extra requests.
    assert!(stats.isolating_requests <= 2 * 10, "{}", stats.isolating_requests);
    assert_eq!(intake.requests().len() as u64, stats.batches + stats.isolating_requests);
    let refused = intake.requests().iter().filter(|r| r.status == 400).count();
    assert_eq!(refused as u64, 1 + stats.isolating_requests / 2, "one refused request per level");
}

#[tokio::test]
async fn refused_records_can_fail_the_run_instead() {
    let intake = TestIntake::start(KEY).await;
    intake.refuse_bodies_containing("POISON-RECORD");
    let outcome = send_object(&intake, poisoned_cloudtrail(40, 7), &[("DD_FAIL_ON_REJECTED", "true")]).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "IntakeRejected");
    assert!(err.describe().contains("HTTP 400"), "{}", err.describe());
    assert_eq!((outcome.stats.entries_sent, outcome.stats.entries_failed), (39, 1));
    assert_balanced(&outcome);
    assert_exactly_once(&intake, "400 for one record, failing the run", 39);
}

#[tokio::test]
async fn a_body_refused_whatever_it_holds_fails_after_a_bounded_search() {
    let intake = TestIntake::start(KEY).await;
    // Every body is refused: not a poison record but a broken intake or proxy.
    intake.refuse_bodies_containing("GetObject");
    let outcome = send_cloudtrail(&intake, 1000, &[]).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "IntakeRejected");
    assert!(err.describe().contains("HTTP 400"), "{}", err.describe());
    assert_balanced(&outcome);
    assert_eq!(outcome.stats.dropped_for(DropReason::RejectedByIntake), 4, "at most 4 entries of a body are dropped");
    assert!(outcome.stats.entries_failed >= 990);
    assert!(outcome.stats.isolating_requests <= 4 * 2 * 10, "{}", outcome.stats.isolating_requests);
    assert_eq!(intake.report_duplicates("400 for every body").duplicated, 0);
}

#[tokio::test]
async fn a_rejected_key_is_a_clear_error_and_never_leaks() {
    let intake = TestIntake::start("another-key").await;
    let outcome = send_finding(&intake, &[]).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "ApiKeyRejected");
    assert!(err.describe().contains("HTTP 403"));
    assert!(!err.describe().contains(KEY));
    assert!(!outcome.stats.to_string().contains(KEY));
    assert_eq!(intake.requests().len(), 1, "a fixed key is not retried");
    assert_eq!(outcome.stats.entries_failed, 1);
    assert_balanced(&outcome);
}

#[tokio::test]
async fn connection_reset_and_slow_responses_are_retried() {
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::Reset, Step::Delay(Duration::from_secs(3))]);
    let outcome = send_finding(&intake, &[("DD_REQUEST_TIMEOUT", "1")]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.retries, 2);
    assert_eq!(outcome.stats.entries_sent, 1);
    assert_exactly_once(&intake, "connection reset, response timeout", 1);
}

#[tokio::test]
async fn a_lost_acceptance_is_the_one_duplicate() {
    // The intake takes the body but the connection dies before its 202 arrives: the forwarder
    // cannot tell this from a body never received, so it sends again. At-least-once, by design.
    let intake = TestIntake::start(KEY).await;
    intake.script([Step::AcceptThenReset]);
    let outcome = send_cloudtrail(&intake, 20, &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!((outcome.stats.entries_sent, outcome.stats.retries), (20, 1));
    assert_eq!(intake.report_duplicates("2xx lost on the way back"), Duplicates { duplicated: 20, distinct: 20 });
}

#[tokio::test]
async fn a_dead_intake_ends_the_run_in_bounded_time() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let event = finding_event(5.0, &now_rfc3339(), "t");
    let outcome = forwarder_at(&url, &[("DD_MAX_ATTEMPTS", "3")]).handle(&event, Deadline::none()).await;
    let err = outcome.error.as_ref().unwrap();
    assert_eq!(err.error_type().as_str(), "IntakeUnavailable");
    assert!(err.describe().contains("after 3 attempts"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(outcome.stats.entries_sent, 0);
    assert_eq!(outcome.stats.entries_failed, 1);
}

#[tokio::test]
async fn retries_stop_before_the_deadline() {
    let intake = TestIntake::start(KEY).await;
    intake.script(std::iter::repeat_n(Step::Status(503), 100));
    let started = Instant::now();
    let event = finding_event(5.0, &now_rfc3339(), "t");
    let deadline = Deadline::at(Instant::now() + Duration::from_millis(2500));
    let outcome = forwarder(&intake, &[("DD_MAX_ATTEMPTS", "100")]).handle(&event, deadline).await;
    assert_eq!(outcome.error.as_ref().unwrap().error_type().as_str(), "DeadlineExceeded");
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(outcome.stats.entries_failed, 1);
}

#[tokio::test]
async fn stale_dates_are_clamped_and_big_findings_shrunk() {
    let intake = TestIntake::start(KEY).await;
    let big_title = "x".repeat(2_000_000);
    let event = finding_event(9.5, "2020-01-01T00:00:00.000Z", &big_title);
    let outcome = forwarder(&intake, &[]).handle(&event, Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!((outcome.stats.clamped_dates, outcome.stats.truncated), (1, 1));
    let r = &intake.requests()[0];
    assert_eq!((r.oversized_entries, r.stale_timestamps), (0, 0));
    let e = &intake.accepted_entries()[0];
    assert_eq!(e["timestamp_clamped"], true);
    assert_eq!(e["detail"]["updatedAt"], "2020-01-01T00:00:00.000Z");
    assert_eq!(e["truncated"], true);
    assert_eq!(e["status"], "critical");
}

#[tokio::test]
async fn bodies_stay_within_the_intake_limits() {
    let intake = TestIntake::start(KEY).await;
    let outcome = send_cloudtrail(&intake, 2500, &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let sizes: Vec<usize> = intake.requests().iter().map(|r| r.entries).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 2500);
    assert!(sizes.iter().all(|&n| n <= 1000), "{sizes:?}");
    assert!(intake.requests().iter().all(|r| r.status == 202 && r.raw_len <= 5_000_000));
    assert_eq!(outcome.stats.batches, 3);
}
