//! The file names the table of sources recognises: tests on a key's last part.

/// `<distribution id>.YYYY-MM-DD-HH.<unique>[.gz]`: CloudFront standard logs.
pub fn cloudfront_name(name: &str) -> bool {
    let mut parts = name.split('.');
    let (Some(id), Some(hour), Some(unique)) = (parts.next(), parts.next(), parts.next()) else { return false };
    is_distribution_id(id) && is_dashed_date(hour, 4) && !unique.is_empty()
}

/// A CloudFront distribution id: 8 to 20 upper-case letters and digits.
pub fn is_distribution_id(id: &str) -> bool {
    (8..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `YYYY-MM-DD-HH-MM-SS-<unique>`: S3 server access logs (simple and partitioned layouts).
pub fn s3_access_name(name: &str) -> bool {
    name.len() > 20 && name.get(..19).is_some_and(|date| is_dashed_date(date, 6)) && name.as_bytes()[19] == b'-'
}

/// `n` dash-separated numbers, the first of 4 digits and the others of 2.
pub fn is_dashed_date(text: &str, n: usize) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == n
        && parts
            .iter()
            .enumerate()
            .all(|(i, p)| p.len() == if i == 0 { 4 } else { 2 } && p.bytes().all(|b| b.is_ascii_digit()))
}

/// AWS Config's delivery check, `ConfigWritabilityCheckFile`.
pub fn config_check(name: &str) -> bool {
    name == "ConfigWritabilityCheckFile"
}

/// Files AWS services write to check they can deliver: `ELBAccessLogTestFile`,
/// `aws-programmatic-access-test-object`.
pub fn delivery_check(name: &str) -> bool {
    matches!(name, "ELBAccessLogTestFile" | "aws-programmatic-access-test-object")
}

/// `<account>_vpcflowlogs_<region>_<flow log id>_<date>_<hash>.log.parquet`.
pub fn is_flow_parquet(name: &str) -> bool {
    name.ends_with(".parquet") && name.contains("_vpcflowlogs_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_without_slicing_inside_a_character() {
        assert!(s3_access_name("2026-09-01-12-00-00-0A1B2C3D4E5F6A7B"));
        assert!(!s3_access_name("2026-09-01-12-00-0\u{e9}-0A1B2C3D4E5F6A7B"));
        assert!(cloudfront_name("E2ABCDEF123456.2026-09-01-12.a1b2c3d4.gz"));
        assert!(!cloudfront_name("e2abcdef123456.2026-09-01-12.a1b2c3d4.gz"));
    }
}
