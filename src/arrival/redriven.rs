//! Events coming back from the failure queue: Lambda's on-failure destination wraps each
//! failed event in an invocation record (`requestContext` says why, `requestPayload` is the
//! original event), and a partly delivered object is put there as a continuation naming the
//! records already delivered. Both may arrive directly, in an SQS message body or in an SNS
//! message.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::json::lenient_str;
use crate::record_set::RecordSet;

/// The top-level member that marks a continuation.
pub const CONTINUATION_MEMBER: &str = "forwarderContinuation";

/// An event back from the failure queue.
#[derive(Debug)]
pub enum Redriven {
    /// An invocation record: the original event and why it failed.
    Record {
        /// The original event.
        event: String,
        /// Why it failed.
        failure: FailureContext,
    },
    /// A partly delivered object to resume.
    Continuation(Result<Continuation, ContinuationError>),
}

/// Recognises an invocation record or a continuation, directly or in an SNS message (an SQS
/// message's body is given here by the SQS reader). `None` for any other event.
pub fn recognise(json: &str) -> Option<Redriven> {
    recognise_nested(json, 0)
}

fn recognise_nested(json: &str, depth: u8) -> Option<Redriven> {
    if depth > 2 || !mentions_a_marker(json) {
        return None;
    }
    if let Some(record) = invocation_record(json) {
        return Some(Redriven::Record { event: record.payload.get().to_owned(), failure: record.failure });
    }
    if let Some(continuation) = continuation(json) {
        return Some(Redriven::Continuation(continuation));
    }
    recognise_nested(&sns_message(json)?, depth + 1)
}

/// Whether `json` holds `requestPayload` or the continuation member anywhere: only such an
/// event is read further. Searched with `memchr`'s vectorised `memmem` (the text may be a
/// Kinesis event of megabytes).
fn mentions_a_marker(json: &str) -> bool {
    let json = json.as_bytes();
    memchr::memmem::find(json, b"requestPayload").is_some()
        || memchr::memmem::find(json, CONTINUATION_MEMBER.as_bytes()).is_some()
}

/// The message of an SNS envelope (`Type`, `Message`) or of a one-record SNS event.
fn sns_message(json: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(rename = "Message", borrow)]
        message: Option<&'a RawValue>,
        #[serde(rename = "Records", borrow)]
        records: Option<Vec<SnsRecord<'a>>>,
    }
    #[derive(Deserialize)]
    struct SnsRecord<'a> {
        #[serde(rename = "Sns", borrow)]
        sns: Option<Envelope<'a>>,
    }
    let envelope: Envelope = serde_json::from_str(json).ok()?;
    if let Some(message) = envelope.message {
        return lenient_str(Some(message)).map(|m| m.into_owned());
    }
    match envelope.records?.as_slice() {
        [SnsRecord { sns: Some(Envelope { message: Some(message), .. }) }] => {
            lenient_str(Some(*message)).map(|m| m.into_owned())
        }
        _ => None,
    }
}

/// An invocation record of Lambda's on-failure destination.
#[derive(Debug)]
pub struct InvocationRecord<'a> {
    /// The original event, processed as if it had just arrived.
    pub payload: &'a RawValue,
    /// Why it failed.
    pub failure: FailureContext,
}

/// What the record says about the failure: logged once, never added to the logs sent.
#[derive(Debug, Default, Clone)]
pub struct FailureContext {
    /// `RetriesExhausted`, `EventAgeExceeded`…
    pub condition: Option<String>,
    /// `approximateInvokeCount`.
    pub invoke_count: Option<u64>,
    /// When the record was written (RFC 3339).
    pub timestamp: Option<String>,
    /// The function's `errorType`, when it answered one.
    pub error_type: Option<String>,
}

#[derive(Deserialize)]
struct RecordShape<'a> {
    #[serde(rename = "requestContext", borrow)]
    request_context: Option<&'a RawValue>,
    #[serde(rename = "requestPayload", borrow)]
    request_payload: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(rename = "responsePayload", borrow)]
    response_payload: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RequestContext<'a> {
    #[serde(borrow)]
    condition: Option<&'a RawValue>,
    #[serde(rename = "approximateInvokeCount")]
    approximate_invoke_count: Option<u64>,
}

#[derive(Deserialize)]
struct ResponsePayload<'a> {
    #[serde(rename = "errorType", borrow)]
    error_type: Option<&'a RawValue>,
}

/// The invocation record in `json`, or `None` when it is not one (it needs both
/// `requestContext` and `requestPayload`).
pub fn invocation_record(json: &str) -> Option<InvocationRecord<'_>> {
    let shape: RecordShape = serde_json::from_str(json).ok()?;
    let (context, payload) = (shape.request_context?, shape.request_payload?);
    let context: Option<RequestContext> = serde_json::from_str(context.get()).ok();
    let error_type = shape
        .response_payload
        .and_then(|p| serde_json::from_str::<ResponsePayload>(p.get()).ok())
        .and_then(|p| lenient_str(p.error_type).map(|s| s.into_owned()));
    let failure = FailureContext {
        condition: context.as_ref().and_then(|c| lenient_str(c.condition)).map(|s| s.into_owned()),
        invoke_count: context.and_then(|c| c.approximate_invoke_count),
        timestamp: lenient_str(shape.timestamp).map(|s| s.into_owned()),
        error_type,
    };
    Some(InvocationRecord { payload, failure })
}

