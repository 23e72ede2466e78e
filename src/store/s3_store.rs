//! The only code that talks to S3: `GetObject` as a stream and `ListObjectsV2` pages, behind
//! the [`ObjectStore`] trait. S3 errors become errors naming the bucket and key, classed by
//! `s3_errors`; the SDK retries throttling (KMS's included) with backoff.

use std::future::Future;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::{Bytes, BytesMut};
use tokio::sync::OnceCell;
use tokio_util::io::SyncIoBridge;

use super::ranged::RangeRead;
use super::s3_errors::{KmsThrottling, ObjectError, ObjectErrorKind};
use super::s3_resume::{Pin, Resumer, ResumingBody};
use crate::aws_sdk::SharedSdkConfig;
use crate::deadline::Deadline;

/// An object's bytes as a blocking reader (use it on a blocking thread).
pub struct ObjectBody {
    /// The (possibly compressed) bytes, streamed.
    pub reader: Box<dyn Read + Send>,
    /// Its size, when known.
    pub size: Option<u64>,
    /// How many times reading it resumed after a broken connection, for an S3 object.
    pub resumes: Option<Arc<AtomicU32>>,
    /// The ETag read, for an S3 object.
    pub etag: Option<String>,
}

impl ObjectBody {
    /// A body read as it is (a local file, bytes in memory).
    pub fn plain(reader: Box<dyn Read + Send>, size: Option<u64>) -> Self {
        Self { reader, size, resumes: None, etag: None }
    }
}

/// One page of a listing.
#[derive(Debug, Default)]
pub struct ListPage {
    /// Keys and sizes.
    pub objects: Vec<(String, u64)>,
    /// Token for the next page, if any.
    pub next: Option<String>,
}

/// Where objects are read from.
pub trait ObjectStore: Send + Sync + 'static {
    /// Starts reading an object, its current version or `version` (resuming a broken read
    /// before `deadline`).
    fn open(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<ObjectBody, ObjectError>> + Send;
    /// Opens an object for reads by byte ranges (Parquet), its current version or `version`
    /// (resuming a broken range before `deadline`).
    fn open_ranged(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Arc<dyn RangeRead>, ObjectError>> + Send;
    /// Lists one page of keys under `prefix`.
    fn list(
        &self,
        bucket: &str,
        prefix: &str,
        token: Option<String>,
    ) -> impl Future<Output = Result<ListPage, ObjectError>> + Send;
    /// The common prefixes right under `prefix` up to `delimiter` (folders at `/`), every page.
    fn folders(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
    ) -> impl Future<Output = Result<Vec<String>, ObjectError>> + Send;
}

/// Amazon S3 (or an S3-compatible server named by `AWS_ENDPOINT_URL[_S3]`, then addressed
/// path-style), connected on first use: a function that only receives findings never
/// builds the client.
pub struct S3Store {
    client: OnceCell<aws_sdk_s3::Client>,
    sdk: SharedSdkConfig,
}

impl S3Store {
    /// A store using the shared SDK configuration, connecting on first use.
    pub fn new(sdk: SharedSdkConfig) -> Self {
        Self { client: OnceCell::new(), sdk }
    }

    /// A store with its own SDK configuration from the environment.
    pub fn lazy() -> Self {
        Self::new(SharedSdkConfig::from_env())
    }

    /// A store reaching an S3-compatible server at `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        Self::new(SharedSdkConfig::with_endpoint(endpoint))
    }

    async fn client(&self) -> &aws_sdk_s3::Client {
        self.client
            .get_or_init(|| async {
                let client = self.sdk.s3_client().await;
                aws_sdk_s3::Client::from_conf(client.config().to_builder().retry_classifier(KmsThrottling).build())
            })
            .await
    }
}

/// One object of a detailed listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modified, in seconds since the epoch (0 when S3 does not say).
    pub modified: i64,
}

/// One page of a detailed listing: objects and, with a delimiter, the folders below the prefix.
#[derive(Debug, Default)]
pub struct Listing {
    /// Objects directly in the page.
    pub objects: Vec<ListedObject>,
    /// Common prefixes (folders), when listed with a delimiter.
    pub folders: Vec<String>,
    /// Token for the next page, if any.
    pub next: Option<String>,
}

impl S3Store {
    /// Lists one page under `prefix` with dates and, with `delimiter`, the folders below it.
    pub async fn list_detailed(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
    ) -> Result<Listing, ObjectError> {
        let client = self.client().await;
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_owned))
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|err| ObjectError::from_sdk(bucket, prefix, err))?;
        let objects = page
            .contents()
            .iter()
            .filter_map(|o| {
                Some(ListedObject {
                    key: o.key()?.to_owned(),
                    size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    modified: o.last_modified().map_or(0, |t| t.secs()),
                })
            })
            .collect();
        let folders = page.common_prefixes().iter().filter_map(|p| p.prefix().map(str::to_owned)).collect();
        let next =
            page.is_truncated().unwrap_or(false).then(|| page.next_continuation_token().map(str::to_owned)).flatten();
        Ok(Listing { objects, folders, next })
    }

    /// The first `len` bytes of an object (a ranged GET: an encrypted object is decrypted, so
    /// this exercises the KMS permission too).
    pub async fn read_head(&self, bucket: &str, key: &str, len: u64) -> Result<Vec<u8>, ObjectError> {
        let client = self.client().await;
        let response = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.saturating_sub(1)))
            .send()
            .await
            .map_err(|err| ObjectError::from_sdk(bucket, key, err))?;
        let bytes = response.body.collect().await.map_err(|err| ObjectError {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            kind: ObjectErrorKind::Other,
            source: Box::new(err),
        })?;
        Ok(bytes.to_vec())
    }
}

