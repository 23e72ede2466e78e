//! `replay --checkpoint FILE`: the objects a replay finished, one manifest line each
//! (`bucket,key`; an empty bucket for a local file), appended and flushed as each object
//! completes, so that the same command run again after a crash or a Ctrl-C skips them.
//! Objects that failed are not recorded: the next run tries them again.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::manifest;

/// The completed objects of earlier runs, and the file recording this run's.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
    done: HashSet<String>,
    file: File,
}

/// A checkpoint file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("checkpoint file {path}")]
pub struct CheckpointError {
    /// The file.
    pub path: String,
    /// What the file system said.
    #[source]
    pub source: io::Error,
}

impl Checkpoint {
    /// Opens (or creates) the checkpoint at `path` and reads what it records.
    pub fn open(path: &Path) -> Result<Self, CheckpointError> {
        let error = |source| CheckpointError { path: path.display().to_string(), source };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(error(err)),
        };
        // A line cut by a crash is not a completed object: only whole lines count.
        let done = text.split_inclusive('\n').filter(|l| l.ends_with('\n')).map(|l| l.trim_end().to_owned()).collect();
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(error)?;
        // Drop the cut line, so the next record starts a line of its own.
        let whole = text.rfind('\n').map_or(0, |end| end + 1);
        if whole < text.len() {
            file.set_len(whole as u64).map_err(error)?;
        }
        Ok(Self { path: path.to_owned(), done, file })
    }

    /// Objects recorded as completed.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether nothing is recorded yet.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Whether the object was completed by an earlier run.
    pub fn is_done(&self, bucket: &str, key: &str) -> bool {
        self.done.contains(&manifest::line(bucket, key))
    }

    /// Records a completed object, on disk before returning.
    pub fn record(&mut self, bucket: &str, key: &str) -> Result<(), CheckpointError> {
        let line = manifest::line(bucket, key);
        let written = writeln!(self.file, "{line}").and_then(|()| self.file.flush());
        written.map_err(|source| CheckpointError { path: self.path.display().to_string(), source })?;
        self.done.insert(line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_objects_survive_a_restart_and_cut_lines_do_not_count() {
        let path = std::env::temp_dir().join(format!("slf-checkpoint-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut checkpoint = Checkpoint::open(&path).unwrap();
        assert!(checkpoint.is_empty());
        checkpoint.record("trail", "a b.json.gz").unwrap();
        checkpoint.record("", "/data/x.json").unwrap();
        drop(checkpoint);
        // A crash in the middle of a line.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"trail,half").unwrap();
        let mut again = Checkpoint::open(&path).unwrap();
        assert_eq!(again.len(), 2);
        assert!(again.is_done("trail", "a b.json.gz") && again.is_done("", "/data/x.json"));
        assert!(!again.is_done("trail", "half"));
        again.record("trail", "c").unwrap();
        assert_eq!(Checkpoint::open(&path).unwrap().len(), 3);
        std::fs::remove_file(&path).unwrap();
    }
}
