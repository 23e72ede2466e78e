//! The Datadog API key: from `DD_API_KEY`, or from the Secrets Manager secret named by
//! `DD_API_KEY_SECRET_ARN` (plain string, or JSON with the key under `api_key`,
//! `dd_api_key`, `DD_API_KEY` or `apiKey`). Resolved once at start-up and cached; re-read
//! once when the intake rejects it (rotation). Never logged.

use std::sync::{Arc, RwLock};

use crate::aws_sdk::SharedSdkConfig;
use crate::secrets::{Secret, SecretError, value_from_secret};

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
    #[error("cannot read the Datadog API key")]
    Secret(#[source] SecretError),
    /// The secret holds nothing usable.
    #[error("the Datadog API key secret {arn} {problem}")]
    Unusable {
        /// The secret ARN.
        arn: String,
        /// What is wrong with its value (never the value itself).
        problem: &'static str,
    },
}

/// The current API key and how to re-read it.
pub struct ApiKey {
    current: RwLock<Arc<str>>,
    secret: Option<Secret>,
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
                let source = Secret::new(arn, sdk).await;
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
                tracing::info!(secret = %source.arn(), "re-read the Datadog API key secret after the intake rejected the key");
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

async fn read_secret(source: &Secret) -> Result<String, ApiKeyError> {
    let text = source.read().await.map_err(ApiKeyError::Secret)?;
    key_from_secret(&text).map_err(|problem| ApiKeyError::Unusable { arn: source.arn().to_owned(), problem })
}

/// Whether `key` can travel in the `DD-API-KEY` header: visible ASCII only (a key with a
/// newline or a non-ASCII character in it was pasted wrong, and no retry will send it).
pub(crate) fn fits_a_header(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Extracts the key from a secret value (plain text or JSON).
pub(crate) fn key_from_secret(text: &str) -> Result<String, &'static str> {
    let key = value_from_secret(text, &JSON_FIELDS).map_err(|problem| match problem {
        "is JSON without any of the expected fields" => {
            "is JSON without a non-empty api_key, dd_api_key, DD_API_KEY or apiKey field"
        }
        other => other,
    })?;
    if fits_a_header(&key) { Ok(key) } else { Err("holds characters an HTTP header cannot carry (only visible ASCII)") }
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
        assert!(key_from_secret("abc def").is_err());
        assert!(key_from_secret("clé").is_err());
        assert!(fits_a_header("0123456789abcdef0123456789abcdef"));
    }
}
