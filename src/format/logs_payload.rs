//! The CloudWatch Logs subscription payload, once its base64 and gzip are undone
//! (`arrival::awslogs`): `messageType`, `owner`, `logGroup`, `logStream`,
//! `subscriptionFilters`, `policyLevel` and `logEvents[]` (`id`, `timestamp` in ms, `message`).
//! Messages are borrowed from the payload unless they hold escapes.

mod compact;

use std::borrow::Cow;

use serde::Deserialize;

/// A decoded subscription payload.
#[derive(Debug, Deserialize)]
pub struct LogsPayload<'a> {
    /// `DATA_MESSAGE`, or `CONTROL_MESSAGE` (CloudWatch Logs checking that the destination is
    /// reachable: never shipped).
    #[serde(rename = "messageType", borrow, default)]
    pub message_type: Cow<'a, str>,
    /// The account that owns the log group.
    #[serde(borrow, default)]
    pub owner: Cow<'a, str>,
    /// The log group.
    #[serde(rename = "logGroup", borrow, default)]
    pub log_group: Cow<'a, str>,
    /// The log stream.
    #[serde(rename = "logStream", borrow, default)]
    pub log_stream: Cow<'a, str>,
    /// The subscription filters that matched.
    #[serde(rename = "subscriptionFilters", borrow, default)]
    pub subscription_filters: Vec<Cow<'a, str>>,
    /// `ACCOUNT_LEVEL_POLICY` for events sent by an account-level subscription policy.
    #[serde(rename = "policyLevel", borrow, default)]
    pub policy_level: Option<Cow<'a, str>>,
    /// The events.
    #[serde(rename = "logEvents", borrow)]
    pub log_events: Option<Vec<LogEvent<'a>>>,
}

/// One event of a payload.
#[derive(Debug, Deserialize)]
pub struct LogEvent<'a> {
    /// The event id (a long decimal string).
    #[serde(borrow, default)]
    pub id: Cow<'a, str>,
    /// When the event happened, in ms since the epoch.
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// The log line as written to the group.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
}

/// A payload that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// Not the JSON of a subscription payload.
    #[error("the CloudWatch Logs payload is not valid JSON of the subscription format")]
    NotJson(#[source] serde_json::Error),
    /// A data message without `logEvents`.
    #[error("the CloudWatch Logs payload (messageType {0:?}) has no logEvents")]
    NoLogEvents(String),
}

impl<'a> LogsPayload<'a> {
    /// Parses a decoded payload: the usual form directly (`compact`), anything else by serde.
    pub fn parse(json: &'a [u8]) -> Result<Self, PayloadError> {
        let payload = match crate::json::utf8(json).and_then(compact::parse) {
            Some(payload) => payload,
            None => serde_json::from_slice(json).map_err(PayloadError::NotJson)?,
        };
        if payload.log_events.is_none() && !payload.is_control() {
            return Err(PayloadError::NoLogEvents(payload.message_type.into_owned()));
        }
        Ok(payload)
    }

    /// Whether this is a `CONTROL_MESSAGE`.
    pub fn is_control(&self) -> bool {
        self.message_type == "CONTROL_MESSAGE"
    }

    /// The events (none for a control message without them).
    pub fn events(&self) -> &[LogEvent<'a>] {
        self.log_events.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_control_messages() {
        let data = br#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["ours"],"policyLevel":"ACCOUNT_LEVEL_POLICY","logEvents":[{"id":"1","timestamp":1700000000000,"message":"a \"quoted\" line"}]}"#;
        let p = LogsPayload::parse(data).unwrap();
        assert_eq!(
            (p.owner.as_ref(), p.log_group.as_ref(), p.log_stream.as_ref()),
            ("123456789012", "/aws/lambda/f", "s")
        );
        assert_eq!(p.policy_level.as_deref(), Some("ACCOUNT_LEVEL_POLICY"));
        assert_eq!(p.events()[0].message, "a \"quoted\" line");
        assert_eq!(p.events()[0].timestamp, Some(1_700_000_000_000));
        assert!(!p.is_control());
        let control = br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}"#;
        assert!(LogsPayload::parse(control).unwrap().is_control());
    }

    #[test]
    fn bad_payloads_are_named() {
        let err = LogsPayload::parse(br#"{"messageType":"DATA_MESSAGE","logGroup":"g"}"#).unwrap_err();
        assert!(matches!(err, PayloadError::NoLogEvents(_)), "{err}");
        assert!(matches!(LogsPayload::parse(b"not json"), Err(PayloadError::NotJson(_))));
        assert!(matches!(LogsPayload::parse(br#"{"logEvents":[{"id":"1"}]}"#), Err(PayloadError::NotJson(_))));
    }
}
