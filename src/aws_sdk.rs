//! The AWS SDK configuration (credentials chain, region, endpoint overrides), loaded once on
//! first use and shared by the Secrets Manager client and the S3 client: loading it is about
//! half of a cold start's own work, so it is never done twice.

use std::sync::Arc;

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

/// A lazily loaded, shared SDK configuration. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SharedSdkConfig {
    loaded: Arc<OnceCell<SdkConfig>>,
    endpoint: Option<String>,
}

impl SharedSdkConfig {
    /// Loads from the environment (as the AWS CLI does) on first use.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Loads from the environment on first use, with every service at `endpoint` (an
    /// S3-compatible server, in tests).
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
                loader.load().await
            })
            .await
    }

    /// An S3 client on this configuration (path-style at a custom endpoint).
    pub(crate) async fn s3_client(&self) -> aws_sdk_s3::Client {
        let config =
            aws_sdk_s3::config::Builder::from(self.get().await).force_path_style(self.custom_s3_endpoint()).build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Whether S3 is reached at a custom endpoint (then addressed path-style).
    fn custom_s3_endpoint(&self) -> bool {
        self.endpoint.is_some()
            || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].iter().any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()))
    }
}
