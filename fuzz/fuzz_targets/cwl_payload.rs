//! Any decoded CloudWatch Logs payload (and any `awslogs` event): parsing, routing and
//! building the logs never panic, every event is counted once, and the payload reader reads
//! what serde reads (its direct reader for the usual form is compared with serde's).
#![no_main]

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{
    Clock, EntryContext, EntrySink, LogRoutes, LogsPayload, Provenance, Rules, Tags, dispatch, read_events,
};

fuzz_target!(|data: &[u8]| {
    let _ = dispatch(data);
    let by_serde = serde_json::from_slice::<LogsPayload>(data);
    let Ok(payload) = LogsPayload::parse(data) else {
        if let Ok(by_serde) = by_serde {
            assert!(by_serde.log_events.is_none() && !by_serde.is_control(), "refused what serde reads");
        }
        return;
    };
    let by_serde = by_serde.expect("read what serde refuses");
    assert_eq!(format!("{payload:?}"), format!("{by_serde:?}"));
    let ctx = EntryContext {
        tags: Tags::new(""),
        source_override: None,
        clock: Clock::now(),
        rules: Rules::default(),
        standard_attributes: false,
        provenance: Provenance::Ref,
        log_event_id: true,
    };
    let mut sink = EntrySink::new(Vec::new());
    let _ = read_events(&payload, &LogRoutes::default(), &ctx, &mut sink);
    let (stats, batches, _) = sink.finish();
    assert_eq!(stats.records_in as usize, payload.events().len());
    for batch in batches {
        let body = batch.raw_body().expect("a body");
        serde_json::from_slice::<Vec<serde_json::Value>>(&body).expect("valid JSON");
    }
});
