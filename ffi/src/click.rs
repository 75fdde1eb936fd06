//! Click signing and verification.

use clickfence::click::{parse_circuit_breaker_status, ExpiresFormat, Fetch, ReportRange};
use clickfence::ip::parse_ip;
use clickfence::{ClickSigner, ClickVerifier, Mode, Outcome};

use crate::buf::{bytes, free_handle, handle, new_handle, opt_text, put, text, tri, write_str};
use crate::status::{clickfence_status, core_error, fail, guard};

/// Signs click URLs with one secret (opaque; thread-safe).
pub struct clickfence_click_signer(ClickSigner);

/// Verifies clicks: key ring, mode, breaker, exclusions, report (opaque;
/// thread-safe: share one verifier between threads).
pub struct clickfence_click_verifier(ClickVerifier);

/// Validation mode.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_click_mode {
    /// Nothing is validated; every click is accepted.
    ClickfenceModeDisabled = 0,
    /// Validated and counted, all accepted.
    ClickfenceModeReportOnly = 1,
    /// Validated and counted; failures rejected.
    ClickfenceModeEnabled = 2,
}

/// What verification found.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_click_outcome {
    /// Signed by an active key, not expired.
    ClickfenceOutcomeValid = 0,
    /// No `signature` parameter.
    ClickfenceOutcomeMissingSignature = 1,
    /// Genuine signature, expired.
    ClickfenceOutcomeExpired = 2,
    /// Forged, tampered or malformed.
    ClickfenceOutcomeInvalidSignature = 3,
    /// No key was active.
    ClickfenceOutcomeNoActiveSecrets = 4,
    /// The app is excluded.
    ClickfenceOutcomeExcluded = 5,
    /// Mode disabled: nothing checked.
    ClickfenceOutcomeNotValidated = 6,
    /// A genuine signature an earlier click already used (a replayed ticket).
    ClickfenceOutcomeReplayed = 7,
    /// A double click from the same client and user agent within 5 s:
    /// served like the first, not counted again.
    ClickfenceOutcomeDuplicate = 8,
    /// A link preview or prefetch: served, never counted, consumes nothing.
    ClickfenceOutcomePreview = 9,
    /// The ticket store is full of live tickets: not shown to be a first use.
    ClickfenceOutcomeTicketStoreFull = 10,
}

/// The verdict on one click.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_click_verdict {
    /// What was found.
    pub outcome: clickfence_click_outcome,
    /// Whether to serve the click under the mode in force. A `duplicate` or
    /// `preview` is served but is not a new click to record.
    pub accepted: bool,
    /// Whether this click tripped the circuit breaker (the mode is now
    /// report-only): persist the mode if you persist it.
    pub tripped: bool,
}

fn mode_from(mode: u32) -> Result<Mode, clickfence_status> {
    match mode {
        0 => Ok(Mode::Disabled),
        1 => Ok(Mode::ReportOnly),
        2 => Ok(Mode::Enabled),
        _ => Err(fail(
            clickfence_status::ClickfenceInvalidMode,
            format!("mode {mode} is not 0, 1 or 2"),
        )),
    }
}

/// Makes a signer keyed with `secret` (bytes as given, not base64-decoded).
///
/// # Safety
/// `secret` valid for `secret_len` bytes; `out` valid for one pointer.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_signer_new(
    secret: *const u8,
    secret_len: usize,
    out: *mut *mut clickfence_click_signer,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        let signer = tri!(ClickSigner::new(secret).map_err(core_error));
        // SAFETY: caller contract.
        unsafe { new_handle(out, clickfence_click_signer(signer)) }
    })
}

/// Frees a signer; NULL is a no-op.
///
/// # Safety
/// `signer` is NULL or a live signer, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_signer_free(signer: *mut clickfence_click_signer) {
    // SAFETY: caller contract.
    unsafe { free_handle(signer) }
}

