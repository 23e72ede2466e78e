//! Structural checks of `template.yaml` (the SAM/CloudFormation template).
//!
//! The template is read with `serde_yaml_ng`, and CloudFormation short-form tags (`!Ref`,
//! `!Sub`, `!GetAtt`, `!If`, ...) are rewritten into their long JSON form (`{"Ref": ..}`,
//! `{"Fn::Sub": ..}`, ...) so that every check sees one shape whichever form the template uses.

use serde_json::{Map, Value, json};
use serde_yaml_ng::Value as Yaml;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml");
const MEMBER_TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/member.yaml");

/// The parsed template, in long-form JSON.
fn template() -> Value {
    load(TEMPLATE)
}

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let yaml: Yaml = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"));
    to_json(yaml)
}

fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64().expect("finite YAML number"))
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    Yaml::String(s) => s,
                    other => serde_yaml_ng::to_string(&other).expect("scalar key").trim().to_owned(),
                };
                out.insert(key, to_json(value));
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!');
            let value = to_json(tagged.value);
            match name {
                "Ref" => json!({ "Ref": value }),
                "Condition" => json!({ "Condition": value }),
                "GetAtt" => match value {
                    // `!GetAtt Resource.Attribute` (the attribute may itself contain dots).
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').expect("!GetAtt Resource.Attribute");
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                other => json!({ format!("Fn::{other}"): value }),
            }
        }
    }
}

fn resources(t: &Value) -> &Map<String, Value> {
    t["Resources"].as_object().expect("Resources is a mapping")
}

fn resources_of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a str, &'a Value)> {
    resources(t).iter().filter(|(_, r)| r["Type"] == ty).map(|(name, r)| (name.as_str(), r)).collect()
}

/// The logical name `value` refers to through `Ref` or `Fn::GetAtt`.
fn referenced(value: &Value) -> Option<&str> {
    value["Ref"].as_str().or_else(|| value["Fn::GetAtt"][0].as_str())
}

/// The single forwarder function (SAM or plain Lambda).
fn function(t: &Value) -> (&str, &Value) {
    let mut functions = resources_of_type(t, "AWS::Serverless::Function");
    functions.extend(resources_of_type(t, "AWS::Lambda::Function"));
    assert_eq!(functions.len(), 1, "exactly one function expected, found {functions:?}");
    functions[0]
}

/// The event pattern of an `AWS::Events::Rule` as JSON. A pattern written as a JSON string
/// through `Fn::Sub` is rendered with `${Parameter}` replaced by `values`; any other
/// `${...}` left in it fails the test.
fn rendered_pattern(rule: &Value, values: &[(&str, &str)]) -> Value {
    let pattern = &rule["Properties"]["EventPattern"];
    let text = match pattern {
        Value::Object(map) if map.contains_key("Fn::Sub") => match &map["Fn::Sub"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts[0].as_str().expect("Fn::Sub string").to_owned(),
            other => panic!("unexpected Fn::Sub {other}"),
        },
        Value::String(s) => s.clone(),
        other => return other.clone(),
    };
    let mut rendered = text.clone();
    for (name, value) in values {
        rendered = rendered.replace(&format!("${{{name}}}"), value);
    }
    assert!(!rendered.contains("${"), "unexpected substitution left in the pattern: {text}");
    serde_json::from_str(&rendered).unwrap_or_else(|e| panic!("pattern is not JSON after substitution ({e}): {text}"))
}

fn guardduty_rules(t: &Value) -> Vec<(&str, &Value)> {
    resources_of_type(t, "AWS::Events::Rule")
        .into_iter()
        .filter(|(_, rule)| {
            let pattern = rendered_pattern(rule, &[("GuardDutyMinSeverity", "0")]);
            pattern["source"].as_array().is_some_and(|s| s.contains(&json!("aws.guardduty")))
                && pattern["detail-type"] == json!(["GuardDuty Finding"])
        })
        .collect()
}

