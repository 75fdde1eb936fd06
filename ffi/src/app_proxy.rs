//! Shopify app-proxy signatures: which shop a storefront request came
//! through (never who sent it).

use clickfence::webhook::{app_proxy_signature, verify_app_proxy};

use crate::buf::{bytes, put, text, tri, write_str};
use crate::status::{clickfence_status, core_error, guard};

/// Verifies an app-proxy request's raw query string (without `?`) with the
/// app's shared secret at `now` (unix seconds): one well-formed `signature`
/// matching in constant time, a `timestamp` within 90 s of `now`, a `shop`.
/// Writes the shop, NUL-terminated, to `shop_buf` (`shop_written` gets its
/// length without the NUL, also when the buffer is too small) and the
/// timestamp to `*timestamp`. Errors: `CLICKFENCE_MISSING_PARAMETER`,
/// `CLICKFENCE_DUPLICATE_PARAMETER`, `CLICKFENCE_INVALID_SIGNATURE_FORMAT`,
/// `CLICKFENCE_SIGNATURE_MISMATCH`, `CLICKFENCE_TIMESTAMP_TOO_OLD`,
/// `CLICKFENCE_TIMESTAMP_IN_FUTURE`, `CLICKFENCE_INVALID_TIMESTAMP`,
/// `CLICKFENCE_EMPTY_SECRET`.
///
/// # Safety
/// Pointers valid for their lengths; `shop_written` and `timestamp` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_app_proxy_verify(
    query: *const u8,
    query_len: usize,
    secret: *const u8,
    secret_len: usize,
    now: u64,
    shop_buf: *mut u8,
    shop_buf_len: usize,
    shop_written: *mut usize,
    timestamp: *mut u64,
) -> clickfence_status {
    guard(|| {
        // SAFETY: pointers and lengths are valid per this function's contract.
        let query = tri!(unsafe { text(query, query_len, "query") });
        // SAFETY: as above.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        let request = tri!(verify_app_proxy(query, secret, now).map_err(core_error));
        // SAFETY: `timestamp` is valid (or NULL, refused) per this function's contract.
        let stored = unsafe { put(timestamp, request.timestamp, "timestamp") };
        if stored != clickfence_status::ClickfenceOk {
            return stored;
        }
        // SAFETY: as above.
        unsafe {
            write_str(
                request.shop.as_bytes(),
                shop_buf,
                shop_buf_len,
                shop_written,
            )
        }
    })
}

/// Writes the signature Shopify would send for `query`'s other parameters
/// (64 lower-case hex characters and a NUL) to `buf`.
///
/// # Safety
/// Pointers valid for their lengths; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_app_proxy_signature(
    query: *const u8,
    query_len: usize,
    secret: *const u8,
    secret_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: pointers and lengths are valid per this function's contract.
        let query = tri!(unsafe { text(query, query_len, "query") });
        // SAFETY: as above.
        let secret = tri!(unsafe { bytes(secret, secret_len, "secret") });
        let signature = tri!(app_proxy_signature(query, secret).map_err(core_error));
        // SAFETY: as above.
        unsafe { write_str(signature.as_bytes(), buf, buf_len, written) }
    })
}
