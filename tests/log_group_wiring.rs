//! `attach` / `detach --log-group`, `--account-policy` and `doctor --log-group` as a user runs
//! them, against the CloudWatch Logs and Lambda emulator: the functions are created in the
//! emulator first (it puts a subscription filter only to a function it holds). Account
//! policies go through `support::logs_policies`, since the emulator has none.

mod support;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use security_log_forwarder::aws_sdk::SharedSdkConfig;
use security_log_forwarder::wiring::log_groups::{FILTER_NAME, LogGroups};
use support::logs_policies::LogsPolicies;
use support::moto;
use support::wiring::{bin, run, text};

/// The function the tests attach, and another consumer's.
const OURS: &str = "slf-logs-forwarder";
const OTHER: &str = "slf-logs-siem";

/// The group's filters as (name, destination, creation time).
async fn filters(group: &str) -> Vec<(String, String, i64)> {
    let out = moto::logs().await.describe_subscription_filters().log_group_name(group).send().await.unwrap();
    let mut filters: Vec<_> = out
        .subscription_filters()
        .iter()
        .map(|f| {
            let name = f.filter_name().unwrap().to_owned();
            (name, f.destination_arn().unwrap().to_owned(), f.creation_time().unwrap_or_default())
        })
        .collect();
    filters.sort();
    filters
}

/// A fresh group holding the `others` filters, all to the other consumer's function.
async fn group(name: &str, others: &[&str]) {
    let logs = moto::logs().await;
    let _ = logs.delete_log_group().log_group_name(name).send().await;
    logs.create_log_group().log_group_name(name).send().await.unwrap();
    let other = moto::lambda_function(OTHER).await;
    for filter in others {
        let put = logs.put_subscription_filter().log_group_name(name).filter_name(*filter);
        put.filter_pattern("").destination_arn(&other).send().await.unwrap();
    }
}

