//! Reading a Secrets Manager secret (the Datadog API key, the Slack webhook URL) with the
//! shared SDK configuration, in the secret's own Region (taken from its ARN). Secret values
//! are never logged or put in an error.

use crate::aws_sdk::SharedSdkConfig;

/// A secret could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the secret {arn}")]
pub struct SecretError {
    /// The secret ARN.
    pub arn: String,
    /// What Secrets Manager (or the way to it) said.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// One secret and a client for its Region.
#[derive(Debug)]
pub(crate) struct Secret {
    arn: String,
    client: aws_sdk_secretsmanager::Client,
}

impl Secret {
    /// The secret named by `arn` (loads the SDK configuration if it is not yet).
    pub(crate) async fn new(arn: &str, sdk: &SharedSdkConfig) -> Self {
        let region = arn.split(':').nth(3).unwrap_or_default().to_owned();
        let mut config = aws_sdk_secretsmanager::config::Builder::from(sdk.get().await);
        if !region.is_empty() {
            config = config.region(aws_sdk_secretsmanager::config::Region::new(region));
        }
        Self { arn: arn.to_owned(), client: aws_sdk_secretsmanager::Client::from_conf(config.build()) }
    }

    /// The secret's ARN.
    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }

    /// The secret's current value (a binary secret is read as UTF-8).
    pub(crate) async fn read(&self) -> Result<String, SecretError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(&self.arn)
            .send()
            .await
            .map_err(|err| SecretError { arn: self.arn.clone(), source: Box::new(err) })?;
        Ok(match (output.secret_string(), output.secret_binary()) {
            (Some(text), _) => text.to_owned(),
            (None, Some(blob)) => String::from_utf8_lossy(blob.as_ref()).into_owned(),
            (None, None) => String::new(),
        })
    }
}

/// A value from a secret that holds it as plain text or in a JSON object under one of
/// `fields` (first non-empty wins).
pub(crate) fn value_from_secret(text: &str, fields: &[&str]) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty");
    }
    if !text.starts_with('{') {
        return Ok(text.to_owned());
    }
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|_| "looks like JSON but does not parse")?;
    fields
        .iter()
        .find_map(|name| object.get(*name).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty()))
        .map(str::to_owned)
        .ok_or("is JSON without any of the expected fields")
}
