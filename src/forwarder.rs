//! The pipeline for one invocation: dispatch → source → entry → batch → intake. Objects are
//! read on blocking threads (a few at a time); their bodies are compressed on other blocking
//! threads (one per core at most) and delivered with bounded concurrency, so a single object
//! uses every core. The result is a success only when every record was accepted or dropped
//! on purpose.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::batch::{Batch, BodyPool};
use crate::config::{Compression, Config};
use crate::deadline::Deadline;
use crate::dispatch::{DispatchError, Invocation, dispatch};
use crate::entry::{EntryContext, ObjectOrigin};
use crate::intake::{Delivery, Intake, IntakeError};
use crate::sink::{BatchOut, EntrySink, SinkError};
use crate::source::eventbridge;
use crate::source::object_kind::ObjectKind;
use crate::source::object_reader::{ReadError, read_object};
use crate::source::s3_notification::ObjectRef;
use crate::source::s3_store::{ObjectError, ObjectErrorKind, ObjectStore};
use crate::stats::Stats;
use crate::timestamp::Clock;

/// Objects of one invocation read at the same time.
const OBJECT_PARALLELISM: usize = 2;

/// Sealed, uncompressed bodies waiting between an object's reader and the compressors: with
/// one being filled and one per core being compressed, this bounds the memory an object
/// needs to a few 5 MB bodies.
const QUEUED_BODIES: usize = 1;

/// Bodies this small are compressed on the delivering task itself.
const INLINE_COMPRESS_BYTES: usize = 64 * 1024;

/// Why an invocation (or one of its objects) did not fully succeed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The payload is not an event we handle.
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    /// An object could not be opened.
    #[error(transparent)]
    Object(#[from] ObjectError),
    /// An object could not be read to the end.
    #[error("s3://{bucket}/{key}: {error}")]
    Read {
        /// Bucket (empty for local files).
        bucket: String,
        /// Key or path.
        key: String,
        /// What failed.
        error: String,
    },
    /// Entries were not delivered.
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// The Lambda deadline came before the object was read.
    #[error("s3://{bucket}/{key}: stopped reading before the Lambda deadline; raise the function timeout")]
    Deadline {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
    /// Several objects failed.
    #[error("{failed} of {total} objects failed; first: {first}")]
    Objects {
        /// Objects that failed.
        failed: usize,
        /// Objects in the invocation.
        total: usize,
        /// The first failure.
        first: Box<ForwardError>,
    },
    /// A bug: a worker thread stopped unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ForwardError {
    /// Short name used as the Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Dispatch(DispatchError::NotAFinding(_)) => "NotAFinding",
            Self::Dispatch(_) => "UnsupportedEvent",
            Self::Object(e) => match e.kind {
                ObjectErrorKind::NotFound => "ObjectNotFound",
                ObjectErrorKind::AccessDenied => "ObjectAccessDenied",
                ObjectErrorKind::KmsDenied => "KmsAccessDenied",
                ObjectErrorKind::Other(_) => "S3Error",
            },
            Self::Read { .. } => "ObjectUnreadable",
            Self::Intake(e) => e.error_type(),
            Self::Deadline { .. } => "DeadlineExceeded",
            Self::Objects { first, .. } => first.error_type(),
            Self::Internal(_) => "InternalError",
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self.error_type() {
            "NotAFinding" | "UnsupportedEvent" => {
                "check which events the trigger sends (see events/ for the accepted shapes)"
            }
            "ApiKeyRejected" => {
                "set a valid key in DD_API_KEY or the DD_API_KEY_SECRET_ARN secret, for the site in DD_SITE"
            }
            "IntakeUnavailable" | "DeadlineExceeded" => {
                "nothing is lost: Lambda retries the event (or it lands in the on-failure destination); re-run with `invoke` or `replay` later"
            }
            "ObjectNotFound" | "ObjectAccessDenied" | "KmsAccessDenied" | "S3Error" => {
                "check the object and the function's IAM role"
            }
            _ => "see the message above",
        }
    }
}

/// The result of one invocation.
#[derive(Debug)]
pub struct Outcome {
    /// Counters.
    pub stats: Stats,
    /// The Lambda response (an SQS batch response lists the failed messages).
    pub response: serde_json::Value,
    /// Set when anything was not delivered; the invocation fails unless it is an SQS batch.
    pub error: Option<ForwardError>,
    /// Whether this was an SQS batch (failures are reported in `response`).
    pub partial_batch: bool,
}

/// What became of one object.
#[derive(Debug, Default)]
pub struct ObjectReport {
    /// Counters.
    pub stats: Stats,
    /// Set when the object was not fully delivered.
    pub error: Option<ForwardError>,
}

