//! Replay / backfill: forwards local files, folders (recursively), S3 prefixes
//! (ListObjectsV2, paginated) or the objects of a Batch Operations manifest, each object
//! exactly as if a notification had named it. With a time window or account / region / kind
//! filters, S3 prefixes are walked folder by folder as `plan` does. `--checkpoint` records
//! completed objects so the same command run again skips them; Ctrl-C stops after the
//! objects in hand. Shows a progress bar on a terminal and a progress line every 10 s
//! otherwise.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::arrival::ObjectRef;
use crate::backfill::manifest::{self, ManifestError};
use crate::backfill::plan::{keep, leaf_folders, list_folder};
use crate::backfill::{Checkpoint, CheckpointError, KeyFilter, PlanError, PlanRequest, PlanTotals};
use crate::deadline::Deadline;
use crate::intake::Intake;
use crate::pipeline::{ForwardError, Forwarder, ObjectReport, ObjectSource, Outcome};
use crate::stats::Stats;
use crate::store::ObjectStore;

/// Objects read at once (each on a blocking thread, its bodies compressed and sent while it
/// is read); a Ctrl-C waits for these.
const OBJECTS_AT_ONCE: usize = 2;

/// What to replay besides the sources, and how.
#[derive(Debug, Default)]
pub struct ReplayOptions {
    /// Only objects whose keys (or paths) pass this filter; S3 prefixes are then walked as
    /// `plan` does.
    pub filter: KeyFilter,
    /// A Batch Operations CSV manifest of objects to replay.
    pub manifest: Option<PathBuf>,
    /// The file recording completed objects.
    pub checkpoint: Option<PathBuf>,
}

/// A replay that could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The manifest file cannot be read.
    #[error("manifest {path}")]
    ManifestFile {
        /// The file.
        path: String,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A manifest line names no object.
    #[error("manifest {path}")]
    ManifestLine {
        /// The file.
        path: String,
        /// Which line.
        #[source]
        source: ManifestError,
    },
    /// The checkpoint cannot be read or written.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The S3 walk cannot start.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Stopped by Ctrl-C.
    #[error("interrupted after {done} objects; run the same command again to continue")]
    Interrupted {
        /// Objects completed in this run.
        done: u64,
    },
}

/// Forwards every object of `sources` (and of the manifest), honouring the options.
pub async fn replay<I: Intake, S: ObjectStore>(
    forwarder: &Forwarder<I, S>,
    sources: &[String],
    options: &ReplayOptions,
) -> Result<Outcome, ReplayError> {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the objects in hand (Ctrl-C again to quit at once)");
                stop.store(true, Ordering::SeqCst);
                let _ = tokio::signal::ctrl_c().await;
                std::process::exit(130);
            }
        })
    };
    let checkpoint = options.checkpoint.as_deref().map(Checkpoint::open).transpose()?;
    let mut run = Run { forwarder, progress: Progress::new(), errors: Vec::new(), checkpoint, stop, already_done: 0 };
    let result = run.all(sources, options).await;
    watcher.abort();
    run.progress.finish();
    if run.already_done > 0 {
        eprintln!("skipped {} objects the checkpoint records as done", run.already_done);
    }
    result?;
    let stats = run.progress.stats;
    if run.stop.load(Ordering::SeqCst) {
        return Err(ReplayError::Interrupted { done: stats.objects + stats.objects_skipped });
    }
    let total = (stats.objects + stats.objects_failed + stats.objects_skipped) as usize;
    let error = crate::pipeline::combine(run.errors, total);
    let response = serde_json::json!({ "summary": stats.to_string() });
    Ok(Outcome { stats, response, error, partial_batch: false })
}

struct Run<'a, I, S> {
    forwarder: &'a Forwarder<I, S>,
    progress: Progress,
    errors: Vec<ForwardError>,
    checkpoint: Option<Checkpoint>,
    stop: Arc<AtomicBool>,
    already_done: u64,
}

