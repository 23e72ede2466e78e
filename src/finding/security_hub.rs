//! Security Hub findings: ASFF (`Security Hub Findings - Imported`) and OCSF (`Findings
//! Imported V2`), each one element of the event's `detail.findings`.

use serde_json::Value;

use super::others::{object, text};
use super::{Finding, InvalidFinding, Novelty, label_score};

/// The AWS product in a Security Hub product ARN (`arn:aws:securityhub:us-east-1::product/aws/guardduty`
/// or `…::productv2/aws/guardduty` → `guardduty`); `None` for partner products.
pub(crate) fn aws_product(product_arn: &str) -> Option<&str> {
    let (_, path) = product_arn.split_once("::product")?;
    let path = path.strip_prefix("v2").unwrap_or(path);
    let (company, name) = path.strip_prefix('/')?.split_once('/')?;
    (company == "aws").then_some(name)
}

/// An ASFF finding: `evt.name` is `Types[0]`, the severity `Severity.Label` (else
/// `Severity.Normalized` / 10); suppressed or resolved (`Workflow.Status`) and archived
/// (`RecordState`) findings are closed.
pub(super) fn asff(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let severity = &v["Severity"];
    let severity_label = text(&severity["Label"]);
    let score = severity_label
        .as_deref()
        .and_then(label_score)
        .or_else(|| severity["Normalized"].as_f64().map(|n| (n / 10.0).clamp(0.0, 10.0)));
    let workflow = v["Workflow"]["Status"].as_str().or(v["WorkflowState"].as_str());
    let resource = &v["Resources"][0];
    let instance_id = v["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["Type"] == "AwsEc2Instance")
        .find_map(|r| r["Id"].as_str()?.rsplit('/').next().filter(|id| id.starts_with("i-")))
        .map(|id| id.to_owned().into());
    Ok(Finding {
        id: text(&v["Id"]),
        kind: text(&v["Types"][0]),
        title: text(&v["Title"]).or_else(|| text(&v["Description"])),
        severity: score,
        severity_label,
        date: text(&v["UpdatedAt"]).or_else(|| text(&v["CreatedAt"])),
        created_at: text(&v["CreatedAt"]),
        account: text(&v["AwsAccountId"]),
        region: text(&v["Region"]).or_else(|| text(&resource["Region"])),
        partition: text(&resource["Partition"]),
        instance_id,
        sample: v["Sample"] == true,
        closed: matches!(workflow, Some("SUPPRESSED" | "RESOLVED")) || v["RecordState"] == "ARCHIVED",
        first_seen: text(&v["FirstObservedAt"]),
        last_seen: text(&v["LastObservedAt"]),
        resource: resource["Type"].as_str().map(|t| format!("{t} {}", resource["Id"].as_str().unwrap_or(""))),
        product: v["ProductArn"].as_str().and_then(aws_product).map(|p| p.to_owned().into()),
        ..Finding::default()
    })
}

/// OCSF `severity_id` → a score: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal.
fn ocsf_score(severity_id: &Value) -> Option<f64> {
    Some(match severity_id.as_u64()? {
        1 => 0.0,
        2 => 1.0,
        3 => 4.0,
        4 => 7.0,
        5 => 9.0,
        6 => 10.0,
        _ => return None,
    })
}

/// An OCSF finding: `evt.name` is `finding_info.types[0]` (else `class_name`), the severity
/// `severity_id`; `status_id` 3–6 (suppressed, resolved, archived, deleted) is closed;
/// `activity_id` says whether it is new (1), an update (2) or closed (3).
pub(super) fn ocsf(finding: &[u8]) -> Result<Finding<'static>, InvalidFinding> {
    let v = object(finding)?;
    let info = &v["finding_info"];
    let resource = &v["resources"][0];
    let novelty = match v["activity_id"].as_u64() {
        Some(1) => Novelty::New,
        Some(2) => Novelty::Update,
        _ => Novelty::Unknown,
    };
    let product = &v["metadata"]["product"];
    Ok(Finding {
        id: text(&info["uid"]),
        kind: text(&info["types"][0]).or_else(|| text(&v["class_name"])),
        title: text(&info["title"]).or_else(|| text(&info["desc"])),
        severity: ocsf_score(&v["severity_id"]),
        severity_label: text(&v["severity"]),
        date: text(&info["modified_time_dt"])
            .or_else(|| text(&v["time_dt"]))
            .or_else(|| text(&info["created_time_dt"])),
        created_at: text(&info["created_time_dt"]),
        account: text(&v["cloud"]["account"]["uid"]),
        region: text(&v["cloud"]["region"]),
        partition: text(&v["cloud"]["cloud_partition"]),
        closed: matches!(v["status_id"].as_u64(), Some(3..=6)) || v["activity_id"] == 3,
        count: v["count"].as_u64(),
        first_seen: text(&info["first_seen_time_dt"]),
        last_seen: text(&info["last_seen_time_dt"]),
        resource: resource["type"].as_str().map(|t| format!("{t} {}", resource["uid"].as_str().unwrap_or(""))),
        product: product["uid"]
            .as_str()
            .and_then(aws_product)
            .map(str::to_owned)
            .or_else(|| product["name"].as_str().map(|n| n.to_ascii_lowercase().replace(' ', "-")))
            .map(Into::into),
        novelty,
        ..Finding::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products() {
        assert_eq!(aws_product("arn:aws:securityhub:us-east-1::product/aws/guardduty"), Some("guardduty"));
        assert_eq!(aws_product("arn:aws:securityhub:us-east-1::productv2/aws/inspector"), Some("inspector"));
        assert_eq!(aws_product("arn:aws:securityhub:us-east-1::product/crowdstrike/falcon"), None);
        assert_eq!(aws_product("nonsense"), None);
    }

    #[test]
    fn asff_fields() {
        let f = asff(
            br#"{"Id":"x","Types":["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"],"Title":"t",
            "Severity":{"Label":"HIGH","Normalized":70},"Workflow":{"Status":"SUPPRESSED"},
            "ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "Resources":[{"Type":"AwsEc2Instance","Id":"arn:aws:ec2:us-east-1:1:instance/i-0abc"}]}"#,
        )
        .unwrap();
        assert_eq!((f.severity, f.closed, f.product.as_deref()), (Some(7.0), true, Some("guardduty")));
        assert_eq!(f.instance_id.as_deref(), Some("i-0abc"));
        let normalized = asff(br#"{"Severity":{"Normalized":95}}"#).unwrap();
        assert_eq!(normalized.severity, Some(9.5));
        assert!(asff(b"\"x\"").is_err());
    }
}
