//! What a delivery that passed verification is known by: which secret
//! matched, its time, its signature, and what identifies it to a replay
//! guard.

use sha2::{Digest, Sha256};

use super::{hex, Scheme, WebhookError};

/// How long a replay guard remembers a delivery of a scheme without a
/// timestamp (GitHub, Shopify), keyed by its delivery id: six hours, past
/// Shopify's four hours of retries.
pub const DELIVERY_ID_TTL: u64 = 6 * 3600;

/// A verified signature: 32 bytes for HMAC-SHA256, room for a 64-byte
/// Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature {
    bytes: [u8; 64],
    len: u8,
}

impl Signature {
    /// A signature of at most 64 bytes (longer input is cut to 64).
    pub fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(64);
        let mut out = [0u8; 64];
        out[..len].copy_from_slice(&bytes[..len]);
        Self {
            bytes: out,
            // At most 64.
            len: len as u8,
        }
    }

    /// The signature's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl From<[u8; 32]> for Signature {
    fn from(tag: [u8; 32]) -> Self {
        Self::new(&tag)
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", lower_hex(self.as_bytes()))
    }
}

/// A delivery that passed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Index, in the order given, of the secret that matched.
    pub secret_index: usize,
    /// The delivery's timestamp, unix seconds; for a scheme without one
    /// (GitHub, Shopify), the `now` it was verified at.
    pub timestamp: u64,
    /// The signature that matched.
    pub signature: Signature,
    /// The scheme it was verified in.
    pub scheme: Scheme,
    /// SHA-256 of the delivery id header of a scheme without a timestamp
    /// (`X-GitHub-Delivery`, `X-Shopify-Webhook-Id`); `None` when absent or
    /// for other schemes. The id is not signed.
    pub delivery_id: Option<[u8; 32]>,
}

impl Verified {
    /// A verified delivery of the default scheme (for tests and guards fed
    /// from elsewhere).
    pub fn new(secret_index: usize, timestamp: u64, signature: [u8; 32]) -> Self {
        Self {
            secret_index,
            timestamp,
            signature: signature.into(),
            scheme: Scheme::MyClickShield,
            delivery_id: None,
        }
    }

    /// The last unix second a replay guard must remember this delivery: its
    /// timestamp plus `tolerance`, or plus [`DELIVERY_ID_TTL`] for a scheme
    /// without a timestamp.
    pub fn remember_until(&self, tolerance: u64) -> u64 {
        let keep = if self.scheme.has_timestamp() {
            tolerance
        } else {
            DELIVERY_ID_TTL
        };
        self.timestamp.saturating_add(keep)
    }

    /// The text naming this delivery to a replay guard: the timestamp and
    /// signature (the default scheme's key has no scheme name, as before
    /// schemes existed), or the delivery id's digest for GitHub and Shopify,
    /// whose signatures cover the body alone (two deliveries may share one).
    pub fn replay_name(&self) -> Result<String, WebhookError> {
        let signature = lower_hex(self.signature.as_bytes());
        match (self.scheme, self.scheme.delivery_id_header()) {
            (Scheme::MyClickShield, _) => Ok(format!("{}:{signature}", self.timestamp)),
            (scheme, None) => Ok(format!("{scheme}:{}:{signature}", self.timestamp)),
            (scheme, Some(header)) => {
                let id = self
                    .delivery_id
                    .ok_or(WebhookError::MissingHeader(header))?;
                Ok(format!("{scheme}:id:{}", lower_hex(&id)))
            }
        }
    }

    /// A fixed-size digest of [`replay_name`](Self::replay_name), for
    /// in-memory guards.
    pub(crate) fn replay_digest(&self) -> Result<[u8; 32], WebhookError> {
        Ok(Sha256::digest(self.replay_name()?.as_bytes()).into())
    }
}

/// SHA-256 of a delivery id as received.
pub(crate) fn id_digest(id: &[u8]) -> [u8; 32] {
    Sha256::digest(id).into()
}

fn lower_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for chunk in bytes.chunks(32) {
        let mut tag = [0u8; 32];
        tag[..chunk.len()].copy_from_slice(chunk);
        let text = hex::encode(&tag);
        // Hex digits are ASCII.
        out.push_str(&String::from_utf8_lossy(&text[..chunk.len() * 2]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_names_per_scheme() {
        let v = Verified::new(0, 1000, [0xab; 32]);
        assert_eq!(
            v.replay_name().unwrap(),
            format!("1000:{}", "ab".repeat(32))
        );
        let stripe = Verified {
            scheme: Scheme::Stripe,
            ..v
        };
        assert_eq!(
            stripe.replay_name().unwrap(),
            format!("stripe:1000:{}", "ab".repeat(32))
        );
        let github = Verified {
            scheme: Scheme::GitHub,
            ..v
        };
        assert_eq!(github.replay_name().unwrap_err().code(), "missing_header");
        let github = Verified {
            delivery_id: Some([1; 32]),
            ..github
        };
        assert_eq!(
            github.replay_name().unwrap(),
            format!("github:id:{}", "01".repeat(32))
        );
        assert_eq!(github.remember_until(300), 1000 + DELIVERY_ID_TTL);
        assert_eq!(v.remember_until(300), 1300);
    }

    #[test]
    fn signatures_hold_64_bytes() {
        let s = Signature::new(&[7; 64]);
        assert_eq!(s.as_bytes().len(), 64);
        assert_eq!(Signature::from([1; 32]).as_bytes(), &[1; 32]);
        assert_eq!(format!("{:?}", Signature::new(&[0xff])), "Signature(ff)");
    }
}