/// The forwarder: shared clients and settings, built once.
pub struct Forwarder<I, S> {
    config: Config,
    intake: Arc<I>,
    store: Arc<S>,
    requests: Arc<Semaphore>,
    compressors: Arc<Semaphore>,
    bodies: BodyPool,
}

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    /// A forwarder delivering to `intake` and reading objects from `store`.
    pub fn new(config: Config, intake: I, store: S) -> Arc<Self> {
        let requests = Arc::new(Semaphore::new(config.max_concurrency));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let compressors = Arc::new(Semaphore::new(cores));
        let (intake, store, bodies) = (Arc::new(intake), Arc::new(store), BodyPool::default());
        Arc::new(Self { config, intake, store, requests, compressors, bodies })
    }

    /// Handles one invocation payload.
    pub async fn handle(self: &Arc<Self>, event: &[u8], deadline: Deadline) -> Outcome {
        match dispatch(event) {
            Err(err) => Outcome {
                stats: Stats::default(),
                response: serde_json::Value::Null,
                error: Some(err.into()),
                partial_batch: false,
            },
            Ok(Invocation::Finding(event)) => {
                let report = self.forward_finding(event, deadline).await;
                summary_outcome(report.stats, report.error)
            }
            Ok(Invocation::Objects(notification)) => {
                let total = notification.objects.len();
                let objects = notification.objects.into_iter().map(|o| (0, o)).collect();
                let mut stats = Stats { notifications_ignored: notification.ignored, ..Stats::default() };
                let mut errors = Vec::new();
                for (_, report) in self.forward_objects(objects, deadline).await {
                    stats.merge(&report.stats);
                    errors.extend(report.error);
                }
                summary_outcome(stats, combine(errors, total))
            }
            Ok(Invocation::Sqs(messages)) => self.forward_sqs(messages, deadline).await,
        }
    }

    async fn forward_sqs(self: &Arc<Self>, messages: Vec<crate::dispatch::SqsMessage>, deadline: Deadline) -> Outcome {
        let mut stats = Stats::default();
        let mut failed = vec![false; messages.len()];
        let mut errors = Vec::new();
        let mut objects = Vec::new();
        for (i, message) in messages.iter().enumerate() {
            match &message.notification {
                Ok(n) => {
                    stats.notifications_ignored += n.ignored;
                    objects.extend(n.objects.iter().cloned().map(|o| (i, o)));
                }
                Err(err) => {
                    tracing::error!(message_id = %message.message_id, error = %err, "unreadable SQS message; reported as a batch item failure");
                    failed[i] = true;
                    errors.push(ForwardError::Dispatch(DispatchError::Notification(err.clone())));
                }
            }
        }
        let total = objects.len();
        for (i, report) in self.forward_objects(objects, deadline).await {
            stats.merge(&report.stats);
            if let Some(err) = report.error {
                failed[i] = true;
                errors.push(err);
            }
        }
        let mut response = SqsBatchResponse::default();
        for (message, _) in messages.iter().zip(&failed).filter(|(_, failed)| **failed) {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.clone();
            response.batch_item_failures.push(failure);
        }
        Outcome {
            stats,
            response: serde_json::to_value(&response).unwrap_or_default(),
            error: combine(errors, total.max(1)),
            partial_batch: true,
        }
    }

    /// Reads `objects` a few at a time; each report keeps the tag it came with.
    pub async fn forward_objects(
        self: &Arc<Self>,
        objects: Vec<(usize, ObjectRef)>,
        deadline: Deadline,
    ) -> Vec<(usize, ObjectReport)> {
        let slots = Arc::new(Semaphore::new(OBJECT_PARALLELISM));
        let mut tasks = JoinSet::new();
        let mut reports = Vec::with_capacity(objects.len());
        for (tag, object) in objects {
            let Ok(slot) = slots.clone().acquire_owned().await else { break };
            let this = self.clone();
            tasks.spawn(async move {
                let report = this.forward_object(&object, deadline).await;
                drop(slot);
                (tag, report)
            });
            while let Some(done) = tasks.try_join_next() {
                reports.push(joined(done));
            }
        }
        while let Some(done) = tasks.join_next().await {
            reports.push(joined(done));
        }
        reports.sort_by_key(|(tag, _)| *tag);
        reports
    }

    /// Reads one S3 object and delivers its records.
    pub async fn forward_object(self: &Arc<Self>, object: &ObjectRef, deadline: Deadline) -> ObjectReport {
        let kind = ObjectKind::of_key(&object.key);
        if kind == ObjectKind::CloudTrailDigest {
            tracing::info!(bucket = %object.bucket, key = %object.key, "skipped a CloudTrail digest file");
            return ObjectReport { stats: Stats { objects_skipped: 1, ..Stats::default() }, error: None };
        }
        let mut key = object.key.clone();
        let mut opened = self.store.open(&object.bucket, &key).await;
        if let (Err(ObjectError { kind: ObjectErrorKind::NotFound, .. }), Some(fallback)) =
            (&opened, &object.fallback_key)
        {
            tracing::info!(bucket = %object.bucket, key = %fallback, "key not found as given; trying its URL-decoded form");
            key = fallback.clone();
            opened = self.store.open(&object.bucket, &key).await;
        }
        match opened {
            Ok(body) => self.forward_reader(body.reader, kind, object.bucket.clone(), key, deadline).await,
            Err(err) => {
                tracing::error!(error = %err, "cannot read object");
                ObjectReport { stats: Stats { objects_failed: 1, ..Stats::default() }, error: Some(err.into()) }
            }
        }
    }

    /// Reads an object's bytes (S3 body or local file) on a blocking thread and delivers
    /// its entries.
    pub async fn forward_reader(
        self: &Arc<Self>,
        reader: Box<dyn Read + Send>,
        kind: ObjectKind,
        bucket: String,
        key: String,
        deadline: Deadline,
    ) -> ObjectReport {
        let (tx, rx) = mpsc::channel(QUEUED_BODIES);
        let ctx = self.entry_context();
        let bodies = self.bodies.clone();
        let reading = tokio::task::spawn_blocking(move || {
            let mut sink = EntrySink::with_pool(ChannelOut { tx, deadline }, bodies);
            let origin = ObjectOrigin { bucket: &bucket, key: &key };
            let read = read_object(reader, kind, &ctx, origin, &mut sink);
            let (stats, _, finished) = sink.finish();
            (stats, read.and(finished.map_err(ReadError::from)), bucket, key)
        });
        let (delivered, intake_error) = self.deliver_all(rx, deadline).await;
        let (mut stats, read, bucket, key) = match reading.await {
            Ok(done) => done,
            Err(err) => {
                return ObjectReport {
                    stats: delivered,
                    error: Some(ForwardError::Internal(format!("object reader stopped: {err}"))),
                };
            }
        };
        stats.objects += 1;
        stats.merge(&delivered);
        let error = match (intake_error, read) {
            (Some(err), _) => Some(ForwardError::Intake(err)),
            (None, Err(ReadError::Sink(SinkError::Stopped))) => Some(ForwardError::Deadline { bucket, key }),
            (None, Err(err)) => Some(ForwardError::Read { bucket, key, error: err.to_string() }),
            (None, Ok(())) => None,
        };
        if error.is_some() {
            stats.objects_failed += 1;
            stats.objects -= 1;
        }
        ObjectReport { stats, error }
    }

    async fn forward_finding(self: &Arc<Self>, event: &[u8], deadline: Deadline) -> ObjectReport {
        let ctx = self.entry_context();
        let mut sink = EntrySink::new(Vec::new());
        let built = eventbridge::forward_finding(event, &ctx, &mut sink);
        let (mut stats, batches, finished) = sink.finish();
        if let Err(err) = built.and(finished) {
            return ObjectReport { stats, error: Some(ForwardError::Internal(err.to_string())) };
        }
        let (tx, rx) = mpsc::channel(batches.len().max(1));
        for batch in batches {
            if let Err(unsent) = tx.try_send(batch) {
                stats.entries_failed += unsent.into_inner().entries() as u64;
            }
        }
        drop(tx);
        let (delivered, error) = self.deliver_all(rx, deadline).await;
        stats.merge(&delivered);
        ObjectReport { stats, error: error.map(ForwardError::Intake) }
    }

    /// Compresses and delivers bodies as they arrive: at most one compression per core and
    /// `DD_MAX_CONCURRENCY` requests at once. After a key rejection or the deadline, the
    /// remaining bodies are counted as failed and the reader is stopped.
    async fn deliver_all(&self, mut rx: mpsc::Receiver<Batch>, deadline: Deadline) -> (Stats, Option<IntakeError>) {
        let mut stats = Stats::default();
        let mut first_error: Option<IntakeError> = None;
        let mut tasks = JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, u64> = HashMap::new();
        let mut stopped = false;
        // A compressor is reserved before the next body is taken from the reader, so that no
        // body waits outside the queue for one: the queue's back-pressure reaches the reader.
        let mut compressor = None;
        loop {
            tokio::select! {
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let stop = record(done, &mut in_flight, &mut stats, &mut first_error);
                    if stop && !stopped {
                        stopped = true;
                        rx.close();
                    }
                }
                permit = self.compressors.clone().acquire_owned(), if compressor.is_none() && !stopped => {
                    // The semaphore is never closed; a closed one would leave the slot empty.
                    compressor = permit.ok();
                }
                next = rx.recv(), if compressor.is_some() || stopped => {
                    let Some(batch) = next else { break };
                    let entries = batch.entries() as u64;
                    let (false, Some(compressor), Ok(permit)) =
                        (stopped, compressor.take(), self.requests.clone().acquire_owned().await)
                    else {
                        stats.entries_failed += entries;
                        continue;
                    };
                    let intake = self.intake.clone();
                    let (compression, bodies) = (self.config.compression, self.bodies.clone());
                    let handle = tasks.spawn(async move {
                        let compressed = compress(batch, compression, bodies).await;
                        drop(compressor);
                        let delivery = match compressed {
                            Ok(batch) => {
                                let bytes = batch.body.len() as u64;
                                Delivery { bytes_sent: bytes, ..intake.deliver(batch, deadline).await }
                            }
                            Err(err) => Delivery {
                                failed: entries,
                                error: Some(IntakeError::Compress(err.to_string())),
                                ..Delivery::default()
                            },
                        };
                        drop(permit);
                        delivery
                    });
                    in_flight.insert(handle.id(), entries);
                }
            }
        }
        while let Some(done) = tasks.join_next_with_id().await {
            record(done, &mut in_flight, &mut stats, &mut first_error);
        }
        (stats, first_error)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The object store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn entry_context(&self) -> EntryContext {
        EntryContext {
            tags: self.config.tags.clone(),
            source_override: self.config.source_override.clone(),
            clock: Clock::now(),
            rules: self.config.rules.clone(),
            max_object_bytes: self.config.max_object_bytes,
        }
    }
}

