//! When each finding rule last matched, for `doctor`: CloudWatch's `AWS/Events`
//! `MatchedEvents` metric (dimension `RuleName`) over the last 14 days, read with one
//! `GetMetricData` call for every rule. CloudWatch is called through its JSON protocol, signed
//! with SigV4 from the SDK configuration's credentials, Region and endpoint overrides, over the
//! configured proxies. Whoever runs doctor needs `cloudwatch:GetMetricData`; without it (or
//! without a route to CloudWatch) the rule lines say why, and doctor goes on.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningError, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::aws_sdk::SharedSdkConfig;
use crate::config::Config;

/// How far back `doctor` looks.
pub(super) const WINDOW_DAYS: u64 = 14;
/// The metric's resolution asked for: five minutes.
const PERIOD_SECONDS: u64 = 300;
/// How long the whole call may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The CloudWatch API's JSON protocol target prefix.
const TARGET: &str = "GraniteServiceVersion20100801.GetMetricData";

/// What the metric says about one rule over the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Matches {
    /// The start of the last period with a match, if any.
    pub(super) last: Option<OffsetDateTime>,
    /// Events matched over the window.
    pub(super) total: f64,
}

/// Why the metric could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum MetricsError {
    /// No credentials in the SDK configuration's chain.
    #[error("no AWS credentials")]
    NoCredentials,
    /// The credentials chain failed.
    #[error("no AWS credentials")]
    Credentials(#[source] CredentialsError),
    /// The request could not be signed.
    #[error("cannot sign the request")]
    Signing(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// No answer (connection, TLS, proxy).
    #[error("no answer from {endpoint}")]
    Unreachable {
        /// Where it was sent.
        endpoint: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// No answer within [`TIMEOUT`].
    #[error("no answer from {endpoint} within {} s", TIMEOUT.as_secs())]
    Timeout {
        /// Where it was sent.
        endpoint: String,
    },
    /// CloudWatch refused the call.
    #[error("HTTP {status} {code}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error code (`AccessDeniedException`…), without its namespace.
        code: String,
        /// CloudWatch's message.
        message: String,
    },
    /// An answer that is not a `GetMetricData` result.
    #[error("unreadable answer")]
    Unreadable(#[source] serde_json::Error),
}

impl MetricsError {
    /// Whether CloudWatch refused the caller's permissions.
    pub(super) fn is_access_denied(&self) -> bool {
        matches!(self, Self::Refused { status: 400 | 403, code, .. } if code.starts_with("AccessDenied"))
    }
}

/// Reads the `MatchedEvents` metric of EventBridge rules.
pub(super) trait MatchedEvents {
    /// For each of `rules`, in order: its matches over the last [`WINDOW_DAYS`] days.
    async fn matches(&self, rules: &[&str]) -> Result<Vec<Matches>, MetricsError>;
}

/// CloudWatch, reached as the SDK configuration says (credentials, Region, endpoint).
pub(super) struct CloudWatch<'a> {
    config: &'a Config,
    sdk: &'a SharedSdkConfig,
}

impl<'a> CloudWatch<'a> {
    /// CloudWatch with `config`'s proxies and FIPS setting and `sdk`'s credentials.
    pub(super) fn new(config: &'a Config, sdk: &'a SharedSdkConfig) -> Self {
        Self { config, sdk }
    }
}

impl MatchedEvents for CloudWatch<'_> {
    async fn matches(&self, rules: &[&str]) -> Result<Vec<Matches>, MetricsError> {
        let loaded = self.sdk.get().await;
        let region = loaded.region().map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
        let endpoint = crate::aws_sdk::endpoint_override(loaded, "CloudWatch")
            .unwrap_or_else(|| super::routes::aws_endpoint("monitoring", &region, self.config.aws.use_fips));
        let credentials = loaded.credentials_provider().ok_or(MetricsError::NoCredentials)?;
        let identity = credentials.provide_credentials().await.map_err(MetricsError::Credentials)?.into();
        let now = SystemTime::now();
        let body = request_body(rules, now).to_string();
        let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", TARGET)];
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("monitoring")
            .time(now)
            .settings(SigningSettings::default())
            .build()
            .map_err(|err| MetricsError::Signing(err.into()))?
            .into();
        let url = format!("{}/", endpoint.trim_end_matches('/'));
        let signable =
            SignableRequest::new("POST", url.as_str(), headers.into_iter(), SignableBody::Bytes(body.as_bytes()))
                .map_err(signing)?;
        let (instructions, _) = sign(signable, &params).map_err(signing)?.into_parts();
        let client = crate::http_client::build(&self.config.proxies)
            .map_err(|source| MetricsError::Unreachable { endpoint: endpoint.clone(), source })?;
        let mut request = client.post(&url).body(body);
        for (name, value) in headers.into_iter().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let unreachable = |source| MetricsError::Unreachable { endpoint: endpoint.clone(), source };
        let answer = async {
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            Ok((status, response.bytes().await.map_err(unreachable)?))
        };
        let (status, bytes) = tokio::time::timeout(TIMEOUT, answer)
            .await
            .map_err(|_| MetricsError::Timeout { endpoint: endpoint.clone() })??;
        read_answer(status, &bytes, rules.len())
    }
}

