//! The codec floor for a log file: the CPU time that only decompressing the input (gzip) and
//! compressing the same bytes again for the intake take, with the libraries the forwarder
//! uses (flate2 with the zlib-rs backend, zstd) and in request-body-sized chunks (each chunk
//! a separate gzip member or zstd frame, as each request body is). Anything the forwarder
//! spends above this goes to parsing, building entries and sending.
//!
//! ```text
//! cargo run --release --example codec_floor -- FILE.json.gz gzip|zstd|none LEVEL [--chunk BYTES]
//! ```
//!
//! Runs on one thread and measures that thread's CPU time (user + system, nanoseconds from
//! /proc/thread-self/schedstat; /proc/self/stat ticks where that is missing). Prints one line:
//! `floor codec=… level=… chunk=… raw_bytes=… compressed_bytes=… decompress_cpu_s=…
//! compress_cpu_s=… cpu_s=… wall_s=… cpu_s_per_gb=…` (GB = 10^9 raw bytes).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use flate2::bufread::MultiGzDecoder;

/// The forwarder's largest request body (`limits::MAX_BODY_BYTES`).
const DEFAULT_CHUNK: usize = 5_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("codec_floor: {err}");
            eprintln!("usage: codec_floor FILE.json.gz gzip|zstd|none LEVEL [--chunk BYTES]");
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy)]
enum Codec {
    Gzip,
    Zstd,
    None,
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
    let file = File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut input = MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, file));

    let wall = Instant::now();
    let start = cpu_seconds();
    let mut decompress = 0.0;
    let mut compress = 0.0;
    let mut raw_bytes = 0u64;
    let mut compressed_bytes = 0u64;
    let mut buf = vec![0u8; chunk];
    loop {
        let t0 = cpu_seconds();
        let n = fill(&mut input, &mut buf).map_err(|e| format!("{path}: {e}"))?;
        let t1 = cpu_seconds();
        decompress += t1 - t0;
        if n == 0 {
            break;
        }
        raw_bytes += n as u64;
        compressed_bytes += compress_chunk(&buf[..n], codec, level).map_err(|e| format!("compressing: {e}"))? as u64;
        compress += cpu_seconds() - t1;
    }
    let total = cpu_seconds() - start;
    let wall = wall.elapsed().as_secs_f64();
    let name = match codec {
        Codec::Gzip => "gzip",
        Codec::Zstd => "zstd",
        Codec::None => "none",
    };
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

/// Compresses one request body the way the forwarder does; returns the compressed size.
fn compress_chunk(raw: &[u8], codec: Codec, level: i32) -> io::Result<usize> {
    let body = match codec {
        Codec::Gzip => {
            let level = flate2::Compression::new(level.clamp(0, 9) as u32);
            let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 6 + 64), level);
            encoder.write_all(raw)?;
            encoder.finish()?
        }
        Codec::Zstd => zstd::bulk::compress(raw, level)?,
        Codec::None => raw.to_vec(),
    };
    Ok(std::hint::black_box(body).len())
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
