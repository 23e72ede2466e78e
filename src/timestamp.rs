//! The log date rule: Datadog drops logs dated more than 18 h in the past or 2 h in the
//! future (after answering 202), so an out-of-window date is replaced by the processing
//! time and the original is kept as an attribute.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::limits::{MAX_FUTURE, MAX_PAST, WINDOW_MARGIN};

/// The processing time and the window of dates the intake keeps, computed once per object
/// or invocation rather than per record.
#[derive(Debug, Clone)]
pub struct Clock {
    now_text: String,
    earliest: OffsetDateTime,
    latest: OffsetDateTime,
    /// `earliest..=latest` in seconds since the epoch, for records dated so (one comparison
    /// per flow record instead of two conversions).
    epoch_window: std::ops::RangeInclusive<i64>,
}

/// What to write as an entry's `timestamp`.
#[derive(Debug, PartialEq, Eq)]
pub enum LogDate<'a> {
    /// The record's own date, inside the window: sent as given.
    Original(&'a str),
    /// The record's date is outside the window or unreadable: send `now`, keep `original`.
    Clamped { now: &'a str, original: &'a str },
    /// The record has no date: send `now`.
    Missing(&'a str),
}

impl Clock {
    /// A clock reading the system time.
    pub fn now() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }

    /// A clock fixed at `now` (for tests).
    pub fn at(now: OffsetDateTime) -> Self {
        // Whole seconds: the date of a clamped log needs no more, and every byte is billed.
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let now_text = now.format(&Rfc3339).unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"));
        let (earliest, latest) = (now - MAX_PAST + WINDOW_MARGIN, now + MAX_FUTURE - WINDOW_MARGIN);
        Self { now_text, earliest, latest, epoch_window: earliest.unix_timestamp()..=latest.unix_timestamp() }
    }

    /// Whether the intake keeps a log dated `date`.
    pub fn admits(&self, date: OffsetDateTime) -> bool {
        date >= self.earliest && date <= self.latest
    }

    /// The processing time (RFC 3339, whole seconds).
    pub fn now_text(&self) -> &str {
        &self.now_text
    }

    /// Whether a date given in ms since the epoch is inside the intake's window.
    pub fn in_window_ms(&self, ms: i64) -> bool {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .is_ok_and(|date| date >= self.earliest && date <= self.latest)
    }

    /// Decides the log date for a record dated `original` (RFC 3339), if any.
    pub fn log_date<'a>(&'a self, original: Option<&'a str>) -> LogDate<'a> {
        let Some(original) = original else {
            return LogDate::Missing(&self.now_text);
        };
        match OffsetDateTime::parse(original, &Rfc3339) {
            Ok(date) if date >= self.earliest && date <= self.latest => LogDate::Original(original),
            _ => LogDate::Clamped { now: &self.now_text, original },
        }
    }

    /// Whether a date given in seconds since the epoch (a flow record's `start`) is inside
    /// the intake's window.
    pub fn epoch_in_window(&self, seconds: i64) -> bool {
        self.epoch_window.contains(&seconds)
    }
}

/// Now, as RFC 3339 (UTC).
pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `3 s`, `5 min`, `2 h 5 min`, `3 d 4 h`.
pub(crate) fn human_age(age: std::time::Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86400, s % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ages_read_well() {
        use std::time::Duration;
        assert_eq!(human_age(Duration::from_secs(5)), "5 s");
        assert_eq!(human_age(Duration::from_secs(7500)), "2 h 5 min");
        assert_eq!(human_age(Duration::from_secs(3 * 86400 + 4 * 3600)), "3 d 4 h");
    }

    #[test]
    fn window_rule() {
        let clock = Clock::at(datetime!(2026-11-24 12:00 UTC));
        assert_eq!(clock.log_date(Some("2026-11-24T11:00:00.123Z")), LogDate::Original("2026-11-24T11:00:00.123Z"));
        assert_eq!(clock.log_date(Some("2026-11-23T18:30:00Z")), LogDate::Original("2026-11-23T18:30:00Z"));
        for stale in ["2026-11-23T17:55:00Z", "2020-01-01T00:00:00Z", "2026-11-24T13:55:00Z", "not a date"] {
            assert_eq!(
                clock.log_date(Some(stale)),
                LogDate::Clamped { now: "2026-11-24T12:00:00Z", original: stale },
                "{stale}"
            );
        }
        assert_eq!(clock.log_date(None), LogDate::Missing("2026-11-24T12:00:00Z"));
        let noon_ms = 1_795_521_600_000; // 2026-11-24T12:00:00Z
        assert!(clock.in_window_ms(noon_ms - 3_600_000));
        assert!(!clock.in_window_ms(noon_ms - 19 * 3_600_000));
        assert!(!clock.in_window_ms(i64::MAX));
        let noon = datetime!(2026-11-24 12:00 UTC).unix_timestamp();
        assert!(clock.epoch_in_window(noon - 17 * 3600));
        assert!(!clock.epoch_in_window(noon - 19 * 3600));
        assert!(!clock.epoch_in_window(noon + 3 * 3600));
    }
}
