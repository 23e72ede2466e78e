//! VPC Flow Logs in text (`.log.gz`): one record a line, fields separated by spaces. An S3
//! object starts with a header naming the fields (`version account-id interface-id …`); it
//! is not a record. In the default format (v2, or no header at all) each line is sent raw,
//! for Datadog's `vpc` pipeline; in a custom format each line becomes named attributes
//! (`entry::flow`). A line whose field count does not match the header is sent raw as
//! `message` and counted (`malformed_records`): nothing is lost.

use std::io::BufRead;

use super::decode::ReadError;
use super::lines::{read_capped_line, trim};
use super::scope::ObjectScope;
use crate::entry::flow::{FlowField, FlowValue, write_flow_attributes, write_flow_line};
use crate::limits::MAX_RECORD_BYTES;
use crate::sink::{BatchOut, EntrySink};
use crate::stats::DropReason;

mod words;
use words::{nth_word, parse_i64};

/// The fields of the default format (v2), in order.
pub(crate) const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Where `start` is in a default-format line.
const DEFAULT_START: usize = 10;

/// The fields VPC Flow Logs can write besides the default ones (versions 3 to 8), as a header
/// names them.
const OTHER_FIELDS: &[&str] = &[
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    "reject-reason",
];

/// How the records of a flow log are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlowFormat {
    /// The default fields (v2), in order: records are sent raw.
    Default,
    /// Other fields or another order: records are sent as named attributes.
    Custom(Vec<FlowField>),
}

impl FlowFormat {
    /// The format of records with these field names (a header's, or Parquet columns with
    /// `_` for `-`).
    pub(crate) fn of_fields<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let fields: Vec<FlowField> = names.into_iter().map(FlowField::named).collect();
        let default = fields.len() == DEFAULT_FIELDS.len()
            && fields.iter().zip(DEFAULT_FIELDS).all(|(field, name)| field.name == name.replace('-', "_"));
        if default { Self::Default } else { Self::Custom(fields) }
    }

    /// The format a header line names, or `None` when the line is not a header: every word
    /// is lowercase letters and `-` (values such as `eni-0a1b` have digits), and one at
    /// least is a field name we know.
    pub(crate) fn of_header(line: &[u8]) -> Option<Self> {
        let line = std::str::from_utf8(line).ok()?;
        let mut words = line.split_ascii_whitespace().peekable();
        words.peek()?;
        let shaped = |word: &str| word.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        if !line.split_ascii_whitespace().all(shaped)
            || !line.split_ascii_whitespace().any(|w| DEFAULT_FIELDS.contains(&w) || OTHER_FIELDS.contains(&w))
        {
            return None;
        }
        Some(Self::of_fields(words))
    }
}

/// The `start` (epoch seconds) of a default-format record, when it has one.
pub(crate) fn default_start(line: &[u8]) -> Option<i64> {
    parse_i64(nth_word(line, DEFAULT_START)?)
}

/// Reads every record of a text flow log into `sink`, skipping header lines.
pub(crate) fn read_flow_lines<R: BufRead, O: BatchOut>(
    mut reader: R,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let (ctx, origin) = (scope.ctx, scope.origin);
    let mut format = FlowFormat::Default;
    let mut line = Vec::new();
    let mut malformed = 0u64;
    loop {
        let (fits, more) = read_capped_line(&mut reader, &mut line, MAX_RECORD_BYTES)?;
        if !more && line.is_empty() && fits {
            break;
        }
        let text = trim(&line);
        if !fits {
            sink.drop_record(DropReason::RecordTooLarge);
            tracing::warn!(bucket = origin.bucket, key = origin.key, "skipped a line over {MAX_RECORD_BYTES} bytes");
            continue;
        }
        if text.is_empty() {
            continue;
        }
        if text[0].is_ascii_lowercase()
            && let Some(header) = FlowFormat::of_header(text)
        {
            format = header;
            continue;
        }
        match &format {
            FlowFormat::Default => {
                let start = default_start(text);
                sink.commit(&ctx.rules, text, |out| write_flow_line(out, ctx, &scope.attrs, text, start))?;
            }
            FlowFormat::Custom(fields) => {
                let words = std::str::from_utf8(text).map(str::split_ascii_whitespace);
                let values: Vec<&str> = words.clone().into_iter().flatten().collect();
                if words.is_err() || values.len() != fields.len() {
                    malformed += 1;
                    sink.commit_malformed(&ctx.rules, &scope.attrs, text)?;
                    continue;
                }
                let pairs = fields.iter().zip(values.iter().map(|v| FlowValue::Text(v)));
                sink.commit(&ctx.rules, text, |out| write_flow_attributes(out, ctx, &scope.attrs, pairs))?;
            }
        }
    }
    if malformed > 0 {
        tracing::warn!(
            bucket = origin.bucket,
            key = origin.key,
            malformed,
            "flow-log lines whose fields do not match the header were sent as plain messages"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_of_default_lines() {
        let line = b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        assert_eq!(default_start(line), Some(1418530010));
        assert_eq!(default_start(b" 2\t1  a b c d e f g h   1418530010\r\n"), Some(1418530010));
        assert_eq!(default_start(b"2 1 a b c d e f g h 1418530010"), Some(1418530010));
        for no_start in [&b"2 1 a b c d e f g h"[..], b"2 1 a b c d e f g h  ", b"2 1 a b c d e f g h - x", b""] {
            assert_eq!(default_start(no_start), None, "{}", String::from_utf8_lossy(no_start));
        }
    }

    #[test]
    fn headers() {
        let v2 = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
        assert_eq!(FlowFormat::of_header(v2), Some(FlowFormat::Default));
        let Some(FlowFormat::Custom(fields)) = FlowFormat::of_header(b"instance-id interface-id  srcaddr pkt-srcaddr")
        else {
            panic!("a custom header");
        };
        assert_eq!(
            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["instance_id", "interface_id", "srcaddr", "pkt_srcaddr"]
        );
        for not_header in [
            &b"2 123 eni-1 - -"[..],
            b"- eni-1235b8ca123456789 10.0.1.5",
            b"ingress egress",
            b"",
            b"i-0a eni-1",
            b"\xff",
        ] {
            assert_eq!(FlowFormat::of_header(not_header), None, "{}", String::from_utf8_lossy(not_header));
        }
        assert_eq!(
            FlowFormat::of_fields(DEFAULT_FIELDS.map(|f| f.replace('-', "_")).iter().map(String::as_str)),
            FlowFormat::Default
        );
    }
}
