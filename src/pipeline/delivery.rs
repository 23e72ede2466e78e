//! Compressing and delivering the bodies a reader seals. The reader (a blocking thread) hands
//! bodies over a one-body queue; the delivery loop reserves a compressor (one per core)
//! before it takes the next body, compresses it off the async workers, and sends it with at
//! most `DD_MAX_CONCURRENCY` requests in flight. The queue's back-pressure thus reaches the
//! reader, and an object needs only a few 5 MB bodies of memory whatever its size. After an
//! API key rejection or the deadline, the remaining bodies are counted as failed and the
//! reader is stopped.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::errors::{ForwardError, ObjectName};
use crate::batch::{Batch, BodyPool};
use crate::compress::Compression;
use crate::deadline::Deadline;
use crate::intake::{Delivery, Intake, IntakeError};
use crate::record_set::RecordSet;
use crate::sink::{BatchOut, EntrySink};
use crate::stats::{DropReason, Stats};

/// Sealed, uncompressed bodies waiting between a reader and the compressors: with one being
/// filled and one per core being compressed, this bounds an object's memory to a few bodies.
const QUEUED_BODIES: usize = 1;

/// Bodies this small are compressed on the delivering task itself.
const INLINE_COMPRESS_BYTES: usize = 64 * 1024;

/// Why some entries were not delivered.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The intake did not accept them.
    Intake(IntakeError),
    /// Their body could not be compressed.
    Compress(std::io::Error),
    /// A delivery task stopped.
    Task(tokio::task::JoinError),
}

impl Failure {
    /// The error, naming the object the entries came from.
    pub(crate) fn about(self, object: Option<ObjectName>) -> ForwardError {
        match self {
            Self::Intake(source) => ForwardError::Intake { object, source },
            Self::Compress(source) => ForwardError::Compress(source),
            Self::Task(source) => ForwardError::TaskFailed { what: "delivery", source },
        }
    }

    fn stops_delivery(&self) -> bool {
        match self {
            Self::Intake(err) => err.stops_delivery(),
            Self::Compress(_) => false,
            Self::Task(_) => true,
        }
    }
}

/// What became of the bodies of one object or event: `entries_sent`, `entries_failed`,
/// `retries` and `bytes_compressed`, and the first failure.
#[derive(Debug, Default)]
pub(crate) struct Delivered {
    pub(crate) stats: Stats,
    pub(crate) failure: Option<Failure>,
    /// The records (by index in their object) of the bodies delivered in full (accepted, or
    /// refused on their own): what a continuation need not send again.
    pub(crate) done: RecordSet,
}

/// Hands sealed bodies from a blocking reader to the delivery loop.
pub(crate) struct BodyQueue {
    tx: mpsc::Sender<Batch>,
    deadline: Deadline,
}

impl BatchOut for BodyQueue {
    fn send(&mut self, batch: Batch) -> Result<(), Batch> {
        if self.deadline.passed() {
            return Err(batch);
        }
        self.tx.blocking_send(batch).map_err(|unsent| unsent.0)
    }
}

/// The intake, the compressors, the request slots and the body buffers, shared by every
/// object of the process.
pub(crate) struct Deliverer<I> {
    intake: Arc<I>,
    compression: Compression,
    requests: Arc<Semaphore>,
    compressors: Arc<Semaphore>,
    bodies: BodyPool,
}

impl<I: Intake> Deliverer<I> {
    /// Delivers to `intake` with `compression`, at most `max_concurrency` requests at once and
    /// one compression per core.
    pub(crate) fn new(intake: I, compression: Compression, max_concurrency: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_compressors(intake, compression, max_concurrency, cores)
    }

    fn with_compressors(intake: I, compression: Compression, max_concurrency: usize, compressors: usize) -> Self {
        Self {
            intake: Arc::new(intake),
            compression,
            requests: Arc::new(Semaphore::new(max_concurrency)),
            compressors: Arc::new(Semaphore::new(compressors)),
            bodies: BodyPool::default(),
        }
    }

    /// A sink for a reader on a blocking thread, and the receiving end for
    /// [`Deliverer::deliver_all`].
    pub(crate) fn sink(&self, deadline: Deadline) -> (EntrySink<BodyQueue>, mpsc::Receiver<Batch>) {
        let (tx, rx) = mpsc::channel(QUEUED_BODIES);
        (EntrySink::with_pool(BodyQueue { tx, deadline }, self.bodies.clone()), rx)
    }

