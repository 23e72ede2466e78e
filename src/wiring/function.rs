//! What the wiring commands ask Lambda about the function: its own log group (which an
//! account-level subscription must exclude) and whether its resource policy lets CloudWatch
//! Logs invoke it for a group. Reads only.

use super::log_groups::problem;
use crate::aws_sdk::SharedSdkConfig;

/// Reads the function's configuration and resource policy.
pub struct Functions {
    client: aws_sdk_lambda::Client,
}

/// The function as Lambda describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Its ARN.
    pub arn: String,
    /// Where it writes its own logs (`/aws/lambda/<name>` unless its logging configuration
    /// names another group).
    pub log_group: String,
}

/// The group a function named `name` logs to by default.
pub fn default_log_group(arn_or_name: &str) -> String {
    let name = arn_or_name.split(':').nth(6).unwrap_or(arn_or_name);
    format!("/aws/lambda/{name}")
}

impl Functions {
    /// A client on the shared SDK configuration.
    pub async fn new(sdk: &SharedSdkConfig) -> Self {
        Self { client: aws_sdk_lambda::Client::new(sdk.get().await) }
    }

    /// The function's ARN and log group; an error (Lambda's code and message) when it cannot
    /// be read.
    pub async fn describe(&self, function: &str) -> Result<FunctionInfo, String> {
        let output = self
            .client
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| problem("cannot read the function", e.into_service_error()))?;
        let arn = output.function_arn().unwrap_or(function).to_owned();
        let log_group =
            output.logging_config().and_then(|l| l.log_group()).map_or_else(|| default_log_group(&arn), str::to_owned);
        Ok(FunctionInfo { arn, log_group })
    }

    /// The function's resource policy (JSON); `None` when it has none.
    pub async fn policy(&self, function: &str) -> Result<Option<String>, String> {
        match self.client.get_policy().function_name(function).send().await {
            Ok(output) => Ok(output.policy().map(str::to_owned)),
            Err(err) => {
                let err = err.into_service_error();
                if err.is_resource_not_found_exception() {
                    Ok(None)
                } else {
                    Err(problem("cannot read the function's resource policy", err))
                }
            }
        }
    }
}

/// The statement of `policy` that lets `logs.amazonaws.com` invoke the function for the group
/// whose ARN is `group_arn`, in `account`: its Sid and source condition.
pub fn logs_may_invoke(policy: &str, group_arn: &str, account: &str) -> Option<String> {
    let policy: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    statements.iter().find_map(|s| {
        let allows = s["Effect"] == "Allow"
            && any_of(&s["Principal"]["Service"], |v| v == "logs.amazonaws.com")
            && any_of(&s["Action"], |v| v == "lambda:InvokeFunction" || v == "lambda:*" || v == "*");
        let condition = &s["Condition"];
        let source_arn =
            condition["ArnLike"]["AWS:SourceArn"].as_str().or(condition["ArnEquals"]["AWS:SourceArn"].as_str());
        let source_account = condition["StringEquals"]["AWS:SourceAccount"].as_str();
        let arn_ok = source_arn.is_none_or(|pattern| arn_like(pattern, group_arn));
        let account_ok = source_account.is_none_or(|a| a == account);
        (allows && arn_ok && account_ok).then(|| {
            let sid = s["Sid"].as_str().unwrap_or("(no Sid)");
            format!("{sid} (SourceArn {})", source_arn.unwrap_or("any"))
        })
    })
}

fn any_of(value: &serde_json::Value, test: impl Fn(&str) -> bool) -> bool {
    match value {
        serde_json::Value::String(s) => test(s),
        serde_json::Value::Array(list) => list.iter().filter_map(|v| v.as_str()).any(test),
        _ => false,
    }
}

/// IAM's `ArnLike`: `*` is any run of characters, `?` any one; case-sensitive.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), arn.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/prod/cluster:*";

    #[test]
    fn the_templates_permission_lets_logs_invoke_for_the_accounts_groups() {
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"events","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction"},
            {"Sid":"logs","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
             "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:us-east-1:123456789012:log-group:*"},
                          "StringEquals":{"AWS:SourceAccount":"123456789012"}}}]}"#;
        let found = logs_may_invoke(policy, GROUP, "123456789012").unwrap();
        assert!(found.starts_with("logs (SourceArn arn:aws:logs:us-east-1:123456789012:log-group:*)"), "{found}");
        assert_eq!(logs_may_invoke(policy, &GROUP.replace("us-east-1", "eu-west-1"), "123456789012"), None);
        assert_eq!(logs_may_invoke(policy, GROUP, "999999999999"), None);
        let one_group = policy.replace("log-group:*", "log-group:/aws/eks/dev/cluster:*");
        assert_eq!(logs_may_invoke(&one_group, GROUP, "123456789012"), None);
        assert_eq!(logs_may_invoke("not json", GROUP, "123456789012"), None);
    }

    #[test]
    fn arn_like_and_default_groups() {
        assert!(arn_like("arn:aws:logs:*:1:log-group:/a?c:*", "arn:aws:logs:us-east-1:1:log-group:/abc:*"));
        assert!(!arn_like("arn:aws:logs:*:1:log-group:/a?c:*", "arn:aws:logs:us-east-1:1:log-group:/ABC:*"));
        assert!(arn_like("*", "anything"));
        assert_eq!(default_log_group("arn:aws:lambda:us-east-1:1:function:fwd"), "/aws/lambda/fwd");
        assert_eq!(default_log_group("fwd"), "/aws/lambda/fwd");
    }
}
