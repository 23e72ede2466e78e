//! The tags and service name every entry carries: `DD_TAGS` plus our own, joined and
//! escaped once at start-up so each entry copies them as bytes.

use crate::json;

/// Tags and service name shared by every entry.
#[derive(Debug, Clone)]
pub struct Tags {
    /// `DD_TAGS` + `forwardername` + `forwarder_version`, comma-joined and JSON-escaped
    /// (the body of a JSON string, without quotes).
    pub common_json: String,
    /// The `service:` tag of `DD_TAGS`, if any: overrides every entry's `service`.
    pub service: Option<String>,
}

impl Tags {
    /// From `DD_TAGS` (comma-separated, blanks ignored) and the function name.
    pub fn new(dd_tags: &str, function_name: &str) -> Self {
        let mut service = None;
        let mut common = Vec::new();
        for tag in dd_tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if let Some(value) = tag.strip_prefix("service:") {
                service = Some(value.to_owned());
            }
            common.push(tag.to_owned());
        }
        common.push(format!("forwardername:{}", function_name.to_ascii_lowercase()));
        common.push(format!("forwarder_version:{}", crate::VERSION));
        let mut common_json = Vec::new();
        json::write_str_body(&mut common_json, &common.join(","));
        Tags { common_json: String::from_utf8_lossy(&common_json).into_owned(), service }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dd_tags_service_and_our_own() {
        let tags = Tags::new("env:prod, service:secops ,,team:sec", "My-Forwarder");
        assert_eq!(tags.service.as_deref(), Some("secops"));
        assert_eq!(
            tags.common_json,
            format!("env:prod,service:secops,team:sec,forwardername:my-forwarder,forwarder_version:{}", crate::VERSION)
        );
        let quoted = Tags::new("note:say \"hi\"", "f");
        assert!(quoted.common_json.starts_with(r#"note:say \"hi\","#));
    }
}
