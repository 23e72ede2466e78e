//! The S3 / Secrets Manager emulator (moto server) started by `scripts/test`, which exports
//! `AWS_ENDPOINT_URL` and test credentials. Helpers to seed buckets, objects and secrets.

use aws_sdk_s3::primitives::ByteStream;

/// The emulator's URL; fails with instructions when the test stack is not running.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with scripts/test, which starts the S3 emulator")
    })
}

async fn shared_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint()).load().await
}

/// An S3 client for the emulator.
pub async fn s3() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&shared_config().await).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A Secrets Manager client for the emulator.
pub async fn secrets() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&shared_config().await)
}

/// An EventBridge client for the emulator.
pub async fn events() -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&shared_config().await)
}

/// Creates `bucket` if it does not exist.
pub async fn bucket(s3: &aws_sdk_s3::Client, bucket: &str) {
    let _ = s3.create_bucket().bucket(bucket).send().await;
}

/// Uploads `body` to `bucket`/`key` (creating the bucket).
pub async fn put(s3: &aws_sdk_s3::Client, bucket_name: &str, key: &str, body: Vec<u8>) {
    bucket(s3, bucket_name).await;
    s3.put_object().bucket(bucket_name).key(key).body(ByteStream::from(body)).send().await.unwrap();
}

pub use super::gzip;

/// A CloudTrail file body with `n` records dated now.
pub fn cloudtrail_body(n: usize) -> Vec<u8> {
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let records: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"}},"eventTime":"{now}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{i}","requestID":"R{i}","eventID":"E{i}","recipientAccountId":"123456789012"}}"#
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(",")).into_bytes()
}

/// A GuardDuty export body (JSON Lines) with `n` findings.
pub fn findings_body(n: usize) -> Vec<u8> {
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            r#"{{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","id":"f{i}","type":"UnauthorizedAccess:EC2/SSHBruteForce","severity":{sev},"title":"SSH brute force {i}","updatedAt":"{now}","resource":{{"resourceType":"Instance","instanceDetails":{{"instanceId":"i-0{i:015x}"}}}},"service":{{"archived":false}}}}"#,
            sev = 2 + i % 8
        ));
        out.push('\n');
    }
    out.into_bytes()
}

pub const TRAIL_KEY: &str = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_Ab12Cd34Ef56Gh78.json.gz";
pub const DIGEST_KEY: &str = "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/24/123456789012_CloudTrail-Digest_us-east-1_management_us-east-1_20261124T120000Z.json.gz";
pub const EXPORT_KEY: &str =
    "AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/24/5f6a2c1e-3b1d-3c4e-9f0a-1b2c3d4e5f60.jsonl.gz";

/// Uploads the objects the sample events in events/ point at: 3 CloudTrail records, a
/// digest and a 5-finding export.
pub async fn seed_sample_objects() {
    let s3 = s3().await;
    put(&s3, "slf-cloudtrail", TRAIL_KEY, gzip(&cloudtrail_body(3))).await;
    put(&s3, "slf-cloudtrail", DIGEST_KEY, gzip(br#"{"awsAccountId":"123456789012","logFiles":[]}"#)).await;
    put(&s3, "slf-guardduty-export", EXPORT_KEY, gzip(&findings_body(5))).await;
}
