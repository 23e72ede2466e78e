//! The table of finding families: one row per kind of finding event EventBridge delivers. A
//! new family is a row here, a reader in this module's siblings, a sample in `events/` and
//! a rule in the template.

/// How a family's findings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FindingShape {
    /// A GuardDuty finding (EventBridge `detail`, or one line of an S3 export).
    GuardDuty,
    /// A GuardDuty Malware Protection for S3 scan result.
    MalwareScan,
    /// An Amazon Inspector finding.
    Inspector,
    /// An Amazon Macie finding.
    Macie,
    /// An IAM Access Analyzer finding.
    AccessAnalyzer,
    /// Security Hub, AWS Security Finding Format (`findings[]`, up to 100 per event).
    Asff,
    /// Security Hub, OCSF (`findings[]`, one per event).
    Ocsf,
}

/// One finding family.
#[derive(Debug, PartialEq)]
pub struct Family {
    /// For people: `GuardDuty`, `Security Hub`…
    pub(crate) name: &'static str,
    /// The EventBridge `source`.
    pub(crate) event_source: &'static str,
    /// The EventBridge `detail-type`.
    pub(crate) detail_type: &'static str,
    /// The `ddsource` (and default `service`) of its logs.
    pub(crate) source: &'static str,
    /// The reader.
    pub(crate) shape: FindingShape,
    /// The attribute of the log that holds the finding's id (the Slack alert's Datadog link).
    pub(crate) id_attribute: &'static str,
    /// The console page of the service, after `https://<region>.console…/` (`{region}` and
    /// `{id}` are filled in).
    pub(crate) console_path: &'static str,
    /// The name of the product in Security Hub's `ProductArn` (`…:product/aws/<name>`), for
    /// the families Security Hub re-imports.
    pub(crate) hub_product: Option<&'static str>,
    /// The template parameter that switches its EventBridge rule.
    pub(crate) template_switch: &'static str,
}

impl Family {
    /// Whether the event's findings are under `detail.findings[]` (Security Hub).
    pub(crate) fn is_list(&self) -> bool {
        matches!(self.shape, FindingShape::Asff | FindingShape::Ocsf)
    }
}

/// Every family, in the order the docs and the template list them.
pub static FAMILIES: [Family; 7] = [
    Family {
        name: "GuardDuty",
        event_source: "aws.guardduty",
        detail_type: "GuardDuty Finding",
        source: "guardduty",
        shape: FindingShape::GuardDuty,
        id_attribute: "@detail.id",
        console_path: "guardduty/home?region={region}#/findings?macros=current&fId={id}",
        hub_product: Some("guardduty"),
        template_switch: "ForwardGuardDutyFindings",
    },
    Family {
        name: "GuardDuty Malware Protection",
        event_source: "aws.guardduty",
        detail_type: "GuardDuty Malware Protection Object Scan Result",
        source: "guardduty",
        shape: FindingShape::MalwareScan,
        id_attribute: "@detail.s3ObjectDetails.objectKey",
        console_path: "guardduty/home?region={region}#/malware-protection-plans",
        hub_product: None,
        template_switch: "ForwardMalwareProtectionResults",
    },
    Family {
        name: "Security Hub",
        event_source: "aws.securityhub",
        detail_type: "Security Hub Findings - Imported",
        source: "securityhub",
        shape: FindingShape::Asff,
        id_attribute: "@detail.finding.Id",
        console_path: "securityhub/home?region={region}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A{id}",
        hub_product: None,
        template_switch: "ForwardSecurityHubFindings",
    },
    Family {
        name: "Security Hub (OCSF)",
        event_source: "aws.securityhub",
        detail_type: "Findings Imported V2",
        source: "securityhub",
        shape: FindingShape::Ocsf,
        id_attribute: "@detail.finding.finding_info.uid",
        console_path: "securityhub/v2/home?region={region}#/findings",
        hub_product: None,
        template_switch: "ForwardSecurityHubOcsfFindings",
    },
    Family {
        name: "Inspector",
        event_source: "aws.inspector2",
        detail_type: "Inspector2 Finding",
        source: "inspector2",
        shape: FindingShape::Inspector,
        id_attribute: "@detail.findingArn",
        console_path: "inspector/v2/home?region={region}#/findings/all",
        hub_product: Some("inspector"),
        template_switch: "ForwardInspectorFindings",
    },
    Family {
        name: "Macie",
        event_source: "aws.macie",
        detail_type: "Macie Finding",
        source: "macie",
        shape: FindingShape::Macie,
        id_attribute: "@detail.id",
        console_path: "macie/home?region={region}#findings?search=id%3D{id}&macros=current&itemId={id}",
        hub_product: Some("macie"),
        template_switch: "ForwardMacieFindings",
    },
    Family {
        name: "Access Analyzer",
        event_source: "aws.access-analyzer",
        detail_type: "Access Analyzer Finding",
        source: "access-analyzer",
        shape: FindingShape::AccessAnalyzer,
        id_attribute: "@detail.id",
        console_path: "access-analyzer/home?region={region}#/findings",
        hub_product: Some("access-analyzer"),
        template_switch: "ForwardAccessAnalyzerFindings",
    },
];

/// The family of an EventBridge event, by its `source` and `detail-type`.
pub(crate) fn family_of(event_source: &str, detail_type: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.event_source == event_source && f.detail_type == detail_type)
}

/// Whether `event_source` is the source of some family (its other detail-types are not
/// findings).
pub(crate) fn is_finding_source(event_source: &str) -> bool {
    FAMILIES.iter().any(|f| f.event_source == event_source)
}

/// The GuardDuty row (S3 exports hold GuardDuty findings).
pub fn guardduty() -> &'static Family {
    &FAMILIES[0]
}

/// `source "detail-type"` for every family, for error messages.
pub(crate) fn supported() -> String {
    let names: Vec<String> = FAMILIES.iter().map(|f| format!("{} \"{}\"", f.event_source, f.detail_type)).collect();
    names.join(", ")
}

/// The families the detail-types of `event_source` belong to, for error messages.
pub(crate) fn detail_types_of(event_source: &str) -> String {
    let types: Vec<String> =
        FAMILIES.iter().filter(|f| f.event_source == event_source).map(|f| format!("\"{}\"", f.detail_type)).collect();
    types.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_by_source_and_detail_type() {
        assert_eq!(family_of("aws.guardduty", "GuardDuty Finding").map(|f| f.source), Some("guardduty"));
        assert_eq!(family_of("aws.securityhub", "Findings Imported V2").map(|f| f.shape), Some(FindingShape::Ocsf));
        assert!(family_of("aws.guardduty", "AWS API Call via CloudTrail").is_none());
        assert!(is_finding_source("aws.macie") && !is_finding_source("aws.ec2"));
        assert_eq!(
            detail_types_of("aws.guardduty"),
            "\"GuardDuty Finding\" or \"GuardDuty Malware Protection Object Scan Result\""
        );
        assert!(supported().contains("aws.access-analyzer \"Access Analyzer Finding\""));
        let mut pairs: Vec<_> = FAMILIES.iter().map(|f| (f.event_source, f.detail_type)).collect();
        pairs.dedup();
        assert_eq!(pairs.len(), FAMILIES.len(), "one row per (source, detail-type)");
    }
}
