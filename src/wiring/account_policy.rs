//! The account-level subscription filter policy (`attach --account-policy`): every log group
//! of the account and Region, but those the selection criteria exclude, sends its events to
//! the function. CloudWatch Logs allows one such policy per account and Region, so `attach`
//! refuses when another consumer holds it (under any name, ours included), writes nothing
//! when ours is already as asked, and always excludes the function's own log group: the
//! function's logs would otherwise come back to it, a loop billed on every turn.

use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::types::{PolicyType, Scope};

use super::WiringError;
use super::log_groups::{FILTER_NAME, problem};
use crate::aws_sdk::SharedSdkConfig;

/// The name of our policy.
pub const POLICY_NAME: &str = FILTER_NAME;

/// The only selection criteria CloudWatch Logs takes: `LogGroupName NOT IN [...]`.
const CRITERIA_PREFIX: &str = "LogGroupName NOT IN";

/// A subscription filter policy, as read from (or to write to) CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPolicy {
    /// Its name.
    pub name: String,
    /// `DestinationArn` of its document (empty when unreadable).
    pub destination: String,
    /// `FilterPattern` of its document.
    pub pattern: String,
    /// The groups its selection criteria exclude, sorted, without repeats.
    pub excluded: Vec<String>,
}

impl AccountPolicy {
    /// Our policy to `function_arn`, excluding `excluded`.
    pub fn ours(function_arn: &str, pattern: &str, mut excluded: Vec<String>) -> Self {
        excluded.sort();
        excluded.dedup();
        Self {
            name: POLICY_NAME.to_owned(),
            destination: function_arn.to_owned(),
            pattern: pattern.to_owned(),
            excluded,
        }
    }

    /// The policy document.
    pub fn document(&self) -> String {
        serde_json::json!({ "DestinationArn": self.destination, "FilterPattern": self.pattern }).to_string()
    }

    /// The selection criteria, `LogGroupName NOT IN ["a","b"]` (none when nothing is excluded).
    pub fn selection_criteria(&self) -> Option<String> {
        (!self.excluded.is_empty())
            .then(|| format!("{CRITERIA_PREFIX} {}", serde_json::Value::from(self.excluded.clone())))
    }

    /// Whether events of `group` go to the policy's destination.
    pub fn covers(&self, group: &str) -> bool {
        !self.excluded.iter().any(|g| g == group)
    }

    fn from_parts(name: &str, document: &str, criteria: Option<&str>) -> Self {
        let doc: serde_json::Value = serde_json::from_str(document).unwrap_or_default();
        let text = |field: &str| doc.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let excluded = criteria.and_then(|c| parse_selection_criteria(c).ok()).unwrap_or_default();
        let mut policy = Self::ours(&text("DestinationArn"), &text("FilterPattern"), excluded);
        policy.name = name.to_owned();
        policy
    }
}

/// The groups `LogGroupName NOT IN ["a", "b"]` excludes.
pub fn parse_selection_criteria(text: &str) -> Result<Vec<String>, String> {
    let list = text
        .trim()
        .strip_prefix(CRITERIA_PREFIX)
        .ok_or_else(|| format!("`{text}`: CloudWatch Logs takes only {CRITERIA_PREFIX} [\"group\", …]"))?;
    serde_json::from_str::<Vec<String>>(list.trim())
        .map_err(|e| format!("`{text}`: the list after {CRITERIA_PREFIX} is not a JSON list of names: {e}"))
}

/// What `attach --account-policy` does.
#[derive(Debug, PartialEq, Eq)]
pub enum PolicyPlan {
    /// Ours is there as asked.
    Unchanged,
    /// Put ours (new, or changing our pattern or exclusions).
    Put,
}

/// Decides what putting `wanted` takes when the account holds `existing` subscription filter
/// policies.
pub fn plan_policy(existing: &[AccountPolicy], wanted: &AccountPolicy) -> Result<PolicyPlan, WiringError> {
    let refuse = |other: &AccountPolicy, why: &str| WiringError::AccountPolicy {
        problem: format!(
            "the subscription filter policy {} sends to {} — {why}; nothing changed",
            other.name,
            if other.destination.is_empty() { "an unreadable destination" } else { &other.destination }
        ),
    };
    match existing.iter().find(|p| p.name == wanted.name) {
        Some(ours) if ours.destination != wanted.destination => {
            Err(refuse(ours, "another consumer's policy of the same name"))
        }
        Some(ours) if ours == wanted => Ok(PolicyPlan::Unchanged),
        Some(_) => Ok(PolicyPlan::Put),
        None => match existing.first() {
            Some(other) => Err(refuse(other, "an account has one such policy per Region")),
            None => Ok(PolicyPlan::Put),
        },
    }
}

