//! The sending side: signing a delivery and building its headers, in this
//! platform's format or Standard Webhooks'.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::events::Event;
use super::{ed25519, hex, Scheme, WebhookError};
use crate::mac::HmacKey;

/// Header carrying the event name.
pub const EVENT_HEADER: &str = "X-MyClickShield-Event";
/// Header carrying the unix timestamp in seconds.
pub const TIMESTAMP_HEADER: &str = "X-MyClickShield-Timestamp";
/// Header carrying the hex HMAC-SHA256.
pub const SIGNATURE_HEADER: &str = "X-MyClickShield-Signature";
/// Header carrying the delivery id.
pub const DELIVERY_HEADER: &str = "X-MyClickShield-Delivery";
/// Standard Webhooks' delivery id header (signed; stable across retries).
pub const STANDARD_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks' timestamp header.
pub const STANDARD_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks' signature header: `v1,<base64>`, space-separated.
pub const STANDARD_SIGNATURE_HEADER: &str = "webhook-signature";

/// Signs webhook deliveries with one endpoint secret, keyed once.
///
/// ```
/// use clickfence::WebhookSigner;
/// let signer = WebhookSigner::new("whsec_test")?;
/// let sig = signer.sign(1_746_367_200, br#"{"event":"ip.blocked"}"#);
/// assert_eq!(sig.len(), 64);
/// # Ok::<(), clickfence::WebhookError>(())
/// ```
///
/// A Standard Webhooks signer, rotating: until `until`, each delivery carries
/// a signature by the new secret and one by the old, so receivers holding
/// either verify it.
///
/// ```
/// use clickfence::{webhook::Scheme, WebhookSigner};
/// let signer = WebhookSigner::with_scheme(Scheme::Standard, "whsec_dGhlIG5ldyBzZWNyZXQsIDI0IGJ5dGVz")?
///     .with_previous_secret("whsec_dGhlIG9sZCBzZWNyZXQsIDI0IGJ5dGVz", 1_777_900_000)?;
/// let headers = signer.headers("ip.blocked", "msg_1", 1_777_896_000, b"{}")?;
/// let (_, signature) = &headers[3];
/// assert_eq!(signature.split(' ').count(), 2);
/// # Ok::<(), clickfence::WebhookError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebhookSigner {
    scheme: Scheme,
    key: SignKey,
    /// The secret being rotated out, and the last unix second it still signs.
    previous: Option<(SignKey, u64)>,
}

/// A signer's key: an HMAC secret, or an Ed25519 secret key for `v1a`.
#[derive(Clone)]
enum SignKey {
    Hmac(HmacKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl SignKey {
    fn of(scheme: Scheme, secret: &[u8]) -> Result<Self, WebhookError> {
        match scheme {
            Scheme::StandardV1aExperimental => {
                ed25519::signing_key(secret).map(|k| Self::Ed25519(Box::new(k)))
            }
            _ => scheme.key(secret).map(Self::Hmac),
        }
    }

    /// This key's Standard Webhooks signature entry over `parts`.
    fn standard_entry(&self, parts: &[&[u8]]) -> String {
        match self {
            Self::Hmac(key) => format!("v1,{}", BASE64.encode(key.tag(parts))),
            Self::Ed25519(key) => format!("v1a,{}", BASE64.encode(ed25519::sign(key, parts))),
        }
    }
}

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hmac(_) => "Hmac(<redacted>)",
            Self::Ed25519(_) => "Ed25519(<redacted>)",
        })
    }
}

/// A delivery ready to send: the exact body bytes and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// The JSON body, byte for byte as signed.
    pub body: Vec<u8>,
    /// `(name, value)` headers, in a fixed order.
    pub headers: Vec<(&'static str, String)>,
}