#[test]
fn guardduty_rule_matches_findings_by_minimum_severity() {
    let t = template();
    let rules = guardduty_rules(&t);
    assert_eq!(rules.len(), 1, "exactly one GuardDuty rule expected");
    let (rule_name, rule) = rules[0];

    // A distinctive value proves the threshold comes from the parameter, and comparing
    // with a JSON number proves it is not quoted: EventBridge rejects a string in `numeric`,
    // which is what a `!Ref` to a Number parameter inside a YAML pattern would produce.
    let pattern = rendered_pattern(rule, &[("GuardDutyMinSeverity", "7.25")]);
    assert_eq!(pattern["source"], json!(["aws.guardduty"]));
    assert_eq!(pattern["detail-type"], json!(["GuardDuty Finding"]));
    let detail = pattern["detail"].as_object().expect("detail matcher");
    assert_eq!(detail.keys().collect::<Vec<_>>(), ["severity"], "only severity is matched in detail");
    assert_eq!(
        detail["severity"],
        json!([{ "numeric": [">=", 7.25] }]),
        "severity must be one numeric >= matcher on GuardDutyMinSeverity, never a list of values"
    );

    let param = &t["Parameters"]["GuardDutyMinSeverity"];
    assert_eq!(param["Type"], "Number");
    assert_eq!(param["MinValue"], json!(0));
    assert_eq!(param["MaxValue"], json!(10));
    assert_eq!(param["Default"], json!(0));

    let (function_name, _) = function(&t);
    let targets = rule["Properties"]["Targets"].as_array().expect("rule targets");
    assert!(
        targets.iter().any(|target| referenced(&target["Arn"]) == Some(function_name)),
        "the GuardDuty rule must target {function_name}"
    );
    let allowed = resources_of_type(&t, "AWS::Lambda::Permission").into_iter().any(|(_, p)| {
        let p = &p["Properties"];
        p["Principal"] == "events.amazonaws.com" && referenced(&p["SourceArn"]) == Some(rule_name)
    });
    assert!(allowed, "a Lambda permission for events.amazonaws.com must name {rule_name} as SourceArn");
}

/// Every policy statement in the template, with `Fn::If` branches expanded.
fn statements(t: &Value) -> Vec<Value> {
    fn expand(statement: &Value, out: &mut Vec<Value>) {
        match statement {
            Value::Array(items) => items.iter().for_each(|s| expand(s, out)),
            Value::Object(map) if map.contains_key("Fn::If") => {
                let branches = map["Fn::If"].as_array().expect("Fn::If list");
                branches[1..].iter().for_each(|s| expand(s, out));
            }
            Value::Object(map) if map.contains_key("Ref") => {
                assert_eq!(map["Ref"], "AWS::NoValue", "unexpected Ref as a statement");
            }
            Value::Object(_) => out.push(statement.clone()),
            other => panic!("unexpected statement {other}"),
        }
    }
    fn walk(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "Statement" {
                        expand(child, out);
                    } else {
                        walk(child, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&t["Resources"], &mut out);
    out
}

/// Every string an expression can produce, looking through `Fn::If` branches and lists.
fn literal_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| literal_strings(v, out)),
        Value::Object(map) if map.contains_key("Fn::If") => {
            map["Fn::If"].as_array().expect("Fn::If list")[1..].iter().for_each(|v| literal_strings(v, out));
        }
        _ => {}
    }
}

