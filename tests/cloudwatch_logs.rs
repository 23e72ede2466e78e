//! CloudWatch Logs subscriptions against the enforcing intake: each route from the samples,
//! a CloudTrail record, VPC flow records, WAF and Route 53 Resolver records giving the same
//! log from S3 and from a subscription, control messages,
//! Kinesis partial failures, a 1 MB payload delivered once, and bad input.

mod support;

use base64::Engine;
use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::pipeline::Outcome;
use support::intake::TestIntake;

const KEY: &str = "cwl-test-key";
fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn shared(name: &str) -> Option<Vec<u8>> {
    let path = format!("{}/../shared/data/samples/cwl/{name}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("skipped: the shared data sample {path} is absent");
            None
        }
    }
}

fn encode(json: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(support::gzip(json))
}

fn direct(json: &[u8]) -> Vec<u8> {
    serde_json::json!({"awslogs": {"data": encode(json)}}).to_string().into_bytes()
}

fn payload(group: &str, stream: &str, messages: &[&str]) -> Vec<u8> {
    let now = now_ms();
    let events: Vec<_> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({"id": format!("3{i:055}"), "timestamp": now - 1000, "message": m}))
        .collect();
    serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group, "logStream": stream,
        "subscriptionFilters": ["security-log-forwarder"], "logEvents": events})
    .to_string()
    .into_bytes()
}

async fn handle(intake: &TestIntake, event: &[u8], vars: &[(&str, &str)]) -> Outcome {
    let outcome = support::forwarder(&intake.url(), KEY, vars).handle(event, Deadline::none()).await;
    assert!(outcome.stats.balanced(), "unbalanced: {}", outcome.stats);
    assert!(intake.requests().iter().all(|r| r.oversized_entries == 0 && r.stale_timestamps == 0));
    outcome
}

