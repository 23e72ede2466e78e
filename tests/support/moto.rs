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

/// Records `count` matches of the EventBridge rule `rule` at `at` (Unix seconds) in the
/// emulator's CloudWatch metric `AWS/Events` `MatchedEvents`, through CloudWatch's JSON
/// protocol (the emulator does not check signatures).
pub async fn put_matched_events(rule: &str, at: i64, count: f64) {
    let body = serde_json::json!({"Namespace": "AWS/Events", "MetricData": [{"MetricName": "MatchedEvents",
        "Dimensions": [{"Name": "RuleName", "Value": rule}], "Timestamp": at, "Value": count, "Unit": "Count"}]});
    let response = reqwest::Client::new()
        .post(format!("{}/", endpoint()))
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "GraniteServiceVersion20100801.PutMetricData")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "PutMetricData: HTTP {}", response.status());
}

/// A CloudWatch Logs client for the emulator.
pub async fn logs() -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&shared_config().await)
}

/// A Lambda client for the emulator.
pub async fn lambda() -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&shared_config().await)
}

/// The ARN of the function `name` in the emulator, created when missing (the emulator runs
/// no code: the zip is empty). CloudWatch Logs in the emulator puts a subscription filter
/// only to a function it holds, and Lambda there creates a function only with a role IAM
/// holds: the role is created first, with a plain IAM query request.
pub async fn lambda_function(name: &str) -> String {
    let lambda = lambda().await;
    if let Ok(found) = lambda.get_function_configuration().function_name(name).send().await {
        return found.function_arn().unwrap().to_owned();
    }
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let form = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName=slf-test-function&AssumeRolePolicyDocument={}",
        percent_encoding::utf8_percent_encode(trust, percent_encoding::NON_ALPHANUMERIC)
    );
    let _ = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(form)
        .send()
        .await
        .unwrap();
    // The smallest zip: an empty archive's end-of-central-directory record.
    let mut zip = b"PK\x05\x06".to_vec();
    zip.resize(22, 0);
    let created = lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::123456789012:role/slf-test-function")
        .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(zip.into()).build())
        .send()
        .await;
    match created {
        Ok(created) => created.function_arn().unwrap().to_owned(),
        // Created meanwhile by a test running alongside.
        Err(_) => {
            let found = lambda.get_function_configuration().function_name(name).send().await.unwrap();
            found.function_arn().unwrap().to_owned()
        }
    }
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

