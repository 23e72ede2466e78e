//! Events back from the failure queue, against the emulator's SQS and S3: invocation records
//! of every event shape (direct, in SQS, in SNS), `redrive` (deletes only what succeeded,
//! skips deleted objects, leaves foreign messages, `--dry-run` sends nothing), and an outage
//! replayed end to end with continuations: every record arrives once, the queue ends empty.

mod support;

use std::time::{Duration, Instant};

use security_log_forwarder::aws_sdk::SharedSdkConfig;
use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::failure_queue::FailureQueue;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::Forwarder;
use security_log_forwarder::redrive::{RedriveOptions, RedriveSummary, redrive};
use security_log_forwarder::store::S3Store;
use support::intake::{Step, TestIntake};
use support::moto;

const KEY: &str = "redrive-test-key";

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Lambda's on-failure destination record for `event`.
fn record(event: &str) -> String {
    format!(
        r#"{{"version":"1.0","timestamp":"2026-12-03T10:00:00.000Z","requestContext":{{"requestId":"r-1","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:fwd:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3}},"requestPayload":{event},"responseContext":{{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"}},"responsePayload":{{"errorType":"IntakeUnavailable","errorMessage":"entries not delivered"}}}}"#
    )
}

fn sqs_event(bodies: &[String]) -> String {
    let records: Vec<serde_json::Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| serde_json::json!({"messageId": format!("m{i}"), "eventSource": "aws:sqs", "body": body}))
        .collect();
    serde_json::json!({ "Records": records }).to_string()
}

fn sns_event(message: &str) -> String {
    serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": message}}]})
        .to_string()
}

fn forwarder(intake: &TestIntake, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    support::forwarder(&intake.url(), KEY, vars)
}

async fn queue(name: &str) -> FailureQueue {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(moto::endpoint()).load().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let name = format!("{name}-{}", std::process::id());
    let url = sqs.create_queue().queue_name(&name).send().await.unwrap().queue_url.unwrap();
    let _ = sqs.purge_queue().queue_url(&url).send().await;
    FailureQueue::new(SharedSdkConfig::from_env(), url)
}

async fn run_redrive(
    forwarder: &Forwarder<HttpIntake, S3Store>,
    queue: &FailureQueue,
    dry_run: bool,
) -> RedriveSummary {
    redrive_hiding(forwarder, queue, dry_run, Duration::from_secs(30)).await
}

/// A redrive whose messages that fail again stay hidden for `visibility`.
async fn redrive_hiding(
    forwarder: &Forwarder<HttpIntake, S3Store>,
    queue: &FailureQueue,
    dry_run: bool,
    visibility: Duration,
) -> RedriveSummary {
    let options = RedriveOptions { max: None, dry_run, visibility };
    redrive(forwarder, queue, &options, &|_| {}).await.unwrap()
}

async fn waiting(queue: &FailureQueue) -> u64 {
    let depth = queue.depth().await.unwrap();
    depth.visible + depth.in_flight
}

#[tokio::test]
async fn invocation_records_of_every_shape_direct_in_sqs_and_in_sns() {
    moto::seed_sample_objects().await;
    for (file, entries) in [
        ("s3-put-cloudtrail.json", 3),
        ("sns-s3-cloudtrail.json", 3),
        ("eventbridge-s3-object-created.json", 5),
        ("guardduty-finding-high.json", 1),
        ("s3-batch-operations-v2.json", 5),
    ] {
        let event = sample(file);
        let wrapped = record(&event);
        for (how, payload) in [
            ("direct", wrapped.clone()),
            ("sqs", sqs_event(std::slice::from_ref(&wrapped))),
            ("sns", sns_event(&wrapped)),
        ] {
            let intake = TestIntake::start(KEY).await;
            let outcome = forwarder(&intake, &[]).handle(payload.as_bytes(), Deadline::none()).await;
            assert!(outcome.error.is_none(), "{file} {how}: {:?}", outcome.error);
            assert_eq!(outcome.stats.entries_sent, entries, "{file} {how}");
            assert_eq!(outcome.stats.redriven, 1, "{file} {how}");
            let accepted = intake.accepted_entries();
            assert_eq!(accepted.len() as u64, entries, "{file} {how}");
            // The failure's metadata is logged, never sent.
            let text = serde_json::to_string(&accepted).unwrap();
            assert!(!text.contains("RetriesExhausted") && !text.contains("requestContext"), "{file} {how}");
        }
    }
}

