//! S3 Batch Operations tasks: each task's object goes through the same object path as a
//! notification's, and each task gets the result code Batch Operations acts on —
//! `TemporaryFailure` (it retries the task) for what a retry can fix, `PermanentFailure` for
//! what it cannot — with a short `resultString` for the completion report (counts, the
//! error type and the object; never record content).

use super::errors::{self, ForwardError};
use super::{Forwarder, ObjectReport, Outcome};
use crate::arrival::batch_operations::{self, BatchJob, ResultCode};
use crate::deadline::Deadline;
use crate::intake::Intake;
use crate::stats::Stats;
use crate::store::ObjectStore;

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    pub(super) async fn forward_batch_tasks(&self, job: BatchJob, deadline: Deadline) -> Outcome {
        let mut stats = Stats::default();
        let mut errors: Vec<ForwardError> = Vec::new();
        let mut results = Vec::with_capacity(job.tasks.len());
        let ctx = job.arguments.as_ref().map_err(String::as_str).map(|arguments| {
            let mut ctx = self.entry_context();
            if let Some(extra) = &arguments.extra_tags {
                ctx.tags = ctx.tags.with_extra(extra);
            }
            ctx
        });
        for task in &job.tasks {
            let result = match (&ctx, &task.object) {
                (Ok(ctx), Ok(object)) => {
                    let report = self.forward_object_in(object, deadline, ctx.clone(), None).await;
                    stats.merge(&report.stats);
                    let result = task_result(&report);
                    tracing::info!(job_id = %job.job_id, task_id = %task.task_id, result = result.0.as_str(), "task done");
                    errors.extend(report.error);
                    result
                }
                (Err(reason), _) => refused(&job, &task.task_id, reason),
                (_, Err(reason)) => refused(&job, &task.task_id, reason),
            };
            results.push(result);
        }
        Outcome {
            stats,
            response: batch_operations::response(&job, &results),
            error: errors::combine(errors, job.tasks.len()),
            partial_batch: true,
        }
    }
}

/// A task that names no object, or a job whose `userArguments` are refused.
fn refused(job: &BatchJob, task_id: &str, reason: &str) -> (ResultCode, String) {
    tracing::error!(job_id = %job.job_id, task_id, "task refused: {reason}");
    (ResultCode::PermanentFailure, reason.to_owned())
}

/// The result code and string of one task's object.
fn task_result(report: &ObjectReport) -> (ResultCode, String) {
    let stats = &report.stats;
    match &report.error {
        Some(error) => {
            let code = if error.is_retryable() { ResultCode::TemporaryFailure } else { ResultCode::PermanentFailure };
            (code, format!("{}: {}", error.error_type(), error.describe()))
        }
        None if stats.objects_skipped > 0 => (ResultCode::Succeeded, "skipped: a CloudTrail digest file".to_owned()),
        // The records before the damage were delivered; a retry would send them again and
        // stop at the same byte.
        None if stats.objects_damaged > 0 => (
            ResultCode::PermanentFailure,
            format!(
                "ObjectDamaged: {} records forwarded before the damage (the function's log says where)",
                stats.records_in
            ),
        ),
        // Partly delivered: the rest waits on the failure queue as a continuation, so a retry
        // of the task (which would send the delivered records again) is not asked for.
        None if stats.continuations_queued > 0 => (
            ResultCode::Succeeded,
            format!(
                "partly delivered: records {}, sent {}; the rest is on the failure queue as a continuation",
                stats.records_in, stats.entries_sent
            ),
        ),
        None => (
            ResultCode::Succeeded,
            format!("records {}, sent {}, dropped {}", stats.records_in, stats.entries_sent, stats.dropped_total()),
        ),
    }
}
