//! `plan` walks the date layout of every kind of the table of sources against the S3
//! emulator: for each layout, the plan of a window lists exactly the objects of the window
//! (and no others), with a handful of LIST requests — VPC Flow Logs (plain and Hive-style),
//! WAF, load balancers, Route 53 Resolver, Network Firewall (its Region after the log type),
//! CloudFront and S3 server access logs (plain and partitioned).

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use futures_util::stream::{self, StreamExt};

const ACCOUNT: &str = "111111111111";
const HIVE_ACCOUNT: &str = "222222222222";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// 2026-09-01 to 2026-09-05, a file every six hours.
const DAYS: std::ops::RangeInclusive<u32> = 1..=5;
const HOURS: [u32; 4] = [0, 6, 12, 18];
/// The window planned: 2026-09-02 and 2026-09-03.
const WINDOW: [&str; 4] = ["--since", "2026-09-02", "--until", "2026-09-04"];

/// One key per (region, day, hour) of a layout: `key(region, day, hour)`.
fn keys(key: impl Fn(&str, u32, u32) -> String) -> Vec<String> {
    let mut keys = Vec::new();
    for region in REGIONS {
        for day in DAYS {
            for hour in HOURS {
                keys.push(key(region, day, hour));
            }
        }
    }
    keys
}

/// Every layout's keys, by kind name.
fn layouts() -> Vec<(&'static str, Vec<String>)> {
    let a = ACCOUNT;
    vec![
        (
            "vpc",
            keys(|r, d, h| {
                format!(
                    "AWSLogs/{a}/vpcflowlogs/{r}/2026/09/{d:02}/{h:02}/{a}_vpcflowlogs_{r}_fl-1_202609{d:02}T{h:02}05Z_a.log.gz"
                )
            }),
        ),
        (
            "vpc-hive",
            keys(|r, d, h| {
                let a = HIVE_ACCOUNT;
                format!(
                    "AWSLogs/aws-account-id={a}/aws-service=vpcflowlogs/aws-region={r}/year=2026/month=09/day={d:02}/hour={h:02}/{a}_vpcflowlogs_{r}_fl-2_202609{d:02}T{h:02}05Z_b.log.parquet"
                )
            }),
        ),
        (
            "waf",
            keys(|r, d, h| {
                format!(
                    "AWSLogs/{a}/WAFLogs/{r}/acl-1/2026/09/{d:02}/{h:02}/05/{a}_waflogs_{r}_acl-1_202609{d:02}T{h:02}05Z_c.log.gz"
                )
            }),
        ),
        (
            "elb",
            keys(|r, d, h| {
                format!(
                    "AWSLogs/{a}/elasticloadbalancing/{r}/2026/09/{d:02}/{a}_elasticloadbalancing_{r}_app.lb.1f2e_202609{d:02}T{h:02}05Z_10.0.0.1_d.log.gz"
                )
            }),
        ),
        (
            "route53",
            keys(|r, d, h| {
                let vpc = if r == REGIONS[0] { "vpc-0a1b2c" } else { "vpc-0d4e5f" };
                format!(
                    "AWSLogs/{a}/vpcdnsquerylogs/{vpc}/2026/09/{d:02}/{a}_vpcdnsquerylogs_{vpc}_202609{d:02}T{h:02}05Z_e.log.gz"
                )
            }),
        ),
        (
            "network-firewall",
            keys(|r, d, h| {
                let kind = if h < 12 { "alert" } else { "flow" };
                format!(
                    "AWSLogs/{a}/network-firewall/{kind}/{r}/fw-1/2026/09/{d:02}/{h:02}/{a}_network-firewall_{kind}_{r}_fw-1_202609{d:02}T{h:02}05Z_f.log.gz"
                )
            }),
        ),
        (
            "cloudfront",
            keys(|r, d, h| {
                let distribution = if r == REGIONS[0] { "E2ABCDEF123456" } else { "E9ZYXWV8765432" };
                format!("cf-logs/{distribution}.2026-09-{d:02}-{h:02}.a1b2c3d4.gz")
            }),
        ),
        (
            "s3-access",
            keys(|r, d, h| {
                if r == REGIONS[0] {
                    format!("access/2026-09-{d:02}-{h:02}-05-00-0A1B2C3D4E5F6A{d}{h}")
                } else {
                    format!("access/{a}/{r}/my-bucket/2026/09/{d:02}/2026-09-{d:02}-{h:02}-05-00-0B1B2C3D4E5F6A{d}{h}")
                }
            }),
        ),
    ]
}

/// Whether a key of [`layouts`] is in [`WINDOW`].
fn in_window(key: &str) -> bool {
    ["2026/09/02/", "2026/09/03/", "day=02/", "day=03/", ".2026-09-02-", ".2026-09-03-", "2026-09-02-", "2026-09-03-"]
        .iter()
        .any(|day| key.contains(day))
}

async fn seeded(bucket: &str) {
    if support::moto::endpoint().is_empty() {
        panic!("the S3 emulator is needed: run scripts/test");
    }
    let s3 = support::moto::s3().await;
    support::moto::bucket(&s3, bucket).await;
    let s3 = &s3;
    let objects: Vec<String> = layouts().into_iter().flat_map(|(_, keys)| keys).collect();
    stream::iter(objects)
        .for_each_concurrent(16, |key| async move {
            s3.put_object().bucket(bucket).key(key).body(b"x".to_vec().into()).send().await.unwrap();
        })
        .await;
}

