//! Standard Webhooks' asymmetric `v1a` signatures (experimental): Ed25519
//! over `"{id}.{timestamp}.{body}"`, keys serialized as `whpk_` (public) and
//! `whsk_` (secret) followed by base64.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::{Scheme, WebhookError};

const SCHEME: &str = "standard-v1a-experimental";

/// The public key `whpk_<base64 of 32 bytes>`.
pub(crate) fn public_key(text: &[u8]) -> Result<VerifyingKey, WebhookError> {
    let raw = decode(text, b"whpk_")?;
    let bytes: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| WebhookError::InvalidSecret(SCHEME))?;
    // Refuses encodings that are not a point of the curve.
    VerifyingKey::from_bytes(&bytes).map_err(|_| WebhookError::InvalidSecret(SCHEME))
}

/// The secret key `whsk_<base64>` of the 32-byte seed, or of the 64-byte
/// seed and public key (NaCl's layout; the public half must match).
pub(crate) fn signing_key(text: &[u8]) -> Result<SigningKey, WebhookError> {
    let raw = decode(text, b"whsk_")?;
    let seed: [u8; 32] = raw
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or(WebhookError::InvalidSecret(SCHEME))?;
    let key = SigningKey::from_bytes(&seed);
    match raw.len() {
        32 => Ok(key),
        64 if raw[32..] == key.verifying_key().to_bytes() => Ok(key),
        _ => Err(WebhookError::InvalidSecret(SCHEME)),
    }
}

/// `whpk_` for a signing key's public half, for receivers.
pub(crate) fn public_text(key: &SigningKey) -> String {
    format!("whpk_{}", BASE64.encode(key.verifying_key().to_bytes()))
}

/// Whether `signature` is `key`'s over the concatenation of `parts`.
/// Strict verification: no malleable or small-order forms.
pub(crate) fn verify(key: &VerifyingKey, parts: &[&[u8]], signature: &[u8]) -> bool {
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(&parts.concat(), &sig).is_ok()
}

/// `key`'s signature over the concatenation of `parts`.
pub(crate) fn sign(key: &SigningKey, parts: &[&[u8]]) -> [u8; 64] {
    key.sign(&parts.concat()).to_bytes()
}

fn decode(text: &[u8], prefix: &[u8]) -> Result<Zeroizing<Vec<u8>>, WebhookError> {
    if text.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let encoded = text
        .strip_prefix(prefix)
        .ok_or(WebhookError::InvalidSecret(
            Scheme::StandardV1aExperimental.name(),
        ))?;
    BASE64
        .decode(encoded)
        .map(Zeroizing::new)
        .map_err(|_| WebhookError::InvalidSecret(SCHEME))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 section 7.1, test 1.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIG: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn unhex(t: &str) -> Vec<u8> {
        (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn matches_rfc8032_test_1() {
        let sk = signing_key(format!("whsk_{}", BASE64.encode(unhex(SEED))).as_bytes()).unwrap();
        assert_eq!(sign(&sk, &[b""]).to_vec(), unhex(SIG));
        let pk_text = public_text(&sk);
        assert_eq!(pk_text, format!("whpk_{}", BASE64.encode(unhex(PUBLIC))));
        let pk = public_key(pk_text.as_bytes()).unwrap();
        assert!(verify(&pk, &[b""], &unhex(SIG)));
        assert!(!verify(&pk, &[b"x"], &unhex(SIG)));
        assert!(!verify(&pk, &[b""], &unhex(SIG)[..63]));
        let pair = [unhex(SEED), unhex(PUBLIC)].concat();
        assert!(signing_key(format!("whsk_{}", BASE64.encode(&pair)).as_bytes()).is_ok());
        let wrong = [unhex(SEED), vec![0; 32]].concat();
        assert_eq!(
            signing_key(format!("whsk_{}", BASE64.encode(wrong)).as_bytes())
                .unwrap_err()
                .code(),
            "invalid_secret"
        );
        assert_eq!(
            public_key(b"whsec_AAAA").unwrap_err().code(),
            "invalid_secret"
        );
        assert_eq!(public_key(b"").unwrap_err().code(), "empty_secret");
    }
}
