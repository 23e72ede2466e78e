//! How the function reaches Datadog, Slack and AWS: proxies (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `NO_PROXY`, lower-case too, and the Datadog Forwarder's `DD_HTTP_PROXY_URL`), FIPS endpoints
//! (`AWS_USE_FIPS_ENDPOINT`), and the Forwarder's `DD_NO_SSL` / `DD_SKIP_SSL_VALIDATION`.

use super::parse::{ConfigError, invalid, parse_bool};
use crate::aws_sdk::AwsSettings;
use crate::http_client::{ProxySettings, redacted};
use crate::intake::HttpSettings;

/// The network settings: the proxies of every client, and the AWS clients' settings.
pub(super) fn network_settings(get: &impl Fn(&str) -> Option<String>) -> Result<AwsSettings, ConfigError> {
    let either = |upper: &'static str, lower: &'static str| {
        get(upper).map(|v| (upper, v)).or_else(|| get(lower).map(|v| (upper, v)))
    };
    let mut https = either("HTTPS_PROXY", "https_proxy").map(|(var, v)| proxy_url(var, &v)).transpose()?;
    let mut http = either("HTTP_PROXY", "http_proxy").map(|(var, v)| proxy_url(var, &v)).transpose()?;
    if let Some(text) = get("DD_HTTP_PROXY_URL") {
        // The Forwarder's name for one proxy for everything.
        let url = proxy_url("DD_HTTP_PROXY_URL", &text)?;
        for (var, other) in [("HTTPS_PROXY", &https), ("HTTP_PROXY", &http)] {
            if other.as_ref().is_some_and(|other| *other != url) {
                return Err(invalid(
                    "DD_HTTP_PROXY_URL",
                    format!("{} differs from {var}: set one proxy, not two", redacted(&url)),
                ));
            }
        }
        (https, http) = (Some(url.clone()), Some(url));
    }
    let no_proxy = either("NO_PROXY", "no_proxy").map(|(_, v)| v);
    Ok(AwsSettings {
        proxies: ProxySettings { https, http, no_proxy },
        use_fips: parse_bool("AWS_USE_FIPS_ENDPOINT", get("AWS_USE_FIPS_ENDPOINT"))?,
    })
}

/// A proxy URL: `http://` or `https://`, a host, optional credentials. Never repeated in an
/// error (it may carry a password).
fn proxy_url(var: &'static str, text: &str) -> Result<reqwest::Url, ConfigError> {
    let not_a_url =
        || invalid(var, "is not a proxy URL such as http://proxy.internal:3128 (or http://user:password@host:port)");
    let url = reqwest::Url::parse(text).map_err(|_| not_a_url())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(not_a_url());
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() {
        return Err(invalid(var, "a proxy URL has no path or query: http://host:port"));
    }
    // The AWS SDK parses it again, as an HTTP URI.
    url.as_str().parse::<http::Uri>().map_err(|_| not_a_url())?;
    Ok(url)
}

/// `DD_NO_SSL=true` (the Forwarder's name): the intake is reached over plain HTTP, for a proxy
/// that terminates TLS itself. `DD_SKIP_SSL_VALIDATION=true` is refused: certificates are
/// always checked.
pub(super) fn apply_ssl_settings(
    get: &impl Fn(&str) -> Option<String>,
    intake: &mut HttpSettings,
) -> Result<(), ConfigError> {
    if parse_bool("DD_SKIP_SSL_VALIDATION", get("DD_SKIP_SSL_VALIDATION"))? {
        return Err(invalid(
            "DD_SKIP_SSL_VALIDATION",
            "is not supported: certificates are always checked (for a proxy that terminates TLS, use DD_NO_SSL or an http:// DD_URL)",
        ));
    }
    if parse_bool("DD_NO_SSL", get("DD_NO_SSL"))? {
        for url in [&mut intake.url, &mut intake.validate_url] {
            if let Some(rest) = url.strip_prefix("https://") {
                *url = format!("http://{rest}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::config;

    #[test]
    fn proxies_from_every_name() {
        let c = config(&[("HTTPS_PROXY", "http://proxy.internal:3128"), ("no_proxy", ".internal,169.254.169.254")])
            .unwrap();
        assert_eq!(c.proxies.https.as_ref().map(|u| u.as_str()), Some("http://proxy.internal:3128/"));
        assert_eq!(c.proxies.http, None);
        assert_eq!(c.proxies.no_proxy.as_deref(), Some(".internal,169.254.169.254"));
        assert_eq!(c.aws.proxies, c.proxies);
        let c = config(&[("https_proxy", "http://a:3128"), ("http_proxy", "http://b:3128")]).unwrap();
        assert_eq!(c.proxies.https.unwrap().host_str(), Some("a"));
        assert_eq!(c.proxies.http.unwrap().host_str(), Some("b"));
        let c = config(&[("DD_HTTP_PROXY_URL", "http://user:p%40ss@proxy:8080")]).unwrap();
        assert_eq!(c.proxies.https, c.proxies.http);
        assert_eq!(c.proxies.https.as_ref().unwrap().password(), Some("p%40ss"));
        assert!(!format!("{c:?}").contains("p%40ss"), "credentials never printed");
        assert!(config(&[("DD_HTTP_PROXY_URL", "http://a:1"), ("HTTPS_PROXY", "http://a:1")]).is_ok());
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_an_error() {
        for (var, value) in [
            ("HTTPS_PROXY", "proxy.internal:3128"),
            ("HTTPS_PROXY", "not a url"),
            ("HTTP_PROXY", "socks5://proxy:1080"),
            ("https_proxy", "http://"),
            ("DD_HTTP_PROXY_URL", "http://proxy:3128/path"),
            ("AWS_USE_FIPS_ENDPOINT", "yes"),
            ("DD_SKIP_SSL_VALIDATION", "true"),
            ("DD_NO_SSL", "1"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            let expected = var.to_ascii_uppercase();
            assert_eq!(err.var, expected, "{var}={value}");
        }
        let err = config(&[("DD_HTTP_PROXY_URL", "http://u:secret@a:1"), ("HTTPS_PROXY", "http://b:1")]).unwrap_err();
        assert_eq!(err.var, "DD_HTTP_PROXY_URL");
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn fips_gov_and_no_ssl() {
        let c = config(&[("AWS_USE_FIPS_ENDPOINT", "true"), ("DD_SITE", "ddog-gov.com")]).unwrap();
        assert!(c.aws.use_fips);
        assert_eq!(c.intake.url, "https://http-intake.logs.ddog-gov.com/api/v2/logs");
        assert_eq!(c.intake.validate_url, "https://api.ddog-gov.com/api/v1/validate");
        let c = config(&[("DD_NO_SSL", "true"), ("DD_URL", "proxy.internal:3834")]).unwrap();
        assert_eq!(c.intake.url, "http://proxy.internal:3834/api/v2/logs");
        assert_eq!(c.intake.validate_url, "http://proxy.internal:3834/api/v1/validate");
    }
}
