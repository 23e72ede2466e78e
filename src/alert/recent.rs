//! The findings this container alerted on lately, so that an event Lambda delivers again
//! (a retry after the intake failed, a duplicate delivery) does not page twice. A cold
//! container starts empty: the stateless rule of `finding::novelty` still holds there.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an alerted finding is remembered.
const REMEMBER_FOR: Duration = Duration::from_secs(6 * 3600);
/// At most this many findings are remembered (the oldest go first).
const CAPACITY: usize = 4096;

/// Recently alerted findings, by `<ddsource>/<id>`.
#[derive(Debug, Default)]
pub(crate) struct RecentAlerts(Mutex<VecDeque<(Instant, String)>>);

impl RecentAlerts {
    /// Whether `key` alerted within the last [`REMEMBER_FOR`].
    pub(crate) fn contains(&self, key: &str) -> bool {
        let mut recent = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while recent.front().is_some_and(|(at, _)| at.elapsed() > REMEMBER_FOR) {
            recent.pop_front();
        }
        recent.iter().any(|(_, k)| k == key)
    }

    /// Remembers that `key` alerted now.
    pub(crate) fn insert(&self, key: String) {
        let mut recent = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if recent.len() >= CAPACITY {
            recent.pop_front();
        }
        recent.push_back((Instant::now(), key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_what_alerted() {
        let recent = RecentAlerts::default();
        assert!(!recent.contains("guardduty/a"));
        recent.insert("guardduty/a".into());
        assert!(recent.contains("guardduty/a") && !recent.contains("guardduty/b"));
        for i in 0..CAPACITY {
            recent.insert(format!("x/{i}"));
        }
        assert!(!recent.contains("guardduty/a"), "the oldest go first");
    }
}
