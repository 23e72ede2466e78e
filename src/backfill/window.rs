//! The `--since` / `--until` window of a backfill, and the date an object key carries:
//! CloudTrail, VPC Flow Logs, load balancers, WAF… name their files by the minute
//! (`…_20261124T1205Z_…`), S3 access logs by the second (`2026-11-24-12-05-00-…`), CloudFront
//! by the hour (`<distribution>.2026-11-24-12.…`); every `AWSLogs/` kind files them under
//! `YYYY/MM/DD/` folders (`year=…/month=…/day=…/` in the Hive style), UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

/// A time range: `since` inclusive, `until` exclusive, either open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    /// First instant included.
    pub since: Option<OffsetDateTime>,
    /// First instant excluded.
    pub until: Option<OffsetDateTime>,
}

/// A `--since` / `--until` value that is neither a date nor a UTC time.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a date (2026-09-01) or a UTC time (2026-09-01T12:00:00Z)")]
pub struct WindowError(String);

/// When an object's records were written, as precisely as its key says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTime {
    /// The minute in a file name (CloudTrail, VPC Flow Logs…; S3 access logs' second).
    Minute(OffsetDateTime),
    /// The hour in a CloudFront file name: records of any minute of it.
    Hour(OffsetDateTime),
    /// The `YYYY/MM/DD/` folder's day.
    Day(Date),
}

impl TimeWindow {
    /// From the command line's `--since` and `--until`.
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<Self, WindowError> {
        let window = Self { since: since.map(instant).transpose()?, until: until.map(instant).transpose()? };
        Ok(window)
    }

    /// Whether no bound is set.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether an object whose key says `time` may hold records of the window. A key without
    /// a date is in an open window only.
    pub fn admits(&self, time: Option<KeyTime>) -> bool {
        match time {
            None => self.is_open(),
            Some(KeyTime::Minute(at)) => {
                self.since.is_none_or(|since| at >= since) && self.until.is_none_or(|until| at < until)
            }
            // The hour or day may hold records of any minute of it.
            Some(KeyTime::Hour(start)) => self.meets(start, start + Duration::HOUR),
            Some(KeyTime::Day(day)) => {
                let start = day.with_time(Time::MIDNIGHT).assume_utc();
                self.meets(start, start + Duration::DAY)
            }
        }
    }

    /// Whether `[start, end)` meets the window.
    fn meets(&self, start: OffsetDateTime, end: OffsetDateTime) -> bool {
        self.since.is_none_or(|since| end > since) && self.until.is_none_or(|until| start < until)
    }

    /// The UTC days the window touches, when both ends are known (`until` defaults to now).
    pub fn days(&self, now: OffsetDateTime) -> Option<Vec<Date>> {
        let since = self.since?;
        let until = self.until.unwrap_or(now);
        let mut days = Vec::new();
        let mut day = since.date();
        while day.with_time(Time::MIDNIGHT).assume_utc() < until {
            days.push(day);
            day = day.next_day()?;
        }
        Some(days)
    }
}

fn instant(text: &str) -> Result<OffsetDateTime, WindowError> {
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Ok(date.with_time(Time::MIDNIGHT).assume_utc());
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    // 2026-09-01T12:00Z, as CloudTrail writes minutes.
    PrimitiveDateTime::parse(text, format_description!("[year]-[month]-[day]T[hour]:[minute]Z"))
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| WindowError(text.to_owned()))
}

