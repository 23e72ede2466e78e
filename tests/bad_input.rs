//! The bad-input corpus (tests/bad-input/): every file must end in a clear error or in
//! counted skips — never a panic, a hang, an unbalanced count or a body the intake would
//! refuse. Large hostile inputs (5 MB lines, 2 MB findings, deep nesting, a gzip bomb) are
//! generated here rather than stored.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::intake::HttpIntake;
use security_log_forwarder::pipeline::{Forwarder, ObjectReport, Outcome};
use security_log_forwarder::stats::{DropReason, Stats};
use security_log_forwarder::store::ObjectBody;
use security_log_forwarder::store::S3Store;
use support::intake::TestIntake;
use support::s3_name;

const KEY: &str = "bad-input-key";
const LIMIT: Duration = Duration::from_secs(60);

fn corpus(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-input").join(dir)
}

fn forwarder(intake: &TestIntake, vars: &[(&str, &str)]) -> Forwarder<HttpIntake, S3Store> {
    support::forwarder(&intake.url(), KEY, vars)
}

/// Nothing the intake would truncate or drop silently; a refused body only when the run
/// reports it (`refused_ok`).
fn check_intake(intake: &TestIntake, refused_ok: bool) {
    for r in intake.requests() {
        assert_eq!((r.oversized_entries, r.stale_timestamps), (0, 0), "{r:?}");
        assert!(r.status == 202 || refused_ok, "{r:?}");
    }
}

async fn invoke(intake: &TestIntake, event: &[u8]) -> Outcome {
    let f = forwarder(intake, &[]);
    let outcome = tokio::time::timeout(LIMIT, f.handle(event, Deadline::none())).await.expect("hung");
    assert!(outcome.stats.balanced(), "{}", outcome.stats);
    let refused = outcome.error.as_ref().is_some_and(|e| e.error_type().as_str() == "IntakeRejected")
        || outcome.stats.dropped_for(DropReason::RejectedByIntake) > 0;
    check_intake(intake, refused);
    outcome
}

async fn read(intake: &TestIntake, name: &str, body: Vec<u8>, vars: &[(&str, &str)]) -> ObjectReport {
    let f = forwarder(intake, vars);
    let kind = ObjectKind::of_key(name);
    let size = Some(body.len() as u64);
    let reader = ObjectBody::plain(Box::new(std::io::Cursor::new(body)), size);
    let report = tokio::time::timeout(LIMIT, f.forward_reader(reader, kind, s3_name("bad", name), Deadline::none()))
        .await
        .expect("hung");
    assert!(report.stats.balanced(), "{name}: {}", report.stats);
    check_intake(intake, false);
    report
}

use support::gzip;

