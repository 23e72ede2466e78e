//! Which event shape an invocation carries: a finding event from EventBridge (any family of
//! the table in `finding::family`), an S3
//! notification (direct, SNS, EventBridge "Object Created", S3 test event) or an SQS batch
//! of notifications, S3 Batch Operations tasks, a CloudWatch Logs subscription payload (direct,
//! or Kinesis Data Streams records), or an event back from the failure queue (an invocation
//! record or a continuation, direct, in SNS or in an SQS message). Anything else is a clear
//! error naming what was received.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::arrival::awslogs::{self, AwsLogsError, KinesisRecord};
use crate::arrival::batch_operations::{self, BatchJob, BatchPayloadError};
use crate::arrival::envelope::Envelope;
use crate::arrival::eventbridge::FindingEvent;
use crate::arrival::kinesis_records;
use crate::arrival::redriven::{self, Redriven};
use crate::arrival::s3_notification::{self, Notification, NotificationError, is_object_created};
use crate::finding::family::{detail_types_of, family_of, is_finding_source, supported};
use crate::json::{lenient_object, lenient_str};

/// The recognised shape of an invocation payload.
#[derive(Debug)]
pub enum Invocation<'a> {
    /// An EventBridge finding event of one of the families.
    Finding(FindingEvent<'a>),
    /// An S3 notification naming objects.
    Objects(Notification),
    /// An SQS batch: each message is read on its own so failures can be reported per message.
    Sqs(Vec<SqsMessage>),
    /// S3 Batch Operations tasks: one object each, a result per task.
    BatchTasks(BatchJob),
    /// A CloudWatch Logs subscription payload, decoded (its JSON).
    Logs(Vec<u8>),
    /// Kinesis Data Streams records, each a CloudWatch Logs subscription payload; a failed
    /// record is reported in `batchItemFailures`.
    Kinesis(Vec<KinesisRecord>),
    /// An event back from the failure queue (an invocation record or a continuation).
    Redriven(Redriven),
}

/// One SQS message of a batch.
#[derive(Debug)]
pub struct SqsMessage {
    /// `messageId`, reported back in `batchItemFailures`.
    pub message_id: String,
    /// What its body holds.
    pub body: SqsBody,
}

/// The body of an SQS message.
#[derive(Debug)]
pub enum SqsBody {
    /// An S3 notification.
    Notification(Result<Notification, NotificationError>),
    /// An event back from the failure queue, handled on its own.
    Redriven(Redriven),
}

