//! A set of record indices within one object, as sorted half-open ranges: which records of a
//! partly delivered object were delivered, so that resuming it sends each record once.

use serde::{Deserialize, Serialize};

/// Sorted, disjoint, non-adjacent `[start, end)` ranges of record indices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordSet(Vec<(u64, u64)>);

impl RecordSet {
    /// Adds `records` (indices in increasing order, as a body holds them).
    pub fn extend_sorted(&mut self, records: &[u64]) {
        let mut run: Option<(u64, u64)> = None;
        for &record in records {
            run = match run {
                Some((start, end)) if record == end => Some((start, end + 1)),
                Some(done) => {
                    self.insert(done);
                    Some((record, record + 1))
                }
                None => Some((record, record + 1)),
            };
        }
        if let Some(done) = run {
            self.insert(done);
        }
    }

    /// Adds every record of `other`.
    pub fn union(&mut self, other: &RecordSet) {
        for &range in &other.0 {
            self.insert(range);
        }
    }

    /// Adds `[start, end)`, merging what it touches.
    pub fn insert(&mut self, (mut start, mut end): (u64, u64)) {
        if start >= end {
            return;
        }
        let first = self.0.partition_point(|&(_, e)| e < start);
        let mut last = first;
        while last < self.0.len() && self.0[last].0 <= end {
            start = start.min(self.0[last].0);
            end = end.max(self.0[last].1);
            last += 1;
        }
        self.0.splice(first..last, [(start, end)]);
    }

    /// Whether `record` is in the set.
    pub fn contains(&self, record: u64) -> bool {
        let i = self.0.partition_point(|&(_, e)| e <= record);
        self.0.get(i).is_some_and(|&(s, _)| s <= record)
    }

    /// How many records the set holds.
    pub fn len(&self) -> u64 {
        self.0.iter().map(|(s, e)| e - s).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the ranges are sorted, disjoint and not empty (for a set read from outside).
    pub fn is_well_formed(&self) -> bool {
        self.0.iter().all(|(s, e)| s < e) && self.0.windows(2).all(|w| w[0].1 < w[1].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_answer_membership() {
        let mut set = RecordSet::default();
        set.extend_sorted(&[2000, 2001, 2002, 2004]);
        set.extend_sorted(&[0, 1, 2, 3]);
        set.extend_sorted(&[4, 5, 1999]);
        assert_eq!(set.0, vec![(0, 6), (1999, 2003), (2004, 2005)]);
        set.insert((6, 1999));
        assert_eq!(set.0, vec![(0, 2003), (2004, 2005)]);
        assert!(set.contains(0) && set.contains(2002) && !set.contains(2003) && set.contains(2004));
        assert!(!set.contains(2005));
        assert_eq!(set.len(), 2004);
        assert!(set.is_well_formed());
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, "[[0,2003],[2004,2005]]");
        let bad: RecordSet = serde_json::from_str("[[5,3]]").unwrap();
        assert!(!bad.is_well_formed());
    }
}
