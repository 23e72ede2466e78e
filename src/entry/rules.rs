//! What users choose to keep out of Datadog: findings below a severity or archived, entries
//! matching `EXCLUDE_AT_MATCH` or not matching `INCLUDE_AT_MATCH`, and scrubbing of IP
//! addresses, e-mail addresses and a custom pattern in string values. Everything here is off
//! by default and then costs nothing per record.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use regex::{Captures, Regex};

use crate::json;
use crate::stats::DropReason;

/// Replacement for IPv4 addresses (as the Datadog Forwarder writes it).
pub(crate) const IPV4_MASK: &str = "xxx.xxx.xxx.xxx";
/// Replacement for IPv6 addresses.
pub(crate) const IPV6_MASK: &str = "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx";
/// Replacement for e-mail addresses (as the Datadog Forwarder writes it).
pub(crate) const EMAIL_MASK: &str = "xxxxx@xxxxx.com";

/// The per-entry rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// `GUARDDUTY_MIN_SEVERITY`.
    pub min_severity: f64,
    /// `GUARDDUTY_SKIP_ARCHIVED`.
    pub skip_archived: bool,
    /// `SECURITYHUB_SKIP_COPIES_OF`, as Security Hub product names (`guardduty`,
    /// `inspector`, `macie`, `access-analyzer`): Security Hub copies of these are dropped.
    pub hub_copies_of: Vec<String>,
    /// `INCLUDE_AT_MATCH`.
    pub include: Option<Regex>,
    /// `EXCLUDE_AT_MATCH` (wins over include).
    pub exclude: Option<Regex>,
    /// Scrubbing, if any rule is on.
    pub scrubber: Option<Scrubber>,
}

impl Rules {
    /// Whether an entry whose message (or, without one, record JSON) is `text` is dropped.
    pub fn filtered_out(&self, text: &[u8]) -> Option<DropReason> {
        if self.include.is_none() && self.exclude.is_none() {
            return None;
        }
        let text = String::from_utf8_lossy(text);
        if self.exclude.as_ref().is_some_and(|re| re.is_match(&text)) {
            return Some(DropReason::Excluded);
        }
        if self.include.as_ref().is_some_and(|re| !re.is_match(&text)) {
            return Some(DropReason::NotIncluded);
        }
        None
    }
}

/// Rewrites the string values of an entry, with one regex pass per string: the user's
/// `DD_SCRUBBING_RULE` and the built-in rules (IP and e-mail addresses) in one pattern, the
/// user's rule first so that `$1`, `$2`… in its replacement are its own groups whatever else
/// is on (where two rules match at the same place, the user's wins). The attributes we write
/// ourselves ([`OWN_ATTRIBUTES`]) are never rewritten.
#[derive(Debug, Clone)]
pub struct Scrubber {
    pattern: Regex,
    custom_replacement: String,
}

/// Top-level attributes the forwarder writes itself (provenance, tags, source, date): not
/// record content, so never scrubbed — a rule matching an S3 key or a tag would otherwise
/// break the provenance and the tags monitors group by.
pub(crate) const OWN_ATTRIBUTES: [&[u8]; 8] =
    [b"ddsource", b"service", b"ddtags", b"aws", b"host", b"status", b"timestamp", b"timestamp_clamped"];

/// Group names of the built-in rules inside the combined pattern.
const IPV4: &str = "slf_ipv4";
const IPV6: &str = "slf_ipv6";
const EMAIL: &str = "slf_email";

