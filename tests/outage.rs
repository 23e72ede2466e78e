//! An intake outage ridden out inside the invocations: Lambda-mode processes forward
//! CloudTrail objects while the intake answers 503 to everything for a while, then recovers.
//! Retries run until the deadline, so an outage shorter than the deadline fails no invocation
//! and sends no record twice. CI runs a small version; the full one (20 processes, 200
//! objects of 2,900 records, a 10 s outage, 60 s deadlines) is `scripts/outage`.

mod support;

use std::time::{Duration, Instant};

use support::function::Function;
use support::intake::{Duplicates, Step, TestIntake};
use support::runtime_api::{Outcome, RuntimeApi};

const KEY: &str = "outage-key-7c1d";
/// Records per object: three request bodies each.
const RECORDS: usize = 2_900;

struct Scenario {
    processes: usize,
    objects_per_process: usize,
    outage: Duration,
    deadline: Duration,
}

fn s3_event(bucket: &str, key: &str) -> Vec<u8> {
    serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]})
    .to_string()
    .into_bytes()
}

fn object_key(process: usize, object: usize) -> String {
    format!(
        "AWSLogs/1/CloudTrail/us-east-1/2026/12/03/1_CloudTrail_us-east-1_20261203T1200Z_P{process:02}O{object:03}.json.gz"
    )
}

async fn run(scenario: Scenario) {
    let s3 = support::moto::s3().await;
    let template = String::from_utf8(support::moto::cloudtrail_body(RECORDS)).unwrap();
    for p in 0..scenario.processes {
        for o in 0..scenario.objects_per_process {
            let body = template.replace(r#""eventID":"E"#, &format!(r#""eventID":"P{p}O{o}-E"#));
            support::moto::put(&s3, "slf-outage-load", &object_key(p, o), support::gzip(body.as_bytes())).await;
        }
    }
    let intake = TestIntake::start(KEY).await;
    let mut functions = Vec::new();
    for _ in 0..scenario.processes {
        let runtime = RuntimeApi::start().await;
        let env = [("DD_API_KEY", KEY.into()), ("DD_URL", intake.url()), ("DD_LOG_LEVEL", "warn".into())];
        let function = Function::start(&runtime, &env);
        functions.push((runtime, function));
    }
    // The intake goes down now, and comes back after the outage.
    intake.script(std::iter::repeat_n(Step::Status(503), 10_000_000));
    let started = Instant::now();
    let recovery = intake.clear_script_after(scenario.outage);
    let runs = functions.iter().enumerate().map(|(p, (runtime, _))| {
        let deadline = scenario.deadline;
        async move {
            let mut failed = Vec::new();
            for o in 0..scenario.objects_per_process {
                let id = format!("p{p}-o{o}");
                runtime.invoke(&id, &s3_event("slf-outage-load", &object_key(p, o)), deadline);
                match runtime.outcome(&id, deadline + Duration::from_secs(30)).await {
                    Some(Outcome::Response(_)) => {}
                    other => failed.push(format!("{id}: {other:?}")),
                }
            }
            failed
        }
    });
    let failed: Vec<String> = futures_util::future::join_all(runs).await.into_iter().flatten().collect();
    recovery.await.unwrap();
    let invocations = scenario.processes * scenario.objects_per_process;
    let requests = intake.requests();
    let refused = requests.iter().filter(|r| r.status == 503).count();
    eprintln!(
        "outage processes={} invocations={invocations} records={} outage_s={} deadline_s={} failed_invocations={} \
         requests={} answered_503={refused} seconds={:.1}",
        scenario.processes,
        invocations * RECORDS,
        scenario.outage.as_secs(),
        scenario.deadline.as_secs(),
        failed.len(),
        requests.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failed.is_empty(), "invocations failed: {failed:?}");
    let expected = Duplicates { duplicated: 0, distinct: invocations * RECORDS };
    assert_eq!(intake.report_duplicates("intake outage shorter than the deadline"), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_outage_fails_no_invocation() {
    run(Scenario {
        processes: 4,
        objects_per_process: 2,
        outage: Duration::from_secs(4),
        deadline: Duration::from_secs(20),
    })
    .await;
}

/// The full scenario: `scripts/outage` (a few minutes on 2 cores).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "heavy: run with scripts/outage"]
async fn a_ten_second_outage_under_load_fails_no_invocation() {
    run(Scenario {
        processes: 20,
        objects_per_process: 10,
        outage: Duration::from_secs(10),
        deadline: Duration::from_secs(60),
    })
    .await;
}
