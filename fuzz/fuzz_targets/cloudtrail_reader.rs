//! Any bytes read as a CloudTrail file: no panic, balanced books, bodies within the intake's
//! limits. Compressed inputs are skipped: the decoders are zlib-rs's and zstd's (fuzzed
//! upstream), and left in they drew the fuzzer into inflate's state space instead of ours;
//! truncated and oversized compressed objects are cases in tests/bad_input.rs. Records read
//! in place from the buffer must give the same entries as records copied out of a 3-byte
//! buffer (the slow path).
#![no_main]

#[path = "common.rs"]
mod common;

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{EntrySink, Encoding, ObjectAttrs, ObjectOrigin, ObjectScope, read_records, sniff};
use security_log_forwarder::format::ObjectKind;

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Encoding::Plain {
        let in_place = common::read(data, ObjectKind::CloudTrail);
        let mut sink = EntrySink::new(Vec::new());
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let ctx = common::context();
        let attrs = ObjectAttrs::new(&ctx, "cloudtrail", "cloudtrail", Some(origin));
        let _ = read_records(BufReader::with_capacity(3, data), &ObjectScope { ctx: &ctx, origin, attrs, source: ObjectKind::CloudTrail.source() }, &mut sink);
        assert_eq!(in_place, common::check(sink), "in-place and copied records differ");
    }
});
