//! The command line: `invoke --dry-run` on every bundled event, usage, the dry run without a
//! key, exit codes, the summary line, replay of local files, and no key in any output.

mod support;

use std::process::{Command, Output};

use support::intake::TestIntake;

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    command.env_remove("DD_API_KEY").env_remove("DD_API_KEY_SECRET_ARN").env_remove("AWS_LAMBDA_RUNTIME_API");
    command
}

fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn summary(output: &Output) -> String {
    let stderr = text(&output.stderr);
    stderr.lines().find(|l| l.starts_with("summary ")).unwrap_or_else(|| panic!("no summary in {stderr}")).to_owned()
}

fn count(summary: &str, name: &str) -> u64 {
    summary.split(' ').find_map(|kv| kv.strip_prefix(&format!("{name}="))).unwrap().parse().unwrap()
}

#[test]
fn a_key_a_header_cannot_carry_and_missing_files_are_named() {
    let output = bin()
        .args(["invoke", "--dry-run"])
        .arg(events_dir().join("guardduty-finding-high.json"))
        .env("DD_API_KEY", "pasted\nwrong")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("invalid DD_API_KEY: holds characters an HTTP header cannot carry"), "{stderr}");
    assert!(!stderr.contains("pasted"), "the key is never shown");

    let output = bin().args(["replay", "--dry-run", "/nonexistent/trail.json.gz"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error: /nonexistent/trail.json.gz: cannot read the file"), "{stderr}");
    assert!(!stderr.contains("s3:///"), "{stderr}");
}

#[test]
fn dry_run_shows_the_slack_alert_for_every_high_and_critical_sample() {
    for (name, alerts) in [
        ("guardduty-finding-critical.json", true),
        ("guardduty-finding-high.json", true),
        ("guardduty-finding-sample.json", true),
        ("guardduty-finding-high-update.json", false),
        ("guardduty-finding-medium.json", false),
        ("guardduty-finding-low.json", false),
        ("securityhub-findings-imported.json", true),
        ("securityhub-findings-imported-v2-ocsf.json", true),
        ("inspector2-finding.json", true),
        ("macie-finding.json", true),
        ("access-analyzer-finding.json", false),
        ("guardduty-malware-protection-scan-result.json", true),
    ] {
        let output = bin()
            .args(["invoke", "--dry-run"])
            .arg(events_dir().join(name))
            .env("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/dryrunsecret")
            .env("SLACK_MENTION_HIGH", "<!here>")
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        let stdout = text(&output.stdout);
        let alert = stdout.lines().find(|l| l.starts_with(r#"{"slack_alert":"#));
        assert_eq!(alert.is_some(), alerts, "{name}: {stdout}");
        if let Some(alert) = alert {
            let message: serde_json::Value = serde_json::from_str(alert).unwrap();
            assert!(message["slack_alert"]["blocks"].is_array(), "{name}");
        }
        assert!(!stdout.contains("dryrunsecret") && !text(&output.stderr).contains("dryrunsecret"));
    }
}

#[tokio::test]
async fn dry_run_on_every_bundled_event() {
    support::moto::seed_sample_objects().await;
    let mut seen = 0;
    for entry in std::fs::read_dir(events_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        seen += 1;
        let output = bin().args(["invoke", "--dry-run"]).arg(&path).output().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let line = summary(&output);
        if name == "guardduty-api-call-not-a-finding.json" {
            assert_eq!(output.status.code(), Some(1), "{name}");
            assert!(text(&output.stderr).contains("error: the event is an aws.guardduty event"), "{name}");
            continue;
        }
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        let stdout = text(&output.stdout);
        for entry in stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(entry).unwrap_or_else(|e| panic!("{name}: {e}: {entry}"));
            assert!(v["ddsource"].is_string(), "{name}");
        }
        assert_eq!(stdout.lines().count() as u64, count(&line, "entries_sent"), "{name}");
        assert_eq!(
            count(&line, "records_in"),
            count(&line, "entries_sent") + count(&line, "entries_failed") + count(&line, "dropped"),
            "{name}: {line}"
        );
        if name.starts_with("guardduty-finding") {
            let v: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
            assert_eq!(v["ddsource"], "guardduty", "{name}");
            assert!(v["evt"]["name"].is_string(), "{name}");
        }
    }
    assert!(seen >= 10, "only {seen} events");
}

#[test]
fn finding_statuses_and_sample_tag() {
    for (file, status) in [
        ("guardduty-finding-low.json", "info"),
        ("guardduty-finding-medium.json", "warn"),
        ("guardduty-finding-high.json", "error"),
        ("guardduty-finding-critical.json", "critical"),
    ] {
        let output = bin().args(["invoke", "--dry-run"]).arg(events_dir().join(file)).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(v["status"], status, "{file}");
        assert!(v.get("ddtags").is_none(), "{file}: the severity is the status, not a tag");
    }
    let output =
        bin().args(["invoke", "--dry-run"]).arg(events_dir().join("guardduty-finding-sample.json")).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["ddtags"], "sample:true");
    // A delegated administrator's event: the envelope names the administrator, the finding
    // the affected account.
    assert_eq!(
        (v["account"].as_str(), v["detail"]["accountId"].as_str()),
        (Some("111111111111"), Some("222222222222"))
    );
}

#[test]
fn usage_without_a_subcommand() {
    let output = bin().output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stdout).contains("invoke"));
}

