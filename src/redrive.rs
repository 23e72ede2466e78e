//! `redrive`: re-sends the events on the failure queue. Messages are received in batches of
//! ten by a few receivers; each payload (an invocation record's original event, or a
//! continuation) goes through the same pipeline as in Lambda; a message is deleted only when
//! its payload succeeded (or its object no longer exists), and the others stay on the queue,
//! hidden for the visibility timeout, their receive count grown. Messages that are no event
//! from the failure queue are left alone and reported. Safe to run twice, and while the function
//! is live: a message being handled is invisible to every other receiver (its visibility is
//! renewed while it is handled).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::arrival::redriven::{self, Redriven};
use crate::deadline::Deadline;
use crate::dispatch::{Invocation, dispatch};
use crate::failure_queue::{FailureQueue, QueueError, QueueMessage};
use crate::intake::Intake;
use crate::json::lenient_str;
use crate::pipeline::Forwarder;
use crate::stats::Stats;
use crate::store::ObjectStore;
use crate::timestamp::human_age;

/// Receivers working at once (each holds up to ten messages).
const RECEIVERS: usize = 4;

/// What `redrive` is asked to do.
#[derive(Debug, Clone)]
pub struct RedriveOptions {
    /// Stop after this many messages.
    pub max: Option<u64>,
    /// List what would be re-sent; send and delete nothing.
    pub dry_run: bool,
    /// How long a received message stays hidden from other receivers (and, when it fails
    /// again, before it can be received again).
    pub visibility: Duration,
}

/// What `redrive` did.
#[derive(Debug, Default)]
pub struct RedriveSummary {
    /// Messages received.
    pub received: u64,
    /// Payloads re-sent in full (their messages deleted).
    pub resent: u64,
    /// Payloads that failed again, by error class (their messages stay on the queue).
    pub still_failing: BTreeMap<String, u64>,
    /// Payloads whose S3 object no longer exists (their messages deleted).
    pub skipped_missing: u64,
    /// Messages that are not events from the failure queue (left alone).
    pub not_records: u64,
    /// Messages SQS did not delete although their payload succeeded.
    pub not_deleted: u64,
    /// The pipeline's counters over every payload.
    pub stats: Stats,
}

impl std::fmt::Display for RedriveSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failing: u64 = self.still_failing.values().sum();
        write!(
            f,
            "received={} resent={} still_failing={failing} skipped_missing_object={} not_failure_records={} not_deleted={}",
            self.received, self.resent, self.skipped_missing, self.not_records, self.not_deleted
        )?;
        for (class, n) in &self.still_failing {
            write!(f, " failing_{class}={n}")?;
        }
        Ok(())
    }
}

