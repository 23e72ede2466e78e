//! Shared by the fuzz targets: an entry context and the checks every run must pass.

use security_log_forwarder::internals::{Batch, Clock, EntryContext, EntrySink, ObjectOrigin, Provenance, Rules, Tags, read_object};
use security_log_forwarder::format::ObjectKind;

/// The entry context every target uses.
pub fn context() -> EntryContext {
    EntryContext {
        tags: Tags { common_json: "env:fuzz".into(), service: None },
        source_override: None,
        // A fixed time, so that runs are reproducible and two readings compare equal.
        clock: Clock::at(time::macros::datetime!(2026-11-24 12:00 UTC)),
        rules: Rules::default(),
        standard_attributes: false,
        provenance: Provenance::Ref,
        log_event_id: false,
    }
}

/// Reads `data` as an object of `kind`; the books must balance and every body must be a
/// JSON array within the intake's limits. Returns the bodies and the counters.
#[allow(dead_code)]
pub fn read(data: &[u8], kind: ObjectKind) -> (Vec<u8>, String) {
    let ctx = context();
    let mut sink = EntrySink::new(Vec::new());
    let _ = read_object(data, Some(data.len() as u64), kind, 64 << 20, &ctx, ObjectOrigin { bucket: "b", key: "k" }, &mut sink);
    check(sink)
}

/// Checks what a sink received: balanced books, bodies within the intake's limits, entries
/// that are UTF-8 JSON.
pub fn check(sink: EntrySink<Vec<Batch>>) -> (Vec<u8>, String) {
    let (mut stats, batches, finished) = sink.finish();
    finished.expect("a Vec takes every body");
    for batch in &batches {
        assert!(batch.raw_len <= 5_000_000 && batch.entries() <= 1000);
        let raw = batch.raw_body().expect("uncompressed body");
        assert_eq!(raw.first(), Some(&b'['));
        assert_eq!(raw.last(), Some(&b']'));
        for entry in batch.entry_slices(&raw) {
            assert!(entry.len() <= 1_000_000);
            assert!(std::str::from_utf8(entry).is_ok(), "entries are UTF-8");
            assert!(serde_json::from_slice::<serde::de::IgnoredAny>(entry).is_ok(), "entries are JSON");
        }
        stats.entries_sent += batch.entries() as u64;
    }
    assert!(stats.balanced(), "{stats}");
    (batches.iter().flat_map(|b| b.raw_body().expect("uncompressed body")).collect(), stats.to_string())
}
