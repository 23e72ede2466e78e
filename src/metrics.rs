//! Per-invocation metrics as one CloudWatch Embedded Metric Format line on stdout: CloudWatch
//! turns it into metrics (namespace `SecurityLogForwarder`, dimension `FunctionName`) with no
//! API call, so users can alarm on drops, failures and retries.

use serde_json::{Map, Value, json};

use crate::stats::{DropReason, Stats};

/// The metric namespace.
pub const NAMESPACE: &str = "SecurityLogForwarder";

/// The EMF document for one invocation's counters.
pub fn emf(stats: &Stats, function_name: &str, timestamp_ms: u128) -> Value {
    let mut values: Vec<(&str, u64, &str)> = vec![
        ("RecordsIn", stats.records_in, "Count"),
        ("EntriesSent", stats.entries_sent, "Count"),
        ("EntriesFailed", stats.entries_failed, "Count"),
        ("Dropped", stats.dropped_total(), "Count"),
    ];
    values.extend(DropReason::ALL.iter().map(|r| (r.metric_name(), stats.dropped_for(*r), "Count")));
    values.extend([
        ("Truncated", stats.truncated, "Count"),
        ("InvalidJson", stats.invalid_json, "Count"),
        ("ClampedDates", stats.clamped_dates, "Count"),
        ("Batches", stats.batches, "Count"),
        ("BytesRaw", stats.bytes_raw, "Bytes"),
        ("BytesCompressed", stats.bytes_compressed, "Bytes"),
        ("Retries", stats.retries, "Count"),
        ("Objects", stats.objects, "Count"),
        ("ObjectsSkipped", stats.objects_skipped, "Count"),
        ("ObjectsFailed", stats.objects_failed, "Count"),
        ("NotificationsIgnored", stats.notifications_ignored, "Count"),
    ]);
    let definitions: Vec<Value> = values.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect();
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms as u64,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [["FunctionName"]], "Metrics": definitions}]
        }),
    );
    doc.insert("FunctionName".into(), Value::from(function_name));
    for (name, value, _) in values {
        doc.insert(name.into(), Value::from(value));
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_declared_and_valued() {
        let mut stats = Stats { records_in: 5, entries_sent: 3, retries: 2, ..Stats::default() };
        stats.drop_record(DropReason::BelowMinSeverity);
        stats.drop_record(DropReason::Excluded);
        let doc = emf(&stats, "fwd", 1_795_953_628_001);
        let declared = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap();
        assert_eq!(declared.len(), 21);
        for metric in declared {
            assert!(doc[metric["Name"].as_str().unwrap()].is_u64(), "{metric}");
        }
        assert_eq!(doc["DroppedBelowMinSeverity"], 1);
        assert_eq!(doc["Dropped"], 2);
        assert_eq!(doc["FunctionName"], "fwd");
        assert_eq!(doc["_aws"]["Timestamp"], 1_795_953_628_001u64);
    }
}
