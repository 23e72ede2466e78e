//! A bucket's notification configuration on S3: `GetBucketNotificationConfiguration` and
//! `PutBucketNotificationConfiguration` (which replaces the whole configuration, so it is only
//! ever given a merge of what was read), on the shared SDK configuration.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use super::WiringError;
use super::notification::Notifications;
use crate::aws_sdk::SharedSdkConfig;

/// Reads and writes bucket notification configurations.
pub struct Buckets {
    client: aws_sdk_s3::Client,
}

impl Buckets {
    /// A client on the shared SDK configuration.
    pub async fn new(sdk: &SharedSdkConfig) -> Self {
        Self { client: sdk.s3_client().await }
    }

    /// The bucket's notification configuration.
    pub async fn notifications(&self, bucket: &str) -> Result<Notifications, WiringError> {
        let output = match self.client.get_bucket_notification_configuration().bucket(bucket).send().await {
            Ok(output) => output,
            Err(err) if empty_answer(&err) => return Ok(Notifications::default()),
            Err(err) => {
                return Err(WiringError::Read {
                    bucket: bucket.to_owned(),
                    problem: problem(&err),
                    source: err.into(),
                });
            }
        };
        Ok(Notifications::from_sdk(
            output.topic_configurations(),
            output.queue_configurations(),
            output.lambda_function_configurations(),
            output.event_bridge_configuration().is_some(),
        ))
    }

    /// Replaces the bucket's notification configuration with `merged`. S3 checks that it may
    /// send to each destination.
    pub async fn write(&self, bucket: &str, merged: &Notifications) -> Result<(), WiringError> {
        let configuration = merged.to_sdk().map_err(|err| WiringError::Write {
            bucket: bucket.to_owned(),
            problem: "incomplete configuration".to_owned(),
            source: err.into(),
        })?;
        self.client
            .put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(configuration)
            .send()
            .await
            .map_err(|err| WiringError::Write {
                bucket: bucket.to_owned(),
                problem: problem(&err),
                source: err.into(),
            })?;
        Ok(())
    }
}

/// Whether S3 answered 200 with one empty XML element: an empty configuration under another
/// root element name (some S3-compatible servers), which the SDK does not parse. Only this
/// exact answer counts as empty: a configuration misread as empty would lose the others.
fn empty_answer<E>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> bool {
    let Some(response) = err.raw_response() else { return false };
    let Some(body) = response.body().bytes().and_then(|b| std::str::from_utf8(b).ok()) else { return false };
    let body = body.trim();
    let element = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, element)| element.trim()),
        None => body,
    };
    response.status().as_u16() == 200
        && element.starts_with('<')
        && element.ends_with("/>")
        && element.matches('<').count() == 1
}

/// S3's error code and message (`AccessDenied: Access Denied`), or how the request failed.
fn problem<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => match err {
            SdkError::DispatchFailure(_) => "no answer from S3 (network or endpoint)".to_owned(),
            SdkError::TimeoutError(_) => "S3 timed out".to_owned(),
            _ => "S3 request failed".to_owned(),
        },
    }
}
