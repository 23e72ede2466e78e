//! S3 object notifications in every wrapping: direct S3 events, SNS, SQS (also SNS→SQS),
//! and EventBridge "Object Created". Parsed leniently: only bucket and key are required.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::envelope::Envelope;
use crate::json::lenient_str;

/// An object named by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// Key to read.
    pub key: String,
    /// Key to try once if S3 answers NoSuchKey for `key` (EventBridge keys whose encoding
    /// is undocumented: the URL-decoded form).
    pub fallback_key: Option<String>,
    /// The version to read (S3 Batch Operations manifests may name one); the current one
    /// when unset.
    pub version_id: Option<String>,
}

impl ObjectRef {
    /// The current version of `bucket`/`key`, with no other key to try.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self { bucket: bucket.into(), key: key.into(), fallback_key: None, version_id: None }
    }
}

/// The objects a notification names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notification {
    /// ObjectCreated objects, in order.
    pub objects: Vec<ObjectRef>,
    /// Records ignored on purpose (other event names, `s3:TestEvent`).
    pub ignored: u64,
}

/// A notification that cannot be understood.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct NotificationError(pub String);

fn error(message: impl Into<String>) -> NotificationError {
    NotificationError(message.into())
}

/// Decodes a key from a native S3 notification (form encoding: `+` is a space).
pub(crate) fn decode_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "eventName", borrow)]
    event_name: Option<&'a RawValue>,
    #[serde(borrow)]
    s3: Option<&'a RawValue>,
    #[serde(rename = "Sns", borrow)]
    sns: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Entity<'a> {
    #[serde(borrow)]
    bucket: Option<&'a RawValue>,
    #[serde(borrow)]
    object: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Named<'a> {
    #[serde(borrow)]
    name: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Keyed<'a> {
    #[serde(borrow)]
    key: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct SnsRecord<'a> {
    #[serde(rename = "Message", borrow)]
    message: Option<&'a RawValue>,
}

/// Whether `source` / `detail-type` are an S3 EventBridge "Object Created" event.
pub(crate) fn is_object_created(source: Option<&str>, detail_type: Option<&str>) -> bool {
    source == Some("aws.s3") && detail_type == Some("Object Created")
}

/// Reads a notification: a direct S3 event, an SNS message or envelope, an SQS body, an
/// EventBridge "Object Created" event or an S3 test event.
pub(crate) fn parse(json: &str) -> Result<Notification, NotificationError> {
    parse_nested(json, 0)
}

/// Reads a notification whose top level is already parsed.
pub(crate) fn from_envelope(envelope: &Envelope<'_>) -> Result<Notification, NotificationError> {
    read_envelope(envelope, 0)
}

fn parse_nested(json: &str, depth: u8) -> Result<Notification, NotificationError> {
    if depth > 3 {
        return Err(error("notification nested too deeply"));
    }
    let envelope =
        Envelope::parse(json.as_bytes()).map_err(|e| error(format!("notification is not a JSON object: {e}")))?;
    read_envelope(&envelope, depth)
}

fn read_envelope(envelope: &Envelope<'_>, depth: u8) -> Result<Notification, NotificationError> {
    if let Some(records) = envelope.records {
        return parse_records(records, depth);
    }
    if envelope.sns_type.is_some() {
        let message =
            lenient_str(envelope.sns_message).ok_or_else(|| error("SNS envelope without a Message string"))?;
        return parse_nested(&message, depth + 1);
    }
    if lenient_str(envelope.test_event).as_deref() == Some("s3:TestEvent") {
        return Ok(Notification { objects: Vec::new(), ignored: 1 });
    }
    let source = lenient_str(envelope.source);
    let detail_type = lenient_str(envelope.detail_type);
    if is_object_created(source.as_deref(), detail_type.as_deref()) {
        return Ok(Notification { objects: vec![eventbridge_object(envelope.detail)?], ignored: 0 });
    }
    Err(error(format!(
        "not an S3 notification (source {:?}, detail-type {:?}, no Records)",
        source.as_deref().unwrap_or("-"),
        detail_type.as_deref().unwrap_or("-")
    )))
}

fn parse_records(records: &RawValue, depth: u8) -> Result<Notification, NotificationError> {
    let records: Vec<Record> =
        serde_json::from_str(records.get()).map_err(|e| error(format!("Records is not an array of objects: {e}")))?;
    if records.is_empty() {
        return Err(error("the notification has an empty Records array"));
    }
    let mut out = Notification::default();
    for (i, record) in records.iter().enumerate() {
        if let Some(sns) = record.sns {
            let message = serde_json::from_str::<SnsRecord>(sns.get())
                .ok()
                .and_then(|s| lenient_str(s.message))
                .ok_or_else(|| error(format!("Records[{i}].Sns has no Message string")))?;
            let inner = parse_nested(&message, depth + 1)?;
            out.objects.extend(inner.objects);
            out.ignored += inner.ignored;
            continue;
        }
        let name = lenient_str(record.event_name).unwrap_or_default();
        if !name.starts_with("ObjectCreated:") {
            out.ignored += 1;
            continue;
        }
        let entity: Entity = record
            .s3
            .and_then(|s3| serde_json::from_str(s3.get()).ok())
            .ok_or_else(|| error(format!("Records[{i}] has no s3 object")))?;
        let bucket = name_of(entity.bucket).ok_or_else(|| error(format!("Records[{i}].s3.bucket.name is missing")))?;
        let key = key_of(entity.object).ok_or_else(|| error(format!("Records[{i}].s3.object.key is missing")))?;
        out.objects.push(ObjectRef::new(bucket, decode_key(&key)));
    }
    Ok(out)
}

