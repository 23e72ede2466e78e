//! Slack alerts for the findings that must not be missed (High and Critical by default, in
//! every finding family), posted with the mentions the team chose, next to forwarding the
//! finding to Datadog. Only findings from the EventBridge path alert (exports re-send
//! findings), never archived, suppressed or resolved ones, and by default only a finding's
//! first publication, not its re-publications (`finding::novelty`); a warm container also
//! remembers the findings it alerted on, so a retried event does not page twice.

mod finding;
mod message;
mod recent;
mod webhook;

use std::io::Write;

pub use webhook::{SlackWebhook, WebhookError};

pub(crate) use self::finding::AlertFinding;
pub(crate) use self::finding::EventContext;
pub(crate) use self::message::MessageSettings;
use self::recent::RecentAlerts;
use crate::aws_sdk::SharedSdkConfig;
use crate::deadline::Deadline;
use crate::finding::Finding;
use crate::retry::RetrySettings;
use crate::secrets::{Secret, SecretError, value_from_secret};
use crate::stats::Stats;

/// Where the Slack incoming-webhook URL comes from. The URL is a credential: it is never
/// logged or shown.
#[derive(Clone, PartialEq, Eq)]
pub enum WebhookSource {
    /// `SLACK_WEBHOOK_URL` (local runs and tests).
    Url(String),
    /// `SLACK_WEBHOOK_URL_SECRET_ARN`: a Secrets Manager secret holding the URL.
    Secret(String),
}

impl std::fmt::Debug for WebhookSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url(_) => f.write_str("Url(<redacted>)"),
            Self::Secret(arn) => write!(f, "Secret({arn})"),
        }
    }
}

/// Slack alerts as configured (`SLACK_*`).
#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// The webhook.
    pub webhook: WebhookSource,
    /// Which findings alert.
    pub policy: AlertPolicy,
    /// Mentions and links.
    pub(crate) message: MessageSettings,
    /// Retries of a post.
    pub retry: RetrySettings,
}

/// The Slack webhook could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SlackSetupError {
    /// The secret could not be read.
    #[error("cannot read the Slack webhook URL")]
    Secret(#[source] SecretError),
    /// The secret does not hold a webhook URL (its value is never shown).
    #[error("the Slack webhook secret {arn} {problem}")]
    Unusable {
        /// The secret ARN.
        arn: String,
        /// What is wrong with its value.
        problem: &'static str,
    },
}

/// The webhook URL from a secret's value: the URL itself, or JSON with it under
/// `webhook_url`, `url` or `slack_webhook_url`.
fn url_from_secret(text: &str) -> Result<String, &'static str> {
    let url = value_from_secret(text, &["webhook_url", "url", "slack_webhook_url"])?;
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err("does not hold an https:// webhook URL")
    }
}

impl SlackSettings {
    /// The alerts these settings describe, posting with `client`; a secret is read now.
    pub async fn connect(self, client: reqwest::Client, sdk: &SharedSdkConfig) -> Result<Alerts, SlackSetupError> {
        let url = match &self.webhook {
            WebhookSource::Url(url) => url.clone(),
            WebhookSource::Secret(arn) => {
                let secret = Secret::new(arn, sdk).await;
                let text = secret.read().await.map_err(SlackSetupError::Secret)?;
                url_from_secret(&text).map_err(|problem| SlackSetupError::Unusable { arn: arn.clone(), problem })?
            }
        };
        let webhook = SlackWebhook::new(client, url, self.retry);
        Ok(Alerts::new(self.policy, self.message, AlertDestination::Slack(webhook)))
    }

    /// The alerts of a dry run: messages written to stdout, nothing posted, no secret read.
    pub fn dry_run(self) -> Alerts {
        Alerts::new(self.policy, self.message, AlertDestination::DryRun)
    }
}

/// Which findings alert.
#[derive(Debug, Clone)]
pub struct AlertPolicy {
    /// `SLACK_MIN_SEVERITY`: findings below it (or without a severity) do not alert.
    pub min_severity: f64,
    /// `SLACK_INCLUDE_SAMPLES`: whether sample findings alert (marked as samples).
    pub include_samples: bool,
    /// `SLACK_ALERT_UPDATES`: whether updates of an existing finding alert again.
    pub alert_updates: bool,
}

/// Why a finding did not alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Below `SLACK_MIN_SEVERITY`, or no readable severity.
    BelowSeverity,
    /// Archived, suppressed, resolved or closed.
    Archived,
    /// A re-publication of a finding (or one this container already alerted on).
    Update,
    /// A sample finding, with `SLACK_INCLUDE_SAMPLES=false`.
    Sample,
}

impl AlertPolicy {
    /// Whether `finding` alerts, or why not.
    pub(crate) fn decide(&self, finding: &AlertFinding) -> Result<(), Skip> {
        if finding.closed {
            return Err(Skip::Archived);
        }
        if finding.severity.is_none_or(|severity| severity < self.min_severity) {
            return Err(Skip::BelowSeverity);
        }
        if finding.sample && !self.include_samples {
            return Err(Skip::Sample);
        }
        if finding.update && !self.alert_updates {
            return Err(Skip::Update);
        }
        Ok(())
    }
}