/// Runs the binary with `args` (and `endpoint` as AWS_ENDPOINT_URL when given): (success, stdout + stderr).
async fn cli(args: &[&str], endpoint: Option<&str>) -> (bool, String) {
    let mut command = bin(args);
    if let Some(endpoint) = endpoint {
        command.env("AWS_ENDPOINT_URL", endpoint);
    }
    let output = run(command).await;
    let (stdout, stderr) = text(&output);
    println!("$ {}\n{stdout}{stderr}", args.join(" "));
    (output.status.success(), format!("{stdout}{stderr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_keeps_other_filters_refuses_a_full_group_and_changes_nothing_twice() {
    let arn = moto::lambda_function(OURS).await;
    let (one, full) = ("/slf/wiring/one-other", "/slf/wiring/full");
    group(one, &["siem"]).await;
    group(full, &["siem", "archive"]).await;

    let (ok, out) = cli(&["attach", "--log-group", one, "--function-arn", &arn], None).await;
    assert!(ok && out.contains("subscription filter security-log-forwarder put"), "{out}");
    let after = filters(one).await;
    let names: Vec<&str> = after.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, [FILTER_NAME, "siem"], "the other consumer's filter is kept");
    assert_eq!(after[0].1, arn);

    let (ok, out) = cli(&["attach", "--log-group", one, "--function-arn", &arn], None).await;
    assert!(ok && out.contains("already there"), "{out}");
    assert_eq!(filters(one).await, after, "a second attach changes nothing (same filters, same creation times)");

    let before = filters(full).await;
    let (ok, out) = cli(&["attach", "--log-group", full, "--function-arn", &arn], None).await;
    assert!(
        !ok && out.contains("both subscription filter slots are taken by other consumers (siem, archive)"),
        "{out}"
    );
    assert_eq!(filters(full).await, before, "a full group is left as it was");

    let (ok, out) = cli(&["detach", "--log-group-prefix", "/slf/wiring/", "--function-arn", &arn], None).await;
    assert!(ok && out.contains(&format!("{one}: subscription filter {FILTER_NAME} deleted")), "{out}");
    assert!(out.contains(&format!("{full}: no subscription filter of ours")), "{out}");
    let left: Vec<String> = filters(one).await.into_iter().map(|f| f.0).collect();
    assert_eq!(left, ["siem"], "detach removes only ours");
    assert_eq!(filters(full).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn log_groups_by_prefix_and_errors_naming_the_group() {
    for name in ["/aws/eks/wiring-a/cluster", "/aws/eks/wiring-b/cluster"] {
        group(name, &[]).await;
    }
    let logs = LogGroups::new(&SharedSdkConfig::with_endpoint(moto::endpoint())).await;
    let found = logs.groups_with_prefix("/aws/eks/wiring-").await.unwrap();
    assert_eq!(found, ["/aws/eks/wiring-a/cluster", "/aws/eks/wiring-b/cluster"]);
    let arn = moto::lambda_function(OURS).await;
    let (ok, out) =
        cli(&["attach", "--log-group-prefix", "/aws/eks/wiring-", "--function-arn", &arn, "--dry-run"], None).await;
    assert!(ok && out.contains("2 log groups start with \"/aws/eks/wiring-\""), "{out}");
    assert!(filters("/aws/eks/wiring-a/cluster").await.is_empty(), "a dry run writes nothing");
    let missing = arn.replace(OURS, "slf-no-such-function");
    let err = logs.attach("/aws/eks/wiring-a/cluster", &missing, "", false).await.unwrap_err().to_string();
    assert!(err.starts_with("log group /aws/eks/wiring-a/cluster: cannot put our subscription filter"), "{err}");
    let err = logs.filters("/no/such/group").await.unwrap_err().to_string();
    assert!(err.contains("/no/such/group"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_account_policy_excludes_our_group_and_never_takes_another_consumers() {
    let arn = moto::lambda_function(OURS).await;
    let server = LogsPolicies::start(moto::endpoint()).await;
    let url = server.url();
    let attach = [
        "attach",
        "--account-policy",
        "--function-arn",
        &arn,
        "--exclude-log-group",
        "/noisy/debug",
        "--selection-criteria",
        r#"LogGroupName NOT IN ["/aws/lambda/other-tool"]"#,
    ];
    let (ok, out) = cli(&[&attach[..], &["--dry-run"]].concat(), Some(&url)).await;
    assert!(ok && out.contains("would put") && server.policies().is_empty(), "a dry run writes nothing: {out}");

    let (ok, out) = cli(&attach, Some(&url)).await;
    assert!(ok, "{out}");
    let policy = &server.policies()[FILTER_NAME];
    let excluded = format!(r#"LogGroupName NOT IN ["/aws/lambda/other-tool","/aws/lambda/{OURS}","/noisy/debug"]"#);
    assert_eq!(policy["selectionCriteria"], excluded.as_str(), "the function's own group is always excluded");
    let document: serde_json::Value = serde_json::from_str(policy["policyDocument"].as_str().unwrap()).unwrap();
    assert_eq!(document, serde_json::json!({ "DestinationArn": arn, "FilterPattern": "" }));

    let (ok, out) = cli(&attach, Some(&url)).await;
    assert!(ok && out.contains("already there") && server.puts() == 1, "idempotent: {out}");
    let (ok, _) =
        cli(&["attach", "--account-policy", "--function-arn", &arn, "--filter-pattern", "ERROR"], Some(&url)).await;
    assert!(ok && server.puts() == 2, "a new pattern replaces ours");

    let (ok, out) = cli(&["detach", "--account-policy", "--function-arn", &arn], Some(&url)).await;
    assert!(ok && out.contains("deleted") && server.policies().is_empty(), "{out}");

    // Another consumer's policy, under our name or another: refused, and left alone.
    for name in [FILTER_NAME, "org-siem"] {
        let server = LogsPolicies::start(moto::endpoint()).await;
        server.seed(name, "arn:aws:logs:us-east-1:999999999999:destination:siem");
        let before = server.policies();
        let (ok, out) = cli(&attach, Some(&server.url())).await;
        assert!(!ok && out.contains("destination:siem") && out.contains("nothing changed"), "{out}");
        let (ok, out) = cli(&["detach", "--account-policy", "--function-arn", &arn], Some(&server.url())).await;
        assert_eq!(ok, name != FILTER_NAME, "{out}");
        assert_eq!(server.policies(), before, "{name}: left as it was");
    }
    let (ok, out) = cli(
        &["attach", "--account-policy", "--function-arn", &arn, "--selection-criteria", "LogGroupName IN [\"a\"]"],
        Some(&url),
    )
    .await;
    assert!(!ok && out.contains("NOT IN"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_on_a_subscribed_and_an_unsubscribed_group() {
    let arn = moto::lambda_function(OURS).await;
    let (subscribed, unsubscribed) = ("/slf/doctor/subscribed", "/slf/doctor/unsubscribed");
    group(subscribed, &["siem"]).await;
    group(unsubscribed, &[]).await;
    let lambda = moto::lambda().await;
    let _ = lambda.remove_permission().function_name(OURS).statement_id("logs").send().await;
    lambda
        .add_permission()
        .function_name(OURS)
        .statement_id("logs")
        .action("lambda:InvokeFunction")
        .principal("logs.amazonaws.com")
        .source_account("123456789012")
        .source_arn("arn:aws:logs:us-east-1:123456789012:log-group:*")
        .send()
        .await
        .unwrap();
    let (ok, out) = cli(&["attach", "--log-group", subscribed, "--function-arn", &arn], None).await;
    assert!(ok, "{out}");
    let logs = moto::logs().await;
    logs.create_log_stream().log_group_name(subscribed).log_stream_name("s").send().await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let event = InputLogEvent::builder().timestamp(now - 90_000).message("hello").build().unwrap();
    logs.put_log_events().log_group_name(subscribed).log_stream_name("s").log_events(event).send().await.unwrap();

    let doctor = |function: String| async move {
        let args = ["doctor", "--function-arn", &function, "--log-group", subscribed, "--log-group", unsubscribed];
        cli(&args, None).await
    };
    let (ok, out) = doctor(arn.clone()).await;
    assert!(!ok, "a group is not subscribed");
    let line = |text: &str| {
        out.lines().find(|l| l.contains(text)).unwrap_or_else(|| panic!("no {text:?} in\n{out}")).to_owned()
    };
    assert_eq!(
        line(&format!("log group {subscribed} subscription")),
        format!("✓ log group {subscribed} subscription: filter {FILTER_NAME} -> {arn}, every event (empty pattern)")
    );
    assert!(
        line(&format!("log group {subscribed} may invoke")).starts_with("✓ ")
            && out.contains("allowed by logs (SourceArn"),
        "{out}"
    );
    let newest = line(&format!("log group {subscribed} newest event"));
    assert!(newest.starts_with("✓ ") && newest.contains("(1 min"), "{newest}");
    assert_eq!(
        line(&format!("log group {unsubscribed} subscription")),
        format!(
            "✗ log group {unsubscribed} subscription: no subscription filter to the function (it has none) — fix: security-log-forwarder attach --log-group {unsubscribed} --function-arn {arn}"
        )
    );
    assert!(line(&format!("log group {unsubscribed}: no event stored yet")).starts_with("· "), "{out}");

    // A function CloudWatch Logs may not invoke, and one that cannot be reached.
    let bare = moto::lambda_function("slf-logs-no-permission").await;
    let (_, out) = doctor(bare).await;
    assert!(
        out.contains(&format!("✗ log group {subscribed} may invoke the function: the function has no resource policy")),
        "{out}"
    );
    let (_, out) = doctor(arn.replace(OURS, "slf-logs-missing")).await;
    assert!(out.contains("cannot be reached") && out.contains("is not checked"), "{out}");
    assert!(!out.lines().any(|l| !l.starts_with("· ") && l.contains("may invoke the function:")), "{out}");
}
