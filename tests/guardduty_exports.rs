//! GuardDuty findings read from an S3 export are sent in the shape of their EventBridge
//! event: the same finding through both paths gives the same log apart from provenance, and
//! Datadog's out-of-the-box Cloud SIEM rule "AWS GuardDuty finding" matches every exported
//! finding, checked by a small evaluator of the rule's queries against the logs as sent.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::intake::TestIntake;

const KEY: &str = "exports-test-key";

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    command.env_remove("DD_API_KEY").env_remove("DD_API_KEY_SECRET_ARN").env_remove("AWS_LAMBDA_RUNTIME_API");
    command.env("DD_API_KEY", KEY);
    command
}

/// The findings of the bundled GuardDuty events, and the same findings with the resource
/// kinds the bundled events lack (Kubernetes, RDS, Lambda, ECS, a Runtime finding on EC2).
fn findings() -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut findings: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("guardduty-finding-"))
        .map(|p| serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).unwrap()["detail"].clone())
        .collect();
    findings.sort_by_key(|f| f["id"].as_str().unwrap_or_default().to_owned());
    let base = findings[0].clone();
    for (i, kind) in [
        "Discovery:Kubernetes/SuccessfulAnonymousAccess",
        "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin",
        "Backdoor:Lambda/C&CActivity.B",
        "Execution:ECS/MaliciousFile",
        "CryptoCurrency:Runtime/BitcoinTool.B",
        "Impact:S3/MaliciousIPCaller",
    ]
    .iter()
    .enumerate()
    {
        let mut f = base.clone();
        f["type"] = (*kind).into();
        f["id"] = format!("made-{i}").into();
        f["severity"] = [2.0, 5.0, 7.5, 8.0, 9.0, 4.0][i].into();
        findings.push(f);
    }
    // Dated inside the intake's window, so that neither path clamps the date to the time
    // it ran.
    let now = time::OffsetDateTime::now_utc() - time::Duration::minutes(10);
    let updated = format!(
        "{}.204Z",
        now.format(&time::format_description::well_known::Rfc3339).unwrap().split(['.', 'Z']).next().unwrap()
    );
    for f in &mut findings {
        f["updatedAt"] = updated.clone().into();
    }
    findings
}

/// The EventBridge event GuardDuty publishes for `finding`.
fn event_of(finding: &Value) -> Value {
    let time = finding["updatedAt"].as_str().unwrap();
    let time = match time.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => time.to_owned(),
    };
    json!({"version": "0", "id": "c8c4daa7-0000-4000-8000-000000000000", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": finding["accountId"], "time": time, "region": finding["region"],
        "resources": [], "detail": finding})
}

/// The logs the binary sends for `args` (an `invoke` or a `replay`).
async fn logs_of(args: Vec<std::ffi::OsString>) -> Vec<Value> {
    let intake = TestIntake::start(KEY).await;
    let url = intake.url();
    let output =
        tokio::task::spawn_blocking(move || bin().env("DD_URL", url).args(args).output().unwrap()).await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    intake.accepted_entries()
}

/// Drops what only one path has: the EventBridge event's `id`, `version` and `resources`, the
/// S3 object of the export.
fn without_provenance(mut log: Value) -> Value {
    let map = log.as_object_mut().unwrap();
    for name in ["id", "version", "resources", "aws"] {
        map.remove(name);
    }
    log
}

/// A temporary path of its own for each caller (tests run in parallel in one process).
fn scratch(what: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("slf-{what}-{}-{n}", std::process::id()))
}

async fn both_paths() -> Vec<(Value, Value)> {
    let findings = findings();
    let dir = scratch("exports");
    let export = dir.join("AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/24");
    std::fs::create_dir_all(&export).unwrap();
    let lines: Vec<String> = findings.iter().map(Value::to_string).collect();
    std::fs::write(export.join("5f6a2c1e.jsonl.gz"), support::gzip(lines.join("\n").as_bytes())).unwrap();
    let exported = logs_of(vec!["replay".into(), dir.clone().into()]).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(exported.len(), findings.len());
    let mut pairs = Vec::new();
    for (finding, exported) in findings.iter().zip(exported) {
        let path = scratch("twin");
        std::fs::write(&path, event_of(finding).to_string()).unwrap();
        let mut twin = logs_of(vec!["invoke".into(), path.clone().into()]).await;
        std::fs::remove_file(&path).unwrap();
        pairs.push((exported, twin.remove(0)));
    }
    pairs
}

#[tokio::test]
async fn an_exported_finding_is_sent_as_its_eventbridge_twin() {
    for (i, (exported, twin)) in both_paths().await.into_iter().enumerate() {
        if i == 0 {
            println!("exported:    {exported}");
            println!("eventbridge: {twin}");
        }
        assert_eq!(exported["detail-type"], "GuardDuty Finding");
        assert_eq!(exported["source"], "aws.guardduty");
        assert_eq!(without_provenance(exported), without_provenance(twin));
    }
}

