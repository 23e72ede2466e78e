//! `attach` and `detach` against the S3 emulator: every other consumer's configuration (a
//! queue, a topic, another function) is kept exactly; a second `attach` writes nothing; an
//! overlapping consumer is refused with the EventBridge advice and the bucket unchanged;
//! `--via eventbridge` keeps the others; `detach` removes only ours; `--dry-run` writes
//! nothing.

mod support;

use aws_sdk_s3::types::{FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration};
use support::moto;
use support::wiring::{FN_ARN, bin, current, other_function, others, run, seed, text};

const FILTER: [&str; 4] = ["--prefix", "AWSLogs/", "--suffix", ".json.gz"];

async fn attach(bucket: &str, extra: &[&str]) -> (bool, String, String) {
    let url = format!("s3://{bucket}");
    let mut args = vec!["attach", url.as_str(), "--function-arn", FN_ARN];
    args.extend_from_slice(extra);
    let output = run(bin(&args)).await;
    let (stdout, stderr) = text(&output);
    (output.status.success(), stdout, stderr)
}

/// A bucket with the other consumers and ours.
async fn seed_and_attach(s3: &aws_sdk_s3::Client, bucket: &str) {
    seed(s3, bucket, others()).await;
    let (ok, _, stderr) = attach(bucket, &FILTER).await;
    assert!(ok, "{stderr}");
}

