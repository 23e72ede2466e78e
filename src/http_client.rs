//! The one HTTP client of the process (connection pool, TLS roots, timeouts), built once at
//! start-up and shared by every HTTP destination: the Datadog intake and the Slack webhook.

use std::time::Duration;

use crate::{NAME, VERSION};

/// Builds the shared client.
pub(crate) fn build() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(format!("{NAME}/{VERSION}"))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(20))
        .build()
}
