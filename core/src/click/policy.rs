//! Validation mode and circuit breaker.

use std::str::FromStr;

use super::ClickError;

/// What the receiving side does with click signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Nothing is validated; every click is accepted and none is counted.
    Disabled,
    /// Clicks are validated and counted, and all are accepted.
    ReportOnly,
    /// Clicks are validated and counted; failures are rejected.
    Enabled,
}

impl Mode {
    /// The spec's spelling: `disabled`, `report-only`, `enabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::ReportOnly => "report-only",
            Self::Enabled => "enabled",
        }
    }

    pub(crate) fn to_u8(self) -> u8 {
        match self {
            Self::Disabled => 0,
            Self::ReportOnly => 1,
            Self::Enabled => 2,
        }
    }

    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Disabled,
            1 => Self::ReportOnly,
            _ => Self::Enabled,
        }
    }
}

impl FromStr for Mode {
    type Err = ClickError;

    /// Parses the spec's spelling exactly (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "disabled" => Ok(Self::Disabled),
            "report-only" => Ok(Self::ReportOnly),
            "enabled" => Ok(Self::Enabled),
            _ => Err(ClickError::InvalidMode(s.to_owned())),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a circuit-breaker status, `enabled` or `disabled`, into a flag.
pub fn parse_circuit_breaker_status(s: &str) -> Result<bool, ClickError> {
    match s {
        "enabled" => Ok(true),
        "disabled" => Ok(false),
        _ => Err(ClickError::InvalidCircuitBreakerStatus(s.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_use_the_spec_spelling() {
        for m in [Mode::Disabled, Mode::ReportOnly, Mode::Enabled] {
            assert_eq!(m.as_str().parse::<Mode>().unwrap(), m);
            assert_eq!(Mode::from_u8(m.to_u8()), m);
        }
        assert_eq!(
            "Enabled".parse::<Mode>().unwrap_err().code(),
            "invalid_mode"
        );
        assert_eq!(
            "report_only".parse::<Mode>().unwrap_err().code(),
            "invalid_mode"
        );
    }

    #[test]
    fn breaker_status_parses() {
        assert_eq!(parse_circuit_breaker_status("enabled"), Ok(true));
        assert_eq!(parse_circuit_breaker_status("disabled"), Ok(false));
        assert!(parse_circuit_breaker_status("on").is_err());
    }
}
