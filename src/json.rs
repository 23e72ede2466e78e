//! Small JSON helpers for building entries without a parse/serialize round trip:
//! string escaping, whitespace compaction of raw JSON, and lenient field readers.

use std::borrow::Cow;

use serde_json::value::RawValue;

/// Appends `s` to `out` as a JSON string literal (with quotes).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_str_body(out, s);
    out.push(b'"');
}

/// Appends the escaped body of a JSON string literal (without quotes).
pub fn write_str_body(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `src` (valid JSON text) to `out` without the whitespace outside strings, so a
/// pretty-printed record becomes one line. String contents are copied untouched.
pub fn write_compact(out: &mut Vec<u8>, src: &[u8]) {
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                let end = string_end(src, i + 1);
                out.extend_from_slice(&src[i..end]);
                i = end;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Index just past the closing quote of a string whose body starts at `i` (the end of `src`
/// for an unterminated string).
pub fn string_end(src: &[u8], mut i: usize) -> usize {
    while let Some(p) = memchr::memchr2(b'"', b'\\', &src[i..]) {
        i += p;
        if src[i] == b'\\' {
            i += 2;
        } else {
            return i + 1;
        }
    }
    src.len()
}

/// A string field, tolerating a missing field or a value of another type (→ `None`).
pub fn lenient_str<'a>(raw: Option<&'a RawValue>) -> Option<Cow<'a, str>> {
    let raw = raw?;
    serde_json::from_str::<Cow<'a, str>>(raw.get()).ok()
}

/// A number field; also accepts a numeric string such as `"8.0"`.
pub fn lenient_f64(raw: Option<&RawValue>) -> Option<f64> {
    let text = raw?.get();
    if let Ok(n) = serde_json::from_str::<f64>(text) {
        return Some(n).filter(|n| n.is_finite());
    }
    lenient_str(raw)?.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A boolean field; also accepts the strings `"true"` / `"false"`.
pub fn lenient_bool(raw: Option<&RawValue>) -> Option<bool> {
    match raw?.get() {
        "true" | "\"true\"" => Some(true),
        "false" | "\"false\"" => Some(false),
        _ => None,
    }
}

/// Parses a nested object field into `T`, tolerating a missing field, `null` or a mismatch.
pub fn lenient_object<'a, T: serde::Deserialize<'a>>(raw: Option<&'a RawValue>) -> Option<T> {
    serde_json::from_str(raw?.get()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_serde_json() {
        for s in ["plain", "quote\"back\\slash", "nl\ncr\rtab\t", "ctl\u{1}\u{1f}", "日本語 ✓", ""] {
            assert_eq!(escaped(s), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn compact_keeps_strings_intact() {
        let src = br#"{ "a" : [ 1, 2 ],
            "s": "x  y\" }  \\",  "t" : true }"#;
        let mut out = Vec::new();
        write_compact(&mut out, src);
        assert_eq!(std::str::from_utf8(&out).unwrap(), r#"{"a":[1,2],"s":"x  y\" }  \\","t":true}"#);
    }

    #[test]
    fn lenient_readers() {
        let v: std::collections::HashMap<String, Box<RawValue>> =
            serde_json::from_str(r#"{"n":8.5,"s":"7","b":"true","o":{"x":1},"z":null}"#).unwrap();
        assert_eq!(lenient_f64(v.get("n").map(|r| &**r)), Some(8.5));
        assert_eq!(lenient_f64(v.get("s").map(|r| &**r)), Some(7.0));
        assert_eq!(lenient_f64(v.get("o").map(|r| &**r)), None);
        assert_eq!(lenient_bool(v.get("b").map(|r| &**r)), Some(true));
        assert_eq!(lenient_str(v.get("n").map(|r| &**r)), None);
        assert_eq!(lenient_str(v.get("z").map(|r| &**r)), None);
    }
}
