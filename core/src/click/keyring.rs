//! Secret keys and the verifier's ring of at most two active ones.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::ClickError;
use crate::mac::HmacKey;

/// The most keys that may be active at once (the spec's request limit).
pub const MAX_ACTIVE_KEYS: usize = 2;
/// Longest accepted `ttl_hours`: one year.
pub const MAX_TTL_HOURS: u64 = 24 * 365;
/// The spec's recommended key lifetime.
pub const DEFAULT_TTL_HOURS: u64 = 36;

/// A freshly generated secret key, as the generate-key API returns it.
///
/// The secret is wiped from memory when this value is dropped and never
/// appears in `Debug` output.
#[derive(Clone)]
pub struct SecretKey {
    /// A UUIDv4, e.g. `59ad6547-affc-45eb-a6c9-9805f88ee755`.
    pub id: String,
    /// 32 random bytes in standard base64 (44 characters), used as text.
    pub secret: Zeroizing<String>,
    /// Expiry in unix seconds.
    pub expires_at: u64,
}

impl SecretKey {
    /// Generates a key that expires `ttl_hours` after `now` (unix seconds).
    /// The spec recommends 36 hours, rotated every 24.
    pub fn generate(ttl_hours: u64, now: u64) -> Result<Self, ClickError> {
        if !(1..=MAX_TTL_HOURS).contains(&ttl_hours) {
            return Err(ClickError::InvalidTtl(ttl_hours));
        }
        let mut raw = Zeroizing::new([0u8; 32]);
        getrandom::fill(raw.as_mut()).map_err(|_| ClickError::Random)?;
        let mut uuid = [0u8; 16];
        getrandom::fill(&mut uuid).map_err(|_| ClickError::Random)?;
        Ok(Self {
            id: uuid_v4(uuid),
            secret: Zeroizing::new(STANDARD.encode(raw.as_ref())),
            expires_at: now.saturating_add(ttl_hours * 3600),
        })
    }
}

/// A random (version 4, RFC 9562) UUID from 16 random bytes, hyphenated and
/// lower-case: `59ad6547-affc-45eb-a6c9-9805f88ee755`.
fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A key held by the verifier: its id, keyed HMAC and expiry.
#[derive(Debug, Clone)]
pub(crate) struct RingKey {
    pub(crate) id: std::sync::Arc<str>,
    pub(crate) mac: HmacKey,
    pub(crate) expires_at: u64,
}

impl RingKey {
    pub(crate) fn is_active(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// Keys known to the verifier. Expired keys stay until the next change so a
/// report can still name them, but never verify a click.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyRing {
    keys: Vec<RingKey>,
}

impl KeyRing {
    /// Adds a key; refuses a third active key, a duplicate id, or a key that
    /// has already expired.
    pub(crate) fn add(
        &mut self,
        id: &str,
        secret: &[u8],
        expires_at: u64,
        now: u64,
    ) -> Result<(), ClickError> {
        if id.is_empty() || id.len() > 128 {
            return Err(ClickError::InvalidKeyId);
        }
        if secret.is_empty() {
            return Err(ClickError::EmptySecret);
        }
        if expires_at <= now {
            return Err(ClickError::KeyAlreadyExpired { expires_at, now });
        }
        self.keys.retain(|k| k.is_active(now));
        if self.keys.iter().any(|k| &*k.id == id) {
            return Err(ClickError::DuplicateKeyId(id.to_owned()));
        }
        if self.keys.len() >= MAX_ACTIVE_KEYS {
            return Err(ClickError::TooManyActiveKeys);
        }
        self.keys.push(RingKey {
            id: id.into(),
            mac: HmacKey::new(secret),
            expires_at,
        });
        Ok(())
    }

    /// Removes the key `id`.
    pub(crate) fn revoke(&mut self, id: &str) -> Result<(), ClickError> {
        let before = self.keys.len();
        self.keys.retain(|k| &*k.id != id);
        if self.keys.len() == before {
            return Err(ClickError::UnknownKey(id.to_owned()));
        }
        Ok(())
    }

    /// Keys active at `now`.
    pub(crate) fn active(&self, now: u64) -> impl Iterator<Item = &RingKey> {
        self.keys.iter().filter(move |k| k.is_active(now))
    }

    /// Room for one more key at `now`.
    pub(crate) fn has_room(&self, now: u64) -> bool {
        self.active(now).count() < MAX_ACTIVE_KEYS
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn key_ids_are_version_4_uuids() {
        for _ in 0..100 {
            let id = SecretKey::generate(36, 0).unwrap().id;
            let b = id.as_bytes();
            assert_eq!(id.len(), 36, "{id}");
            assert_eq!([b[8], b[13], b[18], b[23]], [b'-'; 4], "{id}");
            assert_eq!(b[14], b'4', "{id}");
            assert!(b"89ab".contains(&b[19]), "{id}");
            assert!(id
                .bytes()
                .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        }
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    use super::*;

    #[test]
    fn generated_keys_look_like_the_spec_example() {
        let k = SecretKey::generate(36, 1_000).unwrap();
        assert_eq!(k.id.len(), 36);
        assert_eq!(&k.id[14..15], "4", "UUID version 4");
        assert_eq!(k.secret.len(), 44);
        assert_eq!(STANDARD.decode(k.secret.as_bytes()).unwrap().len(), 32);
        assert_eq!(k.expires_at, 1_000 + 36 * 3600);
        let other = SecretKey::generate(36, 1_000).unwrap();
        assert_ne!(k.id, other.id);
        assert_ne!(*k.secret, *other.secret);
        assert!(!format!("{k:?}").contains(k.secret.as_str()));
    }

    #[test]
    fn ttl_must_be_between_one_hour_and_a_year() {
        assert_eq!(
            SecretKey::generate(0, 0).unwrap_err(),
            ClickError::InvalidTtl(0)
        );
        assert!(SecretKey::generate(MAX_TTL_HOURS, 0).is_ok());
        assert!(SecretKey::generate(MAX_TTL_HOURS + 1, 0).is_err());
    }

    #[test]
    fn a_third_active_key_is_refused_until_one_expires() {
        let mut ring = KeyRing::default();
        ring.add("a", b"1", 100, 0).unwrap();
        ring.add("b", b"2", 200, 0).unwrap();
        assert_eq!(
            ring.add("c", b"3", 300, 0),
            Err(ClickError::TooManyActiveKeys)
        );
        // At 100, key "a" has expired and makes room.
        ring.add("c", b"3", 300, 100).unwrap();
        let ids: Vec<_> = ring.active(100).map(|k| &*k.id).collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn revoke_and_duplicates() {
        let mut ring = KeyRing::default();
        ring.add("a", b"1", 100, 0).unwrap();
        assert_eq!(
            ring.add("a", b"1", 100, 0),
            Err(ClickError::DuplicateKeyId("a".into()))
        );
        ring.revoke("a").unwrap();
        assert_eq!(ring.revoke("a"), Err(ClickError::UnknownKey("a".into())));
        assert_eq!(
            ring.add("x", b"1", 5, 5),
            Err(ClickError::KeyAlreadyExpired {
                expires_at: 5,
                now: 5
            })
        );
        assert_eq!(ring.add("", b"1", 50, 5), Err(ClickError::InvalidKeyId));
    }
}
