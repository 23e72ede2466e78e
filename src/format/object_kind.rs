//! What an S3 object holds: its kind, decided from its key by the table of sources
//! (`format::sources`, where the classification is), or from its first bytes when the key
//! says nothing.

/// The kinds of object the forwarder reads; each has one row in `format::sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A CloudTrail log file: one log per record.
    CloudTrail,
    /// A CloudTrail digest file: skipped (it holds hashes, not events).
    CloudTrailDigest,
    /// A CloudTrail Insights file: skipped.
    CloudTrailInsight,
    /// AWS Config history, snapshots and delivery checks: skipped.
    Config,
    /// A file AWS writes to check it can deliver (`ELBAccessLogTestFile`…): skipped.
    AwsCheck,
    /// A GuardDuty findings export (`…/GuardDuty/…`, JSON Lines): one log per finding.
    GuardDutyExport,
    /// VPC Flow Logs in text (`…/vpcflowlogs/…`, `aws-service=vpcflowlogs`): one log per
    /// record, the header skipped.
    VpcFlow,
    /// VPC Flow Logs in Parquet (`…_vpcflowlogs_….parquet`): one log per row.
    VpcFlowParquet,
    /// AWS WAF logs (JSON Lines, arrays flattened).
    Waf,
    /// Load balancer access and connection logs (ALB, NLB, Classic): raw lines.
    LoadBalancer,
    /// Route 53 Resolver query logs (JSON Lines).
    Route53Resolver,
    /// AWS Network Firewall alert, flow and TLS logs (JSON Lines).
    NetworkFirewall,
    /// CloudFront standard logs: raw lines, `#` headers skipped.
    CloudFront,
    /// S3 server access logs: raw lines.
    S3Access,
    /// EKS control plane audit log events (`kube-apiserver-audit-*` streams).
    EksAudit,
    /// EKS API server log events.
    EksApiServer,
    /// EKS scheduler log events.
    EksScheduler,
    /// EKS controller manager log events.
    EksControllerManager,
    /// EKS IAM authenticator log events.
    EksAuthenticator,
    /// Lambda function log events (`/aws/lambda/*` groups).
    Lambda,
    /// Any other CloudWatch Logs event.
    CloudWatchLogs,
    /// Anything else: one log per line.
    Lines,
    /// Anything else, when `DD_UNKNOWN_OBJECTS=skip`: skipped unless its first bytes tell.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::ObjectKind::{self, *};

    #[test]
    fn kinds_by_key() {
        for (key, kind) in [
            (
                "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_Ab12Cd34Ef56Gh78.json.gz",
                CloudTrail,
            ),
            (
                "p/AWSLogs/o-abc123/123456789012/CloudTrail/us-gov-west-1/2026/01/01/123456789012_CloudTrail_us-gov-west-1_20260101T0000Z_x.json.gz",
                CloudTrail,
            ),
            (
                "AWSLogs/123456789012/CloudTrail/cn-north-1/2026/01/01/123456789012_CloudTrail_cn-north-1_20260101T0000Z_x.json.gz",
                CloudTrail,
            ),
            (
                "AWSLogs/1/CloudTrail-Insight/us-east-1/2026/01/01/123456789012_CloudTrail-Insight_us-east-1_20260101T0000Z_x.json.gz",
                CloudTrailInsight,
            ),
            (
                "AWSLogs/123456789012/Config/us-east-1/2026/1/1/ConfigHistory/123456789012_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20260101T000000Z_20260101T060000Z_1.json.gz",
                Config,
            ),
            ("AWSLogs/123456789012/Config/ConfigWritabilityCheckFile", Config),
            ("AWSLogs/123456789012/ELBAccessLogTestFile", AwsCheck),
            (
                "AWSLogs/123456789012/WAFLogs/us-east-1/acl/2026/11/24/12/05/123456789012_waflogs_us-east-1_acl_20261124T1205Z_a1.log.gz",
                Waf,
            ),
            ("firehose/2026/11/24/12/aws-waf-logs-stream-1-2026-11-24-12-00-00-abc.gz", Waf),
            (
                "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/24/123456789012_elasticloadbalancing_us-east-1_app.my-lb.50dc6c495c0c9188_20261124T1205Z_10.0.0.1_abc.log.gz",
                LoadBalancer,
            ),
            (
                "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0abc/2026/11/24/vpc-0abc_vpcdnsquerylogs_123456789012_20261124T1205Z_ab.log.gz",
                Route53Resolver,
            ),
            (
                "AWSLogs/123456789012/network-firewall/alert/us-east-1/fw/2026/11/24/12/123456789012_network-firewall_alert_us-east-1_fw_202611241205_ab.log.gz",
                NetworkFirewall,
            ),
            ("cf-logs/E2K2S3MXEXAMPLE.2026-11-24-12.a1b2c3d4.gz", CloudFront),
            ("access/2026-11-24-12-05-10-1A2B3C4D5E6F7G8H", S3Access),
            ("access/123456789012/us-east-1/bucket/2026/11/24/2026-11-24-12-05-10-1A2B3C4D5E6F7G8H", S3Access),
            (
                "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20260101T000000Z.json.gz",
                CloudTrailDigest,
            ),
            ("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/renamed.json.gz", CloudTrailDigest),
            ("AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/24/5f6a2c1e.jsonl.gz", GuardDutyExport),
            ("GuardDuty/x.jsonl.gz", GuardDutyExport),
            ("logs/app_CloudTrail_notes.txt", Lines),
            ("elb/access.log.gz", Lines),
            ("logs/GuardDuty", Lines),
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261124T1200Z_1a2b3c4d.log.gz",
                VpcFlow,
            ),
            (
                "p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=24/hour=12/x.log.gz",
                VpcFlow,
            ),
            ("flows/123456789012_vpcflowlogs_eu-west-1_fl-1_20261124T1200Z_ab.log.gz", VpcFlow),
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261124T1200Z_1a2b3c4d.log.parquet",
                VpcFlowParquet,
            ),
        ] {
            assert_eq!(ObjectKind::of_key(key), kind, "{key}");
        }
    }

    #[test]
    fn kinds_by_first_bytes() {
        assert_eq!(ObjectKind::of_head(b"{\"Records\":[{\"eventVersion\""), Some(CloudTrail));
        assert_eq!(ObjectKind::of_head(b"#Version: 1.0\n#Fields: date time"), Some(CloudFront));
        assert_eq!(ObjectKind::of_head(b"{\"timestamp\":1,\"formatVersion\":1,\"webaclId\":\"a\"}\n"), Some(Waf));
        assert_eq!(ObjectKind::of_head(b"{\"version\":\"1.1\",\"query_name\":\"a.\"}"), Some(Route53Resolver));
        assert_eq!(ObjectKind::of_head(b"{\"firewall_name\":\"fw\",\"event\":{}}"), Some(NetworkFirewall));
        assert_eq!(ObjectKind::of_head(b"{\"fileVersion\":\"1.0\",\"configurationItems\":[]}"), Some(Config));
        assert_eq!(ObjectKind::of_head(b"hello\nworld"), None);
        assert_eq!(ObjectKind::of_head(b"version account-id interface-id srcaddr dstaddr"), Some(VpcFlow));
        assert_eq!(ObjectKind::of_head(b""), None);
    }
}
