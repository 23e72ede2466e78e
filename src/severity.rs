//! GuardDuty's severity bands, shared by the log entry (status) and the Slack alert
//! (label, mentions): Low below 4.0, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0.

/// A GuardDuty severity band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Band {
    /// Below 4.0.
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9.
    High,
    /// 9.0–10.0.
    Critical,
}

impl Band {
    /// The band of a severity score.
    pub(crate) fn of(severity: f64) -> Self {
        if severity >= 9.0 {
            Self::Critical
        } else if severity >= 7.0 {
            Self::High
        } else if severity >= 4.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }

    /// GuardDuty's name for it (`High`).
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }

    /// The Datadog log status (`error` for High).
    pub(crate) fn status(self) -> &'static str {
        match self {
            Self::Low => "info",
            Self::Medium => "warn",
            Self::High => "error",
            Self::Critical => "critical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        for (severity, band, status) in [
            (1.0, Band::Low, "info"),
            (3.95, Band::Low, "info"),
            (4.0, Band::Medium, "warn"),
            (6.9, Band::Medium, "warn"),
            (7.0, Band::High, "error"),
            (8.9, Band::High, "error"),
            (9.0, Band::Critical, "critical"),
            (10.0, Band::Critical, "critical"),
        ] {
            assert_eq!(Band::of(severity), band, "{severity}");
            assert_eq!(band.status(), status);
        }
        assert_eq!(Band::High.label(), "High");
    }
}
