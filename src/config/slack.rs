//! `SLACK_*`: Slack alerts for findings.

use std::time::Duration;

use super::parse::{ConfigError, invalid, parse_bool, parse_bool_default, parse_num};
use crate::alert::{AlertPolicy, MessageSettings, SlackSettings, WebhookSource};
use crate::retry::RetrySettings;

/// `SLACK_*`: Slack alerts, when `SLACK_WEBHOOK_URL_SECRET_ARN` or `SLACK_WEBHOOK_URL` is set.
pub(super) fn slack_settings(
    get: &impl Fn(&str) -> Option<String>,
    site: &str,
) -> Result<Option<SlackSettings>, ConfigError> {
    let webhook = match (get("SLACK_WEBHOOK_URL_SECRET_ARN"), get("SLACK_WEBHOOK_URL")) {
        (Some(arn), _) => {
            if !arn.starts_with("arn:") || arn.split(':').count() < 7 {
                return Err(invalid("SLACK_WEBHOOK_URL_SECRET_ARN", "not a Secrets Manager secret ARN"));
            }
            WebhookSource::Secret(arn)
        }
        (None, Some(url)) => {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                // The value is a credential: not repeated in the message.
                return Err(invalid("SLACK_WEBHOOK_URL", "not an https:// incoming-webhook URL"));
            }
            WebhookSource::Url(url)
        }
        (None, None) => return Ok(None),
    };
    let min_severity = match get("SLACK_MIN_SEVERITY") {
        None => 7.0,
        Some(text) => parse_num::<f64>("SLACK_MIN_SEVERITY", &text)
            .ok()
            .filter(|n| (0.0..=10.0).contains(n))
            .ok_or_else(|| invalid("SLACK_MIN_SEVERITY", format!("`{text}` is not a number from 0 to 10")))?,
    };
    let mentions = |var: &'static str| -> Result<Vec<String>, ConfigError> {
        let text = get(var).unwrap_or_default();
        text.split_whitespace()
            .map(|token| {
                if is_mention(token) {
                    Ok(token.to_owned())
                } else {
                    Err(invalid(
                        var,
                        format!(
                            "`{token}` is not a Slack mention such as <!here>, <!channel>, <@U024BE7LH> or <!subteam^SAZ94GDB8>"
                        ),
                    ))
                }
            })
            .collect()
    };
    Ok(Some(SlackSettings {
        webhook,
        policy: AlertPolicy {
            min_severity,
            include_samples: parse_bool_default("SLACK_INCLUDE_SAMPLES", get("SLACK_INCLUDE_SAMPLES"), true)?,
            alert_updates: parse_bool("SLACK_ALERT_UPDATES", get("SLACK_ALERT_UPDATES"))?,
        },
        message: MessageSettings {
            mentions_high: mentions("SLACK_MENTION_HIGH")?,
            mentions_critical: mentions("SLACK_MENTION_CRITICAL")?,
            datadog_app: datadog_app(site),
        },
        retry: RetrySettings {
            max_attempts: Some(5),
            request_timeout: Duration::from_secs(10),
            // Incoming webhooks take about one message a second.
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
        },
    }))
}

/// Whether `token` is Slack mention markup: `<!here>`, `<!channel>`, `<!everyone>`, a user
/// `<@U…>`/`<@W…>`, or a user group `<!subteam^S…>` (optionally `|@handle`).
fn is_mention(token: &str) -> bool {
    let Some(inner) = token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else { return false };
    let id = |id: &str| id.len() >= 2 && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    match inner {
        "!here" | "!channel" | "!everyone" => true,
        _ => {
            if let Some(user) = inner.strip_prefix('@') {
                return user.starts_with(['U', 'W']) && id(user);
            }
            let Some(group) = inner.strip_prefix("!subteam^") else { return false };
            let (group, handle) = group.split_once('|').unwrap_or((group, ""));
            id(group) && !handle.contains(['<', '>', '&', ' '])
        }
    }
}

/// The Datadog web app of a site: `app.` for the first US, EU and US1-FED sites, the site
/// itself for the others (us3, us5, ap1, ap2, us2.ddog-gov.com…).
fn datadog_app(site: &str) -> String {
    match site {
        "datadoghq.com" | "datadoghq.eu" | "ddog-gov.com" => format!("https://app.{site}"),
        other => format!("https://{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::config;

    #[test]
    fn slack_settings() {
        assert!(config(&[]).unwrap().slack.is_none());
        let c = config(&[
            ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/secretpart"),
            ("SLACK_MENTION_HIGH", "<!here>"),
            ("SLACK_MENTION_CRITICAL", " <!channel>  <@U024BE7LH> <!subteam^SAZ94GDB8|@oncall> "),
            ("DD_SITE", "datadoghq.eu"),
        ])
        .unwrap();
        let slack = c.slack.unwrap();
        assert_eq!(slack.policy.min_severity, 7.0);
        assert!(slack.policy.include_samples && !slack.policy.alert_updates);
        assert_eq!(slack.message.mentions_critical, ["<!channel>", "<@U024BE7LH>", "<!subteam^SAZ94GDB8|@oncall>"]);
        assert_eq!(slack.message.datadog_app, "https://app.datadoghq.eu");
        assert!(!format!("{slack:?}").contains("secretpart"));
        assert_eq!(datadog_app("us5.datadoghq.com"), "https://us5.datadoghq.com");
        for (var, value) in [
            ("SLACK_MENTION_HIGH", "@here"),
            ("SLACK_MENTION_CRITICAL", "<!channel> <https://evil|x>"),
            ("SLACK_MENTION_HIGH", "<@alice>"),
            ("SLACK_MIN_SEVERITY", "11"),
            ("SLACK_INCLUDE_SAMPLES", "no"),
        ] {
            let err = config(&[("SLACK_WEBHOOK_URL", "https://h/x"), (var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{var}={value}");
        }
        let err = config(&[("SLACK_WEBHOOK_URL", "hooks.slack.com/secretpart")]).unwrap_err();
        assert!(!err.to_string().contains("secretpart"));
    }
}
