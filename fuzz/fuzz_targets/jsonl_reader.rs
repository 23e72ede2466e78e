//! Any bytes read as a GuardDuty findings export (JSON Lines): no panic, balanced books,
//! bodies within the intake's limits. Compressed inputs are skipped: the decoders are
//! zlib-rs's and zstd's (fuzzed upstream), and left in they drew the fuzzer into inflate's
//! state space instead of ours; truncated and oversized compressed objects are cases in
//! tests/bad_input.rs.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{Encoding, sniff};
use security_log_forwarder::format::ObjectKind;

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Encoding::Plain {
        common::read(data, ObjectKind::GuardDutyExport);
    }
});