    /// Delivers bodies already built (a finding event's).
    pub(crate) async fn deliver_batches(&self, batches: Vec<Batch>, deadline: Deadline) -> Delivered {
        let (tx, rx) = mpsc::channel(batches.len().max(1));
        let mut unsent = 0;
        for batch in batches {
            if let Err(err) = tx.try_send(batch) {
                unsent += err.into_inner().entries() as u64;
            }
        }
        drop(tx);
        let mut delivered = self.deliver_all(rx, deadline, None).await;
        delivered.stats.entries_failed += unsent;
        delivered
    }

    /// Compresses and delivers bodies as they arrive, until the sending side is done. Entries
    /// the intake refuses on their own are dropped and logged with `object` and their index.
    pub(crate) async fn deliver_all(
        &self,
        mut rx: mpsc::Receiver<Batch>,
        deadline: Deadline,
        object: Option<&ObjectName>,
    ) -> Delivered {
        let mut delivered = Delivered::default();
        let mut tasks = JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, u64> = HashMap::new();
        let mut stopped = false;
        // A compressor is reserved before the next body is taken from the reader, so that no
        // body waits outside the queue for one: the queue's back-pressure reaches the reader.
        let mut compressor = None;
        loop {
            tokio::select! {
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    if record(done, &mut in_flight, &mut delivered, object) && !stopped {
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
                    let records = batch.records().to_vec();
                    let (false, Some(compressor), Ok(permit)) =
                        (stopped, compressor.take(), self.requests.clone().acquire_owned().await)
                    else {
                        delivered.stats.entries_failed += entries;
                        continue;
                    };
                    let intake = self.intake.clone();
                    let (compression, bodies) = (self.compression, self.bodies.clone());
                    let handle = tasks.spawn(async move {
                        let compressed = compress(batch, compression, bodies).await;
                        drop(compressor);
                        let outcome = match compressed {
                            Ok(batch) => {
                                let bytes = batch.body.len() as u64;
                                Ok((bytes, intake.deliver(batch, deadline).await, records))
                            }
                            Err(err) => Err(err),
                        };
                        drop(permit);
                        outcome
                    });
                    in_flight.insert(handle.id(), entries);
                }
            }
        }
        while let Some(done) = tasks.join_next_with_id().await {
            record(done, &mut in_flight, &mut delivered, object);
        }
        delivered
    }
}

type TaskResult = Result<(tokio::task::Id, std::io::Result<(u64, Delivery, Vec<u64>)>), tokio::task::JoinError>;

