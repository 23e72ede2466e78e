//! VPC flow log benchmark data built from real sample lines: the default-format (v2) data lines
//! of every `.log`/`.log.gz` file in SAMPLES_DIR, replicated with fresh `start`/`end` (within
//! the last hour, so the intake keeps them), written as AWS writes flow logs.
//!
//! ```text
//! cargo run --release --example vpc_corpus -- text|parquet SAMPLES_DIR SIZE_MB OUT_DIR [--per-file MB]
//! ```
//!
//! - `text`: gzip `.log.gz` objects with the v2 header, `--per-file` MiB raw each (default 5;
//!   AWS writes at most 75 MB per object), SIZE_MB MiB of lines in all.
//! - `parquet`: one `.log.parquet` file (gzip pages, the column types of AWS's Parquet flow
//!   logs) holding SIZE_MB MiB of flow lines as text would hold them.
//!
//! Prints one `file …` line per file and a `total …` line, as `gen_data` does.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const DIR: &str = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24";
const ROWS_PER_GROUP: usize = 100_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, samples, size, out, rest @ ..] = args.as_slice() else {
        return Err("usage: vpc_corpus text|parquet SAMPLES_DIR SIZE_MB OUT_DIR [--per-file MB]".into());
    };
    let target: u64 = size.parse::<u64>()? << 20;
    let per_file: u64 = match rest {
        [flag, mb] if flag == "--per-file" => mb.parse::<u64>()? << 20,
        _ => 5 << 20,
    };
    let lines = sample_lines(Path::new(samples))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    let mut rows = lines.iter().cycle().enumerate().map(|(i, words)| {
        let mut words = words.clone();
        let start = now - 3600 + (i as i64 % 3000);
        words[10] = start.to_string();
        words[11] = (start + 60).to_string();
        words
    });
    let dir = Path::new(out).join(DIR);
    fs::create_dir_all(&dir)?;
    let (mut raw, mut records, mut files) = (0u64, 0u64, 0u64);
    let name = |n: u64, ext: &str| {
        dir.join(format!("123456789012_vpcflowlogs_us-east-1_fl-0bench_20261124T1200Z_{n:08x}.{ext}"))
    };
    match mode.as_str() {
        "text" => {
            while raw < target {
                let path = name(files, "log.gz");
                let mut gz =
                    flate2::write::GzEncoder::new(BufWriter::new(File::create(&path)?), flate2::Compression::new(6));
                writeln!(gz, "{HEADER}")?;
                let (mut file_raw, mut file_records) = (HEADER.len() as u64 + 1, 0u64);
                while file_raw < per_file && raw + file_raw < target {
                    let line = rows.next().ok_or("no sample lines")?.join(" ");
                    writeln!(gz, "{line}")?;
                    file_raw += line.len() as u64 + 1;
                    file_records += 1;
                }
                gz.finish()?.flush()?;
                println!("file {} records={file_records} raw_bytes={file_raw}", path.display());
                (raw, records, files) = (raw + file_raw, records + file_records, files + 1);
            }
        }
        "parquet" => {
            let path = name(0, "log.parquet");
            (raw, records) = write_parquet(&path, &mut rows, target)?;
            println!("file {} records={records} raw_bytes={raw}", path.display());
            files = 1;
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    println!("total files={files} records={records} raw_bytes={raw}");
    Ok(())
}

/// The default-format data lines of the samples, split into their 14 words.
fn sample_lines(dir: &Path) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    paths.sort();
    let mut lines = Vec::new();
    for path in paths {
        let file = File::open(&path)?;
        let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        let mut header_ok = true;
        for (i, line) in BufReader::new(reader).lines().enumerate() {
            let line = line?;
            if i == 0 && line.starts_with(|c: char| c.is_ascii_lowercase()) {
                header_ok = line.split_whitespace().eq(HEADER.split_whitespace());
                continue;
            }
            let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            if header_ok && words.len() == 14 && words[0] == "2" {
                lines.push(words);
            }
        }
    }
    Ok(lines)
}

/// Writes rows until `target` bytes of text lines; returns (raw bytes, records).
fn write_parquet(
    path: &Path,
    rows: &mut impl Iterator<Item = Vec<String>>,
    target: u64,
) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let columns: Vec<String> = HEADER.split(' ').map(|f| f.replace('-', "_")).collect();
    let schema: String = columns
        .iter()
        .map(|c| format!("OPTIONAL {} {c}{};", kind(c), if kind(c) == "BYTE_ARRAY" { " (UTF8)" } else { "" }))
        .collect();
    let schema = Arc::new(parse_message_type(&format!("message flow {{ {schema} }}"))?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::GZIP(Default::default())).build());
    let mut writer = SerializedFileWriter::new(BufWriter::new(File::create(path)?), schema, props)?;
    let (mut raw, mut records) = (0u64, 0u64);
    while raw < target {
        let mut group = Vec::with_capacity(ROWS_PER_GROUP);
        while group.len() < ROWS_PER_GROUP && raw < target {
            let row = rows.next().ok_or("no sample lines")?;
            raw += row.iter().map(|w| w.len() as u64 + 1).sum::<u64>();
            group.push(row);
        }
        records += group.len() as u64;
        let mut rg = writer.next_row_group()?;
        for (i, column) in columns.iter().enumerate() {
            let values: Vec<&str> = group.iter().map(|r| r[i].as_str()).collect();
            let defs: Vec<i16> = values.iter().map(|v| i16::from(*v != "-")).collect();
            let present = values.iter().filter(|v| **v != "-");
            let mut col = rg.next_column()?.ok_or("missing column")?;
            match kind(column) {
                "INT64" => {
                    let v: Vec<i64> = present.map(|v| v.parse()).collect::<Result<_, _>>()?;
                    col.typed::<Int64Type>().write_batch(&v, Some(&defs), None)?;
                }
                "INT32" => {
                    let v: Vec<i32> = present.map(|v| v.parse()).collect::<Result<_, _>>()?;
                    col.typed::<Int32Type>().write_batch(&v, Some(&defs), None)?;
                }
                _ => {
                    let v: Vec<ByteArray> = present.map(|v| ByteArray::from(*v)).collect();
                    col.typed::<ByteArrayType>().write_batch(&v, Some(&defs), None)?;
                }
            }
            col.close()?;
        }
        rg.close()?;
    }
    writer.close()?;
    Ok((raw, records))
}

/// The Parquet type of a column, as AWS writes flow logs.
fn kind(column: &str) -> &'static str {
    match column {
        "packets" | "bytes" | "start" | "end" => "INT64",
        "version" | "srcport" | "dstport" | "protocol" => "INT32",
        _ => "BYTE_ARRAY",
    }
}
