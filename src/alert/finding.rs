//! What an alert says about a finding, read from the finding itself (the EventBridge
//! `detail`). Everything here is untrusted text: it is escaped when the message is built.

use serde::Deserialize;
use serde_json::Value;

/// The fields of a finding an alert shows or decides on.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct AlertFinding {
    /// `id`.
    pub(crate) id: String,
    /// `type`, e.g. `UnauthorizedAccess:EC2/SSHBruteForce`.
    pub(crate) kind: String,
    /// `title`.
    pub(crate) title: String,
    /// `severity` (a numeric string is accepted).
    pub(crate) severity: Option<f64>,
    /// `accountId`, else the envelope's `account`.
    pub(crate) account: String,
    /// `region`, else the envelope's `region`.
    pub(crate) region: String,
    /// `partition` (`aws`, `aws-us-gov`, `aws-cn`).
    pub(crate) partition: String,
    /// `createdAt`.
    pub(crate) created_at: String,
    /// `updatedAt`.
    pub(crate) updated_at: String,
    /// `service.eventFirstSeen`.
    pub(crate) first_seen: String,
    /// `service.eventLastSeen`.
    pub(crate) last_seen: String,
    /// `service.count`.
    pub(crate) count: Option<u64>,
    /// `service.additionalInfo.sample`.
    pub(crate) sample: bool,
    /// `service.archived`.
    pub(crate) archived: bool,
    /// The affected resource, described by its type and identifiers.
    pub(crate) resource: String,
}

impl AlertFinding {
    /// Reads a finding (the EventBridge `detail`), with the envelope's account and region as
    /// fallbacks. Fields of an unexpected type are treated as absent.
    pub(crate) fn parse(detail: &[u8], envelope_account: &str, envelope_region: &str) -> Self {
        let finding: Value = serde_json::from_slice(detail).unwrap_or(Value::Null);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let service = &finding["service"];
        let or = |value: String, fallback: &str| if value.is_empty() { fallback.to_owned() } else { value };
        Self {
            id: text(&finding["id"]),
            kind: text(&finding["type"]),
            title: text(&finding["title"]),
            severity: number(&finding["severity"]),
            account: or(text(&finding["accountId"]), envelope_account),
            region: or(text(&finding["region"]), envelope_region),
            partition: text(&finding["partition"]),
            created_at: text(&finding["createdAt"]),
            updated_at: text(&finding["updatedAt"]),
            first_seen: text(&service["eventFirstSeen"]),
            last_seen: text(&service["eventLastSeen"]),
            count: service["count"].as_u64(),
            sample: flag(&service["additionalInfo"]["sample"]),
            archived: flag(&service["archived"]),
            resource: resource(&finding["resource"]),
        }
    }

    /// Whether this is the first publication of the finding rather than an update of an
    /// existing one: GuardDuty sets `updatedAt` anew on every update of the same finding
    /// (same `id`, growing `service.count`), so a new finding has `updatedAt` = `createdAt`.
    /// A finding without both dates counts as new.
    pub(crate) fn is_new(&self) -> bool {
        self.created_at.is_empty() || self.updated_at.is_empty() || self.created_at == self.updated_at
    }
}

fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.filter(|n| n.is_finite())
}

fn flag(value: &Value) -> bool {
    matches!(value, Value::Bool(true)) || value.as_str() == Some("true")
}

/// The resource types GuardDuty reports and where their identifiers are.
#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

/// `Instance i-0abc (web-1)`, `AccessKey alice (ASIA…)`, `S3Bucket logs, backups`,
/// `EKSCluster prod`…; just the type when it names nothing known.
fn resource(resource: &Value) -> String {
    let kind = resource["resourceType"].as_str().unwrap_or("resource");
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let identity = match kind {
        "Instance" => {
            let details = &resource["instanceDetails"];
            let name = details["tags"].as_array().and_then(|tags| {
                tags.iter().find(|t| t["key"] == "Name").and_then(|t| t["value"].as_str().map(str::to_owned))
            });
            text(&details["instanceId"]).map(|id| match name {
                Some(name) => format!("{id} ({name})"),
                None => id,
            })
        }
        "AccessKey" => {
            let details = &resource["accessKeyDetails"];
            match (text(&details["userName"]), text(&details["accessKeyId"])) {
                (Some(user), Some(key)) => Some(format!("{user} ({key})")),
                (user, key) => user.or(key),
            }
        }
        "S3Bucket" => resource["s3BucketDetails"].as_array().map(|buckets| {
            let names: Vec<String> =
                buckets.iter().filter_map(|b| serde_json::from_value::<Named>(b.clone()).ok()?.name).take(5).collect();
            names.join(", ")
        }),
        "EKSCluster" => text(&resource["eksClusterDetails"]["name"]),
        "ECSCluster" => text(&resource["ecsClusterDetails"]["name"]),
        "Container" => {
            text(&resource["containerDetails"]["name"]).or_else(|| text(&resource["containerDetails"]["image"]))
        }
        "RDSDBInstance" => text(&resource["rdsDbInstanceDetails"]["dbInstanceIdentifier"]),
        "RDSLimitlessDB" => text(&resource["rdsLimitlessDbDetails"]["dbShardGroupIdentifier"]),
        "Lambda" => text(&resource["lambdaDetails"]["functionName"]),
        _ => None,
    };
    match identity.filter(|i| !i.is_empty()) {
        Some(identity) => format!("{kind} {identity}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_an_alert_shows() {
        let detail = br#"{"id":"f1","type":"Backdoor:EC2/C&CActivity.B","title":"EC2 talks to <C&C>","severity":"8.5",
            "accountId":"111122223333","region":"eu-west-1","partition":"aws",
            "createdAt":"2026-12-01T10:00:00.000Z","updatedAt":"2026-12-01T10:00:00.000Z",
            "resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0abc","tags":[{"key":"Name","value":"web-1"}]}},
            "service":{"eventFirstSeen":"2026-12-01T09:55:00Z","eventLastSeen":"2026-12-01T09:59:00Z","count":3,
                       "archived":false,"additionalInfo":{"sample":true}}}"#;
        let f = AlertFinding::parse(detail, "999", "us-east-1");
        assert_eq!(f.severity, Some(8.5));
        assert_eq!((f.account.as_str(), f.region.as_str()), ("111122223333", "eu-west-1"));
        assert_eq!(f.resource, "Instance i-0abc (web-1)");
        assert_eq!(f.count, Some(3));
        assert!(f.sample && !f.archived && f.is_new());
    }

    #[test]
    fn updates_fallbacks_and_other_resources() {
        let detail = br#"{"createdAt":"2026-12-01T10:00:00Z","updatedAt":"2026-12-01T16:00:00Z",
            "resource":{"resourceType":"AccessKey","accessKeyDetails":{"userName":"alice","accessKeyId":"ASIA1"}},
            "service":{"archived":"true"}}"#;
        let f = AlertFinding::parse(detail, "999", "us-east-1");
        assert!(!f.is_new() && f.archived);
        assert_eq!((f.account.as_str(), f.region.as_str()), ("999", "us-east-1"));
        assert_eq!(f.resource, "AccessKey alice (ASIA1)");
        let bucket = br#"{"resource":{"resourceType":"S3Bucket","s3BucketDetails":[{"name":"a"},{"name":"b"}]}}"#;
        assert_eq!(AlertFinding::parse(bucket, "", "").resource, "S3Bucket a, b");
        assert_eq!(AlertFinding::parse(b"not json", "", "").resource, "resource");
    }
}
