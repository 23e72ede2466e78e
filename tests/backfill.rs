//! Backfills from the command line against the S3 emulator: `plan` walks only the date
//! folders of a window (boundaries, organization trails, filters, digests left out) and
//! writes a Batch Operations manifest; `replay` takes the same filters, reads a manifest, and
//! with `--checkpoint` sends no object twice across an interrupted run and its re-run.

mod support;

use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::intake::{Step, TestIntake};
use support::trail;

const KEY: &str = "backfill-key-72c1";

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    command.env_remove("DD_API_KEY").env_remove("DD_API_KEY_SECRET_ARN").env_remove("AWS_LAMBDA_RUNTIME_API");
    command.env("DD_LOG_LEVEL", "warn");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn plan(bucket: &str, args: &[&str]) -> Output {
    let output = bin().arg("plan").args(args).arg(format!("s3://{bucket}/AWSLogs/")).output().unwrap();
    eprintln!("{}", text(&output.stderr));
    output
}

/// The keys of a manifest, decoded.
fn manifest_keys(output: &Output) -> Vec<String> {
    text(&output.stdout)
        .lines()
        .map(|line| {
            let (_, key) = line.split_once(',').unwrap();
            percent_encoding::percent_decode_str(key).decode_utf8().unwrap().into_owned()
        })
        .collect()
}

async fn seeded(bucket: &str) {
    if support::moto::endpoint().is_empty() {
        panic!("the S3 emulator is needed: run scripts/test");
    }
    trail::seed(bucket).await;
}

#[tokio::test]
async fn plan_walks_the_window_with_since_inclusive_and_until_exclusive() {
    seeded("slf-backfill-plan").await;
    let output = plan("slf-backfill-plan", &["--since", "2026-09-02", "--until", "2026-09-05"]);
    assert!(output.status.success());
    let keys = manifest_keys(&output);
    let expected: Vec<String> = trail::trail_keys()
        .into_iter()
        .filter(|k| ["/2026/09/02/", "/2026/09/03/", "/2026/09/04/"].iter().any(|d| k.contains(d)))
        .chain([trail::export_key()])
        .collect();
    let (got, want): (HashSet<_>, HashSet<_>) = (keys.iter().cloned().collect(), expected.iter().cloned().collect());
    assert_eq!(got, want);
    assert_eq!(keys.len(), 3 * 3 * 3 * 4 + 1, "each object once");
    assert!(keys.iter().all(|k| !k.contains("Digest")));
    assert!(keys.iter().any(|k| k.contains(&format!("AWSLogs/{}/", trail::ORG))), "organization-trail keys");
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&format!("planned {} objects", keys.len())), "{stderr}");
    // Every line is `bucket,key` with the key URL-encoded.
    assert!(text(&output.stdout).lines().all(|l| l.starts_with("slf-backfill-plan,AWSLogs/")));
}

