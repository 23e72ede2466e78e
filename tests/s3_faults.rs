//! S3 faults through a fault-injecting proxy in front of the S3 emulator: each error class
//! (access denied, expired credentials, KMS denied, KMS and S3 throttling) from S3's error
//! code and status, throttling retried with backoff, the Batch Operations result codes they
//! give, a connection dropped mid-object — each a clear error naming the object, with the
//! records read before the drop accounted for. Plus random intake 5xx at 20 %.

mod support;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, Outcome};
use security_log_forwarder::store::S3Store;
use support::intake::{Duplicates, Step, TestIntake};
use support::moto;
use support::s3_proxy::S3Proxy;

const KEY: &str = "s3-faults-key";

fn forwarder(intake: &TestIntake, store: S3Store, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    support::forwarder_with_store(&intake.url(), KEY, vars, store)
}

fn s3_event(bucket: &str, key: &str) -> Vec<u8> {
    serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]})
    .to_string()
    .into_bytes()
}

async fn through_proxy(key: &str) -> (Outcome, TestIntake, S3Proxy) {
    let proxy = S3Proxy::start(moto::endpoint()).await;
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(&intake, S3Store::with_endpoint(proxy.url()), &[]);
    let outcome = f.handle(&s3_event("slf-faults", key), Deadline::none()).await;
    assert!(outcome.stats.balanced(), "{}", outcome.stats);
    (outcome, intake, proxy)
}

/// Fault key → the error type, whether a retry can fix it, the start of its message.
const CLASSES: [(&str, &str, bool, &str); 5] = [
    ("AWSLogs/fault-denied/a.log", "ObjectAccessDenied", false, "AccessDenied: the function's role needs s3:GetObject"),
    ("AWSLogs/fault-expired/a.log", "CredentialsExpired", true, "ExpiredToken: the function's temporary credentials"),
    ("AWSLogs/1/GuardDuty/fault-kms-disabled/e.jsonl.gz", "KmsAccessDenied", false, "KMS refused to decrypt"),
    ("AWSLogs/fault-kms-throttled-always/a.log", "KmsUnavailable", true, "KMS throttled"),
    ("AWSLogs/fault-slowdown-always/a.log", "S3Throttled", true, "S3 throttled the request (SlowDown)"),
];