/// Appends `expires` (unix seconds; written in milliseconds when `millis`)
/// and `signature` to the percent-encoded `url`.
///
/// # Safety
/// Pointers valid for their lengths; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_signer_sign(
    signer: *const clickfence_click_signer,
    url: *const u8,
    url_len: usize,
    expires: u64,
    millis: bool,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let signer = tri!(unsafe { handle(signer, "signer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let url = tri!(unsafe { text(url, url_len, "url") });
        let format = if millis {
            ExpiresFormat::Millis
        } else {
            ExpiresFormat::Seconds
        };
        let signed = tri!(signer.0.sign_with(url, expires, format).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(signed.as_bytes(), buf, buf_len, written) }
    })
}

/// Makes a verifier with no keys. `mode` is a `clickfence_click_mode` value.
///
/// # Safety
/// `out` valid for one pointer.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_new(
    mode: u32,
    circuit_breaker: bool,
    out: *mut *mut clickfence_click_verifier,
) -> clickfence_status {
    guard(|| {
        let mode = tri!(mode_from(mode));
        // SAFETY: caller contract.
        unsafe {
            new_handle(
                out,
                clickfence_click_verifier(ClickVerifier::new(mode, circuit_breaker)),
            )
        }
    })
}

/// Frees a verifier; NULL is a no-op.
///
/// # Safety
/// `verifier` is NULL or a live verifier, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_free(verifier: *mut clickfence_click_verifier) {
    // SAFETY: caller contract.
    unsafe { free_handle(verifier) }
}

/// Adds a key (at most two active at `now`).
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_add_key(
    verifier: *const clickfence_click_verifier,
    id: *const u8,
    id_len: usize,
    secret: *const u8,
    secret_len: usize,
    expires_at: u64,
    now: u64,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let id = tri!(unsafe { text(id, id_len, "id") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        tri!(v.0.add_key(id, secret, expires_at, now).map_err(core_error));
        clickfence_status::ClickfenceOk
    })
}

/// Generates a key (UUIDv4 id, 32 random bytes in base64), adds it, and
/// writes its id, secret and expiry. `id_buf` needs 37 bytes and
/// `secret_buf` 45.
///
/// # Safety
/// Buffers valid for their lengths; `expires_at` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_generate_key(
    verifier: *const clickfence_click_verifier,
    ttl_hours: u64,
    now: u64,
    id_buf: *mut u8,
    id_buf_len: usize,
    secret_buf: *mut u8,
    secret_buf_len: usize,
    expires_at: *mut u64,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        if id_buf.is_null() || secret_buf.is_null() || expires_at.is_null() {
            return fail(
                clickfence_status::ClickfenceNullArgument,
                "an output is NULL",
            );
        }
        if id_buf_len < 37 || secret_buf_len < 45 {
            return fail(
                clickfence_status::ClickfenceBufferTooSmall,
                "id_buf needs 37 bytes and secret_buf 45",
            );
        }
        let key = tri!(v.0.generate_key(ttl_hours, now).map_err(core_error));
        let mut n = 0;
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe {
            write_str(key.id.as_bytes(), id_buf, id_buf_len, &mut n);
            write_str(key.secret.as_bytes(), secret_buf, secret_buf_len, &mut n);
            put(expires_at, key.expires_at, "expires_at")
        }
    })
}

/// Revokes a key by id.
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_revoke_key(
    verifier: *const clickfence_click_verifier,
    id: *const u8,
    id_len: usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let id = tri!(unsafe { text(id, id_len, "id") });
        tri!(v.0.revoke_key(id).map_err(core_error));
        clickfence_status::ClickfenceOk
    })
}

/// Excludes (`excluded` true) or re-includes an app id.
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_set_app_excluded(
    verifier: *const clickfence_click_verifier,
    app_id: *const u8,
    app_id_len: usize,
    excluded: bool,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let app = tri!(unsafe { text(app_id, app_id_len, "app_id") });
        if excluded {
            tri!(v.0.exclude_app(app).map_err(core_error));
        } else {
            v.0.include_app(app);
        }
        clickfence_status::ClickfenceOk
    })
}

