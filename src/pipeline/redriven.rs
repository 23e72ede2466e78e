//! Events back from the failure queue: an invocation record's original event is handled as
//! if it had just arrived (with its own shape's semantics), its failure logged once and never
//! added to the logs sent; a continuation resumes its object where it stopped.

use std::future::Future;
use std::pin::Pin;

use super::errors::ForwardError;
use super::{Forwarder, Outcome};
use crate::arrival::ObjectRef;
use crate::arrival::redriven::{Continuation, Redriven};
use crate::deadline::Deadline;
use crate::dispatch::DispatchError;
use crate::intake::Intake;
use crate::stats::Stats;
use crate::store::ObjectStore;

impl<I: Intake, S: ObjectStore> Forwarder<I, S> {
    /// Handles an event back from the failure queue (boxed: a record may hold a record).
    pub(super) fn forward_redriven(
        &self,
        event: Redriven,
        deadline: Deadline,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + '_>> {
        Box::pin(async move {
            let mut outcome = match event {
                Redriven::Record { event, failure } => {
                    tracing::info!(
                        condition = failure.condition.as_deref().unwrap_or("-"),
                        approximate_invoke_count = failure.invoke_count.unwrap_or(0),
                        failed_at = failure.timestamp.as_deref().unwrap_or("-"),
                        error_type = failure.error_type.as_deref().unwrap_or("-"),
                        "re-processing an event from the failure queue"
                    );
                    self.handle_as(event.as_bytes(), deadline, true).await
                }
                Redriven::Continuation(Ok(continuation)) => self.resume(&continuation, deadline).await,
                Redriven::Continuation(Err(err)) => {
                    Outcome::summary(Stats::default(), Some(ForwardError::Dispatch(DispatchError::Continuation(err))))
                }
            };
            outcome.stats.redriven += 1;
            if outcome.partial_batch { outcome } else { Outcome::summary(outcome.stats, outcome.error) }
        })
    }

    /// Resumes a partly delivered object: only the records not delivered before are sent.
    async fn resume(&self, continuation: &Continuation, deadline: Deadline) -> Outcome {
        tracing::info!(
            bucket = %continuation.bucket, key = %continuation.key,
            delivered_before = continuation.delivered.len(), reason = %continuation.reason,
            failed_at = %continuation.failed_at, "resuming a partly delivered object"
        );
        let object = ObjectRef {
            version_id: continuation.version_id.clone(),
            ..ObjectRef::new(continuation.bucket.clone(), continuation.key.clone())
        };
        let report = self
            .forward_object_in(&object, deadline, self.entry_context(), Some(continuation))
            .await
            .missing_is_skipped();
        Outcome::summary(report.stats, report.error)
    }
}
