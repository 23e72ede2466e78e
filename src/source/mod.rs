//! Where records come from: the EventBridge finding event, S3 notifications, S3 objects
//! (the store, decoding, the reader for each kind of object) and the record readers for
//! CloudTrail files and JSON Lines objects.

pub mod batch_operations;
pub(crate) mod cloudtrail;
pub(crate) mod decode;
pub(crate) mod envelope;
pub(crate) mod eventbridge;
mod gunzip;
pub(crate) mod lines;
pub mod object_kind;
pub(crate) mod object_reader;
pub mod s3_notification;
mod s3_resume;
pub mod s3_store;
mod scan;

pub use object_kind::ObjectKind;
pub use s3_notification::ObjectRef;
pub use s3_resume::ObjectChanged;
pub use s3_store::{ObjectBody, ObjectError, ObjectErrorKind, ObjectStore, S3Store};
