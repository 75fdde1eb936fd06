//! API tokens: `mcs_live_` + 40 random base62 characters, shown once, stored
//! only as a SHA-256 hash.

use sha2::{Digest, Sha256};

/// A new token's text.
pub fn generate() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::from("mcs_live_");
    // Rejection sampling keeps every character uniform.
    while out.len() < 9 + 40 {
        let mut buf = [0u8; 64];
        getrandom::fill(&mut buf)?;
        for b in buf {
            if b < 248 && out.len() < 49 {
                out.push(ALPHABET[usize::from(b % 62)] as char);
            }
        }
    }
    Ok(out)
}

/// Whether `token` has the shape [`generate`] gives (`mcs_live_` and 40
/// base62 characters); anything else is wrong without a lookup.
pub fn well_formed(token: &str) -> bool {
    token.len() == 49
        && token.starts_with("mcs_live_")
        && token.bytes().skip(9).all(|b| b.is_ascii_alphanumeric())
}

/// The stored form of a token: lower-case hex SHA-256 of its text.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_look_right_and_differ() {
        let a = super::generate().unwrap();
        let b = super::generate().unwrap();
        assert!(a.starts_with("mcs_live_") && a.len() == 49 && a != b);
        assert_eq!(super::hash(&a).len(), 64);
    }
}
