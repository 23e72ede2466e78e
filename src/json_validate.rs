//! One-pass JSON validation for records copied into entries as raw text: a record must be
//! valid JSON (RFC 8259, UTF-8) or the intake refuses the whole body it is in. The same pass
//! reports the members of a top-level object, so the fields an entry needs are found without
//! building a tree. It accepts exactly what `serde_json` accepts when skipping a value, keeps
//! its own stack on the heap (deep nesting costs memory, not stack) and skips string contents
//! eight bytes at a time.

use crate::json::{ONES, control_bytes, first_flagged, word_at, zero_bytes};

/// Whether `text` is one valid JSON value, optionally surrounded by whitespace. When it is
/// an object, `member` is called with each member's name and value as written (the name
/// with its quotes), in order; members seen before an error are reported too.
pub fn validate<'a>(text: &'a [u8], mut member: impl FnMut(&'a [u8], &'a [u8])) -> bool {
    std::str::from_utf8(text).is_ok()
        && Walker { s: text, member: &mut member, prefix: false, spaced: false }.run().is_some()
}

/// The length of the compact JSON object or array that `text` starts with, when it is
/// complete and valid (UTF-8 included) and has no whitespace outside its strings; `None`
/// otherwise, including when `text` ends before the value does. Members are reported as by
/// [`validate`]. This lets a reader use a record in place in its buffer, leaving any other
/// case to a slower path.
pub(crate) fn compact_prefix<'a>(text: &'a [u8], mut member: impl FnMut(&'a [u8], &'a [u8])) -> Option<usize> {
    if !matches!(text.first(), Some(b'{' | b'[')) {
        return None;
    }
    let mut walker = Walker { s: text, member: &mut member, prefix: true, spaced: false };
    let end = walker.run().filter(|_| !walker.spaced)?;
    std::str::from_utf8(&text[..end]).is_ok().then_some(end)
}

struct Walker<'a, 'f, F: FnMut(&'a [u8], &'a [u8])> {
    s: &'a [u8],
    member: &'f mut F,
    /// Stop at the end of the first value instead of requiring the end of the text.
    prefix: bool,
    /// Whether whitespace was seen outside strings.
    spaced: bool,
}

/// Open containers: `{` or `[`.
type Stack = Vec<u8>;

impl<'a, F: FnMut(&'a [u8], &'a [u8])> Walker<'a, '_, F> {
    /// Walks the value; returns where it ends (the end of the text unless `prefix`).
    fn run(&mut self) -> Option<usize> {
        let s = self.s;
        let mut stack = Stack::new();
        let mut i = 0;
        let (mut key, mut value_start): (&[u8], usize) = (&[], 0);
        'value: loop {
            // A value starts at `i` (after whitespace).
            i = self.skip_ws(i);
            if stack.len() == 1 {
                value_start = i;
            }
            match *s.get(i)? {
                b'{' => {
                    stack.push(b'{');
                    i = self.skip_ws(i + 1);
                    if s.get(i) != Some(&b'}') {
                        let (name, next) = self.member_name(i)?;
                        if stack.len() == 1 {
                            key = name;
                        }
                        i = next;
                        continue 'value;
                    }
                    i += 1;
                    stack.pop();
                }
                b'[' => {
                    stack.push(b'[');
                    i = self.skip_ws(i + 1);
                    if s.get(i) != Some(&b']') {
                        continue 'value;
                    }
                    i += 1;
                    stack.pop();
                }
                b'"' => i = string_end(s, i + 1)?,
                b't' => i = literal(s, i, b"true")?,
                b'f' => i = literal(s, i, b"false")?,
                b'n' => i = literal(s, i, b"null")?,
                b'-' | b'0'..=b'9' => i = number_end(s, i)?,
                _ => return None,
            }
            // A value ended at `i`: close the containers it completes.
            loop {
                if stack.len() == 1 && stack[0] == b'{' {
                    (self.member)(key, &s[value_start..i]);
                }
                if stack.is_empty() {
                    if self.prefix {
                        return Some(i);
                    }
                    return (self.skip_ws(i) == s.len()).then_some(i);
                }
                i = self.skip_ws(i);
                match (stack.last(), s.get(i)) {
                    (Some(b'{'), Some(b',')) => {
                        let start = self.skip_ws(i + 1);
                        let (name, next) = self.member_name(start)?;
                        if stack.len() == 1 {
                            key = name;
                        }
                        i = next;
                        continue 'value;
                    }
                    (Some(b'['), Some(b',')) => {
                        i += 1;
                        continue 'value;
                    }
                    (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) => {
                        i += 1;
                        stack.pop();
                    }
                    _ => return None,
                }
            }
        }
    }

    fn skip_ws(&mut self, start: usize) -> usize {
        let mut i = start;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(i) {
            i += 1;
        }
        self.spaced |= i != start;
        i
    }

    /// Reads `"name"` and the `:` after it at `i`; returns the name (with quotes) and the
    /// index after the colon.
    fn member_name(&mut self, i: usize) -> Option<(&'a [u8], usize)> {
        let s = self.s;
        if s.get(i) != Some(&b'"') {
            return None;
        }
        let end = string_end(s, i + 1)?;
        let colon = self.skip_ws(end);
        (s.get(colon) == Some(&b':')).then_some((&s[i..end], colon + 1))
    }
}

