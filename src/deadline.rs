//! The point by which an invocation must have finished its work: the Lambda deadline less a
//! safety margin, or none on the command line (where retries are bounded by attempts).

use std::time::{Duration, Instant, SystemTime};

/// An optional deadline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline.
    pub fn none() -> Self {
        Self(None)
    }

    /// A deadline at `instant`.
    pub fn at(instant: Instant) -> Self {
        Self(Some(instant))
    }

    /// The Lambda deadline (`SystemTime`) less a margin to report the result: a fifth of
    /// the time left, at most 2 s.
    pub fn from_lambda(deadline: SystemTime) -> Self {
        let left = deadline.duration_since(SystemTime::now()).unwrap_or_default();
        let margin = (left / 5).min(Duration::from_secs(2));
        Self(Some(Instant::now() + left - margin))
    }

    /// Time left, `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.0.map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }
}
