//! Reading objects: S3 objects named by a notification (a few at a time) and local files
//! (replay). Each object is read on a blocking thread while its bodies are delivered; digest
//! files are skipped here, for every path.

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::Forwarder;
use super::errors::{ForwardError, ObjectName};
use super::report::ObjectReport;
use crate::arrival::ObjectRef;
use crate::arrival::redriven::Continuation;
use crate::deadline::Deadline;
use crate::entry::{EntryContext, ObjectOrigin};
use crate::format::ObjectKind;
use crate::format::decode::ReadError;
use crate::format::object_reader::{ObjectRead, read_object, read_ranged_object};
use crate::format::sources::Reader;
use crate::intake::Intake;
use crate::record_set::RecordSet;
use crate::sink::SinkError;
use crate::store::{ObjectBody, ObjectError, ObjectErrorKind, ObjectStore, RangeRead};

/// Objects of one invocation read at the same time.
const OBJECT_PARALLELISM: usize = 2;

/// An object to read: named by a notification, or a local file (replay).
#[derive(Debug, Clone)]
pub enum ObjectSource {
    /// An S3 object.
    S3(ObjectRef),
    /// A local file.
    Local(std::path::PathBuf),
}

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    /// Reads `objects` a few at a time; each report keeps the tag it came with.
    pub async fn forward_objects(
        &self,
        objects: Vec<(usize, ObjectSource)>,
        deadline: Deadline,
    ) -> Vec<(usize, ObjectReport)> {
        let slots = std::sync::Arc::new(Semaphore::new(OBJECT_PARALLELISM));
        let mut tasks = JoinSet::new();
        let mut reports = Vec::with_capacity(objects.len());
        for (tag, object) in objects {
            let Ok(slot) = slots.clone().acquire_owned().await else { break };
            let this = self.clone();
            tasks.spawn(async move {
                let report = match &object {
                    ObjectSource::S3(object) => this.forward_object(object, deadline).await,
                    ObjectSource::Local(path) => this.forward_file(path).await,
                };
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
    pub async fn forward_object(&self, object: &ObjectRef, deadline: Deadline) -> ObjectReport {
        self.forward_object_in(object, deadline, self.entry_context(), None).await
    }

    /// Reads one S3 object and delivers its records, built in `ctx` (a Batch Operations job
    /// may add tags), skipping those `resume` says were delivered. When it fails after some
    /// records were delivered this time, the rest goes on the failure queue as a continuation
    /// and the object counts as handled, so that a retry of the whole event sends nothing twice.
    pub(super) async fn forward_object_in(
        &self,
        object: &ObjectRef,
        deadline: Deadline,
        ctx: EntryContext,
        resume: Option<&Continuation>,
    ) -> ObjectReport {
        let (kind, ctx) = self.classify(&object.key, ctx);
        let name = ObjectName::S3 { bucket: object.bucket.clone(), key: object.key.clone() };
        if let Some(skipped) = ObjectReport::skipped(kind, &name) {
            return skipped;
        }
        let mut key = object.key.clone();
        let version = object.version_id.as_deref();
        let mut opened = self.open_body(&object.bucket, &key, version, kind, deadline).await;
        if let (Err(ObjectError { kind: ObjectErrorKind::NotFound, .. }), Some(fallback)) =
            (&opened, &object.fallback_key)
        {
            tracing::info!(bucket = %object.bucket, key = %fallback, "key not found as given; trying its URL-decoded form");
            key = fallback.clone();
            opened = self.open_body(&object.bucket, &key, version, kind, deadline).await;
        }
        let body = match opened {
            Ok(body) => body,
            Err(err) => return ObjectReport::failed(err.into()),
        };
        let etag = body.etag();
        let skip = match resume {
            Some(c) if c.version_id.is_none() && c.etag.is_some() && c.etag != etag => {
                tracing::warn!(bucket = %object.bucket, key = %key, "the object changed since it was partly delivered; reading it from the start");
                RecordSet::default()
            }
            Some(c) => c.delivered.clone(),
            None => RecordSet::default(),
        };
        let name = ObjectName::S3 { bucket: object.bucket.clone(), key: key.clone() };
        let mut report = self.read_and_deliver(body, kind, name, deadline, ctx, skip.clone()).await;
        let resumable = report.error.as_ref().is_some_and(ForwardError::is_resumable);
        if let (true, false, Some(queue)) = (resumable, report.delivered.is_empty(), self.failure_queue()) {
            let mut delivered = skip;
            delivered.union(&report.delivered);
            let reason = report.error.as_ref().map_or("", |e| e.error_type().as_str()).to_owned();
            let continuation = Continuation {
                version: 1,
                bucket: object.bucket.clone(),
                key,
                version_id: object.version_id.clone(),
                etag,
                delivered,
                reason,
                failed_at: resume.map_or_else(crate::timestamp::now_rfc3339, |c| c.failed_at.clone()),
            };
            match queue.put(continuation.to_message()).await {
                Ok(()) => {
                    tracing::warn!(
                        bucket = %continuation.bucket, key = %continuation.key, delivered = continuation.delivered.len(),
                        reason = %continuation.reason,
                        "object partly delivered: the rest is on the failure queue as a continuation, to resume where it stopped"
                    );
                    report.error = None;
                    report.stats.objects_failed -= 1;
                    report.stats.continuations_queued += 1;
                }
                Err(err) => {
                    tracing::error!(error = %crate::error_chain(&err), "cannot put the continuation on the failure queue; the event fails as a whole");
                }
            }
        }
        report
    }

    /// Opens an object as its kind is read: streamed, or by byte ranges (Parquet).
    async fn open_body(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        kind: ObjectKind,
        deadline: Deadline,
    ) -> Result<Body, ObjectError> {
        if kind.source().reader == Reader::FlowParquet {
            return self.store().open_ranged(bucket, key, version, deadline).await.map(Body::Ranged);
        }
        self.store().open(bucket, key, version, deadline).await.map(Body::Stream)
    }

    /// Reads a local file (replay) as if a notification had named it.
    pub async fn forward_file(&self, path: &std::path::Path) -> ObjectReport {
        let name = path.to_string_lossy().into_owned();
        let (kind, ctx) = self.classify(&name, self.entry_context());
        if let Some(skipped) = ObjectReport::skipped(kind, &ObjectName::Local(name.clone())) {
            return skipped;
        }
        match std::fs::File::open(path) {
            Ok(file) if kind.source().reader == Reader::FlowParquet => {
                let body = Body::Ranged(std::sync::Arc::new(file));
                self.read_and_deliver(body, kind, ObjectName::Local(name), Deadline::none(), ctx, RecordSet::default())
                    .await
            }
            Ok(file) => {
                let size = file.metadata().ok().map(|m| m.len());
                let body = Body::Stream(ObjectBody::plain(Box::new(file), size));
                self.read_and_deliver(body, kind, ObjectName::Local(name), Deadline::none(), ctx, RecordSet::default())
                    .await
            }
            Err(source) => ObjectReport::failed(ForwardError::LocalFile { path: name, source }),
        }
    }

    /// The kind of the object at `key` (`DD_SOURCE_RULES`, the table of sources,
    /// `DD_UNKNOWN_OBJECTS`), and the context its entries are built in: a rule naming a
    /// `source`/`service` overrides the kind's.
    fn classify(&self, key: &str, mut ctx: EntryContext) -> (ObjectKind, EntryContext) {
        let classified = self.0.settings.sources.classify(key);
        if let Some((source, service)) = classified.names {
            ctx.source_override = Some(source);
            ctx.tags.service = Some(service);
        }
        (classified.kind, ctx)
    }

    /// Reads an object's bytes (S3 body or local file) on a blocking thread and delivers
    /// its entries.
    pub async fn forward_reader(
        &self,
        body: ObjectBody,
        kind: ObjectKind,
        name: ObjectName,
        deadline: Deadline,
    ) -> ObjectReport {
        self.read_and_deliver(Body::Stream(body), kind, name, deadline, self.entry_context(), RecordSet::default())
            .await
    }

    async fn read_and_deliver(
        &self,
        body: Body,
        kind: ObjectKind,
        name: ObjectName,
        deadline: Deadline,
        ctx: EntryContext,
        skip: RecordSet,
    ) -> ObjectReport {
        let max_bytes = self.0.settings.max_object_bytes;
        let (mut sink, rx) = self.0.deliverer.sink(deadline);
        sink.skip_delivered(skip);
        let named = name.clone();
        let (resumes, ranged) = match &body {
            Body::Stream(body) => (body.resumes.clone(), None),
            Body::Ranged(source) => (None, Some(source.clone())),
        };
        let reading = tokio::task::spawn_blocking(move || {
            // Local files keep their path as the key and no bucket, as in their entries so far.
            let origin = match &name {
                ObjectName::S3 { bucket, key } => ObjectOrigin { bucket, key },
                ObjectName::Local(path) => ObjectOrigin { bucket: "", key: path },
            };
            let read = match body {
                Body::Stream(body) => read_object(body.reader, body.size, kind, max_bytes, &ctx, origin, &mut sink),
                Body::Ranged(source) => read_ranged_object(source, kind, &ctx, origin, &mut sink),
            };
            let (stats, _, finished) = sink.finish();
            (stats, finished.map_err(ReadError::from).and(read), name)
        });
        let delivered = self.0.deliverer.deliver_all(rx, deadline, Some(&named)).await;
        let (mut stats, read, name) = match reading.await {
            Ok(done) => done,
            Err(source) => {
                let error = ForwardError::TaskFailed { what: "object reader", source };
                return ObjectReport { stats: delivered.stats, error: Some(error), delivered: delivered.done };
            }
        };
        stats.merge(&delivered.stats);
        stats.resumed_reads += resumes.map_or(0, |r| u64::from(r.load(std::sync::atomic::Ordering::Relaxed)));
        stats.resumed_reads += ranged.map_or(0, |source| u64::from(source.resumes()));
        if let (ObjectName::S3 { bucket, key }, false) = (&name, matches!(read, Ok(ObjectRead::Skipped(_)))) {
            // Our own record of what was read: an investigation goes from a log's `s3ref` (or
            // its account and date) to the object here.
            let s3ref = crate::entry::provenance::object_ref(bucket, key);
            tracing::info!(bucket = %bucket, key = %key, s3ref = %s3ref, records = stats.records_in, "object read");
        }
        let error = match (delivered.failure, read) {
            (Some(failure), _) => Some(failure.about(Some(name))),
            (None, Err(ReadError::Sink(SinkError::Stopped))) => Some(ForwardError::Deadline { object: name }),
            (None, Err(source)) if source.is_damage() => {
                // Permanent: a retry would read (and send) the same records again and stop at
                // the same place. The records before the damage are delivered and counted.
                let source = ForwardError::Read { object: name, source };
                tracing::error!(error = %source.describe(), records = stats.records_in, "damaged object: the records before the damage were forwarded, the rest cannot be read");
                stats.objects_damaged += 1;
                None
            }
            (None, Err(source)) => Some(ForwardError::Read { object: name, source }),
            (None, Ok(ObjectRead::Empty)) => {
                tracing::info!(object = %name, "empty object: no records");
                stats.objects_empty += 1;
                None
            }
            (None, Ok(ObjectRead::Skipped(kind))) => {
                tracing::info!(object = %name, kind = kind.source().name, "skipped: {}", kind.skipped().unwrap_or(""));
                stats.objects_skipped += 1;
                return ObjectReport { stats, ..ObjectReport::default() };
            }
            (None, Ok(ObjectRead::Records)) => None,
        };
        if error.is_some() {
            stats.objects_failed += 1;
        } else {
            stats.objects += 1;
        }
        ObjectReport { stats, error, delivered: delivered.done }
    }
}

/// An object opened for reading.
enum Body {
    /// Streamed.
    Stream(ObjectBody),
    /// Read by byte ranges.
    Ranged(std::sync::Arc<dyn RangeRead>),
}

impl Body {
    /// The object's ETag, when the store said it (a continuation pins the object with it).
    fn etag(&self) -> Option<String> {
        match self {
            Self::Stream(body) => body.etag.clone(),
            Self::Ranged(_) => None,
        }
    }
}

fn joined(done: Result<(usize, ObjectReport), tokio::task::JoinError>) -> (usize, ObjectReport) {
    done.unwrap_or_else(|source| {
        let report =
            ObjectReport { error: Some(ForwardError::TaskFailed { what: "object", source }), ..Default::default() };
        (usize::MAX, report)
    })
}