/// The time an object key carries: a minute (or second) in its file name, else the
/// CloudFront file name's hour, else its `YYYY/MM/DD/` (or Hive `year=…/month=…/day=…/`)
/// folders' day.
pub fn key_time(key: &str) -> Option<KeyTime> {
    let file = key.rsplit('/').next().unwrap_or(key);
    let minute = file.split('_').find_map(|part| {
        PrimitiveDateTime::parse(part, format_description!("[year][month][day]T[hour][minute]Z")).ok()
    });
    // S3 server access logs: `YYYY-MM-DD-HH-MM-SS-<unique>`.
    let second = || {
        let date = file.get(..19)?;
        PrimitiveDateTime::parse(date, format_description!("[year]-[month]-[day]-[hour]-[minute]-[second]")).ok()
    };
    if let Some(at) = minute.or_else(second) {
        return Some(KeyTime::Minute(at.assume_utc()));
    }
    // CloudFront: `<distribution>.YYYY-MM-DD-HH.<unique>`.
    let hour = file.split('.').nth(1).and_then(|hour| {
        PrimitiveDateTime::parse(&format!("{hour}:00"), format_description!("[year]-[month]-[day]-[hour]:[minute]"))
            .ok()
    });
    if let Some(hour) = hour {
        return Some(KeyTime::Hour(hour.assume_utc()));
    }
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(3).rev().find_map(|w| {
        let year = w[0].strip_prefix("year=").unwrap_or(w[0]);
        let month = w[1].strip_prefix("month=").unwrap_or(w[1]);
        let day = w[2].strip_prefix("day=").unwrap_or(w[2]);
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        let text = format!("{year}-{month}-{day}");
        Date::parse(&text, format_description!("[year]-[month]-[day]")).ok().map(KeyTime::Day)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn keys_carry_a_minute_or_a_day() {
        let key = "AWSLogs/o-a1/111122223333/CloudTrail/us-east-1/2026/11/24/111122223333_CloudTrail_us-east-1_20261124T2355Z_AbC.json.gz";
        assert_eq!(key_time(key), Some(KeyTime::Minute(datetime!(2026-11-24 23:55 UTC))));
        assert_eq!(
            key_time("AWSLogs/111122223333/GuardDuty/eu-west-1/2026/09/01/8f1c.jsonl.gz"),
            Some(KeyTime::Day(date!(2026 - 09 - 01)))
        );
        let hive = "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=09/day=01/hour=07/f.log.gz";
        assert_eq!(key_time(hive), Some(KeyTime::Day(date!(2026 - 09 - 01))));
        assert_eq!(
            key_time("logs/2026-09-01-07-05-59-0A1B2C3D4E5F6A7B"),
            Some(KeyTime::Minute(datetime!(2026-09-01 07:05:59 UTC)))
        );
        assert_eq!(
            key_time("cf/E2ABCDEF123456.2026-09-01-07.a1b2c3d4.gz"),
            Some(KeyTime::Hour(datetime!(2026-09-01 07:00 UTC)))
        );
        assert_eq!(key_time("logs/app.log"), None);
        assert_eq!(key_time("x/2026/13/01/a.json"), None);
    }

    #[test]
    fn since_is_inclusive_and_until_exclusive() {
        let window = TimeWindow::parse(Some("2026-09-01"), Some("2026-09-03")).unwrap();
        let minute = |at| Some(KeyTime::Minute(at));
        assert!(window.admits(minute(datetime!(2026-09-01 00:00 UTC))));
        assert!(window.admits(minute(datetime!(2026-09-02 23:59 UTC))));
        assert!(!window.admits(minute(datetime!(2026-09-03 00:00 UTC))));
        assert!(!window.admits(minute(datetime!(2026-08-31 23:59 UTC))));
        assert!(window.admits(Some(KeyTime::Day(date!(2026 - 09 - 02)))));
        assert!(!window.admits(Some(KeyTime::Day(date!(2026 - 09 - 03)))));
        assert!(window.admits(Some(KeyTime::Hour(datetime!(2026-09-02 23:00 UTC)))));
        assert!(!window.admits(Some(KeyTime::Hour(datetime!(2026-09-03 00:00 UTC)))));
        assert!(!window.admits(None));
        assert!(TimeWindow::default().admits(None));
        assert_eq!(
            window.days(OffsetDateTime::UNIX_EPOCH).unwrap(),
            vec![date!(2026 - 09 - 01), date!(2026 - 09 - 02)]
        );
    }

    #[test]
    fn times_within_a_day_cut_the_boundary_days() {
        let window = TimeWindow::parse(Some("2026-09-01T12:00:00Z"), Some("2026-09-02T06:30Z")).unwrap();
        assert!(!window.admits(Some(KeyTime::Minute(datetime!(2026-09-01 11:59 UTC)))));
        assert!(window.admits(Some(KeyTime::Day(date!(2026 - 09 - 01)))));
        assert!(window.admits(Some(KeyTime::Minute(datetime!(2026-09-02 06:29 UTC)))));
        assert_eq!(window.days(OffsetDateTime::UNIX_EPOCH).unwrap().len(), 2);
        assert!(TimeWindow::parse(Some("yesterday"), None).is_err());
    }
}
