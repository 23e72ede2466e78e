//! Twenty Lambda-mode processes at once against one intake that rate-limits with 429 and
//! `Retry-After`: every record delivered, none twice, and the attempts it took reported.

mod support;

use std::time::{Duration, Instant};

use support::function::Function;
use support::intake::{Duplicates, TestIntake};
use support::runtime_api::{Outcome, RuntimeApi};

const KEY: &str = "concurrency-key-41ab";
const PROCESSES: usize = 20;
/// Records in each process's CloudTrail object: three request bodies each.
const RECORDS: usize = 2500;
/// Requests a second the intake takes; the rest are answered 429.
const RATE_LIMIT: usize = 10;

fn s3_event(bucket: &str, key: &str) -> Vec<u8> {
    serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]})
    .to_string()
    .into_bytes()
}

/// A CloudTrail body whose event ids are unique across processes.
fn cloudtrail_body(process: usize) -> Vec<u8> {
    let body = String::from_utf8(support::moto::cloudtrail_body(RECORDS)).unwrap();
    body.replace(r#""eventID":"E"#, &format!(r#""eventID":"P{process}-E"#)).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_against_a_rate_limited_intake() {
    let s3 = support::moto::s3().await;
    let key = |p: usize| {
        format!("AWSLogs/1/CloudTrail/us-east-1/2026/11/24/1_CloudTrail_us-east-1_20261124T1200Z_P{p:02}.json.gz")
    };
    for p in 0..PROCESSES {
        support::moto::put(&s3, "slf-concurrency", &key(p), support::gzip(&cloudtrail_body(p))).await;
    }
    let intake = TestIntake::start(KEY).await;
    intake.rate_limit(RATE_LIMIT);
    let mut functions = Vec::new();
    for _ in 0..PROCESSES {
        let runtime = RuntimeApi::start().await;
        let function = Function::start(
            &runtime,
            &[("DD_API_KEY", KEY.into()), ("DD_URL", intake.url()), ("DD_LOG_LEVEL", "info".into())],
        );
        functions.push((runtime, function));
    }

    let started = Instant::now();
    for (p, (runtime, _)) in functions.iter().enumerate() {
        runtime.invoke("burst", &s3_event("slf-concurrency", &key(p)), Duration::from_secs(300));
    }
    let mut retries = 0u64;
    for (p, (runtime, _)) in functions.iter().enumerate() {
        match runtime.outcome("burst", Duration::from_secs(300)).await {
            Some(Outcome::Response(response)) => {
                let summary = response["summary"].as_str().unwrap_or_default().to_owned();
                assert!(summary.contains(&format!("entries_sent={RECORDS} ")), "process {p}: {summary}");
                retries += summary
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix("retries="))
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
            other => panic!("process {p}: {other:?}"),
        }
    }
    let requests = intake.requests();
    let refused = requests.iter().filter(|r| r.status == 429).count();
    eprintln!(
        "concurrency processes={PROCESSES} records={} rate_limit={RATE_LIMIT}/s requests={} answered_429={refused} \
         retries_reported={retries} seconds={:.1}",
        PROCESSES * RECORDS,
        requests.len(),
        started.elapsed().as_secs_f64()
    );
    let expected = Duplicates { duplicated: 0, distinct: PROCESSES * RECORDS };
    assert_eq!(intake.report_duplicates("20 processes, intake rate-limited (429)"), expected);
    assert_eq!(retries as usize, refused, "every 429 was retried, and counted");
    assert_eq!(requests.len() - refused, PROCESSES * 3, "three accepted bodies per process");
}
