//! `doctor` against the S3 / Secrets Manager emulator and the test intake: a working setup
//! (every check ✓, exit 0) and broken ones — a key the intake refuses (403), a missing
//! secret, a bucket without a notification, objects the function cannot read (through the
//! fault proxy: AccessDenied, KMS), a bad setting — each the right ✗ and exit 1. The key is
//! sent in a header only and never printed.

mod support;

use support::intake::TestIntake;
use support::moto::{self, cloudtrail_body, findings_body, gzip, put};
use support::s3_proxy::S3Proxy;
use support::wiring::{FN_ARN, bin, run, seed, text};

const KEY: &str = "doctor0123456789abcdef0123456789";
const DAY: &str = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/";
const NEWEST: &str =
    "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/123456789012_CloudTrail_us-east-1_20261125T0005Z_new.json.gz";
const EXPORT: &str = "AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/25/5f6a2c1e-doctor.jsonl.gz";

/// A bucket as CloudTrail and the GuardDuty export fill it: two days of trail files, a digest,
/// an export; with our notification when `attached`.
async fn bucket(name: &str, attached: bool, trail_key: &str, export_key: &str) {
    let s3 = moto::s3().await;
    moto::bucket(&s3, name).await;
    for key in [format!("{DAY}123456789012_CloudTrail_us-east-1_20261124T2355Z_old.json.gz"), trail_key.to_owned()] {
        put(&s3, name, &key, gzip(&cloudtrail_body(2))).await;
    }
    put(&s3, name, moto::DIGEST_KEY, gzip(br#"{"logFiles":[]}"#)).await;
    put(&s3, name, export_key, gzip(&findings_body(2))).await;
    if attached {
        let output = run(bin(&["attach", &format!("s3://{name}"), "--function-arn", FN_ARN, "--suffix", ".gz"])).await;
        assert!(output.status.success(), "{:?}", text(&output));
    } else {
        seed(&s3, name, aws_sdk_s3::types::NotificationConfiguration::builder().build()).await;
    }
}

async fn secret(name: &str, value: &str) -> String {
    let client = moto::secrets().await;
    let _ = client.delete_secret().secret_id(name).force_delete_without_recovery(true).send().await;
    client.create_secret().name(name).secret_string(value).send().await.unwrap().arn().unwrap().to_owned()
}

/// Runs doctor on `bucket` with the intake at `DD_URL` and `env`: (exit status 0, stdout),
/// checking the key never shows.
async fn doctor(intake: &TestIntake, bucket: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut command = bin(&["doctor", "--function-arn", FN_ARN, "--bucket", &format!("s3://{bucket}")]);
    command.env("DD_URL", intake.url()).envs(env.iter().copied());
    let output = run(command).await;
    let (stdout, stderr) = text(&output);
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY), "the key is never printed");
    // Shown with --nocapture: the report as a user reads it.
    println!("{stdout}exit status {}\n", output.status.code().unwrap_or(-1));
    (output.status.success(), stdout)
}

