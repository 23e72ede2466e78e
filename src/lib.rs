//! security-log-forwarder: an AWS Lambda function (and command) that ships GuardDuty
//! findings and CloudTrail logs to the Datadog logs intake.
//!
//! Data flows one way: `dispatch` and `arrival` (how the event arrived: finding event, S3
//! notification, Batch Operations task) → `format` (what the object's bytes are: its kind,
//! decoding, record readers; `store` reads S3 objects) → `entry` (one Datadog log per record) → `sink`
//! and `batch` (exact-size bodies) → `intake` (compression, HTTP, retries), driven by
//! [`pipeline`]. Imports follow the same direction; only the front ends ([`cli`],
//! [`lambda`]) and [`config`] read the environment; [`wiring`] holds the administrative
//! commands (`attach`, `detach`, `doctor`). ARCHITECTURE.md is the map.
//!
//! The public API is what the binary, the integration tests and the benchmarks need;
//! [`internals`] exposes the record readers and entry builders to the fuzz targets and the
//! profiling example, and is not a stable interface.
#![warn(unreachable_pub)]

pub mod alert;
pub mod api_key;
pub mod arrival;
pub mod aws_sdk;
pub mod backfill;
mod batch;
pub mod cli;
pub mod compress;
pub mod config;
pub mod deadline;
mod dispatch;
mod entry;
pub mod failure_queue;
mod fields;
mod finding;
pub mod format;
mod http_client;
pub mod intake;
mod json;
mod json_validate;
pub mod lambda;
mod limits;
pub mod logging;
mod metrics;
pub mod pipeline;
pub mod record_set;
pub mod redrive;
pub mod replay;
pub mod retry;
pub mod secrets;
mod severity;
mod sink;
pub mod stats;
pub mod store;
mod timestamp;
pub mod wiring;

/// Our version, sent as the `forwarder_version` tag and in the origin header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Our name, sent in the origin header and used as the default function name.
pub const NAME: &str = env!("CARGO_PKG_NAME");

/// An error's innermost cause (what a user can act on: `Connection refused`, `AccessDenied`).
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// An error and its causes, `outer: inner: innermost`, for the one line a user reads (errors
/// here keep their causes as sources instead of formatting them into their own message).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // A wrapper that repeats its cause's message adds nothing.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Record readers, entry builders and JSON helpers, for the fuzz targets and the profiling
/// example. Not a stable interface.
#[doc(hidden)]
pub mod internals {
    pub use crate::arrival::eventbridge::FindingEvent;
    pub use crate::batch::Batch;
    pub use crate::compress::compress;
    pub use crate::dispatch::{Invocation, dispatch};
    pub use crate::entry::cloudtrail::{RecordSummary, RecordWriter};
    pub use crate::entry::finding::{EnvelopeFallback, FindingBody, write_finding};
    pub use crate::entry::provenance::Provenance;
    pub use crate::entry::rules::{Rules, Scrubber};
    pub use crate::entry::tags::Tags;
    pub use crate::entry::{EntryContext, ObjectAttrs, ObjectOrigin};
    pub use crate::finding::Finding;
    pub use crate::finding::family::{FAMILIES, guardduty};
    pub use crate::format::cloudtrail::read_records;
    pub use crate::format::decode::{Encoding, decoded, sniff};
    pub use crate::format::log_events::read_events;
    pub use crate::format::log_routes::LogRoutes;
    pub use crate::format::logs_payload::LogsPayload;
    pub use crate::format::object_reader::{ObjectRead, read_object, read_ranged_object};
    pub use crate::format::scope::ObjectScope;
    pub use crate::json::{write_compact, write_str};
    pub use crate::json_validate::validate;
    pub use crate::sink::{BatchOut, EntrySink};
    pub use crate::store::RangeRead;
    pub use crate::timestamp::Clock;
}
