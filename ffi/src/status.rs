//! clickfence_status codes, the thread-local last error, and the panic guard.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The result of every fallible call. Numbers are never reused; the name of
/// each (`clickfence_status_name`) is the core's stable snake_case error code,
/// the same in Rust, C, Python and Node.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_status {
    /// `ok`
    ClickfenceOk = 0,
    /// `null_argument`
    ClickfenceNullArgument = 1,
    /// `buffer_too_small`
    ClickfenceBufferTooSmall = 2,
    /// `invalid_utf8`
    ClickfenceInvalidUtf8 = 3,
    /// `panic`
    ClickfencePanic = 4,
    /// `invalid_argument`
    ClickfenceInvalidArgument = 5,
    /// `empty_url`
    ClickfenceEmptyUrl = 100,
    /// `unencoded_character`
    ClickfenceUnencodedCharacter = 101,
    /// `bad_percent_escape`
    ClickfenceBadPercentEscape = 102,
    /// `url_has_fragment`
    ClickfenceUrlHasFragment = 103,
    /// `reserved_parameter`
    ClickfenceReservedParameter = 104,
    /// `empty_secret`
    ClickfenceEmptySecret = 105,
    /// `too_many_active_keys`
    ClickfenceTooManyActiveKeys = 106,
    /// `duplicate_key_id`
    ClickfenceDuplicateKeyId = 107,
    /// `unknown_key`
    ClickfenceUnknownKey = 108,
    /// `invalid_key_id`
    ClickfenceInvalidKeyId = 109,
    /// `key_already_expired`
    ClickfenceKeyAlreadyExpired = 110,
    /// `invalid_ttl`
    ClickfenceInvalidTtl = 111,
    /// `invalid_mode`
    ClickfenceInvalidMode = 112,
    /// `invalid_circuit_breaker_status`
    ClickfenceInvalidCircuitBreakerStatus = 113,
    /// `invalid_report_range`
    ClickfenceInvalidReportRange = 114,
    /// `empty_app_id`
    ClickfenceEmptyAppId = 115,
    /// `random_failure`
    ClickfenceRandomFailure = 116,
    /// `missing_header`
    ClickfenceMissingHeader = 200,
    /// `duplicate_header`
    ClickfenceDuplicateHeader = 201,
    /// `invalid_timestamp`
    ClickfenceInvalidTimestamp = 202,
    /// `timestamp_too_old`
    ClickfenceTimestampTooOld = 203,
    /// `timestamp_in_future`
    ClickfenceTimestampInFuture = 204,
    /// `invalid_signature_format`
    ClickfenceInvalidSignatureFormat = 205,
    /// `signature_mismatch`
    ClickfenceSignatureMismatch = 206,
    /// `invalid_secret_count`
    ClickfenceInvalidSecretCount = 207,
    /// `invalid_tolerance`
    ClickfenceInvalidTolerance = 208,
    /// `replayed_delivery`
    ClickfenceReplayedDelivery = 209,
    /// `replay_guard_full`
    ClickfenceReplayGuardFull = 210,
    /// `unknown_event`
    ClickfenceUnknownEvent = 211,
    /// `invalid_header_value`
    ClickfenceInvalidHeaderValue = 212,
    /// `invalid_ip`
    ClickfenceInvalidIp = 300,
    /// `invalid_prefix`
    ClickfenceInvalidPrefix = 301,
    /// `host_bits_set`
    ClickfenceHostBitsSet = 302,
    /// `invalid_list_line`
    ClickfenceInvalidListLine = 303,
    /// `invalid_country`
    ClickfenceInvalidCountry = 304,
    /// `invalid_config`
    ClickfenceInvalidConfig = 305,
    /// `invalid_block`
    ClickfenceInvalidBlock = 306,
    /// `geoip_open_failed`
    ClickfenceGeoipOpenFailed = 307,
    /// `geoip_lookup_failed`
    ClickfenceGeoipLookupFailed = 308,
    /// `wrong_database_type`
    ClickfenceWrongDatabaseType = 309,
    /// `invalid_quota`
    ClickfenceInvalidQuota = 400,
    /// `cost_exceeds_limit`
    ClickfenceCostExceedsLimit = 401,
    /// `rate_key_too_long`
    ClickfenceRateKeyTooLong = 402,
    /// `rate_store_full`
    ClickfenceRateStoreFull = 403,
    /// `invalid_rules`
    ClickfenceInvalidRules = 500,
    /// `invalid_thresholds`
    ClickfenceInvalidThresholds = 501,
    /// `invalid_signals`
    ClickfenceInvalidSignals = 502,
}