/// Sets the mode (a `clickfence_click_mode` value) now, by the system
/// clock; see `clickfence_click_verifier_set_mode_at`.
///
/// # Safety
/// `verifier` is a live verifier.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_set_mode(
    verifier: *const clickfence_click_verifier,
    mode: u32,
) -> clickfence_status {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // SAFETY: the caller's contract is this function's.
    unsafe { clickfence_click_verifier_set_mode_at(verifier, mode, now) }
}

/// Sets the mode at `now` (unix seconds). Setting enabled is a manual
/// re-enable: the circuit breaker forgets its failures and does not trip
/// for an hour.
///
/// # Safety
/// `verifier` is a live verifier.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_set_mode_at(
    verifier: *const clickfence_click_verifier,
    mode: u32,
    now: u64,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        let now = tri!(clickfence::check_time(now).map_err(core_error));
        v.0.set_mode(tri!(mode_from(mode)), now);
        clickfence_status::ClickfenceOk
    })
}

/// Bounds the verifier's store of consumed tickets: at most `capacity` live
/// tickets, each kept at most `max_lifetime` seconds.
///
/// # Safety
/// `verifier` is a live verifier.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_set_ticket_limits(
    verifier: *const clickfence_click_verifier,
    capacity: usize,
    max_lifetime: u64,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        v.0.set_ticket_limits(capacity, max_lifetime);
        clickfence_status::ClickfenceOk
    })
}

/// Sets the circuit breaker from its API status text (`enabled` / `disabled`).
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_set_circuit_breaker(
    verifier: *const clickfence_click_verifier,
    status: *const u8,
    status_len: usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let s = tri!(unsafe { text(status, status_len, "status") });
        v.0.set_circuit_breaker(tri!(parse_circuit_breaker_status(s).map_err(core_error)));
        clickfence_status::ClickfenceOk
    })
}

/// Verifies a received click URL at `now`, counting it in the report. The
/// source is unknown, so a failure cannot help trip the circuit breaker; use
/// `clickfence_click_verifier_verify_from` to pass the client's address. The
/// matching key's id is written to `key_id_buf` when that is non-NULL and the
/// outcome is valid or expired (`key_id_written` gets its length, else 0);
/// `key_id_buf` must then hold `CLICKFENCE_MAX_KEY_ID_LEN + 1` bytes, checked
/// before anything is counted.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_verify(
    verifier: *const clickfence_click_verifier,
    url: *const u8,
    url_len: usize,
    now: u64,
    out: *mut clickfence_click_verdict,
    key_id_buf: *mut u8,
    key_id_buf_len: usize,
    key_id_written: *mut usize,
) -> clickfence_status {
    // SAFETY: the caller's contract is this function's, with no source.
    unsafe {
        clickfence_click_verifier_verify_from(
            verifier,
            url,
            url_len,
            std::ptr::null(),
            0,
            now,
            out,
            key_id_buf,
            key_id_buf_len,
            key_id_written,
        )
    }
}

/// The longest key id (bytes, without the NUL). A `key_id_buf` given to
/// `clickfence_click_verifier_verify` must hold at least this plus one.
pub const CLICKFENCE_MAX_KEY_ID_LEN: usize = 128;

/// `clickfence_click_verifier_verify` for a click from `source` (the client's
/// IP address as text; NULL for unknown). The circuit breaker counts failing
/// sources (IPv4 /24, IPv6 /32), so no single client can trip it. A
/// malformed source is `CLICKFENCE_INVALID_IP` and nothing is counted.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_verify_from(
    verifier: *const clickfence_click_verifier,
    url: *const u8,
    url_len: usize,
    source: *const u8,
    source_len: usize,
    now: u64,
    out: *mut clickfence_click_verdict,
    key_id_buf: *mut u8,
    key_id_buf_len: usize,
    key_id_written: *mut usize,
) -> clickfence_status {
    // SAFETY: the caller's contract is this function's, with no user agent
    // and no purpose.
    unsafe {
        clickfence_click_verifier_verify_fetch(
            verifier,
            url,
            url_len,
            source,
            source_len,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            0,
            now,
            out,
            key_id_buf,
            key_id_buf_len,
            key_id_written,
        )
    }
}

