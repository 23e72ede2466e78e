//! VPC Flow Logs end to end, through the S3 emulator and the enforcing intake: every shared
//! sample (header skipped, default lines raw, custom formats as attributes), Parquet giving
//! the same logs as text, bad input (a header that does not match its lines, a truncated
//! Parquet file) counted without losing anything else, and a Parquet range cut mid-response
//! resumed through the fault proxy.

mod support;

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::pipeline::Outcome;
use serde_json::Value;
use support::intake::TestIntake;
use support::moto;
use support::s3_proxy::S3Proxy;

const KEY: &str = "s3-test-key";
const BUCKET: &str = "slf-vpcflow";
const DEFAULT_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn samples() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/samples/vpcflow");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: the shared samples ({}) are absent", dir.display());
        None
    }
}

fn flow_key(name: &str, ext: &str) -> String {
    let name = name.replace(['.', '-'], "");
    format!(
        "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20261124T1205Z_{name}.{ext}"
    )
}

fn s3_event(keys: &[String]) -> Vec<u8> {
    let records: Vec<Value> = keys
        .iter()
        .map(|key| {
            serde_json::json!({"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}})
        })
        .collect();
    serde_json::json!({ "Records": records }).to_string().into_bytes()
}

async fn forward(keys: &[String]) -> (Outcome, Vec<Value>) {
    let intake = TestIntake::start(KEY).await;
    let outcome = support::forwarder(&intake.url(), KEY, &[]).handle(&s3_event(keys), Deadline::none()).await;
    assert!(outcome.stats.balanced(), "unbalanced: {}", outcome.stats);
    assert!(intake.requests().iter().all(|r| r.oversized_entries == 0 && r.stale_timestamps == 0));
    (outcome, intake.accepted_entries())
}

/// A sample's text: its header (if any) and its data lines.
fn split(text: &str) -> (Option<&str>, Vec<&str>) {
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let header = lines.first().filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase())).copied();
    if header.is_some() {
        lines.remove(0);
    }
    (header, lines)
}

fn read_sample(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut text).unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

#[tokio::test]
async fn every_sample_end_to_end() {
    let Some(dir) = samples() else { return };
    let s3 = moto::s3().await;
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 11, "{files:?}");
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = read_sample(&path);
        let (header, lines) = split(&text);
        let key = flow_key(&file, "log.gz");
        moto::put(&s3, BUCKET, &key, support::gzip(text.as_bytes())).await;
        let (outcome, entries) = forward(std::slice::from_ref(&key)).await;
        assert!(outcome.error.is_none(), "{file}: {:?}", outcome.error);
        assert_eq!(entries.len(), lines.len(), "{file}: one log per data line, the header skipped");
        assert_eq!(outcome.stats.malformed_records, 0, "{file}");
        let custom = header.is_some_and(|h| h != DEFAULT_HEADER);
        for (entry, line) in entries.iter().zip(&lines) {
            assert_eq!((entry["ddsource"].as_str(), entry["service"].as_str()), (Some("vpc"), Some("vpc")), "{file}");
            assert!(entry.get("aws").is_none(), "{file}: no per-line provenance by default");
            let dated = !custom || header.is_some_and(|h| h.split_whitespace().any(|f| f == "start"));
            assert_eq!(entry.get("timestamp_clamped").is_some(), dated, "{file}: samples are years old");
            if custom {
                assert!(entry.get("message").is_none(), "{file}");
                let names: Vec<String> = header.unwrap().split_whitespace().map(|n| n.replace('-', "_")).collect();
                let values: Vec<&str> = line.split_whitespace().collect();
                for (name, value) in names.iter().zip(values) {
                    match value {
                        "-" => assert!(entry.get(name).is_none(), "{file}: {name} left out"),
                        _ if column_type(name) != "BYTE_ARRAY" => {
                            assert_eq!(entry[name].as_i64(), Some(value.parse().unwrap()), "{file}: {name}")
                        }
                        _ => assert_eq!(entry[name].as_str(), Some(value), "{file}: {name}"),
                    }
                }
            } else {
                assert_eq!(entry["message"].as_str(), Some(line.trim()), "{file}: the raw line");
            }
        }
    }
}