/// Reads and writes the account's subscription filter policies.
pub struct AccountPolicies {
    client: aws_sdk_cloudwatchlogs::Client,
}

impl AccountPolicies {
    /// A client on the shared SDK configuration.
    pub async fn new(sdk: &SharedSdkConfig) -> Self {
        Self { client: aws_sdk_cloudwatchlogs::Client::new(sdk.get().await) }
    }

    /// The account's subscription filter policies.
    pub async fn list(&self) -> Result<Vec<AccountPolicy>, WiringError> {
        let output = self
            .client
            .describe_account_policies()
            .policy_type(PolicyType::SubscriptionFilterPolicy)
            .send()
            .await
            .map_err(|e| {
                policy_failed("cannot read the account's subscription filter policies", e.into_service_error())
            })?;
        Ok(output
            .account_policies()
            .iter()
            .map(|p| {
                AccountPolicy::from_parts(
                    p.policy_name().unwrap_or_default(),
                    p.policy_document().unwrap_or_default(),
                    p.selection_criteria(),
                )
            })
            .collect())
    }

    /// Puts `wanted` unless it is there already; prints what it did.
    pub async fn attach(&self, wanted: &AccountPolicy, dry_run: bool) -> Result<(), WiringError> {
        let existing = self.list().await?;
        let criteria = wanted.selection_criteria();
        let shown = criteria.as_deref().unwrap_or("every log group");
        match (plan_policy(&existing, wanted)?, dry_run) {
            (PolicyPlan::Unchanged, _) => println!("account policy {}: already there ({shown})", wanted.name),
            (PolicyPlan::Put, true) => {
                println!("account policy {}: would put {} with {shown} (dry run)", wanted.name, wanted.document())
            }
            (PolicyPlan::Put, false) => {
                self.client
                    .put_account_policy()
                    .policy_name(&wanted.name)
                    .policy_type(PolicyType::SubscriptionFilterPolicy)
                    .policy_document(wanted.document())
                    .scope(Scope::All)
                    .set_selection_criteria(criteria.clone())
                    .send()
                    .await
                    .map_err(|e| policy_failed("cannot put our subscription filter policy", e.into_service_error()))?;
                println!("account policy {}: put, every log group but {shown} -> {}", wanted.name, wanted.destination);
            }
        }
        Ok(())
    }

    /// Removes our policy when it sends to `function_arn` (or, without it, to a Lambda
    /// function); refuses a policy of our name sending elsewhere.
    pub async fn detach(&self, function_arn: Option<&str>, dry_run: bool) -> Result<(), WiringError> {
        let existing = self.list().await?;
        let Some(ours) = existing.iter().find(|p| p.name == POLICY_NAME) else {
            println!("account policy {POLICY_NAME}: none (nothing to remove)");
            return Ok(());
        };
        let mine = match function_arn {
            Some(arn) => ours.destination == arn,
            None => super::function_arn(&ours.destination).is_ok(),
        };
        if !mine {
            return Err(WiringError::AccountPolicy {
                problem: format!(
                    "the subscription filter policy {POLICY_NAME} sends to {}, not to our function; it is left as it is",
                    ours.destination
                ),
            });
        }
        if dry_run {
            println!("account policy {POLICY_NAME}: would delete it (to {}) (dry run)", ours.destination);
            return Ok(());
        }
        self.client
            .delete_account_policy()
            .policy_name(POLICY_NAME)
            .policy_type(PolicyType::SubscriptionFilterPolicy)
            .send()
            .await
            .map_err(|e| policy_failed("cannot delete our subscription filter policy", e.into_service_error()))?;
        println!("account policy {POLICY_NAME}: deleted (it sent to {})", ours.destination);
        Ok(())
    }
}

