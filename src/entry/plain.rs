//! Plain entries: a line of a text object (sent raw, for Datadog's grok pipelines), or a
//! record that is not valid JSON, sent as the `message` of a log.

use super::{EntryContext, ObjectAttrs};
use crate::json;

/// Writes an entry whose `message` is `text` (invalid UTF-8 is replaced).
pub(crate) fn write_message(out: &mut Vec<u8>, attrs: &ObjectAttrs, text: &[u8]) {
    attrs.start(out);
    write_text(out, text);
}

/// Writes the entry of a text line dated `date` (its own, when known): a `timestamp` only
/// when that date must be clamped. True when clamped.
pub(crate) fn write_line(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    attrs: &ObjectAttrs,
    date: Option<time::OffsetDateTime>,
    text: &[u8],
) -> bool {
    attrs.start(out);
    let clamped = ctx.write_clamped(out, date);
    write_text(out, text);
    clamped
}

/// Writes `,"message":<text>}`: the message (invalid UTF-8 replaced) and the entry's closing
/// brace.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &[u8]) {
    out.extend_from_slice(b",\"message\":");
    json::write_text(out, text);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::provenance::Provenance;
    use crate::entry::test_support::{context, parse};
    use crate::entry::{EntryContext, ObjectOrigin};

    #[test]
    fn message_entry() {
        let mut out = Vec::new();
        let origin = Some(ObjectOrigin { bucket: "b", key: "k.log" });
        let attrs = ObjectAttrs::new(&context(), "elb", "elb", origin);
        write_message(&mut out, &attrs, b"GET /index.html 200 \"quoted\" \xff");
        let v = parse(&out);
        assert_eq!(v["ddsource"], "elb");
        assert_eq!(v["message"], "GET /index.html 200 \"quoted\" \u{fffd}");
        assert!(v.get("aws").is_none(), "no provenance by default");
        let ctx = EntryContext { provenance: Provenance::S3, ..context() };
        write_message(&mut out, &ObjectAttrs::new(&ctx, "s3", "s3", origin), b"x");
        assert_eq!(parse(&out)["aws"]["s3"]["key"], "k.log");
    }
}