#[test]
fn no_policy_statement_grants_every_resource() {
    let t = template();
    let statements = statements(&t);
    assert!(statements.len() >= 6, "expected the role, queue and SAM policies to be walked, found {statements:?}");
    for statement in &statements {
        assert!(statement.get("NotResource").is_none(), "NotResource is as broad as \"*\": {statement}");
        assert!(statement.get("NotAction").is_none(), "NotAction is not allowed: {statement}");
        let mut resources = Vec::new();
        literal_strings(&statement["Resource"], &mut resources);
        let mut actions = Vec::new();
        literal_strings(&statement["Action"], &mut actions);
        // Actions AWS gives no resource-level permissions, alone in their statement.
        let without_resources = ["ec2:DescribeNetworkInterfaces"];
        let exempt = actions.iter().all(|a| without_resources.contains(&a.as_str()));
        assert!(exempt || !resources.iter().any(|r| r == "*"), "statement with Resource \"*\": {statement}");
        assert!(!actions.is_empty(), "statement without Action: {statement}");
        assert!(
            !actions.iter().any(|a| a == "*" || a.ends_with(":*")),
            "statement with a wildcard Action: {statement}"
        );
    }

    // No managed policies either: they are outside the template's control and usually use "*".
    for (name, resource) in resources(&t) {
        let properties = &resource["Properties"];
        assert!(properties.get("ManagedPolicyArns").is_none(), "{name} attaches managed policies");
        if let Some(Value::Array(policies)) = properties.get("Policies")
            && resource["Type"] == "AWS::Serverless::Function"
        {
            assert!(
                policies.iter().all(|p| p.is_object()),
                "{name} lists a managed policy by name in Policies: {policies:?}"
            );
        }
    }
}

#[test]
fn function_is_rust_on_provided_al2023_arm64() {
    let t = template();
    let (_, function) = function(&t);
    let properties = &function["Properties"];
    assert_eq!(properties["Runtime"], "provided.al2023");
    assert_eq!(properties["Architectures"], json!(["arm64"]));
    assert_eq!(properties["Handler"], "bootstrap");
    if function["Type"] == "AWS::Serverless::Function" {
        assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
        assert_eq!(function["Metadata"]["BuildProperties"]["Binary"], env!("CARGO_PKG_NAME"));
    }
    let variables = properties["Environment"]["Variables"].as_object().expect("environment variables");
    for name in [
        "DD_SITE",
        "DD_API_KEY_SECRET_ARN",
        "DD_TAGS",
        "DD_COMPRESSION",
        "DD_COMPRESSION_LEVEL",
        "DD_STANDARD_ATTRIBUTES",
        "GUARDDUTY_MIN_SEVERITY",
        "DD_LOG_LEVEL",
    ] {
        assert!(variables.contains_key(name), "environment variable {name} is missing");
    }
    assert!(!variables.contains_key("DD_API_KEY"), "the API key must come from Secrets Manager only");
}

#[test]
fn failed_async_invocations_go_to_an_encrypted_queue() {
    let t = template();
    let (function_name, function) = function(&t);

    let mut configs: Vec<Value> = resources_of_type(&t, "AWS::Lambda::EventInvokeConfig")
        .into_iter()
        .filter(|(_, c)| referenced(&c["Properties"]["FunctionName"]) == Some(function_name))
        .map(|(_, c)| c["Properties"].clone())
        .collect();
    if let Some(config) = function["Properties"].get("EventInvokeConfig") {
        configs.push(config.clone());
    }
    assert_eq!(configs.len(), 1, "exactly one event invoke configuration expected for {function_name}");
    let config = &configs[0];
    assert_eq!(config["MaximumRetryAttempts"], json!({ "Ref": "AsyncRetryAttempts" }));
    assert_eq!(config["MaximumEventAgeInSeconds"], json!({ "Ref": "MaxEventAgeSeconds" }));

    let destination = &config["DestinationConfig"]["OnFailure"]["Destination"];
    let queue_name = referenced(destination).unwrap_or_else(|| panic!("on-failure destination {destination}"));
    let queue = &resources(&t)[queue_name];
    assert_eq!(queue["Type"], "AWS::SQS::Queue", "the on-failure destination is an SQS queue");
    assert_eq!(queue["Properties"]["MessageRetentionPeriod"], json!(1_209_600), "14 days");
    assert_eq!(queue["Properties"]["SqsManagedSseEnabled"], json!(true));

    let alarmed = resources_of_type(&t, "AWS::CloudWatch::Alarm").into_iter().any(|(_, alarm)| {
        let p = &alarm["Properties"];
        p["MetricName"] == "ApproximateNumberOfMessagesVisible"
            && p["Dimensions"].as_array().is_some_and(|d| d.iter().any(|d| referenced(&d["Value"]) == Some(queue_name)))
    });
    assert!(alarmed, "an alarm must watch {queue_name}");
}

