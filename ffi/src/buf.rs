//! Reading (pointer, length) inputs and writing NUL-terminated outputs.

use crate::status::{clickfence_status, fail};

/// Borrows `(ptr, len)` as bytes. A NULL pointer is allowed only with length 0.
///
/// # Safety
/// When non-NULL, `ptr` must be valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], clickfence_status> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(fail(
            clickfence_status::ClickfenceNullArgument,
            format!("{what} is NULL"),
        ));
    }
    // SAFETY: non-NULL and, by the caller's contract, valid for `len` bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `(ptr, len)` as UTF-8 text.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a str, clickfence_status> {
    // SAFETY: forwarded contract.
    let b = unsafe { bytes(ptr, len, what) }?;
    std::str::from_utf8(b).map_err(|e| {
        fail(
            clickfence_status::ClickfenceInvalidUtf8,
            format!("{what} is not UTF-8: {e}"),
        )
    })
}

/// Optional text: NULL means absent.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn opt_text<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<Option<&'a str>, clickfence_status> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { text(ptr, len, what) }.map(Some)
}

/// Writes `value` plus a NUL into `buf`; `written` gets `value.len()` (also
/// when the buffer is too small, so the caller learns the size needed).
///
/// # Safety
/// `buf` must be valid for `buf_len` bytes (or NULL with any length, which
/// only asks for the size) and `written` for one `usize`.
pub(crate) unsafe fn write_str(
    value: &[u8],
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    // SAFETY: forwarded contract.
    match unsafe { write_str_quiet(value, buf, buf_len, written) } {
        clickfence_status::ClickfenceNullArgument => {
            fail(clickfence_status::ClickfenceNullArgument, "written is NULL")
        }
        clickfence_status::ClickfenceBufferTooSmall => fail(
            clickfence_status::ClickfenceBufferTooSmall,
            format!(
                "buffer of {buf_len} bytes is too small: {} needed",
                value.len() + 1
            ),
        ),
        ok => ok,
    }
}

/// [`write_str`] without recording a last error: for the call that reads
/// the last error itself, which must not overwrite it when asked its size.
///
/// # Safety
/// As [`write_str`].
pub(crate) unsafe fn write_str_quiet(
    value: &[u8],
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    if written.is_null() {
        return clickfence_status::ClickfenceNullArgument;
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe { *written = value.len() };
    if buf.is_null() || buf_len < value.len() + 1 {
        return clickfence_status::ClickfenceBufferTooSmall;
    }
    // SAFETY: `buf` holds at least `value.len() + 1` bytes and cannot overlap
    // `value`, which Rust owns.
    unsafe {
        std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len());
        *buf.add(value.len()) = 0;
    }
    clickfence_status::ClickfenceOk
}

/// Writes a plain value into a non-NULL out-pointer.
///
/// # Safety
/// `out` must be NULL or valid for one `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T, what: &str) -> clickfence_status {
    if out.is_null() {
        return fail(
            clickfence_status::ClickfenceNullArgument,
            format!("{what} is NULL"),
        );
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe { out.write(value) };
    clickfence_status::ClickfenceOk
}

/// Borrows a handle.
///
/// # Safety
/// `ptr` must be NULL or a live handle made by this library.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, clickfence_status> {
    // SAFETY: by contract a non-NULL pointer is a live handle.
    unsafe { ptr.as_ref() }.ok_or_else(|| {
        fail(
            clickfence_status::ClickfenceNullArgument,
            format!("{what} is NULL"),
        )
    })
}

/// Boxes `value` into `*out` when `out` is non-NULL.
///
/// # Safety
/// `out` must be NULL or valid for one pointer.
pub(crate) unsafe fn new_handle<T>(out: *mut *mut T, value: T) -> clickfence_status {
    if out.is_null() {
        return fail(clickfence_status::ClickfenceNullArgument, "out is NULL");
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
    clickfence_status::ClickfenceOk
}

/// Frees a handle made by [`new_handle`]; NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or a handle from [`new_handle`] not yet freed.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: by contract it came from `Box::into_raw` and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// `?` for statuses: returns early from the enclosing exported body.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(status) => return status,
        }
    };
}
pub(crate) use tri;
