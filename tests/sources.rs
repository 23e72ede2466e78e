//! Every real sample of the log-archive kinds (WAF, load balancers, Route 53 Resolver,
//! CloudFront, S3 access, Network Firewall) forwarded end to end through the S3 emulator and
//! the enforcing intake: source and service, one log per record, headers never sent, WAF
//! arrays flattened (checked against the structure of each sample record), JSON records as
//! attributes, old dates clamped; and the bad input of these kinds.

mod support;

use std::path::PathBuf;

use security_log_forwarder::deadline::Deadline;
use security_log_forwarder::pipeline::Outcome;
use security_log_forwarder::stats::DropReason;
use serde_json::Value;
use support::intake::TestIntake;
use support::moto;

const KEY: &str = "sources-test-key";
const BUCKET: &str = "slf-log-archive";

/// The shared samples folder, or `None` (with a message) when it is absent.
fn samples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent (the shared data folder)", dir.display());
        None
    }
}

fn notification(key: &str) -> Vec<u8> {
    serde_json::json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}
    }]})
    .to_string()
    .into_bytes()
}

/// Puts `body` at `key` and forwards it; the books balance and the intake takes every entry.
async fn forward(key: &str, body: Vec<u8>, vars: &[(&str, &str)]) -> (Outcome, Vec<Value>) {
    let s3 = moto::s3().await;
    moto::put(&s3, BUCKET, key, body).await;
    let intake = TestIntake::start(KEY).await;
    let forwarder = support::forwarder(&intake.url(), KEY, vars);
    let outcome = forwarder.handle(&notification(key), Deadline::none()).await;
    assert!(outcome.error.is_none(), "{key}: {:?}", outcome.error);
    assert!(outcome.stats.balanced(), "{key}: {}", outcome.stats);
    for request in intake.requests() {
        assert_eq!((request.oversized_entries, request.stale_timestamps), (0, 0), "{key}");
    }
    (outcome, intake.accepted_entries())
}

/// A sample file's records as AWS delivers them: pretty-printed JSON documents (the doc
/// examples) made one compact line each.
fn delivered(path: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        let value: Value = serde_json::from_slice(&text).unwrap();
        return format!("{value}\n").into_bytes();
    }
    text
}

fn lines(body: &[u8], header: Option<u8>) -> Vec<&[u8]> {
    body.split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .filter(|l| !l.is_empty() && header.is_none_or(|h| l.first() != Some(&h)))
        .collect()
}

struct Kind {
    folder: &'static str,
    key: fn(&str) -> String,
    source: &'static str,
    service: &'static str,
    gzip: bool,
    json: bool,
    header: Option<u8>,
}

const KINDS: &[Kind] = &[
    Kind {
        folder: "waf",
        key: |n| {
            format!(
                "AWSLogs/123456789012/WAFLogs/us-east-1/acl/2026/11/24/12/05/123456789012_waflogs_us-east-1_acl_20261124T1205Z_{n}.log.gz"
            )
        },
        source: "waf",
        service: "waf",
        gzip: true,
        json: true,
        header: None,
    },
    Kind {
        folder: "elb",
        key: |n| {
            format!(
                "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/24/123456789012_elasticloadbalancing_us-east-1_app.lb.1_20261124T1205Z_10.0.0.1_{n}.log.gz"
            )
        },
        source: "elb",
        service: "elb",
        gzip: true,
        json: false,
        header: None,
    },
    Kind {
        folder: "route53",
        key: |n| {
            format!(
                "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0abc/2026/11/24/vpc-0abc_vpcdnsquerylogs_123456789012_20261124T1205Z_{n}.log.gz"
            )
        },
        source: "route53",
        service: "route53",
        gzip: true,
        json: true,
        header: None,
    },
    Kind {
        folder: "network-firewall",
        key: |n| {
            format!(
                "AWSLogs/123456789012/network-firewall/alert/us-east-1/fw/2026/11/24/12/123456789012_network-firewall_alert_us-east-1_fw_202611241205_{n}.log.gz"
            )
        },
        source: "network-firewall",
        service: "network-firewall",
        gzip: true,
        json: true,
        header: None,
    },
    Kind {
        folder: "cloudfront",
        key: |n| format!("cloudfront/E2K2S3MXEXAMPLE.2026-11-24-12.{n}.gz"),
        source: "cloudfront",
        service: "cloudfront",
        gzip: true,
        json: false,
        header: Some(b'#'),
    },
    Kind {
        folder: "s3access",
        key: |n| format!("s3-access/2026-11-24-12-05-10-{:016X}", n.len() as u64 * 7919),
        source: "s3",
        service: "s3",
        gzip: false,
        json: false,
        header: None,
    },
];

