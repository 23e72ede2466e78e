//! The AWS SDK configuration (credentials chain, region, endpoint overrides, proxies, FIPS
//! endpoints), loaded once on first use and shared by every AWS client (Secrets Manager, SSM,
//! KMS, S3): loading it is about half of a cold start's own work, so it is never done twice.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_types::service_config::ServiceConfigKey;
use tokio::sync::OnceCell;

use crate::http_client::ProxySettings;

/// How the AWS clients reach AWS, from the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// The proxies (the same as the HTTP client's).
    pub proxies: ProxySettings,
    /// `AWS_USE_FIPS_ENDPOINT`: FIPS endpoints for every AWS service.
    pub use_fips: bool,
}

/// A lazily loaded, shared SDK configuration. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SharedSdkConfig {
    loaded: Arc<OnceCell<SdkConfig>>,
    endpoint: Option<String>,
    settings: Option<AwsSettings>,
}

impl SharedSdkConfig {
    /// Loads with `settings` (proxies, FIPS) on first use; credentials, Region and endpoint
    /// overrides come from the SDK's own chain, as the AWS CLI's do.
    pub fn new(settings: AwsSettings) -> Self {
        Self { settings: Some(settings), ..Self::default() }
    }

    /// Loads with the SDK's own defaults on first use (it reads its own environment: proxies,
    /// FIPS and all).
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Loads on first use with every service at `endpoint` (an S3-compatible server, in
    /// tests).
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        Self { endpoint: Some(endpoint.into()), ..Self::default() }
    }

    /// The configuration, loaded now if it was not yet.
    pub(crate) async fn get(&self) -> &SdkConfig {
        self.loaded
            .get_or_init(|| async {
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
                if let Some(endpoint) = &self.endpoint {
                    loader = loader.endpoint_url(endpoint);
                }
                if let Some(settings) = &self.settings {
                    let proxy = proxy_config(&settings.proxies);
                    loader = loader.http_client(Builder::new().build_with_connector_fn(move |settings, components| {
                        let mut connector =
                            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
                        connector.set_connector_settings(settings.cloned());
                        if let Some(components) = components {
                            connector.set_sleep_impl(components.sleep_impl());
                        }
                        connector.set_proxy_config(Some(proxy.clone()));
                        connector.build()
                    }));
                    if settings.use_fips {
                        loader = loader.use_fips(true);
                    }
                }
                loader.load().await
            })
            .await
    }

    /// An S3 client on this configuration (path-style at a custom endpoint).
    pub(crate) async fn s3_client(&self) -> aws_sdk_s3::Client {
        let sdk = self.get().await;
        let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(custom_s3_endpoint(sdk)).build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

/// Whether the loaded configuration sends S3 to a custom endpoint (`AWS_ENDPOINT_URL[_S3]`,
/// as the SDK resolved it), then addressed path-style.
fn custom_s3_endpoint(sdk: &SdkConfig) -> bool {
    endpoint_override(sdk, "S3").is_some()
}

/// The endpoint the loaded configuration sets for the service `service_id` (`CloudWatch`):
/// its own (`AWS_ENDPOINT_URL_CLOUDWATCH`, a profile's `endpoint_url`), else every
/// service's (`AWS_ENDPOINT_URL`); none for the service's public endpoint.
pub(crate) fn endpoint_override(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    let key =
        ServiceConfigKey::builder().service_id(service_id).env("AWS_ENDPOINT_URL").profile("endpoint_url").build();
    key.ok().and_then(|key| sdk.service_config()?.load_config(key)).or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// The SDK's proxy configuration. It takes one proxy URL: with different proxies for `http`
/// and `https`, the `https` one (AWS endpoints are HTTPS; plain `http` is only a local
/// emulator's).
fn proxy_config(proxies: &ProxySettings) -> ProxyConfig {
    let built = match (&proxies.http, &proxies.https) {
        (None, None) => return ProxyConfig::disabled(),
        (Some(http), Some(https)) if http == https => ProxyConfig::all(http.as_str()),
        (_, Some(https)) => ProxyConfig::https(https.as_str()),
        (Some(http), None) => ProxyConfig::http(http.as_str()),
    };
    match built {
        Ok(config) => match &proxies.no_proxy {
            Some(rules) => config.no_proxy(rules),
            None => config,
        },
        // The configuration checked that the URLs parse as the SDK parses them.
        Err(err) => {
            tracing::warn!(error = %err, "the AWS SDK refused the proxy URL; AWS is reached directly");
            ProxyConfig::disabled()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fips_and_proxies_reach_the_loaded_configuration() {
        let proxy = reqwest::Url::parse("http://127.0.0.1:3128").ok();
        let settings = AwsSettings {
            proxies: ProxySettings { https: proxy.clone(), http: proxy, no_proxy: Some(".internal".into()) },
            use_fips: true,
        };
        let sdk = SharedSdkConfig::new(settings);
        let loaded = sdk.get().await;
        assert_eq!(loaded.use_fips(), Some(true));
        assert!(loaded.http_client().is_some(), "our HTTP client, with the proxies");
        assert!(!SharedSdkConfig::new(AwsSettings::default()).get().await.use_fips().unwrap_or(false));
    }
}