#[test]
fn s3_invoke_permissions_are_limited_to_this_account() {
    let t = template();
    let permissions: Vec<_> = resources_of_type(&t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| p["Properties"]["Principal"] == "s3.amazonaws.com")
        .collect();
    assert!(!permissions.is_empty(), "no Lambda permission for s3.amazonaws.com");
    for (name, permission) in permissions {
        let p = &permission["Properties"];
        assert_eq!(p["SourceAccount"], json!({ "Ref": "AWS::AccountId" }), "{name} needs SourceAccount");
        let arn = p["SourceArn"]["Fn::Sub"].as_str().unwrap_or_else(|| panic!("{name} needs a SourceArn"));
        assert!(arn.starts_with("arn:${AWS::Partition}:s3:::${"), "{name}: unexpected SourceArn {arn}");
        assert!(permission["Condition"].is_string(), "{name} must exist only when its bucket is configured");
    }
}

#[test]
fn log_groups_named_at_deploy_time_get_our_filter_and_logs_may_invoke_only_for_this_account() {
    let t = template();
    let transforms = t["Transform"].as_array().expect("a list of transforms");
    assert_eq!(transforms, &[json!("AWS::LanguageExtensions"), json!("AWS::Serverless-2016-10-31")], "ForEach first");
    let each = t["Resources"]["Fn::ForEach::LogGroupSubscriptions"].as_array().expect("the loop over LogGroupNames");
    assert_eq!(each[0], "GroupName");
    assert_eq!(each[1], json!({ "Ref": "LogGroupNames" }));
    assert_eq!(t["Parameters"]["LogGroupNames"]["Type"], "CommaDelimitedList");
    let filter = &each[2]["LogGroupSubscription&{GroupName}"];
    assert_eq!(filter["Type"], "AWS::Logs::SubscriptionFilter");
    assert_eq!(filter["Condition"], "HasLogGroupNames", "an empty list makes no filter");
    assert_eq!(filter["DependsOn"], "CloudWatchLogsPermission", "CloudWatch Logs checks it may invoke first");
    let p = &filter["Properties"];
    assert_eq!(p["LogGroupName"], json!({ "Ref": "GroupName" }));
    assert_eq!(p["FilterName"], "security-log-forwarder", "the name attach, detach and doctor look for");
    assert_eq!(referenced(&p["DestinationArn"]), Some(function(&t).0));
    let logs = &resources(&t)["CloudWatchLogsPermission"]["Properties"];
    assert_eq!(logs["Principal"], "logs.amazonaws.com");
    assert_eq!(logs["SourceAccount"], json!({ "Ref": "AWS::AccountId" }));
    let arn = logs["SourceArn"]["Fn::Sub"].as_str().unwrap();
    assert_eq!(arn, "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*");
}

#[test]
fn slack_is_optional_and_reads_only_its_own_secret() {
    let t = template();
    let (_, function) = function(&t);
    let variables = &function["Properties"]["Environment"]["Variables"];
    for name in ["SLACK_WEBHOOK_URL_SECRET_ARN", "SLACK_MIN_SEVERITY", "SLACK_MENTION_HIGH", "SLACK_MENTION_CRITICAL"] {
        assert!(variables.get(name).is_some(), "environment variable {name} is missing");
    }
    assert!(variables.get("SLACK_WEBHOOK_URL").is_none(), "the webhook URL must stay in Secrets Manager");
    assert_eq!(t["Parameters"]["SlackWebhookUrlSecretArn"]["Default"], "");
    let slack: Vec<Value> = statements(&t).into_iter().filter(|s| s["Sid"] == "ReadSlackWebhook").collect();
    assert_eq!(slack.len(), 1);
    assert_eq!(slack[0]["Action"], "secretsmanager:GetSecretValue");
    assert_eq!(slack[0]["Resource"], json!({"Ref": "SlackWebhookUrlSecretArn"}));
    let outputs = t["Outputs"].to_string();
    assert!(!outputs.contains("Slack"), "no stack output may carry the webhook");
}

