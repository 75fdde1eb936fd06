//! Verified crawlers: checking a client that claims a major crawler
//! (sans-I/O: the caller resolves the lookups the check asks for).

use clickfence::score::{answers_from_json, check_crawler, CrawlerRanges};

use crate::buf::{free_handle, handle, new_handle, opt_text, text, tri, write_str};
use crate::status::{clickfence_status, core_error, guard};

/// Published crawler ranges per operator (opaque). Load them before sharing
/// the handle between threads; checks only read it.
pub struct clickfence_crawler_verifier(CrawlerRanges);

/// Makes a verifier with no ranges loaded (every claim goes to DNS).
///
/// # Safety
/// `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_crawler_verifier_new(
    out: *mut *mut clickfence_crawler_verifier,
) -> clickfence_status {
    // SAFETY: caller contract.
    guard(|| unsafe { new_handle(out, clickfence_crawler_verifier(CrawlerRanges::new())) })
}

/// Frees a verifier; NULL is a no-op.
///
/// # Safety
/// NULL or a live verifier, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_crawler_verifier_free(
    verifier: *mut clickfence_crawler_verifier,
) {
    // SAFETY: caller contract.
    unsafe { free_handle(verifier) }
}

/// Loads `operator`'s published ranges (`google`, `bing`, ...; Google's and
/// Bing's JSON format). A bad file is `CLICKFENCE_INVALID_CRAWLER_RANGES`
/// and leaves the loaded ranges as they were.
///
/// # Safety
/// `verifier` live and not used by another thread meanwhile; pointers
/// valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_crawler_verifier_load_ranges(
    verifier: *mut clickfence_crawler_verifier,
    operator: *const u8,
    operator_len: usize,
    json: *const u8,
    json_len: usize,
) -> clickfence_status {
    guard(|| {
        if verifier.is_null() {
            return crate::status::fail(
                clickfence_status::ClickfenceNullArgument,
                "verifier is NULL",
            );
        }
        // SAFETY: caller contract.
        let op = tri!(unsafe { text(operator, operator_len, "operator") });
        // SAFETY: caller contract.
        let json = tri!(unsafe { text(json, json_len, "json") });
        // SAFETY: non-NULL (checked above), live and unshared per the contract.
        let v = unsafe { &mut *verifier };
        tri!(v.0.load(op, json).map_err(core_error));
        clickfence_status::ClickfenceOk
    })
}

/// Where the check of `ip`'s claim stands after `answers_json` (a JSON
/// array of answers: `{"names": [...]}`, `{"addresses": [...]}`,
/// `"not_found"`, `"no_answer"`; NULL = none yet), as JSON: `null` when the
/// user agent claims no known crawler, `{"operator", "verdict"}`, or
/// `{"operator", "question": {"ptr": ip} | {"addresses": name}}`.
///
/// # Safety
/// `verifier` live; pointers valid for their lengths.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn clickfence_crawler_verifier_check_json(
    verifier: *const clickfence_crawler_verifier,
    user_agent: *const u8,
    user_agent_len: usize,
    ip: *const u8,
    ip_len: usize,
    answers_json: *const u8,
    answers_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: caller contract.
        let ua = tri!(unsafe { text(user_agent, user_agent_len, "user_agent") });
        // SAFETY: caller contract.
        let ip = tri!(unsafe { text(ip, ip_len, "ip") });
        let ip = tri!(clickfence::ip::parse_ip(ip).map_err(core_error));
        // SAFETY: caller contract.
        let answers = tri!(unsafe { opt_text(answers_json, answers_len, "answers_json") });
        let answers = tri!(answers_from_json(answers.unwrap_or("[]")).map_err(core_error));
        let state = tri!(check_crawler(ua, ip, &v.0, &answers).map_err(core_error));
        let out = serde_json::to_string(&state).unwrap_or_default();
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(out.as_bytes(), buf, buf_len, written) }
    })
}
