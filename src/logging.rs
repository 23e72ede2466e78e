//! Our own logs, through `tracing`, on stderr (stdout carries dry-run entries): JSON when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, text otherwise. Never payloads, never the API key.

use tracing_subscriber::filter::LevelFilter;

/// How our own logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `AWS_LAMBDA_LOG_FORMAT=JSON`: one JSON object per line.
    Json,
    /// Inside Lambda in text format: no colours, no time (Lambda adds it).
    LambdaText,
    /// On a terminal or in a file: text, coloured on a terminal.
    Text,
}

/// Installs the subscriber at `level` (`DD_LOG_LEVEL`), writing `format`.
pub fn init(level: &str, format: LogFormat) {
    let level = level.parse::<LevelFilter>().unwrap_or(LevelFilter::INFO);
    let builder = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).with_target(false);
    let result = match format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::LambdaText => builder.with_ansi(false).without_time().try_init(),
        LogFormat::Text => builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).try_init(),
    };
    // Already installed (tests): keep the first one.
    drop(result);
}
