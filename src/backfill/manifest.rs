//! S3 Batch Operations CSV manifests: one object a line, `bucket,key[,versionId]`, the key
//! URL-encoded (as the manifest format requires). `plan` writes them; `replay --manifest`
//! and the checkpoint file read them.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::arrival::ObjectRef;
use crate::arrival::batch_operations::manifest_object;

/// What a key keeps unencoded: letters, digits, `-`, `_`, `.`, `~` and `/`.
const KEY_ENCODING: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// One manifest line (without its newline).
pub fn line(bucket: &str, key: &str) -> String {
    format!("{bucket},{}", utf8_percent_encode(key, KEY_ENCODING))
}

/// A manifest line that names no object.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: not `bucket,key[,versionId]`")]
pub struct ManifestError {
    /// 1-based line number.
    pub line: usize,
}

/// The objects of a manifest's text, in order; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<ObjectRef>, ManifestError> {
    let mut objects = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let mut fields = raw.split(',').map(|f| f.trim().trim_matches('"'));
        let (Some(bucket), Some(key)) = (fields.next(), fields.next()) else {
            return Err(ManifestError { line: i + 1 });
        };
        if bucket.is_empty() || key.is_empty() {
            return Err(ManifestError { line: i + 1 });
        }
        objects.push(manifest_object(bucket, key, fields.next()));
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_the_encoding() {
        let key = "AWSLogs/o-x/1/CloudTrail/us-east-1/2026/09/01/a b+c,é%.json.gz";
        let line = line("trail", key);
        assert_eq!(line, "trail,AWSLogs/o-x/1/CloudTrail/us-east-1/2026/09/01/a%20b%2Bc%2C%C3%A9%25.json.gz");
        let objects = parse(&format!("{line}\n\n\"trail\",\"k%20x\",v3\n")).unwrap();
        assert_eq!(objects[0].key, key);
        assert_eq!(objects[1].key, "k x");
        assert_eq!(objects[1].version_id.as_deref(), Some("v3"));
        assert_eq!(parse("trail\n").unwrap_err().line, 1);
    }
}
