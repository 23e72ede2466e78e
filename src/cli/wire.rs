//! `attach` and `detach`: a bucket's notification configuration, log groups' subscription
//! filters, or the account's subscription filter policy (`wiring`).

use std::process::ExitCode;

use super::{Command, Target, fail};
use crate::aws_sdk::SharedSdkConfig;
use crate::config::Config;
use crate::wiring;

/// `attach` or `detach`.
pub(super) async fn wire(command: Command, config: &Config) -> ExitCode {
    let result = async {
        let sdk = SharedSdkConfig::new(config.aws.clone());
        match command {
            Command::Attach {
                target: Target { account_policy: true, .. },
                filter_pattern,
                function_arn,
                exclude_log_groups,
                selection_criteria,
                dry_run,
                ..
            } => {
                let request = wiring::account_policy::PolicyRequest {
                    function_arn: wiring::function_arn(&function_arn.ok_or(wiring::WiringError::NoFunction)?)?,
                    pattern: filter_pattern,
                    excluded: exclude_log_groups,
                    selection_criteria,
                    dry_run,
                };
                wiring::account_policy::attach_account_policy(&sdk, &request).await
            }
            Command::Detach { target: Target { account_policy: true, .. }, function_arn, dry_run } => {
                let function_arn = function_arn.as_deref().map(wiring::function_arn).transpose()?;
                let policies = wiring::account_policy::AccountPolicies::new(&sdk).await;
                policies.detach(function_arn.as_deref(), dry_run).await
            }
            Command::Attach {
                target: Target { bucket: None, log_groups, log_group_prefix, .. },
                filter_pattern,
                function_arn,
                dry_run,
                ..
            } => {
                let function_arn = wiring::function_arn(&function_arn.ok_or(wiring::WiringError::NoFunction)?)?;
                let logs = wiring::log_groups::LogGroups::new(&sdk).await;
                for group in groups(&logs, log_groups, log_group_prefix.as_deref(), dry_run).await? {
                    logs.attach(&group, &function_arn, &filter_pattern, dry_run).await?;
                }
                Ok(())
            }
            Command::Detach {
                target: Target { bucket: None, log_groups, log_group_prefix, .. },
                function_arn,
                dry_run,
            } => {
                let function_arn = function_arn.as_deref().map(wiring::function_arn).transpose()?;
                let logs = wiring::log_groups::LogGroups::new(&sdk).await;
                for group in groups(&logs, log_groups, log_group_prefix.as_deref(), dry_run).await? {
                    logs.detach(&group, function_arn.as_deref(), dry_run).await?;
                }
                Ok(())
            }
            Command::Attach {
                target: Target { bucket: Some(bucket), .. },
                function_arn,
                suffix,
                prefix,
                via,
                dry_run,
                ..
            } => {
                let request = wiring::AttachRequest {
                    bucket: wiring::bucket_name(&bucket)?,
                    function_arn: function_arn.as_deref().map(wiring::function_arn).transpose()?,
                    prefix,
                    suffix,
                    via: if via == "eventbridge" { wiring::Via::EventBridge } else { wiring::Via::Function },
                    dry_run,
                };
                wiring::attach(&wiring::Buckets::new(&sdk).await, &request).await
            }
            Command::Detach { target: Target { bucket: Some(bucket), .. }, function_arn, dry_run } => {
                let bucket = wiring::bucket_name(&bucket)?;
                let function_arn = function_arn.as_deref().map(wiring::function_arn).transpose()?;
                wiring::detach(&wiring::Buckets::new(&sdk).await, &bucket, function_arn.as_deref(), dry_run).await
            }
            _ => Ok(()),
        }
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err.to_string(), err.hint()),
    }
}

/// The groups named, and those whose names start with `prefix` (listed on a dry run).
async fn groups(
    logs: &wiring::log_groups::LogGroups,
    mut named: Vec<String>,
    prefix: Option<&str>,
    dry_run: bool,
) -> Result<Vec<String>, wiring::WiringError> {
    if let Some(prefix) = prefix {
        let found = logs.groups_with_prefix(prefix).await?;
        if dry_run {
            println!("{} log groups start with {prefix:?}: {}", found.len(), found.join(", "));
        }
        named.extend(found);
    }
    Ok(named)
}
