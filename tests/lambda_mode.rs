//! The built binary in Lambda mode, driven by a Runtime API emulator: clients built once,
//! findings and S3 notifications forwarded, failures reported as invocation errors.

mod support;

use std::process::Command;
use std::time::Duration;

use support::function::Function;
use support::intake::TestIntake;
use support::runtime_api::{Outcome, RuntimeApi};
use support::slack::{SECRET_PATH, TestSlack};

const KEY: &str = "lambda-mode-key-5f2e";
const WAIT: Duration = Duration::from_secs(60);

fn event(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn findings_are_forwarded_and_failures_reported() {
    let intake = TestIntake::start(KEY).await;
    let runtime = RuntimeApi::start().await;
    let function = Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", intake.url())]);

    runtime.invoke("req-1", &event("guardduty-finding-high.json"), Duration::from_secs(30));
    let Some(Outcome::Response(response)) = runtime.outcome("req-1", WAIT).await else { panic!("no response") };
    assert!(response["summary"].as_str().unwrap().contains("entries_sent=1"), "{response}");
    let entry = &intake.accepted_entries()[0];
    assert_eq!(entry["ddsource"], "guardduty");
    assert_eq!(entry["evt"]["name"], "CryptoCurrency:EC2/BitcoinTool.B!DNS");
    assert_eq!(entry["status"], "error");
    assert!(entry["account"].is_string() && entry.get("ddtags").is_none(), "{entry}");
    let metrics: serde_json::Value = serde_json::from_str(function.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"], "SecurityLogForwarder");
    assert_eq!((metrics["RecordsIn"].as_u64(), metrics["EntriesSent"].as_u64()), (Some(1), Some(1)));
    assert_eq!(metrics["FunctionName"], "security-log-forwarder-test");

    // Same process, second event: the intake now fails for good.
    intake.set_expected_key("rotated-elsewhere");
    runtime.invoke("req-2", &event("guardduty-finding-low.json"), Duration::from_secs(30));
    match runtime.outcome("req-2", WAIT).await {
        Some(Outcome::Error { error_type, error_message }) => {
            assert_eq!(error_type, "ApiKeyRejected");
            assert!(!error_message.contains(KEY));
        }
        other => panic!("expected an invocation error, got {other:?}"),
    }
    // The key never appears in our logs or metrics (debug level), only in the header.
    assert!(function.stderr().contains("summary records_in=1"), "{}", function.stderr());
    assert!(!function.stderr().contains(KEY) && !function.stdout().contains(KEY));
    assert!(intake.requests().iter().all(|r| r.api_key.as_deref() == Some(KEY) && r.query.is_none()));

    // Not a finding: a clear error naming what was received.
    runtime.invoke("req-3", &event("guardduty-api-call-not-a-finding.json"), Duration::from_secs(30));
    match runtime.outcome("req-3", WAIT).await {
        Some(Outcome::Error { error_type, error_message }) => {
            assert_eq!(error_type, "NotAFinding");
            assert!(error_message.contains("AWS API Call via CloudTrail"), "{error_message}");
        }
        other => panic!("expected an invocation error, got {other:?}"),
    }
}

#[tokio::test]
async fn slack_alerts_in_lambda_mode() {
    let intake = TestIntake::start(KEY).await;
    let slack = TestSlack::start().await;
    let runtime = RuntimeApi::start().await;
    let function = Function::start(
        &runtime,
        &[
            ("DD_API_KEY", KEY.into()),
            ("DD_URL", intake.url()),
            ("SLACK_WEBHOOK_URL", slack.url()),
            ("SLACK_MENTION_CRITICAL", "<!channel>".into()),
        ],
    );
    runtime.invoke("slack-1", &event("guardduty-finding-critical.json"), Duration::from_secs(30));
    let Some(Outcome::Response(response)) = runtime.outcome("slack-1", WAIT).await else { panic!("no response") };
    assert!(response["summary"].as_str().unwrap().contains("alerts_sent=1"), "{response}");
    assert!(slack.accepted()[0]["text"].as_str().unwrap().starts_with("<!channel> 🔴 Critical"));
    assert_eq!(intake.accepted_entries().len(), 1);
    let metrics: serde_json::Value = serde_json::from_str(function.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(metrics["AlertsSent"], 1);

    // The webhook is revoked: the invocation fails so the event is kept, naming Slack's code.
    // (Another finding: this container already alerted on the first one and would not again.)
    slack.revoke();
    let mut other: serde_json::Value = serde_json::from_slice(&event("guardduty-finding-critical.json")).unwrap();
    other["detail"]["id"] = "another-critical-finding".into();
    runtime.invoke("slack-2", other.to_string().as_bytes(), Duration::from_secs(30));
    match runtime.outcome("slack-2", WAIT).await {
        Some(Outcome::Error { error_type, error_message }) => {
            assert_eq!(error_type, "SlackAlertRefused");
            assert!(error_message.contains("no_service"), "{error_message}");
        }
        other => panic!("expected an invocation error, got {other:?}"),
    }
    // The webhook URL is a credential: in no log (debug level), metric or error.
    assert!(!function.stderr().contains(SECRET_PATH) && !function.stdout().contains(SECRET_PATH));
}

#[tokio::test]
async fn an_s3_notification_in_lambda_mode() {
    support::moto::seed_sample_objects().await;
    let intake = TestIntake::start(KEY).await;
    let runtime = RuntimeApi::start().await;
    let _function = Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", intake.url())]);
    runtime.invoke("s3-1", &event("sqs-s3-guardduty-export.json"), Duration::from_secs(30));
    let Some(Outcome::Response(response)) = runtime.outcome("s3-1", WAIT).await else { panic!("no response") };
    assert_eq!(response["batchItemFailures"], serde_json::json!([]));
    assert_eq!(intake.accepted_entries().len(), 8);
}

#[tokio::test]
async fn a_deadline_too_close_fails_the_invocation_in_time() {
    let runtime = RuntimeApi::start().await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let _function =
        Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", url), ("DD_MAX_ATTEMPTS", "100".into())]);
    let started = std::time::Instant::now();
    runtime.invoke("late-1", &event("guardduty-finding-medium.json"), Duration::from_secs(3));
    match runtime.outcome("late-1", WAIT).await {
        Some(Outcome::Error { error_type, .. }) => assert_eq!(error_type, "DeadlineExceeded"),
        other => panic!("expected an invocation error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn init_fails_clearly_without_a_key() {
    let runtime_addr = "127.0.0.1:9";
    let output = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .env("AWS_LAMBDA_RUNTIME_API", runtime_addr)
        .env_remove("DD_API_KEY")
        .env_remove("DD_API_KEY_SECRET_ARN")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DD_API_KEY_SECRET_ARN"), "{stderr}");
}

#[tokio::test]
async fn every_finding_family_in_lambda_mode() {
    let intake = TestIntake::start(KEY).await;
    let runtime = RuntimeApi::start().await;
    let _function = Function::start(&runtime, &[("DD_API_KEY", KEY.into()), ("DD_URL", intake.url())]);
    let samples = [
        ("securityhub-findings-imported.json", 2, "securityhub"),
        ("securityhub-findings-imported-v2-ocsf.json", 1, "securityhub"),
        ("inspector2-finding.json", 1, "inspector2"),
        ("macie-finding.json", 1, "macie"),
        ("access-analyzer-finding.json", 1, "access-analyzer"),
        ("guardduty-malware-protection-scan-result.json", 1, "guardduty"),
    ];
    let mut sent = 0;
    for (i, (name, logs, source)) in samples.into_iter().enumerate() {
        let id = format!("family-{i}");
        runtime.invoke(&id, &event(name), Duration::from_secs(30));
        let Some(Outcome::Response(response)) = runtime.outcome(&id, WAIT).await else { panic!("{name}: no response") };
        assert!(response["summary"].as_str().unwrap().contains(&format!("entries_sent={logs}")), "{name}: {response}");
        let entries = intake.accepted_entries();
        assert!(entries[sent..].iter().all(|e| e["ddsource"] == source), "{name}");
        sent = entries.len();
    }
    runtime.invoke(
        "unknown",
        br#"{"source":"aws.detective","detail-type":"Detective Finding","detail":{}}"#,
        Duration::from_secs(30),
    );
    match runtime.outcome("unknown", WAIT).await {
        Some(Outcome::Error { error_type, error_message }) => {
            assert_eq!(error_type, "UnsupportedEvent");
            assert!(error_message.contains("aws.securityhub \"Security Hub Findings - Imported\""), "{error_message}");
        }
        other => panic!("expected an invocation error, got {other:?}"),
    }
}
