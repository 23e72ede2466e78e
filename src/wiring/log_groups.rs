//! Wiring CloudWatch Logs groups to the function: `attach --log-group` puts our subscription
//! filter on a group keeping the group's other filters (a group allows two: when both are
//! taken by others, it refuses), idempotently; `detach --log-group` removes only ours.

use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;

use super::WiringError;
use crate::aws_sdk::SharedSdkConfig;

/// The name of our subscription filter on every group.
pub const FILTER_NAME: &str = "security-log-forwarder";

/// CloudWatch Logs allows this many subscription filters on a group.
const MAX_FILTERS: usize = 2;

/// A subscription filter as CloudWatch Logs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Its name.
    pub name: String,
    /// Its destination ARN.
    pub destination: String,
    /// Its filter pattern.
    pub pattern: String,
}

/// What `attach` does to one group.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Our filter is there as asked.
    Unchanged,
    /// Put our filter (new, or replacing ours with a new pattern or destination).
    Put,
}

/// Decides what attaching `function_arn` with `pattern` to a group holding `filters` takes.
pub fn plan_attach(group: &str, filters: &[Filter], function_arn: &str, pattern: &str) -> Result<Plan, WiringError> {
    let ours = filters.iter().find(|f| f.name == FILTER_NAME || f.destination == function_arn);
    match ours {
        Some(f) if f.name == FILTER_NAME && f.destination == function_arn && f.pattern == pattern => {
            Ok(Plan::Unchanged)
        }
        Some(_) => Ok(Plan::Put),
        None if filters.len() >= MAX_FILTERS => Err(WiringError::LogGroup {
            group: group.to_owned(),
            problem: format!(
                "both subscription filter slots are taken by other consumers ({}); the group is unchanged",
                filters.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        }),
        None => Ok(Plan::Put),
    }
}

/// Reads and writes log groups' subscription filters.
pub struct LogGroups {
    client: aws_sdk_cloudwatchlogs::Client,
}

/// `what` failed, with the service's error code and message.
pub(super) fn problem(what: &str, err: impl ProvideErrorMetadata + std::fmt::Display) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{what}: {code}: {message}"),
        (Some(code), None) => format!("{what}: {code}"),
        _ => format!("{what}: {err}"),
    }
}

fn failed(group: &str, what: &str, err: impl ProvideErrorMetadata + std::fmt::Display) -> WiringError {
    WiringError::LogGroup { group: group.to_owned(), problem: problem(what, err) }
}

impl LogGroups {
    /// A client on the shared SDK configuration.
    pub async fn new(sdk: &SharedSdkConfig) -> Self {
        Self { client: aws_sdk_cloudwatchlogs::Client::new(sdk.get().await) }
    }

