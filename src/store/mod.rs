//! The S3 object store: the only code that reads S3 objects (GetObject, ranged reads,
//! List), and the resumption of a read cut mid-object.

pub mod ranged;
mod s3_errors;
mod s3_resume;
pub mod s3_store;

pub use ranged::RangeRead;
pub use s3_errors::{ObjectError, ObjectErrorKind};
pub use s3_resume::{ConnectionLost, ObjectChanged};
pub use s3_store::{ObjectBody, ObjectStore, S3Store};