impl<I: Intake, S: ObjectStore> Run<'_, I, S> {
    async fn all(&mut self, sources: &[String], options: &ReplayOptions) -> Result<(), ReplayError> {
        if let Some(path) = &options.manifest {
            let path_text = || path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|source| ReplayError::ManifestFile { path: path_text(), source })?;
            let objects =
                manifest::parse(&text).map_err(|source| ReplayError::ManifestLine { path: path_text(), source })?;
            let objects = objects.into_iter().map(|o| (ObjectSource::S3(o), 0)).collect();
            self.forward(objects).await?;
        }
        for source in sources {
            if let Some(rest) = source.strip_prefix("s3://") {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if !options.filter.is_empty() {
                    let request = PlanRequest {
                        bucket: bucket.to_owned(),
                        prefix: prefix.to_owned(),
                        filter: options.filter.clone(),
                    };
                    self.walk(&request).await?;
                } else {
                    self.prefix(bucket, prefix).await?;
                }
            } else {
                self.local(source, &options.filter).await?;
            }
        }
        Ok(())
    }

    /// An S3 prefix walked folder by folder, as `plan` does.
    async fn walk(&mut self, request: &PlanRequest) -> Result<(), ReplayError> {
        let mut totals = PlanTotals::default();
        let folders = leaf_folders(self.forwarder.store(), request, &mut totals).await?;
        for folder in folders {
            let (listed, _) = list_folder(self.forwarder.store(), &request.bucket, &folder)
                .await
                .map_err(|e| ReplayError::Plan(e.into()))?;
            let objects = listed
                .into_iter()
                .filter(|(key, _)| keep(request, key, &mut totals))
                .map(|(key, size)| (ObjectSource::S3(ObjectRef::new(&request.bucket, key)), size))
                .collect();
            self.forward(objects).await?;
        }
        Ok(())
    }

    /// Every object under an S3 prefix, a page at a time.
    async fn prefix(&mut self, bucket: &str, prefix: &str) -> Result<(), ReplayError> {
        let mut token = None;
        loop {
            let page = match self.forwarder.store().list(bucket, prefix, token).await {
                Ok(page) => page,
                Err(err) => {
                    self.errors.push(err.into());
                    return Ok(());
                }
            };
            let objects =
                page.objects.into_iter().map(|(key, size)| (ObjectSource::S3(ObjectRef::new(bucket, key)), size));
            self.forward(objects.collect()).await?;
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// A local file or folder; with a window or filters, only files whose paths match.
    async fn local(&mut self, source: &str, filter: &KeyFilter) -> Result<(), ReplayError> {
        let mut files = Vec::new();
        if let Err(err) = collect_files(Path::new(source), &mut files) {
            self.errors.push(ForwardError::LocalFile { path: source.to_owned(), source: err });
            return Ok(());
        }
        let objects = files
            .into_iter()
            .filter(|path| filter.selects(&path.to_string_lossy()))
            .map(|path| {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                (ObjectSource::Local(path), size)
            })
            .collect();
        self.forward(objects).await
    }

    /// Forwards objects a few at a time, skipping checkpointed ones and recording each as it
    /// completes; after a Ctrl-C, starts no new object.
    async fn forward(&mut self, objects: Vec<(ObjectSource, u64)>) -> Result<(), ReplayError> {
        let mut pending = Vec::with_capacity(objects.len());
        for (object, size) in objects {
            let (bucket, key) = identity(&object);
            if self.checkpoint.as_ref().is_some_and(|c| c.is_done(bucket, &key)) {
                self.already_done += 1;
            } else {
                pending.push((object, size));
            }
        }
        let mut pending = pending.into_iter();
        let mut tasks = JoinSet::new();
        loop {
            while tasks.len() < OBJECTS_AT_ONCE && !self.stop.load(Ordering::SeqCst) {
                let Some((object, size)) = pending.next() else { break };
                let forwarder = self.forwarder.clone();
                tasks.spawn(async move {
                    let report = match &object {
                        ObjectSource::S3(object) => forwarder.forward_object(object, Deadline::none()).await,
                        ObjectSource::Local(path) => forwarder.forward_file(path).await,
                    };
                    (object, size, report)
                });
            }
            let Some(done) = tasks.join_next().await else { return Ok(()) };
            let (object, size, report) = match done {
                Ok(done) => done,
                Err(source) => {
                    self.errors.push(ForwardError::TaskFailed { what: "object", source });
                    continue;
                }
            };
            self.progress.object_done(&report, size);
            match report.error {
                Some(error) => self.errors.push(error),
                None => {
                    if let Some(checkpoint) = &mut self.checkpoint {
                        let (bucket, key) = identity(&object);
                        checkpoint.record(bucket, &key)?;
                    }
                }
            }
        }
    }
}

/// An object's bucket and key (an empty bucket and the path for a local file).
fn identity(object: &ObjectSource) -> (&str, std::borrow::Cow<'_, str>) {
    match object {
        ObjectSource::S3(object) => (object.bucket.as_str(), object.key.as_str().into()),
        ObjectSource::Local(path) => ("", path.to_string_lossy()),
    }
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            collect_files(&entry, out)?;
        }
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_owned());
    }
    Ok(())
}

struct Progress {
    stats: Stats,
    bytes: u64,
    bar: Option<indicatif::ProgressBar>,
    last_line: Instant,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self { stats: Stats::default(), bytes: 0, bar, last_line: Instant::now() }
    }

    fn object_done(&mut self, report: &ObjectReport, bytes: u64) {
        self.stats.merge(&report.stats);
        self.bytes += bytes;
        let line = format!(
            "objects {} ({} failed, {} skipped), {} read, {} entries sent",
            self.stats.objects,
            self.stats.objects_failed,
            self.stats.objects_skipped,
            indicatif::HumanBytes(self.bytes),
            self.stats.entries_sent
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None if self.last_line.elapsed() >= Duration::from_secs(10) => {
                eprintln!("progress {line}");
                self.last_line = Instant::now();
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
