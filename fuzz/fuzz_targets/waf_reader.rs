//! Any bytes read as an AWS WAF log (JSON Lines, arrays flattened): no panic, balanced books,
//! bodies within the intake's limits, and every entry valid JSON (the flattener writes raw
//! JSON, so a mistake there would make the intake refuse a whole body). Compressed inputs are
//! skipped, as in the other readers' targets.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{Encoding, sniff};
use security_log_forwarder::format::ObjectKind;

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Encoding::Plain {
        let (bodies, _) = common::read(data, ObjectKind::Waf);
        for body in serde_json::Deserializer::from_slice(&bodies).into_iter::<Vec<serde_json::Value>>() {
            body.expect("entries are valid JSON");
        }
    }
});
