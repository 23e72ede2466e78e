//! What format an object is in: its kind from the key, decoding (gzip/zstd sniffing, the
//! size cap) and the record reader for each kind (CloudTrail files, JSON Lines, VPC flow logs
//! in text and Parquet, plain lines); and the CloudWatch Logs subscription payload, its events
//! routed by group and stream.

mod block_cache;
mod classify;
pub(crate) mod cloudtrail;
pub(crate) mod decode;
mod flow_parquet;
pub(crate) mod gunzip;
pub mod key_names;
pub(crate) mod lines;
pub mod log_events;
pub mod log_routes;
pub mod logs_payload;
pub mod object_kind;
pub(crate) mod object_reader;
mod scan;
pub mod scope;
pub mod source_rules;
pub mod sources;
pub(crate) mod vpcflow;

pub use object_kind::ObjectKind;