// The tables below are written out (not macro-generated) so that cbindgen,
// which does not expand macros, sees the enum.
impl clickfence_status {
    /// Every status, for tests.
    pub const ALL: &'static [clickfence_status] = &[
        Self::ClickfenceOk,
        Self::ClickfenceNullArgument,
        Self::ClickfenceBufferTooSmall,
        Self::ClickfenceInvalidUtf8,
        Self::ClickfencePanic,
        Self::ClickfenceInvalidArgument,
        Self::ClickfenceEmptyUrl,
        Self::ClickfenceUnencodedCharacter,
        Self::ClickfenceBadPercentEscape,
        Self::ClickfenceUrlHasFragment,
        Self::ClickfenceReservedParameter,
        Self::ClickfenceEmptySecret,
        Self::ClickfenceTooManyActiveKeys,
        Self::ClickfenceDuplicateKeyId,
        Self::ClickfenceUnknownKey,
        Self::ClickfenceInvalidKeyId,
        Self::ClickfenceKeyAlreadyExpired,
        Self::ClickfenceInvalidTtl,
        Self::ClickfenceInvalidMode,
        Self::ClickfenceInvalidCircuitBreakerStatus,
        Self::ClickfenceInvalidReportRange,
        Self::ClickfenceEmptyAppId,
        Self::ClickfenceRandomFailure,
        Self::ClickfenceMissingHeader,
        Self::ClickfenceDuplicateHeader,
        Self::ClickfenceInvalidTimestamp,
        Self::ClickfenceTimestampTooOld,
        Self::ClickfenceTimestampInFuture,
        Self::ClickfenceInvalidSignatureFormat,
        Self::ClickfenceSignatureMismatch,
        Self::ClickfenceInvalidSecretCount,
        Self::ClickfenceInvalidTolerance,
        Self::ClickfenceReplayedDelivery,
        Self::ClickfenceReplayGuardFull,
        Self::ClickfenceUnknownEvent,
        Self::ClickfenceInvalidHeaderValue,
        Self::ClickfenceInvalidIp,
        Self::ClickfenceInvalidPrefix,
        Self::ClickfenceHostBitsSet,
        Self::ClickfenceInvalidListLine,
        Self::ClickfenceInvalidCountry,
        Self::ClickfenceInvalidConfig,
        Self::ClickfenceInvalidBlock,
        Self::ClickfenceGeoipOpenFailed,
        Self::ClickfenceGeoipLookupFailed,
        Self::ClickfenceWrongDatabaseType,
        Self::ClickfenceInvalidQuota,
        Self::ClickfenceCostExceedsLimit,
        Self::ClickfenceRateKeyTooLong,
        Self::ClickfenceRateStoreFull,
        Self::ClickfenceInvalidRules,
        Self::ClickfenceInvalidThresholds,
        Self::ClickfenceInvalidSignals,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ClickfenceOk => "ok",
            Self::ClickfenceNullArgument => "null_argument",
            Self::ClickfenceBufferTooSmall => "buffer_too_small",
            Self::ClickfenceInvalidUtf8 => "invalid_utf8",
            Self::ClickfencePanic => "panic",
            Self::ClickfenceInvalidArgument => "invalid_argument",
            Self::ClickfenceEmptyUrl => "empty_url",
            Self::ClickfenceUnencodedCharacter => "unencoded_character",
            Self::ClickfenceBadPercentEscape => "bad_percent_escape",
            Self::ClickfenceUrlHasFragment => "url_has_fragment",
            Self::ClickfenceReservedParameter => "reserved_parameter",
            Self::ClickfenceEmptySecret => "empty_secret",
            Self::ClickfenceTooManyActiveKeys => "too_many_active_keys",
            Self::ClickfenceDuplicateKeyId => "duplicate_key_id",
            Self::ClickfenceUnknownKey => "unknown_key",
            Self::ClickfenceInvalidKeyId => "invalid_key_id",
            Self::ClickfenceKeyAlreadyExpired => "key_already_expired",
            Self::ClickfenceInvalidTtl => "invalid_ttl",
            Self::ClickfenceInvalidMode => "invalid_mode",
            Self::ClickfenceInvalidCircuitBreakerStatus => "invalid_circuit_breaker_status",
            Self::ClickfenceInvalidReportRange => "invalid_report_range",
            Self::ClickfenceEmptyAppId => "empty_app_id",
            Self::ClickfenceRandomFailure => "random_failure",
            Self::ClickfenceMissingHeader => "missing_header",
            Self::ClickfenceDuplicateHeader => "duplicate_header",
            Self::ClickfenceInvalidTimestamp => "invalid_timestamp",
            Self::ClickfenceTimestampTooOld => "timestamp_too_old",
            Self::ClickfenceTimestampInFuture => "timestamp_in_future",
            Self::ClickfenceInvalidSignatureFormat => "invalid_signature_format",
            Self::ClickfenceSignatureMismatch => "signature_mismatch",
            Self::ClickfenceInvalidSecretCount => "invalid_secret_count",
            Self::ClickfenceInvalidTolerance => "invalid_tolerance",
            Self::ClickfenceReplayedDelivery => "replayed_delivery",
            Self::ClickfenceReplayGuardFull => "replay_guard_full",
            Self::ClickfenceUnknownEvent => "unknown_event",
            Self::ClickfenceInvalidHeaderValue => "invalid_header_value",
            Self::ClickfenceInvalidIp => "invalid_ip",
            Self::ClickfenceInvalidPrefix => "invalid_prefix",
            Self::ClickfenceHostBitsSet => "host_bits_set",
            Self::ClickfenceInvalidListLine => "invalid_list_line",
            Self::ClickfenceInvalidCountry => "invalid_country",
            Self::ClickfenceInvalidConfig => "invalid_config",
            Self::ClickfenceInvalidBlock => "invalid_block",
            Self::ClickfenceGeoipOpenFailed => "geoip_open_failed",
            Self::ClickfenceGeoipLookupFailed => "geoip_lookup_failed",
            Self::ClickfenceWrongDatabaseType => "wrong_database_type",
            Self::ClickfenceInvalidQuota => "invalid_quota",
            Self::ClickfenceCostExceedsLimit => "cost_exceeds_limit",
            Self::ClickfenceRateKeyTooLong => "rate_key_too_long",
            Self::ClickfenceRateStoreFull => "rate_store_full",
            Self::ClickfenceInvalidRules => "invalid_rules",
            Self::ClickfenceInvalidThresholds => "invalid_thresholds",
            Self::ClickfenceInvalidSignals => "invalid_signals",
        }
    }

    fn name_cstr(self) -> &'static [u8] {
        match self {
            Self::ClickfenceOk => b"ok\0",
            Self::ClickfenceNullArgument => b"null_argument\0",
            Self::ClickfenceBufferTooSmall => b"buffer_too_small\0",
            Self::ClickfenceInvalidUtf8 => b"invalid_utf8\0",
            Self::ClickfencePanic => b"panic\0",
            Self::ClickfenceInvalidArgument => b"invalid_argument\0",
            Self::ClickfenceEmptyUrl => b"empty_url\0",
            Self::ClickfenceUnencodedCharacter => b"unencoded_character\0",
            Self::ClickfenceBadPercentEscape => b"bad_percent_escape\0",
            Self::ClickfenceUrlHasFragment => b"url_has_fragment\0",
            Self::ClickfenceReservedParameter => b"reserved_parameter\0",
            Self::ClickfenceEmptySecret => b"empty_secret\0",
            Self::ClickfenceTooManyActiveKeys => b"too_many_active_keys\0",
            Self::ClickfenceDuplicateKeyId => b"duplicate_key_id\0",
            Self::ClickfenceUnknownKey => b"unknown_key\0",
            Self::ClickfenceInvalidKeyId => b"invalid_key_id\0",
            Self::ClickfenceKeyAlreadyExpired => b"key_already_expired\0",
            Self::ClickfenceInvalidTtl => b"invalid_ttl\0",
            Self::ClickfenceInvalidMode => b"invalid_mode\0",
            Self::ClickfenceInvalidCircuitBreakerStatus => b"invalid_circuit_breaker_status\0",
            Self::ClickfenceInvalidReportRange => b"invalid_report_range\0",
            Self::ClickfenceEmptyAppId => b"empty_app_id\0",
            Self::ClickfenceRandomFailure => b"random_failure\0",
            Self::ClickfenceMissingHeader => b"missing_header\0",
            Self::ClickfenceDuplicateHeader => b"duplicate_header\0",
            Self::ClickfenceInvalidTimestamp => b"invalid_timestamp\0",
            Self::ClickfenceTimestampTooOld => b"timestamp_too_old\0",
            Self::ClickfenceTimestampInFuture => b"timestamp_in_future\0",
            Self::ClickfenceInvalidSignatureFormat => b"invalid_signature_format\0",
            Self::ClickfenceSignatureMismatch => b"signature_mismatch\0",
            Self::ClickfenceInvalidSecretCount => b"invalid_secret_count\0",
            Self::ClickfenceInvalidTolerance => b"invalid_tolerance\0",
            Self::ClickfenceReplayedDelivery => b"replayed_delivery\0",
            Self::ClickfenceReplayGuardFull => b"replay_guard_full\0",
            Self::ClickfenceUnknownEvent => b"unknown_event\0",
            Self::ClickfenceInvalidHeaderValue => b"invalid_header_value\0",
            Self::ClickfenceInvalidIp => b"invalid_ip\0",
            Self::ClickfenceInvalidPrefix => b"invalid_prefix\0",
            Self::ClickfenceHostBitsSet => b"host_bits_set\0",
            Self::ClickfenceInvalidListLine => b"invalid_list_line\0",
            Self::ClickfenceInvalidCountry => b"invalid_country\0",
            Self::ClickfenceInvalidConfig => b"invalid_config\0",
            Self::ClickfenceInvalidBlock => b"invalid_block\0",
            Self::ClickfenceGeoipOpenFailed => b"geoip_open_failed\0",
            Self::ClickfenceGeoipLookupFailed => b"geoip_lookup_failed\0",
            Self::ClickfenceWrongDatabaseType => b"wrong_database_type\0",
            Self::ClickfenceInvalidQuota => b"invalid_quota\0",
            Self::ClickfenceCostExceedsLimit => b"cost_exceeds_limit\0",
            Self::ClickfenceRateKeyTooLong => b"rate_key_too_long\0",
            Self::ClickfenceRateStoreFull => b"rate_store_full\0",
            Self::ClickfenceInvalidRules => b"invalid_rules\0",
            Self::ClickfenceInvalidThresholds => b"invalid_thresholds\0",
            Self::ClickfenceInvalidSignals => b"invalid_signals\0",
        }
    }

    /// The status for a core error code; unknown codes map to
    /// `CLICKFENCE_INVALID_ARGUMENT` (a test keeps the table complete).
    pub fn from_code(code: &str) -> clickfence_status {
        match code {
            "ok" => Self::ClickfenceOk,
            "null_argument" => Self::ClickfenceNullArgument,
            "buffer_too_small" => Self::ClickfenceBufferTooSmall,
            "invalid_utf8" => Self::ClickfenceInvalidUtf8,
            "panic" => Self::ClickfencePanic,
            "invalid_argument" => Self::ClickfenceInvalidArgument,
            "empty_url" => Self::ClickfenceEmptyUrl,
            "unencoded_character" => Self::ClickfenceUnencodedCharacter,
            "bad_percent_escape" => Self::ClickfenceBadPercentEscape,
            "url_has_fragment" => Self::ClickfenceUrlHasFragment,
            "reserved_parameter" => Self::ClickfenceReservedParameter,
            "empty_secret" => Self::ClickfenceEmptySecret,
            "too_many_active_keys" => Self::ClickfenceTooManyActiveKeys,
            "duplicate_key_id" => Self::ClickfenceDuplicateKeyId,
            "unknown_key" => Self::ClickfenceUnknownKey,
            "invalid_key_id" => Self::ClickfenceInvalidKeyId,
            "key_already_expired" => Self::ClickfenceKeyAlreadyExpired,
            "invalid_ttl" => Self::ClickfenceInvalidTtl,
            "invalid_mode" => Self::ClickfenceInvalidMode,
            "invalid_circuit_breaker_status" => Self::ClickfenceInvalidCircuitBreakerStatus,
            "invalid_report_range" => Self::ClickfenceInvalidReportRange,
            "empty_app_id" => Self::ClickfenceEmptyAppId,
            "random_failure" => Self::ClickfenceRandomFailure,
            "missing_header" => Self::ClickfenceMissingHeader,
            "duplicate_header" => Self::ClickfenceDuplicateHeader,
            "invalid_timestamp" => Self::ClickfenceInvalidTimestamp,
            "timestamp_too_old" => Self::ClickfenceTimestampTooOld,
            "timestamp_in_future" => Self::ClickfenceTimestampInFuture,
            "invalid_signature_format" => Self::ClickfenceInvalidSignatureFormat,
            "signature_mismatch" => Self::ClickfenceSignatureMismatch,
            "invalid_secret_count" => Self::ClickfenceInvalidSecretCount,
            "invalid_tolerance" => Self::ClickfenceInvalidTolerance,
            "replayed_delivery" => Self::ClickfenceReplayedDelivery,
            "replay_guard_full" => Self::ClickfenceReplayGuardFull,
            "unknown_event" => Self::ClickfenceUnknownEvent,
            "invalid_header_value" => Self::ClickfenceInvalidHeaderValue,
            "invalid_ip" => Self::ClickfenceInvalidIp,
            "invalid_prefix" => Self::ClickfenceInvalidPrefix,
            "host_bits_set" => Self::ClickfenceHostBitsSet,
            "invalid_list_line" => Self::ClickfenceInvalidListLine,
            "invalid_country" => Self::ClickfenceInvalidCountry,
            "invalid_config" => Self::ClickfenceInvalidConfig,
            "invalid_block" => Self::ClickfenceInvalidBlock,
            "geoip_open_failed" => Self::ClickfenceGeoipOpenFailed,
            "geoip_lookup_failed" => Self::ClickfenceGeoipLookupFailed,
            "wrong_database_type" => Self::ClickfenceWrongDatabaseType,
            "invalid_quota" => Self::ClickfenceInvalidQuota,
            "cost_exceeds_limit" => Self::ClickfenceCostExceedsLimit,
            "rate_key_too_long" => Self::ClickfenceRateKeyTooLong,
            "rate_store_full" => Self::ClickfenceRateStoreFull,
            "invalid_rules" => Self::ClickfenceInvalidRules,
            "invalid_thresholds" => Self::ClickfenceInvalidThresholds,
            "invalid_signals" => Self::ClickfenceInvalidSignals,
            _ => Self::ClickfenceInvalidArgument,
        }
    }

    fn from_u32(v: u32) -> Option<clickfence_status> {
        match v {
            0 => Some(Self::ClickfenceOk),
            1 => Some(Self::ClickfenceNullArgument),
            2 => Some(Self::ClickfenceBufferTooSmall),
            3 => Some(Self::ClickfenceInvalidUtf8),
            4 => Some(Self::ClickfencePanic),
            5 => Some(Self::ClickfenceInvalidArgument),
            100 => Some(Self::ClickfenceEmptyUrl),
            101 => Some(Self::ClickfenceUnencodedCharacter),
            102 => Some(Self::ClickfenceBadPercentEscape),
            103 => Some(Self::ClickfenceUrlHasFragment),
            104 => Some(Self::ClickfenceReservedParameter),
            105 => Some(Self::ClickfenceEmptySecret),
            106 => Some(Self::ClickfenceTooManyActiveKeys),
            107 => Some(Self::ClickfenceDuplicateKeyId),
            108 => Some(Self::ClickfenceUnknownKey),
            109 => Some(Self::ClickfenceInvalidKeyId),
            110 => Some(Self::ClickfenceKeyAlreadyExpired),
            111 => Some(Self::ClickfenceInvalidTtl),
            112 => Some(Self::ClickfenceInvalidMode),
            113 => Some(Self::ClickfenceInvalidCircuitBreakerStatus),
            114 => Some(Self::ClickfenceInvalidReportRange),
            115 => Some(Self::ClickfenceEmptyAppId),
            116 => Some(Self::ClickfenceRandomFailure),
            200 => Some(Self::ClickfenceMissingHeader),
            201 => Some(Self::ClickfenceDuplicateHeader),
            202 => Some(Self::ClickfenceInvalidTimestamp),
            203 => Some(Self::ClickfenceTimestampTooOld),
            204 => Some(Self::ClickfenceTimestampInFuture),
            205 => Some(Self::ClickfenceInvalidSignatureFormat),
            206 => Some(Self::ClickfenceSignatureMismatch),
            207 => Some(Self::ClickfenceInvalidSecretCount),
            208 => Some(Self::ClickfenceInvalidTolerance),
            209 => Some(Self::ClickfenceReplayedDelivery),
            210 => Some(Self::ClickfenceReplayGuardFull),
            211 => Some(Self::ClickfenceUnknownEvent),
            212 => Some(Self::ClickfenceInvalidHeaderValue),
            300 => Some(Self::ClickfenceInvalidIp),
            301 => Some(Self::ClickfenceInvalidPrefix),
            302 => Some(Self::ClickfenceHostBitsSet),
            303 => Some(Self::ClickfenceInvalidListLine),
            304 => Some(Self::ClickfenceInvalidCountry),
            305 => Some(Self::ClickfenceInvalidConfig),
            306 => Some(Self::ClickfenceInvalidBlock),
            307 => Some(Self::ClickfenceGeoipOpenFailed),
            308 => Some(Self::ClickfenceGeoipLookupFailed),
            309 => Some(Self::ClickfenceWrongDatabaseType),
            400 => Some(Self::ClickfenceInvalidQuota),
            401 => Some(Self::ClickfenceCostExceedsLimit),
            402 => Some(Self::ClickfenceRateKeyTooLong),
            403 => Some(Self::ClickfenceRateStoreFull),
            500 => Some(Self::ClickfenceInvalidRules),
            501 => Some(Self::ClickfenceInvalidThresholds),
            502 => Some(Self::ClickfenceInvalidSignals),
            _ => None,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `message` as this thread's last error and returns `status`.
pub(crate) fn fail(status: clickfence_status, message: impl Into<String>) -> clickfence_status {
    LAST_ERROR.with(|e| *e.borrow_mut() = message.into());
    status
}

/// Records a core error (anything with `code()` and `Display`).
pub(crate) fn core_error<E: CoreError>(e: E) -> clickfence_status {
    fail(clickfence_status::from_code(e.code()), e.to_string())
}

/// What every core error type offers.
pub(crate) trait CoreError: std::fmt::Display {
    fn code(&self) -> &'static str;
}

macro_rules! core_errors {
    ($($t:ty),*) => { $( impl CoreError for $t { fn code(&self) -> &'static str { <$t>::code(self) } } )* };
}
core_errors!(
    clickfence::ClickError,
    clickfence::WebhookError,
    clickfence::IpError,
    clickfence::RateError,
    clickfence::ScoreError
);

/// Runs an exported body, turning a panic into `CLICKFENCE_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> clickfence_status) -> clickfence_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(_) => fail(
            clickfence_status::ClickfencePanic,
            "internal panic (a bug in clickfence): please report it",
        ),
    }
}

/// The snake_case name of `status` (e.g. `"signature_mismatch"`), as a static
/// NUL-terminated string; `"unknown_status"` for a number that is not a status.
#[no_mangle]
pub extern "C" fn clickfence_status_name(status: u32) -> *const std::ffi::c_char {
    let name: &'static [u8] = match clickfence_status::from_u32(status) {
        Some(s) => s.name_cstr(),
        None => b"unknown_status\0",
    };
    name.as_ptr().cast()
}

/// Copies the message of this thread's last failed call into `buf`
/// (NUL-terminated). `written` gets its length; an empty message when no call
/// has failed on this thread.
///
/// # Safety
/// `buf` must be valid for `buf_len` bytes and `written` for one `size_t`.
#[no_mangle]
pub unsafe extern "C" fn clickfence_last_error_message(
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        let message = LAST_ERROR.with(|e| e.borrow().clone());
        // SAFETY: the caller's contract is the same as `write_str`'s.
        unsafe { crate::buf::write_str(message.as_bytes(), buf, buf_len, written) }
    })
}
