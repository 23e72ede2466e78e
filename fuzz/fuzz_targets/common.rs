//! Shared by the fuzz targets: an entry context and the checks every run must pass.

use security_log_forwarder::config::{Codec, Compression, Tags};
use security_log_forwarder::entry::rules::Rules;
use security_log_forwarder::entry::{EntryContext, ObjectOrigin};
use security_log_forwarder::sink::EntrySink;
use security_log_forwarder::source::object_kind::ObjectKind;
use security_log_forwarder::source::object_reader::read_object;
use security_log_forwarder::timestamp::Clock;

pub fn context() -> EntryContext {
    EntryContext {
        tags: Tags { common_json: "env:fuzz".into(), service: None },
        source_override: None,
        clock: Clock::now(),
        rules: Rules::default(),
        max_object_bytes: 64 << 20,
    }
}

/// Reads `data` as an object of `kind`; the books must balance and every body must be a
/// JSON array within the intake's limits.
#[allow(dead_code)]
pub fn read(data: &[u8], kind: ObjectKind) {
    let ctx = context();
    let mut sink = EntrySink::new(Compression { codec: Codec::None, level: 0 }, Vec::new());
    let _ = read_object(data, kind, &ctx, ObjectOrigin { bucket: "b", key: "k" }, &mut sink);
    let (mut stats, batches, finished) = sink.finish();
    finished.expect("nothing to compress with Codec::None");
    for batch in &batches {
        assert!(batch.raw_len <= 5_000_000 && batch.entries() <= 1000);
        let raw = batch.raw_body().expect("identity body");
        assert_eq!(raw.first(), Some(&b'['));
        assert_eq!(raw.last(), Some(&b']'));
        for entry in batch.entry_slices(&raw) {
            assert!(entry.len() <= 1_000_000);
            assert!(std::str::from_utf8(entry).is_ok(), "entries are UTF-8");
        }
        stats.entries_sent += batch.entries() as u64;
    }
    assert!(stats.balanced(), "{stats}");
}