impl Scrubber {
    /// Builds the combined pattern; `None` when no rule is on. `custom` is
    /// `DD_SCRUBBING_RULE` (already validated as a regex by itself) and its replacement.
    pub fn new(
        redact_ip: bool,
        redact_email: bool,
        custom: Option<(&str, &str)>,
    ) -> Result<Option<Self>, regex::Error> {
        let mut parts = Vec::new();
        let mut custom_replacement = String::new();
        // First: its groups are then numbered from 1, as in the rule alone.
        if let Some((rule, replacement)) = custom {
            parts.push(format!("(?:{rule})"));
            custom_replacement = replacement.to_owned();
        }
        if redact_ip {
            parts.push(format!(r"(?P<{IPV4}>\b(?:\d{{1,3}}\.){{3}}\d{{1,3}}\b)"));
            parts.push(format!(r"(?P<{IPV6}>[0-9A-Fa-f]{{0,4}}:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)"));
        }
        if redact_email {
            parts.push(format!(r"(?P<{EMAIL}>[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+)"));
        }
        if parts.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self { pattern: Regex::new(&parts.join("|"))?, custom_replacement }))
    }

    /// Scrubs one string.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.pattern.replace_all(text, |caps: &Captures<'_>| self.replacement(caps))
    }

    fn replacement(&self, caps: &Captures<'_>) -> String {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        if caps.name(IPV4).is_some() {
            return if whole.parse::<Ipv4Addr>().is_ok() { IPV4_MASK.to_owned() } else { whole.to_owned() };
        }
        if caps.name(IPV6).is_some() {
            return if whole.parse::<Ipv6Addr>().is_ok() { IPV6_MASK.to_owned() } else { whole.to_owned() };
        }
        if caps.name(EMAIL).is_some() {
            return EMAIL_MASK.to_owned();
        }
        let mut out = String::new();
        caps.expand(&self.custom_replacement, &mut out);
        out
    }

    /// Scrubs every string value of a compact JSON entry (never keys, never syntax, never
    /// our own attributes) into `out`; returns false (and leaves `out` empty) when nothing
    /// changed.
    pub fn scrub_entry(&self, entry: &[u8], out: &mut Vec<u8>) -> bool {
        out.clear();
        let mut changed = false;
        let mut copied = 0;
        let mut i = 0;
        let mut depth = 0i64;
        let mut own = false;
        while let Some(p) = memchr::memchr(b'"', &entry[i..]) {
            let start = i + p;
            depth += nesting(&entry[i..start]);
            let end = json::string_end(entry, start + 1);
            i = end;
            if entry.get(end) == Some(&b':') {
                // A key; a top-level one says whose value follows.
                if depth == 1 {
                    own = OWN_ATTRIBUTES.contains(&&entry[start + 1..end - 1]);
                }
                continue;
            }
            if own {
                continue;
            }
            let literal = &entry[start..end];
            let Ok(value) = serde_json::from_slice::<Cow<'_, str>>(literal) else { continue };
            let Cow::Owned(scrubbed) = self.scrub(&value) else { continue };
            out.extend_from_slice(&entry[copied..start]);
            json::write_str(out, &scrubbed);
            copied = end;
            changed = true;
        }
        if changed {
            out.extend_from_slice(&entry[copied..]);
        } else {
            out.clear();
        }
        changed
    }
}

