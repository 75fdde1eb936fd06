//! Webhook signing and verification.

use clickfence::webhook::{ReplayGuard, Scheme, Verified, DEFAULT_REPLAY_CAPACITY, MAX_SECRETS};
use clickfence::{WebhookError, WebhookSigner, WebhookVerifier};

use crate::buf::{bytes, free_handle, handle, new_handle, put, text, tri, write_str};
use crate::status::{clickfence_status, core_error, fail, guard};

/// Signs deliveries with one endpoint secret (opaque; thread-safe).
pub struct clickfence_webhook_signer(WebhookSigner);

/// Verifies deliveries against 1–8 secrets (opaque; thread-safe).
pub struct clickfence_webhook_verifier(WebhookVerifier);

/// A byte string: pointer and length.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_bytes {
    /// First byte (may be NULL when `len` is 0).
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

/// One HTTP header as received.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_header {
    /// Header name (matched case-insensitively).
    pub name: clickfence_bytes,
    /// Header value, raw.
    pub value: clickfence_bytes,
}

/// A verified delivery.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_webhook_verified {
    /// Index of the secret that matched, in the order given.
    pub secret_index: usize,
    /// The delivery's timestamp, unix seconds.
    pub timestamp: u64,
}

/// Makes a signer keyed with `secret` (bytes as given).
///
/// # Safety
/// `secret` valid for `secret_len` bytes; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_new(
    secret: *const u8,
    secret_len: usize,
    out: *mut *mut clickfence_webhook_signer,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        let s = tri!(WebhookSigner::new(secret).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_webhook_signer(s)) }
    })
}

/// Makes a signer in `scheme`'s format (`"myclickshield"`, `"standard"` or,
/// experimental, `"standard-v1a-experimental"`, as bytes): a Standard
/// Webhooks secret is `whsec_` and base64, a v1a secret key `whsk_` and
/// base64. Other schemes are signed by their providers:
/// `CLICKFENCE_UNSUPPORTED_SCHEME`.
///
/// # Safety
/// `scheme` valid for `scheme_len` bytes, `secret` for `secret_len`; `out`
/// valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_new_with_scheme(
    scheme: *const u8,
    scheme_len: usize,
    secret: *const u8,
    secret_len: usize,
    out: *mut *mut clickfence_webhook_signer,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let scheme = tri!(unsafe { scheme_arg(scheme, scheme_len) });
        // SAFETY: caller contract.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        let s = tri!(WebhookSigner::with_scheme(scheme, secret).map_err(core_error));
        // SAFETY: `out` valid per this function's contract.
        unsafe { new_handle(out, clickfence_webhook_signer(s)) }
    })
}

/// Makes a new signer that also signs with `previous` (the secret being
/// rotated out) for deliveries timestamped up to `until`, unix seconds:
/// Standard Webhooks only (`CLICKFENCE_UNSUPPORTED_SCHEME` otherwise). The
/// original signer is left as it was.
///
/// # Safety
/// `signer` a live signer; `previous` valid for `previous_len` bytes; `out`
/// valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_with_previous(
    signer: *const clickfence_webhook_signer,
    previous: *const u8,
    previous_len: usize,
    until: u64,
    out: *mut *mut clickfence_webhook_signer,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(signer, "signer") });
        // SAFETY: caller contract.
        let previous = tri!(unsafe { bytes(previous, previous_len, "previous") });
        let rotating = tri!(s
            .0
            .clone()
            .with_previous_secret(previous, until)
            .map_err(core_error));
        // SAFETY: `out` valid per this function's contract.
        unsafe { new_handle(out, clickfence_webhook_signer(rotating)) }
    })
}

/// Writes the `whpk_` public key receivers verify a
/// `"standard-v1a-experimental"` signer's deliveries with (at most 50 bytes
/// with the NUL); an HMAC signer has none: `CLICKFENCE_UNSUPPORTED_SCHEME`.
///
/// # Safety
/// `signer` a live signer; `buf` valid for `buf_len` bytes; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_public_key(
    signer: *const clickfence_webhook_signer,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(signer, "signer") });
        let Some(public) = s.0.public_key() else {
            return core_error(WebhookError::UnsupportedScheme(s.0.scheme().name()));
        };
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(public.as_bytes(), buf, buf_len, written) }
    })
}

/// Writes a new random secret for `scheme` (`whsec_` and base64 for
/// `"standard"`, `whsk_` and base64 for `"standard-v1a-experimental"`,
/// `whsec_` and hex otherwise; at most 64 bytes with the NUL).
///
/// # Safety
/// `scheme` valid for `scheme_len` bytes; `buf` for `buf_len`; `written`
/// valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_generate_secret(
    scheme: *const u8,
    scheme_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let scheme = tri!(unsafe { scheme_arg(scheme, scheme_len) });
        let secret = tri!(WebhookSigner::generate_secret(scheme).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(secret.as_bytes(), buf, buf_len, written) }
    })
}