/// What later reads of an object pin to: its version id (a versioned bucket), else its ETag.
fn pin_of(version: Option<&str>, etag: Option<&str>) -> Pin {
    match (version, etag) {
        (Some(version), _) if version != "null" => Pin::Version(version.to_owned()),
        (_, Some(etag)) => Pin::ETag(etag.to_owned()),
        _ => Pin::None,
    }
}

impl ObjectStore for S3Store {
    async fn open(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        deadline: Deadline,
    ) -> Result<ObjectBody, ObjectError> {
        let client = self.client().await;
        let response = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .map_err(|err| ObjectError::from_sdk(bucket, key, err))?;
        let size = response.content_length().and_then(|n| u64::try_from(n).ok());
        let etag = response.e_tag().map(str::to_owned);
        let pin = pin_of(response.version_id(), response.e_tag());
        let resumer = resumer(client, bucket, key, pin, deadline);
        let first = Box::new(SyncIoBridge::new_with_handle(response.body.into_async_read(), resumer.handle.clone()));
        let resumes = resumer.resumes.clone();
        let reader = ResumingBody::new(resumer, size, first);
        Ok(ObjectBody { reader: Box::new(reader), size, resumes: Some(resumes), etag })
    }

    async fn open_ranged(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        deadline: Deadline,
    ) -> Result<Arc<dyn RangeRead>, ObjectError> {
        let client = self.client().await;
        let head = client
            .head_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .map_err(|err| ObjectError::from_sdk(bucket, key, err))?;
        let size = head.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        let pin = pin_of(head.version_id(), head.e_tag());
        Ok(Arc::new(S3Ranges { resumer: resumer(client, bucket, key, pin, deadline), size }))
    }

    async fn list(&self, bucket: &str, prefix: &str, token: Option<String>) -> Result<ListPage, ObjectError> {
        let listing = self.list_detailed(bucket, prefix, None, token).await?;
        let objects = listing.objects.into_iter().map(|o| (o.key, o.size)).collect();
        Ok(ListPage { objects, next: listing.next })
    }

    async fn folders(&self, bucket: &str, prefix: &str, delimiter: &str) -> Result<Vec<String>, ObjectError> {
        let (mut folders, mut token) = (Vec::new(), None);
        loop {
            let page = self.list_detailed(bucket, prefix, Some(delimiter), token).await?;
            folders.extend(page.folders);
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(folders),
            }
        }
    }
}

/// What resumes the reads of an object pinned to `pin`.
fn resumer(client: &aws_sdk_s3::Client, bucket: &str, key: &str, pin: Pin, deadline: Deadline) -> Resumer {
    let handle = tokio::runtime::Handle::current();
    let (bucket, key, resumes) = (bucket.to_owned(), key.to_owned(), Arc::new(AtomicU32::new(0)));
    Resumer { client: client.clone(), handle, bucket, key, pin, resumes, deadline }
}

/// An S3 object read by ranged GETs, each pinned to the version first seen; a response cut
/// inside its range continues with a GET of the rest of the range.
struct S3Ranges {
    resumer: Resumer,
    size: u64,
}

impl RangeRead for S3Ranges {
    fn size(&self) -> u64 {
        self.size
    }

    fn resumes(&self) -> u32 {
        self.resumer.resumes.load(Ordering::Relaxed)
    }

    fn read_range(&self, start: u64, len: usize) -> io::Result<Bytes> {
        let end = (start + len as u64).min(self.size);
        if end <= start {
            return Ok(Bytes::new());
        }
        let resumer = &self.resumer;
        let (bucket, key) = (resumer.bucket.as_str(), resumer.key.as_str());
        resumer.handle.block_on(async {
            let request = resumer.ranged_get(format!("bytes={start}-{}", end - 1));
            let mut response =
                request.send().await.map_err(|err| io::Error::other(ObjectError::from_sdk(bucket, key, err)))?;
            let mut bytes = BytesMut::with_capacity(usize::try_from(end - start).unwrap_or(0));
            loop {
                let failure = match response.body.next().await {
                    Some(Ok(chunk)) => {
                        bytes.extend_from_slice(&chunk);
                        continue;
                    }
                    None if start + bytes.len() as u64 >= end => return Ok(bytes.freeze()),
                    None => io::Error::new(io::ErrorKind::UnexpectedEof, "the S3 range ended early"),
                    Some(Err(err)) => io::Error::other(err),
                };
                let offset = start + bytes.len() as u64;
                response = resumer.reopen(format!("bytes={offset}-{}", end - 1), failure, offset).await?;
            }
        })
    }
}
