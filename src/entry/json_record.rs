//! JSON-lines records (Route 53 Resolver query logs, Network Firewall, WAF): sent as
//! attributes, not as an escaped string in `message`, after the object's shared attributes
//! and a date only when the record's own must be clamped.

use time::OffsetDateTime;

use super::{EntryContext, ObjectAttrs, waf};
use crate::json;

/// How a record's members are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members {
    /// As they are (made compact).
    AsIs,
    /// WAF: the arrays facets cannot query keyed by name (`entry::waf`).
    Waf,
}

/// Writes the entry of a valid JSON object `record` whose top-level `members` were listed,
/// dated `date` (its own, when known); returns true when the date was clamped.
pub(crate) fn write_record(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    attrs: &ObjectAttrs,
    date: Option<OffsetDateTime>,
    record: &[u8],
    members: &[(&[u8], &[u8])],
    how: Members,
) -> bool {
    attrs.start(out);
    let clamped = ctx.write_clamped(out, date);
    match how {
        Members::Waf => waf::write_members(out, members, clamped),
        Members::AsIs => {
            let renamed = clamped && members.iter().any(|(name, _)| *name == b"\"timestamp\"");
            if renamed {
                for &(name, value) in members {
                    out.push(b',');
                    out.extend_from_slice(if name == b"\"timestamp\"" { b"\"original_timestamp\"" } else { name });
                    out.push(b':');
                    json::write_compact(out, value);
                }
            } else if !members.is_empty() {
                out.push(b',');
                json::write_compact(out, &record[1..record.len() - 1]);
            }
        }
    }
    out.push(b'}');
    clamped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};
    use time::macros::datetime;

    fn entry(record: &str, date: Option<OffsetDateTime>, how: Members) -> serde_json::Value {
        let ctx = context();
        let attrs = ObjectAttrs::new(&ctx, "route53", "route53", None);
        let members = waf::members_of(record.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_record(&mut out, &ctx, &attrs, date, record.as_bytes(), &members, how);
        parse(&out)
    }

    #[test]
    fn records_go_as_attributes_with_a_date_only_when_clamped() {
        let record =
            r#"{ "version": "1.100000", "query_timestamp": "2026-11-24T11:00:00Z", "query_name": "example.com." }"#;
        let v = entry(record, Some(datetime!(2026-11-24 11:00 UTC)), Members::AsIs);
        assert_eq!((v["ddsource"].as_str(), v["query_name"].as_str()), (Some("route53"), Some("example.com.")));
        assert!(v.get("timestamp").is_none());
        let v = entry(record, Some(datetime!(2020-01-01 0:00 UTC)), Members::AsIs);
        assert_eq!(
            (v["timestamp"].as_str(), v["timestamp_clamped"].as_bool()),
            (Some("2026-11-24T12:00:00Z"), Some(true))
        );
        assert_eq!(v["query_timestamp"], "2026-11-24T11:00:00Z");
        let v = entry(r#"{"timestamp":1,"a":2}"#, Some(datetime!(2020-01-01 0:00 UTC)), Members::AsIs);
        assert_eq!((v["original_timestamp"].as_u64(), v["a"].as_u64()), (Some(1), Some(2)));
        let v = entry("{}", None, Members::AsIs);
        assert_eq!(v.as_object().map(|o| o.len()), Some(3), "ddsource, service, ddtags: {v}");
    }
}
