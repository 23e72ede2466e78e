//! A streaming JSON scanner over a `BufRead`: finds where one value ends without parsing
//! it, copying it without insignificant whitespace, with a size cap. It keeps no stack, so
//! deep nesting costs nothing; values are validated later by the entry builders.

use std::io::{self, BufRead};

use super::decode::Malformed;
use crate::json;

/// Reads values one by one from a byte stream.
pub(super) struct Scanner<R> {
    reader: R,
}

/// A structural problem in the stream.
pub(super) fn malformed(what: &str) -> io::Error {
    Malformed::error(what)
}

impl<R: BufRead> Scanner<R> {
    /// Wraps a reader.
    pub(super) fn new(reader: R) -> Self {
        Self { reader }
    }

    /// Skips whitespace and returns the next byte without consuming it (`None` at the end).
    pub(super) fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    self.reader.consume(i);
                    return Ok(Some(b));
                }
                None => {
                    let len = buf.len();
                    self.reader.consume(len);
                }
            }
        }
    }

    /// Consumes `expected` (after whitespace) or fails with `what`.
    pub(super) fn expect(&mut self, expected: u8, what: &str) -> io::Result<()> {
        match self.peek()? {
            Some(b) if b == expected => {
                self.reader.consume(1);
                Ok(())
            }
            Some(_) => Err(malformed(what)),
            None => Err(Malformed::truncated(format!("truncated: {what}"))),
        }
    }

    /// Reads the next value into `out` (cleared first) without insignificant whitespace.
    /// Returns false when the value was longer than `max` bytes: it is then consumed but
    /// not kept (`out` is left empty).
    pub(super) fn read_value(&mut self, out: &mut Vec<u8>, max: usize) -> io::Result<bool> {
        out.clear();
        let mut overflow = false;
        let mut depth: u32 = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut scalar = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                if scalar && depth == 0 {
                    return Ok(!overflow);
                }
                return Err(Malformed::truncated("truncated JSON value"));
            }
            let mut i = 0;
            let mut run = 0;
            let mut done = false;
            while i < buf.len() {
                if in_string {
                    if escaped {
                        escaped = false;
                        i += 1;
                        continue;
                    }
                    match json::find_quote_or_backslash(buf, i) {
                        None => i = buf.len(),
                        Some(p) => {
                            i = p + 1;
                            if buf[i - 1] == b'\\' {
                                escaped = true;
                            } else {
                                in_string = false;
                                if depth == 0 {
                                    done = true;
                                    break;
                                }
                            }
                        }
                    }
                    continue;
                }
                match buf[i] {
                    b' ' | b'\t' | b'\n' | b'\r' => {
                        if scalar && depth == 0 {
                            done = true;
                            break;
                        }
                        keep(out, &buf[run..i], max, &mut overflow);
                        i += 1;
                        run = i;
                    }
                    b'"' if !scalar => {
                        in_string = true;
                        i += 1;
                    }
                    b'{' | b'[' if !scalar => {
                        depth += 1;
                        i += 1;
                    }
                    b'}' | b']' | b',' | b':' if depth == 0 => {
                        if scalar {
                            done = true;
                            break;
                        }
                        return Err(malformed("unexpected character where a JSON value should start"));
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    _ => {
                        if depth == 0 {
                            scalar = true;
                        }
                        i += 1;
                    }
                }
            }
            keep(out, &buf[run..i], max, &mut overflow);
            self.reader.consume(i);
            if done {
                return Ok(!overflow);
            }
        }
    }

    /// Consumes one byte already seen with [`Scanner::peek`].
    pub(super) fn bump(&mut self) {
        self.reader.consume(1);
    }

    /// The bytes buffered ahead (refilled when empty), for reading a value in place.
    pub(super) fn buffered(&mut self) -> io::Result<&[u8]> {
        self.reader.fill_buf()
    }

    /// Consumes `n` bytes of [`Scanner::buffered`].
    pub(super) fn consume(&mut self, n: usize) {
        self.reader.consume(n);
    }
}

fn keep(out: &mut Vec<u8>, segment: &[u8], max: usize, overflow: &mut bool) {
    if *overflow {
        return;
    }
    if out.len() + segment.len() > max {
        *overflow = true;
        out.clear();
        return;
    }
    out.extend_from_slice(segment);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(input: &[u8], chunk: usize) -> Vec<String> {
        let reader = io::BufReader::with_capacity(chunk, input);
        let mut s = Scanner::new(reader);
        let mut out = Vec::new();
        let mut seen = Vec::new();
        while s.peek().unwrap().is_some() {
            assert!(s.read_value(&mut out, 1 << 20).unwrap());
            seen.push(String::from_utf8(out.clone()).unwrap());
            if s.peek().unwrap() == Some(b',') {
                s.bump();
            }
        }
        seen
    }

    #[test]
    fn splits_values_across_any_chunking() {
        let input = br#" {"a" : [1, {"b":"x]} \" y"}]} , "str\\" ,  12.5e3 ,true,null, [ ] "#;
        let expected = [r#"{"a":[1,{"b":"x]} \" y"}]}"#, r#""str\\""#, "12.5e3", "true", "null", "[]"];
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(values(input, chunk), expected, "chunk {chunk}");
        }
    }

    #[test]
    fn caps_size_and_survives_deep_nesting() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let mut s = Scanner::new(io::BufReader::new(deep.as_bytes()));
        let mut out = Vec::new();
        assert!(!s.read_value(&mut out, 1000).unwrap());
        assert!(out.is_empty());
        assert_eq!(s.peek().unwrap(), None);
    }

    #[test]
    fn truncated_value_is_an_error() {
        let mut s = Scanner::new(io::BufReader::new(&br#"{"a":"b"#[..]));
        let err = s.read_value(&mut Vec::new(), 100).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
