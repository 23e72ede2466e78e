//! How an event arrived: the shapes Lambda hands us (an EventBridge finding event of any
//! family, S3 notifications in every wrapping, S3 Batch Operations tasks, CloudWatch Logs
//! subscriptions direct or through Kinesis), parsed into what the
//! pipeline needs. What the bytes of an object are is `format`'s question.

pub mod awslogs;
pub mod batch_operations;
pub(crate) mod envelope;
pub(crate) mod eventbridge;
pub mod kinesis_records;
pub mod redriven;
pub mod s3_notification;
mod split;

pub use s3_notification::ObjectRef;