#[test]
fn the_backfill_role_is_optional_trusts_batch_operations_and_invokes_only_this_function() {
    let t = template();
    let role = &resources(&t)["BatchOperationsRole"];
    assert_eq!(role["Condition"], "HasBatchOperations");
    let trust = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Principal"]["Service"], "batchoperations.s3.amazonaws.com");
    assert_eq!(trust["Condition"]["StringEquals"]["aws:SourceAccount"], json!({"Ref": "AWS::AccountId"}));
    let statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array().unwrap();
    let invoke = statements.iter().find(|s| s["Action"] == "lambda:InvokeFunction").unwrap();
    assert_eq!(invoke["Resource"][0], json!({"Fn::GetAtt": ["ForwarderFunction", "Arn"]}));
    let write = statements.iter().find(|s| s["Action"] == "s3:PutObject").unwrap();
    let resource = write["Resource"]["Fn::Sub"].as_str().unwrap();
    assert!(resource.ends_with("${BatchOperationsBucketName}/${BatchOperationsReportPrefix}*"), "{resource}");
    assert_eq!(t["Outputs"]["BatchOperationsRoleArn"]["Condition"], "HasBatchOperations");
    // The function's concurrency cap is a parameter (a backfill must not flood the intake).
    let (_, function) = function(&t);
    let reserved = &function["Properties"]["ReservedConcurrentExecutions"];
    assert_eq!(reserved["Fn::If"][0], "HasReservedConcurrency");
}

