//! The events of one CloudWatch Logs subscription payload: routed by group and stream
//! (`log_routes`), each built by its row's reader — a CloudTrail record exactly as from S3
//! (the same entry builder), a VPC flow record as its default-format line from S3, a WAF or
//! Route 53 Resolver record as the same attributes as from S3 (WAF's arrays flattened), any
//! other event as attributes or raw text (`entry::log_event`).

use super::lines::{commit_json_record, date_member};
use super::log_routes::{LogRoutes, Route};
use super::logs_payload::LogsPayload;
use super::sources::Reader;
use super::vpcflow::{FlowFormat, default_start};
use crate::entry::cloudtrail::{RecordSummary, RecordWriter};
use crate::entry::flow::{FlowField, FlowValue, write_flow_attributes, write_flow_line};
use crate::entry::log_event::{Event, write_event};
use crate::entry::{EntryContext, LogOrigin, ObjectAttrs, plain};
use crate::limits::MAX_RECORD_BYTES;
use crate::sink::{BatchOut, EntrySink, SinkError};
use crate::stats::DropReason;

/// Builds and commits one log per event of a data message; returns the route taken.
pub fn read_events<O: BatchOut>(
    payload: &LogsPayload<'_>,
    routes: &LogRoutes,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<Route, SinkError> {
    let route = routes.route(&payload.log_group, &payload.log_stream);
    let origin = LogOrigin { owner: &payload.owner, group: &payload.log_group, stream: &payload.log_stream };
    let attrs = ObjectAttrs::for_log_stream(ctx, route.ddsource, route.service, origin);
    let writer = (route.reader == Reader::CloudTrail).then(|| RecordWriter::new(attrs.clone()));
    let date_member = date_member(route.date);
    let flow = routes.flow_format(&payload.log_group, &payload.log_stream);
    for event in payload.events() {
        let message = event.message.as_bytes();
        if message.len() > MAX_RECORD_BYTES {
            sink.drop_record(DropReason::RecordTooLarge);
            tracing::warn!(log_group = %payload.log_group, log_stream = %payload.log_stream, "skipped an event over {MAX_RECORD_BYTES} bytes");
            continue;
        }
        let event = Event { id: &event.id, timestamp: event.timestamp, message: &event.message };
        match (route.reader, &writer) {
            (Reader::CloudTrail, Some(writer)) => cloudtrail_event(event, writer, &attrs, ctx, sink)?,
            // A flow log group's events are lines without a header: in the fields a user rule
            // names, as attributes; else default-format lines, raw; as from S3.
            (Reader::FlowLines | Reader::FlowParquet, _) => {
                let line = event.message.trim().as_bytes();
                match &flow {
                    Some(FlowFormat::Custom(fields)) => flow_attributes(event, fields, &attrs, ctx, sink)?,
                    _ => sink.commit(&ctx.rules, line, |out| {
                        let clamped = write_flow_line(out, ctx, &attrs, line, default_start(line));
                        append_event_id(out, ctx, event.id);
                        clamped
                    })?,
                }
            }
            (Reader::JsonLines(how), _) if event.message.trim_start().starts_with('{') => {
                let record = event.message.trim().as_bytes();
                let finish = |out: &mut Vec<u8>| append_event_id(out, ctx, event.id);
                if !commit_json_record(record, how, date_member.as_ref(), ctx, &attrs, sink, finish)? {
                    let (log_group, log_stream) = (&payload.log_group, &payload.log_stream);
                    tracing::warn!(%log_group, %log_stream, "skipped an event that is JSON but not an object");
                }
            }
            (Reader::Lines, _) => sink.commit(&ctx.rules, message, |out| {
                plain::write_message(out, &attrs, message);
                false
            })?,
            _ => sink.commit(&ctx.rules, message, |out| write_event(out, ctx, &attrs, event))?,
        }
    }
    Ok(route)
}

/// A flow-log line in a custom format: its fields as attributes, as from S3 (a line with
/// another number of fields goes raw, counted as malformed).
fn flow_attributes<O: BatchOut>(
    event: Event<'_>,
    fields: &[FlowField],
    attrs: &ObjectAttrs,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    let line = event.message.trim();
    let values: Vec<&str> = line.split_ascii_whitespace().collect();
    if values.len() != fields.len() {
        tracing::warn!("a flow-log event whose fields do not match its rule's was sent as a plain message");
        return sink.commit_malformed(&ctx.rules, attrs, line.as_bytes());
    }
    let pairs = fields.iter().zip(values.iter().map(|v| FlowValue::Text(v)));
    sink.commit(&ctx.rules, line.as_bytes(), |out| {
        let clamped = write_flow_attributes(out, ctx, attrs, pairs);
        append_event_id(out, ctx, event.id);
        clamped
    })
}

/// A CloudTrail record: the log the S3 path builds for it (a record that is not a compact
/// JSON object goes as a plain message, counted as invalid, as from S3).
fn cloudtrail_event<O: BatchOut>(
    event: Event<'_>,
    writer: &RecordWriter,
    attrs: &ObjectAttrs,
    ctx: &EntryContext,
    sink: &mut EntrySink<O>,
) -> Result<(), SinkError> {
    let record = event.message.trim_end_matches(['\n', '\r']).as_bytes();
    match RecordSummary::parse_prefix(record) {
        Some((summary, len)) if len == record.len() => sink.commit(&ctx.rules, record, |out| {
            let clamped = writer.write(out, ctx, &summary, record);
            append_event_id(out, ctx, event.id);
            clamped
        }),
        _ => sink.commit_invalid(&ctx.rules, attrs, record),
    }
}

/// Writes the event's `id` (`DD_LOG_EVENT_ID`) into a finished entry, before its closing brace.
fn append_event_id(out: &mut Vec<u8>, ctx: &EntryContext, id: &str) {
    if ctx.log_event_id {
        out.pop();
        ctx.write_event_id(out, id);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::ObjectOrigin;
    use crate::entry::provenance::Provenance;
    use crate::entry::test_support::context;
    use crate::format::ObjectKind;
    use crate::format::object_reader::read_object;
    use crate::stats::Stats;

    const RECORD: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/r/i-0123456789abcdef0"},"eventTime":"2026-11-24T11:59:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","recipientAccountId":"123456789012"}"#;

    fn entries(sink: EntrySink<Vec<crate::batch::Batch>>) -> (Stats, Vec<Vec<u8>>) {
        let (stats, batches, _) = sink.finish();
        let mut out = Vec::new();
        for batch in batches {
            let body = batch.raw_body().unwrap();
            let values: Vec<Box<serde_json::value::RawValue>> = serde_json::from_slice(&body).unwrap();
            out.extend(values.into_iter().map(|v| v.get().as_bytes().to_vec()));
        }
        (stats, out)
    }

    fn via_logs(ctx: &EntryContext, group: &str, stream: &str, messages: &[&str]) -> (Stats, Vec<Vec<u8>>) {
        via_logs_routed(ctx, &LogRoutes::default(), group, stream, messages)
    }

    fn via_logs_routed(
        ctx: &EntryContext,
        routes: &LogRoutes,
        group: &str,
        stream: &str,
        messages: &[&str],
    ) -> (Stats, Vec<Vec<u8>>) {
        let events: Vec<_> = messages
            .iter()
            .map(|m| serde_json::json!({"id": "1", "timestamp": 1_795_521_540_000_i64, "message": m}))
            .collect();
        let json = serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group,
            "logStream": stream, "subscriptionFilters": ["f"], "logEvents": events})
        .to_string();
        let payload = LogsPayload::parse(json.as_bytes()).unwrap();
        let mut sink = EntrySink::new(Vec::new());
        read_events(&payload, routes, ctx, &mut sink).unwrap();
        entries(sink)
    }

    fn via_s3(ctx: &EntryContext, records: &[&str]) -> Vec<Vec<u8>> {
        let file = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        let origin = ObjectOrigin { bucket: "b", key: "AWSLogs/123456789012/CloudTrail/us-east-1/x.json.gz" };
        let mut sink = EntrySink::new(Vec::new());
        read_object(file.as_bytes(), None, ObjectKind::CloudTrail, u64::MAX, ctx, origin, &mut sink).unwrap();
        entries(sink).1
    }

    #[test]
    fn a_cloudtrail_record_gives_the_same_log_from_s3_and_from_a_subscription() {
        let stale = RECORD.replace("2026-11-24T11:59:00Z", "2024-01-01T00:00:00Z");
        let unusual = r#"{"eventName":"X","eventTime":"2026-11-24T11:00:00Z","requestParameters":{"a":["\u00e9\"q"]}}"#;
        let ctx = context();
        for stream in ["123456789012_CloudTrail_us-east-1", "123456789012_CloudTrail_us-east-1_2"] {
            let (stats, from_logs) =
                via_logs(&ctx, "aws-cloudtrail-logs-123456789012-abc", stream, &[RECORD, &stale, unusual]);
            assert_eq!(from_logs, via_s3(&ctx, &[RECORD, &stale, unusual]), "byte for byte");
            assert_eq!((stats.records_in, stats.clamped_dates), (3, 1));
        }
        let text = String::from_utf8(via_logs(&ctx, "CloudTrail/logs", "s", &[RECORD]).1.remove(0)).unwrap();
        assert!(text.starts_with(r#"{"ddsource":"cloudtrail","service":"cloudtrail","ddtags":"env:test","host":"i-0123456789abcdef0","eventVersion""#), "{text}");
        // Provenance differs by design: the stream, not an object.
        let ctx = EntryContext { provenance: Provenance::Ref, ..context() };
        let from_logs = String::from_utf8(via_logs(&ctx, "CloudTrail/logs", "s", &[RECORD]).1.remove(0)).unwrap();
        assert!(from_logs.contains("\"cwlref\":\"") && !from_logs.contains("s3ref"), "{from_logs}");
    }

    #[test]
    fn a_cloudtrail_message_that_is_not_a_record_is_sent_as_text() {
        let (stats, logs) = via_logs(&context(), "CloudTrail/logs", "s", &["not json", "{\"spaced\": 1}"]);
        assert_eq!((stats.records_in, stats.invalid_json), (2, 2));
        let v: serde_json::Value = serde_json::from_slice(&logs[0]).unwrap();
        assert_eq!((v["ddsource"].as_str(), v["message"].as_str()), (Some("cloudtrail"), Some("not json")));
    }

    #[test]
    fn eks_audit_events_are_kubernetes_audit_attributes() {
        let audit = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4b7c9e8e-0c1a-4f52-9f5e-1d2c3b4a5f60","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets","verb":"list","user":{"username":"system:serviceaccount:kube-system:default","groups":["system:serviceaccounts"]},"sourceIPs":["10.0.1.23"],"objectRef":{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-24T11:58:59.123456Z","stageTimestamp":"2026-11-24T11:58:59.130000Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#;
        let (stats, logs) =
            via_logs(&context(), "/aws/eks/prod/cluster", "kube-apiserver-audit-0f1e2d3c4b5a", &[audit]);
        assert_eq!(stats.records_in, 1);
        let v: serde_json::Value = serde_json::from_slice(&logs[0]).unwrap();
        assert_eq!(
            (v["ddsource"].as_str(), v["service"].as_str()),
            (Some("kubernetes.audit"), Some("kubernetes.audit"))
        );
        assert_eq!(v["verb"], "list");
        assert_eq!(v["objectRef"]["resource"], "secrets");
        assert_eq!(v["timestamp"], 1_795_521_540_000_i64);
        let (_, logs) =
            via_logs(&context(), "/aws/eks/prod/cluster", "kube-scheduler-0f1e", &["I1124 11:58:59 scheduled"]);
        let v: serde_json::Value = serde_json::from_slice(&logs[0]).unwrap();
        assert_eq!(
            (v["ddsource"].as_str(), v["message"].as_str()),
            (Some("kube_scheduler"), Some("I1124 11:58:59 scheduled"))
        );
    }

    #[test]
    fn a_custom_format_flow_group_named_in_a_rule_gives_the_logs_s3_gives() {
        let fields = "version interface-id srcaddr dstaddr srcport dstport start end action tcp-flags";
        let lines = [
            "5 eni-0a1b 10.0.1.5 10.0.2.9 443 49152 1795521540 1795521600 ACCEPT 19",
            "5 eni-0a1b - - - - 1795521540 1795521600 - -",
        ];
        let routes = LogRoutes::parse(&format!("/net/tgw-flows=vpc({fields})")).unwrap();
        let ctx = context();
        let (stats, from_logs) =
            via_logs_routed(&ctx, &routes, "/net/tgw-flows", "tgw-attach-1", &[lines[0], lines[1], "3 short"]);
        assert_eq!((stats.records_in, stats.malformed_records), (3, 1));
        let file = format!("{fields}\n{}\n{}\n", lines[0], lines[1]);
        let origin = ObjectOrigin { bucket: "b", key: "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/x.log" };
        let mut sink = EntrySink::new(Vec::new());
        read_object(file.as_bytes(), None, ObjectKind::VpcFlow, u64::MAX, &ctx, origin, &mut sink).unwrap();
        assert_eq!(from_logs[..2], entries(sink).1[..], "the same logs as from S3");
        let v: serde_json::Value = serde_json::from_slice(&from_logs[0]).unwrap();
        assert_eq!(
            (v["ddsource"].as_str(), v["srcaddr"].as_str(), v["tcp_flags"].as_i64()),
            (Some("vpc"), Some("10.0.1.5"), Some(19))
        );
        let (_, raw) = via_logs_routed(&ctx, &LogRoutes::default(), "/net/tgw-flows", "eni-1", &[lines[0]]);
        assert!(String::from_utf8_lossy(&raw[0]).contains(r#""message":"5 eni-0a1b"#), "without the rule: raw");
    }

    #[test]
    fn filters_apply_to_events() {
        let mut ctx = context();
        ctx.rules.exclude = Some(regex::Regex::new("healthz").unwrap());
        let (stats, logs) = via_logs(&ctx, "/aws/lambda/f", "s", &["GET /healthz", "GET /login"]);
        assert_eq!((stats.records_in, logs.len()), (2, 1));
        assert!(stats.balanced() || stats.entries_sent == 0);
    }
}
