//! The Datadog API key: from `DD_API_KEY`, or from the Secrets Manager secret named by
//! `DD_API_KEY_SECRET_ARN` (plain string, or JSON with the key under `api_key`,
//! `dd_api_key`, `DD_API_KEY` or `apiKey`). Resolved once at start-up and cached; re-read
//! once when the intake rejects it (rotation). Never logged.

use std::sync::{Arc, RwLock};

use crate::aws_sdk::SharedSdkConfig;

/// Field names a JSON secret may keep the key under, in order of preference.
const JSON_FIELDS: [&str; 4] = ["api_key", "dd_api_key", "DD_API_KEY", "apiKey"];

/// Where the Datadog API key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    /// No key configured: only dry runs are possible.
    None,
    /// `DD_API_KEY`, already trimmed.
    Plain(String),
    /// `DD_API_KEY_SECRET_ARN`: a Secrets Manager secret (takes precedence over `DD_API_KEY`).
    Secret(String),
}

impl std::fmt::Debug for ApiKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Plain(_) => f.write_str("Plain(<redacted>)"),
            Self::Secret(arn) => write!(f, "Secret({arn})"),
        }
    }
}

/// The key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    /// Secrets Manager refused or failed.
    #[error("cannot read the Datadog API key secret {arn}")]
    Secret {
        /// The secret ARN.
        arn: String,
        /// What Secrets Manager (or the way to it) said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The secret holds nothing usable.
    #[error("the Datadog API key secret {arn} {problem}")]
    Unusable {
        /// The secret ARN.
        arn: String,
        /// What is wrong with its value (never the value itself).
        problem: &'static str,
    },
}

struct SecretSource {
    arn: String,
    client: aws_sdk_secretsmanager::Client,
}

/// The current API key and how to re-read it.
pub struct ApiKey {
    current: RwLock<Arc<str>>,
    secret: Option<SecretSource>,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    /// A fixed key (`DD_API_KEY`).
    pub fn fixed(key: &str) -> Self {
        Self { current: RwLock::new(Arc::from(key.trim())), secret: None, refresh: tokio::sync::Mutex::new(()) }
    }

    /// Resolves the configured key; `None` when no key is configured. `sdk` is loaded only
    /// for a secret.
    pub async fn resolve(source: &ApiKeySource, sdk: &SharedSdkConfig) -> Result<Option<Self>, ApiKeyError> {
        match source {
            ApiKeySource::None => Ok(None),
            ApiKeySource::Plain(key) => Ok(Some(Self::fixed(key))),
            ApiKeySource::Secret(arn) => {
                let region = arn.split(':').nth(3).unwrap_or_default().to_owned();
                let mut config = aws_sdk_secretsmanager::config::Builder::from(sdk.get().await);
                if !region.is_empty() {
                    config = config.region(aws_sdk_secretsmanager::config::Region::new(region));
                }
                let source = SecretSource {
                    arn: arn.clone(),
                    client: aws_sdk_secretsmanager::Client::from_conf(config.build()),
                };
                let key = read_secret(&source).await?;
                Ok(Some(Self {
                    current: RwLock::new(Arc::from(key.as_str())),
                    secret: Some(source),
                    refresh: tokio::sync::Mutex::new(()),
                }))
            }
        }
    }

    /// The key to send now.
    pub fn current(&self) -> Arc<str> {
        match self.current.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Called when the intake rejected `rejected`: re-reads the secret (once for concurrent
    /// callers) and returns true if a different key is now current.
    pub async fn refresh_after_rejection(&self, rejected: &str) -> bool {
        let Some(source) = &self.secret else { return false };
        let _single_flight = self.refresh.lock().await;
        if *self.current() != *rejected {
            return true;
        }
        match read_secret(source).await {
            Ok(key) if key != rejected => {
                tracing::info!(secret = %source.arn, "re-read the Datadog API key secret after the intake rejected the key");
                match self.current.write() {
                    Ok(mut current) => *current = Arc::from(key.as_str()),
                    Err(poisoned) => *poisoned.into_inner() = Arc::from(key.as_str()),
                }
                true
            }
            Ok(_) => false,
            Err(err) => {
                tracing::warn!(error = %crate::error_chain(&err), "could not re-read the Datadog API key secret");
                false
            }
        }
    }
}

async fn read_secret(source: &SecretSource) -> Result<String, ApiKeyError> {
    let output = source
        .client
        .get_secret_value()
        .secret_id(&source.arn)
        .send()
        .await
        .map_err(|err| ApiKeyError::Secret { arn: source.arn.clone(), source: Box::new(err) })?;
    let text = match (output.secret_string(), output.secret_binary()) {
        (Some(text), _) => text.to_owned(),
        (None, Some(blob)) => String::from_utf8_lossy(blob.as_ref()).into_owned(),
        (None, None) => String::new(),
    };
    key_from_secret(&text).map_err(|problem| ApiKeyError::Unusable { arn: source.arn.clone(), problem })
}

/// Extracts the key from a secret value (plain text or JSON).
pub(crate) fn key_from_secret(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty");
    }
    if !text.starts_with('{') {
        return Ok(text.to_owned());
    }
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|_| "looks like JSON but does not parse")?;
    JSON_FIELDS
        .iter()
        .find_map(|name| fields.get(*name).and_then(|v| v.as_str()).map(str::trim).filter(|k| !k.is_empty()))
        .map(str::to_owned)
        .ok_or("is JSON without a non-empty api_key, dd_api_key, DD_API_KEY or apiKey field")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_forms() {
        assert_eq!(key_from_secret(" abc \n").unwrap(), "abc");
        assert_eq!(key_from_secret(r#"{"api_key":"k1"}"#).unwrap(), "k1");
        assert_eq!(key_from_secret(r#"{"other":1,"dd_api_key":" k2 "}"#).unwrap(), "k2");
        assert_eq!(key_from_secret(r#"{"DD_API_KEY":"k3"}"#).unwrap(), "k3");
        assert_eq!(key_from_secret(r#"{"apiKey":"k4"}"#).unwrap(), "k4");
        assert!(key_from_secret("  ").is_err());
        assert!(key_from_secret(r#"{"key":"x"}"#).is_err());
        assert!(key_from_secret(r#"{"api_key":""}"#).is_err());
        assert!(key_from_secret("{not json").is_err());
    }
}
