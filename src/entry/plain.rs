//! Plain entries: a line of an object that is not CloudTrail or a GuardDuty export, or a
//! record that is not valid JSON, sent as the `message` of a log.

use super::{EntryContext, ObjectOrigin, write_origin};
use crate::json;

/// Writes an entry whose `message` is `text` (invalid UTF-8 is replaced).
pub(crate) fn write_message(
    out: &mut Vec<u8>,
    ctx: &EntryContext,
    source: &str,
    origin: Option<ObjectOrigin<'_>>,
    text: &[u8],
) {
    ctx.begin(out, source, source);
    ctx.write_tags(out, &[]);
    if let Some(origin) = origin {
        write_origin(out, origin);
    }
    out.extend_from_slice(b",\"message\":");
    json::write_str(out, &String::from_utf8_lossy(text));
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_support::{context, parse};

    #[test]
    fn message_entry() {
        let mut out = Vec::new();
        let origin = ObjectOrigin { bucket: "b", key: "k.log" };
        write_message(&mut out, &context(), "s3", Some(origin), b"GET /index.html 200 \"quoted\" \xff");
        let v = parse(&out);
        assert_eq!(v["ddsource"], "s3");
        assert_eq!(v["message"], "GET /index.html 200 \"quoted\" \u{fffd}");
        assert_eq!(v["aws"]["s3"]["key"], "k.log");
    }
}
