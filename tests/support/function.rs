//! The built binary as a Lambda function process, talking to a [`RuntimeApi`] emulator, and
//! what a soak test reads of it from `/proc`: resident memory and open descriptors.

use std::path::PathBuf;
use std::process::{Child, Command};

use super::runtime_api::{RuntimeApi, lambda_env};

/// The function process and the files its stdout and stderr go to.
pub struct Function {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Function {
    /// Starts the built binary, or `SLF_LAMBDA_BINARY` run through `SLF_LAMBDA_WRAPPER`
    /// (scripts/smoke-arm64 runs the arm64 package under qemu this way), with `env` on top of
    /// the Lambda environment and `DD_LOG_LEVEL=debug`.
    pub fn start(runtime: &RuntimeApi, env: &[(&str, String)]) -> Function {
        let binary = std::env::var("SLF_LAMBDA_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_security-log-forwarder").to_owned());
        let wrapper = std::env::var("SLF_LAMBDA_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace().map(str::to_owned).chain([binary]);
        let mut command = Command::new(words.next().unwrap_or_default());
        command.args(words);
        let name = format!("{}-{}", std::process::id(), runtime.address().replace([':', '.'], "-"));
        let stdout = std::env::temp_dir().join(format!("slf-stdout-{name}"));
        let stderr = std::env::temp_dir().join(format!("slf-stderr-{name}"));
        command
            .envs(lambda_env(runtime))
            .env("DD_LOG_LEVEL", "debug")
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        for (k, v) in env {
            command.env(k, v);
        }
        Function { child: command.spawn().unwrap(), stdout, stderr }
    }

    /// What the function wrote to stdout so far (EMF metric lines).
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// What the function logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Resident memory (`VmRSS`) in KiB, from `/proc`; `None` off Linux or once it exited.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Open file descriptors (sockets included), from `/proc`.
    pub fn open_fds(&self) -> Option<usize> {
        Some(std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).ok()?.count())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.stdout);
            let _ = std::fs::remove_file(&self.stderr);
            return;
        }
        let log = self.stderr();
        let tail: Vec<&str> = log.lines().rev().take(80).collect();
        eprintln!("function log (last {} lines):", tail.len());
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
        let _ = std::fs::remove_file(&self.stdout);
        let _ = std::fs::remove_file(&self.stderr);
    }
}