#[tokio::test]
async fn the_notification_sample_in_events() {
    let Some(dir) = samples() else { return };
    let event: Value = serde_json::from_slice(
        &std::fs::read(format!("{}/events/s3-put-vpcflow.json", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    let key = event["Records"][0]["s3"]["object"]["key"].as_str().unwrap();
    let text = std::fs::read(dir.join("clo-vpcflow-v2-header.log")).unwrap();
    moto::put(&moto::s3().await, BUCKET, key, support::gzip(&text)).await;
    let (outcome, entries) = forward(&[key.to_owned()]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(entries.len(), 17);
}

/// The Parquet column of a flow-log field, as VPC Flow Logs writes it.
fn column_type(name: &str) -> &'static str {
    match name {
        "packets" | "bytes" | "start" | "end" => "INT64",
        "version" | "srcport" | "dstport" | "protocol" | "tcp_flags" | "traffic_path" => "INT32",
        _ => "BYTE_ARRAY",
    }
}

/// A Parquet flow log (gzip pages) of these fields and text lines.
fn parquet_of(fields: &[String], lines: &[&str], rows_per_group: usize) -> Vec<u8> {
    let schema: String = fields
        .iter()
        .map(|f| match column_type(f) {
            "BYTE_ARRAY" => format!("OPTIONAL BYTE_ARRAY {f} (UTF8);"),
            t => format!("OPTIONAL {t} {f};"),
        })
        .collect();
    let schema = Arc::new(parse_message_type(&format!("message flow {{ {schema} }}")).unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::GZIP(Default::default())).build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, props).unwrap();
    let rows: Vec<Vec<&str>> = lines.iter().map(|l| l.split_whitespace().collect()).collect();
    for group in rows.chunks(rows_per_group) {
        let mut rg = writer.next_row_group().unwrap();
        for (i, field) in fields.iter().enumerate() {
            let values: Vec<&str> = group.iter().map(|r| r[i]).collect();
            let defs: Vec<i16> = values.iter().map(|v| i16::from(*v != "-")).collect();
            let present = values.iter().filter(|v| **v != "-");
            let mut col = rg.next_column().unwrap().unwrap();
            match column_type(field) {
                "INT64" => {
                    let v: Vec<i64> = present.map(|v| v.parse().unwrap()).collect();
                    col.typed::<Int64Type>().write_batch(&v, Some(&defs), None).unwrap();
                }
                "INT32" => {
                    let v: Vec<i32> = present.map(|v| v.parse().unwrap()).collect();
                    col.typed::<Int32Type>().write_batch(&v, Some(&defs), None).unwrap();
                }
                _ => {
                    let v: Vec<ByteArray> = present.map(|v| ByteArray::from(*v)).collect();
                    col.typed::<ByteArrayType>().write_batch(&v, Some(&defs), None).unwrap();
                }
            }
            col.close().unwrap();
        }
        rg.close().unwrap();
    }
    writer.close().unwrap();
    out
}

#[tokio::test]
async fn parquet_gives_the_same_logs_as_text() {
    let Some(dir) = samples() else { return };
    let s3 = moto::s3().await;
    for file in [
        "clo-vpcflow-v2-header.log",
        "awsdocs-v3-tcp-flags-header.log",
        "awsdocs-v5-traffic-path-header.log",
        "awsdocs-custom-nat-header.log",
        "awsdocs-nodata-skipdata.log",
    ] {
        let text = read_sample(&dir.join(file));
        let (header, lines) = split(&text);
        let fields: Vec<String> =
            header.unwrap_or(DEFAULT_HEADER).split_whitespace().map(|n| n.replace('-', "_")).collect();
        let (text_key, parquet_key) = (flow_key(file, "log.gz"), flow_key(file, "log.parquet"));
        moto::put(&s3, BUCKET, &text_key, support::gzip(text.as_bytes())).await;
        moto::put(&s3, BUCKET, &parquet_key, parquet_of(&fields, &lines, 3)).await;
        let (from_text, text_entries) = forward(std::slice::from_ref(&text_key)).await;
        let (from_parquet, parquet_entries) = forward(std::slice::from_ref(&parquet_key)).await;
        assert!(from_text.error.is_none() && from_parquet.error.is_none(), "{file}: {:?}", from_parquet.error);
        assert_eq!(parquet_entries.len(), lines.len(), "{file}");
        let undated = |entries: Vec<Value>| {
            entries
                .into_iter()
                .map(|mut e| e.as_object_mut().map(|o| o.remove("timestamp")).map(|_| e))
                .collect::<Vec<_>>()
        };
        assert_eq!(undated(parquet_entries), undated(text_entries), "{file}: Parquet and text give the same logs");
    }
}

#[tokio::test]
async fn bad_input_is_counted_and_nothing_else_is_lost() {
    let s3 = moto::s3().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = "version interface-id srcport start action";
    let good = format!("3 eni-1 443 {now} ACCEPT");
    let text = format!("{header}\n{good}\n3 eni-2 443 {now}\n{good}\n3 eni-3 22 {now} REJECT extra\n");
    let mismatched = flow_key("mismatched", "log.gz");
    moto::put(&s3, BUCKET, &mismatched, support::gzip(text.as_bytes())).await;
    let fields: Vec<String> = header.split_whitespace().map(str::to_owned).collect();
    let lines: Vec<String> = (0..5000).map(|i| format!("3 eni-{i} 443 {now} ACCEPT")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let parquet = parquet_of(&fields, &lines, 1000);
    let truncated = flow_key("truncated", "log.parquet");
    moto::put(&s3, BUCKET, &truncated, parquet[..parquet.len() / 2].to_vec()).await;
    let whole = flow_key("whole", "log.parquet");
    moto::put(&s3, BUCKET, &whole, parquet).await;

    let (outcome, entries) = forward(&[mismatched, truncated, whole]).await;
    assert!(outcome.error.is_none(), "damage is permanent, so not a retry: {:?}", outcome.error);
    assert_eq!(outcome.stats.malformed_records, 2);
    assert_eq!(outcome.stats.objects_damaged, 1, "the truncated Parquet file");
    assert_eq!(entries.len(), 4 + 5000, "every line of the text object and every row of the whole Parquet file");
    let raw: Vec<&str> = entries.iter().filter_map(|e| e["message"].as_str()).collect();
    assert_eq!(
        raw,
        [format!("3 eni-2 443 {now}"), format!("3 eni-3 22 {now} REJECT extra")],
        "mismatched lines sent raw"
    );
    assert!(
        entries
            .iter()
            .filter(|e| e.get("message").is_none())
            .all(|e| e["srcport"].is_i64() && e.get("timestamp").is_none())
    );
}

#[tokio::test]
async fn a_parquet_range_cut_mid_response_resumes_where_it_stopped() {
    let s3 = moto::s3().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let fields: Vec<String> = ["version", "interface-id", "srcport", "start", "action"].map(str::to_owned).to_vec();
    let lines: Vec<String> = (0..20_000).map(|i| format!("3 eni-{i} 443 {now} ACCEPT")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let key = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20261124T1205Z_fault-range-cut.log.parquet";
    moto::put(&s3, BUCKET, key, parquet_of(&fields, &lines, 5000)).await;

    let proxy = S3Proxy::start(moto::endpoint()).await;
    let intake = TestIntake::start(KEY).await;
    let store = security_log_forwarder::store::S3Store::with_endpoint(proxy.url());
    let forwarder = support::forwarder_with_store(&intake.url(), KEY, &[], store);
    let outcome = forwarder.handle(&s3_event(&[key.to_owned()]), Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error.map(|e| e.describe()));
    let stats = &outcome.stats;
    eprintln!("resumed {key}: {stats}");
    assert_eq!((stats.entries_sent, stats.resumed_reads), (20_000, 1), "one resumed range, every row sent");
    let interfaces: std::collections::HashSet<String> =
        intake.accepted_entries().iter().map(|e| e["interface_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(interfaces.len(), 20_000, "every row exactly once");
}
