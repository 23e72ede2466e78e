//! Checks of the wiring to Datadog that send no logs: whether the API key is valid for the
//! site (`GET /api/v1/validate` with the key in the `DD-API-KEY` header, never in the URL),
//! and whether the logs intake answers at all.

use std::time::Duration;

use super::{AttemptError, HttpSettings};

/// How long one check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// What the key validation endpoint said of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyVerdict {
    /// The site accepts the key.
    Valid,
    /// The site refused the key (HTTP 401 or 403).
    Rejected(u16),
}

/// A check got no usable answer.
#[derive(Debug, thiserror::Error)]
#[error("{url}")]
pub struct CheckError {
    /// The URL asked.
    pub url: String,
    /// How the request ended.
    #[source]
    pub last: AttemptError,
}

/// Asks the site whether `key` is valid.
pub async fn validate_key(
    client: &reqwest::Client,
    settings: &HttpSettings,
    key: &str,
) -> Result<KeyVerdict, CheckError> {
    let url = &settings.validate_url;
    let failed = |last| CheckError { url: url.clone(), last };
    let response = client
        .get(url)
        .header("DD-API-KEY", key)
        .timeout(CHECK_TIMEOUT)
        .send()
        .await
        .map_err(|err| failed(super::http::transport(err)))?;
    let status = response.status().as_u16();
    let location = crate::http_client::location_host(&response);
    // The body (`{"valid":true}` or an error) is not needed: the status says it all.
    let _ = response.bytes().await;
    match status {
        200..=299 => Ok(KeyVerdict::Valid),
        401 | 403 => Ok(KeyVerdict::Rejected(status)),
        300..=399 => Err(failed(AttemptError::Redirected { status, location })),
        _ => Err(failed(AttemptError::Status(status))),
    }
}

/// Whether the logs intake answers (any HTTP status: DNS, TLS and the route are fine). Sends
/// a `GET` with neither key nor logs; returns the status.
pub async fn reach_intake(client: &reqwest::Client, settings: &HttpSettings) -> Result<u16, CheckError> {
    let response = client
        .get(&settings.url)
        .timeout(CHECK_TIMEOUT)
        .send()
        .await
        .map_err(|err| CheckError { url: settings.url.clone(), last: super::http::transport(err) })?;
    Ok(response.status().as_u16())
}

/// The host a URL names, for messages (`api.datadoghq.eu`, `127.0.0.1:8080`).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://api.datadoghq.eu/api/v1/validate"), "api.datadoghq.eu");
        assert_eq!(host_of("http://127.0.0.1:8080/api/v1/validate"), "127.0.0.1:8080");
        assert_eq!(host_of("proxy.internal"), "proxy.internal");
    }
}