/// Counts one finished delivery; returns true when delivery should stop.
fn record(
    done: TaskResult,
    in_flight: &mut HashMap<tokio::task::Id, u64>,
    delivered: &mut Delivered,
    object: Option<&ObjectName>,
) -> bool {
    let stats = &mut delivered.stats;
    let failure = match done {
        Ok((id, Ok((bytes, delivery, records)))) => {
            in_flight.remove(&id);
            // A body partly failed (after a split) is resent whole by a continuation: its
            // accepted part may arrive twice, never none of it.
            if delivery.failed == 0 {
                delivered.done.extend_sorted(&records);
            }
            let stats = &mut delivered.stats;
            stats.entries_sent += delivery.accepted;
            stats.entries_failed += delivery.failed;
            stats.retries += delivery.retries;
            stats.isolating_requests += delivery.isolating_requests;
            stats.bytes_compressed += bytes;
            for record in &delivery.rejected {
                stats.drop_record(DropReason::RejectedByIntake);
                // Where the record is, never what it holds.
                let object = object.map_or_else(|| "the finding event".to_owned(), ToString::to_string);
                tracing::warn!(object = %object, record, "the intake refused this record on its own (HTTP 400); dropped, the rest delivered");
            }
            delivery.error.map(Failure::Intake)
        }
        Ok((id, Err(err))) => {
            stats.entries_failed += in_flight.remove(&id).unwrap_or(0);
            Some(Failure::Compress(err))
        }
        Err(err) => {
            stats.entries_failed += in_flight.remove(&err.id()).unwrap_or(0);
            Some(Failure::Task(err))
        }
    };
    let Some(failure) = failure else { return false };
    let stop = failure.stops_delivery();
    delivered.failure.get_or_insert(failure);
    stop
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::compress::Codec;
    use crate::entry::rules::Rules;
    use crate::sink::SinkError;

    /// An intake that answers from a script (then accepts), slowly when asked, and records
    /// how many bodies it held at once.
    #[derive(Default)]
    struct FakeIntake {
        script: Mutex<Vec<IntakeError>>,
        delay: Duration,
        calls: AtomicUsize,
        holding: AtomicUsize,
        most_held: AtomicUsize,
    }

    impl Intake for FakeIntake {
        async fn deliver(&self, batch: Batch, _deadline: Deadline) -> Delivery {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let held = self.holding.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_held.fetch_max(held, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            self.holding.fetch_sub(1, Ordering::SeqCst);
            let entries = batch.entries() as u64;
            match self.script.lock().unwrap().pop() {
                Some(error) => Delivery { failed: entries, error: Some(error), ..Delivery::default() },
                None => Delivery { accepted: entries, ..Delivery::default() },
            }
        }
    }

    const GZIP: Compression = Compression { codec: Codec::Gzip, level: 1 };

    /// What the reader saw: its counters, its result, and how many bodies the intake had
    /// been given when it finished.
    type Read = (Stats, Result<(), SinkError>, usize);

    /// Reads `bodies` bodies of 1000 entries each through a deliverer; returns what the
    /// reader saw and what was delivered.
    async fn run(deliverer: Arc<Deliverer<FakeIntake>>, bodies: usize) -> (Read, Delivered) {
        let (mut sink, rx) = deliverer.sink(Deadline::none());
        let watched = deliverer.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let rules = Rules::default();
            let mut result = Ok(());
            for _ in 0..bodies * 1000 {
                result = sink.commit(&rules, b"", |out| {
                    out.extend_from_slice(br#"{"message":"x"}"#);
                    false
                });
                if result.is_err() {
                    break;
                }
            }
            let (stats, _, finished) = sink.finish();
            (stats, result.and(finished), watched.intake.calls.load(Ordering::SeqCst))
        });
        let delivered = deliverer.deliver_all(rx, Deadline::none(), None).await;
        (reader.await.unwrap(), delivered)
    }

    fn balanced(reader: &Stats, delivered: &Delivered) -> bool {
        let mut all = reader.clone();
        all.merge(&delivered.stats);
        all.balanced()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rejected_key_stops_the_reader() {
        let intake =
            FakeIntake { script: Mutex::new(vec![IntakeError::ApiKeyRejected { status: 403 }]), ..Default::default() };
        let deliverer = Arc::new(Deliverer::with_compressors(intake, GZIP, 1, 1));
        let ((reader, result, _), delivered) = run(deliverer.clone(), 100).await;
        assert!(matches!(result, Err(SinkError::Stopped)));
        assert!(matches!(delivered.failure, Some(Failure::Intake(IntakeError::ApiKeyRejected { .. }))));
        assert!(deliverer.intake.calls.load(Ordering::SeqCst) <= 3, "bodies sent after the rejection");
        assert!(reader.records_in < 10_000, "the reader went on to the end");
        assert!(balanced(&reader, &delivered));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failed_counts_balance() {
        let script = vec![
            IntakeError::Rejected { status: 400, entries: 1000 },
            IntakeError::Rejected { status: 400, entries: 1000 },
        ];
        let intake = FakeIntake { script: Mutex::new(script), ..Default::default() };
        let deliverer = Arc::new(Deliverer::with_compressors(intake, GZIP, 2, 2));
        let ((reader, result, _), delivered) = run(deliverer, 5).await;
        result.unwrap();
        assert_eq!((delivered.stats.entries_sent, delivered.stats.entries_failed), (3000, 2000));
        assert!(balanced(&reader, &delivered));
        assert!(delivered.stats.bytes_compressed > 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn back_pressure_holds() {
        let intake = FakeIntake { delay: Duration::from_millis(20), ..Default::default() };
        let deliverer = Arc::new(Deliverer::with_compressors(intake, GZIP, 2, 1));
        let ((reader, result, taken_when_done), delivered) = run(deliverer.clone(), 30).await;
        result.unwrap();
        assert_eq!(delivered.stats.entries_sent, 30_000);
        assert!(balanced(&reader, &delivered));
        assert!(deliverer.intake.most_held.load(Ordering::SeqCst) <= 2, "more requests than DD_MAX_CONCURRENCY");
        // The reader cannot run ahead: when it seals its last body, all but the queued one,
        // the one being compressed and the two in flight have reached the intake.
        assert!(taken_when_done >= 30 - 4, "the reader finished with only {taken_when_done} bodies delivered");
    }
}
