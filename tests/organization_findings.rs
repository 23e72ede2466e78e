//! Findings forwarded from a member account and Region (templates/member.yaml) arrive on the
//! central bus unchanged: the log keeps the member's account and Region, not the central
//! account's.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn a_forwarded_finding_keeps_its_account_and_region() {
    let path = format!("{}/events/guardduty-finding-high.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    // As EventBridge delivers it on the central bus: the envelope and the finding both name
    // the member account and Region.
    event["account"] = "210987654321".into();
    event["region"] = "ap-southeast-2".into();
    event["detail"]["accountId"] = "210987654321".into();
    event["detail"]["region"] = "ap-southeast-2".into();
    let mut child = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .env_clear()
        .env("AWS_REGION", "eu-west-1")
        .args(["invoke", "--dry-run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(event.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(log["account"], "210987654321", "{log}");
    assert_eq!(log["region"], "ap-southeast-2", "{log}");
    assert!(log.get("ddtags").is_none(), "no tags without DD_TAGS: {log}");
}
