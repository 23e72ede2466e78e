//! Reading one variable: the error naming it, and the parsers every setting shares.

/// A configuration variable with an invalid value.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong with it (never the value of a secret).
    pub reason: String,
}

pub(super) fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { var, reason: reason.into() }
}

pub(super) fn parse_bool(var: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(invalid(var, format!("`{other}` is not true or false"))),
    }
}

pub(super) fn parse_bool_default(var: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value {
        None => Ok(default),
        value => parse_bool(var, value),
    }
}

pub(super) fn parse_num<T: std::str::FromStr>(var: &'static str, text: &str) -> Result<T, ConfigError> {
    text.parse().map_err(|_| invalid(var, format!("`{text}` is not a number")))
}

pub(super) fn parse_in_range(var: &'static str, text: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    let n = parse_num::<u64>(var, text)?;
    if !(min..=max).contains(&n) {
        return Err(invalid(var, format!("{n} is outside {min}..={max}")));
    }
    Ok(n)
}