/// Our configuration in `configuration`, asserting the others are exactly `others()`'s.
fn ours_beside_the_others(configuration: &NotificationConfiguration) -> Vec<LambdaFunctionConfiguration> {
    let expected = others();
    assert_eq!(configuration.queue_configurations(), expected.queue_configurations());
    assert_eq!(configuration.topic_configurations(), expected.topic_configurations());
    let (theirs, ours): (Vec<_>, Vec<_>) =
        configuration.lambda_function_configurations().iter().cloned().partition(|c| c.id() == Some("csv-loader"));
    assert_eq!(theirs, expected.lambda_function_configurations());
    ours
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_keeps_the_queue_the_topic_and_the_other_function_and_twice_changes_nothing() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-attach";
    seed(&s3, bucket, others()).await;

    let mut dry = FILTER.to_vec();
    dry.push("--dry-run");
    let (ok, stdout, stderr) = attach(bucket, &dry).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("notification configuration now:") && stdout.contains("after (dry run"), "{stdout}");
    assert!(stdout.contains(r#""Id": "security-log-forwarder-"#), "the after shows ours: {stdout}");
    assert!(ours_beside_the_others(&current(&s3, bucket).await).is_empty(), "a dry run writes nothing");

    let (ok, stdout, stderr) = attach(bucket, &FILTER).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("attached `security-log-forwarder-") && stdout.contains("3 other configuration(s) kept"));
    let after = current(&s3, bucket).await;
    let ours = ours_beside_the_others(&after);
    assert_eq!(ours.len(), 1);
    assert!(ours[0].id().is_some_and(|id| id.starts_with("security-log-forwarder-")), "{:?}", ours[0].id());
    assert_eq!(ours[0].lambda_function_arn(), FN_ARN);
    assert_eq!(ours[0].events().iter().map(|e| e.as_str()).collect::<Vec<_>>(), ["s3:ObjectCreated:*"]);
    let rules = ours[0].filter().unwrap().key().unwrap().filter_rules();
    let rules: Vec<_> = rules.iter().map(|r| (r.name().unwrap().as_str(), r.value().unwrap())).collect();
    assert_eq!(rules, [("prefix", "AWSLogs/"), ("suffix", ".json.gz")]);

    let (ok, stdout, _) = attach(bucket, &FILTER).await;
    assert!(ok && stdout.contains("already attached") && stdout.contains("nothing written"), "{stdout}");
    assert_eq!(current(&s3, bucket).await, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_twice_with_two_suffixes_keeps_both_and_another_functions_lookalike() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-two-suffixes";
    let mut configuration = others();
    let lookalike = other_function("security-log-forwarder-x", "s3:ObjectCreated:*", ".csv.gz");
    configuration.lambda_function_configurations.get_or_insert_with(Vec::new).push(lookalike.clone());
    seed(&s3, bucket, configuration).await;

    let (ok, _, stderr) = attach(bucket, &FILTER).await;
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = attach(bucket, &["--prefix", "AWSLogs/", "--suffix", ".log.gz"]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("4 other configuration(s) kept"), "{stdout}");
    let after = current(&s3, bucket).await;
    let functions = after.lambda_function_configurations();
    assert!(functions.contains(&lookalike), "another function's configuration is not ours: {functions:?}");
    let suffixes: Vec<&str> = functions
        .iter()
        .filter(|c| c.lambda_function_arn() == FN_ARN)
        .flat_map(|c| c.filter().unwrap().key().unwrap().filter_rules())
        .filter(|r| r.name() == Some(&FilterRuleName::Suffix))
        .map(|r| r.value().unwrap())
        .collect();
    assert_eq!(suffixes, [".json.gz", ".log.gz"], "both of ours kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overlapping_consumer_is_refused_with_the_eventbridge_advice_and_the_bucket_is_unchanged() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-overlap";
    let mut configuration = others();
    let gz = other_function("gz-archiver", "s3:ObjectCreated:Put", ".gz");
    configuration.lambda_function_configurations.get_or_insert_with(Vec::new).push(gz);
    seed(&s3, bucket, configuration).await;
    let before = current(&s3, bucket).await;

    let (ok, stdout, stderr) = attach(bucket, &FILTER).await;
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("`gz-archiver` (function arn:aws:lambda:us-east-1:123456789012:function:gz-archiver)"),
        "{stderr}"
    );
    assert!(stderr.contains("--via eventbridge") && stderr.contains("the bucket is unchanged"), "{stderr}");
    assert_eq!(current(&s3, bucket).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn via_eventbridge_keeps_the_others_and_drops_our_function_route() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-eventbridge";
    seed_and_attach(&s3, bucket).await;

    let (ok, stdout, stderr) = attach(bucket, &["--via", "eventbridge"]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("EventBridge delivery on; 3 other configuration(s) kept"), "{stdout}");
    assert!(stdout.contains("removed our function configuration"), "{stdout}");
    assert!(stdout.contains("EnableS3EventBridgeRule=true"), "{stdout}");
    // The emulator keeps EventBridgeConfiguration but does not return it on reads, so only
    // the others (and that ours is gone) can be checked here; the merge itself is unit-tested.
    assert!(ours_beside_the_others(&current(&s3, bucket).await).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn detach_removes_only_ours() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-detach";
    seed_and_attach(&s3, bucket).await;

    let output = run(bin(&["detach", &format!("s3://{bucket}")])).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("removed `security-log-forwarder-") && stdout.contains("3 other configuration(s) kept"));
    assert_eq!(current(&s3, bucket).await, others());

    let output = run(bin(&["detach", &format!("s3://{bucket}"), "--function-arn", FN_ARN])).await;
    let (stdout, _) = text(&output);
    assert!(output.status.success() && stdout.contains("no configuration of ours"), "{stdout}");
    assert_eq!(current(&s3, bucket).await, others());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_without_any_configuration_gets_ours_alone() {
    let s3 = moto::s3().await;
    let bucket = "slf-wiring-fresh";
    seed(&s3, bucket, NotificationConfiguration::builder().build()).await;
    let (ok, stdout, stderr) = attach(bucket, &["--suffix", ".json.gz"]).await;
    assert!(ok && stdout.contains("0 other configuration(s) kept"), "{stdout}{stderr}");
    let after = current(&s3, bucket).await;
    assert!(after.queue_configurations().is_empty() && after.topic_configurations().is_empty());
    assert_eq!(after.lambda_function_configurations().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_arguments_and_a_missing_bucket_are_named() {
    let (ok, _, stderr) = attach("slf-wiring-no-such-bucket", &FILTER).await;
    assert!(!ok && stderr.contains("s3://slf-wiring-no-such-bucket: NoSuchBucket"), "{stderr}");
    let output = run(bin(&["attach", "s3://slf-wiring-attach", "--function-arn", "my-function"])).await;
    assert!(!output.status.success() && text(&output).1.contains("is not a Lambda function ARN"));
    let output = run(bin(&["attach", "s3://slf-wiring-attach"])).await;
    assert!(!output.status.success() && text(&output).1.contains("attach needs --function-arn"));
}
