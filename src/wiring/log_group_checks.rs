//! `doctor`'s look at CloudWatch Logs groups: for each group named (or found by prefix), that
//! our subscription filter (or our account policy) sends it to the function and with which
//! pattern, that the function's resource policy lets CloudWatch Logs invoke it for the group
//! (when Lambda can be asked; said so when it cannot), and when the group last received an
//! event.

use std::time::{Duration, SystemTime};

use super::account_policy::{AccountPolicies, AccountPolicy, POLICY_NAME};
use super::check_report::Report;
use super::function::{Functions, logs_may_invoke};
use super::log_groups::{FILTER_NAME, Filter, LogGroups};
use super::merge::FunctionRef;
use crate::aws_sdk::SharedSdkConfig;
use crate::timestamp::human_age;

/// What the checks know of the function.
struct Target {
    /// Its ARN, when given or found.
    arn: Option<String>,
    /// Its resource policy: `Ok(None)` when it has none, `Err` when it cannot be read.
    policy: Result<Option<String>, String>,
    /// Our account policy to it, if any.
    account_policy: Option<AccountPolicy>,
}

/// Checks the groups named and those starting with `prefix`.
pub(super) async fn check_log_groups(
    report: &mut Report,
    sdk: &SharedSdkConfig,
    function: Option<&FunctionRef>,
    named: &[String],
    prefix: Option<&str>,
) {
    let logs = LogGroups::new(sdk).await;
    let mut groups = named.to_vec();
    if let Some(prefix) = prefix {
        match logs.groups_with_prefix(prefix).await {
            Ok(found) if found.is_empty() => report.fail(
                "log groups",
                format_args!("no log group starts with {prefix:?}"),
                "check the prefix and the Region",
            ),
            Ok(found) => groups.extend(found),
            Err(err) => report.fail("log groups", err, "allow logs:DescribeLogGroups to whoever runs doctor"),
        }
    }
    if groups.is_empty() {
        return;
    }
    let target = target(report, sdk, function).await;
    for group in &groups {
        check_group(report, &logs, &target, group).await;
    }
}

async fn target(report: &mut Report, sdk: &SharedSdkConfig, function: Option<&FunctionRef>) -> Target {
    let Some(function) = function else {
        report.note("log group permissions: no function to check them against (pass --function-arn)");
        return Target { arn: None, policy: Err("no function given".into()), account_policy: None };
    };
    let (given, functions) = match function {
        FunctionRef::Arn(arn) | FunctionRef::Name(arn) => (arn.as_str(), Functions::new(sdk).await),
    };
    let (arn, policy) = match functions.describe(given).await {
        Ok(info) => {
            let policy = functions.policy(&info.arn).await;
            (Some(info.arn), policy)
        }
        Err(problem) => {
            report.note(format_args!(
                "function {given} cannot be reached ({problem}): the permission for CloudWatch Logs is not checked"
            ));
            let arn = matches!(function, FunctionRef::Arn(_)).then(|| given.to_owned());
            (arn, Err(problem))
        }
    };
    let account_policy = match AccountPolicies::new(sdk).await.list().await {
        Ok(policies) => policies.into_iter().find(|p| p.name == POLICY_NAME && Some(&p.destination) == arn.as_ref()),
        Err(err) => {
            report.note(format_args!("{err}: groups are checked for their own subscription filters only"));
            None
        }
    };
    if let Some(policy) = &account_policy {
        let except = policy.selection_criteria().unwrap_or_else(|| "no exclusions".into());
        report.pass(
            "account subscription policy",
            format_args!("{POLICY_NAME} sends every log group to the function, {except}"),
        );
    }
    Target { arn, policy, account_policy }
}

async fn check_group(report: &mut Report, logs: &LogGroups, target: &Target, group: &str) {
    let name = format!("log group {group} subscription");
    let filters = match logs.filters(group).await {
        Ok(filters) => filters,
        Err(err) => {
            return report.fail(
                &name,
                err,
                "check the group name and the Region; reading needs logs:DescribeSubscriptionFilters",
            );
        }
    };
    let arn = target.arn.as_deref();
    let attach = format!("security-log-forwarder attach --log-group {group} --function-arn {}", arn.unwrap_or("ARN"));
    match filters.iter().find(|f| f.name == FILTER_NAME || Some(f.destination.as_str()) == arn) {
        Some(f) if arn.is_some_and(|a| a != f.destination) => report.fail(
            &name,
            format_args!("the filter {} sends to {}, not to the function", f.name, f.destination),
            attach,
        ),
        Some(f) => report.pass(&name, format_args!("filter {} -> {}, {}", f.name, f.destination, pattern(&f.pattern))),
        None => match &target.account_policy {
            Some(policy) if policy.covers(group) => report
                .pass(&name, format_args!("through the account policy {}, {}", policy.name, pattern(&policy.pattern))),
            _ => report.fail(
                &name,
                format_args!("no subscription filter to the function ({})", others(&filters)),
                attach,
            ),
        },
    }
    check_permission(report, target, group);
    match logs.last_event_ms(group).await {
        Ok(Some(ms)) => report.pass(&format!("log group {group} newest event"), age(ms)),
        Ok(None) => report.note(format_args!("log group {group}: no event stored yet (is its source writing to it?)")),
        Err(err) => {
            report.fail(&format!("log group {group} newest event"), err, "reading needs logs:DescribeLogStreams")
        }
    }
}

fn check_permission(report: &mut Report, target: &Target, group: &str) {
    let name = format!("log group {group} may invoke the function");
    let (Some(arn), Ok(policy)) = (target.arn.as_deref(), &target.policy) else {
        if let (Some(_), Err(problem)) = (&target.arn, &target.policy) {
            report.note(format_args!(
                "{name}: not checked ({problem}; doctor needs lambda:GetFunctionConfiguration and lambda:GetPolicy)"
            ));
        }
        return;
    };
    let part = |i: usize| arn.split(':').nth(i).unwrap_or_default();
    let (partition, region, account) = (part(1), part(3), part(4));
    let group_arn = format!("arn:{partition}:logs:{region}:{account}:log-group:{group}:*");
    let fix = "deploy the stack: its CloudWatchLogsPermission lets logs.amazonaws.com invoke the function for this account's and Region's groups";
    match policy.as_deref().map(|p| logs_may_invoke(p, &group_arn, account)) {
        Some(Some(statement)) => report.pass(&name, format_args!("logs.amazonaws.com is allowed by {statement}")),
        Some(None) => report.fail(
            &name,
            "no statement of the function's policy lets logs.amazonaws.com invoke it for this group",
            fix,
        ),
        None => report.fail(&name, "the function has no resource policy", fix),
    }
}

fn pattern(pattern: &str) -> String {
    if pattern.is_empty() { "every event (empty pattern)".to_owned() } else { format!("pattern {pattern:?}") }
}

fn others(filters: &[Filter]) -> String {
    match filters {
        [] => "it has none".to_owned(),
        [one] => format!("one other: {}", one.name),
        [a, b, ..] => format!("both slots taken by {} and {}: remove one first", a.name, b.name),
    }
}

fn age(ms: i64) -> String {
    let when = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string());
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
    format!("{when} ({} ago)", human_age(Duration::from_millis(now.saturating_sub(ms).max(0) as u64)))
}
