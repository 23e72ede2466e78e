//! Slack alerts for findings, against a local webhook that enforces Slack's rules: which
//! findings alert and with which mentions, escaping of untrusted text, Slack's limits, rate
//! limiting, a revoked webhook, and that the webhook URL never appears in any output.

mod support;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::pipeline::Outcome;
use serde_json::Value;
use support::intake::TestIntake;
use support::slack::{SECRET_PATH, TestSlack};

const KEY: &str = "slack-test-key";

fn event(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A finding event with `severity`, new unless `updated`, with `edit` applied to the finding.
fn finding(severity: f64, updated: bool, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut e: Value = serde_json::from_slice(&event("guardduty-finding-high.json")).unwrap();
    let detail = &mut e["detail"];
    detail["severity"] = severity.into();
    detail["id"] = format!("finding-{severity}-{updated}").into();
    if updated {
        detail["createdAt"] = "2026-11-20T00:00:00.000Z".into();
        detail["service"]["count"] = 5.into();
    }
    edit(detail);
    e.to_string().into_bytes()
}

async fn send(slack: &TestSlack, intake: &TestIntake, vars: &[(&str, &str)], event: &[u8]) -> Outcome {
    let url = slack.url();
    let mut all = vec![
        ("SLACK_WEBHOOK_URL", url.as_str()),
        ("SLACK_MENTION_HIGH", "<!here>"),
        ("SLACK_MENTION_CRITICAL", "<!channel> <!subteam^SAZ94GDB8>"),
    ];
    all.extend_from_slice(vars);
    let f = support::forwarder_with_alerts(&intake.url(), KEY, &all).await;
    let outcome = f.handle(event, Deadline::none()).await;
    assert!(outcome.stats.balanced(), "{}", outcome.stats);
    let everything = format!("{outcome:?} {}", outcome.error.as_ref().map(|e| e.describe()).unwrap_or_default());
    assert!(!everything.contains(SECRET_PATH), "the webhook URL leaked: {everything}");
    outcome
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap()
}

#[tokio::test]
async fn high_and_critical_alert_with_their_mentions_medium_does_not() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let outcome = send(&slack, &intake, &[], &event("guardduty-finding-critical.json")).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!((outcome.stats.alerts_sent, outcome.stats.entries_sent), (1, 1));
    let critical = &slack.accepted()[0];
    assert!(text(critical).starts_with("<!channel> <!subteam^SAZ94GDB8> 🔴 Critical"), "{critical}");
    assert_eq!(
        critical["blocks"][3]["elements"][1]["url"].as_str().unwrap().split('?').next(),
        Some("https://app.datadoghq.com/logs")
    );

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let outcome = send(&slack, &intake, &[], &finding(8.0, false, |_| {})).await;
    assert_eq!(outcome.stats.alerts_sent, 1);
    assert!(text(&slack.accepted()[1]).starts_with("<!here> 🟠 High"));

    let outcome = send(&slack, &intake, &[], &event("guardduty-finding-medium.json")).await;
    assert_eq!((outcome.stats.alerts_sent, outcome.stats.alerts_skipped_below_severity), (0, 1));
    assert_eq!(slack.accepted().len(), 2);
    assert_eq!(intake.accepted_entries().len(), 3, "every finding still goes to Datadog");
}

