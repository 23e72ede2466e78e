//! The Slack message for a finding: Block Kit with a plain `text` fallback that carries the
//! mention (so the notification itself pings). Everything taken from the finding is escaped
//! (`&`, `<`, `>`), so a finding can never inject a mention or a link, and every text is kept
//! within Slack's limits.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::finding::AlertFinding;
use crate::severity::Band;

/// Slack's limits for the parts we use (characters).
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const FIELD_MAX: usize = 2000;
const FALLBACK_TITLE_MAX: usize = 300;

/// What a URL component keeps unencoded.
const URL_SAFE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// What every message needs besides the finding.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSettings {
    /// Mentions for High findings (validated markup such as `<!here>`).
    pub(crate) mentions_high: Vec<String>,
    /// Mentions for Critical findings.
    pub(crate) mentions_critical: Vec<String>,
    /// The Datadog web app of `DD_SITE`, e.g. `https://app.datadoghq.com`.
    pub(crate) datadog_app: String,
}

/// Our marker for a severity band.
fn marker(band: Band) -> &'static str {
    match band {
        Band::Critical => "🔴",
        Band::High => "🟠",
        Band::Medium => "🟡",
        Band::Low => "🔵",
    }
}

/// `text` escaped and cut to at most `max` characters, an ellipsis marking a cut. An escape
/// sequence is never cut.
fn clipped(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    push_escaped(&mut out, text, max);
    out
}

fn push_escaped(out: &mut String, text: &str, max: usize) {
    let escaped_len: usize = text.chars().map(|c| escaped(c).chars().count()).sum();
    let budget = if escaped_len <= max { usize::MAX } else { max.saturating_sub(1) };
    let mut used = 0;
    for c in text.chars() {
        let piece = escaped(c);
        let n = piece.chars().count();
        if used + n > budget {
            out.push('…');
            return;
        }
        out.push_str(&piece);
        used += n;
    }
}

fn escaped(c: char) -> std::borrow::Cow<'static, str> {
    match c {
        '&' => "&amp;".into(),
        '<' => "&lt;".into(),
        '>' => "&gt;".into(),
        c => c.to_string().into(),
    }
}

/// The finding in its service's console, in its region (and partition).
pub(crate) fn console_url(finding: &AlertFinding) -> String {
    let domain = match finding.partition.as_str() {
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        "aws-cn" => "console.amazonaws.cn",
        _ => "console.aws.amazon.com",
    };
    let id = utf8_percent_encode(&finding.id, URL_SAFE).to_string();
    let path = finding.family.console_path.replace("{id}", &id);
    let region = &finding.region;
    if !region.is_empty() && region.len() <= 32 && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        format!("https://{region}.{domain}/{}", path.replace("{region}", region))
    } else {
        format!("https://{domain}/{}", path.replace("?region={region}", ""))
    }
}

/// The Datadog log search for the finding's logs.
pub(crate) fn datadog_url(finding: &AlertFinding, app: &str) -> String {
    let id = &finding.id;
    let plain = id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let id = if plain { id.clone() } else { format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\"")) };
    let query = format!("source:{} {}:{id}", finding.family.source, finding.family.id_attribute);
    format!("{app}/logs?query={}", utf8_percent_encode(&query, URL_SAFE))
}