/// Counts one finished delivery; returns true when delivery should stop.
fn record(
    done: Result<(tokio::task::Id, crate::intake::Delivery), tokio::task::JoinError>,
    in_flight: &mut HashMap<tokio::task::Id, u64>,
    stats: &mut Stats,
    first_error: &mut Option<IntakeError>,
) -> bool {
    match done {
        Ok((id, delivery)) => {
            in_flight.remove(&id);
            stats.entries_sent += delivery.accepted;
            stats.entries_failed += delivery.failed;
            stats.retries += delivery.retries;
            stats.bytes_compressed += delivery.bytes_sent;
            let stop =
                matches!(delivery.error, Some(IntakeError::ApiKeyRejected { .. } | IntakeError::Deadline { .. }));
            if let Some(err) = delivery.error {
                first_error.get_or_insert(err);
            }
            stop
        }
        Err(err) => {
            stats.entries_failed += in_flight.remove(&err.id()).unwrap_or(0);
            first_error
                .get_or_insert(IntakeError::Unavailable { attempts: 0, last: format!("delivery task failed: {err}") });
            true
        }
    }
}

/// Compresses a sealed body; large ones on a blocking thread so the async workers stay free.
async fn compress(batch: Batch, compression: Compression, bodies: BodyPool) -> std::io::Result<Batch> {
    if batch.raw_len <= INLINE_COMPRESS_BYTES {
        return batch.compressed(compression, &bodies);
    }
    tokio::task::spawn_blocking(move || batch.compressed(compression, &bodies))
        .await
        .unwrap_or_else(|err| Err(std::io::Error::other(format!("compression task failed: {err}"))))
}

