//! Per-invocation metrics as one CloudWatch Embedded Metric Format line on stdout: CloudWatch
//! turns it into metrics (namespace `SecurityLogForwarder`, dimension `FunctionName`) with no
//! API call, so users can alarm on drops, failures and retries.

use serde_json::{Map, Value, json};

use crate::stats::Stats;

/// The metric namespace.
pub(crate) const NAMESPACE: &str = "SecurityLogForwarder";

/// The EMF document for one invocation's counters.
pub(crate) fn emf(stats: &Stats, function_name: &str, timestamp_ms: u128) -> Value {
    let counters = stats.counters();
    let definitions: Vec<Value> = counters.iter().map(|c| json!({"Name": c.metric, "Unit": c.unit})).collect();
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms as u64,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [["FunctionName"]], "Metrics": definitions}]
        }),
    );
    doc.insert("FunctionName".into(), Value::from(function_name));
    for counter in counters {
        doc.insert(counter.metric.into(), Value::from(counter.value));
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::DropReason;

    #[test]
    fn every_metric_is_declared_and_valued() {
        let mut stats = Stats { records_in: 5, entries_sent: 3, retries: 2, ..Stats::default() };
        stats.drop_record(DropReason::BelowMinSeverity);
        stats.drop_record(DropReason::Excluded);
        let doc = emf(&stats, "fwd", 1_795_953_628_001);
        let declared = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap();
        assert_eq!(declared.len(), 40);
        for metric in declared {
            assert!(doc[metric["Name"].as_str().unwrap()].is_u64(), "{metric}");
        }
        assert_eq!(doc["DroppedBelowMinSeverity"], 1);
        assert_eq!(doc["Dropped"], 2);
        assert_eq!(doc["FunctionName"], "fwd");
        assert_eq!(doc["_aws"]["Timestamp"], 1_795_953_628_001u64);
    }
}