fn literal(s: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    s[i..].starts_with(word).then_some(i + word.len())
}

/// Index after a number starting at `i`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn number_end(s: &[u8], mut i: usize) -> Option<usize> {
    if s[i] == b'-' {
        i += 1;
    }
    match s.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits_end(s, i),
        _ => return None,
    }
    if s.get(i) == Some(&b'.') {
        i = at_least_one_digit(s, i + 1)?;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        i = at_least_one_digit(s, i)?;
    }
    Some(i)
}

fn digits_end(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn at_least_one_digit(s: &[u8], i: usize) -> Option<usize> {
    let end = digits_end(s, i);
    (end > i).then_some(end)
}

/// Index after the closing quote of a string whose contents start at `i`; `None` for a raw
/// control character, a bad escape or a missing quote.
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    loop {
        // Skip eight bytes at a time while none is `"`, `\` or a control character.
        while let Some(w) = word_at(s, i) {
            let special =
                zero_bytes(w ^ (ONES * u64::from(b'"'))) | zero_bytes(w ^ (ONES * u64::from(b'\\'))) | control_bytes(w);
            if special != 0 {
                i += first_flagged(special);
                break;
            }
            i += 8;
        }
        match *s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i = escape_end(s, i + 1)?,
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// Index after an escape whose letter is at `i`.
fn escape_end(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => {
            let hex = s.get(i + 1..i + 5)?;
            hex.iter().all(u8::is_ascii_hexdigit).then_some(i + 5)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(text: &str) -> bool {
        validate(text.as_bytes(), |_, _| {})
    }

    fn serde_valid(text: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
    }

    #[test]
    fn agrees_with_serde_json() {
        let cases = [
            r#"{"a":1}"#,
            r#" { "a" : [ 1 , -2.5e+3 , true , false , null , "x\u00e9\n" ] } "#,
            "[]",
            "{}",
            "0",
            "-0.0E-0",
            r#""\/\b\f\r\t\\\"""#,
            "日本語",
            r#""日本語 ✓ and more than eight bytes""#,
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "tru",
            "nulll",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "[1,]",
            "[1 2]",
            r#"{1:2}"#,
            r#""\x""#,
            r#""\u12g4""#,
            "\"tab\tin a string\"",
            "\"nul \u{0} in a long string\"",
            r#""unterminated"#,
            "{",
            "[[[]]",
            "]",
            "",
            "  ",
            "{} {}",
            r#"{"a":{"b":[{"c":"d"}]},"e":"#,
            // Found by fuzzing: a lone surrogate escape is valid JSON text.
            r#"{"\uDDDD":"\ud800"}"#,
        ];
        for case in cases {
            assert_eq!(valid(case), serde_valid(case.as_bytes()), "{case:?}");
        }
        assert!(!validate(b"\"\xff\"", |_, _| {}));
    }

    #[test]
    fn reports_top_level_members_as_written() {
        let text = br#"{"a":1, "b" : {"c":[1,{"d":2}]},"e":"x\"y","f":[],"g":{}}"#;
        let mut seen = Vec::new();
        assert!(validate(text, |k, v| seen.push((String::from_utf8_lossy(k).into_owned(), v.to_vec()))));
        let seen: Vec<(&str, &str)> = seen.iter().map(|(k, v)| (k.as_str(), std::str::from_utf8(v).unwrap())).collect();
        assert_eq!(
            seen,
            [
                ("\"a\"", "1"),
                ("\"b\"", r#"{"c":[1,{"d":2}]}"#),
                ("\"e\"", r#""x\"y""#),
                ("\"f\"", "[]"),
                ("\"g\"", "{}")
            ]
        );
        let mut count = 0;
        assert!(validate(b"[{\"a\":1}]", |_, _| count += 1));
        assert_eq!(count, 0);
    }

    #[test]
    fn compact_prefix_needs_a_whole_compact_value() {
        let none = |_: &[u8], _: &[u8]| {};
        assert_eq!(compact_prefix(br#"{"a":[1,"x y"]},{"b":2}"#, none), Some(15));
        assert_eq!(compact_prefix(br#"[{}]]"#, none), Some(4));
        for text in [&br#"{"a":[1,"x"#[..], br#"{"a": 1}"#, b"12,", br#""s","#, br#"{"a":01}"#, b"{\"\xff\":1}"] {
            assert_eq!(compact_prefix(text, none), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn deep_nesting_uses_no_stack() {
        let deep = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
        assert!(valid(&deep));
        assert!(!valid(&deep[1..]));
    }
}
