//! Why an invocation (or one of its objects) did not fully succeed: typed errors that keep
//! their causes and name the object they concern, their class (the Lambda `errorType`) and
//! what the user can do about it.

use std::fmt;

use crate::alert::WebhookError;
use crate::dispatch::DispatchError;
use crate::format::decode::ReadError;
use crate::format::logs_payload::PayloadError;
use crate::intake::IntakeError;
use crate::store::{ObjectError, ObjectErrorKind};

/// The class of a failure: the Lambda `errorType`, and the hint printed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// An `aws.guardduty` event that is not a finding.
    NotAFinding,
    /// A payload that is no event we handle.
    UnsupportedEvent,
    /// S3 `NoSuchKey`.
    ObjectNotFound,
    /// S3 `NoSuchBucket`.
    BucketNotFound,
    /// S3 `AccessDenied`.
    ObjectAccessDenied,
    /// KMS refused to decrypt an object (key disabled, deleted, or not allowed).
    KmsAccessDenied,
    /// KMS throttled the decryption of an object, or was unavailable.
    KmsUnavailable,
    /// S3 throttled the requests (`SlowDown`).
    S3Throttled,
    /// The function's temporary credentials expired.
    CredentialsExpired,
    /// Any other S3 failure.
    S3Error,
    /// An object that could not be read to the end (truncated, malformed, over the cap).
    ObjectUnreadable,
    /// An object replaced while it was being read (a resumed read found another version).
    ObjectChanged,
    /// The intake refused the API key.
    ApiKeyRejected,
    /// The intake refused entries for good.
    IntakeRejected,
    /// The intake stayed unavailable.
    IntakeUnavailable,
    /// The Lambda deadline came first.
    DeadlineExceeded,
    /// The Slack alert could not be posted for now (Slack unavailable or rate-limiting).
    SlackAlertFailed,
    /// Slack refused the alert for good (revoked webhook, archived channel…).
    SlackAlertRefused,
    /// A bug: a worker stopped or a body could not be compressed.
    InternalError,
}

impl ErrorType {
    /// The name used as the Lambda `errorType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAFinding => "NotAFinding",
            Self::UnsupportedEvent => "UnsupportedEvent",
            Self::ObjectNotFound => "ObjectNotFound",
            Self::BucketNotFound => "BucketNotFound",
            Self::ObjectAccessDenied => "ObjectAccessDenied",
            Self::KmsAccessDenied => "KmsAccessDenied",
            Self::KmsUnavailable => "KmsUnavailable",
            Self::S3Throttled => "S3Throttled",
            Self::CredentialsExpired => "CredentialsExpired",
            Self::S3Error => "S3Error",
            Self::ObjectUnreadable => "ObjectUnreadable",
            Self::ObjectChanged => "ObjectChanged",
            Self::ApiKeyRejected => "ApiKeyRejected",
            Self::IntakeRejected => "IntakeRejected",
            Self::IntakeUnavailable => "IntakeUnavailable",
            Self::DeadlineExceeded => "DeadlineExceeded",
            Self::SlackAlertFailed => "SlackAlertFailed",
            Self::SlackAlertRefused => "SlackAlertRefused",
            Self::InternalError => "InternalError",
        }
    }

    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Self::NotAFinding | Self::UnsupportedEvent => {
                "check which events the trigger sends (see events/ for the accepted shapes)"
            }
            Self::ApiKeyRejected => {
                "set a valid key in its source (DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME, DD_KMS_API_KEY or DD_API_KEY), for the site in DD_SITE"
            }
            Self::IntakeUnavailable
            | Self::DeadlineExceeded
            | Self::KmsUnavailable
            | Self::S3Throttled
            | Self::CredentialsExpired => {
                "nothing is lost: Lambda retries the event (or it lands in the on-failure destination); re-run with `invoke` or `replay` later"
            }
            Self::ObjectNotFound
            | Self::BucketNotFound
            | Self::ObjectAccessDenied
            | Self::KmsAccessDenied
            | Self::S3Error => "check the object and the function's IAM role",
            Self::SlackAlertFailed => {
                "Lambda retries the event (a retry may send the Datadog log again); if Slack stays unavailable the event lands in the on-failure destination, alert included"
            }
            Self::SlackAlertRefused => {
                "the webhook was revoked or its channel archived: create an incoming webhook, store its URL in the SLACK_WEBHOOK_URL_SECRET_ARN secret, then redrive the failure queue"
            }
            Self::ObjectChanged => {
                "the object was replaced mid-read: the retry (or `replay`) reads the new version from the start"
            }
            Self::ObjectUnreadable | Self::IntakeRejected | Self::InternalError => "see the message above",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The object a failure concerns: an S3 object, or a local file (replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectName {
    /// `s3://bucket/key`.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
    /// A local file, by its path.
    Local(String),
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Self::Local(path) => f.write_str(path),
        }
    }
}

