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
    /// `time_out_of_range`
    ClickfenceTimeOutOfRange = 6,
    /// `empty_url`
    ClickfenceEmptyUrl = 100,
    /// `unencoded_character`
    ClickfenceUnencodedCharacter = 101,
    /// `bad_percent_escape`
    ClickfenceBadPercentEscape = 102,
    /// `url_has_fragment`
    ClickfenceUrlHasFragment = 103,
    /// `url_not_canonical`
    ClickfenceUrlNotCanonical = 117,
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
    /// `bad_ticket_reply`
    ClickfenceBadTicketReply = 118,
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
    /// `missing_parameter`
    ClickfenceMissingParameter = 213,
    /// `duplicate_parameter`
    ClickfenceDuplicateParameter = 214,
    /// `unknown_scheme`
    ClickfenceUnknownScheme = 215,
    /// `unsupported_signature_version`
    ClickfenceUnsupportedSignatureVersion = 216,
    /// `invalid_secret`
    ClickfenceInvalidSecret = 217,
    /// `unsupported_scheme`
    ClickfenceUnsupportedScheme = 218,
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
    /// `invalid_ranges`
    ClickfenceInvalidRanges = 310,
    /// `invalid_quota`
    ClickfenceInvalidQuota = 400,
    /// `cost_exceeds_limit`
    ClickfenceCostExceedsLimit = 401,
    /// `rate_key_too_long`
    ClickfenceRateKeyTooLong = 402,
    /// `rate_store_full`
    ClickfenceRateStoreFull = 403,
    /// `rate_bad_reply`
    ClickfenceRateBadReply = 404,
    /// `invalid_rules`
    ClickfenceInvalidRules = 500,
    /// `invalid_thresholds`
    ClickfenceInvalidThresholds = 501,
    /// `invalid_signals`
    ClickfenceInvalidSignals = 502,
    /// `invalid_crawler_list`
    ClickfenceInvalidCrawlerList = 503,
    /// `invalid_crawler_ranges`
    ClickfenceInvalidCrawlerRanges = 504,
    /// `invalid_crawler_answers`
    ClickfenceInvalidCrawlerAnswers = 505,
}

// The enum above is the one table of statuses (cbindgen reads it to write the
// header). `ALL` lists its variants once more so they can be iterated; the
// header test checks that the header's enum and `ALL` agree. Each code is
// derived from the variant's name: `ClickfenceUrlHasFragment` is
// `url_has_fragment`.
impl clickfence_status {
    /// Every status, in declaration order.
    pub const ALL: &'static [clickfence_status] = &[
        Self::ClickfenceOk,
        Self::ClickfenceNullArgument,
        Self::ClickfenceBufferTooSmall,
        Self::ClickfenceInvalidUtf8,
        Self::ClickfencePanic,
        Self::ClickfenceInvalidArgument,
        Self::ClickfenceTimeOutOfRange,
        Self::ClickfenceEmptyUrl,
        Self::ClickfenceUnencodedCharacter,
        Self::ClickfenceBadPercentEscape,
        Self::ClickfenceUrlHasFragment,
        Self::ClickfenceUrlNotCanonical,
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
        Self::ClickfenceBadTicketReply,
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
        Self::ClickfenceMissingParameter,
        Self::ClickfenceDuplicateParameter,
        Self::ClickfenceUnknownScheme,
        Self::ClickfenceUnsupportedSignatureVersion,
        Self::ClickfenceInvalidSecret,
        Self::ClickfenceUnsupportedScheme,
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
        Self::ClickfenceInvalidRanges,
        Self::ClickfenceInvalidQuota,
        Self::ClickfenceCostExceedsLimit,
        Self::ClickfenceRateKeyTooLong,
        Self::ClickfenceRateStoreFull,
        Self::ClickfenceRateBadReply,
        Self::ClickfenceInvalidRules,
        Self::ClickfenceInvalidThresholds,
        Self::ClickfenceInvalidSignals,
        Self::ClickfenceInvalidCrawlerList,
        Self::ClickfenceInvalidCrawlerRanges,
        Self::ClickfenceInvalidCrawlerAnswers,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        names()
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or("unknown_status", |(_, code, _)| code.as_str())
    }

    fn name_cstr(self) -> &'static std::ffi::CStr {
        names()
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or(c"unknown_status", |(_, _, c)| c.as_c_str())
    }

    /// The status for a core error code; unknown codes map to
    /// `CLICKFENCE_INVALID_ARGUMENT` (a test keeps every core code mapped).
    pub fn from_code(code: &str) -> clickfence_status {
        names()
            .iter()
            .find(|(_, c, _)| c == code)
            .map_or(Self::ClickfenceInvalidArgument, |(s, _, _)| *s)
    }

    fn from_u32(v: u32) -> Option<clickfence_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == v)
    }
}

type Names = Vec<(clickfence_status, String, std::ffi::CString)>;

/// (status, code, code as a C string) for every status, built once.
fn names() -> &'static Names {
    static NAMES: std::sync::OnceLock<Names> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        clickfence_status::ALL
            .iter()
            .map(|&s| {
                let code = snake_case(format!("{s:?}").trim_start_matches("Clickfence"));
                // Codes are ASCII letters and '_': never an interior NUL.
                let c = std::ffi::CString::new(code.clone()).unwrap_or_default();
                (s, code, c)
            })
            .collect()
    })
}

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
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
    clickfence::ScoreError,
    clickfence::TimeOutOfRange
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
    match clickfence_status::from_u32(status) {
        Some(s) => s.name_cstr().as_ptr(),
        None => c"unknown_status".as_ptr(),
    }
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
        // Asking for the size (a small or NULL buffer) keeps the message.
        // SAFETY: the caller's contract is the same as `write_str_quiet`'s.
        unsafe { crate::buf::write_str_quiet(message.as_bytes(), buf, buf_len, written) }
    })
}
