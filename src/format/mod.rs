//! What format an object is in: its kind from the key, decoding (gzip/zstd sniffing, the
//! size cap) and the record reader for each kind (CloudTrail files, JSON Lines, VPC flow logs in text and
//! Parquet, plain lines).

mod block_cache;
pub(crate) mod cloudtrail;
pub(crate) mod decode;
mod flow_parquet;
mod gunzip;
pub(crate) mod lines;
pub mod object_kind;
pub(crate) mod object_reader;
mod scan;
mod scope;
pub mod sources;
pub(crate) mod vpcflow;

pub use object_kind::ObjectKind;
