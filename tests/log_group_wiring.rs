//! `attach` / `detach --log-group` against the CloudWatch Logs emulator. The emulator checks
//! that a subscription's Lambda destination exists, which needs its Lambda service: what it
//! can check here is listing groups by prefix, reading filters, detach on a group without ours,
//! and attach's error naming the group when CloudWatch Logs refuses. Keeping other consumers'
//! filters, refusing a full group and idempotence are checked on the decision itself
//! (`wiring::log_groups` unit tests).

mod support;

use security_log_forwarder::aws_sdk::SharedSdkConfig;
use security_log_forwarder::wiring::log_groups::LogGroups;

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:security-log-forwarder";

#[tokio::test]
async fn log_groups_in_the_emulator() {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(support::moto::endpoint())
        .load()
        .await;
    let client = aws_sdk_cloudwatchlogs::Client::new(&config);
    for group in ["/aws/eks/wiring-a/cluster", "/aws/eks/wiring-b/cluster"] {
        let _ = client.create_log_group().log_group_name(group).send().await;
    }
    let logs = LogGroups::new(&SharedSdkConfig::with_endpoint(support::moto::endpoint())).await;
    let found = logs.groups_with_prefix("/aws/eks/wiring-").await.unwrap();
    assert_eq!(found, ["/aws/eks/wiring-a/cluster", "/aws/eks/wiring-b/cluster"]);
    assert!(logs.filters("/aws/eks/wiring-a/cluster").await.unwrap().is_empty());
    logs.detach("/aws/eks/wiring-a/cluster", Some(FUNCTION), false).await.unwrap();
    let err = logs.attach("/aws/eks/wiring-a/cluster", FUNCTION, "", false).await.unwrap_err().to_string();
    assert!(err.starts_with("log group /aws/eks/wiring-a/cluster: cannot put our subscription filter"), "{err}");
    let err = logs.filters("/no/such/group").await.unwrap_err().to_string();
    assert!(err.contains("/no/such/group"), "{err}");
}
