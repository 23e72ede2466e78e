//! Where records come from: the EventBridge finding event, S3 notifications, S3 objects,
//! and the record readers for CloudTrail files and JSON Lines objects.

pub mod cloudtrail;
pub mod eventbridge;
pub mod lines;
pub mod object_kind;
pub mod object_reader;
pub mod s3_notification;
pub mod s3_store;
mod scan;