impl WebhookSigner {
    /// Keys a signer of this platform's format with `secret`'s bytes as given.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, WebhookError> {
        Self::with_scheme(Scheme::MyClickShield, secret)
    }

    /// A signer in `scheme`'s format: `myclickshield`, `standard` (whose
    /// secret is `whsec_` and base64) or, experimental,
    /// `standard-v1a-experimental` (a `whsk_` Ed25519 secret key). The
    /// providers' own formats are for their libraries to sign:
    /// `unsupported_scheme`.
    pub fn with_scheme(scheme: Scheme, secret: impl AsRef<[u8]>) -> Result<Self, WebhookError> {
        if !matches!(
            scheme,
            Scheme::MyClickShield | Scheme::Standard | Scheme::StandardV1aExperimental
        ) {
            return Err(WebhookError::UnsupportedScheme(scheme.name()));
        }
        Ok(Self {
            scheme,
            key: SignKey::of(scheme, secret.as_ref())?,
            previous: None,
        })
    }

    /// Also signs with `previous` (the secret being replaced) for deliveries
    /// timestamped up to `until`, unix seconds: Standard Webhooks carries
    /// both signatures. This platform's header holds one signature, so a
    /// `myclickshield` signer refuses (`unsupported_scheme`): rotate it on
    /// the receiving side, with a verifier holding both secrets.
    pub fn with_previous_secret(
        mut self,
        previous: impl AsRef<[u8]>,
        until: u64,
    ) -> Result<Self, WebhookError> {
        if self.scheme == Scheme::MyClickShield {
            return Err(WebhookError::UnsupportedScheme(self.scheme.name()));
        }
        let until = crate::check_time(until)?;
        self.previous = Some((SignKey::of(self.scheme, previous.as_ref())?, until));
        Ok(self)
    }

    /// The `whpk_` public key receivers verify a `v1a` signer's deliveries
    /// with; `None` for the HMAC schemes, whose secret is shared.
    pub fn public_key(&self) -> Option<String> {
        match &self.key {
            SignKey::Ed25519(key) => Some(ed25519::public_text(key)),
            SignKey::Hmac(_) => None,
        }
    }

    /// The scheme this signer writes.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// A new random secret for `scheme`: `whsec_` and 24 random bytes, as
    /// base64 for `standard` (what its libraries expect) and as 48 hex
    /// characters otherwise; for `standard-v1a-experimental`, `whsk_` and a
    /// random 32-byte Ed25519 seed in base64 (give receivers
    /// [`public_key`](Self::public_key)).
    pub fn generate_secret(scheme: Scheme) -> Result<String, WebhookError> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut bytes[..]).map_err(|_| WebhookError::RandomFailure)?;
        Ok(match scheme {
            Scheme::StandardV1aExperimental => format!("whsk_{}", BASE64.encode(&bytes[..])),
            Scheme::Standard => format!("whsec_{}", BASE64.encode(&bytes[..24])),
            _ => {
                let hex: String = bytes[..24].iter().map(|b| format!("{b:02x}")).collect();
                format!("whsec_{hex}")
            }
        })
    }

    /// Lower-case hex HMAC-SHA256 over `"{timestamp}.{body}"`: this
    /// platform's signature. Standard Webhooks deliveries are signed by
    /// [`headers`](Self::headers); for those signers this value is not one
    /// any receiver checks.
    pub fn sign(&self, timestamp: u64, body: &[u8]) -> String {
        let hex = hex::encode(&self.tag(timestamp, body));
        // Hex digits are ASCII.
        String::from_utf8_lossy(&hex).into_owned()
    }

    pub(crate) fn tag(&self, timestamp: u64, body: &[u8]) -> [u8; 32] {
        let mut digits = [0u8; 20];
        let ts = crate::decimal::write_decimal(timestamp, &mut digits);
        let parts: [&[u8]; 3] = [ts.as_bytes(), b".", body];
        match &self.key {
            SignKey::Hmac(key) => key.tag(&parts),
            // An Ed25519 signer has no HMAC: its "tag" is the SHA-256 of its
            // signature, never sent (headers() writes v1a entries).
            SignKey::Ed25519(key) => {
                use sha2::Digest;
                sha2::Sha256::digest(ed25519::sign(key, &parts)).into()
            }
        }
    }

    /// A delivery's headers, `Content-Type: application/json` first. This
    /// platform's format: the four spec headers. Standard Webhooks:
    /// `webhook-id` (the delivery id), `webhook-timestamp`,
    /// `webhook-signature`; the event name is in the body only. Call it again
    /// for every attempt, with that attempt's `timestamp`: a retry 30 minutes
    /// later must carry a fresh timestamp to pass the receiver's 5-minute
    /// window, and keeps `delivery_id`.
    pub fn headers(
        &self,
        event: &str,
        delivery_id: &str,
        timestamp: u64,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, WebhookError> {
        crate::check_time(timestamp)?;
        let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !visible(event) {
            return Err(WebhookError::InvalidHeaderValue(EVENT_HEADER));
        }
        if !visible(delivery_id) {
            return Err(WebhookError::InvalidHeaderValue(DELIVERY_HEADER));
        }
        let standard = matches!(
            self.scheme,
            Scheme::Standard | Scheme::StandardV1aExperimental
        );
        // The specification: an id with a '.' would let "{id}.{ts}.{body}"
        // be read with another split.
        if standard && delivery_id.contains('.') {
            return Err(WebhookError::InvalidHeaderValue(STANDARD_ID_HEADER));
        }
        let json = ("Content-Type", "application/json".to_owned());
        Ok(match self.scheme {
            Scheme::Standard | Scheme::StandardV1aExperimental => vec![
                json,
                (STANDARD_ID_HEADER, delivery_id.to_owned()),
                (STANDARD_TIMESTAMP_HEADER, timestamp.to_string()),
                (
                    STANDARD_SIGNATURE_HEADER,
                    self.standard_signatures(delivery_id, timestamp, body),
                ),
            ],
            _ => vec![
                json,
                (EVENT_HEADER, event.to_owned()),
                (TIMESTAMP_HEADER, timestamp.to_string()),
                (SIGNATURE_HEADER, self.sign(timestamp, body)),
                (DELIVERY_HEADER, delivery_id.to_owned()),
            ],
        })
    }

    /// `v1,<base64>` (`v1a,` for Ed25519) by the secret, then by the
    /// previous one while rotating.
    fn standard_signatures(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let ts = timestamp.to_string();
        let parts: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
        let mut value = self.key.standard_entry(&parts);
        if let Some((previous, until)) = &self.previous {
            if timestamp <= *until {
                value.push(' ');
                value.push_str(&previous.standard_entry(&parts));
            }
        }
        value
    }

    /// Serializes `event` in its envelope (`sent_at` = `now`) and signs the
    /// exact bytes that will be sent, in one call.
    pub fn sign_event(
        &self,
        event: &Event,
        delivery_id: &str,
        now: u64,
    ) -> Result<SignedDelivery, WebhookError> {
        let body = event.envelope_json(now);
        let headers = self.headers(event.name(), delivery_id, now, &body)?;
        Ok(SignedDelivery { body, headers })
    }
}
