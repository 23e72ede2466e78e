//! What an S3 error means, from the error code S3 answered and the HTTP status — never from
//! the message text: the class decides whether the SDK retries the request with backoff,
//! whether the invocation (or a Batch Operations task) is worth retrying, and what the user
//! is told to fix.

use aws_sdk_s3::config::interceptors::InterceptorContext;
use aws_sdk_s3::config::retry::{ClassifyRetry, RetryAction};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;

/// What went wrong reading an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ObjectErrorKind {
    /// S3 says the key does not exist.
    #[error("NoSuchKey: the object does not exist (deleted since the notification, or its key is encoded differently)")]
    NotFound,
    /// S3 says the bucket does not exist.
    #[error("NoSuchBucket: the bucket does not exist (check the bucket name and the Region)")]
    BucketNotFound,
    /// S3 refused access (`AccessDenied` or another 403). S3 answers the same for a missing
    /// `kms:Decrypt` on an SSE-KMS object.
    #[error(
        "AccessDenied: the function's role needs s3:GetObject (and s3:ListBucket) on this bucket, and kms:Decrypt on its KMS key if the object is SSE-KMS encrypted"
    )]
    AccessDenied,
    /// The request's temporary credentials expired (`ExpiredToken`): not a missing permission.
    #[error("ExpiredToken: the function's temporary credentials expired; a retry uses fresh ones")]
    CredentialsExpired,
    /// KMS refused to decrypt the object for good (the key disabled, deleted, pending
    /// deletion, or the role not allowed).
    #[error(
        "KMS refused to decrypt the object: the key that encrypts it must be enabled and the function's role needs kms:Decrypt on it (GuardDuty exports are always KMS-encrypted)"
    )]
    KmsDenied,
    /// KMS throttled the decryption or was unavailable.
    #[error("KMS throttled or was unavailable while S3 decrypted the object; a retry can succeed")]
    KmsUnavailable,
    /// S3 throttled the request (`SlowDown`, 503, 429).
    #[error("S3 throttled the request (SlowDown); a retry can succeed")]
    Throttled,
    /// Any other S3 or network failure.
    #[error("S3 request failed")]
    Other,
}

impl ObjectErrorKind {
    /// Whether trying again later can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::CredentialsExpired | Self::KmsUnavailable | Self::Throttled | Self::Other)
    }

    /// The class of an S3 error with error code `code` and HTTP status `status` (either may
    /// be missing: a connection that failed has neither).
    pub fn classify(code: Option<&str>, status: Option<u16>) -> Self {
        match code.unwrap_or_default() {
            "NoSuchBucket" => return Self::BucketNotFound,
            "NoSuchKey" => return Self::NotFound,
            "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => return Self::CredentialsExpired,
            "SlowDown" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequests" => {
                return Self::Throttled;
            }
            "KMS.ThrottlingException"
            | "KMS.LimitExceededException"
            | "KMS.KMSInternalException"
            | "KMS.DependencyTimeoutException"
            | "KMS.UnavailableException" => return Self::KmsUnavailable,
            code if code.starts_with("KMS.") => return Self::KmsDenied,
            "AccessDenied" => return Self::AccessDenied,
            _ => {}
        }
        match status {
            Some(404) => Self::NotFound,
            Some(403) => Self::AccessDenied,
            Some(429 | 503) => Self::Throttled,
            _ => Self::Other,
        }
    }

    /// The class of an SDK error.
    pub(crate) fn of<E: ProvideErrorMetadata>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Self {
        let status = err.raw_response().map(|r| r.status().as_u16());
        Self::classify(err.code(), status)
    }
}

/// An S3 error with the object it concerns.
#[derive(Debug, thiserror::Error)]
#[error("s3://{bucket}/{key}: {kind}")]
pub struct ObjectError {
    /// Bucket.
    pub bucket: String,
    /// Key (or prefix, for listings).
    pub key: String,
    /// What happened.
    pub kind: ObjectErrorKind,
    /// What S3 (or the way to it) said.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl ObjectError {
    /// The error for `err`, met reading `key` (or listing it) in `bucket`.
    pub(crate) fn from_sdk<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
        bucket: &str,
        key: &str,
        err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> Self {
        Self { bucket: bucket.to_owned(), key: key.to_owned(), kind: ObjectErrorKind::of(&err), source: Box::new(err) }
    }
}

/// Tells the SDK's retry strategy (exponential backoff with jitter, bounded attempts) that
/// the throttling classes S3 does not mark as retryable itself — KMS throttling or
/// unavailability behind S3 — are throttling, so they are retried with backoff like `SlowDown`.
#[derive(Debug, Default)]
pub(crate) struct KmsThrottling;

impl ClassifyRetry for KmsThrottling {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(err)) = ctx.output_or_error() else { return RetryAction::NoActionIndicated };
        let Some(operation) = err.as_operation_error() else { return RetryAction::NoActionIndicated };
        let code = operation
            .downcast_ref::<GetObjectError>()
            .and_then(ProvideErrorMetadata::code)
            .or_else(|| operation.downcast_ref::<ListObjectsV2Error>().and_then(ProvideErrorMetadata::code))
            .or_else(|| operation.downcast_ref::<HeadObjectError>().and_then(ProvideErrorMetadata::code));
        let status = ctx.response().map(|r| r.status().as_u16());
        match ObjectErrorKind::classify(code, status) {
            ObjectErrorKind::KmsUnavailable | ObjectErrorKind::Throttled => RetryAction::throttling_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "KMS throttling behind S3"
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectErrorKind as K;

    #[test]
    fn classes_come_from_codes_then_statuses() {
        let cases = [
            (Some("NoSuchKey"), Some(404), K::NotFound, false),
            (None, Some(404), K::NotFound, false),
            (Some("NoSuchBucket"), Some(404), K::BucketNotFound, false),
            (Some("AccessDenied"), Some(403), K::AccessDenied, false),
            (Some("AllAccessDisabled"), Some(403), K::AccessDenied, false),
            (Some("ExpiredToken"), Some(400), K::CredentialsExpired, true),
            (Some("ExpiredToken"), Some(403), K::CredentialsExpired, true),
            (Some("SlowDown"), Some(503), K::Throttled, true),
            (None, Some(503), K::Throttled, true),
            (None, Some(429), K::Throttled, true),
            (Some("KMS.ThrottlingException"), Some(400), K::KmsUnavailable, true),
            (Some("KMS.KMSInternalException"), Some(500), K::KmsUnavailable, true),
            (Some("KMS.DisabledException"), Some(400), K::KmsDenied, false),
            (Some("KMS.NotFoundException"), Some(400), K::KmsDenied, false),
            (Some("KMS.AccessDeniedException"), Some(403), K::KmsDenied, false),
            (Some("InternalError"), Some(500), K::Other, true),
            (None, None, K::Other, true),
        ];
        for (code, status, kind, retryable) in cases {
            assert_eq!(K::classify(code, status), kind, "{code:?} {status:?}");
            assert_eq!(kind.is_retryable(), retryable, "{kind:?}");
        }
    }
}
