//! Errors of the IP access job.

/// Why an address, prefix, list, config or GeoIP database was refused. Each
/// variant has a stable [`code`](IpError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IpError {
    /// Not an IP address in canonical text form.
    #[error("'{0}' is not an IP address: use dotted decimal without leading zeros (203.0.113.7) or IPv6 (2001:db8::1)")]
    InvalidIp(String),
    /// Not a CIDR prefix.
    #[error("'{input}' is not a CIDR prefix: {reason}")]
    InvalidPrefix {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A prefix with bits set after its length, e.g. `192.168.0.1/24`.
    #[error("'{input}' has host bits set: did you mean {network}?")]
    HostBitsSet {
        /// The text given.
        input: String,
        /// The network it lies in.
        network: String,
    },
    /// A line of a list that is not an IP, a prefix, a comment or blank.
    #[error("line {line}: {error}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        error: Box<IpError>,
    },
    /// Not a two-letter country code.
    #[error("'{0}' is not a country code: use two letters (ISO 3166-1 alpha-2, e.g. US), XX for unknown or T1 for Tor")]
    InvalidCountry(String),
    /// An access config that does not match the spec's shape.
    #[error("invalid IP blocking config at {path}: {message}")]
    InvalidConfig {
        /// Where in the JSON, e.g. `blockedIPs[2]`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A block record that does not hold together.
    #[error("invalid block: {reason}")]
    InvalidBlock {
        /// The input at fault: `type` or `expires_at`.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A GeoIP database could not be opened or is not a MaxMind DB.
    #[error("cannot open GeoIP database: {0}")]
    GeoIpOpen(String),
    /// A lookup hit corrupt data.
    #[error("GeoIP lookup failed: {0}")]
    GeoIpLookup(String),
    /// The database is not of the kind this lookup needs.
    #[error("GeoIP database is of type '{found}', which has no {wanted} data")]
    WrongDatabaseType {
        /// The database's `database_type`.
        found: String,
        /// What was asked for.
        wanted: &'static str,
    },
    /// A published range file that is not in its format, or holds a bad
    /// prefix.
    #[error("invalid range file at {path}: {message}")]
    InvalidRanges {
        /// Where: `prefixes[3]`, `line 12`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// `now` is after the end of year 9999 (see [`crate::MAX_UNIX_TIME`]).
    #[error(
        "time {0} is out of range: the latest accepted is 253402300799 (the end of year 9999)"
    )]
    TimeOutOfRange(u64),
}

impl IpError {
    /// Whether a GeoIP database could not be opened or read, or is of the
    /// wrong type.
    pub fn is_geoip(&self) -> bool {
        matches!(
            self,
            Self::GeoIpOpen(_) | Self::GeoIpLookup(_) | Self::WrongDatabaseType { .. }
        )
    }

    /// Whether an access config or block record was refused.
    pub fn is_config(&self) -> bool {
        matches!(self, Self::InvalidConfig { .. } | Self::InvalidBlock { .. })
    }

    /// The stable `snake_case` code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidIp(_) => "invalid_ip",
            Self::TimeOutOfRange(_) => "time_out_of_range",
            Self::InvalidPrefix { .. } => "invalid_prefix",
            Self::HostBitsSet { .. } => "host_bits_set",
            Self::BadLine { .. } => "invalid_list_line",
            Self::InvalidCountry(_) => "invalid_country",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::InvalidBlock { .. } => "invalid_block",
            Self::GeoIpOpen(_) => "geoip_open_failed",
            Self::GeoIpLookup(_) => "geoip_lookup_failed",
            Self::WrongDatabaseType { .. } => "wrong_database_type",
            Self::InvalidRanges { .. } => "invalid_ranges",
        }
    }
}

impl From<crate::TimeOutOfRange> for IpError {
    fn from(e: crate::TimeOutOfRange) -> Self {
        Self::TimeOutOfRange(e.0)
    }
}
