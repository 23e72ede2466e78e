//! Record dates in the forms AWS logs write them, read only to decide whether a log's date
//! must be clamped into the intake's window (the record keeps its own).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// How a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// RFC 3339 (`2026-11-24T12:00:00.123Z`).
    Rfc3339,
    /// ISO 8601 in UTC, with or without the `Z` (`2018-12-20T02:59:40`, NLB).
    IsoUtc,
    /// Milliseconds since the epoch, a JSON number (WAF `timestamp`).
    EpochMillis,
    /// Seconds since the epoch, a number or a numeric string (Network Firewall).
    EpochSeconds,
}

/// Where the date of a text line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineDate {
    /// The first of the first `within` space-separated fields that is an ISO 8601 UTC date
    /// (load balancers: the 1st, 2nd or 3rd field depending on the log type).
    IsoField {
        /// Fields looked at.
        within: u8,
    },
    /// `date<TAB>time` at the start of the line (CloudFront).
    TabDateTime,
    /// The first `[06/Feb/2019:00:00:38 +0000]` of the line (S3 server access logs).
    Bracketed,
}

/// Parses a date written in `format` (a JSON value's raw text, quotes allowed).
pub(crate) fn parse(format: DateFormat, raw: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(raw).ok()?.trim_matches('"');
    match format {
        DateFormat::Rfc3339 => OffsetDateTime::parse(text, &Rfc3339).ok(),
        DateFormat::IsoUtc => iso_utc(text),
        DateFormat::EpochMillis => epoch(text, 1_000_000),
        DateFormat::EpochSeconds => epoch(text, 1_000_000_000),
    }
}

/// The date of a text line.
pub(crate) fn line_date(kind: LineDate, line: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(line.get(..line.len().min(512))?).ok()?;
    match kind {
        LineDate::IsoField { within } => text.split(' ').take(within as usize).find_map(iso_utc),
        LineDate::TabDateTime => {
            let mut fields = text.split('\t');
            let (date, time) = (fields.next()?, fields.next()?);
            let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            PrimitiveDateTime::parse(&format!("{date} {time}"), format).ok().map(PrimitiveDateTime::assume_utc)
        }
        LineDate::Bracketed => {
            let start = text.find('[')? + 1;
            let inner = &text[start..start + text[start..].find(']')?];
            let format = format_description!(
                "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
            );
            OffsetDateTime::parse(inner, format).ok()
        }
    }
}

fn iso_utc(text: &str) -> Option<OffsetDateTime> {
    if !text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if let Ok(date) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(date);
    }
    let text = text.trim_end_matches('Z');
    let whole = text.split('.').next()?;
    PrimitiveDateTime::parse(whole, format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

fn epoch(text: &str, nanos_per_unit: i128) -> Option<OffsetDateTime> {
    let units: i128 = match text.split_once('.') {
        Some((whole, _)) => whole.parse().ok()?,
        None => text.parse().ok()?,
    };
    OffsetDateTime::from_unix_timestamp_nanos(units.checked_mul(nanos_per_unit)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_dates_aws_logs_write() {
        let at = datetime!(2018-12-20 02:59:40 UTC);
        assert_eq!(parse(DateFormat::Rfc3339, b"\"2018-12-20T02:59:40Z\""), Some(at));
        assert_eq!(parse(DateFormat::IsoUtc, b"2018-12-20T02:59:40"), Some(at));
        assert_eq!(parse(DateFormat::EpochMillis, b"1545274780000"), Some(at));
        assert_eq!(parse(DateFormat::EpochSeconds, b"\"1545274780\""), Some(at));
        assert_eq!(parse(DateFormat::EpochSeconds, b"\"soon\""), None);
        let alb = b"https 2018-12-20T02:59:40.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817";
        assert_eq!(line_date(LineDate::IsoField { within: 3 }, alb), Some(datetime!(2018-12-20 02:59:40.186641 UTC)));
        let nlb = b"tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234";
        assert_eq!(line_date(LineDate::IsoField { within: 3 }, nlb), Some(at));
        assert_eq!(line_date(LineDate::IsoField { within: 3 }, b"- - - 2018-12-20T02:59:40"), None);
        assert_eq!(line_date(LineDate::TabDateTime, b"2018-12-20\t02:59:40\tLAX1\t392"), Some(at));
        let s3 = b"79a5 awsexamplebucket1 [20/Dec/2018:02:59:40 +0000] 192.0.2.3 arn:aws:iam::123456:user/x";
        assert_eq!(line_date(LineDate::Bracketed, s3), Some(at));
        assert_eq!(line_date(LineDate::Bracketed, b"no date"), None);
    }
}