/// Re-sends the failure queue's events through `forwarder`; `progress` is called after each
/// message with the summary so far.
pub async fn redrive<I: Intake, S: ObjectStore>(
    forwarder: &Forwarder<I, S>,
    queue: &FailureQueue,
    options: &RedriveOptions,
    progress: &(dyn Fn(&RedriveSummary) + Sync),
) -> Result<RedriveSummary, QueueError> {
    let summary = Mutex::new(RedriveSummary::default());
    let taken = std::sync::atomic::AtomicU64::new(0);
    let listed = Mutex::new(Vec::new());
    let receiver = async || -> Result<(), QueueError> {
        let mut empty = 0;
        loop {
            if options.max.is_some_and(|max| taken.load(std::sync::atomic::Ordering::SeqCst) >= max) {
                return Ok(());
            }
            let messages = queue.receive(options.visibility, Duration::from_secs(1)).await?;
            if messages.is_empty() {
                empty += 1;
                if empty >= 2 {
                    return Ok(());
                }
                continue;
            }
            empty = 0;
            let mut mine = Vec::new();
            for message in messages {
                let n = taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if options.max.is_some_and(|max| n >= max) {
                    // Over the limit: back to the queue at once.
                    queue.release(&message.receipt).await?;
                } else {
                    mine.push(message);
                }
            }
            if options.dry_run {
                let mut summary = lock(&summary);
                for message in &mine {
                    summary.received += 1;
                    println!("{}", describe(message));
                    if redriven::recognise(&message.body).is_none() {
                        summary.not_records += 1;
                    }
                    progress(&summary);
                }
                lock(&listed).extend(mine);
                continue;
            }
            let handling = futures_util::future::join_all(mine.iter().map(|m| handle(forwarder, m)));
            let handled = keep_hidden(queue, &mine, options.visibility, handling).await;
            let mut delete = Vec::new();
            {
                let mut summary = lock(&summary);
                for (message, verdict) in mine.iter().zip(handled) {
                    summary.received += 1;
                    match verdict {
                        Verdict::Resent(stats) => {
                            summary.stats.merge(&stats);
                            if stats.objects_missing > 0 {
                                summary.skipped_missing += 1;
                            } else {
                                summary.resent += 1;
                            }
                            delete.push(message.receipt.as_str());
                        }
                        Verdict::Failing(class, stats) => {
                            summary.stats.merge(&stats);
                            *summary.still_failing.entry(class).or_default() += 1;
                        }
                        Verdict::NotARecord => {
                            tracing::warn!(message_id = %message.id, "not an event from the failure queue; left alone");
                            summary.not_records += 1;
                        }
                    }
                    progress(&summary);
                }
            }
            let not_deleted = queue.delete(&delete).await?;
            lock(&summary).not_deleted += not_deleted as u64;
        }
    };
    let results = futures_util::future::join_all((0..RECEIVERS).map(|_| receiver())).await;
    if options.dry_run {
        // What was listed goes back to the queue at once.
        let listed = std::mem::take(&mut *lock(&listed));
        for message in &listed {
            queue.release(&message.receipt).await?;
        }
    }
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(summary.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

/// Runs `work` while keeping `messages` hidden: their visibility is renewed every half
/// `visibility`, so a slow re-send (a large object read again) is never received a second
/// time by another receiver, or by the function's own automatic redrive, meanwhile.
async fn keep_hidden<T>(
    queue: &FailureQueue,
    messages: &[QueueMessage],
    visibility: Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(work);
    let period = (visibility / 2).max(Duration::from_secs(1));
    loop {
        tokio::select! {
            done = &mut work => return done,
            () = tokio::time::sleep(period) => {
                let receipts: Vec<&str> = messages.iter().map(|m| m.receipt.as_str()).collect();
                if let Err(err) = queue.extend(&receipts, visibility).await {
                    tracing::warn!(error = %crate::error_chain(&err), "cannot keep the messages being re-sent hidden; another receiver may take them");
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

enum Verdict {
    Resent(Stats),
    Failing(String, Stats),
    NotARecord,
}

async fn handle<I: Intake, S: ObjectStore>(forwarder: &Forwarder<I, S>, message: &QueueMessage) -> Verdict {
    if redriven::recognise(&message.body).is_none() {
        return Verdict::NotARecord;
    }
    let outcome = forwarder.handle(message.body.as_bytes(), Deadline::none()).await;
    match outcome.error {
        None => Verdict::Resent(outcome.stats),
        Some(err) => {
            tracing::error!(message_id = %message.id, error = %err.describe(), "still failing; the message stays on the queue");
            Verdict::Failing(err.error_type().as_str().to_owned(), outcome.stats)
        }
    }
}

/// One line for `--dry-run`: the event type, what it names, and its age.
pub fn describe(message: &QueueMessage) -> String {
    let age = message.sent_ms.map_or_else(
        || "age unknown".to_owned(),
        |sent| {
            let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
            format!("age {}", human_age(Duration::from_millis(now.saturating_sub(sent))))
        },
    );
    let what = match redriven::recognise(&message.body) {
        None => "not an event from the failure queue (left alone)".to_owned(),
        Some(Redriven::Continuation(Ok(c))) => format!(
            "continuation s3://{}/{} ({} records delivered before, {})",
            c.bucket,
            c.key,
            c.delivered.len(),
            c.reason
        ),
        Some(Redriven::Continuation(Err(err))) => format!("unreadable continuation: {err}"),
        Some(Redriven::Record { event, failure }) => format!(
            "{} [{}, {} invocations]",
            describe_event(event.as_bytes()),
            failure.condition.as_deref().unwrap_or("-"),
            failure.invoke_count.unwrap_or(0)
        ),
    };
    format!("{}\t{what}\t{age}", message.id)
}

fn describe_event(event: &[u8]) -> String {
    match dispatch(event) {
        Err(err) => format!("unsupported event ({err})"),
        Ok(Invocation::Finding(finding)) => {
            #[derive(serde::Deserialize)]
            struct Id<'a> {
                #[serde(borrow)]
                id: Option<&'a serde_json::value::RawValue>,
            }
            let id = finding
                .envelope
                .detail
                .and_then(|d| serde_json::from_str::<Id>(d.get()).ok())
                .and_then(|d| lenient_str(d.id).map(|s| s.into_owned()));
            format!("finding {}", id.as_deref().unwrap_or("(no id)"))
        }
        Ok(Invocation::Objects(n)) => {
            let names: Vec<String> = n.objects.iter().map(|o| format!("s3://{}/{}", o.bucket, o.key)).collect();
            format!("S3 notification {}", names.join(" "))
        }
        Ok(Invocation::Sqs(messages)) => format!("SQS batch of {} messages", messages.len()),
        Ok(Invocation::BatchTasks(job)) => format!("Batch Operations job {} ({} tasks)", job.job_id, job.tasks.len()),
        Ok(Invocation::Redriven(_)) => "an event from the failure queue, nested".to_owned(),
        Ok(Invocation::Logs(_)) => "CloudWatch Logs subscription payload".to_owned(),
        Ok(Invocation::Kinesis(records)) => format!("Kinesis batch of {} records", records.len()),
    }
}