/// A payload the forwarder does not handle.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Not a JSON object at all.
    #[error("the event is not a JSON object ({0})")]
    NotAnObject(String),
    /// An event of a finding service that is not a finding.
    #[error(
        "the event is an {event_source} event of detail-type {detail_type:?}, not a finding; narrow the EventBridge rule to detail-type {expected}"
    )]
    NotAFinding {
        /// The event's `source`.
        event_source: String,
        /// Its `detail-type`.
        detail_type: String,
        /// The finding detail-types of that source.
        expected: String,
    },
    /// Some other event.
    #[error(
        "unsupported event: {0}; expected a finding event ({families}), an S3 ObjectCreated notification (direct, SNS, SQS or EventBridge) or a CloudWatch Logs subscription (direct or Kinesis); narrow the EventBridge rule to these",
        families = supported()
    )]
    Unsupported(String),
    /// A notification that cannot be read.
    #[error("unreadable S3 notification: {0}")]
    Notification(#[from] NotificationError),
    /// A Batch Operations invocation that cannot be read.
    #[error(transparent)]
    BatchPayload(#[from] BatchPayloadError),
    /// A CloudWatch Logs subscription payload that cannot be decoded.
    #[error(transparent)]
    AwsLogs(#[from] AwsLogsError),
    /// A Kinesis event whose records cannot be read.
    #[error("unreadable Kinesis event: {0}")]
    Kinesis(String),
    /// A continuation message that cannot be read.
    #[error(transparent)]
    Continuation(#[from] redriven::ContinuationError),
}

#[derive(Deserialize)]
struct RecordProbe<'a> {
    #[serde(rename = "eventSource", alias = "EventSource", borrow)]
    event_source: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AwsLogsData<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct SqsRecord<'a> {
    #[serde(rename = "messageId", borrow)]
    message_id: Option<&'a RawValue>,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
}

/// Recognises the shape of `event`.
pub fn dispatch(event: &[u8]) -> Result<Invocation<'_>, DispatchError> {
    let text = crate::json::utf8(event);
    if let Some(redriven) = text.and_then(redriven::recognise) {
        return Ok(Invocation::Redriven(redriven));
    }
    let envelope =
        Envelope::parse(event).map_err(|err| DispatchError::NotAnObject(describe_non_object(event, &err)))?;
    let source = lenient_str(envelope.source);
    let detail_type = lenient_str(envelope.detail_type);
    if let Some(source) = source.as_deref().filter(|s| is_finding_source(s)) {
        let detail_type = detail_type.as_deref().unwrap_or("(none)");
        return match family_of(source, detail_type) {
            Some(family) => Ok(Invocation::Finding(FindingEvent { raw: event, envelope, family })),
            None => Err(DispatchError::NotAFinding {
                event_source: source.to_owned(),
                detail_type: detail_type.to_owned(),
                expected: detail_types_of(source),
            }),
        };
    }
    if envelope.invocation_schema_version.is_some() {
        return Ok(Invocation::BatchTasks(batch_operations::parse(event)?));
    }
    if let Some(awslogs) = envelope.awslogs {
        let data = lenient_object::<AwsLogsData>(Some(awslogs)).and_then(|a| lenient_str(a.data));
        return Ok(Invocation::Logs(awslogs::decode_data(&data.ok_or(AwsLogsError::NoData)?)?));
    }
    let Some(text) = text else {
        return Err(DispatchError::NotAnObject("invalid UTF-8".into()));
    };
    if is_object_created(source.as_deref(), detail_type.as_deref()) {
        return Ok(Invocation::Objects(notification(&envelope, text)?));
    }
    if source.is_some() || detail_type.is_some() {
        return Err(DispatchError::Unsupported(format!(
            "EventBridge event with source {:?} and detail-type {:?}",
            source.as_deref().unwrap_or("(none)"),
            detail_type.as_deref().unwrap_or("(none)")
        )));
    }
    if let Some(records) = envelope.records {
        match first_event_source(records).as_deref() {
            Some("aws:sqs") => return sqs_messages(records).map(Invocation::Sqs),
            Some("aws:kinesis") => {
                return kinesis_records::kinesis_records(records.get())
                    .map(Invocation::Kinesis)
                    .map_err(DispatchError::Kinesis);
            }
            _ => {}
        }
        return Ok(Invocation::Objects(notification(&envelope, text)?));
    }
    if envelope.test_event.is_some() || envelope.sns_type.is_some() {
        return Ok(Invocation::Objects(notification(&envelope, text)?));
    }
    Err(DispatchError::Unsupported(format!("top-level keys {}", top_level_keys(event))))
}

/// The notification of an event recognised as one; when its top level could be read only in
/// part, the notification reader reads the text again and says what is wrong.
fn notification(envelope: &Envelope<'_>, text: &str) -> Result<Notification, NotificationError> {
    if envelope.partial { s3_notification::parse(text) } else { s3_notification::from_envelope(envelope) }
}

/// The `eventSource` of the first record, read without reading the others (a Kinesis
/// event's records hold megabytes of data, read once afterwards).
fn first_event_source(records: &RawValue) -> Option<String> {
    let first = records.get().trim_start().strip_prefix('[')?;
    let probe: RecordProbe = serde_json::Deserializer::from_str(first).into_iter().next()?.ok()?;
    lenient_str(probe.event_source).map(|s| s.into_owned())
}

fn sqs_messages(records: &RawValue) -> Result<Vec<SqsMessage>, DispatchError> {
    let records: Vec<SqsRecord> = serde_json::from_str(records.get())
        .map_err(|e| DispatchError::Unsupported(format!("SQS Records are not objects: {e}")))?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let message_id = lenient_str(record.message_id)
                .ok_or_else(|| DispatchError::Unsupported(format!("SQS Records[{i}] has no messageId")))?
                .into_owned();
            let body = match lenient_str(record.body) {
                Some(body) => match redriven::recognise(&body) {
                    Some(redriven) => SqsBody::Redriven(redriven),
                    None => SqsBody::Notification(s3_notification::parse(&body)),
                },
                None => SqsBody::Notification(Err(NotificationError("the SQS message has no body string".into()))),
            };
            Ok(SqsMessage { message_id, body })
        })
        .collect()
}

fn describe_non_object(event: &[u8], err: &serde_json::Error) -> String {
    match event.iter().find(|b| !b.is_ascii_whitespace()) {
        None => "empty payload".into(),
        Some(b'[') => "got an array".into(),
        Some(b'"') => "got a string".into(),
        Some(b'{') => format!("invalid JSON: {err}"),
        Some(b'n') if event.trim_ascii() == b"null" => "got null".into(),
        Some(_) => format!("got a number, boolean or invalid JSON: {err}"),
    }
}

