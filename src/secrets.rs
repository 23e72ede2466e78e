//! Reading a secret with the shared SDK configuration: a Secrets Manager secret (the Datadog
//! API key, the Slack webhook URL) in its own Region (taken from its ARN), an SSM SecureString
//! parameter (decrypted), or a KMS ciphertext. Secret values are never logged or put in an
//! error.

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

/// An SSM parameter could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the SSM parameter {name}")]
pub struct ParameterError {
    /// The parameter's name or ARN.
    pub name: String,
    /// What SSM (or the way to it) said.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// One SSM parameter (a SecureString is decrypted) and a client for its Region.
#[derive(Debug)]
pub(crate) struct Parameter {
    name: String,
    client: aws_sdk_ssm::Client,
}

impl Parameter {
    /// The parameter `name` (or ARN, whose Region is used).
    pub(crate) async fn new(name: &str, sdk: &SharedSdkConfig) -> Self {
        let mut config = aws_sdk_ssm::config::Builder::from(sdk.get().await);
        if let Some(region) = name.strip_prefix("arn:").and_then(|arn| arn.split(':').nth(2)).filter(|r| !r.is_empty())
        {
            config = config.region(aws_sdk_ssm::config::Region::new(region.to_owned()));
        }
        Self { name: name.to_owned(), client: aws_sdk_ssm::Client::from_conf(config.build()) }
    }

    /// The parameter's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's current value, decrypted.
    pub(crate) async fn read(&self) -> Result<String, ParameterError> {
        let failed =
            |source: Box<dyn std::error::Error + Send + Sync>| ParameterError { name: self.name.clone(), source };
        let output = self
            .client
            .get_parameter()
            .name(&self.name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|err| failed(Box::new(err)))?;
        Ok(output.parameter.and_then(|p| p.value).unwrap_or_default())
    }
}

/// KMS could not decrypt a ciphertext.
#[derive(Debug, thiserror::Error)]
#[error("KMS cannot decrypt {what}")]
pub struct DecryptError {
    /// What the ciphertext is (the variable holding it).
    pub what: &'static str,
    /// What KMS (or the way to it) said.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Decrypts a base64 KMS ciphertext, as the Datadog Forwarder does: first with the encryption
/// context the Lambda console's encryption helpers add (`LambdaFunctionName`), then without.
pub(crate) async fn kms_decrypt(
    what: &'static str,
    ciphertext_base64: &str,
    function_name: Option<&str>,
    sdk: &SharedSdkConfig,
) -> Result<String, DecryptError> {
    use base64::Engine as _;
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| DecryptError { what, source };
    let blob = base64::engine::general_purpose::STANDARD
        .decode(ciphertext_base64.trim().as_bytes())
        .map_err(|err| failed(Box::new(err)))?;
    let client = aws_sdk_kms::Client::new(sdk.get().await);
    let decrypt = |with_context: Option<&str>| {
        let request = client.decrypt().ciphertext_blob(aws_sdk_kms::primitives::Blob::new(blob.clone()));
        match with_context {
            Some(name) => request.encryption_context("LambdaFunctionName", name),
            None => request,
        }
        .send()
    };
    let output = match function_name {
        Some(name) => match decrypt(Some(name)).await {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_invalid_ciphertext_exception()) => {
                decrypt(None).await.map_err(|err| failed(Box::new(err)))?
            }
            Err(err) => return Err(failed(Box::new(err))),
        },
        None => decrypt(None).await.map_err(|err| failed(Box::new(err)))?,
    };
    let plain = output.plaintext.map(|blob| blob.into_inner()).unwrap_or_default();
    String::from_utf8(plain).map_err(|err| failed(Box::new(err)))
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
