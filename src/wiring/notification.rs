//! A bucket's notification configuration as plain data: every destination (topic, queue,
//! function) with its Id, ARN, events and key filter exactly as S3 gave them, and whether
//! EventBridge delivery is on. Converts from and to the SDK's types without loss, and shows
//! itself as the JSON the AWS CLI prints.

use aws_sdk_s3::error::BuildError;
use aws_sdk_s3::types::{
    Event, EventBridgeConfiguration, FilterRule, FilterRuleName, LambdaFunctionConfiguration,
    NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter, TopicConfiguration,
};
use serde_json::{Value, json};

/// Where a destination sends events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An SNS topic.
    Topic,
    /// An SQS queue.
    Queue,
    /// A Lambda function.
    Function,
}

impl Kind {
    /// `topic`, `queue` or `function`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Queue => "queue",
            Self::Function => "function",
        }
    }
}

/// One destination configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Topic, queue or function.
    pub kind: Kind,
    /// The configuration's Id (S3 generates one when none is given).
    pub id: Option<String>,
    /// The topic, queue or function ARN.
    pub arn: String,
    /// Event types, such as `s3:ObjectCreated:*`.
    pub events: Vec<String>,
    /// The key filter rules (`prefix`/`suffix`, as S3 spells them), `None` without a filter.
    pub filter: Option<Vec<(String, String)>>,
}

impl Destination {
    /// The value of the filter rule `name` (`prefix` or `suffix`, any case); empty if none.
    pub fn rule(&self, name: &str) -> &str {
        self.filter
            .iter()
            .flatten()
            .find(|(rule, _)| rule.eq_ignore_ascii_case(name))
            .map_or("", |(_, value)| value.as_str())
    }

    /// `Id` (kind ARN), for messages.
    pub fn describe(&self) -> String {
        format!("`{}` ({} {})", self.id.as_deref().unwrap_or("(no Id)"), self.kind.name(), self.arn)
    }

    fn to_json(&self) -> Value {
        let arn_field = match self.kind {
            Kind::Topic => "TopicArn",
            Kind::Queue => "QueueArn",
            Kind::Function => "LambdaFunctionArn",
        };
        let mut value = json!({ arn_field: self.arn, "Events": self.events });
        if let Some(id) = &self.id {
            value["Id"] = json!(id);
        }
        if let Some(rules) = &self.filter {
            let rules: Vec<Value> = rules.iter().map(|(name, value)| json!({"Name": name, "Value": value})).collect();
            value["Filter"] = json!({"Key": {"FilterRules": rules}});
        }
        value
    }
}

/// A bucket's whole notification configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    /// Every destination, topics first, then queues, then functions, each in S3's order.
    pub destinations: Vec<Destination>,
    /// Whether EventBridge delivery is on.
    pub event_bridge: bool,
}

impl Notifications {
    /// As the AWS CLI prints it (`get-bucket-notification-configuration`).
    pub fn to_json(&self) -> Value {
        let mut value = json!({});
        for (kind, field) in [
            (Kind::Topic, "TopicConfigurations"),
            (Kind::Queue, "QueueConfigurations"),
            (Kind::Function, "LambdaFunctionConfigurations"),
        ] {
            let list: Vec<Value> =
                self.destinations.iter().filter(|d| d.kind == kind).map(Destination::to_json).collect();
            if !list.is_empty() {
                value[field] = Value::Array(list);
            }
        }
        if self.event_bridge {
            value["EventBridgeConfiguration"] = json!({});
        }
        value
    }

    /// Read from what S3 answered.
    pub(crate) fn from_sdk(
        topics: &[TopicConfiguration],
        queues: &[QueueConfiguration],
        functions: &[LambdaFunctionConfiguration],
        event_bridge: bool,
    ) -> Self {
        let topics = topics.iter().map(|c| read(Kind::Topic, c.id(), c.topic_arn(), c.events(), c.filter()));
        let queues = queues.iter().map(|c| read(Kind::Queue, c.id(), c.queue_arn(), c.events(), c.filter()));
        let functions =
            functions.iter().map(|c| read(Kind::Function, c.id(), c.lambda_function_arn(), c.events(), c.filter()));
        Self { destinations: topics.chain(queues).chain(functions).collect(), event_bridge }
    }

