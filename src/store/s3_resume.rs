//! An S3 object's body that survives a broken connection: when the stream fails mid-object
//! (reset, timeout, a 5xx), reading continues with a ranged GET from the byte offset already
//! read, pinned to the same object version (its version id, else `If-Match` on its ETag), a
//! bounded number of times with backoff and within the deadline. No byte is read twice and
//! none is skipped, so no record is sent twice; an object that changed meanwhile is an error
//! of its own ([`ObjectChanged`]). Ranged reads (Parquet) resume the same way: a response
//! cut inside its range continues with a GET of the bytes it still owed.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::get_object::builders::GetObjectFluentBuilder;
use tokio_util::io::SyncIoBridge;

use crate::deadline::Deadline;

/// Resumptions allowed per object.
const MAX_RESUMES: u32 = 3;

/// First wait before resuming; doubles each time.
const FIRST_WAIT: Duration = Duration::from_millis(200);

/// The connection to the object's store was lost and could not be resumed.
#[derive(Debug, thiserror::Error)]
#[error("the connection to S3 broke and could not be resumed")]
pub struct ConnectionLost(#[source] pub(crate) io::Error);

/// The object was replaced while it was being read: the rest of it would not match.
#[derive(Debug, thiserror::Error)]
#[error("the object changed while it was being read (its version no longer matches); read it again from the start")]
pub struct ObjectChanged;

/// Which version of the object the resumed reads must get.
#[derive(Debug, Clone)]
pub(crate) enum Pin {
    /// `versionId` (a versioned bucket).
    Version(String),
    /// `If-Match` on the ETag.
    ETag(String),
    /// Nothing to pin to: the object is not resumed.
    None,
}

/// What resumes the reads of one object: the object, the version they are pinned to, the
/// resumptions made so far (shared by every read of the object) and the deadline.
pub(crate) struct Resumer {
    pub(crate) client: aws_sdk_s3::Client,
    pub(crate) handle: tokio::runtime::Handle,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) pin: Pin,
    pub(crate) resumes: Arc<AtomicU32>,
    pub(crate) deadline: Deadline,
}

impl Resumer {
    /// A GET of `range` (`bytes=a-` or `bytes=a-b`) pinned to the object's version.
    pub(crate) fn ranged_get(&self, range: String) -> GetObjectFluentBuilder {
        let request = self.client.get_object().bucket(&self.bucket).key(&self.key).range(range);
        match &self.pin {
            Pin::Version(version) => request.version_id(version),
            Pin::ETag(etag) => request.if_match(etag),
            Pin::None => request,
        }
    }

    /// Replaces a read broken at `offset` by a GET of `range` (the bytes still to read), or
    /// gives the failure back (as a lost connection) when resuming is not possible or not
    /// allowed any more; an object replaced meanwhile is [`ObjectChanged`]. Waits with
    /// backoff first (on the blocking thread the read runs on).
    pub(crate) async fn reopen(&self, range: String, failure: io::Error, offset: u64) -> io::Result<GetObjectOutput> {
        let lost = |failure| io::Error::other(ConnectionLost(failure));
        if matches!(self.pin, Pin::None) {
            return Err(lost(failure));
        }
        loop {
            let attempt = self.resumes.load(Ordering::Relaxed);
            let wait = FIRST_WAIT.saturating_mul(1 << attempt.min(8)).mul_f64(0.5 + fastrand::f64() / 2.0);
            let in_time = self.deadline.remaining().is_none_or(|left| left > wait + Duration::from_secs(1));
            if attempt >= MAX_RESUMES || !in_time {
                return Err(lost(failure));
            }
            self.resumes.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                bucket = %self.bucket, key = %self.key, offset, attempt = attempt + 1, error = %failure,
                "the S3 read broke mid-response; resuming from the offset already read"
            );
            std::thread::sleep(wait);
            match self.ranged_get(range.clone()).send().await {
                Ok(response) => return Ok(response),
                Err(err) => {
                    let changed = err.code() == Some("PreconditionFailed")
                        || err.raw_response().is_some_and(|r| r.status().as_u16() == 412);
                    if changed {
                        return Err(io::Error::other(ObjectChanged));
                    }
                    tracing::warn!(bucket = %self.bucket, key = %self.key, "the ranged GET to resume failed");
                }
            }
        }
    }
}

/// A streamed object body that resumes where it broke.
pub(crate) struct ResumingBody {
    resumer: Resumer,
    size: Option<u64>,
    offset: u64,
    current: Box<dyn Read + Send>,
}

impl ResumingBody {
    /// `first` is the body of a whole-object GET that answered the resumer's pin and `size`.
    pub(crate) fn new(resumer: Resumer, size: Option<u64>, first: Box<dyn Read + Send>) -> Self {
        Self { resumer, size, offset: 0, current: first }
    }

    /// Replaces the broken stream by a ranged GET from the current offset.
    fn resume(&mut self, failure: io::Error) -> io::Result<()> {
        let resumer = &self.resumer;
        let reopened = resumer.reopen(format!("bytes={}-", self.offset), failure, self.offset);
        let response = resumer.handle.block_on(reopened)?;
        let body = SyncIoBridge::new_with_handle(response.body.into_async_read(), resumer.handle.clone());
        self.current = Box::new(body);
        Ok(())
    }
}

impl Read for ResumingBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let failure = match self.current.read(buf) {
                Ok(0) if !buf.is_empty() && self.size.is_some_and(|size| self.offset < size) => {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "the S3 stream ended before the object did")
                }
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => err,
            };
            self.resume(failure)?;
        }
    }
}
