//! Inspector, Macie, Access Analyzer and Malware Protection findings. These services publish
//! a few findings a day, not a stream: each is read into a JSON tree.

use std::borrow::Cow;

use serde_json::Value;

use super::{Finding, InvalidFinding, label_score};

/// `finding` as a JSON object; anything else (or invalid JSON or UTF-8) is invalid.
pub(super) fn object(finding: &[u8]) -> Result<Value, InvalidFinding> {
    match serde_json::from_slice::<Value>(finding) {
        Ok(value) if value.is_object() => Ok(value),
        _ => Err(InvalidFinding),
    }
}

/// A non-empty string member.
pub(super) fn text(value: &Value) -> Option<Cow<'static, str>> {
    value.as_str().filter(|s| !s.is_empty()).map(|s| Cow::Owned(s.to_owned()))
}

/// An RFC 3339 date (other formats, such as Inspector's `Dec 3, 2021, 6:02:30 PM`, are left
/// to the envelope's `time`).
pub(super) fn date(value: &Value) -> Option<Cow<'static, str>> {
    text(value).filter(|d| time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).is_ok())
}

/// A label severity: the score of its band and the label itself.
fn labelled(label: Option<Cow<'static, str>>) -> (Option<f64>, Option<Cow<'static, str>>) {
    (label.as_deref().and_then(label_score), label)
}

/// A GuardDuty Malware Protection for S3 scan result: `evt.name` is the result status
/// (`THREATS_FOUND`, `NO_THREATS_FOUND`, `UNSUPPORTED`, `ACCESS_DENIED`, `FAILED`); threats
/// found are High (as GuardDuty's `Object:S3/MaliciousFile` finding), a scan that could not
/// complete Low, a clean object informational.
pub(super) fn malware_scan(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let object = &v["s3ObjectDetails"];
    let (bucket, key) = (object["bucketName"].as_str().unwrap_or(""), object["objectKey"].as_str().unwrap_or(""));
    let result = &v["scanResultDetails"];
    let status = text(&result["scanResultStatus"]).or_else(|| text(&v["scanStatus"]));
    let threats: Vec<&str> =
        result["threats"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).take(5).collect();
    let (severity, label, title) = match status.as_deref() {
        Some("THREATS_FOUND") => (8.0, "High", format!("Malware in s3://{bucket}/{key}: {}", threats.join(", "))),
        Some("NO_THREATS_FOUND") => (0.0, "Informational", format!("No threat in s3://{bucket}/{key}")),
        other => (2.0, "Low", format!("s3://{bucket}/{key} could not be scanned: {}", other.unwrap_or("unknown"))),
    };
    Ok(Finding {
        id: text(&object["objectKey"]),
        kind: status,
        title: Some(title.into()),
        severity: Some(severity),
        severity_label: Some(label.into()),
        resource: Some(format!("S3 object {bucket}/{key}")),
        ..Finding::default()
    })
}

/// An Inspector finding: `evt.name` is `type` (`PACKAGE_VULNERABILITY`, `NETWORK_REACHABILITY`,
/// `CODE_VULNERABILITY`), the severity its label (`UNTRIAGED`: none); closed or suppressed
/// findings are closed.
pub(super) fn inspector(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let (severity, severity_label) = labelled(text(&v["severity"]));
    let resource = &v["resources"][0];
    let instance_id = (resource["type"] == "AWS_EC2_INSTANCE").then(|| text(&resource["id"])).flatten();
    Ok(Finding {
        id: text(&v["findingArn"]),
        kind: text(&v["type"]),
        title: text(&v["title"]).or_else(|| text(&v["description"])),
        severity,
        severity_label,
        date: date(&v["updatedAt"]).or_else(|| date(&v["lastObservedAt"])),
        account: text(&v["awsAccountId"]),
        region: text(&resource["region"]),
        partition: text(&resource["partition"]),
        instance_id,
        closed: matches!(v["status"].as_str(), Some("CLOSED" | "SUPPRESSED")),
        first_seen: text(&v["firstObservedAt"]),
        last_seen: text(&v["lastObservedAt"]),
        resource: resource["type"].as_str().map(|t| format!("{t} {}", resource["id"].as_str().unwrap_or(""))),
        ..Finding::default()
    })
}