    /// The SDK configuration to write.
    pub(crate) fn to_sdk(&self) -> Result<NotificationConfiguration, BuildError> {
        let (mut topics, mut queues, mut functions) = (Vec::new(), Vec::new(), Vec::new());
        for d in &self.destinations {
            let events = Some(d.events.iter().map(|e| Event::from(e.as_str())).collect());
            let filter = d.filter.as_ref().map(|rules| sdk_filter(rules));
            // The three configuration types differ only in their type and ARN field.
            macro_rules! build {
                ($config:ty, $arn:ident) => {
                    <$config>::builder()
                        .set_id(d.id.clone())
                        .$arn(&d.arn)
                        .set_events(events)
                        .set_filter(filter)
                        .build()?
                };
            }
            match d.kind {
                Kind::Topic => topics.push(build!(TopicConfiguration, topic_arn)),
                Kind::Queue => queues.push(build!(QueueConfiguration, queue_arn)),
                Kind::Function => functions.push(build!(LambdaFunctionConfiguration, lambda_function_arn)),
            }
        }
        Ok(NotificationConfiguration::builder()
            .set_topic_configurations(Some(topics))
            .set_queue_configurations(Some(queues))
            .set_lambda_function_configurations(Some(functions))
            .set_event_bridge_configuration(self.event_bridge.then(|| EventBridgeConfiguration::builder().build()))
            .build())
    }
}

fn read(
    kind: Kind,
    id: Option<&str>,
    arn: &str,
    events: &[Event],
    filter: Option<&NotificationConfigurationFilter>,
) -> Destination {
    let filter = filter.map(|f| {
        f.key()
            .map(|key| key.filter_rules())
            .unwrap_or_default()
            .iter()
            .map(|rule| {
                let name = rule.name().map_or("", FilterRuleName::as_str).to_owned();
                (name, rule.value().unwrap_or_default().to_owned())
            })
            .collect()
    });
    Destination {
        kind,
        id: id.map(str::to_owned),
        arn: arn.to_owned(),
        events: events.iter().map(|e| e.as_str().to_owned()).collect(),
        filter,
    }
}

fn sdk_filter(rules: &[(String, String)]) -> NotificationConfigurationFilter {
    let rules = rules
        .iter()
        .map(|(name, value)| FilterRule::builder().name(FilterRuleName::from(name.as_str())).value(value).build())
        .collect();
    NotificationConfigurationFilter::builder().key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build()).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Notifications {
        let d = |kind, id: &str, arn: &str, events: &[&str], filter: Option<Vec<(&str, &str)>>| Destination {
            kind,
            id: Some(id.to_owned()),
            arn: arn.to_owned(),
            events: events.iter().map(|e| e.to_string()).collect(),
            filter: filter.map(|rules| rules.into_iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect()),
        };
        Notifications {
            destinations: vec![
                d(Kind::Topic, "t", "arn:aws:sns:us-east-1:1:t", &["s3:ObjectRemoved:*"], None),
                d(
                    Kind::Queue,
                    "q",
                    "arn:aws:sqs:us-east-1:1:q",
                    &["s3:ObjectCreated:*"],
                    Some(vec![("Prefix", "siem/")]),
                ),
                d(
                    Kind::Function,
                    "f",
                    "arn:aws:lambda:us-east-1:1:function:f",
                    &["s3:ObjectCreated:Put"],
                    Some(vec![]),
                ),
            ],
            event_bridge: true,
        }
    }

    #[test]
    fn round_trips_through_the_sdk_types() {
        let n = sample();
        let sdk = n.to_sdk().unwrap();
        let back = Notifications::from_sdk(
            sdk.topic_configurations(),
            sdk.queue_configurations(),
            sdk.lambda_function_configurations(),
            sdk.event_bridge_configuration().is_some(),
        );
        assert_eq!(back, n);
        assert_eq!(n.destinations[1].rule("prefix"), "siem/");
        assert_eq!(n.destinations[1].rule("suffix"), "");
    }

    #[test]
    fn json_as_the_cli_prints_it() {
        let json = sample().to_json();
        assert_eq!(json["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"][0]["Value"], "siem/");
        assert_eq!(
            json["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"],
            "arn:aws:lambda:us-east-1:1:function:f"
        );
        assert_eq!(json["EventBridgeConfiguration"], json!({}));
        assert_eq!(Notifications::default().to_json(), json!({}));
    }
}
