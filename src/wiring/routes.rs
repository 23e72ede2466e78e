//! `doctor`'s routes: for each endpoint the function uses (the Datadog intake and key
//! validation, Slack, S3, Secrets Manager, SSM, KMS, SQS), which way it goes (directly or
//! through the proxy, by the same NO_PROXY rules as the clients), what its name resolves to
//! (a private address: a VPC endpoint or PrivateLink; a public one: a NAT gateway or the
//! proxy is needed), and whether a TCP connection opens.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hyper_util::client::proxy::matcher::Matcher;

use crate::alert::WebhookSource;
use crate::api_key::ApiKeySource;
use crate::aws_sdk::SharedSdkConfig;
use crate::config::Config;
use crate::http_client::ProxySettings;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// One endpoint's route.
pub(super) struct Route {
    /// What it is (`Datadog intake`, `S3`…).
    pub(super) name: String,
    /// `host:port`.
    pub(super) endpoint: String,
    /// What was found, or what failed.
    pub(super) outcome: Result<String, String>,
}

/// The route of every endpoint this configuration uses.
pub(super) async fn routes(config: &Config, sdk: &SharedSdkConfig) -> Vec<Route> {
    let mut endpoints = vec![
        ("Datadog intake".to_owned(), config.intake.url.clone()),
        ("Datadog key validation".to_owned(), config.intake.validate_url.clone()),
    ];
    if let Some(WebhookSource::Url(url)) = config.slack.as_ref().map(|slack| &slack.webhook) {
        // Only the origin: the path is the webhook's secret.
        if let Ok(url) = reqwest::Url::parse(url) {
            endpoints.push(("Slack".to_owned(), format!("{}://{}", url.scheme(), authority(&url))));
        }
    }
    let loaded = sdk.get().await;
    let region = loaded.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned());
    let mut services = vec!["s3", "sqs"];
    match &config.api_key {
        ApiKeySource::Secret(_) => services.push("secretsmanager"),
        ApiKeySource::Ssm(_) => services.push("ssm"),
        ApiKeySource::Kms { .. } => services.push("kms"),
        ApiKeySource::Plain(_) | ApiKeySource::None => {}
    }
    if matches!(config.slack.as_ref().map(|s| &s.webhook), Some(WebhookSource::Secret(_))) {
        services.push("secretsmanager");
    }
    services.dedup();
    for service in services {
        let url = match loaded.endpoint_url() {
            Some(url) => url.to_owned(),
            None => aws_endpoint(service, &region, config.aws.use_fips),
        };
        endpoints.push((service_name(service).to_owned(), url));
    }
    let matcher = matcher(&config.proxies);
    let mut out = Vec::new();
    for (name, url) in endpoints {
        let Ok(url) = reqwest::Url::parse(&url) else { continue };
        out.push(Route { name, endpoint: authority(&url), outcome: route(&matcher, &url).await });
    }
    out
}

/// The public endpoint of an AWS service in a Region (`-fips` with FIPS endpoints on).
pub(super) fn aws_endpoint(service: &str, region: &str, fips: bool) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    let fips = if fips { "-fips" } else { "" };
    format!("https://{service}{fips}.{region}.{suffix}")
}

fn service_name(service: &str) -> &'static str {
    match service {
        "s3" => "S3",
        "sqs" => "SQS",
        "secretsmanager" => "Secrets Manager",
        "ssm" => "SSM",
        _ => "KMS",
    }
}

fn authority(url: &reqwest::Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(443))
}

fn matcher(proxies: &ProxySettings) -> Matcher {
    let mut builder = Matcher::builder();
    if let Some(url) = &proxies.https {
        builder = builder.https(url.as_str());
    }
    if let Some(url) = &proxies.http {
        builder = builder.http(url.as_str());
    }
    if let Some(rules) = &proxies.no_proxy {
        builder = builder.no(rules.as_str());
    }
    builder.build()
}

/// Where `url` goes, what the next hop resolves to, and whether it connects.
async fn route(matcher: &Matcher, url: &reqwest::Url) -> Result<String, String> {
    let uri: http::Uri = url.as_str().parse().map_err(|_| "not a URL".to_owned())?;
    let (via, host, port) = match matcher.intercept(&uri) {
        Some(intercept) => {
            let proxy = intercept.uri();
            let host = proxy.host().unwrap_or_default().to_owned();
            let port = proxy.port_u16().unwrap_or(if proxy.scheme_str() == Some("https") { 443 } else { 80 });
            (format!("through the proxy {host}:{port}"), host, port)
        }
        None => {
            let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
            ("direct".to_owned(), host, url.port_or_known_default().unwrap_or(443))
        }
    };
    let addresses: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|err| format!("{via}: {host} does not resolve ({err})"))?
        .map(|a| a.ip())
        .collect();
    let Some(first) = addresses.first().copied() else { return Err(format!("{via}: {host} has no address")) };
    let kind = if is_private(first) {
        "private address: a VPC endpoint, PrivateLink or a host in the network"
    } else {
        "public address: needs a NAT gateway or internet route"
    };
    let started = Instant::now();
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect((first, port))).await {
        Ok(Ok(_)) => Ok(format!("{via}, {host} → {first} ({kind}), connected in {} ms", started.elapsed().as_millis())),
        Ok(Err(err)) => Err(format!("{via}, {host} → {first} ({kind}): connection failed ({err})")),
        Err(_) => {
            Err(format!("{via}, {host} → {first} ({kind}): no connection within {} s", CONNECT_TIMEOUT.as_secs()))
        }
    }
}

/// Loopback, RFC 1918, link-local, carrier-grade NAT and IPv6 unique-local addresses.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_addresses() {
        assert_eq!(aws_endpoint("ssm", "us-gov-west-1", true), "https://ssm-fips.us-gov-west-1.amazonaws.com");
        assert_eq!(aws_endpoint("s3", "cn-north-1", false), "https://s3.cn-north-1.amazonaws.com.cn");
        assert!(is_private("10.0.1.23".parse().unwrap()) && is_private("fd00::1".parse().unwrap()));
        assert!(is_private("100.64.0.1".parse().unwrap()) && !is_private("52.1.2.3".parse().unwrap()));
    }
}
