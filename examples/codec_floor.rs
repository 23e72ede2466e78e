//! The codec floor for log files: the CPU time that only decompressing the input and
//! compressing the same bytes again for the intake take, with the forwarder's own decoder and
//! compressor (the same libraries and levels) and in request-body-sized chunks (each chunk a
//! separate gzip member or zstd frame, as each request body is). Anything the forwarder
//! spends above this goes to parsing, building entries and sending.
//!
//! ```text
//! cargo run --release --example codec_floor -- FILE_OR_DIR gzip|zstd|none LEVEL [--chunk BYTES]
//! ```
//!
//! A folder stands for every file under it (a corpus of CloudTrail objects), read in name
//! order as one stream.
//!
//! Runs on one thread and measures that thread's CPU time (user + system, nanoseconds from
//! /proc/thread-self/schedstat; /proc/self/stat ticks where that is missing). Prints one line:
//! `floor codec=… level=… chunk=… raw_bytes=… compressed_bytes=… decompress_cpu_s=…
//! compress_cpu_s=… cpu_s=… wall_s=… cpu_s_per_gb=…` (GB = 10^9 raw bytes).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use security_log_forwarder::compress::{Codec, Compression};
use security_log_forwarder::internals::{compress, decoded};

/// The forwarder's largest request body (`limits::MAX_BODY_BYTES`).
const DEFAULT_CHUNK: usize = 5_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("codec_floor: {err}");
            eprintln!("usage: codec_floor FILE_OR_DIR gzip|zstd|none LEVEL [--chunk BYTES]");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut positional = Vec::new();
    let mut chunk = DEFAULT_CHUNK;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--chunk" {
            chunk = args.next().ok_or("--chunk needs a value")?.parse().map_err(|e| format!("--chunk: {e}"))?;
            if chunk == 0 {
                return Err("--chunk must be at least 1".into());
            }
        } else {
            positional.push(arg);
        }
    }
    let [path, codec, level] = <[String; 3]>::try_from(positional).map_err(|_| "expected 3 arguments".to_owned())?;
    let codec = match codec.as_str() {
        "gzip" => Codec::Gzip,
        "zstd" => Codec::Zstd,
        "none" => Codec::None,
        other => return Err(format!("unknown codec `{other}`")),
    };
    let level: i32 = level.parse().map_err(|e| format!("LEVEL: {e}"))?;
    let compression = Compression { codec, level };
    let mut files = Vec::new();
    collect(Path::new(&path), &mut files).map_err(|e| format!("{path}: {e}"))?;
    let mut files = files.into_iter();
    let mut input: Option<Box<dyn Read + Send>> = None;

    let wall = Instant::now();
    let start = cpu_seconds();
    let mut decompress = 0.0;
    let mut compress = 0.0;
    let mut raw_bytes = 0u64;
    let mut compressed_bytes = 0u64;
    let mut buf = vec![0u8; chunk];
    let mut filled = 0;
    loop {
        let t0 = cpu_seconds();
        let reader = match &mut input {
            Some(reader) => reader,
            None => match files.next() {
                Some(file) => {
                    let opened = File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                    input.insert(Box::new(
                        decoded(opened, None, u64::MAX).map_err(|e| format!("{}: {e}", file.display()))?,
                    ))
                }
                None if filled == 0 => break,
                None => {
                    compressed_bytes += compressed_size(&buf[..filled], compression)?;
                    raw_bytes += filled as u64;
                    compress += cpu_seconds() - t0;
                    break;
                }
            },
        };
        let n = fill(reader, &mut buf[filled..]).map_err(|e| format!("{path}: {e}"))?;
        let t1 = cpu_seconds();
        decompress += t1 - t0;
        if n == 0 {
            input = None;
            continue;
        }
        filled += n;
        if filled == buf.len() {
            compressed_bytes += compressed_size(&buf, compression)?;
            raw_bytes += filled as u64;
            filled = 0;
            compress += cpu_seconds() - t1;
        }
    }
    let total = cpu_seconds() - start;
    let wall = wall.elapsed().as_secs_f64();
    let name = match codec {
        Codec::Gzip => "gzip",
        Codec::Zstd => "zstd",
        Codec::None => "none",
    };
    if raw_bytes == 0 {
        return Err(format!("{path}: no data"));
    }
    println!(
        "floor codec={name} level={level} chunk={chunk} raw_bytes={raw_bytes} compressed_bytes={compressed_bytes} decompress_cpu_s={decompress:.3} compress_cpu_s={compress:.3} cpu_s={total:.3} wall_s={wall:.3} cpu_s_per_gb={:.3}",
        total / (raw_bytes.max(1) as f64 / 1e9)
    );
    Ok(())
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Compresses one request body as the forwarder does; returns the compressed size.
fn compressed_size(raw: &[u8], compression: Compression) -> Result<u64, String> {
    let body = compress(raw, compression).map_err(|e| format!("compressing: {e}"))?;
    Ok(std::hint::black_box(body).len() as u64)
}

/// The files under `path` (or `path` itself), in name order.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            collect(&entry, out)?;
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

/// CPU time (user + system) of the calling thread so far, in seconds.
fn cpu_seconds() -> f64 {
    // schedstat: "<ns on CPU> <ns waiting> <timeslices>".
    if let Ok(text) = std::fs::read_to_string("/proc/thread-self/schedstat")
        && let Some(ns) = text.split_whitespace().next().and_then(|v| v.parse::<u64>().ok())
    {
        return ns as f64 / 1e9;
    }
    // stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the `)` that ends
    // the command name; the tick rate is 100 Hz on Linux.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    (ticks(11) + ticks(12)) as f64 / 100.0
}