/// How much deeper the JSON syntax between two strings goes (`{`/`[` minus `}`/`]`).
fn nesting(syntax: &[u8]) -> i64 {
    syntax
        .iter()
        .map(|b| match b {
            b'{' | b'[' => 1,
            b'}' | b']' => -1,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubbed(scrubber: &Scrubber, entry: &str) -> String {
        let mut out = Vec::new();
        if scrubber.scrub_entry(entry.as_bytes(), &mut out) {
            String::from_utf8(out).unwrap()
        } else {
            entry.to_owned()
        }
    }

    #[test]
    fn ips_and_emails_in_values_only() {
        let s = Scrubber::new(true, true, None).unwrap().unwrap();
        let entry = r#"{"10.0.0.1":"from 10.0.0.1 and 2001:db8::8a2e:370:7334 to ::1","nested":{"who":["bob.oneil+x@example.co.uk","é 192.168.1.255 日本"]},"ts":"2026-11-24T12:00:27Z","arn":"arn:aws:iam::123456789012:role/x","v":"1.2.3","n":10}"#;
        let out = scrubbed(&s, entry);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["10.0.0.1"], format!("from {IPV4_MASK} and {IPV6_MASK} to {IPV6_MASK}"));
        assert_eq!(v["nested"]["who"][0], EMAIL_MASK);
        assert_eq!(v["nested"]["who"][1], format!("é {IPV4_MASK} 日本"));
        assert_eq!(v["ts"], "2026-11-24T12:00:27Z");
        assert_eq!(v["arn"], "arn:aws:iam::123456789012:role/x");
        assert_eq!(v["v"], "1.2.3");
        assert_eq!(v["n"], 10);
    }

    #[test]
    fn a_custom_rule_matching_json_syntax_keeps_json_valid() {
        let s = Scrubber::new(false, false, Some((r#"[{}":,\\]|secret-\w+"#, "<$0>"))).unwrap().unwrap();
        let entry = r#"{"message":"token secret-abc in {\"a\":1}, path C:\\x","k":"plain"}"#;
        let out = scrubbed(&s, entry);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["message"], r#"token <secret-abc> in <{><">a<"><:>1<}><,> path C<:><\>x"#);
        assert_eq!(v["k"], "plain");
    }

    #[test]
    fn nothing_to_do_means_no_scrubber_and_no_copy() {
        assert!(Scrubber::new(false, false, None).unwrap().is_none());
        let s = Scrubber::new(true, false, None).unwrap().unwrap();
        assert!(!s.scrub_entry(br#"{"a":"no addresses here"}"#, &mut Vec::new()));
    }

    #[test]
    fn include_and_exclude() {
        let rules = Rules {
            include: Some(Regex::new("^(START|END)").unwrap()),
            exclude: Some(Regex::new("END").unwrap()),
            ..Rules::default()
        };
        assert_eq!(rules.filtered_out(b"START job"), None);
        assert_eq!(rules.filtered_out(b"END job"), Some(DropReason::Excluded));
        assert_eq!(rules.filtered_out(b"middle"), Some(DropReason::NotIncluded));
        assert_eq!(Rules::default().filtered_out(b"anything"), None);
    }

    #[test]
    fn the_users_groups_are_the_users_whatever_else_is_on() {
        let rule = Some((r"secret-(\w+)-(\d+)", "[$2/$1]"));
        for (ip, email) in [(false, false), (true, false), (false, true), (true, true)] {
            let s = Scrubber::new(ip, email, rule).unwrap().unwrap();
            let out = s.scrub("secret-abc-42 from 10.0.0.1 by a.b@example.com");
            let ip_text = if ip { IPV4_MASK } else { "10.0.0.1" };
            let email_text = if email { EMAIL_MASK } else { "a.b@example.com" };
            assert_eq!(out, format!("[42/abc] from {ip_text} by {email_text}"), "ip {ip}, email {email}");
        }
    }

    #[test]
    fn our_own_attributes_are_never_scrubbed() {
        let s = Scrubber::new(true, true, Some((r"i-[0-9a-f]+|example|logs", "#"))).unwrap().unwrap();
        let entry = r#"{"ddsource":"logs","service":"example","ddtags":"owner:bob@example.com,ip:10.0.0.1","aws":{"s3":{"bucket":"example","key":"logs/10.0.0.1/a.log"}},"host":"i-0abc","status":"info","timestamp":"2026-11-24T12:00:00Z","message":"bob@example.com at 10.0.0.1 on i-0abc","detail":{"host":"i-0abc","aws":"10.0.0.1"}}"#;
        let v: serde_json::Value = serde_json::from_str(&scrubbed(&s, entry)).unwrap();
        let original: serde_json::Value = serde_json::from_str(entry).unwrap();
        for own in ["ddsource", "service", "ddtags", "aws", "host", "status", "timestamp"] {
            assert_eq!(v[own], original[own], "{own}");
        }
        assert_eq!(v["message"], format!("{EMAIL_MASK} at {IPV4_MASK} on #"));
        // The same names inside the record are the record's: scrubbed.
        assert_eq!(v["detail"]["host"], "#");
        assert_eq!(v["detail"]["aws"], IPV4_MASK);
    }
}