#[tokio::test]
async fn hostile_events() {
    // file → Err(error type) or Ok(entries sent)
    let expected: HashMap<&str, Result<u64, &str>> = HashMap::from([
        ("empty-payload.json", Err("UnsupportedEvent")),
        ("unknown-shape.json", Err("UnsupportedEvent")),
        ("not-an-object.json", Err("UnsupportedEvent")),
        ("a-string.json", Err("UnsupportedEvent")),
        ("s3-zero-records.json", Err("UnsupportedEvent")),
        ("s3-record-without-key.json", Err("UnsupportedEvent")),
        ("sqs-body-not-a-string.json", Err("UnsupportedEvent")),
        ("finding-severity-as-string.json", Ok(1)),
        ("finding-duplicate-keys.json", Ok(1)),
        // Valid JSON syntax, but numbers no 64-bit float holds: the intake refuses the entry
        // (400) on its own; it is dropped and counted as rejected_by_intake, not retried.
        ("finding-numbers-out-of-range.json", Ok(0)),
        ("finding-nul-bytes.json", Err("UnsupportedEvent")),
        ("finding-invalid-utf8.json", Ok(1)),
        ("finding-detail-not-an-object.json", Ok(1)),
    ]);
    let mut seen = 0;
    for entry in std::fs::read_dir(corpus("events")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let want = expected.get(name.as_str()).unwrap_or_else(|| panic!("no expectation for {name}"));
        let intake = TestIntake::start(KEY).await;
        let outcome = invoke(&intake, &std::fs::read(&path).unwrap()).await;
        match (want, &outcome.error) {
            (Ok(sent), None) => assert_eq!(outcome.stats.entries_sent, *sent, "{name}"),
            (Err(kind), Some(err)) => {
                assert_eq!(err.error_type().as_str(), *kind, "{name}: {err}");
                assert!(!err.to_string().is_empty());
            }
            (want, got) => panic!("{name}: expected {want:?}, got {got:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, expected.len());

    // Generated: 10,000-deep nesting in a finding → forwarded as is (no stack is used to
    // read it; Datadog flattens attributes beyond 10 levels). Checked in a dry run, since the
    // test intake's JSON parser stops at 128 levels.
    let deep = format!(
        r#"{{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{{"x":{}1{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let path = std::env::temp_dir().join(format!("slf-deep-{}.json", std::process::id()));
    std::fs::write(&path, &deep).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .args(["invoke", "--dry-run"])
        .arg(&path)
        .env_remove("DD_API_KEY")
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(output.status.success());
    assert!(output.stdout.len() > 20_000 && output.stdout.ends_with(b"]]}}\n"));

    // Generated: a 2 MB finding → sent, shrunk below 1 MB and marked truncated.
    let big = format!(
        r#"{{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{{"type":"Execution:Runtime/NewBinaryExecuted","severity":5,"title":"big","description":"{}"}}}}"#,
        "d".repeat(2_000_000)
    );
    let intake = TestIntake::start(KEY).await;
    let outcome = invoke(&intake, big.as_bytes()).await;
    assert!(outcome.error.is_none());
    assert_eq!((outcome.stats.entries_sent, outcome.stats.truncated), (1, 1));
}

#[tokio::test]
async fn hostile_objects() {
    let object = |name: &str| std::fs::read(corpus("objects").join(name)).unwrap();

    let intake = TestIntake::start(KEY).await;
    let r =
        read(&intake, "logs/not-gzip-despite-the-name.log.gz", object("not-gzip-despite-the-name.log.gz"), &[]).await;
    assert!(r.error.is_none());
    assert_eq!(r.stats.entries_sent, 2);

    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, "logs/invalid-utf8-and-nul.log", object("invalid-utf8-and-nul.log"), &[]).await;
    assert!(r.error.is_none());
    assert_eq!(r.stats.entries_sent, 3);
    assert_eq!(intake.accepted_entries()[1]["message"], "invalid utf-8 \u{fffd}\u{fffd} line");
    assert_eq!(intake.accepted_entries()[2]["message"], "nul \u{0} byte line");

    // Found by fuzzing: invalid UTF-8 inside a string serde_json skips; never copied as is.
    let name = "fuzz-jsonl-invalid-utf8-in-skipped-string.jsonl";
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, &format!("AWSLogs/1/GuardDuty/us-east-1/{name}"), object(name), &[]).await;
    assert!(r.error.is_none());
    assert_eq!((r.stats.records_in, r.stats.invalid_json), (4, 4));

    // Damaged content is permanent: no retry reads further, so it is a counted, logged skip
    // (objects_damaged), not a failure a retry would repeat and duplicate.
    let name = "123456789012_CloudTrail_us-east-1_20261124T1200Z_RecordsNotArray0.json";
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, name, gzip(&object(name)), &[]).await;
    assert!(r.error.is_none());
    assert_eq!((r.stats.objects_damaged, r.stats.records_in), (1, 0));

    // Duplicate keys and a raw NUL: forwarded as plain messages and counted as invalid JSON;
    // a number and a string: valid JSON but not records, dropped and counted.
    let name = "123456789012_CloudTrail_us-east-1_20261124T1200Z_OddRecords000000.json";
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, name, object(name), &[]).await;
    assert!(r.error.is_none());
    assert_eq!((r.stats.records_in, r.stats.entries_sent, r.stats.invalid_json), (5, 3, 2));
    assert_eq!(r.stats.dropped_for(DropReason::NotARecord), 2);
    assert_eq!(intake.accepted_entries()[0]["eventName"], "Ok");
    let elements = br#"{"Records":[null,{"eventName":"A"},1.5,"s",[1],true]}"#;
    let r = read(&TestIntake::start(KEY).await, name, elements.to_vec(), &[]).await;
    assert_eq!((r.stats.entries_sent, r.stats.dropped_for(DropReason::NotARecord)), (1, 5));

    // Generated: truncated gzip → the records before the cut, then a damaged object.
    let whole = gzip(&support::moto::cloudtrail_body(2000));
    let name = "123456789012_CloudTrail_us-east-1_20261124T1200Z_Truncated0000000.json.gz";
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, name, whole[..whole.len() * 2 / 3].to_vec(), &[]).await;
    assert!(r.error.is_none());
    assert_eq!(r.stats.objects_damaged, 1);
    assert!(r.stats.entries_sent > 0 && r.stats.entries_sent < 2000, "{}", r.stats);

    // Concatenated documents and trailing garbage: every record of the first document is
    // delivered, and the object counted as damaged.
    let body = support::moto::cloudtrail_body(3);
    for tail in [&body[..], b"garbage", b"\x00\x01\x02"] {
        let object = [&body[..], tail].concat();
        let intake = TestIntake::start(KEY).await;
        let r = read(&intake, name.trim_end_matches(".gz"), object, &[]).await;
        assert!(r.error.is_none());
        assert_eq!((r.stats.entries_sent, r.stats.objects_damaged), (3, 1));
    }

    // A byte-order mark is not content; a 0-byte object and an empty gzip member are empty.
    let bom = [&b"\xef\xbb\xbf"[..], &body].concat();
    let r = read(&TestIntake::start(KEY).await, name.trim_end_matches(".gz"), bom, &[]).await;
    assert_eq!((r.stats.entries_sent, r.stats.objects_damaged), (3, 0));
    for empty in [Vec::new(), gzip(b"")] {
        let r = read(&TestIntake::start(KEY).await, name, empty, &[]).await;
        assert!(r.error.is_none());
        assert_eq!((r.stats.objects_empty, r.stats.objects, r.stats.records_in), (1, 1, 0));
    }

    // Numbers with thousands of digits: valid JSON, forwarded as is; the test intake (like
    // serde_json, and like Datadog's intake for numbers no double holds) refuses that entry
    // on its own: it is dropped and counted, the other delivered.
    let huge = format!(r#"{{"Records":[{{"eventName":"Big","n":{}}},{{"eventName":"Small"}}]}}"#, "9".repeat(5000));
    let intake = TestIntake::start(KEY).await;
    let r = tokio::time::timeout(LIMIT, async {
        let f = forwarder(&intake, &[]);
        let reader = ObjectBody::plain(Box::new(std::io::Cursor::new(huge.into_bytes())), None);
        f.forward_reader(reader, ObjectKind::CloudTrail, s3_name("bad", name), Deadline::none()).await
    })
    .await
    .expect("hung");
    assert!(r.error.is_none());
    assert!(r.stats.balanced());
    assert_eq!((r.stats.entries_sent, r.stats.dropped_for(DropReason::RejectedByIntake)), (1, 1), "{}", r.stats);
    assert_eq!(intake.accepted_entries()[0]["eventName"], "Small");

    // Generated: a gzip bomb (1 GiB of zeros in ~1 MB) stops at the size cap with a clear error.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        std::io::Write::write_all(&mut encoder, &zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, "logs/bomb.log.gz", bomb, &[("DD_MAX_OBJECT_SIZE_MB", "64")]).await;
    assert!(r.error.unwrap().describe().contains("more than 64 MiB (DD_MAX_OBJECT_SIZE_MB)"));

    // Generated: a 5 MB JSON line in a findings export → shrunk to fit, marked truncated.
    let line = format!(
        r#"{{"type":"Recon:EC2/Portscan","severity":5,"title":"huge","description":"{}"}}"#,
        "x".repeat(5_000_000)
    );
    let intake = TestIntake::start(KEY).await;
    let r = read(
        &intake,
        "AWSLogs/1/GuardDuty/us-east-1/huge.jsonl",
        format!("{line}\n{{\"type\":\"A:B/C\"}}\n").into_bytes(),
        &[],
    )
    .await;
    assert!(r.error.is_none());
    assert_eq!((r.stats.entries_sent, r.stats.truncated), (2, 1));

    // Generated: a 10 MB line (over the reader's 8 MiB cap) and 200,000-deep nesting.
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let body = format!("{}\n{deep}\nok\n", "y".repeat(10 << 20));
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, "logs/odd.log", body.into_bytes(), &[]).await;
    assert!(r.error.is_none());
    assert_eq!(r.stats.dropped_for(DropReason::RecordTooLarge), 1);
    assert_eq!(r.stats.entries_sent, 2);
    let _: Stats = r.stats;
}

