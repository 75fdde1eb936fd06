//! Errors of the webhook job.

/// Why a webhook could not be signed or verified. Each variant has a stable
/// [`code`](WebhookError::code) shared by every surface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header that must appear once appears more than once.
    #[error("header {0} appears more than once")]
    DuplicateHeader(&'static str),
    /// A required query parameter is absent (an app-proxy request's
    /// `signature`, `timestamp` or `shop`).
    #[error("missing query parameter {0}")]
    MissingParameter(&'static str),
    /// A query parameter that must appear once appears more than once.
    #[error("query parameter {0} appears more than once")]
    DuplicateParameter(&'static str),
    /// The timestamp is not 1 to 19 ASCII digits.
    #[error("the timestamp must be unix seconds in ASCII digits")]
    InvalidTimestamp,
    /// The timestamp is older than the tolerance allows.
    #[error(
        "timestamp {timestamp} is more than {tolerance} s before now ({now}): possible replay"
    )]
    TimestampTooOld {
        /// The delivery's timestamp.
        timestamp: u64,
        /// The verifier's clock.
        now: u64,
        /// Allowed skew in seconds.
        tolerance: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error(
        "timestamp {timestamp} is more than {tolerance} s after now ({now}): check the clocks"
    )]
    TimestampInFuture {
        /// The delivery's timestamp.
        timestamp: u64,
        /// The verifier's clock.
        now: u64,
        /// Allowed skew in seconds.
        tolerance: u64,
    },
    /// The signature is not 64 lower-case hex characters.
    #[error("the signature must be 64 lower-case hex characters")]
    InvalidSignatureFormat,
    /// No configured secret produces this signature over the raw body.
    #[error("signature does not match the raw body with any configured secret: verify the exact bytes received, not re-serialized JSON")]
    SignatureMismatch,
    /// A secret is empty.
    #[error("a webhook secret must not be empty")]
    EmptySecret,
    /// The verifier was given no secret, or more than it accepts.
    #[error("give between 1 and {max} webhook secrets, got {got}")]
    SecretCount {
        /// Secrets given.
        got: usize,
        /// The most accepted.
        max: usize,
    },
    /// The tolerance is zero or above a day.
    #[error("tolerance must be between 1 and 86400 seconds, got {0}")]
    InvalidTolerance(u64),
    /// This timestamp and signature were already accepted by the replay guard.
    #[error("this delivery was already received (same timestamp and signature)")]
    Replayed,
    /// The replay guard is full of unexpired entries.
    #[error("replay guard is full ({0} live entries): refusing rather than forgetting; raise its capacity")]
    ReplayGuardFull(usize),
    /// An event name outside the catalog.
    #[error("unknown webhook event '{0}'")]
    UnknownEvent(String),
    /// A header value that cannot be sent (control characters, non-ASCII).
    #[error("{0} value must be visible ASCII")]
    InvalidHeaderValue(&'static str),
    /// A scheme name none of the schemes has.
    #[error(
        "unknown webhook scheme '{0}': use myclickshield, standard, standard-v1a-experimental, stripe, github or shopify"
    )]
    UnknownScheme(String),
    /// The delivery's signatures are all of versions this scheme's verifier
    /// does not check (Standard Webhooks without `v1`, Stripe without `v1`,
    /// GitHub's SHA-1 header alone).
    #[error("no signature of a supported version (v1 / sha256): the delivery's signatures are all of other versions")]
    UnsupportedSignatureVersion,
    /// A secret the scheme cannot use (a Standard Webhooks secret that is
    /// not base64 after `whsec_`).
    #[error("this secret is not a valid {0} key (Standard Webhooks secrets are whsec_ and base64 of at least 16 bytes; v1a keys whpk_ or whsk_ and base64 of an Ed25519 key)")]
    InvalidSecret(&'static str),
    /// Signing in a provider's format, which is that provider's library's job.
    #[error("clickfence signs in the myclickshield and standard formats; {0} deliveries are signed by {0}'s own library")]
    UnsupportedScheme(&'static str),
    /// The operating system's random source failed.
    #[error("the operating system's random source failed")]
    RandomFailure,
    /// `now` is after the end of year 9999 (see [`crate::MAX_UNIX_TIME`]).
    #[error(
        "time {0} is out of range: the latest accepted is 253402300799 (the end of year 9999)"
    )]
    TimeOutOfRange(u64),
}

impl WebhookError {
    /// Whether a delivery failed verification (answer it with a 400 and do
    /// not process it), as opposed to a signer or verifier that could not be
    /// built from its settings.
    pub fn is_verification_failure(&self) -> bool {
        !matches!(
            self,
            Self::EmptySecret
                | Self::SecretCount { .. }
                | Self::InvalidTolerance(_)
                | Self::UnknownEvent(_)
                | Self::InvalidHeaderValue(_)
                | Self::UnknownScheme(_)
                | Self::InvalidSecret(_)
                | Self::UnsupportedScheme(_)
                | Self::RandomFailure
        )
    }

    /// The stable `snake_case` code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "missing_header",
            Self::TimeOutOfRange(_) => "time_out_of_range",
            Self::DuplicateHeader(_) => "duplicate_header",
            Self::MissingParameter(_) => "missing_parameter",
            Self::DuplicateParameter(_) => "duplicate_parameter",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampInFuture { .. } => "timestamp_in_future",
            Self::InvalidSignatureFormat => "invalid_signature_format",
            Self::SignatureMismatch => "signature_mismatch",
            Self::EmptySecret => "empty_secret",
            Self::SecretCount { .. } => "invalid_secret_count",
            Self::InvalidTolerance(_) => "invalid_tolerance",
            Self::Replayed => "replayed_delivery",
            Self::ReplayGuardFull(_) => "replay_guard_full",
            Self::UnknownEvent(_) => "unknown_event",
            Self::InvalidHeaderValue(_) => "invalid_header_value",
            Self::UnknownScheme(_) => "unknown_scheme",
            Self::UnsupportedSignatureVersion => "unsupported_signature_version",
            Self::InvalidSecret(_) => "invalid_secret",
            Self::UnsupportedScheme(_) => "unsupported_scheme",
            Self::RandomFailure => "random_failure",
        }
    }
}

impl From<crate::TimeOutOfRange> for WebhookError {
    fn from(e: crate::TimeOutOfRange) -> Self {
        Self::TimeOutOfRange(e.0)
    }
}