fn plan(source: &str, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"));
    command.env_remove("DD_API_KEY").env_remove("AWS_LAMBDA_RUNTIME_API").env("DD_LOG_LEVEL", "warn");
    let output = command.arg("plan").args(args).arg(source).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

/// The planned keys, the LIST requests the plan made and the keys they returned.
fn planned(output: &Output) -> (BTreeSet<String>, u64, u64) {
    let keys = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let (_, key) = line.split_once(',').unwrap();
            percent_encoding::percent_decode_str(key).decode_utf8().unwrap().into_owned()
        })
        .collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let listings = stderr
        .split("; ")
        .find(|part| part.contains(" list requests"))
        .and_then(|part| part.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no list requests in {stderr}"));
    let listed = stderr
        .split(" list requests (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no keys listed in {stderr}"));
    (keys, listings, listed)
}

fn expected(kinds: &[&str], keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    layouts()
        .into_iter()
        .filter(|(kind, _)| kinds.contains(kind))
        .flat_map(|(_, keys)| keys)
        .filter(|key| in_window(key) && keep(key))
        .collect()
}

#[tokio::test]
async fn every_layout_plans_exactly_the_window_with_few_listings() {
    let bucket = "slf-backfill-layouts";
    seeded(bucket).await;
    let aws_logs = format!("s3://{bucket}/AWSLogs/");
    // (kind, where the plan starts, most LIST requests: the walk down to the day folders and
    // one per day folder or day prefix of the window).
    let cases: [(&str, &[&str], String, u64); 8] = [
        ("vpc", &["vpc", "vpc-hive"], aws_logs.clone(), 3 + 2 + 2 + 2 * 2 * 2),
        ("waf", &["waf"], aws_logs.clone(), 3 + 1 + 2 + 2 * 2),
        ("elb", &["elb"], aws_logs.clone(), 3 + 1 + 2 * 2),
        ("route53", &["route53"], aws_logs.clone(), 3 + 1 + 2 * 2),
        ("network-firewall", &["network-firewall"], aws_logs.clone(), 3 + 1 + 2 + 4 + 4 * 2),
        ("cloudfront", &["cloudfront"], format!("s3://{bucket}/cf-logs/"), 1 + 2 * 2),
        ("s3-access", &["s3-access"], format!("s3://{bucket}/access/"), 1 + 1 + 1 + 1 + 2 * 2),
        ("guardduty", &[], aws_logs.clone(), 3),
    ];
    for (kind, layouts, source, most) in cases {
        let (keys, listings, listed) = planned(&plan(&source, &[&WINDOW[..], &["--kind", kind]].concat()));
        assert_eq!(keys, expected(layouts, |_| true), "{kind}");
        eprintln!("{kind}: {} objects planned; {listings} list requests returned {listed} keys", keys.len());
        assert!(listings <= most, "{kind}: {listings} list requests, at most {most} expected");
        // Only the window's folders were listed: no key of another day came back.
        assert_eq!(listed, keys.len() as u64, "{kind}: keys outside the window were listed");
    }

    // Without --kind: every AWSLogs/ kind of the window.
    let (keys, ..) = planned(&plan(&aws_logs, &WINDOW));
    let all = ["vpc", "vpc-hive", "waf", "elb", "route53", "network-firewall"];
    assert_eq!(keys, expected(&all, |_| true));
}

#[tokio::test]
async fn regions_and_accounts_are_read_where_each_layout_puts_them() {
    let bucket = "slf-backfill-layout-filters";
    seeded(bucket).await;
    let aws_logs = format!("s3://{bucket}/AWSLogs/");
    let eu = |key: &str| key.contains("eu-west-1");

    // Network Firewall: the Region follows the log type.
    let (keys, ..) =
        planned(&plan(&aws_logs, &[&WINDOW[..], &["--kind", "network-firewall", "--regions", "eu-west-1"]].concat()));
    assert_eq!(keys, expected(&["network-firewall"], eu));
    assert!(!keys.is_empty());

    // Hive-style folders name the account and Region with their field names.
    let args = [&WINDOW[..], &["--kind", "vpc", "--regions", "eu-west-1", "--accounts", HIVE_ACCOUNT]].concat();
    let (keys, ..) = planned(&plan(&aws_logs, &args));
    assert_eq!(keys, expected(&["vpc-hive"], eu));

    // Every kind at once; Route 53 Resolver keys name a VPC, not a Region: left out.
    let (keys, ..) = planned(&plan(&aws_logs, &[&WINDOW[..], &["--regions", "eu-west-1"]].concat()));
    assert_eq!(keys, expected(&["vpc", "vpc-hive", "waf", "elb", "network-firewall"], eu));

    // Partitioned S3 access logs name their account and Region; plain ones name neither.
    let access = format!("s3://{bucket}/access/");
    let (keys, ..) = planned(&plan(&access, &[&WINDOW[..], &["--kind", "s3-access", "--accounts", ACCOUNT]].concat()));
    assert_eq!(keys, expected(&["s3-access"], eu));

    // Without a window start the prefix is listed whole: each key once, the partitioned
    // ones included.
    let output = plan(&access, &["--kind", "s3-access"]);
    let all = layouts().into_iter().find(|(kind, _)| *kind == "s3-access").map(|(_, keys)| keys).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), all.len());
    assert_eq!(planned(&output).0, all.into_iter().collect());

    // A kind the table cannot backfill is refused with the names it can.
    let output = Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .args(["plan", "--kind", "config", &aws_logs])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expected one of") && stderr.contains("network-firewall"), "{stderr}");
}
