//! The tags every entry carries (`DD_TAGS`) and the service name, joined and escaped once
//! at start-up so each entry copies them as bytes. Our own name and version are not sent per
//! log (every byte is billed); add `forwardername:…` to `DD_TAGS` to keep them.

use crate::json;

/// Tags and service name shared by every entry.
#[derive(Debug, Clone)]
pub struct Tags {
    /// `DD_TAGS`, comma-joined and JSON-escaped (the body of a JSON string, without quotes);
    /// empty without `DD_TAGS`.
    pub common_json: String,
    /// The `service:` tag of `DD_TAGS`, if any: overrides every entry's `service`.
    pub service: Option<String>,
}

impl Tags {
    /// From `DD_TAGS` (comma-separated, blanks ignored).
    pub fn new(dd_tags: &str) -> Self {
        let mut service = None;
        let mut common = Vec::new();
        for tag in dd_tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if let Some(value) = tag.strip_prefix("service:") {
                service = Some(value.to_owned());
            }
            common.push(tag.to_owned());
        }
        let mut common_json = Vec::new();
        json::write_str_body(&mut common_json, &common.join(","));
        Tags { common_json: String::from_utf8_lossy(&common_json).into_owned(), service }
    }
}

impl Tags {
    /// These tags and `extra` (comma-separated, as `DD_TAGS`; a `service:` tag in it wins).
    pub fn with_extra(&self, extra: &str) -> Self {
        let added = Tags::new(extra);
        let common_json = match (self.common_json.is_empty(), added.common_json.is_empty()) {
            (_, true) => self.common_json.clone(),
            (true, false) => added.common_json,
            (false, false) => format!("{},{}", self.common_json, added.common_json),
        };
        Tags { common_json, service: added.service.or_else(|| self.service.clone()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dd_tags_and_service() {
        let tags = Tags::new("env:prod, service:secops ,,team:sec");
        assert_eq!(tags.service.as_deref(), Some("secops"));
        assert_eq!(tags.common_json, "env:prod,service:secops,team:sec");
        assert_eq!(Tags::new("note:say \"hi\"").common_json, r#"note:say \"hi\""#);
        assert_eq!(Tags::new(" ").common_json, "");
        let job = tags.with_extra("backfill:2026-11");
        assert_eq!(job.common_json, "env:prod,service:secops,team:sec,backfill:2026-11");
        assert_eq!(job.service.as_deref(), Some("secops"));
        assert_eq!(Tags::new("").with_extra("service:x").service.as_deref(), Some("x"));
    }
}