/// The scheme named by a C argument.
///
/// # Safety
/// `name` valid for `len` bytes.
unsafe fn scheme_arg(name: *const u8, len: usize) -> Result<Scheme, clickfence_status> {
    // SAFETY: caller contract.
    let name = unsafe { text(name, len, "scheme") }?;
    Scheme::from_name(name).map_err(core_error)
}

/// Frees a signer; NULL is a no-op.
///
/// # Safety
/// NULL or a live signer, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_free(signer: *mut clickfence_webhook_signer) {
    // SAFETY: caller contract.
    unsafe { free_handle(signer) }
}

/// Writes the 64 lower-case hex characters of HMAC-SHA256 over
/// `"{timestamp}.{body}"` (buf needs 65 bytes).
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_sign(
    signer: *const clickfence_webhook_signer,
    timestamp: u64,
    body: *const u8,
    body_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(signer, "signer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let body = tri!(unsafe { bytes(body, body_len, "body") });
        let sig = s.0.sign(timestamp, body);
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(sig.as_bytes(), buf, buf_len, written) }
    })
}

/// Writes a delivery's headers as HTTP header lines (`Name: value\r\n`
/// each): Content-Type and the four X-MyClickShield-*, or for a
/// `"standard"` signer `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`. Call it for every attempt with that attempt's
/// `timestamp`.
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_signer_headers(
    signer: *const clickfence_webhook_signer,
    event: *const u8,
    event_len: usize,
    delivery_id: *const u8,
    delivery_id_len: usize,
    timestamp: u64,
    body: *const u8,
    body_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let s = tri!(unsafe { handle(signer, "signer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let event = tri!(unsafe { text(event, event_len, "event") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let id = tri!(unsafe { text(delivery_id, delivery_id_len, "delivery_id") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let body = tri!(unsafe { bytes(body, body_len, "body") });
        let headers = tri!(s.0.headers(event, id, timestamp, body).map_err(core_error));
        let block: String = headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect();
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(block.as_bytes(), buf, buf_len, written) }
    })
}

/// Makes a verifier for `count` secrets with `tolerance` seconds (0 = the
/// default 300).
///
/// # Safety
/// `secrets` valid for `count` entries, each valid for its length; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_verifier_new(
    secrets: *const clickfence_bytes,
    count: usize,
    tolerance: u64,
    out: *mut *mut clickfence_webhook_verifier,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { verifier_from(Scheme::MyClickShield, secrets, count, tolerance) });
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_webhook_verifier(v)) }
    })
}

/// Makes a verifier of `scheme`'s deliveries (`"myclickshield"`,
/// `"standard"`, `"standard-v1a-experimental"` with `whpk_` public keys,
/// `"stripe"`, `"github"` or `"shopify"`, as bytes) for
/// `count` secrets, each turned into a key the scheme's way, with
/// `tolerance` seconds (0 = the default 300; `github` and `shopify` carry no
/// timestamp and ignore it).
///
/// # Safety
/// `scheme` valid for `scheme_len` bytes; `secrets` valid for `count`
/// entries, each valid for its length; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_verifier_new_with_scheme(
    scheme: *const u8,
    scheme_len: usize,
    secrets: *const clickfence_bytes,
    count: usize,
    tolerance: u64,
    out: *mut *mut clickfence_webhook_verifier,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let scheme = tri!(unsafe { scheme_arg(scheme, scheme_len) });
        // SAFETY: caller contract.
        let v = tri!(unsafe { verifier_from(scheme, secrets, count, tolerance) });
        // SAFETY: `out` valid per this function's contract.
        unsafe { new_handle(out, clickfence_webhook_verifier(v)) }
    })
}

/// The core verifier for C secrets.
///
/// # Safety
/// `secrets` valid for `count` entries, each valid for its length.
unsafe fn verifier_from(
    scheme: Scheme,
    secrets: *const clickfence_bytes,
    count: usize,
    tolerance: u64,
) -> Result<WebhookVerifier, clickfence_status> {
    // The count is checked before anything is sized by it.
    if !(1..=MAX_SECRETS).contains(&count) {
        return Err(core_error(WebhookError::SecretCount {
            got: count,
            max: MAX_SECRETS,
        }));
    }
    if secrets.is_null() {
        return Err(fail(
            clickfence_status::ClickfenceNullArgument,
            "secrets is NULL",
        ));
    }
    // SAFETY: caller contract: `count` valid entries.
    let entries = unsafe { std::slice::from_raw_parts(secrets, count) };
    let mut list = Vec::with_capacity(count);
    for (i, e) in entries.iter().enumerate() {
        // SAFETY: caller contract.
        list.push(unsafe { bytes(e.ptr, e.len, &format!("secrets[{i}]")) }?);
    }
    let mut v = WebhookVerifier::with_scheme(scheme, list).map_err(core_error)?;
    if tolerance != 0 {
        v = v.with_tolerance(tolerance).map_err(core_error)?;
    }
    Ok(v)
}

/// Frees a verifier; NULL is a no-op.
///
/// # Safety
/// NULL or a live verifier, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_verifier_free(
    verifier: *mut clickfence_webhook_verifier,
) {
    // SAFETY: caller contract.
    unsafe { free_handle(verifier) }
}