/// Where a partly delivered S3 object stopped: the records already delivered (or refused
/// for good), so that resuming it sends only the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Continuation {
    /// Format version (1).
    pub version: u32,
    /// Bucket.
    pub bucket: String,
    /// Key (as read).
    pub key: String,
    /// The version read, in a versioned bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The ETag read: a resume that finds another one reads the object from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Records of the object already delivered (indices in read order).
    pub delivered: RecordSet,
    /// The failure's class (`IntakeUnavailable`, `DeadlineExceeded`…).
    pub reason: String,
    /// When the object first failed (RFC 3339).
    pub failed_at: String,
}

#[derive(Serialize, Deserialize)]
struct ContinuationMessage {
    #[serde(rename = "forwarderContinuation")]
    continuation: Continuation,
}

impl Continuation {
    /// The message put on the failure queue.
    pub fn to_message(&self) -> String {
        serde_json::to_string(&ContinuationMessage { continuation: self.clone() }).unwrap_or_default()
    }
}

/// Why a continuation message cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unreadable continuation message: {0}")]
pub struct ContinuationError(String);

/// The continuation in `json`: `None` when it has no continuation member, an error when it
/// has one that cannot be read.
pub fn continuation(json: &str) -> Option<Result<Continuation, ContinuationError>> {
    if !json.contains(CONTINUATION_MEMBER) {
        return None;
    }
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(rename = "forwarderContinuation", borrow)]
        continuation: Option<&'a RawValue>,
    }
    let probe: Probe = serde_json::from_str(json).ok()?;
    let raw = probe.continuation?;
    Some(serde_json::from_str::<Continuation>(raw.get()).map_err(|e| ContinuationError(e.to_string())).and_then(|c| {
        if c.version != 1 {
            Err(ContinuationError(format!("version {} is not 1", c.version)))
        } else if !c.delivered.is_well_formed() {
            Err(ContinuationError("the delivered ranges are not sorted and disjoint".into()))
        } else {
            Ok(c)
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_gives_its_payload_and_its_failure() {
        let record = r#"{"version":"1.0","timestamp":"2026-11-14T18:16:05.568Z","requestContext":{"requestId":"r","functionArn":"arn","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{"source":"aws.guardduty"},"responseContext":{"statusCode":200,"functionError":"Unhandled"},"responsePayload":{"errorType":"IntakeUnavailable","errorMessage":"x"}}"#;
        let parsed = invocation_record(record).unwrap();
        assert_eq!(parsed.payload.get(), r#"{"source":"aws.guardduty"}"#);
        assert_eq!(parsed.failure.condition.as_deref(), Some("RetriesExhausted"));
        assert_eq!(parsed.failure.invoke_count, Some(3));
        assert_eq!(parsed.failure.error_type.as_deref(), Some("IntakeUnavailable"));
        assert!(invocation_record(r#"{"Records":[]}"#).is_none());
        assert!(invocation_record(r#"{"requestPayload":{}}"#).is_none());
    }

    #[test]
    fn records_are_recognised_in_sns_and_left_alone_otherwise() {
        let record =
            r#"{"requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"source":"aws.guardduty"}}"#;
        let message = serde_json::to_string(record).unwrap();
        let sns_event = format!(
            r#"{{"Records":[{{"EventSource":"aws:sns","Sns":{{"Type":"Notification","Message":{message}}}}}]}}"#
        );
        let envelope = format!(r#"{{"Type":"Notification","Message":{message}}}"#);
        for json in [record, &sns_event, &envelope] {
            let Some(Redriven::Record { event, failure }) = recognise(json) else { panic!("not recognised: {json}") };
            assert_eq!(event, r#"{"source":"aws.guardduty"}"#);
            assert_eq!(failure.condition.as_deref(), Some("RetriesExhausted"));
        }
        assert!(recognise(r#"{"source":"aws.guardduty","detail":{"requestPayload":1}}"#).is_none());
        assert!(recognise(r#"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#).is_none());
    }

    #[test]
    fn continuations_round_trip_and_bad_ones_are_named() {
        let mut delivered = RecordSet::default();
        delivered.insert((0, 1000));
        let c = Continuation {
            version: 1,
            bucket: "b".into(),
            key: "k".into(),
            version_id: None,
            etag: Some("\"e\"".into()),
            delivered,
            reason: "IntakeUnavailable".into(),
            failed_at: "2026-12-03T00:00:00Z".into(),
        };
        let message = c.to_message();
        assert_eq!(continuation(&message).unwrap().unwrap(), c);
        assert!(continuation(r#"{"Records":[]}"#).is_none());
        let bad = message.replace("[[0,1000]]", "[[9,3]]");
        assert!(continuation(&bad).unwrap().is_err());
    }
}
