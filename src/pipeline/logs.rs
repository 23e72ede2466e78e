//! CloudWatch Logs subscription payloads, direct or in Kinesis records: every payload's
//! events are read on a blocking thread into shared bodies while they are delivered. Control
//! messages are counted and dropped. A Kinesis record that cannot be read, or whose entries
//! were not delivered, is returned in `batchItemFailures` (by sequence number).

use super::errors::{self, ForwardError};
use super::{Forwarder, Outcome};
use crate::arrival::awslogs::{AwsLogsError, KinesisRecord, PayloadDecoder};
use crate::deadline::Deadline;
use crate::dispatch::DispatchError;
use crate::entry::LogOrigin;
use crate::entry::provenance::log_ref;
use crate::format::log_events::read_events;
use crate::format::logs_payload::LogsPayload;
use crate::intake::Intake;
use crate::stats::Stats;
use crate::store::ObjectStore;

/// A subscription payload: decoded already (delivered directly), or still base64 and gzip (a
/// Kinesis record's `data`, decoded when its turn comes).
enum Payload {
    Json(Vec<u8>),
    Base64(String),
}

/// What became of the payloads of one invocation.
struct PayloadsRead {
    stats: Stats,
    failed: Vec<bool>,
    errors: Vec<ForwardError>,
}

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    /// One payload delivered directly (`{"awslogs":…}`): the invocation fails unless every
    /// event was delivered or dropped on purpose.
    pub(super) async fn forward_logs(&self, json: Vec<u8>, deadline: Deadline) -> Outcome {
        let read = self.forward_payloads(vec![Ok(Payload::Json(json))], deadline).await;
        Outcome::summary(read.stats, errors::combine(read.errors, 1))
    }

    /// Kinesis records: the failed ones are listed in `batchItemFailures`.
    pub(super) async fn forward_kinesis(&self, records: Vec<KinesisRecord>, deadline: Deadline) -> Outcome {
        let (ids, payloads): (Vec<String>, Vec<_>) =
            records.into_iter().map(|r| (r.sequence_number, r.data.map(Payload::Base64))).unzip();
        let total = payloads.len();
        let read = self.forward_payloads(payloads, deadline).await;
        let failures: Vec<serde_json::Value> = ids
            .iter()
            .zip(&read.failed)
            .filter(|(_, failed)| **failed)
            .map(|(id, _)| serde_json::json!({ "itemIdentifier": id }))
            .collect();
        Outcome {
            stats: read.stats,
            response: serde_json::json!({ "batchItemFailures": failures }),
            error: errors::combine(read.errors, total),
            partial_batch: true,
        }
    }

    async fn forward_payloads(&self, payloads: Vec<Result<Payload, AwsLogsError>>, deadline: Deadline) -> PayloadsRead {
        let (mut sink, rx) = self.0.deliverer.sink(deadline);
        let ctx = self.entry_context();
        let routes = self.0.settings.log_routes.clone();
        let reading = tokio::task::spawn_blocking(move || {
            let mut read =
                PayloadsRead { stats: Stats::default(), failed: vec![false; payloads.len()], errors: Vec::new() };
            let mut sent_from = vec![false; payloads.len()];
            let mut decoder = PayloadDecoder::default();
            for (i, payload) in payloads.iter().enumerate() {
                let json = match payload {
                    Ok(Payload::Json(json)) => Ok(&json[..]),
                    Ok(Payload::Base64(data)) => decoder.decode(data),
                    Err(err) => Err(err.clone()),
                };
                let parsed = match json {
                    Ok(json) => LogsPayload::parse(json).map_err(ForwardError::from),
                    Err(err) => Err(ForwardError::Dispatch(DispatchError::AwsLogs(err))),
                };
                let payload = match parsed {
                    Ok(payload) => payload,
                    Err(err) => {
                        tracing::error!(record = i, error = %err.describe(), "unreadable CloudWatch Logs payload");
                        read.failed[i] = true;
                        read.errors.push(err);
                        continue;
                    }
                };
                if payload.is_control() {
                    tracing::info!(owner = %payload.owner, "CloudWatch Logs control message: dropped");
                    read.stats.control_messages += 1;
                    continue;
                }
                let origin =
                    LogOrigin { owner: &payload.owner, group: &payload.log_group, stream: &payload.log_stream };
                sent_from[i] = true;
                match read_events(&payload, &routes, &ctx, &mut sink) {
                    Ok(route) => tracing::info!(
                        owner = %payload.owner, log_group = %payload.log_group, log_stream = %payload.log_stream,
                        cwlref = %log_ref(origin), source = route.name, events = payload.events().len(),
                        "CloudWatch Logs payload read"
                    ),
                    Err(_) => {
                        read.failed[i] = true;
                        read.errors.push(ForwardError::LogsDeadline {
                            group: payload.log_group.clone().into_owned(),
                            stream: payload.log_stream.clone().into_owned(),
                        });
                        break;
                    }
                }
            }
            let (stats, _, _) = sink.finish();
            read.stats.merge(&stats);
            (read, sent_from)
        });
        let delivered = self.0.deliverer.deliver_all(rx, deadline, None).await;
        let (mut read, sent_from) = match reading.await {
            Ok(done) => done,
            Err(source) => {
                let error = ForwardError::TaskFailed { what: "CloudWatch Logs reader", source };
                return PayloadsRead { stats: delivered.stats, failed: vec![true; 1], errors: vec![error] };
            }
        };
        read.stats.merge(&delivered.stats);
        if let Some(failure) = delivered.failure {
            // Bodies mix the events of every payload: each payload that sent any is retried.
            for (failed, sent) in read.failed.iter_mut().zip(&sent_from) {
                *failed |= *sent;
            }
            read.errors.insert(0, failure.about(None));
        }
        read
    }
}
