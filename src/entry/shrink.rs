//! Shrinking an oversized entry (rare path): its largest string values are cut until the
//! entry fits, and `"truncated":true` is added. Keys and structure are kept.

use serde_json::Value;

/// Strings shorter than this are not worth cutting; an entry needing it is dropped.
const MIN_CUT: usize = 1024;
/// Room left for the `truncated` flag and escaping differences.
const SLACK: usize = 64;

/// Returns a version of `entry` of at most `max` bytes, or `None` if cutting strings cannot
/// get it there.
pub(super) fn shrink(entry: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(entry).ok()?;
    if let Value::Object(map) = &mut value {
        map.insert("truncated".to_owned(), Value::Bool(true));
    }
    let mut len = entry.len();
    for _ in 0..64 {
        let excess = (len + SLACK).saturating_sub(max);
        let largest = largest_string(&mut value)?;
        if largest.len() < MIN_CUT {
            return None;
        }
        let keep = floor_char_boundary(largest, largest.len().saturating_sub(excess));
        largest.truncate(keep);
        let out = serde_json::to_vec(&value).ok()?;
        if out.len() <= max {
            return Some(out);
        }
        len = out.len();
    }
    None
}

fn largest_string(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items.iter_mut().filter_map(largest_string).max_by_key(|s| s.len()),
        Value::Object(map) => map.values_mut().filter_map(largest_string).max_by_key(|s| s.len()),
        _ => None,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_the_largest_strings_until_it_fits() {
        let big = "é".repeat(600_000);
        let entry = serde_json::to_vec(&serde_json::json!({
            "message": "keep me", "detail": {"a": big, "b": ["x".repeat(300_000), "y"]}
        }))
        .unwrap();
        let out = shrink(&entry, 1_000_000).unwrap();
        assert!(out.len() <= 1_000_000);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["truncated"], true);
        assert_eq!(v["message"], "keep me");
        assert_eq!(v["detail"]["b"][1], "y");
    }

    #[test]
    fn gives_up_on_many_small_strings() {
        let many: Vec<String> = (0..200_000).map(|i| format!("s{i}")).collect();
        let entry = serde_json::to_vec(&serde_json::json!({ "list": many })).unwrap();
        assert!(entry.len() > 1_000_000);
        assert!(shrink(&entry, 1_000_000).is_none());
    }
}
