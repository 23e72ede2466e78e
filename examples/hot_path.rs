//! Where the forwarder's own CPU time goes for a CloudTrail file, stage by stage, without
//! codecs or I/O: the file is decompressed into memory first, then each stage runs over all
//! its records on one thread.
//!
//! ```text
//! cargo run --release --example hot_path -- FILE_OR_DIR [STAGE]
//! ```
//!
//! A folder stands for every `.json.gz` file under it (a corpus of CloudTrail objects).
//!
//! With STAGE, only that stage runs (five times), for a profiler:
//! `perf record -g target/profiling/examples/hot_path FILE.json.gz summary`.
//!
//! Prints one line per stage with CPU seconds per GB of raw records (10^9 bytes):
//! `read_object` (the whole reader: scanning records, summaries, entries, bodies) and its
//! parts measured alone: UTF-8 validation, JSON validation with member extraction,
//! `serde_json` skipping the same record (for comparison), the record summary (validation
//! included) and writing the entry.

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::internals::{
    Batch, BatchOut, Clock, EntryContext, EntrySink, ObjectOrigin, Provenance, RecordSummary, RecordWriter, Rules,
    Tags, read_object, validate,
};
use serde_json::value::RawValue;

const ORIGIN: ObjectOrigin<'static> = ObjectOrigin {
    bucket: "cloudtrail-bucket",
    key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_xKMciY9CDZgTVlHO.json.gz",
};

#[derive(serde::Deserialize)]
struct File<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<&'a RawValue>,
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: hot_path FILE_OR_DIR [STAGE]");
        return ExitCode::from(2);
    };
    match run(&path, args.next()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hot_path: {path}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Discards bodies, as delivering them would (the pipeline frees each after sending).
struct Discard;

impl BatchOut for Discard {
    fn send(&mut self, _batch: Batch) -> Result<(), Batch> {
        Ok(())
    }
}

/// The `.json.gz` files under `path` (or `path` itself), in name order.
fn collect(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            collect(&entry, out)?;
        }
    } else if path.to_string_lossy().ends_with(".json.gz") {
        out.push(path.to_owned());
    }
    Ok(())
}

fn run(path: &str, only: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut paths = Vec::new();
    collect(std::path::Path::new(path), &mut paths)?;
    let mut raws = Vec::new();
    for file in &paths {
        let mut raw = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(file)?).read_to_end(&mut raw)?;
        raws.push(raw);
    }
    let files: Vec<File> = raws.iter().map(|raw| serde_json::from_slice(raw)).collect::<Result<_, _>>()?;
    let records: Vec<&[u8]> = files.iter().flat_map(|f| f.records.iter().map(|r| r.get().as_bytes())).collect();
    let bytes: usize = records.iter().map(|r| r.len()).sum();
    let file_bytes: usize = raws.iter().map(Vec::len).sum();
    println!(
        "path={path} files={} records={} record_bytes={bytes} file_bytes={file_bytes}",
        paths.len(),
        records.len()
    );
    let ctx = EntryContext {
        tags: Tags::new(""),
        source_override: None,
        clock: Clock::now(),
        rules: Rules::default(),
        standard_attributes: false,
        provenance: Provenance::None,
        log_event_id: false,
    };
    let per_gb = |seconds: f64| seconds / bytes as f64 * 1e9;
    let stage = |name: &str, f: &mut dyn FnMut() -> usize| {
        let runs = match &only {
            Some(only) if only != name => return,
            Some(_) => 5,
            None => 1,
        };
        for _ in 0..runs {
            let start = Instant::now();
            let check = f();
            println!("stage={name:<12} cpu_s_per_gb={:.3} ({check})", per_gb(start.elapsed().as_secs_f64()));
        }
    };

    stage("read_object", &mut || {
        let mut batches = 0;
        for raw in &raws {
            let mut sink = EntrySink::new(Discard);
            let read = read_object(&raw[..], None, ObjectKind::CloudTrail, u64::MAX, &ctx, ORIGIN, &mut sink);
            let (stats, _, _) = sink.finish();
            assert!(read.is_ok() && stats.entries_failed == 0);
            batches += stats.batches as usize;
        }
        batches
    });
    stage("utf8", &mut || records.iter().filter(|r| std::str::from_utf8(r).is_ok()).count());
    stage("validate", &mut || records.iter().filter(|r| validate(r, |_, _| {})).count());
    stage("serde_skip", &mut || {
        records.iter().filter(|r| serde_json::from_slice::<serde::de::IgnoredAny>(r).is_ok()).count()
    });
    stage("summary", &mut || records.iter().filter(|r| RecordSummary::parse(r).is_ok()).count());
    let summaries: Vec<RecordSummary> = records.iter().filter_map(|r| RecordSummary::parse(r).ok()).collect();
    let mut entry = Vec::with_capacity(1 << 20);
    let writer = RecordWriter::for_object(&ctx, ORIGIN);
    stage("write_entry", &mut || {
        let mut total = 0;
        for (summary, record) in summaries.iter().zip(&records) {
            writer.write(&mut entry, &ctx, summary, record);
            total += entry.len();
        }
        total
    });
    Ok(())
}
