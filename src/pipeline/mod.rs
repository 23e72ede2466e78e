//! The pipeline for one invocation: dispatch → source → entry → batch → intake. The
//! [`Forwarder`] holds what lives as long as the process (settings, the deliverer, the object
//! store); each invocation is routed by its shape. The result is a success only when every
//! record was accepted or dropped on purpose.

mod batch_tasks;
mod delivery;
mod errors;
mod logs;
mod objects;
mod redriven;
mod report;
mod sqs;

use std::sync::Arc;

pub(crate) use errors::combine;
pub use errors::{ErrorType, ForwardError, ObjectName};
pub use objects::ObjectSource;
pub use report::{ObjectReport, Outcome};

use self::delivery::Deliverer;
use crate::alert::{Alerts, EventContext};
use crate::arrival::eventbridge::{self, FindingEvent};
use crate::compress::Compression;
use crate::deadline::Deadline;
use crate::dispatch::{Invocation, dispatch};
use crate::entry::{EntryContext, EntrySettings};
use crate::failure_queue::FailureQueue;
use crate::format::log_routes::LogRoutes;
use crate::intake::Intake;
use crate::sink::EntrySink;
use crate::stats::Stats;
use crate::store::ObjectStore;
use crate::timestamp::Clock;

/// What the pipeline is configured with.
#[derive(Debug, Clone)]
pub struct ForwarderSettings {
    /// Tags, source override, filters and scrubbing.
    pub entries: EntrySettings,
    /// Request body compression.
    pub compression: Compression,
    /// Intake requests in flight at once (`DD_MAX_CONCURRENCY`).
    pub max_concurrency: usize,
    /// `DD_MAX_OBJECT_SIZE_MB` in bytes: the decompressed size at which reading an object
    /// stops with an error (a decompression bomb, or an object too large for one invocation).
    pub max_object_bytes: u64,
    /// `DD_SOURCE_RULES` and `DD_UNKNOWN_OBJECTS`: how objects are classified.
    pub sources: crate::format::source_rules::SourceSettings,
    /// `DD_LOG_GROUP_RULES` before the built-in routes of CloudWatch Logs events.
    pub log_routes: LogRoutes,
}

struct Inner<I, S> {
    settings: ForwarderSettings,
    deliverer: Deliverer<I>,
    store: S,
    alerts: Option<Alerts>,
    failure_queue: std::sync::OnceLock<FailureQueue>,
}

/// The forwarder: shared clients and settings, built once. Cheap to clone.
pub struct Forwarder<I, S>(Arc<Inner<I, S>>);

impl<I, S> Clone for Forwarder<I, S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    /// A forwarder delivering to `intake` and reading objects from `store`.
    pub fn new(settings: ForwarderSettings, intake: I, store: S) -> Self {
        Self::build(settings, intake, store, None)
    }

    /// A forwarder that also alerts in Slack for the findings `alerts` selects.
    pub fn with_alerts(settings: ForwarderSettings, intake: I, store: S, alerts: Alerts) -> Self {
        Self::build(settings, intake, store, Some(alerts))
    }

    fn build(settings: ForwarderSettings, intake: I, store: S, alerts: Option<Alerts>) -> Self {
        let deliverer = Deliverer::new(intake, settings.compression, settings.max_concurrency);
        Self(Arc::new(Inner { settings, deliverer, store, alerts, failure_queue: std::sync::OnceLock::new() }))
    }

    /// Puts the continuations of partly delivered objects on `queue` (`FAILURE_QUEUE_URL`);
    /// without one, such an object fails as a whole. Set once.
    pub fn set_failure_queue(&self, queue: FailureQueue) {
        let _ = self.0.failure_queue.set(queue);
    }

    pub(crate) fn failure_queue(&self) -> Option<&FailureQueue> {
        self.0.failure_queue.get()
    }

    /// Handles one invocation payload.
    pub async fn handle(&self, event: &[u8], deadline: Deadline) -> Outcome {
        self.handle_as(event, deadline, false).await
    }

    /// Handles one payload; `redriven` when it came back from the failure queue (an object
    /// that no longer exists is then skipped rather than failed).
    async fn handle_as(&self, event: &[u8], deadline: Deadline, redriven: bool) -> Outcome {
        match dispatch(event) {
            Err(err) => Outcome {
                stats: Stats::default(),
                response: serde_json::Value::Null,
                error: Some(err.into()),
                partial_batch: false,
            },
            Ok(Invocation::Finding(event)) => {
                let report = self.forward_finding(&event, deadline).await;
                Outcome::summary(report.stats, report.error)
            }
            Ok(Invocation::Objects(notification)) => {
                let total = notification.objects.len();
                let objects = notification.objects.into_iter().map(|o| (0, ObjectSource::S3(o))).collect();
                let mut stats = Stats { notifications_ignored: notification.ignored, ..Stats::default() };
                let mut errors = Vec::new();
                for (_, report) in self.forward_objects(objects, deadline).await {
                    let report = if redriven { report.missing_is_skipped() } else { report };
                    stats.merge(&report.stats);
                    errors.extend(report.error);
                }
                Outcome::summary(stats, errors::combine(errors, total))
            }
            Ok(Invocation::Sqs(messages)) => self.forward_sqs(messages, deadline).await,
            Ok(Invocation::BatchTasks(job)) => self.forward_batch_tasks(job, deadline).await,
            Ok(Invocation::Logs(json)) => self.forward_logs(json, deadline).await,
            Ok(Invocation::Kinesis(records)) => self.forward_kinesis(records, deadline).await,
            Ok(Invocation::Redriven(event)) => self.forward_redriven(event, deadline).await,
        }
    }

    /// The object store.
    pub fn store(&self) -> &S {
        &self.0.store
    }

    /// Delivers a finding event's logs to Datadog and, at the same time and independently,
    /// alerts in Slack for its findings when alerts are on. Either failure fails the
    /// invocation (the intake's is reported first), so that Lambda's retry or on-failure
    /// destination keeps the event.
    async fn forward_finding(&self, event: &FindingEvent<'_>, deadline: Deadline) -> ObjectReport {
        let ctx = self.entry_context();
        let mut sink = EntrySink::new(Vec::new());
        let built = eventbridge::forward_findings(event, &ctx, &mut sink);
        let (mut stats, batches, finished) = sink.finish();
        // A sink writing into a Vec never stops.
        debug_assert!(built.is_ok() && finished.is_ok());
        let findings = built.unwrap_or_default();
        let [account, region, time] = event.fallback_texts();
        let context = EventContext {
            account: account.as_deref().unwrap_or_default(),
            region: region.as_deref().unwrap_or_default(),
            time: time.as_deref(),
        };
        let alerting = async {
            let alerts = self.0.alerts.as_ref()?;
            let mut reports = Vec::with_capacity(findings.len());
            for finding in &findings {
                reports.push(alerts.alert(finding, context, deadline).await);
            }
            Some(reports)
        };
        let (delivered, alerted) = tokio::join!(self.0.deliverer.deliver_batches(batches, deadline), alerting);
        stats.merge(&delivered.stats);
        let mut error = delivered.failure.map(|failure| failure.about(None));
        for alert in alerted.into_iter().flatten() {
            alert.count(&mut stats);
            if let Some(failure) = alert.error {
                error = error.or(Some(ForwardError::Alert(failure)));
            }
        }
        ObjectReport { stats, error, ..ObjectReport::default() }
    }

    fn entry_context(&self) -> EntryContext {
        EntryContext::new(&self.0.settings.entries, Clock::now())
    }
}
