//! Any JSON object as a finding of every family, an EventBridge envelope and a CloudTrail record: the entry
//! built from it is valid JSON, and scrubbing keeps it valid.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{
    EnvelopeFallback, FAMILIES, Finding, FindingBody, ObjectOrigin, RecordSummary, RecordWriter, Scrubber, write_compact,
    write_finding,
};

fn valid(entry: &[u8]) {
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(entry) {
        assert!(e.to_string().contains("recursion limit"), "invalid entry: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    // Only inputs that are themselves JSON objects (the readers guarantee this).
    let Ok(serde_json::Value::Object(_)) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let ctx = common::context();
    let mut compact = Vec::new();
    write_compact(&mut compact, data);
    let mut out = Vec::new();
    let scrubber = Scrubber::new(true, true, Some((r#"[{}":,\\]"#, "#"))).unwrap().unwrap();
    let mut scrubbed = Vec::new();

    for family in &FAMILIES {
        let finding = Finding::parse(family, &compact).unwrap_or_default();
        let split = FindingBody::Split { envelope: b"", detail: b"", finding: &compact };
        for body in [FindingBody::Export(&compact), FindingBody::Event(&compact), split] {
            write_finding(&mut out, &ctx, &finding, EnvelopeFallback::default(), body);
            valid(&out);
            if scrubber.scrub_entry(&out, &mut scrubbed) {
                valid(&scrubbed);
            }
        }
    }
    if let Ok(record) = RecordSummary::parse(&compact) {
        RecordWriter::for_object(&ctx, ObjectOrigin { bucket: "b", key: "k" }).write(&mut out, &ctx, &record, &compact);
        valid(&out);
        if scrubber.scrub_entry(&out, &mut scrubbed) {
            valid(&scrubbed);
        }
    }
});