/// Why an invocation (or one of its objects) did not fully succeed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The payload is not an event we handle.
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    /// An object could not be opened.
    #[error(transparent)]
    Object(#[from] ObjectError),
    /// A CloudWatch Logs payload that cannot be read.
    #[error(transparent)]
    LogsPayload(#[from] PayloadError),
    /// A local file could not be opened or listed.
    #[error("{path}: cannot read the file")]
    LocalFile {
        /// The path given.
        path: String,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// An object could not be read to the end.
    #[error("{object}: cannot read the object to the end")]
    Read {
        /// The object.
        object: ObjectName,
        /// What failed.
        #[source]
        source: ReadError,
    },
    /// Entries were not delivered.
    #[error("{}", match object { Some(object) => format!("{object}: entries not delivered"), None => "entries not delivered".to_owned() })]
    Intake {
        /// The object the entries came from (none for a finding event).
        object: Option<ObjectName>,
        /// What the intake answered.
        #[source]
        source: IntakeError,
    },
    /// The Lambda deadline came before the object was read.
    #[error("{object}: stopped reading before the Lambda deadline; raise the function timeout")]
    Deadline {
        /// The object.
        object: ObjectName,
    },
    /// The Lambda deadline came before the events of a CloudWatch Logs payload were read.
    #[error(
        "log group {group}, stream {stream}: stopped reading before the Lambda deadline; raise the function timeout"
    )]
    LogsDeadline {
        /// Log group.
        group: String,
        /// Log stream.
        stream: String,
    },
    /// A body could not be compressed.
    #[error("could not compress a request body")]
    Compress(#[source] std::io::Error),
    /// The Slack alert for a finding was not posted.
    #[error("the Slack alert was not posted")]
    Alert(#[source] WebhookError),
    /// Several objects failed.
    #[error("{failed} of {total} objects failed; first: {first}")]
    Objects {
        /// Objects that failed.
        failed: usize,
        /// Objects in the invocation.
        total: usize,
        /// The first failure (an API key problem first, since it explains the others).
        first: Box<ForwardError>,
    },
    /// A bug: a worker task stopped unexpectedly.
    #[error("internal error: the {what} task stopped")]
    TaskFailed {
        /// Which task.
        what: &'static str,
        /// Why.
        #[source]
        source: tokio::task::JoinError,
    },
}

impl ForwardError {
    /// The class of this failure.
    /// Whether the object can be resumed later where it stopped (the intake or the deadline
    /// stopped it, not the object itself).
    pub(crate) fn is_resumable(&self) -> bool {
        matches!(self, Self::Intake { .. } | Self::Deadline { .. })
    }

    pub fn error_type(&self) -> ErrorType {
        match self {
            Self::Dispatch(DispatchError::NotAFinding { .. }) => ErrorType::NotAFinding,
            Self::Dispatch(_) | Self::LogsPayload(_) => ErrorType::UnsupportedEvent,
            Self::Object(e) => match e.kind {
                ObjectErrorKind::NotFound => ErrorType::ObjectNotFound,
                ObjectErrorKind::BucketNotFound => ErrorType::BucketNotFound,
                ObjectErrorKind::AccessDenied => ErrorType::ObjectAccessDenied,
                ObjectErrorKind::KmsDenied => ErrorType::KmsAccessDenied,
                ObjectErrorKind::KmsUnavailable => ErrorType::KmsUnavailable,
                ObjectErrorKind::Throttled => ErrorType::S3Throttled,
                ObjectErrorKind::CredentialsExpired => ErrorType::CredentialsExpired,
                ObjectErrorKind::Other => ErrorType::S3Error,
            },
            Self::Read { source, .. } if source.is_object_changed() => ErrorType::ObjectChanged,
            Self::LocalFile { .. } | Self::Read { .. } => ErrorType::ObjectUnreadable,
            Self::Intake { source, .. } => match source {
                IntakeError::ApiKeyRejected { .. } => ErrorType::ApiKeyRejected,
                IntakeError::Rejected { .. }
                | IntakeError::Split(_)
                | IntakeError::Redirected { .. }
                | IntakeError::ProxyAuthentication { .. } => ErrorType::IntakeRejected,
                IntakeError::Unavailable { .. } => ErrorType::IntakeUnavailable,
                IntakeError::Deadline { .. } => ErrorType::DeadlineExceeded,
            },
            Self::Deadline { .. } | Self::LogsDeadline { .. } => ErrorType::DeadlineExceeded,
            Self::Objects { first, .. } => first.error_type(),
            Self::Alert(err) if err.is_permanent() => ErrorType::SlackAlertRefused,
            Self::Alert(_) => ErrorType::SlackAlertFailed,
            Self::Compress(_) | Self::TaskFailed { .. } => ErrorType::InternalError,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        self.error_type().hint()
    }

    /// Whether trying again later can succeed (S3 Batch Operations' `TemporaryFailure`): the
    /// intake unavailable or throttling, the deadline, S3 or KMS throttling or unavailable,
    /// expired credentials, other S3 failures but a missing object or a denial, a read cut
    /// short, a replaced object. A missing object, a denial, a refused key or entry, a
    /// damaged object, an object over the size cap or a payload we do not handle cannot.
    pub fn is_retryable(&self) -> bool {
        match (self.error_type(), self) {
            (_, Self::Objects { first, .. }) => first.is_retryable(),
            (_, Self::Object(err)) => err.kind.is_retryable(),
            (ErrorType::ObjectUnreadable, Self::Read { source, .. }) => !source.is_too_large() && !source.is_damage(),
            (
                ErrorType::IntakeUnavailable
                | ErrorType::DeadlineExceeded
                | ErrorType::S3Error
                | ErrorType::ObjectChanged
                | ErrorType::SlackAlertFailed
                | ErrorType::InternalError,
                _,
            ) => true,
            _ => false,
        }
    }

    /// This failure and its causes on one line.
    pub fn describe(&self) -> String {
        crate::error_chain(self)
    }
}

/// One error for the failures among `total` objects: none, the failure itself when there is
/// one object, or a count with the first failure — an API key rejection first, since it
/// explains every other failure.
pub(crate) fn combine(mut errors: Vec<ForwardError>, total: usize) -> Option<ForwardError> {
    match errors.len() {
        0 => None,
        1 if total <= 1 => errors.pop(),
        failed => {
            let index = errors.iter().position(|e| e.error_type() == ErrorType::ApiKeyRejected).unwrap_or(0);
            let first = errors.swap_remove(index);
            Some(ForwardError::Objects { failed, total: total.max(failed), first: Box::new(first) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::AttemptError;

    fn intake(source: IntakeError) -> ForwardError {
        ForwardError::Intake { object: Some(ObjectName::S3 { bucket: "b".into(), key: "k".into() }), source }
    }

    #[test]
    fn combine_counts_and_puts_the_key_first() {
        assert!(combine(vec![], 3).is_none());
        let one = combine(vec![intake(IntakeError::Rejected { status: 400, entries: 2 })], 1).unwrap();
        assert_eq!(one.error_type(), ErrorType::IntakeRejected);
        let errors = vec![
            ForwardError::Deadline { object: ObjectName::Local("a.json".into()) },
            intake(IntakeError::ApiKeyRejected { status: 403 }),
        ];
        let combined = combine(errors, 5).unwrap();
        assert_eq!(combined.error_type(), ErrorType::ApiKeyRejected);
        assert!(combined.to_string().starts_with("2 of 5 objects failed; first: s3://b/k"), "{combined}");
        // Never "2 of 1": the total is at least the failures.
        let errors = ["a", "b"].map(|path| ForwardError::Deadline { object: ObjectName::Local(path.into()) }).into();
        assert!(combine(errors, 1).unwrap().to_string().starts_with("2 of 2 objects failed"));
    }

    #[test]
    fn what_a_retry_can_fix() {
        let object = || ObjectName::S3 { bucket: "b".into(), key: "k".into() };
        assert!(intake(IntakeError::Unavailable { attempts: 3, last: AttemptError::Status(503) }).is_retryable());
        assert!(ForwardError::Deadline { object: object() }.is_retryable());
        assert!(!intake(IntakeError::ApiKeyRejected { status: 403 }).is_retryable());
        assert!(!intake(IntakeError::Rejected { status: 400, entries: 1 }).is_retryable());
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(ForwardError::Read { object: object(), source: ReadError::Io(lost) }.is_retryable());
        let damaged = ReadError::Format("trailing data".into());
        assert!(!ForwardError::Read { object: object(), source: damaged }.is_retryable());
        let missing = ForwardError::LocalFile { path: "x".into(), source: std::io::ErrorKind::NotFound.into() };
        assert!(!missing.is_retryable());
    }

    #[test]
    fn causes_are_kept_and_shown() {
        let err = ForwardError::LocalFile {
            path: "/tmp/missing.json.gz".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        };
        assert_eq!(err.describe(), "/tmp/missing.json.gz: cannot read the file: No such file or directory");
        assert_eq!(err.error_type().as_str(), "ObjectUnreadable");
    }
}
