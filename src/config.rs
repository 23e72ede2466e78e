//! Configuration, read from the environment once at start-up and validated: a bad value
//! fails initialisation with a message naming the variable. Variable names follow the
//! Datadog Forwarder's where one exists.

use std::time::Duration;

use crate::entry::rules::{Rules, Scrubber};
use crate::json;

/// Our version, sent as the `forwarder_version` tag and in the origin header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Our name, sent in the origin header and used as the default function name.
pub const NAME: &str = env!("CARGO_PKG_NAME");

/// A configuration variable with an invalid value.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong with it (never the value of a secret).
    pub reason: String,
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { var, reason: reason.into() }
}

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

/// Request body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// `Content-Encoding: gzip` (documented by the intake; the default).
    Gzip,
    /// `Content-Encoding: zstd` (accepted by the intake but undocumented: opt-in).
    Zstd,
    /// No compression.
    None,
}

/// The codec and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    /// Which codec.
    pub codec: Codec,
    /// Codec level (gzip 0–9, zstd 1–19).
    pub level: i32,
}

impl Compression {
    /// No compression.
    pub const NONE: Compression = Compression { codec: Codec::None, level: 0 };
}

/// Retry and timeout settings for intake requests.
#[derive(Debug, Clone)]
pub struct RetrySettings {
    /// Attempts per request body, first one included.
    pub max_attempts: u32,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// First backoff step; doubles per attempt, full jitter.
    pub base_backoff: Duration,
    /// Largest backoff step.
    pub max_backoff: Duration,
}