/// The message for `finding` (its severity decides the mentions: Critical, High, none).
pub(crate) fn message(finding: &AlertFinding, settings: &MessageSettings) -> Value {
    let band = finding.band();
    let raw_severity = &finding.severity_text;
    let severity = clipped(raw_severity, 64);
    let family = finding.family.name;
    let (level, marker) = (band.label(), marker(band));
    let mentions = match band {
        Band::Critical => &settings.mentions_critical,
        Band::High => &settings.mentions_high,
        Band::Medium | Band::Low => &Vec::new(),
    };
    let mentions = mentions.join(" ");
    let sample = if finding.sample { " · SAMPLE" } else { "" };
    let title = if finding.title.is_empty() { &finding.kind } else { &finding.title };

    let fallback = format!(
        "{mentions}{space}{marker} {level} {family} finding ({severity}){sample}: {title} — {kind} in account {account}, {region}",
        space = if mentions.is_empty() { "" } else { " " },
        title = clipped(title, FALLBACK_TITLE_MAX),
        kind = clipped(&finding.kind, 200),
        account = clipped(&finding.account, 64),
        region = clipped(&finding.region, 64),
    );
    let header = clipped(&format!("{marker} {level} {family} finding · {raw_severity}{sample}"), HEADER_MAX);
    let mut headline = String::new();
    if !mentions.is_empty() {
        headline.push_str(&mentions);
        headline.push('\n');
    }
    headline.push('*');
    headline.push_str(&clipped(title, SECTION_MAX - headline.len() - 2));
    headline.push('*');
    let field = |name: &str, value: &str| {
        let value = if value.is_empty() { "—".to_owned() } else { clipped(value, FIELD_MAX - name.len() - 4) };
        json!({"type": "mrkdwn", "text": format!("*{name}*\n{value}")})
    };
    let count = finding.count.map(|c| c.to_string()).unwrap_or_default();
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": headline}}),
        json!({"type": "section", "fields": [
            field("Type", &finding.kind),
            field("Severity", &format!("{level} ({raw_severity})")),
            field("Account", &finding.account),
            field("Region", &finding.region),
            field("Resource", &finding.resource),
            field("Count", &count),
            field("First seen", &finding.first_seen),
            field("Last seen", &finding.last_seen),
        ]}),
        json!({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": format!("Open in {family}")}, "url": console_url(finding)},
            {"type": "button", "text": {"type": "plain_text", "text": "Search in Datadog"},
             "url": datadog_url(finding, &settings.datadog_app)},
        ]}),
    ];
    let mut context = vec![json!({"type": "mrkdwn", "text": format!("Finding `{}`", clipped(&finding.id, 200))})];
    if finding.sample {
        context.insert(
            0,
            json!({"type": "mrkdwn", "text": "🧪 *Sample finding* (generated by CreateSampleFindings): a wiring test, not a threat."}),
        );
    }
    blocks.push(json!({"type": "context", "elements": context}));
    json!({"text": fallback, "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: f64) -> AlertFinding {
        AlertFinding {
            id: "abc123".into(),
            kind: "UnauthorizedAccess:EC2/SSHBruteForce".into(),
            title: "SSH brute force on i-0abc".into(),
            severity: Some(severity),
            severity_text: severity.to_string(),
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            resource: "Instance i-0abc".into(),
            ..AlertFinding::default()
        }
    }

    fn settings() -> MessageSettings {
        MessageSettings {
            mentions_high: vec!["<!here>".into()],
            mentions_critical: vec!["<!channel>".into(), "<!subteam^SAZ94GDB8>".into()],
            datadog_app: "https://app.datadoghq.eu".into(),
        }
    }

    #[test]
    fn mentions_follow_the_severity() {
        let critical = message(&finding(9.5), &settings());
        assert!(critical["text"].as_str().unwrap().starts_with("<!channel> <!subteam^SAZ94GDB8> 🔴 Critical"));
        let high = message(&finding(7.0), &settings());
        assert!(high["text"].as_str().unwrap().starts_with("<!here> 🟠 High GuardDuty finding (7)"));
        let medium = message(&finding(5.0), &settings());
        assert!(medium["text"].as_str().unwrap().starts_with("🟡 Medium"));
        assert_eq!(high["blocks"][1]["text"]["text"], "<!here>\n*SSH brute force on i-0abc*");
    }

    #[test]
    fn untrusted_text_cannot_mention_or_link() {
        let mut f = finding(8.0);
        f.title = "x <!channel> <https://evil|click> & more".into();
        f.resource = "Instance <@U0BAD>".into();
        let text = message(&f, &MessageSettings::default()).to_string();
        assert!(!text.contains("<!channel>") && !text.contains("<https://evil") && !text.contains("<@U0BAD>"));
        assert!(text.contains("x &lt;!channel&gt; &lt;https://evil|click&gt; &amp; more"));
    }

    #[test]
    fn texts_stay_within_limits() {
        let mut f = finding(9.0);
        f.title = "<".repeat(5000);
        f.resource = "r".repeat(5000);
        let m = message(&f, &settings());
        let headline = m["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(headline.chars().count() <= SECTION_MAX && headline.ends_with("…*"), "{}", headline.len());
        assert!(!headline.contains("&l…"), "an escape sequence is never cut");
        for field in m["blocks"][2]["fields"].as_array().unwrap() {
            assert!(field["text"].as_str().unwrap().chars().count() <= FIELD_MAX);
        }
        assert!(m["text"].as_str().unwrap().chars().count() < 1000);
        assert_eq!(clipped("a&b", 3), "a…");
        assert_eq!(clipped("abc", 3), "abc");
    }

    #[test]
    fn links_are_encoded() {
        let mut f = finding(8.0);
        f.id = "id&x=<1>".into();
        assert_eq!(
            console_url(&f),
            "https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=id%26x%3D%3C1%3E"
        );
        f.region = "bad/region".into();
        assert!(console_url(&f).starts_with("https://console.aws.amazon.com/guardduty/home#"));
        f.partition = "aws-us-gov".into();
        assert!(console_url(&f).starts_with("https://console.amazonaws-us-gov.com/"));
        assert_eq!(
            datadog_url(&finding(8.0), "https://app.datadoghq.com"),
            "https://app.datadoghq.com/logs?query=source%3Aguardduty%20%40detail.id%3Aabc123"
        );
    }

    #[test]
    fn samples_are_marked() {
        let mut f = finding(8.0);
        f.sample = true;
        let m = message(&f, &settings());
        assert!(m["blocks"][0]["text"]["text"].as_str().unwrap().ends_with("· SAMPLE"));
        assert!(m["blocks"][4]["elements"][0]["text"].as_str().unwrap().contains("Sample finding"));
        assert!(m["text"].as_str().unwrap().contains("SAMPLE"));
    }
}