#[test]
fn one_switched_rule_per_finding_family_with_its_permission_and_dead_letters() {
    let t = template();
    let (function_name, function) = function(&t);
    let families = [
        ("ForwardGuardDutyFindings", "aws.guardduty", "GuardDuty Finding", "true"),
        (
            "ForwardMalwareProtectionResults",
            "aws.guardduty",
            "GuardDuty Malware Protection Object Scan Result",
            "false",
        ),
        ("ForwardSecurityHubFindings", "aws.securityhub", "Security Hub Findings - Imported", "false"),
        ("ForwardSecurityHubOcsfFindings", "aws.securityhub", "Findings Imported V2", "false"),
        ("ForwardInspectorFindings", "aws.inspector2", "Inspector2 Finding", "false"),
        ("ForwardMacieFindings", "aws.macie", "Macie Finding", "false"),
        ("ForwardAccessAnalyzerFindings", "aws.access-analyzer", "Access Analyzer Finding", "false"),
    ];
    let dead_letter_sources =
        t["Resources"]["FailureQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]["ArnEquals"]
            ["aws:SourceArn"]
            .to_string();
    for (switch, source, detail_type, default) in families {
        assert_eq!(t["Parameters"][switch]["Default"], default, "{switch}");
        let rules: Vec<_> = resources_of_type(&t, "AWS::Events::Rule")
            .into_iter()
            .filter(|(_, rule)| {
                let pattern = rendered_pattern(rule, &[("GuardDutyMinSeverity", "0")]);
                pattern["source"] == json!([source]) && pattern["detail-type"] == json!([detail_type])
            })
            .collect();
        assert_eq!(rules.len(), 1, "one rule for {source} {detail_type}");
        let (name, rule) = rules[0];
        let condition = rule["Condition"].as_str().unwrap_or_else(|| panic!("{name} has no Condition"));
        assert_eq!(t["Conditions"][condition]["Fn::Equals"][0]["Ref"], switch, "{name} is switched by {switch}");
        let targets = rule["Properties"]["Targets"].as_array().unwrap();
        assert!(targets.iter().all(|target| referenced(&target["Arn"]) == Some(function_name)), "{name}");
        assert!(targets.iter().all(|target| target["DeadLetterConfig"]["Arn"].is_object()), "{name}");
        let permitted = resources_of_type(&t, "AWS::Lambda::Permission").into_iter().any(|(_, p)| {
            p["Condition"] == condition
                && p["Properties"]["Principal"] == "events.amazonaws.com"
                && referenced(&p["Properties"]["SourceArn"]) == Some(name)
        });
        assert!(permitted, "{name} needs its own Lambda permission");
        assert!(dead_letter_sources.contains(&format!("\"{name}\"")), "{name} may send dead letters");
    }
    let skip = function["Properties"]["Environment"]["Variables"]["SECURITYHUB_SKIP_COPIES_OF"].to_string();
    for family in ["guardduty,", "inspector2,", "macie,", "access-analyzer"] {
        assert!(skip.contains(family), "SECURITYHUB_SKIP_COPIES_OF lists {family} when its rule exists");
    }
}
/// The condition `value` is guarded by when it is `Fn::If [condition, then, AWS::NoValue]`.
fn only_when(value: &Value) -> (&str, &Value) {
    let branches = value["Fn::If"].as_array().unwrap_or_else(|| panic!("{value} is not an Fn::If"));
    assert_eq!(branches[2], json!({"Ref": "AWS::NoValue"}), "{value}: nothing otherwise");
    (branches[0].as_str().expect("condition name"), &branches[1])
}

/// The forwarder role's statements that exist only under a condition, with it.
fn conditional_role_statements(t: &Value) -> Vec<(&str, &Value)> {
    let policy = &t["Resources"]["ForwarderRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    policy.as_array().expect("statements").iter().filter(|s| s.get("Fn::If").is_some()).map(only_when).collect()
}

#[test]
fn vpc_config_only_with_subnets_and_the_vpc_permissions_with_it() {
    let t = template();
    let (_, f) = function(&t);
    let (condition, vpc) = only_when(&f["Properties"]["VpcConfig"]);
    assert_eq!(vpc, &json!({"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}));
    assert_eq!(
        t["Conditions"][condition],
        json!({"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SubnetIds"}]}, ""]}]}),
        "VpcConfig only when SubnetIds is not empty"
    );
    assert_eq!(t["Parameters"]["SubnetIds"]["Default"], "");
    let vpc_statements: Vec<(&str, &Value)> = conditional_role_statements(&t)
        .into_iter()
        .filter(|(_, s)| s["Sid"].as_str().is_some_and(|sid| sid.contains("Vpc")))
        .collect();
    assert_eq!(vpc_statements.len(), 2, "the network-interface permissions");
    assert!(vpc_statements.iter().all(|(c, _)| *c == condition), "only with SubnetIds");
    // The proxy, NO_PROXY and FIPS settings reach the function.
    let env = &f["Properties"]["Environment"]["Variables"];
    for (var, parameter) in
        [("HTTPS_PROXY", "HttpsProxy"), ("NO_PROXY", "NoProxy"), ("AWS_USE_FIPS_ENDPOINT", "UseFipsEndpoints")]
    {
        assert_eq!(env[var], json!({"Ref": parameter}), "{var}");
    }
}

#[test]
fn each_key_source_gets_only_its_own_permission() {
    let t = template();
    let statements = statements(&t);
    let guarded = conditional_role_statements(&t);
    for (sid, action, condition) in [
        ("ReadApiKey", "secretsmanager:GetSecretValue", "UseSecretApiKey"),
        ("ReadApiKeyParameter", "ssm:GetParameter", "HasSsmApiKey"),
        ("DecryptApiKey", "kms:Decrypt", "HasKmsApiKeyKeyArn"),
    ] {
        let (found, statement) = guarded.iter().find(|(_, s)| s["Sid"] == sid).unwrap_or_else(|| panic!("{sid}"));
        assert_eq!(*found, condition, "{sid}");
        assert_eq!(statement["Action"], action, "{sid}");
        let count = statements.iter().filter(|s| s["Action"] == action && s["Sid"] == sid).count();
        assert_eq!(count, 1, "{sid} appears once");
    }
    // The environment names one source; the others are empty strings (unset for config).
    let (_, f) = function(&t);
    let env = &f["Properties"]["Environment"]["Variables"];
    assert_eq!(env["DD_API_KEY_SSM_NAME"], json!({"Ref": "DdApiKeySsmName"}));
    assert_eq!(env["DD_KMS_API_KEY"], json!({"Ref": "DdKmsApiKey"}));
    assert_eq!(env["DD_API_KEY_SECRET_ARN"]["Fn::If"][0], "UseSecretApiKey");
    assert_eq!(env["DD_API_KEY_SECRET_ARN"]["Fn::If"][2], "");
    for rule in ["SsmKeyIsTheOnlySource", "KmsKeyIsTheOnlySource", "ApiKeyRequired"] {
        assert!(t["Rules"][rule].is_object(), "{rule}");
    }
}