/// When a rule last matched, as its doctor line says it.
pub(super) fn describe(matches: Result<Option<Matches>, &MetricsError>) -> String {
    match matches {
        Ok(Some(Matches { last: Some(last), total })) => {
            let at = last.format(&Rfc3339).unwrap_or_else(|_| last.to_string());
            format!("last matched {at} ({total} events in {WINDOW_DAYS} days)")
        }
        Ok(_) => format!("no match in {WINDOW_DAYS} days"),
        Err(err) => {
            let hint =
                if err.is_access_denied() { "; allow cloudwatch:GetMetricData to whoever runs doctor" } else { "" };
            let (text, cause) = (err.to_string(), crate::root_cause(err));
            let reason = if cause == text { text } else { format!("{text}: {cause}") };
            format!("(CloudWatch not reachable: {reason}{hint})")
        }
    }
}

fn signing(err: SigningError) -> MetricsError {
    MetricsError::Signing(err.into())
}

/// The `GetMetricData` request: one query per rule (`m0`, `m1`…), newest points first.
fn request_body(rules: &[&str], now: SystemTime) -> Value {
    // Whole periods, so each point is the start of a 5-minute period.
    let now = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let end = now.div_ceil(PERIOD_SECONDS) * PERIOD_SECONDS;
    let start = end.saturating_sub(WINDOW_DAYS * 86_400);
    let queries: Vec<Value> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            json!({
                "Id": format!("m{i}"),
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Events",
                        "MetricName": "MatchedEvents",
                        "Dimensions": [{"Name": "RuleName", "Value": rule}],
                    },
                    "Period": PERIOD_SECONDS,
                    "Stat": "Sum",
                },
                "ReturnData": true,
            })
        })
        .collect();
    json!({"StartTime": start, "EndTime": end, "ScanBy": "TimestampDescending", "MetricDataQueries": queries})
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "MetricDataResults", default)]
    results: Vec<QueryResult>,
}

#[derive(Deserialize)]
struct QueryResult {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Timestamps", default)]
    timestamps: Vec<f64>,
    #[serde(rename = "Values", default)]
    values: Vec<f64>,
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(rename = "__type", default)]
    code: String,
    #[serde(alias = "Message", default)]
    message: String,
}

