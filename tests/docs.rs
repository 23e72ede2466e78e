//! The documentation says only what is true: every setting `config` reads (found in its source,
//! not in a list kept by hand) is in docs/configuration.md's table and every setting there is
//! read; the README's two set-up commands are the ones CI runs and the quick start uses, and
//! the first one works; the README stays short.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Whether `text` looks like an environment variable name: `DD_SITE`, `REDACT_IP`…
fn is_variable(text: &str) -> bool {
    text.contains('_')
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && !text.ends_with('_')
        && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The source of every file under `dir`, without its test module.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.find("#[cfg(test)]").map_or(text.as_str(), |at| &text[..at]).to_owned();
            out.push((path, code));
        }
    }
}

/// Every string literal in `config`'s code that is a variable name: what it reads (and the
/// names its error messages give, which are the same).
fn read_by_config() -> BTreeSet<String> {
    let mut files = Vec::new();
    sources(&repo("src/config"), &mut files);
    assert!(!files.is_empty());
    let mut names = BTreeSet::new();
    for (_, code) in files {
        for literal in code.split('"').skip(1).step_by(2) {
            if is_variable(literal) {
                names.insert(literal.to_owned());
            }
        }
    }
    names
}

/// The variables named in the first column of docs/configuration.md's tables.
fn documented() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in read("docs/configuration.md").lines() {
        let Some(first) = line.strip_prefix('|').and_then(|rest| rest.split('|').next()) else { continue };
        for name in first.split('`').skip(1).step_by(2) {
            if is_variable(name) {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// Variables of the Lambda runtime and the AWS SDK, which AWS documents and the SDK reads itself
/// (the function reads a few, to know where it runs): checked in neither direction.
fn set_by_aws(name: &str) -> bool {
    name.starts_with("AWS_")
}

#[test]
fn every_setting_config_reads_is_documented_and_every_documented_one_is_read() {
    let read = read_by_config();
    let documented = documented();
    assert!(read.contains("DD_SITE") && documented.contains("DD_SITE"), "read {read:?}, documented {documented:?}");
    let undocumented: Vec<_> = read.iter().filter(|n| !set_by_aws(n) && !documented.contains(*n)).collect();
    assert!(undocumented.is_empty(), "read by config, missing from docs/configuration.md: {undocumented:?}");
    let unread: Vec<_> = documented.iter().filter(|n| !set_by_aws(n) && !read.contains(*n)).collect();
    assert!(unread.is_empty(), "in docs/configuration.md, never read by config: {unread:?}");
}

/// The commands of the first shell block after `heading` (comments and blank lines left out).
fn commands_after(text: &str, heading: &str) -> Vec<String> {
    let rest = &text[text.find(heading).unwrap_or_else(|| panic!("no {heading}"))..];
    let block = rest.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).unwrap();
    block.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

#[test]
fn the_readmes_two_commands_are_what_ci_and_the_quick_start_run() {
    let readme = read("README.md");
    assert!(readme.lines().count() <= 300, "README.md has {} lines (at most 300)", readme.lines().count());
    let commands = commands_after(&readme, "## Quick start");
    assert_eq!(commands.len(), 2, "{commands:?}");

    // The second is what CI runs: the last command of .ci/run.
    let ci = read(".ci/run");
    let ci_last = ci.lines().map(str::trim).rfind(|l| !l.is_empty() && !l.starts_with('#')).unwrap();
    assert_eq!(commands[1], ci_last, "README's test command against .ci/run");
    assert!(repo(&commands[1]).is_file(), "{} exists", commands[1]);

    // The first is the quick start's invocation, and the tour runs the same: it works, and
    // prints the Datadog log of the sample finding.
    let args = commands[0].strip_prefix("cargo run -- ").unwrap_or_else(|| panic!("{}", commands[0]));
    let tour = commands_after(&readme, "## A five-minute tour");
    assert!(tour.iter().any(|c| c == &format!("$bin {args}")), "the tour runs `{args}`: {tour:?}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_security-log-forwarder"))
        .args(args.split_whitespace())
        .current_dir(repo(""))
        .env_remove("DD_API_KEY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["ddsource"], "guardduty");
    assert!(String::from_utf8_lossy(&output.stderr).contains("summary records_in=1 entries_sent=1"));
}
