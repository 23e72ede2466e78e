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

/// `bytes` as a `str` when they are UTF-8, checked with vector instructions (about a tenth of
/// the CPU of `std::str::from_utf8` on long text): for whole events and payloads.
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// Appends `text` as a JSON string literal, invalid UTF-8 replaced by U+FFFD. ASCII text (a
/// log line, usually) is escaped in the same pass that finds it is ASCII.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &[u8]) {
    let mark = out.len();
    out.push(b'"');
    if escape_into::<true>(out, text) {
        out.push(b'"');
        return;
    }
    out.truncate(mark);
    match std::str::from_utf8(text) {
        Ok(text) => write_str(out, text),
        Err(_) => write_str(out, &String::from_utf8_lossy(text)),
    }
}

/// Appends the escaped body of a JSON string literal (without quotes).
pub(crate) fn write_str_body(out: &mut Vec<u8>, s: &str) {
    escape_into::<false>(out, s.as_bytes());
}

/// Appends `bytes` (UTF-8) escaped for a JSON string. Runs without a byte to escape (most of
/// a log line) are found eight bytes at a time and copied whole. With `ASCII_ONLY`, stops at
/// the first byte that is not ASCII and returns false (having appended part of `bytes`).
fn escape_into<const ASCII_ONLY: bool>(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let mut start = 0;
    while let Some(i) = find_escaped::<ASCII_ONLY>(bytes, start) {
        out.extend_from_slice(&bytes[start..i]);
        if ASCII_ONLY && !bytes[i].is_ascii() {
            return false;
        }
        write_escape(out, bytes[i]);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    true
}

/// Index of the first byte at or after `i` that a JSON string must escape, or with
/// `ASCII_ONLY` that is not ASCII. Sixteen bytes are checked per step (two words, flags
/// combined before one test). The last few bytes are checked as the final sixteen (or eight)
/// of the string, overlapping bytes from `i` on already found clean: those carry no flag, so
/// the first flag is still exact. (Bytes before `i` may be special: never overlapped.)
#[inline]
fn find_escaped<const ASCII_ONLY: bool>(s: &[u8], i: usize) -> Option<usize> {
    let rest = s.get(i..)?;
    let mut chunks = rest.chunks_exact(16);
    let mut at = i;
    for chunk in &mut chunks {
        if let Some(found) = first_in_sixteen::<ASCII_ONLY>(chunk) {
            return Some(at + found);
        }
        at += 16;
    }
    let left = chunks.remainder().len();
    if left == 0 {
        return None;
    }
    if rest.len() >= 16 {
        let last = s.len() - 16;
        return first_in_sixteen::<ASCII_ONLY>(&s[last..]).map(|found| last + found);
    }
    if left >= 8 {
        let flags = |w: u64| string_special_bytes(w) | if ASCII_ONLY { w & HIGHS } else { 0 };
        let last = s.len() - 8;
        for start in [at, last] {
            let found = word_at(s, start).map_or(0, flags);
            if found != 0 {
                return Some(start + first_flagged(found));
            }
        }
        return None;
    }
    let stop = |b: u8| is_string_special(b) || (ASCII_ONLY && !b.is_ascii());
    s[at..].iter().position(|&b| stop(b)).map(|p| at + p)
}

/// Index of the first `"`, `\\` or control byte at or after `i`: where a string that
/// starts at `i` ends or needs a closer look (see [`find_escaped`]).
#[inline]
pub(crate) fn find_string_special(s: &[u8], i: usize) -> Option<usize> {
    find_escaped::<false>(s, i)
}

/// The index of the first flagged byte of a sixteen-byte `chunk` (see [`find_escaped`]).
#[inline]
fn first_in_sixteen<const ASCII_ONLY: bool>(chunk: &[u8]) -> Option<usize> {
    let (low, high) = chunk.split_at(8);
    let flags = |half: &[u8]| {
        let w = half.try_into().map_or(0, u64::from_le_bytes);
        string_special_bytes(w) | if ASCII_ONLY { w & HIGHS } else { 0 }
    };
    let (low, high) = (flags(low), flags(high));
    if low | high == 0 {
        None
    } else if low != 0 {
        Some(first_flagged(low))
    } else {
        Some(8 + first_flagged(high))
    }
}

/// Appends the escape sequence of a byte that [`is_string_special`].
fn write_escape(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
    }
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
pub(crate) fn string_end(src: &[u8], mut i: usize) -> usize {
    while let Some(p) = find_quote_or_backslash(src, i) {
        if src[p] == b'\\' {
            i = p + 2;
        } else {
            return p + 1;
        }
    }
    src.len()
}

/// Index of the first `"` or `\` in `s` at or after `i`. Strings in logs are mostly short:
/// the first 32 bytes are searched eight at a time (no call, no setup), longer runs with
/// memchr's vectorised search.
#[inline]
pub(crate) fn find_quote_or_backslash(s: &[u8], mut i: usize) -> Option<usize> {
    let short_end = i.saturating_add(32);
    while i < short_end {
        let Some(w) = word_at(s, i) else {
            return s.get(i..)?.iter().position(|&b| b == b'"' || b == b'\\').map(|p| i + p);
        };
        let special = zero_bytes(w ^ (ONES * u64::from(b'"'))) | zero_bytes(w ^ (ONES * u64::from(b'\\')));
        if special != 0 {
            return Some(i + first_flagged(special));
        }
        i += 8;
    }
    memchr::memchr2(b'"', b'\\', s.get(i..)?).map(|p| i + p)
}

/// The high bit set in each `"`, `\` or control byte of `w` (exact for the lowest one).
#[inline]
pub(crate) fn string_special_bytes(w: u64) -> u64 {
    // `zero_bytes` of each comparison and `control_bytes`, masked once.
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    ((quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (w.wrapping_sub(ONES * 0x20) & !w))
        & HIGHS
}

/// Whether `b` cannot appear unescaped in a JSON string: `"`, `\` or a control byte.
#[inline]
pub(crate) fn is_string_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// `0x01` in every byte of a word.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `i` as a little-endian word, when there are eight.
#[inline]
pub(crate) fn word_at(s: &[u8], i: usize) -> Option<u64> {
    let mut word = [0; 8];
    word.copy_from_slice(s.get(i..i.checked_add(8)?)?);
    Some(u64::from_le_bytes(word))
}

/// The high bit set in each zero byte of `w`; exact for the lowest one (flags above it may
/// be borrow artefacts), which is all [`first_flagged`] reads.
#[inline]
pub(crate) fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// The high bit set in each byte of `w` equal to `b` (exact for every byte).
#[inline]
pub(crate) fn equal_bytes(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    !(((x & !HIGHS) + !HIGHS) | x) & HIGHS
}

/// The high bit set in each byte of `w` below 0x20 (exact for the lowest one).
#[inline]
pub(crate) fn control_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES * 0x20) & !w & HIGHS
}

