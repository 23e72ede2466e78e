//! GuardDuty findings: the raw text of the members the model needs is kept in the one
//! validation pass every finding gets, and decoded only when read.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Finding, InvalidFinding};
use crate::fields::{Fields, members, text};
use crate::json::{lenient_bool, lenient_object, lenient_str};

/// The raw text of the finding's top-level members the summary reads.
#[derive(Default)]
struct RawFinding<'a> {
    id: Option<&'a [u8]>,
    partition: Option<&'a [u8]>,
    kind: Option<&'a [u8]>,
    title: Option<&'a [u8]>,
    description: Option<&'a [u8]>,
    severity: Option<&'a [u8]>,
    updated_at: Option<&'a [u8]>,
    created_at: Option<&'a [u8]>,
    account_id: Option<&'a [u8]>,
    region: Option<&'a [u8]>,
    resource: Option<&'a [u8]>,
    service: Option<&'a [u8]>,
    duplicate: bool,
}

impl<'a> Fields<'a> for RawFinding<'a> {
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<&'a [u8]>> {
        Some(match name {
            b"\"id\"" => &mut self.id,
            b"\"partition\"" => &mut self.partition,
            b"\"type\"" => &mut self.kind,
            b"\"title\"" => &mut self.title,
            b"\"description\"" => &mut self.description,
            b"\"severity\"" => &mut self.severity,
            b"\"updatedAt\"" => &mut self.updated_at,
            b"\"createdAt\"" => &mut self.created_at,
            b"\"accountId\"" => &mut self.account_id,
            b"\"region\"" => &mut self.region,
            b"\"resource\"" => &mut self.resource,
            b"\"service\"" => &mut self.service,
            _ => return None,
        })
    }

    fn duplicate(&mut self) -> &mut bool {
        &mut self.duplicate
    }
}

/// A nested object member parsed into `T`, tolerating a value of another shape (→ `None`).
fn object<'a, T: Deserialize<'a>>(raw: Option<&'a [u8]>) -> Option<T> {
    serde_json::from_slice(raw?).ok()
}

/// A number member; also accepts a numeric string such as `"8.0"`.
fn number(raw: Option<&[u8]>) -> Option<f64> {
    let raw = raw?;
    let n = match raw.first() {
        Some(b'"') => text(Some(raw))?.trim().parse::<f64>().ok()?,
        _ => serde_json::from_slice::<f64>(raw).ok()?,
    };
    n.is_finite().then_some(n)
}

#[derive(Deserialize)]
struct RawResource<'a> {
    #[serde(rename = "instanceDetails", borrow)]
    instance_details: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawInstance<'a> {
    #[serde(rename = "instanceId", borrow)]
    instance_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawService<'a> {
    #[serde(rename = "additionalInfo", borrow)]
    additional_info: Option<&'a RawValue>,
    #[serde(borrow)]
    archived: Option<&'a RawValue>,
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    #[serde(borrow)]
    count: Option<&'a RawValue>,
    #[serde(rename = "eventFirstSeen", borrow)]
    first_seen: Option<&'a RawValue>,
    #[serde(rename = "eventLastSeen", borrow)]
    last_seen: Option<&'a RawValue>,
}

/// The action kinds that name a remote host.
#[derive(Deserialize)]
struct RawAction<'a> {
    #[serde(rename = "networkConnectionAction", borrow)]
    network_connection: Option<&'a RawValue>,
    #[serde(rename = "awsApiCallAction", borrow)]
    aws_api_call: Option<&'a RawValue>,
    #[serde(rename = "kubernetesApiCallAction", borrow)]
    kubernetes_api_call: Option<&'a RawValue>,
    #[serde(rename = "rdsLoginAttemptAction", borrow)]
    rds_login_attempt: Option<&'a RawValue>,
    #[serde(rename = "portProbeAction", borrow)]
    port_probe: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawRemote<'a> {
    #[serde(rename = "remoteIpDetails", borrow)]
    remote_ip_details: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawPortProbe<'a> {
    #[serde(rename = "portProbeDetails", borrow)]
    details: Option<Vec<RawRemote<'a>>>,
}