/// `clickfence_click_verifier_verify_from` with the request's `User-Agent`
/// and purpose header (`Sec-Purpose`, or `Purpose`), each NULL when absent:
/// link previews and prefetches are answered `CLICKFENCE_OUTCOME_PREVIEW`
/// and consume nothing, and a repeat from the same client and user agent
/// within 5 s is `CLICKFENCE_OUTCOME_DUPLICATE` instead of
/// `CLICKFENCE_OUTCOME_REPLAYED`. Consumes the click's one-time ticket.
/// `asn` is the autonomous system of `source` when an ASN database knows it,
/// else 0: the circuit breaker then counts one source per autonomous system,
/// so rented servers of one provider in many /24s count once.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_verify_fetch(
    verifier: *const clickfence_click_verifier,
    url: *const u8,
    url_len: usize,
    source: *const u8,
    source_len: usize,
    user_agent: *const u8,
    user_agent_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    asn: u32,
    now: u64,
    out: *mut clickfence_click_verdict,
    key_id_buf: *mut u8,
    key_id_buf_len: usize,
    key_id_written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let url = tri!(unsafe { text(url, url_len, "url") });
        // SAFETY: as above.
        let mut fetch = tri!(unsafe {
            fetch_from(
                source,
                source_len,
                user_agent,
                user_agent_len,
                purpose,
                purpose_len,
            )
        });
        if out.is_null() {
            return fail(clickfence_status::ClickfenceNullArgument, "out is NULL");
        }
        // Outputs are checked before the click is counted: a call that fails
        // on an output buffer has no side effect, so a retry counts it once.
        if !key_id_buf.is_null() && key_id_buf_len <= CLICKFENCE_MAX_KEY_ID_LEN {
            if !key_id_written.is_null() {
                // SAFETY: non-NULL and valid by contract.
                unsafe { *key_id_written = CLICKFENCE_MAX_KEY_ID_LEN };
            }
            return fail(
                clickfence_status::ClickfenceBufferTooSmall,
                format!(
                    "key_id_buf of {key_id_buf_len} bytes is too small: key ids take up to {} bytes with the NUL",
                    CLICKFENCE_MAX_KEY_ID_LEN + 1
                ),
            );
        }
        if !key_id_buf.is_null() && key_id_written.is_null() {
            return fail(
                clickfence_status::ClickfenceNullArgument,
                "key_id_written is NULL",
            );
        }
        let now = tri!(clickfence::check_time(now).map_err(core_error));
        fetch.asn = (asn != 0).then_some(asn);
        let verdict = v.0.verify_fetch(url, &fetch, now);
        if !key_id_buf.is_null() {
            let id = verdict.outcome.key_id().unwrap_or("");
            // SAFETY: pointers and lengths are valid per this function's contract.
            tri!(match unsafe {
                write_str(id.as_bytes(), key_id_buf, key_id_buf_len, key_id_written)
            } {
                clickfence_status::ClickfenceOk => Ok(()),
                s => Err(s),
            });
        }
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe {
            put(
                out,
                clickfence_click_verdict {
                    outcome: outcome_of(&verdict.outcome),
                    accepted: verdict.accepted,
                    tripped: verdict.tripped,
                },
                "out",
            )
        }
    })
}

/// The check-only call: what `clickfence_click_verifier_verify_fetch` would
/// find now (a used ticket reads replayed or duplicate), written to `out`
/// as a `clickfence_click_outcome`, without consuming or counting anything.
///
/// # Safety
/// Pointers valid for their lengths (NULL for an absent source, user agent
/// or purpose); `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_check(
    verifier: *const clickfence_click_verifier,
    url: *const u8,
    url_len: usize,
    source: *const u8,
    source_len: usize,
    user_agent: *const u8,
    user_agent_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    now: u64,
    out: *mut u32,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let url = tri!(unsafe { text(url, url_len, "url") });
        // SAFETY: as above.
        let fetch = tri!(unsafe {
            fetch_from(
                source,
                source_len,
                user_agent,
                user_agent_len,
                purpose,
                purpose_len,
            )
        });
        let now = tri!(clickfence::check_time(now).map_err(core_error));
        let outcome = outcome_of(&v.0.check(url, &fetch, now)) as u32;
        // SAFETY: `out` is valid per this function's contract.
        unsafe { put(out, outcome, "out") }
    })
}

