//! Every finding family through one path, against the enforcing intake and the stand-in
//! Slack webhook: one log per finding with its family's source, type, status and title; a
//! Security Hub event of 100 findings of 10 KB each; Security Hub copies of products
//! forwarded directly; one alert per family, new versus re-published findings; bad input.

mod support;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::pipeline::Outcome;
use serde_json::{Value, json};
use support::intake::TestIntake;
use support::slack::TestSlack;

const KEY: &str = "findings-test-key";

fn event(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn send(intake: &TestIntake, vars: &[(&str, &str)], event: &[u8]) -> Outcome {
    let f = support::forwarder(&intake.url(), KEY, vars);
    let outcome = f.handle(event, Deadline::none()).await;
    assert!(outcome.stats.balanced(), "{}", outcome.stats);
    outcome
}

/// (sample, logs, ddsource, evt.name of the first log, status of the first log, message of the first log)
const FAMILIES: [(&str, usize, &str, &str, &str, &str); 6] = [
    (
        "securityhub-findings-imported.json",
        2,
        "securityhub",
        "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS",
        "error",
        "EC2 instance i-0a1b2c3d4e5f60718 is querying a domain name associated with a known command and control server.",
    ),
    (
        "securityhub-findings-imported-v2-ocsf.json",
        1,
        "securityhub",
        "UnauthorizedAccess:IAMUser/TorIPCaller",
        "error",
        "The API DeleteTrail was invoked from a Tor exit node.",
    ),
    ("inspector2-finding.json", 1, "inspector2", "PACKAGE_VULNERABILITY", "critical", "CVE-2026-00001 - examplelib"),
    (
        "macie-finding.json",
        1,
        "macie",
        "Policy:IAMUser/S3BucketPublic",
        "error",
        "The S3 bucket is publicly accessible",
    ),
    (
        "access-analyzer-finding.json",
        1,
        "access-analyzer",
        "AWS::S3::Bucket",
        "warn",
        "arn:aws:s3:::example-shared-reports is shared outside the zone of trust",
    ),
    (
        "guardduty-malware-protection-scan-result.json",
        1,
        "guardduty",
        "THREATS_FOUND",
        "error",
        "Malware in s3://example-uploads/incoming/invoice-2026-11.pdf: EICAR-Test-File (not a virus)",
    ),
];

#[tokio::test]
async fn every_family_gives_one_log_per_finding() {
    for (name, logs, source, kind, status, message) in FAMILIES {
        let intake = TestIntake::start(KEY).await;
        let outcome = send(&intake, &[], &event(name)).await;
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        let entries = intake.accepted_entries();
        assert_eq!(entries.len(), logs, "{name}");
        let v = &entries[0];
        assert_eq!(v["ddsource"], source, "{name}");
        assert_eq!(v["service"], source, "{name}");
        assert_eq!(v["evt"]["name"], kind, "{name}");
        assert_eq!(v["status"], status, "{name}");
        assert_eq!(v["message"], message, "{name}");
        assert!(v["source"].as_str().unwrap().starts_with("aws."), "{name}: the envelope is kept");
        assert!(v["detail-type"].is_string() && v["account"].is_string() && v["time"].is_string(), "{name}");
        assert_eq!((v["account"].as_str(), v["region"].as_str()), (Some("111122223333"), Some("eu-west-1")), "{name}");
        assert!(v.get("ddtags").is_none(), "{name}: the account, Region and severity are attributes: {v}");
    }
}

#[tokio::test]
async fn security_hub_resources_are_keyed_by_type_and_ocsf_is_one_log() {
    let intake = TestIntake::start(KEY).await;
    send(&intake, &[], &event("securityhub-findings-imported.json")).await;
    let entries = intake.accepted_entries();
    let resources = &entries[0]["detail"]["finding"]["resources"];
    assert_eq!(resources["AwsEc2Instance"]["Id"], "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718");
    assert_eq!(entries[0]["host"], "i-0a1b2c3d4e5f60718");
    assert_eq!(entries[1]["status"], "critical");
    assert_eq!(
        entries[1]["detail"]["finding"]["resources"]["AwsEc2SecurityGroup"]["Details"]["AwsEc2SecurityGroup"]["GroupName"],
        "legacy-admin"
    );
    for entry in &entries {
        assert!(entry.get("resources").is_none() && entry["detail"].get("findings").is_none());
    }
    let intake = TestIntake::start(KEY).await;
    send(&intake, &[], &event("securityhub-findings-imported-v2-ocsf.json")).await;
    let ocsf = &intake.accepted_entries()[0];
    assert_eq!(
        ocsf["detail"]["finding"]["finding_info"]["title"],
        "The API DeleteTrail was invoked from a Tor exit node."
    );
    assert_eq!((ocsf["account"].as_str(), ocsf["status"].as_str()), (Some("111122223333"), Some("error")));
    assert!(ocsf.get("ddtags").is_none(), "{ocsf}");
}

/// A Security Hub event of `n` ASFF findings of about `bytes` each.
fn big_security_hub_event(n: usize, bytes: usize) -> (Value, Vec<Value>) {
    let findings: Vec<Value> = (0..n)
        .map(|i| {
            let mut f = json!({
                "SchemaVersion": "2018-10-08",
                "Id": format!("arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.19/finding/{i:08}-7b3d-4e9f-a1c2-3d4e5f6a7b8c"),
                "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
                "GeneratorId": "security-control/EC2.19", "AwsAccountId": "111122223333", "Region": "eu-west-1",
                "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
                "CreatedAt": "2026-11-24T11:40:00.000Z", "UpdatedAt": "2026-11-24T11:40:00.000Z",
                "Severity": {"Label": "MEDIUM", "Normalized": 40},
                "Title": "Security groups should not allow unrestricted access to ports with high risk",
                "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": format!("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-{i:017x}")}],
                "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
            });
            let size = f.to_string().len();
            f["Description"] = "d".repeat(bytes.saturating_sub(size + 20)).into();
            f
        })
        .collect();
    let event = json!({"version": "0", "id": "5e1f0c2a-8d3b-4a6e-9f1c-2b3d4e5f6a7b", "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub", "account": "111122223333", "time": "2026-11-24T11:47:03Z", "region": "eu-west-1",
        "resources": findings.iter().map(|f| f["Id"].clone()).collect::<Vec<_>>(), "detail": {"findings": findings}});
    (event, findings)
}