#[tokio::test]
async fn the_lambda_loop_re_sends_records_direct_and_from_the_queue() {
    use support::function::Function;
    use support::runtime_api::{Outcome, RuntimeApi};
    moto::seed_sample_objects().await;
    let intake = TestIntake::start(KEY).await;
    let runtime = RuntimeApi::start().await;
    let _function = Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", intake.url())]);
    for (id, file, entries) in
        [("r1", "lambda-destination-guardduty-finding.json", 1), ("r2", "sqs-lambda-destination-s3-cloudtrail.json", 3)]
    {
        runtime.invoke(id, sample(file).as_bytes(), Duration::from_secs(30));
        let Some(Outcome::Response(response)) = runtime.outcome(id, Duration::from_secs(60)).await else {
            panic!("{file}: no response")
        };
        if let Some(failures) = response.get("batchItemFailures") {
            assert_eq!(failures, &serde_json::json!([]), "{file}");
        } else {
            let summary = response["summary"].as_str().unwrap();
            assert!(
                summary.contains(&format!("entries_sent={entries} ")) && summary.contains("redriven=1"),
                "{summary}"
            );
        }
    }
    assert_eq!(intake.accepted_entries().len(), 4);
}

#[tokio::test]
async fn the_sample_records_are_recognised() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/samples/lambda-destination");
    let Ok(files) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let intake = TestIntake::start(KEY).await;
    for file in files {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        // Their payloads are other functions' events: recognised as records, then named as
        // unsupported events (not as unsupported records).
        let outcome = forwarder(&intake, &[]).handle(text.as_bytes(), Deadline::none()).await;
        assert_eq!(outcome.stats.redriven, 1);
        let err = outcome.error.unwrap().describe();
        assert!(err.contains("unsupported event") && !err.contains("requestContext"), "{err}");
    }
}

#[tokio::test]
async fn redrive_deletes_only_what_succeeded() {
    moto::seed_sample_objects().await;
    let queue = queue("slf-redrive-refusing").await;
    let findings = ["guardduty-finding-high.json", "guardduty-finding-critical.json", "guardduty-finding-medium.json"];
    for file in findings {
        queue.put(record(&sample(file))).await.unwrap();
    }
    queue.put(record(&sample("s3-put-guardduty-export.json"))).await.unwrap();
    let intake = TestIntake::start(KEY).await;
    // The intake refuses the first requests; with one attempt each, those payloads fail.
    intake.script([Step::Status(503), Step::Status(503)]);
    let forwarder = forwarder(&intake, &[("DD_MAX_ATTEMPTS", "1")]);
    let first = redrive_hiding(&forwarder, &queue, false, Duration::from_secs(6)).await;
    assert_eq!(first.received, 4);
    assert_eq!(first.still_failing.values().sum::<u64>(), 2, "{first}");
    assert_eq!(first.resent, 2, "{first}");
    // The failed ones are still there, hidden for the visibility timeout.
    assert_eq!(waiting(&queue).await, 2);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let second = run_redrive(&forwarder, &queue, false).await;
    assert_eq!((second.resent, second.still_failing.len()), (2, 0), "{second}");
    assert_eq!(waiting(&queue).await, 0);
    // 3 findings and the 5 of the export, each once.
    assert_eq!(intake.accepted_entries().len(), 8);
    assert_eq!(intake.duplicates().duplicated, 0);
}