fn top_level_keys(event: &[u8]) -> String {
    let keys: BTreeMap<String, IgnoredAny> = serde_json::from_slice(event).unwrap_or_default();
    if keys.is_empty() {
        return "(none)".into();
    }
    let mut names: Vec<&str> = keys.keys().map(String::as_str).take(12).collect();
    if keys.len() > 12 {
        names.push("…");
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_operations_tasks() {
        let event = br#"{"invocationSchemaVersion":"2.0","invocationId":"i","job":{"id":"j"},"tasks":[{"taskId":"t","s3Bucket":"b","s3Key":"k"}]}"#;
        let Ok(Invocation::BatchTasks(job)) = dispatch(event) else { panic!("not batch tasks") };
        assert_eq!(job.tasks.len(), 1);
        let err = dispatch(br#"{"invocationSchemaVersion":"1.0","tasks":[]}"#).unwrap_err().to_string();
        assert!(err.starts_with("unreadable S3 Batch Operations invocation"), "{err}");
    }

    #[test]
    fn findings_and_not_findings() {
        let ok = br#"{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{}}"#;
        assert!(matches!(dispatch(ok), Ok(Invocation::Finding(_))));
        let api = br#"{"source":"aws.guardduty","detail-type":"AWS API Call via CloudTrail","detail":{}}"#;
        let err = dispatch(api).unwrap_err().to_string();
        assert!(err.contains("AWS API Call via CloudTrail"), "{err}");
    }

    #[test]
    fn a_finding_with_an_unreadable_member_is_still_a_finding() {
        let repeated = br#"{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{},"detail":{}}"#;
        let Ok(Invocation::Finding(event)) = dispatch(repeated) else { panic!("not a finding") };
        assert!(event.envelope.partial);
        let bad_utf8 =
            b"{\"source\":\"aws.guardduty\",\"detail-type\":\"GuardDuty Finding\",\"detail\":{\"t\":\"\xff\"}}";
        assert!(matches!(dispatch(bad_utf8), Ok(Invocation::Finding(_))));
    }

    #[test]
    fn unknown_shapes_are_named() {
        for (event, needle) in [
            (&b""[..], "empty payload"),
            (b"[1,2]", "array"),
            (b"\"x\"", "string"),
            (b"null", "null"),
            (b"42", "number"),
            (b"{\"a\":", "invalid JSON"),
            (br#"{"zeta":1,"alpha":{}}"#, "top-level keys alpha, zeta"),
            (br#"{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification"}"#, "aws.ec2"),
        ] {
            let err = dispatch(event).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn cloudwatch_logs_direct_and_kinesis() {
        let data = crate::arrival::awslogs::tests::encode(b"{\"messageType\":\"DATA_MESSAGE\"}");
        let direct = serde_json::json!({"awslogs": {"data": data}}).to_string();
        let Ok(Invocation::Logs(json)) = dispatch(direct.as_bytes()) else { panic!("not logs") };
        assert_eq!(json, b"{\"messageType\":\"DATA_MESSAGE\"}");
        let err = dispatch(br#"{"awslogs":{"data":"***"}}"#).unwrap_err().to_string();
        assert!(err.contains("not base64"), "{err}");
        let err = dispatch(br#"{"awslogs":{}}"#).unwrap_err().to_string();
        assert!(err.contains("no `data`"), "{err}");
        let kinesis = serde_json::json!({"Records": [
            {"eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "49", "data": data}},
        ]})
        .to_string();
        let Ok(Invocation::Kinesis(records)) = dispatch(kinesis.as_bytes()) else { panic!("not kinesis") };
        assert_eq!(records[0].sequence_number, "49");
    }

    #[test]
    fn sqs_messages_are_kept_apart() {
        let good =
            r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#;
        let event = serde_json::json!({"Records": [
            {"messageId": "m1", "eventSource": "aws:sqs", "body": good},
            {"messageId": "m2", "eventSource": "aws:sqs", "body": "garbage"},
        ]})
        .to_string();
        let Ok(Invocation::Sqs(messages)) = dispatch(event.as_bytes()) else { panic!("not sqs") };
        let SqsBody::Notification(Ok(first)) = &messages[0].body else { panic!("not a notification") };
        assert_eq!(first.objects.len(), 1);
        assert_eq!(messages[1].message_id, "m2");
        assert!(matches!(messages[1].body, SqsBody::Notification(Err(_))));
    }
}
