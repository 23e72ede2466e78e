//! The built binary in Lambda mode as an S3 Batch Operations `LambdaInvoke` target, both
//! invocation schemas, objects in the S3 emulator: result codes Batch Operations acts on,
//! keys encoded as manifests carry them, per-job tags, and a simulated job — planned with
//! `plan`, one invocation per task, temporary failures retried while the intake fails at
//! random — that delivers every record and reports each object once.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::function::Function;
use support::intake::{Step, TestIntake};
use support::runtime_api::{Outcome, RuntimeApi};
use support::{moto, trail};

const KEY: &str = "batch-ops-key-3e9d";
const BUCKET: &str = "slf-batch-ops";
const WAIT: Duration = Duration::from_secs(60);

/// A Batch Operations invocation of one task, schema `1.0` (bucket ARN) or `2.0`.
fn task_event(schema: &str, task_id: &str, bucket: &str, encoded_key: &str, arguments: Value) -> Vec<u8> {
    let task = match schema {
        "1.0" => {
            json!({"taskId": task_id, "s3Key": encoded_key, "s3VersionId": null, "s3BucketArn": format!("arn:aws:s3:::{bucket}")})
        }
        _ => json!({"taskId": task_id, "s3Key": encoded_key, "s3VersionId": null, "s3Bucket": bucket}),
    };
    let mut job = json!({"id": "job-1"});
    if schema == "2.0" {
        job["userArguments"] = arguments;
    }
    json!({"invocationSchemaVersion": schema, "invocationId": format!("inv-{task_id}"), "job": job, "tasks": [task]})
        .to_string()
        .into_bytes()
}

/// Invokes one task and returns its result (checking the response's shape).
async fn run_task(runtime: &RuntimeApi, id: &str, event: &[u8], timeout: Duration) -> (String, String) {
    runtime.invoke(id, event, timeout);
    let Some(Outcome::Response(response)) = runtime.outcome(id, WAIT).await else {
        panic!("task {id}: no response");
    };
    let sent: Value = serde_json::from_slice(event).unwrap();
    assert_eq!(response["invocationSchemaVersion"], sent["invocationSchemaVersion"]);
    assert_eq!(response["invocationId"], sent["invocationId"]);
    assert_eq!(response["treatMissingKeysAs"], "PermanentFailure");
    let result = &response["results"][0];
    assert_eq!(result["taskId"], sent["tasks"][0]["taskId"]);
    (result["resultCode"].as_str().unwrap().to_owned(), result["resultString"].as_str().unwrap().to_owned())
}

fn encode(key: &str) -> String {
    // As `plan` writes manifests (and Batch Operations hands the key on as is).
    let line = security_log_forwarder::backfill::manifest::line(BUCKET, key);
    line.split_once(',').unwrap().1.to_owned()
}

