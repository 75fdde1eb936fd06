//! Pre-keyed HMAC-SHA256 shared by click signing and webhooks.
//!
//! Keying HMAC hashes the key into inner and outer pads; doing that once and
//! cloning the keyed state per message halves the SHA-256 work of a short
//! message. The raw secret is not kept: only the keyed state, which is wiped on
//! drop by the RustCrypto types' own `Drop` where they provide it.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Length of an HMAC-SHA256 tag in bytes.
pub(crate) const TAG_LEN: usize = 32;

/// An HMAC-SHA256 key with its inner and outer state computed once.
#[derive(Clone)]
pub(crate) struct HmacKey {
    keyed: Hmac<Sha256>,
}

impl HmacKey {
    /// Keys HMAC-SHA256 with `secret` exactly as given (no decoding).
    pub(crate) fn new(secret: &[u8]) -> Self {
        // `new_from_slice` accepts keys of any length for HMAC; the error arm
        // exists only for fixed-size MACs and cannot happen here.
        let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(secret) {
            Ok(mac) => mac,
            Err(_) => unreachable_hmac(),
        };
        Self { keyed }
    }

    /// The tag over the concatenation of `parts`.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Whether `expected` is the tag over `parts`, compared in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], expected: &[u8; TAG_LEN]) -> bool {
        self.tag(parts).ct_eq(expected).into()
    }
}

#[cold]
fn unreachable_hmac() -> ! {
    // HMAC is defined for keys of every length (RFC 2104 hashes long keys and
    // pads short ones), so RustCrypto never rejects one.
    unreachable!("HMAC-SHA256 accepts keys of any length")
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2.
    #[test]
    fn matches_rfc4231_case_2() {
        let key = HmacKey::new(b"Jefe");
        let tag = key.tag(&[b"what do ya want ", b"for nothing?"]);
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(key.verify(&[b"what do ya want for nothing?"], &tag));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!key.verify(&[b"what do ya want for nothing?"], &bad));
    }

    #[test]
    fn debug_never_shows_key_material() {
        assert_eq!(
            format!("{:?}", HmacKey::new(b"s3cret")),
            "HmacKey(<redacted>)"
        );
    }
}
