//! The top level of an invocation payload (or of a message wrapped in one), parsed once:
//! every member any event shape is recognised by, as raw JSON borrowed from the payload.

use serde::Deserialize;
use serde_json::value::RawValue;

/// Top-level members of an event: EventBridge (`source`, `detail-type`, `detail`, …), S3 /
/// SNS / SQS (`Records`), an SNS envelope (`Type`, `Message`), an S3 test event (`Event`) or
/// an S3 Batch Operations invocation (`invocationSchemaVersion`) or a CloudWatch Logs
/// subscription (`awslogs`).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Envelope<'a> {
    /// EventBridge `source`, e.g. `aws.guardduty`.
    #[serde(borrow)]
    pub(crate) source: Option<&'a RawValue>,
    /// EventBridge `detail-type`, e.g. `GuardDuty Finding`.
    #[serde(rename = "detail-type", borrow)]
    pub(crate) detail_type: Option<&'a RawValue>,
    /// EventBridge `detail`: the finding, or the object of an "Object Created" event.
    #[serde(borrow)]
    pub(crate) detail: Option<&'a RawValue>,
    /// EventBridge `account`.
    #[serde(borrow)]
    pub(crate) account: Option<&'a RawValue>,
    /// EventBridge `region`.
    #[serde(borrow)]
    pub(crate) region: Option<&'a RawValue>,
    /// EventBridge `time`.
    #[serde(borrow)]
    pub(crate) time: Option<&'a RawValue>,
    /// `Records`: S3 notification records, SNS records or SQS messages.
    #[serde(rename = "Records", borrow)]
    pub(crate) records: Option<&'a RawValue>,
    /// SNS envelope `Type`.
    #[serde(rename = "Type", borrow)]
    pub(crate) sns_type: Option<&'a RawValue>,
    /// SNS envelope `Message`.
    #[serde(rename = "Message", borrow)]
    pub(crate) sns_message: Option<&'a RawValue>,
    /// S3 test event `Event` (`s3:TestEvent`).
    #[serde(rename = "Event", borrow)]
    pub(crate) test_event: Option<&'a RawValue>,
    /// S3 Batch Operations `invocationSchemaVersion`.
    #[serde(rename = "invocationSchemaVersion", borrow)]
    pub(crate) invocation_schema_version: Option<&'a RawValue>,
    /// CloudWatch Logs subscription `awslogs` (`{"data":…}`).
    #[serde(borrow)]
    pub(crate) awslogs: Option<&'a RawValue>,
    /// Set when only the members that recognise a shape could be read (a repeated member, or
    /// invalid UTF-8 in one of the others).
    #[serde(skip)]
    pub(crate) partial: bool,
}

/// The members an event shape is recognised by, for a payload whose other members cannot be
/// read (a borrowed member must be UTF-8 and appear once; skipped ones need not).
#[derive(Deserialize)]
struct Recognition<'a> {
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(rename = "detail-type", borrow)]
    detail_type: Option<&'a RawValue>,
    #[serde(rename = "Records", borrow)]
    records: Option<&'a RawValue>,
    #[serde(rename = "Type", borrow)]
    sns_type: Option<&'a RawValue>,
    #[serde(rename = "Event", borrow)]
    test_event: Option<&'a RawValue>,
    #[serde(rename = "invocationSchemaVersion", borrow)]
    invocation_schema_version: Option<&'a RawValue>,
    #[serde(borrow)]
    awslogs: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    /// Parses the top level of `json`; fails when it is not a JSON object. When another
    /// member cannot be read (repeated, or with invalid UTF-8), only the members that
    /// recognise a shape are read and the envelope is marked `partial`, so the event can
    /// still be named and handled.
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, serde_json::Error> {
        let err = match serde_json::from_slice(json) {
            Ok(envelope) => return Ok(envelope),
            Err(err) => err,
        };
        let shape: Recognition<'a> = serde_json::from_slice(json).map_err(|_| err)?;
        Ok(Self {
            source: shape.source,
            detail_type: shape.detail_type,
            records: shape.records,
            sns_type: shape.sns_type,
            test_event: shape.test_event,
            invocation_schema_version: shape.invocation_schema_version,
            awslogs: shape.awslogs,
            partial: true,
            ..Self::default()
        })
    }
}
