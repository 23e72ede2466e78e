//! Any bytes read as a VPC flow log in text (headers anywhere, custom formats, field counts
//! that do not match): no panic, balanced books, bodies within the intake's limits.
//! Compressed inputs are skipped, as in the other text readers' targets.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::internals::{Encoding, sniff};

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Encoding::Plain {
        common::read(data, ObjectKind::VpcFlow);
    }
});