async fn start(intake: &TestIntake, extra: &[(&str, String)]) -> (RuntimeApi, Function) {
    let runtime = RuntimeApi::start().await;
    let mut env = vec![("DD_API_KEY", KEY.to_owned()), ("DD_URL", intake.url())];
    env.extend(extra.iter().cloned());
    let function = Function::start(&runtime, &env);
    (runtime, function)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_of_both_schemas_succeed_fail_for_good_or_for_now() {
    let s3 = moto::s3().await;
    let plain = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/1_CloudTrail_us-east-1_20261124T1200Z_plain.json.gz";
    let spaced = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/1_CloudTrail_us-east-1_20261124T1205Z_a b+c é.json.gz";
    moto::put(&s3, BUCKET, plain, trail::trail_body(plain)).await;
    moto::put(&s3, BUCKET, spaced, trail::trail_body(spaced)).await;
    let intake = TestIntake::start(KEY).await;
    let (runtime, _function) = start(&intake, &[]).await;
    let records = trail::RECORDS_PER_FILE;

    let (code, text) =
        run_task(&runtime, "t1", &task_event("1.0", "t1", BUCKET, &encode(plain), Value::Null), WAIT).await;
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("Succeeded", format!("records {records}, sent {records}, dropped 0").as_str())
    );

    // Keys with a space, a plus and a non-ASCII letter, percent-encoded; and with `+` for the
    // spaces, as form-encoded manifests carry them.
    let (code, _) = run_task(&runtime, "t2", &task_event("2.0", "t2", BUCKET, &encode(spaced), json!({})), WAIT).await;
    assert_eq!(code, "Succeeded");
    let form = encode(spaced).replace("%20", "+");
    let (code, _) = run_task(&runtime, "t3", &task_event("1.0", "t3", BUCKET, &form, Value::Null), WAIT).await;
    assert_eq!(code, "Succeeded");

    // Per-job tags from userArguments (schema 2.0).
    let arguments = json!({"DD_TAGS": "backfill:2026-11"});
    let (code, _) = run_task(&runtime, "t4", &task_event("2.0", "t4", BUCKET, &encode(plain), arguments), WAIT).await;
    assert_eq!(code, "Succeeded");
    let tagged = intake.accepted_entries().iter().filter(|e| e["ddtags"] == "backfill:2026-11").count();
    assert_eq!(tagged, records);

    // An argument we do not allow: a clear, permanent refusal, and nothing read.
    let before = intake.accepted_entries().len();
    let arguments = json!({"DD_API_KEY": "x"});
    let (code, text) =
        run_task(&runtime, "t5", &task_event("2.0", "t5", BUCKET, &encode(plain), arguments), WAIT).await;
    assert_eq!(code, "PermanentFailure");
    assert!(text.contains("userArguments key \"DD_API_KEY\" is not allowed (allowed: DD_TAGS)"), "{text}");
    assert_eq!(intake.accepted_entries().len(), before);

    // A missing object: permanent.
    let (code, text) =
        run_task(&runtime, "t6", &task_event("1.0", "t6", BUCKET, "AWSLogs/missing.json.gz", Value::Null), WAIT).await;
    assert_eq!(code, "PermanentFailure");
    assert!(text.starts_with("ObjectNotFound: "), "{text}");
    assert!(text.contains("s3://slf-batch-ops/AWSLogs/missing.json.gz") || text.contains("AWSLogs/missing.json.gz"));

    // A digest file: nothing to send, succeeded.
    let digest = "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/11/24/1_CloudTrail-Digest_us-east-1_t_us-east-1_20261124T120000Z.json.gz";
    moto::put(&s3, BUCKET, digest, moto::gzip(b"{}")).await;
    let (code, text) =
        run_task(&runtime, "t7", &task_event("2.0", "t7", BUCKET, &encode(digest), json!({})), WAIT).await;
    assert_eq!((code.as_str(), text.as_str()), ("Succeeded", "skipped: a CloudTrail digest file"));
    // t4 sent the plain file again and t3 the spaced one: by design, nothing else twice.
    assert_eq!(intake.report_duplicates("batch tasks").duplicated, 2 * records);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_intake_is_a_temporary_failure_before_the_deadline() {
    let s3 = moto::s3().await;
    let key = "AWSLogs/1/CloudTrail/us-east-1/2026/11/24/1_CloudTrail_us-east-1_20261124T1210Z_down.json.gz";
    moto::put(&s3, BUCKET, key, trail::trail_body(key)).await;
    let runtime = RuntimeApi::start().await;
    // Nothing listens on port 9: every attempt is a refused connection.
    let _function = Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", "http://127.0.0.1:9".into())]);
    let started = Instant::now();
    let timeout = Duration::from_secs(4);
    let (code, text) =
        run_task(&runtime, "down", &task_event("1.0", "down", BUCKET, &encode(key), Value::Null), timeout).await;
    assert!(started.elapsed() < timeout, "answered before the deadline");
    assert_eq!(code, "TemporaryFailure", "{text}");
    assert!(text.starts_with("IntakeUnavailable: ") || text.starts_with("DeadlineExceeded: "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_job_delivers_every_record_and_reports_each_object_once() {
    let bucket = "slf-batch-job";
    trail::seed(bucket).await;
    // The manifest, as a user makes it.
    let planned = std::process::Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .args(["plan", "--since", "2026-09-01", "--until", "2026-09-07", &format!("s3://{bucket}/AWSLogs/")])
        .env_remove("DD_API_KEY")
        .output()
        .unwrap();
    assert!(planned.status.success());
    let manifest = String::from_utf8(planned.stdout).unwrap();
    let tasks: Vec<(String, String)> = manifest
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let (bucket, key) = line.split_once(',').unwrap();
            (
                format!("task-{i}"),
                task_event(if i % 2 == 0 { "1.0" } else { "2.0" }, &format!("task-{i}"), bucket, key, json!({})),
            )
        })
        .map(|(id, event)| (id, String::from_utf8(event).unwrap()))
        .collect();
    assert_eq!(tasks.len(), trail::FILES + 1);

    // The intake fails a quarter of the requests at first; one attempt per body, so tasks
    // fail for now and Batch Operations retries them.
    let intake = TestIntake::start(KEY).await;
    let mut rng = fastrand::Rng::with_seed(11);
    intake.script((0..400).map(|_| if rng.f64() < 0.25 { Step::Status(503) } else { Step::Delay(Duration::ZERO) }));
    let (runtime, _function) =
        start(&intake, &[("DD_MAX_ATTEMPTS", "1".into()), ("DD_LOG_LEVEL", "warn".into())]).await;

    // Each task's final result, as the completion report lists it.
    let mut reported: HashMap<String, String> = HashMap::new();
    let (mut invocations, mut temporary) = (0, 0);
    let mut retried: Vec<String> = Vec::new();
    let mut pending: Vec<&(String, String)> = tasks.iter().collect();
    for round in 0..10 {
        let mut again = Vec::new();
        for task in pending {
            invocations += 1;
            let id = format!("{}-r{round}", task.0);
            match run_task(&runtime, &id, task.1.as_bytes(), WAIT).await {
                (code, text) if code == "Succeeded" => assert!(reported.insert(task.0.clone(), text).is_none()),
                (code, text) => {
                    assert_eq!(code, "TemporaryFailure", "{text}");
                    assert!(text.starts_with("IntakeUnavailable: "), "{text}");
                    temporary += 1;
                    retried.push(task.0.clone());
                    again.push(task);
                }
            }
        }
        pending = again;
        if pending.is_empty() {
            break;
        }
    }
    assert!(pending.is_empty(), "every task succeeded within 10 rounds");
    // The retry path ran: tasks failed for now, were invoked again and then succeeded.
    assert!(temporary > 0 && invocations == tasks.len() + temporary, "{temporary} temporary failures");
    assert!(intake.requests().iter().any(|r| r.status == 503), "the intake failed requests");
    assert!(retried.iter().all(|task| reported.contains_key(task)), "every retried task succeeded in the end");
    // The completion report accounts for every record once: each task's final result counts
    // all of its object's records as read and sent, and the results add up to the job.
    let records = trail::FILES * trail::RECORDS_PER_FILE + trail::EXPORT_FINDINGS;
    let mut reported_records = 0;
    for (task, text) in &reported {
        if text.starts_with("skipped") {
            continue;
        }
        let counts: Vec<usize> = text.split([' ', ',']).filter_map(|w| w.parse().ok()).collect();
        assert!(matches!(counts[..], [read, sent, 0] if read == sent), "{task}: {text}");
        reported_records += counts[0];
    }
    assert_eq!(reported.len(), tasks.len());
    assert_eq!(reported_records, records, "the completion report counts every record once");
    let duplicates = intake.report_duplicates("simulated Batch Operations job, intake failing 25 %");
    assert_eq!(duplicates.distinct, records, "every record delivered");
    eprintln!(
        "batch job tasks={} invocations={invocations} temporary_failures={temporary} records={records} \
         duplicated={} requests={}",
        tasks.len(),
        duplicates.duplicated,
        intake.requests().len()
    );
}