/// Index within the word of the lowest flagged byte.
#[inline]
pub(crate) fn first_flagged(flags: u64) -> usize {
    (flags.trailing_zeros() / 8) as usize
}

/// A string field, tolerating a missing field or a value of another type (→ `None`).
pub(crate) fn lenient_str<'a>(raw: Option<&'a RawValue>) -> Option<Cow<'a, str>> {
    let raw = raw?;
    serde_json::from_str::<Cow<'a, str>>(raw.get()).ok()
}

/// A boolean field; also accepts the strings `"true"` / `"false"`.
pub(crate) fn lenient_bool(raw: Option<&RawValue>) -> Option<bool> {
    match raw?.get() {
        "true" | "\"true\"" => Some(true),
        "false" | "\"false\"" => Some(false),
        _ => None,
    }
}

/// Parses a nested object field into `T`, tolerating a missing field, `null` or a mismatch.
pub(crate) fn lenient_object<'a, T: serde::Deserialize<'a>>(raw: Option<&'a RawValue>) -> Option<T> {
    serde_json::from_str(raw?.get()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_checked_as_std_checks_it() {
        let text = "plain ascii, é, ✓, 日本, 🦀 and more ascii to pass sixty-four bytes of it";
        let mut cases: Vec<Vec<u8>> = vec![Vec::new(), text.as_bytes().to_vec(), text.repeat(40).into_bytes()];
        for at in 0..text.len() {
            let mut damaged = text.as_bytes().to_vec();
            damaged[at] = 0xff;
            cases.push(damaged);
            cases.push(text.as_bytes()[..at].to_vec());
            let mut long = text.repeat(3).into_bytes();
            long[text.len() + at] ^= 0x80;
            cases.push(long);
        }
        for bytes in cases {
            assert_eq!(utf8(&bytes), std::str::from_utf8(&bytes).ok(), "{bytes:?}");
        }
    }

    #[test]
    fn text_written_like_lossy_strings() {
        for text in [&b"2 1 eni-1 ACCEPT OK"[..], b"a\"b\\c\td", b"caf\xc3\xa9", b"bad \xff\xfe byte", b"\x01", b""] {
            let mut out = Vec::new();
            write_text(&mut out, text);
            assert_eq!(out, serde_json::to_vec(&String::from_utf8_lossy(text)).unwrap(), "{text:?}");
        }
        for len in 0..24 {
            for at in 0..len {
                for odd in [&b"\xc3\xa9"[..], b"\xff", b"\"", b"\x1f"] {
                    let mut text = vec![b'a'; len];
                    text[0] = b'\\';
                    text.splice(at..=at, odd.iter().copied());
                    let mut out = b"prefix".to_vec();
                    write_text(&mut out, &text);
                    let expected = serde_json::to_vec(&String::from_utf8_lossy(&text)).unwrap();
                    assert_eq!(out[6..], expected, "{text:?}");
                }
            }
        }
    }

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
    fn escapes_at_every_offset_like_serde_json() {
        // Two specials anywhere, so each search starts just after an escaped byte, at every
        // distance from the end (the last bytes are checked by an overlapping word or sixteen).
        let specials = ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', ' ', 'é', '✓'];
        for len in 0..40 {
            for at in 0..len {
                for second in at..len {
                    for (c, d) in specials.iter().zip(specials.iter().rev()) {
                        let mut s: Vec<char> = std::iter::repeat_n('x', len).collect();
                        s[at] = *c;
                        s[second] = *d;
                        let s: String = s.into_iter().chain([*c]).collect();
                        assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
                        let mut text = Vec::new();
                        write_text(&mut text, s.as_bytes());
                        assert_eq!(text, serde_json::to_vec(&s).unwrap(), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn finds_quotes_and_backslashes_at_any_offset() {
        for len in [0, 1, 7, 8, 9, 31, 32, 33, 100] {
            for (at, b) in [(len, b'"'), (len, b'\\'), (len, 0x1f)] {
                let mut s = vec![b'x'; len + 5];
                s[at] = b;
                for start in 0..=at.min(9) {
                    if b != 0x1f {
                        assert_eq!(find_quote_or_backslash(&s, start), Some(at), "len {len} start {start}");
                    }
                    let special = (start..s.len()).step_by(8).find_map(|i| {
                        let flags = word_at(&s, i).map_or(0, string_special_bytes);
                        (flags != 0).then(|| i + first_flagged(flags))
                    });
                    assert_eq!(special.unwrap_or(at), at, "len {len} start {start}");
                    assert!(is_string_special(b));
                }
            }
            assert_eq!(find_quote_or_backslash(&vec![0xff; len], 0), None);
            assert_eq!(string_special_bytes(u64::from_le_bytes(*b" \xff~!#0aZ")), 0);
        }
        assert_eq!(find_quote_or_backslash(b"ab", 5), None);
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
        assert_eq!(lenient_bool(v.get("b").map(|r| &**r)), Some(true));
        assert_eq!(lenient_str(v.get("n").map(|r| &**r)), None);
        assert_eq!(lenient_str(v.get("z").map(|r| &**r)), None);
    }
}
