//! Gives the shared library its versioned SONAME, `libclickfence.so.MAJOR`
//! (as cargo-c does), so programs linked against it keep working across
//! compatible updates and refuse an incompatible one.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libclickfence.so.{major}");
    }
}
