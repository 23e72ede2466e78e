//! security-log-forwarder: an AWS Lambda function (and command) that ships GuardDuty
//! findings and CloudTrail logs to the Datadog logs intake.
//!
//! Data flows one way: [`dispatch`] (which event shape) → [`source`] (finding event, S3
//! notification, S3 object, record readers) → [`entry`] (one Datadog log per record) →
//! [`batch`] (exact-size bodies) → [`intake`] (compression, HTTP, retries). [`config`] reads
//! the environment once; [`api_key`] resolves the key once.

pub mod api_key;
pub mod batch;
pub mod cli;
pub mod compress;
pub mod config;
pub mod deadline;
pub mod dispatch;
pub mod entry;
pub mod forwarder;
pub mod intake;
pub mod json;
pub mod json_validate;
pub mod lambda;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod replay;
pub mod sink;
pub mod source;
pub mod stats;
pub mod timestamp;