#[tokio::test]
async fn a_security_hub_event_of_100_findings_of_10_kb() {
    let intake = TestIntake::start(KEY).await;
    let (event, findings) = big_security_hub_event(100, 10_000);
    let outcome = send(&intake, &[], event.to_string().as_bytes()).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let entries = intake.accepted_entries();
    assert_eq!((outcome.stats.entries_sent, entries.len()), (100, 100));
    // What we add to each finding: our attributes (ddsource, service, ddtags, status,
    // message, timestamp, evt.name) and the envelope members each log keeps.
    let envelope = r#","version":"0","id":"5e1f0c2a-8d3b-4a6e-9f1c-2b3d4e5f6a7b","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"111122223333","time":"2026-11-24T11:47:03Z","region":"eu-west-1""#;
    let mut ours = Vec::new();
    for (entry, finding) in entries.iter().zip(&findings) {
        assert_eq!(entry["detail"]["finding"]["Id"], finding["Id"], "in order, none lost");
        let sent = entry.to_string().len();
        let finding_bytes = finding.to_string().len();
        // The `Resources` list became `resources` keyed by type: a few bytes either way.
        let added =
            sent as i64 - finding_bytes as i64 - envelope.len() as i64 - r#"{"detail":{"finding":}}"#.len() as i64;
        ours.push(added);
    }
    let worst = *ours.iter().max().unwrap();
    let finding_bytes = findings[0].to_string().len();
    println!(
        "security hub split: finding {finding_bytes} B; our attributes {worst} B per log ({:.2} %); envelope kept {} B ({:.2} %)",
        worst as f64 * 100.0 / finding_bytes as f64,
        envelope.len(),
        envelope.len() as f64 * 100.0 / finding_bytes as f64
    );
    // The goal: at most 3 % of a 10 KB finding, title as `message` and `Types[0]` as
    // `evt.name` included (the breakdown is in docs/findings.md).
    assert!((worst as f64) <= 0.03 * finding_bytes as f64, "{worst} bytes added to a {finding_bytes}-byte finding");
}