    /// The group's subscription filters.
    pub async fn filters(&self, group: &str) -> Result<Vec<Filter>, WiringError> {
        let output = self
            .client
            .describe_subscription_filters()
            .log_group_name(group)
            .send()
            .await
            .map_err(|e| failed(group, "cannot read its subscription filters", e.into_service_error()))?;
        Ok(output
            .subscription_filters()
            .iter()
            .map(|f| Filter {
                name: f.filter_name().unwrap_or_default().to_owned(),
                destination: f.destination_arn().unwrap_or_default().to_owned(),
                pattern: f.filter_pattern().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// The groups whose names start with `prefix`.
    pub async fn groups_with_prefix(&self, prefix: &str) -> Result<Vec<String>, WiringError> {
        let mut names = Vec::new();
        let mut pages = self.client.describe_log_groups().log_group_name_prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failed(prefix, "cannot list the groups", e.into_service_error()))?;
            names.extend(page.log_groups().iter().filter_map(|g| g.log_group_name().map(str::to_owned)));
        }
        Ok(names)
    }

    /// The time of the group's newest event (ms), when it has one.
    pub async fn last_event_ms(&self, group: &str) -> Result<Option<i64>, WiringError> {
        let output = self
            .client
            .describe_log_streams()
            .log_group_name(group)
            .order_by(aws_sdk_cloudwatchlogs::types::OrderBy::LastEventTime)
            .descending(true)
            .limit(1)
            .send()
            .await
            .map_err(|e| failed(group, "cannot read its streams", e.into_service_error()))?;
        Ok(output.log_streams().first().and_then(|s| s.last_event_timestamp()))
    }

    /// Attaches `function_arn` to `group` with `pattern`; prints what it did.
    pub async fn attach(
        &self,
        group: &str,
        function_arn: &str,
        pattern: &str,
        dry_run: bool,
    ) -> Result<(), WiringError> {
        let filters = self.filters(group).await?;
        let plan = plan_attach(group, &filters, function_arn, pattern)?;
        if let Some(old) = filters.iter().find(|f| f.name != FILTER_NAME && f.destination == function_arn) {
            // Ours under another name (made by hand): replaced by ours, so the group keeps a slot.
            if !dry_run {
                self.delete(group, &old.name).await?;
            }
        }
        match (plan, dry_run) {
            (Plan::Unchanged, _) => println!("{group}: our subscription filter is already there"),
            (Plan::Put, true) => println!("{group}: would put subscription filter {FILTER_NAME} (dry run)"),
            (Plan::Put, false) => {
                self.client
                    .put_subscription_filter()
                    .log_group_name(group)
                    .filter_name(FILTER_NAME)
                    .filter_pattern(pattern)
                    .destination_arn(function_arn)
                    .send()
                    .await
                    .map_err(|e| failed(group, "cannot put our subscription filter", e.into_service_error()))?;
                println!("{group}: subscription filter {FILTER_NAME} put");
            }
        }
        Ok(())
    }

    /// Removes our filter (and any other sending to `function_arn`) from `group`.
    pub async fn detach(&self, group: &str, function_arn: Option<&str>, dry_run: bool) -> Result<(), WiringError> {
        let filters = self.filters(group).await?;
        let ours: Vec<&Filter> =
            filters.iter().filter(|f| f.name == FILTER_NAME || Some(f.destination.as_str()) == function_arn).collect();
        if ours.is_empty() {
            println!("{group}: no subscription filter of ours");
        }
        for filter in ours {
            if dry_run {
                println!("{group}: would delete subscription filter {} (dry run)", filter.name);
            } else {
                self.delete(group, &filter.name).await?;
                println!("{group}: subscription filter {} deleted", filter.name);
            }
        }
        Ok(())
    }

    async fn delete(&self, group: &str, name: &str) -> Result<(), WiringError> {
        self.client
            .delete_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .send()
            .await
            .map_err(|e| failed(group, "cannot delete the subscription filter", e.into_service_error()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:fwd";

    fn filter(name: &str, destination: &str) -> Filter {
        Filter { name: name.into(), destination: destination.into(), pattern: String::new() }
    }

    #[test]
    fn attach_keeps_others_and_refuses_a_full_group() {
        let other = filter("siem", "arn:aws:kinesis:us-east-1:1:stream/s");
        assert_eq!(plan_attach("g", &[], ARN, "").unwrap(), Plan::Put);
        assert_eq!(plan_attach("g", std::slice::from_ref(&other), ARN, "").unwrap(), Plan::Put);
        assert_eq!(plan_attach("g", &[other.clone(), filter(FILTER_NAME, ARN)], ARN, "").unwrap(), Plan::Unchanged);
        assert_eq!(plan_attach("g", &[filter(FILTER_NAME, ARN)], ARN, "ERROR").unwrap(), Plan::Put);
        assert_eq!(plan_attach("g", &[other.clone(), filter("by-hand", ARN)], ARN, "").unwrap(), Plan::Put);
        let full = [other, filter("archive", "arn:aws:firehose:us-east-1:1:deliverystream/a")];
        let err = plan_attach("g", &full, ARN, "").unwrap_err().to_string();
        assert!(err.contains("siem, archive"), "{err}");
    }
}