/// Files not delivered by AWS to S3 in this shape: a pretty JSON array made for a catalog,
/// and public hosted-zone query logs (CloudWatch Logs only).
const NOT_S3_SHAPES: &[&str] =
    &["opensearch-catalog-networkfirewall-sample-array.json", "awsdocs-public-dns-query-logs.log"];

#[tokio::test]
async fn every_sample_file_end_to_end() {
    let Some(dir) = samples() else { return };
    let mut checked = 0;
    for kind in KINDS {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(kind.folder)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if NOT_S3_SHAPES.contains(&name.as_str()) {
                continue;
            }
            let body = delivered(&path);
            let records = lines(&body, kind.header);
            let object = if kind.gzip { support::gzip(&body) } else { body.clone() };
            let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
            let (outcome, entries) = forward(&(kind.key)(&stem), object, &[]).await;
            assert_eq!(entries.len(), records.len(), "{name}: one log per record");
            assert_eq!((outcome.stats.records_in, outcome.stats.invalid_json), (records.len() as u64, 0), "{name}");
            for (entry, record) in entries.iter().zip(&records) {
                assert_eq!(
                    (entry["ddsource"].as_str(), entry["service"].as_str()),
                    (Some(kind.source), Some(kind.service)),
                    "{name}"
                );
                assert!(entry.get("aws").is_none(), "no provenance by default");
                if kind.json {
                    assert!(entry.get("message").is_none(), "{name}: JSON records go as attributes");
                    check_json(kind.folder, entry, &serde_json::from_slice(record).unwrap(), &name);
                } else {
                    assert_eq!(entry["message"].as_str().unwrap().as_bytes(), *record, "{name}: raw line");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} sample files");
}

/// A JSON record's entry holds the record's members (WAF: flattened), its date clamped
/// (the samples are years old) with the original kept.
fn check_json(folder: &str, entry: &Value, record: &Value, name: &str) {
    assert_eq!(entry["timestamp_clamped"], true, "{name}: the samples are old");
    for (member, value) in record.as_object().unwrap() {
        match (folder, member.as_str()) {
            ("waf", "timestamp") => assert_eq!(&entry["original_timestamp"], value, "{name}"),
            ("waf", "httpRequest") => check_waf_request(&entry[member], value, name),
            ("waf", "ruleGroupList" | "rateBasedRuleList" | "nonTerminatingMatchingRules") if value.is_array() => {
                check_keyed(&entry[member], value, member, name)
            }
            _ => assert_eq!(&entry[member], value, "{name}: {member}"),
        }
    }
}

/// Every header of the request is in the map, a repeated header with every value; headers of
/// another shape (the doc's `{"name":…,"myValue":…}`) are sent as they are.
fn check_waf_request(flat: &Value, request: &Value, name: &str) {
    let headers: Vec<&Value> = request["headers"].as_array().into_iter().flatten().collect();
    let shaped =
        |h: &&Value| h.as_object().is_some_and(|o| o.len() == 2 && h["name"].is_string() && o.contains_key("value"));
    if headers.iter().all(shaped) {
        for header in &headers {
            let header_name = header["name"].as_str().unwrap();
            let values: Vec<&Value> =
                headers.iter().filter(|h| h["name"] == header["name"]).map(|h| &h["value"]).collect();
            let kept = &flat["headers"][header_name];
            if values.len() == 1 {
                assert_eq!(kept, values[0], "{name}: header {header_name}");
            } else {
                assert_eq!(
                    kept.as_array().map(|a| a.iter().collect::<Vec<_>>()),
                    Some(values),
                    "{name}: repeated {header_name}"
                );
            }
        }
    } else {
        assert_eq!(flat["headers"], request["headers"], "{name}: headers of another shape are kept as they are");
    }
    for (member, value) in request.as_object().unwrap().iter().filter(|(m, _)| *m != "headers") {
        assert_eq!(&flat[member], value, "{name}: httpRequest.{member}");
    }
}

/// A rule list is keyed by the rule (group) id or name each element holds.
fn check_keyed(flat: &Value, list: &Value, member: &str, name: &str) {
    let keys = ["ruleGroupId", "rateBasedRuleName", "rateBasedRuleId", "ruleId"];
    for element in list.as_array().unwrap() {
        let (key_name, key) = keys.iter().find_map(|k| element[*k].as_str().map(|v| (*k, v))).unwrap();
        let kept = &flat[key];
        assert!(kept.is_object(), "{name}: {member}.{key} is an object: {flat}");
        for (field, value) in element.as_object().unwrap().iter().filter(|(f, _)| *f != key_name) {
            match value {
                Value::Array(rules) if !rules.is_empty() && rules[0].get("ruleId").is_some() => {
                    for rule in rules {
                        assert!(
                            kept[field][rule["ruleId"].as_str().unwrap()].is_object(),
                            "{name}: {member}.{key}.{field}"
                        );
                    }
                }
                Value::Array(rules)
                    if rules.is_empty()
                        && matches!(field.as_str(), "nonTerminatingMatchingRules" | "excludedRules") =>
                {
                    assert_eq!(kept[field], serde_json::json!({}), "{name}")
                }
                _ => assert_eq!(&kept[field], value, "{name}: {member}.{key}.{field}"),
            }
        }
    }
}

#[tokio::test]
async fn skipped_kinds_and_unknown_objects() {
    let config = "AWSLogs/123456789012/Config/us-east-1/2026/11/24/ConfigSnapshot/123456789012_Config_us-east-1_ConfigSnapshot_20261124T120000Z_a.json.gz";
    let (outcome, entries) =
        forward(config, support::gzip(b"{\"fileVersion\":\"1.0\",\"configurationItems\":[]}"), &[]).await;
    assert_eq!((outcome.stats.objects_skipped, entries.len()), (1, 0));
    let insight = "AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2026/11/24/123456789012_CloudTrail-Insight_us-east-1_20261124T1200Z_a.json.gz";
    let (outcome, _) =
        forward(insight, support::gzip(b"{\"Records\":[{\"eventType\":\"AwsCloudTrailInsight\"}]}"), &[]).await;
    assert_eq!(outcome.stats.objects_skipped, 1);

    // An object of no known kind: forwarded as lines by default, skipped on request — unless
    // its first bytes tell its kind.
    let (outcome, entries) = forward("misc/notes.txt", b"one\ntwo\n".to_vec(), &[]).await;
    assert_eq!((outcome.stats.entries_sent, entries[0]["ddsource"].as_str()), (2, Some("s3")));
    let (outcome, entries) = forward("misc/notes.txt", b"one\ntwo\n".to_vec(), &[("DD_UNKNOWN_OBJECTS", "skip")]).await;
    assert_eq!((outcome.stats.objects_skipped, entries.len()), (1, 0));
    let cloudfront = b"#Version: 1.0\n#Fields: date time\n2026-11-24\t12:00:00\tLAX1\n".to_vec();
    let (_, entries) = forward("renamed/cf.gz", support::gzip(&cloudfront), &[("DD_UNKNOWN_OBJECTS", "skip")]).await;
    assert_eq!((entries.len(), entries[0]["ddsource"].as_str()), (1, Some("cloudfront")));

    // User rules: a Firehose prefix as WAF, a folder as a named source.
    let rules = [("DD_SOURCE_RULES", "firehose/acl/*=waf;apps/*=source:myapp,service:web")];
    let waf = br#"{"timestamp":1,"webaclId":"a","httpRequest":{"headers":[{"name":"A","value":"1"}]}}"#;
    let (_, entries) = forward("firehose/acl/2026/11/24/12/part-0.gz", support::gzip(waf), &rules).await;
    assert_eq!(
        (entries[0]["service"].as_str(), entries[0]["httpRequest"]["headers"]["A"].as_str()),
        (Some("waf"), Some("1"))
    );
    let (_, entries) = forward("apps/app.log", b"hello\n".to_vec(), &rules).await;
    assert_eq!((entries[0]["ddsource"].as_str(), entries[0]["service"].as_str()), (Some("myapp"), Some("web")));
}

#[tokio::test]
async fn bad_lines_are_counted_and_nothing_else_is_lost() {
    let key = (KINDS[0].key)("bad");
    let body = b"{\"timestamp\":1,\"webaclId\":\"a\"}\nnot json at all\n[1,2]\n{\"timestamp\":2,\"webaclId\":\"b\"}\n";
    let (outcome, entries) = forward(&key, support::gzip(body), &[]).await;
    assert_eq!((outcome.stats.records_in, outcome.stats.invalid_json, entries.len()), (4, 1, 3));
    assert_eq!(entries[1]["message"], "not json at all");
    assert_eq!((entries[0]["webaclId"].as_str(), entries[2]["webaclId"].as_str()), (Some("a"), Some("b")));
    assert_eq!(outcome.stats.dropped_for(DropReason::NotARecord), 1, "{}", outcome.stats);
}
