//! The one HTTP client of the process (connection pool, TLS roots, timeouts, proxies), built
//! once at start-up and shared by every HTTP destination: the Datadog intake and the Slack
//! webhook. It never follows a redirect: a `3xx` would carry the `DD-API-KEY` header (or the
//! webhook's secret path) to another host, so each caller treats it as an error instead.

use std::time::Duration;

use crate::{NAME, VERSION};

/// The proxies every client of the process uses (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`,
/// `DD_HTTP_PROXY_URL`), already validated. Credentials, when the proxy asks for them, are in
/// the URLs' user information. Never printed with them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// The proxy for `https://` destinations (reached with `CONNECT`).
    pub https: Option<reqwest::Url>,
    /// The proxy for `http://` destinations.
    pub http: Option<reqwest::Url>,
    /// Hosts, domains (`.internal`), IP addresses and CIDR blocks reached directly; `*` = all.
    pub no_proxy: Option<String>,
}

impl ProxySettings {
    /// Whether any proxy is configured.
    pub fn is_set(&self) -> bool {
        self.https.is_some() || self.http.is_some()
    }
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("https", &self.https.as_ref().map(redacted))
            .field("http", &self.http.as_ref().map(redacted))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy URL for messages: scheme, host and port, never the credentials.
pub(crate) fn redacted(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// Builds the shared client, sending through `proxies`.
pub(crate) fn build(proxies: &ProxySettings) -> Result<reqwest::Client, reqwest::Error> {
    // Proxies come only from the configuration, never from the client's own reading of the
    // environment.
    let mut builder = reqwest::Client::builder()
        .user_agent(format!("{NAME}/{VERSION}"))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let no_proxy = || proxies.no_proxy.as_deref().and_then(reqwest::NoProxy::from_string);
    if let Some(url) = &proxies.https {
        builder = builder.proxy(reqwest::Proxy::https(url.as_str())?.no_proxy(no_proxy()));
    }
    if let Some(url) = &proxies.http {
        builder = builder.proxy(reqwest::Proxy::http(url.as_str())?.no_proxy(no_proxy()));
    }
    builder.build()
}

/// The host and port of a `Location` header, for an error that names where a redirect
/// pointed without following it (no path or query: they may carry a token).
pub(crate) fn location_host(response: &reqwest::Response) -> String {
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
    match location.map(|l| response.url().join(l)) {
        Some(Ok(url)) => {
            let host = url.host_str().unwrap_or("?");
            match url.port() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        Some(Err(_)) => "an unreadable Location".to_owned(),
        None => "no Location".to_owned(),
    }
}