/// What `attach --account-policy` was asked.
#[derive(Debug, Clone, Default)]
pub struct PolicyRequest {
    /// The function (the stack's ForwarderFunctionArn output).
    pub function_arn: String,
    /// The filter pattern (empty: every event).
    pub pattern: String,
    /// Groups to leave out (`--exclude-log-group`).
    pub excluded: Vec<String>,
    /// `--selection-criteria`, `LogGroupName NOT IN [...]`, merged with `excluded`.
    pub selection_criteria: Option<String>,
    /// Print, write nothing.
    pub dry_run: bool,
}

/// Puts our account policy as `request` says, always excluding the function's own log group
/// (the one its logging configuration names when Lambda can be asked, and the default one).
pub async fn attach_account_policy(sdk: &SharedSdkConfig, request: &PolicyRequest) -> Result<(), WiringError> {
    let mut excluded = request.excluded.clone();
    if let Some(criteria) = &request.selection_criteria {
        excluded.extend(parse_selection_criteria(criteria).map_err(|problem| WiringError::AccountPolicy { problem })?);
    }
    excluded.push(super::function::default_log_group(&request.function_arn));
    match super::function::Functions::new(sdk).await.describe(&request.function_arn).await {
        Ok(function) => excluded.push(function.log_group),
        Err(problem) => println!(
            "note: {problem}; excluding the function's default log group {} only",
            super::function::default_log_group(&request.function_arn)
        ),
    }
    let wanted = AccountPolicy::ours(&request.function_arn, &request.pattern, excluded);
    AccountPolicies::new(sdk).await.attach(&wanted, request.dry_run).await
}

fn policy_failed(what: &str, err: impl ProvideErrorMetadata + std::fmt::Display) -> WiringError {
    WiringError::AccountPolicy { problem: problem(what, err) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:fwd";

    fn other(name: &str, destination: &str) -> AccountPolicy {
        AccountPolicy { name: name.into(), destination: destination.into(), pattern: String::new(), excluded: vec![] }
    }

    #[test]
    fn selection_criteria_round_trip() {
        let ours = AccountPolicy::ours(ARN, "", vec!["/b".into(), "/aws/lambda/fwd".into(), "/b".into()]);
        let text = ours.selection_criteria().unwrap();
        assert_eq!(text, r#"LogGroupName NOT IN ["/aws/lambda/fwd","/b"]"#);
        assert_eq!(parse_selection_criteria(&text).unwrap(), ours.excluded);
        assert_eq!(parse_selection_criteria(r#" LogGroupName NOT IN ["a", "b"] "#).unwrap(), ["a", "b"]);
        assert!(parse_selection_criteria(r#"LogGroupName IN ["a"]"#).unwrap_err().contains("NOT IN"));
        assert!(parse_selection_criteria("LogGroupName NOT IN [a]").is_err());
        assert!(ours.covers("/aws/eks/x/cluster") && !ours.covers("/aws/lambda/fwd"));
        let read = AccountPolicy::from_parts(POLICY_NAME, &ours.document(), Some(&text));
        assert_eq!(read, ours);
        assert_eq!(AccountPolicy::ours(ARN, "", vec![]).selection_criteria(), None);
    }

    #[test]
    fn one_policy_per_account_and_never_another_consumers() {
        let ours = AccountPolicy::ours(ARN, "", vec!["/aws/lambda/fwd".into()]);
        assert_eq!(plan_policy(&[], &ours).unwrap(), PolicyPlan::Put);
        assert_eq!(plan_policy(std::slice::from_ref(&ours), &ours).unwrap(), PolicyPlan::Unchanged);
        let narrower = AccountPolicy::ours(ARN, "ERROR", vec!["/aws/lambda/fwd".into()]);
        assert_eq!(plan_policy(std::slice::from_ref(&ours), &narrower).unwrap(), PolicyPlan::Put);
        let same_name = other(POLICY_NAME, "arn:aws:kinesis:us-east-1:1:stream/siem");
        let err = plan_policy(&[same_name], &ours).unwrap_err().to_string();
        assert!(err.contains("same name") && err.contains("stream/siem"), "{err}");
        let err = plan_policy(&[other("siem", "arn:aws:firehose:us-east-1:1:deliverystream/d")], &ours)
            .unwrap_err()
            .to_string();
        assert!(err.contains("siem") && err.contains("one such policy per Region"), "{err}");
    }
}
