//! The Datadog API key: from `DD_API_KEY`, the Secrets Manager secret named by
//! `DD_API_KEY_SECRET_ARN` (plain string, or JSON with the key under `api_key`,
//! `dd_api_key`, `DD_API_KEY` or `apiKey`), the SSM SecureString named by
//! `DD_API_KEY_SSM_NAME` (same forms), or the KMS ciphertext in `DD_KMS_API_KEY`. Resolved
//! once at start-up and cached; a secret or parameter is re-read once when the intake rejects
//! the key (rotation). Never logged.

use std::sync::{Arc, RwLock};

use crate::aws_sdk::SharedSdkConfig;
use crate::secrets::{DecryptError, Parameter, ParameterError, Secret, SecretError, kms_decrypt, value_from_secret};

/// Field names a JSON secret may keep the key under, in order of preference.
const JSON_FIELDS: [&str; 4] = ["api_key", "dd_api_key", "DD_API_KEY", "apiKey"];

/// Where the Datadog API key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    /// No key configured: only dry runs are possible.
    None,
    /// `DD_API_KEY`, already trimmed.
    Plain(String),
    /// `DD_API_KEY_SECRET_ARN`: a Secrets Manager secret.
    Secret(String),
    /// `DD_API_KEY_SSM_NAME`: an SSM parameter (a SecureString, decrypted).
    Ssm(String),
    /// `DD_KMS_API_KEY`: a base64 KMS ciphertext, decrypted once.
    Kms {
        /// The ciphertext, base64.
        ciphertext: String,
        /// The function's name, the encryption context the Lambda console adds.
        function_name: Option<String>,
    },
}

impl std::fmt::Debug for ApiKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Plain(_) => f.write_str("Plain(<redacted>)"),
            Self::Secret(arn) => write!(f, "Secret({arn})"),
            Self::Ssm(name) => write!(f, "Ssm({name})"),
            Self::Kms { .. } => f.write_str("Kms(<ciphertext>)"),
        }
    }
}

/// The key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    /// Secrets Manager refused or failed.
    #[error("cannot read the Datadog API key")]
    Secret(#[source] SecretError),
    /// SSM refused or failed (no such parameter, no permission…).
    #[error("cannot read the Datadog API key")]
    Parameter(#[source] ParameterError),
    /// KMS could not decrypt `DD_KMS_API_KEY`.
    #[error("cannot read the Datadog API key")]
    Decrypt(#[source] DecryptError),
    /// The secret, parameter or plaintext holds nothing usable.
    #[error("the Datadog API key {arn} {problem}")]
    Unusable {
        /// Where it was read: `secret <ARN>`, `SSM parameter <name>`, `DD_KMS_API_KEY`.
        arn: String,
        /// What is wrong with its value (never the value itself).
        problem: &'static str,
    },
}

/// Where a key that can change while the function runs is re-read from.
enum KeyStore {
    Secret(Secret),
    Parameter(Parameter),
}

impl KeyStore {
    async fn read(&self) -> Result<String, ApiKeyError> {
        let (text, place) = match self {
            Self::Secret(secret) => {
                (secret.read().await.map_err(ApiKeyError::Secret)?, format!("secret {}", secret.arn()))
            }
            Self::Parameter(parameter) => {
                (parameter.read().await.map_err(ApiKeyError::Parameter)?, format!("SSM parameter {}", parameter.name()))
            }
        };
        key_from_secret(&text).map_err(|problem| ApiKeyError::Unusable { arn: place, problem })
    }

    fn name(&self) -> &str {
        match self {
            Self::Secret(secret) => secret.arn(),
            Self::Parameter(parameter) => parameter.name(),
        }
    }
}

/// The current API key and how to re-read it.
pub struct ApiKey {
    current: RwLock<Arc<str>>,
    store: Option<KeyStore>,
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
        Self { current: RwLock::new(Arc::from(key.trim())), store: None, refresh: tokio::sync::Mutex::new(()) }
    }

    fn re_readable(key: &str, store: KeyStore) -> Self {
        Self { current: RwLock::new(Arc::from(key)), store: Some(store), refresh: tokio::sync::Mutex::new(()) }
    }

    /// Resolves the configured key; `None` when no key is configured. `sdk` is loaded only
    /// for a secret, a parameter or a ciphertext.
    pub async fn resolve(source: &ApiKeySource, sdk: &SharedSdkConfig) -> Result<Option<Self>, ApiKeyError> {
        let store = match source {
            ApiKeySource::None => return Ok(None),
            ApiKeySource::Plain(key) => return Ok(Some(Self::fixed(key))),
            ApiKeySource::Kms { ciphertext, function_name } => {
                let text = kms_decrypt("DD_KMS_API_KEY", ciphertext, function_name.as_deref(), sdk)
                    .await
                    .map_err(ApiKeyError::Decrypt)?;
                let key = key_from_secret(&text)
                    .map_err(|problem| ApiKeyError::Unusable { arn: "DD_KMS_API_KEY".to_owned(), problem })?;
                return Ok(Some(Self::fixed(&key)));
            }
            ApiKeySource::Secret(arn) => KeyStore::Secret(Secret::new(arn, sdk).await),
            ApiKeySource::Ssm(name) => KeyStore::Parameter(Parameter::new(name, sdk).await),
        };
        let key = store.read().await?;
        Ok(Some(Self::re_readable(&key, store)))
    }

    /// The key to send now.
    pub fn current(&self) -> Arc<str> {
        match self.current.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Called when the intake rejected `rejected`: re-reads the secret or parameter (once for
    /// concurrent callers) and returns true if a different key is now current.
    pub async fn refresh_after_rejection(&self, rejected: &str) -> bool {
        let Some(source) = &self.store else { return false };
        let _single_flight = self.refresh.lock().await;
        if *self.current() != *rejected {
            return true;
        }
        match source.read().await {
            Ok(key) if key != rejected => {
                tracing::info!(source = %source.name(), "re-read the Datadog API key after the intake rejected it");
                match self.current.write() {
                    Ok(mut current) => *current = Arc::from(key.as_str()),
                    Err(poisoned) => *poisoned.into_inner() = Arc::from(key.as_str()),
                }
                true
            }
            Ok(_) => false,
            Err(err) => {
                tracing::warn!(error = %crate::error_chain(&err), "could not re-read the Datadog API key");
                false
            }
        }
    }
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