#[test]
fn the_central_bus_accepts_findings_from_the_organisation() {
    let t = template();
    let (_, policy) = resources_of_type(&t, "AWS::Events::EventBusPolicy").pop().expect("a bus policy");
    assert_eq!(policy["Condition"], "HasOrganization");
    let statement = &policy["Properties"]["Statement"];
    assert_eq!(statement["Action"], "events:PutEvents");
    assert_eq!(statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"], json!({"Ref": "OrganizationId"}));
    assert!(t["Outputs"]["CentralEventBusArn"].is_object());
}

#[test]
fn the_member_template_sends_findings_to_the_central_bus_with_a_role() {
    let t = load(MEMBER_TEMPLATE);
    let rules = resources_of_type(&t, "AWS::Events::Rule");
    let mut sources: Vec<String> = Vec::new();
    for (name, rule) in &rules {
        let targets = rule["Properties"]["Targets"].as_array().expect("targets");
        assert_eq!(targets.len(), 1, "{name}");
        assert_eq!(targets[0]["Arn"], json!({"Ref": "CentralEventBusArn"}), "{name} targets the central bus");
        let role = referenced(&targets[0]["RoleArn"]).unwrap_or_else(|| panic!("{name} needs a RoleArn"));
        let role = &t["Resources"][role];
        assert_eq!(role["Type"], "AWS::IAM::Role");
        let trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"].clone();
        assert_eq!(trust, "events.amazonaws.com", "{name}");
        let statement = &role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Action"], "events:PutEvents");
        assert_eq!(statement["Resource"], json!({"Ref": "CentralEventBusArn"}), "only the central bus");
        let pattern = rendered_pattern(rule, &[("GuardDutyMinSeverity", "0")]);
        sources.push(pattern["source"][0].as_str().unwrap_or_default().to_owned());
        assert!(rule["Condition"].as_str().is_some(), "{name}: not created where the central bus is");
    }
    sources.sort();
    assert_eq!(sources, ["aws.guardduty", "aws.securityhub"]);
    assert!(t.get("Transform").is_none(), "plain CloudFormation, for StackSets");
}

#[test]
fn s3_access_logs_are_admitted_by_their_prefix_only_when_it_is_named() {
    let t = template();
    let parameter = &t["Parameters"]["S3AccessLogsPrefix"];
    assert_eq!(parameter["Default"], json!(""));
    assert_eq!(
        t["Conditions"]["HasS3AccessLogsPrefix"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "S3AccessLogsPrefix"}, ""]}]})
    );
    let rule = &resources(&t)["S3ObjectCreatedRule"];
    let keys = rule["Properties"]["EventPattern"]["detail"]["object"]["key"].as_array().unwrap();
    // The suffixes stay; the prefix is added only when named (never an empty prefix, which
    // would admit every key).
    for suffix in [".gz", ".log", ".parquet"] {
        assert!(keys.contains(&json!({"suffix": suffix})), "{keys:?}");
    }
    let prefix = json!({"Fn::If": ["HasS3AccessLogsPrefix", {"prefix": {"Ref": "S3AccessLogsPrefix"}}, {"Ref": "AWS::NoValue"}]});
    assert!(keys.contains(&prefix), "{keys:?}");
    let pattern = regex::Regex::new(parameter["AllowedPattern"].as_str().unwrap()).unwrap();
    assert!(pattern.is_match("access-logs/") && pattern.is_match("") && pattern.is_match("logs/my-bucket-"));
    assert!(!pattern.is_match("/access") && !pattern.is_match("access*"));
}