/// Each rule's matches from an answer with HTTP `status` (the error of a refusal).
fn read_answer(status: u16, body: &[u8], rules: usize) -> Result<Vec<Matches>, MetricsError> {
    if !(200..300).contains(&status) {
        let refusal: Refusal =
            serde_json::from_slice(body).unwrap_or(Refusal { code: String::new(), message: String::new() });
        let code = refusal.code.rsplit('#').next().unwrap_or_default().to_owned();
        return Err(MetricsError::Refused { status, code, message: refusal.message });
    }
    let answer: Answer = serde_json::from_slice(body).map_err(MetricsError::Unreadable)?;
    let mut matches = vec![Matches { last: None, total: 0.0 }; rules];
    for result in answer.results {
        let Some(found) =
            result.id.strip_prefix('m').and_then(|i| i.parse::<usize>().ok()).and_then(|i| matches.get_mut(i))
        else {
            continue;
        };
        for (&at, &value) in result.timestamps.iter().zip(&result.values) {
            if value <= 0.0 {
                continue;
            }
            found.total += value;
            let at = OffsetDateTime::from_unix_timestamp(at as i64).ok();
            if at > found.last {
                found.last = at;
            }
        }
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_per_rule_over_the_window() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = request_body(&["a", "b"], now - Duration::from_secs(299));
        assert_eq!(body["EndTime"], 1_800_000_000);
        assert_eq!(body["StartTime"], 1_800_000_000 - 14 * 86_400);
        assert_eq!(body["MetricDataQueries"][1]["Id"], "m1");
        let metric = &body["MetricDataQueries"][1]["MetricStat"]["Metric"];
        assert_eq!(
            (metric["Namespace"].as_str(), metric["MetricName"].as_str()),
            (Some("AWS/Events"), Some("MatchedEvents"))
        );
        assert_eq!(metric["Dimensions"][0], json!({"Name": "RuleName", "Value": "b"}));
    }

    #[test]
    fn answers_and_refusals() {
        let body = br#"{"MetricDataResults":[
            {"Id":"m1","Timestamps":[1800000300.0,1799990000],"Values":[2.0,3.0],"StatusCode":"Complete"},
            {"Id":"m0","Timestamps":[],"Values":[]},{"Id":"other","Timestamps":[1],"Values":[1]}]}"#;
        let matches = read_answer(200, body, 2).unwrap();
        assert_eq!(matches[0], Matches { last: None, total: 0.0 });
        assert_eq!(matches[1].last, OffsetDateTime::from_unix_timestamp(1_800_000_300).ok());
        assert_eq!(matches[1].total, 5.0);
        let refused = br#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform: cloudwatch:GetMetricData"}"#;
        let err = read_answer(400, refused, 1).unwrap_err();
        assert!(err.is_access_denied());
        assert_eq!(
            err.to_string(),
            "HTTP 400 AccessDeniedException: not authorized to perform: cloudwatch:GetMetricData"
        );
        assert!(matches!(read_answer(200, b"<html>", 1), Err(MetricsError::Unreadable(_))));
        assert!(!read_answer(503, b"", 1).unwrap_err().is_access_denied());
    }

    #[test]
    fn doctor_lines() {
        let last = OffsetDateTime::from_unix_timestamp(1_800_000_300).ok();
        assert_eq!(
            describe(Ok(Some(Matches { last, total: 12.0 }))),
            "last matched 2027-01-15T08:05:00Z (12 events in 14 days)"
        );
        assert_eq!(describe(Ok(None)), "no match in 14 days");
        let denied = MetricsError::Refused { status: 400, code: "AccessDenied".into(), message: "no".into() };
        assert_eq!(
            describe(Err(&denied)),
            "(CloudWatch not reachable: HTTP 400 AccessDenied: no; allow cloudwatch:GetMetricData to whoever runs doctor)"
        );
        let timeout = MetricsError::Timeout { endpoint: "https://monitoring.eu-west-1.amazonaws.com".into() };
        assert_eq!(
            describe(Err(&timeout)),
            "(CloudWatch not reachable: no answer from https://monitoring.eu-west-1.amazonaws.com within 10 s)"
        );
    }
}
