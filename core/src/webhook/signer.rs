//! The sending side: signing a delivery and building its headers.

use super::events::Event;
use super::{hex, WebhookError};
use crate::mac::HmacKey;

/// Header carrying the event name.
pub const EVENT_HEADER: &str = "X-MyClickShield-Event";
/// Header carrying the unix timestamp in seconds.
pub const TIMESTAMP_HEADER: &str = "X-MyClickShield-Timestamp";
/// Header carrying the hex HMAC-SHA256.
pub const SIGNATURE_HEADER: &str = "X-MyClickShield-Signature";
/// Header carrying the delivery id.
pub const DELIVERY_HEADER: &str = "X-MyClickShield-Delivery";

/// Signs webhook deliveries with one endpoint secret, keyed once.
///
/// ```
/// use clickfence::WebhookSigner;
/// let signer = WebhookSigner::new("whsec_test")?;
/// let sig = signer.sign(1_746_367_200, br#"{"event":"ip.blocked"}"#);
/// assert_eq!(sig.len(), 64);
/// # Ok::<(), clickfence::WebhookError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebhookSigner {
    key: HmacKey,
}

/// A delivery ready to send: the exact body bytes and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// The JSON body, byte for byte as signed.
    pub body: Vec<u8>,
    /// `(name, value)` headers, in a fixed order.
    pub headers: [(&'static str, String); 5],
}

impl WebhookSigner {
    /// Keys a signer with `secret`'s bytes as given.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, WebhookError> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(Self {
            key: HmacKey::new(secret),
        })
    }

    /// Lower-case hex HMAC-SHA256 over `"{timestamp}.{body}"`.
    pub fn sign(&self, timestamp: u64, body: &[u8]) -> String {
        let hex = hex::encode(&self.tag(timestamp, body));
        // Hex digits are ASCII.
        String::from_utf8_lossy(&hex).into_owned()
    }

    pub(crate) fn tag(&self, timestamp: u64, body: &[u8]) -> [u8; 32] {
        let mut digits = [0u8; 20];
        let ts = crate::decimal::write_decimal(timestamp, &mut digits);
        self.key.tag(&[ts.as_bytes(), b".", body])
    }

    /// The five headers of a delivery: the four spec headers and
    /// `Content-Type: application/json`. Call it again for every attempt, with
    /// that attempt's `timestamp`: a retry 30 minutes later must carry a fresh
    /// timestamp to pass the receiver's 5-minute window, and keeps `delivery_id`.
    pub fn headers(
        &self,
        event: &str,
        delivery_id: &str,
        timestamp: u64,
        body: &[u8],
    ) -> Result<[(&'static str, String); 5], WebhookError> {
        crate::check_time(timestamp)?;
        let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !visible(event) {
            return Err(WebhookError::InvalidHeaderValue(EVENT_HEADER));
        }
        if !visible(delivery_id) {
            return Err(WebhookError::InvalidHeaderValue(DELIVERY_HEADER));
        }
        Ok([
            ("Content-Type", "application/json".to_owned()),
            (EVENT_HEADER, event.to_owned()),
            (TIMESTAMP_HEADER, timestamp.to_string()),
            (SIGNATURE_HEADER, self.sign(timestamp, body)),
            (DELIVERY_HEADER, delivery_id.to_owned()),
        ])
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
