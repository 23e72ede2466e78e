//! Configuration, read from the environment once at start-up and validated: a bad value
//! fails initialisation with a message naming the variable. Variable names follow the
//! Datadog Forwarder's where one exists.

use std::time::Duration;

mod findings;
mod key_source;
mod network;
mod parse;
mod slack;

pub use parse::ConfigError;

use self::parse::{invalid, parse_bool, parse_in_range, parse_num};
use crate::NAME;
use crate::alert::SlackSettings;
use crate::api_key::ApiKeySource;
use crate::aws_sdk::AwsSettings;
use crate::compress::{Codec, Compression};
use crate::entry::EntrySettings;
use crate::entry::provenance::Provenance;
use crate::entry::rules::{Rules, Scrubber};
use crate::entry::tags::Tags;
use crate::format::log_routes::LogRoutes;
use crate::format::source_rules::SourceSettings;
use crate::http_client::ProxySettings;
use crate::intake::HttpSettings;
use crate::logging::LogFormat;
use crate::pipeline::ForwarderSettings;
use crate::retry::RetrySettings;

/// The whole configuration: the settings of each layer, built from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the API key comes from.
    pub api_key: ApiKeySource,
    /// Where and how bodies are sent.
    pub intake: HttpSettings,
    /// What the pipeline does with records.
    pub forwarder: ForwarderSettings,
    /// Slack alerts for findings (`SLACK_*`), when a webhook is configured.
    pub slack: Option<SlackSettings>,
    /// `DD_LOG_LEVEL` (our own logs).
    pub log_level: String,
    /// How our own logs are written (`AWS_LAMBDA_LOG_FORMAT`, inside Lambda or not).
    pub log_format: LogFormat,
    /// The proxies of the HTTP client (Datadog, Slack).
    pub proxies: ProxySettings,
    /// How the AWS clients reach AWS (the same proxies, FIPS endpoints).
    pub aws: AwsSettings,
    /// The Lambda function name (`forwardername` tag, metrics dimension).
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_NAME`, set only inside Lambda: the function's own identity.
    pub lambda_function: Option<String>,
    /// `DD_SITE` (default `datadoghq.com`).
    pub site: String,
}

/// Whether the process runs as a Lambda function (`AWS_LAMBDA_RUNTIME_API` is set), read
/// before the rest of the configuration to choose between Lambda and the command line.
pub fn runs_in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
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

        let api_key = key_source::api_key_source(&get)?;

        let site = get("DD_SITE").unwrap_or_else(|| "datadoghq.com".to_owned());
        if !site.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') || !site.contains('.') {
            return Err(invalid("DD_SITE", format!("`{site}` is not a Datadog site such as datadoghq.eu")));
        }
        let (intake_url, validate_url) = match get("DD_URL") {
            Some(url) => {
                let intake_url = intake_url_from(&url, get("DD_PORT").as_deref())?;
                // The origin of the intake URL: scheme and authority.
                let origin_len = intake_url.find("://").map_or(0, |i| i + 3);
                let origin_end = intake_url[origin_len..].find('/').map_or(intake_url.len(), |i| origin_len + i);
                let validate_url = format!("{}/api/v1/validate", &intake_url[..origin_end]);
                (intake_url, validate_url)
            }
            None => {
                (format!("https://http-intake.logs.{site}/api/v2/logs"), format!("https://api.{site}/api/v1/validate"))
            }
        };

        let lambda_function = get("AWS_LAMBDA_FUNCTION_NAME");
        let log_format = match get("AWS_LAMBDA_LOG_FORMAT") {
            Some(format) if format.eq_ignore_ascii_case("json") => LogFormat::Json,
            _ if get("AWS_LAMBDA_RUNTIME_API").is_some() => LogFormat::LambdaText,
            _ => LogFormat::Text,
        };
        let aws = network::network_settings(&get)?;
        let function_name = lambda_function.clone().unwrap_or_else(|| NAME.to_owned());
        let tags = Tags::new(get("DD_TAGS").as_deref().unwrap_or(""));

        let codec = match get("DD_COMPRESSION").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("zstd") => Codec::Zstd,
            Some("gzip") => Codec::Gzip,
            Some("none") => Codec::None,
            Some(other) => return Err(invalid("DD_COMPRESSION", format!("`{other}` is not gzip, zstd or none"))),
        };
        let (default_level, levels) = match codec {
            Codec::Gzip => (6, 0..=9),
            Codec::Zstd => (2, 1..=19),
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
            hub_copies_of: findings::hub_copies_of(&get)?,
            include,
            exclude,
            scrubber,
        };

        // The standard attributes are Datadog's CloudTrail pipeline's job; a log whose source
        // is overridden does not go through that pipeline, so it gets them by default.
        let source_override = get("DD_SOURCE");
        let standard_attributes = match get("DD_STANDARD_ATTRIBUTES") {
            None => source_override.is_some(),
            value => parse_bool("DD_STANDARD_ATTRIBUTES", value)?,
        };

        let provenance = match get("DD_PROVENANCE") {
            None => Provenance::default(),
            Some(text) => Provenance::parse(&text)
                .ok_or_else(|| invalid("DD_PROVENANCE", format!("`{text}` is not none, ref or s3")))?,
        };

        let sources = SourceSettings {
            rules: match get("DD_SOURCE_RULES") {
                None => Vec::new(),
                Some(text) => SourceSettings::parse_rules(&text).map_err(|e| invalid("DD_SOURCE_RULES", e))?,
            },
            skip_unknown: match get("DD_UNKNOWN_OBJECTS").map(|v| v.to_ascii_lowercase()).as_deref() {
                None | Some("forward") => false,
                Some("skip") => true,
                Some(other) => return Err(invalid("DD_UNKNOWN_OBJECTS", format!("`{other}` is not forward or skip"))),
            },
        };
        let log_event_id = parse_bool("DD_LOG_EVENT_ID", get("DD_LOG_EVENT_ID"))?;
        let log_routes = LogRoutes::parse(&get("DD_LOG_GROUP_RULES").unwrap_or_default())
            .map_err(|e| invalid("DD_LOG_GROUP_RULES", e.to_string()))?;

        let max_object_mb = match get("DD_MAX_OBJECT_SIZE_MB") {
            None => 20 * 1024,
            Some(text) => parse_in_range("DD_MAX_OBJECT_SIZE_MB", &text, 1, 1 << 30)?,
        };

        let mut intake = HttpSettings {
            url: intake_url,
            validate_url,
            retry: RetrySettings {
                max_attempts: max_attempts as u32,
                request_timeout: Duration::from_secs(request_timeout_secs),
                base_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(10),
            },
            fail_on_rejected: parse_bool("DD_FAIL_ON_REJECTED", get("DD_FAIL_ON_REJECTED"))?,
        };
        network::apply_ssl_settings(&get, &mut intake)?;

        Ok(Self {
            api_key,
            intake,
            forwarder: ForwarderSettings {
                entries: EntrySettings { tags, source_override, rules, standard_attributes, provenance, log_event_id },
                log_routes,
                compression: Compression { codec, level },
                max_concurrency: max_concurrency as usize,
                max_object_bytes: max_object_mb * 1024 * 1024,
                sources,
            },
            slack: slack::slack_settings(&get, &site)?,
            log_level,
            log_format,
            proxies: aws.proxies.clone(),
            aws,
            function_name,
            lambda_function,
            site,
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(super) fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.intake.url, "https://http-intake.logs.datadoghq.com/api/v2/logs");
        assert_eq!(c.forwarder.compression, Compression { codec: Codec::Zstd, level: 2 });
        assert!(!c.forwarder.entries.standard_attributes);
        assert_eq!(c.forwarder.max_concurrency, 4);
        assert_eq!(c.api_key, ApiKeySource::None);
        assert_eq!(c.forwarder.entries.tags.common_json, "");
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
        assert_eq!(c.intake.url, "https://http-intake.logs.datadoghq.eu/api/v2/logs");
        assert_eq!(c.intake.validate_url, "https://api.datadoghq.eu/api/v1/validate");
        assert_eq!(c.lambda_function.as_deref(), Some("My-Forwarder"));
        assert_eq!(c.api_key, ApiKeySource::Plain("abc".into()));
        assert_eq!(c.forwarder.entries.tags.service.as_deref(), Some("secops"));
        assert_eq!(c.forwarder.entries.tags.common_json, "env:prod,service:secops,team:sec");
        assert_eq!(c.function_name, "My-Forwarder");
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-key-AbCdEf";
        let c = config(&[("DD_API_KEY_SECRET_ARN", arn)]).unwrap();
        assert_eq!(c.api_key, ApiKeySource::Secret(arn.into()));
    }

    #[test]
    fn dd_url_forms() {
        let url = |u: &str| config(&[("DD_URL", u)]).unwrap().intake.url;
        assert_eq!(url("http://127.0.0.1:8080"), "http://127.0.0.1:8080/api/v2/logs");
        assert_eq!(url("proxy.internal"), "https://proxy.internal/api/v2/logs");
        assert_eq!(url("https://proxy.internal/custom/path/"), "https://proxy.internal/custom/path");
        let c = config(&[("DD_URL", "proxy.internal"), ("DD_PORT", "3834")]).unwrap();
        assert_eq!(c.intake.url, "https://proxy.internal:3834/api/v2/logs");
        assert_eq!(c.intake.validate_url, "https://proxy.internal:3834/api/v1/validate");
        let validate = |u: &str| config(&[("DD_URL", u)]).unwrap().intake.validate_url;
        assert_eq!(validate("http://127.0.0.1:8080"), "http://127.0.0.1:8080/api/v1/validate");
        assert_eq!(validate("https://proxy.internal/custom/path/"), "https://proxy.internal/api/v1/validate");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("DD_COMPRESSION", "brotli"),
            ("DD_COMPRESSION_LEVEL", "20"),
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
            ("DD_STANDARD_ATTRIBUTES", "yes"),
            ("DD_PROVENANCE", "bucket"),
            ("DD_SOURCE_RULES", "x/*=nosuchkind"),
            ("DD_UNKNOWN_OBJECTS", "drop"),
            ("DD_API_KEY", "abc\ndef"),
            ("DD_API_KEY", "clé-secrète"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{var}={value}");
            assert!(err.to_string().starts_with(&format!("invalid {var}: ")));
        }
        let c = config(&[("DD_COMPRESSION", "gzip")]).unwrap();
        assert_eq!(c.forwarder.compression, Compression { codec: Codec::Gzip, level: 6 });
        let c = config(&[("DD_SOURCE", "my-trail")]).unwrap();
        assert!(c.forwarder.entries.standard_attributes, "no integration pipeline for an overridden source");
        let c = config(&[("DD_SOURCE", "my-trail"), ("DD_STANDARD_ATTRIBUTES", "false")]).unwrap();
        assert!(!c.forwarder.entries.standard_attributes);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = config(&[("DD_API_KEY", "0123456789abcdef")]).unwrap();
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }
}