#[tokio::test]
async fn threshold_samples_archived_and_updates() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    // A lower threshold: Medium alerts, without a mention.
    let outcome = send(&slack, &intake, &[("SLACK_MIN_SEVERITY", "4")], &event("guardduty-finding-medium.json")).await;
    assert_eq!(outcome.stats.alerts_sent, 1);
    assert!(text(&slack.accepted()[0]).starts_with("🟡 Medium"));

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let outcome = send(&slack, &intake, &[], &event("guardduty-finding-sample.json")).await;
    assert_eq!(outcome.stats.alerts_sent, 1);
    let sample = &slack.accepted()[1];
    assert!(text(sample).contains("SAMPLE") && sample.to_string().contains("Sample finding"));
    let outcome =
        send(&slack, &intake, &[("SLACK_INCLUDE_SAMPLES", "false")], &event("guardduty-finding-sample.json")).await;
    assert_eq!(outcome.stats.alerts_skipped_sample, 1);

    let archived = finding(9.0, false, |d| d["service"]["archived"] = true.into());
    assert_eq!(send(&slack, &intake, &[], &archived).await.stats.alerts_skipped_archived, 1);
    let update = event("guardduty-finding-high-update.json");
    assert_eq!(send(&slack, &intake, &[], &update).await.stats.alerts_skipped_update, 1);
    assert_eq!(slack.accepted().len(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let outcome = send(&slack, &intake, &[("SLACK_ALERT_UPDATES", "true")], &update).await;
    assert_eq!(outcome.stats.alerts_sent, 1);
}

#[tokio::test]
async fn untrusted_text_is_escaped_and_kept_within_limits() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let hostile = "<!channel> <https://evil.example|click> & co";
    let event = finding(9.0, false, |d| {
        d["title"] = format!("{hostile} {}", "x".repeat(10_000)).into();
        d["resource"]["instanceDetails"]["tags"] = serde_json::json!([{"key": "Name", "value": hostile}]);
        d["service"]["action"]["awsApiCallAction"]["userAgent"] = hostile.into();
        d["accountId"] = "<@U0EVIL>".into();
    });
    let outcome = send(&slack, &intake, &[], &event).await;
    assert!(outcome.error.is_none(), "Slack refused the message: {:?} {:?}", outcome.error, slack.statuses());
    let message = slack.accepted()[0].to_string();
    for injected in ["<!channel> <https", "<https://evil", "<@U0EVIL>", "& co"] {
        assert!(!message.contains(injected), "{injected} reached Slack unescaped");
    }
    assert!(message.contains("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co"));
    assert!(text(&slack.accepted()[0]).starts_with("<!channel> <!subteam^SAZ94GDB8> "), "our own mentions stay");
}

#[tokio::test]
async fn rate_limit_is_retried_and_server_errors_too() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    assert_eq!(send(&slack, &intake, &[], &finding(8.0, false, |_| {})).await.stats.alerts_sent, 1);
    // Right after: Slack answers 429 with Retry-After, then takes it.
    let outcome = send(&slack, &intake, &[], &finding(8.5, false, |_| {})).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.alerts_sent, 1);
    assert_eq!(slack.statuses(), [200, 429, 200]);
    slack.fail_next([503, 500]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let outcome = send(&slack, &intake, &[], &finding(9.0, false, |_| {})).await;
    assert_eq!(outcome.stats.alerts_sent, 1, "{:?}", outcome.error);
}

#[tokio::test]
async fn a_revoked_webhook_fails_the_invocation_with_slacks_error_code() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    slack.revoke();
    let outcome = send(&slack, &intake, &[], &finding(9.0, false, |_| {})).await;
    let err = outcome.error.unwrap();
    assert_eq!(err.error_type().as_str(), "SlackAlertRefused");
    assert!(err.describe().contains("HTTP 404, no_service"), "{}", err.describe());
    assert_eq!((outcome.stats.alerts_failed, outcome.stats.entries_sent), (1, 1), "the log still reached Datadog");
    assert_eq!(slack.statuses(), [404], "a permanent refusal is not retried");
}

#[tokio::test]
async fn objects_never_alert() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    support::moto::seed_sample_objects().await;
    let outcome = send(&slack, &intake, &[("SLACK_MIN_SEVERITY", "0")], &event("s3-put-guardduty-export.json")).await;
    assert_eq!(outcome.stats.entries_sent, 5);
    assert_eq!(outcome.stats.alerts_sent + outcome.stats.alerts_skipped_below_severity, 0);
    assert!(slack.statuses().is_empty());
}

#[tokio::test]
async fn the_webhook_url_from_a_secret() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let secret = serde_json::json!({"webhook_url": slack.url()}).to_string();
    let secrets = support::moto::secrets().await;
    let name = "slf-slack-webhook";
    let _ = secrets.delete_secret().secret_id(name).force_delete_without_recovery(true).send().await;
    let created = secrets.create_secret().name(name).secret_string(secret).send().await.unwrap();
    let arn = created.arn().unwrap().to_owned();
    let f = support::forwarder_with_alerts(&intake.url(), KEY, &[("SLACK_WEBHOOK_URL_SECRET_ARN", &arn)]).await;
    let outcome = f.handle(&event("guardduty-finding-critical.json"), Deadline::none()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.alerts_sent, 1);
    assert_eq!(slack.accepted().len(), 1);
}
