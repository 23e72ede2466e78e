//! Any bytes read as a Parquet VPC flow log, by byte ranges: no panic, balanced books,
//! bodies within the intake's limits (damage is an error, never a crash).
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::format::ObjectKind;
use security_log_forwarder::internals::{EntrySink, ObjectOrigin, RangeRead, read_ranged_object};

struct Memory(Vec<u8>);

impl RangeRead for Memory {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_range(&self, start: u64, len: usize) -> std::io::Result<bytes::Bytes> {
        let start = usize::try_from(start).unwrap_or(usize::MAX).min(self.0.len());
        let end = start.saturating_add(len).min(self.0.len());
        Ok(bytes::Bytes::copy_from_slice(&self.0[start..end]))
    }
}

fuzz_target!(|data: &[u8]| {
    let ctx = common::context();
    let mut sink = EntrySink::new(Vec::new());
    let origin = ObjectOrigin { bucket: "b", key: "k.parquet" };
    let _ = read_ranged_object(Arc::new(Memory(data.to_vec())), ObjectKind::VpcFlowParquet, &ctx, origin, &mut sink);
    common::check(sink);
});