/// The template's GuardDuty and Macie rules, targeting the function, and a rule of another
/// function.
async fn finding_rules() {
    let events = moto::events().await;
    let other = FN_ARN.replace("security-log-forwarder", "someone-else");
    for (name, pattern, target) in [
        ("slf-doctor-guardduty", r#"{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]}"#, FN_ARN),
        ("slf-doctor-macie", r#"{"source":["aws.macie"],"detail-type":["Macie Finding"]}"#, FN_ARN),
        ("slf-doctor-other", r#"{"source":["aws.inspector2"],"detail-type":["Inspector2 Finding"]}"#, other.as_str()),
    ] {
        events.put_rule().name(name).event_pattern(pattern).send().await.unwrap();
        let target = aws_sdk_eventbridge::types::Target::builder().id("forwarder").arn(target).build().unwrap();
        events.put_targets().rule(name).targets(target).send().await.unwrap();
    }
}

fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout.lines().find(|l| l[4..].starts_with(name)).unwrap_or_else(|| panic!("no `{name}` line in\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_working_setup_passes_every_check() {
    let b = "slf-wiring-doctor-ok";
    bucket(b, true, NEWEST, EXPORT).await;
    finding_rules().await;
    // The GuardDuty rule matched 3 events two hours ago; the Macie rule never did.
    let matched_at = time::OffsetDateTime::now_utc().unix_timestamp() - 2 * 3600;
    moto::put_matched_events("slf-doctor-guardduty", matched_at, 3.0).await;
    let arn = secret("slf-wiring-doctor-key", &format!(r#"{{"api_key":"{KEY}"}}"#)).await;
    let intake = TestIntake::start(KEY).await;
    let (ok, stdout) = doctor(&intake, b, &[("DD_API_KEY_SECRET_ARN", &arn)]).await;
    assert!(ok, "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("✓ ") || l.starts_with("· ")), "{stdout}");
    assert!(!stdout.contains("slf-doctor-other"), "rules of other functions are not listed");
    let rule = line(&stdout, "finding rule: slf-doctor-guardduty");
    assert!(rule.contains("(ENABLED) sends GuardDuty; last matched "), "{stdout}");
    let last = rule.split("last matched ").nth(1).and_then(|rest| rest.split(' ').next()).unwrap();
    let last = time::OffsetDateTime::parse(last, &time::format_description::well_known::Rfc3339).unwrap();
    assert!((last.unix_timestamp() - matched_at).abs() <= 300, "the metric's time: {rule}");
    assert!(rule.ends_with("(3 events in 14 days)"), "{rule}");
    assert!(line(&stdout, "finding rule: slf-doctor-macie").ends_with("sends Macie; no match in 14 days"), "{stdout}");
    assert!(
        stdout.contains("· finding families not forwarded: GuardDuty Malware Protection, Security Hub"),
        "{stdout}"
    );
    assert!(line(&stdout, "API key:").contains("read from the secret slf-wiring-doctor-key"), "{stdout}");
    assert!(line(&stdout, "API key accepted").contains(&intake.addr().to_string()), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} notification")).contains("`security-log-forwarder-"), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} newest CloudTrail file")).contains(NEWEST), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} newest GuardDuty export")).contains("gzip"), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} digest files")).contains("1 among"), "{stdout}");
    let validations: Vec<_> = intake.requests().into_iter().filter(|r| r.path == "/api/v1/validate").collect();
    assert_eq!(validations.len(), 1);
    assert_eq!(validations[0].api_key.as_deref(), Some(KEY), "the key travels in the DD-API-KEY header");
    assert_eq!(validations[0].query, None, "never in the URL");
    assert!(intake.accepted_entries().is_empty(), "no logs sent");

    // CloudWatch out of reach: the rules' lines say so, and doctor still passes.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = format!("http://{closed}");
    let env = [("DD_API_KEY_SECRET_ARN", arn.as_str()), ("AWS_ENDPOINT_URL_CLOUDWATCH", &unreachable)];
    let (ok, stdout) = doctor(&intake, b, &env).await;
    assert!(ok, "{stdout}");
    let rule = line(&stdout, "finding rule: slf-doctor-guardduty");
    assert!(
        rule.starts_with("✓ ") && rule.contains(&format!("(CloudWatch not reachable: no answer from {unreachable}")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_the_intake_refuses_and_a_missing_secret() {
    let b = "slf-wiring-doctor-keys";
    bucket(b, true, NEWEST, EXPORT).await;
    let intake = TestIntake::start(KEY).await;
    let (ok, stdout) = doctor(&intake, b, &[("DD_API_KEY", "wrong0123456789")]).await;
    assert!(!ok);
    let refused = line(&stdout, "API key accepted");
    assert!(refused.starts_with("✗ ") && refused.contains("key rejected by 127.0.0.1") && refused.contains("HTTP 403"));
    assert!(!stdout.contains("wrong0123456789"));

    let (ok, stdout) = doctor(
        &intake,
        b,
        &[("DD_API_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:slf-wiring-gone-AbCdEf")],
    )
    .await;
    assert!(!ok);
    let missing = line(&stdout, "API key:");
    assert!(missing.starts_with("✗ ") && missing.contains("secret slf-wiring-gone-AbCdEf"), "{stdout}");
    assert!(missing.contains("fix: create the secret"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_without_notification_and_a_bad_setting() {
    let b = "slf-wiring-doctor-bare";
    bucket(b, false, NEWEST, EXPORT).await;
    finding_rules().await;
    let intake = TestIntake::start(KEY).await;
    let (ok, stdout) = doctor(&intake, b, &[("DD_API_KEY", KEY)]).await;
    assert!(!ok);
    let notification = line(&stdout, &format!("s3://{b} notification"));
    assert!(notification.starts_with("✗ ") && notification.contains("EventBridge delivery off"), "{stdout}");
    assert!(notification.contains(&format!("fix: security-log-forwarder attach s3://{b} --function-arn")));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("✗ ")).count(), 1, "{stdout}");

    let (ok, stdout) = doctor(&intake, b, &[("DD_SITE", "https://datadoghq.eu")]).await;
    assert!(!ok);
    assert!(
        stdout.starts_with("✗ configuration: invalid DD_SITE") && stdout.contains("fix: correct DD_SITE"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn objects_the_function_cannot_read_name_the_permission() {
    let b = "slf-wiring-doctor-denied";
    let trail = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/123456789012_CloudTrail_us-east-1_20261125T0005Z_fault-denied.json.gz";
    let export = "AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/25/fault-kms-disabled.jsonl.gz";
    bucket(b, true, trail, export).await;
    let proxy = S3Proxy::start(moto::endpoint()).await;
    let intake = TestIntake::start(KEY).await;
    let (ok, stdout) = doctor(&intake, b, &[("DD_API_KEY", KEY), ("AWS_ENDPOINT_URL", &proxy.url())]).await;
    assert!(!ok);
    let denied = line(&stdout, &format!("s3://{b} newest CloudTrail file"));
    assert!(denied.starts_with("✗ ") && denied.contains("AccessDenied") && denied.contains("s3:GetObject"), "{stdout}");
    let kms = line(&stdout, &format!("s3://{b} newest GuardDuty export"));
    assert!(kms.starts_with("✗ ") && kms.contains("kms:Decrypt") && kms.contains("KmsKeyArns"), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} readable")).starts_with("✓ "), "{stdout}");
}

#[tokio::test]
async fn routes_say_which_way_each_endpoint_goes_and_whether_it_connects() {
    // A stand-in proxy address that accepts connections and closes them: enough for a route
    // (DNS + TCP connect); the HTTP checks through it fail, as they should.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let accepting = tokio::spawn(async move {
        while let Ok((stream, _)) = proxy.accept().await {
            drop(stream);
        }
    });
    let intake = TestIntake::start(KEY).await;
    let intake_host = intake.url().replace("127.0.0.1", "localhost");
    let emulator = moto::endpoint().trim_start_matches("http://").to_owned();
    let run_doctor = || {
        let mut command = bin(&["doctor"]);
        command.envs([
            ("DD_API_KEY", KEY.to_owned()),
            ("DD_URL", intake_host.clone()),
            ("HTTPS_PROXY", format!("http://{proxy_addr}")),
            ("HTTP_PROXY", format!("http://{proxy_addr}")),
            ("NO_PROXY", "127.0.0.1".to_owned()),
        ]);
        run(command)
    };
    let (stdout, _) = text(&run_doctor().await);
    println!("{stdout}");
    let intake_port = intake.addr().port();
    let through = line(&stdout, &format!("route to Datadog intake (localhost:{intake_port})"));
    assert!(through.starts_with("✓"), "{through}");
    assert!(through.contains(&format!("through the proxy 127.0.0.1:{}", proxy_addr.port())), "{through}");
    let direct = line(&stdout, &format!("route to S3 ({emulator})"));
    assert!(direct.starts_with("✓") && direct.contains("direct") && direct.contains("private address"), "{direct}");
    assert!(line(&stdout, &format!("route to SQS ({emulator})")).starts_with("✓"));

    // The proxy goes away: the routes through it fail, and say why.
    accepting.abort();
    let _ = accepting.await;
    let (stdout, _) = text(&run_doctor().await);
    let broken = line(&stdout, &format!("route to Datadog intake (localhost:{intake_port})"));
    assert!(broken.starts_with("✗") && broken.contains("connection failed"), "{broken}");
    assert!(line(&stdout, &format!("route to S3 ({emulator})")).starts_with("✓"));
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_flow_logs_are_surveyed_and_read_as_the_function_reads_them() {
    let b = "slf-wiring-doctor-parquet";
    let s3 = moto::s3().await;
    moto::bucket(&s3, b).await;
    let hive = "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1";
    let key = |day: &str, hour: &str| {
        format!(
            "{hive}/year=2026/month=11/day={day}/hour={hour}/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_202611{day}T{hour}05Z_h{day}{hour}.log.parquet"
        )
    };
    // A minimal Parquet layout: the magic at both ends around a footer of 4 bytes.
    let parquet = |body: &[u8]| [b"PAR1".as_slice(), body, &[1, 2, 3, 4], &4u32.to_le_bytes(), b"PAR1"].concat();
    let newest = key("25", "07");
    for k in [key("24", "23"), key("25", "06"), newest.clone()] {
        put(&s3, b, &k, parquet(&[0; 100])).await;
    }
    let text = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/25/123456789012_vpcflowlogs_us-east-1_fl-1_20261125T0705Z_t.log.gz";
    put(&s3, b, text, gzip(b"version account-id interface-id\n")).await;
    seed(&s3, b, aws_sdk_s3::types::NotificationConfiguration::builder().build()).await;
    let intake = TestIntake::start(KEY).await;
    let (_, stdout) = doctor(&intake, b, &[("DD_API_KEY", KEY)]).await;
    let parquet_line = line(&stdout, &format!("s3://{b} newest vpc-parquet file readable (source:vpc)"));
    assert!(parquet_line.starts_with("✓ "), "{stdout}");
    assert!(parquet_line.contains(&newest) && parquet_line.contains("4-byte footer read by a ranged GET"), "{stdout}");
    assert!(line(&stdout, &format!("s3://{b} newest vpc file readable (source:vpc)")).contains("gzip"), "{stdout}");

    // A `.parquet` object that is not Parquet is named.
    let fake = key("26", "00");
    put(&s3, b, &fake, b"version account-id\n2 1 eni-1\n".to_vec()).await;
    let (ok, stdout) = doctor(&intake, b, &[("DD_API_KEY", KEY)]).await;
    assert!(!ok);
    let parquet_line = line(&stdout, &format!("s3://{b} newest vpc-parquet file readable"));
    assert!(parquet_line.starts_with("✗ ") && parquet_line.contains("is not a Parquet file"), "{stdout}");
}
