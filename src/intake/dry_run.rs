//! A dry run: each entry is written to stdout as one JSON line and nothing is sent.

use std::io::Write;
use std::sync::Mutex;

use super::{AttemptError, Delivery, Intake, IntakeError};
use crate::batch::Batch;
use crate::deadline::Deadline;

/// Writes entries to a writer (stdout for the command line).
pub struct DryRunIntake {
    out: Mutex<Box<dyn Write + Send>>,
}

impl DryRunIntake {
    /// Writes to stdout.
    pub fn stdout() -> Self {
        Self::new(Box::new(std::io::stdout()))
    }

    /// Writes to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out: Mutex::new(out) }
    }

    fn write(&self, batch: &Batch) -> std::io::Result<()> {
        let raw = batch.raw_body()?;
        let mut out = match self.out.lock() {
            Ok(out) => out,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut lines = Vec::with_capacity(raw.len() + batch.entries());
        for entry in batch.entry_slices(&raw) {
            lines.extend_from_slice(entry);
            lines.push(b'\n');
        }
        out.write_all(&lines)?;
        out.flush()
    }
}

impl Intake for DryRunIntake {
    async fn deliver(&self, batch: Batch, _deadline: Deadline) -> Delivery {
        let entries = batch.entries() as u64;
        match self.write(&batch) {
            Ok(()) => Delivery { accepted: entries, ..Delivery::default() },
            Err(err) => Delivery {
                failed: entries,
                error: Some(IntakeError::Unavailable { attempts: 1, last: AttemptError::Write(err) }),
                ..Delivery::default()
            },
        }
    }
}
