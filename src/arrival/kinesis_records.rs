//! A Kinesis event's `Records` read directly, in the form Lambda writes them: each record's
//! `kinesis.sequenceNumber` and `kinesis.data` taken as plain strings (found with `memchr`),
//! every other member skipped. The text has been validated already (it is the envelope's raw
//! `Records`), so skipping needs no checks; anything unusual (a member repeated, a value of
//! another type, an escape in a string read) gives `None`, and serde reads the records as
//! before, which gives the same records or names what is wrong.

use super::awslogs::{AwsLogsError, KinesisRecord, serde_records};
use crate::json::{find_quote_or_backslash, string_end};

/// Reads the records of a Kinesis event (`Records`, raw JSON already validated, as the
/// envelope gives it); a record without `data` fails alone. Fails when `Records` is not an
/// array of records with sequence numbers.
pub fn kinesis_records(records: &str) -> Result<Vec<KinesisRecord>, String> {
    match usual_records(records) {
        Some(records) => Ok(records),
        None => serde_records(records),
    }
}

/// The records of `records` (valid JSON) when each is of the usual form; `None` leaves them
/// to serde.
fn usual_records(records: &str) -> Option<Vec<KinesisRecord>> {
    let mut s = Scanner { text: records, s: records.as_bytes(), at: 0 };
    let mut out = Vec::new();
    s.token(b'[')?;
    if !s.empty(b']') {
        loop {
            out.push(s.record()?);
            if s.close(b']')? {
                break;
            }
        }
    }
    s.skip_whitespace();
    (s.at == s.s.len()).then_some(out)
}

/// A position in valid JSON text.
struct Scanner<'a> {
    text: &'a str,
    s: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    /// One record: its `kinesis` object read, the other members skipped.
    fn record(&mut self) -> Option<KinesisRecord> {
        let mut found = None;
        self.members(|s, name| {
            if name != b"kinesis" {
                return s.skip_value();
            }
            if found.is_some() {
                return None;
            }
            found = Some(s.kinesis()?);
            Some(())
        })?;
        found
    }

    /// The `kinesis` object: `sequenceNumber` and `data`, both strings, each at most once.
    fn kinesis(&mut self) -> Option<KinesisRecord> {
        let (mut sequence_number, mut data) = (None, None);
        self.members(|s, name| {
            let slot = match name {
                b"sequenceNumber" => &mut sequence_number,
                b"data" => &mut data,
                _ => return s.skip_value(),
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(s.plain_string()?);
            Some(())
        })?;
        Some(KinesisRecord {
            sequence_number: sequence_number?.to_owned(),
            data: data.map(str::to_owned).ok_or(AwsLogsError::NoData),
        })
    }

    /// Calls `member` with each member's name (its value next); `None` from it stops.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.token(b'{')?;
        if self.empty(b'}') {
            return Some(());
        }
        loop {
            let name = self.plain_string()?;
            self.token(b':')?;
            member(self, name.as_bytes())?;
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// A string without escapes, borrowed.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.token(b'"')?;
        let start = self.at;
        let end = find_quote_or_backslash(self.s, start)?;
        if self.s[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        // Between two quotes: on character boundaries.
        self.text.get(start..end)
    }

    /// Skips one value (valid JSON: only where it ends is looked for).
    fn skip_value(&mut self) -> Option<()> {
        self.skip_whitespace();
        let mut depth = 0usize;
        loop {
            match *self.s.get(self.at)? {
                b'"' => self.at = string_end(self.s, self.at + 1),
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.at += 1;
                }
                b',' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => return Some(()),
                _ => self.at += 1,
            }
            if depth == 0 && matches!(self.s.get(self.at), None | Some(b',' | b'}' | b']')) {
                return Some(());
            }
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.s.get(self.at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Consumes `byte`, after any whitespace.
    fn token(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.s.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// Consumes `end` when it comes first (an empty object or array).
    fn empty(&mut self, end: u8) -> bool {
        self.skip_whitespace();
        let found = self.s.get(self.at) == Some(&end);
        self.at += usize::from(found);
        found
    }

    /// After a member or element: `Some(true)` at `end` (consumed), `Some(false)` at a comma.
    fn close(&mut self, end: u8) -> Option<bool> {
        self.skip_whitespace();
        let byte = *self.s.get(self.at)?;
        self.at += 1;
        match byte {
            b',' => Some(false),
            _ if byte == end => Some(true),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct reader's view of `records`, checked against serde's when it has one.
    fn agrees(records: &str) -> Option<usize> {
        let fast = usual_records(records)?;
        let slow = serde_records(records)
            .unwrap_or_else(|e| panic!("the direct reader accepted what serde refuses ({e}): {records}"));
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{records}");
        Some(fast.len())
    }

    const USUAL: &str = r#"[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"p","sequenceNumber":"4959","data":"H4sIAAAA+/=","approximateArrivalTimestamp":1.7e9},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000:4959","eventName":"aws:kinesis:PutRecord","awsRegion":"us-east-1"},{"eventSource":"aws:kinesis","kinesis":{"data":"eA==","sequenceNumber":"4960"}}]"#;

    #[test]
    fn reads_the_usual_form_as_serde_does() {
        assert_eq!(agrees(USUAL), Some(2));
        assert_eq!(agrees("[]"), Some(0));
        assert_eq!(agrees(" [ ] "), Some(0));
        let spaced = "[ {\n \"kinesis\" : { \"sequenceNumber\" : \"1\" , \"x\" : [ 1 , { \"a\" : [ ] } , \"]\" ] } , \"y\" : null } ]";
        assert_eq!(agrees(spaced), Some(1));
        assert_eq!(agrees(r#"[{"kinesis":{"sequenceNumber":"1","nested":{"s":"a\"}b","t":true}}}]"#), Some(1));
        let no_data = usual_records(r#"[{"kinesis":{"sequenceNumber":"1"}}]"#).unwrap();
        assert!(matches!(no_data[0].data, Err(AwsLogsError::NoData)));
    }

    #[test]
    fn leaves_the_unusual_to_serde() {
        for records in [
            r#"[{"kinesis":{"sequenceNumber":"1","sequenceNumber":"2","data":"x"}}]"#,
            r#"[{"kinesis":{"sequenceNumber":"1"},"kinesis":{"sequenceNumber":"2"}}]"#,
            r#"[{"kinesis":{"sequenceNumber":1,"data":"x"}}]"#,
            r#"[{"kinesis":{"sequenceNumber":"1","data":null}}]"#,
            r#"[{"kinesis":{"sequenceNumber":"1","data":"a\/b"}}]"#,
            r#"[{"kinesis":{"data":"x"}}]"#,
            r#"[{"kinesis":null}]"#,
            r#"[{"eventSource":"aws:kinesis"}]"#,
            r#"[{"kin\u0065sis":{"sequenceNumber":"1"}}]"#,
            r#"[1]"#,
            r#"{}"#,
        ] {
            assert_eq!(usual_records(records).map(|r| r.len()), None, "{records}");
        }
    }

    #[test]
    fn every_cut_or_damaged_event_is_read_as_serde_reads_it_or_left_to_it() {
        for at in 0..USUAL.len() {
            agrees(&USUAL[..at]);
            for with in ["\"", "}", "]", ",", " ", "\\", "x", "{", "["] {
                let damaged = format!("{}{with}{}", &USUAL[..at], &USUAL[at + 1..]);
                // Only valid JSON reaches the reader (the envelope's raw `Records`).
                if serde_json::from_str::<&serde_json::value::RawValue>(&damaged).is_ok() {
                    agrees(&damaged);
                }
            }
        }
    }
}