/// The log-archive objects the `s3-put-<kind>.json` events point at (made-up records of each
/// kind's shape), in `slf-log-archive`: key, content, gzipped.
pub const ARCHIVE_OBJECTS: &[(&str, &str, bool)] = &[
    (
        "AWSLogs/123456789012/WAFLogs/us-east-1/web-acl/2026/11/24/12/05/123456789012_waflogs_us-east-1_web-acl_20261124T1205Z_3f2a9c1d.log.gz",
        concat!(
            r#"{"timestamp":1795953900000,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web-acl/1b2c","terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW","httpSourceName":"ALB","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesCommonRuleSet","terminatingRule":null,"nonTerminatingMatchingRules":[],"excludedRules":null}],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"httpRequest":{"clientIp":"198.51.100.7","country":"US","headers":[{"name":"Host","value":"shop.example.com"},{"name":"Cookie","value":"a=1"},{"name":"Cookie","value":"b=2"}],"uri":"/","args":"","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"1-6743-abc"}}"#,
            "\n",
            r#"{"timestamp":1795953901000,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web-acl/1b2c","terminatingRuleId":"AWS-AWSManagedRulesSQLiRuleSet","terminatingRuleType":"MANAGED_RULE_GROUP","action":"BLOCK","httpSourceName":"ALB","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesSQLiRuleSet","terminatingRule":{"ruleId":"SQLi_QUERYARGUMENTS","action":"BLOCK"},"nonTerminatingMatchingRules":[],"excludedRules":null}],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"httpRequest":{"clientIp":"203.0.113.9","country":"FR","headers":[{"name":"Host","value":"shop.example.com"}],"uri":"/search","args":"q=1%27%20OR%201=1","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"1-6743-abd"}}"#,
            "\n"
        ),
        true,
    ),
    (
        "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/24/123456789012_elasticloadbalancing_us-east-1_app.my-alb.50dc6c495c0c9188_20261124T1205Z_198.51.100.10_2kx8fq1z.log.gz",
        concat!(
            r#"https 2026-11-24T12:04:58.123456Z app/my-alb/50dc6c495c0c9188 198.51.100.7:52144 10.0.1.23:8080 0.001 0.012 0.000 200 200 231 5120 "GET https://shop.example.com:443/ HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-6743-abc" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678" 0 2026-11-24T12:04:58.110000Z "forward" "-" "-" "10.0.1.23:8080" "200" "-" "-""#,
            "\n",
            r#"https 2026-11-24T12:04:59.223456Z app/my-alb/50dc6c495c0c9188 203.0.113.9:40112 10.0.1.23:8080 0.001 0.003 0.000 404 404 198 120 "GET https://shop.example.com:443/.env HTTP/1.1" "sqlmap/1.7" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-6743-abd" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678" 0 2026-11-24T12:04:59.220000Z "forward" "-" "-" "10.0.1.23:8080" "404" "-" "-""#,
            "\n"
        ),
        true,
    ),
    (
        "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d/2026/11/24/vpc-0a1b2c3d_vpcdnsquerylogs_123456789012_20261124T1205Z_7e1f2a3b.log.gz",
        concat!(
            r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d","query_timestamp":"2026-11-24T12:04:57Z","query_name":"shop.example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"198.51.100.20","Type":"A","Class":"IN"}],"srcaddr":"10.0.1.23","srcport":"53124","transport":"UDP","srcids":{"instance":"i-0a1b2c3d4e5f60718"}}"#,
            "\n",
            r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d","query_timestamp":"2026-11-24T12:04:58Z","query_name":"pool.miner.example.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.1.23","srcport":"53125","transport":"UDP","srcids":{"instance":"i-0a1b2c3d4e5f60718"}}"#,
            "\n"
        ),
        true,
    ),
    (
        "AWSLogs/123456789012/network-firewall/alert/us-east-1/edge-fw/2026/11/24/12/123456789012_network-firewall_alert_us-east-1_edge-fw_202611241205_9c1d2e3f.log.gz",
        concat!(
            r#"{"firewall_name":"edge-fw","availability_zone":"us-east-1a","event_timestamp":"1795953897","event":{"timestamp":"2026-11-24T12:04:57.000000+0000","flow_id":110,"event_type":"alert","src_ip":"10.0.1.23","src_port":40112,"dest_ip":"203.0.113.50","dest_port":443,"proto":"TCP","alert":{"action":"blocked","signature_id":5,"rev":0,"signature":"deny bad domain","category":"","severity":1},"tls":{"sni":"bad.example.net","version":"TLS 1.2"}}}"#,
            "\n"
        ),
        true,
    ),
    (
        "cloudfront/E2K2S3MXEXAMPLE.2026-11-24-12.a1b2c3d4.gz",
        concat!(
            "#Version: 1.0\n",
            "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status\n",
            "2026-11-24\t12:04:56\tLAX1-C1\t392\t198.51.100.7\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\n",
            "2026-11-24\t12:04:57\tLAX1-C1\t390\t203.0.113.9\tGET\td111111abcdef8.cloudfront.net\t/wp-login.php\t404\n"
        ),
        true,
    ),
    (
        "s3-access/2026-11-24-12-05-10-1A2B3C4D5E6F7A8B",
        concat!(
            r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shop-assets [24/Nov/2026:12:04:56 +0000] 198.51.100.7 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT logo.png "GET /shop-assets/logo.png HTTP/1.1" 200 - 2662992 3462992 70 10 "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shop-assets.s3.us-east-1.amazonaws.com TLSV1.2 - -"#,
            "\n",
            r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shop-assets [24/Nov/2026:12:04:58 +0000] 203.0.113.9 - 3E57427F3EXAMPLF REST.GET.OBJECT private/db.sql "GET /shop-assets/private/db.sql HTTP/1.1" 403 AccessDenied 243 - 12 - "-" "curl/8.5.0" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31235= - - - shop-assets.s3.us-east-1.amazonaws.com - - -"#,
            "\n"
        ),
        false,
    ),
    (
        "AWSLogs/123456789012/Config/us-east-1/2026/11/24/ConfigSnapshot/123456789012_Config_us-east-1_ConfigSnapshot_20261124T120510Z_a1b2c3d4.json.gz",
        r#"{"fileVersion":"1.0","configSnapshotId":"a1b2","configurationItems":[]}"#,
        true,
    ),
];

/// The VPC flow log `events/s3-put-vpcflow.json` points at, in `slf-vpcflow`.
pub const VPC_FLOW_KEY: &str = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20261124T1205Z_8c1f2e3d.log.gz";

/// Uploads the objects the sample events in events/ point at: 3 CloudTrail records, a
/// digest, a 5-finding export, one object of each log-archive kind and a VPC flow log.
pub async fn seed_sample_objects() {
    let s3 = s3().await;
    for (key, body, gzipped) in ARCHIVE_OBJECTS {
        let body = if *gzipped { gzip(body.as_bytes()) } else { body.as_bytes().to_vec() };
        put(&s3, "slf-log-archive", key, body).await;
    }
    put(&s3, "slf-cloudtrail", TRAIL_KEY, gzip(&cloudtrail_body(3))).await;
    put(&s3, "slf-cloudtrail", DIGEST_KEY, gzip(br#"{"awsAccountId":"123456789012","logFiles":[]}"#)).await;
    put(&s3, "slf-guardduty-export", EXPORT_KEY, gzip(&findings_body(5))).await;
    let flow = concat!(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
        "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.7 443 49152 6 10 840 1795953840 1795953900 ACCEPT OK\n",
        "2 123456789012 eni-0a1b2c3d4e5f60718 203.0.113.9 10.0.1.5 49153 22 6 1 40 1795953840 1795953900 REJECT OK\n",
    );
    put(&s3, "slf-vpcflow", VPC_FLOW_KEY, gzip(flow.as_bytes())).await;
}