/// Tags and service name shared by every entry.
#[derive(Debug, Clone)]
pub struct Tags {
    /// `DD_TAGS` + `forwardername` + `forwarder_version`, comma-joined and JSON-escaped
    /// (the body of a JSON string, without quotes).
    pub common_json: String,
    /// The `service:` tag of `DD_TAGS`, if any: overrides every entry's `service`.
    pub service: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the API key comes from.
    pub api_key: ApiKeySource,
    /// Full intake URL (`…/api/v2/logs`).
    pub intake_url: String,
    /// Tags and service override.
    pub tags: Tags,
    /// `DD_SOURCE`: overrides every entry's `ddsource`.
    pub source_override: Option<String>,
    /// Body compression.
    pub compression: Compression,
    /// Intake requests in flight at once (`DD_MAX_CONCURRENCY`).
    pub max_concurrency: usize,
    /// Retry settings.
    pub retry: RetrySettings,
    /// `DD_LOG_LEVEL` (our own logs).
    pub log_level: String,
    /// The Lambda function name (`forwardername` tag).
    pub function_name: String,
    /// Filtering and scrubbing rules.
    pub rules: Rules,
    /// `DD_MAX_OBJECT_SIZE_MB` in bytes: the decompressed size at which reading an object
    /// stops with an error (a decompression bomb, or an object too large for one invocation).
    pub max_object_bytes: u64,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `get` (the environment, or a map in tests). Empty values
    /// count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let api_key = match (get("DD_API_KEY_SECRET_ARN"), get("DD_API_KEY")) {
            (Some(arn), _) => {
                if !arn.starts_with("arn:") || arn.split(':').count() < 7 {
                    return Err(invalid("DD_API_KEY_SECRET_ARN", "not a Secrets Manager secret ARN"));
                }
                ApiKeySource::Secret(arn)
            }
            (None, Some(key)) => ApiKeySource::Plain(key),
            (None, None) => ApiKeySource::None,
        };

        let site = get("DD_SITE").unwrap_or_else(|| "datadoghq.com".to_owned());
        if !site.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') || !site.contains('.') {
            return Err(invalid("DD_SITE", format!("`{site}` is not a Datadog site such as datadoghq.eu")));
        }
        let intake_url = match get("DD_URL") {
            Some(url) => intake_url_from(&url, get("DD_PORT").as_deref())?,
            None => format!("https://http-intake.logs.{site}/api/v2/logs"),
        };

        let function_name = get("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| NAME.to_owned());
        let tags = parse_tags(get("DD_TAGS").as_deref().unwrap_or(""), &function_name);

        let codec = match get("DD_COMPRESSION").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("gzip") => Codec::Gzip,
            Some("zstd") => Codec::Zstd,
            Some("none") => Codec::None,
            Some(other) => return Err(invalid("DD_COMPRESSION", format!("`{other}` is not gzip, zstd or none"))),
        };
        let (default_level, levels) = match codec {
            Codec::Gzip => (6, 0..=9),
            Codec::Zstd => (3, 1..=19),
            Codec::None => (0, 0..=0),
        };
        let level = match get("DD_COMPRESSION_LEVEL") {
            None => default_level,
            Some(text) if codec == Codec::None => {
                parse_num::<i32>("DD_COMPRESSION_LEVEL", &text)?;
                0
            }
            Some(text) => {
                let level = parse_num::<i32>("DD_COMPRESSION_LEVEL", &text)?;
                if !levels.contains(&level) {
                    return Err(invalid(
                        "DD_COMPRESSION_LEVEL",
                        format!("{level} is outside {}..={} for {codec:?}", levels.start(), levels.end()),
                    ));
                }
                level
            }
        };

        let max_concurrency = match get("DD_MAX_CONCURRENCY") {
            None => 4,
            Some(text) => parse_in_range("DD_MAX_CONCURRENCY", &text, 1, 64)?,
        };
        let max_attempts = match get("DD_MAX_ATTEMPTS") {
            None => 6,
            Some(text) => parse_in_range("DD_MAX_ATTEMPTS", &text, 1, 100)?,
        };
        let request_timeout_secs = match get("DD_REQUEST_TIMEOUT") {
            None => 20,
            Some(text) => parse_in_range("DD_REQUEST_TIMEOUT", &text, 1, 900)?,
        };

        let log_level = get("DD_LOG_LEVEL").map(|v| v.to_ascii_lowercase()).unwrap_or_else(|| "info".to_owned());
        if !["trace", "debug", "info", "warn", "error", "off"].contains(&log_level.as_str()) {
            return Err(invalid("DD_LOG_LEVEL", "expected one of trace, debug, info, warn, error, off"));
        }

        let min_severity = match get("GUARDDUTY_MIN_SEVERITY") {
            None => 0.0,
            Some(text) => {
                parse_num::<f64>("GUARDDUTY_MIN_SEVERITY", &text).ok().filter(|n| (0.0..=10.0).contains(n)).ok_or_else(
                    || invalid("GUARDDUTY_MIN_SEVERITY", format!("`{text}` is not a number from 0 to 10")),
                )?
            }
        };

        let regex = |var: &'static str| -> Result<Option<regex::Regex>, ConfigError> {
            get(var)
                .map(|p| {
                    regex::Regex::new(&p).map_err(|e| invalid(var, format!("not a valid regular expression: {e}")))
                })
                .transpose()
        };
        let include = regex("INCLUDE_AT_MATCH")?;
        let exclude = regex("EXCLUDE_AT_MATCH")?;
        let custom = regex("DD_SCRUBBING_RULE")?.map(|re| re.as_str().to_owned());
        let replacement = get("DD_SCRUBBING_RULE_REPLACEMENT").unwrap_or_else(|| "xxxxx".to_owned());
        let scrubber = Scrubber::new(
            parse_bool("REDACT_IP", get("REDACT_IP"))?,
            parse_bool("REDACT_EMAIL", get("REDACT_EMAIL"))?,
            custom.as_deref().map(|rule| (rule, replacement.as_str())),
        )
        .map_err(|e| invalid("DD_SCRUBBING_RULE", format!("cannot be combined with the built-in rules: {e}")))?;
        let rules = Rules {
            min_severity,
            skip_archived: parse_bool("GUARDDUTY_SKIP_ARCHIVED", get("GUARDDUTY_SKIP_ARCHIVED"))?,
            include,
            exclude,
            scrubber,
        };

        let max_object_mb = match get("DD_MAX_OBJECT_SIZE_MB") {
            None => 20 * 1024,
            Some(text) => parse_in_range("DD_MAX_OBJECT_SIZE_MB", &text, 1, 1 << 30)?,
        };

        Ok(Self {
            api_key,
            intake_url,
            tags,
            source_override: get("DD_SOURCE"),
            compression: Compression { codec, level },
            max_concurrency: max_concurrency as usize,
            retry: RetrySettings {
                max_attempts: max_attempts as u32,
                request_timeout: Duration::from_secs(request_timeout_secs),
                base_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(10),
            },
            log_level,
            function_name,
            rules,
            max_object_bytes: max_object_mb * 1024 * 1024,
        })
    }
}

/// `DD_URL` is a host (`http-intake.logs.datadoghq.eu`, HTTPS) or a full URL
/// (`http://127.0.0.1:8080`, for proxies and tests); the path defaults to `/api/v2/logs`.
fn intake_url_from(url: &str, port: Option<&str>) -> Result<String, ConfigError> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme @ ("http" | "https"), rest)) => (scheme, rest),
        Some((scheme, _)) => return Err(invalid("DD_URL", format!("unsupported scheme `{scheme}`"))),
        None => ("https", url),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains(['@', ' ', '?', '#']) {
        return Err(invalid("DD_URL", "expected a host or a URL such as https://host:port"));
    }
    let authority = match port {
        Some(port) if !authority.contains(':') => {
            parse_in_range("DD_PORT", port, 1, 65535)?;
            format!("{authority}:{port}")
        }
        _ => authority.to_owned(),
    };
    let path = match path.trim_end_matches('/') {
        "" => "/api/v2/logs",
        path => path,
    };
    Ok(format!("{scheme}://{authority}{path}"))
}

