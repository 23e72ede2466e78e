//! A direct reader for subscription payloads in the form CloudWatch Logs writes them: the
//! members it knows, each once (an event's in the usual order compared whole), strings ended
//! by a sixteen-byte-per-step search and borrowed when they hold no escape, the payload's UTF-8
//! checked once by the caller. Anything else (another member such as `extractedFields`, a repeated member, a
//! number that is not an `i64`, a `\u` escape, a control byte, bad syntax) gives `None`, and
//! the payload is read by serde, which gives the same value or names the error. Both readers
//! accept the same payloads and read them alike (a test and the `cwl_payload` fuzz target
//! compare them).

use std::borrow::Cow;

use super::{LogEvent, LogsPayload};
use crate::json::{find_string_special, first_flagged, is_string_special, string_special_bytes, word_at};

/// Reads `text` when it is a payload of the usual form; `None` leaves it to serde.
pub(super) fn parse(text: &str) -> Option<LogsPayload<'_>> {
    let mut s = Scanner { text, at: 0, scratch: Vec::new() };
    let mut payload = LogsPayload {
        message_type: Cow::Borrowed(""),
        owner: Cow::Borrowed(""),
        log_group: Cow::Borrowed(""),
        log_stream: Cow::Borrowed(""),
        subscription_filters: Vec::new(),
        policy_level: None,
        log_events: None,
    };
    let mut seen = 0u8;
    s.token(b'{')?;
    if !s.empty(b'}') {
        loop {
            let key = s.key()?;
            let bit = match key.as_ref() {
                "messageType" => {
                    payload.message_type = s.string()?;
                    1
                }
                "owner" => {
                    payload.owner = s.string()?;
                    2
                }
                "logGroup" => {
                    payload.log_group = s.string()?;
                    4
                }
                "logStream" => {
                    payload.log_stream = s.string()?;
                    8
                }
                "subscriptionFilters" => {
                    payload.subscription_filters = s.strings()?;
                    16
                }
                "policyLevel" => {
                    payload.policy_level = if s.null() { None } else { Some(s.string()?) };
                    32
                }
                "logEvents" => {
                    payload.log_events = if s.null() { None } else { Some(s.events()?) };
                    64
                }
                _ => return None,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            if s.close(b'}')? {
                break;
            }
        }
    }
    s.skip_whitespace();
    (s.at == text.len()).then_some(payload)
}