#[tokio::test]
async fn plan_cuts_boundary_days_by_the_minute_and_filters_accounts_regions_and_kinds() {
    seeded("slf-backfill-filters").await;
    let bucket = "slf-backfill-filters";
    // 06:05 is in, 12:05 is not (until is exclusive), 00:05 is before since.
    let keys = manifest_keys(&plan(bucket, &["--since", "2026-09-03T06:00:00Z", "--until", "2026-09-03T12:05Z"]));
    assert_eq!(keys.len(), 3 * 3, "{keys:?}");
    assert!(keys.iter().all(|k| k.contains("20260903T0605Z")));

    let args = ["--since", "2026-09-01", "--until", "2026-09-07", "--accounts", "222222222222,333333333333"];
    let keys = manifest_keys(&plan(bucket, &[&args[..], &["--regions", "eu-west-1", "--kind", "cloudtrail"]].concat()));
    assert_eq!(keys.len(), 2 * 6 * 4);
    assert!(keys.iter().all(|k| k.contains("/CloudTrail/eu-west-1/") && !k.contains("111111111111")));

    let keys = manifest_keys(&plan(bucket, &["--since", "2026-09-01", "--kind", "guardduty"]));
    assert_eq!(keys, [trail::export_key()]);

    // The bucket root finds AWSLogs/ itself; an open window lists everything but digests.
    let output = bin().args(["plan", &format!("s3://{bucket}/")]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(manifest_keys(&output).len(), trail::FILES + 1);

    let output = bin().args(["plan", &format!("s3://{bucket}/elsewhere/")]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("holds no AWSLogs/ folder"), "{}", text(&output.stderr));
    let output = bin().args(["plan", "--since", "last week", &format!("s3://{bucket}/AWSLogs/")]).output().unwrap();
    assert!(text(&output.stderr).contains("\"last week\" is not a date"), "{}", text(&output.stderr));
}

// The intake serves on the other worker while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_takes_the_same_window_and_a_manifest() {
    seeded("slf-backfill-replay").await;
    let intake = TestIntake::start(KEY).await;
    let output = bin()
        .env("DD_API_KEY", KEY)
        .env("DD_URL", intake.url())
        .args(["replay", "--since", "2026-09-06", "--accounts", "111111111111", "s3://slf-backfill-replay/AWSLogs/"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(intake.accepted_entries().len(), 3 * 4 * trail::RECORDS_PER_FILE);

    let manifest = std::env::temp_dir().join(format!("slf-manifest-{}.csv", std::process::id()));
    let planned =
        plan("slf-backfill-replay", &["--since", "2026-09-05", "--until", "2026-09-06", "--regions", "us-east-1"]);
    std::fs::write(&manifest, &planned.stdout).unwrap();
    let intake = TestIntake::start(KEY).await;
    let output = bin()
        .env("DD_API_KEY", KEY)
        .env("DD_URL", intake.url())
        .args(["replay", "--manifest"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(intake.accepted_entries().len(), 3 * 4 * trail::RECORDS_PER_FILE);
    assert_eq!(intake.report_duplicates("replay of a manifest").duplicated, 0);
    std::fs::remove_file(&manifest).unwrap();
}

/// Replays the whole trail with `--checkpoint`, stops it with `signal` after a while, runs
/// the same command again, and returns the intake and the objects recorded before the stop.
async fn interrupted_replay(bucket: &str, signal: &str) -> (TestIntake, usize, Option<i32>) {
    seeded(bucket).await;
    let intake = TestIntake::start(KEY).await;
    // Slow requests, so the stop lands in the middle of the run.
    intake.script((0..60).map(|_| Step::Delay(Duration::from_millis(40))));
    let checkpoint = std::env::temp_dir().join(format!("slf-checkpoint-{bucket}-{}", std::process::id()));
    let _ = std::fs::remove_file(&checkpoint);
    let replay = |intake: &TestIntake| {
        let mut command = bin();
        command
            .env("DD_API_KEY", KEY)
            .env("DD_URL", intake.url())
            .arg("replay")
            .arg("--checkpoint")
            .arg(&checkpoint)
            .arg(format!("s3://{bucket}/AWSLogs/"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let child = replay(&intake).spawn().unwrap();
    let pid = child.id().to_string();
    // Wait until some objects are done, then stop it.
    for _ in 0..200 {
        let done = std::fs::read_to_string(&checkpoint).map(|t| t.lines().count()).unwrap_or(0);
        if done >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Command::new("kill").args([signal, &pid]).status().unwrap();
    let first = child.wait_with_output().unwrap();
    eprintln!("first run: {}", text(&first.stderr));
    let recorded = std::fs::read_to_string(&checkpoint).unwrap().lines().count();
    assert!((20..=trail::FILES).contains(&recorded), "stopped mid-run: {recorded}");

    let second = replay(&intake).output().unwrap();
    let stderr = text(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("skipped {recorded} objects the checkpoint records as done")), "{stderr}");
    std::fs::remove_file(&checkpoint).unwrap();
    (intake, recorded, first.status.code())
}

// The intake serves on the other worker while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_replay_resumed_from_its_checkpoint_sends_no_object_twice() {
    let (intake, recorded, code) = interrupted_replay("slf-backfill-interrupt", "-INT").await;
    assert_eq!(code, Some(130), "Ctrl-C ends with 130 after the objects in hand");
    let records = trail::FILES * trail::RECORDS_PER_FILE + trail::EXPORT_FINDINGS;
    let duplicates = intake.report_duplicates(&format!("replay stopped by Ctrl-C after {recorded} objects, resumed"));
    assert_eq!((duplicates.duplicated, duplicates.distinct), (0, records));
}

// The intake serves on the other worker while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replay_resends_at_most_the_objects_it_was_reading() {
    let (intake, recorded, code) = interrupted_replay("slf-backfill-kill", "-KILL").await;
    assert_eq!(code, None, "killed by a signal");
    let records = trail::FILES * trail::RECORDS_PER_FILE + trail::EXPORT_FINDINGS;
    let duplicates = intake.report_duplicates(&format!("replay killed after {recorded} objects, resumed"));
    assert_eq!(duplicates.distinct, records);
    // Objects are read two at a time: only those in hand at the kill can come twice.
    assert!(duplicates.duplicated <= 2 * trail::RECORDS_PER_FILE, "{duplicates:?}");
}

#[tokio::test]
async fn plan_speed_against_the_emulator() {
    seeded("slf-backfill-speed").await;
    let started = std::time::Instant::now();
    let output = plan("slf-backfill-speed", &["--since", "2026-09-01", "--until", "2026-09-07"]);
    let seconds = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let keys = manifest_keys(&output);
    let objects = keys.len();
    eprintln!("plan objects={objects} seconds={seconds:.2} objects_per_second={:.0}", objects as f64 / seconds);
    eprintln!("{}", text(&output.stderr).trim());
    // What it planned, not how fast (the speed is scripts/bench-plan's figure): the whole week,
    // once each, and by listing the date folders, not every object.
    assert_eq!(objects, trail::FILES + 1, "every object of the window");
    assert_eq!(keys.iter().collect::<std::collections::HashSet<_>>().len(), objects, "each once");
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&format!("planned {objects} objects")), "{stderr}");
    let lists: usize =
        stderr.split(" list requests").next().and_then(|s| s.rsplit(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(lists < objects / 2, "{lists} list requests for {objects} objects");
}