#[tokio::test]
async fn deleted_objects_are_skipped_foreign_messages_left_alone_and_dry_runs_send_nothing() {
    let queue = queue("slf-redrive-misc").await;
    let gone = serde_json::json!({"Records": [{"eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "slf-cloudtrail"}, "object": {"key": "AWSLogs/gone.json.gz"}}}]})
    .to_string();
    queue.put(record(&gone)).await.unwrap();
    queue.put(r#"{"hello":"not a failure record"}"#.to_owned()).await.unwrap();
    moto::bucket(&moto::s3().await, "slf-cloudtrail").await;
    let intake = TestIntake::start(KEY).await;
    let forwarder = forwarder(&intake, &[]);

    let listed = run_redrive(&forwarder, &queue, true).await;
    assert_eq!((listed.received, listed.not_records), (2, 1), "{listed}");
    assert!(intake.requests().is_empty(), "a dry run sent something");
    assert_eq!(waiting(&queue).await, 2, "a dry run deleted something");

    let done = run_redrive(&forwarder, &queue, false).await;
    assert_eq!((done.skipped_missing, done.not_records, done.resent), (1, 1, 0), "{done}");
    assert!(done.still_failing.is_empty(), "{done}");
    // The missing object's message is gone; the foreign one stays.
    assert_eq!(waiting(&queue).await, 1);
}

/// Records of the outage's object (3 bodies) and the findings that fail with it.
const OBJECT_RECORDS: usize = 2_900;

#[tokio::test]
async fn an_outage_replayed_end_to_end_delivers_every_record_once() {
    let queue = queue("slf-redrive-outage").await;
    let s3 = moto::s3().await;
    let key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/03/123456789012_CloudTrail_us-east-1_20261203T1000Z_outage.json.gz";
    moto::put(&s3, "slf-outage", key, moto::gzip(&moto::cloudtrail_body(OBJECT_RECORDS))).await;
    let notification = serde_json::json!({"Records": [{"eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "slf-outage"}, "object": {"key": key}}}]})
    .to_string();
    let finding = sample("guardduty-finding-high.json");

    // Intake down after its first body: the object is partly delivered.
    let intake = TestIntake::start(KEY).await;
    intake.script(std::iter::once(Step::Delay(Duration::ZERO)).chain(std::iter::repeat_n(Step::Status(503), 100_000)));
    let forwarder = forwarder(&intake, &[("DD_MAX_CONCURRENCY", "1")]);
    forwarder.set_failure_queue(FailureQueue::new(SharedSdkConfig::from_env(), queue.url()));
    let deadline = || Deadline::at(Instant::now() + Duration::from_secs(3));
    let object = forwarder.handle(notification.as_bytes(), deadline()).await;
    // The rest is on the failure queue as a continuation: the invocation succeeds, so that
    // Lambda does not send the whole object again.
    assert!(object.error.is_none(), "{:?}", object.error);
    assert_eq!(object.stats.continuations_queued, 1, "{}", object.stats);
    assert_eq!(object.stats.entries_sent, 1000);
    // The finding fails as a whole: Lambda puts its invocation record on the queue.
    let failed = forwarder.handle(finding.as_bytes(), deadline()).await;
    assert!(failed.error.is_some());
    queue.put(record(&finding)).await.unwrap();
    assert_eq!(waiting(&queue).await, 2);

    // Intake back: redrive.
    intake.clear_script();
    let summary = run_redrive(&forwarder, &queue, false).await;
    assert_eq!((summary.resent, summary.still_failing.len()), (2, 0), "{summary}");
    assert_eq!(summary.stats.dropped_total(), 1000, "the delivered records are skipped: {}", summary.stats);
    assert_eq!(waiting(&queue).await, 0, "the queue is not empty");
    let duplicates = intake.duplicates();
    eprintln!(
        "outage replayed: {} distinct records in the intake, {} duplicated; summary {summary}",
        duplicates.distinct, duplicates.duplicated
    );
    assert_eq!(duplicates.distinct, OBJECT_RECORDS + 1);
    assert_eq!(duplicates.duplicated, 0);
}

/// A Batch Operations task whose object fails part-way: the task is reported `Succeeded` with
/// the rest on the failure queue (a `TemporaryFailure` would make Batch Operations send the
/// delivered records again), and `redrive` sends only the rest.
#[tokio::test]
async fn a_batch_operations_task_partly_delivered_resumes_from_its_continuation() {
    let queue = queue("slf-redrive-batch").await;
    let s3 = moto::s3().await;
    let key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/03/123456789012_CloudTrail_us-east-1_20261203T1100Z_batch.json.gz";
    moto::put(&s3, "slf-batch-resume", key, moto::gzip(&moto::cloudtrail_body(OBJECT_RECORDS))).await;
    let task = serde_json::json!({"invocationSchemaVersion": "2.0", "invocationId": "inv-resume",
        "job": {"id": "job-resume", "userArguments": {}},
        "tasks": [{"taskId": "t-1", "s3Key": key, "s3VersionId": null, "s3Bucket": "slf-batch-resume"}]})
    .to_string();

    let intake = TestIntake::start(KEY).await;
    intake.script(std::iter::once(Step::Delay(Duration::ZERO)).chain(std::iter::repeat_n(Step::Status(503), 100_000)));
    let forwarder = forwarder(&intake, &[("DD_MAX_CONCURRENCY", "1")]);
    forwarder.set_failure_queue(FailureQueue::new(SharedSdkConfig::from_env(), queue.url()));
    let outcome = forwarder.handle(task.as_bytes(), Deadline::at(Instant::now() + Duration::from_secs(3))).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let result = &outcome.response["results"][0];
    assert_eq!(result["resultCode"], "Succeeded", "{result}");
    let text = result["resultString"].as_str().unwrap();
    assert!(text.starts_with("partly delivered: records 2900, sent 1000;"), "{text}");
    assert_eq!(outcome.stats.continuations_queued, 1, "{}", outcome.stats);
    assert_eq!(waiting(&queue).await, 1);

    intake.clear_script();
    let summary = run_redrive(&forwarder, &queue, false).await;
    assert_eq!((summary.resent, summary.still_failing.len()), (1, 0), "{summary}");
    assert_eq!(summary.stats.dropped_total(), 1000, "the delivered records are skipped: {}", summary.stats);
    assert_eq!(waiting(&queue).await, 0, "the queue is not empty");
    let duplicates = intake.duplicates();
    assert_eq!((duplicates.distinct, duplicates.duplicated), (OBJECT_RECORDS, 0));
}

/// A re-send slower than the visibility timeout: the messages being handled are kept hidden,
/// so a second `redrive` started meanwhile does not take them — each finding is sent once and
/// every message is deleted.
#[tokio::test]
async fn a_re_send_slower_than_the_visibility_timeout_is_not_taken_twice() {
    let queue = queue("slf-redrive-slow").await;
    let finding: serde_json::Value = serde_json::from_str(&sample("guardduty-finding-high.json")).unwrap();
    for i in 0..3 {
        let mut event = finding.clone();
        event["detail"]["id"] = serde_json::json!(format!("slow-{i}"));
        queue.put(record(&event.to_string())).await.unwrap();
    }
    let intake = TestIntake::start(KEY).await;
    // Every request answered after 9 s: three times the messages' visibility.
    intake.script(std::iter::repeat_n(Step::Delay(Duration::from_secs(9)), 3));
    let forwarder = forwarder(&intake, &[]);
    // A second redrive starts while the first is still handling them.
    let visibility = Duration::from_secs(3);
    let first = redrive_hiding(&forwarder, &queue, false, visibility);
    let second = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        redrive_hiding(&forwarder, &queue, false, visibility).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!((first.received, first.resent, first.not_deleted), (3, 3, 0), "{first}");
    assert_eq!(second.received, 0, "the second redrive took messages being handled: {second}");
    assert_eq!(waiting(&queue).await, 0);
    let duplicates = intake.duplicates();
    assert_eq!((duplicates.distinct, duplicates.duplicated), (3, 0));
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) this process has used: `/proc/self/stat` fields 14 and 15, in
/// clock ticks of 1/100 s.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// `redrive` draining 10,000 failure records (findings) against a healthy intake:
/// `scripts/bench-redrive` (SLF_REDRIVE_MESSAGES sets the count).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with scripts/bench-redrive"]
async fn redrive_benchmark() {
    let messages: usize = std::env::var("SLF_REDRIVE_MESSAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let queue = queue("slf-redrive-bench").await;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(moto::endpoint()).load().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let finding: serde_json::Value = serde_json::from_str(&sample("guardduty-finding-high.json")).unwrap();
    let seeding = Instant::now();
    let ids: Vec<usize> = (0..messages).collect();
    for group in ids.chunks(10 * 16) {
        let sends = group.chunks(10).map(|chunk| {
            let entries: Vec<_> = chunk
                .iter()
                .map(|i| {
                    let mut event = finding.clone();
                    event["detail"]["id"] = serde_json::json!(format!("bench-{i}"));
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(record(&event.to_string()))
                        .build()
                        .unwrap()
                })
                .collect();
            sqs.send_message_batch().queue_url(queue.url()).set_entries(Some(entries)).send()
        });
        for sent in futures_util::future::join_all(sends).await {
            sent.unwrap();
        }
    }
    // A batch the emulator stored but answered with an error is sent again by the SDK's retry:
    // what is on the queue is what redrive must drain.
    let queued = waiting(&queue).await;
    eprintln!("seeded {messages} messages ({queued} on the queue) in {:.1} s", seeding.elapsed().as_secs_f64());
    let intake = TestIntake::start(KEY).await;
    // The intake keeps only each finding's identity, so the RSS growth is redrive's own.
    intake.keep_identities_only();
    let forwarder = forwarder(&intake, &[]);
    let rss_before = peak_rss_kib();
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    let summary = run_redrive(&forwarder, &queue, false).await;
    let (seconds, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu_before);
    // The emulator runs in its own process: `cpu` is ours (redrive, the forwarder and the
    // in-process intake), the rest of the wall time is the emulator answering.
    eprintln!(
        "redrive messages={messages} seconds={seconds:.1} messages_per_s={:.0} our_cpu_s={cpu:.2} our_cpu_ms_per_message={:.3} peak_rss_kib_before={rss_before} peak_rss_kib_after={} summary {summary}",
        messages as f64 / seconds,
        cpu * 1000.0 / messages as f64,
        peak_rss_kib()
    );
    assert_eq!((summary.received, summary.resent), (queued, queued), "each message taken once: {summary}");
    assert_eq!(waiting(&queue).await, 0);
    let duplicates = intake.duplicates();
    assert_eq!((duplicates.distinct, duplicates.duplicated as u64), (messages, queued - messages as u64));
}