#[tokio::test]
async fn security_hub_copies_of_products_forwarded_directly_are_dropped_and_counted() {
    let intake = TestIntake::start(KEY).await;
    let vars = [("SECURITYHUB_SKIP_COPIES_OF", "guardduty,inspector2,macie")];
    let outcome = send(&intake, &vars, &event("securityhub-findings-imported.json")).await;
    assert_eq!((outcome.stats.records_in, outcome.stats.entries_sent), (2, 1));
    assert!(outcome.stats.to_string().contains("dropped_security_hub_copy=1"), "{}", outcome.stats);
    assert_eq!(intake.accepted_entries()[0]["detail"]["finding"]["GeneratorId"], "security-control/EC2.19");
    let outcome = send(&intake, &vars, &event("securityhub-findings-imported-v2-ocsf.json")).await;
    assert_eq!(outcome.stats.entries_sent, 0, "the OCSF copy of a GuardDuty finding too");
    // Not set: every copy is kept.
    let outcome = send(&intake, &[], &event("securityhub-findings-imported.json")).await;
    assert_eq!(outcome.stats.entries_sent, 2);
}

#[tokio::test]
async fn bad_input_is_counted_or_named() {
    let intake = TestIntake::start(KEY).await;
    let mut e: Value = serde_json::from_slice(&event("securityhub-findings-imported.json")).unwrap();
    e["detail"]["findings"].as_array_mut().unwrap().insert(1, json!("not a finding"));
    e["detail"]["findings"].as_array_mut().unwrap().push(json!(null));
    let outcome = send(&intake, &[], e.to_string().as_bytes()).await;
    assert!(outcome.error.is_none());
    assert_eq!((outcome.stats.records_in, outcome.stats.entries_sent), (4, 2));
    assert!(outcome.stats.to_string().contains("dropped_not_a_record=2"), "{}", outcome.stats);

    let unknown = br#"{"version":"0","source":"aws.detective","detail-type":"Detective Finding","detail":{}}"#;
    let outcome = send(&intake, &[], unknown).await;
    let err = outcome.error.unwrap().describe();
    for needle in ["aws.detective", "aws.securityhub \"Findings Imported V2\"", "aws.inspector2", "aws.macie", "narrow"]
    {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    let scan = br#"{"source":"aws.inspector2","detail-type":"Inspector2 Scan","detail":{}}"#;
    let err = send(&intake, &[], scan).await.error.unwrap().describe();
    assert!(err.contains("narrow the EventBridge rule to detail-type \"Inspector2 Finding\""), "{err}");
}

async fn alerting(
    slack: &TestSlack,
    intake: &TestIntake,
    vars: &[(&str, &str)],
) -> security_log_forwarder::pipeline::Forwarder<
    security_log_forwarder::intake::HttpIntake,
    security_log_forwarder::store::S3Store,
> {
    let url = slack.url();
    let mut all = vec![
        ("SLACK_WEBHOOK_URL", url.as_str()),
        ("SLACK_MENTION_HIGH", "<!here>"),
        ("SLACK_MENTION_CRITICAL", "<!channel>"),
    ];
    all.extend_from_slice(vars);
    support::forwarder_with_alerts(&intake.url(), KEY, &all).await
}

#[tokio::test]
async fn one_alert_per_family_with_its_title_link_and_mentions() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let f = alerting(&slack, &intake, &[("SLACK_MIN_SEVERITY", "4")]).await;
    let expected = [
        ("securityhub-findings-imported.json", "<!here> 🟠 High Security Hub finding (HIGH)", "securityhub/home"),
        (
            "securityhub-findings-imported-v2-ocsf.json",
            "<!here> 🟠 High Security Hub (OCSF) finding (High)",
            "securityhub/v2/home",
        ),
        ("inspector2-finding.json", "<!channel> 🔴 Critical Inspector finding (CRITICAL)", "inspector/v2/home"),
        ("macie-finding.json", "<!here> 🟠 High Macie finding (High)", "macie/home"),
        ("access-analyzer-finding.json", "🟡 Medium Access Analyzer finding (Medium)", "access-analyzer/home"),
        (
            "guardduty-malware-protection-scan-result.json",
            "<!here> 🟠 High GuardDuty Malware Protection finding (High)",
            "guardduty/home",
        ),
        ("guardduty-finding-high.json", "<!here> 🟠 High GuardDuty finding (8)", "guardduty/home"),
    ];
    let mut sent = 0;
    for (name, start, console) in expected {
        let outcome = f.handle(&event(name), Deadline::none()).await;
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        let alerts = slack.accepted();
        // The ASFF sample holds two findings, High and Critical: one alert each.
        let new = &alerts[sent..];
        sent = alerts.len();
        let message = &new[0];
        let text = message["text"].as_str().unwrap();
        println!("{name}: {text}");
        assert!(text.starts_with(start), "{name}: {text}");
        let link = message["blocks"][3]["elements"][0]["url"].as_str().unwrap();
        assert!(link.contains(".console.aws.amazon.com/") && link.contains(console), "{name}: {link}");
        let search = message["blocks"][3]["elements"][1]["url"].as_str().unwrap();
        assert!(search.contains("source%3A"), "{name}: {search}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    assert_eq!(sent, 8, "one alert per finding, the two of the Security Hub event included");
    // The same events again (a retry): nothing pages twice in this container.
    let outcome = f.handle(&event("inspector2-finding.json"), Deadline::none()).await;
    assert_eq!((outcome.stats.alerts_sent, outcome.stats.alerts_skipped_update), (0, 1));
}

#[tokio::test]
async fn finding_text_cannot_inject_mentions_in_any_family() {
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let f = alerting(&slack, &intake, &[]).await;
    let mut e: Value = serde_json::from_slice(&event("securityhub-findings-imported.json")).unwrap();
    e["detail"]["findings"][0]["Title"] = "<!channel> <https://evil.example|click> & co".into();
    e["detail"]["findings"][0]["Severity"]["Label"] = "<@U0EVIL>".into();
    e["detail"]["findings"].as_array_mut().unwrap().truncate(1);
    e["detail"]["findings"][0]["Severity"]["Normalized"] = 95.into();
    let outcome = f.handle(e.to_string().as_bytes(), Deadline::none()).await;
    assert_eq!(outcome.stats.alerts_sent, 1, "{:?}", outcome.error);
    let message = slack.accepted()[0].to_string();
    for injected in ["<!channel> <https", "<https://evil", "<@U0EVIL>"] {
        assert!(!message.contains(injected), "{injected} reached Slack unescaped");
    }
    assert!(slack.accepted()[0]["text"].as_str().unwrap().starts_with("<!channel> 🔴 Critical"));
}

/// The real EventBridge sample whose first event has `updatedAt` 5 minutes after `createdAt`
/// and no `service.count`, its dates moved to the last minutes.
fn real_first_publication() -> Option<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/guardduty/eventbridge/oluolus-network-eventbridge.json");
    let Ok(text) = std::fs::read(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return None;
    };
    let mut e: Value = serde_json::from_slice(&text).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let at = |minutes: i64| {
        (now - time::Duration::minutes(minutes)).format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    e["time"] = at(1).into();
    e["detail"]["createdAt"] = at(6).into();
    e["detail"]["updatedAt"] = at(1).into();
    e["detail"]["severity"] = 8.0.into();
    Some(e)
}

#[tokio::test]
async fn a_new_high_finding_pages_once_and_its_re_publications_never() {
    let Some(first) = real_first_publication() else { return };
    let (slack, intake) = (TestSlack::start().await, TestIntake::start(KEY).await);
    let f = alerting(&slack, &intake, &[]).await;
    let outcome = f.handle(first.to_string().as_bytes(), Deadline::none()).await;
    assert_eq!((outcome.stats.alerts_sent, outcome.stats.alerts_skipped_update), (1, 0), "{}", outcome.stats);
    assert!(slack.accepted()[0]["text"].as_str().unwrap().starts_with("<!here> 🟠 High GuardDuty finding (8)"));

    // GuardDuty re-publishes it hours later with a grown count: no page, warm or cold.
    let mut again = first.clone();
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(6);
    let later = later.format(&time::format_description::well_known::Rfc3339).unwrap();
    again["time"] = later.clone().into();
    again["detail"]["updatedAt"] = later.into();
    again["detail"]["service"]["count"] = 5.into();
    let warm = f.handle(again.to_string().as_bytes(), Deadline::none()).await;
    let cold = alerting(&slack, &intake, &[]).await.handle(again.to_string().as_bytes(), Deadline::none()).await;
    for outcome in [warm, cold] {
        assert_eq!((outcome.stats.alerts_sent, outcome.stats.alerts_skipped_update), (0, 1), "{}", outcome.stats);
    }
    // The same first event delivered again to this container (a retry) does not page twice.
    let retry = f.handle(first.to_string().as_bytes(), Deadline::none()).await;
    assert_eq!(retry.stats.alerts_skipped_update, 1);
    assert_eq!(slack.accepted().len(), 1);
}