const AUDIT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"0d4a9d5e-6c1b-4f7e-9a3b-2c1d0e9f8a7b","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web-0/exec?command=sh","verb":"create","user":{"username":"kubernetes-admin","uid":"aws-iam-authenticator:123456789012:AIDAEXAMPLE","groups":["system:masters","system:authenticated"],"extra":{"arn":["arn:aws:iam::123456789012:user/alice"]}},"sourceIPs":["203.0.113.10"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"pods","namespace":"default","name":"web-0","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-11-24T11:58:59.123456Z","stageTimestamp":"2026-11-24T11:58:59.200000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;

#[tokio::test]
async fn each_route_gets_its_source() {
    let vpc_line = "2 123456789012 eni-0939c7c9e1255db73 10.236.54.140 10.236.57.28 31547 27068 6 2 112 1571081770 1571081799 ACCEPT OK";
    let waf = r#"{"timestamp":NOW,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/w/1","terminatingRuleId":"Default_Action","action":"ALLOW","httpSourceName":"ALB","httpRequest":{"clientIp":"198.51.100.1","headers":[{"name":"Host","value":"example.com"}],"uri":"/","httpMethod":"GET"}}"#;
    let resolver = r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2026-11-24T11:58:59Z","query_name":"example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.5","srcport":"53123","transport":"UDP","srcids":{"instance":"i-0123456789abcdef0"}}"#;
    let waf = waf.replace("NOW", &now_ms().to_string());
    for (group, stream, message, ddsource) in [
        ("/aws/eks/prod/cluster", "kube-apiserver-audit-0f1e2d3c", AUDIT, "kubernetes.audit"),
        (
            "/aws/eks/prod/cluster",
            "kube-apiserver-0f1e2d3c",
            "I1124 11:58:59.1 1 controller.go:611] quota admission added",
            "kube-apiserver",
        ),
        ("/aws/eks/prod/cluster", "kube-controller-manager-0f1e", "I1124 leader election", "kube-controller-manager"),
        (
            "/aws/eks/prod/cluster",
            "authenticator-0f1e",
            "time=\"2026-11-24T11:58:59Z\" level=info msg=\"access granted\"",
            "aws-iam-authenticator",
        ),
        ("/vpc/flow-logs", "eni-0939c7c9e1255db73-all", vpc_line, "vpc"),
        ("aws-waf-logs-prod", "us-east-1_prod_0", waf.as_str(), "waf"),
        ("/aws/route53resolver/queries", "vpc-1_rslvr", resolver, "route53"),
        ("/aws/lambda/checkout", "2026/11/24/[$LATEST]abc", "START RequestId: 1 Version: $LATEST", "lambda"),
        ("/ecs/web", "web/1", "GET / 200", "cloudwatch"),
    ] {
        let intake = TestIntake::start(KEY).await;
        let outcome = handle(&intake, &direct(&payload(group, stream, &[message])), &[]).await;
        assert!(outcome.error.is_none(), "{group}: {:?}", outcome.error);
        let entries = intake.accepted_entries();
        assert_eq!(entries.len(), 1, "{group}");
        assert_eq!(entries[0]["ddsource"], ddsource, "{group} {stream}");
        assert_eq!(entries[0]["service"], ddsource, "{group} {stream}");
        assert!(entries[0].get("aws").is_none() && entries[0].get("id").is_none(), "lean by default");
    }
}

#[tokio::test]
async fn an_eks_audit_event_arrives_as_kubernetes_audit() {
    let intake = TestIntake::start(KEY).await;
    let event = direct(&payload("/aws/eks/prod/cluster", "kube-apiserver-audit-0f1e2d3c", &[AUDIT]));
    let outcome = handle(&intake, &event, &[]).await;
    assert_eq!(outcome.stats.entries_sent, 1);
    let entry = &intake.accepted_entries()[0];
    assert_eq!(entry["ddsource"], "kubernetes.audit");
    assert_eq!(entry["verb"], "create");
    assert_eq!(entry["objectRef"]["subresource"], "exec");
    assert_eq!(entry["user"]["username"], "kubernetes-admin");
    println!("EKS audit log as sent: {entry}");
}

#[tokio::test]
async fn cloudtrail_from_s3_and_from_a_subscription_give_the_same_log() {
    let Some(decoded) = shared("datadog-cwl-cloudtrail-decoded.json") else { return };
    let payload: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    let records: Vec<&str> =
        payload["logEvents"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    let dir = std::env::temp_dir().join(format!("slf-cwl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("123456789123_CloudTrail_us-east-1_20200917T1658Z_x.json.gz");
    std::fs::write(&file, support::gzip(format!(r#"{{"Records":[{}]}}"#, records.join(",")).as_bytes())).unwrap();

    let from_s3 = TestIntake::start(KEY).await;
    let report = support::forwarder(&from_s3.url(), KEY, &[]).forward_file(&file).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let from_logs = TestIntake::start(KEY).await;
    let outcome = handle(&from_logs, &direct(&decoded), &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    std::fs::remove_dir_all(&dir).ok();

    let (mut s3, mut logs) = (from_s3.accepted_entries(), from_logs.accepted_entries());
    assert_eq!(logs.len(), 4);
    for entry in s3.iter_mut().chain(logs.iter_mut()) {
        // 2020 records: both paths clamp to the processing time, which may tick between them.
        assert_eq!(entry["timestamp_clamped"], true);
        entry.as_object_mut().unwrap().remove("timestamp");
    }
    assert_eq!(s3, logs, "the same logs");
    assert_eq!(logs[0]["ddsource"], "cloudtrail");
    assert!(logs[0]["userIdentity"].is_object(), "the record is the log's attributes, not a string");
    println!("from S3: {}\nfrom CloudWatch Logs: {}", s3[0], logs[0]);
}

/// The logs `lines` give from an S3 object named `name` and from a subscription to
/// `group`/`stream`, without their clamped `timestamp` (the processing time may tick between).
async fn from_s3_and_logs(
    name: &str,
    file: &str,
    group: &str,
    stream: &str,
    lines: &[&str],
) -> [Vec<serde_json::Value>; 2] {
    let dir = std::env::temp_dir().join(format!("slf-cwl-{}-{group:.3}", std::process::id()).replace('/', "_"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, support::gzip(file.as_bytes())).unwrap();
    let from_s3 = TestIntake::start(KEY).await;
    let report = support::forwarder(&from_s3.url(), KEY, &[]).forward_file(&path).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    std::fs::remove_dir_all(&dir).ok();
    let from_logs = TestIntake::start(KEY).await;
    let outcome = handle(&from_logs, &direct(&payload(group, stream, lines)), &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let mut both = [from_s3.accepted_entries(), from_logs.accepted_entries()];
    for entry in both.iter_mut().flatten() {
        if entry["timestamp_clamped"] == true {
            entry.as_object_mut().unwrap().remove("timestamp");
        }
    }
    both
}

#[tokio::test]
async fn vpc_waf_and_route53_from_s3_and_from_a_subscription_give_the_same_logs() {
    let now = now_ms() / 1000;
    let fresh = format!(
        "2 123456789012 eni-0939c7c9e1255db73 10.0.1.5 10.0.2.7 443 49152 6 10 840 {} {} ACCEPT OK",
        now - 60,
        now
    );
    let stale =
        "2 123456789012 eni-0939c7c9e1255db73 10.0.1.5 10.0.2.7 22 49153 6 1 40 1571081770 1571081799 REJECT OK";
    let nodata = "2 123456789012 eni-0939c7c9e1255db73 - - - - - - - 1571081770 1571081799 - NODATA";
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    let lines = [fresh.as_str(), stale, nodata];
    let file = format!("{header}\n{}\n", lines.join("\n"));
    let name = "123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20261124T1205Z_8c1f2e3d.log.gz";
    let [s3, logs] = from_s3_and_logs(name, &file, "/vpc/flow-logs", "eni-0939c7c9e1255db73-all", &lines).await;
    assert_eq!(logs.len(), 3);
    assert_eq!(s3, logs, "the same VPC flow logs");
    assert_eq!((logs[0]["ddsource"].as_str(), logs[0]["message"].as_str()), (Some("vpc"), Some(fresh.as_str())));
    assert_eq!(logs[1]["timestamp_clamped"], true);

    let waf = r#"{"timestamp":NOW,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/w/1","terminatingRuleId":"Default_Action","action":"ALLOW","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesCommonRuleSet","terminatingRule":null,"nonTerminatingMatchingRules":[],"excludedRules":null}],"httpSourceName":"ALB","httpRequest":{"clientIp":"198.51.100.1","headers":[{"name":"Host","value":"example.com"},{"name":"Cookie","value":"a=1"},{"name":"Cookie","value":"b=2"}],"uri":"/","httpMethod":"GET"}}"#;
    let waf_now = waf.replace("NOW", &now_ms().to_string());
    let waf_stale = waf.replace("NOW", "1571081770000");
    let records = [waf_now.as_str(), waf_stale.as_str()];
    let name = "123456789012_waflogs_us-east-1_w_20261124T1205Z_8c1f2e3d.log.gz";
    let file = records.join("\n");
    let [s3, logs] = from_s3_and_logs(name, &file, "aws-waf-logs-prod", "us-east-1_prod_0", &records).await;
    assert_eq!(logs.len(), 2);
    assert_eq!(s3, logs, "the same WAF logs");
    assert_eq!((logs[0]["ddsource"].as_str(), logs[0]["service"].as_str()), (Some("waf"), Some("waf")));
    assert_eq!(logs[0]["httpRequest"]["headers"]["Cookie"], serde_json::json!(["a=1", "b=2"]), "flattened");
    assert_eq!(logs[1]["timestamp_clamped"], true);

    let resolver = r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2026-11-24T11:58:59Z","query_name":"example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.5","srcport":"53123","transport":"UDP","srcids":{"instance":"i-0123456789abcdef0"}}"#;
    let name = "vpc-1_vpcdnsquerylogs_123456789012_20261124T1205Z_ab.log.gz";
    let [s3, logs] = from_s3_and_logs(name, resolver, "/aws/route53resolver/queries", "vpc-1_rslvr", &[resolver]).await;
    assert_eq!(logs.len(), 1);
    assert_eq!(s3, logs, "the same Route 53 Resolver logs");
    assert_eq!((logs[0]["ddsource"].as_str(), logs[0]["query_name"].as_str()), (Some("route53"), Some("example.com.")));
}

#[tokio::test]
async fn control_messages_are_dropped_and_counted() {
    let Some(b64) = shared("clever-control-message-kinesis.b64") else { return };
    let data = String::from_utf8(b64).unwrap();
    let intake = TestIntake::start(KEY).await;
    let event = serde_json::json!({"awslogs": {"data": data.trim()}}).to_string();
    let outcome = handle(&intake, event.as_bytes(), &[]).await;
    assert!(outcome.error.is_none());
    assert_eq!((outcome.stats.control_messages, outcome.stats.records_in), (1, 0));
    assert!(intake.requests().is_empty(), "nothing shipped");
}

#[tokio::test]
async fn kinesis_partial_failure_names_only_the_broken_record() {
    let Some(sample) = shared("powertools-kinesis-stream-cwl-event.json") else { return };
    let mut event: serde_json::Value = serde_json::from_slice(&sample).unwrap();
    let records = event["Records"].as_array_mut().unwrap();
    let good = records.len();
    let mut broken = records[0].clone();
    broken["kinesis"]["sequenceNumber"] = "4999".into();
    broken["kinesis"]["data"] = base64::engine::general_purpose::STANDARD.encode(b"not gzip").into();
    records.insert(1, broken);
    let mut no_events = records[0].clone();
    no_events["kinesis"]["sequenceNumber"] = "5000".into();
    no_events["kinesis"]["data"] = encode(br#"{"messageType":"DATA_MESSAGE","logGroup":"g"}"#).into();
    records.push(no_events);
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, event.to_string().as_bytes(), &[]).await;
    assert!(outcome.partial_batch);
    assert_eq!(
        outcome.response["batchItemFailures"],
        serde_json::json!([{"itemIdentifier": "4999"}, {"itemIdentifier": "5000"}])
    );
    assert!(outcome.stats.entries_sent >= good as u64);
    assert!(intake.accepted_entries().iter().all(|e| e["ddsource"] == "lambda"));
}

#[tokio::test]
async fn a_one_megabyte_payload_is_delivered_once() {
    let message = format!(
        r#"{{"eventVersion":"1.08","eventTime":"2026-11-24T11:00:00Z","eventName":"Get","n":N,"pad":"{}"}}"#,
        "x".repeat(900)
    );
    let messages: Vec<String> = (0..1000).map(|n| message.replace("\"n\":N", &format!("\"n\":{n}"))).collect();
    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
    let json = payload("CloudTrail/org", "123456789012_CloudTrail_us-east-1", &refs);
    assert!(json.len() >= 1_000_000);
    let intake = TestIntake::start(KEY).await;
    let outcome = handle(&intake, &direct(&json), &[]).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.stats.entries_sent, 1000);
    let duplicates = intake.duplicates();
    assert_eq!((duplicates.duplicated, duplicates.distinct), (0, 1000), "each record once");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let intake = TestIntake::start(KEY).await;
    let not_json = serde_json::json!({"awslogs": {"data": encode(b"{not json")}}).to_string();
    let no_events = direct(br#"{"messageType":"DATA_MESSAGE","logGroup":"g"}"#);
    let not_gzip =
        serde_json::json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(b"{}")}}).to_string();
    for (event, needle) in [
        (br#"{"awslogs":{"data":"@@@"}}"#.to_vec(), "not base64"),
        (not_gzip.into_bytes(), "not a valid gzip"),
        (not_json.into_bytes(), "not valid JSON"),
        (no_events, "no logEvents"),
    ] {
        let outcome = handle(&intake, &event, &[]).await;
        let error = outcome.error.expect("an error");
        assert!(error.describe().contains(needle), "{}", error.describe());
        assert_eq!(error.error_type().as_str(), "UnsupportedEvent");
    }
    assert!(intake.requests().is_empty());
}

#[tokio::test]
async fn provenance_and_event_ids_on_request() {
    let intake = TestIntake::start(KEY).await;
    let event = direct(&payload("/aws/lambda/f", "s", &["hello"]));
    handle(&intake, &event, &[("DD_PROVENANCE", "s3"), ("DD_LOG_EVENT_ID", "true")]).await;
    let entry = &intake.accepted_entries()[0];
    assert_eq!(entry["aws"]["awslogs"]["logGroup"], "/aws/lambda/f");
    assert_eq!(entry["aws"]["awslogs"]["owner"], "123456789012");
    assert!(entry["id"].as_str().unwrap().starts_with('3'));
}