#[test]
fn without_a_key_invoke_runs_dry_and_says_so() {
    let output = bin().arg("invoke").arg(events_dir().join("guardduty-finding-low.json")).output().unwrap();
    assert!(output.status.success());
    assert!(text(&output.stderr).contains("running as a dry run"));
    assert_eq!(text(&output.stdout).lines().count(), 1);
}

#[test]
fn stdin_and_bad_input() {
    use std::io::Write;
    let mut child = bin()
        .args(["invoke", "--dry-run", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"[1, 2, 3]").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error: the event is not a JSON object (got an array)"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1);

    let output = bin().args(["invoke", "--dry-run", "/no/such/file.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot read /no/such/file.json"));
}

#[test]
fn several_events_are_handled_in_turn_and_a_failure_does_not_stop_the_rest() {
    let bad = std::env::temp_dir().join(format!("slf-bad-event-{}.json", std::process::id()));
    std::fs::write(&bad, b"[1]").unwrap();
    let (high, low) =
        (events_dir().join("guardduty-finding-high.json"), events_dir().join("guardduty-finding-low.json"));
    let output = bin().args(["invoke", "--dry-run"]).arg(&high).arg(&bad).arg(&low).output().unwrap();
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(output.status.code(), Some(1), "the bad event fails the run");
    assert_eq!(text(&output.stdout).lines().count(), 2, "both findings are handled");
    let stderr = text(&output.stderr);
    let events: Vec<&str> = stderr.lines().filter(|l| l.starts_with("event ")).collect();
    assert_eq!(events.len(), 3, "{stderr}");
    assert!(events[2].ends_with("guardduty-finding-low.json"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("summary ")).count(), 3, "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
}

#[tokio::test]
async fn a_failing_intake_exits_non_zero_and_never_prints_the_key() {
    let key = "feedfacefeedfacefeedfacefeedface";
    let intake = TestIntake::start("a-different-key").await;
    let url = intake.url();
    let output = tokio::task::spawn_blocking(move || {
        bin()
            .env("DD_API_KEY", key)
            .env("DD_URL", url)
            .env("DD_LOG_LEVEL", "debug")
            .arg("invoke")
            .arg(events_dir().join("guardduty-finding-high.json"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(all.contains("rejected the API key"), "{all}");
    assert!(!all.contains(key));
    assert_eq!(intake.requests()[0].api_key.as_deref(), Some(key));
    assert!(intake.requests()[0].query.clone().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn replay_local_files_and_folders() {
    let dir = std::env::temp_dir().join(format!("slf-replay-{}", std::process::id()));
    let trail = dir.join("AWSLogs/1/CloudTrail/us-east-1/2026/11/24");
    std::fs::create_dir_all(&trail).unwrap();
    std::fs::write(
        trail.join("123456789012_CloudTrail_us-east-1_20261124T1200Z_Local00000000000.json.gz"),
        support::moto::gzip(&support::moto::cloudtrail_body(7)),
    )
    .unwrap();
    let digest = dir.join("AWSLogs/1/CloudTrail-Digest/us-east-1");
    std::fs::create_dir_all(&digest).unwrap();
    std::fs::write(digest.join("123456789012_CloudTrail-Digest_us-east-1_t_us-east-1_20261124T120000Z.json.gz"), b"{}")
        .unwrap();
    let export = dir.join("AWSLogs/1/GuardDuty/us-east-1/2026/11/24");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::write(export.join("e.jsonl.gz"), support::moto::gzip(&support::moto::findings_body(4))).unwrap();

    let intake = TestIntake::start("replay-key").await;
    let (url, path) = (intake.url(), dir.clone());
    let output = tokio::task::spawn_blocking(move || {
        bin().env("DD_API_KEY", "replay-key").env("DD_URL", url).arg("replay").arg(path).output().unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let line = summary(&output);
    assert_eq!(
        (count(&line, "entries_sent"), count(&line, "objects"), count(&line, "objects_skipped")),
        (11, 2, 1),
        "{line}"
    );
    assert_eq!(intake.accepted_entries().len(), 11);
    std::fs::remove_dir_all(dir).unwrap();
}