/// Where alerts go.
#[derive(Debug)]
pub enum AlertDestination {
    /// A Slack incoming webhook.
    Slack(SlackWebhook),
    /// A dry run: each message is written to stdout as `{"slack_alert":…}`, nothing posted.
    DryRun,
}

/// Alerts for one deployment: the policy, the message settings and the destination.
#[derive(Debug)]
pub struct Alerts {
    policy: AlertPolicy,
    message: MessageSettings,
    destination: AlertDestination,
    recent: RecentAlerts,
}

/// What became of one finding's alert.
#[derive(Debug, Default)]
pub(crate) struct AlertReport {
    /// Posted (or, in a dry run, written).
    pub(crate) sent: bool,
    /// Why it did not alert, when it did not.
    pub(crate) skipped: Option<Skip>,
    /// Why posting failed, when it did.
    pub(crate) error: Option<WebhookError>,
}

impl AlertReport {
    /// Adds this alert's outcome to `stats`.
    pub(crate) fn count(&self, stats: &mut Stats) {
        match (self.sent, self.skipped, &self.error) {
            (true, _, _) => stats.alerts_sent += 1,
            (_, _, Some(_)) => stats.alerts_failed += 1,
            (_, Some(Skip::BelowSeverity), _) => stats.alerts_skipped_below_severity += 1,
            (_, Some(Skip::Archived), _) => stats.alerts_skipped_archived += 1,
            (_, Some(Skip::Update), _) => stats.alerts_skipped_update += 1,
            (_, Some(Skip::Sample), _) => stats.alerts_skipped_sample += 1,
            (false, None, None) => {}
        }
    }
}

impl Alerts {
    /// Alerts by `policy`, messages with `message`, to `destination`.
    pub(crate) fn new(policy: AlertPolicy, message: MessageSettings, destination: AlertDestination) -> Self {
        Self { policy, message, destination, recent: RecentAlerts::default() }
    }

    /// Alerts for `finding`, which came in an event with `context`, unless the policy says
    /// otherwise.
    pub(crate) async fn alert(
        &self,
        finding: &Finding<'_>,
        context: EventContext<'_>,
        deadline: Deadline,
    ) -> AlertReport {
        let mut finding = AlertFinding::of(finding, context);
        let key = format!("{}/{}", finding.family.source, finding.id);
        if !finding.id.is_empty() && self.recent.contains(&key) {
            finding.update = true;
        }
        if let Err(skip) = self.policy.decide(&finding) {
            tracing::debug!(finding = %finding.id, reason = ?skip, "no Slack alert for this finding");
            return AlertReport { skipped: Some(skip), ..AlertReport::default() };
        }
        let message = message::message(&finding, &self.message);
        let posted = match &self.destination {
            AlertDestination::Slack(webhook) => webhook.post(&message, deadline).await.map(|_| ()),
            AlertDestination::DryRun => {
                let line = serde_json::json!({ "slack_alert": message });
                let mut out = std::io::stdout().lock();
                // A dry run's stdout is the user's terminal or pipe; a write error there is
                // not an alert failure.
                let _ = writeln!(out, "{line}");
                Ok(())
            }
        };
        match posted {
            Ok(()) => {
                tracing::info!(finding = %finding.id, "posted the Slack alert");
                if !finding.id.is_empty() {
                    self.recent.insert(key);
                }
                AlertReport { sent: true, ..AlertReport::default() }
            }
            Err(err) => {
                tracing::error!(finding = %finding.id, error = %err, "the Slack alert was not posted");
                AlertReport { error: Some(err), ..AlertReport::default() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: f64) -> AlertFinding {
        AlertFinding { severity: Some(severity), ..AlertFinding::default() }
    }

    #[test]
    fn webhook_urls_from_secrets() {
        assert_eq!(
            url_from_secret(" https://hooks.slack.com/services/T/B/X\n").unwrap(),
            "https://hooks.slack.com/services/T/B/X"
        );
        assert_eq!(url_from_secret(r#"{"webhook_url":"https://h/1"}"#).unwrap(), "https://h/1");
        assert!(url_from_secret("not a url").is_err());
        assert!(url_from_secret(r#"{"token":"x"}"#).is_err());
        assert_eq!(format!("{:?}", WebhookSource::Url("https://secret".into())), "Url(<redacted>)");
    }

    #[test]
    fn the_policy() {
        let policy = AlertPolicy { min_severity: 7.0, include_samples: true, alert_updates: false };
        assert_eq!(policy.decide(&finding(7.0)), Ok(()));
        assert_eq!(policy.decide(&finding(6.9)), Err(Skip::BelowSeverity));
        assert_eq!(policy.decide(&AlertFinding::default()), Err(Skip::BelowSeverity));
        assert_eq!(policy.decide(&AlertFinding { closed: true, ..finding(9.0) }), Err(Skip::Archived));
        let update = AlertFinding { update: true, ..finding(9.0) };
        assert_eq!(policy.decide(&update), Err(Skip::Update));
        let sample = AlertFinding { sample: true, ..finding(9.0) };
        assert_eq!(policy.decide(&sample), Ok(()));
        let strict = AlertPolicy { include_samples: false, alert_updates: true, ..policy };
        assert_eq!(strict.decide(&sample), Err(Skip::Sample));
        assert_eq!(strict.decide(&update), Ok(()));
    }
}
