//! Every core error code has its own C status, and names round-trip.

use std::ffi::CStr;

use clickfence_ffi::status::{clickfence_status, clickfence_status_name};

/// Every stable code the core can return (the core's one list).
const CORE_CODES: &[&str] = clickfence::ERROR_CODES;

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
