//! The C ABI of clickfence. Every exported function catches panics, checks
//! its pointers for NULL, and reports errors as `clickfence_status` values
//! that carry the core's stable codes. The header `include/clickfence.h` is
//! generated from this crate by cbindgen.
#![allow(non_camel_case_types)]
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod app_proxy;
mod buf;
pub mod click;
pub mod crawlers;
pub mod hosting;
pub mod ip;
pub mod rate;
pub mod score;
pub mod status;
pub mod webhook;

/// Major version, as in Cargo.toml.
pub const CLICKFENCE_VERSION_MAJOR: u32 = 0;
/// Minor version, as in Cargo.toml.
pub const CLICKFENCE_VERSION_MINOR: u32 = 1;
/// Patch version, as in Cargo.toml.
pub const CLICKFENCE_VERSION_PATCH: u32 = 0;

/// The library version, e.g. `"0.1.0"`, static and NUL-terminated.
#[no_mangle]
pub extern "C" fn clickfence_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
