//! `doctor`'s check of the EventBridge rules that send findings to the function: which
//! finding family each rule carries (by its event pattern), its state, and which families
//! no rule sends. When each rule last matched is CloudWatch's `MatchedEvents` metric, which
//! this check does not read (the function carries no CloudWatch client): the line says
//! where to look.

use aws_sdk_eventbridge::Client;
use serde_json::Value;

use super::merge::FunctionRef;
use crate::aws_sdk::SharedSdkConfig;
use crate::finding::FAMILIES;

/// A rule that targets the function, with the families its pattern lets through.
#[derive(Debug, PartialEq)]
pub(super) struct FindingRule {
    /// The rule's name.
    pub(super) name: String,
    /// `ENABLED`, `DISABLED`…
    pub(super) state: String,
    /// The names of the families whose events the pattern matches.
    pub(super) families: Vec<&'static str>,
}

/// The families a pattern's `source` and `detail-type` let through (a missing
/// `detail-type` lets every detail-type of the source through).
pub(super) fn families_of(pattern: &str) -> Vec<&'static str> {
    let Ok(pattern) = serde_json::from_str::<Value>(pattern) else { return Vec::new() };
    let listed = |name: &str, value: &str| match &pattern[name] {
        Value::Array(values) => values.iter().any(|v| v == value),
        Value::Null => name == "detail-type",
        other => other == value,
    };
    FAMILIES
        .iter()
        .filter(|f| listed("source", f.event_source) && listed("detail-type", f.detail_type))
        .map(|f| f.name)
        .collect()
}

fn targets_function(arn: &str, function: &FunctionRef) -> bool {
    let name = |arn: &str| arn.split(":function:").nth(1).map(|rest| rest.split(':').next().unwrap_or(rest).to_owned());
    match function {
        FunctionRef::Arn(ours) => arn == ours || name(arn).is_some_and(|n| Some(n) == name(ours)),
        FunctionRef::Name(ours) => name(arn).as_deref() == Some(ours.as_str()),
    }
}

/// The rules of the default event bus that send findings to `function`.
pub(super) async fn finding_rules(
    sdk: &SharedSdkConfig,
    function: &FunctionRef,
) -> Result<Vec<FindingRule>, aws_sdk_eventbridge::Error> {
    let client = Client::new(sdk.get().await);
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = client.list_rules().set_next_token(token.take()).send().await?;
        for rule in page.rules() {
            let (Some(name), Some(pattern)) = (rule.name(), rule.event_pattern()) else { continue };
            let families = families_of(pattern);
            if families.is_empty() {
                continue;
            }
            let targets = client.list_targets_by_rule().rule(name).send().await?;
            if targets.targets().iter().any(|t| targets_function(t.arn(), function)) {
                let state = rule.state().map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned());
                found.push(FindingRule { name: name.to_owned(), state, families });
            }
        }
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(found),
        }
    }
}

/// The families no enabled rule sends.
pub(super) fn unforwarded(rules: &[FindingRule]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = FAMILIES.iter().map(|f| f.name).collect();
    names.retain(|name| !rules.iter().any(|r| r.state == "ENABLED" && r.families.contains(name)));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_their_families() {
        let guardduty = r#"{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],"detail":{"severity":[{"numeric":[">=",4]}]}}"#;
        assert_eq!(families_of(guardduty), ["GuardDuty"]);
        assert_eq!(families_of(r#"{"source":["aws.guardduty"]}"#), ["GuardDuty", "GuardDuty Malware Protection"]);
        assert_eq!(
            families_of(r#"{"source":["aws.securityhub","aws.macie"]}"#),
            ["Security Hub", "Security Hub (OCSF)", "Macie"]
        );
        assert!(families_of(r#"{"source":["aws.s3"],"detail-type":["Object Created"]}"#).is_empty());
        assert!(families_of("not json").is_empty());
    }

    #[test]
    fn targets_by_arn_or_name() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:slf";
        assert!(targets_function(arn, &FunctionRef::Name("slf".into())));
        assert!(targets_function(&format!("{arn}:live"), &FunctionRef::Arn(arn.into())));
        assert!(!targets_function(arn, &FunctionRef::Name("other".into())));
        let rules = [FindingRule { name: "r".into(), state: "ENABLED".into(), families: vec!["GuardDuty"] }];
        assert_eq!(unforwarded(&rules).len(), FAMILIES.len() - 1);
    }
}
