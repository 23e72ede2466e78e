//! `doctor`'s report: one line per check (`✓ name: detail`, `✗ name: problem — fix: …`, or
//! `· note` for what could not be checked), and its exit status.

use std::fmt::Display;
use std::process::ExitCode;

/// The report: one line per check; exit status 1 when any failed.
#[derive(Default)]
pub(super) struct Report {
    failures: usize,
}

impl Report {
    pub(super) fn pass(&mut self, name: &str, detail: impl Display) {
        println!("✓ {name}: {detail}");
    }

    pub(super) fn fail(&mut self, name: &str, problem: impl Display, fix: impl Display) {
        self.failures += 1;
        println!("✗ {name}: {problem} — fix: {fix}");
    }

    /// What could not be checked, or is worth knowing; not a failure.
    pub(super) fn note(&mut self, text: impl Display) {
        println!("· {text}");
    }

    pub(super) fn exit(self) -> ExitCode {
        if self.failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    }
}
