//! Errors of the click-signing job.

/// Why a click URL could not be signed, or the verifier could not be configured.
///
/// Verification itself never fails: a bad click is an [`Outcome`](super::Outcome),
/// not an error. Each variant has a stable [`code`](ClickError::code) shared by
/// the Rust, C, Python and Node surfaces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClickError {
    /// The URL is empty.
    #[error("the click URL is empty")]
    EmptyUrl,
    /// A byte that must be percent-encoded appears raw.
    #[error(
        "byte 0x{byte:02x} at offset {offset} must be percent-encoded: encode the URL \
         before signing it (the signature covers the exact text sent)"
    )]
    UnencodedCharacter {
        /// Offset of the byte in the URL.
        offset: usize,
        /// The offending byte.
        byte: u8,
    },
    /// A `%` not followed by two hex digits.
    #[error(
        "'%' at offset {offset} is not followed by two hex digits: encode a literal '%' as %25"
    )]
    BadPercentEscape {
        /// Offset of the `%`.
        offset: usize,
    },
    /// The URL has a `#fragment`, which browsers never send to the server.
    #[error("the click URL has a '#' fragment, which is never sent to the server: remove it or encode '#' as %23")]
    Fragment,
    /// A browser would rewrite the URL before requesting it, so a signature
    /// over it as written could never verify.
    #[error("a browser would request this URL as {0}: sign that form instead (upper-case scheme or host, default or empty ports, dot segments, a ' in the query and a missing '/' after the host are rewritten)")]
    NotCanonical(String),
    /// The URL already carries a parameter that signing appends.
    #[error("the click URL already has a '{0}' parameter: sign the URL without it")]
    ReservedParameter(&'static str),
    /// The secret is empty.
    #[error("the secret key is empty")]
    EmptySecret,
    /// The key ring already holds two active keys.
    #[error("at most 2 secret keys may be active at once: revoke one or wait for it to expire")]
    TooManyActiveKeys,
    /// A key with this id is already in the ring.
    #[error("a secret key with id '{0}' already exists")]
    DuplicateKeyId(String),
    /// No key with this id.
    #[error("no secret key with id '{0}'")]
    UnknownKey(String),
    /// The key id is empty or too long.
    #[error("a secret key id must be 1 to 128 bytes")]
    InvalidKeyId,
    /// The key has already expired when added.
    #[error("the secret key expires at {expires_at}, which is not after now ({now})")]
    KeyAlreadyExpired {
        /// The key's expiry, unix seconds.
        expires_at: u64,
        /// The time it was added, unix seconds.
        now: u64,
    },
    /// `ttl_hours` outside 1..=8760.
    #[error("ttl_hours must be between 1 and 8760 (one year), got {0}")]
    InvalidTtl(u64),
    /// Mode text is not `disabled`, `report-only` or `enabled`.
    #[error("unknown mode '{0}': use disabled, report-only or enabled")]
    InvalidMode(String),
    /// Circuit-breaker status is not `enabled` or `disabled`.
    #[error("unknown circuit-breaker status '{0}': use enabled or disabled")]
    InvalidCircuitBreakerStatus(String),
    /// Report bounds are malformed, given alone, or reversed.
    #[error("invalid report range: {0}")]
    InvalidReportRange(String),
    /// The app id is empty.
    #[error("an app id must not be empty")]
    EmptyAppId,
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// A shared ticket store answered with a value this library did not write.
    #[error(
        "the shared ticket store returned '{0}', which is not '<unix seconds>:<hex fingerprint>'"
    )]
    BadTicketReply(String),
    /// `now` is after the end of year 9999 (see [`crate::MAX_UNIX_TIME`]).
    #[error(
        "time {0} is out of range: the latest accepted is 253402300799 (the end of year 9999)"
    )]
    TimeOutOfRange(u64),
}

impl ClickError {
    /// The stable `snake_case` code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyUrl => "empty_url",
            Self::TimeOutOfRange(_) => "time_out_of_range",
            Self::UnencodedCharacter { .. } => "unencoded_character",
            Self::BadPercentEscape { .. } => "bad_percent_escape",
            Self::Fragment => "url_has_fragment",
            Self::NotCanonical(_) => "url_not_canonical",
            Self::ReservedParameter(_) => "reserved_parameter",
            Self::EmptySecret => "empty_secret",
            Self::TooManyActiveKeys => "too_many_active_keys",
            Self::DuplicateKeyId(_) => "duplicate_key_id",
            Self::UnknownKey(_) => "unknown_key",
            Self::InvalidKeyId => "invalid_key_id",
            Self::KeyAlreadyExpired { .. } => "key_already_expired",
            Self::InvalidTtl(_) => "invalid_ttl",
            Self::InvalidMode(_) => "invalid_mode",
            Self::InvalidCircuitBreakerStatus(_) => "invalid_circuit_breaker_status",
            Self::InvalidReportRange(_) => "invalid_report_range",
            Self::EmptyAppId => "empty_app_id",
            Self::Random => "random_failure",
            Self::BadTicketReply(_) => "bad_ticket_reply",
        }
    }
}

impl From<crate::TimeOutOfRange> for ClickError {
    fn from(e: crate::TimeOutOfRange) -> Self {
        Self::TimeOutOfRange(e.0)
    }
}