/// `n` numbered plain lines.
fn numbered_lines(n: usize) -> Vec<u8> {
    (0..n).map(|i| format!("line {i}\n")).collect::<String>().into_bytes()
}

/// Reads `object` as a plain-lines object and checks it is damaged, not failed: the first
/// `before` lines delivered exactly once, nothing else, the invocation not failed.
async fn assert_damaged_after(what: &str, object: Vec<u8>, before: usize) {
    let intake = TestIntake::start(KEY).await;
    let r = read(&intake, "logs/damaged.log.gz", object, &[]).await;
    assert!(r.error.is_none(), "{what}: {:?}", r.error);
    assert_eq!((r.stats.objects_damaged, r.stats.objects_failed), (1, 0), "{what}: {}", r.stats);
    let messages: Vec<String> =
        intake.accepted_entries().iter().map(|e| e["message"].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = (0..before).map(|i| format!("line {i}")).collect();
    assert_eq!(messages, expected, "{what}");
}

#[tokio::test]
async fn corrupt_compression_is_damage() {
    let first = gzip(&numbered_lines(100));
    let second = gzip(b"a last line without its newline");

    // A bit flipped in the second member: its first block gets the reserved type.
    let mut flipped = second.clone();
    flipped[10] |= 0b110;
    assert_damaged_after("bit-flipped member", [&first[..], &flipped].concat(), 100).await;

    // A CRC that does not match the second member's data.
    let mut crc = second.clone();
    let at = crc.len() - 8;
    crc[at] ^= 0xff;
    assert_damaged_after("CRC mismatch", [&first[..], &crc].concat(), 100).await;

    // A bad header on the second member.
    let mut header = second.clone();
    header[2] = 7;
    assert_damaged_after("bad member header", [&first[..], &header].concat(), 100).await;

    // Uncompressed bytes after a member.
    assert_damaged_after("trailing garbage", [&first[..], b"garbage\n"].concat(), 100).await;

    // A zstd object whose second frame is corrupt (its checksum no longer matches).
    let frame = |data: &[u8]| {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.include_checksum(true).unwrap();
        std::io::Write::write_all(&mut encoder, data).unwrap();
        encoder.finish().unwrap()
    };
    let mut corrupt = frame(b"a-last-line-without-its-newline-0123456789abcdef");
    let at = corrupt.len() - 10;
    corrupt[at] ^= 0x01;
    assert_damaged_after("corrupt zstd frame", [frame(&numbered_lines(100)), corrupt].concat(), 100).await;
}
