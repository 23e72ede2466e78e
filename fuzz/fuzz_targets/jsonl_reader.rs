//! Any bytes read as a GuardDuty findings export (JSON Lines): no panic, balanced books,
//! bodies within the intake's limits.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::source::object_kind::ObjectKind;

fuzz_target!(|data: &[u8]| common::read(data, ObjectKind::GuardDutyExport));