/// Verifies a delivery from its headers (names case-insensitive) and raw
/// body at `now`. On success `out` (which may be NULL) gets which secret
/// matched and the timestamp.
///
/// # Safety
/// `headers` valid for `header_count` entries (each part valid for its
/// length), `body` for `body_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn clickfence_webhook_verifier_verify(
    verifier: *const clickfence_webhook_verifier,
    headers: *const clickfence_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    now: u64,
    out: *mut clickfence_webhook_verified,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        // SAFETY: this function's contract is verify_delivery's.
        let verified =
            tri!(unsafe { verify_delivery(&v.0, headers, header_count, body, body_len, now) });
        // SAFETY: `out` is NULL or valid per this function's contract.
        unsafe { put_verified(out, &verified) }
    })
}

/// Remembers accepted deliveries within the verifier's tolerance and
/// refuses a second one with the same timestamp and signature (opaque;
/// thread-safe).
pub struct clickfence_replay_guard {
    verifier: WebhookVerifier,
    guard: ReplayGuard,
}

/// Makes a replay guard over a copy of `verifier` (its secrets and
/// tolerance) holding at most `capacity` deliveries (0 = 100,000). When
/// full of live entries it refuses (`CLICKFENCE_REPLAY_GUARD_FULL`) rather
/// than forget one.
///
/// # Safety
/// `verifier` a live verifier; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_replay_guard_new(
    verifier: *const clickfence_webhook_verifier,
    capacity: usize,
    out: *mut *mut clickfence_replay_guard,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = tri!(unsafe { handle(verifier, "verifier") });
        let capacity = if capacity == 0 {
            DEFAULT_REPLAY_CAPACITY
        } else {
            capacity
        };
        let g = clickfence_replay_guard {
            guard: ReplayGuard::new(v.0.tolerance(), capacity),
            verifier: v.0.clone(),
        };
        // SAFETY: `out` valid per this function's contract.
        unsafe { new_handle(out, g) }
    })
}

/// Frees a replay guard; NULL is a no-op.
///
/// # Safety
/// NULL or a live guard, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_replay_guard_free(guard: *mut clickfence_replay_guard) {
    // SAFETY: caller contract.
    unsafe { free_handle(guard) }
}

/// Verifies a delivery as `clickfence_webhook_verifier_verify` does, then
/// refuses a replay (`CLICKFENCE_REPLAYED_DELIVERY`).
///
/// # Safety
/// As `clickfence_webhook_verifier_verify`, with `guard` a live guard.
#[no_mangle]
pub unsafe extern "C" fn clickfence_replay_guard_verify(
    guard: *const clickfence_replay_guard,
    headers: *const clickfence_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    now: u64,
    out: *mut clickfence_webhook_verified,
) -> clickfence_status {
    crate::status::guard(|| {
        // SAFETY: caller contract.
        let g = tri!(unsafe { handle(guard, "guard") });
        // SAFETY: this function's contract is verify_delivery's.
        let verified = tri!(unsafe {
            verify_delivery(&g.verifier, headers, header_count, body, body_len, now)
        });
        tri!(g.guard.check(&verified, now).map_err(core_error));
        // SAFETY: `out` is NULL or valid per this function's contract.
        unsafe { put_verified(out, &verified) }
    })
}

/// The core's verification of a delivery given as C arguments.
///
/// # Safety
/// `headers` valid for `header_count` entries (each part valid for its
/// length), `body` for `body_len` bytes.
unsafe fn verify_delivery(
    verifier: &WebhookVerifier,
    headers: *const clickfence_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    now: u64,
) -> Result<Verified, clickfence_status> {
    // SAFETY: pointers and lengths are valid per this function's contract.
    let body = unsafe { bytes(body, body_len, "body") }?;
    let raw: &[clickfence_header] = if header_count == 0 {
        &[]
    } else if headers.is_null() {
        return Err(fail(
            clickfence_status::ClickfenceNullArgument,
            "headers is NULL",
        ));
    } else {
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { std::slice::from_raw_parts(headers, header_count) }
    };
    // Grown as headers are read, never sized by the caller's count.
    let mut pairs = Vec::new();
    for h in raw {
        // SAFETY: pointers and lengths are valid per this function's contract.
        let name = unsafe { bytes(h.name.ptr, h.name.len, "header name") }?;
        // SAFETY: pointers and lengths are valid per this function's contract.
        let value = unsafe { bytes(h.value.ptr, h.value.len, "header value") }?;
        pairs.push((name, value));
    }
    verifier.verify(pairs, body, now).map_err(core_error)
}

/// Writes `verified` to `out` unless `out` is NULL (it may be).
///
/// # Safety
/// `out` NULL or valid.
unsafe fn put_verified(
    out: *mut clickfence_webhook_verified,
    verified: &Verified,
) -> clickfence_status {
    if out.is_null() {
        return clickfence_status::ClickfenceOk;
    }
    let result = clickfence_webhook_verified {
        secret_index: verified.secret_index,
        timestamp: verified.timestamp,
    };
    // SAFETY: `out` is valid per this function's contract.
    unsafe { put(out, result, "out") }
}
