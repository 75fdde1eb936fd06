//! `include/clickfence.h` is what cbindgen makes of this crate, byte for byte
//! (regenerate with CLICKFENCE_REGEN=1 cargo test -p clickfence-ffi), and the
//! version macros match Cargo.toml.

use std::path::Path;

fn generate() -> Vec<u8> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let config =
        cbindgen::Config::from_file(Path::new(dir).join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_src(Path::new(dir).join("src/lib.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    out
}

#[test]
fn header_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/clickfence.h");
    let fresh = generate();
    if std::env::var_os("CLICKFENCE_REGEN").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/clickfence.h is stale: run CLICKFENCE_REGEN=1 cargo test -p clickfence-ffi --test header"
    );
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = String::from_utf8(generate()).unwrap();
    for (name, value) in [
        ("CLICKFENCE_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("CLICKFENCE_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("CLICKFENCE_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            header.contains(&format!("#define {name} {value}\n")),
            "{name} != {value}"
        );
    }
    let v = clickfence_ffi::clickfence_version();
    // SAFETY: a static NUL-terminated string.
    let v = unsafe { std::ffi::CStr::from_ptr(v) }.to_str().unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_status_in_the_header_is_in_the_status_table() {
    let header = String::from_utf8(generate()).unwrap();
    let start = header.find("enum clickfence_status").expect("status enum");
    let body = &header[start..start + header[start..].find('}').unwrap()];
    let declared = body
        .lines()
        .filter(|l| l.trim_start().starts_with("CLICKFENCE_"))
        .count();
    assert_eq!(
        declared,
        clickfence_ffi::status::clickfence_status::ALL.len()
    );
}
