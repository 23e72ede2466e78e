//! VPC flow log entries. A record in the default format (v2) is sent raw as `message`, which
//! Datadog's `vpc` pipeline parses; a record in a custom format (text with a header naming
//! its fields, or Parquet) is sent as named attributes: the field names with `-` as `_`
//! (`account_id`, `log_status`, `tcp_flags`: the Parquet column names), numbers as numbers,
//! `-` (no value) left out.
//!
//! The record's date is its `start` (seconds since the epoch). Datadog does not read it as
//! the log date, so nothing is added while it is inside the intake's window (the intake
//! dates the log on arrival, minutes after `start`); outside it, `"timestamp":<now>` and
//! `"timestamp_clamped":true` are added and `start` stays in the record.

use std::io::Write;

use super::{EntryContext, ObjectAttrs, plain, write_clamped};
use crate::json;

/// One field of a flow record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowValue<'a> {
    /// A text value (numeric fields given as text are written as numbers when they are).
    Text(&'a str),
    /// A number.
    Number(i64),
    /// No value (`-` in text, null in Parquet): left out.
    Absent,
}

/// A field's attribute name and whether its values are numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowField {
    /// Attribute name (`tcp_flags`).
    pub(crate) name: String,
    /// Whether its values are numbers (`srcport`, `bytes`, `start`…).
    pub(crate) numeric: bool,
}

impl FlowField {
    /// The field named `name` in a header (`tcp-flags`) or a Parquet schema (`tcp_flags`).
    pub(crate) fn named(name: &str) -> Self {
        let name = name.replace('-', "_");
        let numeric = NUMERIC_FIELDS.contains(&name.as_str());
        Self { name, numeric }
    }
}

/// The fields whose values are numbers (integer columns in Parquet flow logs).
const NUMERIC_FIELDS: &[&str] =
    &["version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "tcp_flags", "traffic_path"];

/// Writes the entry of a record in the default format: the line as `message`. True when its
/// date (`start`) was clamped.
pub(crate) fn write_flow_line(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    attrs: &ObjectAttrs,
    line: &[u8],
    start: Option<i64>,
) -> bool {
    attrs.start(out);
    let clamped = write_clamp(out, ctx, start);
    plain::write_text(out, line);
    clamped
}

/// Writes the entry of a record in a custom format: one attribute per field with a value.
/// True when its date (`start`) was clamped.
pub(crate) fn write_flow_attributes<'a>(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    attrs: &ObjectAttrs,
    fields: impl Iterator<Item = (&'a FlowField, FlowValue<'a>)> + Clone,
) -> bool {
    attrs.start(out);
    let start = fields.clone().find(|(field, _)| field.name == "start").and_then(|(_, value)| value.number());
    let clamped = write_clamp(out, ctx, start);
    for (field, value) in fields {
        let value = match value {
            FlowValue::Text("-") => FlowValue::Absent,
            value if field.numeric => value.as_number(),
            value => value,
        };
        match value {
            FlowValue::Absent => continue,
            FlowValue::Number(n) => {
                write_name(out, &field.name);
                let _ = write!(out, "{n}");
            }
            FlowValue::Text(text) => {
                write_name(out, &field.name);
                json::write_str(out, text);
            }
        }
    }
    out.push(b'}');
    clamped
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    out.push(b',');
    json::write_str(out, name);
    out.push(b':');
}

/// `,"timestamp":<now>,"timestamp_clamped":true` when `start` is outside the intake's window.
fn write_clamp(out: &mut Vec<u8>, ctx: &EntryContext, start: Option<i64>) -> bool {
    match start {
        Some(start) if !ctx.clock.epoch_in_window(start) => {
            write_clamped(out, ctx.clock.now_text());
            true
        }
        _ => false,
    }
}

impl FlowValue<'_> {
    /// The value as a number, when it is one.
    pub(crate) fn number(self) -> Option<i64> {
        match self.as_number() {
            FlowValue::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A text value that is an integer becomes a number; `-` is no value.
    fn as_number(self) -> Self {
        match self {
            FlowValue::Text("-") => FlowValue::Absent,
            FlowValue::Text(text) => text.parse().map_or(self, FlowValue::Number),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};

    #[test]
    fn attributes_numbers_and_absent_values() {
        let ctx = context();
        let attrs = ObjectAttrs::new(&ctx, "vpc", "vpc", None);
        let fields: Vec<FlowField> =
            ["version", "account-id", "srcport", "pkt-srcaddr", "start", "action", "tcp-flags"]
                .into_iter()
                .map(FlowField::named)
                .collect();
        let now = time::macros::datetime!(2026-11-24 11:00 UTC).unix_timestamp().to_string();
        let values = ["3", "012345678901", "443", "-", now.as_str(), "ACCEPT", "x"];
        // A text field with `-` is left out too.
        let mut out = Vec::new();
        let pairs = fields.iter().zip(values.iter().map(|v| FlowValue::Text(v)));
        assert!(!write_flow_attributes(&mut out, &ctx, &attrs, pairs));
        let v = parse(&out);
        assert_eq!(v["version"], 3);
        assert_eq!(v["account_id"], "012345678901", "ids stay text");
        assert_eq!(v["srcport"], 443);
        assert!(v.get("pkt_srcaddr").is_none());
        assert_eq!(v["tcp_flags"], "x", "a value that is not a number stays as given");
        assert!(v.get("timestamp").is_none());

        let pairs = fields.iter().zip(["3", "1", "1", "-", "1418530010", "REJECT", "2"].map(FlowValue::Text));
        assert!(write_flow_attributes(&mut out, &ctx, &attrs, pairs));
        let v = parse(&out);
        assert_eq!((v["start"].as_i64(), v["timestamp_clamped"].as_bool()), (Some(1418530010), Some(true)));
        assert_eq!(v["timestamp"], "2026-11-24T12:00:00Z");
    }

    #[test]
    fn raw_line() {
        let ctx = context();
        let attrs = ObjectAttrs::new(&ctx, "vpc", "vpc", None);
        let mut out = Vec::new();
        assert!(write_flow_line(&mut out, &ctx, &attrs, b"2 1 eni-1 a b", Some(0)));
        let v = parse(&out);
        assert_eq!(v["message"], "2 1 eni-1 a b");
        assert_eq!(v["ddsource"], "vpc");
        assert!(!write_flow_line(&mut out, &ctx, &attrs, b"x", None));
    }
}