/// A position in the payload's text.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
    /// Where an escaped string's value is built before it is copied to its exact size.
    scratch: Vec<u8>,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes().get(self.at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Consumes `byte`, after any whitespace.
    fn token(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.bytes().get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// After a member or element: `Some(true)` at `end` (consumed), `Some(false)` at a comma.
    fn close(&mut self, end: u8) -> Option<bool> {
        self.skip_whitespace();
        let byte = *self.bytes().get(self.at)?;
        self.at += 1;
        match byte {
            b',' => Some(false),
            _ if byte == end => Some(true),
            _ => None,
        }
    }

    /// Consumes `end` when it comes first (an empty object or array).
    fn empty(&mut self, end: u8) -> bool {
        self.skip_whitespace();
        let found = self.bytes().get(self.at) == Some(&end);
        self.at += usize::from(found);
        found
    }

    /// Consumes `null` when it is next.
    fn null(&mut self) -> bool {
        self.skip_whitespace();
        let found = self.bytes()[self.at..].starts_with(b"null");
        if found {
            self.at += 4;
        }
        found
    }

    /// A member's name and its colon.
    fn key(&mut self) -> Option<Cow<'a, str>> {
        let key = self.string()?;
        self.token(b':')?;
        Some(key)
    }

    /// A string: borrowed unless it holds escapes; one with a control character (which JSON
    /// forbids) is left to serde. Its first quote, backslash or control byte is found sixteen
    /// bytes per step, in one pass.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.token(b'"')?;
        let (text, bytes, start) = (self.text, self.bytes(), self.at);
        let mut at = find_string_special(bytes, start)?;
        let value = if bytes[at] == b'"' {
            Cow::Borrowed(&text[start..at])
        } else {
            at = unescape(bytes, start, at, &mut self.scratch)?;
            Cow::Owned(std::str::from_utf8(&self.scratch).ok()?.to_owned())
        };
        self.at = at + 1;
        Some(value)
    }

    /// An array of strings.
    fn strings(&mut self) -> Option<Vec<Cow<'a, str>>> {
        self.array(Self::string)
    }

    /// `logEvents`: an array of events.
    fn events(&mut self) -> Option<Vec<LogEvent<'a>>> {
        self.array(Self::event)
    }

    /// An array whose elements `element` reads.
    fn array<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut out = Vec::new();
        self.token(b'[')?;
        if self.empty(b']') {
            return Some(out);
        }
        loop {
            out.push(element(self)?);
            if self.close(b']')? {
                return Some(out);
            }
        }
    }

    /// One event: `id`, `timestamp` and `message`, each at most once, `message` required.
    fn event(&mut self) -> Option<LogEvent<'a>> {
        let start = self.at;
        if let Some(event) = self.usual_event() {
            return Some(event);
        }
        self.at = start;
        let (mut id, mut timestamp, mut message) = (None, None, None);
        self.token(b'{')?;
        if !self.empty(b'}') {
            loop {
                match self.key()?.as_ref() {
                    "id" if id.is_none() => id = Some(self.string()?),
                    "timestamp" if timestamp.is_none() => {
                        timestamp = Some(if self.null() { None } else { Some(self.integer()?) })
                    }
                    "message" if message.is_none() => message = Some(self.string()?),
                    _ => return None,
                }
                if self.close(b'}')? {
                    break;
                }
            }
        }
        Some(LogEvent { id: id.unwrap_or_default(), timestamp: timestamp.flatten(), message: message? })
    }

    /// An event as CloudWatch Logs writes it, `{"id":…,"timestamp":…,"message":…}` without
    /// spaces: its member names are compared whole rather than read.
    fn usual_event(&mut self) -> Option<LogEvent<'a>> {
        self.literal(b"{\"id\":")?;
        let id = self.string()?;
        self.literal(b",\"timestamp\":")?;
        let timestamp = self.integer()?;
        self.literal(b",\"message\":")?;
        let message = self.string()?;
        self.literal(b"}")?;
        Some(LogEvent { id, timestamp: Some(timestamp), message })
    }

    /// Consumes `literal` when it comes next.
    fn literal(&mut self, literal: &[u8]) -> Option<()> {
        self.bytes()[self.at..].starts_with(literal).then(|| self.at += literal.len())
    }

    /// An integer that fits an `i64` (no fraction, no exponent, no leading zero, not `-0`,
    /// which serde reads as a float), its digits read in one pass.
    fn integer(&mut self) -> Option<i64> {
        self.skip_whitespace();
        let bytes = self.bytes();
        let negative = bytes.get(self.at) == Some(&b'-');
        let start = self.at + usize::from(negative);
        let (mut value, mut end) = (0u64, start);
        while let Some(digit) = bytes.get(end).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
            if end - start == MAX_DIGITS {
                return None;
            }
            value = value * 10 + u64::from(digit);
            end += 1;
        }
        let digits = end - start;
        if digits == 0 || (digits > 1 && bytes[start] == b'0') || matches!(bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let value = if negative {
            if value == 0 {
                return None;
            }
            0i64.checked_sub_unsigned(value)?
        } else {
            i64::try_from(value).ok()?
        };
        self.at = end;
        Some(value)
    }
}

/// The most digits an integer is read with: any nineteen fit a `u64`; longer ones go to serde.
const MAX_DIGITS: usize = 19;

