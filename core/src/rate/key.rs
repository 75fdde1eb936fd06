//! Keys built from what a client sent (a click id, a shop name), bounded
//! before they reach a store: a client's text never becomes an unbounded
//! Redis key or an in-process key long enough to be refused (which would
//! skip the count it was meant for).

use std::borrow::Cow;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// The longest client text kept as it is in a key.
pub const CLIENT_KEY_MAX: usize = 64;

/// `text` as a key part: as it is when it is at most [`CLIENT_KEY_MAX`]
/// bytes of printable ASCII other than `#`, `|` and `:` (the separators
/// keys use), else `#` and the first 16 bytes of its SHA-256 in hex (33
/// bytes). Distinct texts stay distinct (the hashed form cannot be a kept
/// one, which never starts with `#`), and the same text always gives the
/// same part, on every instance.
pub fn client_key(text: &str) -> Cow<'_, str> {
    let plain = text.len() <= CLIENT_KEY_MAX
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'#' | b'|' | b':'));
    if plain {
        return Cow::Borrowed(text);
    }
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(33);
    out.push('#');
    for b in &digest[..16] {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_plain_text_stays_and_the_rest_is_hashed() {
        assert_eq!(
            client_key("sdkfjasksjskdfj9845weh"),
            "sdkfjasksjskdfj9845weh"
        );
        let long = "x".repeat(8192);
        let hashed = client_key(&long);
        assert!(hashed.starts_with('#') && hashed.len() == 33, "{hashed}");
        assert_eq!(hashed, client_key(&long), "stable");
        assert_ne!(client_key(&"x".repeat(8193)), hashed);
        for odd in ["a|b", "a:b", "#abc", "caf\u{e9}", "a b", ""] {
            let k = client_key(odd);
            assert!(k.starts_with('#') || k.is_empty(), "{odd:?} -> {k}");
        }
        assert_eq!(client_key(&"y".repeat(64)).len(), 64);
        assert_eq!(client_key(&"y".repeat(65)).len(), 33);
    }
}
