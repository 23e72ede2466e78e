//! A warm container's life: the built binary in Lambda mode handles many invocations in one
//! process — findings, small S3 objects, SQS batches, intake failures — and its memory, open
//! descriptors and intake connections must stay flat. `SLF_SOAK_INVOCATIONS` sets the length
//! (CI runs a short form; `scripts/soak` runs 10,000 on the release binary).

mod support;

use std::time::{Duration, Instant};

use support::function::Function;
use support::intake::{Step, TestIntake};
use support::runtime_api::{Outcome, RuntimeApi};

const KEY: &str = "soak-key-8d1c";
/// Most the resident memory may grow after warm-up.
const RSS_GROWTH_KIB: u64 = 2 * 1024;

fn event(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// What the invocation number `i` receives, and the intake entries it should produce.
fn workload() -> [(Vec<u8>, u64); 4] {
    [
        (event("guardduty-finding-high.json"), 1),
        (event("s3-put-cloudtrail.json"), 3),
        (event("sqs-s3-guardduty-export.json"), 8),
        (event("sns-s3-cloudtrail.json"), 3),
    ]
}

/// How the intake treats the next request of invocation `i`: a transient failure now and then
/// (retried within the invocation), a dropped connection, and rarely a refused key (the
/// invocation fails and reports it) — each at least twice in the short form CI runs.
fn fault(i: usize) -> Option<Step> {
    match i {
        _ if i % 200 == 199 => Some(Step::Status(403)),
        _ if i % 250 == 125 => Some(Step::Reset),
        _ if i % 50 == 25 => Some(Step::Status(503)),
        _ => None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::test]
async fn a_warm_container_stays_flat() {
    let invocations: usize = std::env::var("SLF_SOAK_INVOCATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let warm_up = (invocations / 10).clamp(50, 500);
    support::moto::seed_sample_objects().await;
    let intake = TestIntake::start(KEY).await;
    let runtime = RuntimeApi::start().await;
    let function = Function::start(
        &runtime,
        &[
            ("DD_API_KEY", KEY.into()),
            ("DD_URL", intake.url()),
            ("DD_LOG_LEVEL", std::env::var("SLF_SOAK_LOG_LEVEL").unwrap_or("info".into())),
        ],
    );
    let workload = workload();

    let (mut expected_entries, mut failed_invocations, mut latencies) = (0u64, 0usize, Vec::new());
    let (mut rss_warm, mut fds_warm, mut rss_max) = (0u64, 0usize, 0u64);
    for i in 0..invocations {
        let (payload, entries) = &workload[i % workload.len()];
        let refused = matches!(fault(i), Some(Step::Status(403)));
        intake.script(fault(i));
        let id = format!("soak-{i}");
        let started = Instant::now();
        runtime.invoke(&id, payload, Duration::from_secs(60));
        match runtime.outcome(&id, Duration::from_secs(60)).await {
            Some(Outcome::Response(_)) if !refused => expected_entries += entries,
            Some(Outcome::Error { error_type, .. }) if refused => {
                assert_eq!(error_type, "ApiKeyRejected");
                failed_invocations += 1;
            }
            other => panic!("invocation {i}: {other:?}"),
        }
        latencies.push(started.elapsed());
        let rss = function.rss_kib().expect("the function's /proc/<pid>/status is readable");
        rss_max = rss_max.max(rss);
        if i + 1 == warm_up {
            (rss_warm, fds_warm) = (rss, function.open_fds().expect("the function's /proc/<pid>/fd is readable"));
        }
    }
    let rss_end = function.rss_kib().expect("the function's /proc/<pid>/status is readable");
    let fds_end = function.open_fds().expect("the function's /proc/<pid>/fd is readable");
    assert!(rss_warm > 1024 && fds_warm >= 3, "implausible readings: {rss_warm} KiB, {fds_warm} descriptors");
    let mut by_kind: Vec<String> = Vec::new();
    for kind in 0..workload.len() {
        let mut times: Vec<Duration> =
            latencies.iter().skip(warm_up).skip(kind).step_by(workload.len()).copied().collect();
        times.sort();
        by_kind.push(format!("{:.1}", percentile(&times, 0.5)));
    }
    let after_warm_up = &mut latencies[warm_up..];
    after_warm_up.sort();
    let (p50, p99) = (percentile(after_warm_up, 0.5), percentile(after_warm_up, 0.99));
    let connections = intake.connections();
    eprintln!(
        "soak invocations={invocations} warm_up={warm_up} failed={failed_invocations} \
         rss_warm_kib={rss_warm} rss_end_kib={rss_end} rss_max_kib={rss_max} fds_warm={fds_warm} \
         fds_end={fds_end} intake_requests={} intake_connections={connections} p50_ms={p50:.2} p99_ms={p99:.2} \
         p50_ms_by_kind=[{}]",
        intake.requests().len(),
        by_kind.join(",")
    );

    assert_eq!(intake.accepted_entries().len() as u64, expected_entries, "every entry delivered");
    // Every fault branch ran, the refused key included.
    let refusals = (0..invocations).filter(|&i| matches!(fault(i), Some(Step::Status(403)))).count();
    assert!(refusals >= 2 || invocations < 400, "{invocations} invocations exercise the 403 branch {refusals} times");
    assert_eq!(failed_invocations, refusals, "each refused key fails its invocation");
    assert!(rss_end <= rss_warm + RSS_GROWTH_KIB, "RSS grew from {rss_warm} KiB to {rss_end} KiB");
    assert!(fds_end <= fds_warm + 2, "descriptors grew from {fds_warm} to {fds_end}");
    // A new connection after each dropped one is expected; not one per invocation.
    let dropped = (0..invocations).filter(|&i| matches!(fault(i), Some(Step::Reset))).count();
    assert!(connections <= 4 + dropped, "{connections} intake connections for {invocations} invocations");
}