#[tokio::test]
async fn s3_errors_are_classed_by_code_and_status() {
    let s3 = moto::s3().await;
    for (key, class, retryable, words) in CLASSES {
        moto::put(&s3, "slf-faults", key, b"x\n".to_vec()).await;
        let (outcome, _, proxy) = through_proxy(key).await;
        let err = outcome.error.unwrap_or_else(|| panic!("{key}: no error"));
        assert_eq!(err.error_type().as_str(), class, "{key}: {}", err.describe());
        assert_eq!(err.is_retryable(), retryable, "{key}");
        assert!(err.describe().contains(&format!("s3://slf-faults/{key}: {words}")), "{}", err.describe());
        // Only throttling is retried by the SDK (its standard 3 attempts, with backoff).
        let attempts = if retryable && class != "CredentialsExpired" { 3 } else { 1 };
        assert_eq!(proxy.requests(key), attempts, "{key}");
    }
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_until_it_clears() {
    let s3 = moto::s3().await;
    for key in ["AWSLogs/fault-kms-throttled-2/a.log", "AWSLogs/fault-slowdown-2/a.log"] {
        moto::put(&s3, "slf-faults", key, b"one\ntwo\n".to_vec()).await;
        let (outcome, intake, proxy) = through_proxy(key).await;
        assert!(outcome.error.is_none(), "{key}: {:?}", outcome.error.map(|e| e.describe()));
        assert_eq!(outcome.stats.entries_sent, 2, "{key}");
        assert_eq!(intake.accepted_entries().len(), 2, "{key}");
        assert_eq!(proxy.requests(key), 3, "{key}: two throttled answers, then the object");
    }
}

#[tokio::test]
async fn batch_operations_result_codes_follow_the_same_classes() {
    let s3 = moto::s3().await;
    for (key, ..) in CLASSES {
        moto::put(&s3, "slf-faults", key, b"x\n".to_vec()).await;
    }
    let tasks: Vec<serde_json::Value> = CLASSES
        .iter()
        .enumerate()
        .map(|(i, (key, ..))| {
            serde_json::json!({"taskId": format!("t{i}"), "s3Key": key, "s3VersionId": null, "s3Bucket": "slf-faults"})
        })
        .collect();
    let event = serde_json::json!({"invocationSchemaVersion": "2.0", "invocationId": "inv",
        "job": {"id": "job", "userArguments": {}}, "tasks": tasks});
    let proxy = S3Proxy::start(moto::endpoint()).await;
    let intake = TestIntake::start(KEY).await;
    let f = forwarder(&intake, S3Store::with_endpoint(proxy.url()), &[]);
    let outcome = f.handle(event.to_string().as_bytes(), Deadline::none()).await;
    let results = outcome.response["results"].as_array().unwrap();
    assert_eq!(results.len(), CLASSES.len());
    for ((key, class, retryable, _), result) in CLASSES.iter().zip(results) {
        let code = if *retryable { "TemporaryFailure" } else { "PermanentFailure" };
        assert_eq!(result["resultCode"], code, "{key}: {result}");
        assert!(result["resultString"].as_str().unwrap().starts_with(&format!("{class}: ")), "{result}");
    }
}

fn trail_key(name: &str) -> String {
    format!("AWSLogs/1/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_{name}.json")
}

#[tokio::test]
async fn a_read_broken_mid_object_resumes_where_it_stopped() {
    let s3 = moto::s3().await;
    let records = 5000;
    let gzipped = moto::gzip(&moto::cloudtrail_body(records));
    let plain = moto::cloudtrail_body(records);
    // A record boundary in the plain object: just after the 1,234th record's closing brace.
    let boundary = plain.windows(3).enumerate().filter(|(_, w)| w == b"},{").nth(1233).unwrap().0 + 1;
    let cases = [
        (format!("{}.gz", trail_key("fault-cut-1000-inside-member")), gzipped.clone()),
        (format!("{}.gz", trail_key(&format!("fault-cut-{}-middle", gzipped.len() / 2))), gzipped.clone()),
        (format!("{}.gz", trail_key("fault-cut-end-trailer")), gzipped.clone()),
        (trail_key(&format!("fault-cut-{boundary}-record-boundary")), plain.clone()),
        (trail_key("fault-cut-end-plain"), plain.clone()),
    ];
    for (key, body) in cases {
        moto::put(&s3, "slf-faults", &key, body).await;
        let (outcome, intake, _) = through_proxy(&key).await;
        assert!(outcome.error.is_none(), "{key}: {:?}", outcome.error.map(|e| e.describe()));
        let (stats, intake) = (&outcome.stats, &intake);
        eprintln!("resumed {key}: {stats}");
        assert_eq!((stats.entries_sent, stats.resumed_reads), (records as u64, 1), "{key}");
        let fault = format!("S3 read cut ({})", key.rsplit('_').next().unwrap_or_default());
        let expected = Duplicates { duplicated: 0, distinct: records };
        assert_eq!(intake.report_duplicates(&fault), expected, "{key}: every record exactly once");
    }
}

#[tokio::test]
async fn a_read_that_keeps_breaking_fails_cleanly_and_one_that_changed_says_so() {
    let s3 = moto::s3().await;
    let key = format!("{}.gz", trail_key("fault-drop000000"));
    moto::put(&s3, "slf-faults", &key, moto::gzip(&moto::cloudtrail_body(5000))).await;
    let (outcome, intake, _) = through_proxy(&key).await;
    let err = outcome.error.unwrap();
    assert_eq!(err.error_type().as_str(), "ObjectUnreadable");
    assert!(err.describe().contains(&key), "{err}");
    assert_eq!(
        (outcome.stats.objects_failed, outcome.stats.resumed_reads),
        (1, 3),
        "three resumptions, then it gives up"
    );
    // Whatever was read before was delivered, once, and counted.
    assert_eq!(outcome.stats.entries_failed, 0);
    assert!(outcome.stats.records_in < 5000);
    assert_eq!(intake.report_duplicates("S3 read that keeps breaking").duplicated, 0);

    let key = format!("{}.gz", trail_key("fault-changed0000"));
    moto::put(&s3, "slf-faults", &key, moto::gzip(&moto::cloudtrail_body(5000))).await;
    let (outcome, _, _) = through_proxy(&key).await;
    let err = outcome.error.unwrap_or_else(|| panic!("no error: {}", outcome.stats));
    assert_eq!(err.error_type().as_str(), "ObjectChanged", "{}", err.describe());
    assert!(err.describe().contains("changed while it was being read"), "{}", err.describe());
}

#[tokio::test]
async fn random_5xx_at_20_percent_loses_nothing() {
    let s3 = moto::s3().await;
    let key = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_Random5xx0000000.json.gz";
    moto::put(&s3, "slf-faults", key, moto::gzip(&moto::cloudtrail_body(30_000))).await;
    let intake = TestIntake::start(KEY).await;
    let mut rng = fastrand::Rng::with_seed(7);
    let steps: Vec<Step> = (0..400)
        .map(|_| {
            if rng.f64() < 0.2 {
                Step::Status([500, 502, 503, 504][rng.usize(0..4)])
            } else {
                Step::Delay(std::time::Duration::ZERO)
            }
        })
        .collect();
    intake.script(steps);
    let f = forwarder(&intake, S3Store::lazy(), &[("DD_MAX_ATTEMPTS", "10")]);
    let outcome = f.handle(&s3_event("slf-faults", key), Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.stats.balanced());
    assert_eq!(outcome.stats.entries_sent, 30_000);
    assert!(outcome.stats.retries > 0);
    let expected = Duplicates { duplicated: 0, distinct: 30_000 };
    assert_eq!(intake.report_duplicates("random intake 5xx at 20 %"), expected);
}
