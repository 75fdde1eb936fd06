//! `ERROR_CODES` is every code the core's error types return: each
//! `code()` match arm's string in the error modules is in the list, and
//! each listed code is returned by one of them.

use std::collections::BTreeSet;

fn returned_codes() -> BTreeSet<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut found = BTreeSet::new();
    for file in [
        "click/error.rs",
        "webhook/error.rs",
        "ip/error.rs",
        "rate/error.rs",
        "score/error.rs",
        "time.rs",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        for line in text.lines() {
            // `Self::Variant { .. } => "snake_code",`
            let Some((_, rhs)) = line.split_once("=> \"") else {
                continue;
            };
            if let Some((code, _)) = rhs.split_once('"') {
                if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    found.insert(code.to_owned());
                }
            }
        }
    }
    found
}

#[test]
fn the_list_is_exactly_the_codes_returned() {
    let listed: BTreeSet<String> = clickfence::ERROR_CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    assert_eq!(
        listed.len(),
        clickfence::ERROR_CODES.len(),
        "a code listed twice"
    );
    let returned = returned_codes();
    assert!(returned.len() > 40, "read {} codes", returned.len());
    assert_eq!(listed, returned);
}