fn eventbridge_object(detail: Option<&RawValue>) -> Result<ObjectRef, NotificationError> {
    let entity: Entity = detail
        .and_then(|d| serde_json::from_str(d.get()).ok())
        .ok_or_else(|| error("Object Created event without a detail object"))?;
    let bucket = name_of(entity.bucket).ok_or_else(|| error("detail.bucket.name is missing"))?;
    let key = key_of(entity.object).ok_or_else(|| error("detail.object.key is missing"))?;
    let decoded = decode_key(&key);
    let fallback_key = (key.contains(['%', '+']) && decoded != key).then_some(decoded);
    Ok(ObjectRef { fallback_key, ..ObjectRef::new(bucket, key) })
}

fn name_of(bucket: Option<&RawValue>) -> Option<String> {
    let named: Named = serde_json::from_str(bucket?.get()).ok()?;
    lenient_str(named.name).map(|n| n.into_owned()).filter(|n| !n.is_empty())
}

fn key_of(object: Option<&RawValue>) -> Option<String> {
    let keyed: Keyed = serde_json::from_str(object?.get()).ok()?;
    lenient_str(keyed.key).map(|k| k.into_owned()).filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3_event(records: &[(&str, &str, &str)]) -> String {
        let records: Vec<String> = records
            .iter()
            .map(|(name, bucket, key)| {
                format!(r#"{{"eventSource":"aws:s3","eventName":"{name}","s3":{{"bucket":{{"name":"{bucket}"}},"object":{{"key":"{key}"}}}}}}"#)
            })
            .collect();
        format!(r#"{{"Records":[{}]}}"#, records.join(","))
    }

    fn obj(bucket: &str, key: &str) -> ObjectRef {
        ObjectRef::new(bucket, key)
    }

    #[test]
    fn keys_are_form_decoded() {
        for (encoded, decoded) in [
            ("a+b.log", "a b.log"),
            ("a%2Bb.log", "a+b.log"),
            ("AWSLogs%2F1%2Fx%3Dy.gz", "AWSLogs/1/x=y.gz"),
            ("caf%C3%A9+%E6%97%A5%E6%9C%AC.json", "café 日本.json"),
            ("100%25.txt", "100%.txt"),
        ] {
            assert_eq!(decode_key(encoded), decoded);
        }
    }

    #[test]
    fn every_record_and_only_object_created() {
        let n = parse(&s3_event(&[
            ("ObjectCreated:Put", "b", "one+two"),
            ("ObjectRemoved:Delete", "b", "gone"),
            ("ObjectCreated:CompleteMultipartUpload", "c", "three"),
        ]))
        .unwrap();
        assert_eq!(n.objects, vec![obj("b", "one two"), obj("c", "three")]);
        assert_eq!(n.ignored, 1);
    }

    #[test]
    fn sns_sqs_and_test_events() {
        let inner = s3_event(&[("ObjectCreated:Put", "b", "k")]);
        let sns_envelope = serde_json::json!({"Type": "Notification", "Message": inner}).to_string();
        assert_eq!(parse(&sns_envelope).unwrap().objects, vec![obj("b", "k")]);
        let sns_lambda = serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": inner}}]});
        assert_eq!(parse(&sns_lambda.to_string()).unwrap().objects, vec![obj("b", "k")]);
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}"#;
        assert_eq!(parse(test).unwrap(), Notification { objects: vec![], ignored: 1 });
    }

    #[test]
    fn eventbridge_keys_are_used_as_given_with_a_decoded_fallback() {
        let ev = r#"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"a+b%20c.log","size":3}}}"#;
        let n = parse(ev).unwrap();
        assert_eq!(n.objects[0].key, "a+b%20c.log");
        assert_eq!(n.objects[0].fallback_key.as_deref(), Some("a b c.log"));
        let plain = ev.replace("a+b%20c.log", "plain.log");
        assert_eq!(parse(&plain).unwrap().objects[0].fallback_key, None);
    }

    #[test]
    fn lenient_but_clear_errors() {
        let minimal =
            r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#;
        assert_eq!(parse(minimal).unwrap().objects, vec![obj("b", "k")]);
        for (bad, needle) in [
            (r#"{"Records":[]}"#, "empty Records"),
            (r#"{"Records":{}}"#, "not an array"),
            (
                r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}"#,
                "key is missing",
            ),
            (r#"{"foo":1}"#, "not an S3 notification"),
            ("[1]", "not a JSON object"),
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }
}