/// A Macie finding: `evt.name` is `type` (`SensitiveData:S3Object/Personal`,
/// `Policy:IAMUser/S3BucketPublic`…), the severity `severity.description`.
pub(super) fn macie(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let (severity, severity_label) = labelled(text(&v["severity"]["description"]));
    let affected = &v["resourcesAffected"];
    let bucket = affected["s3Bucket"]["name"].as_str();
    let resource = match (bucket, affected["s3Object"]["key"].as_str()) {
        (Some(bucket), Some(key)) => Some(format!("S3 object {bucket}/{key}")),
        (Some(bucket), None) => Some(format!("S3 bucket {bucket}")),
        _ => None,
    };
    Ok(Finding {
        id: text(&v["id"]),
        kind: text(&v["type"]),
        title: text(&v["title"]).or_else(|| text(&v["description"])),
        severity,
        severity_label,
        date: text(&v["updatedAt"]).or_else(|| text(&v["createdAt"])),
        created_at: text(&v["createdAt"]),
        account: text(&v["accountId"]),
        region: text(&v["region"]),
        partition: text(&v["partition"]),
        sample: v["sample"] == true,
        closed: v["archived"] == true,
        count: v["count"].as_u64(),
        resource,
        ..Finding::default()
    })
}

/// An IAM Access Analyzer finding. It has no title or severity: `evt.name` is the resource
/// type (`AWS::S3::Bucket`), the title says what is shared, and the severity is High for
/// public access, Medium for access from outside the zone of trust, Low for a resource that
/// could not be analysed (`error`). Archived, resolved or deleted findings are closed.
pub(super) fn access_analyzer(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let resource = v["resource"].as_str().unwrap_or("a resource");
    let (severity, label, title) = match (v["error"].as_str(), v["isPublic"] == true) {
        (Some(error), _) => (1.0, "Low", format!("Access Analyzer could not analyse {resource}: {error}")),
        (None, true) => (7.0, "High", format!("{resource} is public")),
        (None, false) => (4.0, "Medium", format!("{resource} is shared outside the zone of trust")),
    };
    Ok(Finding {
        id: text(&v["id"]),
        kind: text(&v["resourceType"]),
        title: Some(title.into()),
        severity: Some(severity),
        severity_label: Some(label.into()),
        date: text(&v["updatedAt"]).or_else(|| text(&v["createdAt"])),
        created_at: text(&v["createdAt"]),
        account: text(&v["accountId"]),
        region: text(&v["region"]),
        closed: matches!(v["status"].as_str(), Some("ARCHIVED" | "RESOLVED")) || v["isDeleted"] == true,
        resource: Some(resource.to_owned()),
        ..Finding::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malware_scan_results() {
        let found = br#"{"scanStatus":"COMPLETED","s3ObjectDetails":{"bucketName":"b","objectKey":"k"},
            "scanResultDetails":{"scanResultStatus":"THREATS_FOUND","threats":[{"name":"EICAR"}]}}"#;
        let f = malware_scan(found).unwrap();
        assert_eq!(f.kind.as_deref(), Some("THREATS_FOUND"));
        assert_eq!(f.title.as_deref(), Some("Malware in s3://b/k: EICAR"));
        assert_eq!(f.severity, Some(8.0));
        assert!(malware_scan(b"[]").is_err());
    }

    #[test]
    fn access_analyzer_titles_and_severities() {
        let public = br#"{"id":"1","resourceType":"AWS::S3::Bucket","resource":"arn:aws:s3:::b","isPublic":true,"status":"ACTIVE"}"#;
        let f = access_analyzer(public).unwrap();
        assert_eq!((f.title.as_deref(), f.severity, f.closed), (Some("arn:aws:s3:::b is public"), Some(7.0), false));
        let archived = br#"{"resource":"r","status":"ARCHIVED","error":"ACCESS_DENIED"}"#;
        let f = access_analyzer(archived).unwrap();
        assert!(f.closed && f.severity == Some(1.0));
    }

    #[test]
    fn inspector_dates_in_its_own_format_are_left_to_the_envelope() {
        let f = inspector(br#"{"severity":"HIGH","updatedAt":"Dec 3, 2021, 6:02:30 PM","status":"CLOSED"}"#).unwrap();
        assert_eq!((f.severity, f.date, f.closed), (Some(7.0), None, true));
    }
}
