//! Replay / backfill: forwards local files, folders (recursively) and S3 prefixes
//! (ListObjectsV2, paginated), each object exactly as if a notification had named it.
//! Shows a progress bar on a terminal and a progress line every 10 s otherwise.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::deadline::Deadline;
use crate::intake::Intake;
use crate::pipeline::{ForwardError, Forwarder, ObjectReport, ObjectSource, Outcome};
use crate::source::{ObjectRef, ObjectStore};
use crate::stats::Stats;

/// Local files handed to the pipeline at once (it reads a few at a time).
const FILES_PER_ROUND: usize = 32;

/// Forwards every object of `sources`.
pub async fn replay<I: Intake, S: ObjectStore>(forwarder: &Forwarder<I, S>, sources: &[String]) -> Outcome {
    let mut progress = Progress::new();
    let mut errors = Vec::new();
    for source in sources {
        if let Some(rest) = source.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            replay_prefix(forwarder, bucket, prefix, &mut progress, &mut errors).await;
        } else {
            let mut files = Vec::new();
            if let Err(err) = collect_files(Path::new(source), &mut files) {
                errors.push(ForwardError::LocalFile { path: source.clone(), source: err });
                continue;
            }
            // A few files at a time (as S3 objects are), in chunks so progress keeps moving.
            for chunk in files.chunks(FILES_PER_ROUND) {
                let sizes: Vec<u64> =
                    chunk.iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).collect();
                let objects = chunk.iter().cloned().map(ObjectSource::Local).enumerate().collect();
                for (i, report) in forwarder.forward_objects(objects, Deadline::none()).await {
                    progress.object_done(&report, sizes.get(i).copied().unwrap_or(0));
                    errors.extend(report.error);
                }
            }
        }
    }
    progress.finish();
    let total = (progress.stats.objects + progress.stats.objects_failed + progress.stats.objects_skipped) as usize;
    let error = crate::pipeline::combine(errors, total);
    let response = serde_json::json!({ "summary": progress.stats.to_string() });
    Outcome { stats: progress.stats, response, error, partial_batch: false }
}

async fn replay_prefix<I: Intake, S: ObjectStore>(
    forwarder: &Forwarder<I, S>,
    bucket: &str,
    prefix: &str,
    progress: &mut Progress,
    errors: &mut Vec<ForwardError>,
) {
    let mut token = None;
    loop {
        let page = match forwarder.store().list(bucket, prefix, token).await {
            Ok(page) => page,
            Err(err) => {
                errors.push(err.into());
                return;
            }
        };
        let sizes: Vec<u64> = page.objects.iter().map(|(_, size)| *size).collect();
        let objects = page
            .objects
            .into_iter()
            .enumerate()
            .map(|(i, (key, _))| {
                (i, ObjectSource::S3(ObjectRef { bucket: bucket.to_owned(), key, fallback_key: None }))
            })
            .collect();
        for (i, report) in forwarder.forward_objects(objects, Deadline::none()).await {
            progress.object_done(&report, sizes.get(i).copied().unwrap_or(0));
            errors.extend(report.error);
        }
        match page.next {
            Some(next) => token = Some(next),
            None => return,
        }
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
