//! Every core error code has its own C status, and names round-trip.

use std::ffi::CStr;

use clickfence_ffi::status::{clickfence_status, clickfence_status_name};

/// Every stable code the core can return. A new core error code must be added
/// here and to ffi/src/status.rs.
const CORE_CODES: &[&str] = &[
    "empty_url",
    "unencoded_character",
    "bad_percent_escape",
    "url_has_fragment",
    "url_not_canonical",
    "reserved_parameter",
    "empty_secret",
    "too_many_active_keys",
    "duplicate_key_id",
    "unknown_key",
    "invalid_key_id",
    "key_already_expired",
    "invalid_ttl",
    "invalid_mode",
    "invalid_circuit_breaker_status",
    "invalid_report_range",
    "empty_app_id",
    "random_failure",
    "missing_header",
    "duplicate_header",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_in_future",
    "invalid_signature_format",
    "signature_mismatch",
    "invalid_secret_count",
    "invalid_tolerance",
    "replayed_delivery",
    "replay_guard_full",
    "unknown_event",
    "invalid_header_value",
    "invalid_ip",
    "invalid_prefix",
    "host_bits_set",
    "invalid_list_line",
    "invalid_country",
    "invalid_config",
    "invalid_block",
    "geoip_open_failed",
    "geoip_lookup_failed",
    "wrong_database_type",
    "invalid_quota",
    "cost_exceeds_limit",
    "rate_key_too_long",
    "rate_store_full",
    "rate_bad_reply",
    "invalid_rules",
    "invalid_thresholds",
    "invalid_signals",
    "time_out_of_range",
];

#[test]
fn every_core_code_has_a_status_named_after_it() {
    for code in CORE_CODES {
        let status = clickfence_status::from_code(code);
        assert_ne!(
            status,
            clickfence_status::ClickfenceInvalidArgument,
            "{code} has no status"
        );
        // SAFETY: static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(clickfence_status_name(status as u32)) };
        assert_eq!(name.to_str().unwrap(), *code);
    }
}

#[test]
fn numbers_are_unique_and_unknown_numbers_are_named_so() {
    let mut numbers: Vec<u32> = clickfence_status::ALL.iter().map(|s| *s as u32).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), clickfence_status::ALL.len());
    // SAFETY: static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(clickfence_status_name(9999)) };
    assert_eq!(name.to_str().unwrap(), "unknown_status");
}