/// Reads the request's source, user agent and purpose (each optional).
///
/// # Safety
/// Each pointer is NULL or valid for its length.
unsafe fn fetch_from<'a>(
    source: *const u8,
    source_len: usize,
    user_agent: *const u8,
    user_agent_len: usize,
    purpose: *const u8,
    purpose_len: usize,
) -> Result<Fetch<'a>, clickfence_status> {
    // SAFETY: the caller's contract.
    let source = unsafe { opt_text(source, source_len, "source") }?;
    let source = match source {
        Some(s) => Some(parse_ip(s).map_err(core_error)?),
        None => None,
    };
    Ok(Fetch {
        source,
        // SAFETY: the caller's contract.
        user_agent: unsafe { opt_text(user_agent, user_agent_len, "user_agent") }?,
        // SAFETY: the caller's contract.
        purpose: unsafe { opt_text(purpose, purpose_len, "purpose") }?,
        ..Fetch::default()
    })
}

fn outcome_of(outcome: &Outcome) -> clickfence_click_outcome {
    use clickfence_click_outcome as O;
    match outcome {
        Outcome::Valid { .. } => O::ClickfenceOutcomeValid,
        Outcome::MissingSignature => O::ClickfenceOutcomeMissingSignature,
        Outcome::Expired { .. } => O::ClickfenceOutcomeExpired,
        Outcome::InvalidSignature => O::ClickfenceOutcomeInvalidSignature,
        Outcome::NoActiveSecrets => O::ClickfenceOutcomeNoActiveSecrets,
        Outcome::Excluded => O::ClickfenceOutcomeExcluded,
        Outcome::NotValidated => O::ClickfenceOutcomeNotValidated,
        Outcome::Replayed { .. } => O::ClickfenceOutcomeReplayed,
        Outcome::Duplicate { .. } => O::ClickfenceOutcomeDuplicate,
        Outcome::Preview { .. } => O::ClickfenceOutcomePreview,
        Outcome::TicketStoreFull { .. } => O::ClickfenceOutcomeTicketStoreFull,
    }
}

/// The outcome's snake_case name (`"invalid_signature"`), static and
/// NUL-terminated; `"unknown"` for other numbers.
#[no_mangle]
pub extern "C" fn clickfence_click_outcome_name(outcome: u32) -> *const std::ffi::c_char {
    let name: &'static [u8] = match outcome {
        0 => b"valid\0",
        1 => b"missing_signature\0",
        2 => b"expired\0",
        3 => b"invalid_signature\0",
        4 => b"no_active_secrets\0",
        5 => b"excluded\0",
        6 => b"not_validated\0",
        7 => b"replayed\0",
        8 => b"duplicate\0",
        9 => b"preview\0",
        10 => b"ticket_store_full\0",
        _ => b"unknown\0",
    };
    name.as_ptr().cast()
}

/// The configuration at `now` as the spec's get-configuration JSON.
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_config_json(
    verifier: *const clickfence_click_verifier,
    now: u64,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        let now = tri!(clickfence::check_time(now).map_err(core_error));
        let json = serde_json::to_string(&v.0.config(now)).unwrap_or_default();
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(json.as_bytes(), buf, buf_len, written) }
    })
}

/// The hourly report as CSV with the spec's columns. `start` / `end` are
/// `yyyy-mm-ddThh`, both NULL (last 24 hours) or both given.
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_click_verifier_report_csv(
    verifier: *const clickfence_click_verifier,
    start: *const u8,
    start_len: usize,
    end: *const u8,
    end_len: usize,
    now: u64,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let start = tri!(unsafe { opt_text(start, start_len, "start") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let end = tri!(unsafe { opt_text(end, end_len, "end") });
        let range = tri!(ReportRange::parse(start, end).map_err(core_error));
        let now = tri!(clickfence::check_time(now).map_err(core_error));
        let csv = v.0.report_csv(range, now);
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(csv.as_bytes(), buf, buf_len, written) }
    })
}