fn joined(done: Result<(usize, ObjectReport), tokio::task::JoinError>) -> (usize, ObjectReport) {
    done.unwrap_or_else(|err| {
        (
            usize::MAX,
            ObjectReport {
                stats: Stats::default(),
                error: Some(ForwardError::Internal(format!("object task failed: {err}"))),
            },
        )
    })
}

fn combine(mut errors: Vec<ForwardError>, total: usize) -> Option<ForwardError> {
    match errors.len() {
        0 => None,
        1 if total <= 1 => errors.pop(),
        failed => {
            // An API key problem explains everything else: report it first.
            let index = errors.iter().position(|e| e.error_type() == "ApiKeyRejected").unwrap_or(0);
            let first = errors.swap_remove(index);
            Some(ForwardError::Objects { failed, total, first: Box::new(first) })
        }
    }
}

fn summary_outcome(stats: Stats, error: Option<ForwardError>) -> Outcome {
    let response = serde_json::json!({ "summary": stats.to_string() });
    Outcome { stats, response, error, partial_batch: false }
}

/// Hands sealed bodies from the blocking reader to the async delivery loop.
struct ChannelOut {
    tx: mpsc::Sender<Batch>,
    deadline: Deadline,
}

impl BatchOut for ChannelOut {
    fn send(&mut self, batch: Batch) -> Result<(), Batch> {
        if self.deadline.passed() {
            return Err(batch);
        }
        self.tx.blocking_send(batch).map_err(|unsent| unsent.0)
    }
}