/// Writes into `out` the value of the string `bytes[from..]` whose first escape is at `at`;
/// returns the index of its closing quote. Plain runs are copied a word at a time (the whole
/// word written, then cut back to the special byte found in it); `None` at a `\u` escape (left
/// to serde), an invalid escape, a control byte or the end of the text.
fn unescape(bytes: &[u8], from: usize, mut at: usize, out: &mut Vec<u8>) -> Option<usize> {
    out.clear();
    out.extend_from_slice(&bytes[from..at]);
    loop {
        match bytes[at] {
            b'"' => return Some(at),
            b'\\' => {}
            _ => return None,
        }
        out.push(match bytes.get(at + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => return None,
        });
        let mut i = at + 2;
        at = loop {
            let Some(w) = word_at(bytes, i) else {
                let run = bytes.get(i..)?.iter().position(|&b| is_string_special(b))?;
                out.extend_from_slice(&bytes[i..i + run]);
                break i + run;
            };
            out.extend_from_slice(&w.to_le_bytes());
            let special = string_special_bytes(w);
            if special != 0 {
                let run = first_flagged(special);
                out.truncate(out.len() - 8 + run);
                break i + run;
            }
            i += 8;
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader's view of `json`, checked against serde's.
    pub(crate) fn agrees(json: &str) -> Option<()> {
        let fast = parse(json);
        let slow = serde_json::from_str::<LogsPayload<'_>>(json).ok();
        if let Some(fast) = &fast {
            let slow = slow.as_ref().unwrap_or_else(|| panic!("the fast reader accepted what serde refuses: {json}"));
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{json}");
        }
        fast.map(|_| ())
    }

    #[test]
    fn reads_the_usual_form_as_serde_does() {
        let usual = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["a","b"],"logEvents":[{"id":"1","timestamp":1700000000000,"message":"plain"},{"id":"2","timestamp":-5,"message":"{\"k\":\"v\\\\ \/ \t\"}"}]}"#;
        assert!(agrees(usual).is_some());
        let pretty = "{\n  \"owner\": \"1\",\n  \"messageType\": \"DATA_MESSAGE\",\n  \"logEvents\": [ ],\n  \"policyLevel\": null\n}\n";
        assert!(agrees(pretty).is_some());
        assert!(
            agrees(r#"{"logEvents":[{"message":"m","timestamp":null}],"policyLevel":"ACCOUNT_LEVEL_POLICY"}"#)
                .is_some()
        );
        assert!(agrees("{}").is_some());
    }

    #[test]
    fn escaped_strings_of_any_shape_read_as_serde_reads() {
        let pieces = ["", "a", "abcdefg", "abcdefgh", "été ✓", "0123456789abcdefghij", "日本語テキスト"];
        let escapes = [r#"\""#, r"\\", r"\/", r"\n", r"\t", r"\r", r"\b", r"\f"];
        for (i, first) in pieces.iter().enumerate() {
            for (j, escape) in escapes.iter().enumerate() {
                for last in &pieces {
                    let message = format!("{first}{escape}{}{escape}{last}", pieces[(i + j) % pieces.len()]);
                    let json = format!(
                        r#"{{"logEvents":[{{"id":"1","timestamp":2,"message":"{message}"}},{{"message":"{last}{escape}"}}]}}"#
                    );
                    assert!(agrees(&json).is_some(), "{json}");
                }
            }
        }
    }

    #[test]
    fn strings_of_every_length_read_as_serde_reads_them() {
        // Every length across the sixteen-byte steps, with a quote, backslash escape or control
        // byte at every position, and the payload cut short after each.
        for len in 0..40 {
            let plain: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let mut bodies = vec![plain.clone()];
            for at in 0..=len {
                for special in ["\\\"", "\\\\", "\\n", "\u{1}", "\t", "\u{1f}", "é"] {
                    bodies.push(format!("{}{special}{}", &plain[..at], &plain[at..]));
                }
            }
            for body in bodies {
                let json = format!(
                    r#"{{"logGroup":"{body}","logEvents":[{{"id":"{body}","timestamp":1,"message":"{body}"}}]}}"#
                );
                agrees(&json);
                for cut in (0..json.len()).filter(|&cut| json.is_char_boundary(cut)) {
                    agrees(&json[..cut]);
                }
            }
        }
    }

    #[test]
    fn integers_read_as_serde_reads_them() {
        for number in [
            "0",
            "-0",
            "7",
            "-7",
            "00",
            "01",
            "-01",
            "1.0",
            "1e3",
            "1E3",
            "-",
            "--1",
            "+1",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "999999999999999999",
            "9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "-99999999999999999999",
            "0000000000000000000001",
            "1 ",
            " 2",
        ] {
            let json = format!(
                r#"{{"logEvents":[{{"id":"1","timestamp":{number},"message":"m"}},{{"timestamp":{number},"message":"m"}}]}}"#
            );
            agrees(&json);
            let serde_reads = serde_json::from_str::<LogsPayload<'_>>(&json).is_ok();
            assert_eq!(parse(&json).is_some(), serde_reads, "{number}");
        }
    }

    #[test]
    fn leaves_the_rest_to_serde() {
        for json in [
            r#"{"logEvents":[{"id":"1","message":"m","extractedFields":{"a":"1"}}]}"#,
            r#"{"owner":"a","owner":"b"}"#,
            r#"{"logEvents":[{"message":"a","message":"b"}]}"#,
            r#"{"logEvents":[{"id":"1"}]}"#,
            r#"{"logEvents":[{"message":"\u00e9"}]}"#,
            r#"{"logEvents":[{"message":"m","timestamp":1.5}]}"#,
            r#"{"logEvents":[{"message":"m","timestamp":01}]}"#,
            r#"{"logEvents":[{"message":"m","timestamp":99999999999999999999}]}"#,
            "{\"logEvents\":[{\"message\":\"tab\there\"}]}",
            r#"{"logEvents":[{"message":"m"},]}"#,
            r#"{"logEvents":[{"message":"m"}]} x"#,
            r#"{"logEvents":[{"message":"bad \q"}]}"#,
            r#"{"logEvents":[{"message":"\"escaped then \u00e9"}]}"#,
            "{\"logEvents\":[{\"message\":\"\\\"escaped then a tab\there\"}]}",
            r#"{"logEvents":[{"message":"cut"#,
            r#"{"logEvents":[{"message":"cut\"#,
            r#"{"logGroup":1}"#,
        ] {
            assert!(agrees(json).is_none(), "{json}");
        }
        assert_eq!(
            parse(r#"{"logEvents":[{"message":"m","timestamp":-9223372036854775808}]}"#).unwrap().events()[0].timestamp,
            Some(i64::MIN)
        );
    }
}