/// A term of a Datadog log query, as the rule uses them.
fn matches_term(log: &Value, term: &str) -> bool {
    let (attribute, value) = term.split_once(':').unwrap();
    let field = match attribute {
        "source" => &log["ddsource"],
        _ => attribute.strip_prefix('@').unwrap().split('.').fold(log, |v, name| &v[name]),
    };
    if let Some(quoted) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return field.as_str() == Some(quoted);
    }
    if let Some(range) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let (low, high) = range.split_once(" TO ").unwrap();
        let n = field.as_f64();
        return n.is_some_and(|n| n >= low.parse().unwrap() && n <= high.parse().unwrap());
    }
    for (op, compare) in [(">=", f64::ge as fn(&f64, &f64) -> bool), ("<", f64::lt), (">", f64::gt)] {
        if let Some(bound) = value.strip_prefix(op) {
            return field.as_f64().is_some_and(|n| compare(&n, &bound.parse().unwrap()));
        }
    }
    field.as_str().is_some_and(|text| wildcard(value, text))
}

/// Datadog's wildcard: `*` any run of characters, `\` escapes the next one.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '\\' => Some(chars.next().unwrap()),
            '*' => None,
            c => Some(c),
        });
    }
    fn go(tokens: &[Option<char>], text: &[char]) -> bool {
        match tokens.split_first() {
            None => text.is_empty(),
            Some((None, rest)) => (0..=text.len()).any(|i| go(rest, &text[i..])),
            Some((Some(c), rest)) => text.first() == Some(c) && go(rest, &text[1..]),
        }
    }
    go(&tokens, &text.chars().collect::<Vec<_>>())
}

/// Terms separated by spaces, a quoted value or a range kept whole.
fn terms(query: &str) -> Vec<String> {
    let (mut terms, mut current, mut open) = (Vec::new(), String::new(), None);
    for c in query.chars() {
        match (c, open) {
            (' ', None) if !current.is_empty() => terms.push(std::mem::take(&mut current)),
            (' ', None) => {}
            ('"', None) => (open, current) = (Some('"'), current + "\""),
            ('[', None) => (open, current) = (Some(']'), current + "["),
            (c, Some(close)) if c == close => (open, current) = (None, current + &c.to_string()),
            (c, _) => current.push(c),
        }
    }
    terms.push(current);
    terms
}

fn matches(log: &Value, query: &str) -> bool {
    terms(query).iter().all(|term| matches_term(log, term))
}

/// The root queries of Datadog's "AWS GuardDuty finding" rule, one per resource kind, and its
/// severity cases on `@detail.severity`.
const ROOT_QUERIES: [&str; 9] = [
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:EC2\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:IAMUser\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:Kubernetes\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:S3\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:RDS\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:Lambda\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:ECS\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:*\:Runtime\/*"#,
    r#"source:guardduty @detail-type:"GuardDuty Finding" @evt.name:AttackSequence\:*"#,
];
const SEVERITY_CASES: [(&str, &str); 4] = [
    ("critical", "@detail.severity:>=9"),
    ("high", "@detail.severity:[7 TO 8.9]"),
    ("medium", "@detail.severity:[4 TO 6.9]"),
    ("low", "@detail.severity:<4"),
];

#[tokio::test]
async fn datadogs_guardduty_rule_matches_every_exported_finding() {
    assert!(wildcard(r"*\:EC2\/*", "Recon:EC2/PortProbeUnprotectedPort") && !wildcard(r"*\:EC2\/*", "Recon:EC2-x"));
    let pairs = both_paths().await;
    let mut root_hits = [0usize; ROOT_QUERIES.len()];
    let mut case_hits = [0usize; SEVERITY_CASES.len()];
    for (exported, twin) in &pairs {
        for log in [exported, twin] {
            let roots: Vec<usize> = (0..ROOT_QUERIES.len()).filter(|&i| matches(log, ROOT_QUERIES[i])).collect();
            assert!(!roots.is_empty(), "no root query matches {}", log["evt"]["name"]);
            let cases: Vec<usize> = (0..SEVERITY_CASES.len()).filter(|&i| matches(log, SEVERITY_CASES[i].1)).collect();
            assert_eq!(cases.len(), 1, "severity {} matches cases {cases:?}", log["detail"]["severity"]);
            if std::ptr::eq(log, exported) {
                roots.iter().for_each(|&i| root_hits[i] += 1);
                case_hits[cases[0]] += 1;
            }
        }
    }
    println!("root queries matched by exported findings: {root_hits:?} (of {} findings)", pairs.len());
    println!(
        "severity cases matched: {:?}",
        SEVERITY_CASES.iter().zip(case_hits).map(|((n, _), c)| (n, c)).collect::<Vec<_>>()
    );
    assert!(root_hits.iter().all(|&n| n > 0), "a root query matched no exported finding: {root_hits:?}");
    assert!(case_hits.iter().all(|&n| n > 0), "a severity case matched no exported finding: {case_hits:?}");
}
