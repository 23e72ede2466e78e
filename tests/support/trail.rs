//! A CloudTrail bucket as an organization trail and a plain trail write it, for backfill
//! tests: six days, three accounts (two in an organization), three regions, four files a day
//! each, plus digest files and a GuardDuty export.

use futures_util::stream::{self, StreamExt};

use super::moto;

pub const ORG: &str = "o-abc123def4";
pub const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// 2026-09-01 to 2026-09-06.
pub const DAYS: std::ops::RangeInclusive<u32> = 1..=6;
pub const HOURS: [u32; 4] = [0, 6, 12, 18];
pub const RECORDS_PER_FILE: usize = 3;
pub const FILES: usize = 6 * 3 * 3 * 4;
pub const EXPORT_FINDINGS: usize = 5;

/// The folder of an account's service: organization accounts first.
fn base(account: &str, service: &str) -> String {
    if account == ACCOUNTS[2] {
        format!("AWSLogs/{account}/{service}")
    } else {
        format!("AWSLogs/{ORG}/{account}/{service}")
    }
}

/// The key of one CloudTrail file.
pub fn trail_key(account: &str, region: &str, day: u32, hour: u32) -> String {
    format!(
        "{}/{region}/2026/09/{day:02}/{account}_CloudTrail_{region}_202609{day:02}T{hour:02}05Z_Fa{day:02}{hour:02}.json.gz",
        base(account, "CloudTrail")
    )
}

/// A CloudTrail body whose event ids name the file.
pub fn trail_body(key: &str) -> Vec<u8> {
    let file = key.rsplit('/').next().unwrap_or(key);
    let body = String::from_utf8(moto::cloudtrail_body(RECORDS_PER_FILE)).unwrap();
    moto::gzip(body.replace(r#""eventID":"E"#, &format!(r#""eventID":"{file}-E"#)).as_bytes())
}

/// Every CloudTrail file key, in key order.
pub fn trail_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for account in ACCOUNTS {
        for region in REGIONS {
            for day in DAYS {
                for hour in HOURS {
                    keys.push(trail_key(account, region, day, hour));
                }
            }
        }
    }
    keys.sort();
    keys
}

pub fn export_key() -> String {
    format!("{}/us-east-1/2026/09/02/5f6a2c1e-3b1d-3c4e-9f0a-1b2c3d4e5f60.jsonl.gz", base(ACCOUNTS[2], "GuardDuty"))
}

/// Uploads the trail to `bucket`: the CloudTrail files, a digest per account and day, and
/// one GuardDuty export.
pub async fn seed(bucket: &str) {
    let s3 = moto::s3().await;
    moto::bucket(&s3, bucket).await;
    let mut objects: Vec<(String, Vec<u8>)> = trail_keys().into_iter().map(|k| (k.clone(), trail_body(&k))).collect();
    for account in ACCOUNTS {
        for day in DAYS {
            let key = format!(
                "{}/us-east-1/2026/09/{day:02}/{account}_CloudTrail-Digest_us-east-1_trail_us-east-1_202609{day:02}T000000Z.json.gz",
                base(account, "CloudTrail-Digest")
            );
            objects.push((key, moto::gzip(br#"{"awsAccountId":"1","digestStartTime":"x"}"#)));
        }
    }
    objects.push((export_key(), moto::gzip(&moto::findings_body(EXPORT_FINDINGS))));
    let s3 = &s3;
    stream::iter(objects)
        .for_each_concurrent(16, |(key, body)| async move {
            s3.put_object().bucket(bucket).key(key).body(body.into()).send().await.unwrap();
        })
        .await;
}