fn parse_tags(dd_tags: &str, function_name: &str) -> Tags {
    let mut service = None;
    let mut common = Vec::new();
    for tag in dd_tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if let Some(value) = tag.strip_prefix("service:") {
            service = Some(value.to_owned());
        }
        common.push(tag.to_owned());
    }
    common.push(format!("forwardername:{}", function_name.to_ascii_lowercase()));
    common.push(format!("forwarder_version:{VERSION}"));
    let mut common_json = Vec::new();
    json::write_str_body(&mut common_json, &common.join(","));
    Tags { common_json: String::from_utf8_lossy(&common_json).into_owned(), service }
}

fn parse_bool(var: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(invalid(var, format!("`{other}` is not true or false"))),
    }
}

fn parse_num<T: std::str::FromStr>(var: &'static str, text: &str) -> Result<T, ConfigError> {
    text.parse().map_err(|_| invalid(var, format!("`{text}` is not a number")))
}

fn parse_in_range(var: &'static str, text: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    let n = parse_num::<u64>(var, text)?;
    if !(min..=max).contains(&n) {
        return Err(invalid(var, format!("{n} is outside {min}..={max}")));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.intake_url, "https://http-intake.logs.datadoghq.com/api/v2/logs");
        assert_eq!(c.compression, Compression { codec: Codec::Gzip, level: 6 });
        assert_eq!(c.max_concurrency, 4);
        assert_eq!(c.api_key, ApiKeySource::None);
        assert_eq!(c.tags.common_json, format!("forwardername:security-log-forwarder,forwarder_version:{VERSION}"));
    }

    #[test]
    fn site_url_and_key_precedence() {
        let c = config(&[
            ("DD_SITE", "datadoghq.eu"),
            ("DD_API_KEY", " abc \n"),
            ("DD_TAGS", "env:prod, service:secops ,team:sec"),
            ("AWS_LAMBDA_FUNCTION_NAME", "My-Forwarder"),
        ])
        .unwrap();
        assert_eq!(c.intake_url, "https://http-intake.logs.datadoghq.eu/api/v2/logs");
        assert_eq!(c.api_key, ApiKeySource::Plain("abc".into()));
        assert_eq!(c.tags.service.as_deref(), Some("secops"));
        assert!(c.tags.common_json.starts_with("env:prod,service:secops,team:sec,forwardername:my-forwarder,"));
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-key-AbCdEf";
        let c = config(&[("DD_API_KEY", "abc"), ("DD_API_KEY_SECRET_ARN", arn)]).unwrap();
        assert_eq!(c.api_key, ApiKeySource::Secret(arn.into()));
    }

    #[test]
    fn dd_url_forms() {
        let url = |u: &str| config(&[("DD_URL", u)]).unwrap().intake_url;
        assert_eq!(url("http://127.0.0.1:8080"), "http://127.0.0.1:8080/api/v2/logs");
        assert_eq!(url("proxy.internal"), "https://proxy.internal/api/v2/logs");
        assert_eq!(url("https://proxy.internal/custom/path/"), "https://proxy.internal/custom/path");
        let c = config(&[("DD_URL", "proxy.internal"), ("DD_PORT", "3834")]).unwrap();
        assert_eq!(c.intake_url, "https://proxy.internal:3834/api/v2/logs");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("DD_COMPRESSION", "brotli"),
            ("DD_COMPRESSION_LEVEL", "12"),
            ("DD_COMPRESSION_LEVEL", "high"),
            ("DD_MAX_CONCURRENCY", "0"),
            ("DD_SITE", "https://datadoghq.com"),
            ("DD_URL", "ftp://x"),
            ("DD_API_KEY_SECRET_ARN", "my-secret"),
            ("DD_LOG_LEVEL", "loud"),
            ("DD_MAX_ATTEMPTS", "-1"),
            ("GUARDDUTY_MIN_SEVERITY", "11"),
            ("GUARDDUTY_MIN_SEVERITY", "high"),
            ("INCLUDE_AT_MATCH", "(unclosed"),
            ("EXCLUDE_AT_MATCH", "[z-a]"),
            ("DD_SCRUBBING_RULE", "*x"),
            ("REDACT_IP", "yes"),
            ("GUARDDUTY_SKIP_ARCHIVED", "1"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{var}={value}");
            assert!(err.to_string().starts_with(&format!("invalid {var}: ")));
        }
        let c = config(&[("DD_COMPRESSION", "zstd")]).unwrap();
        assert_eq!(c.compression, Compression { codec: Codec::Zstd, level: 3 });
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = config(&[("DD_API_KEY", "0123456789abcdef")]).unwrap();
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }
}
