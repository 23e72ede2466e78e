//! Our own logs, through `tracing`, on stderr (stdout carries dry-run entries): JSON when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, text otherwise. Never payloads, never the API key.

use tracing_subscriber::filter::LevelFilter;

/// Installs the subscriber at `level` (`DD_LOG_LEVEL`).
pub fn init(level: &str) {
    let level = level.parse::<LevelFilter>().unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let builder = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).with_target(false);
    let result = if json {
        builder.json().with_current_span(false).try_init()
    } else if in_lambda {
        builder.with_ansi(false).without_time().try_init()
    } else {
        builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).try_init()
    };
    // Already installed (tests): keep the first one.
    drop(result);
}