#[derive(Deserialize)]
struct RawIpDetails<'a> {
    #[serde(rename = "ipAddressV4", borrow)]
    v4: Option<&'a RawValue>,
    #[serde(rename = "ipAddressV6", borrow)]
    v6: Option<&'a RawValue>,
}

/// The remote IP address named by a finding's `service.action`, if any.
fn remote_ip(action: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let action: RawAction = lenient_object(action)?;
    let details =
        [action.network_connection, action.aws_api_call, action.kubernetes_api_call, action.rds_login_attempt]
            .into_iter()
            .flatten()
            .find_map(|a| lenient_object::<RawRemote>(Some(a)).and_then(|r| r.remote_ip_details))
            .or_else(|| {
                lenient_object::<RawPortProbe>(action.port_probe)?
                    .details?
                    .into_iter()
                    .find_map(|r| r.remote_ip_details)
            })?;
    let ips: RawIpDetails = lenient_object(Some(details))?;
    lenient_str(ips.v4).or_else(|| lenient_str(ips.v6)).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
}

#[derive(Deserialize)]
struct RawAdditionalInfo<'a> {
    #[serde(borrow)]
    sample: Option<&'a RawValue>,
}

/// Reads a GuardDuty finding in its validation pass. Fails when `finding` is not a valid
/// JSON object (UTF-8 included) or repeats a member the model reads.
pub(super) fn parse(finding: &[u8]) -> Result<Finding<'_>, InvalidFinding> {
    if finding.first() != Some(&b'{') {
        return Err(InvalidFinding);
    }
    let mut raw = RawFinding::default();
    if !members(finding, |name, value| raw.note(name, value)) || raw.duplicate {
        return Err(InvalidFinding);
    }
    let instance_id = object::<RawResource>(raw.resource)
        .and_then(|r| lenient_object::<RawInstance>(r.instance_details))
        .and_then(|i| lenient_str(i.instance_id))
        .filter(|id| id.starts_with("i-"));
    let service = object::<RawService>(raw.service);
    let sample = service
        .as_ref()
        .and_then(|s| lenient_object::<RawAdditionalInfo>(s.additional_info))
        .and_then(|info| lenient_bool(info.sample))
        .unwrap_or(false);
    let archived = service.as_ref().and_then(|s| lenient_bool(s.archived)).unwrap_or(false);
    let remote_ip = service.as_ref().and_then(|s| remote_ip(s.action));
    let count = service.as_ref().and_then(|s| s.count).and_then(|c| c.get().parse::<u64>().ok());
    let first_seen = service.as_ref().and_then(|s| lenient_str(s.first_seen));
    let last_seen = service.as_ref().and_then(|s| lenient_str(s.last_seen));
    Ok(Finding {
        id: text(raw.id),
        partition: text(raw.partition),
        created_at: text(raw.created_at),
        count,
        first_seen,
        last_seen,
        resource_raw: raw.resource,
        kind: text(raw.kind).filter(|k| !k.is_empty()),
        title: text(raw.title).or_else(|| text(raw.description)).filter(|t| !t.is_empty()),
        severity: number(raw.severity),
        date: text(raw.updated_at).or_else(|| text(raw.created_at)),
        account: text(raw.account_id),
        region: text(raw.region),
        instance_id,
        sample,
        closed: archived,
        remote_ip,
        ..Finding::default()
    })
}

/// The resource types GuardDuty reports and where their identifiers are.
#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

/// `Instance i-0abc (web-1)`, `AccessKey alice (ASIA…)`, `S3Bucket logs, backups`,
/// `EKSCluster prod`…; just the type when it names nothing known.
pub(super) fn describe(resource: &Value) -> String {
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
