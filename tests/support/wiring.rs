//! The wiring commands (`attach`, `detach`, `doctor`) as a user runs them: the built binary
//! against the S3 emulator, and bucket notification configurations to seed and compare.

use std::process::{Command, Output};

use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter, TopicConfiguration,
};

/// The function every wiring test attaches.
pub const FN_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:security-log-forwarder";

/// The binary with no Datadog or Lambda variables from the caller's environment.
pub fn bin(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    for var in [
        "DD_API_KEY",
        "DD_API_KEY_SECRET_ARN",
        "DD_URL",
        "DD_SITE",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
        "DD_HTTP_PROXY_URL",
    ] {
        command.env_remove(var);
    }
    command.args(args);
    command
}

/// Runs `command` off the async runtime (so test servers on it keep answering).
pub async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

/// stdout and stderr, as text.
pub fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn filter(rules: &[(FilterRuleName, &str)]) -> NotificationConfigurationFilter {
    let rules = rules.iter().map(|(name, value)| FilterRule::builder().name(name.clone()).value(*value).build());
    NotificationConfigurationFilter::builder()
        .key(S3KeyFilter::builder().set_filter_rules(Some(rules.collect())).build())
        .build()
}

/// Another team's consumers: a SIEM queue (created, `siem/`), a topic (removed) and another
/// function (`Put`, `.csv`) — none overlapping `--prefix AWSLogs/ --suffix .json.gz`.
pub fn others() -> NotificationConfiguration {
    NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .id("siem-queue")
                .queue_arn("arn:aws:sqs:us-east-1:123456789012:siem")
                .events(Event::from("s3:ObjectCreated:*"))
                .filter(filter(&[(FilterRuleName::Prefix, "siem/")]))
                .build()
                .unwrap(),
        )
        .topic_configurations(
            TopicConfiguration::builder()
                .id("deletions")
                .topic_arn("arn:aws:sns:us-east-1:123456789012:deletions")
                .events(Event::from("s3:ObjectRemoved:*"))
                .build()
                .unwrap(),
        )
        .lambda_function_configurations(other_function("csv-loader", "s3:ObjectCreated:Put", ".csv"))
        .build()
}

/// A function configuration of another consumer.
pub fn other_function(id: &str, event: &str, suffix: &str) -> LambdaFunctionConfiguration {
    LambdaFunctionConfiguration::builder()
        .id(id)
        .lambda_function_arn(format!("arn:aws:lambda:us-east-1:123456789012:function:{id}"))
        .events(Event::from(event))
        .filter(filter(&[(FilterRuleName::Suffix, suffix)]))
        .build()
        .unwrap()
}

/// Creates `bucket` with `configuration`.
pub async fn seed(s3: &aws_sdk_s3::Client, bucket: &str, configuration: NotificationConfiguration) {
    super::moto::bucket(s3, bucket).await;
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(configuration)
        .send()
        .await
        .unwrap();
}

/// The bucket's configuration as S3 answers it.
pub async fn current(s3: &aws_sdk_s3::Client, bucket: &str) -> NotificationConfiguration {
    let out = s3.get_bucket_notification_configuration().bucket(bucket).send().await.unwrap();
    NotificationConfiguration::builder()
        .set_topic_configurations(Some(out.topic_configurations().to_vec()))
        .set_queue_configurations(Some(out.queue_configurations().to_vec()))
        .set_lambda_function_configurations(Some(out.lambda_function_configurations().to_vec()))
        .set_event_bridge_configuration(out.event_bridge_configuration().cloned())
        .build()
}
